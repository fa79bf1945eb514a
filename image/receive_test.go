package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/moby/client"
)

// testReceiver serves a receiver over HTTP with a cache in dir.
func testReceiver(t *testing.T, dir string) (*receiver, string, *eventLog) {
	t.Helper()
	limits := DefaultLimits
	ws, err := compileWants(DefaultWants(), limits)
	if err != nil {
		t.Fatal(err)
	}
	r := newReceiver(newCache(dir, 0, ws.key), newReceiveStore(dir), ws, limits)
	var log eventLog
	stop := r.observe(log.add)
	srv := httptest.NewServer(r)
	t.Cleanup(func() { stop(); srv.Close(); r.close() })
	return r, srv.URL, &log
}

func do(t *testing.T, method, url string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp
}

// uploadBlob uploads b in one PATCH and commits it as digest.
func uploadBlob(t *testing.T, base string, b []byte, digest string) *http.Response {
	t.Helper()
	resp := do(t, http.MethodPost, base+"/v2/coderready/receive/blobs/uploads/", nil)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST: %s", resp.Status)
	}
	loc := base + resp.Header.Get("Location")
	if resp := do(t, http.MethodPatch, loc, b); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("PATCH: %s", resp.Status)
	}
	return do(t, http.MethodPut, loc+"?digest="+digest, nil)
}

// TestReceiverRefusesDigestMismatch uploads a layer under a digest its
// bytes do not have: it is refused, nothing is cached or recorded, and the
// receiver does not claim either digest. The same bytes under their own
// digest are taken, and a later receiver on the same cache has them.
func TestReceiverRefusesDigestMismatch(t *testing.T) {
	dir := t.TempDir()
	_, base, log := testReceiver(t, dir)
	blob := gzipBytes(t, tarBytes(t, file("etc/os-release", debianOSRel)))
	real, _, err := v1.SHA256(bytes.NewReader(blob))
	if err != nil {
		t.Fatal(err)
	}
	lie := "sha256:" + strings.Repeat("ab", 32)

	resp := uploadBlob(t, base, blob, lie)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a mismatched upload: %s; want 400", resp.Status)
	}
	if got := log.kinds("refused"); len(got) != 1 || !strings.Contains(got[0].Err, "mismatch") {
		t.Errorf("refusals %+v", got)
	}
	if c := cachedLayers(t, dir); len(c) != 0 {
		t.Errorf("cached after a refused upload: %v", c)
	}
	if _, err := os.Stat(filepath.Join(dir, cacheVersion, "received", "blobs")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a blob recorded after a refused upload (%v)", err)
	}
	for _, d := range []string{lie, real.String()} {
		if resp := do(t, http.MethodHead, base+"/v2/coderready/receive/blobs/"+d, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("HEAD %s after a refused upload: %s; want 404", d, resp.Status)
		}
	}

	if resp := uploadBlob(t, base, blob, real.String()); resp.StatusCode != http.StatusCreated {
		t.Fatalf("the upload under its own digest: %s", resp.Status)
	}
	up := log.kinds("upload")
	if len(up) != 1 || up[0].DiffID == "" || up[0].Size != int64(len(blob)) {
		t.Errorf("uploads %+v", up)
	}
	if c := cachedLayers(t, dir); len(c) != 1 {
		t.Errorf("cached %v; want the layer's index", c)
	}
	// Another receiver (another process) on the same cache has the blob.
	_, base2, _ := testReceiver(t, dir)
	resp = do(t, http.MethodHead, base2+"/v2/coderready/receive/blobs/"+real.String(), nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Length") != fmt.Sprint(len(blob)) {
		t.Errorf("HEAD on a new receiver: %s, length %q", resp.Status, resp.Header.Get("Content-Length"))
	}
	resp = do(t, http.MethodPost, base2+"/v2/coderready/other/blobs/uploads/?mount="+real.String()+"&from=x/y", nil)
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("mount of a known blob: %s; want 201", resp.Status)
	}
}

// TestReceiverTakesAnotherClientsPush pushes with go-containerregistry's
// client (its own reading of the protocol): the image read from what the
// receiver got has the facts of the image, and a second image on the same
// base sends only its own layer.
func TestReceiverTakesAnotherClientsPush(t *testing.T) {
	dir := t.TempDir()
	r, base, log := testReceiver(t, dir)
	host := strings.TrimPrefix(base, "http://")
	read := func(im v1.Image, tag string) *Facts {
		t.Helper()
		id, _ := im.ConfigName()
		pr := &pushRead{s: &receiveServer{r: r}, id: id.String(), store: r.store, c: r.c}
		stop := pr.watch()
		if err := remote.Write(mustRef(t, host+"/"+receiveRepo+":"+tag), im); err != nil {
			t.Fatalf("push: %v", err)
		}
		stop()
		m := r.takeManifest(tag)
		if m == nil {
			t.Fatal("no manifest received")
		}
		got, info, err := pr.image(context.Background(), m)
		if err != nil {
			t.Fatalf("received image: %v", err)
		}
		f, err := (&Image{img: got, opts: Options{CacheDir: dir}}).Facts(context.Background())
		if err != nil {
			t.Fatalf("facts: %v", err)
		}
		f.Read = info
		return f
	}
	bb := busyboxImage(t)
	f := read(bb, "one")
	saved := filepath.Join(t.TempDir(), "bb.tar")
	writeLegacySave(t, saved, "test/busybox:1", bb)
	want := inspect(t, "docker-archive:"+saved, Options{})
	if !equalFiles(f, want) || f.Busybox == nil {
		t.Errorf("the received image's facts differ from the image's")
	}
	extra := layer(t, file("etc/extra", "x"))
	two, err := mutate.AppendLayers(bb, extra)
	if err != nil {
		t.Fatal(err)
	}
	before := len(log.kinds("upload"))
	f2 := read(two, "two")
	var layers []ReceiveEvent
	for _, e := range log.kinds("upload")[before:] {
		if e.DiffID != "" {
			layers = append(layers, e)
		}
	}
	d, _ := extra.DiffID()
	if len(layers) != 1 || layers[0].DiffID != d.String() {
		t.Errorf("second push uploaded %+v; want only %s", layers, d)
	}
	if f2.Read.LayersSent != 1 || f2.Read.LayersKnown != len(f.Layers) {
		t.Errorf("read %+v", f2.Read)
	}
	if _, ok := f2.Files.Get("/etc/extra"); !ok {
		t.Errorf("the new layer's file is missing")
	}
}

