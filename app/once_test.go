package app

import (
	"cmp"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/app/review"
)

// manyFindings is a Dockerfile with 123 findings (more than two batches of
// annotations) and fixes inside the diff (a review with suggestions).
func manyFindings() string {
	var df strings.Builder
	df.WriteString(rootDockerfile)
	for i := range 120 {
		fmt.Fprintf(&df, "RUN curl -fsSLo /usr/local/bin/tool%d https://example.com/tool%d-linux-amd64\n", i, i)
	}
	return df.String()
}

// noDuplicates fails t when a check run holds an annotation twice, a pull
// request two reviews, or two suggestions with one fingerprint.
func noDuplicates(t *testing.T, fake *githubfake.Server) {
	t.Helper()
	for _, cr := range targetRuns(fake) {
		seen := map[string]bool{}
		twice, first := 0, ""
		for _, a := range cr.Annotations {
			k := fmt.Sprintf("%s:%d:%s", a.Path, a.StartLine, a.Title)
			if seen[k] {
				twice++
				first = cmp.Or(first, k)
			}
			seen[k] = true
		}
		if twice > 0 {
			t.Errorf("check run %q holds %d annotations twice, e.g. %s", cr.Name, twice, first)
		}
	}
	if n := len(fake.Reviews(fixtureRepo, 2)); n > 1 {
		t.Errorf("%d reviews, want at most one", n)
	}
	fps := map[string]bool{}
	for _, c := range fake.ReviewComments(fixtureRepo, 2) {
		fp, _ := review.FingerprintOf(c.Body)
		if fps[fp] {
			t.Errorf("suggestion %s posted twice", fp)
		}
		fps[fp] = true
	}
}

// TestLostAnswersPostNothingTwice: a 5xx for a write GitHub carried out
// (or did not) leaves every annotation and the review on GitHub once.
func TestLostAnswersPostNothingTwice(t *testing.T) {
	annotations := githubfake.Matcher{OperationID: "checks/update", BodyContains: `"annotations"`}
	completing := githubfake.Matcher{OperationID: "checks/update", BodyContains: `"conclusion"`}
	review := githubfake.Matcher{OperationID: "pulls/create-review"}
	gatewayTimeout := githubfake.FaultResponse{Status: http.StatusGatewayTimeout, Body: `{"message":"We couldn't respond to your request in time."}`}
	tests := []struct {
		name  string
		match githubfake.Matcher
		fault githubfake.FaultResponse
		// listed: the answer was lost after the write, so the job must
		// have listed what GitHub holds
		listed string
	}{
		{"annotation batch: 502 after GitHub applied it", annotations, githubfake.AfterHandling(githubfake.BadGateway()), "checks/list-annotations"},
		{"annotation batch: 502 before GitHub applied it", annotations, githubfake.BadGateway(), "checks/list-annotations"},
		{"completing batch: 504 after GitHub applied it", completing, githubfake.AfterHandling(gatewayTimeout), "checks/list-annotations"},
		{"review: 502 after GitHub applied it", review, githubfake.AfterHandling(githubfake.BadGateway()), "pulls/list-reviews"},
		{"review: 504 before GitHub applied it", review, gatewayTimeout, "pulls/list-reviews"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := githubfake.Start(t, githubfake.Options{})
			helloWorld(t, fake, map[string]string{"Dockerfile": manyFindings()})
			fake.Fail(tt.match, 1, tt.fault)
			a := startApp(t, fake, testAppOptions{})
			mustAccept(t, deliver(t, a.Handler(), "pull_request", "d", readFixture(t, "pull_request.opened.json")))
			waitFor(t, 60*time.Second, "the check run to complete", completed(fake, 1))
			waitIdle(t, a)
			noDuplicates(t, fake)
			cr := targetRuns(fake)[0]
			if len(cr.Annotations) != 123 || cr.Conclusion != "neutral" {
				t.Errorf("%d annotations, conclusion %q; want 123, neutral", len(cr.Annotations), cr.Conclusion)
			}
			// CR101's, CR104's (with CR105's git in the same edit) and the
			// first CR112's: the ARG TARGETARCH the others share goes above
			// its line, so theirs go to the patch.
			if rv := fake.Reviews(fixtureRepo, 2); len(rv) != 1 || len(rv[0].Comments) != 3 {
				t.Errorf("reviews %+v, want one with 3 suggestions", rv)
			}
			if fake.Count(tt.listed) == 0 {
				t.Errorf("%s never called: the lost answer was not settled by listing", tt.listed)
			}
		})
	}
}

