package app

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coderready/coderready/app/githubfake"
)

// TestHostileSourceReachesNoSecret is issue 9's attack 1 against the app
// with the real engine: a pull request whose devcontainer.json names as
// its build context a link aimed at the data dir holding the app's key —
// through a chain of 45 in-tree links ending in `..` (the original attack,
// which leads, from the work dir beside the data dir, to the test's folder
// holding it), or directly by absolute path — with a Dockerfile.dockerignore
// keeping only the key. The snapshot keeps its links, every reader opens
// them through the checkout's os.Root, so the job completes with a
// finding on the `context` line saying it resolves outside the repository
// and was not read, and nothing of the key reaches GitHub.
func TestHostileSourceReachesNoSecret(t *testing.T) {
	b := engineBuilder(t)
	for _, tt := range []struct {
		name string
		// links makes the snapshot's links, given the data dir; c0 is
		// the context.
		links    func(data string) map[string]string
		wantNote string
	}{
		{"a chain of 45 links", func(string) map[string]string {
			links := map[string]string{"c45": "../../../.."}
			for i := 0; i < 45; i++ {
				links[fmt.Sprintf("c%d", i)] = fmt.Sprintf("c%d", i+1)
			}
			return links
		}, "too long a chain of symlinks: not read"},
		{"a link to the data dir", func(data string) map[string]string {
			return map[string]string{"c0": data}
		}, "resolves outside the repository: not read"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := t.TempDir()
			const marker = "BEGIN RSA PRIVATE KEY coderready-attack-1"
			if err := os.WriteFile(filepath.Join(data, "github-app.private-key.pem"), []byte(marker+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			fake := githubfake.Start(t, githubfake.Options{})
			fake.AddInstallation(githubfake.Installation{ID: 1, Account: "Codertocat"})
			fake.AddRepo(githubfake.Repo{Owner: "Codertocat", Name: "Hello-World", DefaultBranch: "master", InstallationID: 1})
			fake.AddCommit(fixtureRepo, fixtureBase, map[string]string{"README.md": "base\n"})
			fake.AddCommitLinks(fixtureRepo, fixtureHead, map[string]string{
				".devcontainer/devcontainer.json":       "{\"build\": {\"dockerfile\": \"../c0/Dockerfile\",\n  \"context\": \"../c0\"}}",
				".devcontainer/Dockerfile":              "FROM coderready-test/busybox:static\nCOPY github-app.private-key.pem /k\nRUN cat /k && false\n",
				".devcontainer/Dockerfile.dockerignore": "*\n!github-app.private-key.pem\n",
			}, tt.links(data))
			fake.AddPullRequest(githubfake.PullRequest{Repo: fixtureRepo, Number: 2,
				Head: githubfake.PRRef{Ref: "changes", SHA: fixtureHead}, Base: githubfake.PRRef{Ref: "master", SHA: fixtureBase}})
			work := filepath.Join(t.TempDir(), "work")
			a := newTestApp(t, testAppOptions{fake: fake, builder: b, dataDir: data, settings: func(s *Settings) { s.WorkDir = work }})

			err := a.runCheck(t.Context(), slog.New(slog.NewTextHandler(testWriter{t}, nil)),
				checkArgs{InstallationID: 1, Owner: "Codertocat", Repo: "Hello-World", HeadSHA: fixtureHead, PR: 2}, jobRun{attempt: 1})
			if err != nil {
				t.Fatalf("the job failed: %v", err)
			}
			if fake.Count("codeload") == 0 {
				t.Fatal("the tarball was never fetched: the test proves nothing")
			}
			noted := false
			for _, cr := range targetRuns(fake) {
				if strings.Contains(cr.Output.Summary+cr.Output.Text+cr.Output.Title, marker) {
					t.Fatalf("check run %q shows the key", cr.Name)
				}
				for _, v := range cr.History {
					if strings.Contains(string(v.Body), marker) {
						t.Fatalf("check run %q was sent the key", cr.Name)
					}
				}
				for _, an := range cr.Annotations {
					if an.Path == ".devcontainer/devcontainer.json" && an.StartLine == 2 && strings.Contains(an.Message, tt.wantNote) {
						noted = true
					}
				}
			}
			if !noted {
				t.Errorf("no annotation on the context line saying %q; check runs: %+v", tt.wantNote, targetRuns(fake))
			}
			if got, _ := os.ReadFile(filepath.Join(data, "github-app.private-key.pem")); string(got) != marker+"\n" {
				t.Fatal("the key file changed")
			}
			entries, err := os.ReadDir(work)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 0 {
				t.Fatalf("the job left %d entries in the work dir", len(entries))
			}
		})
	}
}

// TestSourceOverLimitIsReported: a pull request whose snapshot is over the
// server's limits is not retried for nothing or dropped quietly: the job
// ends with one neutral check run saying why, and a second attempt adopts
// it rather than posting another.
func TestSourceOverLimitIsReported(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddInstallation(githubfake.Installation{ID: 1, Account: "Codertocat"})
	fake.AddRepo(githubfake.Repo{Owner: "Codertocat", Name: "Hello-World", DefaultBranch: "master", InstallationID: 1})
	fake.AddCommit(fixtureRepo, fixtureBase, map[string]string{"README.md": "base\n"})
	fake.AddCommit(fixtureRepo, fixtureHead, map[string]string{
		"Dockerfile": "FROM coderready-test/busybox:static\n", "a": "1", "b": "2", "c": "3", "d": "4",
	})
	fake.AddPullRequest(githubfake.PullRequest{Repo: fixtureRepo, Number: 2,
		Head: githubfake.PRRef{Ref: "changes", SHA: fixtureHead}, Base: githubfake.PRRef{Ref: "master", SHA: fixtureBase}})
	a := newTestApp(t, testAppOptions{fake: fake, settings: func(s *Settings) { s.SourceLimits.MaxFiles = 3 }})
	args := checkArgs{InstallationID: 1, Owner: "Codertocat", Repo: "Hello-World", HeadSHA: fixtureHead, PR: 2}
	for attempt := 1; attempt <= 2; attempt++ {
		if err := a.runCheck(t.Context(), slog.New(slog.NewTextHandler(testWriter{t}, nil)), args, jobRun{attempt: attempt}); err != nil {
			t.Fatalf("attempt %d: %v", attempt, err)
		}
	}
	runs := targetRuns(fake)
	if len(runs) != 1 {
		for _, cr := range runs {
			t.Logf("check run %d %q %s/%s", cr.ID, cr.Name, cr.Status, cr.Conclusion)
		}
		t.Fatalf("%d check runs, want 1", len(runs))
	}
	cr := runs[0]
	if cr.Name != "coderready / source" || cr.Status != "completed" || cr.Conclusion != "neutral" ||
		cr.Output.Title != "Not checked: the repository is over a size limit" ||
		!strings.Contains(cr.Output.Summary, "at most 3 entries") || !strings.Contains(cr.Output.Summary, "more than 3 entries") {
		t.Errorf("check run %s %s/%s %q:\n%s", cr.Name, cr.Status, cr.Conclusion, cr.Output.Title, cr.Output.Summary)
	}
}
