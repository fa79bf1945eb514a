package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/google/go-github/v62/github"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/coderready/coderready/app/ghtransport"
	"github.com/coderready/coderready/app/review"
	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/scan"
)

// Suggestions a newer head made outdated are withdrawn (config
// app.outdated-suggestions): once a check of a pull request's head has
// completed its targets' check runs, it queues a cleanup job with what the
// head's findings and fixes are. The job lists the pull request's review
// comments and, for each suggestion of the app's whose fix the head no
// longer has, edits it into a note ("Fixed in `abc1234`.") or deletes it.
//
// Nothing is kept of what was done: the listing says it. A withdrawn
// suggestion no longer carries the fingerprint marker (review.Withdraw),
// so a retry, a crash between two edits or an edit whose answer was lost
// (a 502 after GitHub applied it) finds only what is left to do. The job
// is its own so that a cleanup waiting on GitHub (errors, rate limits)
// never holds a check run back.
//
// Editing is the default because reviewers read a pull request's
// conversation as its history: "~~CR101 …~~ Fixed in `abc1234`." says
// what was asked and which commit did it, where a deleted comment leaves a
// gap, and a deleted comment that has replies leaves them answering
// nothing. So even policy delete edits a suggestion somebody replied to.

// cleanupArgs is a cleanup job: withdraw the app's suggestions on pull
// request PR that head HeadSHA made outdated.
type cleanupArgs struct {
	InstallationID int64  `json:"installation_id"`
	Owner          string `json:"owner"`
	Repo           string `json:"repo"`
	PR             int    `json:"pr"`
	HeadSHA        string `json:"head_sha"`
	// Policy is config app.outdated-suggestions at the head: edit or
	// delete.
	Policy string `json:"policy"`
	// Fixes are the fingerprints of the suggestions the head's fixes
	// make, in the diff or not (review.SuggestionFingerprint), sorted.
	Fixes []string `json:"fixes"`
	// Findings are the location-independent fingerprints of the head's
	// findings (fingerprint), sorted: a suggestion whose finding is among
	// them was not fixed, its fix changed.
	Findings []string `json:"findings"`
	// Judged are the files and folders the head's check saw whole (the
	// inputs of its targets); Unjudged those of targets whose build
	// failed, whose findings may be missing. Only suggestions on a judged
	// file that is not unjudged are withdrawn.
	Judged   []string `json:"judged"`
	Unjudged []string `json:"unjudged,omitempty"`
	// DeliveryID is the delivery that started the check, for the logs.
	DeliveryID string `json:"delivery_id,omitempty"`
}

// Kind names the job kind in the queue.
func (cleanupArgs) Kind() string { return "coderready_cleanup" }

// InsertOpts puts cleanups on the quick queue, once per head and content
// while one waits or runs.
func (c cleanupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       queueDeliveries,
		MaxAttempts: 8,
		UniqueOpts: river.UniqueOpts{
			ByArgs: true,
			ByState: []rivertype.JobState{
				rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
				rivertype.JobStateRetryable, rivertype.JobStateScheduled,
			},
		},
	}
}

func (c cleanupArgs) fullName() string { return c.Owner + "/" + c.Repo }

// queueCleanup queues the cleanup of the suggestions that the job's head
// made outdated, unless config says to keep them or the job checked only
// some targets (a re-run of one: the others' findings are not known).
func (j *checkJob) queueCleanup(ctx context.Context, rep *scan.Report) error {
	policy := j.cfg.App.OutdatedSuggestions
	if j.args.PR == 0 || policy == checks.OutdatedKeep || len(j.args.Targets) > 0 {
		return nil
	}
	if policy == "" {
		policy = checks.OutdatedEdit
	}
	args := cleanupArgs{InstallationID: j.args.InstallationID, Owner: j.args.Owner, Repo: j.args.Repo, PR: j.args.PR,
		HeadSHA: j.args.HeadSHA, Policy: policy, DeliveryID: j.args.DeliveryID}
	fixes, findings := map[string]bool{}, map[string]bool{}
	failed := map[string]bool{}
	for _, t := range rep.Targets {
		if t.Build != nil && t.Build.Failed {
			failed[t.Path] = true
		}
		for _, f := range t.Findings {
			findings[fingerprint(f)] = true
			if fp, ok := review.SuggestionFingerprint(f); ok {
				fixes[fp] = true
			}
		}
	}
	judged, unjudged := map[string]bool{}, map[string]bool{}
	for _, t := range j.targets {
		for _, in := range t.Inputs {
			if failed[t.Path] {
				unjudged[in] = true
			} else {
				judged[in] = true
			}
		}
	}
	args.Fixes = slices.Sorted(maps.Keys(fixes))
	args.Findings = slices.Sorted(maps.Keys(findings))
	args.Judged = slices.Sorted(maps.Keys(judged))
	args.Unjudged = slices.Sorted(maps.Keys(unjudged))
	if _, err := j.app.river.Insert(ctx, args, nil); err != nil {
		return fmt.Errorf("queue the cleanup of outdated suggestions on #%d: %w", j.args.PR, err)
	}
	return nil
}

