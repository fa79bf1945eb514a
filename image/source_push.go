package image

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/moby/moby/client"
)

// How an engine image's layers cross from the engine (Options.ReadRoute,
// ReadInfo.Route).
const (
	// ReadRouteAuto chooses push or save by what the engine would send
	// (the default).
	ReadRouteAuto = "auto"
	// ReadRoutePush: the engine pushes the image to coderready's receiving
	// registry, sending only the layers it has not pushed there before.
	ReadRoutePush = "push"
	// ReadRouteSave: `docker save` exports the whole image.
	ReadRouteSave = "save"
	// ReadRouteCached: the image ID's facts were cached; nothing crossed.
	ReadRouteCached = "cached"
)

// DefaultReceiveAddr is where the receiving registry listens and the
// engine pushes to when the engine is local and Options.ReceiveAddr is
// empty. The engine remembers what it pushed per registry address, so the
// address must stay the same from one read to the next; loopback
// registries are insecure (plain HTTP) by default on the Docker engine.
const DefaultReceiveAddr = "127.0.0.1:25417"

// The environment variables that set Options.ReadRoute, ReceiveAddr and
// ReceiveListen when they are empty.
const (
	EnvReadRoute     = "CODERREADY_READ_ROUTE"
	EnvReceiveAddr   = "CODERREADY_RECEIVE_ADDR"
	EnvReceiveListen = "CODERREADY_RECEIVE_LISTEN"
)

// pushShare is the part of an image's bytes that may be new to both
// routes (neither pushed to the receiver nor exported by save before) for
// the push route to be chosen. The engine gzips what it pushes, one
// stream a layer; measured here (2 cores, Docker 20.10, vfs) a layer
// crosses by push about 5x slower per byte than by save, which writes
// the uncompressed tar (see docs/design.md).
const pushShare = 0.2

// ReadInfo says how an engine image was read: which route its layers took
// and why, and what crossed.
type ReadInfo struct {
	// Route is one of the ReadRoute* values but auto.
	Route string `json:"route"`
	// Reason says why this route was taken (why not the other).
	Reason string `json:"reason,omitempty"`
	// LayersSent and BytesSent are the layers (blobs, as stored) the
	// engine sent: uploaded by push, or exported by save.
	LayersSent int   `json:"layersSent"`
	BytesSent  int64 `json:"bytesSent"`
	// LayersKnown are the layers the receiver already had (push).
	LayersKnown int `json:"layersKnown,omitempty"`
	// Seconds is the time the layers took to cross: for push, with the
	// new layers indexed as they arrived; for save, the export alone.
	Seconds float64 `json:"seconds,omitempty"`
}

// String says it in a few words, e.g. "push: 1 layer sent (1.2 kB), 10
// known".
func (r *ReadInfo) String() string {
	if r == nil {
		return ""
	}
	s := r.Route
	switch r.Route {
	case ReadRoutePush:
		s = fmt.Sprintf("push: %d layer(s) sent (%s), %d known", r.LayersSent, humanBytes(r.BytesSent), r.LayersKnown)
	case ReadRouteSave:
		s = fmt.Sprintf("save: the whole image exported (%s)", humanBytes(r.BytesSent))
	}
	if r.Reason != "" {
		s += "; " + r.Reason
	}
	return s
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// routeOptions are the options of the route with the environment's
// defaults applied.
func (o Options) routeOptions() (route, addr, listen string) {
	route, addr, listen = o.ReadRoute, o.ReceiveAddr, o.ReceiveListen
	if route == "" {
		route = os.Getenv(EnvReadRoute)
	}
	if route == "" {
		route = ReadRouteAuto
	}
	if addr == "" {
		addr = os.Getenv(EnvReceiveAddr)
	}
	if listen == "" {
		listen = os.Getenv(EnvReceiveListen)
	}
	return route, addr, listen
}

// localEngine reports whether the engine at host (the client's
// DaemonHost) runs on this machine, so that it reaches a loopback
// receiver.
func localEngine(host string) bool {
	u, err := url.Parse(host)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "unix", "npipe":
		return true
	case "tcp", "http", "https":
		h := u.Hostname()
		if h == "localhost" {
			return true
		}
		ip := net.ParseIP(h)
		return ip != nil && ip.IsLoopback()
	}
	return false
}

