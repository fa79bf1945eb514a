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
	"unsafe"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// whiteout kinds of a layer entry.
const (
	entryFile     uint8 = iota // a file, directory, link or device
	entryWhiteout              // Path was deleted (.wh.NAME)
	entryOpaque                // Path's lower contents were deleted (.wh..wh..opq)
)

// layerEntry is one tar entry of a layer, in tar order. It is kept lean
// (64 bytes plus its names) because a layer may hold millions: the File it
// stands for is made when the layers are merged.
type layerEntry struct {
	Path string
	// Link is a symbolic link's target as written, or a hard link's target
	// as a clean absolute path.
	Link     string
	Size     int64
	UID, GID int
	Mode     Mode
	Kind     uint8
	Type     uint8 // index into fileTypes
}

// fileTypes are the FileTypes a layerEntry's Type indexes.
var fileTypes = [...]FileType{TypeFile, TypeDir, TypeSymlink, TypeHardlink, TypeChar, TypeBlock, TypeFifo}

func fileTypeCode(t FileType) uint8 {
	for i, ft := range fileTypes {
		if ft == t {
			return uint8(i)
		}
	}
	return 0
}

// file is the entry as a File of the merged filesystem (without Layer).
func (e *layerEntry) file() File {
	f := File{Mode: e.Mode, UID: e.UID, GID: e.GID}
	if int(e.Type) < len(fileTypes) {
		f.Type = fileTypes[e.Type]
	}
	switch f.Type {
	case TypeFile:
		f.Size = e.Size
	case TypeSymlink:
		f.Link = e.Link
	case TypeHardlink:
		f.HardLink = e.Link
	}
	return f
}

// entryChunkSize is how many entries one chunk of an entryList holds.
const entryChunkSize = 4096

// entryList holds a layer's entries in fixed chunks: a layer of millions
// of entries grows without append copying (and briefly doubling) one huge
// slice.
type entryList struct {
	chunks [][]layerEntry
	n      int
}

// add appends e and returns where it is kept (chunks never move, so the
// pointer stays valid: the merged index points at its entries).
func (l *entryList) add(e layerEntry) *layerEntry {
	if len(l.chunks) == 0 || len(l.chunks[len(l.chunks)-1]) == cap(l.chunks[len(l.chunks)-1]) {
		l.chunks = append(l.chunks, make([]layerEntry, 0, entryChunkSize))
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, e)
	l.n++
	return &(*last)[len(*last)-1]
}

// addChunk appends a whole chunk (the cache reads them so).
func (l *entryList) addChunk(c []layerEntry) {
	l.chunks = append(l.chunks, c)
	l.n += len(c)
}

func (l *entryList) len() int {
	if l == nil {
		return 0
	}
	return l.n
}

// layerIndex is everything kept of one layer: its entries' headers and the
// captured contents of wanted files. It is what the layer cache stores.
type layerIndex struct {
	DiffID   string
	Entries  entryList
	Captures map[string]*Capture
	// Size is the uncompressed tar stream's length.
	Size int64
	// StreamSize is the length of the stream as read (compressed or not).
	StreamSize int64
	// Compression is "gzip", "zstd" or "none".
	Compression string
	Warnings    []string
	// names holds the entries' names: one allocation per 64 KiB rather
	// than one (rounded up to a size class) per name.
	names nameArena
}

// nameArena keeps strings in shared blocks. A block is never written
// again once a string points into it.
type nameArena struct{ block []byte }

const nameBlockSize = 64 << 10

// keep returns a copy of s that lives in the arena.
func (a *nameArena) keep(s string) string {
	if s == "" || len(s) > nameBlockSize/4 {
		return s
	}
	if cap(a.block)-len(a.block) < len(s) {
		a.block = make([]byte, 0, nameBlockSize)
	}
	start := len(a.block)
	a.block = append(a.block, s...)
	return unsafe.String(&a.block[start], len(s))
}

