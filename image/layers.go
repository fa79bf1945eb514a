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

	v1 "github.com/google/go-containerregistry/pkg/v1"
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
	case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont: // tar.Reader reports TypeRegA as TypeReg
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

// expected is what a layer's image claims its content hashes to.
type expected struct {
	// diffID is the uncompressed tar's digest, from the image config.
	diffID v1.Hash
	// digest is the blob's digest as stored (compressed), from the
	// manifest; zero when the source has no manifest (docker save).
	digest v1.Hash
}

// readLayer reads one layer stream (compressed or not) into its index,
// capturing the wanted files. Every byte is read, hashed and checked: the
// uncompressed tar against the DiffID and, when known, the stream as
// stored against the blob digest. A layer that is not what the image
// claims is an error (a *DigestError), so its index is never cached under
// a digest it does not have. File contents are skipped by reading through
// a large buffer (see skipReader), never by seeking past them.
func readLayer(ctx context.Context, r io.Reader, ws *wantSet, b *budget, want expected) (*layerIndex, error) {
	raw := newHashReader(sourceReader{r})
	br := bufio.NewReaderSize(raw, 256<<10)
	dec, compression, err := newDecompressor(br)
	if err != nil {
		return nil, err
	}
	defer dec.close()
	// An uncompressed stream's own hash is its DiffID; a compressed one
	// is hashed again once decompressed, and as stored only when there
	// is a blob digest to compare with.
	diff := raw
	var tarStream io.Reader = dec
	if compression != "none" {
		diff = newHashReader(dec)
		tarStream = diff
		if want.digest.Hex == "" {
			raw.h = nil
		}
	}
	cr := &countingReader{r: tarStream, budget: b}
	li := &layerIndex{Captures: map[string]*Capture{}, Compression: compression}
	if err := indexTar(ctx, tar.NewReader(newSkipReader(cr)), ws, b, li); err != nil {
		return nil, err
	}
	// Read what follows the tar's end: it is part of the hashed content,
	// and the gzip trailer is checked there.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return nil, fmt.Errorf("after the tar end: %w", err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return nil, fmt.Errorf("after the tar end: %w", err)
	}
	if want.digest.Hex != "" {
		if err := raw.check("blob digest", want.digest); err != nil {
			return nil, err
		}
	}
	if err := diff.check("DiffID", want.diffID); err != nil {
		return nil, err
	}
	li.Size = cr.n
	li.StreamSize = raw.n
	return li, nil
}

// indexTar records every entry of a layer's tar and captures the wanted
// files' contents.
func indexTar(ctx context.Context, tr *tar.Reader, ws *wantSet, b *budget, li *layerIndex) error {
	var captured int64
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return tarError(err)
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		if err := b.addEntries(1); err != nil {
			return err
		}
		p, err := cleanPath(hdr.Name)
		if err != nil {
			return err
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
				return fmt.Errorf("hard link %s: %w", p, err)
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
			return fmt.Errorf("read %s: %w", p, tarError(err))
		}
		captured += int64(len(c.Data))
		li.Captures[p] = c
	}
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
