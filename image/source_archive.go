package image

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const maxMetadataSize = 16 << 20

// openArchive opens a `docker save` tarball (docker-archive:PATH[:REF]).
func openArchive(r Reference, want Platform) (*Image, error) {
	tf, err := openTarFile(r.Path)
	if err != nil {
		return nil, err
	}
	im, err := imageFromSave(tf, r.Tag, want)
	if err != nil {
		_ = tf.Close()
		return nil, err
	}
	im.closers = append(im.closers, tf.Close)
	return im, nil
}

// imageFromSave reads a `docker save` tarball: the legacy format
// (manifest.json naming <id>/layer.tar members, Docker ≤ 24) and Docker
// 25+'s, which is an OCI layout with a manifest.json for compatibility. A
// tarball with only index.json (an OCI layout archive) is read too.
func imageFromSave(tf *tarFile, tag string, want Platform) (*Image, error) {
	switch {
	case tf.has("manifest.json"):
		return fromSaveManifest(tf, tag, want)
	case tf.has("index.json"):
		return fromArchivedLayout(tf, tag, want)
	}
	return nil, fmt.Errorf("neither manifest.json nor index.json: not a docker save tarball")
}

// saveEntry is one image of a `docker save` manifest.json.
type saveEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

func fromSaveManifest(tf *tarFile, tag string, want Platform) (*Image, error) {
	raw, err := tf.readAll("manifest.json")
	if err != nil {
		return nil, err
	}
	var entries []saveEntry
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	if tag != "" {
		var tagged []saveEntry
		for _, e := range entries {
			for _, t := range e.RepoTags {
				if t == tag || sameImageName(t, tag) {
					tagged = append(tagged, e)
					break
				}
			}
		}
		if len(tagged) == 0 {
			return nil, fmt.Errorf("no image tagged %q in the tarball", tag)
		}
		entries = tagged
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("manifest.json lists no image")
	}
	type loaded struct {
		e   saveEntry
		raw []byte
		cfg *v1.ConfigFile
	}
	var all []loaded
	for _, e := range entries {
		rawCfg, err := tf.readAll(e.Config)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		cfg, err := v1.ParseConfigFile(strings.NewReader(string(rawCfg)))
		if err != nil {
			return nil, fmt.Errorf("config %s: %w", e.Config, err)
		}
		all = append(all, loaded{e, rawCfg, cfg})
	}
	chosen := all[0]
	im := &Image{}
	if len(all) > 1 {
		var offered []Platform
		found := false
		for _, l := range all {
			p := platformFromConfig(l.cfg)
			offered = append(offered, p)
			if !found && want.matches(p) {
				chosen, found = l, true
			}
		}
		im.Platforms = offered
		if !found {
			return nil, &PlatformError{Want: want, Offered: offered}
		}
	}
	img, err := newArchiveImage(tf, chosen.raw, chosen.cfg, chosen.e.Layers)
	if err != nil {
		return nil, err
	}
	im.img = img
	return im, nil
}

// fromArchivedLayout reads the OCI layout inside a tarball through its
// index.json, for tarballs without manifest.json.
func fromArchivedLayout(tf *tarFile, tag string, want Platform) (*Image, error) {
	// A blob is named by its digest: one whose bytes say otherwise is
	// refused rather than trusted for what it names.
	blob := func(h v1.Hash) ([]byte, error) {
		b, err := tf.readAll("blobs/" + h.Algorithm + "/" + h.Hex)
		if err != nil {
			return nil, err
		}
		if err := verifyBytes("blob "+h.String()+": digest", b, h); err != nil {
			return nil, err
		}
		return b, nil
	}
	raw, err := tf.readAll("index.json")
	if err != nil {
		return nil, err
	}
	idx, err := v1.ParseIndexManifest(strings.NewReader(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("index.json: %w", err)
	}
	candidates := idx.Manifests
	if tag != "" {
		candidates = nil
		for _, d := range idx.Manifests {
			if refNameMatches(d.Annotations, tag) {
				candidates = append(candidates, d)
			}
		}
	}
	im := &Image{}
	var chosen v1.Descriptor
	switch {
	case len(candidates) == 0:
		return nil, fmt.Errorf("no image in index.json (tag %q)", tag)
	case len(candidates) == 1:
		chosen = candidates[0]
	default:
		chosen, im.Platforms, err = pickPlatform(candidates, want)
		if err != nil {
			return nil, err
		}
	}
	for depth := 0; chosen.MediaType.IsIndex(); depth++ {
		if depth > 4 {
			return nil, fmt.Errorf("index.json: indexes nested too deep")
		}
		raw, err := blob(chosen.Digest)
		if err != nil {
			return nil, err
		}
		sub, err := v1.ParseIndexManifest(strings.NewReader(string(raw)))
		if err != nil {
			return nil, fmt.Errorf("index %s: %w", chosen.Digest, err)
		}
		chosen, im.Platforms, err = pickPlatform(sub.Manifests, want)
		if err != nil {
			return nil, err
		}
	}
	rawManifest, err := blob(chosen.Digest)
	if err != nil {
		return nil, err
	}
	m, err := v1.ParseManifest(strings.NewReader(string(rawManifest)))
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", chosen.Digest, err)
	}
	rawCfg, err := blob(m.Config.Digest)
	if err != nil {
		return nil, err
	}
	cfg, err := v1.ParseConfigFile(strings.NewReader(string(rawCfg)))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", m.Config.Digest, err)
	}
	names := make([]string, len(m.Layers))
	for i, l := range m.Layers {
		names[i] = "blobs/" + l.Digest.Algorithm + "/" + l.Digest.Hex
	}
	img, err := newArchiveImage(tf, rawCfg, cfg, names)
	if err != nil {
		return nil, err
	}
	im.img = img
	im.Digest = chosen.Digest.String()
	return im, nil
}

