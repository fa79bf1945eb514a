package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/coderready/coderready/store/storetest"
)

// deliveryArgs is a job queued for a webhook delivery, as the app queues
// one.
type deliveryArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (deliveryArgs) Kind() string { return "store_test_delivery" }

// deliveryWorker reports each delivery it works on done.
type deliveryWorker struct {
	river.WorkerDefaults[deliveryArgs]
	done chan string
}

// Work implements river.Worker.
func (w *deliveryWorker) Work(_ context.Context, job *river.Job[deliveryArgs]) error {
	w.done <- job.Args.DeliveryID
	return nil
}

// newTestClient builds a River client on s.Driver() working deliveryArgs
// with w, started, and stopped when the test ends.
func newTestClient(t *testing.T, s *Store, w river.Worker[deliveryArgs], pollOnly bool) *river.Client[*sql.Tx] {
	t.Helper()
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	client, err := river.NewClient(s.Driver(), &river.Config{
		Logger:            testLogger(t),
		Workers:           workers,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
		FetchPollInterval: 100 * time.Millisecond,
		FetchCooldown:     20 * time.Millisecond,
		PollOnly:          pollOnly,
		TestOnly:          true,
	})
	if err != nil {
		t.Fatalf("river.NewClient: %v", err)
	}
	if err := client.Start(t.Context()); err != nil {
		t.Fatalf("start River client: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := client.Stop(ctx); err != nil {
			t.Errorf("stop River client: %v", err)
		}
	})
	return client
}

// enqueue is the app's webhook pattern: record the delivery and queue its
// job in one transaction; a duplicate queues nothing.
func enqueue(ctx context.Context, s *Store, client *river.Client[*sql.Tx], id string) (bool, error) {
	var isNew bool
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		isNew, err = s.RecordDelivery(ctx, tx, id, "pull_request", "opened")
		if err != nil || !isNew {
			return err
		}
		_, err = client.InsertTx(ctx, tx, deliveryArgs{DeliveryID: id}, nil)
		return err
	})
	return isNew, err
}

// TestRiverDeliveryAndJobInOneTx runs River on the store's driver, end to
// end, on both dialects, poll-only and with River's listener (LISTEN/NOTIFY
// on PostgreSQL, the river_notification outbox on SQLite):
// a delivery is recorded and its job queued atomically, worked once; a
// duplicate queues nothing; a rolled-back transaction leaves neither.
func TestRiverDeliveryAndJobInOneTx(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		s := openTest(t, opts)
		for _, pollOnly := range []bool{true, false} {
			name := "listen"
			if pollOnly {
				name = "poll-only"
			}
			t.Run(name, func(t *testing.T) {
				ctx := t.Context()
				w := &deliveryWorker{done: make(chan string, 10)}
				client := newTestClient(t, s, w, pollOnly)
				id := "delivery-" + name

				if isNew, err := enqueue(ctx, s, client, id); err != nil || !isNew {
					t.Fatalf("enqueue = %v, %v", isNew, err)
				}
				if isNew, err := enqueue(ctx, s, client, id); err != nil || isNew {
					t.Fatalf("duplicate enqueue = %v, %v", isNew, err)
				}
				select {
				case got := <-w.done:
					if got != id {
						t.Fatalf("worked %q, want %q", got, id)
					}
				case <-time.After(15 * time.Second):
					t.Fatal("job not worked within 15s")
				}

				// Rolled back after the insert: neither the delivery nor the job.
				boom := errors.New("ack failed")
				rolled := id + "-rolled-back"
				err := s.InTx(ctx, func(tx *sql.Tx) error {
					if _, err := s.RecordDelivery(ctx, tx, rolled, "pull_request", "opened"); err != nil {
						return err
					}
					if _, err := client.InsertTx(ctx, tx, deliveryArgs{DeliveryID: rolled}, nil); err != nil {
						return err
					}
					return boom
				})
				if !errors.Is(err, boom) {
					t.Fatalf("InTx = %v", err)
				}
				// Once the queue is idle every stored job has been worked:
				// a duplicate or rolled-back one would be in w.done.
				storetest.WaitQueueIdle(t, client, 15*time.Second)
				select {
				case got := <-w.done:
					t.Fatalf("worked %q: a duplicate or a rolled-back job ran", got)
				default:
				}
				jobs, err := client.JobList(ctx, river.NewJobListParams().Kinds(deliveryArgs{}.Kind()).States(rivertype.JobStateCompleted, rivertype.JobStateAvailable, rivertype.JobStateRunning))
				if err != nil {
					t.Fatal(err)
				}
				var mine int
				for _, j := range jobs.Jobs {
					if strings.Contains(string(j.EncodedArgs), id) {
						mine++
						if strings.Contains(string(j.EncodedArgs), rolled) {
							t.Errorf("rolled-back job %d is stored", j.ID)
						}
					}
				}
				if mine != 1 {
					t.Errorf("%d jobs stored for %s, want 1", mine, id)
				}
			})
		}
	})
}

