package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivermigrate"
)

func TestOpen(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		s := openTest(t, opts)
		want := DialectPostgres
		if isSQLite(opts) {
			want = DialectSQLite
		}
		if got := s.Dialect(); got != want {
			t.Errorf("Dialect() = %q, want %q", got, want)
		}
		if err := s.Ping(t.Context()); err != nil {
			t.Errorf("Ping: %v", err)
		}
		if s.DB() == nil || s.Driver() == nil {
			t.Fatal("DB() or Driver() is nil")
		}
		if isSQLite(opts) {
			if _, err := os.Stat(filepath.Join(opts.DataDir, SQLiteFile)); err != nil {
				t.Errorf("SQLite file: %v", err)
			}
			var mode string
			if err := s.DB().QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
				t.Errorf("journal_mode = %q, %v; want wal", mode, err)
			}
			var fk int
			if err := s.DB().QueryRowContext(t.Context(), "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
				t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
			}
		}
	})
}

func TestOpenErrors(t *testing.T) {
	ctx := t.Context()
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"no data dir", Options{}, "no data directory"},
		{"bad URL", Options{DatabaseURL: "postgres://%zz"}, "database URL"},
		{"unreachable", Options{DatabaseURL: "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"}, "connect to PostgreSQL"},
		{"data dir is a file", Options{DataDir: filepath.Join(writeFile(t, "f"), "sub")}, "create data dir"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Open(ctx, c.opts)
			if err == nil {
				_ = s.Close()
				t.Fatal("Open succeeded")
			}
			if !contains(err, c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
}

func writeFile(t *testing.T, name string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMigrationsIdempotent opens the same database three times and runs
// the migrations again by hand: every version is applied once.
func TestMigrationsIdempotent(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		ctx := t.Context()
		for range 2 {
			s, err := Open(ctx, opts)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
		s := openTest(t, opts)
		if err := s.migrate(ctx); err != nil {
			t.Fatalf("migrate again: %v", err)
		}
		own, err := migrations(s.Dialect())
		if err != nil {
			t.Fatal(err)
		}
		var n, maxV int
		if err := s.DB().QueryRowContext(ctx, `SELECT count(*), max(version) FROM coderready_migrations`).Scan(&n, &maxV); err != nil {
			t.Fatal(err)
		}
		if n != len(own) || maxV != own[len(own)-1].Version {
			t.Errorf("coderready_migrations has %d rows up to %d, want %d up to %d", n, maxV, len(own), own[len(own)-1].Version)
		}
		m, err := rivermigrate.New(s.Driver(), nil)
		if err != nil {
			t.Fatal(err)
		}
		existing, err := m.ExistingVersions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(existing) != len(m.AllVersions()) {
			t.Errorf("River has %d of %d migrations applied", len(existing), len(m.AllVersions()))
		}
		res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err != nil || len(res.Versions) != 0 {
			t.Errorf("River migrations left to apply: %v, %v", res, err)
		}
	})
}

// TestMigrationsConcurrentOpen starts four stores on one fresh database at
// once, as replicas (or a restarted process racing the old one) do.
func TestMigrationsConcurrentOpen(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		const n = 4
		stores := make([]*Store, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { stores[i], errs[i] = Open(t.Context(), opts) })
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Errorf("Open %d: %v", i, errs[i])
				continue
			}
			if _, err := stores[i].RecordDelivery(t.Context(), nil, fmt.Sprint("d", i), "ping", ""); err != nil {
				t.Errorf("store %d: %v", i, err)
			}
			_ = stores[i].Close()
		}
	})
}

func TestMigrationsMatchAcrossDialects(t *testing.T) {
	lite, err := migrations(DialectSQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := migrations(DialectPostgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version || lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %03d_%s, postgres %03d_%s", i, lite[i].Version, lite[i].Name, pg[i].Version, pg[i].Name)
		}
	}
}

