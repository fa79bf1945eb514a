package app

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/store/storetest"
)

// recordingBuilder is a build.Builder that builds nothing and says so: it
// fails every build, recording that one was asked for.
type recordingBuilder struct {
	mu    sync.Mutex
	specs []build.Spec
}

func (b *recordingBuilder) Build(_ context.Context, spec build.Spec) (*build.Result, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.specs = append(b.specs, spec)
	return nil, &build.Failure{Message: "recording builder: no engine", Line: 1}
}

func (b *recordingBuilder) Remove(context.Context, string) error { return errors.New("nothing built") }

func (b *recordingBuilder) builds() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.specs)
}

// forkPR makes the fixture's pull request come from a fork.
func forkPR(fake *githubfake.Server) {
	fake.AddRepo(githubfake.Repo{Owner: "forker", Name: "Hello-World", Parent: fixtureRepo})
	fake.AddPullRequest(githubfake.PullRequest{Repo: fixtureRepo, Number: 2,
		Head: githubfake.PRRef{Repo: "forker/Hello-World", Ref: "changes", SHA: fixtureHead}, Base: githubfake.PRRef{Ref: "master", SHA: fixtureBase}})
}

func TestForksAreNotBuiltUnlessAllowed(t *testing.T) {
	tests := []struct {
		name       string
		fork       bool
		baseConfig string
		wantBuilds bool
	}{
		{"same repository", false, "", true},
		{"fork", true, "", false},
		{"fork allowed by config", true, "app:\n  build-forks: true\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := githubfake.Start(t, githubfake.Options{})
			helloWorld(t, fake, map[string]string{"Dockerfile": rootDockerfile})
			if tt.baseConfig != "" {
				fake.AddCommit(fixtureRepo, fixtureBase, map[string]string{"README.md": "# Hello World\n", ".github/coderready.yaml": tt.baseConfig})
			}
			if tt.fork {
				forkPR(fake)
			}
			b := &recordingBuilder{}
			a := startApp(t, fake, testAppOptions{builder: b})
			mustAccept(t, deliver(t, a.Handler(), "pull_request", "d", readFixture(t, "pull_request.opened.json")))
			waitFor(t, 30*time.Second, "the check run", completed(fake, 1))
			if got := b.builds() > 0; got != tt.wantBuilds {
				t.Errorf("built: %v, want %v", got, tt.wantBuilds)
			}
			cr := targetRuns(fake)[0]
			if !tt.wantBuilds && !strings.Contains(cr.Output.Summary, "Not built") {
				t.Errorf("summary should say the image was not built:\n%s", cr.Output.Summary)
			}
			if tt.wantBuilds && !strings.Contains(cr.Output.Summary, "Building with the Docker engine failed") {
				t.Errorf("summary should say the build failed:\n%s", cr.Output.Summary)
			}
			if tt.wantBuilds && cr.Conclusion != "failure" {
				t.Errorf("a failed build: conclusion %q, want failure", cr.Conclusion)
			}
		})
	}
}

func TestConfigFromBaseBranchAndOrg(t *testing.T) {
	tests := []struct {
		name           string
		org, base      string
		head           string // a config the PR adds: must be ignored
		wantConclusion string
		wantName       string
		wantAnnotation int // line of the config annotation, 0 for none
	}{
		{"defaults", "", "", "", "neutral", "coderready / Dockerfile", 0},
		{"head config is ignored", "", "", "rules:\n  CR101: off\n", "neutral", "coderready / Dockerfile", 0},
		{"base config", "", "rules:\n  CR101: off\n", "", "success", "coderready / Dockerfile", 0},
		{"org default", "app:\n  fail-on: warning\n", "", "", "failure", "coderready / Dockerfile", 0},
		{"repo over org", "app:\n  fail-on: warning\n", "rules:\n  CR101: info\n", "", "success", "coderready / Dockerfile", 0},
		{"invalid base config", "", "version: 1\nrules:\n  CR101: fatal\n", "", "failure", "coderready / .github/coderready.yaml", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := githubfake.Start(t, githubfake.Options{})
			head := map[string]string{"Dockerfile": rootDockerfile}
			if tt.head != "" {
				head[".github/coderready.yaml"] = tt.head
			}
			helloWorld(t, fake, head)
			if tt.base != "" {
				fake.AddCommit(fixtureRepo, fixtureBase, map[string]string{"README.md": "# Hello World\n", ".github/coderready.yaml": tt.base})
			}
			if tt.org != "" {
				fake.AddOrgConfig("Codertocat", map[string]string{"coderready.yaml": tt.org})
			}
			a := startApp(t, fake, testAppOptions{})
			mustAccept(t, deliver(t, a.Handler(), "pull_request", "d", readFixture(t, "pull_request.opened.json")))
			waitFor(t, 30*time.Second, "the check run", completed(fake, 1))
			cr := targetRuns(fake)[0]
			if cr.Name != tt.wantName || cr.Conclusion != tt.wantConclusion {
				t.Errorf("check run %q %q, want %q %q\n%s", cr.Name, cr.Conclusion, tt.wantName, tt.wantConclusion, cr.Output.Summary)
			}
			if tt.wantAnnotation > 0 && (len(cr.Annotations) != 1 || cr.Annotations[0].StartLine != tt.wantAnnotation) {
				t.Errorf("annotations %+v, want one on line %d", cr.Annotations, tt.wantAnnotation)
			}
		})
	}
}

func TestPostgresMode(t *testing.T) {
	url := storetest.PostgresURL(t)
	fake := githubfake.Start(t, githubfake.Options{})
	helloWorld(t, fake, map[string]string{"Dockerfile": rootDockerfile})
	a := startApp(t, fake, testAppOptions{databaseURL: url})
	if a.store.Dialect() != "postgres" {
		t.Fatalf("dialect %s", a.store.Dialect())
	}
	for range 2 { // the second is a duplicate
		deliver(t, a.Handler(), "pull_request", "pg-1", readFixture(t, "pull_request.opened.json"))
	}
	waitFor(t, 30*time.Second, "the check run", completed(fake, 1))
	waitFor(t, 5*time.Second, "the review", func() bool { return len(fake.Reviews(fixtureRepo, 2)) == 1 })
	waitIdle(t, a)
	if n := len(targetRuns(fake)); n != 1 {
		t.Errorf("%d check runs, want 1", n)
	}
}
