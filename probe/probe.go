// Package probe proves that the Coder agent can start in an image: it
// runs the agent's bootstrap in a container of the image, the way a Coder
// template starts a workspace (entrypoint `sh -c <init script>`, as the
// workspace's user, with the agent's environment), and lets it download
// and start a stand-in agent (internal/probeagent) that reports what the
// real agent would meet.
//
// Containment: the workspace container joins the network namespace of a
// sidecar container started with no network at all, which serves the
// stand-in on 127.0.0.1; nothing else is reachable, so this works on an
// engine without a bridge network and on a remote engine alike. Both run
// with time, memory, CPU and pids limits, no mounts and no credentials,
// are labelled, and are removed afterwards; Sweep removes what a killed
// process left behind.
package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/coderready/coderready/internal/probeagent"
)

// Label marks the probe's containers; its value is the Unix time they
// were created at.
const Label = "dev.coderready.probe"

// RunLabel tells one probe's containers from another's: removal is by
// this label too, so a container whose create call failed on the client's
// side after the engine made it is still removed.
const RunLabel = "dev.coderready.probe.run"

// OwnerLabel names the process that made a probe's containers, as
// "HOST/PID": a sweep on the same host removes them at once when that
// process is gone (killed mid-probe), without waiting for their age.
const OwnerLabel = "dev.coderready.probe.owner"

// owner is this process as OwnerLabel writes it.
func owner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d", host, os.Getpid())
}

// ownerGone reports whether the owner label names a process of this host
// that no longer runs.
func ownerGone(label string) bool {
	host, pid, ok := strings.Cut(label, "/")
	me, _ := os.Hostname()
	n, err := strconv.Atoi(pid)
	if !ok || host != me || err != nil || n <= 0 {
		return false
	}
	return errors.Is(syscall.Kill(n, 0), syscall.ESRCH)
}

// port is where the sidecar serves the stand-in agent, on the loopback
// of the namespace the two containers share.
const port = "28931"

// agentPath is where the stand-in is copied into the sidecar.
const agentPath = "/.coderready-probe"

// Client is the part of the Docker Engine API the probe uses;
// *client.Client implements it.
type Client interface {
	ServerVersion(ctx context.Context, options client.ServerVersionOptions) (client.ServerVersionResult, error)
	ContainerCreate(ctx context.Context, options client.ContainerCreateOptions) (client.ContainerCreateResult, error)
	ImageInspect(ctx context.Context, image string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error)
	ImageLoad(ctx context.Context, input io.Reader, opts ...client.ImageLoadOption) (client.ImageLoadResult, error)
	ContainerStart(ctx context.Context, id string, options client.ContainerStartOptions) (client.ContainerStartResult, error)
	ContainerWait(ctx context.Context, id string, options client.ContainerWaitOptions) client.ContainerWaitResult
	ContainerLogs(ctx context.Context, id string, options client.ContainerLogsOptions) (client.ContainerLogsResult, error)
	ContainerRemove(ctx context.Context, id string, options client.ContainerRemoveOptions) (client.ContainerRemoveResult, error)
	ContainerList(ctx context.Context, options client.ContainerListOptions) (client.ContainerListResult, error)
}

// Agents gives the stand-in agent's static binary for an architecture
// (GOARCH names).
type Agents interface {
	Agent(ctx context.Context, arch string) (path string, err error)
}

// Options are one probe's inputs.
type Options struct {
	// Image is the image to probe, as the engine names it.
	Image string
	// Arch is the image's architecture (GOARCH names); another than the
	// engine's is skipped.
	Arch string
	// User runs the bootstrap ("" for the image's USER).
	User string
	// Agents gives the stand-in agent.
	Agents Agents
	// Timeout bounds the bootstrap (default 30 s).
	Timeout time.Duration
	// Memory (bytes), NanoCPUs and Pids limit each container (defaults
	// 512 MiB, 1 CPU, 256).
	Memory   int64
	NanoCPUs int64
	Pids     int64
}

// Step names, in the bootstrap's order.
const (
	StepStart    = "start"    // the container's `sh -c` did not start
	StepMktemp   = "mktemp"   // making the download folder
	StepDownload = "download" // curl, wget or busybox wget
	StepChmod    = "chmod"
	StepExec     = "exec" // running the downloaded agent
	StepTimeout  = "timeout"
	StepReport   = "report" // the agent ran but its report is missing
)

