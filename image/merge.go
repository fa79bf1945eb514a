package image

import (
	"fmt"
	"hash/maphash"
	"path"
)

// tree is the filesystem the layers build, one layer over the other,
// following the OCI changeset rules (and overlayfs, which implements them).
//
// It is a tree kept flat, for memory: a table from each path to its node
// (24 bytes, pointing at the layer entry that made it), nodes in chunks.
// A node knows its parent and the parent's generation when it was added;
// it is in the tree while the map still names it at its path and its
// parent is in the tree at that same generation. So replacing a
// directory, whiting it out or making it opaque (a new generation) drops
// its whole subtree at once without visiting it.
type tree struct {
	nodes [][]mnode
	n     int
	index *pathTable
	// made holds the entries the tree makes itself: the root and the
	// directories a layer implies without listing them.
	made entryList
	// hard holds the File of a hard link node (its target's attributes).
	hard     map[int32]File
	captures map[int32]*Capture
	warnings []string
	// last is the directory mkdirs returned last, valid while no node was
	// dropped since (epoch): a layer's entries come directory by directory.
	last      string
	lastID    int32
	lastEpoch uint64
	epoch     uint64
}

// mnode is one node of the tree.
type mnode struct {
	// e is the entry that made the node: its path and (but for hard
	// links, see tree.hard) its attributes.
	e      *layerEntry
	layer  int32
	parent int32
	// pgen is the parent's gen when the node was added; gen counts the
	// times the node's children were dropped (opaque directory).
	pgen, gen uint32
}

const nodeChunk = 4096

var (
	dirCode      = fileTypeCode(TypeDir)
	hardlinkCode = fileTypeCode(TypeHardlink)
)

// newTree makes a tree with only the root, its path map sized for about
// sizeHint paths.
func newTree(sizeHint int) *tree {
	t := &tree{hard: map[int32]File{}, captures: map[int32]*Capture{}}
	t.index = newPathTable(sizeHint, func(id int32) string { return t.node(id).e.Path })
	t.newNode(t.made.add(layerEntry{Path: "/", Type: dirCode, Mode: 0o755}), 0, -1, 0)
	return t
}

func (t *tree) node(id int32) *mnode { return &t.nodes[id/nodeChunk][id%nodeChunk] }

func (t *tree) newNode(e *layerEntry, layer int, parent int32, pgen uint32) int32 {
	if t.n%nodeChunk == 0 {
		t.nodes = append(t.nodes, make([]mnode, nodeChunk))
	}
	id := int32(t.n)
	t.n++
	*t.node(id) = mnode{e: e, layer: int32(layer), parent: parent, pgen: pgen}
	t.index.set(e.Path, id)
	return id
}

func (t *tree) warn(format string, args ...any) {
	if len(t.warnings) < maxWarnings {
		t.warnings = append(t.warnings, fmt.Sprintf(format, args...))
	}
}

// file is the node's entry as a File of the merged filesystem.
func (t *tree) file(id int32) File {
	n := t.node(id)
	if n.e.Type == hardlinkCode {
		if f, ok := t.hard[id]; ok {
			return f
		}
	}
	f := n.e.file()
	f.Layer = int(n.layer)
	return f
}

func (t *tree) isDir(id int32) bool {
	n := t.node(id)
	return n.e.Kind == entryFile && n.e.Type == dirCode
}

// child returns the node at p if it is in the tree as a child of parent
// (itself in the tree).
func (t *tree) child(parent int32, p string) (int32, bool) {
	id, ok := t.index.get(p)
	if !ok || id == 0 {
		return 0, false
	}
	n := t.node(id)
	return id, n.parent == parent && n.pgen == t.node(parent).gen
}

// inTree reports whether node id is in the tree.
func (t *tree) inTree(id int32) bool {
	for id != 0 {
		n := t.node(id)
		if cur, ok := t.index.get(n.e.Path); !ok || cur != id || t.node(n.parent).gen != n.pgen {
			return false
		}
		id = n.parent
	}
	return true
}

// lookup finds p literally (symlinks are not followed).
func (t *tree) lookup(p string) (int32, bool) {
	id, ok := t.index.get(p)
	return id, ok && t.inTree(id)
}

// drop records that nodes left the tree (a cached mkdirs may be stale).
func (t *tree) drop() { t.epoch++ }

// mkdirs returns the directory p, creating missing directories (a layer may
// omit its parents' entries). A non-directory in the way is replaced, as an
// upper directory hides a lower non-directory in overlayfs.
func (t *tree) mkdirs(p string, layer int) int32 {
	if p == "/" {
		return 0
	}
	if p == t.last && t.epoch == t.lastEpoch {
		return t.lastID
	}
	id := int32(0)
	for i := 1; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			continue
		}
		cur := p[:i]
		c, ok := t.child(id, cur)
		if !ok || !t.isDir(c) {
			if ok {
				t.warn("layer %d: %s is a %s in a lower layer and a directory here", layer, cur, t.file(c).Type)
				t.drop()
			}
			e := t.made.add(layerEntry{Path: cur, Type: dirCode, Mode: 0o755})
			c = t.newNode(e, layer, id, t.node(id).gen)
		}
		id = c
	}
	t.last, t.lastID, t.lastEpoch = p, id, t.epoch
	return id
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
				if id, ok := t.lookup(e.Path); ok && t.isDir(id) {
					t.node(id).gen++
					t.drop()
				}
			case entryWhiteout:
				if id, ok := t.lookup(e.Path); ok && id != 0 {
					t.index.delete(e.Path)
					t.drop()
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
	if e.Path == "/" {
		if e.Type == dirCode {
			root := t.node(0)
			root.e, root.layer = e, int32(layer)
		}
		return
	}
	parent := t.mkdirs(path.Dir(e.Path), layer)
	old, ok := t.child(parent, e.Path)
	if ok && e.Type == dirCode && t.isDir(old) {
		n := t.node(old)
		n.e, n.layer = e, int32(layer)
		return
	}
	var hard *File
	var c *Capture
	switch e.Type {
	case fileTypeCode(TypeFile):
		c = li.Captures[e.Path]
	case hardlinkCode:
		// The target is looked up before the link takes its place.
		hard, c = t.link(e.Path, e.Link, layer)
	}
	if ok {
		t.drop() // the old node and its subtree
	}
	id := t.newNode(e, layer, parent, t.node(parent).gen)
	if hard != nil {
		t.hard[id] = *hard
	}
	if c != nil {
		t.captures[id] = c
	}
}

