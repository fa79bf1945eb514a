package checks

import (
	"io/fs"
	"slices"
	"strings"

	"github.com/coderready/coderready/devcontainer"
	"github.com/coderready/coderready/dockerfile"
)

// DockerfileInput is what Dockerfile rules judge.
type DockerfileInput struct {
	File *dockerfile.File
	// ParseErr is set when the Dockerfile did not parse; File is then nil
	// and only CR100 runs.
	ParseErr error
	Config   *Config
	// BuildArgs are the build arguments the build will be given: a
	// devcontainer's build.args, or for a Dockerfile built on its own the
	// one value the repository's build files pass a FROM's argument whose
	// default is no image (the scan's reading); nil when none is known.
	BuildArgs map[string]string
	// Target is the stage the build stops at ("" for the last stage).
	Target string
	// Devcontainer is the devcontainer.json that builds this Dockerfile, or
	// nil when it is checked on its own.
	Devcontainer *devcontainer.Config
	// ComposeUser is the `user` of the Docker Compose service that builds
	// the Dockerfile for Devcontainer ("" when none is set): the
	// container runs as it.
	ComposeUser string
	// Bases tells what is known of base images (family, package manager,
	// tools, default user); nil means StaticBases, the built-in table of
	// well-known images. The image reader supplies real facts.
	Bases BaseResolver
	// Arch is the one architecture the file is built for when the files
	// beside it say so ("amd64" for a `Dockerfile` beside a
	// `Dockerfile.aarch64`: one file per architecture); "" otherwise.
	Arch string
	// Context is the build context (nil: not consulted), for rules that
	// read a script the image copies in, such as its entrypoint. It must
	// reach nothing outside the scanned root: the scan gives an os.Root's.
	Context fs.FS
	// ExactContext is the build context's path in the repository ("." for
	// its root) when Context is exactly what a builder is given: a
	// devcontainer.json's (or its Compose service's) `build.context`,
	// with nothing run before the build that could add files to it (no
	// git submodules, whose folders a checkout may leave empty; an
	// initializeCommand is InitAdds). "" when the context is not known that exactly (a
	// Dockerfile built on its own). CR124 judges COPY sources then.
	ExactContext string
	// CLIContext and CLIExactContext are the context the Dev Containers
	// CLI builds with where it is not ExactContext: a config that sets no
	// `build.context` is built by envbuilder from its own folder
	// (ExactContext) and by the CLI from the Dockerfile's. nil and "" when
	// both builders use the same one.
	CLIContext      fs.FS
	CLIExactContext string
	// InitAdds is set when the config's initializeCommand runs before a
	// Dev Containers CLI build and may add files to the context:
	// ExactContext is then exact for envbuilder only, which never runs
	// initializeCommand.
	InitAdds bool
	// Repo is the scanned root (nil: not consulted), where a file the
	// Dockerfile copies from a folder path its own folder lacks is looked
	// for: such a Dockerfile is built with the repository as its context
	// (`COPY codeserver/ubi9/run.sh /opt/`). The same bounds as Context.
	Repo fs.FS
	// BuildFileArg returns what the repository's build files (scripts,
	// workflows, Makefiles, bake and Compose files) give a build argument,
	// for a Dockerfile built on its own: the values they set it to
	// (`BASE = "debian:12"`), and whether they mention it at all. An ARG
	// default such as `latest` is then likely only a fallback the build
	// overrides. nil: not known.
	BuildFileArg func(name string) (values []string, mentioned bool)
	// BuiltImage reports whether the repository's build files tag the
	// image ref (`docker build -t oracle/tuxedo:latest`): the repository
	// builds it, so a FROM of it is the local build, not a registry's
	// moving tag. nil: not known.
	BuiltImage func(ref string) bool
	// ComposeSidecar names the Compose service that builds the Dockerfile
	// beside a Dev Container's own service (`runServices`), when only such
	// services build it: Compose runs it with its own command, and no
	// Coder template starts it. "" when none does.
	ComposeSidecar string
	// DevcontainerImage names a devcontainer.json of the repository whose
	// `image` is the one this Dockerfile builds (the Makefile tags it as
	// that image): its home, like that of a Dockerfile a config builds,
	// has no template's volume over it. "" when none runs it.
	DevcontainerImage string
	// KeptEntrypoint reports whether a Coder template (Terraform) of the
	// repository keeps the program prog as its container's entrypoint,
	// handing it the agent's init script (`entrypoint =
	// ["/usr/local/bin/entrypoint.sh", "sh", "-c", init_script]`). nil:
	// not known.
	KeptEntrypoint func(prog string) bool
	// Scripts caches what was read of the scripts the Dockerfiles of one
	// scan run (nil: nothing is kept).
	Scripts *ScriptCache
	// TemplateStarts reports whether a Coder template of the repository
	// starts the systemd unit from its agent's startup script (`sudo
	// dockerd &` for `docker`). nil: not known.
	TemplateStarts func(unit string) bool
}

