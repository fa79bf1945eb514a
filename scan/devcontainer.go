package scan

import (
	"cmp"
	"context"
	"errors"
	"path"
	"path/filepath"
	"slices"
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

// useCLI says whether the devcontainer is built with the Dev Containers
// CLI and, when it has features and is not, why they are not applied
// ("" when they are, or when there are none).
func (s *checker) useCLI(ctx context.Context, p *dcPlan) (bool, string) {
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
	if !s.opts.Build.Limits.IsZero() {
		// An untrusted build must not run without the limits asked for.
		if features {
			return false, "features were not applied: the Dev Containers CLI cannot apply the build limits (" + s.opts.Build.Limits.String() + "), so the config was built with the Docker builder; the image checked is the one without them"
		}
		return false, ""
	}
	if cli, _ := s.devcontainerBuilder(ctx); cli == nil {
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
func (s *checker) cliBuild(rel string, p *dcPlan) *imageBuild {
	ws, cfg := workspaceOf(rel)
	ib := &imageBuild{
		path:       BuildPathDevcontainerCLI,
		dockerfile: p.dockerfile,
		dc:         p.dc,
		remove:     s.cli.Remove,
		run: func(ctx context.Context) (*build.Result, error) {
			return s.cli.BuildDevcontainer(ctx, build.DevcontainerSpec{
				Root:         s.plan.absRoot,
				WorkspaceDir: filepath.Join(s.plan.absRoot, filepath.FromSlash(ws)),
				Config:       filepath.FromSlash(cfg),
				Devcontainer: p.dc,
				Network:      s.opts.Build.Network,
				Timeout:      s.opts.Build.Timeout,
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
func (s *checker) checkDevcontainer(ctx context.Context, t Target, ts *targetState) []checks.Finding {
	in := &checks.DevcontainerInput{Config: s.cfg, Siblings: s.plan.devcontainers, Files: s.plan.repo.FS(), Bases: s.plan.siblings.Resolver(nil),
		BuiltImage: func(ref string) bool { return s.plan.buildFiles().built(s.plan.repo.FS(), ref) },
		CopiedIn:   func(p string) bool { return s.plan.buildFiles().copiedIn(s.plan.repo.FS(), p) }}
	p := t.dc
	if p == nil {
		if t.isTemplate() {
			return nil // noted once (CR220), not a config that is broken
		}
		if _, err := s.plan.files.bytes(t.Path); err != nil {
			ts.own = append(ts.own, readFailure(t.Path, err))
			return nil
		}
		in.ParseErr = t.dcErr
		return checks.CheckDevcontainer(in)
	}
	dc := p.dc
	in.Devcontainer = dc
	in.Template = t.templates[t.Path]
	if in.Template == nil {
		// A config whose Dockerfile or Compose file is a Template
		// source's (its placeholders are there) is part of that source.
		for _, tm := range t.templates {
			if tm.Kind == checks.TemplateDevcontainer {
				in.Template = tm
				break
			}
		}
	}
	ws, _ := workspaceOf(t.Path)
	in.BuiltByCLI = s.plan.buildFiles().builtByCLI(ws)
	if in.BuiltByCLI == "" {
		in.BuiltByCLI = s.plan.buildFiles().builtByCLIConfig(t.Path)
	}
	if in.BuiltByCLI == "" && (t.Path == ".devcontainer/devcontainer.json" || t.Path == ".devcontainer.json") {
		in.BuiltByCLI = s.plan.buildFiles().publishesRoot(s.otherImages(t.Path))
	}
	if p.compose != nil {
		in.ComposePrivileges = p.compose.Privileges
		in.ComposeUser = p.compose.User
		if p.compose.Build == nil {
			in.ComposeImage, in.ComposeFile = p.compose.Image, p.compose.File
			in.ComposeImageFromHost = p.compose.ImageFromHost
		}
	}
	ts.src.Devcontainer = dc
	viaCLI, notApplied := s.useCLI(ctx, p)
	if t.isTemplate() {
		// Not what gets built: the template applied is.
		viaCLI, notApplied = false, ""
	}
	var out []checks.Finding
	if notApplied != "" {
		// Not the image the config describes: say so, once, on `features`.
		ts.report("CR300", checks.SeverityWarning, notApplied, "", dcLocation(dc, "/features"))
	}
	if p.composeErr != nil && s.opts.Builder != nil && !t.isTemplate() && !composeFilesMissing(p.plan) {
		ts.report("CR300", checks.SeverityError, "the Compose service cannot be built: "+p.composeErr.Error(), "", dcLocation(dc, "/service"))
	}
	if t.Dockerfile != "" && s.templateCheckable(t, t.Dockerfile) {
		din := &checks.DockerfileInput{Devcontainer: dc, BuildArgs: p.args, Target: p.target, Context: s.plan.contextFS(p.context),
			BuiltImage: func(ref string) bool { return s.plan.buildFiles().built(s.plan.repo.FS(), ref) }, Scripts: s.plan.scripts}
		if p.compose != nil {
			din.ComposeUser = p.compose.User
		}
		if din.Context != nil && !t.isTemplate() && !s.plan.hasSubmodules() {
			din.ExactContext = p.context
			din.InitAdds = dc.Has("/initializeCommand")
			// With no `build.context`, the Dev Containers CLI builds from
			// the Dockerfile's folder, envbuilder from the config's.
			if dir := path.Dir(t.Dockerfile); p.compose == nil && !dc.Has("/build/context") && !dc.Has("/context") && dir != p.context {
				if cli := s.plan.contextFS(dir); cli != nil {
					din.CLIContext, din.CLIExactContext = cli, dir
				}
			}
		}
		var ib *imageBuild
		switch {
		case t.isTemplate():
		case viaCLI:
			ib = s.cliBuild(t.Path, p)
		case p.compose != nil:
			ib = s.dockerBuild(BuildPathCompose, t.Dockerfile, p.context, p.target, p.args)
		default:
			ib = s.dockerBuild(BuildPathDocker, t.Dockerfile, p.context, p.target, p.args)
		}
		out = append(out, s.checkDockerfile(ctx, din, t.Dockerfile, ts, ib)...)
		in.Dockerfile = din.File
		in.BuildArgs, in.Target = p.args, p.target
	}
	out = append(out, checks.CheckDevcontainer(in)...)
	if t.Dockerfile != "" {
		return oneRootUser(out)
	}
	// An image: the config's own, or its Compose service's.
	ref, at := dc.Image(), dcLocation(dc, "/image")
	if p.plan.Kind == devcontainer.KindCompose {
		ref, at = "", dcLocation(dc, "/service")
		if p.compose != nil && p.compose.Build == nil {
			ref = p.compose.Image
		}
	}
	// A template's image is the one named once it is applied: not read
	// (CR220 says so).
	if ref == "" || strings.Contains(ref, "$") || t.isTemplate() {
		return out
	}
	if viaCLI && (p.plan.Kind == devcontainer.KindImage || p.plan.Kind == devcontainer.KindCompose) {
		found, built := s.buildAndCheck(ctx, s.cliBuild(t.Path, p), imageCheck{devcontainerBuild: true, label: s.summaryLabel(t.Path), at: &at, user: cmp.Or(p.plan.ContainerUser, p.plan.RemoteUser)}, ts)
		out = append(out, found...)
		if built {
			return out
		}
	}
	s.progress(t.Path, "reading image")
	facts, why := s.readBase(ctx, ts, ref)
	if facts == nil {
		s.noteUnread(ts, ref, why, at, true)
	}
	if facts != nil {
		ts.res.Image = checks.SummarizeImage(ref, facts)
		ts.facts = facts
		if ts.res.Build.Path == BuildPathNone {
			ts.record(checks.BuildRecord{Path: BuildPathImage, Ref: ref})
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

// otherImages are the `image` references of the repository's
// devcontainer.json files but rel, from the configs the plan parsed.
func (s *checker) otherImages(rel string) []string {
	var out []string
	for _, t := range s.plan.Targets {
		if t.Path == rel || t.dc == nil {
			continue
		}
		if img := t.dc.dc.String("/image"); img != "" {
			out = append(out, img)
		}
	}
	return out
}

// oneRootUser drops CR101 from a Dev Container's findings when CR205
// reports the same root user: CR205 judges the user each builder runs the
// Dev Container as (and fixes it with `containerUser`), so CR101 on the
// Dockerfile the config builds would tell the maintainer the same thing
// twice. Without CR205 (switched off, ignored, or not certain) CR101
// stays.
func oneRootUser(out []checks.Finding) []checks.Finding {
	if !slices.ContainsFunc(out, func(f checks.Finding) bool { return f.RuleID == "CR205" }) {
		return out
	}
	return slices.DeleteFunc(out, func(f checks.Finding) bool { return f.RuleID == "CR101" })
}
