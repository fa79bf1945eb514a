// Package build builds workspace images from source so that the image
// package can read what a pull request would really produce. A Builder
// turns a Spec (context directory, Dockerfile, target, build arguments,
// platform, network and resource limits) into an image reference readable as
// `docker-daemon:REF`; a build that fails is a *Failure that points at the
// Dockerfile line of the failing instruction.
package build

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	units "github.com/docker/go-units"
)

// Defaults applied when a Spec leaves a limit at zero.
const (
	// DefaultTimeout bounds a whole build.
	DefaultTimeout = 30 * time.Minute
	// DefaultMaxContextBytes bounds the bytes of file content sent as the
	// build context (after .dockerignore).
	DefaultMaxContextBytes int64 = 1 << 30
	// DefaultMaxLogBytes bounds the build log kept in a Result or Failure;
	// the newest bytes are kept.
	DefaultMaxLogBytes int64 = 4 << 20
	// logTailLines is how many of the log's last lines a Failure carries.
	logTailLines = 30
)

// Network modes a Spec may ask for.
const (
	// NetworkDefault is the engine's default build network.
	NetworkDefault = "default"
	// NetworkNone gives RUN instructions no network at all.
	NetworkNone = "none"
	// NetworkHost runs RUN instructions in the host's network namespace
	// (needed on engines without a bridge network; weak isolation).
	NetworkHost = "host"
)

// Spec describes one build.
type Spec struct {
	// Root is the folder the build may read from (the scanned repository):
	// the context folder, the Dockerfile and the ignore file are opened
	// beneath it, so none can be a link out of it. "" means the context
	// folder itself.
	Root string
	// ContextDir is the build context directory on this machine.
	ContextDir string
	// Dockerfile is the Dockerfile's path, relative to ContextDir or absolute
	// inside it; "" means "Dockerfile".
	Dockerfile string
	// Target is the stage to build ("" for the last one).
	Target string
	// Args are the build arguments (--build-arg).
	Args map[string]string
	// Platform is the platform to build for, "os/arch[/variant]" ("" for the
	// engine's own).
	Platform string
	// Network is the network RUN instructions get: "default" (or ""),
	// "none" or "host".
	Network string
	// Timeout bounds the build (DefaultTimeout when zero). A build that runs
	// out of time is a *Failure with Timeout set.
	Timeout time.Duration
	// MaxContextBytes bounds the context's file content
	// (DefaultMaxContextBytes when zero); a larger context is refused
	// before anything is sent.
	MaxContextBytes int64
	// MaxLogBytes bounds the kept log (DefaultMaxLogBytes when zero).
	MaxLogBytes int64
	// Memory is the memory limit of each build container in bytes (0: none).
	// Memory, NanoCPUs and PidsLimit are applied by the engine's classic
	// builder only: the Docker builder on EngineAuto uses it for a Spec
	// that sets any of them, and refuses them on EngineBuildKit.
	Memory int64
	// NanoCPUs is the CPU limit of each build container in billionths of a
	// CPU (0: none).
	NanoCPUs int64
	// PidsLimit bounds the processes of each build container (0: none). The
	// Docker Engine build API has no pids limit; the Docker builder applies
	// it as an `nproc` ulimit, which does not bind processes running as root.
	PidsLimit int64
	// Tag names the built image; "" picks a unique
	// coderready-build/<random>:latest.
	Tag string
}

// Result is a successful build.
type Result struct {
	// Ref is the built image's reference, readable by the image package as
	// "docker-daemon:"+Ref.
	Ref string
	// ImageID is the image's ID ("sha256:...").
	ImageID string
	// Engine is how it was built: EngineBuildKit or EngineClassic for the
	// Docker builder ("" for other builders).
	Engine string
	// Log is the build output, capped at the Spec's MaxLogBytes (newest
	// bytes kept).
	Log []byte
	// Duration is how long the build took.
	Duration time.Duration
}

// Builder builds images and removes them afterwards.
type Builder interface {
	// Build runs one build. It returns a *Failure when the build itself
	// fails (a failing instruction, a timeout), and another error when the
	// build could not be run (bad spec, context too large, engine errors).
	Build(ctx context.Context, spec Spec) (*Result, error)
	// Remove deletes a built image.
	Remove(ctx context.Context, ref string) error
}

// Failure is a build that ran and failed: an instruction failed, the
// Dockerfile was rejected by the builder, or the time ran out. Callers turn it
// into a finding on Line.
type Failure struct {
	// Step is the builder's step header of the failing instruction, e.g.
	// "Step 3/7 : RUN make" ("" when the build failed before any step).
	Step string
	// Line is the Dockerfile line of the failing instruction (0 if unknown):
	// for a Dev Container, of the Dockerfile its config builds.
	Line int
	// Feature is the Dev Container feature (as the config references it)
	// that could not be fetched or installed ("" for none).
	Feature string
	// Message is the builder's error message.
	Message string
	// LogTail holds the last lines of the build log.
	LogTail string
	// Timeout is set when the build was stopped for running out of time.
	Timeout bool
	// Engine is how it was built: EngineBuildKit or EngineClassic for the
	// Docker builder ("" for other builders).
	Engine string
}

