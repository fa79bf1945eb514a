package build

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coderready/coderready/dockerfile"
	cerrdefs "github.com/containerd/errdefs"
	buildtypes "github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// DockerClient is the part of the Docker Engine API client the Docker
// builder uses; *client.Client implements it.
type DockerClient interface {
	ImageBuild(ctx context.Context, buildContext io.Reader, options client.ImageBuildOptions) (client.ImageBuildResult, error)
	ImageInspect(ctx context.Context, image string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error)
	ImageRemove(ctx context.Context, image string, options client.ImageRemoveOptions) (client.ImageRemoveResult, error)
	ContainerRemove(ctx context.Context, containerID string, options client.ContainerRemoveOptions) (client.ContainerRemoveResult, error)
}

// SessionClient is what the Docker builder needs besides DockerClient to
// build with BuildKit; *client.Client implements it. A DockerClient without
// it builds with the classic builder.
type SessionClient interface {
	Ping(ctx context.Context, options client.PingOptions) (client.PingResult, error)
	DialHijack(ctx context.Context, url, proto string, meta map[string][]string) (net.Conn, error)
	BuildCancel(ctx context.Context, id string, opts client.BuildCancelOptions) (client.BuildCancelResult, error)
}

// Engines the Docker builder can build with (Docker.Engine).
const (
	// EngineAuto builds with BuildKit when the engine offers it, and with
	// the classic builder when it does not or when the Spec asks for
	// memory, CPU or pids limits (which only the classic builder applies:
	// BuildKit through the Engine API takes none of them).
	EngineAuto = "auto"
	// EngineBuildKit always builds with the engine's BuildKit.
	EngineBuildKit = "buildkit"
	// EngineClassic always builds with the engine's classic builder.
	EngineClassic = "classic"
)

// minSessionAPI is the first Engine API version with BuildKit and the
// /session endpoint (Docker 18.09).
const minSessionAPI = "1.39"

// Docker builds through the Docker Engine API, with the engine's BuildKit
// when it offers it (the context is served from a client session) or with
// its classic builder (the context is sent as a tar stream). Nothing from
// the host enters the build but the context: no registry credentials, no
// secrets, no SSH agent, no host files, no pulls forced.
type Docker struct {
	// Client talks to the engine. BuildKit needs it to be a SessionClient
	// too.
	Client DockerClient
	// Engine is EngineAuto (or ""), EngineBuildKit or EngineClassic.
	Engine string

	// pingOnce guards auto, the engine EngineAuto resolved to.
	pingOnce sync.Once
	auto     string

	mu sync.Mutex
	// intermediates are the intermediate images of successful builds, by
	// ref, that Remove deletes with the image (other stages' chains are not
	// parents of the final image).
	intermediates map[string][]string
}

var _ Builder = (*Docker)(nil)

// NewDocker returns a Docker builder for the engine the environment names
// (DOCKER_HOST, DOCKER_CERT_PATH, ...), negotiating the API version, with
// the engine DOCKER_BUILDKIT asks for (1: BuildKit, 0: classic, unset:
// auto). Close releases its connection.
func NewDocker() (*Docker, error) {
	c, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return &Docker{Client: c, Engine: EngineFromEnv()}, nil
}

// EngineFromEnv reads DOCKER_BUILDKIT as the docker CLI does: a true value
// is EngineBuildKit, a false one EngineClassic, anything else EngineAuto.
func EngineFromEnv() string {
	v, ok := os.LookupEnv("DOCKER_BUILDKIT")
	if !ok {
		return EngineAuto
	}
	b, err := strconv.ParseBool(v)
	switch {
	case err != nil:
		return EngineAuto
	case b:
		return EngineBuildKit
	default:
		return EngineClassic
	}
}

// ParseEngine checks an engine name ("" is EngineAuto).
func ParseEngine(s string) (string, error) {
	switch s {
	case "", EngineAuto:
		return EngineAuto, nil
	case EngineBuildKit, EngineClassic:
		return s, nil
	}
	return "", fmt.Errorf("build engine %q: want %s, %s or %s", s, EngineAuto, EngineBuildKit, EngineClassic)
}

