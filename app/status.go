package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/coderready/coderready/app/auth"
	"github.com/coderready/coderready/app/statuspage"
	"github.com/coderready/coderready/store"
)

// The status page (GET /) is for admins, behind a sign-in: a GitHub user
// signs in through the app's own OAuth credentials and sees the
// installations of the app they can access on GitHub, and nothing of any
// other; the holder of the admin token sees every installation. An
// anonymous visitor gets the sign-in page, which holds no data.

const (
	// loginStateTTL is how long a "Sign in with GitHub" may take.
	loginStateTTL = 10 * time.Minute
	// loginNonceCookie binds the admin-token form's CSRF token to the
	// browser it was shown to; oauthStateCookie binds the OAuth state.
	loginNonceCookie = "coderready_login"
	oauthStateCookie = "coderready_oauth_state"
	// statusCacheTTL is how long GitHub's answers (installations, their
	// repositories) are reused by the page.
	statusCacheTTL = time.Minute
	// statusGitHubTimeout bounds the page's calls to GitHub.
	statusGitHubTimeout = 10 * time.Second
	// Rows shown per section.
	recentRows     = 25
	errorRows      = 10
	maxShownRepos  = 30
	maxShownInst   = 100
	maxErrorLength = 500
)

// statusState is the status page's per-process part.
type statusState struct {
	sealer *auth.Sealer

	mu       sync.Mutex
	appURL   string // the app's page on GitHub, from GET /app
	installs cached[[]*github.Installation]
	repos    map[int64]cached[*github.ListRepositories]
}

// cached is one of GitHub's answers, kept statusCacheTTL.
type cached[T any] struct {
	v  T
	at time.Time
}

// initStatus loads (or makes) the session key.
func (a *App) initStatus() error {
	key, err := auth.LoadOrCreateKey(a.settings.SessionKeyFile)
	if err != nil {
		return fmt.Errorf("status page sessions: %w (%s)", err, EnvSessionKeyFile)
	}
	sealer, err := auth.NewSealer(key)
	if err != nil {
		return fmt.Errorf("status page sessions: %w", err)
	}
	a.status = statusState{sealer: sealer, repos: map[int64]cached[*github.ListRepositories]{}}
	return nil
}

// oauth is the GitHub sign-in's configuration.
func (a *App) oauth() auth.OAuth {
	s := a.Settings()
	return auth.OAuth{WebURL: s.GitHubURL, APIURL: s.GitHubAPIURL, ClientID: s.ClientID, ClientSecret: s.ClientSecret, Transport: a.transport}
}

// secureCookies reports whether the page is served over HTTPS (directly,
// behind a proxy that says so, or by its public URL): its cookies are then
// Secure.
func (a *App) secureCookies(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") ||
		strings.HasPrefix(strings.ToLower(a.Settings().PublicURL), "https://")
}

// pageHeaders sets the headers every status and sign-in page has.
func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", statuspage.ContentSecurityPolicy)
	h.Set("Cache-Control", statuspage.CacheControl)
	h.Set("Referrer-Policy", statuspage.ReferrerPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
}

// serveStatus is GET /: the status page for a signed-in admin, else the
// sign-in page.
func (a *App) serveStatus(w http.ResponseWriter, r *http.Request) {
	sess, err := a.status.sealer.FromRequest(r)
	if err != nil {
		msg := ""
		if errors.Is(err, auth.ErrExpiredSession) {
			msg = "Your session ended: sign in again."
		}
		a.renderSignIn(w, r, http.StatusOK, msg)
		return
	}
	c, _ := r.Cookie(auth.SessionCookie)
	p := a.statusPage(r.Context(), sess)
	p.CSRF = a.status.sealer.CSRF("session:" + c.Value)
	pageHeaders(w)
	if err := statuspage.RenderPage(w, p); err != nil {
		a.log.Error("status page", "err", err)
	}
}

