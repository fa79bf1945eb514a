package app

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/app/review"
	"github.com/coderready/coderready/checks"
)

// The second and third heads of the fixture pull request.
const (
	secondHead = "2222222222222222222222222222222222222222"
	thirdHead  = "3333333333333333333333333333333333333333"
)

// cleanupPR is the fixture pull request after its first head's check:
// rootDockerfile's two suggestions (CR101 on the CMD, CR104 on the
// install), and a person's comment quoting CR101's.
type cleanupPR struct {
	fake *githubfake.Server
	a    *App
	// first are the app's suggestions on the first head, by rule.
	first map[string]githubfake.ReviewComment
	human githubfake.ReviewComment
	// reply is a person's reply to CR101's suggestion (when asked for).
	reply githubfake.ReviewComment
}

// newCleanupPR checks the first head of the fixture pull request with
// config (the base's .github/coderready.yaml, "" for none) and adds a
// person's comment with the body of CR101's suggestion, and a reply to
// that suggestion when reply is set. It fails t unless the first head got
// the two suggestions.
func newCleanupPR(t *testing.T, config string, reply bool) *cleanupPR {
	t.Helper()
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddInstallation(githubfake.Installation{ID: 1, Account: "Codertocat"})
	fake.AddRepo(githubfake.Repo{Owner: "Codertocat", Name: "Hello-World", DefaultBranch: "master", InstallationID: 1})
	base := map[string]string{"README.md": "# Hello World\n"}
	if config != "" {
		base[".github/coderready.yaml"] = config
	}
	fake.AddCommit(fixtureRepo, fixtureBase, base)
	pushHead(t, fake, nil, fixtureHead, rootDockerfile, config)
	a := startApp(t, fake, testAppOptions{})
	mustAccept(t, deliver(t, a.Handler(), "pull_request", "open", readFixture(t, "pull_request.opened.json")))
	waitFor(t, 30*time.Second, "the first head's check run", completed(fake, 1))
	waitIdle(t, a)
	p := &cleanupPR{fake: fake, a: a, first: map[string]githubfake.ReviewComment{}}
	for _, c := range fake.ReviewComments(fixtureRepo, 2) {
		p.first[ruleOf(c.Body)] = c
	}
	if len(p.first) != 2 || p.first["CR101"].ID == 0 || p.first["CR104"].ID == 0 {
		t.Fatalf("the first head's suggestions are %v; want CR101 and CR104", slices.Sorted(maps.Keys(p.first)))
	}
	p.human = fake.AddReviewComment(fixtureRepo, 2, githubfake.ReviewComment{Path: "Dockerfile", Line: p.first["CR101"].Line, Body: "Should we?\n\n" + p.first["CR101"].Body})
	if reply {
		p.reply = fake.AddReviewComment(fixtureRepo, 2, githubfake.ReviewComment{User: "hubot", InReplyTo: p.first["CR101"].ID, Body: "Will do."})
	}
	return p
}

// pushHead makes sha the pull request's head with Dockerfile df (and the
// base's config); with a running app it delivers the synchronize event
// and waits until the head's check and everything it queued are done.
func pushHead(t *testing.T, fake *githubfake.Server, a *App, sha, df, config string) {
	t.Helper()
	files := map[string]string{"README.md": "# Hello World\n", "Dockerfile": df}
	if config != "" {
		files[".github/coderready.yaml"] = config
	}
	fake.AddCommit(fixtureRepo, sha, files)
	fake.AddPullRequest(githubfake.PullRequest{Repo: fixtureRepo, Number: 2, Title: "Update the README with new information",
		Head: githubfake.PRRef{Ref: "changes", SHA: sha}, Base: githubfake.PRRef{Ref: "master", SHA: fixtureBase}})
	if a == nil {
		return
	}
	sync := editFixture(t, "pull_request.synchronize.json", func(m map[string]any) {
		obj(m, "pull_request", "head")["sha"] = sha
		m["after"] = sha
	})
	mustAccept(t, deliver(t, a.Handler(), "pull_request", "sync-"+sha[:7], sync))
	waitFor(t, 60*time.Second, "the check run of "+sha[:7], func() bool {
		for _, cr := range targetRuns(fake) {
			if cr.HeadSHA == sha && cr.Status == "completed" {
				return true
			}
		}
		return false
	})
	waitIdle(t, a)
}

