// Package storetest gives tests of any package a PostgreSQL database of
// their own for store.Options.DatabaseURL.
//
// The database comes from CODERREADY_TEST_DATABASE_URL. Unset, a test is
// skipped with the reason, except under CI=true, where it defaults to
// DefaultDatabaseURL (the cluster scripts/start-postgres.sh starts) and
// must answer. Each call creates a fresh schema, dropped when the test
// ends, and returns a URL whose connections use it (search_path), so tests
// of several packages can share one database at the same time.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/coderready/coderready/internal/testenv"
)

// DefaultDatabaseURL is the database scripts/start-postgres.sh provides.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:55432/coderready_test?sslmode=disable"

// EnvDatabaseURL names the variable that selects the test database.
const EnvDatabaseURL = "CODERREADY_TEST_DATABASE_URL"

// DatabaseURL returns the test database's URL, or skips tb when there is
// none and CI is not "true".
func DatabaseURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvDatabaseURL)
	if u == "" {
		if !testenv.InCI() {
			testenv.Unavailable(tb, "no PostgreSQL: set %s (scripts/start-postgres.sh starts one at %s)", EnvDatabaseURL, DefaultDatabaseURL)
		}
		u = DefaultDatabaseURL
	}
	return u
}

// PostgresURL creates a schema of tb's own in the test database and
// returns a URL whose connections use it; the schema and everything in it
// are dropped when tb ends. It skips tb as DatabaseURL does, and fails it
// when the database does not answer.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	base := DatabaseURL(tb)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatalf("%s must be a postgres:// URL, got %q", EnvDatabaseURL, base)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open %s: %v", base, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		_ = admin.Close()
		tb.Fatalf("PostgreSQL at %s does not answer (start it with scripts/start-postgres.sh): %v", base, err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = admin.Close()
		tb.Fatalf("create schema %s: %v", schema, err)
	}
	tb.Cleanup(func() {
		defer func() { _ = admin.Close() }()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
