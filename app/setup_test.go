package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/store/storetest"
)

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

var (
	manifestFormRE = regexp.MustCompile(`<form action="([^"]+)" method="post">\s*<input type="hidden" name="manifest" value="([^"]+)">`)
	stateRE        = regexp.MustCompile(`[?&]state=([0-9a-f]+)$`)
)

// setupForm loads /setup?org=org and returns where its manifest form
// posts and the state in that address.
func setupForm(t *testing.T, a *App, org string) (action, state string) {
	t.Helper()
	page := get(t, a.Handler(), "/setup?org="+org)
	m := manifestFormRE.FindStringSubmatch(page.Body.String())
	if page.Code != http.StatusOK || m == nil {
		t.Fatalf("/setup?org=%s: %d, no manifest form:\n%s", org, page.Code, page.Body.String())
	}
	action = html.UnescapeString(m[1])
	s := stateRE.FindStringSubmatch(action)
	if s == nil {
		t.Fatalf("no state in %s", action)
	}
	return action, s[1]
}

func callback(t *testing.T, a *App, code, state string) *httptest.ResponseRecorder {
	t.Helper()
	return get(t, a.Handler(), "/setup/callback?code="+code+"&state="+state)
}

// wantPage fails t unless rec has the status and says every one of says.
func wantPage(t *testing.T, what string, rec *httptest.ResponseRecorder, status int, says ...string) {
	t.Helper()
	body := html.UnescapeString(rec.Body.String())
	if rec.Code != status {
		t.Errorf("%s: %d, want %d\n%s", what, rec.Code, status, body)
		return
	}
	for _, s := range says {
		if !strings.Contains(body, s) {
			t.Errorf("%s: the page does not say %q:\n%s", what, s, body)
		}
	}
}

// setupStatesStored counts the states in the app's database.
func setupStatesStored(t *testing.T, a *App) int {
	t.Helper()
	var n int
	if err := a.store.DB().QueryRowContext(t.Context(), `SELECT count(*) FROM coderready_setup_states`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// credentialFiles reads the setup flow's files in dir (absent: missing).
func credentialFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range []string{credentialsFile, keyFile} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out[f] = b
	}
	return out
}

