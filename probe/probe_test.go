package probe

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/internal/testenv"
)

// readyImage is the offline test image a Coder workspace starts in: curl,
// user coder (1000) with a home (scripts/test-images.sh).
const readyImage = "coderready-test/coder-ready:bookworm"

// agents builds the stand-in once for the whole package.
var agents = &SourceAgents{Dir: filepath.Join(os.TempDir(), "coderready-probe-test-agents")}

// buildImage builds a Dockerfile on top of the test images and removes the
// image when the test ends.
func buildImage(t *testing.T, dockerfile string, files map[string][]byte) string {
	t.Helper()
	d, err := build.NewDocker()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	res, err := d.Build(t.Context(), build.Spec{ContextDir: dir, Network: "host"})
	if err != nil {
		t.Fatalf("build:\n%s\n%v", dockerfile, err)
	}
	t.Cleanup(func() { _ = d.Remove(context.Background(), res.Ref) })
	return res.Ref
}

// leftovers counts this process's probe containers left on the engine.
func leftovers(t *testing.T, cli *client.Client) int {
	t.Helper()
	// This process's probes only: other packages' tests probe on the same
	// engine at the same time, and their containers are theirs to remove.
	list, err := cli.ContainerList(t.Context(), client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", Label).Add("label", OwnerLabel+"="+owner())})
	if err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}

// aarch64ELF is the header of an ELF executable for arm64: what a download
// tool for the wrong architecture looks like to the kernel.
func aarch64ELF() []byte {
	b := make([]byte, 128)
	copy(b, "\x7fELF\x02\x01\x01")
	b[16], b[18] = 2, 0xb7 // ET_EXEC, EM_AARCH64
	b[20] = 1
	return b
}

// TestProbe runs the bootstrap in images that look right and fail as a
// Coder workspace would, each built from the offline test images.
func TestProbe(t *testing.T) {
	cli := testenv.RequireEngine(t)
	base := "FROM " + readyImage + "\nUSER root\n"
	tests := []struct {
		name       string
		dockerfile string
		files      map[string][]byte
		timeout    time.Duration
		check      func(t *testing.T, r *Result)
	}{
		{name: "coder-ready", dockerfile: "FROM " + readyImage + "\n", check: func(t *testing.T, r *Result) {
			if !r.OK || r.Tool != "curl" || r.Report.User != "coder" || r.Report.UID != 1000 || !r.Report.HomeWritable || !r.Report.TmpWritable || !r.Report.TmpExec || !r.Report.ShellRuns {
				t.Errorf("result %+v report %+v", r, r.Report)
			}
			if s := r.String(); !strings.HasPrefix(s, "agent bootstrap: downloaded with curl, started as coder (1000) in ") {
				t.Errorf("summary %q", s)
			}
		}},
		{name: "curl's library removed", dockerfile: base + "RUN rm -f /usr/lib/*/libcurl.so.4*\nUSER coder\n", check: func(t *testing.T, r *Result) {
			if r.OK || r.FailedStep != StepDownload || r.Tool != "curl" || !strings.Contains(r.Stderr, "libcurl.so.4") {
				t.Errorf("result %+v", r)
			}
		}},
		{name: "home owned by root", dockerfile: base + "RUN chown root:root /home/coder && chmod 755 /home/coder\nUSER coder\n", check: func(t *testing.T, r *Result) {
			if !r.OK || r.Report.HomeWritable || r.Report.HomeError == "" {
				t.Errorf("result %+v report %+v", r, r.Report)
			}
		}},
		{name: "/tmp 0755", dockerfile: base + "RUN chmod 755 /tmp\nUSER coder\n", check: func(t *testing.T, r *Result) {
			if r.OK || r.FailedStep != StepMktemp || !strings.Contains(r.Stderr, "mktemp") {
				t.Errorf("result %+v", r)
			}
		}},
		{name: "/bin/sh a dangling link", dockerfile: base + `RUN ["/bin/ln", "-sf", "/nonexistent", "/bin/sh"]` + "\nUSER coder\n", check: func(t *testing.T, r *Result) {
			if r.OK || r.FailedStep != StepStart || r.Stderr == "" {
				t.Errorf("result %+v", r)
			}
		}},
		{name: "curl for another architecture", dockerfile: base + "COPY curl /usr/bin/curl\nUSER coder\n", files: map[string][]byte{"curl": aarch64ELF()}, check: func(t *testing.T, r *Result) {
			if r.OK || r.FailedStep != StepDownload || r.Tool != "curl" || r.Stderr == "" {
				t.Errorf("result %+v", r)
			}
		}},
		{name: "a profile that exits 1", dockerfile: base + "RUN echo 'exit 1' >> /etc/profile\nUSER coder\n", check: func(t *testing.T, r *Result) {
			if !r.OK || r.Report.ShellRuns || r.Report.Shell == "" {
				t.Errorf("result %+v report %+v", r, r.Report)
			}
		}},
		{name: "no download tool", dockerfile: "FROM coderready-test/debian:bookworm\n", check: func(t *testing.T, r *Result) {
			if r.OK || r.FailedStep != StepDownload || r.Tool != "" || !strings.Contains(r.Stderr, "no download tool") {
				t.Errorf("result %+v", r)
			}
		}},
		{name: "a download that hangs", dockerfile: base + "RUN printf '#!/bin/sh\\nsleep 600\\n' > /usr/local/bin/curl && chmod 755 /usr/local/bin/curl\nUSER coder\n", timeout: 3 * time.Second, check: func(t *testing.T, r *Result) {
			if r.OK || r.FailedStep != StepTimeout || r.Seconds < 3 {
				t.Errorf("result %+v", r)
			}
		}},
	}
	// The images take most of the time (vfs copies each layer): the cases
	// run in parallel, and the engine is checked for leftovers once all
	// have ended.
	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				probeCase(t, cli, tt.dockerfile, tt.files, tt.timeout, tt.check)
			})
		}
	})
	if n := leftovers(t, cli); n != 0 {
		t.Errorf("%d probe containers left on the engine", n)
	}
}