// archiveImage is a v1.Image over tarball members, built from DiffIDs
// only: nothing ever gzips a layer to learn its digest.
type archiveImage struct {
	tf        *tarFile
	rawConfig []byte
	members   map[v1.Hash]string
}

func newArchiveImage(tf *tarFile, rawConfig []byte, cfg *v1.ConfigFile, layers []string) (v1.Image, error) {
	if len(layers) != len(cfg.RootFS.DiffIDs) {
		return nil, fmt.Errorf("%d layers but %d DiffIDs in the config", len(layers), len(cfg.RootFS.DiffIDs))
	}
	a := &archiveImage{tf: tf, rawConfig: rawConfig, members: map[v1.Hash]string{}}
	for i, d := range cfg.RootFS.DiffIDs {
		if !tf.has(layers[i]) {
			return nil, fmt.Errorf("layer %s: %s is not in the tarball", d, layers[i])
		}
		a.members[d] = layers[i]
	}
	img, err := partial.UncompressedToImage(a)
	if err != nil {
		return nil, err
	}
	return sizedImage{img, a}, nil
}

// sizedImage is an archive image that tells its layers' stored sizes
// without reading them, so the largest can be read first.
type sizedImage struct {
	v1.Image
	a *archiveImage
}

// layerSize is the stored size of the layer member with DiffID h.
func (s sizedImage) layerSize(h v1.Hash) (int64, bool) {
	m, ok := s.a.members[h]
	if !ok {
		return 0, false
	}
	sr, err := s.a.tf.open(m)
	if err != nil {
		return 0, false
	}
	return sr.Size(), true
}

// RawConfigFile implements partial.UncompressedImageCore.
func (a *archiveImage) RawConfigFile() ([]byte, error) { return a.rawConfig, nil }

// MediaType implements partial.UncompressedImageCore.
func (a *archiveImage) MediaType() (types.MediaType, error) {
	return types.DockerManifestSchema2, nil
}

// LayerByDiffID implements partial.UncompressedImageCore.
func (a *archiveImage) LayerByDiffID(h v1.Hash) (partial.UncompressedLayer, error) {
	m, ok := a.members[h]
	if !ok {
		return nil, fmt.Errorf("layer %s: not in the image", h)
	}
	return &archiveLayer{tf: a.tf, diffID: h, member: m}, nil
}

// archiveLayer is a layer member of a tarball, stored uncompressed
// (legacy) or compressed (some Docker 25+ saves).
type archiveLayer struct {
	tf     *tarFile
	diffID v1.Hash
	member string
}

// DiffID implements partial.UncompressedLayer.
func (l *archiveLayer) DiffID() (v1.Hash, error) { return l.diffID, nil }

// MediaType implements partial.UncompressedLayer.
func (l *archiveLayer) MediaType() (types.MediaType, error) {
	return types.DockerUncompressedLayer, nil
}

// Uncompressed implements partial.UncompressedLayer, decompressing a
// compressed member.
func (l *archiveLayer) Uncompressed() (io.ReadCloser, error) {
	sr, err := l.tf.open(l.member)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 4)
	n, _ := sr.ReadAt(head, 0)
	if !bytes.HasPrefix(head[:n], gzipMagic) && !bytes.HasPrefix(head[:n], zstdMagic) {
		// Stored uncompressed: hand out the seekable member itself, so the
		// reader can skip file contents.
		return sectionReadCloser{sr}, nil
	}
	dec, _, err := newDecompressor(bufio.NewReaderSize(sr, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", l.diffID, err)
	}
	return readCloser{Reader: dec, close: func() error { dec.close(); return nil }}, nil
}

type sectionReadCloser struct{ *io.SectionReader }

func (sectionReadCloser) Close() error { return nil }

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

// sameImageName reports whether two references name the same image once
// normalised ("busybox" and "docker.io/library/busybox:latest").
func sameImageName(a, b string) bool {
	ra, err := name.ParseReference(a)
	if err != nil {
		return false
	}
	rb, err := name.ParseReference(b)
	if err != nil {
		return false
	}
	return ra.Name() == rb.Name()
}
