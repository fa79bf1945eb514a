package app

import (
	"strings"
	"testing"
	"time"

	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/internal/testenv"
	"github.com/coderready/coderready/scan"
)

// engineBuilder returns the test engine's builder (testenv.RequireEngine).
func engineBuilder(t *testing.T) build.Builder {
	t.Helper()
	testenv.RequireEngine(t)
	b := scan.EngineBuilder(t.Context(), "")
	if b == nil {
		t.Fatal("the engine answers, but scan.EngineBuilder made no builder")
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// TestPullRequestBuilt: end to end with a real build of the head and of
// the base branch, on the local test images.
func TestPullRequestBuilt(t *testing.T) {
	b := engineBuilder(t)
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddInstallation(githubfake.Installation{ID: 1, Account: "Codertocat"})
	fake.AddRepo(githubfake.Repo{Owner: "Codertocat", Name: "Hello-World", DefaultBranch: "master", InstallationID: 1})
	fake.AddCommit(fixtureRepo, fixtureBase, map[string]string{
		".devcontainer/Dockerfile":        "FROM coderready-test/debian:bookworm-nonroot\n",
		".devcontainer/devcontainer.json": `{"build": {"dockerfile": "Dockerfile"}}`,
	})
	fake.AddCommit(fixtureRepo, fixtureHead, map[string]string{
		".devcontainer/Dockerfile":        "FROM coderready-test/coder-ready:bookworm\nUSER root\nRUN echo built > /etc/motd\nUSER coder\n",
		".devcontainer/devcontainer.json": `{"build": {"dockerfile": "Dockerfile"}}`,
	})
	fake.AddPullRequest(githubfake.PullRequest{Repo: fixtureRepo, Number: 2,
		Head: githubfake.PRRef{Ref: "changes", SHA: fixtureHead}, Base: githubfake.PRRef{Ref: "master", SHA: fixtureBase}})
	a := startApp(t, fake, testAppOptions{builder: b})
	start := time.Now()
	mustAccept(t, deliver(t, a.Handler(), "pull_request", "d", readFixture(t, "pull_request.opened.json")))
	waitFor(t, 5*time.Minute, "the check run", completed(fake, 1))
	t.Logf("head checked, run completed in %s", time.Since(start).Round(time.Millisecond))
	// The comparison with the base's build arrives as an update.
	waitIdle(t, a)
	t.Logf("base compared in %s", time.Since(start).Round(time.Millisecond))
	cr := targetRuns(fake)[0]
	if cr.Name != "coderready / .devcontainer/devcontainer.json" {
		t.Errorf("name %q", cr.Name)
	}
	for _, want := range []string{"Built with the Docker engine (BuildKit)", "### The image", "Changed against `master`", "Tools gained", "curl", "git"} {
		if !strings.Contains(cr.Output.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, cr.Output.Summary)
		}
	}
	// The image is named by its file and commit; the layer the head adds
	// by its instruction as written, without the builder's suffix.
	for _, want := range []string{"| Image | `.devcontainer/Dockerfile @ " + fixtureHead[:7] + "` |", "  - added `RUN echo built > /etc/motd`: +"} {
		if !strings.Contains(cr.Output.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, cr.Output.Summary)
		}
	}
	// The built image ran: the agent bootstrap downloaded and started.
	if !strings.Contains(cr.Output.Summary, "✅ agent bootstrap: downloaded with curl, started as coder (1000) in ") {
		t.Errorf("summary lacks the probe's success line:\n%s", cr.Output.Summary)
	}
	if strings.Contains(cr.Output.Summary, "# buildkit") {
		t.Errorf("summary keeps the builder's suffix:\n%s", cr.Output.Summary)
	}
	if cr.Conclusion == "failure" {
		t.Errorf("conclusion failure:\n%s", cr.Output.Summary)
	}
	var progress bool
	for _, v := range cr.History {
		if strings.HasPrefix(v.Output.Title, "Checking: building") {
			progress = true
		}
	}
	if !progress {
		t.Error("no progress update said the image was building")
	}
}
