// Package app is the coderready GitHub App: the webhook endpoint, event
// routing, installation clients, durable check jobs, check-run and review
// reporting, repository and organisation config, the setup (manifest) flow
// and the operational pages. The checking itself is scan's and checks';
// neither knows GitHub.
package app

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/docker/go-units"

	"github.com/coderready/coderready/app/auth"
	"github.com/coderready/coderready/app/rulepages"
	"github.com/coderready/coderready/app/source"
	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/checks"
)

// Environment variables `coderready serve` reads.
const (
	EnvAppID          = "CODERREADY_APP_ID"
	EnvPrivateKeyFile = "CODERREADY_PRIVATE_KEY_FILE"
	EnvWebhookSecret  = "CODERREADY_WEBHOOK_SECRET"
	EnvListen         = "CODERREADY_LISTEN"
	EnvDataDir        = "CODERREADY_DATA_DIR"
	// EnvWorkDir is where jobs check pull requests out (see
	// Settings.WorkDir).
	EnvWorkDir      = "CODERREADY_WORK_DIR"
	EnvDatabaseURL  = "CODERREADY_DATABASE_URL"
	EnvGitHubURL    = "CODERREADY_GITHUB_URL"
	EnvGitHubAPIURL = "CODERREADY_GITHUB_API_URL"
	EnvPublicURL    = "CODERREADY_PUBLIC_URL"
	// EnvRulesURL is where check runs link rule IDs (see
	// Settings.RulesURL).
	EnvRulesURL      = "CODERREADY_RULES_URL"
	EnvBuildNetwork  = "CODERREADY_BUILD_NETWORK"
	EnvBuildEngine   = "CODERREADY_BUILD_ENGINE"
	EnvBuildMemory   = "CODERREADY_BUILD_MEMORY"
	EnvBuildCPUs     = "CODERREADY_BUILD_CPUS"
	EnvBuildPids     = "CODERREADY_BUILD_PIDS"
	EnvNoRegistry    = "CODERREADY_NO_REGISTRY"
	EnvWebhookMemory = "CODERREADY_WEBHOOK_MEMORY"
	// EnvRequireRemoteBuilder makes /readyz fail while builds would run on
	// this machine's Docker engine (see Settings.RequireRemoteBuilder).
	EnvRequireRemoteBuilder = "CODERREADY_REQUIRE_REMOTE_BUILDER"
	// EnvDockerHost is the Docker engine builds go to, as for the docker
	// CLI.
	EnvDockerHost = "DOCKER_HOST"
	// EnvAdminTokenFile names a file holding the status page's admin
	// token (see Settings.AdminTokenFile).
	EnvAdminTokenFile = "CODERREADY_ADMIN_TOKEN_FILE"
	// EnvClientID and EnvClientSecretFile are the GitHub App's OAuth
	// credentials, for signing in to the status page with GitHub, when
	// the app was not created by /setup (which stores them).
	EnvClientID         = "CODERREADY_CLIENT_ID"
	EnvClientSecretFile = "CODERREADY_CLIENT_SECRET_FILE"
	// EnvSessionKeyFile names the key that signs the status page's
	// sessions (see Settings.SessionKeyFile).
	EnvSessionKeyFile = "CODERREADY_SESSION_KEY_FILE"
)

// sessionKeyFile is the default session key's name in the data dir.
const sessionKeyFile = "session.key"

// DefaultWebhookMemory is the default of Settings.WebhookMemory.
const DefaultWebhookMemory = 64 << 20

// credentialsFile and keyFile are where the setup flow stores what GitHub
// returned for the app it created, inside the data dir.
const (
	credentialsFile = "github-app.json"
	keyFile         = "github-app.private-key.pem"
)

