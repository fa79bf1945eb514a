package image

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// whiteout kinds of a layer entry.
const (
	entryFile     uint8 = iota // a file, directory, link or device
	entryWhiteout              // Path was deleted (.wh.NAME)
	entryOpaque                // Path's lower contents were deleted (.wh..wh..opq)
)

// layerEntry is one tar entry of a layer, in tar order.
type layerEntry struct {
	Path string
	Kind uint8
	File File
}

// layerIndex is everything kept of one layer: its entries' headers and the
// captured contents of wanted files. It is what the layer cache stores.
type layerIndex struct {
	DiffID   string
	Entries  []layerEntry
	Captures map[string]*Capture
	// Size is the uncompressed tar stream's length.
	Size int64
	// StreamSize is the length of the stream as read (compressed or not).
	StreamSize int64
	// Compression is "gzip", "zstd" or "none".
	Compression string
	Warnings    []string
}

// cleanPath turns a tar name into an absolute clean path ("./usr/bin/" →
// "/usr/bin"). A name with a ".." element escapes the root: an error.
func cleanPath(name string) (string, error) {
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return "", fmt.Errorf("entry %q escapes the image root", name)
		}
	}
	return path.Clean("/" + name), nil
}

func fileType(hdr *tar.Header) (FileType, bool) {
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse, tar.TypeCont:
		return TypeFile, true
	case tar.TypeDir:
		return TypeDir, true
	case tar.TypeSymlink:
		return TypeSymlink, true
	case tar.TypeLink:
		return TypeHardlink, true
	case tar.TypeChar:
		return TypeChar, true
	case tar.TypeBlock:
		return TypeBlock, true
	case tar.TypeFifo:
		return TypeFifo, true
	}
	return "", false
}

// readLayer reads one layer stream (compressed or not) into its index,
// capturing the wanted files. It reads the stream to its end so that gzip
// checksums and (for registry blobs) digests are verified.
func readLayer(ctx context.Context, r io.Reader, ws *wantSet, b *budget) (*layerIndex, error) {
	raw := &countingReader{r: sourceReader{r}}
	br := bufio.NewReaderSize(raw, 64<<10)
	dec, compression, err := newDecompressor(br)
	if err != nil {
		return nil, err
	}
	defer dec.close()
	cr := &countingReader{r: dec, budget: b}
	tr := tar.NewReader(cr)
	li := &layerIndex{Captures: map[string]*Capture{}, Compression: compression}
	var captured int64
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, tarError(err)
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		if err := b.addEntries(1); err != nil {
			return nil, err
		}
		p, err := cleanPath(hdr.Name)
		if err != nil {
			return nil, err
		}
		dir, base := path.Split(p)
		if strings.Contains(dir, "/.wh..wh.") {
			// Under AUFS metadata (.wh..wh.plnk/...): not part of the image.
			continue
		}
		if strings.HasPrefix(base, ".wh.") {
			switch {
			case base == ".wh..wh..opq":
				li.Entries = append(li.Entries, layerEntry{Path: path.Clean(dir), Kind: entryOpaque})
			case strings.HasPrefix(base, ".wh..wh."):
				// Other AUFS metadata (.wh..wh.plnk, .wh..wh.aufs): not files.
			default:
				li.Entries = append(li.Entries, layerEntry{Path: dir + base[len(".wh."):], Kind: entryWhiteout})
			}
			continue
		}
		typ, ok := fileType(hdr)
		if !ok {
			li.warn("%s: tar entry type %q skipped", p, hdr.Typeflag)
			continue
		}
		f := File{Type: typ, Mode: Mode(hdr.Mode & 0o7777), UID: hdr.Uid, GID: hdr.Gid}
		switch typ {
		case TypeFile:
			f.Size = hdr.Size
		case TypeSymlink:
			f.Link = hdr.Linkname
		case TypeHardlink:
			target, err := cleanPath(hdr.Linkname)
			if err != nil {
				return nil, fmt.Errorf("hard link %s: %w", p, err)
			}
			f.HardLink = target
		}
		li.Entries = append(li.Entries, layerEntry{Path: p, File: f})
		if typ != TypeFile {
			continue
		}
		m, ok := ws.match(p)
		if !ok {
			continue
		}
		if captured+min(hdr.Size, m.max) > b.limits.MaxCaptureBytes {
			li.warn("%s: not captured, the layer's captures pass %d bytes", p, b.limits.MaxCaptureBytes)
			continue
		}
		c, err := capture(tr, hdr.Size, m)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		captured += int64(len(c.Data))
		li.Captures[p] = c
	}
	// Read what follows the tar's end so the gzip trailer and the blob's
	// digest are checked.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return nil, fmt.Errorf("after the tar end: %w", err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return nil, fmt.Errorf("after the tar end: %w", err)
	}
	li.Size = cr.n
	li.StreamSize = raw.n
	return li, nil
}

// tarError prefixes errors of the tar format with "tar:", leaving those of
// the stream under it (decompression, digest, limits) as they are.
func tarError(err error) error {
	var de *decompressError
	var se *sourceError
	if errors.As(err, &de) || errors.As(err, &se) || errors.Is(err, ErrLimit) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("tar: truncated: %w", err)
	}
	return fmt.Errorf("tar: %w", err)
}

const maxWarnings = 50

func (li *layerIndex) warn(format string, args ...any) {
	if len(li.Warnings) < maxWarnings {
		li.Warnings = append(li.Warnings, fmt.Sprintf(format, args...))
	}
}