// TestOpenTwiceSQLite has two stores on one SQLite file at once: each sees
// what the other wrote.
func TestOpenTwiceSQLite(t *testing.T) {
	opts := testOptions(t, DialectSQLite)
	a := openTest(t, opts)
	b := openTest(t, opts)
	ctx := t.Context()
	if isNew, err := a.RecordDelivery(ctx, nil, "d1", "pull_request", "opened"); err != nil || !isNew {
		t.Fatalf("a: RecordDelivery = %v, %v", isNew, err)
	}
	if isNew, err := b.RecordDelivery(ctx, nil, "d1", "pull_request", "opened"); err != nil || isNew {
		t.Fatalf("b: duplicate RecordDelivery = %v, %v", isNew, err)
	}
	if _, err := b.SetPullHead(ctx, nil, "o/r", 1, "aaa"); err != nil {
		t.Fatal(err)
	}
	if prs, err := a.PullsForHead(ctx, "o/r", "aaa"); err != nil || !slices.Equal(prs, []int{1}) {
		t.Fatalf("a: PullsForHead = %v, %v", prs, err)
	}
}

func TestRecordDelivery(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		s := openTest(t, opts)
		ctx := t.Context()
		steps := []struct {
			id, event, action string
			tx                bool
			wantNew           bool
		}{
			{"d1", "pull_request", "opened", true, true},
			{"d1", "pull_request", "opened", true, false}, // redelivery
			{"d1", "pull_request", "opened", false, false},
			{"d2", "pull_request", "synchronize", false, true},
			{"d3", "ping", "", true, true},
			{"d3", "ping", "", false, false},
		}
		for i, st := range steps {
			var (
				isNew bool
				err   error
			)
			if st.tx {
				err = s.InTx(ctx, func(tx *sql.Tx) error {
					isNew, err = s.RecordDelivery(ctx, tx, st.id, st.event, st.action)
					return err
				})
			} else {
				isNew, err = s.RecordDelivery(ctx, nil, st.id, st.event, st.action)
			}
			if err != nil || isNew != st.wantNew {
				t.Errorf("step %d (%s): isNew = %v, %v; want %v", i, st.id, isNew, err, st.wantNew)
			}
		}
		if _, err := s.RecordDelivery(ctx, nil, "", "ping", ""); err == nil {
			t.Error("empty delivery ID accepted")
		}
		// A rolled-back transaction records nothing: the redelivery is new.
		boom := errors.New("queue insert failed")
		err := s.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := s.RecordDelivery(ctx, tx, "d4", "pull_request", "opened"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want %v", err, boom)
		}
		if isNew, err := s.RecordDelivery(ctx, nil, "d4", "pull_request", "opened"); err != nil || !isNew {
			t.Errorf("after rollback: isNew = %v, %v; want true", isNew, err)
		}
		// A panic rolls back too and leaves the store usable.
		func() {
			defer func() { _ = recover() }()
			_ = s.InTx(ctx, func(tx *sql.Tx) error {
				_, _ = s.RecordDelivery(ctx, tx, "d5", "ping", "")
				panic("boom")
			})
		}()
		if isNew, err := s.RecordDelivery(ctx, nil, "d5", "ping", ""); err != nil || !isNew {
			t.Errorf("after panic: isNew = %v, %v; want true", isNew, err)
		}
	})
}

// TestRecordDeliveryConcurrent delivers one ID from ten goroutines at once,
// each in its own transaction as the webhook handler does: exactly one is
// new.
func TestRecordDeliveryConcurrent(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		s := openTest(t, opts)
		const n = 10
		results := make([]bool, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				errs[i] = s.InTx(t.Context(), func(tx *sql.Tx) error {
					var err error
					results[i], err = s.RecordDelivery(t.Context(), tx, "same-delivery", "pull_request", "synchronize")
					return err
				})
			})
		}
		close(start)
		wg.Wait()
		newCount := 0
		for i := range n {
			if errs[i] != nil {
				t.Errorf("goroutine %d: %v", i, errs[i])
			}
			if results[i] {
				newCount++
			}
		}
		if newCount != 1 {
			t.Errorf("%d of %d concurrent deliveries were new, want exactly 1", newCount, n)
		}
	})
}

