package image

import (
	"fmt"
	"math/rand/v2"
	"path"
	"reflect"
	"strings"
	"testing"
)

// TestMergeMatchesReference lays random layers (duplicates, whiteouts,
// opaque directories, files over directories, hard links in any order)
// with the flat tree and with the pointer tree it replaced, kept here as
// the reference: the files, captures and warnings must be the same.
func TestMergeMatchesReference(t *testing.T) {
	names := []string{"a", "b", "a-b", "c"}
	randPath := func(r *rand.Rand) string {
		var els []string
		for range 1 + r.IntN(3) {
			els = append(els, names[r.IntN(len(names))])
		}
		return "/" + strings.Join(els, "/")
	}
	for seed := range uint64(3000) {
		r := rand.New(rand.NewPCG(seed, 9))
		var layers []*layerIndex
		for range 1 + r.IntN(4) {
			li := &layerIndex{Captures: map[string]*Capture{}}
			for range r.IntN(12) {
				p := randPath(r)
				e := layerEntry{Path: p, Mode: Mode(r.IntN(0o1000)), UID: r.IntN(3), Size: int64(r.IntN(5))}
				switch k := r.IntN(10); {
				case k < 3:
					e.Type = fileTypeCode(TypeFile)
					if r.IntN(2) == 0 {
						li.Captures[p] = &Capture{Data: []byte(p)}
					}
				case k < 5:
					e.Type = fileTypeCode(TypeDir)
				case k < 6:
					e.Type, e.Link = fileTypeCode(TypeSymlink), randPath(r)
				case k < 8:
					e.Type, e.Link = fileTypeCode(TypeHardlink), randPath(r)
				case k < 9:
					e = layerEntry{Path: p, Kind: entryWhiteout}
				default:
					e = layerEntry{Path: path.Dir(p), Kind: entryOpaque}
				}
				if r.IntN(20) == 0 {
					e = layerEntry{Path: "/", Type: fileTypeCode(TypeDir), Mode: 0o700}
				}
				li.Entries.add(e)
			}
			layers = append(layers, li)
		}
		ref := newRefTree()
		flat := newTree(0)
		for i, li := range layers {
			ref.apply(i, li)
			flat.apply(i, li)
		}
		wantFiles, wantCaps := ref.flatten(0)
		warnings := flat.warnings
		idx, caps := flat.flatten()
		got := map[string]File{}
		for p, f := range idx.All() {
			got[p] = f
		}
		if !reflect.DeepEqual(got, wantFiles) || !reflect.DeepEqual(caps, wantCaps) || !reflect.DeepEqual(warnings, ref.warnings) {
			var desc []string
			for i, li := range layers {
				for _, c := range li.Entries.chunks {
					for _, e := range c {
						desc = append(desc, fmt.Sprintf("%d:%d:%s:%s->%s", i, e.Kind, fileTypes[e.Type], e.Path, e.Link))
					}
				}
			}
			t.Fatalf("seed %d: layers %v\ngot  %v\nwant %v\ncaps %v / %v\nwarnings %q / %q", seed, desc, got, wantFiles, caps, wantCaps, warnings, ref.warnings)
		}
		for p, f := range wantFiles {
			if g, ok := idx.Get(p); !ok || g != f {
				t.Fatalf("seed %d: Get(%s) = %+v %v; want %+v", seed, p, g, ok, f)
			}
		}
	}
}

// The pointer tree the flat one replaced, as it was.

// refNode is one path of the merged filesystem.
type refNode struct {
	file     File
	capture  *Capture
	children map[string]*refNode // directories only
	// path is the refNode's full path when an entry gave it ("" for the root
	// and directories mkdirs made).
	path string
}

// tree is the filesystem the layers build, one layer over the other,
// following the OCI changeset rules (and overlayfs, which implements them).
type refTree struct {
	root     *refNode
	warnings []string
}

func newRefTree() *refTree {
	return &refTree{root: &refNode{file: File{Type: TypeDir, Mode: 0o755}, children: map[string]*refNode{}}}
}

func (t *refTree) warn(format string, args ...any) {
	if len(t.warnings) < maxWarnings {
		t.warnings = append(t.warnings, fmt.Sprintf(format, args...))
	}
}

func refSplitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// lookup finds p literally (symlinks are not followed).
func (t *refTree) lookup(p string) *refNode {
	n := t.root
	for _, el := range refSplitPath(p) {
		if n.children == nil {
			return nil
		}
		n = n.children[el]
		if n == nil {
			return nil
		}
	}
	return n
}

// mkdirs returns the directory p, creating missing directories (a layer may
// omit its parents' entries). A non-directory in the way is replaced, as an
// upper directory hides a lower non-directory in overlayfs.
func (t *refTree) mkdirs(p string, layer int) *refNode {
	n := t.root
	cur := ""
	for _, el := range refSplitPath(p) {
		cur += "/" + el
		c := n.children[el]
		if c == nil || c.file.Type != TypeDir {
			if c != nil {
				t.warn("layer %d: %s is a %s in a lower layer and a directory here", layer, cur, c.file.Type)
			}
			c = &refNode{file: File{Type: TypeDir, Mode: 0o755, Layer: layer}, children: map[string]*refNode{}}
			n.children[el] = c
		}
		n = c
	}
	return n
}

// apply lays one layer over the tree: first its whiteouts and opaque
// directories, which only hide what lower layers hold, then its entries in
// tar order.
func (t *refTree) apply(layer int, li *layerIndex) {
	for _, c := range li.Entries.chunks {
		for i := range c {
			e := &c[i]
			switch e.Kind {
			case entryOpaque:
				if n := t.lookup(e.Path); n != nil && n.file.Type == TypeDir {
					n.children = map[string]*refNode{}
				}
			case entryWhiteout:
				dir, base := path.Split(e.Path)
				if parent := t.lookup(dir); parent != nil && parent.children != nil {
					delete(parent.children, base)
				}
			}
		}
	}
	for _, c := range li.Entries.chunks {
		for i := range c {
			if c[i].Kind == entryFile {
				t.add(layer, li, &c[i])
			}
		}
	}
}

// add lays one entry over the tree.
func (t *refTree) add(layer int, li *layerIndex, e *layerEntry) {
	f := e.file()
	f.Layer = layer
	if e.Path == "/" {
		if f.Type == TypeDir {
			t.root.file = f
		}
		return
	}
	dir, base := path.Split(e.Path)
	parent := t.mkdirs(dir, layer)
	old := parent.children[base]
	if f.Type == TypeDir && old != nil && old.file.Type == TypeDir {
		old.file = f
		old.capture = nil
		old.path = e.Path
		return
	}
	// The refNode keeps the entry's path, which flatten reuses as the key of
	// the merged index instead of building every path again.
	n := &refNode{file: f, path: e.Path}
	switch f.Type {
	case TypeDir:
		n.children = map[string]*refNode{}
	case TypeFile:
		n.capture = li.Captures[e.Path]
	case TypeHardlink:
		t.link(n, e.Path, layer)
	}
	parent.children[base] = n
}

// link gives a hard link its target's attributes and capture. The target
// is in this layer (earlier in the tar) or a lower one.
func (t *refTree) link(n *refNode, p string, layer int) {
	target := n.file.HardLink
	tn := t.lookup(target)
	if tn == nil || tn.file.Type == TypeDir {
		t.warn("layer %d: hard link %s: target %s not found", layer, p, target)
		return
	}
	canonical := target
	if tn.file.HardLink != "" {
		canonical = tn.file.HardLink
	}
	f := tn.file
	f.HardLink = canonical
	f.Layer = layer
	n.file = f
	n.capture = tn.capture
}

// flatten lists the merged filesystem: every path with its entry, and the
// captures of the files that survived.
func (t *refTree) flatten(sizeHint int) (map[string]File, map[string]*Capture) {
	files := make(map[string]File, sizeHint)
	caps := map[string]*Capture{}
	var walk func(p string, n *refNode)
	walk = func(p string, n *refNode) {
		files[p] = n.file
		if n.capture != nil {
			caps[p] = n.capture
		}
		prefix := p + "/"
		if p == "/" {
			prefix = "/"
		}
		for name, c := range n.children {
			cp := c.path
			if cp == "" {
				cp = prefix + name
			}
			walk(cp, c)
		}
		// Walked: let the subtree go while the index is built.
		n.children = nil
	}
	walk("/", t.root)
	return files, caps
}
