package scan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/image"
	"github.com/coderready/coderready/internal/rootfs"
)

// MaxFileSize is the largest Dockerfile or devcontainer.json read (10 MiB);
// a larger file is a finding, not a crash.
const MaxFileSize = 10 << 20

// Options tune a scan.
type Options struct {
	// Config is the policy to apply; nil loads ConfigPath, else the config
	// file found at the root, else the default.
	Config *checks.Config
	// ConfigPath names a config file to load instead of looking at the root.
	ConfigPath string
	// NoBuild never builds images.
	NoBuild bool
	// Offline never contacts a registry or a Docker engine.
	Offline bool
	// Workers bounds how many targets are checked at once (default GOMAXPROCS).
	Workers int
	// Bases reads base images for the image rules; nil reads them from the
	// local Docker engine or the registry unless Offline.
	Bases BaseReader
	// CacheDir holds the image reader's layer cache ("" for none).
	CacheDir string
	// Builder builds images; nil builds with the local Docker engine when
	// one answers, unless NoBuild or Offline.
	Builder build.Builder
	// BuildNetwork is the builds' network: "default" (the engine's),
	// "none" or "host".
	BuildNetwork string
	// BuildTimeout bounds each build (0: the builder's default).
	BuildTimeout time.Duration
	// BuildEngine picks the Docker builder's engine when the scan makes
	// the builder itself (Builder nil): build.EngineAuto (or ""),
	// build.EngineBuildKit or build.EngineClassic.
	BuildEngine string
	// BuildLimits are the memory, CPU and pids limits of every build. The
	// Dev Containers CLI cannot apply them: with limits set, features are
	// not applied (a CR300 warning says so) rather than built unlimited.
	BuildLimits build.Limits
	// Only, when not nil, limits the scan to these targets (paths relative
	// to the root, slash-separated): a devcontainer.json, or a Dockerfile
	// (one a listed devcontainer builds is checked as part of it, and
	// listing that Dockerfile selects the devcontainer).
	Only []string
	// BuildWith picks how devcontainer.json files are built: "auto" (or
	// ""): with the Dev Containers CLI when the config has features and the
	// CLI is installed, else with the Docker builder; "docker": always the
	// Docker builder (features are not applied, which is a finding);
	// "devcontainer-cli": every devcontainer.json but Compose ones with the
	// CLI, which must be installed.
	BuildWith string
	// DevcontainerBuilder builds devcontainer.json files with their
	// features; nil uses the Dev Containers CLI on PATH when BuildWith asks
	// for it and builds are on.
	DevcontainerBuilder build.DevcontainerBuilder
	// RootRelative keeps target and finding paths relative to the root
	// (what a repository's annotations need) instead of prefixing them
	// with the root as given.
	RootRelative bool
	// Progress, when set, is told each target's stage as it moves on:
	// "planning", "reading base image", "building", "reading image",
	// "checking", "done". It is called from several goroutines at once.
	Progress func(target, stage string)
}

// Build paths a target's image can take.
const (
	// BuildPathNone: nothing was built or read as the target's own image
	// (BuildInfo.Skipped says why).
	BuildPathNone = "none"
	// BuildPathDocker: a Dockerfile built with the Docker builder.
	BuildPathDocker = "docker"
	// BuildPathDevcontainerCLI: a devcontainer.json built with the Dev
	// Containers CLI, features applied.
	BuildPathDevcontainerCLI = "devcontainer-cli"
	// BuildPathCompose: a devcontainer's Docker Compose service built from
	// its Dockerfile with the Docker builder.
	BuildPathCompose = "compose"
	// BuildPathImage: an image read as it is (a devcontainer's `image`, or
	// its Compose service's).
	BuildPathImage = "image"
)

// Values of Options.BuildWith.
const (
	BuildWithAuto            = "auto"
	BuildWithDocker          = "docker"
	BuildWithDevcontainerCLI = "devcontainer-cli"
)

