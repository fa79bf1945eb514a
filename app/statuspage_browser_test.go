package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/coderready/coderready/app/auth"
	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/internal/testenv"
)

// TestStatusPageInChromium is the status page as an admin meets it, in
// headless Chromium: a server with the fake GitHub and a real store, two
// installations with deliveries, check runs and an error each made by the
// real webhook and jobs; an anonymous visit gets the sign-in page; a member
// of installation A signs in through GitHub's OAuth flow and sees A's
// repositories, deliveries, check runs and errors and nothing of B's; the
// admin token sees both. Screenshots of each page are written to the
// test's artifact directory (go test -artifacts keeps them) and logged.
func TestStatusPageInChromium(t *testing.T) {
	chromium := testenv.RequireChromium(t)

	// The world: installation 1 (Codertocat: the fixture's repository and
	// pull request) and installation 2 (globex/web, a pull request of its
	// own, and a second one whose job fails).
	fake := githubfake.Start(t, githubfake.Options{})
	helloWorld(t, fake, map[string]string{"Dockerfile": rootDockerfile})
	fake.AddInstallation(githubfake.Installation{ID: 2, Account: "globex"})
	fake.AddRepo(githubfake.Repo{Owner: "globex", Name: "web", InstallationID: 2})
	globexBase := fake.AddCommit("globex/web", "", map[string]string{"README.md": "# web\n"})
	globexHead := fake.AddCommit("globex/web", "", map[string]string{"README.md": "# web\n", "Dockerfile": rootDockerfile})
	// Pull request 8 has a head of its own: one check job per head.
	globexHead8 := fake.AddCommit("globex/web", "", map[string]string{"README.md": "# web 8\n", "Dockerfile": rootDockerfile})
	heads := map[int]string{7: globexHead, 8: globexHead8}
	for n, head := range heads {
		fake.AddPullRequest(githubfake.PullRequest{Repo: "globex/web", Number: n, Title: "globex change",
			Head: githubfake.PRRef{Ref: "change", SHA: head}, Base: githubfake.PRRef{Ref: "main", SHA: globexBase}})
	}
	fake.Fail(githubfake.Matcher{PathPrefix: "/repos/globex/web/pulls/8"}, 1000,
		githubfake.FaultResponse{Status: http.StatusInternalServerError, Body: `{"message":"globex's pull request 8 is unavailable"}`})
	fake.AddUser(githubfake.User{Login: "alice", Installations: []int64{1}})
	fake.AddUser(githubfake.User{Login: "bob", Installations: []int64{2}})

	tokenFile := filepath.Join(t.TempDir(), "admin-token")
	if err := os.WriteFile(tokenFile, []byte(testAdminToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := newTestApp(t, testAppOptions{fake: fake, settings: func(s *Settings) {
		s.ClientID, s.ClientSecret, s.AdminTokenFile = fake.ClientID(), fake.ClientSecret(), tokenFile
	}})
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	fake.SetCallbackURL(srv.URL + "/auth/callback")
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}

	mustAccept(t, deliver(t, a.Handler(), "pull_request", "delivery-codertocat-2", readFixture(t, "pull_request.opened.json")))
	for _, n := range []int{7, 8} {
		body := editFixture(t, "pull_request.opened.json", func(m map[string]any) {
			obj(m, "installation")["id"] = float64(2)
			for _, r := range []map[string]any{obj(m, "repository"), obj(m, "pull_request", "head", "repo"), obj(m, "pull_request", "base", "repo")} {
				r["name"], r["full_name"] = "web", "globex/web"
				obj(r, "owner")["login"] = "globex"
			}
			m["number"] = float64(n)
			pr := obj(m, "pull_request")
			pr["number"] = float64(n)
			obj(pr, "head")["sha"], obj(pr, "base")["sha"] = heads[n], globexBase
		})
		mustAccept(t, deliver(t, a.Handler(), "pull_request", "delivery-globex-"+string(rune('0'+n)), body))
	}
	admin := auth.Session{Admin: true}
	waitFor(t, 90*time.Second, "both installations' check runs and globex's error", func() bool {
		done := func(repo string) bool {
			for _, cr := range fake.CheckRuns(repo) {
				if cr.Status == "completed" {
					return true
				}
			}
			return false
		}
		errs, err := a.statusErrors(t.Context(), admin)
		return done(fixtureRepo) && done("globex/web") && err == nil && len(errs) > 0
	})
	waitFor(t, 30*time.Second, "every delivery routed", func() bool {
		page := getAs(t, a, admin, "/").Body.String()
		return !strings.Contains(page, "waiting to be routed") && strings.Count(page, "delivery-") == 3
	})

	// The browser.
	shots := t.ArtifactDir()
	alloc, cancelAlloc := chromedp.NewExecAllocator(t.Context(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900))...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	defer cancelCtx()
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelTimeout()
	// The first run starts the browser, for as long as ctx lives.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		// Each step is bounded apart; the browser lives as long as ctx.
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
			t.Fatalf("%s: %v\nthe browser is at %s:\n%s", what, err, loc, body)
		}
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		p := filepath.Join(shots, name)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}
	absent := func(who, page string, marks ...string) {
		t.Helper()
		for _, m := range marks {
			if strings.Contains(page, m) {
				t.Errorf("%s: the page shows %q", who, m)
			}
		}
	}
	present := func(who, page string, marks ...string) {
		t.Helper()
		for _, m := range marks {
			if !strings.Contains(page, m) {
				t.Errorf("%s: the page lacks %q", who, m)
			}
		}
	}
	codertocat := []string{fixtureRepo, "delivery-codertocat-2", "Codertocat"}
	globex := []string{"globex/web", "delivery-globex-7", "delivery-globex-8", "globex's pull request 8"}

	// Anonymous: the sign-in page, nothing else.
	run("open the page", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#github-sign-in")))
	page := text("body")
	present("anonymous", page, "Sign in with GitHub", "Admin token")
	absent("anonymous", page, append(append(codertocat, globex...), "Recent deliveries", "Last errors")...)
	shot("1-sign-in.png")

	// alice, a member of installation 1, signs in with GitHub.
	run("sign in with GitHub", chromedp.Click(chromedp.CSS("#github-sign-in")), chromedp.WaitVisible(chromedp.CSS("#authorize-alice")))
	shot("2-github-authorize.png")
	run("authorize as alice", chromedp.Click(chromedp.CSS("#authorize-alice")), chromedp.WaitVisible(chromedp.CSS("#who")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if loc != srv.URL+"/" {
		t.Errorf("after signing in the browser is at %s, want %s/", loc, srv.URL)
	}
	page = text("body")
	present("alice", page, append(codertocat, "Signed in as alice", "Recent check runs", "coderready / Dockerfile", "Install the app")...)
	absent("alice", page, globex...)
	present("alice's installations", text("#installations"), "Codertocat/Hello-World")
	present("alice's deliveries", text("#deliveries"), "pull_request.opened", "handled")
	runs := text("#check-runs")
	if !regexp.MustCompile(`(success|failure|neutral)\s+\d+(ms|\.\ds|m\d\ds)`).MatchString(runs) {
		t.Errorf("alice's check runs lack a conclusion with its duration:\n%s", runs)
	}
	present("the queue", text("#queue"), "waiting", "running")
	present("the builder", text("#builder"), "None: static and base-image checks only")
	if e := text("#errors"); !strings.Contains(e, "No errors") {
		t.Errorf("alice sees errors that are not her installation's:\n%s", e)
	}
	cookies, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{srv.URL + "/"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	var session *network.Cookie
	for _, c := range cookies.Cookies {
		if c.Name == auth.SessionCookie {
			session = c
		}
	}
	if session == nil || !session.HTTPOnly || session.SameSite != network.CookieSameSiteLax {
		t.Errorf("the session cookie: %+v, want HttpOnly and SameSite=Lax", session)
	}
	shot("3-status-alice.png")

	// Signing out leads back to the sign-in page.
	run("sign out", chromedp.Click(chromedp.CSS("#sign-out")), chromedp.WaitVisible(chromedp.CSS("#token")))
	absent("signed out", text("body"), codertocat...)

	// The admin token sees both installations.
	run("sign in with the admin token",
		chromedp.SendKeys(chromedp.CSS("#token"), testAdminToken),
		chromedp.Click(chromedp.CSS("#token-sign-in")),
		chromedp.WaitVisible(chromedp.CSS("#who")))
	page = text("body")
	present("admin", page, append(append(codertocat, globex...), "Signed in as admin token")...)
	present("admin's errors", text("#errors"), "globex/web", "coderready_check")
	shot("4-status-admin.png")

	// Without the session cookie: the sign-in page only.
	clear := func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
		return chromedp.Void{}, err
	}
	run("forget the cookies", clear, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#github-sign-in")))
	absent("anonymous again", text("body"), append(codertocat, globex...)...)
}
