package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" database/sql driver for schema set-up
)

// defaultTestDatabaseURL is the cluster scripts/start-postgres.sh starts.
const defaultTestDatabaseURL = "postgres://postgres@127.0.0.1:55432/coderready_test?sslmode=disable"

// testDatabaseURL returns the PostgreSQL the tests use, from
// CODERREADY_TEST_DATABASE_URL; under CI=true it defaults to the script's
// cluster and must answer; elsewhere the test is skipped without one.
func testDatabaseURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("CODERREADY_TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") != "true" {
			t.Skip("PostgreSQL tests skipped: set CODERREADY_TEST_DATABASE_URL (scripts/start-postgres.sh starts one at " + defaultTestDatabaseURL + "), or CI=true")
		}
		u = defaultTestDatabaseURL
	}
	return u
}

// postgresSchemaURL creates a schema of the test's own in the test
// database (tests of several packages share the database, perhaps at the
// same time) and returns a URL whose connections use it; the schema is
// dropped when the test ends.
func postgresSchemaURL(t *testing.T) string {
	t.Helper()
	base := testDatabaseURL(t)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("CODERREADY_TEST_DATABASE_URL must be a postgres:// URL, got %q", base)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", base, err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("PostgreSQL at %s does not answer (run scripts/start-postgres.sh): %v", base, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "store_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// testLogger writes warnings and errors to the test's output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// testOptions returns Options for a fresh, empty database of dialect.
func testOptions(t *testing.T, dialect string) Options {
	t.Helper()
	switch dialect {
	case DialectSQLite:
		return Options{DataDir: t.TempDir(), Logger: testLogger(t)}
	case DialectPostgres:
		return Options{DatabaseURL: postgresSchemaURL(t), Logger: testLogger(t)}
	}
	t.Fatalf("unknown dialect %q", dialect)
	return Options{}
}

// openTest opens a store with opts and closes it when the test ends.
func openTest(t *testing.T, opts Options) *Store {
	t.Helper()
	s, err := Open(t.Context(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// eachDialect runs fn as a subtest per dialect, each on a fresh database.
func eachDialect(t *testing.T, fn func(t *testing.T, opts Options)) {
	t.Helper()
	for _, d := range []string{DialectSQLite, DialectPostgres} {
		t.Run(d, func(t *testing.T) { fn(t, testOptions(t, d)) })
	}
}

// isSQLite reports whether opts selects SQLite.
func isSQLite(opts Options) bool { return opts.DatabaseURL == "" }

// contains reports whether err's text contains sub.
func contains(err error, sub string) bool { return err != nil && strings.Contains(err.Error(), sub) }