// Error describes the failure in one line.
func (f *Failure) Error() string {
	var b strings.Builder
	b.WriteString("build failed")
	if f.Timeout {
		b.WriteString(": timed out")
	}
	if f.Step != "" {
		fmt.Fprintf(&b, " at %q", f.Step)
	}
	if f.Line > 0 {
		fmt.Fprintf(&b, " (Dockerfile line %d)", f.Line)
	}
	if f.Message != "" {
		b.WriteString(": ")
		b.WriteString(f.Message)
	}
	return b.String()
}

// Limits are the resource limits of each build container; zero fields
// are no limit. The Docker builder applies them with the engine's classic
// builder (see Spec.Memory).
type Limits struct {
	// Memory is in bytes (swap is not allowed beyond it).
	Memory int64 `json:"memory,omitempty"`
	// NanoCPUs is in billionths of a CPU.
	NanoCPUs int64 `json:"nano_cpus,omitempty"`
	// Pids bounds the processes (an nproc ulimit).
	Pids int64 `json:"pids,omitempty"`
}

// ParseLimits reads limits as flags give them: memory as docker does
// ("512m", "2g", a plain number of bytes), CPUs as a decimal ("1.5"),
// processes as an integer; "" or "0" is no limit.
func ParseLimits(memory, cpus, pids string) (Limits, error) {
	var l Limits
	if memory = strings.TrimSpace(memory); memory != "" && memory != "0" {
		n, err := units.RAMInBytes(memory)
		if err != nil || n < 6<<20 {
			return l, fmt.Errorf("build memory %q: want a size of at least 6m, e.g. 512m or 4g", memory)
		}
		l.Memory = n
	}
	if cpus = strings.TrimSpace(cpus); cpus != "" && cpus != "0" {
		f, err := strconv.ParseFloat(cpus, 64)
		if err != nil || f < 0.01 || f > 1024 || math.IsNaN(f) {
			return l, fmt.Errorf("build CPUs %q: want a number of CPUs such as 0.5 or 2", cpus)
		}
		l.NanoCPUs = int64(math.Round(f * 1e9))
	}
	if pids = strings.TrimSpace(pids); pids != "" && pids != "0" {
		n, err := strconv.ParseInt(pids, 10, 64)
		if err != nil || n < 8 {
			return l, fmt.Errorf("build pids %q: want a number of processes of at least 8", pids)
		}
		l.Pids = n
	}
	return l, nil
}

// IsZero reports whether no limit is set.
func (l Limits) IsZero() bool { return l == Limits{} }

// String lists the limits set, e.g. "memory 2GiB, 1.5 CPUs, 512
// processes" ("no limits" for none).
func (l Limits) String() string {
	var parts []string
	if l.Memory > 0 {
		parts = append(parts, "memory "+units.BytesSize(float64(l.Memory)))
	}
	if l.NanoCPUs > 0 {
		parts = append(parts, strconv.FormatFloat(float64(l.NanoCPUs)/1e9, 'f', -1, 64)+" CPUs")
	}
	if l.Pids > 0 {
		parts = append(parts, strconv.FormatInt(l.Pids, 10)+" processes")
	}
	if len(parts) == 0 {
		return "no limits"
	}
	return strings.Join(parts, ", ")
}

// Apply sets the limits on spec.
func (l Limits) Apply(spec *Spec) {
	spec.Memory, spec.NanoCPUs, spec.PidsLimit = l.Memory, l.NanoCPUs, l.Pids
}

// newTag picks a unique name for a built image:
// coderready-build/<random>:latest.
func newTag() (string, error) {
	h, err := randomHex(8)
	if err != nil {
		return "", fmt.Errorf("build tag: %w", err)
	}
	return "coderready-build/" + h + ":latest", nil
}

// randomHex returns n random bytes in hex.
func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// withDefaults fills the zero limits.
func (s Spec) withDefaults() Spec {
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	if s.MaxContextBytes <= 0 {
		s.MaxContextBytes = DefaultMaxContextBytes
	}
	if s.MaxLogBytes <= 0 {
		s.MaxLogBytes = DefaultMaxLogBytes
	}
	if s.Dockerfile == "" {
		s.Dockerfile = "Dockerfile"
	}
	if s.Network == "" {
		s.Network = NetworkDefault
	}
	return s
}