// BuildInfo says how a target's image was made.
type BuildInfo struct {
	// Path is one of the BuildPath* values: "docker", "devcontainer-cli",
	// "compose", "image" or "none".
	Path string `json:"path"`
	// Engine is the Docker builder's engine for the docker and compose
	// paths: "buildkit" or "classic".
	Engine string `json:"engine,omitempty"`
	// Ref is what was read ("docker-daemon:..." of the build, or the image
	// reference).
	Ref string `json:"ref,omitempty"`
	// Duration is the build's time.
	Duration time.Duration `json:"duration,omitempty"`
	// Skipped says why nothing was built, when it was not.
	Skipped string `json:"skipped,omitempty"`
	// Failed is set when the build ran and failed, or its image could not
	// be read (a CR300 finding says why).
	Failed bool `json:"failed,omitempty"`
}

// String says in a few words how the image was made, e.g. "built with the
// Dev Containers CLI in 41.2s" or "not built: builds are off".
func (b *BuildInfo) String() string {
	if b == nil {
		return "not built"
	}
	d := b.Duration.Round(100 * time.Millisecond)
	with := ""
	switch b.Engine {
	case build.EngineBuildKit:
		with = " (BuildKit)"
	case build.EngineClassic:
		with = " (classic builder)"
	}
	if b.Failed {
		switch b.Path {
		case BuildPathDevcontainerCLI:
			return fmt.Sprintf("the Dev Containers CLI build failed after %s", d)
		case BuildPathCompose:
			return fmt.Sprintf("the Docker Compose service's build%s failed after %s", with, d)
		}
		return fmt.Sprintf("the Docker build%s failed after %s", with, d)
	}
	switch b.Path {
	case BuildPathDocker:
		return fmt.Sprintf("built with the Docker builder%s in %s", with, d)
	case BuildPathDevcontainerCLI:
		return fmt.Sprintf("built with the Dev Containers CLI in %s", d)
	case BuildPathCompose:
		return fmt.Sprintf("built from its Docker Compose service%s in %s", with, d)
	case BuildPathImage:
		return "not built: the image " + b.Ref + " was read as it is"
	}
	if b.Skipped != "" {
		return "not built: " + b.Skipped
	}
	return "not built"
}

// TargetReport is one target's result plus what the pipeline learnt on the way.
type TargetReport struct {
	checks.TargetResult
	// Duration is the time spent on the target.
	Duration time.Duration
	// Facts are the image that was read: the built image, else the base;
	// nil when none was read.
	Facts *image.Facts `json:"-"`
	// Build says how the image was made.
	Build *BuildInfo `json:"build,omitempty"`
}

// targetState is what checking one target gathers.
type targetState struct {
	res   checks.TargetResult
	facts *image.Facts
	build *BuildInfo
}

// Report is the outcome of a scan.
type Report struct {
	// Result holds the findings per target, ready for the renderers.
	Result checks.Result
	// ConfigPath is the config file applied ("" for the default).
	ConfigPath string
	// Targets mirrors Result.Targets with timings, in the same order.
	Targets []TargetReport
}

// target is a planned unit of work.
type target struct {
	kind       checks.TargetKind
	path       string // relative to root, slash-separated
	dockerfile string // for a devcontainer: the Dockerfile it builds, if any
}

