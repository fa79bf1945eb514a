package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// JobLister is what WaitQueueIdle needs of a River client.
type JobLister interface {
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
}

// unfinished are the states of a job that still has work to do (or may
// get some: a retryable or scheduled job runs again).
var unfinished = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// QueueIdle reports whether no job in q's database has work left: every
// job is completed, cancelled or discarded. A job that queues another
// does so before it completes, so an idle queue is one where nothing more
// will happen until someone inserts a job; when not idle, it describes
// the first unfinished jobs.
func QueueIdle(ctx context.Context, q JobLister) (idle bool, busy string, err error) {
	res, err := q.JobList(ctx, river.NewJobListParams().States(unfinished...).First(5))
	if err != nil {
		return false, "", fmt.Errorf("list unfinished jobs: %w", err)
	}
	if len(res.Jobs) == 0 {
		return true, "", nil
	}
	var b strings.Builder
	for _, j := range res.Jobs {
		fmt.Fprintf(&b, "\n  job %d %s: %s, attempt %d", j.ID, j.Kind, j.State, j.Attempt)
		if n := len(j.Errors); n > 0 {
			fmt.Fprintf(&b, ", last error: %s", j.Errors[n-1].Error)
		}
	}
	return false, b.String(), nil
}

// WaitQueueIdle waits until q is idle (QueueIdle), and fails tb with the
// jobs still unfinished when timeout passes first. Tests that assert that
// something did not happen wait for this instead of sleeping: once the
// queue is idle, whatever the work would have done is done.
func WaitQueueIdle(tb testing.TB, q JobLister, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		idle, busy, err := QueueIdle(tb.Context(), q)
		switch {
		case err != nil:
			tb.Fatalf("is the queue idle: %v", err)
		case idle:
			return
		case time.Now().After(deadline):
			tb.Fatalf("the queue is not idle after %s:%s", timeout, busy)
		}
		// Polling a condition that will hold, not sleeping in its place.
		time.Sleep(20 * time.Millisecond)
	}
}
