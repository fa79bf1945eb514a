package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/coderready/coderready/devcontainer"
	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/internal/rootfs"
)

// DevcontainerCLIVersion is the Dev Containers CLI version coderready is
// tested with (scripts/install-devcontainer-cli.sh installs it).
const DevcontainerCLIVersion = "0.89.0"

// ErrNoDevcontainerCLI is returned by NewDevcontainerCLI when the
// `devcontainer` command is not installed.
var ErrNoDevcontainerCLI = errors.New("the Dev Containers CLI (devcontainer) is not installed; install it with `npm install -g @devcontainers/cli@" + DevcontainerCLIVersion + "`")

// featureContentImage is the image the Dev Containers CLI tags with a
// build's feature content when the docker CLI has no buildx, and leaves
// behind.
const featureContentImage = "dev_container_feature_content_temp"

// autoStageName is the name the CLI gives an unnamed final stage of the
// user's Dockerfile when it adds features on top.
const autoStageName = "dev_container_auto_added_stage_label"

// DevcontainerSpec describes one Dev Container build.
type DevcontainerSpec struct {
	// Root is the folder the build may read from (the scanned repository,
	// holding WorkspaceDir): every file the config names is opened beneath
	// it, and paths handed to the CLI and Compose must resolve inside it.
	// "" means WorkspaceDir.
	Root string
	// WorkspaceDir is the workspace folder: the folder that holds
	// `.devcontainer/` (or `.devcontainer.json`).
	WorkspaceDir string
	// Config is the devcontainer.json, relative to WorkspaceDir or
	// absolute inside it ("" for the CLI's default lookup).
	Config string
	// Devcontainer is that devcontainer.json, parsed from Root (its Path
	// relative to Root), when the caller has it; nil has the build read
	// it (devcontainer.Load). The copy the CLI builds from is written from
	// it by devcontainer.PrepareCopy: build neither parses nor writes
	// devcontainer.json or Compose files itself.
	Devcontainer *devcontainer.Config
	// Network is the network of the build's RUN instructions: "default"
	// (or ""), "none" or "host". The CLI takes it from `build.options` in
	// the config, so it is injected into a copy of the config.
	Network string
	// Platform is "os/arch[/variant]" ("" for the engine's own).
	Platform string
	// Timeout bounds the build (DefaultTimeout when zero); the CLI and
	// everything it started are killed when it runs out.
	Timeout time.Duration
	// MaxContextBytes bounds the Dockerfile's build context
	// (DefaultMaxContextBytes when zero).
	MaxContextBytes int64
	// MaxLogBytes bounds the kept log (DefaultMaxLogBytes when zero).
	MaxLogBytes int64
	// Tag names the built image ("" picks coderready-build/<random>:latest).
	Tag string
}

// withDefaults fills the zero limits and picks a tag.
func (s DevcontainerSpec) withDefaults() (DevcontainerSpec, error) {
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	if s.MaxLogBytes <= 0 {
		s.MaxLogBytes = DefaultMaxLogBytes
	}
	if s.MaxContextBytes <= 0 {
		s.MaxContextBytes = DefaultMaxContextBytes
	}
	if s.Tag == "" {
		tag, err := newTag()
		if err != nil {
			return s, err
		}
		s.Tag = tag
	}
	return s, nil
}

// DevcontainerBuilder builds a devcontainer.json as a whole: its image or
// Dockerfile with its features applied.
type DevcontainerBuilder interface {
	// BuildDevcontainer runs one build. A *Failure is a build that ran and
	// failed (a Dockerfile line, a feature that could not be fetched or
	// installed, a timeout); another error is a build that could not run.
	BuildDevcontainer(ctx context.Context, spec DevcontainerSpec) (*Result, error)
	// Remove deletes a built image.
	Remove(ctx context.Context, ref string) error
}

