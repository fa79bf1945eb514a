package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/moby/moby/client"

	"github.com/coderready/coderready/internal/testenv"
)

// buildOneLine builds `FROM base` plus one line on the test engine, tags it
// coderready-test-tmp/...:<random> and removes it when the test ends.
func buildOneLine(t testing.TB, cli *client.Client, base, line string) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	tag := "coderready-test-tmp/push:" + hex.EncodeToString(b[:])
	var ctxTar bytes.Buffer
	tw := tar.NewWriter(&ctxTar)
	df := "FROM " + base + "\n" + line + "\n"
	_ = tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(df))})
	_, _ = tw.Write([]byte(df))
	_ = tw.Close()
	ctx := context.Background()
	res, err := cli.ImageBuild(ctx, &ctxTar, client.ImageBuildOptions{Tags: []string{tag}, NetworkMode: "host", Remove: true, ForceRemove: true})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	out, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if bytes.Contains(out, []byte(`"errorDetail"`)) {
		t.Fatalf("build: %s", out)
	}
	t.Cleanup(func() {
		_, _ = cli.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true})
	})
	return tag
}

// freeAddr returns a loopback address with a port nothing listens on now.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// eventLog collects a read's receiver events.
type eventLog struct {
	mu sync.Mutex
	ev []ReceiveEvent
}

func (l *eventLog) add(e ReceiveEvent) {
	l.mu.Lock()
	l.ev = append(l.ev, e)
	l.mu.Unlock()
}

