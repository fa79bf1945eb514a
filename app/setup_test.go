package app

import (
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/coderready/coderready/app/githubfake"
)

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

func TestSetupManifestFlow(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	dir := t.TempDir()
	a := newTestApp(t, testAppOptions{fake: fake, unconfigured: true, dataDir: dir, settings: func(s *Settings) { s.PublicURL = "https://coderready.example.com" }})

	page := get(t, a.Handler(), "/setup?org=acme")
	if page.Code != http.StatusOK {
		t.Fatalf("/setup: %d", page.Code)
	}
	body := page.Body.String()
	action := regexp.MustCompile(`action="([^"]+)"`).FindStringSubmatch(body)
	manifest := regexp.MustCompile(`name="manifest" value="([^"]+)"`).FindStringSubmatch(body)
	if action == nil || manifest == nil {
		t.Fatalf("no form with a manifest:\n%s", body)
	}
	act := html.UnescapeString(action[1])
	if !strings.HasPrefix(act, fake.URL+"/organizations/acme/settings/apps/new?state=") {
		t.Errorf("form posts to %s", act)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(manifest[1])), &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	if m["redirect_url"] != "https://coderready.example.com/setup/callback" || m["hook_attributes"].(map[string]any)["url"] != "https://coderready.example.com/webhook" {
		t.Errorf("manifest URLs: %v", m)
	}
	state := act[strings.Index(act, "state=")+len("state="):]

	if rec := get(t, a.Handler(), "/setup/callback?code=x&state=forged"); rec.Code != http.StatusBadRequest {
		t.Errorf("forged state: %d, want 400", rec.Code)
	}
	created := fake.AddManifestCode("the-code")
	rec := get(t, a.Handler(), "/setup/callback?code=the-code&state="+state)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Install it") {
		t.Fatalf("callback: %d\n%s", rec.Code, rec.Body.String())
	}
	for _, f := range []string{credentialsFile, keyFile} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v mode %v, want 0600", f, err, fi.Mode())
		}
	}
	if a.Settings().AppID != created.ID || len(a.missing()) != 0 {
		t.Errorf("settings after setup: app %d missing %v", a.Settings().AppID, a.missing())
	}
	// Webhooks signed with the new secret are accepted at once.
	helloWorld(t, fake, map[string]string{"Dockerfile": rootDockerfile})
	body2 := readFixture(t, "ping.json")
	req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(string(body2)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "ping")
	req.Header.Set("X-GitHub-Delivery", "p1")
	req.Header.Set("X-Hub-Signature-256", sign(created.WebhookSecret, body2))
	rr := httptest.NewRecorder()
	a.Handler().ServeHTTP(rr, req)
	if rr.Code != http.StatusOK {
		t.Errorf("ping with the new secret: %d", rr.Code)
	}
	// A restart reads the stored credentials.
	ctx := t.Context()
	if err := a.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	s := Settings{DataDir: dir, GitHubAPIURL: fake.URL}
	if err := s.Normalize(); err != nil {
		t.Fatal(err)
	}
	if s.AppID != created.ID || s.WebhookSecret != created.WebhookSecret || len(s.PrivateKey) == 0 {
		t.Errorf("restart settings: %+v", s)
	}
}

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
