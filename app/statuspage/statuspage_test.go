package statuspage

import (
	"strings"
	"testing"
	"time"
)

func TestRenderSignIn(t *testing.T) {
	cases := []struct {
		name     string
		in       SignIn
		want     []string
		wantNot  []string
		wantSome bool
	}{
		{"both ways", SignIn{GitHub: true, Token: true, CSRF: "tok-123"},
			[]string{`href="/auth/github"`, `action="/auth/token"`, `name="csrf" value="tok-123"`, `type="password"`}, []string{"no-sign-in"}, true},
		{"GitHub only", SignIn{GitHub: true}, []string{"Sign in with GitHub"}, []string{"/auth/token"}, true},
		{"token only", SignIn{Token: true, CSRF: "x"}, []string{"/auth/token"}, []string{"/auth/github"}, true},
		{"neither", SignIn{}, []string{`id="no-sign-in"`, "--admin-token-file"}, []string{"/auth/github", "/auth/token"}, false},
		{"not set up", SignIn{Missing: []string{"CODERREADY_APP_ID"}}, []string{`id="not-set-up"`, "CODERREADY_APP_ID", `href="/setup"`}, nil, false},
		{"a message, escaped", SignIn{Token: true, Message: "<b>wrong</b> token"}, []string{"&lt;b&gt;wrong&lt;/b&gt; token"}, []string{"<b>wrong"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			if err := RenderSignIn(&b, c.in); err != nil {
				t.Fatal(err)
			}
			page := b.String()
			for _, w := range c.want {
				if !strings.Contains(page, w) {
					t.Errorf("lacks %q", w)
				}
			}
			for _, w := range c.wantNot {
				if strings.Contains(page, w) {
					t.Errorf("has %q", w)
				}
			}
			// The sign-in page holds no section of the status page.
			for _, id := range []string{`id="installations"`, `id="deliveries"`, `id="check-runs"`, `id="errors"`, `id="queue"`} {
				if strings.Contains(page, id) {
					t.Errorf("the sign-in page has %s", id)
				}
			}
		})
	}
}

func TestRenderPage(t *testing.T) {
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	p := Page{
		Who: "alice", CSRF: "csrf-1", Version: "v1.2.3", GitHubURL: "https://github.example", Database: "sqlite", AppID: 42,
		InstallURL: "https://github.example/apps/coderready/installations/new",
		Builder:    Builder{Configured: true, Up: false, Error: "connection refused", Checked: now.Add(-30 * time.Second)},
		Queue:      Queue{Available: 2, Retryable: 1, Running: 1, Oldest: &Job{Kind: "coderready_check", State: "available", CreatedAt: now.Add(-5 * time.Minute), Attempt: 2}},
		Installations: []Installation{
			{ID: 1, Account: "acme", Repos: []string{"acme/app", "acme/lib"}, ReposTotal: 2},
			{ID: 3, Account: "initech", Suspended: true, ReposError: "GitHub did not answer"},
		},
		Deliveries: []Delivery{{ID: "d-1", Event: "pull_request", Action: "opened", Repo: "acme/app", Result: "queued a check of #2", InstallationID: 1, ReceivedAt: now.Add(-2 * time.Minute)}},
		CheckRuns: []CheckRun{
			{Repo: "acme/app", HeadSHA: "0123456789abcdef", Name: "coderready / Dockerfile", Status: "completed", Conclusion: "failure", Duration: 12300 * time.Millisecond, UpdatedAt: now, URL: "https://github.example/acme/app/runs/7"},
			{Repo: "acme/app", HeadSHA: "fedcba", Name: "coderready", Status: "in_progress"},
		},
		Errors:   []Error{{At: now.Add(-time.Hour), Kind: "coderready_check", Repo: "acme/app", Attempt: 3, Message: "GET /pulls: <500>"}},
		Problems: []string{"GitHub did not list the installations"},
		Now:      now,
	}
	var b strings.Builder
	if err := RenderPage(&b, p); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, w := range []string{
		"Signed in as <strong>alice</strong>", `name="csrf" value="csrf-1"`, `action="/auth/signout"`,
		`href="https://github.example/apps/coderready/installations/new"`,
		"does not answer", "connection refused", "checked 30s ago",
		"<strong>3</strong> waiting", "<strong>1</strong> running", "<code>coderready_check</code> job, available, queued 5m ago (attempt 2)",
		`data-installation="1"`, "acme/lib", "initech", "suspended", "GitHub did not answer",
		"pull_request.opened", "queued a check of #2", "2m ago",
		"<code>0123456</code>", `href="https://github.example/acme/app/runs/7"`, `<span class="bad">failure</span>`, "12.3s", "in_progress",
		"GET /pulls: &lt;500&gt;", "attempt 3", "GitHub did not list the installations",
	} {
		if !strings.Contains(page, w) {
			t.Errorf("the page lacks %q", w)
		}
	}
	if strings.Contains(page, "<500>") {
		t.Error("an error message is not escaped")
	}

	// Empty sections say so.
	b.Reset()
	if err := RenderPage(&b, Page{Who: "bob", Now: now}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"No installations that you can access", "No deliveries yet", "No check runs yet", "No errors", "Nothing queued", "None: static and base-image checks only", "known after"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("an empty page lacks %q", w)
		}
	}
}

func TestDurAndAgo(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	durs := []struct {
		d    time.Duration
		want string
	}{{0, ""}, {850 * time.Millisecond, "850ms"}, {12300 * time.Millisecond, "12.3s"}, {4*time.Minute + 5*time.Second, "4m05s"}}
	for _, c := range durs {
		if got := dur(c.d); got != c.want {
			t.Errorf("dur(%v) = %q, want %q", c.d, got, c.want)
		}
	}
	agos := []struct {
		t    time.Time
		want string
	}{{time.Time{}, ""}, {now.Add(-42 * time.Second), "42s"}, {now.Add(-5 * time.Minute), "5m"}, {now.Add(-3 * time.Hour), "3h"}, {now.Add(-72 * time.Hour), "3d"}, {now.Add(time.Second), "0s"}}
	for _, c := range agos {
		if got := ago(now, c.t); got != c.want {
			t.Errorf("ago(%v) = %q, want %q", c.t, got, c.want)
		}
	}
}
