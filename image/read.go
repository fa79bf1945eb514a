package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"
)

// layerJob is one layer to index: where to read it and what is known of it
// without reading.
type layerJob struct {
	index  int
	diffID v1.Hash
	// digest is the blob's digest as stored, when the manifest is cheap;
	// the stream opened is then the blob itself and is checked against it.
	digest         v1.Hash
	compressedSize int64
	// size is the stream's length as stored when the source knows it
	// without reading (0 otherwise): the largest layers are read first.
	size int64
	open func() (io.ReadCloser, error)
	// known is the layer's index when the source indexed it already (the
	// receiver, as the layer streamed in).
	known *layerIndex
}

// knownIndexes is a v1.Image whose source indexed some layers already.
type knownIndexes interface {
	knownIndex(diffID v1.Hash) *layerIndex
}

// layerSizer is a v1.Image that knows its layers' stored sizes cheaply
// (an archive's members).
type layerSizer interface {
	layerSize(diffID v1.Hash) (int64, bool)
}

// Facts reads the image into facts: from the facts cache when the image ID
// was read before, else layer by layer (cached layers are not read again).
// Errors name the image and, for a layer, its index and digest.
func (im *Image) Facts(ctx context.Context) (*Facts, error) {
	f, err := im.facts(ctx)
	if err != nil {
		name := "image"
		if im.Ref.Transport != "" {
			name = im.Ref.String()
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return f, nil
}

func (im *Image) facts(ctx context.Context) (*Facts, error) {
	opts := im.opts
	limits := opts.Limits.withDefaults()
	ws, err := compileWants(opts.wants(), limits)
	if err != nil {
		return nil, err
	}
	c := newCache(opts.CacheDir, opts.CacheMaxBytes, ws.key)
	if im.aliasKey != "" {
		if f := c.getFacts(im.aliasKey); f != nil {
			im.decorate(f, nil)
			return f, nil
		}
	}
	img, err := im.V1(ctx)
	if err != nil {
		return nil, err
	}
	id, err := img.ConfigName()
	if err != nil {
		return nil, fmt.Errorf("config digest: %w", err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var manifest *v1.Manifest
	if im.manifestCheap {
		if manifest, err = img.Manifest(); err != nil {
			return nil, fmt.Errorf("manifest: %w", err)
		}
	}
	if f := c.getFacts(id.String()); f != nil {
		im.decorate(f, manifest)
		if im.aliasKey != "" {
			c.putFacts(im.aliasKey, f)
		}
		return f, nil
	}
	jobs, err := layerJobs(img, cfg, manifest)
	if err != nil {
		return nil, err
	}
	indexes, err := readLayers(ctx, jobs, ws, newBudget(limits), c, opts)
	if err != nil {
		return nil, err
	}
	f := buildFacts(id.String(), cfg, indexes, limits, ws)
	c.putFacts(id.String(), f)
	if im.aliasKey != "" {
		c.putFacts(im.aliasKey, f)
	}
	c.evict()
	im.decorate(f, manifest)
	return f, nil
}

// decorate sets what depends on how the image was opened rather than on
// its content (cached facts may come from another source).
func (im *Image) decorate(f *Facts, m *v1.Manifest) {
	if im.Ref.Transport != "" {
		f.Reference = im.Ref.String()
	}
	f.Transport = im.Ref.Transport
	f.Read = nil
	if im.Ref.Transport == TransportDaemon {
		f.Read = im.read
		if f.Read == nil {
			f.Read = &ReadInfo{Route: ReadRouteCached, Reason: "the image ID's facts were cached"}
		}
	}
	f.Digest = im.Digest
	f.IndexDigest = im.IndexDigest
	f.Platforms = im.Platforms
	f.CompressedSize = 0
	for i := range f.Layers {
		f.Layers[i].Digest, f.Layers[i].CompressedSize = "", 0
		if m != nil && i < len(m.Layers) {
			f.Layers[i].Digest = m.Layers[i].Digest.String()
			f.Layers[i].CompressedSize = m.Layers[i].Size
			f.CompressedSize += m.Layers[i].Size
		}
	}
}

func layerJobs(img v1.Image, cfg *v1.ConfigFile, m *v1.Manifest) ([]layerJob, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("layers: %w", err)
	}
	diffIDs := cfg.RootFS.DiffIDs
	if len(layers) != len(diffIDs) {
		return nil, fmt.Errorf("%d layers but %d DiffIDs in the config", len(layers), len(diffIDs))
	}
	if m != nil && len(m.Layers) != len(layers) {
		return nil, fmt.Errorf("%d layers in the manifest but %d in the image", len(m.Layers), len(layers))
	}
	jobs := make([]layerJob, len(layers))
	for i, l := range layers {
		j := layerJob{index: i, diffID: diffIDs[i], open: l.Uncompressed}
		if s, ok := img.(layerSizer); ok {
			j.size, _ = s.layerSize(diffIDs[i])
		}
		if k, ok := img.(knownIndexes); ok {
			j.known = k.knownIndex(diffIDs[i])
		}
		if m != nil {
			// Read the blob as stored: it is verified against its digest as
			// it streams, and decompressed here (gzip or zstd).
			j.digest = m.Layers[i].Digest
			j.compressedSize = m.Layers[i].Size
			j.size = j.compressedSize
			j.open = l.Compressed
		}
		jobs[i] = j
	}
	return jobs, nil
}

// readOrder is the order the layers are started in: the largest first
// (longest processing time first), so that with a few workers the last
// one to finish is a small layer, not a big one started late. Layers of
// unknown size keep the image order after those of known size.
func readOrder(jobs []layerJob) []int {
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return jobs[order[a]].size > jobs[order[b]].size })
	return order
}

// readLayers indexes the layers in parallel (at most opts.parallelism()
// at once, largest first), each from the cache when it is there. A layer
// that appears twice is read once.
func readLayers(ctx context.Context, jobs []layerJob, ws *wantSet, b *budget, c *cache, opts Options) ([]*layerIndex, error) {
	out := make([]*layerIndex, len(jobs))
	errs := make([]error, len(jobs))
	views := make([]*budget, len(jobs))
	first := map[v1.Hash]int{}
	for i, j := range jobs {
		if _, seen := first[j.diffID]; !seen {
			first[j.diffID] = i
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.parallelism())
	for _, i := range readOrder(jobs) {
		j := jobs[i]
		if first[j.diffID] != i {
			continue
		}
		views[i] = b.forLayer()
		g.Go(func() error {
			li, err := readOneLayer(gctx, j, ws, views[i], c, opts)
			if err != nil {
				name := j.diffID.String()
				if j.digest.Hex != "" {
					name = j.digest.String()
				}
				errs[i] = fmt.Errorf("read layer %d (%s): %w", j.index, name, err)
				return errs[i]
			}
			out[i] = li
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, blame(err, errs, views)
	}
	for i, j := range jobs {
		if out[i] == nil {
			out[i] = out[first[j.diffID]]
		}
	}
	return out, nil
}

// blame picks the error to report when layers failed together: a layer's
// own error (corrupt, truncated, escaping) first; for a limit the layers
// share, the layer that used the most of it rather than whichever crossed
// the line; cancellations caused by another layer's failure last.
func blame(first error, errs []error, views []*budget) error {
	limit := -1
	for i, err := range errs {
		switch {
		case err == nil || errors.Is(err, context.Canceled):
		case errors.Is(err, ErrLimit):
			if limit < 0 || views[i].used > views[limit].used {
				limit = i
			}
		default:
			return err
		}
	}
	if limit >= 0 {
		return errs[limit]
	}
	return first
}

func readOneLayer(ctx context.Context, j layerJob, ws *wantSet, b *budget, c *cache, opts Options) (*layerIndex, error) {
	diffID := j.diffID.String()
	li := j.known
	if li == nil {
		li = c.getLayer(diffID)
	}
	if li != nil {
		if err := b.addBytes(li.Size); err != nil {
			return nil, err
		}
		if err := b.addEntries(int64(li.Entries.len())); err != nil {
			return nil, err
		}
		if err := b.addNames(li.nameBytes()); err != nil {
			return nil, err
		}
		return li, nil
	}
	if opts.OnLayerRead != nil {
		opts.OnLayerRead(diffID)
	}
	rc, err := j.open()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	li, err = readLayer(ctx, rc, ws, b, expected{diffID: j.diffID, digest: j.digest})
	if err != nil {
		return nil, err
	}
	// Only now is the content known to be the DiffID's: the cache is keyed
	// by verified digests alone.
	li.DiffID = diffID
	c.putLayer(li)
	return li, nil
}
