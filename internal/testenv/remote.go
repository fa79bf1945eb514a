package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// RemoteEngine is a second Docker engine on another host: a dockerd in a
// network namespace of its own, reached over TCP through a veth pair, as
// an engine on another machine is (DOCKER_HOST=tcp://…). Nothing on the
// host's loopback reaches it, and it reaches only the host's end of the
// pair.
type RemoteEngine struct {
	// Host is its DOCKER_HOST: tcp://ADDR:2375.
	Host string
	// Client is a client of it, closed when the test ends.
	Client *client.Client
	// ReceiveAddr is a host:port on this machine the engine reaches and
	// trusts as an insecure (plain HTTP) registry: where coderready's
	// receiving registry must listen for this engine's pushes.
	ReceiveAddr string
	// Log is dockerd's log file.
	Log string
}

// StartRemoteEngine starts a RemoteEngine for the test and loads the
// images named (from the engine RequireEngine reaches) into it. It needs
// root, iproute2's ip and dockerd; without them the test is Unavailable.
// Everything is removed when the test ends: the engine (by its PID), its
// namespace and links, and its data.
func StartRemoteEngine(tb testing.TB, images ...string) *RemoteEngine {
	tb.Helper()
	local := RequireEngine(tb)
	if os.Geteuid() != 0 {
		Unavailable(tb, "a second engine in a network namespace needs root")
	}
	for _, tool := range []string{"ip", "nsenter", "dockerd"} {
		if _, err := exec.LookPath(tool); err != nil {
			Unavailable(tb, "%s is not installed (iproute2, util-linux, docker.io): no second engine", tool)
		}
	}
	// One /30 per test process: 10.213.N.1 is the host's end, .2 the
	// engine's.
	n := os.Getpid()%250 + 1
	hostIP, engineIP := fmt.Sprintf("10.213.%d.1", n), fmt.Sprintf("10.213.%d.2", n)
	ns := fmt.Sprintf("crtest%d", os.Getpid())
	hostLink, nsLink := fmt.Sprintf("crh%d", os.Getpid()), fmt.Sprintf("crn%d", os.Getpid())
	ip := func(args ...string) {
		tb.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			tb.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	ip("netns", "add", ns)
	tb.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	ip("link", "add", hostLink, "type", "veth", "peer", "name", nsLink)
	tb.Cleanup(func() { _ = exec.Command("ip", "link", "del", hostLink).Run() })
	ip("link", "set", nsLink, "netns", ns)
	ip("addr", "add", hostIP+"/30", "dev", hostLink)
	ip("link", "set", hostLink, "up")
	ip("-n", ns, "addr", "add", engineIP+"/30", "dev", nsLink)
	ip("-n", ns, "link", "set", nsLink, "up")
	ip("-n", ns, "link", "set", "lo", "up")

	// The receive port: free on the host's end now, and named to the
	// engine as an insecure registry before it starts.
	ln, err := net.Listen("tcp", hostIP+":0")
	if err != nil {
		tb.Fatalf("a port on %s: %v", hostIP, err)
	}
	receive := ln.Addr().String()
	_ = ln.Close()

	// Short paths: containerd's socket lives under the exec root.
	dir, err := os.MkdirTemp("", "crre")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = os.RemoveAll(dir) })
	cfg := filepath.Join(dir, "daemon.json")
	if err := os.WriteFile(cfg, []byte("{}\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	logPath := filepath.Join(dir, "dockerd.log")
	logf, err := os.Create(logPath)
	if err != nil {
		tb.Fatal(err)
	}
	host := "tcp://" + engineIP + ":2375"
	// nsenter joins the network namespace alone: `ip netns exec` would
	// also mount a new /sys, hiding the cgroup mounts dockerd needs.
	cmd := exec.Command("nsenter", "--net=/var/run/netns/"+ns, "dockerd",
		"--config-file", cfg, "--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "x"),
		"--pidfile", filepath.Join(dir, "dockerd.pid"), "-H", host,
		"--storage-driver=vfs", "--iptables=false", "--ip-masq=false", "--bridge=none",
		"--insecure-registry", receive, "--label", TestEngineLabel)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start dockerd: %v", err)
	}
	// done is closed once dockerd has exited, waitErr set before.
	done := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); _ = logf.Close(); close(done) }()
	tb.Cleanup(func() {
		// dockerd stops its containerd and containers on SIGTERM; the
		// group is killed if it does not within 30 s.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})

	c, err := client.New(client.WithHost(host))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	deadline := time.Now().Add(90 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := c.Ping(ctx, client.PingOptions{})
		cancel()
		if err == nil {
			break
		}
		select {
		case <-done:
			tb.Fatalf("dockerd in %s exited (%v); its log:\n%s", ns, waitErr, tail(logPath, 30))
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("dockerd in %s did not answer at %s: %v; its log:\n%s", ns, host, err, tail(logPath, 30))
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, ref := range images {
		if err := copyImage(local, c, ref); err != nil {
			tb.Fatalf("load %s into the second engine: %v", ref, err)
		}
	}
	return &RemoteEngine{Host: host, Client: c, ReceiveAddr: receive, Log: logPath}
}

// copyImage saves ref from one engine and loads it into another.
func copyImage(from, to *client.Client, ref string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rc, err := from.ImageSave(ctx, []string{ref})
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	res, err := to.ImageLoad(ctx, rc, client.ImageLoadWithQuiet(true))
	if err != nil {
		return err
	}
	defer func() { _ = res.Close() }()
	_, err = io.Copy(io.Discard, res)
	return err
}

// tail returns the last n lines of a file, for failure messages.
func tail(name string, n int) string {
	b, err := os.ReadFile(name)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
