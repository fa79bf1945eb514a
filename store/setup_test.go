package store

import (
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func countSetupStates(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRowContext(t.Context(), `SELECT count(*) FROM coderready_setup_states`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSetupStates(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		ctx := t.Context()
		s := openTest(t, opts)
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		exp := now.Add(10 * time.Minute)
		for _, st := range []string{"good", "expiring", "raced"} {
			if err := s.CreateSetupState(ctx, st, exp); err != nil {
				t.Fatal(err)
			}
		}
		cases := []struct {
			name  string
			state string
			at    time.Time
			want  error
		}{
			{"fresh", "good", now, nil},
			{"reused", "good", now, ErrSetupStateUnknown},
			{"never issued", "forged", now, ErrSetupStateUnknown},
			{"empty", "", now, ErrSetupStateUnknown},
			{"at its expiry", "expiring", exp, ErrSetupStateExpired},
			{"expired, then again", "expiring", exp, ErrSetupStateUnknown},
		}
		for _, c := range cases {
			err := s.ConsumeSetupState(ctx, c.state, c.at)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Errorf("%s: ConsumeSetupState(%q) = %v, want %v", c.name, c.state, err, c.want)
			}
		}
		if err := s.CreateSetupState(ctx, "", exp); err == nil {
			t.Error("an empty state was stored")
		}

		// Concurrent redeems of one state: exactly one wins.
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				err := s.ConsumeSetupState(ctx, "raced", now)
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, ErrSetupStateUnknown):
					t.Errorf("concurrent redeem: %v", err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("%d concurrent redeems of one state succeeded, want 1", wins.Load())
		}
	})
}

// TestSetupStatesBounded loads /setup's insert more times than there are
// slots: the table never holds more than SetupStateSlots rows, a new state
// replaces exactly the oldest one (never a random one), and pruning
// removes the expired ones.
func TestSetupStatesBounded(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		ctx := t.Context()
		s := openTest(t, opts)
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		// The oldest state lives; the rest of the slots fill with expired ones.
		if err := s.CreateSetupState(ctx, "oldest", now.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		for i := range SetupStateSlots - 1 {
			if err := s.CreateSetupState(ctx, fmt.Sprint("old-", i), now.Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		if n := countSetupStates(t, s); n != SetupStateSlots {
			t.Fatalf("%d states after %d issues, want every slot used", n, SetupStateSlots)
		}
		if err := s.CreateSetupState(ctx, "newest", now.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n := countSetupStates(t, s); n != SetupStateSlots {
			t.Errorf("%d states after %d issues, want %d", n, SetupStateSlots+1, SetupStateSlots)
		}
		if err := s.ConsumeSetupState(ctx, "oldest", now); !errors.Is(err, ErrSetupStateUnknown) {
			t.Errorf("the oldest state after a full ring of newer ones: %v, want %v", err, ErrSetupStateUnknown)
		}
		if err := s.ConsumeSetupState(ctx, "old-0", now); !errors.Is(err, ErrSetupStateExpired) {
			t.Errorf("the second oldest state: %v, want it kept (and expired)", err)
		}
		pruned, err := s.PruneSetupStates(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if pruned != SetupStateSlots-2 || countSetupStates(t, s) != 1 {
			t.Errorf("pruned %d, %d left; want %d pruned and the newest left", pruned, countSetupStates(t, s), SetupStateSlots-2)
		}
		if err := s.ConsumeSetupState(ctx, "newest", now); err != nil {
			t.Errorf("newest state: %v", err)
		}
	})
}

// TestSetupStatesConcurrentIssues: states issued at once through two
// stores (replicas) never take each other's slot: every one is redeemable.
func TestSetupStatesConcurrentIssues(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		ctx := t.Context()
		stores := []*Store{openTest(t, opts), openTest(t, opts)}
		now := time.Now()
		const n = 64
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = stores[i%2].CreateSetupState(ctx, fmt.Sprint("state-", i), now.Add(time.Minute)) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("issue %d: %v", i, err)
			}
		}
		for i := range n {
			if err := stores[(i+1)%2].ConsumeSetupState(ctx, fmt.Sprint("state-", i), now); err != nil {
				t.Errorf("state %d, issued with %d others at once: %v", i, n-1, err)
			}
		}
	})
}

