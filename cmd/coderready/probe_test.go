package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/coderready/coderready/internal/testenv"
	"github.com/coderready/coderready/probe"
)

// cliChildEnv makes the test binary run one coderready command (its
// space-separated words) and exit.
const cliChildEnv = "CODERREADY_TEST_CLI_ARGS"

// TestInspectProbe: inspect --probe runs a daemon image and says how the
// agent bootstrap went, in text and JSON.
func TestInspectProbe(t *testing.T) {
	testenv.RequireEngine(t)
	t.Setenv("CODERREADY_DATA_DIR", t.TempDir())
	img := "docker-daemon:coderready-test/coder-ready:bookworm"
	code, stdout, stderr := runCLI(t, "inspect", img, "--probe")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, img+": agent bootstrap: downloaded with curl, started as coder (1000) in ") {
		t.Errorf("no success line:\n%s", stdout)
	}
	code, stdout, stderr = runCLI(t, "inspect", img, "--probe", "--probe-user", "0", "--format", "json")
	if code != exitOK {
		t.Fatalf("json: exit %d: %s", code, stderr)
	}
	var rep struct {
		Targets []struct {
			Probe *probe.Result `json:"probe"`
		} `json:"targets"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Targets) != 1 || rep.Targets[0].Probe == nil || !rep.Targets[0].Probe.OK || rep.Targets[0].Probe.Report.UID != 0 {
		t.Errorf("json probe: %s", stdout)
	}
	if code, _, stderr := runCLI(t, "inspect", "docker-archive:/nonexistent.tar", "--probe"); code != exitError || !strings.Contains(stderr, "inspect") {
		t.Errorf("an archive with --probe: exit %d, %s", code, stderr)
	}
}

// TestProbeKilledLeavesNothing: a coderready killed (-9) mid-probe leaves
// its containers behind; the next run sweeps them before it probes.
func TestProbeKilledLeavesNothing(t *testing.T) {
	cli := testenv.RequireEngine(t)
	data := t.TempDir()
	t.Setenv("CODERREADY_DATA_DIR", data)
	// Its curl never returns: the bootstrap hangs in the download.
	dir := t.TempDir()
	df := "FROM coderready-test/coder-ready:bookworm\nUSER root\nRUN printf '#!/bin/sh\\nsleep 600\\n' > /usr/local/bin/curl && chmod 755 /usr/local/bin/curl\nUSER coder\n"
	if err := os.WriteFile(dir+"/Dockerfile", []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	tag := fmt.Sprintf("coderready-test/probe-hang:%d", time.Now().UnixNano())
	if out, err := exec.CommandContext(t.Context(), "docker", "build", "--network", "host", "-t", tag, dir).CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	t.Cleanup(func() { _, _ = cli.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true}) })

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command(self)
	child.Env = append(os.Environ(), cliChildEnv+"=inspect docker-daemon:"+tag+" --probe", "CODERREADY_DATA_DIR="+data)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	owner := fmt.Sprintf("%s/%d", host, child.Process.Pid)
	mine := func() int {
		list, err := cli.ContainerList(t.Context(), client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", probe.OwnerLabel+"="+owner)})
		if err != nil {
			t.Fatal(err)
		}
		return len(list.Items)
	}
	// Both containers run once the workspace's bootstrap is in its download.
	deadline := time.Now().Add(3 * time.Minute)
	for mine() < 2 {
		if time.Now().After(deadline) {
			_ = child.Process.Kill()
			t.Fatal("the child's probe containers never appeared")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	if n := mine(); n != 2 {
		t.Fatalf("after kill -9, %d of the child's containers are left, want both (else the sweep proves nothing)", n)
	}
	if code, _, stderr := runCLI(t, "inspect", "docker-daemon:coderready-test/coder-ready:bookworm", "--probe"); code != exitOK {
		t.Fatalf("the next run: exit %d: %s", code, stderr)
	}
	if n := mine(); n != 0 {
		t.Errorf("the next run left %d of the killed run's containers", n)
	}
}