// nameBytes is what the index's names take, as the budget counts them.
func (li *layerIndex) nameBytes() int {
	n := 0
	for _, c := range li.Entries.chunks {
		for i := range c {
			n += len(c[i].Path) + len(c[i].Link)
		}
	}
	return n
}

// cleanPath turns a tar name into an absolute clean path ("./usr/bin/" →
// "/usr/bin"). A name with a ".." element escapes the root: an error.
func cleanPath(name string) (string, error) {
	for rest := name; rest != ""; {
		el, after, _ := strings.Cut(rest, "/")
		if el == ".." {
			return "", fmt.Errorf("entry %q escapes the image root", name)
		}
		rest = after
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
	// diffID is the uncompressed tar's digest, from the image config;
	// zero when it is not known before reading (the receiver), in which
	// case the index's DiffID is set to the content's.
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
	if want.diffID.Hex == "" {
		// The receiver learns a blob's DiffID from its content: the index
		// is then known to be the computed DiffID's.
		li.DiffID = diff.sum()
	} else if err := diff.check("DiffID", want.diffID); err != nil {
		return nil, err
	}
	li.Size = cr.n
	li.StreamSize = raw.n
	return li, nil
}

// MaxNameLength is the longest path or link target a layer entry may
// have, in bytes (Linux's PATH_MAX). archive/tar accepts PAX and GNU names
// up to 1 MiB; longer than this, a name is refused before it is kept.
const MaxNameLength = 4096

// ErrNameTooLong is wrapped by the error for an entry whose name or link
// target is longer than MaxNameLength.
var ErrNameTooLong = errors.New("name too long")

// checkName refuses a name (path or link target) longer than MaxNameLength.
func checkName(n int, what, name string) error {
	if len(name) <= MaxNameLength {
		return nil
	}
	return fmt.Errorf("tar entry %d: its %s is %d bytes (%q…), more than %d: refused: %w",
		n, what, len(name), name[:32], MaxNameLength, ErrNameTooLong)
}

// indexTar records every entry of a layer's tar and captures the wanted
// files' contents. Names are checked against MaxNameLength and charged to
// the budget's name bytes before they are kept.
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
		if err := checkName(n, "name", hdr.Name); err != nil {
			return err
		}
		if err := checkName(n, "link target", hdr.Linkname); err != nil {
			return err
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
			var e layerEntry
			switch {
			case base == ".wh..wh..opq":
				e = layerEntry{Path: path.Clean(dir), Kind: entryOpaque}
			case strings.HasPrefix(base, ".wh..wh."):
				// Other AUFS metadata (.wh..wh.plnk, .wh..wh.aufs): not files.
				continue
			default:
				e = layerEntry{Path: dir + base[len(".wh."):], Kind: entryWhiteout}
			}
			if err := b.addNames(len(e.Path)); err != nil {
				return err
			}
			e.Path = li.names.keep(e.Path)
			li.Entries.add(e)
			continue
		}
		typ, ok := fileType(hdr)
		if !ok {
			li.warn("%s: tar entry type %q skipped", p, hdr.Typeflag)
			continue
		}
		e := layerEntry{Path: p, Type: fileTypeCode(typ), Mode: Mode(hdr.Mode & 0o7777), UID: hdr.Uid, GID: hdr.Gid}
		switch typ {
		case TypeFile:
			e.Size = hdr.Size
		case TypeSymlink:
			e.Link = hdr.Linkname
		case TypeHardlink:
			target, err := cleanPath(hdr.Linkname)
			if err != nil {
				return fmt.Errorf("hard link %s: %w", p, err)
			}
			e.Link = target
		}
		if err := b.addNames(len(e.Path) + len(e.Link)); err != nil {
			return err
		}
		e.Path, e.Link = li.names.keep(e.Path), li.names.keep(e.Link)
		li.Entries.add(e)
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