// testClock is a settable clock for the setup flow.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestSetupManifestFlow(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	dir := t.TempDir()
	a := newTestApp(t, testAppOptions{fake: fake, unconfigured: true, dataDir: dir, settings: func(s *Settings) { s.PublicURL = "https://coderready.example.com" }})

	// The first page asks for the owner and issues no state.
	first := get(t, a.Handler(), "/setup")
	wantPage(t, "/setup", first, http.StatusOK, `<input name="org" value=""`, `action="/setup" method="get"`, "Continue")
	if manifestFormRE.MatchString(first.Body.String()) || setupStatesStored(t, a) != 0 {
		t.Errorf("/setup before the owner is chosen: a manifest form or a stored state (%d)", setupStatesStored(t, a))
	}

	// The typed organization picks where the manifest goes.
	for _, c := range []struct{ org, action string }{
		{"acme", fake.URL + "/organizations/acme/settings/apps/new?state="},
		{"Acme-Corp-42", fake.URL + "/organizations/Acme-Corp-42/settings/apps/new?state="},
		{"", fake.URL + "/settings/apps/new?state="},
		{"+", fake.URL + "/settings/apps/new?state="}, // "+" is a space in a query: trimmed to none
	} {
		act, _ := setupForm(t, a, c.org)
		if !strings.HasPrefix(act, c.action) {
			t.Errorf("org %q: form posts to %s, want %s…", c.org, act, c.action)
		}
	}
	// Names that are not GitHub logins are refused, with no state issued.
	before := setupStatesStored(t, a)
	for _, org := range []string{"-acme", "acme-", "ac--me", "acme%2F..%2Fsettings", "ac%20me", strings.Repeat("a", 40), "%C3%A4cme"} {
		rec := get(t, a.Handler(), "/setup?org="+org)
		wantPage(t, "org "+org, rec, http.StatusBadRequest, "is not a GitHub organization name")
		if manifestFormRE.MatchString(rec.Body.String()) {
			t.Errorf("org %s: a manifest form", org)
		}
	}
	if n := setupStatesStored(t, a); n != before {
		t.Errorf("refused organization names stored %d states", n-before)
	}

	act, state := setupForm(t, a, "acme")
	m := manifestFormRE.FindStringSubmatch(get(t, a.Handler(), "/setup?org=acme").Body.String())
	var man map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(m[2])), &man); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	if man["redirect_url"] != "https://coderready.example.com/setup/callback" || man["hook_attributes"].(map[string]any)["url"] != "https://coderready.example.com/webhook" || man["name"] != "coderready" {
		t.Errorf("manifest: %v", man)
	}
	if cb, _ := man["callback_urls"].([]any); len(cb) != 1 || cb[0] != "https://coderready.example.com/auth/callback" {
		t.Errorf("manifest callback_urls %v, want the status page's sign-in callback", man["callback_urls"])
	}
	if !strings.Contains(act, "/organizations/acme/") {
		t.Fatalf("form posts to %s", act)
	}

	wantPage(t, "forged state", callback(t, a, "x", "forged"), http.StatusBadRequest, "unknown or was already used")
	wantPage(t, "no code", callback(t, a, "", state), http.StatusBadRequest, "missing code or state")
	created := fake.AddManifestCode("the-code")
	wantPage(t, "callback", callback(t, a, "the-code", state), http.StatusOK, "Created the GitHub App", "Install it")
	for _, f := range []string{credentialsFile, keyFile} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v mode %v, want 0600", f, err, fi.Mode())
		}
	}
	if a.Settings().AppID != created.ID || len(a.missing()) != 0 {
		t.Errorf("settings after setup: app %d missing %v", a.Settings().AppID, a.missing())
	}
	// The status page offers "Sign in with GitHub" with the app's OAuth
	// credentials at once.
	if page := get(t, a.Handler(), "/").Body.String(); !strings.Contains(page, `href="/auth/github"`) {
		t.Errorf("the sign-in page after setup does not offer GitHub:\n%s", page)
	}
	// Set up: /setup says so and issues no state; the outstanding ones are gone.
	wantPage(t, "/setup after setup", get(t, a.Handler(), "/setup?org=acme"), http.StatusOK, "The GitHub App is set up")
	if n := setupStatesStored(t, a); n != 0 {
		t.Errorf("%d setup states left after setup", n)
	}
	// Webhooks signed with the new secret are accepted at once.
	helloWorld(t, fake, map[string]string{"Dockerfile": rootDockerfile})
	body2 := readFixture(t, "ping.json")
	req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(string(body2)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "ping")
	req.Header.Set("X-GitHub-Delivery", "p1")
	req.Header.Set("X-Hub-Signature-256", sign(created.WebhookSecret, body2))
	rr := httptest.NewRecorder()
	a.Handler().ServeHTTP(rr, req)
	if rr.Code != http.StatusOK {
		t.Errorf("ping with the new secret: %d", rr.Code)
	}
	// A restart reads the stored credentials.
	ctx := t.Context()
	if err := a.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	s := Settings{DataDir: dir, GitHubAPIURL: fake.URL}
	if err := s.Normalize(); err != nil {
		t.Fatal(err)
	}
	if s.AppID != created.ID || s.WebhookSecret != created.WebhookSecret || len(s.PrivateKey) == 0 {
		t.Errorf("restart settings: %+v", s)
	}
}

// TestSetupStateAfterSetup is issue 9's attack 7: a state fetched from
// /setup before the admin set the app up, redeemed afterwards with the
// attacker's own manifest code, is refused and the stored credentials stay
// byte for byte what the admin's setup wrote.
func TestSetupStateAfterSetup(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	dir := t.TempDir()
	a := newTestApp(t, testAppOptions{fake: fake, unconfigured: true, dataDir: dir})

	_, attackerState := setupForm(t, a, "")
	_, adminState := setupForm(t, a, "acme")
	admin := fake.AddManifestCode("admin-code")
	wantPage(t, "admin's setup", callback(t, a, "admin-code", adminState), http.StatusOK, "Created the GitHub App")
	stored := credentialFiles(t, dir)
	if len(stored) != 2 {
		t.Fatalf("setup stored %d files", len(stored))
	}

	fake.AddManifestCode("attacker-code")
	rec := callback(t, a, "attacker-code", attackerState)
	wantPage(t, "attacker's state after setup", rec, http.StatusConflict,
		"Setup refused", "already set up", "never replaces", "remove "+credentialsFile+" and "+keyFile, "--forget-setup")
	if got := credentialFiles(t, dir); !bytes.Equal(got[credentialsFile], stored[credentialsFile]) || !bytes.Equal(got[keyFile], stored[keyFile]) {
		t.Errorf("stored credentials changed:\n%s\nwas\n%s", got[credentialsFile], stored[credentialsFile])
	}
	if s := a.Settings(); s.WebhookSecret != admin.WebhookSecret {
		t.Errorf("webhook secret in use: %q, want the admin's %q", s.WebhookSecret, admin.WebhookSecret)
	}
	// The server never even exchanged the attacker's code: GitHub still
	// converts it (once).
	gh, err := a.gh.plain()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := gh.Apps.CompleteAppManifest(t.Context(), "attacker-code"); err != nil {
		t.Errorf("the attacker's code was used by the server: %v", err)
	}
	// Nor does /setup hand out states any more.
	get(t, a.Handler(), "/setup?org=")
	if n := setupStatesStored(t, a); n != 0 {
		t.Errorf("/setup after setup stored %d states", n)
	}
}

