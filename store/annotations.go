package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Annotations returns what the store knows of check run id's annotations
// of repo, by key: true when GitHub answered the request that carried it,
// false when that request was about to be sent (its fate is unknown).
func (s *Store) Annotations(ctx context.Context, repo string, id int64) (map[string]bool, error) {
	rows, err := s.query(ctx, s.db, `SELECT key, posted FROM coderready_annotations WHERE repo = ? AND check_run_id = ?`, repo, id)
	if err != nil {
		return nil, fmt.Errorf("annotations of check run %d of %s: %w", id, repo, err)
	}
	defer func() { _ = rows.Close() }()
	out := map[string]bool{}
	for rows.Next() {
		var (
			k      string
			posted bool
		)
		if err := rows.Scan(&k, &posted); err != nil {
			return nil, fmt.Errorf("annotations of check run %d of %s: %w", id, repo, err)
		}
		out[k] = posted
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("annotations of check run %d of %s: %w", id, repo, err)
	}
	return out, nil
}

// SendingAnnotations records keys as about to be sent to check run id of
// repo, all or none. Keys already recorded as posted stay posted.
func (s *Store) SendingAnnotations(ctx context.Context, repo string, id int64, keys []string) error {
	return s.markAnnotations(ctx, repo, id, keys, false)
}

// PostedAnnotations records keys as posted to check run id of repo (GitHub
// answered, or a listing found them), all or none.
func (s *Store) PostedAnnotations(ctx context.Context, repo string, id int64, keys []string) error {
	return s.markAnnotations(ctx, repo, id, keys, true)
}

func (s *Store) markAnnotations(ctx context.Context, repo string, id int64, keys []string, posted bool) error {
	if len(keys) == 0 {
		return nil
	}
	now := s.timeArg(time.Now())
	// A posted key never goes back to sending: what GitHub holds, it keeps.
	upsert := `INSERT INTO coderready_annotations (repo, check_run_id, key, posted, updated_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (repo, check_run_id, key) DO NOTHING`
	if posted {
		upsert = `INSERT INTO coderready_annotations (repo, check_run_id, key, posted, updated_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (repo, check_run_id, key) DO UPDATE SET posted = excluded.posted, updated_at = excluded.updated_at`
	}
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		for _, k := range keys {
			if _, err := s.exec(ctx, tx, upsert, repo, id, k, posted, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record %d annotations of check run %d of %s: %w", len(keys), id, repo, err)
	}
	return nil
}

// ForgetSendingAnnotations deletes the keys of check run id of repo that
// are recorded as about to be sent but not posted: a listing showed that
// GitHub does not hold them, so they are to be sent again.
func (s *Store) ForgetSendingAnnotations(ctx context.Context, repo string, id int64) error {
	if _, err := s.exec(ctx, s.db, `DELETE FROM coderready_annotations WHERE repo = ? AND check_run_id = ? AND posted = ?`, repo, id, false); err != nil {
		return fmt.Errorf("forget unsent annotations of check run %d of %s: %w", id, repo, err)
	}
	return nil
}
