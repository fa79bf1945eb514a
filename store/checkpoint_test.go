package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSQLiteCheckpointsOffTheSharedConnection: the store's connection
// checkpoints in its commits only every walCheckpointPages (not SQLite's
// 1000), what is committed reaches the database file, copied by the
// checkpointer's own connection, and under a steady stream of commits the
// WAL stays bounded.
func TestSQLiteCheckpointsOffTheSharedConnection(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, Options{DataDir: dir})
	ctx := t.Context()
	var auto int
	if err := s.DB().QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != walCheckpointPages {
		t.Errorf("the shared connection checkpoints every %d pages in its commits, want %d", auto, walCheckpointPages)
	}
	dbFile := filepath.Join(dir, SQLiteFile)
	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size(dbFile)
	// 4 MiB of payloads, one transaction each, as deliveries arrive.
	payload := bytes.Repeat([]byte(`{"action":"labeled"}`), 1<<10)
	const n = 200
	for i := range n {
		if _, err := s.RecordDeliveryPayload(ctx, nil, fmt.Sprint("ckpt-", i), "pull_request", "labeled", payload); err != nil {
			t.Fatal(err)
		}
	}
	want := before + n*int64(len(payload))
	deadline := time.Now().Add(30 * time.Second)
	for size(dbFile) < want {
		if time.Now().After(deadline) {
			t.Fatalf("%s is %d bytes 30 s after the commits, want at least %d: the WAL was not checkpointed into it", dbFile, size(dbFile), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// 40 MiB more in rounds of 4: the WAL never holds much more than
	// walCheckpointPages and one round. Each round waits for the
	// checkpointer to have run after it (on a loaded machine its ticks
	// come late; what is asserted is that they keep the WAL bounded).
	limit := int64(walCheckpointPages)*(4096+24) + n*int64(len(payload))
	for round := range 10 {
		for i := range n {
			if _, err := s.RecordDeliveryPayload(ctx, nil, fmt.Sprint("ckpt-", round, "-", i), "pull_request", "labeled", payload); err != nil {
				t.Fatal(err)
			}
		}
		ran := s.ckpt.runs.Load()
		for deadline := time.Now().Add(30 * time.Second); s.ckpt.runs.Load() < ran+2; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the checkpointer did not run for 30 s")
			}
		}
		if wal := size(dbFile + "-wal"); wal > limit {
			t.Fatalf("after %d MiB more the WAL is %d bytes, want at most %d", (round+1)*n*len(payload)>>20, wal, limit)
		}
	}
	if p, err := s.DeliveryPayload(ctx, "ckpt-7"); err != nil || !bytes.Equal(p, payload) {
		t.Errorf("DeliveryPayload(ckpt-7) = %d bytes, %v; want the payload back", len(p), err)
	}
}

// TestSQLiteStoreClosesTwice: a shutdown after a failed start closes the
// store a second time; that returns the first close's result instead of
// panicking in the checkpointer.
func TestSQLiteStoreClosesTwice(t *testing.T) {
	s := openTest(t, Options{DataDir: t.TempDir()})
	if err := s.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
