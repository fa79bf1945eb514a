package image

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// tarFile is a tar file on disk indexed once, so that its members (a
// `docker save`'s config and layers) are read in place, in parallel,
// without rescanning the tar for each of them.
type tarFile struct {
	f       *os.File
	members map[string]tarMember
}

type tarMember struct {
	offset, size int64
	typ          byte
	link         string
}

func openTarFile(name string) (*tarFile, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	t := &tarFile{f: f, members: map[string]tarMember{}}
	// tar.Reader reads headers without reading ahead and skips data with
	// Seek, so the file offset after Next is the member's data offset.
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		off, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			_ = f.Close()
			return nil, err
		}
		t.members[memberName(hdr.Name)] = tarMember{offset: off, size: hdr.Size, typ: hdr.Typeflag, link: hdr.Linkname}
	}
	return t, nil
}

func memberName(n string) string {
	return strings.TrimPrefix(path.Clean("/"+n), "/")
}

// open returns a member's content, following symbolic and hard links (the
// legacy save format links duplicate layers to their first copy).
func (t *tarFile) open(name string) (*io.SectionReader, error) {
	name = memberName(name)
	for hops := 0; hops < 16; hops++ {
		m, ok := t.members[name]
		if !ok {
			return nil, fmt.Errorf("%s: not in the archive", name)
		}
		switch m.typ {
		case tar.TypeSymlink:
			name = memberName(path.Join(path.Dir(name), m.link))
			continue
		case tar.TypeLink:
			name = memberName(m.link)
			continue
		}
		return io.NewSectionReader(t.f, m.offset, m.size), nil
	}
	return nil, fmt.Errorf("%s: too many links", name)
}

func (t *tarFile) has(name string) bool {
	_, ok := t.members[memberName(name)]
	return ok
}

// readAll reads a metadata member (manifest, index, config) whole.
func (t *tarFile) readAll(name string) ([]byte, error) {
	sr, err := t.open(name)
	if err != nil {
		return nil, err
	}
	if sr.Size() > maxMetadataSize {
		return nil, fmt.Errorf("%s: %d bytes, more than %d", name, sr.Size(), maxMetadataSize)
	}
	return io.ReadAll(sr)
}

func (t *tarFile) Close() error { return t.f.Close() }
