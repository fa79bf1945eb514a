package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"

	"github.com/google/go-github/v62/github"

	"github.com/coderready/coderready/app/ghtransport"
)

// createCheckRun creates a check run exactly once. Its POST is marked
// WithoutReplay, so the transport does not send it twice when GitHub may
// have carried it out (a 502 or 504 from its edge, a dropped connection),
// and a lost answer comes back here as an error: the run that request made, if it made one, is found by its
// external ID and adopted; if there is none the create is sent again. A
// retried job (attempt > 1) looks first, for a run an earlier attempt made
// but did not live to record. Runs the store already holds (known is their
// IDs) are never adopted: a re-run makes a new one on purpose.
func (j *checkJob) createCheckRun(ctx context.Context, opts github.CreateCheckRunOptions, known []int64) (*github.CheckRun, error) {
	ext := opts.GetExternalID()
	if j.attempt > 1 && ext != "" {
		if cr, err := j.findCheckRun(ctx, opts.Name, ext, known); err == nil && cr != nil {
			j.log.Info("adopted the check run an earlier attempt made", "check_run", cr.GetID(), "name", opts.Name)
			return cr, nil
		}
	}
	var err error
	for try := 0; ; try++ {
		var created *github.CheckRun
		created, _, err = j.gh.Checks.CreateCheckRun(ghtransport.WithoutReplay(ctx), j.args.Owner, j.args.Repo, opts)
		if err == nil {
			return created, nil
		}
		if ext == "" || try == 2 || !answerLost(err) || ctx.Err() != nil {
			break
		}
		cr, ferr := j.findCheckRun(ctx, opts.Name, ext, known)
		if ferr != nil {
			break
		}
		if cr != nil {
			j.log.Info("adopted the check run a request with a lost answer made", "check_run", cr.GetID(), "name", opts.Name, "err", err)
			return cr, nil
		}
	}
	return nil, fmt.Errorf("create check run %s: %w", opts.Name, err)
}

// findCheckRun returns the app's check run on the job's head named name
// with external ID ext that the store does not know, or nil.
func (j *checkJob) findCheckRun(ctx context.Context, name, ext string, known []int64) (*github.CheckRun, error) {
	opts := &github.ListCheckRunsOptions{CheckName: github.String(name), Filter: github.String("all"), ListOptions: github.ListOptions{PerPage: 100}}
	if id := j.app.Settings().AppID; id > 0 {
		opts.AppID = github.Int64(id)
	}
	res, _, err := j.gh.Checks.ListCheckRunsForRef(ctx, j.args.Owner, j.args.Repo, j.args.HeadSHA, opts)
	if err != nil {
		return nil, fmt.Errorf("list check runs %s: %w", name, err)
	}
	for _, cr := range res.CheckRuns {
		if cr.GetExternalID() == ext && !slices.Contains(known, cr.GetID()) {
			return cr, nil
		}
	}
	return nil, nil
}

// answerLost reports whether a request may have been carried out although
// its answer is an error: a 502 or 504 from GitHub's edge, or a transport
// error other than a refused connection. A rate limit is not (the
// transport returns it inside a *url.Error, a net.Error): the job waits.
func answerLost(err error) bool {
	if _, ok := ghtransport.AsRateLimit(err); ok {
		return false
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		switch er.Response.StatusCode {
		case http.StatusBadGateway, http.StatusGatewayTimeout, http.StatusServiceUnavailable:
			return true
		}
		return false
	}
	var rl *github.RateLimitError
	var arl *github.AbuseRateLimitError
	if errors.As(err, &rl) || errors.As(err, &arl) {
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true // nothing was sent: sending again is safe too
	}
	var ne net.Error
	return errors.As(err, &ne)
}