// TestSetupRefusedWhenConfigured: credentials from the environment make
// the callback refuse every state without writing a file, also when the
// database knows the state.
func TestSetupRefusedWhenConfigured(t *testing.T) {
	cases := []struct {
		name string
		set  func(*Settings)
		says string
	}{
		{"configured", nil, "already set up"},
		{"partly configured", func(s *Settings) { s.WebhookSecret = "" }, "partly configured"},
		{"only a key file", func(s *Settings) { s.AppID, s.WebhookSecret = 0, "" }, "partly configured"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := githubfake.Start(t, githubfake.Options{})
			dir := t.TempDir()
			a := newTestApp(t, testAppOptions{fake: fake, dataDir: dir, settings: c.set})
			st, err := a.issueSetupState(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			fake.AddManifestCode("code")
			wantPage(t, "callback", callback(t, a, "code", st), http.StatusConflict, "Setup refused", c.says)
			wantPage(t, "/setup", get(t, a.Handler(), "/setup?org="), http.StatusOK)
			if manifestFormRE.MatchString(get(t, a.Handler(), "/setup?org=").Body.String()) {
				t.Error("/setup offers the manifest flow to a configured server")
			}
			if files := credentialFiles(t, dir); len(files) != 0 {
				t.Errorf("files written: %v", slices.Sorted(maps.Keys(files)))
			}
		})
	}
}

// TestSetupStateExpires: a state is redeemable for 10 minutes (the clock is
// the app's, moved by the test).
func TestSetupStateExpires(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	dir := t.TempDir()
	a := newTestApp(t, testAppOptions{fake: fake, unconfigured: true, dataDir: dir})
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	a.setup.now = clock.now

	_, stale := setupForm(t, a, "")
	clock.add(9 * time.Minute)
	_, fresh := setupForm(t, a, "")
	clock.add(time.Minute) // stale is now exactly 10 minutes old
	fake.AddManifestCode("code-1")
	wantPage(t, "a 10-minute-old state", callback(t, a, "code-1", stale), http.StatusBadRequest, "has expired", "Start again from /setup")
	if files := credentialFiles(t, dir); len(files) != 0 {
		t.Fatalf("an expired state stored credentials: %v", slices.Sorted(maps.Keys(files)))
	}
	wantPage(t, "a 1-minute-old state", callback(t, a, "code-1", fresh), http.StatusOK, "Created the GitHub App")
}

// TestSetupStateSingleUse: a redeemed state fails the second time, whether
// the first redeem completed or GitHub refused its code, and of concurrent
// redeems of one state exactly one sets the app up.
func TestSetupStateSingleUse(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	dir := t.TempDir()
	a := newTestApp(t, testAppOptions{fake: fake, unconfigured: true, dataDir: dir})

	_, st := setupForm(t, a, "")
	wantPage(t, "a code GitHub does not know", callback(t, a, "unknown-code", st), http.StatusBadGateway, "GitHub did not accept the setup code")
	fake.AddManifestCode("good")
	wantPage(t, "the same state again", callback(t, a, "good", st), http.StatusBadRequest, "unknown or was already used")

	_, st = setupForm(t, a, "")
	const n = 6
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		code := "race-" + string(rune('a'+i))
		fake.AddManifestCode(code)
		wg.Go(func() { codes[i] = callback(t, a, code, st).Code })
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		switch c {
		case http.StatusOK:
			ok++
		case http.StatusBadRequest, http.StatusConflict: // state used, or the app set up by then
		default:
			t.Errorf("concurrent redeem answered %d", c)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent redeems of one state set the app up (%v), want 1", ok, n, codes)
	}
}

