package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/coderready/coderready/app/ghtransport"
	"github.com/coderready/coderready/app/review"
	"github.com/coderready/coderready/store"
)

// Writes GitHub keeps every copy of (annotations, reviews) are posted
// exactly once: what is about to be sent is recorded first, each request
// is marked WithoutReplay so the transport never repeats it, and what a
// crash or a lost answer left unsettled is settled by listing what GitHub
// holds before anything is sent again.

// keyedAnnotation is an annotation with its key: a hash of what GitHub
// keeps of it and its occurrence among identical ones, the same whether
// computed from what is sent or from what GitHub lists.
type keyedAnnotation struct {
	a   *github.CheckRunAnnotation
	key string
}

func keyAnnotations(as []*github.CheckRunAnnotation) []keyedAnnotation {
	seen := map[string]int{}
	out := make([]keyedAnnotation, 0, len(as))
	for _, a := range as {
		h := sha256.New()
		_, _ = fmt.Fprintf(h, "%s\x00%d\x00%d\x00%s\x00%s\x00%s", a.GetPath(), a.GetStartLine(), a.GetEndLine(), a.GetAnnotationLevel(), a.GetTitle(), a.GetMessage())
		sum := hex.EncodeToString(h.Sum(nil))[:32]
		out = append(out, keyedAnnotation{a: a, key: fmt.Sprintf("%s#%d", sum, seen[sum])})
		seen[sum]++
	}
	return out
}

func annotationKeys(ks []keyedAnnotation) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.key
	}
	return out
}

// runUpdate is what completes a check run: its output text and, with the
// last request, status, conclusion and actions.
type runUpdate struct {
	title, summary string
	conclusion     string
	actions        []*github.CheckRunAction
	annotations    []*github.CheckRunAnnotation
}

// finishRun sends a check run the annotations it does not hold yet, in
// batches of 50, and completes it with the last request (or a request of
// its own when none is missing). Each batch is recorded as being sent
// before its request and as posted after the answer; a lost answer (a
// 502 or 504 GitHub may have carried out, a dropped connection) is settled
// at once by listing the run's annotations, so none is sent twice and
// none is lost, and a crash is settled the same way by the next attempt.
func (j *checkJob) finishRun(ctx context.Context, cr *store.CheckRun, u runUpdate) error {
	all := keyAnnotations(u.annotations)
	var err error
	for try := 0; ; try++ {
		var todo []keyedAnnotation
		if todo, err = j.unposted(ctx, cr, all); err != nil {
			return err
		}
		if err = j.sendRun(ctx, cr, u, todo); err == nil {
			return nil
		}
		if try == 2 || !answerLost(err) || ctx.Err() != nil {
			return err
		}
		j.log.Warn("a check run update's answer was lost; settling its annotations by listing them", "check_run", cr.ID, "err", err)
	}
}

// sendRun posts todo in batches; the last request completes the run.
func (j *checkJob) sendRun(ctx context.Context, cr *store.CheckRun, u runUpdate, todo []keyedAnnotation) error {
	repo := j.args.fullName()
	batches := max(1, (len(todo)+maxAnnotationsPerRequest-1)/maxAnnotationsPerRequest)
	for b := range batches {
		batch := todo[b*maxAnnotationsPerRequest : min((b+1)*maxAnnotationsPerRequest, len(todo))]
		opt := github.UpdateCheckRunOptions{
			Name:   cr.Name,
			Output: &github.CheckRunOutput{Title: github.String(u.title), Summary: github.String(u.summary)},
		}
		for _, k := range batch {
			opt.Output.Annotations = append(opt.Output.Annotations, k.a)
		}
		if b == batches-1 {
			opt.Status = github.String(statusCompleted)
			opt.Conclusion = github.String(u.conclusion)
			opt.CompletedAt = &github.Timestamp{Time: time.Now()}
			opt.Actions = u.actions
		}
		keys := annotationKeys(batch)
		if err := j.app.store.SendingAnnotations(ctx, repo, cr.ID, keys); err != nil {
			return err
		}
		if _, _, err := j.gh.Checks.UpdateCheckRun(ghtransport.WithoutReplay(ctx), j.args.Owner, j.args.Repo, cr.ID, opt); err != nil {
			return fmt.Errorf("update check run %s (batch %d of %d): %w", cr.Name, b+1, batches, err)
		}
		if err := j.app.store.PostedAnnotations(ctx, repo, cr.ID, keys); err != nil {
			return err
		}
	}
	return nil
}

// unposted returns the annotations of all that check run cr does not hold.
// Keys recorded as being sent whose answer never came are settled first by
// listing the run's annotations: those GitHub holds are recorded as posted,
// the others forgotten, to be sent again.
func (j *checkJob) unposted(ctx context.Context, cr *store.CheckRun, all []keyedAnnotation) ([]keyedAnnotation, error) {
	repo := j.args.fullName()
	state, err := j.app.store.Annotations(ctx, repo, cr.ID)
	if err != nil {
		return nil, err
	}
	for _, posted := range state {
		if posted {
			continue
		}
		listed, err := j.listAnnotations(ctx, cr.ID)
		if err != nil {
			return nil, err
		}
		if err := j.app.store.PostedAnnotations(ctx, repo, cr.ID, annotationKeys(keyAnnotations(listed))); err != nil {
			return nil, err
		}
		if err := j.app.store.ForgetSendingAnnotations(ctx, repo, cr.ID); err != nil {
			return nil, err
		}
		if state, err = j.app.store.Annotations(ctx, repo, cr.ID); err != nil {
			return nil, err
		}
		j.log.Info("settled a check run's annotations by listing them", "check_run", cr.ID, "on_github", len(listed))
		break
	}
	todo := make([]keyedAnnotation, 0, len(all))
	for _, k := range all {
		if !state[k.key] {
			todo = append(todo, k)
		}
	}
	return todo, nil
}

