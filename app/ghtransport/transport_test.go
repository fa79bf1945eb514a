package ghtransport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// step is one scripted answer.
type step struct {
	status int
	header map[string]string
	body   string
	hangup bool // close the connection without answering
}

// script serves steps in order and records the bodies it received.
type script struct {
	mu     sync.Mutex
	steps  []step
	bodies []string
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, string(b))
	st := step{status: http.StatusOK, body: `{"ok":true}`}
	if len(s.steps) > 0 {
		st, s.steps = s.steps[0], s.steps[1:]
	}
	s.mu.Unlock()
	if st.hangup {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	for k, v := range st.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(st.status)
	_, _ = io.WriteString(w, st.body)
}

const secondaryBody = `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"403"}`

func TestRoundTrip(t *testing.T) {
	reset := t0.Add(17 * time.Minute)
	primaryHeaders := map[string]string{"X-Ratelimit-Remaining": "0", "X-Ratelimit-Limit": "5000", "X-Ratelimit-Reset": strconv.FormatInt(reset.Unix(), 10), "X-Ratelimit-Resource": "core"}
	tests := []struct {
		name       string
		noReplay   bool // the request is marked WithoutReplay
		steps      []step
		wantErr    bool // the transport's own error, no answer
		maxRetries int
		unbuffered bool // a body without GetBody cannot be sent again
		wantStatus int  // 0: want a *RateLimitError
		wantRL     *RateLimitError
		wantSleeps []time.Duration
		wantCalls  int
		wantBody   string // of the answer passed through
	}{
		{
			name:       "502 then success",
			steps:      []step{{status: 502}, {status: 201, body: "created"}},
			wantStatus: 201, wantSleeps: []time.Duration{time.Second}, wantCalls: 2, wantBody: "created",
		},
		{
			name:       "5xx until retries run out",
			steps:      []step{{status: 503}, {status: 504}, {status: 502}, {status: 502, body: "last"}},
			wantStatus: 502, wantSleeps: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, wantCalls: 4, wantBody: "last",
		},
		{
			name:       "MaxRetries 1",
			steps:      []step{{status: 503}, {status: 503}},
			maxRetries: 1,
			wantStatus: 503, wantSleeps: []time.Duration{time.Second}, wantCalls: 2,
		},
		{
			name:       "500 is not retried",
			steps:      []step{{status: 500, body: "boom"}},
			wantStatus: 500, wantCalls: 1, wantBody: "boom",
		},
		{
			name:       "connection error then success",
			steps:      []step{{hangup: true}, {status: 200, body: "ok"}},
			wantStatus: 200, wantSleeps: []time.Duration{time.Second}, wantCalls: 2, wantBody: "ok",
		},
		{
			name: "without replay: 502 is not sent again", noReplay: true,
			steps:      []step{{status: 502, body: "bad gateway"}, {status: 201}},
			wantStatus: 502, wantCalls: 1, wantBody: "bad gateway",
		},
		{
			name: "without replay: 504 is not sent again", noReplay: true,
			steps:      []step{{status: 504}, {status: 200}},
			wantStatus: 504, wantCalls: 1,
		},
		{
			name: "without replay: 503 is sent again", noReplay: true,
			steps:      []step{{status: 503}, {status: 201, body: "created"}},
			wantStatus: 201, wantSleeps: []time.Duration{time.Second}, wantCalls: 2, wantBody: "created",
		},
		{
			name: "without replay: a dropped connection is not sent again", noReplay: true,
			steps:   []step{{hangup: true}, {status: 201}},
			wantErr: true, wantCalls: 1,
		},
		{
			name:       "body that cannot be rewound is not retried",
			steps:      []step{{status: 502, body: "bad gateway"}},
			unbuffered: true,
			wantStatus: 502, wantCalls: 1, wantBody: "bad gateway",
		},
		{
			name:      "403 secondary with Retry-After 120",
			steps:     []step{{status: 403, header: map[string]string{"Retry-After": "120"}, body: secondaryBody}},
			wantRL:    &RateLimitError{Status: 403, Until: t0.Add(120 * time.Second)},
			wantCalls: 1,
		},
		{
			name:       "403 secondary with a short Retry-After is waited out once",
			steps:      []step{{status: 403, header: map[string]string{"Retry-After": "3"}, body: secondaryBody}, {status: 200, body: "ok"}},
			wantStatus: 200, wantSleeps: []time.Duration{3 * time.Second}, wantCalls: 2, wantBody: "ok",
		},
		{
			name: "a second short secondary limit is returned",
			steps: []step{
				{status: 403, header: map[string]string{"Retry-After": "2"}, body: secondaryBody},
				{status: 429, header: map[string]string{"Retry-After": "2"}},
			},
			wantRL:     &RateLimitError{Status: 429, Until: t0.Add(2 * time.Second)},
			wantSleeps: []time.Duration{2 * time.Second}, wantCalls: 2,
		},
		{
			name:      "403 secondary without Retry-After waits a minute",
			steps:     []step{{status: 403, body: secondaryBody}},
			wantRL:    &RateLimitError{Status: 403, Until: t0.Add(time.Minute)},
			wantCalls: 1,
		},
		{
			name:      "429 without headers is a secondary limit",
			steps:     []step{{status: 429}},
			wantRL:    &RateLimitError{Status: 429, Until: t0.Add(time.Minute)},
			wantCalls: 1,
		},
		{
			name:      "429 primary",
			steps:     []step{{status: 429, header: primaryHeaders, body: `{"message":"API rate limit exceeded for installation ID 7."}`}},
			wantRL:    &RateLimitError{Status: 429, Primary: true, Until: reset, Resource: "core", Message: "API rate limit exceeded for installation ID 7."},
			wantCalls: 1,
		},
		{
			name:      "403 primary",
			steps:     []step{{status: 403, header: primaryHeaders}},
			wantRL:    &RateLimitError{Status: 403, Primary: true, Until: reset, Resource: "core"},
			wantCalls: 1,
		},
		{
			name:       "403 that is no rate limit passes through whole",
			steps:      []step{{status: 403, header: map[string]string{"X-Ratelimit-Remaining": "4999"}, body: `{"message":"Resource not accessible by integration"}`}},
			wantStatus: 403, wantCalls: 1, wantBody: `{"message":"Resource not accessible by integration"}`,
		},
		{
			name:       "404 passes through",
			steps:      []step{{status: 404, body: "nope"}},
			wantStatus: 404, wantCalls: 1, wantBody: "nope",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := &script{steps: tt.steps}
			srv := httptest.NewServer(sc)
			defer srv.Close()
			var sleeps []time.Duration
			tr := &Transport{
				Clock:      func() time.Time { return t0 },
				MaxRetries: tt.maxRetries,
				Sleep: func(_ context.Context, d time.Duration) error {
					sleeps = append(sleeps, d)
					return nil
				},
			}
			var body io.Reader = strings.NewReader(`{"name":"x"}`)
			if tt.unbuffered {
				body = io.MultiReader(strings.NewReader(`{"name":"x"}`))
			}
			method, path := http.MethodPost, "/repos/o/r/check-runs"
			ctx := context.Background()
			if tt.noReplay {
				ctx = WithoutReplay(ctx)
			}
			req, err := http.NewRequestWithContext(ctx, method, srv.URL+path+"?x=1", body)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := tr.RoundTrip(req)
			if tt.wantErr {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("answer %d, want the transport's error", resp.StatusCode)
				}
			} else if tt.wantRL != nil {
				rl, ok := AsRateLimit(err)
				if !ok {
					t.Fatalf("err = %v, resp = %v; want a rate limit", err, resp)
				}
				want := *tt.wantRL
				want.Method, want.Path = method, path
				if want.Message == "" {
					want.Message = rl.Message
				}
				if *rl != want {
					t.Errorf("rate limit = %+v\nwant %+v", *rl, want)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.wantStatus || (tt.wantBody != "" && string(got) != tt.wantBody) {
					t.Errorf("answer %d %q, want %d %q", resp.StatusCode, got, tt.wantStatus, tt.wantBody)
				}
			}
			if fmt.Sprint(sleeps) != fmt.Sprint(tt.wantSleeps) {
				t.Errorf("sleeps = %v, want %v", sleeps, tt.wantSleeps)
			}
			if len(sc.bodies) != tt.wantCalls {
				t.Errorf("calls = %d, want %d", len(sc.bodies), tt.wantCalls)
			}
			for i, b := range sc.bodies {
				if b != `{"name":"x"}` {
					t.Errorf("attempt %d sent body %q", i+1, b)
				}
			}
		})
	}
}

