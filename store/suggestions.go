package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PostedSuggestions returns the fingerprints of the review suggestions
// already posted on pull request pr of repo.
func (s *Store) PostedSuggestions(ctx context.Context, repo string, pr int) (map[string]bool, error) {
	rows, err := s.query(ctx, s.db, `SELECT fingerprint FROM coderready_suggestions WHERE repo = ? AND pr = ?`, repo, pr)
	if err != nil {
		return nil, fmt.Errorf("suggestions posted on %s#%d: %w", repo, pr, err)
	}
	defer func() { _ = rows.Close() }()
	posted := map[string]bool{}
	for rows.Next() {
		var fp string
		if err := rows.Scan(&fp); err != nil {
			return nil, fmt.Errorf("suggestions posted on %s#%d: %w", repo, pr, err)
		}
		posted[fp] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("suggestions posted on %s#%d: %w", repo, pr, err)
	}
	return posted, nil
}

// AddPostedSuggestions records fingerprints as posted on pull request pr of
// repo, all or none; ones already recorded are kept as they are.
func (s *Store) AddPostedSuggestions(ctx context.Context, repo string, pr int, fingerprints []string) error {
	if len(fingerprints) == 0 {
		return nil
	}
	now := s.timeArg(time.Now())
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		for _, fp := range fingerprints {
			if _, err := s.exec(ctx, tx, `INSERT INTO coderready_suggestions (repo, pr, fingerprint, posted_at) VALUES (?, ?, ?, ?)
ON CONFLICT (repo, pr, fingerprint) DO NOTHING`, repo, pr, fp, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record suggestions posted on %s#%d: %w", repo, pr, err)
	}
	return nil
}

// ForgetSuggestions forgets that the suggestions with fingerprints were
// posted on pull request pr of repo: the app withdrew them (their finding
// is gone), so one that comes back is suggested again. Fingerprints not
// recorded are ignored.
func (s *Store) ForgetSuggestions(ctx context.Context, repo string, pr int, fingerprints []string) error {
	if len(fingerprints) == 0 {
		return nil
	}
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		for _, fp := range fingerprints {
			if _, err := s.exec(ctx, tx, `DELETE FROM coderready_suggestions WHERE repo = ? AND pr = ? AND fingerprint = ?`, repo, pr, fp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("forget suggestions on %s#%d: %w", repo, pr, err)
	}
	return nil
}