// TestOneSetOfCheckRunsPerHead: any number of distinct deliveries for one
// head, at once or after its check completed, make one set of check runs,
// one download and one review.
func TestOneSetOfCheckRunsPerHead(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	helloWorld(t, fake, map[string]string{"Dockerfile": rootDockerfile})
	a := startApp(t, fake, testAppOptions{})
	opened := readFixture(t, "pull_request.opened.json")
	reopened := readFixture(t, "pull_request.reopened.json")
	for i := range 10 {
		mustAccept(t, deliver(t, a.Handler(), "pull_request", fmt.Sprint("burst-", i), opened))
	}
	waitFor(t, 30*time.Second, "the check run", completed(fake, 1))
	waitIdle(t, a)
	for i := range 9 {
		body := opened
		if i%3 == 0 {
			body = reopened
		}
		mustAccept(t, deliver(t, a.Handler(), "pull_request", fmt.Sprint("later-", i), body))
	}
	waitIdle(t, a)
	if n := countJobs(t, a, deliveryArgs{}.Kind()); n != 19 {
		t.Errorf("%d deliveries worked, want 19 (else idle proves nothing)", n)
	}
	names := map[string]int{}
	for _, cr := range targetRuns(fake) {
		names[cr.Name]++
		if cr.Status != "completed" {
			t.Errorf("check run %q is %s", cr.Name, cr.Status)
		}
	}
	for name, n := range names {
		if n != 1 {
			t.Errorf("%d check runs named %q, want 1", n, name)
		}
	}
	downloads := 0
	for _, r := range fake.Requests() {
		if r.OperationID == "repos/download-tarball-archive" && strings.HasSuffix(r.Path, "/"+fixtureHead) {
			downloads++
		}
	}
	if downloads != 1 {
		t.Errorf("the head was downloaded %d times, want once", downloads)
	}
	noDuplicates(t, fake)
}

// TestSuggestFixesPostsWhatIsMissing: "Suggest fixes" posts only the
// suggestions the pull request does not show, and never sends the check
// run's annotations again.
func TestSuggestFixesPostsWhatIsMissing(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	helloWorld(t, fake, map[string]string{"Dockerfile": rootDockerfile})
	a := startApp(t, fake, testAppOptions{})
	mustAccept(t, deliver(t, a.Handler(), "pull_request", "open", readFixture(t, "pull_request.opened.json")))
	waitFor(t, 30*time.Second, "the check run", completed(fake, 1))
	waitIdle(t, a)
	comments := fake.ReviewComments(fixtureRepo, 2)
	if len(comments) != 2 {
		t.Fatalf("%d suggestions, want 2", len(comments))
	}
	suggest := func(delivery string) {
		t.Helper()
		mustAccept(t, deliver(t, a.Handler(), "check_run", delivery, requestedAction(t, fake, actionSuggest)))
		waitIdle(t, a)
	}
	annotationsSent := func() int {
		n := 0
		for _, v := range targetRuns(fake)[0].History {
			n += len(v.Annotations)
		}
		return n
	}

	suggest("suggest-1")
	if n := len(fake.Reviews(fixtureRepo, 2)); n != 1 {
		t.Errorf("%d reviews after Suggest fixes with every suggestion shown, want 1", n)
	}
	if n := annotationsSent(); n != 3 {
		t.Errorf("%d annotations sent, want the 3 of the first check", n)
	}

	// A person deletes one suggestion: Suggest fixes posts it again, alone.
	if !fake.DeleteReviewComment(fixtureRepo, 2, comments[0].ID) {
		t.Fatal("no comment deleted")
	}
	suggest("suggest-2")
	reviews := fake.Reviews(fixtureRepo, 2)
	if len(reviews) != 2 || len(reviews[1].Comments) != 1 || reviews[1].Comments[0].Body != comments[0].Body {
		t.Errorf("reviews %+v: want a second one with the deleted suggestion only", reviews)
	}
	runs := targetRuns(fake)
	if len(runs) != 1 || runs[0].Status != "completed" || annotationsSent() != 3 {
		t.Errorf("%d check runs, status %s, %d annotations sent; want the one run, completed, 3", len(runs), runs[0].Status, annotationsSent())
	}
}

// requestedAction is a check_run.requested_action delivery for the
// fixture's Dockerfile run.
func requestedAction(t *testing.T, fake *githubfake.Server, id string) []byte {
	t.Helper()
	return editFixture(t, "check_run.requested_action.json", func(m map[string]any) {
		cr := obj(m, "check_run")
		cr["name"] = "coderready / Dockerfile"
		cr["head_sha"] = fixtureHead
		cr["pull_requests"] = []any{}
		obj(cr, "app")["id"] = float64(fake.AppID())
		m["requested_action"] = map[string]any{"identifier": id}
		obj(m, "installation")["id"] = float64(1)
		obj(m, "repository")["name"] = "Hello-World"
		obj(m, "repository", "owner")["login"] = "Codertocat"
		obj(m, "repository")["full_name"] = fixtureRepo
	})
}
