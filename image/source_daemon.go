package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/moby/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// DaemonClient is the part of the Docker Engine API client that
// docker-daemon: references use; *client.Client implements it.
type DaemonClient interface {
	ImageInspect(ctx context.Context, image string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error)
	ImageSave(ctx context.Context, images []string, opts ...client.ImageSaveOption) (client.ImageSaveResult, error)
}

// DaemonPusher is what reading by push (ReadRoutePush) needs of the
// engine client beyond DaemonClient; *client.Client implements it. A
// DaemonClient that is not one is read by save.
type DaemonPusher interface {
	DaemonClient
	ImageTag(ctx context.Context, options client.ImageTagOptions) (client.ImageTagResult, error)
	ImagePush(ctx context.Context, image string, options client.ImagePushOptions) (client.ImagePushResponse, error)
	ImageRemove(ctx context.Context, image string, options client.ImageRemoveOptions) (client.ImageRemoveResult, error)
	Info(ctx context.Context, options client.InfoOptions) (client.SystemInfoResult, error)
	DaemonHost() string
}

// openDaemon opens an image of the local Docker daemon. Only the image is
// inspected here; the `docker save` stream is written once to a temporary
// file when the layers are first needed, and read in place from there
// (go-containerregistry's daemon package would buffer it in memory or
// re-save it for every layer). Cached facts for the image ID skip the save.
func openDaemon(ctx context.Context, r Reference, opts Options, want Platform) (*Image, error) {
	cli := opts.Daemon
	im := &Image{}
	if cli == nil {
		c, err := client.New(client.FromEnv)
		if err != nil {
			return nil, fmt.Errorf("docker client: %w", err)
		}
		cli = c
		im.closers = append(im.closers, c.Close)
	}
	ins, err := cli.ImageInspect(ctx, r.Name)
	if err != nil {
		_ = im.Close()
		return nil, fmt.Errorf("inspect: %w", err)
	}
	id := ins.ID
	if id == "" {
		_ = im.Close()
		return nil, fmt.Errorf("inspect: the daemon returned no image ID")
	}
	for _, rd := range ins.RepoDigests {
		if _, d, ok := strings.Cut(rd, "@"); ok {
			im.Digest = d
			break
		}
	}
	im.aliasKey = "daemon-" + id + "-" + want.String()
	im.load = func(ctx context.Context) (v1.Image, func() error, error) {
		start := time.Now()
		dr := &daemonRead{cli: cli, ins: ins, opts: opts}
		img, info := dr.tryPush(ctx)
		if img != nil {
			info.Seconds = time.Since(start).Seconds()
			im.read = info
			return img, nil, nil
		}
		name, err := saveToTemp(ctx, cli, id, opts, want)
		if err != nil {
			return nil, nil, err
		}
		info.Seconds = time.Since(start).Seconds()
		info.LayersSent = len(ins.RootFS.Layers)
		if fi, err := os.Stat(name); err == nil {
			info.BytesSent = fi.Size()
		}
		im.read = info
		dr.countSave()
		remove := func() error { return os.Remove(name) }
		tf, err := openTarFile(name)
		if err != nil {
			return nil, remove, fmt.Errorf("docker save output: %w", err)
		}
		closer := func() error { return errors.Join(tf.Close(), remove()) }
		saved, err := imageFromSave(tf, "", want)
		if err != nil {
			return nil, closer, fmt.Errorf("docker save output: %w", err)
		}
		if saved.Platforms != nil {
			im.Platforms = saved.Platforms
		}
		return saved.img, closer, nil
	}
	return im, nil
}

// saveToTemp streams `docker save ID` to a temporary file, charging the
// size limit as it goes. It asks for the wanted platform only (a
// multi-platform image in the containerd store may lack the others'
// content); engines before API 1.48 cannot select one, nor can a
// single-platform image of another platform be saved as the wanted one:
// then the image is saved as it is and its config tells its platform.
func saveToTemp(ctx context.Context, cli DaemonClient, id string, opts Options, want Platform) (string, error) {
	rc, err := cli.ImageSave(ctx, []string{id}, client.ImageSaveWithPlatforms(ocispec.Platform{
		OS: want.OS, Architecture: want.Architecture, Variant: want.Variant,
	}))
	if err != nil {
		rc, err = cli.ImageSave(ctx, []string{id})
	}
	if err != nil {
		return "", fmt.Errorf("docker save: %w", err)
	}
	defer func() { _ = rc.Close() }()
	f, err := os.CreateTemp(opts.TempDir, "coderready-docker-save-*.tar")
	if err != nil {
		return "", fmt.Errorf("docker save: %w", err)
	}
	lim := opts.Limits.withDefaults()
	// The save holds the layers uncompressed plus small metadata.
	cr := &countingReader{r: rc, budget: newBudget(Limits{MaxBytes: lim.MaxBytes + maxMetadataSize})}
	_, err = io.Copy(f, cr)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("docker save: %w", err)
	}
	return f.Name(), nil
}

