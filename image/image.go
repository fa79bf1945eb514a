package image

import (
	"context"
	"errors"
	"fmt"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Image is an opened image: the go-containerregistry image of the chosen
// platform plus what its source knows without reading layers. Close it to
// release temporary files.
type Image struct {
	// Ref is where the image was opened from.
	Ref Reference
	// Digest is the manifest digest when the source knows it without
	// hashing anything (registry, OCI layout, a pulled daemon image's repo
	// digest); empty otherwise.
	Digest string
	// IndexDigest is the digest of the multi-platform index the image was
	// picked from (registry, OCI layout), when there was one.
	IndexDigest string
	// Platforms lists every platform of the index the image was picked
	// from; nil when the reference named a single image.
	Platforms []Platform

	opts Options
	// manifestCheap is set when the source has a real manifest with layer
	// digests (registry, layout): layers are read compressed and their
	// digests reported. Otherwise only DiffIDs are used.
	manifestCheap bool
	// aliasKey is a facts-cache key known before the image is opened (the
	// daemon's image ID), so cached facts skip `docker save` entirely.
	aliasKey string
	// read is how the layers crossed from the engine (docker-daemon:),
	// set by load.
	read *ReadInfo

	mu      sync.Mutex
	img     v1.Image
	load    func(ctx context.Context) (v1.Image, func() error, error)
	closers []func() error
}

// Open opens the image named by ref (see ParseReference) for reading.
// For registry references, ctx also governs the layer downloads that
// Facts makes later.
func Open(ctx context.Context, ref string, opts Options) (*Image, error) {
	r, err := ParseReference(ref)
	if err != nil {
		return nil, err
	}
	return OpenReference(ctx, r, opts)
}

// OpenReference opens a parsed reference.
func OpenReference(ctx context.Context, r Reference, opts Options) (*Image, error) {
	want, err := ParsePlatform(opts.Platform)
	if err != nil {
		return nil, err
	}
	var im *Image
	switch r.Transport {
	case TransportRegistry:
		im, err = openRemote(ctx, r, opts, want)
	case TransportDaemon:
		im, err = openDaemon(ctx, r, opts, want)
	case TransportArchive:
		im, err = openArchive(r, want)
	case TransportLayout:
		im, err = openLayout(r, want)
	default:
		return nil, fmt.Errorf("image %s: unknown transport %q", r, r.Transport)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", r, err)
	}
	im.Ref = r
	im.opts = opts
	return im, nil
}

// FromV1 wraps an image some other code opened (a builder's result). Its
// layers are read uncompressed and its digests are never computed.
func FromV1(img v1.Image, opts Options) *Image {
	return &Image{img: img, opts: opts}
}

// Inspect opens ref, reads its facts and closes it.
func Inspect(ctx context.Context, ref string, opts Options) (*Facts, error) {
	im, err := Open(ctx, ref, opts)
	if err != nil {
		return nil, err
	}
	f, err := im.Facts(ctx)
	if cerr := im.Close(); err == nil && cerr != nil {
		return nil, cerr
	}
	return f, err
}

// V1 returns the go-containerregistry image, loading it first if the source
// defers that (docker-daemon: saves the image on first use). Never call
// Digest() on the layers of a daemon or archive image: that gzips them.
func (im *Image) V1(ctx context.Context) (v1.Image, error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	if im.img != nil {
		return im.img, nil
	}
	if im.load == nil {
		return nil, errors.New("image is closed")
	}
	img, closer, err := im.load(ctx)
	if closer != nil {
		im.closers = append(im.closers, closer)
	}
	if err != nil {
		return nil, err
	}
	im.img = img
	return img, nil
}

// Close releases the image's temporary files. It is safe to call twice.
func (im *Image) Close() error {
	im.mu.Lock()
	defer im.mu.Unlock()
	var errs []error
	for i := len(im.closers) - 1; i >= 0; i-- {
		if err := im.closers[i](); err != nil {
			errs = append(errs, err)
		}
	}
	im.closers = nil
	return errors.Join(errs...)
}