// probeCase builds an image and probes it.
func probeCase(t *testing.T, cli *client.Client, dockerfile string, files map[string][]byte, timeout time.Duration, check func(*testing.T, *Result)) {
	t.Helper()
	ref := buildImage(t, dockerfile, files)
	r, err := Run(t.Context(), cli, Options{Image: ref, Agents: agents, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	if r.Skipped != "" {
		t.Fatalf("skipped: %s", r.Skipped)
	}
	check(t, r)
}

// TestProbeSkipsOtherPlatforms: an image of another architecture than the
// engine's is not run.
func TestProbeSkipsOtherPlatforms(t *testing.T) {
	cli := testenv.RequireEngine(t)
	r, err := Run(t.Context(), cli, Options{Image: readyImage, Arch: "riscv64", Agents: agents})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Skipped, "riscv64") || r.OK {
		t.Errorf("result %+v", r)
	}
}

// TestSweep: containers a killed probe left behind are removed by the next
// run; a probe's younger containers are left alone.
func TestSweep(t *testing.T) {
	cli := testenv.RequireEngine(t)
	host, _ := os.Hostname()
	// A process that has exited: its PID is free (until reused, when
	// its containers wait for their age).
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	old := createLabelled(t, cli, time.Now().Add(-time.Hour), "")
	young := createLabelled(t, cli, time.Now(), owner())
	orphan := createLabelled(t, cli, time.Now(), fmt.Sprintf("%s/%d", host, dead.Process.Pid))
	elsewhere := createLabelled(t, cli, time.Now(), fmt.Sprintf("another-host/%d", dead.Process.Pid))
	n, err := Sweep(t.Context(), cli, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// Other packages' tests run probes, and sweep, on the same engine at
	// the same time: one of them may remove a container this sweep would
	// have, or this sweep one of theirs. So the count is not asserted: the
	// proof is what is left of the four.
	t.Logf("swept %d containers", n)
	for _, c := range []struct {
		id, what string
		kept     bool
	}{{old, "an hour old", false}, {orphan, "its process gone", false}, {young, "its process alive", true}, {elsewhere, "another host's", true}} {
		_, err := cli.ContainerInspect(t.Context(), c.id, client.ContainerInspectOptions{})
		if kept := err == nil; kept != c.kept {
			t.Errorf("container %s: kept %v, want %v", c.what, kept, c.kept)
		}
	}
}

// createLabelled creates a stopped probe-labelled container made at when
// by owner ("" for none).
func createLabelled(t *testing.T, cli *client.Client, when time.Time, owner string) string {
	t.Helper()
	labels := map[string]string{Label: fmt.Sprint(when.Unix())}
	if owner != "" {
		labels[OwnerLabel] = owner
	}
	c, err := cli.ContainerCreate(t.Context(), client.ContainerCreateOptions{
		Config:     &container.Config{Image: readyImage, Cmd: []string{"true"}, Labels: labels},
		HostConfig: &container.HostConfig{NetworkMode: "none"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = cli.ContainerRemove(context.Background(), c.ID, client.ContainerRemoveOptions{Force: true})
	})
	return c.ID
}