// renderSignIn answers the sign-in page, giving the browser a sign-in
// nonce (the admin-token form's CSRF binding) when it has none.
func (a *App) renderSignIn(w http.ResponseWriter, r *http.Request, code int, msg string) {
	nonce := ""
	if c, err := r.Cookie(loginNonceCookie); err == nil && len(c.Value) == 64 {
		nonce = c.Value
	} else {
		nonce = randomHex(32)
		http.SetCookie(w, &http.Cookie{Name: loginNonceCookie, Value: nonce, Path: "/", MaxAge: int(auth.SessionTTL.Seconds()),
			HttpOnly: true, Secure: a.secureCookies(r), SameSite: http.SameSiteLaxMode})
	}
	s := a.Settings()
	pageHeaders(w)
	w.WriteHeader(code)
	err := statuspage.RenderSignIn(w, statuspage.SignIn{
		GitHub: a.oauth().Configured(), GitHubURL: s.GitHubURL, Token: s.AdminToken.Set(), CSRF: a.status.sealer.CSRF("login:" + nonce),
		Message: msg, Missing: s.Missing(),
	})
	if err != nil {
		a.log.Error("sign-in page", "err", err)
	}
}

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// sameOrigin reports whether a POST came from this server's own pages:
// its Origin header, when the browser sends one, is the server's.
func (a *App) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true // the CSRF token decides
	}
	return strings.EqualFold(strings.TrimRight(o, "/"), a.publicURL(r))
}

