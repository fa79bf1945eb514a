package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coderready/coderready/image"
)

// engine returns a Docker builder on a reachable engine. Outside CI a
// missing engine skips the test; under CI (CI=true) it fails it.
func engine(t *testing.T) *Docker {
	t.Helper()
	d, err := NewDocker()
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = d.Client.ImageInspect(ctx, "coderready-test/debian:bookworm")
	}
	if err != nil {
		if os.Getenv("CI") != "true" {
			t.Skipf("no Docker engine with the test images answers (%v); run scripts/start-dockerd.sh and scripts/test-images.sh, or set CI=true to make this a failure", err)
		}
		t.Fatalf("Docker engine with the test images: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
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
	d := engine(t)
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{
		"Dockerfile": "ARG BASE=coderready-test/debian:bookworm\nFROM ${BASE}\nRUN useradd -m coder\nUSER coder\n",
	})
	res, err := d.Build(ctx, Spec{ContextDir: dir, Network: NetworkHost, Timeout: 5 * time.Minute})
	if err != nil {
		t.Fatalf("build: %v%s", err, failureTail(err))
	}
	if !strings.HasPrefix(res.Ref, "coderready-build/") || !strings.HasPrefix(res.ImageID, "sha256:") {
		t.Errorf("ref %q, image ID %q", res.Ref, res.ImageID)
	}
	if !strings.Contains(string(res.Log), "Step 3/4 : RUN useradd -m coder") {
		t.Errorf("log lacks the RUN step:\n%s", res.Log)
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
	if facts.Config.User != "coder" {
		t.Errorf("user %q, want coder", facts.Config.User)
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
}

func TestDockerBuildFailureLine(t *testing.T) {
	d := engine(t)
	dir := writeFiles(t, map[string]string{
		"Dockerfile": "FROM coderready-test/busybox:static\nRUN echo first\nRUN false\nRUN echo never\n",
	})
	_, err := d.Build(context.Background(), Spec{ContextDir: dir, Network: NetworkHost, Timeout: 2 * time.Minute})
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("want a *Failure, got %v", err)
	}
	if f.Line != 3 || f.Timeout {
		t.Errorf("failure %+v: want line 3, no timeout", f)
	}
	if !strings.Contains(f.Step, "RUN false") || !strings.Contains(f.LogTail, "false") || !strings.Contains(f.Message, "non-zero code") {
		t.Errorf("failure step %q, message %q, tail:\n%s", f.Step, f.Message, f.LogTail)
	}
	// The image the "RUN echo first" step committed is removed with the
	// failed build; the base image is kept.
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
}

func TestDockerBuildDockerignore(t *testing.T) {
	d := engine(t)
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{
		"Dockerfile":    "FROM coderready-test/busybox:static\nCOPY . /ctx/\nRUN test -f /ctx/kept.txt && test ! -e /ctx/secret.env && test ! -e /ctx/cache && test ! -e /ctx/Dockerfile\n",
		".dockerignore": "# comment\n*.env\ncache/\nDockerfile\n",
		"kept.txt":      "kept",
		"secret.env":    "TOKEN=x",
		"cache/big":     "x",
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
}

func TestDockerBuildSymlinkStaysInside(t *testing.T) {
	d := engine(t)
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
}

func TestDockerBuildTimeout(t *testing.T) {
	d := engine(t)
	dir := writeFiles(t, map[string]string{
		"Dockerfile": "FROM coderready-test/busybox:static\nRUN sleep 30\n",
	})
	start := time.Now()
	_, err := d.Build(context.Background(), Spec{ContextDir: dir, Network: NetworkHost, Timeout: 2 * time.Second})
	took := time.Since(start)
	var f *Failure
	if !errors.As(err, &f) || !f.Timeout {
		t.Fatalf("want a timeout *Failure, got %v", err)
	}
	if took > 15*time.Second {
		t.Errorf("the timed-out build took %s", took)
	}
	if f.Line != 2 {
		t.Errorf("timeout on line %d, want 2 (%+v)", f.Line, f)
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
	d := engine(t)
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{
		"build/Containerfile": "FROM coderready-test/busybox:static AS one\nARG GREETING\nRUN test \"$GREETING\" = hello\nFROM one AS two\nRUN false\n",
	})
	res, err := d.Build(ctx, Spec{
		ContextDir: dir, Dockerfile: filepath.Join(dir, "build", "Containerfile"), Target: "one",
		Args: map[string]string{"GREETING": "hello"}, Network: NetworkHost, Timeout: 2 * time.Minute,
		Memory: 256 << 20, NanoCPUs: 5e8, PidsLimit: 512, Tag: "coderready-build/test-args:latest",
	})
	if err != nil {
		t.Fatalf("build: %v%s", err, failureTail(err))
	}
	if res.Ref != "coderready-build/test-args:latest" {
		t.Errorf("ref %q", res.Ref)
	}
	if err := d.Remove(ctx, res.Ref); err != nil {
		t.Fatal(err)
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
