package app

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coderready/coderready/app/auth"
	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/store"
)

// testAdminToken is the admin token of statusApp's server.
const testAdminToken = "test-admin-token-0123456789abcdef0123456789"

// getAs answers GET target for a browser holding sess.
func getAs(t testing.TB, a *App, sess auth.Session, target string) *httptest.ResponseRecorder {
	t.Helper()
	v, err := a.status.sealer.Seal(sess)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: v})
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, req)
	return rec
}

// statusWorld is two installations, each with data of its own in GitHub
// and in the store: acme (installation 1: acme/app, a delivery, a check
// run) and globex (installation 2: globex/web, likewise), a delivery no
// installation claims, and users alice (acme), bob (globex) and eve
// (neither).
type statusWorld struct {
	fake *githubfake.Server
	app  *App
}

// Marks of each installation's data on the page.
var (
	acmeMarks   = []string{"acme/app", "delivery-acme", "coderready / acme Dockerfile"}
	globexMarks = []string{"globex/web", "delivery-globex", "coderready / globex Dockerfile"}
	orphanMarks = []string{"delivery-orphan"}
)

func newStatusWorld(t *testing.T, databaseURL string) *statusWorld {
	t.Helper()
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddInstallation(githubfake.Installation{ID: 1, Account: "acme"})
	fake.AddInstallation(githubfake.Installation{ID: 2, Account: "globex"})
	fake.AddRepo(githubfake.Repo{Owner: "acme", Name: "app"})
	fake.AddRepo(githubfake.Repo{Owner: "globex", Name: "web"})
	fake.AddUser(githubfake.User{Login: "alice", Installations: []int64{1}})
	fake.AddUser(githubfake.User{Login: "bob", Installations: []int64{2}})
	fake.AddUser(githubfake.User{Login: "eve"})
	tokenFile := filepath.Join(t.TempDir(), "admin-token")
	if err := os.WriteFile(tokenFile, []byte(testAdminToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := newTestApp(t, testAppOptions{fake: fake, databaseURL: databaseURL, settings: func(s *Settings) {
		s.ClientID, s.ClientSecret, s.AdminTokenFile = fake.ClientID(), fake.ClientSecret(), tokenFile
	}})
	ctx := t.Context()
	for _, d := range []struct {
		id, repo string
		inst     int64
		account  string
	}{{"delivery-acme", "acme/app", 1, "acme"}, {"delivery-globex", "globex/web", 2, "globex"}} {
		if err := a.store.SetInstallation(ctx, d.inst, d.account, false); err != nil {
			t.Fatal(err)
		}
		if _, err := a.store.RecordDelivery(ctx, nil, d.id, "pull_request", "opened"); err != nil {
			t.Fatal(err)
		}
		if err := a.store.SetDeliveryRoute(ctx, d.id, d.inst, d.repo, "handled"); err != nil {
			t.Fatal(err)
		}
		if err := a.store.SaveCheckRun(ctx, store.CheckRun{Repo: d.repo, HeadSHA: "0123456789", Name: "coderready / " + d.account + " Dockerfile", ID: d.inst, Status: store.StatusCompleted, Conclusion: "success"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.store.RecordDelivery(ctx, nil, "delivery-orphan", "ping", ""); err != nil {
		t.Fatal(err)
	}
	return &statusWorld{fake: fake, app: a}
}

// shows checks that page has every mark of want and none of wantNot.
func shows(t *testing.T, who, page string, want, wantNot [][]string) {
	t.Helper()
	for _, ms := range want {
		for _, m := range ms {
			if !strings.Contains(page, m) {
				t.Errorf("%s: the page lacks %q", who, m)
			}
		}
	}
	for _, ms := range wantNot {
		for _, m := range ms {
			if strings.Contains(page, m) {
				t.Errorf("%s: the page shows %q", who, m)
			}
		}
	}
}

// TestStatusPageScope: what each kind of visitor sees of two
// installations.
func TestStatusPageScope(t *testing.T) {
	w := newStatusWorld(t, "")
	a := w.app
	sealer := a.status.sealer
	expired, err := sealer.Seal(auth.Session{Admin: true, Expires: time.Now().Add(-time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		cookie  string // a raw cookie value, when sess is not used
		sess    *auth.Session
		want    [][]string
		wantNot [][]string
		signIn  bool
	}{
		{name: "anonymous", signIn: true, wantNot: [][]string{acmeMarks, globexMarks, orphanMarks}},
		{name: "a forged cookie", cookie: "eyJhZG0iOnRydWV9.AAAA", signIn: true, wantNot: [][]string{acmeMarks, globexMarks}},
		{name: "an expired session", cookie: expired, signIn: true, want: [][]string{{"Your session ended"}}, wantNot: [][]string{acmeMarks, globexMarks}},
		{name: "alice, of acme", sess: &auth.Session{Login: "alice", Grants: []auth.Grant{{ID: 1, Account: "acme"}}},
			want: [][]string{acmeMarks, {`data-installation="1"`, "Signed in as <strong>alice</strong>"}}, wantNot: [][]string{globexMarks, orphanMarks, {`data-installation="2"`}}},
		{name: "bob, of globex", sess: &auth.Session{Login: "bob", Grants: []auth.Grant{{ID: 2, Account: "globex"}}},
			want: [][]string{globexMarks}, wantNot: [][]string{acmeMarks, orphanMarks}},
		{name: "a user whose grant names another's account", sess: &auth.Session{Login: "mallory", Grants: []auth.Grant{{ID: 9, Account: "nobody"}}},
			wantNot: [][]string{acmeMarks, globexMarks, orphanMarks}},
		{name: "the admin token", sess: &auth.Session{Admin: true},
			want: [][]string{acmeMarks, globexMarks, orphanMarks, {"Signed in as <strong>admin token</strong>", "/apps/coderready/installations/new"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rec *httptest.ResponseRecorder
			if c.sess != nil {
				rec = getAs(t, a, *c.sess, "/")
			} else {
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				if c.cookie != "" {
					req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: c.cookie})
				}
				rec = httptest.NewRecorder()
				a.Handler().ServeHTTP(rec, req)
			}
			page := rec.Body.String()
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			if got := strings.Contains(page, `action="/auth/token"`); got != c.signIn {
				t.Errorf("sign-in page: %v, want %v", got, c.signIn)
			}
			if c.signIn && (!strings.Contains(page, `href="/auth/github"`) || strings.Contains(page, `id="deliveries"`)) {
				t.Errorf("the sign-in page:\n%s", page)
			}
			for h, want := range map[string]string{"Cache-Control": "no-store", "X-Frame-Options": "DENY"} {
				if got := rec.Header().Get(h); got != want {
					t.Errorf("%s: %q, want %q", h, got, want)
				}
			}
			shows(t, c.name, page, c.want, c.wantNot)
		})
	}
}

// browser is an HTTP client with cookies that does not follow redirects
// (each is asserted on).
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// fetch does a request and returns the response with its body read.
func fetch(t *testing.T, c *http.Client, method, u string, form url.Values, header http.Header) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return resp, string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signInWithGitHub walks the OAuth flow in c as login and returns the
// last response (the callback's).
func signInWithGitHub(t *testing.T, c *http.Client, srv, login string) (*http.Response, string) {
	t.Helper()
	resp, _ := fetch(t, c, http.MethodGet, srv+"/auth/github", nil, nil)
	authorize, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("/auth/github: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	q := authorize.Query()
	if q.Get("redirect_uri") != srv+"/auth/callback" || q.Get("state") == "" {
		t.Fatalf("authorize URL %s", authorize)
	}
	form := url.Values{"client_id": {q.Get("client_id")}, "redirect_uri": {q.Get("redirect_uri")}, "state": {q.Get("state")}, "login": {login}}
	resp, _ = fetch(t, c, http.MethodPost, authorize.Scheme+"://"+authorize.Host+authorize.Path, form, nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize as %s: %d", login, resp.StatusCode)
	}
	return fetch(t, c, http.MethodGet, resp.Header.Get("Location"), nil, nil)
}

// TestSignIn: the OAuth flow, the admin token form and signing out, with
// their refusals.
func TestSignIn(t *testing.T) {
	w := newStatusWorld(t, "")
	srv := httptest.NewServer(w.app.Handler())
	t.Cleanup(srv.Close)
	w.fake.SetCallbackURL(srv.URL + "/auth/callback")

	t.Run("GitHub, a member of acme", func(t *testing.T) {
		c := browser(t)
		resp, _ := signInWithGitHub(t, c, srv.URL, "alice")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Fatalf("callback: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		var session *http.Cookie
		for _, ck := range resp.Cookies() {
			if ck.Name == auth.SessionCookie {
				session = ck
			}
		}
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure {
			t.Fatalf("session cookie %+v (plain HTTP: HttpOnly, Lax, not Secure)", session)
		}
		_, page := fetch(t, c, http.MethodGet, srv.URL+"/", nil, nil)
		shows(t, "alice", page, [][]string{acmeMarks}, [][]string{globexMarks, orphanMarks})

		// Signing out needs the page's CSRF token and the same origin.
		m := csrfRE.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no sign-out form")
		}
		if resp, _ := fetch(t, c, http.MethodPost, srv.URL+"/auth/signout", url.Values{"csrf": {"forged"}}, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("sign-out with a forged CSRF token: %d", resp.StatusCode)
		}
		if resp, _ := fetch(t, c, http.MethodPost, srv.URL+"/auth/signout", url.Values{"csrf": {m[1]}}, http.Header{"Origin": {"https://evil.example"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("sign-out from another origin: %d", resp.StatusCode)
		}
		if resp, _ := fetch(t, c, http.MethodPost, srv.URL+"/auth/signout", url.Values{"csrf": {m[1]}}, http.Header{"Origin": {srv.URL}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("sign-out: %d", resp.StatusCode)
		}
		_, page = fetch(t, c, http.MethodGet, srv.URL+"/", nil, nil)
		shows(t, "signed out", page, [][]string{{`action="/auth/token"`}}, [][]string{acmeMarks})
	})

	t.Run("GitHub, a user of no installation", func(t *testing.T) {
		resp, page := signInWithGitHub(t, browser(t), srv.URL, "eve")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "can access no installation") {
			t.Errorf("eve: %d\n%s", resp.StatusCode, page)
		}
		for _, ck := range resp.Cookies() {
			if ck.Name == auth.SessionCookie && ck.MaxAge >= 0 {
				t.Errorf("eve got a session")
			}
		}
	})

	t.Run("GitHub, a state from another browser or used twice", func(t *testing.T) {
		c := browser(t)
		resp, _ := fetch(t, c, http.MethodGet, srv.URL+"/auth/github", nil, nil)
		authorize, _ := url.Parse(resp.Header.Get("Location"))
		q := authorize.Query()
		form := url.Values{"client_id": {q.Get("client_id")}, "redirect_uri": {q.Get("redirect_uri")}, "state": {q.Get("state")}, "login": {"alice"}}
		resp, _ = fetch(t, c, http.MethodPost, w.fake.URL+"/login/oauth/authorize", form, nil)
		callback := resp.Header.Get("Location")
		// Another browser (no state cookie) brings the link back.
		if resp, page := fetch(t, browser(t), http.MethodGet, callback, nil, nil); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "not valid in this browser") {
			t.Errorf("the callback in another browser: %d", resp.StatusCode)
		}
		// The state is still unused: this browser signs in with it, once.
		if resp, _ := fetch(t, c, http.MethodGet, callback, nil, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the callback: %d", resp.StatusCode)
		}
		u, _ := url.Parse(callback)
		c.Jar.SetCookies(u, []*http.Cookie{{Name: oauthStateCookie, Value: q.Get("state"), Path: "/auth"}})
		if resp, page := fetch(t, c, http.MethodGet, callback, nil, nil); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "used already") {
			t.Errorf("the callback replayed: %d\n%s", resp.StatusCode, page)
		}
	})

	t.Run("the admin token", func(t *testing.T) {
		c := browser(t)
		_, page := fetch(t, c, http.MethodGet, srv.URL+"/", nil, nil)
		m := csrfRE.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no token form:\n%s", page)
		}
		cases := []struct {
			name   string
			form   url.Values
			origin string
			code   int
		}{
			{"no CSRF token", url.Values{"token": {testAdminToken}}, "", http.StatusForbidden},
			{"another browser's CSRF token", url.Values{"token": {testAdminToken}, "csrf": {w.app.status.sealer.CSRF("login:other")}}, "", http.StatusForbidden},
			{"from another origin", url.Values{"token": {testAdminToken}, "csrf": {m[1]}}, "https://evil.example", http.StatusForbidden},
			{"a wrong token", url.Values{"token": {testAdminToken + "x"}, "csrf": {m[1]}}, "", http.StatusForbidden},
			{"the token", url.Values{"token": {testAdminToken}, "csrf": {m[1]}}, srv.URL, http.StatusSeeOther},
		}
		for _, tc := range cases {
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			if resp, _ := fetch(t, c, http.MethodPost, srv.URL+"/auth/token", tc.form, h); resp.StatusCode != tc.code {
				t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.code)
			}
		}
		_, page = fetch(t, c, http.MethodGet, srv.URL+"/", nil, nil)
		shows(t, "admin", page, [][]string{acmeMarks, globexMarks, orphanMarks}, nil)
	})
}

// TestStatusPageErrorsScope: a job's errors show to its installation's
// members and the admin token only.
func TestStatusPageErrorsScope(t *testing.T) {
	w := newStatusWorld(t, "")
	a, fake := w.app, w.fake
	sha := fake.AddCommit("globex/web", "", map[string]string{"Dockerfile": "FROM debian:bookworm\n"})
	fake.AddPullRequest(githubfake.PullRequest{Repo: "globex/web", Number: 5, Head: githubfake.PRRef{Ref: "f", SHA: sha}, Base: githubfake.PRRef{Ref: "main", SHA: sha}})
	fake.Fail(githubfake.Matcher{PathPrefix: "/repos/globex/web/pulls"}, 1000, githubfake.FaultResponse{Status: http.StatusInternalServerError, Body: `{"message":"globex is down"}`})
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.river.Insert(t.Context(), checkArgs{InstallationID: 2, Owner: "globex", Repo: "web", HeadSHA: sha, PR: 5}, nil); err != nil {
		t.Fatal(err)
	}
	admin := auth.Session{Admin: true}
	waitFor(t, 60*time.Second, "the check job's error", func() bool {
		return strings.Contains(getAs(t, a, admin, "/").Body.String(), `id="errors"><tr>`)
	})
	errs, err := a.statusErrors(t.Context(), admin)
	if err != nil || len(errs) == 0 || errs[0].Repo != "globex/web" {
		t.Fatalf("errors %+v, %v", errs, err)
	}
	for _, c := range []struct {
		sess auth.Session
		want bool
	}{
		{auth.Session{Login: "bob", Grants: []auth.Grant{{ID: 2, Account: "globex"}}}, true},
		{auth.Session{Login: "alice", Grants: []auth.Grant{{ID: 1, Account: "acme"}}}, false},
		{admin, true},
	} {
		errs, err := a.statusErrors(t.Context(), c.sess)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(errs) > 0; got != c.want {
			t.Errorf("%s sees the error: %v, want %v", c.sess.Who(), got, c.want)
		}
	}
}
