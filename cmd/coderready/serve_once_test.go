package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/app/review"
)

// TestServeKilledAtEveryWritePostsOnce kills `coderready serve` (SIGKILL)
// while one of its writes is at GitHub, lets GitHub carry the write out (or
// refuse it), starts the server again on the same data dir, and expects
// the check finished with nothing posted twice: one check run with each
// annotation once, one review with each suggestion once.
func TestServeKilledAtEveryWritePostsOnce(t *testing.T) {
	tests := []struct {
		name string
		op   string
		// body the held request's body contains; nth: which such request
		// (from 1)
		body string
		nth  int
		// applied: GitHub carries the request out although its client
		// died; else it answers 502 without doing it
		applied bool
	}{
		{"aggregate run creation, carried out", "checks/create", `"name":"coderready",`, 1, true},
		{"check run creation, carried out", "checks/create", `"name":"coderready / Dockerfile"`, 1, true},
		{"second annotation batch, carried out", "checks/update", `"annotations"`, 2, true},
		{"second annotation batch, not carried out", "checks/update", `"annotations"`, 2, false},
		{"completing update, carried out", "checks/update", `"conclusion"`, 1, true},
		{"review, carried out", "pulls/create-review", "", 1, true},
		{"review, not carried out", "pulls/create-review", "", 1, false},
		{"aggregate run completion, carried out", "checks/update", `"name":"coderready","status":"completed"`, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			killedAt(t, tt.op, tt.body, tt.nth, tt.applied)
		})
	}
}

func killedAt(t *testing.T, op, body string, nth int, applied bool) {
	const repo = "Codertocat/Hello-World"
	var df strings.Builder
	df.WriteString("FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates\nCMD [\"bash\"]\n")
	for i := range 120 {
		fmt.Fprintf(&df, "RUN curl -fsSLo /usr/local/bin/tool%d https://example.com/tool%d-linux-amd64\n", i, i)
	}
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddInstallation(githubfake.Installation{ID: 1, Account: "Codertocat"})
	fake.AddRepo(githubfake.Repo{Owner: "Codertocat", Name: "Hello-World", DefaultBranch: "master", InstallationID: 1})
	base := fake.AddCommit(repo, "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", map[string]string{"README.md": "hi\n"})
	head := fake.AddCommit(repo, "ec26c3e57ca3a959ca5aad62de7213c562f8c821", map[string]string{"README.md": "hi\n", "Dockerfile": df.String()})
	fake.AddPullRequest(githubfake.PullRequest{Repo: repo, Number: 2, Head: githubfake.PRRef{Ref: "changes", SHA: head}, Base: githubfake.PRRef{Ref: "master", SHA: base}})

	reached := make(chan struct{})
	release := make(chan struct{})
	var mu sync.Mutex
	seen := 0
	fake.OnRequest(func(r *http.Request, got string) {
		if got != op {
			return
		}
		b, _ := io.ReadAll(r.Body)
		if !bytes.Contains(b, []byte(body)) {
			return
		}
		mu.Lock()
		seen++
		hold := seen == nth
		mu.Unlock()
		if hold {
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
	case <-time.After(60 * time.Second):
		t.Fatalf("the job never sent %s #%d", op, nth)
	}
	held := heldAt(fake, op, body, nth)
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.done
	if !applied {
		// The held request is answered 502 without being carried out.
		fake.Fail(githubfake.Matcher{OperationID: op}, 1, githubfake.BadGateway())
	}
	close(release)
	// GitHub is done with the request before the server comes back (else
	// the restarted job could list what is there before it lands).
	for answered := false; !answered; {
		for _, r := range fake.Requests() {
			answered = answered || (r.OperationID == op && r.Status != 0 && bytes.Contains(r.Body, []byte(body)) && !r.At.Before(held))
		}
		if !answered {
			time.Sleep(20 * time.Millisecond)
		}
	}

	restarted := time.Now()
	second := startServe(t, env, "--no-build --no-registry")
	deadline := time.Now().Add(90 * time.Second)
	for !checkDone(fake, repo, restarted) {
		if time.Now().After(deadline) {
			t.Fatalf("the check was not completed after the restart: %+v", fake.CheckRuns(repo))
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A graceful stop lets whatever the job still does finish: what is on
	// GitHub afterwards is all it posts.
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-second.done

	names := map[string]int{}
	for _, cr := range fake.CheckRuns(repo) {
		names[cr.Name]++
		if cr.Status != "completed" {
			t.Errorf("check run %q is %s", cr.Name, cr.Status)
		}
		if cr.Name != "coderready / Dockerfile" {
			continue
		}
		keys := map[string]bool{}
		for _, a := range cr.Annotations {
			keys[fmt.Sprintf("%s:%d:%s", a.Path, a.StartLine, a.Title)] = true
		}
		if len(cr.Annotations) != 123 || len(keys) != 123 {
			t.Errorf("%d annotations (%d distinct), want 123 once each", len(cr.Annotations), len(keys))
		}
	}
	for name, n := range names {
		if n != 1 {
			t.Errorf("%d check runs named %q, want 1", n, name)
		}
	}
	reviews := fake.Reviews(repo, 2)
	fps := map[string]bool{}
	for _, c := range fake.ReviewComments(repo, 2) {
		fp, _ := review.FingerprintOf(c.Body)
		fps[fp] = true
	}
	// CR101's, CR104's (with CR105's git in the same edit) and the first
	// CR112's, whose ARG TARGETARCH goes right above it; the other CR112
	// fixes share that ARG and go to the patch.
	if len(reviews) != 1 || len(fake.ReviewComments(repo, 2)) != 3 || len(fps) != 3 {
		t.Errorf("%d reviews, %d suggestions (%d distinct); want 1 review with 3", len(reviews), len(fake.ReviewComments(repo, 2)), len(fps))
	}
}

// heldAt returns when the nth request of op whose body contains body
// arrived.
func heldAt(fake *githubfake.Server, op, body string, nth int) time.Time {
	n := 0
	for _, r := range fake.Requests() {
		if r.OperationID == op && bytes.Contains(r.Body, []byte(body)) {
			if n++; n == nth {
				return r.At
			}
		}
	}
	return time.Time{}
}

// checkDone reports whether every check run of repo is completed and the
// target's was completed by a request made after since (the killed
// server's last request may have completed it already).
func checkDone(fake *githubfake.Server, repo string, since time.Time) bool {
	runs := fake.CheckRuns(repo)
	target := false
	for _, cr := range runs {
		if cr.Status != "completed" {
			return false
		}
		if cr.Name == "coderready / Dockerfile" {
			last := cr.History[len(cr.History)-1]
			target = last.Status == "completed" && last.At.After(since)
		}
	}
	return target
}
