package app

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/checks"
)

// TestCheckRunLinksOwnRulePages: with a public URL, the summary's rule IDs
// link this server's /rules pages (which answer), not the public docs, and
// annotations carry plain text, no Markdown backticks.
func TestCheckRunLinksOwnRulePages(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	helloWorld(t, fake, map[string]string{"Dockerfile": rootDockerfile})
	const public = "https://coderready.example.test/base"
	a := newTestApp(t, testAppOptions{fake: fake, settings: func(s *Settings) { s.PublicURL = public }})
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	mustAccept(t, deliver(t, a.Handler(), "pull_request", "links-1", readFixture(t, "pull_request.opened.json")))
	waitFor(t, 30*time.Second, "the check run to complete", completed(fake, 1))
	cr := targetRuns(fake)[0]
	if want := "](" + public + "/rules/CR101)"; !strings.Contains(cr.Output.Summary, want) {
		t.Errorf("summary does not link CR101 to %s/rules/CR101:\n%s", public, cr.Output.Summary)
	}
	if strings.Contains(cr.Output.Summary, checks.RulesDocURL) {
		t.Errorf("summary still links the public docs:\n%s", cr.Output.Summary)
	}
	if len(cr.Annotations) == 0 {
		t.Fatal("no annotations")
	}
	for _, an := range cr.Annotations {
		for _, text := range []string{an.Title, an.Message, an.RawDetails} {
			if strings.Contains(text, "`") {
				t.Errorf("annotation on line %d has Markdown backticks: %q", an.StartLine, text)
			}
		}
	}
	// The Dockerfile itself has no backtick, so one in an annotation
	// could only come from the rules' Markdown (CR101's message has one).
	if strings.Contains(rootDockerfile, "`") {
		t.Fatal("the fixture has a backtick: the check above proves nothing")
	}
	if !strings.Contains(cr.Output.Summary, "`debian:bookworm` runs as root") {
		t.Fatalf("the summary lost CR101's code span, so the plain-text check proves nothing:\n%s", cr.Output.Summary)
	}

	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/rules/CR101", nil))
	body, _ := io.ReadAll(rec.Result().Body)
	if rec.Code != http.StatusOK || !strings.Contains(string(body), checks.Lookup("CR101").Title) {
		t.Errorf("GET /rules/CR101: %d\n%s", rec.Code, body)
	}
}

func TestRuleURL(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Settings
		want string
	}{
		{"public docs by default", Settings{}, checks.RuleDocURL("CR101")},
		{"own pages", Settings{PublicURL: "https://cr.example.test/"}, "https://cr.example.test/rules/CR101"},
		{"template", Settings{PublicURL: "https://cr.example.test", RulesURL: "https://docs.example.test/coder/{id}.html"}, "https://docs.example.test/coder/CR101.html"},
		{"a copy of rules.md", Settings{RulesURL: "https://ghes.example.test/org/coderready/blob/main/docs/rules.md"}, "https://ghes.example.test/org/coderready/blob/main/docs/rules.md#cr101"},
	} {
		if got := tc.s.RuleURL("CR101"); got != tc.want {
			t.Errorf("%s: RuleURL = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRulesURLMustBeAbsolute(t *testing.T) {
	for _, bad := range []string{"docs/rules.md", "javascript:alert(1)", "ftp://x.example.test/rules"} {
		s := Settings{DataDir: t.TempDir(), WorkDir: t.TempDir(), RulesURL: bad}
		err := s.Normalize()
		if err == nil || !strings.Contains(err.Error(), EnvRulesURL) {
			t.Errorf("RulesURL %q: err %v, want one naming %s", bad, err, EnvRulesURL)
		}
	}
}
