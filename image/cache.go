package image

import (
	"bytes"
	"encoding/gob"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

// DefaultCacheMaxBytes bounds the cache when Options.CacheMaxBytes is zero.
const DefaultCacheMaxBytes = 1 << 30

// cacheVersion changes whenever the encoded types change meaning; old
// entries are then simply not found (and evicted as they age).
const cacheVersion = "v1"

// cache stores layer indexes by DiffID and facts by image ID, as gob in
// gzip, one file per entry, under CacheDir/<version>/<wants key>/. Writes
// are atomic (rename); a corrupt or unreadable entry is a miss and is
// rewritten by the next read. A nil or disabled cache does nothing.
type cache struct {
	root string // CacheDir; "" disables the cache
	dir  string // root/version/wants
	max  int64
}

func newCache(root string, max int64, wantsKey string) *cache {
	if max <= 0 {
		max = DefaultCacheMaxBytes
	}
	c := &cache{root: root, max: max}
	if root != "" {
		c.dir = filepath.Join(root, cacheVersion, wantsKey)
	}
	return c
}

func cacheFileName(key string) string {
	return strings.NewReplacer(":", "-", "/", "_").Replace(key) + ".gob.gz"
}

func (c *cache) getLayer(diffID string) *layerIndex {
	var li layerIndex
	if !c.get(filepath.Join("layers", cacheFileName(diffID)), &li) || li.DiffID != diffID {
		return nil
	}
	if li.Captures == nil {
		li.Captures = map[string]*Capture{}
	}
	return &li
}

func (c *cache) putLayer(li *layerIndex) {
	c.put(filepath.Join("layers", cacheFileName(li.DiffID)), li)
}

// cachedFacts wraps facts with their key, so a misplaced file is a miss.
type cachedFacts struct {
	Key   string
	Facts *Facts
}

func (c *cache) getFacts(key string) *Facts {
	var cf cachedFacts
	if !c.get(filepath.Join("facts", cacheFileName(key)), &cf) || cf.Key != key || cf.Facts == nil {
		return nil
	}
	return cf.Facts
}

func (c *cache) putFacts(key string, f *Facts) {
	c.put(filepath.Join("facts", cacheFileName(key)), cachedFacts{Key: key, Facts: f})
}

func (c *cache) get(rel string, v any) bool {
	if c == nil || c.dir == "" {
		return false
	}
	name := filepath.Join(c.dir, rel)
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return false
	}
	if err := gob.NewDecoder(zr).Decode(v); err != nil {
		return false
	}
	// Read to the end so the gzip checksum is verified.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return false
	}
	now := time.Now()
	_ = os.Chtimes(name, now, now) // recently used: evicted last
	return true
}

func (c *cache) put(rel string, v any) {
	if c == nil || c.dir == "" {
		return
	}
	name := filepath.Join(c.dir, rel)
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err := gob.NewEncoder(zw).Encode(v); err != nil {
		return
	}
	if err := zw.Close(); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return
	}
	_, err = tmp.Write(buf.Bytes())
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
}

// evict removes the least recently used entries of every version and
// wants key until the cache fits its bound.
func (c *cache) evict() {
	if c == nil || c.root == "" {
		return
	}
	type entry struct {
		path  string
		size  int64
		mtime time.Time
	}
	var entries []entry
	var total int64
	// Only files of the cache's own layout are counted and removed:
	// <root>/<version>/<wants key>/{layers,facts}/*.gob.gz.
	_ = filepath.WalkDir(c.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".gob.gz") {
			return nil
		}
		rel, err := filepath.Rel(c.root, p)
		if err != nil {
			return nil
		}
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) != 4 || (parts[2] != "layers" && parts[2] != "facts") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		entries = append(entries, entry{p, info.Size(), info.ModTime()})
		total += info.Size()
		return nil
	})
	if total <= c.max {
		return
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].mtime.Before(entries[j].mtime) })
	for _, e := range entries {
		if total <= c.max {
			break
		}
		if os.Remove(e.path) == nil {
			total -= e.size
		}
	}
}
