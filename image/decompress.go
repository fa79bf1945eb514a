package image

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// decompressor opens a layer stream whatever its compression, sniffed from
// its first bytes: gzip, zstd or a plain tar.
type decompressor struct {
	io.Reader
	close func()
}

// decompressError marks an error of the compressed stream (as opposed to
// the tar inside it).
type decompressError struct {
	kind string
	err  error
}

func (e *decompressError) Error() string { return e.kind + ": " + e.err.Error() }
func (e *decompressError) Unwrap() error { return e.err }

// sourceError marks an error of the blob stream itself (a network error,
// a digest mismatch), which decompressors pass through.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

// sourceReader tags the errors of the blob stream.
type sourceReader struct{ r io.Reader }

func (s sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = &sourceError{err}
	}
	return n, err
}

// errReader tags the errors of a decompressing reader.
type errReader struct {
	r    io.Reader
	kind string
}

func (e errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	var se *sourceError
	if err != nil && err != io.EOF && !errors.As(err, &se) {
		err = &decompressError{kind: e.kind, err: err}
	}
	return n, err
}

func newDecompressor(br *bufio.Reader) (*decompressor, string, error) {
	head, err := br.Peek(4)
	if err != nil && len(head) == 0 {
		if err == io.EOF {
			// An empty stream: an empty layer.
			return &decompressor{Reader: br, close: func() {}}, "none", nil
		}
		return nil, "", err
	}
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, "gzip", fmt.Errorf("gzip: %w", err)
		}
		return &decompressor{Reader: errReader{zr, "gzip"}, close: func() { _ = zr.Close() }}, "gzip", nil
	case bytes.HasPrefix(head, zstdMagic):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, "zstd", fmt.Errorf("zstd: %w", err)
		}
		return &decompressor{Reader: errReader{zr, "zstd"}, close: zr.Close}, "zstd", nil
	}
	return &decompressor{Reader: br, close: func() {}}, "none", nil
}