func TestPruneDeliveries(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		s := openTest(t, opts)
		ctx := t.Context()
		ages := map[string]time.Duration{"old1": 40 * 24 * time.Hour, "old2": 31 * 24 * time.Hour, "recent": 2 * 24 * time.Hour}
		for id, age := range ages {
			if _, err := s.exec(ctx, s.db, `INSERT INTO coderready_deliveries (id, event, action, received_at) VALUES (?, 'ping', '', ?)`, id, s.timeArg(time.Now().Add(-age))); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.RecordDelivery(ctx, nil, "now", "ping", ""); err != nil {
			t.Fatal(err)
		}
		n, err := s.PruneDeliveries(ctx, 30*24*time.Hour)
		if err != nil || n != 2 {
			t.Fatalf("PruneDeliveries = %d, %v; want 2", n, err)
		}
		for id, wantNew := range map[string]bool{"old1": true, "old2": true, "recent": false, "now": false} {
			if isNew, err := s.RecordDelivery(ctx, nil, id, "ping", ""); err != nil || isNew != wantNew {
				t.Errorf("%s after prune: isNew = %v, %v; want %v", id, isNew, err, wantNew)
			}
		}
		if n, err := s.PruneDeliveries(ctx, 30*24*time.Hour); err != nil || n != 0 {
			t.Errorf("second prune = %d, %v; want 0", n, err)
		}
		if _, err := s.PruneDeliveries(ctx, -time.Hour); err == nil {
			t.Error("negative age accepted")
		}
	})
}

func TestSetPullHead(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		s := openTest(t, opts)
		ctx := t.Context()
		steps := []struct {
			repo     string
			pr       int
			sha      string
			previous string
		}{
			{"o/r", 1, "aaa", ""},    // new PR
			{"o/r", 1, "aaa", ""},    // same head again (reopened, redelivered)
			{"o/r", 1, "bbb", "aaa"}, // synchronize: aaa superseded
			{"o/r", 2, "bbb", ""},    // another PR on the same head
			{"o/r", 1, "ccc", "bbb"},
			{"o/other", 1, "ccc", ""}, // same number in another repo
		}
		for i, st := range steps {
			var (
				prev string
				err  error
			)
			if i%2 == 0 {
				prev, err = s.SetPullHead(ctx, nil, st.repo, st.pr, st.sha)
			} else {
				err = s.InTx(ctx, func(tx *sql.Tx) error {
					prev, err = s.SetPullHead(ctx, tx, st.repo, st.pr, st.sha)
					return err
				})
			}
			if err != nil || prev != st.previous {
				t.Errorf("step %d: SetPullHead(%s, %d, %s) = %q, %v; want %q", i, st.repo, st.pr, st.sha, prev, err, st.previous)
			}
		}
		heads := []struct {
			repo, sha string
			want      []int
		}{
			{"o/r", "aaa", []int{}},
			{"o/r", "bbb", []int{2}},
			{"o/r", "ccc", []int{1}},
			{"o/other", "ccc", []int{1}},
			{"x/y", "ccc", []int{}},
		}
		for _, h := range heads {
			got, err := s.PullsForHead(ctx, h.repo, h.sha)
			if err != nil || !slices.Equal(got, h.want) || got == nil {
				t.Errorf("PullsForHead(%s, %s) = %#v, %v; want %v", h.repo, h.sha, got, err, h.want)
			}
		}
		for _, bad := range [][3]any{{"", 1, "a"}, {"o/r", 0, "a"}, {"o/r", 1, ""}} {
			if _, err := s.SetPullHead(ctx, nil, bad[0].(string), bad[1].(int), bad[2].(string)); err == nil {
				t.Errorf("SetPullHead%v accepted", bad)
			}
		}
	})
}