// serveSignInGitHub is GET /auth/github: it stores a single-use state and
// sends the browser to GitHub to authorize the app.
func (a *App) serveSignInGitHub(w http.ResponseWriter, r *http.Request) {
	o := a.oauth()
	if !o.Configured() {
		a.renderSignIn(w, r, http.StatusNotFound, "Signing in with GitHub is not configured on this server.")
		return
	}
	state := randomHex(32)
	if err := a.store.CreateLoginState(r.Context(), state, time.Now().Add(loginStateTTL)); err != nil {
		a.log.Error("sign-in: could not store a state", "err", err)
		a.renderSignIn(w, r, http.StatusServiceUnavailable, "Could not start signing in: the database does not answer.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oauthStateCookie, Value: state, Path: "/auth", MaxAge: int(loginStateTTL.Seconds()),
		HttpOnly: true, Secure: a.secureCookies(r), SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, o.AuthorizeURL(state, a.publicURL(r)+"/auth/callback"), http.StatusFound)
}

// serveSignInCallback is GET /auth/callback, where GitHub sends the
// browser back: the state must be the one this browser was given and
// unused; the code is exchanged for a user token, used once to learn who
// signed in and which installations of the app they can access, and
// dropped. A user who can access none is refused.
func (a *App) serveSignInCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	secure := a.secureCookies(r)
	http.SetCookie(w, &http.Cookie{Name: oauthStateCookie, Value: "", Path: "/auth", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		a.renderSignIn(w, r, http.StatusForbidden, "GitHub did not sign you in: "+e+".")
		return
	}
	state, code := q.Get("state"), q.Get("code")
	c, err := r.Cookie(oauthStateCookie)
	if state == "" || code == "" || err != nil || !hmac.Equal([]byte(c.Value), []byte(state)) {
		a.renderSignIn(w, r, http.StatusBadRequest, "This sign-in link is not valid in this browser: sign in again.")
		return
	}
	now := time.Now()
	err = a.store.ConsumeLoginState(ctx, state, now)
	if _, perr := a.store.PruneLoginStates(ctx, now); perr != nil {
		a.log.Warn("sign-in: could not prune expired states", "err", perr)
	}
	if err != nil {
		if errors.Is(err, store.ErrLoginStateExpired) || errors.Is(err, store.ErrLoginStateUnknown) {
			a.renderSignIn(w, r, http.StatusBadRequest, "This sign-in link has expired or was used already: sign in again.")
			return
		}
		a.log.Error("sign-in: could not redeem the state", "err", err)
		a.renderSignIn(w, r, http.StatusServiceUnavailable, "Could not sign you in: the database does not answer.")
		return
	}
	o := a.oauth()
	gctx, cancel := context.WithTimeout(ctx, statusGitHubTimeout)
	defer cancel()
	token, err := o.Exchange(gctx, code, a.publicURL(r)+"/auth/callback")
	if err != nil {
		a.log.Warn("sign-in: code exchange failed", "err", err)
		a.renderSignIn(w, r, http.StatusBadGateway, "GitHub did not complete the sign-in: sign in again.")
		return
	}
	login, grants, err := o.Identify(gctx, token)
	if err != nil {
		a.log.Warn("sign-in: could not look the user up", "err", err)
		a.renderSignIn(w, r, http.StatusBadGateway, "GitHub did not say who you are: sign in again.")
		return
	}
	if len(grants) == 0 {
		a.log.Info("sign-in refused: the user can access no installation of the app", "login", login)
		a.renderSignIn(w, r, http.StatusForbidden, fmt.Sprintf("Your GitHub account %s can access no installation of this app: the status page is for members of the organizations it is installed on.", login))
		return
	}
	if err := a.status.sealer.SetSession(w, auth.Session{Login: login, Grants: grants}, secure); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	a.log.Info("status page: signed in with GitHub", "login", login, "installations", len(grants))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// maxSignInForm bounds the sign-in and sign-out forms' bodies.
const maxSignInForm = 8 << 10

// serveSignInToken is POST /auth/token: the admin token, from the sign-in
// page's form (its CSRF token bound to the browser's sign-in nonce).
func (a *App) serveSignInToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSignInForm)
	if err := r.ParseForm(); err != nil {
		a.renderSignIn(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	nonce := ""
	if c, err := r.Cookie(loginNonceCookie); err == nil {
		nonce = c.Value
	}
	if !a.sameOrigin(r) || !a.status.sealer.CheckCSRF("login:"+nonce, r.PostForm.Get("csrf")) {
		a.renderSignIn(w, r, http.StatusForbidden, "This form is out of date: sign in again.")
		return
	}
	tok := a.Settings().AdminToken
	if !tok.Set() {
		a.renderSignIn(w, r, http.StatusNotFound, "No admin token is configured on this server.")
		return
	}
	if !tok.Matches(r.PostForm.Get("token")) {
		a.log.Warn("status page: a wrong admin token was given", "remote", r.RemoteAddr)
		a.renderSignIn(w, r, http.StatusForbidden, "That is not the admin token.")
		return
	}
	if err := a.status.sealer.SetSession(w, auth.Session{Admin: true}, a.secureCookies(r)); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	a.log.Info("status page: signed in with the admin token", "remote", r.RemoteAddr)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// serveSignOut is POST /auth/signout, from the status page's form.
func (a *App) serveSignOut(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSignInForm)
	c, err := r.Cookie(auth.SessionCookie)
	if err != nil || r.ParseForm() != nil || !a.sameOrigin(r) || !a.status.sealer.CheckCSRF("session:"+c.Value, r.PostForm.Get("csrf")) {
		http.Error(w, "sign-out refused: this form is out of date", http.StatusForbidden)
		return
	}
	auth.ClearSession(w, a.secureCookies(r))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// scopeOf is what a session may see in the store.
func scopeOf(sess auth.Session) store.Scope {
	if sess.Admin {
		return store.Scope{All: true}
	}
	return store.Scope{Installations: sess.InstallationIDs(), Owners: sess.Accounts()}
}

// statusPage gathers what sess may see. A part that cannot be gathered is
// named in Problems; the rest is shown.
func (a *App) statusPage(ctx context.Context, sess auth.Session) statuspage.Page {
	s := a.Settings()
	b := a.builders.status()
	p := statuspage.Page{
		Who: sess.Who(), Admin: sess.Admin, Hidden: sess.Truncated,
		Version: s.Version, GitHubURL: s.GitHubURL, Database: a.store.Dialect(), AppID: s.AppID,
		Missing: s.Missing(), LocalBuilds: a.localBuilds(),
		Builder: statuspage.Builder{Configured: b.Configured, Up: b.Up, Local: BuildsOnThisHost(s.DockerHost), Error: b.Error, Checked: b.Checked, Since: b.Since},
		Now:     time.Now(),
	}
	problem := func(what string, err error) {
		a.log.Warn("status page: "+what, "err", err)
		p.Problems = append(p.Problems, what+": "+err.Error())
	}
	sc := scopeOf(sess)
	var err error
	if p.InstallURL, err = a.statusInstallURL(ctx); err != nil {
		problem("GitHub did not say where the app is installed (GET /app)", err)
	}
	if p.Installations, err = a.statusInstallations(ctx, sess); err != nil {
		problem("GitHub did not list the app's installations (those recorded from webhooks are shown)", err)
	}
	ds, err := a.store.RecentDeliveries(ctx, sc, recentRows)
	if err != nil {
		problem("recent deliveries", err)
	}
	for _, d := range ds {
		p.Deliveries = append(p.Deliveries, statuspage.Delivery{ID: d.ID, Event: d.Event, Action: d.Action, Repo: d.Repo, Result: d.Result,
			InstallationID: d.InstallationID, ReceivedAt: d.ReceivedAt, RoutedAt: d.RoutedAt})
	}
	runs, err := a.store.RecentCheckRuns(ctx, sc, recentRows)
	if err != nil {
		problem("recent check runs", err)
	}
	for _, cr := range runs {
		p.CheckRuns = append(p.CheckRuns, statuspage.CheckRun{Repo: cr.Repo, HeadSHA: cr.HeadSHA, Name: cr.Name, Status: cr.Status,
			Conclusion: cr.Conclusion, URL: cr.HTMLURL, Duration: cr.Duration(), UpdatedAt: cr.UpdatedAt})
	}
	if p.Queue, err = a.statusQueue(ctx); err != nil {
		problem("the queue", err)
	}
	if p.Errors, err = a.statusErrors(ctx, sess); err != nil {
		problem("the last errors", err)
	}
	return p
}

// statusInstallations are the installations sess may see, with their
// repositories: for the admin token every installation GitHub lists (and
// any recorded from webhooks), for a user those of their session.
func (a *App) statusInstallations(ctx context.Context, sess auth.Session) ([]statuspage.Installation, error) {
	recorded, err := a.store.Installations(ctx)
	if err != nil {
		return nil, err
	}
	suspended := map[int64]bool{}
	byID := map[int64]statuspage.Installation{}
	for _, in := range recorded {
		suspended[in.ID] = in.Suspended
		if sess.Sees(in.ID) {
			byID[in.ID] = statuspage.Installation{ID: in.ID, Account: in.Account, Suspended: in.Suspended}
		}
	}
	var listErr error
	if sess.Admin {
		var list []*github.Installation
		list, listErr = a.appInstallations(ctx)
		for _, in := range list {
			byID[in.GetID()] = statuspage.Installation{ID: in.GetID(), Account: in.GetAccount().GetLogin(), Suspended: in.SuspendedAt != nil || suspended[in.GetID()]}
		}
	} else {
		for _, g := range sess.Grants {
			byID[g.ID] = statuspage.Installation{ID: g.ID, Account: g.Account, Suspended: suspended[g.ID]}
		}
	}
	out := make([]statuspage.Installation, 0, len(byID))
	for _, in := range byID {
		out = append(out, in)
	}
	slices.SortFunc(out, func(x, y statuspage.Installation) int {
		return strings.Compare(strings.ToLower(x.Account), strings.ToLower(y.Account))
	})
	if len(out) > maxShownInst {
		out = out[:maxShownInst]
	}
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() {
			list, err := a.installationRepos(ctx, out[i].ID)
			if err != nil {
				out[i].ReposError = "GitHub did not list its repositories: " + err.Error()
				return
			}
			out[i].ReposTotal = list.GetTotalCount()
			for _, r := range list.Repositories {
				out[i].Repos = append(out[i].Repos, r.GetFullName())
			}
		})
	}
	wg.Wait()
	return out, listErr
}

// appInstallations is GitHub's list of the app's installations, kept a
// minute.
func (a *App) appInstallations(ctx context.Context) ([]*github.Installation, error) {
	a.status.mu.Lock()
	c := a.status.installs
	a.status.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < statusCacheTTL {
		return c.v, nil
	}
	gh, err := a.appClient()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, statusGitHubTimeout)
	defer cancel()
	var all []*github.Installation
	opts := &github.ListOptions{PerPage: 100}
	for range maxShownInst/100 + 1 {
		list, resp, err := gh.Apps.ListInstallations(ctx, opts)
		if err != nil {
			return nil, err
		}
		all = append(all, list...)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	a.status.mu.Lock()
	a.status.installs = cached[[]*github.Installation]{v: all, at: time.Now()}
	a.status.mu.Unlock()
	return all, nil
}

// installationRepos is the first repositories installation id reaches,
// with their total, kept a minute.
func (a *App) installationRepos(ctx context.Context, id int64) (*github.ListRepositories, error) {
	a.status.mu.Lock()
	c, ok := a.status.repos[id]
	a.status.mu.Unlock()
	if ok && time.Since(c.at) < statusCacheTTL {
		return c.v, nil
	}
	gh, err := a.installationClient(id)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, statusGitHubTimeout)
	defer cancel()
	list, _, err := gh.Apps.ListRepos(ctx, &github.ListOptions{PerPage: maxShownRepos})
	if err != nil {
		return nil, err
	}
	a.status.mu.Lock()
	a.status.repos[id] = cached[*github.ListRepositories]{v: list, at: time.Now()}
	a.status.mu.Unlock()
	return list, nil
}

