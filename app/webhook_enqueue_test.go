package app

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// fakeCommits is a commitFunc recording the groups it is given. The first
// call blocks until release is closed, so that deliveries arriving
// meanwhile queue up; ids in fail make any group holding them fail.
type fakeCommits struct {
	mu      sync.Mutex
	groups  [][]string
	seen    map[string]bool
	fail    map[string]bool
	entered chan struct{}
	release chan struct{}
	first   sync.Once
}

func newFakeCommits(fail ...string) *fakeCommits {
	f := &fakeCommits{seen: map[string]bool{}, fail: map[string]bool{}, entered: make(chan struct{}), release: make(chan struct{})}
	for _, id := range fail {
		f.fail[id] = true
	}
	return f
}

func (f *fakeCommits) commit(_ context.Context, group []*queuedDelivery) ([]bool, error) {
	f.first.Do(func() { close(f.entered); <-f.release })
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]string, len(group))
	for i, d := range group {
		ids[i] = d.args.DeliveryID
	}
	f.groups = append(f.groups, ids)
	for _, id := range ids {
		if f.fail[id] {
			return nil, fmt.Errorf("queue %d deliveries: %s refused", len(ids), id)
		}
	}
	isNew := make([]bool, len(group))
	for i, id := range ids {
		isNew[i] = !f.seen[id]
		f.seen[id] = true
	}
	return isNew, nil
}

type enqueued struct {
	isNew bool
	err   error
}

// enqueueWhileBlocked starts one delivery, waits until its commit is under
// way, enqueues the others behind it, then lets the commits run.
func enqueueWhileBlocked(t *testing.T, q *deliveryQueue, f *fakeCommits, ctxs map[string]context.Context, first string, rest ...string) map[string][]enqueued {
	t.Helper()
	var (
		mu  sync.Mutex
		out = map[string][]enqueued{}
		wg  sync.WaitGroup
	)
	start := func(id string) {
		wg.Go(func() {
			ctx := ctxs[id]
			if ctx == nil {
				ctx = t.Context()
			}
			isNew, err := q.enqueue(ctx, f.commit, deliveryArgs{DeliveryID: id}, []byte(`{}`))
			mu.Lock()
			out[id] = append(out[id], enqueued{isNew, err})
			mu.Unlock()
		})
	}
	start(first)
	<-f.entered
	for _, id := range rest {
		start(id)
	}
	// The others are queued once they wait behind the leader.
	for {
		q.mu.Lock()
		n := len(q.waiting)
		q.mu.Unlock()
		if n == len(rest) {
			break
		}
		runtime.Gosched()
	}
	close(f.release)
	wg.Wait()
	return out
}

// TestDeliveryQueueGroupsConcurrentDeliveries: deliveries arriving while a
// transaction runs are committed together in the next one, each answered
// with its own result (a repeated ID within the group is a duplicate),
// and the queue is idle afterwards.
func TestDeliveryQueueGroupsConcurrentDeliveries(t *testing.T) {
	var q deliveryQueue
	f := newFakeCommits()
	out := enqueueWhileBlocked(t, &q, f, nil, "a", "b", "c", "b")
	if len(f.groups) != 2 || len(f.groups[0]) != 1 || len(f.groups[1]) != 3 {
		t.Fatalf("groups %v, want [a] then the three that waited in one group", f.groups)
	}
	news := 0
	for id, rs := range out {
		for _, r := range rs {
			if r.err != nil {
				t.Errorf("%s: %v", id, r.err)
			}
			if r.isNew {
				news++
			}
		}
	}
	if news != 3 {
		t.Errorf("%d deliveries reported new, want 3 (a, b, c; the second b is a duplicate): %v", news, out)
	}
	if q.leading || len(q.waiting) != 0 {
		t.Errorf("queue not idle after the commits: leading %v, %d waiting", q.leading, len(q.waiting))
	}
}

// TestDeliveryQueueFailureIsolated: when a group's transaction fails, its
// deliveries are committed one at a time, so only the one the database
// refuses is answered with an error (and the handler's 500); a sender gone
// before its group commits gets its context's error and writes nothing.
func TestDeliveryQueueFailureIsolated(t *testing.T) {
	var q deliveryQueue
	f := newFakeCommits("bad")
	gone, cancel := context.WithCancel(t.Context())
	cancel()
	out := enqueueWhileBlocked(t, &q, f, map[string]context.Context{"gone": gone}, "first", "ok1", "bad", "gone", "ok2")
	for _, id := range []string{"first", "ok1", "ok2"} {
		if r := out[id][0]; r.err != nil || !r.isNew {
			t.Errorf("%s = %+v, want committed and new", id, r)
		}
	}
	if r := out["bad"][0]; r.err == nil || r.isNew {
		t.Errorf("bad = %+v, want its commit's error", r)
	} else if want := "bad refused"; !strings.Contains(r.err.Error(), want) {
		t.Errorf("bad's error %q does not say %q", r.err, want)
	}
	if r := out["gone"][0]; !errors.Is(r.err, context.Canceled) {
		t.Errorf("gone = %+v, want context.Canceled", r)
	}
	for _, g := range f.groups {
		for _, id := range g {
			if id == "gone" {
				t.Errorf("the gone sender's delivery was committed: groups %v", f.groups)
			}
		}
	}
}
