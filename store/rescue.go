package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// rescueBatch is how many running jobs RescueOrphanedJobs handles per
// round trip.
const rescueBatch = 100

// RescueOrphanedJobs makes the River jobs a crashed process left `running`
// available again at once, and returns how many. River's own rescuer frees
// such jobs only after RescueStuckJobsAfter (hours for long builds); with
// SQLite one process owns the database, so at start-up, before the River
// client starts, every running job is an orphan. Call it then and only
// then: it would take jobs from a client working in this process.
//
// As River's rescuer does, each job gets an attempt error ("orphaned by a
// process that stopped while working it"), a job whose cancellation was
// requested becomes cancelled, and one that has used all its attempts is
// discarded (a job that kills its process every time must not loop
// forever); these are logged and not counted.
//
// With PostgreSQL other replicas may be working the jobs, so this is a
// no-op returning 0: River's rescuer handles their crashes after
// RescueStuckJobsAfter.
//
// It goes through River's driver (the queries River's rescuer uses), so
// River's tables are never written with SQL of the store's own.
func (s *Store) RescueOrphanedJobs(ctx context.Context) (int, error) {
	if s.dialect != DialectSQLite {
		return 0, nil
	}
	exec := s.driver.GetExecutor()
	// Every job running now was attempted before this horizon.
	horizon := time.Now().Add(time.Minute)
	var (
		afterID                       int64
		rescued, cancelled, discarded int
	)
	for {
		jobs, err := exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{AfterID: afterID, Max: rescueBatch, StuckHorizon: horizon})
		if err != nil {
			return rescued, fmt.Errorf("rescue orphaned jobs: list running jobs: %w", err)
		}
		if len(jobs) == 0 {
			break
		}
		now := time.Now().UTC()
		params := &riverdriver.JobRescueManyParams{StuckHorizon: horizon}
		for _, job := range jobs {
			afterID = job.ID
			errData, err := json.Marshal(rivertype.AttemptError{
				At:      now,
				Attempt: max(job.Attempt, 0),
				Error:   "orphaned: the process working this job stopped; coderready rescued it at start-up",
			})
			if err != nil {
				return rescued, fmt.Errorf("rescue orphaned jobs: %w", err)
			}
			state, finalizedAt, scheduledAt := rivertype.JobStateAvailable, (*time.Time)(nil), now
			switch {
			case cancelRequested(job):
				state, finalizedAt, scheduledAt = rivertype.JobStateCancelled, &now, job.ScheduledAt
				cancelled++
			case job.Attempt >= job.MaxAttempts:
				state, finalizedAt, scheduledAt = rivertype.JobStateDiscarded, &now, job.ScheduledAt
				discarded++
			default:
				rescued++
			}
			s.log.InfoContext(ctx, "orphaned job rescued", "job_id", job.ID, "kind", job.Kind, "queue", job.Queue, "attempt", job.Attempt, "state", state)
			params.ID = append(params.ID, job.ID)
			params.Error = append(params.Error, errData)
			params.FinalizedAt = append(params.FinalizedAt, finalizedAt)
			params.ScheduledAt = append(params.ScheduledAt, scheduledAt)
			params.State = append(params.State, string(state))
		}
		if _, err := exec.JobRescueMany(ctx, params); err != nil {
			return rescued, fmt.Errorf("rescue orphaned jobs: %w", err)
		}
		if len(jobs) < rescueBatch {
			break
		}
	}
	if cancelled+discarded > 0 {
		s.log.WarnContext(ctx, "orphaned jobs finalised instead of retried", "cancelled", cancelled, "discarded_out_of_attempts", discarded)
	}
	return rescued, nil
}

// cancelRequested reports whether JobCancel was called on a running job
// (River records cancel_attempted_at in its metadata).
func cancelRequested(job *rivertype.JobRow) bool {
	var md struct {
		CancelAttemptedAt *time.Time `json:"cancel_attempted_at"`
	}
	if len(job.Metadata) == 0 || json.Unmarshal(job.Metadata, &md) != nil {
		return false
	}
	return md.CancelAttemptedAt != nil && !md.CancelAttemptedAt.IsZero()
}
