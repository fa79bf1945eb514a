package ghtransport_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/coderready/coderready/app/ghtransport"
	"github.com/coderready/coderready/app/githubfake"
)

const instID = 7

// setup returns a fake GitHub with one pull request, and a go-github
// installation client going through a Transport that records metrics and
// sleeps instantly (recording the sleeps).
func setup(t *testing.T, opts githubfake.Options) (*githubfake.Server, *github.Client, *prometheus.Registry, *[]time.Duration, string) {
	t.Helper()
	fake := githubfake.Start(t, opts)
	fake.AddInstallation(githubfake.Installation{ID: instID, Account: "acme"})
	base := fake.AddCommit("acme/widgets", "", map[string]string{"Dockerfile": "FROM debian:12\n"})
	head := fake.AddCommit("acme/widgets", "", map[string]string{"Dockerfile": "FROM debian:12\nRUN apt-get install -y git\n"})
	fake.AddPullRequest(githubfake.PullRequest{Repo: "acme/widgets", Number: 1, Head: githubfake.PRRef{Ref: "feature", SHA: head}, Base: githubfake.PRRef{Ref: "main", SHA: base}})

	reg := prometheus.NewRegistry()
	sleeps := &[]time.Duration{}
	tr := &ghtransport.Transport{
		Metrics: ghtransport.NewMetrics(reg),
		Sleep: func(_ context.Context, d time.Duration) error {
			*sleeps = append(*sleeps, d)
			return nil
		},
	}
	app, err := ghtransport.NewAppTransport(tr, fake.URL, fake.AppID(), fake.AppKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	gh, err := ghtransport.NewInstallationClient(app, instID)
	if err != nil {
		t.Fatal(err)
	}
	return fake, gh, reg, sleeps, head
}

// value returns the value of the series name{labels} in reg (0 if none).
func value(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, s := range mf.GetMetric() {
			got := map[string]string{}
			for _, l := range s.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue series
				}
			}
			if s.GetCounter() != nil {
				return s.GetCounter().GetValue()
			}
			return s.GetGauge().GetValue()
		}
	}
	return 0
}

func calls(t *testing.T, reg *prometheus.Registry, method, route, code string) float64 {
	t.Helper()
	return value(t, reg, "coderready_github_api_calls_total", map[string]string{"method": method, "route": route, "code": code})
}

func TestBadGatewayThenSuccess(t *testing.T) {
	fake, gh, reg, sleeps, head := setup(t, githubfake.Options{})
	fake.Fail(githubfake.Matcher{OperationID: "checks/list-for-ref"}, 1, githubfake.BadGateway())
	runs, _, err := gh.Checks.ListCheckRunsForRef(context.Background(), "acme", "widgets", head, nil)
	if err != nil {
		t.Fatal(err)
	}
	if runs.GetTotal() != 0 {
		t.Errorf("check runs = %+v", runs)
	}
	if n := fake.Count("checks/list-for-ref"); n != 2 {
		t.Errorf("checks/list-for-ref requests = %d", n)
	}
	if len(*sleeps) != 1 || (*sleeps)[0] != time.Second {
		t.Errorf("sleeps = %v", *sleeps)
	}
	if c502, c200 := calls(t, reg, "GET", "check-runs", "502"), calls(t, reg, "GET", "check-runs", "200"); c502 != 1 || c200 != 1 {
		t.Errorf("calls 502=%v 200=%v", c502, c200)
	}
	if c := calls(t, reg, "POST", "installation-token", "201"); c != 1 {
		t.Errorf("token calls = %v", c)
	}
	// The fake allows 5000 calls an hour per credential; one was charged
	// to the installation (like GitHub's, its 502 was not).
	if got := value(t, reg, "coderready_github_rate_limit_remaining", map[string]string{"resource": "core"}); got != 4999 {
		t.Errorf("rate limit remaining = %v", got)
	}
}

// TestPostAnswered502IsNotSentTwice: GitHub created the check run but its
// edge answered 502; marked WithoutReplay, the POST is not sent again
// (that would make a second check run), the caller gets the 502.
func TestPostAnswered502IsNotSentTwice(t *testing.T) {
	fake, gh, _, sleeps, head := setup(t, githubfake.Options{})
	fake.Fail(githubfake.Matcher{OperationID: "checks/create"}, 1, githubfake.AfterHandling(githubfake.BadGateway()))
	_, resp, err := gh.Checks.CreateCheckRun(ghtransport.WithoutReplay(context.Background()), "acme", "widgets", github.CreateCheckRunOptions{
		Name: "coderready / Dockerfile", HeadSHA: head, Status: github.String("in_progress"),
	})
	if err == nil || resp == nil || resp.StatusCode != 502 {
		t.Fatalf("want the 502, got %v", err)
	}
	if n := fake.Count("checks/create"); n != 1 {
		t.Errorf("checks/create requests = %d, want 1", n)
	}
	if runs := fake.CheckRuns("acme/widgets"); len(runs) != 1 {
		t.Errorf("check runs = %+v, want the one the first POST made", runs)
	}
	if len(*sleeps) != 0 {
		t.Errorf("sleeps = %v", *sleeps)
	}
}

