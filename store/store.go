// Package store keeps coderready's durable state: the River job queue and
// the app's own records (webhook deliveries, pull request heads, check runs,
// posted suggestions, installations).
//
// Two databases sit behind one database/sql handle, so the app has a single
// River client type, river.Client[*sql.Tx]:
//
//   - SQLite (default): a file in the data directory, embedded through the
//     pure-Go modernc.org/sqlite driver and River's riversqlite driver.
//     Nothing to install; one process owns the file.
//   - PostgreSQL (when a database URL is given): pgx's database/sql adapter
//     and River's riverdatabasesql driver, so any number of `serve`
//     replicas can share the queue.
//
// Open creates what is missing and runs River's migrations and the store's
// own, both idempotent and safe when several processes start at once.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"modernc.org/sqlite" // also registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialects reported by Store.Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// SQLiteFile is the name of the SQLite database inside Options.DataDir.
const SQLiteFile = "coderready.db"

// sqliteBusyTimeout is how long a SQLite connection waits for another
// process's write lock (a second `serve` started by mistake, or the tests'
// second Open) before failing with SQLITE_BUSY.
const sqliteBusyTimeout = 10 * time.Second

// Options says where the store lives.
type Options struct {
	// DatabaseURL selects PostgreSQL, e.g.
	// postgres://user:pass@host:5432/coderready?sslmode=require. Any pgx
	// connection string works, including search_path=<schema> to keep the
	// tables in a schema of their own. Empty selects SQLite in DataDir.
	DatabaseURL string
	// DataDir holds the SQLite file, SQLiteFile (the directory is created
	// with mode 0750 when missing). Required when DatabaseURL is empty,
	// unused otherwise.
	DataDir string
	// Logger receives migration and recovery messages; nil discards them.
	Logger *slog.Logger
}

// Store is the open database with River's driver on top. It is safe for
// concurrent use.
type Store struct {
	dialect  string
	db       *sql.DB
	driver   riverdriver.Driver[*sql.Tx]
	listener *pgxpool.Pool // PostgreSQL only: LISTEN connections for River
	ckpt     *checkpointer // SQLite only: checkpoints off the shared connection
	log      *slog.Logger
}

// Open opens (creating when needed) the database Options selects, runs
// River's migrations and the store's own, and returns the store. Several
// processes may call Open on the same database at once: on PostgreSQL the
// migrations run under an advisory lock, on SQLite in one immediate
// transaction.
func Open(ctx context.Context, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var (
		s   *Store
		err error
	)
	if opts.DatabaseURL != "" {
		s, err = openPostgres(ctx, opts.DatabaseURL, log)
	} else {
		s, err = openSQLite(ctx, opts.DataDir, log)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// openSQLite opens dataDir/coderready.db. River's SQLite driver documents
// that River's concurrent internal work fails with SQLITE_BUSY on a pool of
// several connections, and River's own tests pin the pool to one connection
// in WAL mode; so does this. Every transaction begins IMMEDIATE, taking the
// write lock up front, so a read-then-write transaction can never deadlock
// against another process on the same file (busy_timeout then simply waits).
func openSQLite(ctx context.Context, dataDir string, log *slog.Logger) (*Store, error) {
	if dataDir == "" {
		return nil, errors.New("open store: no data directory for the SQLite database (set the data dir, or a PostgreSQL database URL)")
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("open store: create data dir: %w", err)
	}
	path, err := filepath.Abs(filepath.Join(dataDir, SQLiteFile))
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	db, err := openSQLiteConn(ctx, sqliteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("open store: sqlite %s: %w", path, err)
	}
	ckpt, err := startCheckpointer(ctx, sqliteDSN(path), checkpointInterval, log)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store: sqlite %s: %w", path, err)
	}
	log.Debug("store opened", "dialect", DialectSQLite, "path", path)
	return &Store{dialect: DialectSQLite, db: db, driver: riversqlite.New(db), ckpt: ckpt, log: log}, nil
}

// openSQLiteConn opens dsn as a pool of exactly one connection that lives
// as long as the pool, and waits out a busy database file.
func openSQLiteConn(ctx context.Context, dsn string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	if err := pingSQLite(ctx, db); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// pingSQLite opens the connection, which applies the DSN's pragmas. The
// first connection to a new file turns it to WAL, which needs the file to
// itself: SQLite answers SQLITE_BUSY at once, without waiting busy_timeout,
// when another process does the same at that moment. Retry that for up to
// the busy timeout.
func pingSQLite(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(sqliteBusyTimeout)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := db.PingContext(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code() != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// sqliteDSN is the modernc.org/sqlite data source name for path: WAL
// journal (readers never block the writer; River's tests call it essential
// against "database is locked"), a busy timeout, foreign keys enforced,
// synchronous=NORMAL (durable across process crashes in WAL mode; the last
// transactions may be lost only on power loss), IMMEDIATE transactions, and
// checkpoints in commits only as a backstop (checkpoint.go runs them on a
// connection of its own).
func sqliteDSN(path string) string {
	q := []string{
		"_pragma=busy_timeout(" + strconv.FormatInt(sqliteBusyTimeout.Milliseconds(), 10) + ")",
		"_pragma=journal_mode(WAL)",
		"_pragma=foreign_keys(1)",
		"_pragma=synchronous(NORMAL)",
		"_pragma=wal_autocheckpoint(" + strconv.Itoa(walCheckpointPages) + ")",
		"_txlock=immediate",
	}
	return "file:" + path + "?" + strings.Join(q, "&")
}

// openPostgres opens url through pgx's database/sql adapter for River's
// riverdatabasesql driver, with a small pgx pool beside it that River uses
// only for LISTEN when the client is not PollOnly (it connects lazily, so a
// PollOnly client never opens it).
func openPostgres(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open store: database URL: %w", err)
	}
	cfg.MaxConns = 2
	cfg.MinConns = 0
	db := stdlib.OpenDB(*cfg.ConnConfig.Copy())
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store: connect to PostgreSQL %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	listener, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store: PostgreSQL listener pool: %w", err)
	}
	log.Debug("store opened", "dialect", DialectPostgres, "host", cfg.ConnConfig.Host, "database", cfg.ConnConfig.Database)
	return &Store{
		dialect:  DialectPostgres,
		db:       db,
		driver:   riverdatabasesql.NewWithPgxListener(db, listener),
		listener: listener,
		log:      log,
	}, nil
}

// Dialect reports the database in use: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// DB returns the database handle the store and River share. With SQLite
// it holds a single connection: do not use it while a transaction from
// InTx is open in the same goroutine.
func (s *Store) DB() *sql.DB { return s.db }

// Driver returns River's driver over DB, for river.NewClient and
// rivermigrate.New. SQLite gets riversqlite; PostgreSQL gets
// riverdatabasesql with a pgx listener, so LISTEN/NOTIFY works when the
// client is not PollOnly.
func (s *Store) Driver() riverdriver.Driver[*sql.Tx] { return s.driver }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", s.dialect, err)
	}
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping %s: %w", s.dialect, err)
	}
	return nil
}