// TestSetupAcrossReplicas: two servers on one PostgreSQL database, each
// with its own data dir. A state issued by one is redeemed by the other,
// once; after one of them set the app up, the other refuses every state.
func TestSetupAcrossReplicas(t *testing.T) {
	url := storetest.PostgresURL(t)
	fake := githubfake.Start(t, githubfake.Options{})
	dirA, dirB := t.TempDir(), t.TempDir()
	a := newTestApp(t, testAppOptions{fake: fake, unconfigured: true, dataDir: dirA, databaseURL: url})
	b := newTestApp(t, testAppOptions{fake: fake, unconfigured: true, dataDir: dirB, databaseURL: url})

	_, s1 := setupForm(t, a, "")
	_, s2 := setupForm(t, a, "acme")
	_, s3 := setupForm(t, b, "")
	// Used on B (GitHub refuses the code): gone for A too.
	wantPage(t, "B redeems A's state", callback(t, b, "unknown-code", s1), http.StatusBadGateway, "GitHub did not accept")
	fake.AddManifestCode("code-a")
	wantPage(t, "A redeems it again", callback(t, a, "code-a", s1), http.StatusBadRequest, "already used")
	// Issued by A, redeemed by B: works.
	fake.AddManifestCode("code-b")
	wantPage(t, "B completes with A's state", callback(t, b, "code-b", s2), http.StatusOK, "Created the GitHub App")
	if len(credentialFiles(t, dirB)) != 2 {
		t.Fatal("B stored no credentials")
	}
	// A has no credentials of its own, yet refuses: the database says the
	// app exists.
	wantPage(t, "A redeems B's state after setup", callback(t, a, "code-a", s3), http.StatusConflict,
		"Setup refused", "already created GitHub App", "--forget-setup")
	if files := credentialFiles(t, dirA); len(files) != 0 {
		t.Errorf("A stored credentials: %v", slices.Sorted(maps.Keys(files)))
	}
	// A's next look takes the credentials B's flow stored in the
	// database: A is set up too, with files of its own (0600).
	wantPage(t, "A's /setup", get(t, a.Handler(), "/setup?org="), http.StatusOK, "The GitHub App is set up (app ID")
	if manifestFormRE.MatchString(get(t, a.Handler(), "/setup?org=").Body.String()) {
		t.Error("A offers the manifest flow after B set the app up")
	}
	files := credentialFiles(t, dirA)
	if len(files) != 2 {
		t.Fatalf("A took no credentials from the database: %v", slices.Sorted(maps.Keys(files)))
	}
	for name := range files {
		if fi, err := os.Stat(filepath.Join(dirA, name)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("A's %s: %v, %v; want mode 0600", name, fi, err)
		}
	}
	if len(a.missing()) != 0 {
		t.Errorf("A still misses %v", a.missing())
	}
	if page := get(t, a.Handler(), "/").Body.String(); !strings.Contains(page, `href="/auth/github"`) {
		t.Errorf("A's sign-in page does not offer GitHub with the adopted app's OAuth credentials")
	}
}

// TestForgetSetup: the way back to a new app is explicit and needs the old
// credentials gone first.
func TestForgetSetup(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	dir := t.TempDir()
	a := newTestApp(t, testAppOptions{fake: fake, unconfigured: true, dataDir: dir})
	_, st := setupForm(t, a, "")
	created := fake.AddManifestCode("code")
	wantPage(t, "setup", callback(t, a, "code", st), http.StatusOK)
	if err := a.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	s := Settings{DataDir: dir, GitHubURL: fake.URL, GitHubAPIURL: fake.URL}
	if _, err := ForgetSetup(t.Context(), s); err == nil || !strings.Contains(err.Error(), "remove "+credentialsFile) {
		t.Fatalf("ForgetSetup with the credentials stored: %v", err)
	}
	for _, f := range []string{credentialsFile, keyFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	// Without the files but before forgetting: the server takes the
	// credentials the database keeps (as another replica would) and
	// never offers the flow.
	a2 := newTestApp(t, testAppOptions{fake: fake, unconfigured: true, dataDir: dir})
	wantPage(t, "/setup before forgetting", get(t, a2.Handler(), "/setup?org="), http.StatusOK, "The GitHub App is set up (app ID")
	if err := a2.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(credentialFiles(t, dir)) != 2 {
		t.Fatal("the credentials were not taken back from the database")
	}
	for _, f := range []string{credentialsFile, keyFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := ForgetSetup(t.Context(), s)
	if err != nil || rec.AppID != created.ID {
		t.Fatalf("ForgetSetup: %+v, %v", rec, err)
	}
	a3 := newTestApp(t, testAppOptions{fake: fake, unconfigured: true, dataDir: dir})
	setupForm(t, a3, "") // the flow is offered again
}