// unfinished are the job states that are not final.
var unfinished = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// statusQueue is the queue's depth by state and its oldest unfinished
// job (its kind and age only: which repository it is for is not
// everyone's to see).
func (a *App) statusQueue(ctx context.Context) (statuspage.Queue, error) {
	var q statuspage.Queue
	depth, err := a.store.QueueDepth(ctx)
	if err != nil {
		return q, err
	}
	q.Available, q.Scheduled, q.Retryable = depth["available"], depth["scheduled"], depth["retryable"]
	q.Running, q.Pending = depth["running"], depth["pending"]
	res, err := a.river.JobList(ctx, river.NewJobListParams().States(unfinished...).OrderBy(river.JobListOrderByID, river.SortOrderAsc).First(1))
	if err != nil {
		return q, fmt.Errorf("oldest job: %w", err)
	}
	if len(res.Jobs) > 0 {
		j := res.Jobs[0]
		q.Oldest = &statuspage.Job{Kind: j.Kind, State: string(j.State), CreatedAt: j.CreatedAt, Attempt: j.Attempt}
	}
	return q, nil
}

// jobOrigin is what a job's arguments say of whose it is.
type jobOrigin struct {
	InstallationID int64  `json:"installation_id"`
	Owner          string `json:"owner"`
	Repo           string `json:"repo"`
	DeliveryID     string `json:"delivery_id"`
}