// listAnnotations lists every annotation of check run id.
func (j *checkJob) listAnnotations(ctx context.Context, id int64) ([]*github.CheckRunAnnotation, error) {
	var out []*github.CheckRunAnnotation
	opt := &github.ListOptions{PerPage: 100}
	for {
		as, resp, err := j.gh.Checks.ListCheckRunAnnotations(ctx, j.args.Owner, j.args.Repo, id, opt)
		if err != nil {
			return nil, fmt.Errorf("list annotations of check run %d: %w", id, err)
		}
		out = append(out, as...)
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.Page = resp.NextPage
	}
}

// reviewMarkerPrefix starts the hidden marker in the body of each review
// the app posts, by which a listing finds a review whose answer was lost.
const reviewMarkerPrefix = "<!-- coderready:review="

func reviewMarker(m string) string { return reviewMarkerPrefix + m + " -->" }

// newMarker returns a fresh random review marker.
func newMarker() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// postReview posts req, which carries plan's suggestions, once: the intent
// (marker and fingerprints) is recorded first; a lost answer is settled at
// once by listing the pull request's reviews for the marker, and a crash by
// the next attempt (settleReviews). It reports false when GitHub refused
// the review (422).
func (j *checkJob) postReview(ctx context.Context, req *github.PullRequestReviewRequest, fingerprints []string) (bool, error) {
	repo, pr := j.args.fullName(), j.args.PR
	rv := store.Review{Marker: newMarker(), Fingerprints: fingerprints}
	req.Body = github.String(req.GetBody() + "\n\n" + reviewMarker(rv.Marker))
	if err := j.app.store.BeginReview(ctx, repo, pr, rv); err != nil {
		return false, err
	}
	for try := 0; ; try++ {
		posted, _, err := j.gh.PullRequests.CreateReview(ghtransport.WithoutReplay(ctx), j.args.Owner, j.args.Repo, pr, req)
		if err == nil {
			rv.ID = posted.GetID()
			return true, j.app.store.FinishReview(ctx, repo, pr, rv)
		}
		var ge *github.ErrorResponse
		if errors.As(err, &ge) && ge.Response != nil && ge.Response.StatusCode == http.StatusUnprocessableEntity {
			return false, j.app.store.DropReview(ctx, repo, pr, rv.Marker)
		}
		if try == 2 || !answerLost(err) || ctx.Err() != nil {
			// The intent stays: the next attempt settles it.
			return false, fmt.Errorf("post review: %w", err)
		}
		found, ferr := j.findReview(ctx, rv.Marker)
		if ferr != nil {
			return false, errors.Join(fmt.Errorf("post review: %w", err), ferr)
		}
		if found != nil {
			j.log.Info("adopted the review a request with a lost answer made", "review", found.GetID(), "err", err)
			rv.ID = found.GetID()
			return true, j.app.store.FinishReview(ctx, repo, pr, rv)
		}
	}
}

// settleReviews settles the reviews an earlier attempt was about to post
// when it died or lost the answer: one the pull request holds (found by its
// marker) is adopted with its suggestions, the others are forgotten.
func (j *checkJob) settleReviews(ctx context.Context) error {
	repo, pr := j.args.fullName(), j.args.PR
	pending, err := j.app.store.PendingReviews(ctx, repo, pr)
	if err != nil || len(pending) == 0 {
		return err
	}
	reviews, err := j.listReviews(ctx)
	if err != nil {
		return err
	}
	for _, p := range pending {
		var found *github.PullRequestReview
		for _, r := range reviews {
			if strings.Contains(r.GetBody(), reviewMarker(p.Marker)) {
				found = r
			}
		}
		if found == nil {
			if err := j.app.store.DropReview(ctx, repo, pr, p.Marker); err != nil {
				return err
			}
			continue
		}
		p.ID = found.GetID()
		if err := j.app.store.FinishReview(ctx, repo, pr, p); err != nil {
			return err
		}
		j.log.Info("adopted the review an earlier attempt posted", "review", p.ID, "suggestions", len(p.Fingerprints))
	}
	return nil
}

// findReview returns the pull request's review carrying marker, or nil.
func (j *checkJob) findReview(ctx context.Context, marker string) (*github.PullRequestReview, error) {
	reviews, err := j.listReviews(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range reviews {
		if strings.Contains(r.GetBody(), reviewMarker(marker)) {
			return r, nil
		}
	}
	return nil, nil
}

func (j *checkJob) listReviews(ctx context.Context) ([]*github.PullRequestReview, error) {
	var out []*github.PullRequestReview
	opt := &github.ListOptions{PerPage: 100}
	for {
		rs, resp, err := j.gh.PullRequests.ListReviews(ctx, j.args.Owner, j.args.Repo, j.args.PR, opt)
		if err != nil {
			return nil, fmt.Errorf("list reviews of #%d: %w", j.args.PR, err)
		}
		out = append(out, rs...)
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.Page = resp.NextPage
	}
}

// suggestionsOnPull returns the fingerprints of the suggestions the pull
// request shows now (a person may have deleted some): what "Suggest fixes"
// must not post again.
func (j *checkJob) suggestionsOnPull(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	opt := &github.PullRequestListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		cs, resp, err := j.gh.PullRequests.ListComments(ctx, j.args.Owner, j.args.Repo, j.args.PR, opt)
		if err != nil {
			return nil, fmt.Errorf("list review comments of #%d: %w", j.args.PR, err)
		}
		for _, c := range cs {
			if fp, ok := review.FingerprintOf(c.GetBody()); ok {
				out[fp] = true
			}
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.Page = resp.NextPage
	}
}
