package image

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"
)

// Limits bound what reading one image may cost. Zero fields take the
// defaults of DefaultLimits.
type Limits struct {
	// MaxBytes caps the uncompressed bytes of all layers together.
	MaxBytes int64
	// MaxEntries caps the tar entries of all layers together.
	MaxEntries int64
	// MaxFileRead caps the bytes read from any one captured file; a longer
	// file is read up to the cap and marked truncated.
	MaxFileRead int64
	// MaxCaptureBytes caps the contents kept in memory per layer.
	MaxCaptureBytes int64
	// MaxCertificates caps the CA certificates recorded in the facts.
	MaxCertificates int
	// MaxNameBytes caps the bytes of the names (paths and link targets)
	// kept for all layers together, and MaxLayerNameBytes those kept for
	// one layer: the index's memory is bounded by bytes, not only by
	// entries. No one name may pass MaxNameLength.
	MaxNameBytes      int64
	MaxLayerNameBytes int64
}

// DefaultLimits are generous enough for multi-gigabyte golden images.
var DefaultLimits = Limits{
	MaxBytes:        64 << 30,
	MaxEntries:      4 << 20,
	MaxFileRead:     16 << 20,
	MaxCaptureBytes: 64 << 20,
	MaxCertificates: 4096,
	// A 2.3 GB golden image's names take about 10 MB; a layer of a million
	// files with 60-byte paths, 60 MB.
	MaxNameBytes:      256 << 20,
	MaxLayerNameBytes: 128 << 20,
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultLimits.MaxEntries
	}
	if l.MaxFileRead <= 0 {
		l.MaxFileRead = DefaultLimits.MaxFileRead
	}
	if l.MaxCaptureBytes <= 0 {
		l.MaxCaptureBytes = DefaultLimits.MaxCaptureBytes
	}
	if l.MaxCertificates <= 0 {
		l.MaxCertificates = DefaultLimits.MaxCertificates
	}
	if l.MaxNameBytes <= 0 {
		l.MaxNameBytes = DefaultLimits.MaxNameBytes
	}
	if l.MaxLayerNameBytes <= 0 {
		l.MaxLayerNameBytes = DefaultLimits.MaxLayerNameBytes
	}
	return l
}

// ErrLimit is wrapped by every error reporting an exceeded limit.
var ErrLimit = errors.New("limit exceeded")

// budget accounts one image read: totals shared by the layers read in
// parallel (concurrency-safe), and what this layer's view used (read by
// one goroutine, then by the caller after it ends).
type budget struct {
	limits Limits
	totals *totals
	used   int64
	names  int64 // this layer's name bytes
}

type totals struct {
	bytes   atomic.Int64
	entries atomic.Int64
	names   atomic.Int64
}

func newBudget(l Limits) *budget { return &budget{limits: l, totals: &totals{}} }

// forLayer returns a view of the budget for one layer.
func (b *budget) forLayer() *budget { return &budget{limits: b.limits, totals: b.totals} }

func (b *budget) addBytes(n int64) error {
	b.used += n
	if t := b.totals.bytes.Add(n); t > b.limits.MaxBytes {
		return fmt.Errorf("the layers' uncompressed size passes %d bytes: %w", b.limits.MaxBytes, ErrLimit)
	}
	return nil
}

// entryWeight counts an entry as a tar header's bytes when comparing what
// layers used.
const entryWeight = 512

func (b *budget) addEntries(n int64) error {
	b.used += n * entryWeight
	if t := b.totals.entries.Add(n); t > b.limits.MaxEntries {
		return fmt.Errorf("the layers hold more than %d entries: %w", b.limits.MaxEntries, ErrLimit)
	}
	return nil
}

// addNames charges the bytes of the names an entry keeps, to the layer and
// to the image.
func (b *budget) addNames(n int) error {
	b.names += int64(n)
	b.used += int64(n)
	if b.names > b.limits.MaxLayerNameBytes {
		return fmt.Errorf("the layer's paths and link targets pass %d bytes: %w", b.limits.MaxLayerNameBytes, ErrLimit)
	}
	if t := b.totals.names.Add(int64(n)); t > b.limits.MaxNameBytes {
		return fmt.Errorf("the layers' paths and link targets pass %d bytes: %w", b.limits.MaxNameBytes, ErrLimit)
	}
	return nil
}

// countingReader counts what passes through it and charges the budget, so
// a decompression bomb stops at the limit instead of being expanded.
type countingReader struct {
	r      io.Reader
	n      int64
	budget *budget
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.n += int64(n)
		if c.budget != nil {
			if berr := c.budget.addBytes(int64(n)); berr != nil {
				return n, berr
			}
		}
	}
	return n, err
}