// engineFor decides how spec is built: BuildKit or the classic builder.
func (d *Docker) engineFor(ctx context.Context, spec Spec) (string, error) {
	engine, err := ParseEngine(d.Engine)
	if err != nil {
		return "", err
	}
	sc, hasSession := d.Client.(SessionClient)
	limits := spec.Memory > 0 || spec.NanoCPUs > 0 || spec.PidsLimit > 0
	switch engine {
	case EngineClassic:
		return EngineClassic, nil
	case EngineBuildKit:
		if !hasSession {
			return "", errNoSession
		}
		if limits {
			return "", errors.New("memory, CPU and pids limits are applied by the classic builder only: BuildKit through the Engine API takes none (build engine classic, or no limits)")
		}
		return EngineBuildKit, nil
	}
	if !hasSession || limits {
		return EngineClassic, nil
	}
	d.pingOnce.Do(func() {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		p, err := sc.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true})
		if err != nil {
			d.auto = EngineClassic
			return
		}
		d.auto = autoEngine(p)
	})
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.auto, nil
}

// autoEngine reads the engine's ping: it names its default builder
// (Builder-Version 2 is BuildKit, 1 the classic builder, set by its
// operator or its version); an engine that names none has BuildKit when it
// is a Linux engine with the session API (Docker 18.09 to 22.10, whose
// default was still the classic builder).
func autoEngine(p client.PingResult) string {
	switch p.BuilderVersion {
	case buildtypes.BuilderBuildKit:
		return EngineBuildKit
	case buildtypes.BuilderV1:
		return EngineClassic
	}
	if p.OSType == "linux" && versionAtLeast(p.APIVersion, minSessionAPI) {
		return EngineBuildKit
	}
	return EngineClassic
}

// versionAtLeast compares "major.minor" API versions.
func versionAtLeast(v, min string) bool {
	parse := func(s string) (int, int, bool) {
		a, b, ok := strings.Cut(s, ".")
		x, err1 := strconv.Atoi(a)
		y, err2 := strconv.Atoi(b)
		return x, y, ok && err1 == nil && err2 == nil
	}
	vx, vy, ok1 := parse(v)
	mx, my, ok2 := parse(min)
	if !ok1 || !ok2 {
		return false
	}
	return vx > mx || vx == mx && vy >= my
}

// Close closes the engine client when it can be closed.
func (d *Docker) Close() error {
	if c, ok := d.Client.(io.Closer); ok {
		if err := c.Close(); err != nil {
			return fmt.Errorf("docker client: %w", err)
		}
	}
	return nil
}

// Build builds spec with the engine's BuildKit or its classic builder (see
// Engine); Result.Engine says which.
func (d *Docker) Build(ctx context.Context, spec Spec) (*Result, error) {
	start := time.Now()
	spec = spec.withDefaults()
	opts, err := buildOptions(spec)
	if err != nil {
		return nil, err
	}
	bc, err := planContext(spec.Root, spec.ContextDir, spec.Dockerfile, spec.MaxContextBytes)
	if err != nil {
		return nil, err
	}
	defer bc.close()
	src, err := bc.readDockerfile()
	if err != nil {
		return nil, err
	}
	engine, err := d.engineFor(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("docker build: %w", err)
	}
	// A Dockerfile the project's parser rejects still goes to the builder,
	// whose error is the one reported; steps then map to no line.
	df, _ := dockerfile.Parse(bc.dockerfile, src)
	newState := func(engine string) *streamState {
		return &streamState{log: &capLog{max: spec.MaxLogBytes}, df: df, engine: engine}
	}

	st := newState(engine)
	res, err := d.build(ctx, spec, opts, bc, st)
	var f *Failure
	timedOut := errors.As(err, &f) && f.Timeout
	var ne net.Error
	if err != nil && engine == EngineBuildKit && !st.traced() && ctx.Err() == nil && !timedOut && !errors.As(err, &ne) && d.isAuto() {
		// The engine answered but took no BuildKit build: a
		// Docker-compatible engine without BuildKit (Podman's API, for
		// one). Build with the classic builder; when the engine takes
		// that, keep to it from here on. (An engine that could not be
		// reached at all is no reason to give BuildKit up.)
		cres, cerr := d.build(ctx, spec, opts, bc, newState(EngineClassic))
		if cerr == nil || errors.As(cerr, &f) {
			d.mu.Lock()
			d.auto = EngineClassic
			d.mu.Unlock()
			res, err = cres, cerr
		}
	}
	if res != nil {
		res.Duration = time.Since(start)
	}
	return res, err
}

