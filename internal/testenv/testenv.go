// Package testenv tells tests what their machine offers: a Docker engine
// with the offline test images, the Dev Containers CLI, and the
// repository's testdata.
//
// A test that needs an engine or the CLI is skipped, with the reason and
// the script that provides it, when the machine lacks them, except under
// CI=true (where .ci/run provides both), where the test fails instead:
// CI never passes by skipping. Data a test reads from testdata is part of
// the repository, so a missing file fails the test everywhere.
//
// Only tests (and test tools) import this package.
package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// InCI reports whether the tests run under CI (CI=true), where every test
// must run.
func InCI() bool { return os.Getenv("CI") == "true" }

// Unavailable ends tb for want of something on the machine: under CI=true
// it fails the test, elsewhere it skips it. The message should name what
// is missing and how to get it.
func Unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		tb.Fatalf("%s (CI=true: a missing dependency fails the test)", msg)
	}
	tb.Skipf("%s (set CI=true to make this a failure)", msg)
}

// TestImages are the images scripts/test-images.sh makes; tests that use
// the engine build on them (no image can be pulled where the tests run).
var TestImages = []string{
	"coderready-test/debian:bookworm",
	"coderready-test/debian:bookworm-nonroot",
	"coderready-test/busybox:static",
	"coderready-test/busybox:static-nonroot",
	"coderready-test/musl:synthetic",
	"coderready-test/coder-ready:bookworm",
}

// engineProbes caches, per engine address, whether that engine answers
// and holds every test image: one probe per test binary and engine.
var (
	engineMu     sync.Mutex
	engineProbes = map[string]error{}
	engineOwned  = map[string]bool{}
)

// probeEngine checks that the engine the environment names (DOCKER_HOST,
// else the default socket) answers and holds every test image.
func probeEngine() error {
	host := engineHost()
	engineMu.Lock()
	defer engineMu.Unlock()
	if err, ok := engineProbes[host]; ok {
		return err
	}
	err := probeEngineAt(host)
	engineProbes[host] = err
	return err
}

