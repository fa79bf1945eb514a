package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/scan"
)

// outputFlags are the flags every command that prints findings shares.
type outputFlags struct {
	format string
	failOn string
	output string
	color  string
	// textHeader is written before a text report (check's build lines).
	textHeader string
}

func (o *outputFlags) register(c *cobra.Command) {
	c.Flags().StringVarP(&o.format, "format", "f", "text", "output format: text, json or sarif")
	c.Flags().StringVar(&o.failOn, "fail-on", "error", "exit 1 when a finding is at or above this severity: error, warning, info or never")
	c.Flags().StringVarP(&o.output, "output", "o", "", "write the report to this file instead of standard output")
	c.Flags().StringVar(&o.color, "color", "auto", "colour text output: auto, always or never")
}

// threshold parses --fail-on; SeverityOff means never fail.
func (o *outputFlags) threshold() (checks.Severity, error) {
	if strings.EqualFold(o.failOn, "never") {
		return checks.SeverityOff, nil
	}
	s, err := checks.ParseSeverity(o.failOn)
	if err != nil || s == checks.SeverityOff {
		return checks.SeverityOff, fmt.Errorf("--fail-on %q: want error, warning, info or never", o.failOn)
	}
	return s, nil
}

func (o *outputFlags) validate() error {
	switch o.format {
	case "text", "json", "sarif":
	default:
		return fmt.Errorf("--format %q: want text, json or sarif", o.format)
	}
	switch o.color {
	case "auto", "always", "never":
	default:
		return fmt.Errorf("--color %q: want auto, always or never", o.color)
	}
	_, err := o.threshold()
	return err
}

// write renders the result in the chosen format, to --output or stdout, and
// returns the exit code --fail-on gives it.
func (o *outputFlags) write(stdout io.Writer, r *checks.Result) error {
	var err error
	if o.output == "" {
		err = o.render(stdout, r)
	} else {
		err = o.renderFile(r)
	}
	if err != nil {
		return &exitCodeError{code: exitError, err: err}
	}
	th, _ := o.threshold()
	if th != checks.SeverityOff && checks.MaxSeverity(r.Findings()) >= th {
		return &exitCodeError{code: exitFindings}
	}
	return nil
}

func (o *outputFlags) renderFile(r *checks.Result) error {
	f, err := os.Create(o.output)
	if err != nil {
		return fmt.Errorf("open output: %w", err)
	}
	if err := o.render(f, r); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write report %s: %w", o.output, err)
	}
	return nil
}