// TestSetupStatesAcrossStores: a state issued through one store (replica)
// is redeemed through another on the same database, once.
func TestSetupStatesAcrossStores(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		ctx := t.Context()
		a, b := openTest(t, opts), openTest(t, opts)
		now := time.Now()
		if err := a.CreateSetupState(ctx, "shared", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := b.ConsumeSetupState(ctx, "shared", now); err != nil {
			t.Errorf("redeem on the other store: %v", err)
		}
		if err := a.ConsumeSetupState(ctx, "shared", now); !errors.Is(err, ErrSetupStateUnknown) {
			t.Errorf("second redeem on the first store: %v, want ErrSetupStateUnknown", err)
		}
	})
}

func TestClaimSetup(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		ctx := t.Context()
		s, other := openTest(t, opts), openTest(t, opts)
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		if _, ok, err := s.SetupDone(ctx); ok || err != nil {
			t.Fatalf("SetupDone on a new database: %v, %v", ok, err)
		}
		// A claim whose transaction fails leaves nothing.
		boom := errors.New("could not write the key")
		err := s.InTx(ctx, func(tx *sql.Tx) error {
			if ok, err := s.ClaimSetup(ctx, tx, 7, now); !ok || err != nil {
				t.Fatalf("claim: %v, %v", ok, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if _, ok, _ := s.SetupDone(ctx); ok {
			t.Error("a rolled-back claim was kept")
		}

		if err := s.CreateSetupState(ctx, "outstanding", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		// Concurrent claims from two stores: exactly one wins.
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 6 {
			st := s
			if i%2 == 1 {
				st = other
			}
			wg.Go(func() {
				ok, err := st.ClaimSetup(ctx, nil, int64(100+i), now)
				if err != nil {
					t.Errorf("claim %d: %v", i, err)
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d claims won, want 1", wins.Load())
		}
		rec, ok, err := other.SetupDone(ctx)
		if !ok || err != nil || rec.AppID < 100 || !rec.CompletedAt.Equal(now) {
			t.Errorf("SetupDone = %+v, %v, %v", rec, ok, err)
		}
		if err := s.ConsumeSetupState(ctx, "outstanding", now); !errors.Is(err, ErrSetupStateUnknown) {
			t.Errorf("a state issued before the claim: %v, want ErrSetupStateUnknown", err)
		}
		if err := s.ForgetSetup(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.ClaimSetup(ctx, nil, 9, now); !ok || err != nil {
			t.Errorf("claim after ForgetSetup: %v, %v", ok, err)
		}
	})
}

// TestSetupCredentialsAcrossStores: what one replica's setup stored with
// its claim, another replica on the database reads; nothing before.
func TestSetupCredentialsAcrossStores(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		ctx := t.Context()
		a, b := openTest(t, opts), openTest(t, opts)
		if got, err := b.SetupCredentials(ctx); err != nil || got != nil {
			t.Fatalf("before setup: %q, %v", got, err)
		}
		err := a.InTx(ctx, func(tx *sql.Tx) error {
			if err := a.SetSetupCredentials(ctx, tx, []byte(`{"app_id":1}`)); err == nil {
				return errors.New("credentials stored without a claim")
			}
			if _, err := a.ClaimSetup(ctx, tx, 7, time.Now()); err != nil {
				return err
			}
			return a.SetSetupCredentials(ctx, tx, []byte(`{"app_id":7,"pem":"KEY"}`))
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.SetupCredentials(ctx)
		if err != nil || string(got) != `{"app_id":7,"pem":"KEY"}` {
			t.Errorf("the other store reads %q, %v", got, err)
		}
	})
}