// daemonRead chooses how an engine image's layers cross (see
// docs/design.md, "Reading an image from the engine").
type daemonRead struct {
	cli  DaemonClient
	ins  client.ImageInspectResult
	opts Options
	// engine is the engine's ID and plan what is known of each layer,
	// once tryPush got that far.
	engine string
	store  *receiveStore
	plan   []layerPlan
}

// tryPush reads the image by push when that route is available and worth
// it. It returns the image, or nil and the ReadInfo of the save to make
// instead, saying why.
func (d *daemonRead) tryPush(ctx context.Context) (v1.Image, *ReadInfo) {
	save := func(why string) (v1.Image, *ReadInfo) {
		return nil, &ReadInfo{Route: ReadRouteSave, Reason: why}
	}
	route, addr, listen := d.opts.routeOptions()
	switch route {
	case ReadRouteSave:
		return save("save was asked for")
	case ReadRoutePush, ReadRouteAuto:
	default:
		return save(fmt.Sprintf("unknown read route %q (auto, push or save)", route))
	}
	pc, ok := d.cli.(DaemonPusher)
	if !ok {
		return save("the engine client cannot push")
	}
	if d.opts.CacheDir == "" {
		return save("no layer cache: every layer would be sent anyway")
	}
	if len(d.ins.RepoTags) == 0 {
		// Removing the push's tag from an image without another name
		// would delete the image.
		return save("the image has no tag of its own to keep it while the push's tag is removed")
	}
	if addr == "" {
		if !localEngine(pc.DaemonHost()) {
			return save(fmt.Sprintf("the engine (%s) is not on this machine and no receive address is set (%s)", pc.DaemonHost(), EnvReceiveAddr))
		}
		addr = DefaultReceiveAddr
	}
	if listen == "" {
		listen = addr
	}
	info, err := pc.Info(ctx, client.InfoOptions{})
	if err != nil {
		return save(fmt.Sprintf("engine info: %v", err))
	}
	d.engine = info.Info.ID
	limits := d.opts.Limits.withDefaults()
	ws, err := compileWants(d.opts.wants(), limits)
	if err != nil {
		return save(err.Error())
	}
	c := newCache(d.opts.CacheDir, d.opts.CacheMaxBytes, ws.key)
	d.store = newReceiveStore(d.opts.CacheDir)
	d.plan = d.layerPlans(c)
	push, why := chooseRoute(d.plan, d.opts.BuildOnTop)
	if route == ReadRoutePush {
		push, why = true, "push was asked for"
	}
	if !push {
		return save(why)
	}
	s, err := acquireReceiver(listen, c, ws, limits)
	if err != nil {
		return save(fmt.Sprintf("the receiver at %s: %v", listen, err))
	}
	defer s.release(listen)
	defer s.r.observe(func(e ReceiveEvent) {
		if d.opts.OnReceive != nil {
			d.opts.OnReceive(e)
		}
		if e.Kind == "upload" && e.DiffID != "" && d.opts.OnLayerRead != nil {
			d.opts.OnLayerRead(e.DiffID)
		}
	})()
	pr := &pushRead{cli: pc, s: s, addr: addr, id: d.ins.ID, store: d.store, c: c}
	img, ri, err := pr.run(ctx)
	if err != nil {
		return save(fmt.Sprintf("the push to %s failed: %v", addr, err))
	}
	for _, l := range d.ins.RootFS.Layers {
		if h, err := v1.NewHash(l); err == nil {
			d.store.putEngineLayer(d.engine, h, engineLayer{Pushed: true})
		}
	}
	ri.Reason = why
	return img, ri
}

// layerPlans is what is known of each layer for the choice of route: its
// size from the cache, else a share of what the cached layers leave of the
// image's size; whether the engine pushed it before or saved it.
func (d *daemonRead) layerPlans(c *cache) []layerPlan {
	plans := make([]layerPlan, len(d.ins.RootFS.Layers))
	var known int64
	unknown := 0
	for i, l := range d.ins.RootFS.Layers {
		h, err := v1.NewHash(l)
		if err != nil {
			unknown++
			continue
		}
		plans[i].state = d.store.engineLayer(d.engine, h)
		if n, ok := c.layerSize(l); ok {
			plans[i].size = n
			known += n
		} else {
			plans[i].size = -1
			unknown++
		}
	}
	rest := max(d.ins.Size-known, 0)
	for i := range plans {
		if plans[i].size < 0 {
			plans[i].size = rest / int64(unknown)
		}
	}
	return plans
}

// countSave records that the image's layers were exported by save, for
// the layers the engine has not pushed to the receiver.
func (d *daemonRead) countSave() {
	if d.store == nil || d.engine == "" {
		return
	}
	for i, l := range d.ins.RootFS.Layers {
		h, err := v1.NewHash(l)
		if err != nil || (i < len(d.plan) && d.plan[i].state.Pushed) {
			continue
		}
		st := d.store.engineLayer(d.engine, h)
		st.Saves++
		d.store.putEngineLayer(d.engine, h, st)
	}
}
