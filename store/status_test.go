package store

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"
)

// TestLoginStates: sign-in states are single-use, expire, and live apart
// from the setup flow's, so neither flow redeems the other's state.
func TestLoginStates(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		ctx := t.Context()
		s := openTest(t, opts)
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		exp := now.Add(10 * time.Minute)
		for _, st := range []string{"good", "expiring"} {
			if err := s.CreateLoginState(ctx, st, exp); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateSetupState(ctx, "setup-only", exp); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			state string
			at    time.Time
			want  error
		}{
			{"fresh", "good", now, nil},
			{"reused", "good", now, ErrLoginStateUnknown},
			{"a setup state", "setup-only", now, ErrLoginStateUnknown},
			{"at its expiry", "expiring", exp, ErrLoginStateExpired},
		}
		for _, c := range cases {
			err := s.ConsumeLoginState(ctx, c.state, c.at)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Errorf("%s: ConsumeLoginState(%q) = %v, want %v", c.name, c.state, err, c.want)
			}
		}
		// The setup state is still there for its own flow.
		if err := s.ConsumeSetupState(ctx, "setup-only", now); err != nil {
			t.Errorf("the setup state was touched by the sign-in flow: %v", err)
		}
		if err := s.CreateLoginState(ctx, "old", now); err != nil {
			t.Fatal(err)
		}
		if n, err := s.PruneLoginStates(ctx, now); err != nil || n != 1 {
			t.Errorf("PruneLoginStates = %d, %v; want 1", n, err)
		}
	})
}

// TestRecentDeliveriesScope: each scope sees the deliveries of its
// installations only; the zero scope sees nothing; All sees those of no
// known installation too.
func TestRecentDeliveriesScope(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		ctx := t.Context()
		s := openTest(t, opts)
		for _, d := range []struct {
			id   string
			inst int64
			repo string
		}{{"a1", 1, "acme/app"}, {"a2", 1, "acme/lib"}, {"b1", 2, "globex/web"}, {"n1", 0, ""}} {
			if _, err := s.RecordDelivery(ctx, nil, d.id, "pull_request", "opened"); err != nil {
				t.Fatal(err)
			}
			if d.inst != 0 {
				if err := s.SetDeliveryRoute(ctx, d.id, d.inst, d.repo, "queued"); err != nil {
					t.Fatal(err)
				}
			}
		}
		ids := func(ds []Delivery) []string {
			var out []string
			for _, d := range ds {
				out = append(out, d.ID)
			}
			slices.Sort(out)
			return out
		}
		cases := []struct {
			name  string
			scope Scope
			want  []string
		}{
			{"zero scope", Scope{}, nil},
			{"installation 1", Scope{Installations: []int64{1}}, []string{"a1", "a2"}},
			{"installation 2", Scope{Installations: []int64{2}}, []string{"b1"}},
			{"an unknown installation", Scope{Installations: []int64{3}}, nil},
			{"owners only", Scope{Owners: []string{"acme"}}, nil},
			{"all", Scope{All: true}, []string{"a1", "a2", "b1", "n1"}},
		}
		for _, c := range cases {
			got, err := s.RecentDeliveries(ctx, c.scope, 10)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), c.want) {
				t.Errorf("%s: deliveries %v, want %v", c.name, ids(got), c.want)
			}
		}
		got, err := s.RecentDeliveries(ctx, Scope{Installations: []int64{1}}, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range got {
			if d.Result != "queued" || d.RoutedAt.IsZero() || d.ReceivedAt.IsZero() || d.Event != "pull_request" {
				t.Errorf("delivery %+v: want its route recorded", d)
			}
		}
		if got, err := s.RecentDeliveries(ctx, Scope{All: true}, 2); err != nil || len(got) != 2 {
			t.Errorf("limit 2: %d deliveries, %v", len(got), err)
		}
		m, err := s.DeliveryInstallations(ctx, []string{"a1", "b1", "n1", "missing"})
		if err != nil {
			t.Fatal(err)
		}
		if len(m) != 2 || m["a1"] != 1 || m["b1"] != 2 {
			t.Errorf("DeliveryInstallations = %v", m)
		}
	})
}

