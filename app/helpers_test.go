package app

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/internal/testenv"
	"github.com/coderready/coderready/store/storetest"
)

const testSecret = "test webhook secret"

// readFixture reads a real webhook payload from testdata/fixtures.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.Testdata(t, "fixtures/github-webhooks/"+name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// editFixture reads a payload and changes it: edit gets the decoded JSON.
func editFixture(t testing.TB, name string, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readFixture(t, name), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// obj walks a decoded JSON object by keys.
func obj(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

type testAppOptions struct {
	unconfigured bool
	fake         *githubfake.Server
	databaseURL  string
	builder      build.Builder
	dataDir      string
	settings     func(*Settings)
	transport    http.RoundTripper
}

// newTestApp makes an app on a temporary data dir (SQLite unless a
// database URL is given) talking to a fake GitHub. Its workers are not
// started: call Start for that.
func newTestApp(t testing.TB, o testAppOptions) *App {
	t.Helper()
	fake := o.fake
	if fake == nil {
		fake = githubfake.Start(t, githubfake.Options{})
	}
	s := Settings{
		DataDir:      o.dataDir,
		DatabaseURL:  o.databaseURL,
		GitHubAPIURL: fake.URL,
		GitHubURL:    fake.URL,
		NoRegistry:   true,
		Build:        build.Settings{Network: build.NetworkHost},
		CompareBase:  true,
		Workers:      2,
	}
	if s.DataDir == "" {
		s.DataDir = t.TempDir()
	}
	if !o.unconfigured {
		s.AppID = fake.AppID()
		s.PrivateKey = fake.AppKeyPEM()
		s.WebhookSecret = testSecret
	}
	if o.settings != nil {
		o.settings(&s)
	}
	a, err := New(t.Context(), s, Options{
		Logger:          slog.New(slog.NewJSONHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Builder:         o.builder,
		PollInterval:    50 * time.Millisecond,
		JobTimeout:      10 * time.Minute,
		GitHubTransport: o.transport,
		Manifest:        []byte("name: coderready\nurl: https://example.com\nhook_attributes:\n  url: https://example.com/webhook\ndefault_permissions:\n  checks: write\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = a.Shutdown(ctx)
	})
	return a
}

// testWriter sends log lines to the test log.
type testWriter struct{ t testing.TB }

var logMu sync.Mutex

func (w testWriter) Write(p []byte) (int, error) {
	logMu.Lock()
	defer logMu.Unlock()
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// deliver posts a signed delivery to h.
func deliver(t testing.TB, h http.Handler, event, delivery string, body []byte) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", delivery)
	req.Header.Set("X-Hub-Signature-256", sign(testSecret, body))
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// waitIdle waits until the app's queue has no work left (every delivery
// and check job worked): what the queued work would do is done, so a test
// can assert that something did not happen.
func waitIdle(t testing.TB, a *App) {
	t.Helper()
	storetest.WaitQueueIdle(t, a.river, 60*time.Second)
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
