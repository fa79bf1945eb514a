package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/moby/moby/client"
	"github.com/spf13/cobra"

	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/image"
	"github.com/coderready/coderready/probe"
)

// dataDir is where coderready keeps caches: $CODERREADY_DATA_DIR, else the
// user's cache directory.
func dataDir() string {
	if d := os.Getenv("CODERREADY_DATA_DIR"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "coderready")
	}
	return filepath.Join(os.TempDir(), "coderready")
}

func newInspectCmd() *cobra.Command {
	var (
		out        outputFlags
		platform   string
		configPath string
		noCache    bool
		insecure   bool
		offline    bool
		readRoute  string
		recvAddr   string
		runProbe   bool
		probeUser  string
	)
	c := &cobra.Command{
		Use:   "inspect IMAGE",
		Short: "Read an image and check it for Coder",
		Long: `inspect reads an image's configuration and filesystem (without running it)
and prints what Coder cares about — OS, libc, user, the agent's download tool,
git, shells, CA certificates, size by layer — and the image rules' findings.

IMAGE is named with skopeo's transport prefixes:
  REF or docker://REF     a registry image (credentials from the Docker config)
  docker-daemon:REF       an image in the local Docker engine (DOCKER_HOST)
  docker-archive:PATH     a 'docker save' tarball
  oci:DIR[:REF]           an OCI image layout folder

Layer indexes are cached in $CODERREADY_DATA_DIR (default: the user cache
folder), so images sharing base layers read only their own layers. For a
docker-daemon: image, only those layers cross from the engine when it can
push to coderready's receiving registry (--read-route, --receive-addr);
otherwise the image is exported whole (docker save).

--probe runs a docker-daemon: image too: the agent bootstrap probe starts it
as a Coder template starts a workspace, contained (no network but a
sidecar serving a stand-in agent on 127.0.0.1, time, memory, CPU and pids
limits, removed afterwards), and reports whether the agent downloads and
starts (CR4xx).`,
		Example: `  coderready inspect docker-daemon:myorg/workspace:latest
  coderready inspect docker-daemon:myorg/workspace:latest --probe
  coderready inspect docker-archive:workspace.tar --format json
  coderready inspect ghcr.io/myorg/golden:2024.06 --platform linux/arm64`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return &exitCodeError{code: exitError, err: err}
			}
			cfg := checks.DefaultConfig()
			if configPath != "" {
				var err error
				if cfg, err = checks.LoadConfig(configPath); err != nil {
					return &exitCodeError{code: exitError, err: err}
				}
			}
			ref, err := image.ParseReference(args[0])
			if err != nil {
				return &exitCodeError{code: exitError, err: err}
			}
			if offline && (ref.Transport == image.TransportRegistry || ref.Transport == image.TransportDaemon) {
				return &exitCodeError{code: exitError, err: fmt.Errorf("--offline: %s needs a registry or a Docker engine", args[0])}
			}
			opts := image.Options{Platform: platform, Insecure: insecure, ReadRoute: readRoute, ReceiveAddr: recvAddr}
			if !noCache {
				opts.CacheDir = filepath.Join(dataDir(), "image-cache")
			}
			facts, err := image.Inspect(c.Context(), args[0], opts)
			if err != nil {
				return &exitCodeError{code: exitError, err: fmt.Errorf("inspect %s: %w", args[0], err)}
			}
			var pr *probe.Result
			if runProbe {
				if pr, err = probeImage(c.Context(), ref, facts, cmp.Or(probeUser, cfg.Probe.User)); err != nil {
					return &exitCodeError{code: exitError, err: fmt.Errorf("--probe: %w", err)}
				}
			}
			res := &checks.Result{Root: args[0], Targets: []checks.TargetResult{{
				Path:     args[0],
				Kind:     checks.KindImage,
				Image:    checks.SummarizeImage(args[0], facts),
				Findings: checks.CheckImage(&checks.ImageInput{Facts: facts, Config: cfg, Ref: args[0], Probe: pr}),
				Probe:    pr,
			}}}
			return out.write(c.OutOrStdout(), res)
		},
	}
	out.register(c)
	c.Flags().StringVar(&platform, "platform", "", "platform to pick from a multi-platform image (default linux/amd64)")
	c.Flags().StringVarP(&configPath, "config", "c", "", "config file (required tools, org CAs, size budget)")
	c.Flags().BoolVar(&noCache, "no-cache", false, "do not use or fill the layer cache")
	c.Flags().BoolVar(&insecure, "insecure", false, "allow plain HTTP and unverified TLS to the registry")
	c.Flags().BoolVar(&offline, "offline", false, "refuse sources that need a registry or a Docker engine")
	c.Flags().BoolVar(&runProbe, "probe", false, "also run the image (docker-daemon: only) the way a Coder template does, to prove the agent bootstrap downloads and starts the agent (CR4xx)")
	c.Flags().StringVar(&probeUser, "probe-user", "", "user the probe runs the bootstrap as (default config probe.user, else the image's USER)")
	c.Flags().StringVar(&readRoute, "read-route", "", "how a docker-daemon: image crosses from the engine: auto, push (only layers the cache lacks) or save (default auto, or $"+image.EnvReadRoute+")")
	c.Flags().StringVar(&recvAddr, "receive-addr", "", "host:port the engine pushes to for --read-route push, reachable from the engine (default $"+image.EnvReceiveAddr+", else "+image.DefaultReceiveAddr+" for a local engine)")
	return c
}

// probeImage runs the agent bootstrap probe in a docker-daemon: image, on
// the engine that holds it.
func probeImage(ctx context.Context, ref image.Reference, facts *image.Facts, user string) (*probe.Result, error) {
	if ref.Transport != image.TransportDaemon {
		return nil, fmt.Errorf("only a docker-daemon: image can be run (got a %s image)", ref.Transport)
	}
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("docker engine: %w", err)
	}
	defer func() { _ = cli.Close() }()
	cache := filepath.Join(dataDir(), "image-cache")
	// Left by a killed run: older than any probe could take.
	_, _ = probe.Sweep(ctx, cli, 10*time.Minute)
	e := &probe.Engine{Client: cli, Agents: probe.DefaultAgents(cache)}
	return e.Probe(ctx, ref.Name, facts.Platform.Architecture, user)
}
