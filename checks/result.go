package checks

import (
	"fmt"
	"time"

	"github.com/coderready/coderready/image"
	"github.com/coderready/coderready/probe"
)

// TargetKind says what a checked target is.
type TargetKind string

// Target kinds.
const (
	KindDockerfile   TargetKind = "dockerfile"
	KindDevcontainer TargetKind = "devcontainer"
	KindImage        TargetKind = "image"
)

// TargetResult is the outcome of checking one target: a Dockerfile, a
// devcontainer.json (with the Dockerfile it builds), or an image.
type TargetResult struct {
	// Path is the target's path relative to the scanned root (slash-separated),
	// or the image reference for KindImage.
	Path string     `json:"path"`
	Kind TargetKind `json:"kind"`
	// Dockerfile is the Dockerfile a devcontainer builds, if any.
	Dockerfile string `json:"dockerfile,omitempty"`
	// Findings, sorted; their paths may differ from Path (a devcontainer's
	// findings include its Dockerfile's).
	Findings []Finding `json:"findings"`
	// Image summarises the image that was read for this target (built, or
	// the base when nothing was built); nil when none was read.
	Image *ImageSummary `json:"image,omitempty"`
	// Build says how the image was made, or why it was not (nil when
	// nothing says: an image target, a result made by hand).
	Build *BuildRecord `json:"build,omitempty"`
	// Timings say where the target's time went (nil when not measured).
	Timings *Timings `json:"timings,omitempty"`
	// Probe is what the agent bootstrap probe saw when the built image
	// ran, or why it did not run (nil when nothing was built).
	Probe *probe.Result `json:"probe,omitempty"`
}

// Timings are where a target's check spent its time, in seconds.
type Timings struct {
	// BaseRead is reading base images (the final stage's, a
	// devcontainer's image), from the engine, a registry or the cache.
	BaseRead float64 `json:"base_read"`
	// Build is building the image.
	Build float64 `json:"build"`
	// ImageRead is reading the built image from the engine.
	ImageRead float64 `json:"image_read"`
	// Probe is running the agent bootstrap probe in the built image.
	Probe float64 `json:"probe"`
	// Checks is the rest: reading and parsing the files, the rules.
	Checks float64 `json:"checks"`
	// Total is the target's whole time.
	Total float64 `json:"total"`
}

// BuildRecord is how a target's image was made: the one record of a build
// that the scan fills, the renderers print and the app reports.
type BuildRecord struct {
	// Path is one of the BuildPath* values.
	Path string `json:"path"`
	// Engine is the Docker builder's engine on the docker and compose
	// paths: "buildkit" or "classic".
	Engine string `json:"engine,omitempty"`
	// Ref is the image that was read ("docker-daemon:..." of the build, or
	// the image reference).
	Ref string `json:"ref,omitempty"`
	// Seconds is the build's time.
	Seconds float64 `json:"seconds,omitempty"`
	// Failed is set when the build ran and failed, or its image could not
	// be read (a CR300 finding says why).
	Failed bool `json:"failed,omitempty"`
	// Skipped says why nothing was built.
	Skipped string `json:"skipped,omitempty"`
	// Read says how the built image was read from the engine: the route
	// its layers took (push: only those the cache lacks; save: the whole
	// image), why, and what crossed.
	Read *image.ReadInfo `json:"read,omitempty"`
}

// Build paths a target's image can take (BuildRecord.Path).
const (
	// BuildPathNone: nothing was built or read as the target's own image
	// (Skipped says why).
	BuildPathNone = "none"
	// BuildPathDocker: a Dockerfile built with the Docker builder.
	BuildPathDocker = "docker"
	// BuildPathDevcontainerCLI: a devcontainer.json built with the Dev
	// Containers CLI, features applied.
	BuildPathDevcontainerCLI = "devcontainer-cli"
	// BuildPathCompose: a devcontainer's Docker Compose service built from
	// its Dockerfile with the Docker builder.
	BuildPathCompose = "compose"
	// BuildPathImage: an image read as it is (a devcontainer's `image`, or
	// its Compose service's).
	BuildPathImage = "image"
)

// Duration is the build's time.
func (b *BuildRecord) Duration() time.Duration {
	if b == nil {
		return 0
	}
	return time.Duration(b.Seconds * float64(time.Second))
}

// Built reports whether an image was built or read as the target's own
// (not only its base).
func (b *BuildRecord) Built() bool {
	return b != nil && b.Path != "" && b.Path != BuildPathNone
}

// String says in a few words how the image was made, e.g. "built with the
// Dev Containers CLI in 41.2s" or "not built: builds are off".
func (b *BuildRecord) String() string {
	if b == nil {
		return "not built"
	}
	d := b.Duration().Round(100 * time.Millisecond)
	with := ""
	switch b.Engine {
	case "buildkit":
		with = " (BuildKit)"
	case "classic":
		with = " (classic builder)"
	}
	if b.Failed {
		switch b.Path {
		case BuildPathDevcontainerCLI:
			return fmt.Sprintf("the Dev Containers CLI build failed after %s", d)
		case BuildPathCompose:
			return fmt.Sprintf("the Docker Compose service's build%s failed after %s", with, d)
		}
		return fmt.Sprintf("the Docker build%s failed after %s", with, d)
	}
	switch b.Path {
	case BuildPathDocker:
		return fmt.Sprintf("built with the Docker builder%s in %s", with, d)
	case BuildPathDevcontainerCLI:
		return fmt.Sprintf("built with the Dev Containers CLI in %s", d)
	case BuildPathCompose:
		return fmt.Sprintf("built from its Docker Compose service%s in %s", with, d)
	case BuildPathImage:
		return "not built: the image " + b.Ref + " was read as it is"
	}
	if b.Skipped != "" {
		return "not built: " + b.Skipped
	}
	return "not built"
}

// Result is what the renderers print: every target checked under a root.
type Result struct {
	// Root is the scanned directory as the user named it.
	Root    string         `json:"root"`
	Targets []TargetResult `json:"targets"`
}

// Findings returns every finding of every target, sorted.
func (r *Result) Findings() []Finding {
	var out []Finding
	for _, t := range r.Targets {
		out = append(out, t.Findings...)
	}
	SortFindings(out)
	return out
}
