package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// SQLite writes transactions to its WAL file and copies them into the
// database file at a checkpoint. By default a checkpoint runs inside the
// commit that grows the WAL past 1000 pages, on the committing connection:
// with the store's single connection, every transaction of the process (a
// webhook's acknowledgement among them) then waits while it copies those
// pages and fsyncs twice. The store checkpoints from a connection of its
// own instead, PASSIVE, which never takes the write lock nor waits for
// readers or writers, so the copying and most fsyncs leave the shared
// connection.
//
// A PASSIVE checkpoint from another connection cannot make the WAL start
// over while commits keep arriving (that needs every frame copied when a
// transaction begins), so the commits still checkpoint, but only every
// walCheckpointPages: the WAL stays bounded, and what such a checkpoint
// has left to copy is only what arrived since the last background one.

// walCheckpointPages is the WAL size, in pages (4 KiB), past which a
// commit checkpoints itself: 16 MiB.
const walCheckpointPages = 4000

// checkpointInterval is how often the checkpointer copies the WAL into the
// database file. Short enough that the WAL stays a few megabytes at the
// webhook's peak rates, long enough to cost nothing when idle.
const checkpointInterval = 200 * time.Millisecond

// checkpointer runs PASSIVE checkpoints on its own connection until
// stopped.
type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done sync.WaitGroup
	once sync.Once
	err  error
	// runs counts the checkpoints done (tests wait on it).
	runs atomic.Int64
}

// startCheckpointer opens a second connection to the SQLite file at dsn
// and checkpoints from it every interval.
func startCheckpointer(ctx context.Context, dsn string, interval time.Duration, log *slog.Logger) (*checkpointer, error) {
	db, err := openSQLiteConn(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("checkpointer: %w", err)
	}
	c := &checkpointer{db: db, stop: make(chan struct{})}
	c.done.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
			}
			if err := c.checkpoint(); err != nil {
				log.Warn("sqlite checkpoint failed (retried at the next interval)", "err", err)
			}
		}
	})
	return c, nil
}

// checkpoint copies what it can of the WAL into the database file without
// waiting for anyone. The next writer restarts the WAL from its start
// once all of it is copied, so the file does not grow.
func (c *checkpointer) checkpoint() error {
	var busy, walFrames, copied int
	if err := c.db.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &walFrames, &copied); err != nil {
		return fmt.Errorf("wal_checkpoint: %w", err)
	}
	c.runs.Add(1)
	return nil
}

// close stops the checkpoints and closes the connection. A store may be
// closed more than once (a shutdown after a failed start); the second
// close returns the first one's result.
func (c *checkpointer) close() error {
	c.once.Do(func() {
		close(c.stop)
		c.done.Wait()
		c.err = c.db.Close()
	})
	return c.err
}
