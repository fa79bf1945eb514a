package app

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/coderready/coderready/store"
)

// setupStateTTL is how long the state of a /setup page may be redeemed:
// the time to confirm the app on GitHub.
const setupStateTTL = 10 * time.Minute

// setupStates is the manifest flow's per-process part; the states
// themselves live in the store, so a state issued by one replica is
// redeemed by any.
type setupStates struct {
	// now is the clock; nil is time.Now (tests set it).
	now func() time.Time

	// manifest is app.yml parsed once, not on every /setup.
	manifestOnce sync.Once
	manifest     map[string]any
	manifestErr  error
}

func (s *setupStates) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// issueSetupState stores a new random state, redeemable once within
// setupStateTTL: one insert, whatever the table holds.
func (a *App) issueSetupState(ctx context.Context) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("setup state: %w", err)
	}
	st := hex.EncodeToString(b)
	if err := a.store.CreateSetupState(ctx, st, a.setup.clock().Add(setupStateTTL)); err != nil {
		return "", err
	}
	return st, nil
}

// orgRE is GitHub's login syntax: letters, digits and single hyphens
// between them, at most 39 characters (checked apart).
var orgRE = regexp.MustCompile(`^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$`)

// validOrg reports whether org may be a GitHub organization's login.
func validOrg(org string) bool { return len(org) <= 39 && orgRE.MatchString(org) }

// parsedManifest is app.yml, parsed on first use.
func (a *App) parsedManifest() (map[string]any, error) {
	a.setup.manifestOnce.Do(func() {
		var m map[string]any
		if err := yaml.Unmarshal(a.opts.Manifest, &m); err != nil {
			a.setup.manifestErr = fmt.Errorf("app.yml: %w", err)
			return
		}
		a.setup.manifest = m
	})
	return a.setup.manifest, a.setup.manifestErr
}

// manifestFor is the manifest m with its URLs pointing at the server's
// public address (m is not changed).
func manifestFor(m map[string]any, public string) (string, error) {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]any{}
	}
	hook, _ := out["hook_attributes"].(map[string]any)
	hook = maps.Clone(hook)
	if hook == nil {
		hook = map[string]any{}
	}
	hook["url"] = public + "/webhook"
	out["hook_attributes"] = hook
	out["redirect_url"] = public + "/setup/callback"
	out["setup_url"] = public + "/"
	// Where GitHub sends a user back after "Sign in with GitHub" on the
	// status page.
	out["callback_urls"] = []string{public + "/auth/callback"}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("app.yml: %w", err)
	}
	return string(b), nil
}

