package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/internal/testenv"
	"github.com/coderready/coderready/scan"
)

// BenchmarkPullRequestRecheck is `make bench-pr`: through the app, with
// the fake GitHub and the real engine, the time from a delivery to the
// first completed check run of its head ("first") and to the end of its
// job, the base's comparison included ("final"), for three pushes in turn
// on one server with cold caches:
//
//   - small: a pull request with a small Dockerfile;
//   - golden1: a pull request adding one line to a Dockerfile on the
//     2.3 GB golden image, first push;
//   - golden2: the same pull request's second push, another line.
//
// Two servers run it, in one run: "before" reads images by export (the
// engine's save route) and keeps no base results, as the app did before
// the push route and the base results cache; "after" is the product as it
// is (route auto, base results kept). Compare the same metric of the two.
func BenchmarkPullRequestRecheck(b *testing.B) {
	testenv.RequireEngine(b)
	const golden = "coderready-test/golden:bookworm"
	for _, tc := range []struct {
		name      string
		route     string
		baseCache bool
	}{
		{"before", "save", false},
		{"after", "auto", true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.Setenv("CODERREADY_READ_ROUTE", tc.route)
			for i := range b.N {
				// Each server builds what the engine's build cache has
				// never seen (pruning it would also remove layers images
				// built by BuildKit still use, on this engine).
				benchPushes(b, golden, tc.baseCache, fmt.Sprintf("%s-%d-%d", tc.name, i, time.Now().UnixNano()))
			}
		})
	}
}

// benchPushes runs the three pushes on a new server and reports their
// times as metrics, in seconds.
func benchPushes(b *testing.B, golden string, baseCache bool, nonce string) {
	builder := scan.EngineBuilder(b.Context(), "")
	if builder == nil {
		b.Fatal("the engine answers, but scan.EngineBuilder made no builder")
	}
	defer func() { _ = builder.Close() }()
	fake := githubfake.Start(b, githubfake.Options{})
	fake.AddInstallation(githubfake.Installation{ID: 1, Account: "Codertocat"})
	fake.AddRepo(githubfake.Repo{Owner: "Codertocat", Name: "Hello-World", DefaultBranch: "master", InstallationID: 1})
	small := "FROM coderready-test/debian:bookworm-nonroot\nRUN echo " + nonce + " > /tmp/nonce\n"
	big := "FROM " + golden + "\nUSER root\nRUN echo " + nonce + " > /etc/coderready-base\nUSER coder\n"
	fake.AddCommit(fixtureRepo, fixtureBase, map[string]string{"small/Dockerfile": small, "golden/Dockerfile": big})

	data := b.TempDir()
	// The probe is measured on its own (issue 12's figures): these
	// compare reading and rebuilding, before and after.
	a := newTestApp(b, testAppOptions{fake: fake, builder: builder, dataDir: data, settings: func(s *Settings) { s.NoProbe = true }})
	if err := a.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	pushes := []struct {
		name, sha, file, content string
		pr                       int
		action                   string
	}{
		{"small", "1111111111111111111111111111111111111111", "small/Dockerfile", small + "RUN echo small > /tmp/small\n", 11, "opened"},
		{"golden1", "2222222222222222222222222222222222222222", "golden/Dockerfile", big + "RUN echo one > /tmp/one\n", 12, "opened"},
		{"golden2", "3333333333333333333333333333333333333333", "golden/Dockerfile", big + "RUN echo one > /tmp/one\nRUN echo two > /tmp/two\n", 12, "synchronize"},
	}
	for _, p := range pushes {
		if !baseCache {
			// The app before kept nothing of the base: forget it.
			forgetBaseResults(b, filepath.Join(data, "base-results"))
		}
		fake.AddCommit(fixtureRepo, p.sha, map[string]string{"small/Dockerfile": small, "golden/Dockerfile": big, p.file: p.content})
		fake.AddPullRequest(githubfake.PullRequest{Repo: fixtureRepo, Number: p.pr, Title: p.name,
			Head: githubfake.PRRef{Ref: p.name, SHA: p.sha}, Base: githubfake.PRRef{Ref: "master", SHA: fixtureBase}})
		body := editFixture(b, "pull_request."+p.action+".json", func(m map[string]any) {
			m["number"] = float64(p.pr)
			obj(m, "pull_request")["number"] = float64(p.pr)
			obj(m, "pull_request", "head")["sha"] = p.sha
			obj(m, "pull_request", "base")["sha"] = fixtureBase
			if p.action == "synchronize" {
				m["after"] = p.sha
			}
		})
		start := time.Now()
		if resp := deliver(b, a.Handler(), "pull_request", "bench-"+p.name, body); resp.StatusCode != 202 {
			b.Fatalf("%s: delivery answered %d", p.name, resp.StatusCode)
		}
		var first time.Duration
		waitFor(b, 30*time.Minute, p.name+"'s first completed run", func() bool {
			for _, cr := range fake.CheckRuns(fixtureRepo) {
				if cr.HeadSHA == p.sha && cr.Name != aggregateName && cr.Status == "completed" {
					first = time.Since(start)
					return true
				}
			}
			return false
		})
		waitIdle(b, a)
		final := time.Since(start)
		for _, cr := range fake.CheckRuns(fixtureRepo) {
			if cr.HeadSHA == p.sha && cr.Name != aggregateName && (cr.Conclusion == "failure" || strings.Contains(cr.Output.Summary, "does not build")) {
				b.Fatalf("%s: %s concluded %s:\n%s", p.name, cr.Name, cr.Conclusion, cr.Output.Summary)
			}
		}
		// Run with -benchtime=1x: each iteration is a whole server's life.
		b.ReportMetric(first.Seconds(), "s-first-"+p.name)
		b.ReportMetric(final.Seconds(), "s-final-"+p.name)
		b.Logf("%s: first run completed in %s, job done in %s", p.name, first.Round(100*time.Millisecond), final.Round(100*time.Millisecond))
		for _, cr := range fake.CheckRuns(fixtureRepo) {
			if cr.HeadSHA == p.sha && cr.Name != aggregateName {
				// Where the time went, as the summary says it.
				if i := strings.Index(cr.Output.Summary, "\nTime: "); i >= 0 {
					b.Logf("%s: %s", p.name, strings.TrimSpace(strings.SplitN(cr.Output.Summary[i+1:], "\n", 2)[0]))
				}
			}
		}
	}
}

// forgetBaseResults empties the base results cache's folder.
func forgetBaseResults(b *testing.B, dir string) {
	des, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(fmt.Errorf("base results: %w", err))
	}
	for _, de := range des {
		if err := os.Remove(filepath.Join(dir, de.Name())); err != nil {
			b.Fatal(err)
		}
	}
}
