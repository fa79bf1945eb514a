package scan

import (
	"context"
	"errors"
	"path"
	"path/filepath"
	"strings"

	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/devcontainer"
)

// dcPlan is what a devcontainer.json builds, resolved against the root.
type dcPlan struct {
	dc   *devcontainer.Config
	plan *devcontainer.Plan
	// compose is the Compose service of a Compose config (nil when it
	// could not be resolved: composeErr says why).
	compose    *devcontainer.ComposeService
	composeErr error
	// dockerfile and context are the Dockerfile built and its context
	// (relative to the root; "" when the config builds none).
	dockerfile, context string
	args                map[string]string
	target              string
}

// resolveDevcontainer parses a devcontainer.json and resolves what it
// builds: its Dockerfile, or its Compose service's.
func (s *scanner) resolveDevcontainer(rel string) (*dcPlan, error) {
	src, err := s.read(rel)
	if err != nil {
		return nil, err
	}
	dc, err := devcontainer.Parse(rel, src)
	if err != nil {
		return nil, err
	}
	fsys := s.repo.FS()
	p := &dcPlan{dc: dc, plan: dc.Plan(fsys)}
	switch p.plan.Kind {
	case devcontainer.KindCompose:
		p.compose, p.composeErr = p.plan.ComposeService(fsys)
		if p.compose != nil && p.compose.Build != nil {
			b := p.compose.Build
			p.dockerfile, p.context, p.args, p.target = b.Dockerfile, b.Context, b.Args, b.Target
		}
	case devcontainer.KindDockerfile:
		p.dockerfile, p.context, p.args, p.target = dc.DockerfilePath(), dc.ContextPath(), dc.BuildArgs(), dc.BuildTarget()
	}
	return p, nil
}

// devcontainerDockerfile returns the Dockerfile a devcontainer.json builds
// (its own, or its Compose service's; relative to the root), or "" when it
// builds none, names one outside the root, or does not parse.
func (s *scanner) devcontainerDockerfile(rel string) string {
	p, err := s.resolveDevcontainer(rel)
	if err != nil || p.dockerfile == "" || !localPath(p.dockerfile) {
		return ""
	}
	// A Dockerfile that is not there is CR203's finding, not a read error.
	if fi, err := s.repo.Stat(p.dockerfile); err != nil || fi.IsDir() {
		return ""
	}
	return p.dockerfile
}

// useCLI says whether the devcontainer is built with the Dev Containers
// CLI and, when it has features and is not, why they are not applied
// ("" when they are, or when there are none).
func (s *scanner) useCLI(p *dcPlan) (bool, string) {
	features := len(p.plan.Features) > 0
	switch {
	case s.opts.Builder == nil:
		return false, ""
	case p.plan.Kind == devcontainer.KindCompose && !features:
		// Without features the service's own build is the image.
		return false, ""
	case p.plan.Kind == devcontainer.KindCompose && p.compose == nil:
		// The service could not be resolved: that is the finding.
		return false, ""
	case s.opts.BuildWith == BuildWithDocker:
		if features {
			return false, "features were not applied (built with the Docker builder, --builder docker); the image checked is the one without them"
		}
		return false, ""
	}
	if !features && s.opts.BuildWith != BuildWithDevcontainerCLI {
		return false, ""
	}
	if !s.opts.BuildLimits.IsZero() {
		// An untrusted build must not run without the limits asked for.
		if features {
			return false, "features were not applied: the Dev Containers CLI cannot apply the build limits (" + s.opts.BuildLimits.String() + "), so the config was built with the Docker builder; the image checked is the one without them"
		}
		return false, ""
	}
	if cli, _ := s.devcontainerBuilder(); cli == nil {
		if !features {
			return false, ""
		}
		why := "the Dev Containers CLI is not installed"
		if s.noCLI != nil && !errors.Is(s.noCLI, build.ErrNoDevcontainerCLI) {
			why = "the Dev Containers CLI cannot be used: " + s.noCLI.Error()
		}
		return false, "features were not applied: " + why + " (npm install -g @devcontainers/cli); the image checked is the one without them"
	}
	if p.plan.Kind == devcontainer.KindCompose {
		if cs, ok := s.cli.(interface{ ComposeSupported() error }); ok {
			if err := cs.ComposeSupported(); err != nil {
				return false, "features were not applied: the Dev Containers CLI builds Docker Compose configs with Compose, and " + err.Error() + "; the image checked is the service's, without them"
			}
		}
	}
	return true, ""
}