// link returns a hard link's File (its target's attributes) and capture.
// The target is in this layer (earlier in the tar) or a lower one; nil
// when it is not found.
func (t *tree) link(p, target string, layer int) (*File, *Capture) {
	tid, ok := t.lookup(target)
	if !ok || t.isDir(tid) {
		t.warn("layer %d: hard link %s: target %s not found", layer, p, target)
		return nil, nil
	}
	f := t.file(tid)
	canonical := target
	if f.HardLink != "" {
		canonical = f.HardLink
	}
	f.HardLink = canonical
	f.Layer = layer
	return &f, t.captures[tid]
}

// flatten lists the merged filesystem as an index, with the captures of
// the files that survived, by path. The tree is spent.
func (t *tree) flatten() (*FileIndex, map[string]*Capture) {
	// state memoises inTree: 0 unknown, 1 in, 2 out.
	state := make([]uint8, t.n)
	state[0] = 1
	var in func(id int32) bool
	in = func(id int32) bool {
		if state[id] == 0 {
			n := t.node(id)
			state[id] = 2
			if cur, _ := t.index.get(n.e.Path); cur == id && t.node(n.parent).gen == n.pgen && in(n.parent) {
				state[id] = 1
			}
		}
		return state[id] == 1
	}
	recs := make([]fileRec, 0, t.index.live)
	extra := map[*layerEntry]File{}
	caps := map[string]*Capture{}
	// In the order the nodes were made (tar order, layer by layer), which
	// is nearly sorted already: the sort below has little to do.
	for id := range int32(t.n) {
		if cur, ok := t.index.get(t.node(id).e.Path); !ok || cur != id || !in(id) {
			continue
		}
		n := t.node(id)
		recs = append(recs, fileRec{e: n.e, layer: n.layer})
		if f, ok := t.hard[id]; ok {
			extra[n.e] = f
		}
		if c := t.captures[id]; c != nil {
			caps[n.e.Path] = c
		}
	}
	t.index, t.nodes, t.hard, t.captures = nil, nil, nil, nil
	return newFileIndex(recs, extra), caps
}

// pathTable maps a path to the node that holds it: open addressing over
// node ids (4 bytes a slot, the path read from the node), where a
// map[string]int32 takes over 50 bytes an entry.
type pathTable struct {
	slots []int32 // a node id, or empty or deleted
	used  int     // slots not empty (deleted ones included)
	live  int
	seed  maphash.Seed
	path  func(id int32) string
}

const (
	slotEmpty   int32 = -1
	slotDeleted int32 = -2
)

func newPathTable(sizeHint int, path func(int32) string) *pathTable {
	n := 16
	for n*3 < sizeHint*4 {
		n *= 2
	}
	t := &pathTable{seed: maphash.MakeSeed(), path: path}
	t.slots = make([]int32, n)
	for i := range t.slots {
		t.slots[i] = slotEmpty
	}
	return t
}

// find returns the slot of p, or where it would go (the first deleted
// slot on its probe sequence, else the empty one that ends it).
func (t *pathTable) find(p string) (slot int, found bool) {
	mask := len(t.slots) - 1
	i := int(maphash.String(t.seed, p)) & mask
	free := -1
	for step := 1; ; step++ {
		switch id := t.slots[i]; id {
		case slotEmpty:
			if free < 0 {
				free = i
			}
			return free, false
		case slotDeleted:
			if free < 0 {
				free = i
			}
		default:
			if t.path(id) == p {
				return i, true
			}
		}
		i = (i + step) & mask // triangular probing visits every slot
	}
}

func (t *pathTable) get(p string) (int32, bool) {
	i, ok := t.find(p)
	if !ok {
		return 0, false
	}
	return t.slots[i], true
}

// set makes p name node id (the node's path is p).
func (t *pathTable) set(p string, id int32) {
	i, ok := t.find(p)
	if !ok {
		if t.slots[i] == slotEmpty {
			t.used++
		}
		t.live++
	}
	t.slots[i] = id
	if t.used*4 > len(t.slots)*3 {
		t.rehash()
	}
}

func (t *pathTable) delete(p string) {
	if i, ok := t.find(p); ok {
		t.slots[i] = slotDeleted
		t.live--
	}
}

// rehash grows the table (or only clears its deleted slots).
func (t *pathTable) rehash() {
	old := t.slots
	n := len(old)
	if t.live*2 > n {
		n *= 2
	}
	t.slots = make([]int32, n)
	for i := range t.slots {
		t.slots[i] = slotEmpty
	}
	t.used, t.live = 0, 0
	for _, id := range old {
		if id >= 0 {
			t.set(t.path(id), id)
		}
	}
}