// commitSuggestion is src with the suggestion of comment c committed.
func commitSuggestion(t *testing.T, src string, c githubfake.ReviewComment) string {
	t.Helper()
	_, rest, ok := strings.Cut(c.Body, "```suggestion\n")
	text, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatalf("no suggestion block in %q", c.Body)
	}
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	start := c.StartLine
	if start == 0 {
		start = c.Line
	}
	out := append(slices.Clone(lines[:start-1]), strings.TrimSuffix(text, "\n"))
	out = append(out, lines[c.Line:]...)
	return strings.Join(out, "\n") + "\n"
}

var ruleRE = regexp.MustCompile(`\*\*(CR\d+)\*\*`)

// ruleOf is the rule a suggestion's (or a withdrawn one's) body names.
func ruleOf(body string) string {
	if m := ruleRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// comment returns the pull request's comment id, if it is still there.
func comment(fake *githubfake.Server, id int64) (githubfake.ReviewComment, bool) {
	for _, c := range fake.ReviewComments(fixtureRepo, 2) {
		if c.ID == id {
			return c, true
		}
	}
	return githubfake.ReviewComment{}, false
}

// liveSuggestions counts the suggestions the pull request shows, by rule,
// and fails t when one fingerprint is shown twice.
func liveSuggestions(t *testing.T, fake *githubfake.Server) map[string]int {
	t.Helper()
	out := map[string]int{}
	seen := map[string]bool{}
	for _, c := range fake.ReviewComments(fixtureRepo, 2) {
		fp, ok := review.FingerprintOf(c.Body)
		if !ok || c.User != "" {
			continue
		}
		if seen[fp] {
			t.Errorf("suggestion %s (%s) shown twice", fp, ruleOf(c.Body))
		}
		seen[fp] = true
		out[ruleOf(c.Body)]++
	}
	return out
}

// untouched fails t unless comment want is there as it was made.
func untouched(t *testing.T, fake *githubfake.Server, what string, want githubfake.ReviewComment) {
	t.Helper()
	got, ok := comment(fake, want.ID)
	if !ok || got.Body != want.Body || got.Edits != 0 {
		t.Errorf("%s: there %v, %d edits, body\n%s\nwant it untouched:\n%s", what, ok, got.Edits, got.Body, want.Body)
	}
}

// TestOutdatedSuggestionsWithdrawn: the pull request's second head commits
// CR101's suggestion. Its cleanup withdraws that suggestion once, as
// config app.outdated-suggestions says, and leaves CR104's (still to do)
// and a person's comment quoting CR101's as they are; nothing is posted
// twice. A third head that brings CR101 back is suggested it again.
func TestOutdatedSuggestionsWithdrawn(t *testing.T) {
	tests := []struct {
		name   string
		config string
		reply  bool
		// edited: CR101's suggestion is edited into the note; else
		// deleted (or kept, with keep)
		edited, kept bool
	}{
		{name: "edit, the default", edited: true},
		{name: "delete", config: "app:\n  outdated-suggestions: delete\n"},
		{name: "delete, but one replied to is edited", config: "app:\n  outdated-suggestions: delete\n", reply: true, edited: true},
		{name: "keep", config: "app:\n  outdated-suggestions: keep\n", kept: true},
		{name: "edit, set", config: "app:\n  outdated-suggestions: edit\n", reply: true, edited: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newCleanupPR(t, tt.config, tt.reply)
			fixed := commitSuggestion(t, rootDockerfile, p.first["CR101"])
			pushHead(t, p.fake, p.a, secondHead, fixed, tt.config)

			got, there := comment(p.fake, p.first["CR101"].ID)
			switch {
			case tt.kept:
				untouched(t, p.fake, "CR101's suggestion with keep", p.first["CR101"])
			case tt.edited:
				want := "~~**CR101** " // the rule and message, struck through
				note := "Fixed in `" + shortSHA(secondHead) + "`."
				if !there || got.Edits != 1 || !strings.HasPrefix(got.Body, want) || !strings.Contains(got.Body, note) || strings.Contains(got.Body, "```suggestion") {
					t.Errorf("CR101's suggestion: there %v, %d edits, body\n%s\nwant edited once into %q… %q", there, got.Edits, got.Body, want, note)
				}
			default:
				if there {
					t.Errorf("CR101's suggestion is still there: %+v", got)
				}
			}
			untouched(t, p.fake, "CR104's suggestion (not fixed)", p.first["CR104"])
			untouched(t, p.fake, "a person's comment quoting CR101's suggestion", p.human)
			if tt.reply {
				untouched(t, p.fake, "a person's reply", p.reply)
			}
			writes := p.fake.Count("pulls/update-review-comment") + p.fake.Count("pulls/delete-review-comment")
			if want := map[bool]int{true: 0, false: 1}[tt.kept]; writes != want {
				t.Errorf("%d comment edits and deletes sent, want %d", writes, want)
			}
			live := liveSuggestions(t, p.fake)
			if want := map[bool]int{true: 1, false: 0}[tt.kept]; live["CR101"] != want || live["CR104"] != 1 {
				t.Errorf("suggestions shown %v; want CR101 %d times, CR104 once", live, want)
			}
			if tt.kept {
				return
			}

			// The finding comes back: it is suggested again, once, and
			// what was withdrawn stays as it is.
			before, _ := comment(p.fake, p.first["CR101"].ID)
			pushHead(t, p.fake, p.a, thirdHead, rootDockerfile, tt.config)
			if live := liveSuggestions(t, p.fake); live["CR101"] != 1 || live["CR104"] != 1 {
				t.Errorf("after CR101 came back, suggestions shown %v; want CR101 and CR104 once", live)
			}
			if after, _ := comment(p.fake, p.first["CR101"].ID); after.Body != before.Body || after.Edits != before.Edits {
				t.Errorf("the withdrawn suggestion changed again: %d edits, body\n%s", after.Edits, after.Body)
			}
			untouched(t, p.fake, "CR104's suggestion, after the third head", p.first["CR104"])
			untouched(t, p.fake, "the person's comment, after the third head", p.human)
		})
	}
}