// TestSetPullHeadConcurrent sets eight heads of one new PR at once: the
// previous heads returned form one chain, so exactly one call saw no
// previous head and every head but the last was superseded exactly once.
func TestSetPullHeadConcurrent(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		s := openTest(t, opts)
		const n = 8
		prev := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { prev[i], errs[i] = s.SetPullHead(t.Context(), nil, "o/r", 7, fmt.Sprint("sha", i)) })
		}
		wg.Wait()
		seen := map[string]int{}
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("goroutine %d: %v", i, errs[i])
			}
			seen[prev[i]]++
		}
		if seen[""] != 1 || len(seen) != n {
			t.Errorf("previous heads %q: want one empty and %d distinct", prev, n-1)
		}
		var final string
		for i := range n {
			if sha := fmt.Sprint("sha", i); seen[sha] == 0 {
				if final != "" {
					t.Errorf("both %s and %s were never superseded", final, sha)
				}
				final = sha
			}
		}
		if prs, err := s.PullsForHead(t.Context(), "o/r", final); err != nil || !slices.Equal(prs, []int{7}) {
			t.Errorf("PullsForHead(final %s) = %v, %v", final, prs, err)
		}
	})
}

func TestCheckRuns(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		s := openTest(t, opts)
		ctx := t.Context()
		before := time.Now().Add(-time.Second)
		save := []CheckRun{
			{Repo: "o/r", HeadSHA: "aaa", Name: "coderready / b/Dockerfile", Target: "b/Dockerfile", ID: 11, Status: StatusInProgress},
			{Repo: "o/r", HeadSHA: "aaa", Name: "coderready / a/Dockerfile", Target: "a/Dockerfile", ID: 10, HTMLURL: "https://github.com/o/r/runs/10"},
			{Repo: "o/r", HeadSHA: "bbb", Name: "coderready / a/Dockerfile", Target: "a/Dockerfile", ID: 20, Status: StatusCompleted, Conclusion: "success"},
			{Repo: "o/other", HeadSHA: "aaa", Name: "coderready / a/Dockerfile", Target: "a/Dockerfile", ID: 30, Status: StatusInProgress},
		}
		for _, cr := range save {
			if err := s.SaveCheckRun(ctx, cr); err != nil {
				t.Fatalf("SaveCheckRun(%v): %v", cr, err)
			}
		}
		type short struct {
			Name       string
			ID         int64
			Status     string
			Conclusion string
		}
		shorten := func(runs []CheckRun) []short {
			var out []short
			for _, r := range runs {
				if r.UpdatedAt.Before(before) || r.UpdatedAt.After(time.Now().Add(time.Second)) {
					t.Errorf("%s: UpdatedAt %v not now", r.Name, r.UpdatedAt)
				}
				out = append(out, short{r.Name, r.ID, r.Status, r.Conclusion})
			}
			return out
		}
		check := func(step string, repo, sha string, want []short) {
			t.Helper()
			runs, err := s.CheckRuns(ctx, repo, sha)
			if err != nil {
				t.Fatalf("%s: CheckRuns: %v", step, err)
			}
			if got := shorten(runs); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: CheckRuns(%s, %s) =\n%v\nwant\n%v", step, repo, sha, got, want)
			}
		}
		check("saved", "o/r", "aaa", []short{
			{"coderready / a/Dockerfile", 10, StatusQueued, ""}, // empty status saved as queued
			{"coderready / b/Dockerfile", 11, StatusInProgress, ""},
		})
		if runs, err := s.CheckRuns(ctx, "o/r", "zzz"); err != nil || runs == nil || len(runs) != 0 {
			t.Errorf("CheckRuns of unknown SHA = %#v, %v; want empty", runs, err)
		}
		full, _ := s.CheckRuns(ctx, "o/r", "aaa")
		if full[0].Repo != "o/r" || full[0].HeadSHA != "aaa" || full[0].Target != "a/Dockerfile" || full[0].HTMLURL != "https://github.com/o/r/runs/10" {
			t.Errorf("CheckRuns lost fields: %+v", full[0])
		}

		// Re-run: the same name gets a new ID, which replaces the old.
		if err := s.SaveCheckRun(ctx, CheckRun{Repo: "o/r", HeadSHA: "aaa", Name: "coderready / a/Dockerfile", Target: "a/Dockerfile", ID: 12, Status: StatusInProgress}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetCheckRunStatus(ctx, "o/r", 11, StatusCompleted, "failure"); err != nil {
			t.Fatal(err)
		}
		// The replaced ID is no longer tracked: ignored.
		if err := s.SetCheckRunStatus(ctx, "o/r", 10, StatusCompleted, "cancelled"); err != nil {
			t.Errorf("SetCheckRunStatus of a replaced ID: %v", err)
		}
		// The ID belongs to another repository: not touched.
		if err := s.SetCheckRunStatus(ctx, "o/r", 30, StatusCompleted, "cancelled"); err != nil {
			t.Fatal(err)
		}
		check("re-run", "o/r", "aaa", []short{
			{"coderready / a/Dockerfile", 12, StatusInProgress, ""},
			{"coderready / b/Dockerfile", 11, StatusCompleted, "failure"},
		})
		check("other repo", "o/other", "aaa", []short{{"coderready / a/Dockerfile", 30, StatusInProgress, ""}})

		open, err := s.OpenCheckRuns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, r := range open {
			ids = append(ids, r.ID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, []int64{12, 30}) {
			t.Errorf("OpenCheckRuns IDs = %v, want [12 30]", ids)
		}
		if err := s.SetCheckRunStatus(ctx, "o/r", 12, "", ""); err == nil {
			t.Error("empty status accepted")
		}
		if err := s.SaveCheckRun(ctx, CheckRun{Repo: "o/r", Name: "x"}); err == nil {
			t.Error("check run without head SHA accepted")
		}
	})
}

