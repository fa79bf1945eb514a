package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// stateTable is a table of single-use states: CSRF states a browser
// carries to GitHub and back (the setup flow's, the status page's
// sign-in). Each kind has a table of its own, so a state issued for one
// flow is never redeemed by the other. A state is kept as its SHA-256 (a
// copy of the database holds no redeemable state) in a fixed number of
// slots taken in turn, so anonymous visitors cannot grow the table past
// its slots and a state is only lost to SetupStateSlots newer ones.
type stateTable struct {
	// table is the table's name (a constant, never input).
	table string
	// what names the states in errors ("setup state").
	what string
	// unknown and expired are the errors consumeState wraps.
	unknown, expired error
}

// setupStates are the setup (manifest) flow's states.
var setupStates = stateTable{table: "coderready_setup_states", what: "setup state", unknown: ErrSetupStateUnknown, expired: ErrSetupStateExpired}

// stateHash is what the store keeps of a state: its SHA-256.
func stateHash(state string) []byte {
	h := sha256.Sum256([]byte(state))
	return h[:]
}

// createState records state in t, redeemable once until expires, in the
// next slot of t's ring, replacing the oldest state. The counter is taken
// in its own statement, which every replica's concurrent issues pass one
// at a time, so two states issued together never share a slot; a crash
// between the two statements only skips a slot.
func (s *Store) createState(ctx context.Context, t stateTable, state string, expires time.Time) error {
	if state == "" {
		return fmt.Errorf("create %s: empty state", t.what)
	}
	var issued int64
	if err := s.queryRow(ctx, s.db, `UPDATE coderready_state_ring SET issued = issued + 1 WHERE state_table = ? RETURNING issued`,
		t.table).Scan(&issued); err != nil {
		return fmt.Errorf("create %s: take a slot: %w", t.what, err)
	}
	_, err := s.exec(ctx, s.db, `INSERT INTO `+t.table+` (slot, state_hash, expires_at) VALUES (?, ?, ?)
ON CONFLICT (slot) DO UPDATE SET state_hash = excluded.state_hash, expires_at = excluded.expires_at`,
		issued%SetupStateSlots, stateHash(state), s.timeArg(expires))
	if err != nil {
		return fmt.Errorf("create %s: %w", t.what, err)
	}
	return nil
}

// consumeState redeems state from t: it is deleted in the statement that
// finds it, so of concurrent redeems (on any replica) exactly one
// succeeds. It wraps t.unknown or t.expired when state is not redeemable
// at now.
func (s *Store) consumeState(ctx context.Context, t stateTable, state string, now time.Time) error {
	var exp dbTime
	err := s.queryRow(ctx, s.db, `DELETE FROM `+t.table+` WHERE state_hash = ? RETURNING expires_at`, stateHash(state)).Scan(&exp)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("redeem %s: %w", t.what, t.unknown)
	}
	if err != nil {
		return fmt.Errorf("redeem %s: %w", t.what, err)
	}
	if !now.Before(exp.t) {
		return fmt.Errorf("redeem %s (expired at %s): %w", t.what, exp.t.Format(time.RFC3339), t.expired)
	}
	return nil
}

// pruneStates deletes t's states expired at now and returns how many.
func (s *Store) pruneStates(ctx context.Context, t stateTable, now time.Time) (int64, error) {
	res, err := s.exec(ctx, s.db, `DELETE FROM `+t.table+` WHERE expires_at <= ?`, s.timeArg(now))
	if err != nil {
		return 0, fmt.Errorf("prune %ss: %w", t.what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune %ss: %w", t.what, err)
	}
	return n, nil
}

// Errors of ConsumeLoginState.
var (
	// ErrLoginStateUnknown: the sign-in state was never issued, was
	// already redeemed, or was replaced after SetupStateSlots newer ones.
	ErrLoginStateUnknown = errors.New("unknown or already used sign-in state")
	// ErrLoginStateExpired: the sign-in state's time ran out.
	ErrLoginStateExpired = errors.New("expired sign-in state")
)

// loginStates are the status page's sign-in states.
var loginStates = stateTable{table: "coderready_login_states", what: "sign-in state", unknown: ErrLoginStateUnknown, expired: ErrLoginStateExpired}

// CreateLoginState records a sign-in state (the OAuth state sent to
// GitHub), redeemable once until expires. Like setup states, states should
// be random and the table holds at most SetupStateSlots of them.
func (s *Store) CreateLoginState(ctx context.Context, state string, expires time.Time) error {
	return s.createState(ctx, loginStates, state, expires)
}

// ConsumeLoginState redeems a sign-in state once, on any replica; it
// wraps ErrLoginStateUnknown or ErrLoginStateExpired when state is not
// redeemable at now.
func (s *Store) ConsumeLoginState(ctx context.Context, state string, now time.Time) error {
	return s.consumeState(ctx, loginStates, state, now)
}

// PruneLoginStates deletes the sign-in states expired at now and returns
// how many.
func (s *Store) PruneLoginStates(ctx context.Context, now time.Time) (int64, error) {
	return s.pruneStates(ctx, loginStates, now)
}