// publicURL is where GitHub reaches this server.
func (a *App) publicURL(r *http.Request) string {
	if p := a.Settings().PublicURL; p != "" {
		return strings.TrimRight(p, "/")
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

var setupPage = template.Must(template.New("setup").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>coderready setup</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em}code{background:#f3f3f3;padding:0 .2em}.warn{background:#fff4e5;border:1px solid #f0b35a;padding:.6em 1em}.ok{background:#eaf7ea;border:1px solid #6cbf6c;padding:.6em 1em}</style>
</head><body>
<h1>coderready setup</h1>
{{if .Message}}<p class="{{.MessageClass}}">{{.Message}}</p>{{end}}
{{if .Done}}<p class="ok">The GitHub App is set up (app ID {{.AppID}}).{{if .InstallURL}} <a href="{{.InstallURL}}">Install it on repositories</a>.{{end}}</p>
{{else if .Flow}}<p class="warn">Not set up yet: missing {{range $i, $m := .Missing}}{{if $i}}, {{end}}<code>{{$m}}</code>{{end}}. Webhooks are refused until the app exists.</p>
<p>Create the GitHub App from this server's manifest (<code>app.yml</code>): GitHub asks you to confirm, then sends you back here and coderready stores the app's credentials in its data dir (<code>{{.DataDir}}</code>, mode 0600). This works once: afterwards the setup flow refuses to replace the app.</p>
<form action="/setup" method="get">
<p><label>Organization that will own the app (empty for your personal account): <input name="org" value="{{.Org}}" maxlength="39" pattern="[A-Za-z0-9]+(-[A-Za-z0-9]+)*" autocomplete="organization"></label>
<button type="submit">{{if .Action}}Change{{else}}Continue{{end}}</button></p>
</form>
{{if .Action}}<form action="{{.Action}}" method="post">
<input type="hidden" name="manifest" value="{{.Manifest}}">
<p>The app will belong to {{if .Org}}the organization <code>{{.Org}}</code>{{else}}your personal account{{end}}; GitHub will send webhooks to <code>{{.Public}}/webhook</code>. This page's link to GitHub works once, for 10 minutes.</p>
<button type="submit">Create the GitHub App on {{.GitHub}}{{if .Org}} for {{.Org}}{{end}}</button>
</form>{{end}}{{end}}
<p><a href="/">Status</a></p>
</body></html>`))

type setupData struct {
	// Done: the app is configured; Flow: the manifest flow may run.
	Done, Flow   bool
	Missing      []string
	DataDir      string
	Action       string
	Manifest     string
	Org          string
	Public       string
	GitHub       string
	AppID        int64
	InstallURL   string
	Message      string
	MessageClass string
}

// setupBlocked says why the manifest flow may not run, or "" when it may:
// the app has credentials (from the environment, flags or an earlier
// setup), or a replica on the same database already created one.
func (a *App) setupBlocked(ctx context.Context, s Settings) (string, error) {
	howToRedo := "To create a new app instead: stop coderready, remove " + credentialsFile + " and " + keyFile +
		" from " + s.DataDir + " (or unset " + EnvAppID + ", " + EnvPrivateKeyFile + " and " + EnvWebhookSecret +
		"), run `coderready serve --forget-setup` once, and start it again."
	if s.hasCredentials() {
		if m := s.Missing(); len(m) > 0 {
			return "This server is partly configured (missing " + strings.Join(m, ", ") + "): set the rest the same way; the setup flow does not replace credentials. " + howToRedo, nil
		}
		return fmt.Sprintf("This server is already set up (GitHub App %d); the setup flow runs once and never replaces the app's credentials. %s", s.AppID, howToRedo), nil
	}
	rec, done, err := a.store.SetupDone(ctx)
	if err != nil {
		return "", err
	}
	if done {
		return fmt.Sprintf("The setup flow already created GitHub App %d (at %s, possibly through another replica), and this server has no credentials: give it the app's (copy %s and %s into %s, or set %s, %s and %s). %s",
			rec.AppID, rec.CompletedAt.Format(time.RFC3339), credentialsFile, keyFile, s.DataDir, EnvAppID, EnvPrivateKeyFile, EnvWebhookSecret, howToRedo), nil
	}
	return "", nil
}

// serveSetup shows the manifest flow: a form for the organization, then a
// button that posts app.yml to GitHub with a fresh state. Its work per
// request is constant: one read of the one-row setup record, and one
// insert of a state once the owner is chosen.
func (a *App) serveSetup(w http.ResponseWriter, r *http.Request) {
	// Another replica may have finished the flow: show it done here too.
	a.adoptCredentials(r.Context())
	s := a.Settings()
	d := setupData{Missing: s.Missing(), DataDir: s.DataDir, Public: a.publicURL(r), GitHub: s.GitHubURL, AppID: s.AppID, InstallURL: a.installURL()}
	if s.hasCredentials() && len(d.Missing) == 0 {
		d.Done = true
		a.renderSetup(w, http.StatusOK, d)
		return
	}
	blocked, err := a.setupBlocked(r.Context(), s)
	if err != nil {
		a.log.Error("setup: could not read the setup record", "err", err)
		d.Message, d.MessageClass = "The database does not answer: "+err.Error(), "warn"
		a.renderSetup(w, http.StatusServiceUnavailable, d)
		return
	}
	if blocked != "" {
		d.Message, d.MessageClass = blocked, "warn"
		a.renderSetup(w, http.StatusOK, d)
		return
	}
	manifest, err := a.parsedManifest()
	if len(a.opts.Manifest) == 0 || err != nil {
		d.Message, d.MessageClass = "This server was started without a usable app.yml manifest; set the app's credentials in the environment instead.", "warn"
		if err != nil {
			d.Message += " (" + err.Error() + ")"
		}
		a.renderSetup(w, http.StatusOK, d)
		return
	}
	d.Flow = true
	q := r.URL.Query()
	if !q.Has("org") {
		// The owner is not chosen yet: no state issued.
		a.renderSetup(w, http.StatusOK, d)
		return
	}
	d.Org = strings.TrimSpace(q.Get("org"))
	if d.Org != "" && !validOrg(d.Org) {
		d.Message, d.MessageClass = fmt.Sprintf("%q is not a GitHub organization name: letters, digits and single hyphens between them, at most 39 characters.", d.Org), "warn"
		a.renderSetup(w, http.StatusBadRequest, d)
		return
	}
	if d.Manifest, err = manifestFor(manifest, d.Public); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	state, err := a.issueSetupState(r.Context())
	if err != nil {
		a.log.Error("setup: could not store a state", "err", err)
		d.Message, d.MessageClass = "Could not start the setup: "+err.Error(), "warn"
		a.renderSetup(w, http.StatusServiceUnavailable, d)
		return
	}
	action := s.GitHubURL + "/settings/apps/new"
	if d.Org != "" {
		action = s.GitHubURL + "/organizations/" + url.PathEscape(d.Org) + "/settings/apps/new"
	}
	d.Action = action + "?state=" + url.QueryEscape(state)
	a.renderSetup(w, http.StatusOK, d)
}

func (a *App) renderSetup(w http.ResponseWriter, code int, d setupData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action *")
	w.Header().Set("Cache-Control", "no-store") // the page holds a single-use state
	w.WriteHeader(code)
	_ = setupPage.Execute(w, d)
}

// errSetupTaken: another request (or replica) completed the setup while
// this one talked to GitHub.
var errSetupTaken = errors.New("the setup flow already created an app")

// serveSetupCallback finishes the manifest flow: redeems the state,
// exchanges the code GitHub sent back for the app's credentials, records
// the app in the database and stores its credentials, then starts using
// them. Once the app has credentials, or the database records an app, it
// refuses every state (409) without touching anything.
func (a *App) serveSetupCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s := a.Settings()
	d := setupData{Missing: s.Missing(), DataDir: s.DataDir, Public: a.publicURL(r), GitHub: s.GitHubURL, AppID: s.AppID, InstallURL: a.installURL()}
	refuse := func(code int, msg string) {
		d.Message, d.MessageClass = msg, "warn"
		a.renderSetup(w, code, d)
	}
	blocked, err := a.setupBlocked(ctx, s)
	if err != nil {
		a.log.Error("setup: could not read the setup record", "err", err)
		refuse(http.StatusServiceUnavailable, "The database does not answer: "+err.Error())
		return
	}
	if blocked != "" {
		a.log.Warn("setup: callback refused: the app is already set up", "remote", r.RemoteAddr)
		refuse(http.StatusConflict, "Setup refused. "+blocked)
		return
	}
	code, state := r.URL.Query().Get("code"), r.URL.Query().Get("state")
	if code == "" || state == "" {
		refuse(http.StatusBadRequest, "This setup link is not valid (missing code or state). Start again from /setup.")
		return
	}
	now := a.setup.clock()
	err = a.store.ConsumeSetupState(ctx, state, now)
	// Expired states go now (after the redeem, which tells an expired state
	// from an unknown one); the slots bound them anyway.
	if _, perr := a.store.PruneSetupStates(ctx, now); perr != nil {
		a.log.Warn("setup: could not prune expired states", "err", perr)
	}
	if err != nil {
		switch {
		case errors.Is(err, store.ErrSetupStateExpired):
			refuse(http.StatusBadRequest, "This setup link has expired (it works for 10 minutes). Start again from /setup.")
		case errors.Is(err, store.ErrSetupStateUnknown):
			refuse(http.StatusBadRequest, "This setup link is not valid: its state is unknown or was already used. Start again from /setup.")
		default:
			a.log.Error("setup: could not redeem the state", "err", err)
			refuse(http.StatusServiceUnavailable, "The database does not answer: "+err.Error())
		}
		return
	}
	a.mu.RLock()
	gh, err := a.gh.plain()
	a.mu.RUnlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	cfg, _, err := gh.Apps.CompleteAppManifest(ctx, code)
	if err != nil {
		a.log.Error("setup: manifest conversion failed", "err", err)
		refuse(http.StatusBadGateway, "GitHub did not accept the setup code: "+err.Error()+". Start again from /setup.")
		return
	}
	saved := savedCredentials{
		AppID: cfg.GetID(), Slug: cfg.GetSlug(), HTMLURL: cfg.GetHTMLURL(), WebhookSecret: cfg.GetWebhookSecret(),
		ClientID: cfg.GetClientID(), ClientSecret: cfg.GetClientSecret(), GitHubURL: s.GitHubURL,
	}
	// The claim and the files exist together or not at all: the claim's
	// transaction commits only once both files are written.
	err = a.store.InTx(ctx, func(tx *sql.Tx) error {
		claimed, err := a.store.ClaimSetup(ctx, tx, saved.AppID, now)
		if err != nil {
			return err
		}
		if !claimed {
			return errSetupTaken
		}
		// In the database too: every replica takes them from there.
		stored, err := json.Marshal(storedCredentials{savedCredentials: saved, PEM: cfg.GetPEM()})
		if err != nil {
			return err
		}
		if err := a.store.SetSetupCredentials(ctx, tx, stored); err != nil {
			return err
		}
		return saveCredentials(s.DataDir, saved, []byte(cfg.GetPEM()))
	})
	if errors.Is(err, errSetupTaken) || errors.Is(err, errCredentialsExist) {
		a.log.Warn("setup: GitHub created an app, but this server was set up meanwhile; it is not used", "app_id", saved.AppID, "slug", saved.Slug)
		refuse(http.StatusConflict, fmt.Sprintf("Setup refused: this server was set up meanwhile. GitHub created the app %s (ID %d), which is not used: delete it in its settings on GitHub (%s/advanced).", saved.Slug, saved.AppID, saved.HTMLURL))
		return
	}
	if err != nil {
		a.log.Error("setup: could not store the credentials", "err", err)
		http.Error(w, "could not store the app's credentials: "+err.Error(), http.StatusInternalServerError)
		return
	}
	a.mu.Lock()
	a.settings.AppID = saved.AppID
	a.settings.WebhookSecret = saved.WebhookSecret
	a.settings.PrivateKey = []byte(cfg.GetPEM())
	a.settings.PrivateKeyFile = filepath.Join(s.DataDir, keyFile)
	a.settings.AppURL = saved.HTMLURL
	a.settings.ClientID, a.settings.ClientSecret = saved.ClientID, saved.ClientSecret
	a.mu.Unlock()
	if err := a.setClients(); err != nil {
		a.log.Error("setup: the new app's key does not load", "err", err)
	}
	a.log.Info("setup: GitHub App created and stored", "app_id", saved.AppID, "slug", saved.Slug)
	d.Missing, d.Done, d.AppID, d.InstallURL = nil, true, saved.AppID, a.installURL()
	d.Message, d.MessageClass = "Created the GitHub App "+saved.Slug+". Install it on the repositories to check.", "ok"
	a.renderSetup(w, http.StatusOK, d)
}

// installURL is where an admin installs the app, when known.
func (a *App) installURL() string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.settings.AppURL == "" {
		return ""
	}
	return a.settings.AppURL + "/installations/new"
}

// ForgetSetup lets the setup flow create a new app: it deletes the
// database's record of the app the flow created. It refuses while the
// server still has credentials (in the environment or the data dir), which
// must be removed first, so the flow can never replace them.
func ForgetSetup(ctx context.Context, s Settings) (store.SetupRecord, error) {
	if err := s.Normalize(); err != nil {
		return store.SetupRecord{}, err
	}
	if s.hasCredentials() {
		return store.SetupRecord{}, fmt.Errorf("the app's credentials are still configured: remove %s and %s from %s, and unset %s, %s and %s, first",
			credentialsFile, keyFile, s.DataDir, EnvAppID, EnvPrivateKeyFile, EnvWebhookSecret)
	}
	if s.DatabaseURL == "" {
		// SQLite: the data dir is one server's; it must not be running.
		l, err := lockDataDir(s.DataDir)
		if err != nil {
			return store.SetupRecord{}, err
		}
		defer l.release()
	}
	st, err := store.Open(ctx, store.Options{DatabaseURL: s.DatabaseURL, DataDir: s.DataDir})
	if err != nil {
		return store.SetupRecord{}, fmt.Errorf("open store: %w", err)
	}
	defer func() { _ = st.Close() }()
	rec, _, err := st.SetupDone(ctx)
	if err != nil {
		return store.SetupRecord{}, err
	}
	return rec, st.ForgetSetup(ctx)
}
