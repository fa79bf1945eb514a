package build

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// Settings are how every build of a scan or a server runs: its network,
// engine, resource limits and time limit. ParseSettings reads and checks
// them once, wherever they come from (check's flags, serve's flags or its
// environment); everything after takes them as they are.
type Settings struct {
	// Network is NetworkDefault, NetworkNone or NetworkHost.
	Network string
	// Engine is the Docker builder's engine: EngineAuto, EngineBuildKit
	// or EngineClassic.
	Engine string
	// Limits are each build container's memory, CPU and pids limits.
	Limits Limits
	// Timeout bounds each build (0: DefaultTimeout).
	Timeout time.Duration
}

// ParseSettings reads build settings as flags and environment variables
// give them: the network ("" is NetworkDefault), the engine ("" reads
// DOCKER_BUILDKIT as the docker CLI does), the limits (see ParseLimits)
// and the time limit. BuildKit through the Engine API applies no limits,
// so EngineBuildKit with limits is refused: an untrusted build never runs
// without the limits its operator set.
func ParseSettings(network, engine, memory, cpus, pids string, timeout time.Duration) (Settings, error) {
	var s Settings
	switch network = strings.TrimSpace(network); network {
	case "", NetworkDefault:
		s.Network = NetworkDefault
	case NetworkNone, NetworkHost:
		s.Network = network
	default:
		return s, fmt.Errorf("build network %q: want %s, %s or %s", network, NetworkDefault, NetworkNone, NetworkHost)
	}
	if engine = strings.TrimSpace(engine); engine == "" {
		engine = EngineFromEnv()
	}
	e, err := ParseEngine(engine)
	if err != nil {
		return s, err
	}
	s.Engine = e
	if s.Limits, err = ParseLimits(memory, cpus, pids); err != nil {
		return s, err
	}
	if s.Engine == EngineBuildKit && !s.Limits.IsZero() {
		return s, fmt.Errorf("build engine %s with %s: BuildKit through the Engine API applies no limits; use %s or %s", EngineBuildKit, s.Limits, EngineClassic, EngineAuto)
	}
	if timeout < 0 {
		return s, fmt.Errorf("build timeout %s: want a positive duration", timeout)
	}
	s.Timeout = timeout
	return s, nil
}

// Apply sets the network, limits and time limit on spec.
func (s Settings) Apply(spec *Spec) {
	spec.Network, spec.Timeout = s.Network, s.Timeout
	s.Limits.Apply(spec)
}

// Ping reports whether the engine answers (its client must be able to
// ping: *client.Client can).
func (d *Docker) Ping(ctx context.Context) error {
	p, ok := d.Client.(interface {
		Ping(ctx context.Context, options client.PingOptions) (client.PingResult, error)
	})
	if !ok {
		return fmt.Errorf("docker engine: the client %T cannot ping", d.Client)
	}
	if _, err := p.Ping(ctx, client.PingOptions{}); err != nil {
		return fmt.Errorf("docker engine: %w", err)
	}
	return nil
}

// Connect returns a Docker builder on the engine the environment names
// (DOCKER_HOST, ...) with the given engine (EngineAuto, EngineBuildKit or
// EngineClassic; "" reads DOCKER_BUILDKIT), once the engine answered a
// ping within wait. Close releases it.
func Connect(ctx context.Context, engine string, wait time.Duration) (*Docker, error) {
	d, err := NewDocker()
	if err != nil {
		return nil, err
	}
	if engine != "" {
		if d.Engine, err = ParseEngine(engine); err != nil {
			_ = d.Close()
			return nil, err
		}
	}
	pctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := d.Ping(pctx); err != nil {
		_ = d.Close()
		return nil, err
	}
	return d, nil
}