// gateWorker signals that it runs, then waits for its gate to open.
type gateWorker struct {
	river.WorkerDefaults[deliveryArgs]
	started chan string
	gate    chan struct{}
}

// Work implements river.Worker.
func (w *gateWorker) Work(ctx context.Context, job *river.Job[deliveryArgs]) error {
	w.started <- job.Args.DeliveryID
	select {
	case <-w.gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestQueueIdle: the queue is busy while a job runs, says which, and idle
// once it completes, on both dialects.
func TestQueueIdle(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		s := openTest(t, opts)
		w := &gateWorker{started: make(chan string, 1), gate: make(chan struct{})}
		client := newTestClient(t, s, w, false)
		storetest.WaitQueueIdle(t, client, 15*time.Second)
		if _, err := client.Insert(t.Context(), deliveryArgs{DeliveryID: "held"}, nil); err != nil {
			t.Fatal(err)
		}
		<-w.started
		idle, busy, err := storetest.QueueIdle(t.Context(), client)
		if err != nil || idle || !strings.Contains(busy, "store_test_delivery: running") {
			t.Fatalf("QueueIdle with a job running = %v, %q, %v; want busy, naming it", idle, busy, err)
		}
		close(w.gate)
		storetest.WaitQueueIdle(t, client, 15*time.Second)
	})
}

// The orphan test runs a child process (this test binary) that works two
// jobs with a worker that never returns, and kills it with SIGKILL.
const (
	orphanChildEnv = "CODERREADY_STORE_TEST_ORPHAN_DIR"
	orphanMarker   = "working"
)

// blockingWorker signals that it runs, then blocks until its context ends.
type blockingWorker struct {
	river.WorkerDefaults[deliveryArgs]
	started chan string
}

// Work implements river.Worker.
func (w *blockingWorker) Work(ctx context.Context, job *river.Job[deliveryArgs]) error {
	w.started <- job.Args.DeliveryID
	<-ctx.Done()
	return ctx.Err()
}

