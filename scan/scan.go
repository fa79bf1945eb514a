package scan

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/devcontainer"
	"github.com/coderready/coderready/image"
	"github.com/coderready/coderready/internal/rootfs"
	"github.com/coderready/coderready/probe"
)

// MaxFileSize is the largest Dockerfile or devcontainer.json read (10 MiB);
// a larger file is a finding, not a crash.
const MaxFileSize = 10 << 20

// Options tune a scan.
type Options struct {
	// Config is the policy Run applies; nil loads ConfigPath, else the
	// config file found at the root, else the default. (Plan takes its
	// config as an argument.)
	Config *checks.Config
	// ConfigPath names a config file for Run to load instead of looking at
	// the root.
	ConfigPath string
	// NoBuild never builds images.
	NoBuild bool
	// NoBuildReason is why builds are off, for each target's build record
	// (default: "builds are off (--no-build or --offline)").
	NoBuildReason string
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
	// one answers (on Build.Engine), unless NoBuild or Offline.
	Builder build.Builder
	// Build is how every build runs: its network, engine, limits and time
	// limit, read once by build.ParseSettings. The Dev Containers CLI
	// cannot apply limits: with limits set, features are not applied (a
	// CR300 warning says so) rather than built unlimited.
	Build build.Settings
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
	// Revision is the commit the tree is at, when there is one (the app
	// checks a pull request's head or base): built images are named by
	// their file and its short form.
	Revision string
	// Prober, when set, runs the agent bootstrap in each image the scan
	// builds (probe.Engine on the builder's engine), unless NoProbe or
	// config `probe: off`.
	Prober Prober
	// NoProbe turns the probe off (--no-probe).
	NoProbe bool
	// OnTarget, when set, is given each target's report as soon as the
	// target is checked, before Check returns (from Check's goroutines,
	// several at once). Check still returns every report; there the
	// fixes of targets that share a file are made consistent, which the
	// reports given here are not yet.
	OnTarget func(TargetReport)
	// RootRelative keeps target and finding paths relative to the root
	// (what a repository's annotations need) instead of prefixing them
	// with the root as given.
	RootRelative bool
	// Progress, when set, is told each target's stage as it moves on:
	// "planning", "reading base image", "building", "reading image",
	// "checking", "done". It is called from several goroutines at once.
	Progress func(target, stage string)
}

// Build paths a target's image can take (checks.BuildRecord.Path).
const (
	BuildPathNone            = checks.BuildPathNone
	BuildPathDocker          = checks.BuildPathDocker
	BuildPathDevcontainerCLI = checks.BuildPathDevcontainerCLI
	BuildPathCompose         = checks.BuildPathCompose
	BuildPathImage           = checks.BuildPathImage
)

// Values of Options.BuildWith.
const (
	BuildWithAuto            = "auto"
	BuildWithDocker          = "docker"
	BuildWithDevcontainerCLI = "devcontainer-cli"
)

// TargetReport is one target's result (its Build says how the image was
// made) plus what the pipeline learnt on the way.
type TargetReport struct {
	checks.TargetResult
	// Duration is the time spent on the target.
	Duration time.Duration
	// Facts are the image that was read: the built image, else the base;
	// nil when none was read.
	Facts *image.Facts `json:"-"`
	// Side is what a comparison needs of that image (nil when none was
	// read): unlike Facts, small enough to keep.
	Side *checks.ImageSide `json:"-"`
}

