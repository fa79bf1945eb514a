package image

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// DefaultPlatform is the platform picked from a multi-platform index when
// Options.Platform is empty.
const DefaultPlatform = "linux/amd64"

// Platform is an image's operating system and CPU architecture.
type Platform struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	Variant      string `json:"variant,omitempty"`
	OSVersion    string `json:"osVersion,omitempty"`
}

// String formats the platform as os/arch[/variant].
func (p Platform) String() string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// ParsePlatform parses os/arch[/variant]; an empty string is DefaultPlatform.
func ParsePlatform(s string) (Platform, error) {
	if s == "" {
		s = DefaultPlatform
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return Platform{}, fmt.Errorf("platform %q: want os/arch[/variant]", s)
	}
	p := Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

func platformFromV1(p *v1.Platform) Platform {
	if p == nil {
		return Platform{}
	}
	return Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant, OSVersion: p.OSVersion}
}

func platformFromConfig(c *v1.ConfigFile) Platform {
	if c == nil {
		return Platform{}
	}
	return Platform{OS: c.OS, Architecture: c.Architecture, Variant: c.Variant, OSVersion: c.OSVersion}
}

// matches reports whether an offered platform satisfies the wanted one. A
// wanted platform without a variant takes any variant; arm64's variant v8 is
// its default and matches an empty one.
func (want Platform) matches(got Platform) bool {
	if want.OS != got.OS || want.Architecture != got.Architecture {
		return false
	}
	if want.Variant == "" {
		return true
	}
	norm := func(p Platform) string {
		if p.Architecture == "arm64" && p.Variant == "" {
			return "v8"
		}
		return p.Variant
	}
	return norm(want) == norm(got)
}

// PlatformError is returned when a multi-platform index has no image for
// the wanted platform.
type PlatformError struct {
	Want    Platform
	Offered []Platform
}

// Error lists what the index offers.
func (e *PlatformError) Error() string {
	offered := make([]string, len(e.Offered))
	for i, p := range e.Offered {
		offered[i] = p.String()
	}
	return fmt.Sprintf("no image for platform %s in the index (it offers %s)", e.Want, strings.Join(offered, ", "))
}

// isAttestation reports whether an index entry is a BuildKit attestation
// manifest rather than a runnable image.
func isAttestation(d v1.Descriptor) bool {
	if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
		return true
	}
	return d.Platform != nil && d.Platform.OS == "unknown" && d.Platform.Architecture == "unknown"
}

// pickPlatform chooses the wanted platform's image among an index's
// manifests and lists every platform offered (attestations left out).
func pickPlatform(manifests []v1.Descriptor, want Platform) (v1.Descriptor, []Platform, error) {
	var offered []Platform
	var candidates []v1.Descriptor
	for _, d := range manifests {
		if isAttestation(d) {
			continue
		}
		p := platformFromV1(d.Platform)
		offered = append(offered, p)
		if d.Platform != nil && want.matches(p) {
			candidates = append(candidates, d)
		}
	}
	if len(candidates) == 0 {
		return v1.Descriptor{}, offered, &PlatformError{Want: want, Offered: offered}
	}
	// Without a wanted variant, prefer the entry without one (or arm64/v8).
	best := candidates[0]
	if want.Variant == "" {
		for _, d := range candidates {
			if d.Platform.Variant == "" {
				best = d
				break
			}
		}
	}
	return best, offered, nil
}