// statusErrors are the last failed attempts of jobs sess may see (the
// queue keeps finished jobs a day, given-up ones a week): a check
// job is its installation's, a delivery's job the installation its
// payload named; any other job (cleanups, a delivery not routed) is the
// admin token's only.
func (a *App) statusErrors(ctx context.Context, sess auth.Session) ([]statuspage.Error, error) {
	ids, err := a.store.JobsWithErrors(ctx, 50)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	res, err := a.river.JobList(ctx, river.NewJobListParams().IDs(ids...).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(len(ids)))
	if err != nil {
		return nil, err
	}
	origins := make([]jobOrigin, len(res.Jobs))
	var deliveries []string
	for i, j := range res.Jobs {
		_ = json.Unmarshal(j.EncodedArgs, &origins[i]) // unknown shapes: no origin, admin only
		switch j.Kind {
		case (checkArgs{}).Kind():
			origins[i].DeliveryID = ""
		case (deliveryArgs{}).Kind():
			origins[i].InstallationID, origins[i].Owner, origins[i].Repo = 0, "", ""
			if origins[i].DeliveryID != "" {
				deliveries = append(deliveries, origins[i].DeliveryID)
			}
		default:
			origins[i] = jobOrigin{}
		}
	}
	insts, err := a.store.DeliveryInstallations(ctx, deliveries)
	if err != nil {
		return nil, err
	}
	var out []statuspage.Error
	for i, j := range res.Jobs {
		o := origins[i]
		if o.DeliveryID != "" {
			o.InstallationID = insts[o.DeliveryID]
		}
		if len(j.Errors) == 0 || !sess.Sees(o.InstallationID) {
			continue
		}
		last := j.Errors[len(j.Errors)-1]
		msg := last.Error
		if len(msg) > maxErrorLength {
			msg = strings.ToValidUTF8(msg[:maxErrorLength], "") + "…"
		}
		repo := ""
		if o.Owner != "" && o.Repo != "" {
			repo = o.Owner + "/" + o.Repo
		}
		out = append(out, statuspage.Error{At: last.At, Kind: j.Kind, Repo: repo, Attempt: last.Attempt, Message: msg,
			Final:     j.State == rivertype.JobStateDiscarded || j.State == rivertype.JobStateCancelled,
			Recovered: j.State == rivertype.JobStateCompleted})
		if len(out) == errorRows {
			break
		}
	}
	return out, nil
}

// statusInstallURL is where the app is installed: known from setup, else
// from GitHub's GET /app (once it answers, kept).
func (a *App) statusInstallURL(ctx context.Context) (string, error) {
	if u := a.installURL(); u != "" {
		return u, nil
	}
	a.status.mu.Lock()
	u := a.status.appURL
	a.status.mu.Unlock()
	if u != "" {
		return u + "/installations/new", nil
	}
	gh, err := a.appClient()
	if errors.Is(err, errNotConfigured) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, statusGitHubTimeout)
	defer cancel()
	app, _, err := gh.Apps.Get(ctx, "")
	if err != nil {
		return "", err
	}
	u = strings.TrimRight(app.GetHTMLURL(), "/")
	if u == "" {
		return "", nil
	}
	a.status.mu.Lock()
	a.status.appURL = u
	a.status.mu.Unlock()
	return u + "/installations/new", nil
}
