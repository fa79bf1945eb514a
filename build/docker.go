package build

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// Docker builds with a Docker Engine's classic builder through the Engine
// API. (BuildKit through the Engine API needs a client session for the
// context; the classic builder takes the context as a tar stream.) Nothing
// from the host enters the build but the context: no registry credentials,
// no host files, no pulls forced.
type Docker struct {
	// Client talks to the engine.
	Client DockerClient

	mu sync.Mutex
	// intermediates are the intermediate images of successful builds, by
	// ref, that Remove deletes with the image (other stages' chains are not
	// parents of the final image).
	intermediates map[string][]string
}

var _ Builder = (*Docker)(nil)

// NewDocker returns a Docker builder for the engine the environment names
// (DOCKER_HOST, DOCKER_CERT_PATH, ...), negotiating the API version. Close
// releases its connection.
func NewDocker() (*Docker, error) {
	c, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return &Docker{Client: c}, nil
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

// Build builds spec with the engine's classic builder.
func (d *Docker) Build(ctx context.Context, spec Spec) (*Result, error) {
	start := time.Now()
	spec = spec.withDefaults()
	opts, err := buildOptions(spec)
	if err != nil {
		return nil, err
	}
	bc, err := planContext(spec.ContextDir, spec.Dockerfile, spec.MaxContextBytes)
	if err != nil {
		return nil, err
	}
	opts.Dockerfile = bc.dockerfile
	src, err := bc.readDockerfile()
	if err != nil {
		return nil, err
	}
	// A Dockerfile the project's parser rejects still goes to the builder,
	// whose error is the one reported; steps then map to no line.
	steps, _ := stepLines(bc.dockerfile, src)

	bctx, cancel := context.WithTimeout(ctx, spec.Timeout)
	defer cancel()

	pr, pw := io.Pipe()
	go func() { _ = pw.CloseWithError(bc.writeTar(pw)) }()
	defer func() { _ = pr.Close() }()

	st := &streamState{log: &capLog{max: spec.MaxLogBytes}, steps: steps}
	defer d.cleanup(ctx, st)

	resp, err := d.Client.ImageBuild(bctx, pr, opts)
	if err != nil {
		if te := st.timeout(bctx, ctx, spec.Timeout); te != nil {
			return nil, te
		}
		return nil, fmt.Errorf("docker build: %w", err)
	}
	err = st.decode(resp.Body)
	_ = resp.Body.Close()
	if te := st.timeout(bctx, ctx, spec.Timeout); te != nil {
		return nil, te
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("docker build: %w", ctx.Err())
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
		Ref:      opts.Tags[0],
		ImageID:  ins.ID,
		Log:      st.log.Bytes(),
		Duration: time.Since(start),
	}, nil
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
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return opts, fmt.Errorf("build tag: %w", err)
		}
		tag = "coderready-build/" + hex.EncodeToString(b[:]) + ":latest"
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
// FROM included (as the classic builder counts them). Index 0 is unused.
func stepLines(path string, src []byte) ([]int, error) {
	f, err := dockerfile.Parse(path, src)
	if err != nil {
		return nil, fmt.Errorf("dockerfile: %w", err)
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
	return lines, nil
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
	log        *capLog
	steps      []int
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

// fail makes the Failure for the current step.
func (st *streamState) fail(msg string) *Failure {
	f := &Failure{Step: st.step, Message: msg, LogTail: st.log.tail(logTailLines)}
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
	f := st.fail(fmt.Sprintf("the build was stopped after its time limit of %s", limit))
	f.Timeout = true
	return f
}
