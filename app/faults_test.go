package app

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderready/coderready/app/githubfake"
)

func startApp(t *testing.T, fake *githubfake.Server, o testAppOptions) *App {
	t.Helper()
	o.fake = fake
	a := newTestApp(t, o)
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	return a
}

func mustAccept(t *testing.T, resp *http.Response) {
	t.Helper()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("delivery answered %d, want 202", resp.StatusCode)
	}
}

func TestGitHubFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault func(fake *githubfake.Server)
		// calls the operation must have seen (the failed ones included)
		op    string
		calls int
	}{
		// The first check run made is the aggregate one; then the
		// target's: 3 creates when one is answered 502 before GitHub made
		// it, 2 when it was made.
		{"502 then success", func(f *githubfake.Server) {
			f.Fail(githubfake.Matcher{OperationID: "checks/create"}, 1, githubfake.BadGateway())
		}, "checks/create", 3},
		// GitHub made the check run but answered 502: the POST is not sent
		// again; the job finds the run by its external ID and uses it.
		{"502 after the check run was made", func(f *githubfake.Server) {
			f.Fail(githubfake.Matcher{OperationID: "checks/create"}, 1, githubfake.AfterHandling(githubfake.BadGateway()))
		}, "checks/create", 2},
		{"504 after the check run was made", func(f *githubfake.Server) {
			f.Fail(githubfake.Matcher{OperationID: "checks/create"}, 1, githubfake.AfterHandling(githubfake.FaultResponse{Status: http.StatusGatewayTimeout, Body: `{"message":"We couldn't respond to your request in time."}`}))
		}, "checks/create", 2},
		{"403 secondary rate limit with a short Retry-After", func(f *githubfake.Server) {
			f.Fail(githubfake.Matcher{OperationID: "pulls/list-files"}, 1, githubfake.SecondaryRateLimit(http.StatusForbidden, time.Second))
		}, "pulls/list-files", 2},
		{"403 secondary rate limit: the job sleeps past Retry-After", func(f *githubfake.Server) {
			f.Fail(githubfake.Matcher{OperationID: "pulls/get"}, 1, githubfake.SecondaryRateLimit(http.StatusForbidden, 6*time.Second))
		}, "pulls/get", 2},
		{"429 primary rate limit", func(f *githubfake.Server) {
			f.Fail(githubfake.Matcher{OperationID: "checks/update"}, 1, githubfake.PrimaryRateLimit(http.StatusTooManyRequests, time.Now().Add(2*time.Second)))
		}, "checks/update", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := githubfake.Start(t, githubfake.Options{})
			helloWorld(t, fake, map[string]string{"Dockerfile": rootDockerfile})
			tt.fault(fake)
			a := startApp(t, fake, testAppOptions{})
			start := time.Now()
			mustAccept(t, deliver(t, a.Handler(), "pull_request", "d", readFixture(t, "pull_request.opened.json")))
			waitFor(t, 45*time.Second, "the check run to complete", completed(fake, 1))
			runs := targetRuns(fake)
			if len(runs) != 1 || runs[0].Conclusion != "neutral" || len(runs[0].Annotations) != 3 {
				t.Fatalf("want one neutral check run with 3 annotations, got %+v", runs)
			}
			waitIdle(t, a)
			if agg := aggregateRuns(fake); len(agg) != 1 || agg[0].Conclusion != "neutral" {
				t.Errorf("aggregate runs %+v, want one, neutral", agg)
			}
			if tt.calls > 0 && fake.Count(tt.op) != tt.calls {
				t.Errorf("%s called %d times, want %d", tt.op, fake.Count(tt.op), tt.calls)
			}
			t.Logf("done in %s", time.Since(start).Round(time.Millisecond))
		})
	}
}

func TestAnnotationBatchesAndLongSummary(t *testing.T) {
	var df strings.Builder
	df.WriteString("FROM debian:bookworm\n")
	for i := range 120 {
		fmt.Fprintf(&df, "RUN curl -fsSLo /usr/local/bin/tool%d https://example.com/tool%d-linux-amd64 # %s\n", i, i, strings.Repeat("padding ", 60))
	}
	fake := githubfake.Start(t, githubfake.Options{})
	helloWorld(t, fake, map[string]string{"Dockerfile": df.String()})
	a := startApp(t, fake, testAppOptions{})
	mustAccept(t, deliver(t, a.Handler(), "pull_request", "d", readFixture(t, "pull_request.opened.json")))
	waitFor(t, 60*time.Second, "the check run to complete", completed(fake, 1))
	cr := targetRuns(fake)[0]
	if len(cr.Annotations) != 123 {
		t.Errorf("%d annotations, want 123", len(cr.Annotations))
	}
	var batches []int
	for _, v := range cr.History {
		if v.Operation == "checks/update" && len(v.Annotations) > 0 {
			batches = append(batches, len(v.Annotations))
		}
	}
	if fmt.Sprint(batches) != "[50 50 23]" {
		t.Errorf("annotation batches %v, want [50 50 23]", batches)
	}
	if len(cr.Output.Summary) > 65535 {
		t.Errorf("summary %d bytes", len(cr.Output.Summary))
	}
}

