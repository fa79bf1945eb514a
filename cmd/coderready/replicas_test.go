package main

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/store/storetest"
)

var setupStateRE = regexp.MustCompile(`[?&]state=([0-9a-f]+)"`)

// httpGet returns a GET's status and body.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestReplicas: two `serve` processes on one PostgreSQL, unconfigured.
// The setup flow started on one finishes on the other, and both then hold
// the app's credentials. Deliveries sent to both run once each. A replica
// killed (-9) mid-job has its job taken over by the other, and every check
// run ends completed, each created once.
func TestReplicas(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	const repo = "Codertocat/Hello-World"
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddInstallation(githubfake.Installation{ID: 1, Account: "Codertocat"})
	fake.AddRepo(githubfake.Repo{Owner: "Codertocat", Name: "Hello-World", DefaultBranch: "master", InstallationID: 1})
	base := fake.AddCommit(repo, "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", map[string]string{"README.md": "hi\n"})

	env := func(name string) []string {
		return []string{
			"CODERREADY_APP_ID=", "CODERREADY_PRIVATE_KEY_FILE=", "CODERREADY_WEBHOOK_SECRET=",
			"CODERREADY_DATA_DIR=" + filepath.Join(t.TempDir(), name),
			"CODERREADY_GITHUB_URL=" + fake.URL, "CODERREADY_GITHUB_API_URL=" + fake.URL,
			"CODERREADY_DATABASE_URL=" + dbURL, "CODERREADY_PUBLIC_URL=https://coderready.example.test",
		}
	}
	// A job left running by a killed replica is run again after 25 s.
	args := "--no-build --no-registry --job-timeout 20s --rescue-after 25s"
	a := startServe(t, env("a"), args)
	b := startServe(t, env("b"), args)

	// The setup flow: the form on a, GitHub's redirect back to b.
	code, page := httpGet(t, "http://"+a.addr+"/setup?org=Codertocat")
	m := setupStateRE.FindStringSubmatch(html.UnescapeString(page))
	if code != http.StatusOK || m == nil {
		t.Fatalf("GET a/setup: %d, no state:\n%s", code, page)
	}
	creds := fake.AddManifestCode("replicas")
	if code, page := httpGet(t, "http://"+b.addr+"/setup/callback?code=replicas&state="+m[1]); code != http.StatusOK || !strings.Contains(page, "Created the GitHub App") {
		t.Fatalf("b/setup/callback with a's state: %d\n%s", code, page)
	}
	for name, r := range map[string]*serveChild{"a": a, "b": b} {
		code, body := httpGet(t, "http://"+r.addr+"/readyz")
		var rd struct {
			Ready   bool     `json:"ready"`
			Missing []string `json:"missing"`
		}
		_ = json.Unmarshal([]byte(body), &rd)
		if code != http.StatusOK || !rd.Ready || len(rd.Missing) != 0 {
			t.Errorf("%s after the setup: /readyz %d %s", name, code, body)
		}
	}
	// And the flow is done for both: a second redeem is refused.
	if code, _ := httpGet(t, "http://"+a.addr+"/setup/callback?code=replicas&state="+m[1]); code != http.StatusConflict {
		t.Errorf("a second callback on a: %d, want 409", code)
	}

	payload, err := os.ReadFile(filepath.Join(sharedDir(t), "fixtures", "github-webhooks", "pull_request.opened.json"))
	if err != nil {
		t.Fatal(err)
	}
	deliver := func(to *serveChild, pr int, sha string) {
		t.Helper()
		fake.AddCommit(repo, sha, map[string]string{"README.md": "hi\n", "Dockerfile": fmt.Sprintf("FROM debian:bookworm\nRUN echo %d\n", pr)})
		fake.AddPullRequest(githubfake.PullRequest{Repo: repo, Number: pr, Head: githubfake.PRRef{Ref: fmt.Sprint("pr", pr), SHA: sha}, Base: githubfake.PRRef{Ref: "master", SHA: base}})
		var body map[string]any
		if err := json.Unmarshal(payload, &body); err != nil {
			t.Fatal(err)
		}
		body["number"] = float64(pr)
		p := body["pull_request"].(map[string]any)
		p["number"] = float64(pr)
		p["head"].(map[string]any)["sha"] = sha
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		if code := signedPost(t, "http://"+to.addr+"/webhook", creds.WebhookSecret, "pull_request", fmt.Sprint("replica-", pr), raw); code != http.StatusAccepted {
			t.Fatalf("delivery of PR %d to %s: %d", pr, to.addr, code)
		}
	}
	heads := map[int]string{}
	for pr := 2; pr <= 7; pr++ {
		heads[pr] = fmt.Sprintf("%040x", pr)
	}
	// Four pull requests, their deliveries alternating between a and b.
	for pr := 2; pr <= 5; pr++ {
		to := a
		if pr%2 == 1 {
			to = b
		}
		deliver(to, pr, heads[pr])
	}
	waitRuns := func(prs []int, d time.Duration) {
		t.Helper()
		deadline := time.Now().Add(d)
		for {
			done := 0
			for _, pr := range prs {
				n := 0
				for _, cr := range fake.CheckRuns(repo) {
					if cr.HeadSHA == heads[pr] && cr.Status == "completed" {
						n++
					}
				}
				if n == 2 { // the target's and the aggregate "coderready"
					done++
				}
			}
			if done == len(prs) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d pull requests' check runs completed after %s", done, len(prs), d)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitRuns([]int{2, 3, 4, 5}, time.Minute)

	// Kill whichever replica runs PR 6's job while it waits on GitHub.
	reached, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var armed sync.Once
	fake.OnRequest(func(r *http.Request, op string) {
		if op != "checks/update" {
			return
		}
		first := false
		once.Do(func() { first = true })
		if first {
			armed.Do(func() { close(reached) })
			<-release
		}
	})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	deliver(a, 6, heads[6])
	select {
	case <-reached:
	case <-time.After(time.Minute):
		t.Fatal("PR 6's job never reached a check run update")
	}
	// The job's log lines carry its head and its job ID (the children's
	// output reaches the test through a pipe: wait for it).
	var victim, survivor *serveChild
	jobLine := regexp.MustCompile(`"head_sha":"` + heads[6] + `","job":\d+`)
	for deadline := time.Now().Add(10 * time.Second); victim == nil; time.Sleep(50 * time.Millisecond) {
		for _, r := range []*serveChild{a, b} {
			if jobLine.MatchString(r.logString()) {
				victim = r
			}
		}
		if victim == nil && time.Now().After(deadline) {
			t.Fatal("neither replica's log shows PR 6's job")
		}
	}
	survivor = a
	if victim == a {
		survivor = b
	}
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-victim.done
	close(release)
	killed := time.Now()
	// The survivor takes the job over once it is older than --rescue-after
	// and still takes deliveries meanwhile.
	deliver(survivor, 7, heads[7])
	waitRuns([]int{6, 7}, 3*time.Minute)
	t.Logf("the killed replica's job was taken over and completed %s after the kill", time.Since(killed).Round(time.Second))

	created := map[string]int{}
	for _, cr := range fake.CheckRuns(repo) {
		created[cr.HeadSHA+" "+cr.Name]++
		if cr.Status != "completed" {
			t.Errorf("%s at %s: %s", cr.Name, cr.HeadSHA[:7], cr.Status)
		}
	}
	for k, n := range created {
		if n != 1 {
			t.Errorf("%d check runs for %s, want 1", n, k)
		}
	}
	if len(created) != 12 {
		t.Errorf("%d distinct check runs, want 12 (6 pull requests × target and aggregate)", len(created))
	}
}
