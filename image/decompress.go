package image

import (
	"bufio"
	"bytes"
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
		return &decompressor{Reader: zr, close: func() { _ = zr.Close() }}, "gzip", nil
	case bytes.HasPrefix(head, zstdMagic):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, "zstd", fmt.Errorf("zstd: %w", err)
		}
		return &decompressor{Reader: zr, close: zr.Close}, "zstd", nil
	}
	return &decompressor{Reader: br, close: func() {}}, "none", nil
}
