package store

import (
	"context"
	"fmt"
	"time"
)

// Check-run statuses as GitHub names them.
const (
	StatusQueued     = "queued"
	StatusInProgress = "in_progress"
	StatusCompleted  = "completed"
)

// CheckRun is a GitHub check run created for a head SHA of a repository.
// There is one per (Repo, HeadSHA, Name); a re-run creates a new check run
// on GitHub with the same name, and saving it replaces the ID.
type CheckRun struct {
	// Repo is "owner/name", compared exactly as given.
	Repo string
	// HeadSHA is the commit the check run reports on.
	HeadSHA string
	// Name is the check run's name, e.g. "coderready / .devcontainer/devcontainer.json".
	Name string
	// Target is the path of the Dockerfile or devcontainer.json checked.
	Target string
	// ID is GitHub's check-run ID.
	ID int64
	// Status is queued, in_progress or completed.
	Status string
	// Conclusion is set when Status is completed (success, failure,
	// neutral, cancelled, …).
	Conclusion string
	// HTMLURL is where GitHub shows the check run (empty when not known).
	HTMLURL string
	// UpdatedAt is when the store last wrote the row (set by the store).
	UpdatedAt time.Time
	// CreatedAt is when the store first saved the check run under its
	// current ID, and CompletedAt when it first saw it completed (zero
	// while it is not): its duration as this server saw it. Both are set
	// by the store.
	CreatedAt, CompletedAt time.Time
}

// Duration is how long the check run took from its creation to its
// completion, as the store saw them; zero while it is not completed or a
// time is unknown (rows written before the store kept them).
func (cr CheckRun) Duration() time.Duration {
	if cr.CreatedAt.IsZero() || cr.CompletedAt.IsZero() || cr.CompletedAt.Before(cr.CreatedAt) {
		return 0
	}
	return cr.CompletedAt.Sub(cr.CreatedAt)
}

// SaveCheckRun inserts cr, or replaces the check run stored under the same
// (Repo, HeadSHA, Name): its ID, target, status, conclusion and URL. An empty
// Status is saved as queued. UpdatedAt is set to now; CreatedAt too when
// the ID is new, and CompletedAt when the status becomes completed.
func (s *Store) SaveCheckRun(ctx context.Context, cr CheckRun) error {
	if cr.Repo == "" || cr.HeadSHA == "" || cr.Name == "" {
		return fmt.Errorf("save check run: need repo, head SHA and name (got %q, %q, %q)", cr.Repo, cr.HeadSHA, cr.Name)
	}
	if cr.Status == "" {
		cr.Status = StatusQueued
	}
	now := s.timeArg(time.Now())
	var completedAt any
	if cr.Status == StatusCompleted {
		completedAt = now
	}
	// The times of a row whose ID stays are kept: a save that repeats
	// what is stored does not restart or re-complete the check run.
	_, err := s.exec(ctx, s.db, `INSERT INTO coderready_check_runs (repo, head_sha, name, target, check_run_id, status, conclusion, html_url, updated_at, created_at, completed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (repo, head_sha, name) DO UPDATE SET
    target = excluded.target,
    check_run_id = excluded.check_run_id,
    status = excluded.status,
    conclusion = excluded.conclusion,
    html_url = excluded.html_url,
    updated_at = excluded.updated_at,
    created_at = CASE WHEN coderready_check_runs.check_run_id = excluded.check_run_id AND coderready_check_runs.created_at IS NOT NULL
        THEN coderready_check_runs.created_at ELSE excluded.created_at END,
    completed_at = CASE WHEN excluded.status <> 'completed' THEN NULL
        WHEN coderready_check_runs.check_run_id = excluded.check_run_id AND coderready_check_runs.completed_at IS NOT NULL
        THEN coderready_check_runs.completed_at ELSE excluded.completed_at END`,
		cr.Repo, cr.HeadSHA, cr.Name, cr.Target, cr.ID, cr.Status, cr.Conclusion, cr.HTMLURL, now, now, completedAt)
	if err != nil {
		return fmt.Errorf("save check run %q of %s@%s: %w", cr.Name, cr.Repo, cr.HeadSHA, err)
	}
	return nil
}

// CheckRuns returns the check runs stored for repo at sha, by name.
func (s *Store) CheckRuns(ctx context.Context, repo, sha string) ([]CheckRun, error) {
	runs, err := s.checkRuns(ctx, `WHERE repo = ? AND head_sha = ? ORDER BY name`, repo, sha)
	if err != nil {
		return nil, fmt.Errorf("check runs of %s@%s: %w", repo, sha, err)
	}
	return runs, nil
}

// OpenCheckRuns returns every stored check run not completed, oldest
// update first: what a crash or a superseded job may have left queued or in
// progress on GitHub.
func (s *Store) OpenCheckRuns(ctx context.Context) ([]CheckRun, error) {
	runs, err := s.checkRuns(ctx, `WHERE status <> 'completed' ORDER BY updated_at, repo, head_sha, name`)
	if err != nil {
		return nil, fmt.Errorf("open check runs: %w", err)
	}
	return runs, nil
}

// SetCheckRunStatus records the status and conclusion of check run id of
// repo (and, the first time it is completed, when). An ID the store no
// longer holds (a re-run replaced it) is ignored: there is nothing left to
// track.
func (s *Store) SetCheckRunStatus(ctx context.Context, repo string, id int64, status, conclusion string) error {
	if status == "" {
		return fmt.Errorf("set status of check run %d: empty status", id)
	}
	now := s.timeArg(time.Now())
	var completedAt any
	if status == StatusCompleted {
		completedAt = now
	}
	_, err := s.exec(ctx, s.db, `UPDATE coderready_check_runs SET status = ?, conclusion = ?, updated_at = ?,
    completed_at = CASE WHEN completed_at IS NOT NULL AND status = 'completed' THEN completed_at ELSE ? END
WHERE repo = ? AND check_run_id = ?`,
		status, conclusion, now, completedAt, repo, id)
	if err != nil {
		return fmt.Errorf("set status of check run %d of %s: %w", id, repo, err)
	}
	return nil
}

// checkRuns selects check runs with the given WHERE/ORDER clause.
func (s *Store) checkRuns(ctx context.Context, clause string, args ...any) ([]CheckRun, error) {
	rows, err := s.query(ctx, s.db, `SELECT repo, head_sha, name, target, check_run_id, status, conclusion, html_url, updated_at, created_at, completed_at FROM coderready_check_runs `+clause, args...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	runs := []CheckRun{}
	for rows.Next() {
		var (
			cr                CheckRun
			at, created, done dbTime
		)
		if err := rows.Scan(&cr.Repo, &cr.HeadSHA, &cr.Name, &cr.Target, &cr.ID, &cr.Status, &cr.Conclusion, &cr.HTMLURL, &at, &created, &done); err != nil {
			return nil, err
		}
		cr.UpdatedAt, cr.CreatedAt, cr.CompletedAt = at.t, created.t, done.t
		runs = append(runs, cr)
	}
	return runs, rows.Err()
}
