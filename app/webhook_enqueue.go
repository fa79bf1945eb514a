package app

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/riverqueue/river"
)

// Verified deliveries are committed in groups. The acknowledgement waits
// for the transaction that records the delivery and queues its job; with
// SQLite every transaction of the process (the webhook's, and the
// workers' fetching, routing and completing jobs) takes turns on one
// connection, and most of a transaction's cost is fixed (begin, River's
// insert statement prepared anew, the commit's WAL write). Deliveries that
// arrive while a transaction is running wait for it, then go in the next
// one together: under load the batches grow instead of the queue in front
// of the connection, so an acknowledgement waits for about one transaction
// however many deliveries arrive at once.

const (
	// maxBatchDeliveries and maxBatchBytes bound one group: a large
	// payload does not hold many small deliveries in a long transaction.
	maxBatchDeliveries = 128
	maxBatchBytes      = 4 << 20
	// batchTimeout bounds one group's transaction. A group does not run
	// under any one request's context: a sender that goes away must not
	// fail the deliveries committed with its own.
	batchTimeout = 30 * time.Second
)

// deliveryQueue is the group commit of verified deliveries. It has no
// goroutine of its own: the first request to arrive while none commits
// leads, committing what waits (its own delivery first) and handing the
// lead to the next waiting request when it is done. Its zero value is
// ready to use.
type deliveryQueue struct {
	mu      sync.Mutex
	waiting []*queuedDelivery
	leading bool // a request is committing; waiting is empty otherwise
}

// queuedDelivery is one verified delivery waiting to be committed.
type queuedDelivery struct {
	ctx     context.Context
	args    deliveryArgs
	payload []byte
	// ready receives true once the delivery is committed (or failed:
	// isNew and err are set), false when its request must lead.
	ready chan bool
	isNew bool
	err   error
}

// commitFunc records a group of deliveries and queues the new ones in one
// transaction, returning for each whether it was new. On error nothing of
// the group is kept.
type commitFunc func(ctx context.Context, group []*queuedDelivery) ([]bool, error)

// enqueue commits one delivery, in a group with those arriving with it,
// and reports whether it was new.
func (q *deliveryQueue) enqueue(ctx context.Context, commit commitFunc, args deliveryArgs, payload []byte) (bool, error) {
	d := &queuedDelivery{ctx: ctx, args: args, payload: payload, ready: make(chan bool, 1)}
	q.mu.Lock()
	q.waiting = append(q.waiting, d)
	lead := !q.leading
	q.leading = true
	q.mu.Unlock()
	for {
		if lead {
			q.lead(commit)
		}
		// Not abandoned when ctx ends: the lead may be on its way here,
		// and the group's transaction is bounded by batchTimeout.
		if <-d.ready {
			return d.isNew, d.err
		}
		lead = true
	}
}

// lead commits one group from the front of the queue (which holds the
// leader's own delivery), then hands the lead to the first delivery still
// waiting.
func (q *deliveryQueue) lead(commit commitFunc) {
	q.mu.Lock()
	n, size := 0, 0
	for n < len(q.waiting) && n < maxBatchDeliveries && (n == 0 || size+len(q.waiting[n].payload) <= maxBatchBytes) {
		size += len(q.waiting[n].payload)
		n++
	}
	group := q.waiting[:n:n]
	q.waiting = q.waiting[n:]
	q.mu.Unlock()

	commitGroup(group, commit)
	for _, d := range group {
		d.ready <- true
	}

	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.waiting) == 0 {
		q.leading = false
		q.waiting = nil // let the backing array go
		return
	}
	q.waiting[0].ready <- false
}

// commitGroup commits group and sets each delivery's result. A group that
// fails is committed again one delivery at a time, so that a delivery the
// database refuses fails alone.
func commitGroup(group []*queuedDelivery, commit commitFunc) {
	live := make([]*queuedDelivery, 0, len(group))
	for _, d := range group {
		if err := d.ctx.Err(); err != nil {
			// Its sender is gone before anything was written: GitHub
			// shows the delivery as failed and can redeliver it.
			d.err = fmt.Errorf("queue delivery %s: %w", d.args.DeliveryID, err)
			continue
		}
		live = append(live, d)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(live[0].ctx), batchTimeout)
	defer cancel()
	isNew, err := commit(ctx, live)
	if err == nil {
		for i, d := range live {
			d.isNew = isNew[i]
		}
		return
	}
	if len(live) == 1 {
		live[0].err = err
		return
	}
	for _, d := range live {
		isNew, err := commit(ctx, []*queuedDelivery{d})
		if err != nil {
			d.err = err
			continue
		}
		d.isNew = isNew[0]
	}
}

// commitDeliveries records each delivery of group and queues a job for
// each new one, in one transaction: a delivery is queued exactly once,
// and never acknowledged without being stored.
func (a *App) commitDeliveries(ctx context.Context, group []*queuedDelivery) ([]bool, error) {
	isNew := make([]bool, len(group))
	err := a.store.InTx(ctx, func(tx *sql.Tx) error {
		jobs := make([]river.InsertManyParams, 0, len(group))
		for i, d := range group {
			var err error
			isNew[i], err = a.store.RecordDeliveryPayload(ctx, tx, d.args.DeliveryID, d.args.Event, d.args.Action, d.payload)
			if err != nil {
				return err
			}
			if isNew[i] {
				jobs = append(jobs, river.InsertManyParams{Args: d.args})
			}
		}
		if len(jobs) == 0 {
			return nil
		}
		_, err := a.river.InsertManyTx(ctx, tx, jobs)
		return err
	})
	if err != nil {
		if len(group) == 1 {
			return nil, fmt.Errorf("queue delivery %s: %w", group[0].args.DeliveryID, err)
		}
		return nil, fmt.Errorf("queue %d deliveries: %w", len(group), err)
	}
	return isNew, nil
}