// Settings is how `coderready serve` is configured: flags over the
// environment over credentials saved by the setup flow.
type Settings struct {
	// AppID is the GitHub App's ID.
	AppID int64
	// PrivateKeyFile is the app's private key (PEM); PrivateKey its bytes.
	PrivateKeyFile string
	PrivateKey     []byte
	// WebhookSecret verifies X-Hub-Signature-256.
	WebhookSecret string
	// Listen is the HTTP address (default ":8080").
	Listen string
	// DataDir holds the SQLite database, saved credentials and the layer
	// cache.
	DataDir string
	// WorkDir holds the jobs' checkouts of pull requests (default
	// $TMPDIR/coderready-work). It must lie apart from DataDir, neither
	// inside the other: a checkout is a stranger's files, and no path in
	// it may lead to the app's key or database.
	WorkDir string
	// DatabaseURL is a PostgreSQL URL; empty uses SQLite in DataDir.
	DatabaseURL string
	// GitHubURL is GitHub's web address (https://github.com, or a GitHub
	// Enterprise Server); GitHubAPIURL its REST API (derived when empty:
	// api.github.com, or <GHES>/api/v3).
	GitHubURL    string
	GitHubAPIURL string
	// PublicURL is where GitHub reaches this server (for the manifest's
	// webhook and redirect URLs); empty takes it from the setup request.
	PublicURL string
	// RulesURL is where the check runs' rule IDs link: a URL with "{id}"
	// in it (replaced by the rule's ID) or the address of a copy of
	// docs/rules.md (the rule's anchor, "#cr101", is appended). Empty
	// links this server's own pages, PublicURL/rules/CR101, when
	// PublicURL is set, else the project's published docs/rules.md.
	RulesURL string
	// Build is how every build runs: network, engine ("auto": BuildKit
	// when the engine offers it), resource limits (applied with the
	// classic builder; features are then not applied, since the Dev
	// Containers CLI cannot apply them) and time limit. Read once, by
	// build.ParseSettings.
	Build build.Settings
	// SourceLimits bound each pull request snapshot the jobs extract
	// (zero fields: the source package's defaults); a snapshot over them
	// gets a neutral "not checked" check run saying which.
	SourceLimits source.Limits
	// NoBuild never builds (static and base-image checks only).
	NoBuild bool
	// NoProbe never runs built images (the agent bootstrap probe);
	// repositories can also turn it off with config `probe: off`.
	NoProbe bool
	// NoRegistry never reads base images from a registry (the local engine
	// only).
	NoRegistry bool
	// CompareBase builds the base branch's image too, for the summary's
	// "changed against the base branch" (default true).
	CompareBase bool
	// Workers bounds how many check jobs run at once (default 2).
	Workers int
	// WebhookMemory caps the bytes held by webhook bodies whose signature
	// is not yet verified, all requests together (default
	// DefaultWebhookMemory; at least 1 MiB). Past it a request waits
	// briefly, then is answered 503.
	WebhookMemory int64
	// Version is the server's version, shown on its pages.
	Version string
	// AppURL is the app's page on GitHub (known after setup), for the
	// install link.
	AppURL string
	// DockerHost is DOCKER_HOST, the engine builds go to; empty is this
	// machine's default socket. An engine on this machine is warned about
	// at start, on the status page and in /readyz (see BuildsOnThisHost).
	DockerHost string
	// RequireRemoteBuilder makes /readyz answer 503 while builds would run
	// on this machine; without it the local engine is only a warning.
	RequireRemoteBuilder bool
	// ClientID and ClientSecret are the GitHub App's OAuth credentials:
	// with them the status page offers "Sign in with GitHub". /setup
	// stores them; ClientSecretFile reads the secret from a file.
	ClientID, ClientSecret, ClientSecretFile string
	// AdminTokenFile holds the status page's admin token (at least 32
	// characters; its holder sees every installation). Empty: no admin
	// token. AdminToken is the token loaded from it; it never prints.
	AdminTokenFile string
	AdminToken     auth.AdminToken
	// SessionKeyFile is the key that signs the status page's sessions
	// (default: session.key in the data dir, made on first start, 0600).
	// Replicas behind one address need the same key, or a session made
	// by one is refused by the others.
	SessionKeyFile string
}

