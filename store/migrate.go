package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river/rivermigrate"
)

// migrationFS holds the store's own schema, one directory per dialect, one
// file per version: NNN_name.sql. Both dialects have the same versions.
//
//go:embed migrations
var migrationFS embed.FS

// migration is one version of the store's own schema.
type migration struct {
	Version int
	Name    string
	SQL     string
}

// migrations returns dialect's migrations in version order.
func migrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", dialect, err)
	}
	var out []migration
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		num, rest, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s/%s: name is not NNN_name.sql", dir, e.Name())
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("migration %s/%s: %w", dir, e.Name(), err)
		}
		out = append(out, migration{Version: v, Name: rest, SQL: string(body)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.Version - b.Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations for %s: version %d twice", dialect, out[i].Version)
		}
	}
	return out, nil
}

// migrate brings River's schema and the store's own up to date.
//
// SQLite: everything runs in one transaction, which begins IMMEDIATE (see
// sqliteDSN) and so holds the database's write lock throughout: a second
// process opening the same file waits, then finds nothing to do. River's
// MigrateTx is deprecated because some PostgreSQL migrations cannot share
// a transaction; SQLite's can (River applies each in a transaction of its
// own anyway, here they nest as savepoints).
//
// PostgreSQL: a transaction holds pg_advisory_xact_lock, keyed by the
// current schema, while River's Migrate applies each of its versions in its
// own transaction on other connections (as River recommends), then the
// store's migrations run in the locking transaction itself. Concurrent
// replicas queue on the lock; it is released when the transaction ends,
// however it ends, so a crashed migrator cannot leave it held.
func (s *Store) migrate(ctx context.Context) error {
	riverMigrator, err := rivermigrate.New(s.driver, &rivermigrate.Config{Logger: s.log})
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	switch s.dialect {
	case DialectSQLite:
		return s.InTx(ctx, func(tx *sql.Tx) error {
			//nolint:staticcheck // SA1019: SQLite migrations are transactional; one transaction makes concurrent Opens safe (see above).
			if _, err := riverMigrator.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
				return fmt.Errorf("river migrations (sqlite): %w", err)
			}
			return s.migrateOwn(ctx, tx)
		})
	case DialectPostgres:
		return s.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('coderready.store.migrate:' || coalesce(current_schema(), '')))`); err != nil {
				return fmt.Errorf("migration lock: %w", err)
			}
			if _, err := riverMigrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
				return fmt.Errorf("river migrations (postgres): %w", err)
			}
			return s.migrateOwn(ctx, tx)
		})
	}
	return fmt.Errorf("migrate: unknown dialect %q", s.dialect)
}

// migrateOwn applies the store's migrations that coderready_migrations
// does not list, each recorded in the same transaction.
func (s *Store) migrateOwn(ctx context.Context, tx *sql.Tx) error {
	all, err := migrations(s.dialect)
	if err != nil {
		return err
	}
	tsType := "timestamptz"
	if s.dialect == DialectSQLite {
		tsType = "INTEGER"
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS coderready_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at `+tsType+` NOT NULL
)`); err != nil {
		return fmt.Errorf("create coderready_migrations: %w", err)
	}
	applied, err := s.appliedVersions(ctx, tx)
	if err != nil {
		return err
	}
	for _, m := range all {
		if applied[m.Version] {
			continue
		}
		start := time.Now()
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("store migration %03d_%s (%s): %w", m.Version, m.Name, s.dialect, err)
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO coderready_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, s.timeArg(time.Now())); err != nil {
			return fmt.Errorf("record store migration %03d_%s: %w", m.Version, m.Name, err)
		}
		s.log.InfoContext(ctx, "store migration applied", "dialect", s.dialect, "version", m.Version, "name", m.Name, "duration", time.Since(start))
	}
	return nil
}

// appliedVersions lists coderready_migrations.
func (s *Store) appliedVersions(ctx context.Context, q queryer) (map[int]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT version FROM coderready_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read coderready_migrations: %w", err)
	}
	defer func() { _ = rows.Close() }()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read coderready_migrations: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read coderready_migrations: %w", err)
	}
	return applied, nil
}
