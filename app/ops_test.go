package app

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderready/coderready/app/auth"
	"github.com/coderready/coderready/app/githubfake"
)

func TestOperationalEndpoints(t *testing.T) {
	a := newTestApp(t, testAppOptions{})
	if rec := get(t, a.Handler(), "/healthz"); rec.Code != http.StatusOK {
		t.Errorf("/healthz %d", rec.Code)
	}
	rec := get(t, a.Handler(), "/readyz")
	var rd readiness
	if err := json.Unmarshal(rec.Body.Bytes(), &rd); err != nil || rec.Code != http.StatusOK || !rd.Ready || rd.Checks["database"] != "ok" {
		t.Errorf("/readyz %d %s", rec.Code, rec.Body.String())
	}
	deliver(t, a.Handler(), "pull_request", "m1", readFixture(t, "pull_request.opened.json"))
	deliver(t, a.Handler(), "pull_request", "m1", readFixture(t, "pull_request.opened.json"))
	metrics := get(t, a.Handler(), "/metrics").Body.String()
	for _, want := range []string{
		`coderready_webhook_deliveries_total{event="pull_request",result="accepted"} 1`,
		`coderready_webhook_deliveries_total{event="pull_request",result="duplicate"} 1`,
		"coderready_webhook_ack_seconds_bucket",
		"go_goroutines",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// The database gone: not ready.
	_ = a.store.Close()
	if rec := get(t, a.Handler(), "/readyz"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database closed: %d, want 503", rec.Code)
	}
}

func TestBuildsOnThisHost(t *testing.T) {
	cases := []struct {
		dockerHost string
		local      bool
	}{
		{"", true},
		{"  ", true},
		{"unix:///var/run/docker.sock", true},
		{"unix:///run/user/1000/docker.sock", true},
		{"npipe:////./pipe/docker_engine", true},
		{"tcp://127.0.0.1:2375", true},
		{"tcp://localhost:2375", true},
		{"tcp://[::1]:2376", true},
		{"tcp://0.0.0.0:2375", true},
		{"tcp://builder:2375", false},
		{"tcp://builder.example.internal:2376", false},
		{"tcp://10.0.0.7:2376", false},
		{"https://builder.example.internal:2376", false},
		{"ssh://build@builder.example.internal", false},
	}
	for _, c := range cases {
		if got := BuildsOnThisHost(c.dockerHost); got != c.local {
			t.Errorf("BuildsOnThisHost(%q) = %v, want %v", c.dockerHost, got, c.local)
		}
	}
}

// syncBuffer collects log output written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLocalBuildsWarning is issue 9's "builds on the server's own machine
// are loud": with DOCKER_HOST unset or a local socket, the start log (a
// WARN line), the status page and /readyz's warnings say that pull requests
// build on the host that holds the app's key and name the deploy setups
// with a separate builder; /readyz stays ready unless a remote builder is
// required. An engine elsewhere, or no builder at all, is not warned about.
func TestLocalBuildsWarning(t *testing.T) {
	cases := []struct {
		name       string
		dockerHost string
		noBuilder  bool
		require    bool
		warn       bool
		ready      bool
	}{
		{name: "DOCKER_HOST unset", dockerHost: "", warn: true, ready: true},
		{name: "the local socket", dockerHost: "unix:///var/run/docker.sock", warn: true, ready: true},
		{name: "the local socket, remote builder required", dockerHost: "unix:///var/run/docker.sock", require: true, warn: true, ready: false},
		{name: "a builder over TCP", dockerHost: "tcp://builder:2375", ready: true},
		{name: "a builder over TCP, remote builder required", dockerHost: "tcp://builder.example.internal:2376", require: true, ready: true},
		{name: "no builder", dockerHost: "", noBuilder: true, ready: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := githubfake.Start(t, githubfake.Options{})
			var logs syncBuffer
			s := Settings{
				DataDir: t.TempDir(), GitHubURL: fake.URL, GitHubAPIURL: fake.URL,
				AppID: fake.AppID(), PrivateKey: fake.AppKeyPEM(), WebhookSecret: testSecret,
				DockerHost: c.dockerHost, RequireRemoteBuilder: c.require,
			}
			opts := Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
			if !c.noBuilder {
				opts.Builder = &recordingBuilder{}
				opts.BuilderPing = func(context.Context) error { return nil }
			}
			a, err := New(t.Context(), s, opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				_ = a.Shutdown(ctx)
			})
			says := []string{"pull requests build on this machine", "the host that holds the app's private key", "deploy/compose.yaml", "deploy/kubernetes/coderready.yaml"}
			has := func(where, text string) {
				t.Helper()
				for _, w := range says {
					if strings.Contains(text, w) != c.warn {
						t.Errorf("%s: says %q: %v, want %v\n%s", where, w, !c.warn, c.warn, text)
					}
				}
			}

			// At start: one WARN line.
			var warned bool
			for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("log line %q: %v", line, err)
				}
				if msg, _ := rec["msg"].(string); strings.Contains(msg, says[0]) {
					warned = true
					if rec["level"] != "WARN" || rec["docker_host"] != c.dockerHost {
						t.Errorf("start log: %s, want level WARN and docker_host %q", line, c.dockerHost)
					}
					has("start log", msg)
				}
			}
			if warned != c.warn {
				t.Errorf("start log warns: %v, want %v\n%s", warned, c.warn, logs.String())
			}

			// The status page.
			status := html.UnescapeString(getAs(t, a, auth.Session{Admin: true}, "/").Body.String())
			has("status page", status)
			if c.warn && !strings.Contains(status, "Docker engine on this machine") {
				t.Errorf("status page's builder row:\n%s", status)
			}

			// /readyz.
			rec := get(t, a.Handler(), "/readyz")
			var rd readiness
			if err := json.Unmarshal(rec.Body.Bytes(), &rd); err != nil {
				t.Fatal(err)
			}
			has("/readyz warnings", strings.Join(rd.Warnings, "\n"))
			wantCode := http.StatusOK
			if !c.ready {
				wantCode = http.StatusServiceUnavailable
			}
			if rd.Ready != c.ready || rec.Code != wantCode {
				t.Errorf("/readyz: %d ready=%v, want %d ready=%v\n%s", rec.Code, rd.Ready, wantCode, c.ready, rec.Body.String())
			}
			if check := rd.Checks["builder_host"]; (check != "") != (c.require && c.warn) || (check != "" && !strings.Contains(check, EnvRequireRemoteBuilder)) {
				t.Errorf("/readyz builder_host check: %q", check)
			}
		})
	}
}
