package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Review is a review the app posts on a pull request: recorded before it
// is sent (ID 0), finished with GitHub's ID once it is known.
type Review struct {
	// Marker is the unique text the review's body carries, by which a
	// listing of the pull request's reviews finds it.
	Marker string
	// Fingerprints are those of the suggestions it carries.
	Fingerprints []string
	// ID is GitHub's review ID; 0 while it is not known to be posted.
	ID int64
}

// BeginReview records the intent to post review rv on pull request pr of
// repo, before the request is sent.
func (s *Store) BeginReview(ctx context.Context, repo string, pr int, rv Review) error {
	if rv.Marker == "" || strings.ContainsAny(strings.Join(rv.Fingerprints, ""), " ") {
		return fmt.Errorf("begin review on %s#%d: need a marker and fingerprints without spaces", repo, pr)
	}
	_, err := s.exec(ctx, s.db, `INSERT INTO coderready_reviews (repo, pr, marker, fingerprints, review_id, created_at) VALUES (?, ?, ?, ?, 0, ?)`,
		repo, pr, rv.Marker, strings.Join(rv.Fingerprints, " "), s.timeArg(time.Now()))
	if err != nil {
		return fmt.Errorf("begin review on %s#%d: %w", repo, pr, err)
	}
	return nil
}

// PendingReviews returns the reviews of pull request pr of repo that were
// about to be sent and whose fate is unknown (a crash, a lost answer),
// oldest first.
func (s *Store) PendingReviews(ctx context.Context, repo string, pr int) ([]Review, error) {
	rows, err := s.query(ctx, s.db, `SELECT marker, fingerprints FROM coderready_reviews WHERE repo = ? AND pr = ? AND review_id = 0 ORDER BY created_at, marker`, repo, pr)
	if err != nil {
		return nil, fmt.Errorf("pending reviews of %s#%d: %w", repo, pr, err)
	}
	defer func() { _ = rows.Close() }()
	var out []Review
	for rows.Next() {
		var (
			rv  Review
			fps string
		)
		if err := rows.Scan(&rv.Marker, &fps); err != nil {
			return nil, fmt.Errorf("pending reviews of %s#%d: %w", repo, pr, err)
		}
		rv.Fingerprints = strings.Fields(fps)
		out = append(out, rv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending reviews of %s#%d: %w", repo, pr, err)
	}
	return out, nil
}

// FinishReview records that review rv (its ID set) on pull request pr of
// repo is posted, and its suggestions as posted, in one transaction. An
// intent another job dropped meanwhile (it listed the reviews before this
// one was made) is recorded again.
func (s *Store) FinishReview(ctx context.Context, repo string, pr int, rv Review) error {
	if rv.ID == 0 || rv.Marker == "" {
		return fmt.Errorf("finish review %q on %s#%d: need its marker and ID", rv.Marker, repo, pr)
	}
	now := s.timeArg(time.Now())
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, `INSERT INTO coderready_reviews (repo, pr, marker, fingerprints, review_id, created_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (repo, pr, marker) DO UPDATE SET review_id = excluded.review_id, fingerprints = excluded.fingerprints`,
			repo, pr, rv.Marker, strings.Join(rv.Fingerprints, " "), rv.ID, now); err != nil {
			return err
		}
		for _, fp := range rv.Fingerprints {
			if _, err := s.exec(ctx, tx, `INSERT INTO coderready_suggestions (repo, pr, fingerprint, posted_at) VALUES (?, ?, ?, ?)
ON CONFLICT (repo, pr, fingerprint) DO NOTHING`, repo, pr, fp, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finish review %s on %s#%d: %w", rv.Marker, repo, pr, err)
	}
	return nil
}

// DropReview forgets the intent to post the review with marker on pull
// request pr of repo: GitHub refused it, or a listing showed it was not
// made.
func (s *Store) DropReview(ctx context.Context, repo string, pr int, marker string) error {
	if _, err := s.exec(ctx, s.db, `DELETE FROM coderready_reviews WHERE repo = ? AND pr = ? AND marker = ? AND review_id = 0`, repo, pr, marker); err != nil {
		return fmt.Errorf("drop review %s on %s#%d: %w", marker, repo, pr, err)
	}
	return nil
}

// PostedReviews returns the GitHub IDs of the reviews the app posted (or
// adopted) on pull request pr of repo: their comments are the app's own.
func (s *Store) PostedReviews(ctx context.Context, repo string, pr int) (map[int64]bool, error) {
	rows, err := s.query(ctx, s.db, `SELECT review_id FROM coderready_reviews WHERE repo = ? AND pr = ? AND review_id <> 0`, repo, pr)
	if err != nil {
		return nil, fmt.Errorf("reviews posted on %s#%d: %w", repo, pr, err)
	}
	defer func() { _ = rows.Close() }()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("reviews posted on %s#%d: %w", repo, pr, err)
		}
		out[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reviews posted on %s#%d: %w", repo, pr, err)
	}
	return out, nil
}
