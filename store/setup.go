package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SetupStateSlots bounds the setup states kept at once. States take the
// slots in turn, a new one replacing the oldest: however often anonymous
// visitors load /setup, the table holds at most this many rows, each load
// costs a counter update and an insert, and a state is only lost after
// this many newer ones.
const SetupStateSlots = 1024

// Errors of ConsumeSetupState.
var (
	// ErrSetupStateUnknown: the state was never issued, was already
	// redeemed, or was replaced after SetupStateSlots newer ones.
	ErrSetupStateUnknown = errors.New("unknown or already used setup state")
	// ErrSetupStateExpired: the state was issued but its time ran out.
	ErrSetupStateExpired = errors.New("expired setup state")
)

// CreateSetupState records state, redeemable once until expires. States
// should be random (at least 128 bits); a state whose slot is reused
// (SetupStateSlots newer states) before it is redeemed is gone.
func (s *Store) CreateSetupState(ctx context.Context, state string, expires time.Time) error {
	return s.createState(ctx, setupStates, state, expires)
}

// ConsumeSetupState redeems state: it is deleted in the same statement
// that finds it, so of any number of concurrent redeems (on any replica)
// exactly one succeeds. It returns ErrSetupStateUnknown or
// ErrSetupStateExpired (wrapped) when state is not redeemable at now.
func (s *Store) ConsumeSetupState(ctx context.Context, state string, now time.Time) error {
	return s.consumeState(ctx, setupStates, state, now)
}

// PruneSetupStates deletes the states expired at now and returns how many.
// The table is bounded by SetupStateSlots anyway; pruning keeps expired
// hashes from lingering.
func (s *Store) PruneSetupStates(ctx context.Context, now time.Time) (int64, error) {
	return s.pruneStates(ctx, setupStates, now)
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

// SetSetupCredentials stores, with the record ClaimSetup made in tx, the
// credentials of the app the setup flow created (opaque to the store), so
// every replica on the database can take them.
func (s *Store) SetSetupCredentials(ctx context.Context, tx *sql.Tx, creds []byte) error {
	res, err := s.exec(ctx, s.on(tx), `UPDATE coderready_setup SET credentials = ? WHERE id = 1`, creds)
	if err != nil {
		return fmt.Errorf("store the set-up app's credentials: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store the set-up app's credentials: %w", err)
	}
	if n != 1 {
		return errors.New("store the set-up app's credentials: no set-up app recorded")
	}
	return nil
}

// SetupCredentials returns what SetSetupCredentials stored; nil when the
// setup flow has not run, or stored none.
func (s *Store) SetupCredentials(ctx context.Context) ([]byte, error) {
	var b []byte
	err := s.queryRow(ctx, s.db, `SELECT credentials FROM coderready_setup WHERE id = 1`).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the set-up app's credentials: %w", err)
	}
	if len(b) == 0 {
		return nil, nil
	}
	return b, nil
}

// ForgetSetup deletes the record ClaimSetup made, so the setup flow may
// create an app again; forgetting when there is none is not an error.
func (s *Store) ForgetSetup(ctx context.Context) error {
	if _, err := s.exec(ctx, s.db, `DELETE FROM coderready_setup`); err != nil {
		return fmt.Errorf("forget the set-up app: %w", err)
	}
	return nil
}
