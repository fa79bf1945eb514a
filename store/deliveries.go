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
	if id == "" {
		return false, errors.New("record delivery: empty delivery ID")
	}
	res, err := s.exec(ctx, s.on(tx), `INSERT INTO coderready_deliveries (id, event, action, received_at) VALUES (?, ?, ?, ?)
ON CONFLICT (id) DO NOTHING`, id, event, action, s.timeArg(time.Now()))
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
