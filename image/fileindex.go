package image

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"iter"
	"slices"
	"strings"
)

// FileIndex is an image's final filesystem: every path (absolute, clean)
// with its entry. It is immutable once built and safe for concurrent use.
//
// It is kept compact because an image may hold millions of paths: one
// 16-byte record a path, sorted, pointing at the layer entry that gave it
// (whose name it shares) instead of a map of copied Files. Lookups are
// binary searches; a directory's children are the records that follow
// it, whole subtrees skipped.
type FileIndex struct {
	// recs are sorted by cmpPath, so a directory's subtree follows it.
	recs []fileRec
	// extra holds the Files a record's entry does not describe exactly
	// (a hard link carries its target's attributes), by the record's entry.
	extra map[*layerEntry]File
}

// fileRec is one path of a FileIndex.
type fileRec struct {
	// e gives the path and, with layer, the File (unless extra has it).
	e     *layerEntry
	layer int32
	// next is the index of the first record after this one's subtree.
	next uint32
}

// cmpPath orders paths element by element: as bytes, but with '/' before
// every other byte, so that "/a/b" sorts before "/a-c" and a path's
// descendants come right after it.
func cmpPath(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		switch {
		case x == '/':
			return -1
		case y == '/':
			return 1
		case x < y:
			return -1
		default:
			return 1
		}
	}
	return len(a) - len(b)
}

// NewFileIndex builds an index of the given files (paths absolute and
// clean), for facts made by hand.
func NewFileIndex(files map[string]File) *FileIndex {
	var b indexBuilder
	for p, f := range files {
		b.add(p, f)
	}
	return b.finish()
}

// indexBuilder makes a FileIndex from paths and Files given in any order.
type indexBuilder struct {
	ents  entryList
	recs  []fileRec
	extra map[*layerEntry]File
}

// entryFor is the layer entry that describes f at p, and whether it does
// so exactly (else the File goes to extra).
func entryFor(p string, f File) (layerEntry, bool) {
	e := layerEntry{Path: p, Type: fileTypeCode(f.Type), Mode: f.Mode, UID: f.UID, GID: f.GID, Size: f.Size}
	switch f.Type {
	case TypeSymlink:
		e.Link = f.Link
	case TypeHardlink:
		e.Link = f.HardLink
	}
	g := e.file()
	g.Layer = int(int32(f.Layer))
	return e, g == f
}

func (b *indexBuilder) add(p string, f File) {
	e, exact := entryFor(p, f)
	ep := b.ents.add(e)
	b.recs = append(b.recs, fileRec{e: ep, layer: int32(f.Layer)})
	if !exact {
		if b.extra == nil {
			b.extra = map[*layerEntry]File{}
		}
		b.extra[ep] = f
	}
}

func (b *indexBuilder) finish() *FileIndex {
	return newFileIndex(b.recs, b.extra)
}

// newFileIndex sorts the records and links each to the end of its subtree.
func newFileIndex(recs []fileRec, extra map[*layerEntry]File) *FileIndex {
	slices.SortFunc(recs, func(a, b fileRec) int { return cmpPath(a.e.Path, b.e.Path) })
	// A stack of the records whose subtree is open: each is closed by the
	// first record that is not below it.
	var open []int
	for i := range recs {
		p := recs[i].e.Path
		for len(open) > 0 && !isBelow(p, recs[open[len(open)-1]].e.Path) {
			recs[open[len(open)-1]].next = uint32(i)
			open = open[:len(open)-1]
		}
		open = append(open, i)
	}
	for _, j := range open {
		recs[j].next = uint32(len(recs))
	}
	return &FileIndex{recs: recs, extra: extra}
}

// isBelow reports whether p is a descendant of dir.
func isBelow(p, dir string) bool {
	if dir == "/" {
		return p != "/"
	}
	return len(p) > len(dir) && p[len(dir)] == '/' && strings.HasPrefix(p, dir)
}

// Len is the number of paths.
func (x *FileIndex) Len() int {
	if x == nil {
		return 0
	}
	return len(x.recs)
}

// IsZero reports whether the index holds no path (JSON omits it then).
func (x *FileIndex) IsZero() bool { return x.Len() == 0 }

func (x *FileIndex) file(i int) File {
	r := &x.recs[i]
	if f, ok := x.extra[r.e]; ok {
		return f
	}
	f := r.e.file()
	f.Layer = int(r.layer)
	return f
}

// find returns the record of p.
func (x *FileIndex) find(p string) (int, bool) {
	if x == nil {
		return 0, false
	}
	return slices.BinarySearchFunc(x.recs, p, func(r fileRec, p string) int { return cmpPath(r.e.Path, p) })
}

// Get returns the entry at p exactly as written (no link followed; p
// absolute and clean).
func (x *FileIndex) Get(p string) (File, bool) {
	i, ok := x.find(p)
	if !ok {
		return File{}, false
	}
	return x.file(i), true
}

// All yields every path with its entry, a directory before its contents.
func (x *FileIndex) All() iter.Seq2[string, File] {
	return func(yield func(string, File) bool) {
		for i := range x.Len() {
			if !yield(x.recs[i].e.Path, x.file(i)) {
				return
			}
		}
	}
}

// names lists the names directly in dir, sorted; false when dir is not in
// the index.
func (x *FileIndex) names(dir string) ([]string, bool) {
	i, ok := x.find(dir)
	if !ok {
		return nil, false
	}
	prefix := dir + "/"
	if dir == "/" {
		prefix = "/"
	}
	var names []string
	for j := i + 1; j < int(x.recs[i].next); j = int(x.recs[j].next) {
		// A path whose parent is missing (facts made by hand) is not a
		// name of dir.
		if rest := x.recs[j].e.Path[len(prefix):]; !strings.Contains(rest, "/") {
			names = append(names, rest)
		}
	}
	sortStrings(names)
	return names, true
}

// MarshalJSON writes the index as an object of paths in byte order, as a
// map[string]File is written.
func (x *FileIndex) MarshalJSON() ([]byte, error) {
	order := make([]int, x.Len())
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(x.recs[a].e.Path, x.recs[b].e.Path) })
	var buf bytes.Buffer
	// Written unescaped: the encoder that calls MarshalJSON escapes HTML
	// characters when it is set to, as it does for a map.
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('{')
	for n, i := range order {
		if n > 0 {
			buf.WriteByte(',')
		}
		if err := enc.Encode(x.recs[i].e.Path); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
		buf.WriteByte(':')
		if err := enc.Encode(x.file(i)); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads an object of paths, as MarshalJSON writes it.
func (x *FileIndex) UnmarshalJSON(b []byte) error {
	var m map[string]File
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*x = *NewFileIndex(m)
	return nil
}

// GobEncode writes the index as path and File pairs (the facts cache
// writes them in chunks itself; this is for any other gob user).
func (x *FileIndex) GobEncode() ([]byte, error) {
	pairs := make([]pathFile, 0, x.Len())
	for p, f := range x.All() {
		pairs = append(pairs, pathFile{p, f})
	}
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(pairs)
	return buf.Bytes(), err
}

// GobDecode reads what GobEncode wrote.
func (x *FileIndex) GobDecode(b []byte) error {
	var pairs []pathFile
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&pairs); err != nil {
		return err
	}
	var ib indexBuilder
	for _, pf := range pairs {
		ib.add(pf.Path, pf.File)
	}
	*x = *ib.finish()
	return nil
}