// SettingsFromEnv reads the environment into Settings. Flags set later
// override it.
func SettingsFromEnv() (Settings, error) {
	s := Settings{
		PrivateKeyFile: os.Getenv(EnvPrivateKeyFile),
		WebhookSecret:  os.Getenv(EnvWebhookSecret),
		Listen:         os.Getenv(EnvListen),
		DataDir:        os.Getenv(EnvDataDir),
		WorkDir:        os.Getenv(EnvWorkDir),
		DatabaseURL:    os.Getenv(EnvDatabaseURL),
		GitHubURL:      os.Getenv(EnvGitHubURL),
		GitHubAPIURL:   os.Getenv(EnvGitHubAPIURL),
		PublicURL:      os.Getenv(EnvPublicURL),
		RulesURL:       os.Getenv(EnvRulesURL),
		DockerHost:     os.Getenv(EnvDockerHost),
		CompareBase:    true,

		ClientID:         os.Getenv(EnvClientID),
		ClientSecretFile: os.Getenv(EnvClientSecretFile),
		AdminTokenFile:   os.Getenv(EnvAdminTokenFile),
		SessionKeyFile:   os.Getenv(EnvSessionKeyFile),
	}
	if v := os.Getenv(EnvAppID); v != "" {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || id <= 0 {
			return s, fmt.Errorf("%s: want the app's numeric ID, got %q", EnvAppID, v)
		}
		s.AppID = id
	}
	b, err := build.ParseSettings(os.Getenv(EnvBuildNetwork), os.Getenv(EnvBuildEngine),
		os.Getenv(EnvBuildMemory), os.Getenv(EnvBuildCPUs), os.Getenv(EnvBuildPids), 0)
	if err != nil {
		return s, fmt.Errorf("%s, %s, %s, %s, %s: %w", EnvBuildNetwork, EnvBuildEngine, EnvBuildMemory, EnvBuildCPUs, EnvBuildPids, err)
	}
	s.Build = b
	if v := os.Getenv(EnvWebhookMemory); v != "" {
		n, err := units.RAMInBytes(v)
		if err != nil || n < 1<<20 {
			return s, fmt.Errorf("%s: want a size of at least 1m, e.g. 64m, got %q", EnvWebhookMemory, v)
		}
		s.WebhookMemory = n
	}
	if v := os.Getenv(EnvNoRegistry); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return s, fmt.Errorf("%s: want true or false, got %q", EnvNoRegistry, v)
		}
		s.NoRegistry = b
	}
	if v := os.Getenv(EnvRequireRemoteBuilder); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return s, fmt.Errorf("%s: want true or false, got %q", EnvRequireRemoteBuilder, v)
		}
		s.RequireRemoteBuilder = b
	}
	return s, nil
}

// DefaultDataDir is where serve keeps its database, the credentials the
// setup flow saved and the image cache when CODERREADY_DATA_DIR is unset:
// $XDG_STATE_HOME/coderready, else ~/.local/state/coderready. State, not a
// cache: cleaning cache folders must not lose the app's key or its queue.
// The server image sets /var/lib/coderready.
func DefaultDataDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "coderready"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "state", "coderready"), nil
}

