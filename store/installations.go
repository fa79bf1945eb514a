package store

import (
	"context"
	"fmt"
	"time"
)

// Installation is an installation of the GitHub App, as installation
// events last described it.
type Installation struct {
	// ID is GitHub's installation ID.
	ID int64
	// Account is the login of the user or organisation it is installed on.
	Account string
	// Suspended is true while the installation is suspended.
	Suspended bool
	// UpdatedAt is when the store last wrote it.
	UpdatedAt time.Time
}

// SetInstallation records installation id on account, suspended or not
// (installation created, suspend, unsuspend, new_permissions_accepted).
func (s *Store) SetInstallation(ctx context.Context, id int64, account string, suspended bool) error {
	_, err := s.exec(ctx, s.db, `INSERT INTO coderready_installations (id, account, suspended, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET account = excluded.account, suspended = excluded.suspended, updated_at = excluded.updated_at`,
		id, account, suspended, s.timeArg(time.Now()))
	if err != nil {
		return fmt.Errorf("record installation %d (%s): %w", id, account, err)
	}
	return nil
}

// DeleteInstallation forgets installation id (installation deleted);
// forgetting an unknown one is not an error.
func (s *Store) DeleteInstallation(ctx context.Context, id int64) error {
	if _, err := s.exec(ctx, s.db, `DELETE FROM coderready_installations WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete installation %d: %w", id, err)
	}
	return nil
}

// Installations returns the recorded installations by ID.
func (s *Store) Installations(ctx context.Context) ([]Installation, error) {
	rows, err := s.query(ctx, s.db, `SELECT id, account, suspended, updated_at FROM coderready_installations ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("installations: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := []Installation{}
	for rows.Next() {
		var (
			in Installation
			at dbTime
		)
		if err := rows.Scan(&in.ID, &in.Account, &in.Suspended, &at); err != nil {
			return nil, fmt.Errorf("installations: %w", err)
		}
		in.UpdatedAt = at.t
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("installations: %w", err)
	}
	return out, nil
}