// DevcontainerCLI builds with the Dev Containers CLI
// (`devcontainer build`), which applies features as Dev Container tools do.
//
// The user's files are never written: the CLI builds from a temporary
// copy of the config (with the build network injected into
// `build.options`, and the Dockerfile and context pointing back at the
// user's tree) and of its local features. The CLI runs with an empty
// Docker config and home folder, so no registry credentials enter the
// build, and in its own process group, which a timeout kills. Builds are
// serialised (a file lock, across processes) because the CLI passes
// feature content through one fixed image name, which it leaves behind;
// it is removed after each build. Memory, CPU and pids limits do not
// apply: the CLI has no way to pass them to BuildKit.
type DevcontainerCLI struct {
	// Path is the `devcontainer` executable.
	Path string
	// Version is what `devcontainer --version` printed.
	Version string
	// DockerPath is the docker CLI the Dev Containers CLI runs.
	DockerPath string
	// BuildKit is set when DockerPath builds with BuildKit (a buildx plugin,
	// or a docker CLI before 23 with DOCKER_BUILDKIT=1); otherwise the
	// classic builder is used and failures map to no Dockerfile line.
	BuildKit bool
	// ComposePath is the docker-compose the CLI runs for Compose configs
	// ("" for the CLI's own choice: the docker CLI's compose plugin);
	// NoCompose says why Compose configs cannot be built (nil when they
	// can).
	ComposePath string
	NoCompose   error
	// Client talks to the engine (image inspection and removal).
	Client DockerClient
	// LockPath is the file that serialises builds ("" for one in the
	// system's temporary folder).
	LockPath string
}

var _ DevcontainerBuilder = (*DevcontainerCLI)(nil)

// NewDevcontainerCLI finds the `devcontainer` command (ErrNoDevcontainerCLI
// when it is missing) and a docker CLI that can build with BuildKit
// (CODERREADY_DOCKER_PATH, else `docker` on PATH, else /usr/bin/docker),
// and connects to the engine the environment names. Close releases the
// connection.
func NewDevcontainerCLI(ctx context.Context) (*DevcontainerCLI, error) {
	p, err := exec.LookPath("devcontainer")
	if err != nil {
		return nil, ErrNoDevcontainerCLI
	}
	vctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(vctx, p, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("devcontainer --version: %w", err)
	}
	docker, bk, err := findDockerCLI(ctx)
	if err != nil {
		return nil, err
	}
	c, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	composePath, noCompose := findCompose(ctx, docker)
	return &DevcontainerCLI{Path: p, Version: strings.TrimSpace(string(out)), DockerPath: docker, BuildKit: bk,
		ComposePath: composePath, NoCompose: noCompose, Client: c}, nil
}

// ErrNoCompose is wrapped by the error a Compose config's build returns
// when neither the docker CLI's compose plugin nor docker-compose runs.
var ErrNoCompose = errors.New("neither `docker compose` nor docker-compose is installed")

// findCompose picks what the CLI runs Compose with: the docker CLI's
// compose plugin (returned as ""), else docker-compose on PATH.
func findCompose(ctx context.Context, docker string) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if exec.CommandContext(cctx, docker, "compose", "version").Run() == nil {
		return "", nil
	}
	if p, err := exec.LookPath("docker-compose"); err == nil && exec.CommandContext(cctx, p, "version").Run() == nil {
		return p, nil
	}
	return "", ErrNoCompose
}

// ComposeSupported says whether Docker Compose configs can be built (nil),
// or why not.
func (d *DevcontainerCLI) ComposeSupported() error { return d.NoCompose }

// Close closes the engine client when it can be closed.
func (d *DevcontainerCLI) Close() error {
	if c, ok := d.Client.(interface{ Close() error }); ok {
		if err := c.Close(); err != nil {
			return fmt.Errorf("docker client: %w", err)
		}
	}
	return nil
}

// findDockerCLI picks the docker CLI: the first candidate that builds with
// BuildKit, else the first that runs.
func findDockerCLI(ctx context.Context) (string, bool, error) {
	var cands []string
	if p := os.Getenv("CODERREADY_DOCKER_PATH"); p != "" {
		cands = append(cands, p)
	}
	if p, err := exec.LookPath("docker"); err == nil {
		cands = append(cands, p)
	}
	cands = append(cands, "/usr/bin/docker", "/usr/local/bin/docker")
	first := ""
	seen := map[string]bool{}
	for _, c := range cands {
		if seen[c] {
			continue
		}
		seen[c] = true
		bk, ok := dockerBuildKit(ctx, c)
		if !ok {
			continue
		}
		if bk {
			return c, true, nil
		}
		if first == "" {
			first = c
		}
	}
	if first == "" {
		return "", false, errors.New("no docker CLI found for the Dev Containers CLI (set CODERREADY_DOCKER_PATH)")
	}
	return first, false, nil
}