// TestOutdatedSuggestionsOnceDespiteFaults: GitHub answering an edit or a
// delete with a 5xx, having carried it out or not, or with a rate limit,
// still leaves the outdated suggestion withdrawn exactly once and the
// check runs complete.
func TestOutdatedSuggestionsOnceDespiteFaults(t *testing.T) {
	update := githubfake.Matcher{OperationID: "pulls/update-review-comment"}
	del := githubfake.Matcher{OperationID: "pulls/delete-review-comment"}
	deleteConfig := "app:\n  outdated-suggestions: delete\n"
	tests := []struct {
		name   string
		config string
		match  githubfake.Matcher
		fault  func() githubfake.FaultResponse
		// sent: requests of the operation, the failed one included
		sent int
	}{
		{"edit: 502 after GitHub applied it", "", update, func() githubfake.FaultResponse { return githubfake.AfterHandling(githubfake.BadGateway()) }, 1},
		{"edit: 502 before GitHub applied it", "", update, githubfake.BadGateway, 2},
		{"edit: 504 after GitHub applied it", "", update, func() githubfake.FaultResponse {
			return githubfake.AfterHandling(githubfake.FaultResponse{Status: http.StatusGatewayTimeout, Body: `{"message":"We couldn't respond to your request in time."}`})
		}, 1},
		{"edit: primary rate limit", "", update, func() githubfake.FaultResponse {
			return githubfake.PrimaryRateLimit(http.StatusForbidden, time.Now().Add(time.Second))
		}, 2},
		{"delete: 502 after GitHub applied it", deleteConfig, del, func() githubfake.FaultResponse { return githubfake.AfterHandling(githubfake.BadGateway()) }, 2},
		{"delete: 503 before GitHub applied it", deleteConfig, del, func() githubfake.FaultResponse {
			return githubfake.FaultResponse{Status: http.StatusServiceUnavailable, Body: `{"message":"Service unavailable"}`}
		}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newCleanupPR(t, tt.config, false)
			p.fake.Fail(tt.match, 1, tt.fault())
			pushHead(t, p.fake, p.a, secondHead, commitSuggestion(t, rootDockerfile, p.first["CR101"]), tt.config)

			got, there := comment(p.fake, p.first["CR101"].ID)
			if tt.config == "" && (!there || got.Edits != 1 || !strings.Contains(got.Body, "Fixed in")) {
				t.Errorf("CR101's suggestion: there %v, %d edits; want edited once:\n%s", there, got.Edits, got.Body)
			}
			if tt.config != "" && there {
				t.Errorf("CR101's suggestion is still there: %+v", got)
			}
			if n := p.fake.Count(tt.match.OperationID); n != tt.sent {
				t.Errorf("%s sent %d times, want %d", tt.match.OperationID, n, tt.sent)
			}
			untouched(t, p.fake, "CR104's suggestion", p.first["CR104"])
			untouched(t, p.fake, "the person's comment", p.human)
			if live := liveSuggestions(t, p.fake); live["CR101"] != 0 || live["CR104"] != 1 {
				t.Errorf("suggestions shown %v; want CR104 alone", live)
			}
			for _, cr := range p.fake.CheckRuns(fixtureRepo) {
				if cr.Status != "completed" || cr.Conclusion == "failure" {
					t.Errorf("check run %q at %s: %s %s", cr.Name, shortSHA(cr.HeadSHA), cr.Status, cr.Conclusion)
				}
			}
		})
	}
}