// isAuto reports whether the engine is chosen per build.
func (d *Docker) isAuto() bool {
	e, err := ParseEngine(d.Engine)
	return err == nil && e == EngineAuto
}

// build runs one build with st.engine, following its output in st.
func (d *Docker) build(ctx context.Context, spec Spec, opts client.ImageBuildOptions, bc *buildContext, st *streamState) (*Result, error) {
	tctx, cancel := context.WithTimeout(ctx, spec.Timeout)
	defer cancel()
	// bctx also ends when the BuildKit session fails (its cause says why).
	bctx, cancelCause := context.WithCancelCause(tctx)
	defer cancelCause(nil)
	defer d.cleanup(ctx, st)

	var body io.Reader
	if st.engine == EngineBuildKit {
		sc := d.Client.(SessionClient)
		sess, err := startSession(bctx, bc, func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
			return sc.DialHijack(ctx, "/session", proto, meta)
		})
		if err != nil {
			return nil, fmt.Errorf("docker build: %w", err)
		}
		defer func() { _ = sess.Close() }()
		go sess.watch(bctx.Done(), cancelCause)
		opts.Version = buildtypes.BuilderBuildKit
		opts.SessionID = sess.ID()
		opts.RemoteContext = "client-session"
		opts.Dockerfile = path.Base(bc.dockerfile)
		if opts.BuildID, err = randomHex(16); err != nil {
			return nil, err
		}
		st.bk = &bkLog{}
		st.trace = newBKTrace(multiWriter{st.log, st.bk})
		defer d.cancelOnTimeout(ctx, tctx, opts.BuildID)
	} else {
		opts.Dockerfile = bc.dockerfile
		st.steps = stepLines(st.df)
		pr, pw := io.Pipe()
		go func() { _ = pw.CloseWithError(bc.writeTar(pw)) }()
		defer func() { _ = pr.Close() }()
		body = pr
	}

	resp, err := d.Client.ImageBuild(bctx, body, opts)
	if err != nil {
		if te := st.timeout(tctx, ctx, spec.Timeout); te != nil {
			return nil, te
		}
		if cause := context.Cause(bctx); cause != nil && ctx.Err() == nil && tctx.Err() == nil {
			return nil, fmt.Errorf("docker build: %w", cause)
		}
		return nil, fmt.Errorf("docker build: %w", err)
	}
	err = st.decode(resp.Body)
	_ = resp.Body.Close()
	if te := st.timeout(tctx, ctx, spec.Timeout); te != nil {
		return nil, te
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("docker build: %w", ctx.Err())
	}
	if cause := context.Cause(bctx); cause != nil && tctx.Err() == nil {
		return nil, fmt.Errorf("docker build: %w", cause)
	}
	if err != nil {
		return nil, fmt.Errorf("docker build: reading the engine's output: %w", err)
	}
	if st.failure != nil {
		return nil, st.failure
	}
	ins, err := d.Client.ImageInspect(ctx, opts.Tags[0])
	if err != nil {
		return nil, fmt.Errorf("docker build: the built image %s: %w", opts.Tags[0], err)
	}
	st.built = true
	d.mu.Lock()
	if d.intermediates == nil {
		d.intermediates = map[string][]string{}
	}
	d.intermediates[opts.Tags[0]] = st.images
	d.mu.Unlock()
	return &Result{
		Ref:     opts.Tags[0],
		ImageID: ins.ID,
		Engine:  st.engine,
		Log:     st.log.Bytes(),
	}, nil
}

