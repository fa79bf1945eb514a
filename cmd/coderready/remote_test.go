package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"github.com/coderready/coderready/image"
	"github.com/coderready/coderready/internal/testenv"
	"github.com/coderready/coderready/probe"
)

// TestRemoteEngine: `check` and `inspect --probe` against an engine on
// another host (DOCKER_HOST=tcp://…: a dockerd in a network namespace of
// its own, reached through a veth pair) do everything there. The image
// is built on that engine; its layers cross to coderready by the engine's
// push to the receiving registry listening on the address the engine
// reaches ($CODERREADY_RECEIVE_ADDR), so a second push sends only its new
// layer; the agent probe runs on that engine (sidecar loaded there, the
// workspace joined to its network namespace) and leaves no container
// behind. The local engine gets none of it.
func TestRemoteEngine(t *testing.T) {
	const base = "coderready-test/busybox:static-nonroot"
	re := testenv.StartRemoteEngine(t, base)
	local := testenv.RequireEngine(t)
	start := time.Now()
	t.Setenv("DOCKER_HOST", re.Host)
	t.Setenv("CODERREADY_DATA_DIR", t.TempDir())
	t.Setenv(image.EnvReceiveAddr, re.ReceiveAddr)

	dir := t.TempDir()
	type target struct {
		Build *struct {
			Engine string          `json:"engine"`
			Ref    string          `json:"ref"`
			Failed bool            `json:"failed"`
			Read   *image.ReadInfo `json:"read"`
		} `json:"build"`
		Probe *probe.Result `json:"probe"`
	}
	check := func(lines string) target {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM "+base+"\n"+lines), 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"check", dir, "--format", "json", "--fail-on", "never", "--build-network", "host"}, &stdout, &stderr)
		if code != exitOK {
			t.Fatalf("check: exit %d: %s\n(the second engine's log: %s)", code, stderr.String(), re.Log)
		}
		var rep struct {
			Targets []target `json:"targets"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("%v: %s", err, stdout.String())
		}
		if len(rep.Targets) != 1 || rep.Targets[0].Build == nil || rep.Targets[0].Build.Failed || rep.Targets[0].Build.Ref == "" {
			t.Fatalf("no build: %s", stdout.String())
		}
		return rep.Targets[0]
	}

	first := check("RUN echo one > /tmp/one\n")
	// check removes what it built; the build's cache stays where it ran.
	du, err := re.Client.DiskUsage(context.Background(), client.DiskUsageOptions{BuildCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(du.BuildCache.Items) == 0 {
		t.Errorf("no build cache on the second engine: %s was not built there", first.Build.Ref)
	}
	if p := first.Probe; p == nil || !p.OK || p.Report == nil || p.Report.User != "coder" {
		t.Errorf("the probe on the second engine: %+v", p)
	}

	// Another line: its layer alone crosses, by push to the receiver.
	second := check("RUN echo one > /tmp/one\nRUN echo two > /tmp/two\n")
	r := second.Build.Read
	if r == nil || r.Route != image.ReadRoutePush || r.LayersSent != 1 || r.LayersKnown < 2 {
		t.Errorf("second push read %+v, want the push route with 1 layer sent and the others known", r)
	}

	code, stdout, stderr := runCLI(t, "inspect", "docker-daemon:"+base, "--probe", "--fail-on", "never")
	if code != exitOK || !strings.Contains(stdout, "agent bootstrap: downloaded with wget, started as coder (1000)") {
		t.Errorf("inspect --probe on the second engine: exit %d\n%s%s", code, stdout, stderr)
	}

	left, err := re.Client.ContainerList(context.Background(), client.ContainerListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Items) != 0 {
		t.Errorf("%d containers left on the second engine", len(left.Items))
	}
	// Other packages' tests build on the local engine at the same time,
	// and check removes what it built, so the proof is the local engine's
	// own record: no event since the start names either image.
	names := map[string]bool{}
	for _, ref := range []string{first.Build.Ref, second.Build.Ref} {
		names[strings.TrimPrefix(ref, "docker-daemon:")] = true
	}
	// The control: a tag this test makes on the local engine, which the
	// record must show, or the query saw nothing.
	control := fmt.Sprintf("coderready-test/remote-control:%d", time.Now().UnixNano())
	if _, err := local.ImageTag(context.Background(), client.ImageTagOptions{Source: base, Target: control}); err != nil {
		t.Fatal(err)
	}
	if _, err := local.ImageRemove(context.Background(), control, client.ImageRemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	seen := false
	for _, e := range engineEvents(t, local, start) {
		seen = seen || e.Actor.Attributes["name"] == control
		if names[e.Actor.Attributes["name"]] || names[e.Actor.Attributes["image"]] || names[e.Actor.ID] {
			t.Errorf("the local engine saw %s %s of %v: the build ran there", e.Type, e.Action, e.Actor.Attributes)
		}
	}
	if !seen {
		t.Errorf("the local engine's record lacks the control tag %s: the query saw nothing", control)
	}
}

// engineEvents returns the events the engine recorded since start (the
// caller makes one of its own as a control: the local engine may see
// nothing else while the test runs).
func engineEvents(t *testing.T, c *client.Client, start time.Time) []events.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res := c.Events(ctx, client.EventsListOptions{
		Since: strconv.FormatInt(start.Unix()-1, 10),
		Until: strconv.FormatInt(time.Now().Unix()+1, 10),
	})
	var out []events.Message
	for {
		select {
		case m := <-res.Messages:
			out = append(out, m)
		case err := <-res.Err:
			if err != nil && !errors.Is(err, io.EOF) {
				t.Fatalf("the local engine's events: %v", err)
			}
			return out
		}
	}
}