// TestPlanCleanup: which of a pull request's comments a head's cleanup
// withdraws, and how.
func TestPlanCleanup(t *testing.T) {
	const head, old = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	bot := &github.User{Login: github.String("coderready[bot]"), Type: github.String("Bot")}
	person := &github.User{Login: github.String("octocat"), Type: github.String("User")}
	suggestion := func(fp, finding string) string {
		b := "**CR104** nothing installs curl\n\n```suggestion\nRUN x\n```\n<!-- coderready:fp=" + fp + " -->"
		if finding != "" {
			b = review.MarkFinding(b, finding)
		}
		return b
	}
	type c = github.PullRequestComment
	mk := func(id, reviewID int64, user *github.User, path, commit, body string, replyTo int64) *c {
		out := &c{ID: github.Int64(id), PullRequestReviewID: github.Int64(reviewID), User: user, Path: github.String(path),
			CommitID: github.String(head), OriginalCommitID: github.String(commit), Body: github.String(body)}
		if replyTo != 0 {
			out.InReplyTo = github.Int64(replyTo)
		}
		return out
	}
	comments := []*c{
		mk(1, 10, bot, "Dockerfile", old, suggestion("gone", "fixed-finding"), 0),     // fixed
		mk(2, 10, bot, "Dockerfile", old, suggestion("moved", "kept-finding"), 0),     // its fix changed
		mk(3, 10, bot, "Dockerfile", old, suggestion("legacy", ""), 0),                // names no finding
		mk(4, 10, bot, "Dockerfile", old, suggestion("current", "kept-finding"), 0),   // still the fix
		mk(5, 10, bot, "Dockerfile", head, suggestion("gone2", "fixed-finding"), 0),   // posted on this head
		mk(6, 10, bot, "other/Dockerfile", old, suggestion("gone3", ""), 0),           // a file not judged
		mk(7, 10, bot, "broken/Dockerfile", old, suggestion("gone4", ""), 0),          // a target whose build failed
		mk(8, 11, person, "Dockerfile", old, suggestion("gone5", "fixed-finding"), 0), // a person's
		mk(9, 12, bot, "Dockerfile", old, suggestion("gone6", "fixed-finding"), 0),    // another app's review
		mk(20, 13, person, "Dockerfile", old, "thanks", 2),                            // a reply to 2
		mk(21, 10, bot, "Dockerfile", old, review.Withdraw(suggestion("old", ""), "Fixed in `1234567`."), 0),
	}
	args := cleanupArgs{HeadSHA: head, Fixes: []string{"current"}, Findings: []string{"kept-finding"},
		Judged: []string{"Dockerfile", "broken"}, Unjudged: []string{"broken"}}
	ours := map[int64]bool{10: true}
	short := "`" + shortSHA(head) + "`"
	tests := []struct {
		policy string
		want   []string // id: body note, or "delete"
	}{
		{checks.OutdatedEdit, []string{
			"1: Fixed in " + short + ".",
			"2: Outdated as of " + short + ": the file changed and so did the fix; the check run shows the current one.",
			"3: No longer applies as of " + short + ".",
		}},
		{checks.OutdatedDelete, []string{
			"1: delete",
			"2: Outdated as of " + short + ": the file changed and so did the fix; the check run shows the current one.",
			"3: delete",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			args.Policy = tt.policy
			var got []string
			for _, w := range planCleanup(args, ours, comments) {
				what := "delete"
				if w.body != "" {
					_, note, _ := strings.Cut(w.body, "~~\n\n")
					what, _, _ = strings.Cut(note, "\n\n<!--")
					if fp, _ := review.WithdrawnOf(w.body); fp != w.fp {
						t.Errorf("comment %d withdrawn as %q, its fingerprint is %q", w.comment.GetID(), fp, w.fp)
					}
				}
				got = append(got, fmt.Sprintf("%d: %s", w.comment.GetID(), what))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("withdrawn\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