// cliBuild builds the devcontainer.json with the Dev Containers CLI.
func (s *scanner) cliBuild(rel string, p *dcPlan) *imageBuild {
	ws, cfg := workspaceOf(rel)
	ib := &imageBuild{
		path:       BuildPathDevcontainerCLI,
		dockerfile: p.dockerfile,
		dc:         p.dc,
		remove:     s.cli.Remove,
		run: func(ctx context.Context) (*build.Result, error) {
			return s.cli.BuildDevcontainer(ctx, build.DevcontainerSpec{
				Root:         s.absRoot,
				WorkspaceDir: filepath.Join(s.absRoot, filepath.FromSlash(ws)),
				Config:       filepath.FromSlash(cfg),
				Network:      s.opts.BuildNetwork,
				Timeout:      s.opts.BuildTimeout,
			})
		},
	}
	if p.dockerfile != "" {
		ib.contexts = []string{p.context, path.Dir(p.dockerfile)}
	}
	for _, f := range p.plan.ComposeFiles {
		if f.Path != "" {
			ib.contexts = append(ib.contexts, path.Dir(f.Path))
		}
	}
	for _, f := range p.plan.Features {
		if f.Local != nil {
			ib.contexts = append(ib.contexts, f.Local.Path)
		}
	}
	return ib
}

// workspaceOf splits a devcontainer.json path into its workspace folder
// (the folder holding `.devcontainer/` or `.devcontainer.json`) and the
// config's path inside it.
func workspaceOf(rel string) (ws, cfg string) {
	dir := path.Dir(rel)
	switch {
	case path.Base(dir) == ".devcontainer":
		ws = path.Dir(dir)
	case path.Base(path.Dir(dir)) == ".devcontainer":
		ws = path.Dir(path.Dir(dir))
	default:
		ws = dir
	}
	cfg = strings.TrimPrefix(rel, ws+"/")
	if ws == "." {
		cfg = rel
	}
	return ws, cfg
}

// checkDevcontainer checks a devcontainer.json: its Dockerfile (built with
// the Docker builder, the Dev Containers CLI or as its Compose service),
// the config's own rules, and the image it runs.
func (s *scanner) checkDevcontainer(t target, ts *targetState) []checks.Finding {
	if _, err := s.read(t.path); err != nil {
		return []checks.Finding{readFailure(t.path, err)}
	}
	in := &checks.DevcontainerInput{Config: s.cfg, Siblings: s.devcontainerPaths(), Files: s.repo.FS()}
	p, err := s.resolveDevcontainer(t.path)
	if err != nil {
		in.ParseErr = err
		return checks.CheckDevcontainer(in)
	}
	dc := p.dc
	in.Devcontainer = dc
	viaCLI, notApplied := s.useCLI(p)
	var out []checks.Finding
	if notApplied != "" {
		// Not the image the config describes: say so, once, on `features`.
		out = append(out, s.finding("CR300", checks.SeverityWarning, notApplied, "", dcLocation(dc, "/features"))...)
	}
	if p.composeErr != nil && s.opts.Builder != nil && !composeFilesMissing(p.plan) {
		out = append(out, s.finding("CR300", checks.SeverityError, "the Compose service cannot be built: "+p.composeErr.Error(), "", dcLocation(dc, "/service"))...)
	}
	if t.dockerfile != "" {
		din := &checks.DockerfileInput{Devcontainer: dc, BuildArgs: p.args, Target: p.target}
		var ib *imageBuild
		switch {
		case viaCLI:
			ib = s.cliBuild(t.path, p)
		case p.compose != nil:
			ib = s.dockerBuild(BuildPathCompose, t.dockerfile, p.context, p.target, p.args)
		default:
			ib = s.dockerBuild(BuildPathDocker, t.dockerfile, p.context, p.target, p.args)
		}
		out = append(out, s.checkDockerfile(din, t.dockerfile, ts, ib)...)
		in.Dockerfile = din.File
	}
	out = append(out, checks.CheckDevcontainer(in)...)
	if t.dockerfile != "" {
		return out
	}
	// An image: the config's own, or its Compose service's.
	ref, at := dc.Image(), dcLocation(dc, "/image")
	if p.plan.Kind == devcontainer.KindCompose {
		ref, at = "", dcLocation(dc, "/service")
		if p.compose != nil && p.compose.Build == nil {
			ref = p.compose.Image
		}
	}
	if ref == "" || strings.Contains(ref, "$") {
		return out
	}
	if viaCLI && (p.plan.Kind == devcontainer.KindImage || p.plan.Kind == devcontainer.KindCompose) {
		found, built := s.buildAndCheck(s.cliBuild(t.path, p), imageCheck{devcontainerBuild: true, label: summaryLabel(t.path), at: &at}, ts)
		out = append(out, found...)
		if built {
			return out
		}
	}
	s.progress(t.path, "reading image")
	if facts := s.readBase(ref); facts != nil {
		ts.res.Image = checks.SummarizeImage(ref, facts)
		ts.facts = facts
		if ts.build.Path == BuildPathNone {
			ts.build = &BuildInfo{Path: BuildPathImage, Ref: ref}
		}
		for _, f := range checks.CheckImage(&checks.ImageInput{Facts: facts, Config: s.cfg, Ref: ref, DevcontainerBuild: true}) {
			// Findings about the image sit on the devcontainer's `image` (or `service`) line.
			f.Location = at
			out = append(out, f)
		}
	}
	return out
}

// composeFilesMissing reports whether a Compose file is missing or outside
// the root: CR203's finding, not a build failure.
func composeFilesMissing(p *devcontainer.Plan) bool {
	for _, c := range p.ComposeFiles {
		if c.State == devcontainer.PathMissing {
			return true
		}
	}
	return false
}
