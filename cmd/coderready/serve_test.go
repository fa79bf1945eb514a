package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/internal/testenv"
	"github.com/coderready/coderready/store"
)

// serveChildEnv makes the test binary run `coderready serve` (with the
// arguments in CODERREADY_SERVE_ARGS) instead of the tests: a real server
// process the tests can kill.
const serveChildEnv = "CODERREADY_TEST_SERVE_CHILD"

func TestMain(m *testing.M) {
	if args := os.Getenv(cliChildEnv); args != "" {
		// A child running one command, for tests that kill it.
		os.Exit(run(context.Background(), strings.Fields(args), os.Stdout, os.Stderr))
	}
	if os.Getenv(serveChildEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, append([]string{"serve"}, strings.Fields(os.Getenv("CODERREADY_SERVE_ARGS"))...), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

type serveChild struct {
	cmd  *exec.Cmd
	addr string
	log  *bytes.Buffer
	lb   *lockedBuffer
	done chan struct{} // closed when the process has exited
	err  error         // its exit, once done is closed
}

// listenedOn is the address in serve's "listening" log line, or "".
func listenedOn(log string) string {
	for _, line := range strings.Split(log, "\n") {
		var rec struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "coderready serve listening" {
			return rec.Addr
		}
	}
	return ""
}

type lockedBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

// logString is what the child wrote so far.
func (c *serveChild) logString() string {
	c.lb.mu.Lock()
	defer c.lb.mu.Unlock()
	return c.lb.String()
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

// startServe runs serve in a child process on a port the kernel picks
// (":0", never a port probed free and released, which another socket can
// take in between) and returns once /healthz answers on the address the
// child logged.
func startServe(t *testing.T, env []string, args string) *serveChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, serveChildEnv+"=1", "CODERREADY_SERVE_ARGS="+args, "CODERREADY_LISTEN=127.0.0.1:0")...)
	var log lockedBuffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &serveChild{cmd: cmd, log: &log.Buffer, lb: &log, done: make(chan struct{})}
	go func() { c.err = cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-c.done
		if t.Failed() {
			log.mu.Lock()
			t.Logf("serve log:\n%s", log.String())
			log.mu.Unlock()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c.addr == "" {
			c.addr = listenedOn(c.logString())
		}
		if c.addr != "" {
			if resp, err := http.Get("http://" + c.addr + "/healthz"); err == nil {
				_ = resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return c
				}
			}
		}
		select {
		case <-c.done:
			t.Fatalf("serve exited: %v\n%s", c.err, log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer /healthz")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func signedPost(t *testing.T, url, secret, event, delivery string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", delivery)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// TestServeKilledMidJobResumes kills `coderready serve` (SIGKILL) while a
// check run is in progress, starts it again on the same data dir, and
// expects the same check run completed: none is left in progress.
func TestServeKilledMidJobResumes(t *testing.T) {
	const repo = "Codertocat/Hello-World"
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddInstallation(githubfake.Installation{ID: 1, Account: "Codertocat"})
	fake.AddRepo(githubfake.Repo{Owner: "Codertocat", Name: "Hello-World", DefaultBranch: "master", InstallationID: 1})
	base := fake.AddCommit(repo, "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", map[string]string{"README.md": "hi\n"})
	head := fake.AddCommit(repo, "ec26c3e57ca3a959ca5aad62de7213c562f8c821", map[string]string{"README.md": "hi\n", "Dockerfile": "FROM debian:bookworm\nCMD [\"bash\"]\n"})
	fake.AddPullRequest(githubfake.PullRequest{Repo: repo, Number: 2, Head: githubfake.PRRef{Ref: "changes", SHA: head}, Base: githubfake.PRRef{Ref: "master", SHA: base}})

	// The first check run update (the job's progress) never returns: the
	// server is killed while it waits.
	reached := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	fake.OnRequest(func(_ *http.Request, op string) {
		if op != "checks/update" {
			return
		}
		first := false
		once.Do(func() { first = true })
		if first {
			close(reached)
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

	dir := t.TempDir()
	keyPath := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(keyPath, fake.AppKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	const secret = "kill test secret"
	env := []string{
		fmt.Sprintf("CODERREADY_APP_ID=%d", fake.AppID()), "CODERREADY_PRIVATE_KEY_FILE=" + keyPath,
		"CODERREADY_WEBHOOK_SECRET=" + secret, "CODERREADY_DATA_DIR=" + filepath.Join(dir, "data"),
		"CODERREADY_GITHUB_API_URL=" + fake.URL, "CODERREADY_DATABASE_URL=",
	}
	payload, err := os.ReadFile(filepath.Join(sharedDir(t), "fixtures", "github-webhooks", "pull_request.opened.json"))
	if err != nil {
		t.Fatal(err)
	}

	first := startServe(t, env, "--no-build --no-registry")
	if code := signedPost(t, "http://"+first.addr+"/webhook", secret, "pull_request", "kill-1", payload); code != http.StatusAccepted {
		t.Fatalf("delivery: %d", code)
	}
	select {
	case <-reached:
	case <-time.After(30 * time.Second):
		t.Fatal("the job never reached its first check run update")
	}
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.done
	// The target's run and the aggregate "coderready" run.
	runs := fake.CheckRuns(repo)
	if len(runs) != 2 || runs[0].Status != "in_progress" || runs[1].Status != "in_progress" {
		t.Fatalf("after the kill: %d runs, want two in progress", len(runs))
	}
	id := runs[1].ID
	close(release)

	second := startServe(t, env, "--no-build --no-registry")
	deadline := time.Now().Add(60 * time.Second)
	for {
		runs = fake.CheckRuns(repo)
		if len(runs) == 2 && runs[0].Status == "completed" && runs[1].Status == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the check run was not completed after the restart: %+v", runs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if runs[1].ID != id || fake.Count("checks/create") != 2 {
		t.Errorf("check run %d (%d runs created), want the same run %d completed", runs[1].ID, fake.Count("checks/create"), id)
	}
	if runs[0].Conclusion != "neutral" || runs[1].Conclusion != "neutral" {
		t.Errorf("conclusions %q, %q; want neutral", runs[0].Conclusion, runs[1].Conclusion)
	}
	// A second server on the same SQLite data dir is refused.
	third := exec.Command(os.Args[0], "-test.run=^$")
	third.Env = append(os.Environ(), append(env, serveChildEnv+"=1", "CODERREADY_SERVE_ARGS=--no-build", "CODERREADY_LISTEN=127.0.0.1:0")...)
	out, err := third.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "another coderready serve") {
		t.Errorf("a second serve on the same data dir: %v\n%s", err, out)
	}
	// SIGTERM: a graceful exit.
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-second.done:
		if second.err != nil {
			t.Errorf("serve exited with %v after SIGTERM, want 0", second.err)
		}
	case <-time.After(40 * time.Second):
		t.Error("serve did not exit after SIGTERM")
	}
}

func sharedDir(t *testing.T) string {
	t.Helper()
	return testenv.Testdata(t, "")
}

// TestServeForgetSetup: --forget-setup re-arms the one-shot setup flow
// only once the stored credentials are gone, and says what it did.
func TestServeForgetSetup(t *testing.T) {
	for _, env := range []string{"CODERREADY_APP_ID", "CODERREADY_PRIVATE_KEY_FILE", "CODERREADY_WEBHOOK_SECRET", "CODERREADY_DATABASE_URL"} {
		t.Setenv(env, "")
	}
	dir := t.TempDir()
	forget := func() (int, string) {
		var out, errb bytes.Buffer
		code := run(t.Context(), []string{"serve", "--forget-setup", "--data-dir", dir}, &out, &errb)
		return code, out.String() + errb.String()
	}
	if code, out := forget(); code != 0 || !strings.Contains(out, "nothing to forget") {
		t.Errorf("empty data dir: exit %d\n%s", code, out)
	}
	st, err := store.Open(t.Context(), store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := st.ClaimSetup(t.Context(), nil, 5, time.Now()); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"github-app.json": `{"app_id": 5, "webhook_secret": "s"}`, "github-app.private-key.pem": "a key"}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if code, out := forget(); code != 2 || !strings.Contains(out, "remove github-app.json and github-app.private-key.pem") {
		t.Errorf("credentials stored: exit %d, want 2 and what to remove\n%s", code, out)
	}
	for name := range files {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if code, out := forget(); code != 0 || !strings.Contains(out, "Forgot GitHub App 5") {
		t.Errorf("credentials removed: exit %d\n%s", code, out)
	}
	if code, out := forget(); code != 0 || !strings.Contains(out, "nothing to forget") {
		t.Errorf("forgotten twice: exit %d\n%s", code, out)
	}
}