// cleanupWorker runs cleanup jobs.
type cleanupWorker struct {
	river.WorkerDefaults[cleanupArgs]
	app *App
}

// Work runs one cleanup job. Rate limits snooze it; other errors are
// retried with River's backoff and, on the last attempt, only logged: the
// check runs are complete already, and the next head's cleanup looks at
// every suggestion again.
func (w *cleanupWorker) Work(ctx context.Context, job *river.Job[cleanupArgs]) error {
	a := w.app
	args := job.Args
	log := a.log.With(logAttrs(args.DeliveryID, args.fullName(), args.PR, args.HeadSHA)...).With("job", job.ID, "attempt", job.Attempt)
	err := a.cleanup(ctx, log, args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errSuperseded):
		log.Info("outdated suggestions left to the newer head's cleanup", "err", err)
		return nil
	}
	if wait, ok := ghtransport.Wait(err); ok {
		log.Warn("GitHub rate limit: cleanup of outdated suggestions snoozed", "wait_seconds", wait.Seconds(), "err", err)
		return river.JobSnooze(wait)
	}
	if job.Attempt >= job.MaxAttempts {
		log.Error("outdated suggestions not cleaned up; the next head's check tries again", "err", err)
	} else {
		log.Warn("cleanup of outdated suggestions failed; will retry", "err", err)
	}
	return err
}

// withdrawal is what becomes of one outdated suggestion.
type withdrawal struct {
	comment *github.PullRequestComment
	fp      string
	// body is the note it is edited into; "" deletes it.
	body string
}

// cleanup withdraws the suggestions head args.HeadSHA made outdated: a
// few rounds of listing the comments and withdrawing what is left, the
// next round after a request whose answer was lost.
func (a *App) cleanup(ctx context.Context, log *slog.Logger, args cleanupArgs) error {
	ours, err := a.store.PostedReviews(ctx, args.fullName(), args.PR)
	if err != nil {
		return err
	}
	if len(ours) == 0 {
		return nil // the app posted no review here: nothing to withdraw
	}
	gh, err := a.installationClient(args.InstallationID)
	if err != nil {
		return err
	}
	if err := a.cleanupSuperseded(ctx, args, gh); err != nil {
		return err
	}
	for try := 0; ; try++ {
		comments, err := listReviewComments(ctx, gh, args.Owner, args.Repo, args.PR)
		if err != nil {
			return err
		}
		todo := planCleanup(args, ours, comments)
		if len(todo) == 0 {
			return nil
		}
		err = a.withdraw(ctx, gh, args, todo)
		if err == nil {
			log.Info("outdated suggestions withdrawn", "suggestions", len(todo), "policy", args.Policy)
			return nil
		}
		if try == 2 || !answerLost(err) || ctx.Err() != nil {
			return err
		}
		log.Info("an answer about an outdated suggestion was lost; listing the comments again", "err", err)
	}
}

// cleanupSuperseded returns errSuperseded when the pull request's head is
// no longer args.HeadSHA (or it is closed): a newer head judges the
// suggestions, and what it posts must not be withdrawn by an older one.
// The store says, else (not recorded) the pull request itself.
func (a *App) cleanupSuperseded(ctx context.Context, args cleanupArgs, gh *github.Client) error {
	prs, err := a.store.PullsForHead(ctx, args.fullName(), args.HeadSHA)
	if err != nil {
		return fmt.Errorf("pull requests of %s: %w", args.HeadSHA, err)
	}
	if len(prs) > 0 {
		if !slices.Contains(prs, args.PR) {
			return errSuperseded
		}
		return nil
	}
	pr, _, err := gh.PullRequests.Get(ctx, args.Owner, args.Repo, args.PR)
	if err != nil {
		return fmt.Errorf("get pull request #%d: %w", args.PR, err)
	}
	if pr.GetHead().GetSHA() != args.HeadSHA || pr.GetState() == "closed" {
		return errSuperseded
	}
	return nil
}