// layerPlan is what the route choice knows of one layer.
type layerPlan struct {
	size  int64
	state engineLayer
}

// chooseRoute decides between push and save from what each layer would
// cost: a layer the engine pushed to the receiver before costs a HEAD; one
// exported by save before (a shared base read the other way) is worth
// pushing once, so that later reads skip it; a layer new to both routes
// costs more by push than by save. Push is chosen unless the new bytes
// pass pushShare of the image.
//
// With buildOnTop (an image built on this one is read next) every layer
// not pushed yet is worth pushing once: the built image's read then sends
// only what the build added, where save would export the whole image again.
func chooseRoute(layers []layerPlan, buildOnTop bool) (push bool, reason string) {
	var total, fresh, seen int64
	for _, l := range layers {
		total += l.size
		switch {
		case l.state.Pushed:
		case l.state.Saves > 0:
			seen += l.size
		default:
			fresh += l.size
		}
	}
	if buildOnTop && fresh+seen > 0 {
		return true, fmt.Sprintf("an image is built on it next: its %s of layers are pushed once, so that image's read sends only its own", humanBytes(fresh+seen))
	}
	if float64(fresh) > pushShare*float64(total) {
		return false, fmt.Sprintf("%s of the image's %s are new to this engine's reads; save exports them faster than the engine pushes them",
			humanBytes(fresh), humanBytes(total))
	}
	if seen > 0 {
		return true, fmt.Sprintf("%s of layers read before by save are pushed once, so later reads skip them", humanBytes(seen))
	}
	return true, ""
}

// receiveServer is a receiver listening on an address, shared by the
// reads of one process that use the same cache and wants; it stops when
// the last of them is done.
type receiveServer struct {
	r    *receiver
	srv  *http.Server
	key  string
	refs int
}

var receiveServers = struct {
	sync.Mutex
	m map[string]*receiveServer
}{m: map[string]*receiveServer{}}

