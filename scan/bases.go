package scan

import (
	"context"
	"fmt"
	"sync"

	"github.com/coderready/coderready/image"
)

// BaseReader reads the facts of a base image named in a Dockerfile.
type BaseReader interface {
	ReadBase(ctx context.Context, ref string) (*image.Facts, error)
}

// ImageBases reads base images with the image package: from the local
// Docker engine when it holds the image (nothing is pulled), else from the
// registry. Each reference is read once per ImageBases.
type ImageBases struct {
	// Options are passed to the image reader (cache dir, platform, limits).
	Options image.Options
	// NoRegistry keeps reads to the local engine.
	NoRegistry bool

	mu    sync.Mutex
	reads map[string]*baseRead
}

// NewImageBases reads base images with a layer cache in cacheDir ("" for
// none); noRegistry keeps reads to the local engine.
func NewImageBases(cacheDir string, noRegistry bool) *ImageBases {
	return &ImageBases{Options: image.Options{CacheDir: cacheDir}, NoRegistry: noRegistry}
}

type baseRead struct {
	once  sync.Once
	facts *image.Facts
	err   error
}

// ReadBase implements BaseReader.
func (b *ImageBases) ReadBase(ctx context.Context, ref string) (*image.Facts, error) {
	b.mu.Lock()
	if b.reads == nil {
		b.reads = map[string]*baseRead{}
	}
	r := b.reads[ref]
	if r == nil {
		r = &baseRead{}
		b.reads[ref] = r
	}
	b.mu.Unlock()
	r.once.Do(func() { r.facts, r.err = b.read(ctx, ref) })
	return r.facts, r.err
}

func (b *ImageBases) read(ctx context.Context, ref string) (*image.Facts, error) {
	f, derr := image.Inspect(ctx, "docker-daemon:"+ref, b.Options)
	if derr == nil {
		return f, nil
	}
	if b.NoRegistry {
		return nil, fmt.Errorf("read base %s from the Docker engine: %w", ref, derr)
	}
	f, err := image.Inspect(ctx, ref, b.Options)
	if err != nil {
		return nil, fmt.Errorf("read base %s: %w (engine: %w)", ref, err, derr)
	}
	return f, nil
}
