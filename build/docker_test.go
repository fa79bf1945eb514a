package build

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	buildtypes "github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"github.com/coderready/coderready/image"
	"github.com/coderready/coderready/internal/testenv"
)

// engine returns a Docker builder on the test engine (testenv.RequireEngine).
func engine(t *testing.T) *Docker {
	t.Helper()
	testenv.RequireEngine(t)
	d, err := NewDocker()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// engines returns the engine's two builders, classic and BuildKit, for
// tests that must pass with both.
func engines(t *testing.T) []*Docker {
	t.Helper()
	classic, bk := engine(t), engine(t)
	classic.Engine, bk.Engine = EngineClassic, EngineBuildKit
	return []*Docker{classic, bk}
}

// writeFiles writes name → content files under a new temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDockerBuildReadRemove(t *testing.T) {
	for _, d := range engines(t) {
		t.Run(d.Engine, func(t *testing.T) {
			ctx := context.Background()
			dir := writeFiles(t, map[string]string{
				"Dockerfile": "ARG BASE=coderready-test/debian:bookworm\nFROM ${BASE}\nRUN useradd -m coder\nUSER coder\n",
			})
			res, err := d.Build(ctx, Spec{ContextDir: dir, Network: NetworkHost, Timeout: 5 * time.Minute})
			if err != nil {
				t.Fatalf("build: %v%s", err, failureTail(err))
			}
			if !strings.HasPrefix(res.Ref, "coderready-build/") || !strings.HasPrefix(res.ImageID, "sha256:") || res.Engine != d.Engine {
				t.Errorf("ref %q, image ID %q, engine %q", res.Ref, res.ImageID, res.Engine)
			}
			step := map[string]string{EngineClassic: "Step 3/4 : RUN useradd -m coder", EngineBuildKit: "[2/2] RUN useradd -m coder"}[d.Engine]
			if !strings.Contains(string(res.Log), step) {
				t.Errorf("log lacks the RUN step %q:\n%s", step, res.Log)
			}
			removed := false
			defer func() {
				if !removed {
					_ = d.Remove(ctx, res.Ref)
				}
			}()
			facts, err := image.Inspect(ctx, "docker-daemon:"+res.Ref, image.Options{})
			if err != nil {
				t.Fatalf("inspect the built image: %v", err)
			}
			if _, ok := facts.LookupUser("coder"); facts.Config.User != "coder" || !ok {
				t.Errorf("user %q (in passwd: %v), want coder", facts.Config.User, ok)
			}
			if err := d.Remove(ctx, res.Ref); err != nil {
				t.Fatalf("remove: %v", err)
			}
			removed = true
			if _, err := d.Client.ImageInspect(ctx, res.Ref); err == nil {
				t.Errorf("image %s still present after Remove", res.Ref)
			}
			if err := d.Remove(ctx, res.Ref); err != nil {
				t.Errorf("removing a removed image: %v", err)
			}
		})
	}
}