// orphanChild is the child process: it queues "retry-me" (8 attempts) and
// "last-attempt" (1 attempt), works both forever, and writes the marker
// file once both run.
func orphanChild(t *testing.T, dir string) {
	s, err := Open(t.Context(), Options{DataDir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	w := &blockingWorker{started: make(chan string, 2)}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	client, err := river.NewClient(s.Driver(), &river.Config{
		Logger:            testLogger(t),
		Workers:           workers,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
		FetchPollInterval: 50 * time.Millisecond,
		FetchCooldown:     10 * time.Millisecond,
		JobTimeout:        -1,
		PollOnly:          true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Insert(t.Context(), deliveryArgs{DeliveryID: "retry-me"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Insert(t.Context(), deliveryArgs{DeliveryID: "last-attempt"}, &river.InsertOpts{MaxAttempts: 1}); err != nil {
		t.Fatal(err)
	}
	if err := client.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	<-w.started
	<-w.started
	if err := os.WriteFile(filepath.Join(dir, orphanMarker), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Minute) // killed long before
	t.Fatal("orphan child was not killed")
}

// TestRescueOrphanedJobs kills a process in the middle of two jobs; a new
// store on the same SQLite file finds them running, RescueOrphanedJobs
// makes the one with attempts left available (the other is discarded), and
// a new client works it at once.
func TestRescueOrphanedJobs(t *testing.T) {
	if dir := os.Getenv(orphanChildEnv); dir != "" {
		orphanChild(t, dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestRescueOrphanedJobs$", "-test.count=1")
	cmd.Env = append(os.Environ(), orphanChildEnv+"="+dir)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(30 * time.Second)
	for working := false; !working; {
		select {
		case err := <-exited:
			t.Fatalf("child exited (%v) before working its jobs; its output:\n%s", err, out.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("child never worked its jobs; its output:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
			_, err := os.Stat(filepath.Join(dir, orphanMarker))
			working = err == nil
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited

	ctx := t.Context()
	s := openTest(t, Options{DataDir: dir, Logger: testLogger(t)})
	probe, err := river.NewClient(s.Driver(), &river.Config{Logger: testLogger(t)}) // insert-only: lists jobs
	if err != nil {
		t.Fatal(err)
	}
	states := func() map[string]*rivertype.JobRow {
		byID := map[string]*rivertype.JobRow{}
		res, err := probe.JobList(ctx, river.NewJobListParams().Kinds(deliveryArgs{}.Kind()).First(10))
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range res.Jobs {
			for _, name := range []string{"retry-me", "last-attempt"} {
				if strings.Contains(string(j.EncodedArgs), name) {
					byID[name] = j
				}
			}
		}
		return byID
	}
	before := states()
	for _, name := range []string{"retry-me", "last-attempt"} {
		if j := before[name]; j == nil || j.State != rivertype.JobStateRunning {
			t.Fatalf("after the kill, %s is %+v; want running", name, j)
		}
	}

	n, err := s.RescueOrphanedJobs(ctx)
	if err != nil || n != 1 {
		t.Fatalf("RescueOrphanedJobs = %d, %v; want 1", n, err)
	}
	after := states()
	if j := after["retry-me"]; j.State != rivertype.JobStateAvailable || len(j.Errors) != 1 || !strings.Contains(j.Errors[0].Error, "orphaned") {
		t.Errorf("retry-me after rescue: state %s, errors %+v", j.State, j.Errors)
	}
	if j := after["last-attempt"]; j.State != rivertype.JobStateDiscarded || j.FinalizedAt == nil {
		t.Errorf("last-attempt after rescue: state %s, finalized %v; want discarded", j.State, j.FinalizedAt)
	}
	if n, err := s.RescueOrphanedJobs(ctx); err != nil || n != 0 {
		t.Errorf("second RescueOrphanedJobs = %d, %v; want 0", n, err)
	}

	w := &deliveryWorker{done: make(chan string, 2)}
	newTestClient(t, s, w, true)
	select {
	case got := <-w.done:
		if got != "retry-me" {
			t.Fatalf("worked %q, want retry-me", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("rescued job not worked within 10s")
	}
	until := time.Now().Add(5 * time.Second)
	for {
		j := states()["retry-me"]
		if j.State == rivertype.JobStateCompleted {
			if j.Attempt != 2 {
				t.Errorf("retry-me completed on attempt %d, want 2", j.Attempt)
			}
			break
		}
		if time.Now().After(until) {
			t.Fatalf("retry-me is %s, want completed", j.State)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRescueOrphanedJobsPostgres: with PostgreSQL other replicas may own
// running jobs, so nothing is touched.
func TestRescueOrphanedJobsPostgres(t *testing.T) {
	s := openTest(t, testOptions(t, DialectPostgres))
	ctx := t.Context()
	started := make(chan string, 1)
	client := newTestClient(t, s, &blockingWorker{started: started}, true)
	res, err := client.Insert(ctx, deliveryArgs{DeliveryID: "busy"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(15 * time.Second):
		t.Fatal("job not started")
	}
	if n, err := s.RescueOrphanedJobs(ctx); err != nil || n != 0 {
		t.Fatalf("RescueOrphanedJobs = %d, %v; want 0 (no-op)", n, err)
	}
	j, err := client.JobGet(ctx, res.Job.ID)
	if err != nil || j.State != rivertype.JobStateRunning {
		t.Fatalf("job after no-op rescue: %v, %v; want running", j, err)
	}
}