func (l *eventLog) kinds(kind string) []ReceiveEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []ReceiveEvent
	for _, e := range l.ev {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// noReceiveRefs fails when the engine still names the image in the
// receiver's repository.
func noReceiveRefs(t *testing.T, cli *client.Client, ref string) {
	t.Helper()
	ins, err := cli.ImageInspect(context.Background(), ref)
	if err != nil {
		t.Fatalf("inspect %s: %v", ref, err)
	}
	for _, r := range append(ins.RepoTags, ins.RepoDigests...) {
		if strings.Contains(r, receiveRepo) {
			t.Errorf("%s still has the reference %s", ref, r)
		}
	}
}

// TestPushSendsOnlyNewLayers reads a base image by push, then a one-line
// image on top of it: the engine uploads only the new layer (and the
// config), as the receiver's own record shows, and the facts are those of
// a save.
func TestPushSendsOnlyNewLayers(t *testing.T) {
	cli := dockerForTest(t)
	ctx := context.Background()
	base := testImagePrefix + "busybox:static"
	cache := t.TempDir()
	addr := freeAddr(t)
	opts := func(l *eventLog, route string) Options {
		return Options{Daemon: cli, CacheDir: cache, ReceiveAddr: addr, ReadRoute: route, OnReceive: l.add}
	}

	var first eventLog
	bf, err := Inspect(ctx, "docker-daemon:"+base, opts(&first, ReadRoutePush))
	if err != nil {
		t.Fatalf("base: %v", err)
	}
	if bf.Read == nil || bf.Read.Route != ReadRoutePush {
		t.Fatalf("base read %v; want push", bf.Read)
	}
	baseLayers := len(bf.Layers)
	if got := first.kinds("upload"); len(got) != baseLayers+1 {
		t.Errorf("base: %d uploads; want its %d layers and the config: %+v", len(got), baseLayers, got)
	}
	noReceiveRefs(t, cli, base)

	tag := buildOneLine(t, cli, base, "COPY Dockerfile /etc/one-line")
	var second eventLog
	var readLayers []string
	o := opts(&second, ReadRouteAuto)
	o.OnLayerRead = func(d string) { readLayers = append(readLayers, d) }
	f, err := Inspect(ctx, "docker-daemon:"+tag, o)
	if err != nil {
		t.Fatalf("one-line image: %v", err)
	}
	if f.Read == nil || f.Read.Route != ReadRoutePush || f.Read.LayersSent != 1 || f.Read.LayersKnown != baseLayers {
		t.Errorf("read %+v; want push with 1 layer sent and %d known", f.Read, baseLayers)
	}
	newLayer := f.Layers[len(f.Layers)-1].DiffID
	var layerUploads []ReceiveEvent
	for _, e := range second.kinds("upload") {
		if e.DiffID != "" {
			layerUploads = append(layerUploads, e)
		}
	}
	if len(layerUploads) != 1 || layerUploads[0].DiffID != newLayer {
		t.Errorf("layer uploads %+v; want only the new layer %s", layerUploads, newLayer)
	}
	if len(second.kinds("have")) < baseLayers {
		t.Errorf("haves %+v; want the base's %d layers", second.kinds("have"), baseLayers)
	}
	if !reflect.DeepEqual(readLayers, []string{newLayer}) {
		t.Errorf("layers read %v; want only %s", readLayers, newLayer)
	}
	if _, ok := f.FindExecutable("wget"); !ok {
		t.Errorf("the base's files are missing from the facts")
	}
	if _, ok := f.Files.Get("/etc/one-line"); !ok {
		t.Errorf("the new layer's file is missing from the facts")
	}
	noReceiveRefs(t, cli, tag)

	// The same facts as a save, uncached.
	saved, err := Inspect(ctx, "docker-daemon:"+tag, Options{Daemon: cli, ReadRoute: ReadRouteSave})
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	if saved.Read == nil || saved.Read.Route != ReadRouteSave {
		t.Errorf("save read %+v", saved.Read)
	}
	a, b := *f, *saved
	for _, x := range []*Facts{&a, &b} {
		x.Read = nil
	}
	if !reflect.DeepEqual(fileMap(&a), fileMap(&b)) {
		t.Errorf("file index differs between push (%d files) and save (%d files)", a.Files.Len(), b.Files.Len())
	}
	a.Files, b.Files = nil, nil
	if ja, jb := mustJSON(t, a), mustJSON(t, b); ja != jb {
		t.Errorf("facts differ between push and save:\npush: %s\nsave: %s", ja, jb)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPushFailureFallsBackToSave makes the engine push to an address
// nothing listens on: the read falls back to save, says why, and leaves
// no tag behind.
func TestPushFailureFallsBackToSave(t *testing.T) {
	cli := dockerForTest(t)
	ref := testImagePrefix + "busybox:static"
	var log eventLog
	f, err := Inspect(context.Background(), "docker-daemon:"+ref, Options{
		Daemon: cli, CacheDir: t.TempDir(), ReadRoute: ReadRoutePush,
		ReceiveAddr: freeAddr(t), ReceiveListen: freeAddr(t), OnReceive: log.add,
	})
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	if f.Read == nil || f.Read.Route != ReadRouteSave || !strings.Contains(f.Read.Reason, "push") {
		t.Errorf("read %+v; want save after a failed push", f.Read)
	}
	if f.Busybox == nil {
		t.Errorf("facts not read: %+v", f)
	}
	if len(log.kinds("upload")) != 0 {
		t.Errorf("uploads %+v to a receiver the engine cannot reach", log.kinds("upload"))
	}
	noReceiveRefs(t, cli, ref)
}

// BenchmarkDaemonOneLine reads a one-line image on top of the Debian test
// image from the engine, the base's layers known, by push and by save.
// Each iteration forgets the facts and the new layer, so that it crosses
// and is indexed every time, as on a re-check.
func BenchmarkDaemonOneLine(b *testing.B) {
	cli := testenv.RequireEngine(b)
	ctx := context.Background()
	base := testImagePrefix + "debian:bookworm"
	tag := buildOneLine(b, cli, base, "RUN echo one-line > /tmp/one-line")
	addr := freeAddr(b)
	for _, route := range []string{ReadRoutePush, ReadRouteSave} {
		b.Run(route, func(b *testing.B) {
			cache := b.TempDir()
			opts := Options{Daemon: cli, CacheDir: cache, ReceiveAddr: addr, ReadRoute: route}
			// The base read once the same way: its layers are known (for
			// push, the engine pushed them to this address).
			if _, err := Inspect(ctx, "docker-daemon:"+base, opts); err != nil {
				b.Fatal(err)
			}
			ins, err := cli.ImageInspect(ctx, tag)
			if err != nil {
				b.Fatal(err)
			}
			newLayer := ins.RootFS.Layers[len(ins.RootFS.Layers)-1]
			for b.Loop() {
				b.StopTimer()
				forget(b, cache, newLayer)
				b.StartTimer()
				f, err := Inspect(ctx, "docker-daemon:"+tag, opts)
				if err != nil {
					b.Fatal(err)
				}
				if f.Read.Route != route {
					b.Fatalf("read %+v; want %s", f.Read, route)
				}
			}
		})
	}
}

// forget removes the cached facts, the layer's index and the receiver's
// record of its blob.
func forget(tb testing.TB, cache, diffID string) {
	tb.Helper()
	hex := strings.TrimPrefix(diffID, "sha256:")
	_ = filepath.WalkDir(cache, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		switch {
		case filepath.Base(filepath.Dir(p)) == "facts",
			strings.Contains(filepath.Base(p), hex):
			_ = os.Remove(p)
		case filepath.Base(filepath.Dir(p)) == "blobs":
			if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), hex) {
				_ = os.Remove(p)
			}
		}
		return nil
	})
}
