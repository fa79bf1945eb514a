package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/coderready/coderready/build"
)

// buildFlags are the Docker builder's engine and resource limits, shared by
// check and serve.
type buildFlags struct {
	engine, memory, cpus, pids string
}

// register adds --build-engine, --build-memory, --build-cpus and
// --build-pids, defaulting to their CODERREADY_BUILD_* variables.
func (b *buildFlags) register(f *pflag.FlagSet) {
	f.StringVar(&b.engine, "build-engine", envOr("CODERREADY_BUILD_ENGINE", ""), "engine of Docker builds: auto (BuildKit when the engine offers it), buildkit or classic (env CODERREADY_BUILD_ENGINE, else DOCKER_BUILDKIT)")
	f.StringVar(&b.memory, "build-memory", envOr("CODERREADY_BUILD_MEMORY", ""), "memory limit of each build container, e.g. 4g (env CODERREADY_BUILD_MEMORY; limits build with the classic builder)")
	f.StringVar(&b.cpus, "build-cpus", envOr("CODERREADY_BUILD_CPUS", ""), "CPU limit of each build container, e.g. 2 (env CODERREADY_BUILD_CPUS)")
	f.StringVar(&b.pids, "build-pids", envOr("CODERREADY_BUILD_PIDS", ""), "process limit of each build container, e.g. 1024 (env CODERREADY_BUILD_PIDS)")
}

// parse checks the values: the engine ("" reads DOCKER_BUILDKIT) and the
// limits.
func (b *buildFlags) parse() (string, build.Limits, error) {
	engine := b.engine
	if engine == "" {
		engine = build.EngineFromEnv()
	}
	engine, err := build.ParseEngine(engine)
	if err != nil {
		return "", build.Limits{}, fmt.Errorf("--build-engine: %w", err)
	}
	lim, err := build.ParseLimits(b.memory, b.cpus, b.pids)
	if err != nil {
		return "", build.Limits{}, fmt.Errorf("--build-memory/--build-cpus/--build-pids: %w", err)
	}
	if engine == build.EngineBuildKit && !lim.IsZero() {
		return "", build.Limits{}, fmt.Errorf("--build-engine buildkit with %s: BuildKit through the Engine API applies no limits; use --build-engine classic or auto", lim)
	}
	return engine, lim, nil
}
