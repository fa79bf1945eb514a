package image

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ErrDigestMismatch is wrapped by every error reporting content that does
// not hash to the digest its image claims for it.
var ErrDigestMismatch = errors.New("digest mismatch")

// DigestError is content whose SHA-256 is not the digest it was named by:
// a layer whose uncompressed tar is not its DiffID, a blob that is not its
// manifest digest. Nothing read from such content is cached.
type DigestError struct {
	// What names the digest: "DiffID", "blob digest", "manifest digest"...
	What string
	// Expected is the digest the image claims; Got is the content's.
	Expected, Got string
}

func (e *DigestError) Error() string {
	return fmt.Sprintf("%s mismatch: the image claims %s, the content hashes to %s", e.What, e.Expected, e.Got)
}

// Is makes errors.Is(err, ErrDigestMismatch) true.
func (e *DigestError) Is(target error) bool { return target == ErrDigestMismatch }

// hashReader passes a stream through, hashing (when h is set) and counting
// what it reads.
type hashReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func newHashReader(r io.Reader) *hashReader { return &hashReader{r: r, h: sha256.New()} }

func (hr *hashReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	if n > 0 {
		hr.n += int64(n)
		if hr.h != nil {
			_, _ = hr.h.Write(p[:n])
		}
	}
	return n, err
}

// sum is the digest of what was read ("sha256:<hex>").
func (hr *hashReader) sum() string { return "sha256:" + hex.EncodeToString(hr.h.Sum(nil)) }

// check compares what was read with the expected digest.
func (hr *hashReader) check(what string, want v1.Hash) error {
	if want.Algorithm != "sha256" {
		return fmt.Errorf("%s %s: only sha256 digests can be verified", what, want)
	}
	if got := hr.sum(); got != want.String() {
		return &DigestError{What: what, Expected: want.String(), Got: got}
	}
	return nil
}

// verifyBytes checks metadata read whole (a manifest, a config) against
// the digest it was fetched by.
func verifyBytes(what string, b []byte, want v1.Hash) error {
	if want.Algorithm != "sha256" {
		return fmt.Errorf("%s %s: only sha256 digests can be verified", what, want)
	}
	sum := sha256.Sum256(b)
	if got := "sha256:" + hex.EncodeToString(sum[:]); got != want.String() {
		return &DigestError{What: what, Expected: want.String(), Got: got}
	}
	return nil
}

// skipReader gives the tar reader a Seek that reads forward instead of
// jumping: every byte of a layer passes the hashes under it, in order, and
// file contents are skipped through one large buffer rather than the tar
// reader's small discard copies.
type skipReader struct {
	r   io.Reader
	pos int64
	buf []byte
}

func newSkipReader(r io.Reader) *skipReader { return &skipReader{r: r, buf: make([]byte, 256<<10)} }

func (s *skipReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.pos += int64(n)
	return n, err
}

// Seek supports only forward moves from the current position, which is
// all archive/tar asks for when it skips a file's content.
func (s *skipReader) Seek(offset int64, whence int) (int64, error) {
	if whence != io.SeekCurrent || offset < 0 {
		return s.pos, errors.New("skipReader: only forward seeks")
	}
	for offset > 0 {
		n, err := s.r.Read(s.buf[:min(offset, int64(len(s.buf)))])
		s.pos += int64(n)
		offset -= int64(n)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return s.pos, err
		}
	}
	return s.pos, nil
}
