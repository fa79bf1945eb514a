package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/image"
)

func newDiffCmd() *cobra.Command {
	var (
		format, platform, configPath string
		noCache, insecure            bool
	)
	c := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Compare two images: size, layers, tools, user and CA certificates",
		Long: `diff reads two images (any source inspect accepts) and prints what changed
between them that matters to Coder: size and layers, the agent's download tool,
shells, git and the tools config requires or recommends, the user, the CA
certificates, and the platform, OS and libc.`,
		Example: `  coderready diff docker-daemon:ws:main docker-daemon:ws:pr-42
  coderready diff docker-archive:old.tar docker-archive:new.tar --format json`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return &exitCodeError{code: exitError, err: fmt.Errorf("--format %q: want text or json", format)}
			}
			cfg := checks.DefaultConfig()
			if configPath != "" {
				var err error
				if cfg, err = checks.LoadConfig(configPath); err != nil {
					return &exitCodeError{code: exitError, err: err}
				}
			}
			opts := image.Options{Platform: platform, Insecure: insecure}
			if !noCache {
				opts.CacheDir = filepath.Join(dataDir(), "image-cache")
			}
			facts := make([]*image.Facts, 2)
			g, ctx := errgroup.WithContext(c.Context())
			for i, ref := range args {
				g.Go(func() error {
					f, err := image.Inspect(ctx, ref, opts)
					if err != nil {
						return fmt.Errorf("read %s: %w", ref, err)
					}
					facts[i] = f
					return nil
				})
			}
			if err := g.Wait(); err != nil {
				return &exitCodeError{code: exitError, err: err}
			}
			d := checks.DiffImages(args[0], facts[0], args[1], facts[1], cfg)
			render := checks.RenderDiffText
			if format == "json" {
				render = checks.RenderDiffJSON
			}
			if err := render(c.OutOrStdout(), d); err != nil {
				return &exitCodeError{code: exitError, err: err}
			}
			return nil
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	c.Flags().StringVar(&platform, "platform", "", "platform to pick from multi-platform images (default linux/amd64)")
	c.Flags().StringVarP(&configPath, "config", "c", "", "config file (its required and recommended tools are compared too)")
	c.Flags().BoolVar(&noCache, "no-cache", false, "do not use or fill the layer cache")
	c.Flags().BoolVar(&insecure, "insecure", false, "allow plain HTTP and unverified TLS to registries")
	return c
}