// withdraw forgets each outdated suggestion, then edits or deletes its
// comment. Forgetting first means a crash between the two leaves a
// suggestion that the next listing finds outdated again, never one
// withdrawn on GitHub that the store still holds as posted (a finding
// that comes back would not be suggested again).
func (a *App) withdraw(ctx context.Context, gh *github.Client, args cleanupArgs, todo []withdrawal) error {
	for _, w := range todo {
		// A newer head may have arrived since the listing.
		if err := a.cleanupSuperseded(ctx, args, gh); err != nil {
			return err
		}
		if err := a.store.ForgetSuggestions(ctx, args.fullName(), args.PR, []string{w.fp}); err != nil {
			return err
		}
		id := w.comment.GetID()
		var resp *github.Response
		var err error
		if w.body == "" {
			// Sent again by the transport on a 5xx: one GitHub carried
			// out answers 404 the second time, which is what we want.
			resp, err = gh.PullRequests.DeleteComment(ctx, args.Owner, args.Repo, id)
		} else {
			// Not sent again: GitHub may have applied it; the next
			// listing shows whether it did.
			_, resp, err = gh.PullRequests.EditComment(ghtransport.WithoutReplay(ctx), args.Owner, args.Repo, id, &github.PullRequestComment{Body: github.String(w.body)})
		}
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			continue // deleted meanwhile (by a person, or a lost answer's request)
		}
		if err != nil {
			verb := "edit"
			if w.body == "" {
				verb = "delete"
			}
			return fmt.Errorf("%s outdated suggestion %d on #%d: %w", verb, id, args.PR, err)
		}
	}
	return nil
}

// planCleanup returns what to do with comments (all of the pull
// request's): each suggestion of the app's (a comment of a review it
// posted, carrying a fingerprint) on a file the head judged, posted on
// another commit, whose fix the head does not have. People's comments,
// replies and withdrawn suggestions are left alone. With policy delete a
// suggestion somebody replied to is edited: deleting it would leave the
// replies without what they answer.
func planCleanup(args cleanupArgs, ours map[int64]bool, comments []*github.PullRequestComment) []withdrawal {
	fixes := setOf(args.Fixes)
	findings := setOf(args.Findings)
	replied := map[int64]bool{}
	for _, c := range comments {
		if c.GetInReplyTo() != 0 {
			replied[c.GetInReplyTo()] = true
		}
	}
	var out []withdrawal
	for _, c := range comments {
		if !ours[c.GetPullRequestReviewID()] || c.GetUser().GetType() != "Bot" || c.GetInReplyTo() != 0 {
			continue
		}
		fp, ok := review.FingerprintOf(c.GetBody())
		if !ok || fixes[fp] {
			continue
		}
		commit := c.GetOriginalCommitID()
		if commit == "" {
			commit = c.GetCommitID()
		}
		if commit == args.HeadSHA {
			continue // posted for this head's own findings
		}
		if p := c.GetPath(); !touches(args.Judged, []string{p}) || touches(args.Unjudged, []string{p}) {
			continue
		}
		w := withdrawal{comment: c, fp: fp}
		if args.Policy != checks.OutdatedDelete || replied[c.GetID()] {
			w.body = review.Withdraw(c.GetBody(), withdrawnNote(c.GetBody(), findings, args.HeadSHA))
		}
		out = append(out, w)
	}
	return out
}

// withdrawnNote says why a suggestion was withdrawn: its finding is gone
// (fixed), or still there with another fix; a suggestion that does not
// name its finding (posted by an older version) just no longer applies.
func withdrawnNote(body string, findings map[string]bool, head string) string {
	sha := "`" + shortSHA(head) + "`"
	id, ok := review.FindingOf(body)
	switch {
	case !ok:
		return "No longer applies as of " + sha + "."
	case findings[id]:
		return "Outdated as of " + sha + ": the file changed and so did the fix; the check run shows the current one."
	}
	return "Fixed in " + sha + "."
}

func setOf(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[s] = true
	}
	return m
}

// listReviewComments lists every review comment of pull request pr.
func listReviewComments(ctx context.Context, gh *github.Client, owner, repo string, pr int) ([]*github.PullRequestComment, error) {
	var out []*github.PullRequestComment
	opt := &github.PullRequestListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		cs, resp, err := gh.PullRequests.ListComments(ctx, owner, repo, pr, opt)
		if err != nil {
			return nil, fmt.Errorf("list review comments of #%d: %w", pr, err)
		}
		out = append(out, cs...)
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.Page = resp.NextPage
	}
}

// withFindingMarkers names in each suggestion's body the finding it is
// for, so that a newer head tells a fixed finding from a changed fix.
func withFindingMarkers(comments []review.Comment, findings []checks.Finding) []review.Comment {
	byFix := map[string]string{}
	for _, f := range findings {
		if fp, ok := review.SuggestionFingerprint(f); ok {
			byFix[fp] = fingerprint(f)
		}
	}
	out := slices.Clone(comments)
	for i, c := range out {
		if id := byFix[c.Fingerprint]; id != "" && !strings.Contains(c.Body, "coderready:finding=") {
			out[i].Body = review.MarkFinding(c.Body, id)
		}
	}
	return out
}
