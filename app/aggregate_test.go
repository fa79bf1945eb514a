package app

import (
	"strings"
	"testing"
	"time"

	"github.com/coderready/coderready/app/githubfake"
)

// TestAggregateOnPullWithoutDockerfiles: a pull request that changes no
// Dockerfile or devcontainer.json still gets the one check branch
// protection can require, passing, once however often it is delivered.
func TestAggregateOnPullWithoutDockerfiles(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	helloWorld(t, fake, map[string]string{"docs/notes.md": "notes\n"})
	a := startApp(t, fake, testAppOptions{})
	mustAccept(t, deliver(t, a.Handler(), "pull_request", "open", readFixture(t, "pull_request.opened.json")))
	waitIdle(t, a)
	mustAccept(t, deliver(t, a.Handler(), "pull_request", "reopen", readFixture(t, "pull_request.reopened.json")))
	waitIdle(t, a)
	agg := aggregateRuns(fake)
	if len(agg) != 1 {
		t.Fatalf("%d aggregate check runs, want 1", len(agg))
	}
	cr := agg[0]
	if cr.Status != "completed" || cr.Conclusion != "success" || cr.HeadSHA != fixtureHead || cr.Output.Title != "No Dockerfile or devcontainer.json changed" {
		t.Errorf("aggregate run %s/%s at %s: %q; want completed, success, saying nothing changed", cr.Status, cr.Conclusion, cr.HeadSHA, cr.Output.Title)
	}
	if cr.History[0].Status != "in_progress" {
		t.Errorf("created %s, want in_progress (pending while the job runs)", cr.History[0].Status)
	}
	if n := len(targetRuns(fake)); n != 0 {
		t.Errorf("%d other check runs, want none", n)
	}
}

// TestAggregateIsTheWorstTarget: with a target that passes and one with
// warnings the aggregate is neutral and links both; re-running one target
// takes it back into progress and completes it again; re-running the
// aggregate re-runs every target.
func TestAggregateIsTheWorstTarget(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	helloWorld(t, fake, map[string]string{"Dockerfile": rootDockerfile, "clean/Dockerfile": rootDockerfile + "USER 1000\n"})
	a := startApp(t, fake, testAppOptions{})
	mustAccept(t, deliver(t, a.Handler(), "pull_request", "open", readFixture(t, "pull_request.opened.json")))
	waitFor(t, 30*time.Second, "both targets", completed(fake, 2))
	waitIdle(t, a)
	agg := aggregateRuns(fake)
	if len(agg) != 1 || agg[0].Conclusion != "neutral" || agg[0].Output.Title != "Dockerfile: Final stage runs as root (+2 notes), and 1 other target" {
		t.Fatalf("aggregate %+v, want one, neutral, naming the worst target's problem", agg)
	}
	for _, cr := range targetRuns(fake) {
		link := "(" + fake.URL + "/" + fixtureRepo + "/runs/"
		if !strings.Contains(agg[0].Output.Summary, "`"+strings.TrimPrefix(cr.Name, "coderready / ")+"`]"+link) {
			t.Errorf("the aggregate does not link %q:\n%s", cr.Name, agg[0].Output.Summary)
		}
	}

	mustAccept(t, deliver(t, a.Handler(), "check_run", "rerun-one", requestedAction(t, fake, actionRerun)))
	waitFor(t, 30*time.Second, "the re-run", completed(fake, 3))
	waitIdle(t, a)
	agg = aggregateRuns(fake)
	if len(agg) != 1 || agg[0].Status != "completed" || agg[0].Conclusion != "neutral" {
		t.Fatalf("after a target's re-run: aggregate %+v, want the same one, completed again", agg)
	}
	statuses := []string{}
	for _, v := range agg[0].History {
		statuses = append(statuses, v.Status)
	}
	if strings.Join(statuses, ",") != "in_progress,completed,in_progress,completed" {
		t.Errorf("aggregate went %v, want in progress again during the re-run", statuses)
	}

	// The aggregate's Re-run button.
	rerunAll := editFixture(t, "check_run.requested_action.json", func(m map[string]any) {
		cr := obj(m, "check_run")
		cr["name"] = aggregateName
		cr["head_sha"] = fixtureHead
		cr["pull_requests"] = []any{}
		obj(cr, "app")["id"] = float64(fake.AppID())
		m["requested_action"] = map[string]any{"identifier": actionRerun}
		obj(m, "installation")["id"] = float64(1)
		obj(m, "repository")["name"] = "Hello-World"
		obj(m, "repository", "owner")["login"] = "Codertocat"
		obj(m, "repository")["full_name"] = fixtureRepo
	})
	mustAccept(t, deliver(t, a.Handler(), "check_run", "rerun-all", rerunAll))
	waitFor(t, 30*time.Second, "the re-run of everything", completed(fake, 5))
	waitIdle(t, a)
	if n, m := len(targetRuns(fake)), len(aggregateRuns(fake)); n != 5 || m != 1 {
		t.Errorf("%d target runs and %d aggregate runs, want 5 (two re-run) and 1", n, m)
	}
}
