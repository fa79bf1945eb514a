package app

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/coderready/coderready/app/githubfake"
)

// pendingTitle marks a run completed before its base comparison.
const pendingTitle = "(comparing with master)"

// baseHits and baseMisses read coderready_base_results_total.
func baseHits(a *App) int {
	return int(testutil.ToFloat64(a.metrics.baseResults.WithLabelValues("hit")))
}

func baseMisses(a *App) int {
	return int(testutil.ToFloat64(a.metrics.baseResults.WithLabelValues("miss")))
}

// builds counts the builds the app observed (successful or failed).
func builds(t *testing.T, a *App) uint64 {
	t.Helper()
	var n uint64
	for _, path := range []string{"docker", "devcontainer-cli", "compose"} {
		for _, outcome := range []string{"built", "failed"} {
			var m dto.Metric
			if err := a.metrics.buildSeconds.WithLabelValues(path, outcome).(prometheus.Histogram).Write(&m); err != nil {
				t.Fatal(err)
			}
			n += m.GetHistogram().GetSampleCount()
		}
	}
	return n
}

// runOf returns the target run of head sha.
func runOf(t *testing.T, fake *githubfake.Server, sha string) githubfake.CheckRun {
	t.Helper()
	for _, cr := range targetRuns(fake) {
		if cr.HeadSHA == sha {
			return cr
		}
	}
	t.Fatalf("no check run for %s", sha)
	return githubfake.CheckRun{}
}

// completions counts the versions of a run that completed it.
func completions(cr githubfake.CheckRun) (n int, pending int) {
	for _, v := range cr.History {
		if v.Status == "completed" {
			n++
			if strings.Contains(v.Output.Title, pendingTitle) {
				pending++
			}
		}
	}
	return n, pending
}

// TestBaseResultReusedWithoutBuilds: a server that builds nothing checks
// the base in one pass, completes each run once, and a second push reuses
// the base's result instead of checking it again.
func TestBaseResultReusedWithoutBuilds(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddInstallation(githubfake.Installation{ID: 1, Account: "Codertocat"})
	fake.AddRepo(githubfake.Repo{Owner: "Codertocat", Name: "Hello-World", DefaultBranch: "master", InstallationID: 1})
	// The base runs as root already; the pull request adds a hard-coded
	// architecture.
	fake.AddCommit(fixtureRepo, fixtureBase, map[string]string{"Dockerfile": rootDockerfile})
	pushHead(t, fake, nil, fixtureHead, rootDockerfile+"RUN curl -fsSLo /usr/local/bin/x https://example.com/x-linux-amd64\n", "")
	a := startApp(t, fake, testAppOptions{})
	mustAccept(t, deliver(t, a.Handler(), "pull_request", "open", readFixture(t, "pull_request.opened.json")))
	waitFor(t, 30*time.Second, "the first check run", completed(fake, 1))
	waitIdle(t, a)
	first := runOf(t, fake, fixtureHead)
	if n, pending := completions(first); n != 1 || pending != 0 {
		t.Errorf("first run completed %d times (%d pending): without builds the base's one pass is its result", n, pending)
	}
	if !strings.Contains(first.Output.Summary, "already on `master`") {
		t.Errorf("the base's CR101 is not told apart:\n%s", first.Output.Summary)
	}
	if baseHits(a) != 0 || baseMisses(a) != 1 {
		t.Errorf("first job: %d hits, %d misses; want 0, 1", baseHits(a), baseMisses(a))
	}

	second := "2222222222222222222222222222222222222222"
	pushHead(t, fake, a, second, rootDockerfile+"RUN curl -fsSLo /usr/local/bin/x https://example.com/x-linux-amd64 && chmod +x /usr/local/bin/x\n", "")
	if baseHits(a) != 1 || baseMisses(a) != 1 {
		t.Errorf("second push: %d hits, %d misses; want the base's result reused (1, 1)", baseHits(a), baseMisses(a))
	}
	again := runOf(t, fake, second)
	if !strings.Contains(again.Output.Summary, "already on `master`") || again.Output.Title != first.Output.Title {
		t.Errorf("with the reused base: title %q (first: %q), summary:\n%s", again.Output.Title, first.Output.Title, again.Output.Summary)
	}
}

// TestBaseComparisonArrivesAsUpdate: with builds, a run completes as soon
// as its head is checked, saying the comparison is coming, and only with
// annotations read from the files; the comparison then updates it. A
// second push reuses the base's result: no base build, one completion.
func TestBaseComparisonArrivesAsUpdate(t *testing.T) {
	b := engineBuilder(t)
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddInstallation(githubfake.Installation{ID: 1, Account: "Codertocat"})
	fake.AddRepo(githubfake.Repo{Owner: "Codertocat", Name: "Hello-World", DefaultBranch: "master", InstallationID: 1})
	base := "FROM coderready-test/coder-ready:bookworm\nUSER root\nRUN echo base > /etc/motd\nUSER coder\n"
	fake.AddCommit(fixtureRepo, fixtureBase, map[string]string{"Dockerfile": base})
	pushHead(t, fake, nil, fixtureHead, base+"RUN echo one > /tmp/one\n", "")
	a := startApp(t, fake, testAppOptions{builder: b})
	mustAccept(t, deliver(t, a.Handler(), "pull_request", "open", readFixture(t, "pull_request.opened.json")))
	waitFor(t, 5*time.Minute, "the first check run", completed(fake, 1))
	waitIdle(t, a)
	first := runOf(t, fake, fixtureHead)
	n, pending := completions(first)
	if n != 2 || pending != 1 {
		t.Fatalf("first run completed %d times, %d pending; want once before the base's build, once with it", n, pending)
	}
	var early string
	for _, v := range first.History {
		if v.Status == "completed" {
			early = v.Output.Summary
			break
		}
	}
	if !strings.Contains(early, "being built for the comparison") || strings.Contains(early, "Changed against") {
		t.Errorf("the early completion does not say the comparison is coming:\n%s", early)
	}
	if strings.Contains(first.Output.Title, pendingTitle) || !strings.Contains(first.Output.Summary, "Changed against `master`") ||
		!strings.Contains(first.Output.Summary, "added `RUN echo one > /tmp/one`") {
		t.Errorf("the update lacks the comparison: title %q\n%s", first.Output.Title, first.Output.Summary)
	}
	buildsBefore := builds(t, a)
	if buildsBefore != 2 {
		t.Errorf("first push: %d builds, want 2 (head and base)", buildsBefore)
	}

	second := "2222222222222222222222222222222222222222"
	pushHead(t, fake, a, second, base+"RUN echo two > /tmp/two\n", "")
	if baseHits(a) != 1 || builds(t, a) != buildsBefore+1 {
		t.Errorf("second push: %d base results reused, %d builds; want 1 and only the head's build", baseHits(a), builds(t, a)-buildsBefore)
	}
	again := runOf(t, fake, second)
	if n, pending := completions(again); n != 1 || pending != 0 {
		t.Errorf("second run completed %d times (%d pending); want once, with the reused comparison", n, pending)
	}
	if !strings.Contains(again.Output.Summary, "added `RUN echo two > /tmp/two`") {
		t.Errorf("second run lacks the comparison:\n%s", again.Output.Summary)
	}
}