// Normalize fills defaults, derives the API URL, loads the private key and,
// when the environment named no app, the credentials the setup flow saved.
func (s *Settings) Normalize() error {
	if s.Listen == "" {
		s.Listen = ":8080"
	}
	if s.DataDir == "" {
		dir, err := DefaultDataDir()
		if err != nil {
			return fmt.Errorf("data dir: %w (set %s)", err, EnvDataDir)
		}
		s.DataDir = dir
	}
	// The database and the app's private key live here: for the server's
	// user only.
	if err := os.MkdirAll(s.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if err := s.normalizeWorkDir(); err != nil {
		return err
	}
	if s.GitHubURL == "" {
		s.GitHubURL = "https://github.com"
	}
	s.GitHubURL = strings.TrimRight(s.GitHubURL, "/")
	if _, err := url.Parse(s.GitHubURL); err != nil {
		return fmt.Errorf("%s: %w", EnvGitHubURL, err)
	}
	if s.GitHubAPIURL == "" {
		s.GitHubAPIURL = apiURLFor(s.GitHubURL)
	}
	s.GitHubAPIURL = strings.TrimRight(s.GitHubAPIURL, "/") + "/"
	for _, u := range []struct{ env, v string }{{EnvPublicURL, s.PublicURL}, {EnvRulesURL, s.RulesURL}} {
		if u.v == "" {
			continue
		}
		// Both end up in links GitHub shows: absolute http(s) only.
		if p, err := url.Parse(strings.ReplaceAll(u.v, "{id}", "CR101")); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return fmt.Errorf("%s: want an absolute http(s) URL, got %q", u.env, u.v)
		}
	}
	if s.Workers <= 0 {
		s.Workers = 2
	}
	if s.WebhookMemory <= 0 {
		s.WebhookMemory = DefaultWebhookMemory
	}
	if s.AppID == 0 && s.PrivateKeyFile == "" && s.WebhookSecret == "" {
		if err := s.loadSaved(); err != nil {
			return err
		}
	}
	if s.PrivateKeyFile != "" && len(s.PrivateKey) == 0 {
		key, err := os.ReadFile(s.PrivateKeyFile)
		if err != nil {
			return fmt.Errorf("%s: %w", EnvPrivateKeyFile, err)
		}
		s.PrivateKey = key
	}
	return s.normalizeStatusAuth()
}

// normalizeStatusAuth loads what the status page's sign-in needs: the
// OAuth client secret (from its file, else saved by /setup), the admin
// token and the session key's path.
func (s *Settings) normalizeStatusAuth() error {
	if s.ClientSecretFile != "" && s.ClientSecret == "" {
		b, err := os.ReadFile(s.ClientSecretFile)
		if err != nil {
			return fmt.Errorf("%s: %w", EnvClientSecretFile, err)
		}
		s.ClientSecret = strings.TrimSpace(string(b))
	}
	if s.ClientID == "" || s.ClientSecret == "" {
		if c, ok, err := readSaved(s.DataDir); err != nil {
			return err
		} else if ok && c.AppID == s.AppID {
			s.ClientID, s.ClientSecret = cmp.Or(s.ClientID, c.ClientID), cmp.Or(s.ClientSecret, c.ClientSecret)
		}
	}
	if s.AdminTokenFile != "" && !s.AdminToken.Set() {
		tok, err := auth.LoadAdminToken(s.AdminTokenFile)
		if err != nil {
			return fmt.Errorf("%s: %w", EnvAdminTokenFile, err)
		}
		s.AdminToken = tok
	}
	if s.SessionKeyFile == "" {
		s.SessionKeyFile = filepath.Join(s.DataDir, sessionKeyFile)
	}
	return nil
}

// apiURLFor derives the REST API address from GitHub's web address.
func apiURLFor(web string) string {
	u, err := url.Parse(web)
	if err == nil && (u.Host == "github.com" || u.Host == "www.github.com") {
		return "https://api.github.com/"
	}
	return web + "/api/v3/"
}

// Missing names what the app still needs before it can act on webhooks;
// empty when it is ready.
func (s *Settings) Missing() []string {
	var m []string
	if s.AppID == 0 {
		m = append(m, EnvAppID)
	}
	if len(s.PrivateKey) == 0 {
		m = append(m, EnvPrivateKeyFile)
	}
	if s.WebhookSecret == "" {
		m = append(m, EnvWebhookSecret)
	}
	return m
}

// hasCredentials reports whether any of the app's credentials is set (from
// the environment, flags or the setup flow's files): the setup flow then
// never runs, so it cannot replace or shadow them.
func (s *Settings) hasCredentials() bool {
	return s.AppID != 0 || len(s.PrivateKey) > 0 || s.PrivateKeyFile != "" || s.WebhookSecret != ""
}

// savedCredentials is what the manifest flow stores (the key is a separate
// 0600 file).
type savedCredentials struct {
	AppID         int64  `json:"app_id"`
	Slug          string `json:"slug"`
	HTMLURL       string `json:"html_url"`
	WebhookSecret string `json:"webhook_secret"`
	ClientID      string `json:"client_id"`
	ClientSecret  string `json:"client_secret"`
	GitHubURL     string `json:"github_url"`
}

