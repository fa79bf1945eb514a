package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// RecordDelivery records the webhook delivery id (the X-GitHub-Delivery
// header) and reports whether it is new. A redelivery — GitHub's manual
// "Redeliver" keeps the ID — reports false and changes nothing, also when
// two requests race: exactly one of them sees true. Call it in the
// transaction that queues the delivery's job (InTx + River's InsertTx), so
// a delivery is recorded if and only if its job is queued. A nil tx runs it
// on its own.
func (s *Store) RecordDelivery(ctx context.Context, tx *sql.Tx, id, event, action string) (isNew bool, err error) {
	return s.RecordDeliveryPayload(ctx, tx, id, event, action, nil)
}

// RecordDeliveryPayload is RecordDelivery keeping the delivery's payload
// until DeliveryPayload has served it and ClearDeliveryPayload dropped it:
// the queue's job then carries only the ID, which keeps the insert that
// the webhook waits for small.
func (s *Store) RecordDeliveryPayload(ctx context.Context, tx *sql.Tx, id, event, action string, payload []byte) (isNew bool, err error) {
	if id == "" {
		return false, errors.New("record delivery: empty delivery ID")
	}
	res, err := s.exec(ctx, s.on(tx), `INSERT INTO coderready_deliveries (id, event, action, received_at, payload) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (id) DO NOTHING`, id, event, action, s.timeArg(time.Now()), payload)
	if err != nil {
		return false, fmt.Errorf("record delivery %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record delivery %s: %w", id, err)
	}
	return n == 1, nil
}

// PruneDeliveries forgets deliveries received more than olderThan ago and
// returns how many. Deliveries are otherwise kept forever; a delivery
// redelivered after it was pruned is processed again.
func (s *Store) PruneDeliveries(ctx context.Context, olderThan time.Duration) (int64, error) {
	if olderThan < 0 {
		return 0, fmt.Errorf("prune deliveries: negative age %s", olderThan)
	}
	res, err := s.exec(ctx, s.db, `DELETE FROM coderready_deliveries WHERE received_at < ?`, s.timeArg(time.Now().Add(-olderThan)))
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	return n, nil
}

// ErrNoPayload is returned for a delivery whose payload is not kept.
var ErrNoPayload = errors.New("no payload kept for the delivery")

// DeliveryPayload returns the payload RecordDeliveryPayload kept.
func (s *Store) DeliveryPayload(ctx context.Context, id string) ([]byte, error) {
	var b []byte
	err := s.queryRow(ctx, s.db, `SELECT payload FROM coderready_deliveries WHERE id = ?`, id).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && b == nil) {
		return nil, fmt.Errorf("delivery %s: %w", id, ErrNoPayload)
	}
	if err != nil {
		return nil, fmt.Errorf("delivery %s: %w", id, err)
	}
	return b, nil
}

// ClearDeliveryPayload drops a routed delivery's payload (its ID stays, for
// deduplication).
func (s *Store) ClearDeliveryPayload(ctx context.Context, id string) error {
	if _, err := s.exec(ctx, s.db, `UPDATE coderready_deliveries SET payload = NULL WHERE id = ?`, id); err != nil {
		return fmt.Errorf("clear delivery %s: %w", id, err)
	}
	return nil
}