// dockerBuildKit runs a docker CLI: ok when it runs, bk when it builds with
// BuildKit (buildx, or a client before 23 where DOCKER_BUILDKIT=1 selects
// the built-in BuildKit).
func dockerBuildKit(ctx context.Context, docker string) (bk, ok bool) {
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	out, err := exec.CommandContext(pctx, docker, "version", "--format", "{{.Client.Version}}").Output()
	if err != nil {
		return false, false
	}
	if exec.CommandContext(pctx, docker, "buildx", "version").Run() == nil {
		return true, true
	}
	major, _, _ := strings.Cut(strings.TrimSpace(string(out)), ".")
	n, err := strconv.Atoi(major)
	return err == nil && n < 23, true
}

// BuildDevcontainer builds spec with `devcontainer build`.
func (d *DevcontainerCLI) BuildDevcontainer(ctx context.Context, spec DevcontainerSpec) (*Result, error) {
	start := time.Now()
	spec, err := spec.withDefaults()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "coderready-devcontainer-")
	if err != nil {
		return nil, fmt.Errorf("devcontainer build: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	ws, err := prepareWorkspace(spec, tmp)
	if err != nil {
		return nil, fmt.Errorf("devcontainer build: %w", err)
	}
	defer ws.close()
	if ws.Compose && d.NoCompose != nil {
		return nil, fmt.Errorf("devcontainer build: a Docker Compose config: %w", d.NoCompose)
	}
	var userDF *dockerfile.File
	if ws.Dockerfile != "" {
		if ws.Context != "" {
			// Refuse an oversized context before anything is sent.
			// The user's context is read inside the repository; the
			// one-line Dockerfile made for an image service is ours.
			within := ws.root.Dir()
			if rel, err := filepath.Rel(tmp, ws.Context); err == nil && filepath.IsLocal(rel) {
				within = ""
			}
			bc, err := planContext(within, ws.Context, ws.Dockerfile, spec.MaxContextBytes)
			if errors.Is(err, ErrContextTooLarge) || rootfs.Refused(err) {
				return nil, fmt.Errorf("devcontainer build: %w", err)
			}
			if err == nil {
				bc.close()
			}
		}
		if src, err := ws.readDockerfile(); err == nil {
			userDF, _ = dockerfile.Parse(filepath.Base(ws.Dockerfile), src)
		}
	}
	for _, sub := range []string{"home", "tmp", "docker-config", "user-data"} {
		if err := os.MkdirAll(filepath.Join(tmp, sub), 0o700); err != nil {
			return nil, fmt.Errorf("devcontainer build: %w", err)
		}
	}

	unlock, err := d.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	before := d.imageID(ctx, featureContentImage)
	defer d.removeFeatureContent(ctx, before)

	args := []string{"build",
		"--workspace-folder", ws.Dir,
		"--config", ws.Config,
		"--image-name", spec.Tag,
		"--docker-path", d.DockerPath,
		"--user-data-folder", filepath.Join(tmp, "user-data"),
		"--log-format", "text",
	}
	buildkit := "1"
	if !d.BuildKit {
		args = append(args, "--buildkit", "never")
		buildkit = "0"
	}
	if ws.Compose {
		if d.ComposePath != "" {
			args = append(args, "--docker-compose-path", d.ComposePath)
		}
		// Compose tags the service's image in the copy's unique project;
		// only the image with the features is kept, under spec.Tag.
		defer d.removeComposeImages(ctx, ws)
	}
	bctx, cancel := context.WithTimeout(ctx, spec.Timeout)
	defer cancel()
	cmd := exec.CommandContext(bctx, d.Path, args...)
	cmd.Dir = ws.Dir
	cmd.Env = cliEnv(tmp, buildkit, filepath.Dir(d.DockerPath))
	setProcessGroup(cmd)
	log := &capLog{max: spec.MaxLogBytes}
	bk := &bkLog{}
	cl := &cliLog{}
	stdout := &capLog{max: 1 << 20}
	cmd.Stdout = stdout
	cmd.Stderr = multiWriter{log, bk, cl}
	runErr := cmd.Run()
	_, _ = log.Write(stdout.buf)

	if ctx.Err() != nil {
		return nil, fmt.Errorf("devcontainer build: %w", ctx.Err())
	}
	if errors.Is(bctx.Err(), context.DeadlineExceeded) {
		f := &Failure{Message: fmt.Sprintf("the build was stopped after its time limit of %s", spec.Timeout), Timeout: true, LogTail: log.tail(logTailLines)}
		if v := bk.blamedVertex(); v != nil {
			f.Step, f.Line = v.step(), v.lineOf(userDF)
		}
		return nil, f
	}
	out := parseOutcome(stdout.buf)
	if runErr == nil && out.Outcome == "success" {
		ins, err := d.Client.ImageInspect(ctx, spec.Tag)
		if err != nil {
			return nil, fmt.Errorf("devcontainer build: the built image %s: %w", spec.Tag, err)
		}
		return &Result{Ref: spec.Tag, ImageID: ins.ID, Log: log.Bytes(), Duration: time.Since(start)}, nil
	}
	if out.Outcome == "" && runErr != nil {
		var ee *exec.ExitError
		if !errors.As(runErr, &ee) {
			return nil, fmt.Errorf("devcontainer build: %w", runErr)
		}
	}
	// Whatever image the failed build tagged goes.
	_ = d.Remove(context.WithoutCancel(ctx), spec.Tag)
	return nil, explainFailure(out, bk, cl, ws, userDF, log)
}

// Remove deletes a built image. An image that is already gone is not an
// error.
func (d *DevcontainerCLI) Remove(ctx context.Context, ref string) error {
	_, err := d.Client.ImageRemove(ctx, ref, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove image %s: %w", ref, err)
	}
	return nil
}

// imageID returns an image's ID, or "" when there is none.
func (d *DevcontainerCLI) imageID(ctx context.Context, ref string) string {
	ins, err := d.Client.ImageInspect(ctx, ref)
	if err != nil {
		return ""
	}
	return ins.ID
}

// removeComposeImages untags the service images Compose built for the
// copy's project (the image with the features stays under its own tag).
func (d *DevcontainerCLI) removeComposeImages(ctx context.Context, ws *workspace) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for _, name := range composeImageNames(ws.Dir, ws.Service) {
		_, _ = d.Client.ImageRemove(cctx, name, client.ImageRemoveOptions{})
	}
}

