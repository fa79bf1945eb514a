package app

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/riverqueue/river"
)

func TestSignatureTestVector(t *testing.T) {
	// GitHub's documented test vector.
	got := sign("It's a Secret to Everybody", []byte("Hello, World!"))
	want := "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got != want {
		t.Fatalf("sign = %s, want %s", got, want)
	}
}

func TestWebhook(t *testing.T) {
	opened := readFixture(t, "pull_request.opened.json")
	big := append([]byte(`{"action":"opened","pad":"`), bytes.Repeat([]byte("x"), MaxWebhookBytes)...)
	big = append(big, `"}`...)
	tests := []struct {
		name      string
		event     string
		delivery  string
		body      []byte
		signature string // "" signs with the right secret; "-" sends none
		ctype     string
		want      int
		queued    int // delivery jobs in the queue afterwards
	}{
		{name: "pull_request opened", event: "pull_request", delivery: "d-1", body: opened, want: http.StatusAccepted, queued: 1},
		{name: "bad signature", event: "pull_request", delivery: "d-2", body: opened, signature: sign("wrong secret", opened), want: http.StatusUnauthorized},
		{name: "no signature", event: "pull_request", delivery: "d-3", body: opened, signature: "-", want: http.StatusUnauthorized},
		{name: "sha1 only", event: "pull_request", delivery: "d-4", body: opened, signature: "sha1=" + strings.Repeat("0", 40), want: http.StatusUnauthorized},
		{name: "signature of other bytes", event: "pull_request", delivery: "d-5", body: opened, signature: sign(testSecret, append([]byte(" "), opened...)), want: http.StatusUnauthorized},
		{name: "oversized body", event: "pull_request", delivery: "d-6", body: big, want: http.StatusRequestEntityTooLarge},
		{name: "unknown event", event: "star", delivery: "d-7", body: []byte(`{"action":"created"}`), want: http.StatusNoContent},
		{name: "ping", event: "ping", delivery: "d-8", body: readFixture(t, "ping.json"), want: http.StatusOK},
		{name: "not JSON", event: "pull_request", delivery: "d-9", body: []byte("{nope"), want: http.StatusBadRequest},
		{name: "no delivery ID", event: "pull_request", delivery: "", body: opened, want: http.StatusBadRequest},
		{name: "form content type", event: "pull_request", delivery: "d-10", body: opened, ctype: "text/plain", want: http.StatusUnsupportedMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t, testAppOptions{})
			sig := tt.signature
			switch sig {
			case "":
				sig = sign(testSecret, tt.body)
			case "-":
				sig = ""
			}
			ct := tt.ctype
			if ct == "" {
				ct = "application/json"
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(tt.body))
			req.Header.Set("Content-Type", ct)
			req.Header.Set("X-GitHub-Event", tt.event)
			req.Header.Set("X-GitHub-Delivery", tt.delivery)
			if sig != "" {
				req.Header.Set("X-Hub-Signature-256", sig)
			}
			a.Handler().ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d; body %q", rec.Code, tt.want, rec.Body.String())
			}
			if got := countJobs(t, a, deliveryArgs{}.Kind()); got != tt.queued {
				t.Errorf("%d deliveries queued, want %d", got, tt.queued)
			}
		})
	}
}

func TestWebhookDuplicateDelivery(t *testing.T) {
	a := newTestApp(t, testAppOptions{})
	body := readFixture(t, "pull_request.opened.json")
	codes := []int{}
	for range 3 {
		resp := deliver(t, a.Handler(), "pull_request", "same-delivery", body)
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != http.StatusAccepted || codes[1] != http.StatusOK || codes[2] != http.StatusOK {
		t.Errorf("statuses %v, want 202 then 200 for the repeats", codes)
	}
	if got := countJobs(t, a, deliveryArgs{}.Kind()); got != 1 {
		t.Errorf("%d deliveries queued, want 1", got)
	}
}

func TestWebhookNotConfigured(t *testing.T) {
	a := newTestApp(t, testAppOptions{unconfigured: true})
	resp := deliver(t, a.Handler(), "pull_request", "d-1", readFixture(t, "pull_request.opened.json"))
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), EnvWebhookSecret) {
		t.Errorf("status %d body %q, want 503 naming %s", resp.StatusCode, b, EnvWebhookSecret)
	}
	for _, page := range []string{"/", "/setup"} {
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, page, nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), EnvAppID) {
			t.Errorf("%s: status %d, want 200 naming what is missing; body:\n%s", page, rec.Code, rec.Body.String())
		}
	}
}

func countJobs(t *testing.T, a *App, kind string) int {
	t.Helper()
	res, err := a.river.JobList(t.Context(), river.NewJobListParams().Kinds(kind).First(10000))
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Jobs)
}

func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func TestLogsSayWhatIsMissing(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return buf.Write(p) })
	h := setupHandler{Handler: slog.NewJSONHandler(w, nil), missing: func() []string { return []string{EnvAppID} }}
	slog.New(h).With("repo", "a/b").Info("hello")
	if !strings.Contains(buf.String(), `"setup_missing":["CODERREADY_APP_ID"]`) {
		t.Errorf("log line %s lacks setup_missing", buf.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