// dialFailsOnce fails its first request as a refused connection (nothing
// was sent), then passes requests on.
type dialFailsOnce struct{ failed bool }

func (d *dialFailsOnce) RoundTrip(r *http.Request) (*http.Response, error) {
	if !d.failed {
		d.failed = true
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestPostSentAgainWhenNeverSent: a request marked WithoutReplay that
// could not connect at all is sent again (GitHub never saw it).
func TestPostSentAgainWhenNeverSent(t *testing.T) {
	sc := &script{steps: []step{{status: 201, body: "created"}}}
	srv := httptest.NewServer(sc)
	defer srv.Close()
	tr := &Transport{Base: &dialFailsOnce{}, Sleep: func(context.Context, time.Duration) error { return nil }}
	req, _ := http.NewRequestWithContext(WithoutReplay(context.Background()), http.MethodPost, srv.URL+"/repos/o/r/check-runs", strings.NewReader(`{"name":"x"}`))
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 || len(sc.bodies) != 1 || sc.bodies[0] != `{"name":"x"}` {
		t.Errorf("answer %d, bodies %q", resp.StatusCode, sc.bodies)
	}
}

func TestRoundTripStopsWhenContextEnds(t *testing.T) {
	sc := &script{steps: []step{{status: 502}, {status: 502}}}
	srv := httptest.NewServer(sc)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The context ends as the transport starts its hour-long wait after
	// the first 502: only the context can end that wait.
	tr := &Transport{Backoff: func(int) time.Duration { cancel(); return time.Hour }}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/repos/o/r/pulls/1", nil)
	_, err := tr.RoundTrip(req)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want the context's end", err)
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if len(sc.bodies) != 1 {
		t.Errorf("%d requests sent, want 1 (the wait was cut short, not retried)", len(sc.bodies))
	}
}

func TestRoute(t *testing.T) {
	tests := map[string]string{
		"https://api.github.com/repos/o/r/check-runs":                       "check-runs",
		"https://api.github.com/repos/o/r/check-runs/5":                     "check-runs",
		"https://api.github.com/repos/o/r/commits/feature/x/check-runs":     "check-runs",
		"https://ghe.example.com/api/v3/repos/o/r/pulls/3":                  "pulls",
		"https://api.github.com/repos/o/r/pulls/3/files?page=2":             "pull-files",
		"https://api.github.com/repositories/42/pulls/3/files?page=2":       "pull-files",
		"https://api.github.com/repos/o/r/pulls/3/reviews":                  "pull-reviews",
		"https://api.github.com/repos/o/r/pulls/3/comments":                 "pull-comments",
		"https://api.github.com/repos/o/r/contents/.github/coderready.yaml": "contents",
		"https://api.github.com/repos/o/r/tarball/main":                     "archive",
		"https://codeload.github.com/o/r/legacy.tar.gz/refs/heads/main":     "codeload",
		"https://api.github.com/repos/o/r/git/trees/abc":                    "git",
		"https://api.github.com/repos/o/r/installation":                     "installation",
		"https://api.github.com/repos/o/r":                                  "repos",
		"https://api.github.com/app/installations/7/access_tokens":          "installation-token",
		"https://api.github.com/app/installations/7":                        "app",
		"https://api.github.com/app-manifests/abc/conversions":              "app-manifests",
		"https://api.github.com/user":                                       "other",
	}
	for raw, want := range tests {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := Route(u); got != want {
			t.Errorf("Route(%s) = %q, want %q", raw, got, want)
		}
	}
}

func TestAsRateLimitAndWait(t *testing.T) {
	ours := &RateLimitError{Status: 403, Until: t0.Add(2 * time.Minute)}
	retry := 90 * time.Second
	req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/repos/o/r/pulls/1"}}
	tests := []struct {
		name     string
		err      error
		want     bool
		primary  bool
		wantWait time.Duration
	}{
		{name: "nil", err: nil},
		{name: "other", err: errors.New("boom")},
		{name: "ours", err: ours, want: true, wantWait: 2 * time.Minute},
		{name: "in url.Error", err: &url.Error{Op: "Get", URL: "https://x", Err: ours}, want: true, wantWait: 2 * time.Minute},
		{name: "wrapped twice", err: fmt.Errorf("job: %w", &url.Error{Op: "Get", URL: "https://x", Err: fmt.Errorf("refresh token: %w", ours)}), want: true, wantWait: 2 * time.Minute},
		{name: "past reset waits MinWait", err: &RateLimitError{Until: t0.Add(-time.Hour)}, want: true, wantWait: MinWait},
		{
			name:    "go-github primary",
			err:     &github.RateLimitError{Rate: github.Rate{Reset: github.Timestamp{Time: t0.Add(30 * time.Minute)}}, Response: &http.Response{StatusCode: 403, Request: req}},
			want:    true,
			primary: true, wantWait: 30 * time.Minute,
		},
		{
			name: "go-github abuse with Retry-After",
			err:  &github.AbuseRateLimitError{RetryAfter: &retry, Response: &http.Response{StatusCode: 403, Request: req}},
			want: true, wantWait: retry,
		},
		{
			name: "go-github abuse without Retry-After",
			err:  fmt.Errorf("x: %w", &github.AbuseRateLimitError{Response: &http.Response{StatusCode: 403, Request: req}}),
			want: true, wantWait: time.Minute,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rl, ok := asRateLimit(tt.err, t0)
			if ok != tt.want {
				t.Fatalf("asRateLimit ok = %v", ok)
			}
			if !ok {
				if _, ok := wait(tt.err, t0); ok {
					t.Error("wait ok for no rate limit")
				}
				return
			}
			if rl.Primary != tt.primary {
				t.Errorf("primary = %v", rl.Primary)
			}
			if d, ok := wait(tt.err, t0); !ok || d != tt.wantWait {
				t.Errorf("wait = %s, %v; want %s", d, ok, tt.wantWait)
			}
			if rl.Error() == "" {
				t.Error("empty message")
			}
		})
	}
	if d, ok := Wait(&RateLimitError{Until: time.Now().Add(time.Hour)}); !ok || d < 59*time.Minute || d > time.Hour {
		t.Errorf("Wait = %s, %v", d, ok)
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	if again := NewMetrics(reg); again.calls != m.calls {
		t.Error("NewMetrics twice on one registry made new series")
	}
	sc := &script{steps: []step{
		{status: 502},
		{status: 200, header: map[string]string{"X-Ratelimit-Remaining": "4321", "X-Ratelimit-Resource": "core"}},
		{status: 429, header: map[string]string{"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "1"}},
	}}
	srv := httptest.NewServer(sc)
	defer srv.Close()
	tr := &Transport{Metrics: m, Sleep: func(context.Context, time.Duration) error { return nil }}
	for range 2 {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/repos/o/r/pulls/1/files", nil)
		if resp, err := tr.RoundTrip(req); err == nil {
			resp.Body.Close()
		}
	}
	checks := []struct {
		c    prometheus.Collector
		want float64
	}{
		{m.calls.WithLabelValues("GET", "pull-files", "502"), 1},
		{m.calls.WithLabelValues("GET", "pull-files", "200"), 1},
		{m.calls.WithLabelValues("GET", "pull-files", "429"), 1},
		{m.retries.WithLabelValues("pull-files", "server_error"), 1},
		{m.limits.WithLabelValues("primary"), 1},
		{m.remaining.WithLabelValues("core"), 0},
	}
	for i, c := range checks {
		if got := testutil.ToFloat64(c.c); got != c.want {
			t.Errorf("check %d = %v, want %v", i, got, c.want)
		}
	}
	if n := testutil.CollectAndCount(reg, "coderready_github_api_calls_total"); n != 3 {
		t.Errorf("call series = %d", n)
	}
}