// removeFeatureContent removes the feature content image the build tagged
// (not one that was there before it).
func (d *DevcontainerCLI) removeFeatureContent(ctx context.Context, before string) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if id := d.imageID(cctx, featureContentImage); id != "" && id != before {
		_, _ = d.Client.ImageRemove(cctx, featureContentImage, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	}
}

// lock takes the file lock that serialises CLI builds, waiting while ctx
// allows.
func (d *DevcontainerCLI) lock(ctx context.Context) (func(), error) {
	p := d.LockPath
	if p == "" {
		p = filepath.Join(os.TempDir(), "coderready-devcontainer-cli.lock")
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("devcontainer build lock: %w", err)
	}
	for {
		ok, err := tryLock(f)
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("devcontainer build lock: %w", err)
		}
		if ok {
			return func() { unlockFile(f); _ = f.Close() }, nil
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("devcontainer build: waiting for another build: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// cliEnv is the CLI's environment: PATH (dockerDir, the docker CLI's
// folder, first: docker-compose runs the `docker` it finds there), the
// engine's address and proxies from ours, and an empty home and Docker
// config (no credentials).
func cliEnv(tmp, buildkit, dockerDir string) []string {
	env := []string{
		"HOME=" + filepath.Join(tmp, "home"),
		"TMPDIR=" + filepath.Join(tmp, "tmp"),
		"DOCKER_CONFIG=" + filepath.Join(tmp, "docker-config"),
		"DOCKER_BUILDKIT=" + buildkit,
		"COMPOSE_DOCKER_CLI_BUILD=" + buildkit,
		"BUILDKIT_PROGRESS=plain",
		"NO_COLOR=1",
		"PATH=" + dockerDir + string(os.PathListSeparator) + os.Getenv("PATH"),
	}
	for _, k := range []string{"DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_API_VERSION",
		"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
		"SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// outcome is the JSON line the CLI prints on stdout when it ends.
type outcome struct {
	Outcome     string   `json:"outcome"`
	Message     string   `json:"message"`
	Description string   `json:"description"`
	ImageName   []string `json:"imageName"`
}

// parseOutcome reads the last JSON object line of the CLI's stdout.
func parseOutcome(b []byte) outcome {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		var o outcome
		if json.Unmarshal([]byte(strings.TrimSpace(lines[i])), &o) == nil && o.Outcome != "" {
			return o
		}
	}
	return outcome{}
}

// cliLog follows the CLI's own log lines.
type cliLog struct {
	resolving string // the feature whose dependencies it resolved last
	builds    int    // docker builds started
	split     lines
}

var (
	resolvingRE  = regexp.MustCompile(`Resolving Feature dependencies for '([^']+)'`)
	dockerRunRE  = regexp.MustCompile(`Start: Run: \S*docker\S* (?:buildx )?build `)
	featureDirRE = regexp.MustCompile(`/tmp/dev-container-features/([^/\s]+)_(\d+)\b`)
)

func (l *cliLog) Write(p []byte) (int, error) {
	l.split.feed(string(p), func(line string) {
		if m := resolvingRE.FindStringSubmatch(line); m != nil {
			l.resolving = m[1]
		}
		if dockerRunRE.MatchString(line) {
			l.builds++
		}
	})
	return len(p), nil
}

// explainFailure turns a failed CLI run into a *Failure: a feature that
// could not be fetched or installed, or the failing step of the build
// mapped to the user's Dockerfile.
func explainFailure(out outcome, bk *bkLog, cl *cliLog, ws *workspace, userDF *dockerfile.File, log *capLog) *Failure {
	f := &Failure{LogTail: log.tail(logTailLines)}
	msg := strings.TrimSpace(out.Message)
	if msg == "" {
		msg = strings.TrimSpace(out.Description)
	}
	if msg == "" {
		msg = "the Dev Containers CLI failed"
	}
	if v := bk.failedVertex(); v != nil {
		if m := featureDirRE.FindStringSubmatch(v.text); m != nil {
			f.Feature = featureByID(ws.Features, m[1])
			f.Message = fmt.Sprintf("feature %s could not be installed: %s", f.Feature, bk.errMsg)
			f.Step = v.step()
			return f
		}
		bk.explain(f, userDF)
		return f
	}
	if bk.errMsg != "" {
		f.Message = bk.errMsg
		return f
	}
	if cl.builds == 0 {
		// It failed before building anything: while fetching features.
		if ref := featureInMessage(ws.Features, msg); ref != "" || cl.resolving != "" {
			if ref == "" {
				ref = cl.resolving
			}
			f.Feature = ref
			verb := "fetched"
			if strings.HasPrefix(ref, "./") || strings.HasPrefix(ref, "../") {
				verb = "read"
			}
			f.Message = fmt.Sprintf("feature %s could not be %s: %s", ref, verb, msg)
			return f
		}
	}
	f.Message = msg
	return f
}

// featureByID finds the feature reference whose ID (its last path
// segment, without version) is id.
func featureByID(refs []string, id string) string {
	for _, r := range refs {
		if featureID(r) == id {
			return r
		}
	}
	return id
}

// featureID is the ID the CLI derives from a feature reference.
func featureID(ref string) string {
	ref = strings.TrimRight(ref, "/")
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		ref = ref[i+1:]
	}
	if i := strings.IndexAny(ref, "@:"); i >= 0 {
		ref = ref[:i]
	}
	return strings.TrimSuffix(strings.TrimPrefix(ref, "devcontainer-feature-"), ".tgz")
}

// featureInMessage returns the first registry feature whose host the
// message names.
func featureInMessage(refs []string, msg string) string {
	for _, r := range refs {
		if strings.HasPrefix(r, ".") {
			continue
		}
		host, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(r, "https://"), "http://"), "/")
		if host != "" && strings.Contains(msg, host) {
			return r
		}
	}
	return ""
}

// fromLine returns the line of the FROM whose base is ref (as BuildKit
// names it: docker.io/library/... spelled out), or 0.
func fromLine(f *dockerfile.File, ref string) int {
	if f == nil {
		return 0
	}
	short := shortRef(ref)
	for _, st := range f.Stages {
		if b := shortRef(st.Base); b == short || b+":latest" == short {
			return st.From.StartLine
		}
	}
	return 0
}

// shortRef drops the docker.io/ and library/ that BuildKit spells out in
// image names.
func shortRef(ref string) string {
	return strings.TrimPrefix(strings.TrimPrefix(ref, "docker.io/"), "library/")
}

// step is the vertex as BuildKit printed it.
func (v *bkVertex) step() string {
	if v == nil {
		return ""
	}
	if v.index == 0 {
		if v.bare == "" {
			return v.text
		}
		return "[" + v.bare + "] " + v.text
	}
	name := v.stage
	if name != "" {
		name += " "
	}
	return fmt.Sprintf("[%s%d/%d] %s", name, v.index, v.total, v.text)
}

// multiWriter writes to every writer, ignoring their errors (none of ours
// fail).
type multiWriter []interface{ Write([]byte) (int, error) }

func (m multiWriter) Write(p []byte) (int, error) {
	for _, w := range m {
		_, _ = w.Write(p)
	}
	return len(p), nil
}
