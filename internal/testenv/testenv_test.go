package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// recorder is a testing.TB that records how a helper ended the test
// instead of ending the real one.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls fn with a recorder on its own goroutine (Skipf and Fatalf end
// it, as they end a test).
func run(t *testing.T, fn func(tb testing.TB)) *recorder {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	return r
}

func TestUnavailable(t *testing.T) {
	tests := []struct {
		ci                  string
		wantSkip, wantFatal bool
	}{
		{ci: "true", wantFatal: true},
		{ci: "", wantSkip: true},
		{ci: "false", wantSkip: true},
	}
	for _, tt := range tests {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := run(t, func(tb testing.TB) { Unavailable(tb, "no %s here", "engine") })
			if (r.skipped != "") != tt.wantSkip || (r.failed != "") != tt.wantFatal {
				t.Fatalf("skipped %q, failed %q; want skip %v, fatal %v", r.skipped, r.failed, tt.wantSkip, tt.wantFatal)
			}
			if msg := r.skipped + r.failed; !strings.Contains(msg, "no engine here") || !strings.Contains(msg, "CI=true") {
				t.Errorf("message %q: want the reason and what CI=true does", msg)
			}
		})
	}
}

// TestRequireEngineHonoursDockerHost: the engine is the one DOCKER_HOST
// names; one that does not answer skips outside CI and fails under it,
// naming the address.
func TestRequireEngineHonoursDockerHost(t *testing.T) {
	host := "unix://" + filepath.Join(t.TempDir(), "no-engine.sock")
	t.Setenv("DOCKER_HOST", host)
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		r := run(t, func(tb testing.TB) {
			RequireEngine(tb)
			tb.Errorf("RequireEngine returned with no engine at %s", host)
		})
		msg := r.skipped + r.failed
		if !strings.Contains(msg, host) || !strings.Contains(msg, "scripts/start-dockerd.sh") {
			t.Errorf("CI=%q: message %q, want the address and how to start an engine", ci, msg)
		}
		if (ci == "true") != (r.failed != "") {
			t.Errorf("CI=%q: skipped %q, failed %q", ci, r.skipped, r.failed)
		}
	}
}

// TestRequireEngine: where the engine runs (CI), the helper returns a
// client that reaches it.
func TestRequireEngine(t *testing.T) {
	c := RequireEngine(t)
	if _, err := c.ImageInspect(t.Context(), TestImages[0]); err != nil {
		t.Errorf("the returned client cannot see %s: %v", TestImages[0], err)
	}
}

// TestBuildCachePruned: a test's build leaves no cache on the tests' own
// engine once the test ends; under CI the engine must be that one, or the
// suite's vfs copies fill the disk.
func TestBuildCachePruned(t *testing.T) {
	// This test's own client must not hold the engine's build lock, or
	// no prune could run while it waits.
	if err := probeEngine(); err != nil {
		Unavailable(t, "%v", err)
	}
	c, err := client.New(client.FromEnv)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if !ownEngine(c) {
		if InCI() {
			t.Fatalf("CI=true but the engine lacks the label %s: scripts/start-dockerd.sh did not start it, and its build cache is never pruned", TestEngineLabel)
		}
		t.Skipf("the engine lacks %s (not started by scripts/start-dockerd.sh): its build cache is left alone", TestEngineLabel)
	}
	// The marker names this build's step in its cache record's
	// description, apart from the builds of packages running alongside.
	marker := fmt.Sprintf("prune-marker-%d", time.Now().UnixNano())
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM "+TestImages[2]+"\nRUN echo "+marker+" > /marker\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mine := func() int {
		du, err := c.DiskUsage(context.Background(), client.DiskUsageOptions{BuildCache: true})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range du.BuildCache.Items {
			if strings.Contains(r.Description, marker) {
				n++
			}
		}
		return n
	}
	t.Run("build", func(t *testing.T) {
		c := RequireEngine(t)
		// Debian's docker.io client has BuildKit built in, as the scripts
		// say; a newer client elsewhere on PATH may want buildx.
		docker := "docker"
		if _, err := os.Stat("/usr/bin/docker"); err == nil {
			docker = "/usr/bin/docker"
		}
		cmd := exec.Command(docker, "build", "--network", "host", "-q", dir)
		cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("docker build: %v", err)
		}
		id := strings.TrimSpace(string(out))
		t.Cleanup(func() { _, _ = c.ImageRemove(context.Background(), id, client.ImageRemoveOptions{Force: true}) })
		if mine() == 0 {
			t.Fatal("the build left no cache record naming its step: the test would prove nothing")
		}
	})
	// The subtest's own cleanup prunes when no other test (of any
	// package running alongside) uses the engine; otherwise the prune
	// waits for a moment the engine is free, as a later test's would.
	if n := mine(); n != 0 {
		if !pruneWhenAlone(t, c, 5*time.Minute) {
			t.Fatal("the engine was never free of other tests for 5 minutes: no prune could run")
		}
		if n := mine(); n != 0 {
			t.Errorf("%d build cache records of the subtest's build left after a prune", n)
		}
	}
}

func TestRequireDevcontainerCLI(t *testing.T) {
	RequireDevcontainerCLI(t)
}

func TestTestdata(t *testing.T) {
	p := Testdata(t, "corpus/SOURCES.md")
	if _, err := os.Stat(p); err != nil || !filepath.IsAbs(p) {
		t.Errorf("Testdata = %q (%v)", p, err)
	}
	r := run(t, func(tb testing.TB) { Testdata(tb, "corpus/no-such-file") })
	if !strings.Contains(r.failed, "corpus/no-such-file") || r.skipped != "" {
		t.Errorf("a missing file: failed %q, skipped %q; want a failure naming it", r.failed, r.skipped)
	}
}

func TestTestdataDirEnv(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(TestdataDirEnv, dir)
	if got := Testdata(t, "x.json"); got != filepath.Join(dir, "x.json") {
		t.Errorf("Testdata = %q, want it under %s", got, dir)
	}
	t.Setenv(TestdataDirEnv, filepath.Join(dir, "x.json"))
	if _, err := TestdataDir(); err == nil || !strings.Contains(err.Error(), TestdataDirEnv) {
		t.Errorf("a file as the testdata dir: %v", err)
	}
}

func TestGlob(t *testing.T) {
	if got := Glob(t, "corpus/*devcontainer.json"); len(got) < 2 {
		t.Errorf("Glob found %d devcontainer.json files in the corpus", len(got))
	}
	r := run(t, func(tb testing.TB) { Glob(tb, "corpus/*.no-such-kind") })
	if !strings.Contains(r.failed, "matches no file") {
		t.Errorf("an empty match: failed %q, skipped %q; want a failure", r.failed, r.skipped)
	}
}