// readSaved reads the credentials the setup flow saved in dataDir; ok is
// false when there are none.
func readSaved(dataDir string) (c savedCredentials, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dataDir, credentialsFile))
	if errors.Is(err, os.ErrNotExist) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("saved app credentials: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, false, fmt.Errorf("saved app credentials %s: %w", filepath.Join(dataDir, credentialsFile), err)
	}
	return c, true, nil
}

// loadSaved reads credentials saved by the setup flow, if any.
func (s *Settings) loadSaved() error {
	c, ok, err := readSaved(s.DataDir)
	if err != nil || !ok {
		return err
	}
	s.AppID = c.AppID
	s.AppURL = c.HTMLURL
	s.WebhookSecret = c.WebhookSecret
	s.PrivateKeyFile = filepath.Join(s.DataDir, keyFile)
	return nil
}

// errCredentialsExist is returned by saveCredentials when a credentials file
// is already in the data dir.
var errCredentialsExist = errors.New("app credentials are already stored")

// saveCredentials writes what GitHub returned for a new app: the key file
// with mode 0600, then the JSON (also 0600: it holds the webhook secret and
// client secret). It never replaces a stored credential: when either file
// exists it fails with errCredentialsExist and changes nothing. Each file is
// written to a temporary name and linked into place (which fails when the
// name exists), so a crash leaves no file or a complete one; when the JSON
// cannot be written the key just written is removed again.
func saveCredentials(dataDir string, c savedCredentials, pem []byte) error {
	keyPath, credPath := filepath.Join(dataDir, keyFile), filepath.Join(dataDir, credentialsFile)
	for _, p := range []string{keyPath, credPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("save app credentials: %s: %w", p, errCredentialsExist)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("save app credentials: %w", err)
		}
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("save app credentials: %w", err)
	}
	if err := writeFileNew(keyPath, pem, 0o600); err != nil {
		return fmt.Errorf("save app key: %w", err)
	}
	if err := writeFileNew(credPath, b, 0o600); err != nil {
		_ = os.Remove(keyPath) // ours: written just above
		return fmt.Errorf("save app credentials: %w", err)
	}
	return nil
}

// writeFileNew writes a new file at path, complete or not at all, and never
// replaces one that exists (fs.ErrExist, wrapping errCredentialsExist).
func writeFileNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }() // the link keeps the data
	if err := f.Chmod(mode); err != nil {
		_ = f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// link(2), unlike rename(2), fails when path exists.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w", path, errCredentialsExist)
		}
		return err
	}
	return nil
}

// normalizeWorkDir fills the default work dir, creates it (0700: other
// users of the machine have no business in a checkout) and refuses one
// that overlaps the data dir.
func (s *Settings) normalizeWorkDir() error {
	if s.WorkDir == "" {
		s.WorkDir = filepath.Join(os.TempDir(), "coderready-work")
	}
	if err := os.MkdirAll(s.WorkDir, 0o700); err != nil {
		return fmt.Errorf("work dir: %w", err)
	}
	work, err := realDir(s.WorkDir)
	if err != nil {
		return fmt.Errorf("work dir: %w", err)
	}
	data, err := realDir(s.DataDir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if within(work, data) || within(data, work) {
		return fmt.Errorf("work dir %s and data dir %s overlap: the jobs' checkouts of pull requests must lie apart from the app's key and database (set %s or %s)",
			s.WorkDir, s.DataDir, EnvWorkDir, EnvDataDir)
	}
	return nil
}

// realDir is dir made absolute with its links resolved.
func realDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// within reports whether p is dir or lies under it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

// RuleURL is the link to rule id's documentation in what the app posts
// (see RulesURL).
func (s Settings) RuleURL(id string) string {
	switch {
	case strings.Contains(s.RulesURL, "{id}"):
		return strings.ReplaceAll(s.RulesURL, "{id}", id)
	case s.RulesURL != "":
		return strings.TrimSuffix(s.RulesURL, "#") + "#" + checks.RuleAnchor(id)
	case s.PublicURL != "":
		return rulepages.URL(s.PublicURL, id)
	}
	return checks.RuleDocURL(id)
}