// Result is what the probe saw.
type Result struct {
	// Skipped says why the probe did not run ("" when it ran).
	Skipped string `json:"skipped,omitempty"`
	// OK: the agent downloaded, started and reported.
	OK bool `json:"ok"`
	// Tool downloaded the agent: "curl", "wget", "busybox" ("" when none
	// was found or the script did not get that far).
	Tool string `json:"tool,omitempty"`
	// FailedStep is the step that failed (Step* constants), with the
	// script's exit code and the last lines of its stderr.
	FailedStep string `json:"failed_step,omitempty"`
	ExitCode   int    `json:"exit_code,omitempty"`
	Stderr     string `json:"stderr,omitempty"`
	// Report is the agent's report (nil unless it ran).
	Report *probeagent.Report `json:"report,omitempty"`
	// Seconds is the bootstrap's time, from the workspace container's
	// start to its exit.
	Seconds float64 `json:"seconds"`
}

// String is the one-line summary, e.g. "agent bootstrap: downloaded with
// curl, started as coder (1000) in 0.9 s".
func (r *Result) String() string {
	switch {
	case r == nil:
		return "agent bootstrap: not probed"
	case r.Skipped != "":
		return "agent bootstrap: not probed: " + r.Skipped
	case r.OK:
		who := fmt.Sprint(r.Report.UID)
		if r.Report.User != "" {
			who = fmt.Sprintf("%s (%d)", r.Report.User, r.Report.UID)
		}
		return fmt.Sprintf("agent bootstrap: downloaded with %s, started as %s in %.1f s", r.Tool, who, r.Seconds)
	}
	msg := fmt.Sprintf("agent bootstrap: failed at %s", r.FailedStep)
	if r.Stderr != "" {
		msg += ": " + lastLine(r.Stderr)
	}
	return msg
}

// stepPrefix marks the script's progress on stderr.
const stepPrefix = "coderready-probe-step: "

// script is the init script: what Coder's Linux bootstrap does (a temp
// folder from mktemp, the agent downloaded with curl, else wget, else
// busybox wget, made executable and exec'd as `agent` with the access URL
// in CODER_AGENT_URL), written for the probe with a marker before each
// step so a failure can be told apart. It does not retry: a download that
// fails here fails in Coder too.
func script(arch string) string {
	return `set -eu
step() { echo "` + stepPrefix + `$*" >&2; }
step mktemp
BINARY_DIR=$(mktemp -d -t coder.XXXXXX)
cd "$BINARY_DIR"
BINARY_URL="${CODER_AGENT_URL}bin/coder-linux-` + arch + `"
if command -v curl >/dev/null 2>&1; then
	step download curl
	curl -fsSL --compressed "$BINARY_URL" -o coder
elif command -v wget >/dev/null 2>&1; then
	step download wget
	wget -q "$BINARY_URL" -O coder
elif command -v busybox >/dev/null 2>&1; then
	step download busybox
	busybox wget -q "$BINARY_URL" -O coder
else
	step download none
	echo "error: no download tool found, please install curl, wget or busybox wget" >&2
	exit 1
fi
step chmod
chmod +x coder
step exec
exec ./coder agent
`
}

func (o *Options) defaults() {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Memory <= 0 {
		o.Memory = 512 << 20
	}
	if o.NanoCPUs <= 0 {
		o.NanoCPUs = 1e9
	}
	if o.Pids <= 0 {
		o.Pids = 256
	}
}

