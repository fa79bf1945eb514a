package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/riverqueue/river"

	"github.com/coderready/coderready/store"
)

// HelloArgs is a job's arguments.
type HelloArgs struct {
	Delivery string `json:"delivery"`
}

// Kind implements river.JobArgs.
func (HelloArgs) Kind() string { return "hello" }

// HelloWorker works HelloArgs.
type HelloWorker struct {
	river.WorkerDefaults[HelloArgs]
	done chan string
}

// Work implements river.Worker.
func (w *HelloWorker) Work(_ context.Context, job *river.Job[HelloArgs]) error {
	w.done <- job.Args.Delivery
	return nil
}

// A River client on the store's driver; a webhook delivery is recorded and
// its job queued in one transaction, so a redelivery queues nothing.
// (Options.DatabaseURL instead of DataDir gives the same on PostgreSQL.)
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "coderready-store-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	s, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	w := &HelloWorker{done: make(chan string, 1)}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	client, err := river.NewClient(s.Driver(), &river.Config{
		Logger:            slog.New(slog.DiscardHandler),
		Workers:           workers,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}},
		FetchPollInterval: 200 * time.Millisecond,
		PollOnly:          true,
	})
	if err != nil {
		panic(err)
	}
	if _, err := s.RescueOrphanedJobs(ctx); err != nil { // before Start
		panic(err)
	}
	if err := client.Start(ctx); err != nil {
		panic(err)
	}
	defer client.Stop(ctx) //nolint:errcheck // example

	for range 2 { // the same delivery twice
		err := s.InTx(ctx, func(tx *sql.Tx) error {
			isNew, err := s.RecordDelivery(ctx, tx, "72d3162e-cc78-11e3-81ab-4c9367dc0958", "pull_request", "opened")
			if err != nil || !isNew {
				fmt.Println("duplicate delivery: nothing queued")
				return err
			}
			_, err = client.InsertTx(ctx, tx, HelloArgs{Delivery: "72d3162e"}, nil)
			return err
		})
		if err != nil {
			panic(err)
		}
	}
	fmt.Println("worked delivery", <-w.done)
	// Output:
	// duplicate delivery: nothing queued
	// worked delivery 72d3162e
}