func (o *outputFlags) render(w io.Writer, r *checks.Result) error {
	var err error
	switch o.format {
	case "json":
		err = checks.RenderJSON(w, r, toolVersion())
	case "sarif":
		err = checks.RenderSARIF(w, r, toolVersion())
	default:
		if o.textHeader != "" {
			if _, err := io.WriteString(w, o.textHeader); err != nil {
				return fmt.Errorf("write report: %w", err)
			}
		}
		err = checks.RenderText(w, r, checks.TextOptions{Color: o.useColor(w), ReadFile: os.ReadFile})
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func (o *outputFlags) useColor(w io.Writer) bool {
	switch o.color {
	case "always":
		return true
	case "never":
		return false
	}
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newCheckCmd() *cobra.Command {
	var (
		out        outputFlags
		configPath string
		noBuild    bool
		noProbe    bool
		offline    bool
		builder    string
		progress   string
		bf         buildFlags
	)
	c := &cobra.Command{
		Use:   "check [PATH...]",
		Short: "Check the Dockerfiles and devcontainer.json files under PATH (default .)",
		Long: `check finds every Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*,
Dockerfile-*, Dockerfile_*, .devcontainer.json, .devcontainer/devcontainer.json and
.devcontainer/*/devcontainer.json under each PATH (a folder or a file; a
trailing /... is accepted) and reports Coder compatibility findings. The
devcontainer.json files envbuilder is pointed at are checked too: one at
PATH's top (envbuilder's own second place), one a Coder template of the
repository names in ENVBUILDER_DEVCONTAINER_DIR, and one beside a
Dockerfile in an examples folder. A PATH that is a .devcontainer folder is
checked from the folder that holds it.

When a Docker engine answers (DOCKER_HOST honoured), each Dockerfile is built
in it (nothing from the host but the build context enters the build), the
built image is read and judged by the image rules, and removed; a failing
build is a CR300 finding on the failing line with the end of the log.
--no-build skips building. Builds use the engine's BuildKit when it offers it
(--build-engine picks); --build-memory, --build-cpus and --build-pids limit
each build container, and a limited build uses the classic builder, the one
that applies limits.

A devcontainer.json is built the way its config says: an image is read as it
is; build.dockerfile is built with the Docker builder; a config with features
is built with the Dev Containers CLI (devcontainer build, from
@devcontainers/cli) when it is installed, else without its features (a CR300
warning says so); dockerComposeFile builds the named service's Dockerfile or
reads its image, and with features the CLI builds it through Docker Compose
(docker compose or docker-compose must be installed). --builder picks: auto (the CLI for configs with features),
docker (never the CLI) or devcontainer-cli (the CLI for every
devcontainer.json but Compose ones). Text output starts with one line per
target saying how its image was made.

Each built image is then run the way a Coder template starts a workspace:
the entrypoint replaced by sh -c with Coder's agent bootstrap, as the
workspace's user, with no network but a sidecar that serves a stand-in
agent on 127.0.0.1. The bootstrap downloads it with curl, wget or busybox
and starts it; it reports what the real agent would meet (CR4xx rules),
and a line says how it went: "agent bootstrap: downloaded with curl,
started as coder (1000) in 0.9 s". --no-probe (or config probe: off)
skips it.

The base image of each Dockerfile (and a devcontainer's image) is read from
the local Docker engine when it holds it, else from its registry, and the
image rules run on it; --offline skips that.

Config is read from .coderready.yaml or .github/coderready.yaml at each PATH
unless --config names a file.

Exit status: 0 no findings at or above --fail-on, 1 findings at or above it,
2 a usage, config or I/O error.`,
		Example: `  coderready check .
  coderready check ./examples/... --format json
  coderready check . --format sarif -o coderready.sarif --fail-on never`,
		RunE: func(c *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return &exitCodeError{code: exitError, err: err}
			}
			if len(args) == 0 {
				args = []string{"."}
			}
			switch builder {
			case scan.BuildWithAuto, scan.BuildWithDocker, scan.BuildWithDevcontainerCLI:
			default:
				return &exitCodeError{code: exitError, err: fmt.Errorf("--builder %q: want auto, docker or devcontainer-cli", builder)}
			}
			settings, err := bf.parse()
			if err != nil {
				return &exitCodeError{code: exitError, err: err}
			}
			pp, err := newProgress(progress, c.ErrOrStderr())
			if err != nil {
				return &exitCodeError{code: exitError, err: err}
			}
			opts := scan.Options{
				ConfigPath: configPath, NoBuild: noBuild, NoProbe: noProbe, Offline: offline,
				CacheDir: filepath.Join(dataDir(), "image-cache"),
				Build:    settings, BuildWith: builder,
			}

			merged := &checks.Result{}
			var builds []scan.TargetReport
			for i, arg := range args {
				arg = strings.TrimSuffix(strings.TrimSuffix(arg, "/..."), "...")
				if arg == "" {
					arg = "."
				}
				if pp != nil {
					opts.Progress = pp.under(arg)
				}
				rep, err := scan.Run(c.Context(), arg, opts)
				if err != nil {
					return &exitCodeError{code: exitError, err: err}
				}
				if i == 0 {
					merged.Root = rep.Result.Root
				}
				merged.Targets = append(merged.Targets, rep.Result.Targets...)
				builds = append(builds, rep.Targets...)
			}
			out.textHeader = buildLines(builds)
			return out.write(c.OutOrStdout(), merged)
		},
	}
	out.register(c)
	c.Flags().StringVarP(&configPath, "config", "c", "", "config file (default: .coderready.yaml or .github/coderready.yaml at PATH)")
	c.Flags().BoolVar(&noBuild, "no-build", false, "never build images; run static checks (and base-image checks) only")
	c.Flags().BoolVar(&noProbe, "no-probe", false, "do not run built images to prove the Coder agent starts (the agent bootstrap probe; config probe: off)")
	c.Flags().StringVar(&builder, "builder", envOr("CODERREADY_BUILDER", scan.BuildWithAuto), "how devcontainer.json files are built: auto (the Dev Containers CLI for configs with features, when installed), docker, or devcontainer-cli (env CODERREADY_BUILDER)")
	bf.register(c.Flags())
	c.Flags().StringVar(&progress, "progress", "auto", "progress lines on standard error while images are read and built: auto (on a terminal), plain or none")
	c.Flags().BoolVar(&offline, "offline", os.Getenv("CODERREADY_OFFLINE") == "true", "never contact a registry or a Docker engine (base images are then judged from their names; default from CODERREADY_OFFLINE=true)")
	return c
}

// buildLines says, one line per target, how its image was made; when no
// target was built for the same reason, one line says so.
func buildLines(ts []scan.TargetReport) string {
	if len(ts) == 0 {
		return ""
	}
	same := ts[0].Build != nil && ts[0].Build.Path == scan.BuildPathNone
	for _, t := range ts {
		if t.Build == nil || t.Build.Path != scan.BuildPathNone || t.Build.Skipped != ts[0].Build.Skipped {
			same = false
		}
	}
	if same {
		if len(ts) == 1 {
			return fmt.Sprintf("%s: %s\n\n", ts[0].Path, ts[0].Build)
		}
		return fmt.Sprintf("%d targets %s\n\n", len(ts), ts[0].Build)
	}
	var b strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&b, "%s: %s\n", t.Path, t.Build)
	}
	b.WriteString("\n")
	return b.String()
}

// envOr returns the environment variable's value, or def when it is unset.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
