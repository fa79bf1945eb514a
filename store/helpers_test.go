package store

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/coderready/coderready/store/storetest"
)

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
		return Options{DatabaseURL: storetest.PostgresURL(t), Logger: testLogger(t)}
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