// TestRecentCheckRunsScope: check runs are selected by their repository's
// owner, without case, with LIKE's wildcards in a login taken literally.
func TestRecentCheckRunsScope(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		ctx := t.Context()
		s := openTest(t, opts)
		for i, repo := range []string{"acme/app", "Acme/lib", "acmexyz/app", "globex/web", "a_b/x", "axb/y"} {
			if err := s.SaveCheckRun(ctx, CheckRun{Repo: repo, HeadSHA: "sha", Name: "coderready", ID: int64(i + 1), Status: StatusCompleted, Conclusion: "success"}); err != nil {
				t.Fatal(err)
			}
		}
		repos := func(runs []CheckRun) []string {
			var out []string
			for _, r := range runs {
				out = append(out, r.Repo)
			}
			slices.Sort(out)
			return out
		}
		cases := []struct {
			name  string
			scope Scope
			want  []string
		}{
			{"zero scope", Scope{}, nil},
			{"acme", Scope{Owners: []string{"ACME"}}, []string{"Acme/lib", "acme/app"}},
			{"globex", Scope{Owners: []string{"globex"}}, []string{"globex/web"}},
			{"an underscore is no wildcard", Scope{Owners: []string{"a_b"}}, []string{"a_b/x"}},
			{"installations only", Scope{Installations: []int64{1}}, nil},
			{"all", Scope{All: true}, []string{"Acme/lib", "a_b/x", "acme/app", "acmexyz/app", "axb/y", "globex/web"}},
		}
		for _, c := range cases {
			got, err := s.RecentCheckRuns(ctx, c.scope, 10)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(repos(got), c.want) {
				t.Errorf("%s: check runs of %v, want %v", c.name, repos(got), c.want)
			}
		}
	})
}

// TestCheckRunTimes: a check run's creation and completion are recorded
// once per ID: saving it again keeps them, a new ID (a re-run) restarts
// them, and an update to completed sets the completion.
func TestCheckRunTimes(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		ctx := t.Context()
		s := openTest(t, opts)
		cr := CheckRun{Repo: "acme/app", HeadSHA: "sha", Name: "coderready", ID: 1, Status: StatusQueued}
		get := func() CheckRun {
			t.Helper()
			runs, err := s.CheckRuns(ctx, cr.Repo, cr.HeadSHA)
			if err != nil || len(runs) != 1 {
				t.Fatalf("CheckRuns = %v, %v", runs, err)
			}
			return runs[0]
		}
		if err := s.SaveCheckRun(ctx, cr); err != nil {
			t.Fatal(err)
		}
		first := get()
		if first.CreatedAt.IsZero() || !first.CompletedAt.IsZero() || first.Duration() != 0 {
			t.Fatalf("queued: created %v, completed %v", first.CreatedAt, first.CompletedAt)
		}
		cr.Status = StatusInProgress
		if err := s.SaveCheckRun(ctx, cr); err != nil {
			t.Fatal(err)
		}
		if got := get(); !got.CreatedAt.Equal(first.CreatedAt) {
			t.Errorf("saved again under the same ID: created %v, want %v kept", got.CreatedAt, first.CreatedAt)
		}
		time.Sleep(5 * time.Millisecond) // a measurable duration, not an absence
		if err := s.SetCheckRunStatus(ctx, cr.Repo, cr.ID, StatusCompleted, "success"); err != nil {
			t.Fatal(err)
		}
		done := get()
		if done.CompletedAt.IsZero() || done.Duration() <= 0 {
			t.Fatalf("completed: created %v, completed %v", done.CreatedAt, done.CompletedAt)
		}
		if err := s.SetCheckRunStatus(ctx, cr.Repo, cr.ID, StatusCompleted, "failure"); err != nil {
			t.Fatal(err)
		}
		if got := get(); !got.CompletedAt.Equal(done.CompletedAt) {
			t.Errorf("completed again: %v, want the first completion %v kept", got.CompletedAt, done.CompletedAt)
		}
		cr.ID, cr.Status = 2, StatusQueued
		if err := s.SaveCheckRun(ctx, cr); err != nil {
			t.Fatal(err)
		}
		if got := get(); !got.CompletedAt.IsZero() || got.CreatedAt.Before(done.CompletedAt) {
			t.Errorf("re-run: created %v, completed %v; want a fresh creation and no completion", got.CreatedAt, got.CompletedAt)
		}
	})
}

// TestQueueDepth counts the queue's jobs by state, for both dialects'
// River tables.
func TestQueueDepth(t *testing.T) {
	eachDialect(t, func(t *testing.T, opts Options) {
		ctx := t.Context()
		s := openTest(t, opts)
		depth, err := s.QueueDepth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(depth) != 0 {
			t.Errorf("an empty queue: %v", depth)
		}
		// An insert-only client: the jobs stay where they are put.
		client, err := river.NewClient(s.Driver(), &river.Config{Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if _, err := client.Insert(ctx, deliveryArgs{DeliveryID: fmt.Sprint("now-", i)}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := client.Insert(ctx, deliveryArgs{DeliveryID: "later"}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		depth, err = s.QueueDepth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int64{"available": 3, "scheduled": 1}; !maps.Equal(depth, want) {
			t.Errorf("QueueDepth = %v, want %v", depth, want)
		}
	})
}