// Run scans root (a folder, or a single file) and checks every target in it.
// Finding paths are relative to root, or to root's folder when root is a
// file, and prefixed with root as the user wrote it (unless it is ".") so
// they can be opened from where the command ran.
func Run(ctx context.Context, root string, opts Options) (*Report, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	dir, prefix := root, filepath.ToSlash(filepath.Clean(root))
	if !fi.IsDir() {
		dir = filepath.Dir(root)
		prefix = filepath.ToSlash(filepath.Clean(dir))
	}
	repo, err := rootfs.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	defer func() { _ = repo.Close() }()
	cfg, cfgPath, err := loadConfig(dir, repo, opts)
	if err != nil {
		return nil, err
	}
	var found []Found
	if fi.IsDir() {
		found, err = discover(repo, cfg.Ignored)
	} else {
		found, err = Discover(root, cfg.Ignored)
	}
	if err != nil {
		return nil, err
	}
	if opts.Builder == nil && !opts.NoBuild && !opts.Offline {
		if d := EngineBuilder(ctx, opts.BuildEngine); d != nil {
			opts.Builder = d
			defer func() { _ = d.Close() }()
		}
	}
	if opts.NoBuild || opts.Offline {
		opts.Builder = nil
	}
	switch opts.BuildWith {
	case "", BuildWithAuto, BuildWithDocker, BuildWithDevcontainerCLI:
	default:
		return nil, fmt.Errorf("scan: build with %q: want %q, %q or %q", opts.BuildWith, BuildWithAuto, BuildWithDocker, BuildWithDevcontainerCLI)
	}
	absRoot, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	s := &scanner{ctx: ctx, opts: opts, root: dir, absRoot: absRoot, repo: repo, cfg: cfg, files: map[string]*source{}, bases: opts.Bases}
	defer s.closeCLI()
	if opts.Builder != nil && opts.BuildWith == BuildWithDevcontainerCLI {
		// Asked for explicitly: no CLI is an error, not a fallback.
		if _, err := s.devcontainerBuilder(); err != nil {
			return nil, fmt.Errorf("scan: building with the Dev Containers CLI: %w", err)
		}
	}
	if s.bases == nil && !opts.Offline {
		s.bases = &ImageBases{Options: image.Options{CacheDir: opts.CacheDir}}
	}
	for _, f := range found {
		s.files[f.Path] = nil
	}
	targets := selectTargets(s.plan(found), opts.Only)
	reports := make([]TargetReport, len(targets))
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i, t := range targets {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("scan %s: %w", root, err)
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			start := time.Now()
			ts := s.check(t)
			if b := ts.build; b != nil && (b.Path != BuildPathNone || s.opts.Builder != nil) {
				ts.res.Build = &checks.BuildRecord{Path: b.Path, Engine: b.Engine, Ref: b.Ref, Seconds: b.Duration.Seconds(), Failed: b.Failed, Skipped: b.Skipped}
			}
			reports[i] = TargetReport{TargetResult: ts.res, Duration: time.Since(start), Facts: ts.facts, Build: ts.build}
		}()
	}
	wg.Wait()
	rep := &Report{ConfigPath: cfgPath, Result: checks.Result{Root: root}}
	for _, tr := range reports {
		if prefix != "." && !opts.RootRelative {
			tr.TargetResult = rebase(tr.TargetResult, prefix)
		}
		rep.Targets = append(rep.Targets, tr)
		rep.Result.Targets = append(rep.Result.Targets, tr.TargetResult)
	}
	return rep, nil
}

// loadConfig picks the config: the one given, the file named, or the one at
// the root (read inside it: a config that is a link out of the repository
// is refused), else the default.
func loadConfig(dir string, repo *rootfs.Root, opts Options) (*checks.Config, string, error) {
	if opts.Config != nil {
		return opts.Config, opts.Config.Path, nil
	}
	if opts.ConfigPath != "" {
		// Named by whoever runs the scan, not by the repository.
		cfg, err := checks.LoadConfig(opts.ConfigPath)
		if err != nil {
			return nil, "", err
		}
		return cfg, opts.ConfigPath, nil
	}
	p, err := checks.FindConfig(dir)
	if err != nil {
		return nil, "", err
	}
	if p == "" {
		return checks.DefaultConfig(), "", nil
	}
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		return nil, "", fmt.Errorf("load config: %w", err)
	}
	src, err := repo.ReadFile(filepath.ToSlash(rel), checks.MaxConfigSize)
	if err != nil {
		return nil, "", fmt.Errorf("load config: %w", err)
	}
	cfg, err := checks.ParseConfig(p, src)
	if err != nil {
		return nil, "", err
	}
	return cfg, p, nil
}

// source is a file read and parsed once per scan.
type source struct {
	src []byte
	err error
}

