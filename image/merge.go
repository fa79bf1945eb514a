package image

import (
	"fmt"
	"path"
	"strings"
)

// node is one path of the merged filesystem.
type node struct {
	file     File
	capture  *Capture
	children map[string]*node // directories only
	// path is the node's full path when an entry gave it ("" for the root
	// and directories mkdirs made).
	path string
}

// tree is the filesystem the layers build, one layer over the other,
// following the OCI changeset rules (and overlayfs, which implements them).
type tree struct {
	root     *node
	warnings []string
}

func newTree() *tree {
	return &tree{root: &node{file: File{Type: TypeDir, Mode: 0o755}, children: map[string]*node{}}}
}

func (t *tree) warn(format string, args ...any) {
	if len(t.warnings) < maxWarnings {
		t.warnings = append(t.warnings, fmt.Sprintf(format, args...))
	}
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// lookup finds p literally (symlinks are not followed).
func (t *tree) lookup(p string) *node {
	n := t.root
	for _, el := range splitPath(p) {
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
func (t *tree) mkdirs(p string, layer int) *node {
	n := t.root
	cur := ""
	for _, el := range splitPath(p) {
		cur += "/" + el
		c := n.children[el]
		if c == nil || c.file.Type != TypeDir {
			if c != nil {
				t.warn("layer %d: %s is a %s in a lower layer and a directory here", layer, cur, c.file.Type)
			}
			c = &node{file: File{Type: TypeDir, Mode: 0o755, Layer: layer}, children: map[string]*node{}}
			n.children[el] = c
		}
		n = c
	}
	return n
}

// apply lays one layer over the tree: first its whiteouts and opaque
// directories, which only hide what lower layers hold, then its entries in
// tar order.
func (t *tree) apply(layer int, li *layerIndex) {
	for _, c := range li.Entries.chunks {
		for i := range c {
			e := &c[i]
			switch e.Kind {
			case entryOpaque:
				if n := t.lookup(e.Path); n != nil && n.file.Type == TypeDir {
					n.children = map[string]*node{}
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
func (t *tree) add(layer int, li *layerIndex, e *layerEntry) {
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
	// The node keeps the entry's path, which flatten reuses as the key of
	// the merged index instead of building every path again.
	n := &node{file: f, path: e.Path}
	switch f.Type {
	case TypeDir:
		n.children = map[string]*node{}
	case TypeFile:
		n.capture = li.Captures[e.Path]
	case TypeHardlink:
		t.link(n, e.Path, layer)
	}
	parent.children[base] = n
}

// link gives a hard link its target's attributes and capture. The target
// is in this layer (earlier in the tar) or a lower one.
func (t *tree) link(n *node, p string, layer int) {
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
func (t *tree) flatten(sizeHint int) (map[string]File, map[string]*Capture) {
	files := make(map[string]File, sizeHint)
	caps := map[string]*Capture{}
	var walk func(p string, n *node)
	walk = func(p string, n *node) {
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