// acquireReceiver starts (or joins) the receiver listening on listen.
func acquireReceiver(listen string, c *cache, ws *wantSet, limits Limits) (*receiveServer, error) {
	key := c.dir + "\x00" + ws.key
	receiveServers.Lock()
	defer receiveServers.Unlock()
	if s := receiveServers.m[listen]; s != nil {
		if s.key != key {
			return nil, fmt.Errorf("the receiver on %s is in use by a read with another cache or other wants", listen)
		}
		s.refs++
		return s, nil
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	r := newReceiver(c, newReceiveStore(c.root), ws, limits)
	s := &receiveServer{r: r, key: key, refs: 1,
		srv: &http.Server{Handler: r, ReadHeaderTimeout: 30 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }()
	receiveServers.m[listen] = s
	return s, nil
}

func (s *receiveServer) release(listen string) {
	receiveServers.Lock()
	defer receiveServers.Unlock()
	s.refs--
	if s.refs > 0 {
		return
	}
	delete(receiveServers.m, listen)
	_ = s.srv.Close()
	s.r.close()
}

// emptyAuth is an empty X-Registry-Auth ("{}"): the receiver asks for
// none, and engines before API 1.42 want a header or a body.
const emptyAuth = "e30="

// pushRead is one read by push: the engine pushes the image to the
// receiver under a tag of its own, which is removed afterwards.
type pushRead struct {
	cli   DaemonPusher
	s     *receiveServer
	addr  string
	id    string
	store *receiveStore
	c     *cache

	mu sync.Mutex
	// uploaded are the blobs uploaded while this read's push ran.
	uploaded map[v1.Hash]bool
}

// watch records the uploads of this read until the returned function is
// called. (Uploads of another read pushing at the same time are counted
// too when they carry the same blobs.)
func (p *pushRead) watch() func() {
	return p.s.r.observe(func(e ReceiveEvent) {
		if e.Kind != "upload" {
			return
		}
		if h, err := v1.NewHash(e.Digest); err == nil {
			p.mu.Lock()
			if p.uploaded == nil {
				p.uploaded = map[v1.Hash]bool{}
			}
			p.uploaded[h] = true
			p.mu.Unlock()
		}
	})
}

// run pushes and returns the image as received, and what crossed.
func (p *pushRead) run(ctx context.Context) (v1.Image, *ReadInfo, error) {
	var tb [8]byte
	_, _ = rand.Read(tb[:])
	target := p.addr + "/" + receiveRepo + ":r" + hex.EncodeToString(tb[:])
	if _, err := p.cli.ImageTag(ctx, client.ImageTagOptions{Source: p.id, Target: target}); err != nil {
		return nil, nil, fmt.Errorf("tag for push: %w", err)
	}
	defer func() {
		// Untag only: the image keeps its other names (checked before), so
		// the engine deletes no image, and the digest reference the push
		// added in the same repository goes with the tag.
		_, _ = p.cli.ImageRemove(context.WithoutCancel(ctx), target, client.ImageRemoveOptions{})
	}()
	stop := p.watch()
	resp, err := p.cli.ImagePush(ctx, target, client.ImagePushOptions{RegistryAuth: emptyAuth})
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("push: %w", err)
	}
	werr := resp.Wait(ctx)
	_ = resp.Close()
	stop()
	tag := target[strings.LastIndex(target, ":")+1:]
	m := p.s.r.takeManifest(tag)
	if werr != nil {
		return nil, nil, fmt.Errorf("push: %w", werr)
	}
	if m == nil {
		return nil, nil, errors.New("push: the engine reported success but the receiver got no manifest")
	}
	return p.image(ctx, m)
}

// image builds the received image from its manifest: the config as
// uploaded (it must be the image ID's), each layer's index as uploaded now
// or as cached for the DiffID its blob was verified to hold.
func (p *pushRead) image(ctx context.Context, m *receivedManifest) (v1.Image, *ReadInfo, error) {
	man, err := v1.ParseManifest(bytes.NewReader(m.raw))
	if err != nil {
		return nil, nil, fmt.Errorf("pushed manifest: %w", err)
	}
	if man.Config.Digest.String() != p.id {
		return nil, nil, fmt.Errorf("the pushed manifest's config is %s, not the image's %s", man.Config.Digest, p.id)
	}
	cb := p.s.r.blob(man.Config.Digest)
	if cb == nil || cb.small == nil {
		return nil, nil, fmt.Errorf("the pushed config %s was not received", man.Config.Digest)
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(cb.small))
	if err != nil {
		return nil, nil, fmt.Errorf("pushed config: %w", err)
	}
	if len(cfg.RootFS.DiffIDs) != len(man.Layers) {
		return nil, nil, fmt.Errorf("%d layers in the pushed manifest but %d DiffIDs in the config", len(man.Layers), len(cfg.RootFS.DiffIDs))
	}
	info := &ReadInfo{Route: ReadRoutePush}
	img := &receivedImage{manifest: man, rawManifest: m.raw, mediaType: types.MediaType(m.mediaType), rawConfig: cb.small,
		config: cfg, known: map[v1.Hash]*layerIndex{}}
	for i, l := range man.Layers {
		diffID := cfg.RootFS.DiffIDs[i]
		if b := p.s.r.blob(l.Digest); b != nil && (b.layer != nil || b.small != nil) {
			li := b.layer
			if li == nil {
				// A small layer taken for JSON: index it now.
				if li, err = readLayer(ctx, bytes.NewReader(b.small), p.s.r.ws, newBudget(p.s.r.limits).forLayer(), expected{diffID: diffID}); err != nil {
					return nil, nil, fmt.Errorf("layer %d (%s): %w", i, l.Digest, err)
				}
				li.DiffID = diffID.String()
			}
			if li.DiffID != diffID.String() {
				return nil, nil, fmt.Errorf("layer %d: %w", i, &DigestError{What: "DiffID", Expected: diffID.String(), Got: li.DiffID})
			}
			img.known[diffID] = li
			p.mu.Lock()
			sent := p.uploaded[l.Digest]
			p.mu.Unlock()
			if sent {
				info.LayersSent++
				info.BytesSent += b.size
			} else {
				info.LayersKnown++
			}
			continue
		}
		rec, ok := p.store.blob(l.Digest)
		if !ok {
			return nil, nil, fmt.Errorf("layer %d: blob %s was neither received nor known", i, l.Digest)
		}
		if rec.DiffID != diffID.String() {
			return nil, nil, fmt.Errorf("layer %d: blob %s: %w", i, l.Digest, &DigestError{What: "DiffID", Expected: diffID.String(), Got: rec.DiffID})
		}
		if !p.c.hasLayer(rec.DiffID) {
			return nil, nil, fmt.Errorf("layer %d (%s): its index left the cache", i, diffID)
		}
		info.LayersKnown++
	}
	return img, info, nil
}

// receivedImage is an image as the receiver got it: its manifest and
// config, and the indexes of the layers uploaded now (the others are in
// the cache). Its layers' bytes are not kept.
type receivedImage struct {
	manifest    *v1.Manifest
	rawManifest []byte
	mediaType   types.MediaType
	rawConfig   []byte
	config      *v1.ConfigFile
	known       map[v1.Hash]*layerIndex
}

var errNotKept = errors.New("the receiver keeps layers as indexes only")

func (i *receivedImage) knownIndex(diffID v1.Hash) *layerIndex { return i.known[diffID] }

func (i *receivedImage) Layers() ([]v1.Layer, error) {
	out := make([]v1.Layer, len(i.manifest.Layers))
	for n, l := range i.manifest.Layers {
		out[n] = &receivedLayer{desc: l, diffID: i.config.RootFS.DiffIDs[n]}
	}
	return out, nil
}

func (i *receivedImage) MediaType() (types.MediaType, error) { return i.mediaType, nil }
func (i *receivedImage) Size() (int64, error)                { return int64(len(i.rawManifest)), nil }
func (i *receivedImage) ConfigName() (v1.Hash, error)        { return i.manifest.Config.Digest, nil }
func (i *receivedImage) ConfigFile() (*v1.ConfigFile, error) { return i.config, nil }
func (i *receivedImage) RawConfigFile() ([]byte, error)      { return i.rawConfig, nil }
func (i *receivedImage) Manifest() (*v1.Manifest, error)     { return i.manifest, nil }
func (i *receivedImage) RawManifest() ([]byte, error)        { return i.rawManifest, nil }

func (i *receivedImage) Digest() (v1.Hash, error) {
	h, _, err := v1.SHA256(bytes.NewReader(i.rawManifest))
	return h, err
}

func (i *receivedImage) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	ls, _ := i.Layers()
	for _, l := range ls {
		if d, _ := l.Digest(); d == h {
			return l, nil
		}
	}
	return nil, fmt.Errorf("no layer %s", h)
}

func (i *receivedImage) LayerByDiffID(h v1.Hash) (v1.Layer, error) {
	ls, _ := i.Layers()
	for _, l := range ls {
		if d, _ := l.DiffID(); d == h {
			return l, nil
		}
	}
	return nil, fmt.Errorf("no layer %s", h)
}

type receivedLayer struct {
	desc   v1.Descriptor
	diffID v1.Hash
}

func (l *receivedLayer) Digest() (v1.Hash, error)             { return l.desc.Digest, nil }
func (l *receivedLayer) DiffID() (v1.Hash, error)             { return l.diffID, nil }
func (l *receivedLayer) Compressed() (io.ReadCloser, error)   { return nil, errNotKept }
func (l *receivedLayer) Uncompressed() (io.ReadCloser, error) { return nil, errNotKept }
func (l *receivedLayer) Size() (int64, error)                 { return l.desc.Size, nil }
func (l *receivedLayer) MediaType() (types.MediaType, error)  { return l.desc.MediaType, nil }