func TestDockerBuildFailureLine(t *testing.T) {
	for _, d := range engines(t) {
		t.Run(d.Engine, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{
				"Dockerfile": "FROM coderready-test/busybox:static\nRUN echo first\nRUN echo to-stderr >&2 && false\nRUN echo never\n",
			})
			_, err := d.Build(context.Background(), Spec{ContextDir: dir, Network: NetworkHost, Timeout: 2 * time.Minute})
			var f *Failure
			if !errors.As(err, &f) {
				t.Fatalf("want a *Failure, got %v", err)
			}
			if f.Line != 3 || f.Timeout {
				t.Errorf("failure %+v: want line 3, no timeout", f)
			}
			want := map[string]string{EngineClassic: "non-zero code", EngineBuildKit: "exit code: 1"}[d.Engine]
			if !strings.Contains(f.Step, "RUN echo to-stderr >&2 && false") || !strings.Contains(f.LogTail, "to-stderr") || !strings.Contains(f.Message, want) {
				t.Errorf("failure step %q, message %q (want %q), tail:\n%s", f.Step, f.Message, want, f.LogTail)
			}
			if d.Engine != EngineClassic {
				return
			}
			// The image the "RUN echo first" step committed is removed with
			// the failed build; the base image is kept.
			_, after, _ := strings.Cut(f.LogTail, "Step 2/4")
			ids := []string{}
			for _, line := range strings.Split(after, "\n") {
				if m := imageRE.FindStringSubmatch(line); m != nil {
					ids = append(ids, m[1])
				}
			}
			if len(ids) != 1 {
				t.Fatalf("want one intermediate image in the log tail, got %v:\n%s", ids, f.LogTail)
			}
			ctx := context.Background()
			if _, err := d.Client.ImageInspect(ctx, ids[0]); err == nil {
				t.Errorf("intermediate image %s left after the failed build", ids[0])
			}
			if _, err := d.Client.ImageInspect(ctx, "coderready-test/busybox:static"); err != nil {
				t.Errorf("base image: %v", err)
			}
		})
	}
}

func TestDockerBuildDockerignore(t *testing.T) {
	for _, d := range engines(t) {
		t.Run(d.Engine, func(t *testing.T) {
			ctx := context.Background()
			dir := writeFiles(t, map[string]string{
				"Dockerfile": "FROM coderready-test/busybox:static\nCOPY . /ctx/\n" +
					"RUN test -f /ctx/kept.txt && test ! -e /ctx/secret.env && test ! -e /ctx/cache/big && test -f /ctx/cache/keep && test ! -e /ctx/Dockerfile && test ! -e /ctx/sub/also.env\n",
				".dockerignore": "# comment\n*.env\n**/*.env\ncache/\n!cache/keep\nDockerfile\n",
				"kept.txt":      "kept",
				"secret.env":    "TOKEN=x",
				"sub/also.env":  "TOKEN=y",
				"cache/big":     "x",
				"cache/keep":    "k",
			})
			res, err := d.Build(ctx, Spec{ContextDir: dir, Network: NetworkHost, Timeout: 2 * time.Minute})
			if err != nil {
				t.Fatalf("build: %v%s", err, failureTail(err))
			}
			if err := d.Remove(ctx, res.Ref); err != nil {
				t.Fatal(err)
			}

			dir2 := writeFiles(t, map[string]string{
				"Dockerfile":    "FROM coderready-test/busybox:static\nCOPY secret.env /\n",
				".dockerignore": "secret.env\n",
				"secret.env":    "TOKEN=x",
			})
			_, err = d.Build(ctx, Spec{ContextDir: dir2, Network: NetworkHost, Timeout: 2 * time.Minute})
			var f *Failure
			if !errors.As(err, &f) || f.Line != 2 {
				t.Fatalf("COPY of an ignored file: want a *Failure on line 2, got %v", err)
			}
		})
	}
}

