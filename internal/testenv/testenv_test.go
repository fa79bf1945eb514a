package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
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