// cancelOnTimeout asks the engine to stop a BuildKit build whose time ran
// out (closing the request alone may leave it running on older engines).
func (d *Docker) cancelOnTimeout(ctx, bctx context.Context, id string) {
	if ctx.Err() != nil || !errors.Is(bctx.Err(), context.DeadlineExceeded) {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, _ = d.Client.(SessionClient).BuildCancel(cctx, id, client.BuildCancelOptions{})
}

// Remove deletes a built image and its untagged parents (the classic
// builder's intermediate images), and the intermediate images of its other
// stages when this builder built it. An image that is already gone is not an
// error.
func (d *Docker) Remove(ctx context.Context, ref string) error {
	_, err := d.Client.ImageRemove(ctx, ref, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove image %s: %w", ref, err)
	}
	d.mu.Lock()
	images := d.intermediates[ref]
	delete(d.intermediates, ref)
	d.mu.Unlock()
	d.removeIntermediates(ctx, images)
	return nil
}

// removeIntermediates removes intermediate images, newest first, without
// force: an image another image or container still uses stays (the engine
// refuses), so a concurrent build's cache or a tagged image is never lost.
func (d *Docker) removeIntermediates(ctx context.Context, images []string) {
	for i := len(images) - 1; i >= 0; i-- {
		_, _ = d.Client.ImageRemove(ctx, images[i], client.ImageRemoveOptions{PruneChildren: true})
	}
}

// cleanup removes what a failed or cancelled build left: intermediate
// containers (a killed RUN) and intermediate images, using a context that
// outlives the build's.
func (d *Docker) cleanup(ctx context.Context, st *streamState) {
	if st.built {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for _, id := range st.containers {
		_, _ = d.Client.ContainerRemove(cctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	}
	d.removeIntermediates(cctx, st.images)
}

// buildOptions turns a Spec into the Engine API's build options.
func buildOptions(spec Spec) (client.ImageBuildOptions, error) {
	opts := client.ImageBuildOptions{
		Version:     buildtypes.BuilderV1,
		Remove:      true,
		ForceRemove: true,
		Target:      spec.Target,
		Memory:      spec.Memory,
	}
	if spec.Memory > 0 {
		opts.MemorySwap = spec.Memory // no swap beyond the memory limit
	}
	switch spec.Network {
	case NetworkDefault:
	case NetworkNone, NetworkHost:
		opts.NetworkMode = spec.Network
	default:
		return opts, fmt.Errorf("build network %q: want %q, %q or %q", spec.Network, NetworkDefault, NetworkNone, NetworkHost)
	}
	if spec.NanoCPUs > 0 {
		// The build API takes a CFS quota per period, not NanoCPUs.
		opts.CPUPeriod = 100000
		opts.CPUQuota = spec.NanoCPUs * opts.CPUPeriod / 1e9
		if opts.CPUQuota < 1000 {
			opts.CPUQuota = 1000 // the kernel's minimum quota is 1ms
		}
	}
	if spec.PidsLimit > 0 {
		opts.Ulimits = []*container.Ulimit{{Name: "nproc", Soft: spec.PidsLimit, Hard: spec.PidsLimit}}
	}
	if spec.Platform != "" {
		p, err := parsePlatform(spec.Platform)
		if err != nil {
			return opts, err
		}
		opts.Platforms = []ocispec.Platform{p}
	}
	if len(spec.Args) > 0 {
		opts.BuildArgs = make(map[string]*string, len(spec.Args))
		for k, v := range spec.Args {
			opts.BuildArgs[k] = &v
		}
	}
	tag := spec.Tag
	if tag == "" {
		var err error
		if tag, err = newTag(); err != nil {
			return opts, err
		}
	}
	opts.Tags = []string{tag}
	return opts, nil
}

// parsePlatform parses "os/arch[/variant]".
func parsePlatform(s string) (ocispec.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return ocispec.Platform{}, fmt.Errorf("build platform %q: want os/arch[/variant]", s)
	}
	p := ocispec.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// stepLines maps the classic builder's step numbers to Dockerfile lines:
// step N is the Nth instruction in file order, meta ARGs before the first
// FROM included (as the classic builder counts them). Index 0 is unused; a
// nil file maps no step.
func stepLines(f *dockerfile.File) []int {
	if f == nil {
		return nil
	}
	lines := []int{0}
	for _, in := range f.Meta {
		lines = append(lines, in.StartLine)
	}
	for _, s := range f.Stages {
		lines = append(lines, s.From.StartLine)
		for _, in := range s.Instructions {
			lines = append(lines, in.StartLine)
		}
	}
	return lines
}

// message is one JSON message of the build output stream.
type message struct {
	Stream      string `json:"stream"`
	Status      string `json:"status"`
	ID          string `json:"id"`
	Error       string `json:"error"`
	ErrorDetail *struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
	Aux json.RawMessage `json:"aux"`
}

var (
	stepRE    = regexp.MustCompile(`^Step (\d+)/\d+ : `)
	ansiRE    = regexp.MustCompile("\x1b\\[[0-9;]*m")
	runningRE = regexp.MustCompile(`^ ---> Running in ([0-9a-f]{12,64})\s*$`)
	imageRE   = regexp.MustCompile(`^ ---> ([0-9a-f]{12,64})\s*$`)
)

// streamState follows the build output.
type streamState struct {
	log    *capLog
	df     *dockerfile.File // the Dockerfile built (nil if it did not parse)
	engine string           // EngineBuildKit or EngineClassic
	// bk and trace follow a BuildKit build (nil for the classic builder).
	bk         *bkLog
	trace      *bkTrace
	steps      []int  // the classic builder's step → line
	step       string // the current step's header
	stepNum    int
	containers []string // intermediate containers the builder started
	images     []string // images committed by non-FROM steps
	fromStep   bool     // the current step is a FROM (its image is a base)
	imageID    string
	failure    *Failure
	built      bool
	split      lines // stream text into lines
}

// decode reads the JSON message stream into the log, tracking the current
// step, the intermediate containers and the error.
func (st *streamState) decode(r io.Reader) error {
	dec := json.NewDecoder(bufio.NewReader(r))
	for {
		var m message
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("decode: %w", err)
		}
		switch {
		case m.Stream != "":
			// The classic builder colours RUN's stderr; keep the log plain.
			text := ansiRE.ReplaceAllString(m.Stream, "")
			_, _ = st.log.Write([]byte(text))
			st.scanLines(text)
		case m.Status != "":
			line := m.Status
			if m.ID != "" {
				line = m.ID + ": " + line
			}
			_, _ = st.log.Write([]byte(line + "\n"))
		}
		if len(m.Aux) > 0 {
			if m.ID == "moby.buildkit.trace" && st.trace != nil {
				var dt []byte
				if err := json.Unmarshal(m.Aux, &dt); err != nil {
					return fmt.Errorf("decode buildkit status: %w", err)
				}
				if err := st.trace.feed(dt); err != nil {
					return err
				}
				continue
			}
			var aux struct {
				ID string `json:"ID"`
			}
			if json.Unmarshal(m.Aux, &aux) == nil && aux.ID != "" {
				st.imageID = aux.ID
			}
		}
		msg := m.Error
		if m.ErrorDetail != nil && m.ErrorDetail.Message != "" {
			msg = m.ErrorDetail.Message
		}
		if msg != "" {
			_, _ = st.log.Write([]byte(msg + "\n"))
			st.failure = st.fail(msg)
		}
	}
}

// scanLines looks for step headers and intermediate containers in stream
// text (a message may hold part of a line, or several lines).
func (st *streamState) scanLines(s string) {
	st.split.feed(s, func(line string) {
		if m := stepRE.FindStringSubmatch(line); m != nil {
			st.step = line
			st.stepNum, _ = strconv.Atoi(m[1])
			st.fromStep = strings.HasPrefix(strings.ToUpper(line[len(m[0]):]), "FROM")
		} else if m := runningRE.FindStringSubmatch(line); m != nil {
			st.containers = append(st.containers, m[1])
		} else if m := imageRE.FindStringSubmatch(line); m != nil && !st.fromStep {
			st.images = append(st.images, m[1])
		}
	})
}

// traced reports whether a BuildKit build sent any progress.
func (st *streamState) traced() bool {
	return st.trace != nil && st.trace.printed > 0
}

// fail makes the Failure for the current step (the classic builder) or
// the failed vertex (BuildKit).
func (st *streamState) fail(msg string) *Failure {
	f := &Failure{Step: st.step, Message: msg, LogTail: st.log.tail(logTailLines), Engine: st.engine}
	if st.bk != nil {
		f.Step = ""
		if !st.bk.explain(f, st.df) {
			f.Line = errorLine(msg)
		}
		f.Message = trimSolvePrefixes(f.Message)
		return f
	}
	if st.stepNum > 0 && st.stepNum < len(st.steps) {
		f.Line = st.steps[st.stepNum]
	}
	return f
}

// timeout returns the Failure for a build stopped by its own time limit
// (not by the caller's context), or nil.
func (st *streamState) timeout(bctx, ctx context.Context, limit time.Duration) *Failure {
	if ctx.Err() != nil || !errors.Is(bctx.Err(), context.DeadlineExceeded) {
		return nil
	}
	msg := fmt.Sprintf("the build was stopped after its time limit of %s", limit)
	f := st.fail(msg)
	f.Message = msg
	if st.bk != nil && f.Line == 0 {
		// No step failed by itself: blame the one that was running.
		if v := st.bk.blamedVertex(); v != nil {
			f.Step, f.Line = v.step(), v.lineOf(st.df)
		}
	}
	f.Timeout = true
	return f
}