func TestDockerBuildSymlinkStaysInside(t *testing.T) {
	for _, d := range engines(t) {
		t.Run(d.Engine, func(t *testing.T) {
			ctx := context.Background()
			outside := writeFiles(t, map[string]string{"host-secret": "s3cret"})
			dir := writeFiles(t, map[string]string{
				"Dockerfile": "FROM coderready-test/busybox:static\nCOPY . /ctx/\nRUN test -L /ctx/link && test ! -e /ctx/link\n",
			})
			if err := os.Symlink(filepath.Join(outside, "host-secret"), filepath.Join(dir, "link")); err != nil {
				t.Fatal(err)
			}
			res, err := d.Build(ctx, Spec{ContextDir: dir, Network: NetworkHost, Timeout: 2 * time.Minute})
			if err != nil {
				t.Fatalf("build: %v%s", err, failureTail(err))
			}
			if err := d.Remove(ctx, res.Ref); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// hangingStep serves one URL that a RUN step fetches and never answers,
// so the step cannot end by itself; the returned func reports when the
// step first called (zero: not yet).
func hangingStep(t *testing.T) (url string, calledAt func() time.Time) {
	t.Helper()
	var (
		mu     sync.Mutex
		called time.Time
	)
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if called.IsZero() {
			called = time.Now()
		}
		mu.Unlock()
		select {
		case <-r.Context().Done(): // the build was stopped
		case <-done:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) }) // runs first: lets Close return
	return srv.URL, func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return called
	}
}

// TestDockerBuildTimeout: a step that never ends is stopped by the build's
// time limit, not before it; the failure says so and blames the step's
// line. The step waits on the test, so only the limit can end the build:
// no bound in seconds is needed. When the engine is too slow to reach the
// step within the limit (a busy machine), the limit doubles until it does.
func TestDockerBuildTimeout(t *testing.T) {
	for _, d := range engines(t) {
		t.Run(d.Engine, func(t *testing.T) {
			url, calledAt := hangingStep(t)
			dir := writeFiles(t, map[string]string{
				"Dockerfile": "FROM coderready-test/busybox:static\nRUN wget -q -O- " + url + "/ && sleep 3600\n",
			})
			for limit := 6 * time.Second; ; limit *= 2 {
				start := time.Now()
				_, err := d.Build(context.Background(), Spec{ContextDir: dir, Network: NetworkHost, Timeout: limit})
				took := time.Since(start)
				var f *Failure
				if !errors.As(err, &f) || !f.Timeout {
					t.Fatalf("want a timeout *Failure, got %v%s", err, failureTail(err))
				}
				if took < limit {
					t.Errorf("the build returned after %s, before its limit of %s", took, limit)
				}
				if want := "time limit of " + limit.String(); !strings.Contains(f.Message, want) {
					t.Errorf("message %q, want %q", f.Message, want)
				}
				at := calledAt()
				if !at.IsZero() && at.Before(start.Add(limit)) {
					if f.Line != 2 {
						t.Errorf("the limit stopped the RUN step, but the failure blames line %d (%+v)", f.Line, f)
					}
					return
				}
				// The limit ran out before the step started: it cannot be blamed.
				if f.Line == 2 {
					t.Errorf("the step never ran within %s, but the failure blames its line", limit)
				}
				if limit >= 2*time.Minute {
					t.Fatalf("the RUN step did not start within %s", limit)
				}
				t.Logf("the engine did not reach the RUN step within %s; trying a longer limit", limit)
			}
		})
	}
}

func TestDockerBuildContextTooLarge(t *testing.T) {
	d := engine(t)
	dir := writeFiles(t, map[string]string{
		"Dockerfile": "FROM coderready-test/busybox:static\n",
		"blob":       strings.Repeat("x", 4096),
	})
	_, err := d.Build(context.Background(), Spec{ContextDir: dir, Network: NetworkHost, MaxContextBytes: 1024})
	if !errors.Is(err, ErrContextTooLarge) {
		t.Fatalf("want ErrContextTooLarge, got %v", err)
	}
	if !strings.Contains(err.Error(), "1024") {
		t.Errorf("error does not state the limit: %v", err)
	}
}

func TestDockerBuildArgsTarget(t *testing.T) {
	for _, d := range engines(t) {
		t.Run(d.Engine, func(t *testing.T) {
			ctx := context.Background()
			dir := writeFiles(t, map[string]string{
				"build/Containerfile":  "FROM coderready-test/busybox:static AS one\nARG GREETING\nRUN test \"$GREETING\" = hello\nFROM one AS two\nRUN false\n",
				"build/other-file.txt": "not part of the Dockerfile's directory sync",
			})
			res, err := d.Build(ctx, Spec{
				ContextDir: dir, Dockerfile: filepath.Join(dir, "build", "Containerfile"), Target: "one",
				Args: map[string]string{"GREETING": "hello"}, Network: NetworkHost, Timeout: 2 * time.Minute,
				Platform: "linux/amd64", Tag: "coderready-build/test-args-" + d.Engine + ":latest",
			})
			if err != nil {
				t.Fatalf("build: %v%s", err, failureTail(err))
			}
			if res.Ref != "coderready-build/test-args-"+d.Engine+":latest" || res.Engine != d.Engine {
				t.Errorf("ref %q, engine %q", res.Ref, res.Engine)
			}
			if err := d.Remove(ctx, res.Ref); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestDockerBuildLimits: memory, CPU and pids limits are applied by the
// classic builder only; auto picks it when a Spec has them, and BuildKit
// asked for explicitly refuses them rather than ignoring them.
func TestDockerBuildLimits(t *testing.T) {
	d := engine(t)
	d.Engine = EngineAuto
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{
		"Dockerfile": "FROM coderready-test/busybox:static\nRUN test \"$(ulimit -u)\" = 512\n",
	})
	spec := Spec{ContextDir: dir, Network: NetworkHost, Timeout: 2 * time.Minute, Memory: 256 << 20, NanoCPUs: 5e8, PidsLimit: 512}
	res, err := d.Build(ctx, spec)
	if err != nil {
		t.Fatalf("build with limits: %v%s", err, failureTail(err))
	}
	if res.Engine != EngineClassic {
		t.Errorf("limits built with %q, want the classic builder", res.Engine)
	}
	_ = d.Remove(ctx, res.Ref)

	d.Engine = EngineBuildKit
	for _, lim := range []Spec{{Memory: 1 << 28}, {NanoCPUs: 1e9}, {PidsLimit: 100}} {
		lim.ContextDir, lim.Network = dir, NetworkHost
		_, err := d.Build(ctx, lim)
		var f *Failure
		if err == nil || errors.As(err, &f) || !strings.Contains(err.Error(), "classic builder") {
			t.Errorf("BuildKit with limits %+v: want a refusal naming the classic builder, got %v", lim, err)
		}
	}
}

func TestBuildKitFailures(t *testing.T) {
	d := engine(t)
	d.Engine = EngineBuildKit
	ctx := context.Background()
	for _, tc := range []struct {
		name, dockerfile string
		line             int
		step, message    string
	}{
		{"unknown instruction", "FROM coderready-test/busybox:static\nRUN true\nFOO bar\n", 3, "", "unknown instruction"},
		{"missing base", "FROM coderready-test/busybox:static AS ok\nFROM coderready-test/no-such-image:1\nRUN true\n", 2, "load metadata for", "coderready-test/no-such-image"},
		{"named stage", "FROM coderready-test/busybox:static AS base\nRUN true\nFROM base AS tools\nWORKDIR /w\nRUN exit 3\nFROM base\nCOPY --from=tools /w /w\n", 5, "[tools 2/2] RUN exit 3", "exit code: 3"},
		// BuildKit fetches the frontend a `# syntax=` line names first; one
		// that cannot be fetched sits on that line. (.invalid never resolves.)
		{"syntax frontend", "# syntax=registry.invalid/coderready/frontend:1\nFROM coderready-test/busybox:static\n", 1, "resolve image config for registry.invalid/coderready/frontend:1", "the Dockerfile frontend registry.invalid/coderready/frontend:1 that the `# syntax=` directive names could not be fetched"},
		{"copy of a missing file", "FROM coderready-test/busybox:static\nCOPY missing.txt /\n", 2, "COPY missing.txt /", "missing.txt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"Dockerfile": tc.dockerfile})
			_, err := d.Build(ctx, Spec{ContextDir: dir, Network: NetworkHost, Timeout: 2 * time.Minute})
			var f *Failure
			if !errors.As(err, &f) {
				t.Fatalf("want a *Failure, got %v", err)
			}
			if f.Line != tc.line || !strings.Contains(f.Step, tc.step) || !strings.Contains(f.Message, tc.message) {
				t.Errorf("failure line %d step %q message %q; want line %d, step with %q, message with %q\n%s", f.Line, f.Step, f.Message, tc.line, tc.step, tc.message, f.LogTail)
			}
		})
	}
}

// TestDockerEngineAuto: with no DOCKER_BUILDKIT and no limits the builder
// asks the engine, and every engine the tests run on (Linux, API >= 1.39)
// offers BuildKit.
func TestDockerEngineAuto(t *testing.T) {
	d := engine(t)
	d.Engine = EngineAuto
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{"Dockerfile": "FROM coderready-test/busybox:static\nRUN true\n"})
	res, err := d.Build(ctx, Spec{ContextDir: dir, Network: NetworkHost, Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatalf("build: %v%s", err, failureTail(err))
	}
	defer func() { _ = d.Remove(ctx, res.Ref) }()
	p, err := d.Client.(SessionClient).Ping(ctx, client.PingOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := autoEngine(p); res.Engine != want {
		t.Errorf("auto built with %q; the engine's ping (%+v) says %q", res.Engine, p, want)
	}
}

// failureTail returns a Failure's log tail for test messages.
func failureTail(err error) string {
	var f *Failure
	if errors.As(err, &f) {
		return "\n" + f.LogTail
	}
	return ""
}

// noBuildKit is an engine client whose engine takes no BuildKit builds
// (as Docker-compatible engines without BuildKit answer: an error, no
// progress), while it pings like an engine that has it.
type noBuildKit struct {
	*client.Client
	refused int
}

func (n *noBuildKit) ImageBuild(ctx context.Context, r io.Reader, opts client.ImageBuildOptions) (client.ImageBuildResult, error) {
	if opts.Version == buildtypes.BuilderBuildKit {
		n.refused++
		return client.ImageBuildResult{}, errors.New(`Error response from daemon: remote "client-session" is not a URL`)
	}
	return n.Client.ImageBuild(ctx, r, opts)
}

// TestDockerEngineAutoFallsBack: on auto, an engine that named no builder
// but takes no BuildKit build gets the classic builder, from then on.
func TestDockerEngineAutoFallsBack(t *testing.T) {
	real := engine(t)
	fake := &noBuildKit{Client: real.Client.(*client.Client)}
	p, err := fake.Ping(context.Background(), client.PingOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if autoEngine(p) != EngineBuildKit {
		t.Skipf("this engine's ping (%+v) does not lead auto to BuildKit", p)
	}
	d := &Docker{Client: fake, Engine: EngineAuto}
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{"Dockerfile": "FROM coderready-test/busybox:static\nRUN true\n"})
	for i := range 2 {
		res, err := d.Build(ctx, Spec{ContextDir: dir, Network: NetworkHost, Timeout: 2 * time.Minute})
		if err != nil {
			t.Fatalf("build %d: %v%s", i, err, failureTail(err))
		}
		if res.Engine != EngineClassic {
			t.Errorf("build %d: engine %q, want the classic builder", i, res.Engine)
		}
		_ = d.Remove(ctx, res.Ref)
	}
	if fake.refused != 1 {
		t.Errorf("BuildKit was tried %d times, want once", fake.refused)
	}

	// Asked for explicitly, BuildKit is not swapped for another builder.
	d = &Docker{Client: &noBuildKit{Client: fake.Client}, Engine: EngineBuildKit}
	if _, err := d.Build(ctx, Spec{ContextDir: dir, Network: NetworkHost}); err == nil || !strings.Contains(err.Error(), "client-session") {
		t.Errorf("explicit BuildKit on an engine without it: %v", err)
	}
}

// downEngine answers every build request with a transport error, as an
// engine that cannot be reached does.
type downEngine struct{ *client.Client }

func (downEngine) ImageBuild(context.Context, io.Reader, client.ImageBuildOptions) (client.ImageBuildResult, error) {
	return client.ImageBuildResult{}, &net.OpError{Op: "dial", Net: "unix", Err: errors.New("connection refused")}
}

// TestDockerEngineAutoKeepsBuildKitWhenEngineIsDown: an engine that cannot
// be reached is no reason to give BuildKit up for good.
func TestDockerEngineAutoKeepsBuildKitWhenEngineIsDown(t *testing.T) {
	real := engine(t)
	d := &Docker{Client: downEngine{Client: real.Client.(*client.Client)}, Engine: EngineAuto}
	dir := writeFiles(t, map[string]string{"Dockerfile": "FROM coderready-test/busybox:static\n"})
	if _, err := d.Build(context.Background(), Spec{ContextDir: dir, Network: NetworkHost}); err == nil {
		t.Fatal("a build on an unreachable engine succeeded")
	}
	p, err := real.Client.(SessionClient).Ping(context.Background(), client.PingOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.auto, autoEngine(p); got != want {
		t.Errorf("after the engine was down, auto is %q, want %q (from the ping)", got, want)
	}
}

// noSession is an engine client whose session connection cannot be made.
type noSession struct{ *client.Client }

func (noSession) DialHijack(context.Context, string, string, map[string][]string) (net.Conn, error) {
	return nil, errors.New("the engine hung up on the session")
}

// watchedNoSession is noSession that records how the build request ended:
// the error that ended it (from the call or from reading the engine's
// answer) and what the engine answered.
type watchedNoSession struct {
	noSession
	mu     sync.Mutex
	ended  error
	answer strings.Builder
}

func (c *watchedNoSession) ImageBuild(ctx context.Context, body io.Reader, opts client.ImageBuildOptions) (client.ImageBuildResult, error) {
	res, err := c.noSession.ImageBuild(ctx, body, opts)
	if err != nil {
		c.end(err)
		return res, err
	}
	res.Body = &watchedBody{ReadCloser: res.Body, c: c}
	return res, nil
}

func (c *watchedNoSession) end(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended == nil {
		c.ended = err
	}
}

type watchedBody struct {
	io.ReadCloser
	c *watchedNoSession
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.c.mu.Lock()
	b.c.answer.Write(p[:n])
	b.c.mu.Unlock()
	if err != nil {
		b.c.end(err)
	}
	return n, err
}

// TestBuildKitSessionFailureEndsTheBuild: the engine waits for the build's
// session; one that cannot be opened ends the build at once with the
// reason (the 20.10 engine here would wait 5 s, then answer with a vague
// "no active session"). "At once" is what the request shows, not a clock:
// the build's own side cancelled it, before the engine answered.
func TestBuildKitSessionFailureEndsTheBuild(t *testing.T) {
	real := engine(t)
	c := &watchedNoSession{noSession: noSession{Client: real.Client.(*client.Client)}}
	d := &Docker{Client: c, Engine: EngineBuildKit}
	dir := writeFiles(t, map[string]string{"Dockerfile": "FROM coderready-test/busybox:static\nCOPY Dockerfile /\n"})
	_, err := d.Build(context.Background(), Spec{ContextDir: dir, Network: NetworkHost, Timeout: time.Minute})
	var f *Failure
	if err == nil || errors.As(err, &f) || !strings.Contains(err.Error(), "buildkit session") || !strings.Contains(err.Error(), "hung up") {
		t.Errorf("want the session's error, got %v", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// The request's context is cancelled with the session's error as its
	// cause; the HTTP client ends the call with that cause (or, once the
	// answer streams, with context.Canceled).
	if c.ended == nil || !errors.Is(c.ended, context.Canceled) && !strings.Contains(c.ended.Error(), "hung up on the session") {
		t.Errorf("the build request ended with %v, want it cancelled by the session's failure", c.ended)
	}
	if strings.Contains(c.answer.String(), "no active session") {
		t.Errorf("the engine gave up waiting for the session first: %s", c.answer.String())
	}
}
