package checks

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
	// Build says how the image was made, when the scan built or tried to
	// (nil for a static check).
	Build *BuildRecord `json:"build,omitempty"`
}

// BuildRecord is how a target's image was made.
type BuildRecord struct {
	// Path is "docker", "devcontainer-cli", "compose", "image" (read as it
	// is) or "none".
	Path string `json:"path"`
	// Engine is the Docker builder's engine on the docker and compose
	// paths: "buildkit" or "classic".
	Engine string `json:"engine,omitempty"`
	// Ref is the image that was read.
	Ref string `json:"ref,omitempty"`
	// Seconds is the build's time.
	Seconds float64 `json:"seconds,omitempty"`
	// Failed is set when the build ran and failed.
	Failed bool `json:"failed,omitempty"`
	// Skipped says why nothing was built.
	Skipped string `json:"skipped,omitempty"`
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