// Run probes opts.Image on the engine. An error means the probe itself
// could not run (the engine failed); what the image does wrong is in the
// Result.
func Run(ctx context.Context, cli Client, opts Options) (*Result, error) {
	opts.defaults()
	ver, err := cli.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return nil, fmt.Errorf("probe: engine version: %w", err)
	}
	if opts.Arch != "" && ver.Arch != "" && opts.Arch != ver.Arch {
		return &Result{Skipped: fmt.Sprintf("the image is linux/%s and the engine runs linux/%s", opts.Arch, ver.Arch)}, nil
	}
	agent, err := opts.Agents.Agent(ctx, ver.Arch)
	if err != nil {
		return &Result{Skipped: "no probe agent for linux/" + ver.Arch + ": " + err.Error()}, nil
	}
	bin, err := readAgent(agent)
	if err != nil {
		return nil, err
	}

	// Removal must happen even when ctx is cancelled.
	run := fmt.Sprintf("%d-%x", time.Now().UnixNano(), rand.Uint64())
	var created []string
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		removeRun(rctx, cli, run, created)
	}()
	labels := map[string]string{Label: fmt.Sprint(time.Now().Unix()), RunLabel: run, OwnerLabel: owner()}
	limits := func(hc *container.HostConfig) *container.HostConfig {
		hc.Memory, hc.NanoCPUs, hc.PidsLimit = opts.Memory, opts.NanoCPUs, &opts.Pids
		hc.CapDrop = []string{"NET_RAW"}
		hc.SecurityOpt = []string{"no-new-privileges"}
		return hc
	}

	// The sidecar: an image of the stand-in alone, serving it with no
	// network.
	sideImage, err := sidecarImage(ctx, cli, bin, ver.Arch)
	if err != nil {
		return nil, err
	}
	side, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{
			Image: sideImage, User: "65534:65534", Labels: labels,
			Entrypoint: []string{agentPath}, Cmd: []string{"serve", "127.0.0.1:" + port, agentPath},
			WorkingDir: "/", Env: []string{},
		},
		HostConfig: limits(&container.HostConfig{NetworkMode: "none", ReadonlyRootfs: true}),
	})
	if err != nil {
		return nil, fmt.Errorf("probe: create the sidecar: %w", err)
	}
	created = append(created, side.ID)
	if _, err := cli.ContainerStart(ctx, side.ID, client.ContainerStartOptions{}); err != nil {
		return nil, fmt.Errorf("probe: start the sidecar: %w", err)
	}
	if err := waitServing(ctx, cli, side.ID, 10*time.Second); err != nil {
		return nil, fmt.Errorf("probe: the sidecar: %w", err)
	}

	// The workspace, as a Coder template starts it.
	ws, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{
			Image: opts.Image, User: opts.User, Labels: labels,
			Entrypoint: []string{"sh", "-c"}, Cmd: []string{script(ver.Arch)},
			Env: []string{
				"CODER_AGENT_URL=http://127.0.0.1:" + port + "/",
				"CODER_AGENT_TOKEN=coderready-probe",
				"CODER_AGENT_AUTH=token",
			},
		},
		HostConfig: limits(&container.HostConfig{NetworkMode: container.NetworkMode("container:" + side.ID)}),
	})
	if err != nil {
		return nil, fmt.Errorf("probe: create the workspace container: %w", err)
	}
	created = append(created, ws.ID)
	res := &Result{}
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	wait := cli.ContainerWait(wctx, ws.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	if _, err := cli.ContainerStart(ctx, ws.ID, client.ContainerStartOptions{}); err != nil {
		// The engine could not exec `sh`: no shell, a dangling link, a
		// binary of another architecture.
		res.FailedStep, res.Stderr = StepStart, err.Error()
		return res, nil
	}
	select {
	case w := <-wait.Result:
		res.ExitCode = int(w.StatusCode)
		if w.Error != nil && w.Error.Message != "" {
			res.Stderr = w.Error.Message
		}
	case err := <-wait.Error:
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !errors.Is(err, context.DeadlineExceeded) && wctx.Err() == nil {
			return nil, fmt.Errorf("probe: wait for the workspace container: %w", err)
		}
		res.FailedStep = StepTimeout
		res.Stderr = fmt.Sprintf("the bootstrap did not finish in %s", opts.Timeout)
	}
	res.Seconds = time.Since(start).Seconds()
	stdout, stderr, err := logs(ctx, cli, ws.ID)
	if err != nil {
		return nil, fmt.Errorf("probe: the workspace container's output: %w", err)
	}
	interpret(res, stdout, stderr)
	return res, nil
}

