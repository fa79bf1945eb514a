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
// with the real engine: a pull request whose tarball holds a chain of 45
// in-tree links ending in `..`, aimed (through the old layout, checkouts
// under the data dir) at the data dir's key, used as a devcontainer's
// build context with a Dockerfile.dockerignore keeping one file. The
// checkout lives apart from the data dir (the old layout is now refused
// by the settings, so the work dir sits beside it, where the chain's `..`
// steps lead to the test's folder holding the data dir), the extraction
// refuses the chain, and nothing of the key reaches GitHub.
func TestHostileSourceReachesNoSecret(t *testing.T) {
	b := engineBuilder(t)
	data := t.TempDir()
	const marker = "BEGIN RSA PRIVATE KEY coderready-attack-1"
	if err := os.WriteFile(filepath.Join(data, "github-app.private-key.pem"), []byte(marker+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddInstallation(githubfake.Installation{ID: 1, Account: "Codertocat"})
	fake.AddRepo(githubfake.Repo{Owner: "Codertocat", Name: "Hello-World", DefaultBranch: "master", InstallationID: 1})
	fake.AddCommit(fixtureRepo, fixtureBase, map[string]string{"README.md": "base\n"})
	links := map[string]string{"c45": "../../../.."}
	for i := 0; i < 45; i++ {
		links[fmt.Sprintf("c%d", i)] = fmt.Sprintf("c%d", i+1)
	}
	fake.AddCommitLinks(fixtureRepo, fixtureHead, map[string]string{
		".devcontainer/devcontainer.json":       `{"build": {"dockerfile": "../c0/Dockerfile", "context": "../c0"}}`,
		".devcontainer/Dockerfile":              "FROM coderready-test/busybox:static\nCOPY github-app.private-key.pem /k\nRUN cat /k && false\n",
		".devcontainer/Dockerfile.dockerignore": "*\n!github-app.private-key.pem\n",
	}, links)
	fake.AddPullRequest(githubfake.PullRequest{Repo: fixtureRepo, Number: 2,
		Head: githubfake.PRRef{Ref: "changes", SHA: fixtureHead}, Base: githubfake.PRRef{Ref: "master", SHA: fixtureBase}})
	work := filepath.Join(t.TempDir(), "work")
	a := newTestApp(t, testAppOptions{fake: fake, builder: b, dataDir: data, settings: func(s *Settings) { s.WorkDir = work }})

	err := a.runCheck(t.Context(), slog.New(slog.NewTextHandler(testWriter{t}, nil)),
		checkArgs{InstallationID: 1, Owner: "Codertocat", Repo: "Hello-World", HeadSHA: fixtureHead, PR: 2}, 1)
	if err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Fatalf("the job's error %v, want the extraction's refusal of the link chain", err)
	}
	if strings.Contains(err.Error(), marker) {
		t.Fatalf("the error quotes the key: %v", err)
	}
	if fake.Count("codeload") == 0 {
		t.Fatal("the tarball was never fetched: the test proves nothing")
	}
	for _, cr := range fake.CheckRuns(fixtureRepo) {
		if strings.Contains(cr.Output.Summary+cr.Output.Text+cr.Output.Title, marker) {
			t.Fatalf("check run %q shows the key", cr.Name)
		}
		for _, v := range cr.History {
			if strings.Contains(string(v.Body), marker) {
				t.Fatalf("check run %q was sent the key", cr.Name)
			}
		}
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
	fake.AssertNoViolations(t)
}
