package app

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/app/review"
)

// The fixture pull request: Codertocat/Hello-World#2, installation 1.
const (
	fixtureRepo = "Codertocat/Hello-World"
	fixtureHead = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	fixtureBase = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
)

const rootDockerfile = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates\nCMD [\"bash\"]\n"

// helloWorld gives the fake the fixture's repository and pull request:
// base has a README, head adds files.
func helloWorld(t testing.TB, fake *githubfake.Server, head map[string]string) {
	t.Helper()
	fake.AddInstallation(githubfake.Installation{ID: 1, Account: "Codertocat"})
	fake.AddRepo(githubfake.Repo{Owner: "Codertocat", Name: "Hello-World", DefaultBranch: "master", InstallationID: 1})
	base := map[string]string{"README.md": "# Hello World\n"}
	fake.AddCommit(fixtureRepo, fixtureBase, base)
	files := map[string]string{"README.md": "# Hello World\n"}
	for k, v := range head {
		files[k] = v
	}
	fake.AddCommit(fixtureRepo, fixtureHead, files)
	fake.AddPullRequest(githubfake.PullRequest{Repo: fixtureRepo, Number: 2, Title: "Update the README with new information",
		Head: githubfake.PRRef{Ref: "changes", SHA: fixtureHead}, Base: githubfake.PRRef{Ref: "master", SHA: fixtureBase}})
}

// targetRuns returns the fixture repository's check runs but the
// aggregate one, in creation order.
func targetRuns(fake *githubfake.Server) []githubfake.CheckRun {
	return slices.DeleteFunc(fake.CheckRuns(fixtureRepo), func(cr githubfake.CheckRun) bool { return cr.Name == aggregateName })
}

// aggregateRuns returns the fixture repository's aggregate check runs.
func aggregateRuns(fake *githubfake.Server) []githubfake.CheckRun {
	return slices.DeleteFunc(fake.CheckRuns(fixtureRepo), func(cr githubfake.CheckRun) bool { return cr.Name != aggregateName })
}

// completed is true once n of the target check runs are completed.
func completed(fake *githubfake.Server, n int) func() bool {
	return func() bool {
		done := 0
		for _, cr := range targetRuns(fake) {
			if cr.Status == "completed" {
				done++
			}
		}
		return done >= n
	}
}

func TestPullRequestOpened(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	helloWorld(t, fake, map[string]string{"Dockerfile": rootDockerfile, "docs/notes.md": "notes\n"})
	a := newTestApp(t, testAppOptions{fake: fake})
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	resp := deliver(t, a.Handler(), "pull_request", "opened-1", readFixture(t, "pull_request.opened.json"))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d", resp.StatusCode)
	}
	waitFor(t, 30*time.Second, "the check run to complete", completed(fake, 1))
	waitFor(t, 5*time.Second, "the review", func() bool { return len(fake.Reviews(fixtureRepo, 2)) == 1 })

	runs := targetRuns(fake)
	if len(runs) != 1 {
		t.Fatalf("%d check runs, want 1: %+v", len(runs), runs)
	}
	cr := runs[0]
	if cr.Name != "coderready / Dockerfile" || cr.HeadSHA != fixtureHead || cr.Conclusion != "neutral" {
		t.Errorf("check run %q at %s: conclusion %q, want coderready / Dockerfile, neutral", cr.Name, cr.HeadSHA, cr.Conclusion)
	}
	if cr.History[0].Status != "in_progress" {
		t.Errorf("created with status %q, want in_progress", cr.History[0].Status)
	}
	var ids []string
	for _, an := range cr.Annotations {
		ids = append(ids, strings.SplitN(an.Title, ":", 2)[0]+"@"+an.Path+":"+strconv.Itoa(an.StartLine)+":"+an.AnnotationLevel)
	}
	slices.Sort(ids)
	want := []string{"CR101@Dockerfile:1:warning", "CR104@Dockerfile:1:notice", "CR105@Dockerfile:1:notice"}
	if !slices.Equal(ids, want) {
		t.Errorf("annotations %v, want %v", ids, want)
	}
	// Every fix is suggested: CR104's and CR105's as one edit of the
	// install line, so nothing is left for a patch.
	if !strings.Contains(cr.Output.Summary, "works in Coder, with warnings") || strings.Contains(cr.Output.Summary, "### Fixes not suggested inline") {
		t.Errorf("summary lacks the verdict, or has a patch though every fix is suggested:\n%s", cr.Output.Summary)
	}
	var actions []string
	for _, ac := range cr.Actions {
		actions = append(actions, ac.Identifier)
	}
	if !slices.Equal(actions, []string{actionRerun, actionSuggest}) {
		t.Errorf("actions %v, want rerun and suggest", actions)
	}

	rv := fake.Reviews(fixtureRepo, 2)[0]
	if rv.Event != "COMMENT" || rv.CommitID != fixtureHead || len(rv.Comments) != 2 {
		t.Fatalf("review %+v: want one COMMENT review on the head with 2 suggestions", rv)
	}
	installs := 0
	for _, c := range rv.Comments {
		if c.Side != "RIGHT" || !strings.Contains(c.Body, "```suggestion") {
			t.Errorf("comment %+v: want a RIGHT-side suggestion", c)
		}
		if strings.Contains(c.Body, "--no-install-recommends ca-certificates curl git\n") {
			installs++
		}
		if _, ok := review.FingerprintOf(c.Body); !ok {
			t.Errorf("comment on line %d has no fingerprint", c.Line)
		}
	}
	if installs != 1 {
		t.Errorf("%d suggestions install curl and git on line 2, want 1", installs)
	}

	// The same delivery again (a redelivery) does nothing.
	if resp := deliver(t, a.Handler(), "pull_request", "opened-1", readFixture(t, "pull_request.opened.json")); resp.StatusCode != http.StatusOK {
		t.Errorf("redelivery status %d, want 200", resp.StatusCode)
	}
	// A re-run of the check suite makes a new check run with the same name
	// and reposts no suggestion.
	suite := editFixture(t, "check_suite.rerequested.json", func(m map[string]any) {
		obj(m, "check_suite", "app")["id"] = float64(fake.AppID())
		obj(m, "installation")["id"] = float64(1)
	})
	if resp := deliver(t, a.Handler(), "check_suite", "rerun-1", suite); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("rerequest status %d", resp.StatusCode)
	}
	waitFor(t, 30*time.Second, "the re-run to complete", completed(fake, 2))
	waitIdle(t, a)
	if n := len(targetRuns(fake)); n != 2 {
		t.Errorf("%d check runs after the re-run, want 2", n)
	}
	if n := len(fake.Reviews(fixtureRepo, 2)); n != 1 {
		t.Errorf("%d reviews after the re-run, want 1 (no repost)", n)
	}
}
