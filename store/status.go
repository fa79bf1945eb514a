package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Scope selects whose records the status queries return: every
// installation's (All), or only those of the installations listed. The
// zero Scope selects nothing, so a caller that forgets to fill it shows no
// one's data.
type Scope struct {
	// All selects every record, those of no known installation included.
	All bool
	// Installations are the IDs whose deliveries are selected.
	Installations []int64
	// Owners are the accounts (users or organizations, compared without
	// case) whose repositories' check runs are selected: an installation
	// reaches only repositories of the account it is installed on.
	Owners []string
}

// Delivery is a webhook delivery as the status page shows it.
type Delivery struct {
	// ID is the X-GitHub-Delivery header.
	ID string
	// Event and Action are the event's name and action.
	Event, Action string
	// InstallationID and Repo are the payload's installation and
	// repository ("owner/name"), known once the delivery was routed (0 and
	// "" before, or when the payload names none).
	InstallationID int64
	Repo           string
	// Result is what routing it did ("" while it waits).
	Result string
	// ReceivedAt is when it was acknowledged; RoutedAt when it was routed
	// (zero before).
	ReceivedAt, RoutedAt time.Time
}

// SetDeliveryRoute records what routing delivery id did: the installation
// and repository its payload names and a one-line result ("queued a check
// of …", "ignored", "failed: …"). Routing again (a retry) replaces it.
func (s *Store) SetDeliveryRoute(ctx context.Context, id string, installationID int64, repo, result string) error {
	_, err := s.exec(ctx, s.db, `UPDATE coderready_deliveries SET installation_id = ?, repo = ?, result = ?, routed_at = ? WHERE id = ?`,
		installationID, repo, result, s.timeArg(time.Now()), id)
	if err != nil {
		return fmt.Errorf("record the route of delivery %s: %w", id, err)
	}
	return nil
}

// RecentDeliveries returns at most limit deliveries of sc, newest first.
func (s *Store) RecentDeliveries(ctx context.Context, sc Scope, limit int) ([]Delivery, error) {
	out := []Delivery{}
	if !sc.All && len(sc.Installations) == 0 {
		return out, nil
	}
	where, args := "", []any{}
	if !sc.All {
		where = "WHERE installation_id IN (" + placeholders(len(sc.Installations)) + ") "
		for _, id := range sc.Installations {
			args = append(args, id)
		}
	}
	args = append(args, limit)
	rows, err := s.query(ctx, s.db, `SELECT id, event, action, installation_id, repo, result, received_at, routed_at FROM coderready_deliveries `+
		where+`ORDER BY received_at DESC, id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("recent deliveries: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var (
			d            Delivery
			recv, routed dbTime
		)
		if err := rows.Scan(&d.ID, &d.Event, &d.Action, &d.InstallationID, &d.Repo, &d.Result, &recv, &routed); err != nil {
			return nil, fmt.Errorf("recent deliveries: %w", err)
		}
		d.ReceivedAt, d.RoutedAt = recv.t, routed.t
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recent deliveries: %w", err)
	}
	return out, nil
}

// DeliveryInstallations returns the installation each of the deliveries
// ids was routed for; deliveries not routed yet, or not stored, are left
// out.
func (s *Store) DeliveryInstallations(ctx context.Context, ids []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.query(ctx, s.db, `SELECT id, installation_id FROM coderready_deliveries WHERE installation_id <> 0 AND id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("installations of deliveries: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var (
			id   string
			inst int64
		)
		if err := rows.Scan(&id, &inst); err != nil {
			return nil, fmt.Errorf("installations of deliveries: %w", err)
		}
		out[id] = inst
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("installations of deliveries: %w", err)
	}
	return out, nil
}

// RecentCheckRuns returns at most limit check runs of sc's owners (all
// with sc.All), the most recently updated first.
func (s *Store) RecentCheckRuns(ctx context.Context, sc Scope, limit int) ([]CheckRun, error) {
	if !sc.All && len(sc.Owners) == 0 {
		return []CheckRun{}, nil
	}
	clause, args := "", []any{}
	if !sc.All {
		// LOWER(repo) LIKE 'owner/%': the owner's part of the full name,
		// with LIKE's wildcards in the login taken literally.
		var ors []string
		for _, o := range sc.Owners {
			ors = append(ors, `LOWER(repo) LIKE ? ESCAPE '\'`)
			args = append(args, likeEscape(strings.ToLower(o))+"/%")
		}
		clause = "WHERE (" + strings.Join(ors, " OR ") + ") "
	}
	args = append(args, limit)
	runs, err := s.checkRuns(ctx, clause+`ORDER BY updated_at DESC, repo, head_sha, name LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("recent check runs: %w", err)
	}
	return runs, nil
}

// QueueDepth returns how many jobs of the queue are in each state that is
// not final: available, pending, retryable, running and scheduled (a
// state with none is left out).
func (s *Store) QueueDepth(ctx context.Context) (map[string]int64, error) {
	rows, err := s.query(ctx, s.db, `SELECT state, COUNT(*) FROM river_job
WHERE state IN ('available', 'pending', 'retryable', 'running', 'scheduled') GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("queue depth: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := map[string]int64{}
	for rows.Next() {
		var (
			state string
			n     int64
		)
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("queue depth: %w", err)
		}
		out[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queue depth: %w", err)
	}
	return out, nil
}

// JobsWithErrors returns the IDs of the queue's newest jobs with a failed
// attempt, whatever their state now (retried, given up, or done at a
// later attempt), newest first, at most limit.
func (s *Store) JobsWithErrors(ctx context.Context, limit int) ([]int64, error) {
	rows, err := s.query(ctx, s.db, `SELECT id FROM river_job WHERE errors IS NOT NULL ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("jobs with errors: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("jobs with errors: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("jobs with errors: %w", err)
	}
	return ids, nil
}

// placeholders is n `?` placeholders separated by commas.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// likeEscape escapes LIKE's wildcards (and its escape character, '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