func TestPostedSuggestions(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		s := openTest(t, opts)
		ctx := t.Context()
		steps := []struct {
			repo string
			pr   int
			add  []string
		}{
			{"o/r", 1, []string{"fp-a", "fp-b"}},
			{"o/r", 1, []string{"fp-b", "fp-c"}}, // re-run: fp-b again
			{"o/r", 1, nil},
			{"o/r", 2, []string{"fp-a"}},
			{"o/other", 1, []string{"fp-z"}},
		}
		for _, st := range steps {
			if err := s.AddPostedSuggestions(ctx, st.repo, st.pr, st.add); err != nil {
				t.Fatalf("AddPostedSuggestions(%v): %v", st, err)
			}
		}
		type key struct {
			repo string
			pr   int
		}
		want := map[key]map[string]bool{
			{"o/r", 1}:     {"fp-a": true, "fp-b": true, "fp-c": true},
			{"o/r", 2}:     {"fp-a": true},
			{"o/other", 1}: {"fp-z": true},
			{"o/r", 3}:     {},
		}
		for k, w := range want {
			got, err := s.PostedSuggestions(ctx, k.repo, k.pr)
			if err != nil || got == nil || !reflect.DeepEqual(got, w) {
				t.Errorf("PostedSuggestions(%s#%d) = %v, %v; want %v", k.repo, k.pr, got, err, w)
			}
		}
		// Withdrawn suggestions are forgotten on their pull request only,
		// twice as well as once; unknown ones are ignored.
		for range 2 {
			if err := s.ForgetSuggestions(ctx, "o/r", 1, []string{"fp-a", "fp-c", "fp-unknown"}); err != nil {
				t.Fatal(err)
			}
		}
		want[key{"o/r", 1}] = map[string]bool{"fp-b": true}
		for k, w := range want {
			got, err := s.PostedSuggestions(ctx, k.repo, k.pr)
			if err != nil || !reflect.DeepEqual(got, w) {
				t.Errorf("after forgetting: PostedSuggestions(%s#%d) = %v, %v; want %v", k.repo, k.pr, got, err, w)
			}
		}
	})
}