// DevcontainerInput is what devcontainer.json rules judge.
type DevcontainerInput struct {
	Devcontainer *devcontainer.Config
	// ParseErr is set when the file is not valid JSONC; Devcontainer is then
	// nil and only CR200 runs.
	ParseErr error
	Config   *Config
	// Dockerfile is the Dockerfile the devcontainer builds, when it has one
	// and it parsed.
	Dockerfile *dockerfile.File
	// BuildArgs and Target are what Dockerfile is built with: the
	// config's `build.args` and `build.target`, or those of its Compose
	// service's `build` (`target: dev`). When neither is set, the
	// config's own are used.
	BuildArgs map[string]string
	Target    string
	// ComposeUser is the `user` of the Compose service a Docker Compose
	// config runs ("" when none is set): the container's user, which the
	// Dev Containers CLI then runs the sessions as unless `remoteUser`
	// says otherwise.
	ComposeUser string
	// Siblings are the paths of every devcontainer.json found in the same
	// repository (including this one), for rules about which one a builder
	// picks.
	Siblings []string
	// BuiltImage reports whether the repository's build files tag the
	// image ref (a bake file's `tags = ["ghcr.io/gem5/devcontainer:latest"]`):
	// its own Dockerfile, matched by name, then says what the image is,
	// registry host and all. nil: not known.
	BuiltImage func(ref string) bool
	// CopiedIn reports whether a build file of the repository copies the
	// folder p (slash-separated, from the root) in from elsewhere in the
	// repository before a build (`rsync -a features/src/
	// "${SRC_DIR}/.devcontainer/features"` for a local feature). nil: not
	// known.
	CopiedIn func(p string) bool
	// Files is the scanned root folder, for rules that check that
	// referenced files exist (nil: the disk is not consulted). It must
	// reach nothing outside the root: the scan gives an os.Root's.
	Files fs.FS
	// Bases tells what is known of the image the config uses (its `image`,
	// or its Dockerfile's base); nil means StaticBases. The scan gives the
	// resolver that also knows the images the repository's own
	// Dockerfiles build.
	Bases BaseResolver
	// BuiltByCLI names the repository's build file that builds this config
	// into an image with the Dev Containers CLI (`devcontainer build
	// --workspace-folder src/x`, devcontainers/ci's `subFolder`, a root
	// config it only publishes): an image definition, which envbuilder
	// never builds. "" when none does.
	BuiltByCLI string
	// Template is set when the config is part of a Dev Container Template
	// source (and config `check-templates` is off): the files it names
	// that the template lacks are the project's, not missing.
	Template *Template
	// ComposeImage is the image of the Compose service a Docker Compose
	// config runs, when the service is not built ("" otherwise), and
	// ComposeFile the Compose file that defines the service.
	ComposeImage, ComposeFile string
	// ComposeImageFromHost is set when ComposeImage came from a variable's
	// default that the environment Compose runs in may replace.
	ComposeImageFromHost bool
	// ComposePrivileges are what that service asks of the engine beyond a
	// plain container (privileged, cap_add, security_opt).
	ComposePrivileges []devcontainer.ComposePrivilege
}