type scanner struct {
	ctx   context.Context
	opts  Options
	bases BaseReader
	root  string
	// repo opens the root's files, never one outside it.
	repo *rootfs.Root
	// absRoot is root made absolute, for builders: a relative Dockerfile
	// path means one relative to the build context, not to here.
	absRoot string
	cfg     *checks.Config
	mu      sync.Mutex
	files   map[string]*source
	// cli builds with the Dev Containers CLI (Options.DevcontainerBuilder,
	// else the CLI on PATH, looked for once when first needed); noCLI is
	// why there is none.
	cliOnce sync.Once
	cli     build.DevcontainerBuilder
	noCLI   error
	ownCLI  *build.DevcontainerCLI
}

// devcontainerBuilder returns the Dev Containers CLI builder, finding the
// CLI on first use.
func (s *scanner) devcontainerBuilder() (build.DevcontainerBuilder, error) {
	s.cliOnce.Do(func() {
		if s.opts.DevcontainerBuilder != nil {
			s.cli = s.opts.DevcontainerBuilder
			return
		}
		cli, err := build.NewDevcontainerCLI(s.ctx)
		if err != nil {
			s.noCLI = err
			return
		}
		s.cli, s.ownCLI = cli, cli
	})
	return s.cli, s.noCLI
}

// closeCLI releases the CLI builder the scan made.
func (s *scanner) closeCLI() {
	if s.ownCLI != nil {
		_ = s.ownCLI.Close()
	}
}

// read returns a file's bytes (relative path), reading it at most once.
func (s *scanner) read(rel string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if src := s.files[rel]; src != nil {
		return src.src, src.err
	}
	b, err := s.repo.ReadFile(rel, MaxFileSize)
	s.files[rel] = &source{src: b, err: err}
	return b, err
}

// plan turns discovered files into targets: each devcontainer.json with the
// Dockerfile it builds, then every Dockerfile no devcontainer builds.
func (s *scanner) plan(found []Found) []target {
	var out []target
	usedBy := map[string]bool{}
	for _, f := range found {
		if !f.Devcontainer {
			continue
		}
		t := target{kind: checks.KindDevcontainer, path: f.Path}
		if df := s.devcontainerDockerfile(f.Path); df != "" {
			t.dockerfile = df
			usedBy[df] = true
		}
		out = append(out, t)
	}
	for _, f := range found {
		if f.Devcontainer || usedBy[f.Path] {
			continue
		}
		out = append(out, target{kind: checks.KindDockerfile, path: f.Path})
	}
	return out
}

// localPath reports whether a cleaned slash path stays inside the root.
func localPath(p string) bool {
	return filepath.IsLocal(filepath.FromSlash(path.Clean(p)))
}

// check runs the checks of one target.
func (s *scanner) check(t target) *targetState {
	s.progress(t.path, "planning")
	ts := &targetState{res: checks.TargetResult{Path: t.path, Kind: t.kind, Dockerfile: t.dockerfile}, build: &BuildInfo{Path: BuildPathNone}}
	switch t.kind {
	case checks.KindDevcontainer:
		ts.res.Findings = s.checkDevcontainer(t, ts)
	default:
		ts.res.Findings = s.checkDockerfile(&checks.DockerfileInput{}, t.path, ts, s.dockerBuild(BuildPathDocker, t.path, path.Dir(t.path), "", nil))
	}
	if ts.build.Path == BuildPathNone && ts.build.Skipped == "" {
		switch {
		case s.opts.NoBuild || s.opts.Offline:
			ts.build.Skipped = "builds are off (--no-build or --offline)"
		case s.opts.Builder == nil:
			ts.build.Skipped = "no Docker engine answers"
		default:
			ts.build.Skipped = "nothing to build"
		}
	}
	checks.SortFindings(ts.res.Findings)
	s.progress(t.path, "done")
	return ts
}

// progress reports a target's stage to Options.Progress.
func (s *scanner) progress(target, stage string) {
	if s.opts.Progress != nil {
		s.opts.Progress(target, stage)
	}
}