// Prober runs the agent bootstrap probe in an image the engine holds;
// *probe.Engine implements it.
type Prober interface {
	Probe(ctx context.Context, image, arch, user string) (*probe.Result, error)
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

// Run plans root (a folder, or a single file) and checks every target in
// it: Plan, then Check. Finding paths are relative to root, or to root's
// folder when root is a file, and prefixed with root as the user wrote it
// (unless it is "." or opts.RootRelative) so they can be opened from where
// the command ran.
func Run(ctx context.Context, root string, opts Options) (*Report, error) {
	cfg := opts.Config
	if cfg == nil && opts.ConfigPath != "" {
		// Named by whoever runs the scan, not by the repository.
		c, err := checks.LoadConfig(opts.ConfigPath)
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	p, err := Plan(root, cfg)
	if err != nil {
		return nil, err
	}
	defer func() { _ = p.Close() }()
	return Check(ctx, p, opts)
}

// Check checks the planned targets: builds their images (when it can),
// reads them and runs the rules.
func Check(ctx context.Context, p *Planned, opts Options) (*Report, error) {
	switch opts.BuildWith {
	case "", BuildWithAuto, BuildWithDocker, BuildWithDevcontainerCLI:
	default:
		return nil, fmt.Errorf("scan: build with %q: want %q, %q or %q", opts.BuildWith, BuildWithAuto, BuildWithDocker, BuildWithDevcontainerCLI)
	}
	if opts.NoBuild || opts.Offline {
		opts.Builder = nil
	} else if opts.Builder == nil {
		if d := EngineBuilder(ctx, opts.Build.Engine); d != nil {
			opts.Builder = d
			defer func() { _ = d.Close() }()
		}
	}
	if opts.Prober == nil && !opts.NoProbe {
		opts.Prober = engineProber(ctx, opts.Builder, opts.CacheDir)
	}
	c := &checker{opts: opts, plan: p, cfg: p.Config, bases: opts.Bases}
	defer c.closeCLI()
	if opts.Builder != nil && opts.BuildWith == BuildWithDevcontainerCLI {
		// Asked for explicitly: no CLI is an error, not a fallback.
		if _, err := c.devcontainerBuilder(ctx); err != nil {
			return nil, fmt.Errorf("scan: building with the Dev Containers CLI: %w", err)
		}
	}
	if c.bases == nil && !opts.Offline {
		b := NewImageBases(opts.CacheDir, false)
		// The images built on these bases are read next.
		b.Options.BuildOnTop = opts.Builder != nil
		c.bases = b
	}
	reports := make([]TargetReport, len(p.Targets))
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i, t := range p.Targets {
		if err := ctx.Err(); err != nil {
			wg.Wait()
			return nil, fmt.Errorf("scan %s: %w", p.Root, err)
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			start := time.Now()
			ts := c.check(ctx, t)
			took := time.Since(start)
			ts.res.Timings = ts.timings(took)
			tr := TargetReport{TargetResult: ts.res, Duration: took, Facts: ts.facts}
			if ts.facts != nil {
				tr.Side = checks.NewImageSide(refOf(tr), ts.facts, c.cfg)
			}
			reports[i] = tr
			if opts.OnTarget != nil {
				out := tr
				if p.prefix != "." && !opts.RootRelative {
					out.TargetResult = rebase(out.TargetResult, p.prefix)
				}
				opts.OnTarget(out)
			}
		}()
	}
	wg.Wait()
	reconcileFixes(reports, p.files.bytes)
	rep := &Report{ConfigPath: p.Config.Path, Result: checks.Result{Root: p.Root}}
	for _, tr := range reports {
		if p.prefix != "." && !opts.RootRelative {
			tr.TargetResult = rebase(tr.TargetResult, p.prefix)
		}
		rep.Targets = append(rep.Targets, tr)
		rep.Result.Targets = append(rep.Result.Targets, tr.TargetResult)
	}
	return rep, nil
}

// reconcileFixes makes the fixes of every target one consistent change
// (checks.ReconcileFixes): targets can share a file (two devcontainer.json
// building one Dockerfile), and a review suggests the fixes of them all.
func reconcileFixes(reports []TargetReport, read func(rel string) ([]byte, error)) {
	var all []checks.Finding
	for _, r := range reports {
		all = append(all, r.Findings...)
	}
	all = checks.ReconcileFixes(all, read)
	for i := range reports {
		n := len(reports[i].Findings)
		reports[i].Findings, all = all[:n:n], all[n:]
	}
}

// targetState is what checking one target gathers.
type targetState struct {
	res   checks.TargetResult
	facts *image.Facts
	// baseRead, imageRead and probe add up the time spent reading base
	// images and the built image, and running it.
	baseRead, imageRead, probe time.Duration
	// own are the findings the scan makes itself (build failures, files
	// it cannot read); src the files they may point into. Both go through
	// checks.Finish like every rule's findings.
	own []checks.Finding
	src checks.Files
}

// report records a finding the scan makes itself.
func (ts *targetState) report(id string, sev checks.Severity, msg, details string, loc checks.Location) {
	ts.own = append(ts.own, checks.Finding{RuleID: id, Severity: sev, Message: msg, Details: details, Location: loc})
}

// timings splits a target's total time into its phases.
func (ts *targetState) timings(total time.Duration) *checks.Timings {
	t := &checks.Timings{BaseRead: ts.baseRead.Seconds(), ImageRead: ts.imageRead.Seconds(), Probe: ts.probe.Seconds(), Total: total.Seconds()}
	if ts.res.Build != nil {
		t.Build = ts.res.Build.Seconds
	}
	t.Checks = max(0, t.Total-t.BaseRead-t.Build-t.ImageRead-t.Probe)
	return t
}

// record sets how the target's image was made.
func (ts *targetState) record(b checks.BuildRecord) { ts.res.Build = &b }

// checker runs the checks of a plan's targets.
type checker struct {
	opts  Options
	plan  *Planned
	cfg   *checks.Config
	bases BaseReader
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
func (s *checker) devcontainerBuilder(ctx context.Context) (build.DevcontainerBuilder, error) {
	s.cliOnce.Do(func() {
		if s.opts.DevcontainerBuilder != nil {
			s.cli = s.opts.DevcontainerBuilder
			return
		}
		cli, err := build.NewDevcontainerCLI(ctx)
		if err != nil {
			s.noCLI = err
			return
		}
		s.cli, s.ownCLI = cli, cli
	})
	return s.cli, s.noCLI
}

// closeCLI releases the CLI builder the scan made.
func (s *checker) closeCLI() {
	if s.ownCLI != nil {
		_ = s.ownCLI.Close()
	}
}

// check runs the checks of one target.
func (s *checker) check(ctx context.Context, t Target) *targetState {
	s.progress(t.Path, "planning")
	ts := &targetState{res: checks.TargetResult{Path: t.Path, Kind: t.Kind, Dockerfile: t.Dockerfile}}
	ts.record(checks.BuildRecord{Path: BuildPathNone})
	switch t.Kind {
	case checks.KindDevcontainer:
		ts.res.Findings = s.checkDevcontainer(ctx, t, ts)
	default:
		var ib *imageBuild
		if !t.isTemplate() {
			ib = s.dockerBuild(BuildPathDocker, t.Path, path.Dir(t.Path), "", nil)
		}
		if s.templateCheckable(t, t.Path) {
			// The files it copies are read from its own folder (or the
			// nearest above it that has them all), or from the context
			// the repository's Compose file builds it with.
			ctxDir := s.plan.buildFiles().composeContext(t.Path)
			if ctxDir == "" {
				ctxDir = s.plan.copyContext(t.Path)
			}
			in := &checks.DockerfileInput{Context: s.plan.contextFS(ctxDir), Repo: s.plan.contextFS("."), Arch: s.plan.siblingArch(t.Path),
				BuildFileArg: func(name string) ([]string, bool) { return s.plan.buildFileArg(t.Path, name) },
				BuiltImage:   func(ref string) bool { return s.plan.buildFiles().built(s.plan.repo.FS(), ref) },
				KeptEntrypoint: func(prog string) bool {
					return s.plan.buildFiles().keptEntrypoint(prog)
				},
				TemplateStarts: func(unit string) bool { return s.plan.buildFiles().templateStarts(unit) },
				ComposeSidecar: s.plan.sidecars[t.Path], DevcontainerImage: s.plan.imageRuns[t.Path],
				BuildArgs: s.plan.passedBaseArgs(t.Path), Scripts: s.plan.scripts}
			ts.res.Findings = s.checkDockerfile(ctx, in, t.Path, ts, ib)
			// A service's image: the final stage's warnings matter only
			// if a template runs it as a workspace (CR127). Not when the
			// build files build another stage as an image of its own
			// (mogenius's Compose service runs its `build-env` stage as a
			// dev shell).
			if note, ok := checks.ServiceImage(in); ok && !s.buildsOtherStage(in, t.Path) {
				ts.res.Findings = checks.LowerForService(ts.res.Findings)
				ts.own = append(ts.own, note)
			}
			ts.res.Findings = append(ts.res.Findings, s.targetStageFindings(in, t.Path, ts.res.Findings)...)
		}
	}
	s.noteTemplates(t, ts)
	if b := ts.res.Build; b.Path == BuildPathNone && b.Skipped == "" {
		switch {
		case s.opts.NoBuild && s.opts.NoBuildReason != "":
			b.Skipped = s.opts.NoBuildReason
		case s.opts.NoBuild || s.opts.Offline:
			b.Skipped = "builds are off (--no-build or --offline)"
		case s.opts.Builder == nil:
			b.Skipped = "no Docker engine answers"
		default:
			b.Skipped = "nothing to build"
		}
	}
	if b := ts.res.Build; ts.res.Probe == nil && b != nil && !b.Built() && s.probing() {
		why := "nothing was built"
		if b.Skipped != "" {
			why += ": " + b.Skipped
		}
		ts.res.Probe = &probe.Result{Skipped: why}
	}
	ts.res.Findings = append(ts.res.Findings, checks.Finish(s.cfg, ts.src, ts.own)...)
	checks.SortFindings(ts.res.Findings)
	s.progress(t.Path, "done")
	return ts
}

// workspaceTarget is a stage name that says the image is for working in:
// a development, workspace or notebook image (`dev`, `development`,
// `jupyterlab`, `workspace`). Other targets (ollama's `llama-server-cpu`,
// a `builder` or `test` stage) make artifacts, caches or production
// images no template runs.
var workspaceTarget = regexp.MustCompile(`(?i)dev|workspace|workstation|jupyter|notebook|codespace|vscode|code-?server|toolbox|sandbox|(?:^|[-_.])(?:lab|ide)(?:$|[-_.])`)

// targetStageFindings runs the Dockerfile rules on each stage other than
// the last that the repository's build files build as an image of its own
// (`docker build --target dev`, a workflow step's `target:`, a Compose
// service's `build.target`) and whose name says it is for working in
// (workspaceTarget): nebari's workflow publishes the `jupyterlab` stage,
// whose user is not the last stage's. A finding the last stage's run
// already has is not repeated; the others say which stage and file. Only
// the rules that read the Dockerfile run: the image built is the last
// stage's.
func (s *checker) targetStageFindings(in *checks.DockerfileInput, rel string, have []checks.Finding) []checks.Finding {
	if in.File == nil || len(in.File.Stages) < 2 {
		return nil
	}
	type key struct {
		rule, msg string
		line      int
	}
	seen := map[key]bool{}
	for _, f := range have {
		seen[key{f.RuleID, f.Message, f.Location.StartLine}] = true
	}
	last := in.File.Stages[len(in.File.Stages)-1]
	var out []checks.Finding
	for _, t := range s.plan.buildFiles().targets(rel) {
		st := in.File.Stage(t.stage)
		if st == nil || st == last || !workspaceTarget.MatchString(t.stage) {
			continue
		}
		sin := *in
		sin.Target = st.Name
		for _, f := range checks.CheckDockerfile(&sin) {
			k := key{f.RuleID, f.Message, f.Location.StartLine}
			if seen[k] {
				continue
			}
			seen[k] = true
			f.Message += fmt.Sprintf(" (stage `%s`, which %s builds as an image of its own)", st.Name, t.by)
			out = append(out, f)
		}
	}
	return out
}

// buildsOtherStage reports whether the repository's build files build a
// stage of the Dockerfile rel other than its last as an image to work in:
// one a Compose service runs (mogenius's `build-env` with `sleep
// infinity`), or one named for working in. A CI job's `--target test` or
// `lint` (gluetun's) is not one.
func (s *checker) buildsOtherStage(in *checks.DockerfileInput, rel string) bool {
	if in.File == nil || len(in.File.Stages) < 2 {
		return false
	}
	last := in.File.Stages[len(in.File.Stages)-1]
	for _, t := range s.plan.buildFiles().targets(rel) {
		if st := in.File.Stage(t.stage); st != nil && st != last &&
			(devcontainer.IsComposeFileName(path.Base(t.by)) || workspaceTarget.MatchString(t.stage)) {
			return true
		}
	}
	return false
}

// progress reports a target's stage to Options.Progress.
func (s *checker) progress(target, stage string) {
	if s.opts.Progress != nil {
		s.opts.Progress(target, stage)
	}
}

// checkDockerfile runs the Dockerfile rules on rel and, given a build (ib
// not nil), builds the image and runs the image rules on it; otherwise, or
// when the build fails, the image rules judge the final stage's base image.
// siblingArch is what the files beside a Dockerfile say of the one
// architecture it is built for (checks.ArchFromSiblings, a bake file's
// platforms), or a cross-rs configuration that names it (amd64).
func (p *Planned) siblingArch(rel string) string {
	entries, err := fs.ReadDir(p.repo.FS(), path.Dir(rel))
	if err != nil {
		return ""
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if a := checks.ArchFromSiblings(path.Base(rel), names); a != "" {
		return a
	}
	// `hass/Dockerfile` beside `hass/arm/Dockerfile`: the amd64 twin.
	for _, e := range entries {
		if !e.IsDir() || !checks.ARMFolder(e.Name()) {
			continue
		}
		if fi, err := fs.Stat(p.repo.FS(), path.Join(path.Dir(rel), e.Name(), path.Base(rel))); err == nil && fi.Mode().IsRegular() {
			return "amd64"
		}
	}
	if a := p.folderArch(rel); a != "" {
		return a
	}
	if p.buildFiles().crossImage(rel) {
		return "amd64"
	}
	if a := p.buildFiles().namedPlatformArch(rel); a != "" {
		return a
	}
	return p.bakeArch(rel, names)
}

// folderArch reads the folders beside each folder of rel's path for a
// twin named for ARM (checks.ArchFromFolders).
func (p *Planned) folderArch(rel string) string {
	dirs := strings.Split(path.Dir(rel), "/")
	siblings := make([][]string, len(dirs))
	for i := range dirs {
		parent := "."
		if i > 0 {
			parent = strings.Join(dirs[:i], "/")
		}
		entries, err := fs.ReadDir(p.repo.FS(), parent)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.IsDir() && e.Name() != dirs[i] {
				siblings[i] = append(siblings[i], e.Name())
			}
		}
	}
	return checks.ArchFromFolders(dirs, siblings)
}

// buildFileArg returns what the repository's build files (scripts,
// workflows, Makefiles, bake and Compose files) that may build the
// Dockerfile df give a build argument: the values they set it to, and
// whether they mention it at all.
func (p *Planned) buildFileArg(df, name string) ([]string, bool) {
	vals, mentioned := p.buildFiles().get(df, name)
	if !mentioned && slices.Contains(addonBuildArgs, name) && p.homeAssistantAddon(df) {
		// The Home Assistant builder (and the Supervisor) builds an
		// add-on once per architecture its build.yaml lists, passing
		// BUILD_ARCH and BUILD_FROM: `ARG BUILD_ARCH=amd64` is a
		// fallback.
		return nil, true
	}
	return vals, mentioned
}

// addonBuildArgs are the build arguments the Home Assistant builder
// passes an add-on's Dockerfile.
var addonBuildArgs = []string{"BUILD_ARCH", "BUILD_FROM", "BUILD_VERSION", "BUILD_DATE", "BUILD_REF", "BUILD_REPOSITORY", "BUILD_NAME", "BUILD_DESCRIPTION"}

// homeAssistantAddon reports whether the Dockerfile df is a Home
// Assistant add-on's: a build.yaml (or build.json) beside it names the
// image it builds from per architecture (`build_from:`).
func (p *Planned) homeAssistantAddon(df string) bool {
	dir := path.Dir(df)
	for _, name := range []string{"build.yaml", "build.yml", "build.json"} {
		b, err := p.files.bytes(path.Join(dir, name))
		if err == nil && bytes.Contains(b, []byte("build_from")) {
			return true
		}
	}
	return false
}

// hasSubmodules reports whether the repository has git submodules
// (`.gitmodules` at its root): a checkout may leave their folders empty.
func (p *Planned) hasSubmodules() bool {
	_, err := fs.Stat(p.repo.FS(), ".gitmodules")
	return err == nil
}

// contextFS is the build context dir inside the scanned root, for rules
// that read what the image copies in; nil when dir leaves the root.
func (p *Planned) contextFS(dir string) fs.FS {
	if !fs.ValidPath(dir) {
		return nil
	}
	sub, err := fs.Sub(p.repo.FS(), dir)
	if err != nil {
		return nil
	}
	return sub
}

func (s *checker) checkDockerfile(ctx context.Context, in *checks.DockerfileInput, rel string, ts *targetState, ib *imageBuild) []checks.Finding {
	in.Config = s.cfg
	f, readErr, parseErr := s.plan.files.dockerfile(rel)
	if readErr != nil {
		ts.own = append(ts.own, readFailure(rel, readErr))
		return nil
	}
	if parseErr != nil {
		in.ParseErr = parseErr
		return checks.CheckDockerfile(in)
	}
	in.File = f
	ts.src.Dockerfile = f
	var imageFindings []checks.Finding
	ref, unread := checks.FinalBaseRef(in), ""
	if ref != "" {
		s.progress(ts.res.Path, "reading base image")
		facts, why := s.readBase(ctx, ts, ref)
		unread = why
		if facts != nil {
			in.Bases = checks.FactsResolver{ref: facts}
			ts.res.Image = checks.SummarizeImage(ref, facts)
			ts.facts = facts
			imageFindings = checks.CheckImage(&checks.ImageInput{
				Facts: facts, Config: s.cfg, Ref: ref, Dockerfile: f, Target: in.Target,
				BaseOnly: true, DevcontainerBuild: in.Devcontainer != nil,
			})
		}
	}
	// A base built by another Dockerfile of the repository is judged from
	// that file when neither the image nor the table tells its user.
	in.Bases = s.plan.siblings.Resolver(in.Bases)
	s.progress(ts.res.Path, "checking")
	out := checks.CheckDockerfile(in)
	if ib != nil {
		label := s.summaryLabel(rel)
		if ib.path == BuildPathDevcontainerCLI {
			label = s.summaryLabel(ts.res.Path)
		}
		found, built := s.buildAndCheck(ctx, ib, imageCheck{dockerfile: f, target: in.Target, devcontainerBuild: in.Devcontainer != nil, label: label, user: devcontainerUser(in.Devcontainer)}, ts)
		out = append(out, found...)
		if built {
			// The built image's findings replace the base's.
			return out
		}
	}
	if unread != "" {
		s.noteUnread(ts, ref, unread, checks.FinalBaseLocation(in), in.Devcontainer != nil)
	}
	return append(out, imageFindings...)
}

// readBase returns the facts of a base image, or nil and why it could not
// be read (offline, no engine, not pulled, unreachable registry; see
// unreadWhy): the static rules then judge from what the reference tells.
func (s *checker) readBase(ctx context.Context, ts *targetState, ref string) (*image.Facts, string) {
	if s.bases == nil {
		return nil, "offline"
	}
	start := time.Now()
	f, err := s.bases.ReadBase(ctx, ref)
	ts.baseRead += time.Since(start)
	if err != nil {
		return nil, unreadWhy(err)
	}
	return f, ""
}

// readFailure is the finding for a target that could not be read at all.
func readFailure(rel string, err error) checks.Finding {
	id := "CR100"
	if IsDevcontainerPath(rel) {
		id = "CR200"
	}
	if why := rootfs.Why(err); why != "" {
		// Not read, so not known to be broken: a warning that says so.
		return checks.Finding{RuleID: id, Severity: checks.SeverityWarning, Message: "the file " + why, Location: checks.Location{Path: rel}}
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	// No severity: checks.Finish gives the rule's (or the config's).
	return checks.Finding{RuleID: id, Message: "cannot read file: " + err.Error(), Location: checks.Location{Path: rel}}
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

// devcontainerUser is the user a devcontainer's workspace runs as, when it
// says: containerUser, else remoteUser ("" for the image's USER).
func devcontainerUser(dc *devcontainer.Config) string {
	if dc == nil {
		return ""
	}
	return cmp.Or(dc.String("/containerUser"), dc.String("/remoteUser"))
}

// engineProber probes on the engine a Docker builder builds on: the
// images it builds are there. It first removes probe containers a killed
// run left behind. nil when the builder is not the Docker engine's.
func engineProber(ctx context.Context, b build.Builder, cacheDir string) Prober {
	d, ok := b.(*build.Docker)
	if !ok {
		return nil
	}
	cli, ok := d.Client.(probe.Client)
	if !ok {
		return nil
	}
	if cacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil
		}
		cacheDir = filepath.Join(dir, "coderready")
	}
	// Older than any probe could run (30 s by default): left by a killed
	// coderready.
	_, _ = probe.Sweep(ctx, cli, 10*time.Minute)
	return &probe.Engine{Client: cli, Agents: probe.DefaultAgents(cacheDir)}
}