func TestSynchronizeSupersedes(t *testing.T) {
	const newHead = "0123456789abcdef0123456789abcdef01234567"
	fake := githubfake.Start(t, githubfake.Options{})
	helloWorld(t, fake, map[string]string{"Dockerfile": rootDockerfile})
	fake.AddCommit(fixtureRepo, newHead, map[string]string{"README.md": "# Hello World\n", "Dockerfile": rootDockerfile + "USER 1000\n"})

	// Hold the first check run update of the old head until the new
	// head's delivery has been routed.
	release := make(chan struct{})
	var once sync.Once
	fake.OnRequest(func(r *http.Request, op string) {
		if op == "checks/update" {
			held := false
			once.Do(func() { held = true })
			if held {
				<-release
			}
		}
	})
	a := startApp(t, fake, testAppOptions{})
	mustAccept(t, deliver(t, a.Handler(), "pull_request", "open", readFixture(t, "pull_request.opened.json")))
	waitFor(t, 20*time.Second, "the old head's check run", func() bool { return len(targetRuns(fake)) == 1 })

	fake.AddPullRequest(githubfake.PullRequest{Repo: fixtureRepo, Number: 2,
		Head: githubfake.PRRef{Ref: "changes", SHA: newHead}, Base: githubfake.PRRef{Ref: "master", SHA: fixtureBase}})
	sync := editFixture(t, "pull_request.synchronize.json", func(m map[string]any) {
		obj(m, "pull_request", "head")["sha"] = newHead
		m["after"] = newHead
	})
	mustAccept(t, deliver(t, a.Handler(), "pull_request", "sync", sync))
	// The cancellation of the old run waits behind the held update; let
	// it go once the new head is recorded.
	waitFor(t, 20*time.Second, "the new head to be recorded", func() bool {
		prs, _ := a.store.PullsForHead(t.Context(), fixtureRepo, newHead)
		return len(prs) == 1
	})
	close(release)
	waitFor(t, 30*time.Second, "both check runs to complete", completed(fake, 2))

	byHead := map[string]githubfake.CheckRun{}
	for _, cr := range targetRuns(fake) {
		if _, dup := byHead[cr.HeadSHA]; dup {
			t.Errorf("two check runs for %s", cr.HeadSHA)
		}
		byHead[cr.HeadSHA] = cr
	}
	if c := byHead[fixtureHead].Conclusion; c != "cancelled" {
		t.Errorf("old head's check run: %q, want cancelled", c)
	}
	if c := byHead[newHead].Conclusion; c != "success" {
		t.Errorf("new head's check run: %q, want success (it adds a USER)", c)
	}
}

func TestEventsOfOtherAppsAndUnknownActions(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	helloWorld(t, fake, map[string]string{"Dockerfile": rootDockerfile})
	a := startApp(t, fake, testAppOptions{})
	// Another app's check run (the fixture's app), a label, a closed PR.
	// (check_run.rerequested.json has 2018's timestamps, which do not
	// parse: it would be dropped before its app is looked at.)
	mustAccept(t, deliver(t, a.Handler(), "check_run", "other-app", readFixture(t, "check_run.requested_action.json")))
	mustAccept(t, deliver(t, a.Handler(), "pull_request", "labeled", readFixture(t, "pull_request.labeled.json")))
	waitIdle(t, a)
	if n := countJobs(t, a, deliveryArgs{}.Kind()); n != 2 {
		t.Errorf("%d deliveries worked, want 2 (else idle proves nothing)", n)
	}
	if n := len(targetRuns(fake)); n != 0 {
		t.Errorf("%d check runs, want none", n)
	}
	if n := countJobs(t, a, checkArgs{}.Kind()); n != 0 {
		t.Errorf("%d check jobs, want none", n)
	}
}

func TestCheckRunActions(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	helloWorld(t, fake, map[string]string{"Dockerfile": rootDockerfile})
	a := startApp(t, fake, testAppOptions{})
	mustAccept(t, deliver(t, a.Handler(), "pull_request", "open", readFixture(t, "pull_request.opened.json")))
	waitFor(t, 30*time.Second, "the check run", completed(fake, 1))
	waitFor(t, 5*time.Second, "the review", func() bool { return len(fake.Reviews(fixtureRepo, 2)) == 1 })

	// "Suggest fixes" posts what the pull request does not show: here
	// nothing (TestSuggestFixesPostsWhatIsMissing has the rest).
	mustAccept(t, deliver(t, a.Handler(), "check_run", "suggest", requestedAction(t, fake, actionSuggest)))
	waitIdle(t, a)
	if n := len(fake.Reviews(fixtureRepo, 2)); n != 1 {
		t.Errorf("suggest made %d reviews, want the one there is", n)
	}
	if n := len(targetRuns(fake)); n != 1 {
		t.Errorf("suggest made %d check runs, want the same one", n)
	}
	// "Re-run" makes a new check run of that target.
	mustAccept(t, deliver(t, a.Handler(), "check_run", "rerun", requestedAction(t, fake, actionRerun)))
	waitFor(t, 30*time.Second, "the re-run", completed(fake, 2))
	waitIdle(t, a)
	if n := len(fake.Reviews(fixtureRepo, 2)); n != 1 {
		t.Errorf("%d reviews after the re-run, want 1 (nothing reposted)", n)
	}
}