// CheckDockerfile runs every enabled Dockerfile rule and returns the
// findings, with config severities and inline ignore comments applied.
func CheckDockerfile(in *DockerfileInput) []Finding {
	if in.Config == nil {
		in.Config = DefaultConfig()
	}
	var out []Finding
	for _, r := range Rules() {
		if r.Dockerfile == nil || !in.Config.Enabled(r) {
			continue
		}
		out = append(out, r.finish(in.Config, r.Dockerfile(in))...)
	}
	if in.File != nil {
		out = filterIgnored(in.File, out)
	}
	SortFindings(out)
	return out
}

// CheckDevcontainer runs every enabled devcontainer rule.
func CheckDevcontainer(in *DevcontainerInput) []Finding {
	if in.Config == nil {
		in.Config = DefaultConfig()
	}
	var out []Finding
	for _, r := range Rules() {
		if r.Devcontainer == nil || !in.Config.Enabled(r) || (in.Devcontainer == nil && !r.ParseErrors) {
			continue
		}
		// An image definition the repository builds with the Dev
		// Containers CLI is never built by envbuilder: its rules do not
		// apply.
		if in.BuiltByCLI != "" && slices.Equal(r.Builders, []Builder{BuilderEnvbuilder}) {
			continue
		}
		out = append(out, r.finish(in.Config, r.Devcontainer(in))...)
	}
	if c := in.Devcontainer; c != nil {
		out = filterIgnoredDevcontainer(c, out)
	}
	SortFindings(out)
	return out
}

// Files are the files a target's findings point into, whose
// `coderready:ignore` comments silence them.
type Files struct {
	Dockerfile   *dockerfile.File
	Devcontainer *devcontainer.Config
}

// Finish passes findings made outside the rules' own checks (the scan's
// build failures, CR300, and unreadable files, CR100 and CR200) through
// what every rule's findings go through: a rule the config turns off makes
// none, a severity the config sets replaces the finding's, and a
// `coderready:ignore` comment naming the rule (or `*`) in the Dockerfile
// or devcontainer.json a finding points into silences it. Each finding must
// name a registered rule: anything else is a bug in the caller.
func Finish(cfg *Config, src Files, fs []Finding) []Finding {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	var out []Finding
	for _, f := range fs {
		r := Lookup(f.RuleID)
		if r == nil {
			panic("checks.Finish: a finding of the unregistered rule " + f.RuleID)
		}
		if !cfg.Enabled(r) {
			continue
		}
		out = append(out, r.finish(cfg, []Finding{f})...)
	}
	if src.Dockerfile != nil {
		out = filterIgnored(src.Dockerfile, out)
	}
	if src.Devcontainer != nil {
		out = filterIgnoredDevcontainer(src.Devcontainer, out)
	}
	return out
}

// filterIgnoredDevcontainer drops findings silenced in a devcontainer.json:
// `// coderready:ignore=ID` on a property's line, or alone on the line
// above it, silences ID for findings within that property.
func filterIgnoredDevcontainer(c *devcontainer.Config, fs []Finding) []Finding {
	return slices.DeleteFunc(fs, func(f Finding) bool {
		return f.Location.Path == c.Path && f.Location.StartLine > 0 && c.Ignored(f.RuleID, f.Location.StartLine)
	})
}

// filterIgnored drops findings silenced by `# coderready:ignore=` comments.
func filterIgnored(f *dockerfile.File, fs []Finding) []Finding {
	return slices.DeleteFunc(fs, func(fd Finding) bool { return ignoredInDockerfile(f, fd) })
}

// ignoredInDockerfile reports whether a `# coderready:ignore=` comment on the
// instruction that holds the finding's line names the finding's rule.
func ignoredInDockerfile(f *dockerfile.File, fd Finding) bool {
	if fd.Location.Path != f.Path || fd.Location.StartLine == 0 {
		return false
	}
	in := f.InstructionAt(fd.Location.StartLine)
	if in == nil {
		return false
	}
	return slices.ContainsFunc(in.Ignore, func(id string) bool { return strings.EqualFold(id, fd.RuleID) || id == "*" })
}
