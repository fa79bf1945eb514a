package githubfake_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"

	"github.com/coderready/coderready/app/githubfake"
)

// noRedirect is a client that returns redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorizeAs walks the fake's authorize page as login and returns the
// code and state it redirects with.
func authorizeAs(t *testing.T, fake *githubfake.Server, login, redirectURI, state string) (code, gotState string) {
	t.Helper()
	q := url.Values{"client_id": {fake.ClientID()}, "redirect_uri": {redirectURI}, "state": {state}}
	resp, err := http.Get(fake.URL + "/login/oauth/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `id="authorize-`+login+`"`) {
		t.Fatalf("authorize page %d: %s", resp.StatusCode, page)
	}
	form := url.Values{"client_id": {fake.ClientID()}, "redirect_uri": {redirectURI}, "state": {state}, "login": {login}}
	resp, err = noRedirect.PostForm(fake.URL+"/login/oauth/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), redirectURI+"?") {
		t.Fatalf("authorize: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code"), loc.Query().Get("state")
}

// exchange posts a code to the token endpoint and returns the decoded
// JSON answer.
func exchange(t *testing.T, fake *githubfake.Server, form url.Values) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, fake.URL+"/login/oauth/access_token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var v map[string]any
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&v) != nil {
		t.Fatalf("token endpoint: %d", resp.StatusCode)
	}
	return v
}

func TestOAuthWebFlow(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddInstallation(githubfake.Installation{ID: 1, Account: "acme"})
	fake.AddInstallation(githubfake.Installation{ID: 2, Account: "globex"})
	fake.AddUser(githubfake.User{Login: "alice", Installations: []int64{1}})
	fake.AddUser(githubfake.User{Login: "bob", Installations: []int64{2, 99}})
	const cb = "https://coderready.example/auth/callback"
	fake.SetCallbackURL(cb)
	ctx := context.Background()

	code, state := authorizeAs(t, fake, "alice", cb, "st-1")
	if code == "" || state != "st-1" {
		t.Fatalf("code %q, state %q", code, state)
	}
	good := url.Values{"client_id": {fake.ClientID()}, "client_secret": {fake.ClientSecret()}, "code": {code}, "redirect_uri": {cb}}
	wrongSecret := url.Values{"client_id": {fake.ClientID()}, "client_secret": {"nope"}, "code": {code}}
	if v := exchange(t, fake, wrongSecret); v["error"] != "incorrect_client_credentials" {
		t.Errorf("wrong secret: %v", v)
	}
	v := exchange(t, fake, good)
	tok, _ := v["access_token"].(string)
	if !strings.HasPrefix(tok, "ghu_") || v["token_type"] != "bearer" {
		t.Fatalf("exchange: %v", v)
	}
	if v := exchange(t, fake, good); v["error"] != "bad_verification_code" {
		t.Errorf("a code exchanged twice: %v", v)
	}
	code2, _ := authorizeAs(t, fake, "bob", cb+"/deeper", "st-2")
	if v := exchange(t, fake, url.Values{"client_id": {fake.ClientID()}, "client_secret": {fake.ClientSecret()}, "code": {code2}, "redirect_uri": {cb}}); v["error"] != "redirect_uri_mismatch" {
		t.Errorf("another redirect_uri: %v", v)
	}

	user := client(t, fake, http.DefaultTransport).WithAuthToken(tok)
	u, _, err := user.Users.Get(ctx, "")
	if err != nil || u.GetLogin() != "alice" {
		t.Fatalf("GET /user = %v, %v", u, err)
	}
	insts, _, err := user.Apps.ListUserInstallations(ctx, nil)
	if err != nil || len(insts) != 1 || insts[0].GetID() != 1 || insts[0].GetAccount().GetLogin() != "acme" {
		t.Fatalf("GET /user/installations = %v, %v", insts, err)
	}

	// Installation tokens are refused as GitHub refuses them; no token at
	// all is unauthenticated.
	inst := installationClient(t, fake, 1)
	if _, resp, err := inst.Users.Get(ctx, ""); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET /user with an installation token: %v", err)
	}
	if _, resp, err := client(t, fake, http.DefaultTransport).Apps.ListUserInstallations(ctx, nil); err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /user/installations without a token: %v", err)
	}

	// An unknown client and a redirect outside the callback URL are
	// refused, and recorded as violations.
	for _, q := range []url.Values{
		{"client_id": {"Iv1.unknown"}, "redirect_uri": {cb}},
		{"client_id": {fake.ClientID()}, "redirect_uri": {"https://evil.example/cb"}},
	} {
		resp, err := http.Get(fake.URL + "/login/oauth/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("authorize %v: 200", q)
		}
	}
	if v := fake.TakeViolations(); len(v) != 2 {
		t.Errorf("violations %q, want the 2 refused authorizations", v)
	}
	if fake.Count("oauth/access-token") != 4 || fake.Count("users/get-authenticated") != 2 {
		t.Errorf("counts %v", fake.Counts())
	}
}

// TestInstallationListings: the app's installations and an installation's
// repositories, answered within GitHub's schema.
func TestInstallationListings(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddInstallation(githubfake.Installation{ID: 1, Account: "acme"})
	fake.AddInstallation(githubfake.Installation{ID: 2, Account: "globex"})
	fake.AddRepo(githubfake.Repo{Owner: "acme", Name: "app"})
	fake.AddRepo(githubfake.Repo{Owner: "acme", Name: "lib"})
	fake.AddRepo(githubfake.Repo{Owner: "globex", Name: "web"})
	ctx := context.Background()
	atr, err := ghinstallation.NewAppsTransport(http.DefaultTransport, fake.AppID(), fake.AppKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	atr.BaseURL = fake.URL
	insts, _, err := client(t, fake, atr).Apps.ListInstallations(ctx, nil)
	if err != nil || len(insts) != 2 || insts[0].GetAccount().GetLogin() != "acme" || insts[1].GetID() != 2 {
		t.Fatalf("GET /app/installations = %v, %v", insts, err)
	}
	cases := []struct {
		inst  int64
		repos []string
	}{{1, []string{"acme/app", "acme/lib"}}, {2, []string{"globex/web"}}}
	for _, c := range cases {
		list, _, err := installationClient(t, fake, c.inst).Apps.ListRepos(ctx, &github.ListOptions{PerPage: 1})
		if err != nil {
			t.Fatal(err)
		}
		if list.GetTotalCount() != len(c.repos) || len(list.Repositories) != 1 || list.Repositories[0].GetFullName() != c.repos[0] {
			t.Errorf("installation %d: %d repositories, first %v; want %v", c.inst, list.GetTotalCount(), list.Repositories, c.repos)
		}
	}
}