func TestRateLimitsThroughGoGitHub(t *testing.T) {
	reset := time.Now().Add(20 * time.Minute).Truncate(time.Second)
	tests := []struct {
		name        string
		fault       githubfake.FaultResponse
		op          string
		wantPrimary bool
		wantStatus  int
		wantWait    time.Duration // approximate
	}{
		{name: "403 secondary Retry-After 120", fault: githubfake.SecondaryRateLimit(403, 120*time.Second), op: "pulls/get", wantStatus: 403, wantWait: 120 * time.Second},
		{name: "429 secondary no Retry-After", fault: githubfake.SecondaryRateLimit(429, 0), op: "pulls/get", wantStatus: 429, wantWait: time.Minute},
		{name: "429 primary", fault: githubfake.PrimaryRateLimit(429, reset), op: "pulls/get", wantPrimary: true, wantStatus: 429, wantWait: time.Until(reset)},
		{name: "403 primary", fault: githubfake.PrimaryRateLimit(403, reset), op: "pulls/get", wantPrimary: true, wantStatus: 403, wantWait: time.Until(reset)},
		{name: "secondary on the token request", fault: githubfake.SecondaryRateLimit(403, 300*time.Second), op: "apps/create-installation-access-token", wantStatus: 403, wantWait: 300 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, gh, _, sleeps, _ := setup(t, githubfake.Options{})
			fake.Fail(githubfake.Matcher{OperationID: tt.op}, 1, tt.fault)
			_, _, err := gh.PullRequests.Get(context.Background(), "acme", "widgets", 1)
			rl, ok := ghtransport.AsRateLimit(err)
			if !ok {
				t.Fatalf("err = %v; want a rate limit", err)
			}
			if rl.Primary != tt.wantPrimary || rl.Status != tt.wantStatus {
				t.Errorf("rate limit = %+v", rl)
			}
			wait, ok := ghtransport.Wait(err)
			if !ok || wait < tt.wantWait-5*time.Second || wait > tt.wantWait+time.Second {
				t.Errorf("Wait = %s, want about %s", wait, tt.wantWait)
			}
			if len(*sleeps) != 0 {
				t.Errorf("slept %v on a long rate limit", *sleeps)
			}
			// The limit is not sticky: the next call goes through.
			if _, _, err := gh.PullRequests.Get(context.Background(), "acme", "widgets", 1); err != nil {
				t.Errorf("next call: %v", err)
			}
		})
	}
}

func TestShortSecondaryLimitIsWaitedInline(t *testing.T) {
	fake, gh, _, sleeps, _ := setup(t, githubfake.Options{})
	fake.Fail(githubfake.Matcher{Method: "GET", PathPrefix: "/repos/acme/widgets/pulls/1/files"}, 1, githubfake.SecondaryRateLimit(403, 2*time.Second))
	files, _, err := gh.PullRequests.ListFiles(context.Background(), "acme", "widgets", 1, nil)
	if err != nil || len(files) != 1 {
		t.Fatalf("files = %v, %v", files, err)
	}
	if len(*sleeps) != 1 || (*sleeps)[0] < time.Second || (*sleeps)[0] > 2*time.Second {
		t.Errorf("sleeps = %v", *sleeps)
	}
}

func TestTokenRefetchedAfterExpiry(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a token to age (about 2 s)")
	}
	// ghinstallation refreshes a token a minute before it expires: with
	// tokens lasting 61.5 s, the first stays in use for half a second to
	// one and a half, then a new one is fetched.
	clk := &fakeClock{}
	fake, gh, _, _, _ := setup(t, githubfake.Options{TokenTTL: 61500 * time.Millisecond, Now: clk.Now})
	ctx := context.Background()
	get := func() {
		t.Helper()
		if _, _, err := gh.PullRequests.Get(ctx, "acme", "widgets", 1); err != nil {
			t.Fatal(err)
		}
	}
	get()
	get()
	if n := fake.Tokens(); n != 1 {
		t.Fatalf("tokens after two calls = %d, want 1 (cached)", n)
	}
	time.Sleep(1600 * time.Millisecond)
	// On the server the first token has now expired too: a client that
	// kept it would get 401 (a violation). (Not much further: the app JWT
	// ghinstallation signs lasts 90 s.)
	clk.Add(62 * time.Second)
	get()
	if n := fake.Tokens(); n != 2 {
		t.Errorf("tokens after expiry = %d, want 2", n)
	}
}

// fakeClock runs with the real clock, plus an offset tests add to.
type fakeClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}
