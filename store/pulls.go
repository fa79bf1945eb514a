package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SetPullHead records sha as the head of pull request pr of repo
// ("owner/name", compared exactly as given) and returns the head it
// replaces: "" when the pull request was new or its head was already sha.
// A non-empty result is a superseded head whose job and check runs the
// caller cancels. Concurrent calls for the same pull request are
// serialised: each sees the head the previous one wrote. A nil tx runs it
// in a transaction of its own.
func (s *Store) SetPullHead(ctx context.Context, tx *sql.Tx, repo string, pr int, sha string) (previous string, err error) {
	if repo == "" || pr <= 0 || sha == "" {
		return "", fmt.Errorf("set pull head: need repo, PR number and SHA (got %q, %d, %q)", repo, pr, sha)
	}
	if tx == nil {
		err := s.InTx(ctx, func(tx *sql.Tx) error {
			previous, err = s.SetPullHead(ctx, tx, repo, pr, sha)
			return err
		})
		return previous, err
	}
	now := s.timeArg(time.Now())
	// Insert first: a new pull request is done in one statement, and a
	// concurrent inserter of the same one waits on the key, then finds the
	// row below. Otherwise lock the row (PostgreSQL; a SQLite transaction
	// already holds the database's write lock) and read the old head.
	res, err := s.exec(ctx, tx, `INSERT INTO coderready_pull_heads (repo, pr, head_sha, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (repo, pr) DO NOTHING`, repo, pr, sha, now)
	if err != nil {
		return "", fmt.Errorf("set head of %s#%d: %w", repo, pr, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return "", fmt.Errorf("set head of %s#%d: %w", repo, pr, err)
	} else if n == 1 {
		return "", nil
	}
	sel := `SELECT head_sha FROM coderready_pull_heads WHERE repo = ? AND pr = ?`
	if s.dialect == DialectPostgres {
		sel += ` FOR UPDATE`
	}
	var old string
	if err := s.queryRow(ctx, tx, sel, repo, pr).Scan(&old); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("set head of %s#%d: row vanished (deleted concurrently)", repo, pr)
		}
		return "", fmt.Errorf("set head of %s#%d: %w", repo, pr, err)
	}
	if old == sha {
		return "", nil
	}
	if _, err := s.exec(ctx, tx, `UPDATE coderready_pull_heads SET head_sha = ?, updated_at = ? WHERE repo = ? AND pr = ?`,
		sha, now, repo, pr); err != nil {
		return "", fmt.Errorf("set head of %s#%d: %w", repo, pr, err)
	}
	return old, nil
}

// PullsForHead returns the pull requests of repo whose recorded head is
// sha, in ascending order (several PRs may share a head; none is an empty
// slice).
func (s *Store) PullsForHead(ctx context.Context, repo, sha string) ([]int, error) {
	rows, err := s.query(ctx, s.db, `SELECT pr FROM coderready_pull_heads WHERE repo = ? AND head_sha = ? ORDER BY pr`, repo, sha)
	if err != nil {
		return nil, fmt.Errorf("pull requests of %s at %s: %w", repo, sha, err)
	}
	defer func() { _ = rows.Close() }()
	prs := []int{}
	for rows.Next() {
		var pr int
		if err := rows.Scan(&pr); err != nil {
			return nil, fmt.Errorf("pull requests of %s at %s: %w", repo, sha, err)
		}
		prs = append(prs, pr)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pull requests of %s at %s: %w", repo, sha, err)
	}
	return prs, nil
}
