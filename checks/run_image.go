package checks

import (
	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/image"
	"github.com/coderready/coderready/probe"
)

// ImageInput is what image rules judge: the facts read from a built or
// referenced image, and, when the image comes from a known Dockerfile, that
// Dockerfile so findings can point at the line to change.
type ImageInput struct {
	Facts  *image.Facts
	Config *Config
	// Ref is how the user named the image (a reference, or the Dockerfile's
	// base) and is the finding path when there is no Dockerfile.
	Ref string
	// Dockerfile the image was built from, or whose final stage's base the
	// image is; nil for `coderready inspect IMAGE`.
	Dockerfile *dockerfile.File
	// Target is the Dockerfile stage built ("" for the last).
	Target string
	// BaseOnly is set when Facts are of the Dockerfile's base image rather
	// than the built image: rules then only report what the Dockerfile does
	// not already change.
	BaseOnly bool
	// DevcontainerBuild is set for an image built for a Dev Container, which
	// turns on the native integration's rules (CR325).
	DevcontainerBuild bool
	// Probe is what the agent bootstrap probe saw when the image ran (nil
	// when it was not run): the runtime rules (CR4xx) judge it.
	Probe *probe.Result
}

// CheckImage runs every enabled image rule.
func CheckImage(in *ImageInput) []Finding {
	if in.Config == nil {
		in.Config = DefaultConfig()
	}
	var out []Finding
	for _, r := range Rules() {
		if r.Image == nil || !in.Config.Enabled(r) {
			continue
		}
		out = append(out, r.finish(in.Config, r.Image(in))...)
	}
	if in.Dockerfile != nil {
		out = filterIgnored(in.Dockerfile, out)
	}
	SortFindings(out)
	return out
}
