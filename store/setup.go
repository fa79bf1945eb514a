package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// SetupStateSlots bounds the setup states kept at once. A new state takes
// the slot its hash picks, replacing the state there: however often
// anonymous visitors load /setup, the table holds at most this many rows,
// and each load costs one insert.
const SetupStateSlots = 1024

// Errors of ConsumeSetupState.
var (
	// ErrSetupStateUnknown: the state was never issued, was already
	// redeemed, or was replaced by a newer one in its slot.
	ErrSetupStateUnknown = errors.New("unknown or already used setup state")
	// ErrSetupStateExpired: the state was issued but its time ran out.
	ErrSetupStateExpired = errors.New("expired setup state")
)

// setupStateKey is what the store keeps of a state: its SHA-256 (so a
// copy of the database holds no redeemable state) and the slot it picks.
func setupStateKey(state string) (hash []byte, slot int64) {
	h := sha256.Sum256([]byte(state))
	return h[:], int64(binary.BigEndian.Uint32(h[:4]) % SetupStateSlots)
}

// CreateSetupState records state, redeemable once until expires. States
// should be random (at least 128 bits): the slot is taken from the state's
// hash, and a state whose slot is reused before it is redeemed is gone.
func (s *Store) CreateSetupState(ctx context.Context, state string, expires time.Time) error {
	if state == "" {
		return errors.New("create setup state: empty state")
	}
	hash, slot := setupStateKey(state)
	_, err := s.exec(ctx, s.db, `INSERT INTO coderready_setup_states (slot, state_hash, expires_at) VALUES (?, ?, ?)
ON CONFLICT (slot) DO UPDATE SET state_hash = excluded.state_hash, expires_at = excluded.expires_at`,
		slot, hash, s.timeArg(expires))
	if err != nil {
		return fmt.Errorf("create setup state: %w", err)
	}
	return nil
}

// ConsumeSetupState redeems state: it is deleted in the same statement
// that finds it, so of any number of concurrent redeems (on any replica)
// exactly one succeeds. It returns ErrSetupStateUnknown or
// ErrSetupStateExpired (wrapped) when state is not redeemable at now.
func (s *Store) ConsumeSetupState(ctx context.Context, state string, now time.Time) error {
	hash, _ := setupStateKey(state)
	var exp dbTime
	err := s.queryRow(ctx, s.db, `DELETE FROM coderready_setup_states WHERE state_hash = ? RETURNING expires_at`, hash).Scan(&exp)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("redeem setup state: %w", ErrSetupStateUnknown)
	}
	if err != nil {
		return fmt.Errorf("redeem setup state: %w", err)
	}
	if !now.Before(exp.t) {
		return fmt.Errorf("redeem setup state (expired at %s): %w", exp.t.Format(time.RFC3339), ErrSetupStateExpired)
	}
	return nil
}

// PruneSetupStates deletes the states expired at now and returns how many.
// The table is bounded by SetupStateSlots anyway; pruning keeps expired
// hashes from lingering.
func (s *Store) PruneSetupStates(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.exec(ctx, s.db, `DELETE FROM coderready_setup_states WHERE expires_at <= ?`, s.timeArg(now))
	if err != nil {
		return 0, fmt.Errorf("prune setup states: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune setup states: %w", err)
	}
	return n, nil
}

// SetupRecord is the app the setup flow created.
type SetupRecord struct {
	// AppID is the GitHub App's ID.
	AppID int64
	// CompletedAt is when the setup flow stored it.
	CompletedAt time.Time
}

// ClaimSetup records that the setup flow created app appID, unless an app
// was already recorded: then it changes nothing and reports false (of
// concurrent claims on any replica exactly one wins). A successful claim
// also drops every outstanding setup state, which can no longer be
// redeemed. Call it in the transaction that stores the app's credentials
// (InTx), so the claim and the credentials exist together or not at all.
func (s *Store) ClaimSetup(ctx context.Context, tx *sql.Tx, appID int64, now time.Time) (claimed bool, err error) {
	q := s.on(tx)
	res, err := s.exec(ctx, q, `INSERT INTO coderready_setup (id, app_id, completed_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING`,
		appID, s.timeArg(now))
	if err != nil {
		return false, fmt.Errorf("record the set-up app %d: %w", appID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record the set-up app %d: %w", appID, err)
	}
	if n == 0 {
		return false, nil
	}
	if _, err := s.exec(ctx, q, `DELETE FROM coderready_setup_states`); err != nil {
		return false, fmt.Errorf("drop setup states: %w", err)
	}
	return true, nil
}

// SetupDone returns the app the setup flow recorded, if any.
func (s *Store) SetupDone(ctx context.Context) (rec SetupRecord, ok bool, err error) {
	var at dbTime
	err = s.queryRow(ctx, s.db, `SELECT app_id, completed_at FROM coderready_setup WHERE id = 1`).Scan(&rec.AppID, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return SetupRecord{}, false, nil
	}
	if err != nil {
		return SetupRecord{}, false, fmt.Errorf("read the set-up app: %w", err)
	}
	rec.CompletedAt = at.t
	return rec, true, nil
}

// ForgetSetup deletes the record ClaimSetup made, so the setup flow may
// create an app again; forgetting when there is none is not an error.
func (s *Store) ForgetSetup(ctx context.Context) error {
	if _, err := s.exec(ctx, s.db, `DELETE FROM coderready_setup`); err != nil {
		return fmt.Errorf("forget the set-up app: %w", err)
	}
	return nil
}