func probeEngineAt(host string) error {
	c, err := client.New(client.FromEnv)
	if err != nil {
		return fmt.Errorf("docker client for %s: %w", host, err)
	}
	defer func() { _ = c.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.Ping(ctx, client.PingOptions{}); err != nil {
		return fmt.Errorf("no Docker engine answers at %s (scripts/start-dockerd.sh starts one): %w", host, err)
	}
	var missing []string
	for _, ref := range TestImages {
		if _, err := c.ImageInspect(ctx, ref); err != nil {
			missing = append(missing, ref)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the Docker engine at %s lacks the test images %s (scripts/test-images.sh makes them)", host, strings.Join(missing, ", "))
	}
	return nil
}

// engineHost names the engine the environment selects, for messages.
func engineHost() string {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return h
	}
	return client.DefaultDockerHost
}

// RequireEngine returns a client of the Docker engine the environment
// names (DOCKER_HOST and the other DOCKER_* variables, as the docker CLI
// reads them), closed when tb ends. Without an engine holding the test
// images the test is Unavailable.
func RequireEngine(tb testing.TB) *client.Client {
	tb.Helper()
	if err := probeEngine(); err != nil {
		Unavailable(tb, "%v", err)
	}
	c, err := client.New(client.FromEnv)
	if err != nil {
		tb.Fatalf("docker client: %v", err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	if ownEngine(c) {
		// While the test runs it holds the engine's build lock shared;
		// registered after the caller's client and before its own
		// cleanups, the release and the prune run once the test has
		// removed its images.
		lock := lockEngine(tb)
		tb.Cleanup(func() {
			lock.unlock()
			pruneBuildCache(tb, c)
		})
	}
	return c
}

// TestEngineLabel is the daemon label scripts/start-dockerd.sh gives the
// engine it starts: an engine that exists only for the tests.
const TestEngineLabel = "org.coderready.test-engine=true"

// ownEngine reports whether the engine carries TestEngineLabel; asked
// once per test binary and engine.
func ownEngine(c *client.Client) bool {
	host := engineHost()
	engineMu.Lock()
	defer engineMu.Unlock()
	if own, ok := engineOwned[host]; ok {
		return own
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := c.Info(ctx, client.InfoOptions{})
	own := err == nil && slices.Contains(info.Info.Labels, TestEngineLabel)
	engineOwned[host] = own
	return own
}

// pruneBuildCache removes the build cache, after a test on the tests'
// own engine, when no other test uses the engine: with the vfs storage
// driver every cached step is a full copy of its root filesystem (a
// one-line RUN on a 340 MB image keeps 340 MB), so a suite that kept its
// cache would need tens of GB. It prunes only when it gets the engine's
// build lock alone (no test of any package holds it shared): Debian's
// engine (20.10) panics in BuildKit's cache manager when a prune races a
// build that is pulling a base (cache.GetByBlob), which took the engine
// down mid-suite. When another test is running, the prune is left to a
// later test. An engine without TestEngineLabel (a developer's own) is
// never pruned.
func pruneBuildCache(tb testing.TB, c *client.Client) {
	pruneWhenAlone(tb, c, 0)
}

// pruneWhenAlone prunes the engine's build cache once it gets the build
// lock alone, trying for up to wait (0: once); false when it did not get
// it.
func pruneWhenAlone(tb testing.TB, c *client.Client, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	lock, ok := tryLockEngineAlone(tb)
	for !ok && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		lock, ok = tryLockEngineAlone(tb)
	}
	if !ok {
		return false
	}
	defer lock.unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := c.BuildCachePrune(ctx, client.BuildCachePruneOptions{All: true}); err != nil {
		tb.Logf("pruning the test engine's build cache: %v", err)
	}
	return true
}

// probeDevcontainerCLI runs `devcontainer --version` once per test binary.
var probeDevcontainerCLI = sync.OnceValue(func() error {
	p, err := exec.LookPath("devcontainer")
	if err != nil {
		return errors.New("the Dev Containers CLI (devcontainer) is not on PATH (scripts/install-devcontainer-cli.sh installs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, p, "--version").CombinedOutput(); err != nil {
		return fmt.Errorf("%s --version: %w: %s", p, err, strings.TrimSpace(string(out)))
	}
	return nil
})

// RequireDevcontainerCLI makes sure the Dev Containers CLI runs and, since
// it builds there, that the engine is available (RequireEngine). Without
// either the test is Unavailable.
func RequireDevcontainerCLI(tb testing.TB) {
	tb.Helper()
	RequireEngine(tb)
	if err := probeDevcontainerCLI(); err != nil {
		Unavailable(tb, "%v", err)
	}
}

// TestdataDirEnv names the variable that overrides where the repository's
// testdata directory is.
const TestdataDirEnv = "CODERREADY_TESTDATA_DIR"

// TestdataDir returns the repository's testdata directory:
// $CODERREADY_TESTDATA_DIR when set, else the testdata folder beside the
// go.mod found walking up from the working directory (a package's tests
// run in its folder).
func TestdataDir() (string, error) {
	if d := os.Getenv(TestdataDirEnv); d != "" {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			return "", fmt.Errorf("%s=%s is not a directory: %w", TestdataDirEnv, d, statErr(err))
		}
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			td := filepath.Join(dir, "testdata")
			if fi, err := os.Stat(td); err != nil || !fi.IsDir() {
				return "", fmt.Errorf("the module at %s has no testdata directory: %w", dir, statErr(err))
			}
			return td, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s (set %s)", wd, TestdataDirEnv)
		}
		dir = parent
	}
}

// statErr keeps a nil error (a file that is there but not a directory)
// from reading as success.
func statErr(err error) error {
	if err == nil {
		return errors.New("not a directory")
	}
	return err
}

// Testdata returns the path of rel (slash-separated) under the
// repository's testdata directory. The data is part of the repository, so
// when it is not there the test fails, under CI or not.
func Testdata(tb testing.TB, rel string) string {
	tb.Helper()
	dir, err := TestdataDir()
	if err != nil {
		tb.Fatalf("testdata: %v", err)
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("testdata/%s is part of the repository but cannot be read: %v", rel, err)
	}
	return p
}

// Glob returns the files under the repository's testdata directory that
// match pattern (slash-separated, filepath.Match syntax), sorted. A
// pattern that matches nothing fails the test: a test whose data went
// missing must not pass by checking nothing.
func Glob(tb testing.TB, pattern string) []string {
	tb.Helper()
	dir, err := TestdataDir()
	if err != nil {
		tb.Fatalf("testdata: %v", err)
	}
	paths, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(pattern)))
	if err != nil {
		tb.Fatalf("testdata/%s: %v", pattern, err)
	}
	if len(paths) == 0 {
		tb.Fatalf("testdata/%s matches no file: the test data is part of the repository", pattern)
	}
	return paths
}

// probeChromium finds Debian's chromium (or CHROMIUM, when set) and runs
// it once per test binary.
var probeChromium = sync.OnceValues(func() (string, error) {
	name := os.Getenv("CHROMIUM")
	if name == "" {
		name = "chromium"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("no %s on PATH: headless Chromium drives the status page's browser test (apt-get install chromium; .ci/run installs it)", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, p, "--headless", "--no-sandbox", "--version").CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s --version: %w: %s", p, err, strings.TrimSpace(string(out)))
	}
	return p, nil
})

// RequireChromium returns the path of a headless-capable Chromium
// (Debian's chromium package, or the binary CHROMIUM names). Without one
// the test is Unavailable.
func RequireChromium(tb testing.TB) string {
	tb.Helper()
	p, err := probeChromium()
	if err != nil {
		Unavailable(tb, "%v", err)
	}
	return p
}
