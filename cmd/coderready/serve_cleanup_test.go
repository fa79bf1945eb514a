package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/app/review"
)

// TestServeKilledDuringCleanupWithdrawsOnce kills `coderready serve`
// (SIGKILL) while it edits a suggestion the pull request's second head
// made outdated, lets GitHub carry the edit out (or answer 502 without
// it), starts the server again, and expects the suggestion withdrawn by
// exactly one edit, the other suggestion untouched, nothing posted twice.
func TestServeKilledDuringCleanupWithdrawsOnce(t *testing.T) {
	for _, applied := range []bool{true, false} {
		t.Run(fmt.Sprintf("carried out %v", applied), func(t *testing.T) {
			killedDuringCleanup(t, applied)
		})
	}
}

func killedDuringCleanup(t *testing.T, applied bool) {
	const (
		repo     = "Codertocat/Hello-World"
		head1    = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
		head2    = "2222222222222222222222222222222222222222"
		df       = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates\nCMD [\"bash\"]\n"
		update   = "pulls/update-review-comment"
		deadline = 90 * time.Second
	)
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddInstallation(githubfake.Installation{ID: 1, Account: "Codertocat"})
	fake.AddRepo(githubfake.Repo{Owner: "Codertocat", Name: "Hello-World", DefaultBranch: "master", InstallationID: 1})
	base := fake.AddCommit(repo, "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", map[string]string{"README.md": "hi\n"})
	setHead := func(sha, dockerfile string) {
		fake.AddCommit(repo, sha, map[string]string{"README.md": "hi\n", "Dockerfile": dockerfile})
		fake.AddPullRequest(githubfake.PullRequest{Repo: repo, Number: 2, Head: githubfake.PRRef{Ref: "changes", SHA: sha}, Base: githubfake.PRRef{Ref: "master", SHA: base}})
	}
	setHead(head1, df)

	reached := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	fake.OnRequest(func(_ *http.Request, op string) {
		if op != update {
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
	fixture := func(name string, edit func(m map[string]any)) []byte {
		b, err := os.ReadFile(filepath.Join(sharedDir(t), "fixtures", "github-webhooks", name))
		if err != nil {
			t.Fatal(err)
		}
		if edit == nil {
			return b
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		if b, err = json.Marshal(m); err != nil {
			t.Fatal(err)
		}
		return b
	}
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		end := time.Now().Add(deadline)
		for !cond() {
			if time.Now().After(end) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	byRule := func() map[string]githubfake.ReviewComment {
		out := map[string]githubfake.ReviewComment{}
		for _, c := range fake.ReviewComments(repo, 2) {
			if _, rest, ok := strings.Cut(c.Body, "**"); ok {
				rule, _, _ := strings.Cut(rest, "**")
				out[rule] = c
			}
		}
		return out
	}

	first := startServe(t, env, "--no-build --no-registry")
	if code := signedPost(t, "http://"+first.addr+"/webhook", secret, "pull_request", "open", fixture("pull_request.opened.json", nil)); code != http.StatusAccepted {
		t.Fatalf("delivery: %d", code)
	}
	waitUntil("the first head's suggestions", func() bool { return checkDone(fake, repo, time.Time{}) && len(fake.ReviewComments(repo, 2)) == 2 })
	suggested := byRule()
	cr101, cr104 := suggested["CR101"], suggested["CR104"]
	if cr101.ID == 0 || cr104.ID == 0 {
		t.Fatalf("the first head's suggestions: %+v; want CR101 and CR104", suggested)
	}

	// The second head commits CR101's suggestion.
	_, rest, _ := strings.Cut(cr101.Body, "```suggestion\n")
	fix, _, _ := strings.Cut(rest, "```")
	lines := strings.Split(strings.TrimSuffix(df, "\n"), "\n")
	committed := append(append(slices.Clone(lines[:cr101.Line-1]), strings.TrimSuffix(fix, "\n")), lines[cr101.Line:]...)
	setHead(head2, strings.Join(committed, "\n")+"\n")
	sync := fixture("pull_request.synchronize.json", func(m map[string]any) {
		m["pull_request"].(map[string]any)["head"].(map[string]any)["sha"] = head2
		m["after"] = head2
	})
	if code := signedPost(t, "http://"+first.addr+"/webhook", secret, "pull_request", "sync", sync); code != http.StatusAccepted {
		t.Fatalf("delivery: %d", code)
	}
	select {
	case <-reached:
	case <-time.After(deadline):
		t.Fatal("the outdated suggestion was never edited")
	}
	held := heldAt(fake, update, "", 1)
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.done
	if !applied {
		fake.Fail(githubfake.Matcher{OperationID: update}, 1, githubfake.BadGateway())
	}
	close(release)
	waitUntil("GitHub to answer the held edit", func() bool {
		for _, r := range fake.Requests() {
			if r.OperationID == update && r.Status != 0 && !r.At.Before(held) {
				return true
			}
		}
		return false
	})

	restarted := time.Now()
	second := startServe(t, env, "--no-build --no-registry")
	// The restarted server resumes the cleanup: it lists the comments
	// again, and edits what is left.
	waitUntil("the resumed cleanup", func() bool {
		listed := false
		for _, r := range fake.Requests() {
			listed = listed || (r.OperationID == "pulls/list-review-comments" && r.Status == http.StatusOK && r.At.After(restarted))
		}
		c, _ := commentByID(fake, repo, cr101.ID)
		return listed && strings.Contains(c.Body, "Fixed in `2222222`")
	})
	waitUntil("the second head's check runs", func() bool {
		runs := fake.CheckRuns(repo)
		for _, cr := range runs {
			if cr.Status != "completed" {
				return false
			}
		}
		return len(runs) == 4
	})
	// A graceful stop lets the jobs finish: what is on GitHub afterwards
	// is all the server does.
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-second.done

	got, _ := commentByID(fake, repo, cr101.ID)
	if got.Edits != 1 || strings.Contains(got.Body, "```suggestion") {
		t.Errorf("CR101's suggestion: %d edits, body\n%s\nwant withdrawn by one edit", got.Edits, got.Body)
	}
	if want := map[bool]int{true: 1, false: 2}[applied]; fake.Count(update) != want {
		t.Errorf("%s sent %d times, want %d", update, fake.Count(update), want)
	}
	if c, ok := commentByID(fake, repo, cr104.ID); !ok || c.Edits != 0 || c.Body != cr104.Body {
		t.Errorf("CR104's suggestion (not fixed) changed: %+v", c)
	}
	fps := map[string]bool{}
	for _, c := range fake.ReviewComments(repo, 2) {
		if fp, ok := review.FingerprintOf(c.Body); ok {
			if fps[fp] {
				t.Errorf("suggestion %s shown twice", fp)
			}
			fps[fp] = true
		}
	}
	names := map[string]int{}
	for _, cr := range fake.CheckRuns(repo) {
		names[cr.HeadSHA[:7]+" "+cr.Name]++
	}
	for name, n := range names {
		if n != 1 {
			t.Errorf("%d check runs %q, want 1", n, name)
		}
	}
}

// commentByID returns review comment id of pull request 2 of repo.
func commentByID(fake *githubfake.Server, repo string, id int64) (githubfake.ReviewComment, bool) {
	for _, c := range fake.ReviewComments(repo, 2) {
		if c.ID == id {
			return c, true
		}
	}
	return githubfake.ReviewComment{}, false
}
