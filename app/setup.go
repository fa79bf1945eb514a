package app

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// setupStates are the CSRF states of manifest flows in progress.
type setupStates struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func (s *setupStates) add() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	st := hex.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]time.Time{}
	}
	for k, t := range s.m {
		if time.Since(t) > time.Hour {
			delete(s.m, k)
		}
	}
	s.m[st] = time.Now()
	return st
}

func (s *setupStates) take(st string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.m[st]
	delete(s.m, st)
	return ok && time.Since(t) < time.Hour
}

var orgRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)

// manifestFor fills the manifest's URLs with the server's public address.
func manifestFor(raw []byte, public string) (string, error) {
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return "", fmt.Errorf("app.yml: %w", err)
	}
	hook, _ := m["hook_attributes"].(map[string]any)
	if hook == nil {
		hook = map[string]any{}
	}
	hook["url"] = public + "/webhook"
	m["hook_attributes"] = hook
	m["redirect_url"] = public + "/setup/callback"
	m["setup_url"] = public + "/"
	b, err := json.Marshal(m)
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
{{if .Missing}}<p class="warn">Not set up yet: missing {{range $i, $m := .Missing}}{{if $i}}, {{end}}<code>{{$m}}</code>{{end}}. Webhooks are refused until the app exists.</p>
<p>Create the GitHub App from this server's manifest (<code>app.yml</code>): GitHub asks you to confirm, then sends you back here and coderready stores the app's credentials in its data dir (<code>{{.DataDir}}</code>, key file mode 0600).</p>
<form action="{{.Action}}" method="post">
<input type="hidden" name="manifest" value="{{.Manifest}}">
<p><label>Organization (empty for your personal account): <input name="org_display" value="{{.Org}}" disabled></label> — add <code>?org=NAME</code> to this page's address to create it for an organization.</p>
<p>GitHub will send webhooks to <code>{{.Public}}/webhook</code>.</p>
<button type="submit">Create the GitHub App on {{.GitHub}}</button>
</form>
{{else}}<p class="ok">The GitHub App is set up (app ID {{.AppID}}).{{if .InstallURL}} <a href="{{.InstallURL}}">Install it on repositories</a>.{{end}}</p>{{end}}
{{if .Message}}<p class="{{.MessageClass}}">{{.Message}}</p>{{end}}
<p><a href="/">Status</a></p>
</body></html>`))

type setupData struct {
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

// serveSetup shows the manifest flow's start: a button that posts app.yml
// to GitHub.
func (a *App) serveSetup(w http.ResponseWriter, r *http.Request) {
	s := a.Settings()
	d := setupData{Missing: s.Missing(), DataDir: s.DataDir, Public: a.publicURL(r), GitHub: s.GitHubURL, AppID: s.AppID, InstallURL: a.installURL()}
	if len(d.Missing) > 0 {
		if len(a.opts.Manifest) == 0 {
			d.Message, d.MessageClass = "This server was started without its app.yml manifest; set the app's credentials in the environment instead.", "warn"
		} else {
			m, err := manifestFor(a.opts.Manifest, d.Public)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			d.Manifest = m
			d.Org = r.URL.Query().Get("org")
			state := a.setup.add()
			action := s.GitHubURL + "/settings/apps/new"
			if d.Org != "" {
				if !orgRE.MatchString(d.Org) {
					http.Error(w, "bad organization name", http.StatusBadRequest)
					return
				}
				action = s.GitHubURL + "/organizations/" + url.PathEscape(d.Org) + "/settings/apps/new"
			}
			d.Action = action + "?state=" + url.QueryEscape(state)
		}
	}
	a.renderSetup(w, http.StatusOK, d)
}

func (a *App) renderSetup(w http.ResponseWriter, code int, d setupData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action *")
	w.WriteHeader(code)
	_ = setupPage.Execute(w, d)
}

// serveSetupCallback finishes the manifest flow: exchanges the code GitHub
// sent back for the app's credentials, stores them and starts using them.
func (a *App) serveSetupCallback(w http.ResponseWriter, r *http.Request) {
	s := a.Settings()
	d := setupData{DataDir: s.DataDir, Public: a.publicURL(r), GitHub: s.GitHubURL}
	code, state := r.URL.Query().Get("code"), r.URL.Query().Get("state")
	if code == "" || !a.setup.take(state) {
		d.Missing = s.Missing()
		d.Message, d.MessageClass = "This setup link is not valid (missing code, or an unknown or expired state). Start again from /setup.", "warn"
		a.renderSetup(w, http.StatusBadRequest, d)
		return
	}
	a.mu.RLock()
	gh, err := a.gh.plain()
	a.mu.RUnlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	cfg, _, err := gh.Apps.CompleteAppManifest(r.Context(), code)
	if err != nil {
		a.log.Error("setup: manifest conversion failed", "err", err)
		d.Missing = s.Missing()
		d.Message, d.MessageClass = "GitHub did not accept the setup code: "+err.Error(), "warn"
		a.renderSetup(w, http.StatusBadGateway, d)
		return
	}
	saved := savedCredentials{
		AppID: cfg.GetID(), Slug: cfg.GetSlug(), HTMLURL: cfg.GetHTMLURL(), WebhookSecret: cfg.GetWebhookSecret(),
		ClientID: cfg.GetClientID(), ClientSecret: cfg.GetClientSecret(), GitHubURL: s.GitHubURL,
	}
	if err := saveCredentials(s.DataDir, saved, []byte(cfg.GetPEM())); err != nil {
		a.log.Error("setup: could not store the credentials", "err", err)
		http.Error(w, "could not store the app's credentials: "+err.Error(), http.StatusInternalServerError)
		return
	}
	a.mu.Lock()
	a.settings.AppID = saved.AppID
	a.settings.WebhookSecret = saved.WebhookSecret
	a.settings.PrivateKey = []byte(cfg.GetPEM())
	a.settings.PrivateKeyFile = ""
	a.settings.AppURL = saved.HTMLURL
	a.mu.Unlock()
	if err := a.setClients(); err != nil {
		a.log.Error("setup: the new app's key does not load", "err", err)
	}
	a.log.Info("setup: GitHub App created and stored", "app_id", saved.AppID, "slug", saved.Slug)
	d.AppID = saved.AppID
	d.InstallURL = a.installURL()
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