func equalFiles(a, b *Facts) bool {
	return fmt.Sprint(fileMap(a)) == fmt.Sprint(fileMap(b))
}

func TestChooseRoute(t *testing.T) {
	const gb = 1 << 30
	pushed, saved, fresh := engineLayer{Pushed: true}, engineLayer{Saves: 1}, engineLayer{}
	tests := []struct {
		name   string
		layers []layerPlan
		onTop  bool
		push   bool
	}{
		{"base pushed, one new line", []layerPlan{{3 * gb, pushed}, {100, fresh}}, false, true},
		{"all new", []layerPlan{{3 * gb, fresh}, {100, fresh}}, false, false},
		{"all new, a build on top follows", []layerPlan{{3 * gb, fresh}, {100, fresh}}, true, true},
		{"base read by save before: pushed once", []layerPlan{{3 * gb, saved}, {100, fresh}}, false, true},
		{"a big new layer on a pushed base", []layerPlan{{gb, pushed}, {gb, fresh}}, false, false},
		{"nothing known of an empty image", nil, false, true},
	}
	for _, tt := range tests {
		if got, why := chooseRoute(tt.layers, tt.onTop); got != tt.push {
			t.Errorf("%s: push %v (%s); want %v", tt.name, got, why, tt.push)
		}
	}
}

// failingPusher is a fakeDaemon whose pushes fail, recording the tags it
// was asked to make and remove.
type failingPusher struct {
	*fakeDaemon
	tagged, removed []string
}

func (p *failingPusher) ImageTag(_ context.Context, o client.ImageTagOptions) (client.ImageTagResult, error) {
	p.tagged = append(p.tagged, o.Target)
	return client.ImageTagResult{}, nil
}

func (p *failingPusher) ImagePush(context.Context, string, client.ImagePushOptions) (client.ImagePushResponse, error) {
	return nil, errors.New("no route to the registry")
}

func (p *failingPusher) ImageRemove(_ context.Context, ref string, _ client.ImageRemoveOptions) (client.ImageRemoveResult, error) {
	p.removed = append(p.removed, ref)
	return client.ImageRemoveResult{}, nil
}

func (p *failingPusher) Info(context.Context, client.InfoOptions) (client.SystemInfoResult, error) {
	var r client.SystemInfoResult
	r.Info.ID = "test-engine"
	return r, nil
}

func (p *failingPusher) DaemonHost() string { return "unix:///var/run/docker.sock" }

// TestPushErrorFallsBackToSave: a push that fails is read by save, the
// facts say so, and the push's tag is removed.
func TestPushErrorFallsBackToSave(t *testing.T) {
	dir := t.TempDir()
	legacy := filepath.Join(dir, "legacy.tar")
	writeLegacySave(t, legacy, "test/busybox:1", busyboxImage(t))
	p := &failingPusher{fakeDaemon: &fakeDaemon{t: t, id: "sha256:" + fmt.Sprintf("%064x", 8), save: legacy}}
	f := inspect(t, "docker-daemon:test/busybox:1", Options{Daemon: p, TempDir: t.TempDir(), CacheDir: t.TempDir(),
		ReadRoute: ReadRoutePush, ReceiveAddr: freeAddr(t)})
	if f.Read == nil || f.Read.Route != ReadRouteSave || !strings.Contains(f.Read.Reason, "no route to the registry") {
		t.Errorf("read %+v; want save after the push failed", f.Read)
	}
	if f.Busybox == nil || p.saves != 1 {
		t.Errorf("facts %+v after %d saves", f.Busybox, p.saves)
	}
	if len(p.tagged) != 1 || fmt.Sprint(p.removed) != fmt.Sprint(p.tagged) {
		t.Errorf("tagged %v, removed %v", p.tagged, p.removed)
	}
	// Without a tag of its own the image is not pushed at all.
	p.tagged, p.removed = nil, nil
	f = inspect(t, "docker-daemon:"+p.id, Options{Daemon: &untagged{p}, TempDir: t.TempDir(), CacheDir: t.TempDir(), ReadRoute: ReadRoutePush})
	if f.Read.Route != ReadRouteSave || !strings.Contains(f.Read.Reason, "no tag") || len(p.tagged) != 0 {
		t.Errorf("untagged image: read %+v, tagged %v", f.Read, p.tagged)
	}
}

// untagged is an engine whose image has no tag.
type untagged struct{ *failingPusher }

func (u *untagged) ImageInspect(ctx context.Context, ref string, o ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	r, err := u.failingPusher.ImageInspect(ctx, ref, o...)
	r.RepoTags = nil
	return r, err
}