// checkDockerfile runs the Dockerfile rules on rel and, given a build (ib
// not nil), builds the image and runs the image rules on it; otherwise, or
// when the build fails, the image rules judge the final stage's base image.
func (s *scanner) checkDockerfile(in *checks.DockerfileInput, rel string, ts *targetState, ib *imageBuild) []checks.Finding {
	in.Config = s.cfg
	src, err := s.read(rel)
	if err != nil {
		return []checks.Finding{readFailure(rel, err)}
	}
	f, err := dockerfile.Parse(rel, src)
	if err != nil {
		in.ParseErr = err
		return checks.CheckDockerfile(in)
	}
	in.File = f
	var imageFindings []checks.Finding
	if ref := checks.FinalBaseRef(in); ref != "" {
		s.progress(ts.res.Path, "reading base image")
		if facts := s.readBase(ref); facts != nil {
			in.Bases = checks.FactsResolver{ref: facts}
			ts.res.Image = checks.SummarizeImage(ref, facts)
			ts.facts = facts
			imageFindings = checks.CheckImage(&checks.ImageInput{
				Facts: facts, Config: s.cfg, Ref: ref, Dockerfile: f, Target: in.Target,
				BaseOnly: true, DevcontainerBuild: in.Devcontainer != nil,
			})
		}
	}
	s.progress(ts.res.Path, "checking")
	out := checks.CheckDockerfile(in)
	if ib != nil {
		label := summaryLabel(rel)
		if ib.path == BuildPathDevcontainerCLI {
			label = summaryLabel(ts.res.Path)
		}
		found, built := s.buildAndCheck(ib, imageCheck{dockerfile: f, target: in.Target, devcontainerBuild: in.Devcontainer != nil, label: label}, ts)
		out = append(out, found...)
		if built {
			// The built image's findings replace the base's.
			return out
		}
	}
	return append(out, imageFindings...)
}

// readBase returns the facts of a base image, or nil when it cannot be read
// (offline, no engine, not pulled, unreachable registry): the static rules
// then judge from what the reference tells.
func (s *scanner) readBase(ref string) *image.Facts {
	if s.bases == nil {
		return nil
	}
	f, err := s.bases.ReadBase(s.ctx, ref)
	if err != nil {
		return nil
	}
	return f
}

// devcontainerPaths lists every devcontainer.json discovered.
func (s *scanner) devcontainerPaths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for p := range s.files {
		if IsDevcontainerPath(p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// readFailure is the finding for a target that could not be read at all.
func readFailure(rel string, err error) checks.Finding {
	id := "CR100"
	if IsDevcontainerPath(rel) {
		id = "CR200"
	}
	sev := checks.SeverityError
	if r := checks.Lookup(id); r != nil {
		sev = r.Severity
	}
	if why := rootfs.Why(err); why != "" {
		// Not read, so not known to be broken: a warning that says so.
		return checks.Finding{RuleID: id, Severity: checks.SeverityWarning, Message: "the file " + why, Location: checks.Location{Path: rel}}
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return checks.Finding{RuleID: id, Severity: sev, Message: "cannot read file: " + err.Error(), Location: checks.Location{Path: rel}}
}

// rebase prefixes every path of a target's result with prefix.
func rebase(t checks.TargetResult, prefix string) checks.TargetResult {
	join := func(p string) string {
		if p == "" {
			return p
		}
		return path.Join(prefix, p)
	}
	t.Path = join(t.Path)
	t.Dockerfile = join(t.Dockerfile)
	fs := make([]checks.Finding, len(t.Findings))
	for i, f := range t.Findings {
		f.Location.Path = join(f.Location.Path)
		if f.Fix != nil {
			fix := *f.Fix
			fix.Edits = make([]checks.Edit, len(f.Fix.Edits))
			for j, e := range f.Fix.Edits {
				e.Path = join(e.Path)
				fix.Edits[j] = e
			}
			f.Fix = &fix
		}
		fs[i] = f
	}
	t.Findings = fs
	return t
}
