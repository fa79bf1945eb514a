package image

import (
	"fmt"
	"strings"
)

// Transport names where an image comes from, spelled as skopeo spells it.
type Transport string

// The transports [Open] reads.
const (
	TransportRegistry Transport = "docker"
	TransportDaemon   Transport = "docker-daemon"
	TransportArchive  Transport = "docker-archive"
	TransportLayout   Transport = "oci"
)

// Reference is a parsed image reference: a transport and where to find the
// image in it.
type Reference struct {
	Transport Transport
	// Name is the registry or daemon reference (docker, docker-daemon).
	Name string
	// Path is the tarball or layout directory (docker-archive, oci).
	Path string
	// Tag selects one image of a multi-image tarball (a RepoTag) or layout
	// (an org.opencontainers.image.ref.name annotation); optional.
	Tag string
}

// ParseReference parses s with skopeo's transport prefixes: REF or
// docker://REF (a registry), docker-daemon:REF, docker-archive:PATH[:REF]
// and oci:DIR[:REF]. Any other "name:" prefix that looks like a transport
// (oci-archive:, containers-storage:, dir:) is an error rather than being
// taken for a registry host.
func ParseReference(s string) (Reference, error) {
	if s == "" {
		return Reference{}, fmt.Errorf("empty image reference")
	}
	if rest, ok := strings.CutPrefix(s, "docker://"); ok {
		if rest == "" {
			return Reference{}, fmt.Errorf("image reference %q: no image after docker://", s)
		}
		return Reference{Transport: TransportRegistry, Name: rest}, nil
	}
	prefix, rest, found := strings.Cut(s, ":")
	if !found {
		return Reference{Transport: TransportRegistry, Name: s}, nil
	}
	switch prefix {
	case string(TransportDaemon):
		if rest == "" {
			return Reference{}, fmt.Errorf("image reference %q: no image after %q", s, prefix+":")
		}
		return Reference{Transport: TransportDaemon, Name: rest}, nil
	case string(TransportArchive), string(TransportLayout):
		// Like skopeo, the path ends at the first colon.
		path, tag, _ := strings.Cut(rest, ":")
		if path == "" {
			return Reference{}, fmt.Errorf("image reference %q: no path after %q", s, prefix+":")
		}
		return Reference{Transport: Transport(prefix), Path: path, Tag: tag}, nil
	case "oci-archive", "containers-storage", "dir", "docker-image", "tarball", "sif", "ostree":
		return Reference{}, fmt.Errorf("image reference %q: transport %s: is not supported (use docker://, docker-daemon:, docker-archive: or oci:)", s, prefix)
	}
	// "host:port/repo", "repo:tag": a registry reference.
	return Reference{Transport: TransportRegistry, Name: s}, nil
}

// String formats the reference with its transport prefix, so that
// ParseReference(r.String()) == r.
func (r Reference) String() string {
	switch r.Transport {
	case TransportRegistry:
		return "docker://" + r.Name
	case TransportDaemon:
		return "docker-daemon:" + r.Name
	case TransportArchive, TransportLayout:
		if r.Tag != "" {
			return string(r.Transport) + ":" + r.Path + ":" + r.Tag
		}
		return string(r.Transport) + ":" + r.Path
	}
	return r.Name
}
