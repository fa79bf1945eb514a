package image

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// Annotations naming an image in an OCI layout's index.json.
const (
	annotationRefName        = "org.opencontainers.image.ref.name"
	annotationContainerdName = "io.containerd.image.name"
)

// openLayout opens an OCI image layout directory (oci:DIR[:REF]).
func openLayout(r Reference, want Platform) (*Image, error) {
	p, err := layout.FromPath(r.Path)
	if err != nil {
		return nil, fmt.Errorf("open layout: %w", err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("read index.json: %w", err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("read index.json: %w", err)
	}
	candidates := m.Manifests
	if r.Tag != "" {
		candidates = nil
		for _, d := range m.Manifests {
			if refNameMatches(d.Annotations, r.Tag) {
				candidates = append(candidates, d)
			}
		}
		if len(candidates) == 0 {
			return nil, fmt.Errorf("no image named %q in the layout", r.Tag)
		}
	}
	im := &Image{manifestCheap: true}
	var chosen v1.Descriptor
	switch {
	case len(candidates) == 0:
		return nil, fmt.Errorf("the layout holds no image")
	case len(candidates) == 1:
		chosen = candidates[0]
	default:
		// Several images with platforms: index.json is itself the
		// multi-platform index.
		for _, d := range candidates {
			if d.Platform == nil || d.MediaType.IsIndex() {
				return nil, fmt.Errorf("the layout holds %d images: name one with oci:DIR:REF", len(candidates))
			}
		}
		chosen, im.Platforms, err = pickPlatform(candidates, want)
		if err != nil {
			return nil, err
		}
	}
	if chosen.MediaType.IsIndex() {
		sub, err := idx.ImageIndex(chosen.Digest)
		if err != nil {
			return nil, fmt.Errorf("read index %s: %w", chosen.Digest, err)
		}
		sm, err := sub.IndexManifest()
		if err != nil {
			return nil, fmt.Errorf("read index %s: %w", chosen.Digest, err)
		}
		im.IndexDigest = chosen.Digest.String()
		chosen, im.Platforms, err = pickPlatform(sm.Manifests, want)
		if err != nil {
			return nil, err
		}
		idx = sub
	}
	img, err := idx.Image(chosen.Digest)
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", chosen.Digest, err)
	}
	// The layout reads blobs by name without hashing them: check the
	// manifest here (its layers are checked against their digests and
	// DiffIDs as they are read).
	rawManifest, err := img.RawManifest()
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", chosen.Digest, err)
	}
	if err := verifyBytes("manifest digest", rawManifest, chosen.Digest); err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", chosen.Digest, err)
	}
	im.img = img
	im.Digest = chosen.Digest.String()
	return im, nil
}

// refNameMatches reports whether an index entry's annotations name tag:
// the OCI ref name ("latest" or a full "repo:tag") or containerd's name.
func refNameMatches(ann map[string]string, tag string) bool {
	for _, k := range []string{annotationRefName, annotationContainerdName} {
		v := ann[k]
		if v == "" {
			continue
		}
		if v == tag || strings.HasSuffix(v, ":"+tag) || sameImageName(v, tag) {
			return true
		}
	}
	return false
}
