package devcontainer

import (
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ComposeBuildFile names a Dockerfile a Compose file's service builds, and
// the platform it builds it for, as a repository's own Compose files
// (outside any dev container) say.
type ComposeBuildFile struct {
	// Dockerfile is the Dockerfile's path, slash-separated, relative to
	// the folder the Compose file's paths are relative to joined with
	// dir (ComposeBuildFiles' argument).
	Dockerfile string
	// Context is the build context's folder, the same way.
	Context string
	// Platform is the service's `platform` ("" when unset or when it is a
	// variable the project's `.env` does not give).
	Platform string
	// Image is the service's `image`, the name Compose tags the built
	// image with ("" when unset or still holding a variable).
	Image string
	// Args are the service's `build.args` (a mapping or a list), with the
	// project's `.env` interpolated; nil when none.
	Args map[string]string
	// Target is the service's `build.target`, the stage the build stops
	// at ("" for the last stage, or when it still holds a variable).
	Target string
	// Service is the service's name.
	Service string
}

// composeFile is the part of a Compose file ComposeBuildFiles reads.
type composeFile struct {
	Services map[string]struct {
		Build    any    `yaml:"build"`
		Platform string `yaml:"platform"`
		Image    string `yaml:"image"`
	} `yaml:"services"`
}

// ComposeBuildFiles reads the services of the Compose file b, whose folder
// is dir, that build a Dockerfile of the repository: `build: ./base` or a
// `build:` mapping's `context` and `dockerfile` (relative to the context),
// with `${VAR}` taken from dotEnv (the project's `.env`, nil when none)
// and the variables' defaults only. Remote contexts, paths that leave the
// repository and paths still holding a variable are left out; a file that
// is not YAML gives nothing.
func ComposeBuildFiles(b []byte, dir string, dotEnv []byte) []ComposeBuildFile {
	var cf composeFile
	if err := yaml.Unmarshal(b, &cf); err != nil || len(cf.Services) == 0 {
		return nil
	}
	env := map[string]string{}
	if dotEnv != nil {
		env = parseDotEnv(dotEnv)
	}
	var out []ComposeBuildFile
	for name, s := range cf.Services {
		ctx, df, target := "", "Dockerfile", ""
		var args map[string]string
		switch v := s.Build.(type) {
		case string:
			ctx = v
		case map[string]any:
			ctx = "."
			if c, ok := v["context"].(string); ok {
				ctx = c
			}
			if d, ok := v["dockerfile"].(string); ok && d != "" {
				df = d
			}
			args, _ = composeArgs(v["args"], env)
			if t, ok := v["target"].(string); ok {
				if target = interpolate(t, env); strings.Contains(target, "$") {
					target = ""
				}
			}
		default:
			continue
		}
		ctx, df = interpolate(ctx, env), interpolate(df, env)
		if strings.Contains(ctx, "://") || strings.HasPrefix(ctx, "git@") || strings.Contains(ctx+df, "$") || path.IsAbs(ctx) || path.IsAbs(df) {
			continue
		}
		p := path.Join(dir, ctx, df)
		if p == ".." || strings.HasPrefix(p, "../") {
			continue
		}
		plat := interpolate(s.Platform, env)
		if strings.Contains(plat, "$") {
			plat = ""
		}
		img := interpolate(s.Image, env)
		if strings.Contains(img, "$") {
			img = ""
		}
		out = append(out, ComposeBuildFile{Dockerfile: p, Context: path.Join(dir, ctx), Platform: plat, Image: img, Args: args, Target: target, Service: name})
	}
	// Services are a mapping: the order is the Dockerfiles'.
	slices.SortStableFunc(out, func(a, b ComposeBuildFile) int {
		if c := strings.Compare(a.Dockerfile, b.Dockerfile); c != 0 {
			return c
		}
		return strings.Compare(a.Service, b.Service)
	})
	return out
}

// IsComposeFileName reports whether a file name is one Docker Compose
// reads by default or by convention (`compose.yaml`,
// `docker-compose.dev.yml`).
func IsComposeFileName(name string) bool {
	n := strings.ToLower(name)
	if !strings.HasSuffix(n, ".yml") && !strings.HasSuffix(n, ".yaml") {
		return false
	}
	return strings.HasPrefix(n, "compose") || strings.HasPrefix(n, "docker-compose")
}