func TestInstallations(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		s := openTest(t, opts)
		ctx := t.Context()
		type inst struct {
			ID        int64
			Account   string
			Suspended bool
		}
		steps := []struct {
			op      string
			id      int64
			account string
			susp    bool
			want    []inst
		}{
			{"set", 7, "acme", false, []inst{{7, "acme", false}}},
			{"set", 3, "octo", false, []inst{{3, "octo", false}, {7, "acme", false}}},
			{"set", 7, "acme", true, []inst{{3, "octo", false}, {7, "acme", true}}},           // suspend
			{"set", 7, "acme-inc", false, []inst{{3, "octo", false}, {7, "acme-inc", false}}}, // unsuspend, renamed
			{"delete", 3, "", false, []inst{{7, "acme-inc", false}}},
			{"delete", 99, "", false, []inst{{7, "acme-inc", false}}}, // unknown: fine
			{"delete", 7, "", false, nil},
		}
		for i, st := range steps {
			var err error
			if st.op == "set" {
				err = s.SetInstallation(ctx, st.id, st.account, st.susp)
			} else {
				err = s.DeleteInstallation(ctx, st.id)
			}
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			list, err := s.Installations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got []inst
			for _, in := range list {
				if in.UpdatedAt.IsZero() {
					t.Errorf("step %d: installation %d has no UpdatedAt", i, in.ID)
				}
				got = append(got, inst{in.ID, in.Account, in.Suspended})
			}
			if !reflect.DeepEqual(got, st.want) {
				t.Errorf("step %d: Installations = %v, want %v", i, got, st.want)
			}
		}
	})
}

func TestRebind(t *testing.T) {
	q := `INSERT INTO t (a, b) VALUES (?, ?) ON CONFLICT (a) DO UPDATE SET b = ?`
	lite := &Store{dialect: DialectSQLite}
	pg := &Store{dialect: DialectPostgres}
	if got := lite.rebind(q); got != q {
		t.Errorf("sqlite rebind changed the query: %s", got)
	}
	if got, want := pg.rebind(q), `INSERT INTO t (a, b) VALUES ($1, $2) ON CONFLICT (a) DO UPDATE SET b = $3`; got != want {
		t.Errorf("postgres rebind = %s, want %s", got, want)
	}
}

func TestPing(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		s, err := Open(t.Context(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		if err := s.Ping(ctx); err == nil {
			t.Error("Ping of a closed store succeeded")
		}
	})
}

func TestDeliveryPayload(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		s := openTest(t, opts)
		ctx := t.Context()
		payload := []byte(`{"action":"opened","number":2}`)
		if isNew, err := s.RecordDeliveryPayload(ctx, nil, "p1", "pull_request", "opened", payload); err != nil || !isNew {
			t.Fatalf("record: %v %v", isNew, err)
		}
		if isNew, err := s.RecordDeliveryPayload(ctx, nil, "p1", "pull_request", "opened", []byte(`{"other":1}`)); err != nil || isNew {
			t.Fatalf("redelivery: %v %v", isNew, err)
		}
		got, err := s.DeliveryPayload(ctx, "p1")
		if err != nil || string(got) != string(payload) {
			t.Fatalf("payload %q %v, want the first delivery's", got, err)
		}
		if err := s.ClearDeliveryPayload(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeliveryPayload(ctx, "p1"); !errors.Is(err, ErrNoPayload) {
			t.Errorf("after clear: %v, want ErrNoPayload", err)
		}
		if _, err := s.DeliveryPayload(ctx, "never"); !errors.Is(err, ErrNoPayload) {
			t.Errorf("unknown delivery: %v, want ErrNoPayload", err)
		}
		if isNew, _ := s.RecordDelivery(ctx, nil, "p1", "pull_request", "opened"); isNew {
			t.Error("the ID is kept after the payload is cleared")
		}
	})
}
