package app

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coderready/coderready/app/auth"
	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/build"
)

// TestBuilderWatched: a builder that does not answer at start is connected
// to once it comes up, and one that goes away is noticed; /readyz stays
// ready throughout (a builder outage must not take the server out of its
// load balancer) while /healthz, /readyz's details, the status page and
// coderready_builder_up say the builder's state.
func TestBuilderWatched(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	var engineUp atomic.Bool
	var connects atomic.Int32
	engine := &recordingBuilder{}
	ping := func(context.Context) error {
		if !engineUp.Load() {
			return errors.New("Cannot connect to the Docker daemon")
		}
		return nil
	}
	s := Settings{
		DataDir: t.TempDir(), GitHubURL: fake.URL, GitHubAPIURL: fake.URL,
		AppID: fake.AppID(), PrivateKey: fake.AppKeyPEM(), WebhookSecret: testSecret,
		DockerHost: "tcp://builder:2376",
	}
	a, err := New(t.Context(), s, Options{
		Logger: slog.New(slog.NewJSONHandler(testWriter{t}, nil)),
		ConnectBuilder: func(ctx context.Context) (build.Builder, func(context.Context) error, error) {
			connects.Add(1)
			if err := ping(ctx); err != nil {
				return nil, nil, err
			}
			return engine, ping, nil
		},
		BuilderCheckInterval: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = a.Shutdown(ctx)
	})
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	h := a.Handler()
	readyz := func() readiness {
		t.Helper()
		rec := get(t, h, "/readyz")
		var rd readiness
		if err := json.Unmarshal(rec.Body.Bytes(), &rd); err != nil {
			t.Fatal(err)
		}
		if rec.Code != http.StatusOK || !rd.Ready {
			t.Errorf("/readyz %d: %s, want 200 ready whatever the builder's state", rec.Code, rec.Body.String())
		}
		return rd
	}
	metric := func() string {
		for line := range strings.SplitSeq(get(t, h, "/metrics").Body.String(), "\n") {
			if strings.HasPrefix(line, "coderready_builder_up ") {
				return line
			}
		}
		return ""
	}

	// Down at start: no builder for jobs, and every page says why.
	if a.builders.current() != nil {
		t.Fatal("a builder that never answered is used")
	}
	if rd := readyz(); rd.Builder.Up || !strings.Contains(rd.Builder.Error, "Cannot connect") {
		t.Errorf("/readyz builder: %+v, want down with the engine's error", rd.Builder)
	}
	if body := get(t, h, "/healthz").Body.String(); !strings.Contains(body, "builder: down: Cannot connect") {
		t.Errorf("/healthz: %q", body)
	}
	if status := getAs(t, a, auth.Session{Admin: true}, "/").Body.String(); !strings.Contains(status, "does not answer") {
		t.Errorf("status page does not say the builder is down:\n%s", status)
	}
	if m := metric(); m != "coderready_builder_up 0" {
		t.Errorf("metric: %q", m)
	}

	// It comes up: connected to at the next check, without a restart.
	engineUp.Store(true)
	waitFor(t, 10*time.Second, "the builder to be used", func() bool { return a.builders.current() == engine })
	if rd := readyz(); !rd.Builder.Up || rd.Builder.Error != "" {
		t.Errorf("/readyz builder: %+v, want up", rd.Builder)
	}
	if body := get(t, h, "/healthz").Body.String(); body != "ok\nbuilder: ok\n" {
		t.Errorf("/healthz: %q", body)
	}
	if m := metric(); m != "coderready_builder_up 1" {
		t.Errorf("metric: %q", m)
	}
	n := connects.Load()

	// It goes away: pinged, not reconnected, and jobs stop using it.
	engineUp.Store(false)
	waitFor(t, 10*time.Second, "the builder to be noticed down", func() bool { return a.builders.current() == nil })
	readyz()
	if m := metric(); m != "coderready_builder_up 0" {
		t.Errorf("metric: %q", m)
	}
	if got := connects.Load(); got != n {
		t.Errorf("connected %d more times to a builder it already had", got-n)
	}
}

// TestReadyzUnconfigured: a server without its app credentials cannot take
// webhooks, so it is not ready, and says what is missing.
func TestReadyzUnconfigured(t *testing.T) {
	a := newTestApp(t, testAppOptions{unconfigured: true})
	rec := get(t, a.Handler(), "/readyz")
	var rd readiness
	if err := json.Unmarshal(rec.Body.Bytes(), &rd); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusServiceUnavailable || rd.Ready || !strings.Contains(rd.Checks["setup"], "/setup") || len(rd.Missing) == 0 {
		t.Errorf("/readyz unconfigured: %d %s", rec.Code, rec.Body.String())
	}
	if rd.Checks["database"] != "ok" {
		t.Errorf("database check: %q", rd.Checks["database"])
	}
}