// interpret reads the script's step markers and the agent's report.
func interpret(res *Result, stdout, stderr string) {
	step := ""
	var rest []string
	for line := range strings.SplitSeq(stderr, "\n") {
		if s, ok := strings.CutPrefix(line, stepPrefix); ok {
			step, rest = s, nil
			if t, ok := strings.CutPrefix(s, StepDownload+" "); ok && t != "none" {
				res.Tool = t
			}
			continue
		}
		if strings.TrimSpace(line) != "" {
			rest = append(rest, line)
		}
	}
	for line := range strings.SplitSeq(stdout, "\n") {
		if js, ok := strings.CutPrefix(line, probeagent.ReportPrefix); ok {
			var rep probeagent.Report
			if json.Unmarshal([]byte(js), &rep) == nil {
				res.Report = &rep
			}
		}
	}
	if len(rest) > 10 {
		rest = rest[len(rest)-10:]
	}
	if res.FailedStep == StepTimeout {
		return
	}
	if res.Report != nil && res.ExitCode == 0 {
		res.OK = true
		return
	}
	switch {
	case step == "":
		res.FailedStep = StepMktemp // the shell ran but not even the first marker
		if res.ExitCode == 0 {
			res.FailedStep = StepReport
		}
	case strings.HasPrefix(step, StepDownload):
		res.FailedStep = StepDownload
	case step == StepExec:
		res.FailedStep = StepExec
		if res.Report == nil && res.ExitCode == 0 {
			res.FailedStep = StepReport
		}
	default:
		res.FailedStep = step
	}
	if len(rest) > 0 {
		res.Stderr = strings.Join(rest, "\n")
	}
}

// Sweep removes probe containers a killed coderready left behind: those
// older than age, and those whose owner (OwnerLabel) was a process of this
// host that is gone. Others may belong to a probe running now.
func Sweep(ctx context.Context, cli Client, age time.Duration) (int, error) {
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", Label)})
	if err != nil {
		return 0, fmt.Errorf("probe: list leftover containers: %w", err)
	}
	n := 0
	for _, c := range list.Items {
		var created int64
		_, _ = fmt.Sscan(c.Labels[Label], &created)
		if time.Since(time.Unix(created, 0)) < age && !ownerGone(c.Labels[OwnerLabel]) {
			continue
		}
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			return n, fmt.Errorf("probe: remove leftover container %s: %w", c.ID, err)
		}
		n++
	}
	return n, nil
}

// removeRun removes a probe's containers: those it knows, and any other
// carrying its run label.
func removeRun(ctx context.Context, cli Client, run string, ids []string) {
	if list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", RunLabel+"="+run)}); err == nil {
		for _, c := range list.Items {
			if !slices.Contains(ids, c.ID) {
				ids = append(ids, c.ID)
			}
		}
	}
	for _, id := range ids {
		_, _ = cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	}
}

// waitServing follows the sidecar's output until it listens.
func waitServing(ctx context.Context, cli Client, id string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	rc, err := cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true})
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	var out bytes.Buffer
	buf := make([]byte, 4096)
	for {
		n, err := rc.Read(buf)
		out.Write(buf[:n])
		if bytes.Contains(out.Bytes(), []byte(probeagent.ServingLine)) {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("not serving after %s: %q", limit, out.String())
			}
			return fmt.Errorf("exited before serving: %q", out.String())
		}
	}
}

// logs returns a container's stdout and stderr, at most 1 MiB each.
func logs(ctx context.Context, cli Client, id string) (string, string, error) {
	rc, err := cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "", "", err
	}
	defer func() { _ = rc.Close() }()
	var stdout, stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(&capped{w: &stdout, n: 1 << 20}, &capped{w: &stderr, n: 1 << 20}, rc); err != nil {
		return "", "", err
	}
	return stdout.String(), stderr.String(), nil
}

// capped keeps the first n bytes written and drops the rest.
type capped struct {
	w io.Writer
	n int
}

func (c *capped) Write(p []byte) (int, error) {
	k := min(len(p), c.n)
	if k > 0 {
		_, _ = c.w.Write(p[:k])
		c.n -= k
	}
	return len(p), nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// Engine probes images on one Docker engine with one source of stand-in
// agents: what a scan or inspect holds to probe the images it builds or
// reads.
type Engine struct {
	Client Client
	Agents Agents
	// Timeout bounds each bootstrap (0: Options' default, 30 s).
	Timeout time.Duration
}

// Probe runs the bootstrap in image (as the engine names it), an image of
// architecture arch (GOARCH names; "" when unknown), as user ("" for the
// image's USER).
func (e *Engine) Probe(ctx context.Context, image, arch, user string) (*Result, error) {
	return Run(ctx, e.Client, Options{Image: image, Arch: arch, User: user, Agents: e.Agents, Timeout: e.Timeout})
}
