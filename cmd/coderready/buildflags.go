package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/coderready/coderready/build"
)

// buildFlags are how builds run: network, engine, resource limits and time
// limit, shared by check and serve and read by build.ParseSettings.
type buildFlags struct {
	network, engine, memory, cpus, pids string
	timeout                             time.Duration
}

// register adds --build-network, --build-engine, --build-memory,
// --build-cpus, --build-pids and --build-timeout, defaulting to their
// CODERREADY_BUILD_* variables.
func (b *buildFlags) register(f *pflag.FlagSet) {
	f.StringVar(&b.network, "build-network", envOr("CODERREADY_BUILD_NETWORK", build.NetworkDefault), "network of builds: default (the engine's), none or host (env CODERREADY_BUILD_NETWORK)")
	f.StringVar(&b.engine, "build-engine", envOr("CODERREADY_BUILD_ENGINE", ""), "engine of Docker builds: auto (BuildKit when the engine offers it), buildkit or classic (env CODERREADY_BUILD_ENGINE, else DOCKER_BUILDKIT)")
	f.StringVar(&b.memory, "build-memory", envOr("CODERREADY_BUILD_MEMORY", ""), "memory limit of each build container, e.g. 4g (env CODERREADY_BUILD_MEMORY; limits build with the classic builder)")
	f.StringVar(&b.cpus, "build-cpus", envOr("CODERREADY_BUILD_CPUS", ""), "CPU limit of each build container, e.g. 2 (env CODERREADY_BUILD_CPUS)")
	f.StringVar(&b.pids, "build-pids", envOr("CODERREADY_BUILD_PIDS", ""), "process limit of each build container, e.g. 1024 (env CODERREADY_BUILD_PIDS)")
	f.DurationVar(&b.timeout, "build-timeout", 30*time.Minute, "time limit of each build; a build over it is a finding")
}

// parse reads the flags once, with build.ParseSettings.
func (b *buildFlags) parse() (build.Settings, error) {
	s, err := build.ParseSettings(b.network, b.engine, b.memory, b.cpus, b.pids, b.timeout)
	if err != nil {
		return s, fmt.Errorf("--build-network/--build-engine/--build-memory/--build-cpus/--build-pids/--build-timeout: %w", err)
	}
	return s, nil
}