// Close closes the database. Stop River clients built on Driver first.
func (s *Store) Close() error {
	if s.listener != nil {
		s.listener.Close()
	}
	var ckptErr error
	if s.ckpt != nil {
		ckptErr = s.ckpt.close()
	}
	if err := errors.Join(s.db.Close(), ckptErr); err != nil {
		return fmt.Errorf("close %s store: %w", s.dialect, err)
	}
	return nil
}

// InTx runs fn in a transaction, committed when fn returns nil and rolled
// back when it returns an error or panics. River's InsertTx and the
// store's methods that take a *sql.Tx join it. With SQLite the transaction
// holds the only connection: inside fn use tx only, never a store method
// without a tx parameter (it would wait for the connection forever).
func (s *Store) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	committed = true
	return nil
}

// queryer is what *sql.DB and *sql.Tx have in common.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// on returns tx, or the pool when tx is nil.
func (s *Store) on(tx *sql.Tx) queryer {
	if tx != nil {
		return tx
	}
	return s.db
}

// rebind turns the `?` placeholders the store's SQL is written with into
// PostgreSQL's $1, $2, …. The store's statements have no `?` inside string
// literals or identifiers.
func (s *Store) rebind(query string) string {
	if s.dialect != DialectPostgres {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := range len(query) {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// exec runs a statement written with `?` placeholders.
func (s *Store) exec(ctx context.Context, q queryer, query string, args ...any) (sql.Result, error) {
	return q.ExecContext(ctx, s.rebind(query), args...)
}

// query runs a query written with `?` placeholders.
func (s *Store) query(ctx context.Context, q queryer, query string, args ...any) (*sql.Rows, error) {
	return q.QueryContext(ctx, s.rebind(query), args...)
}

// queryRow runs a single-row query written with `?` placeholders.
func (s *Store) queryRow(ctx context.Context, q queryer, query string, args ...any) *sql.Row {
	return q.QueryRowContext(ctx, s.rebind(query), args...)
}

// timeArg is t as the store's timestamp columns hold it: timestamptz on
// PostgreSQL, integer Unix milliseconds on SQLite (so comparisons are
// numeric, not on text formats).
func (s *Store) timeArg(t time.Time) any {
	if s.dialect == DialectSQLite {
		return t.UnixMilli()
	}
	return t.UTC()
}

// dbTime scans either representation timeArg writes.
type dbTime struct{ t time.Time }

// Scan implements sql.Scanner.
func (d *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		d.t = time.Time{}
	case int64:
		d.t = time.UnixMilli(x).UTC()
	case time.Time:
		d.t = x.UTC()
	default:
		return fmt.Errorf("timestamp: unexpected %T", v)
	}
	return nil
}
