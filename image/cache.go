package image

import (
	"encoding/gob"
	"errors"
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
// entries are then simply not found (and evicted as they age). v3: layer
// indexes are written only after the layer's content was verified against
// its DiffID, so entries of v2 (written unverified, possibly under a
// DiffID a hostile image claimed for other content) are never read. v4:
// Facts.Files is a FileIndex (written as the same path and File chunks).
const cacheVersion = "v4"

// cache stores layer indexes by DiffID and facts by image ID, as gob in
// gzip, one file per entry, under CacheDir/<version>/<wants key>/. Keys
// are verified digests only: a layer index is put after the layer's bytes
// hashed to its DiffID, and facts are keyed by the config's own hash (whose
// DiffIDs the layers were checked against). The cache may be shared by
// every installation of the app, so an entry is a claim about content,
// never about who asked. Writes are atomic (rename); a corrupt or
// unreadable entry is a miss and is rewritten by the next read. A nil or
// disabled cache does nothing.
type cache struct {
	root string // CacheDir; "" disables the cache
	dir  string // root/version/wants
	max  int64
	// maxReceived bounds the push route's records (0: maxReceiveRecords).
	maxReceived int
}

// The push route's records (receiveStore: a file per received blob and
// per engine layer) are kept receiveRecordTTL after they were last
// written, and at most maxReceiveRecords of them, the oldest removed
// first. A record lost costs time (a layer pushed again, a route chosen
// from less), never correctness.
const (
	receiveRecordTTL  = 30 * 24 * time.Hour
	maxReceiveRecords = 20000
)

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

// chunkSize is how many entries one gob message holds: gob buffers a
// whole message, so a big index is written and read in pieces to keep
// memory flat.
const chunkSize = 4096

// layerHeader is a cached layer index without its entries, which follow
// in chunks.
type layerHeader struct {
	DiffID      string
	Captures    map[string]*Capture
	Size        int64
	StreamSize  int64
	Compression string
	Warnings    []string
	Entries     int
}

func (c *cache) getLayer(diffID string) *layerIndex {
	var li *layerIndex
	ok := c.get(filepath.Join("layers", cacheFileName(diffID)), func(dec *gob.Decoder) error {
		var h layerHeader
		if err := dec.Decode(&h); err != nil {
			return err
		}
		if h.DiffID != diffID {
			return errors.New("another layer")
		}
		li = &layerIndex{DiffID: h.DiffID, Captures: h.Captures, Size: h.Size, StreamSize: h.StreamSize,
			Compression: h.Compression, Warnings: h.Warnings}
		for li.Entries.len() < h.Entries {
			var chunk []layerEntry
			if err := dec.Decode(&chunk); err != nil {
				return err
			}
			if len(chunk) == 0 {
				return errors.New("empty chunk")
			}
			li.Entries.addChunk(chunk)
		}
		if li.Entries.len() != h.Entries {
			return errors.New("entry count")
		}
		return nil
	})
	if !ok {
		return nil
	}
	if li.Captures == nil {
		li.Captures = map[string]*Capture{}
	}
	return li
}

func (c *cache) putLayer(li *layerIndex) {
	c.put(filepath.Join("layers", cacheFileName(li.DiffID)), func(enc *gob.Encoder) error {
		h := layerHeader{DiffID: li.DiffID, Captures: li.Captures, Size: li.Size, StreamSize: li.StreamSize,
			Compression: li.Compression, Warnings: li.Warnings, Entries: li.Entries.len()}
		if err := enc.Encode(&h); err != nil {
			return err
		}
		for _, c := range li.Entries.chunks {
			if len(c) == 0 {
				continue
			}
			if err := enc.Encode(c); err != nil {
				return err
			}
		}
		return nil
	})
}

// factsHeader is cached facts without their file index, which follows in
// chunks; Key guards against a misplaced file.
type factsHeader struct {
	Key   string
	Facts *Facts
	Files int
}

// pathFile is one entry of a chunk of the file index.
type pathFile struct {
	Path string
	File File
}

func (c *cache) getFacts(key string) *Facts {
	var f *Facts
	ok := c.get(filepath.Join("facts", cacheFileName(key)), func(dec *gob.Decoder) error {
		var h factsHeader
		if err := dec.Decode(&h); err != nil {
			return err
		}
		if h.Key != key || h.Facts == nil {
			return errors.New("other facts")
		}
		f = h.Facts
		var b indexBuilder
		for len(b.recs) < h.Files {
			var chunk []pathFile
			if err := dec.Decode(&chunk); err != nil {
				return err
			}
			if len(chunk) == 0 {
				return errors.New("empty chunk")
			}
			for _, pf := range chunk {
				b.add(pf.Path, pf.File)
			}
		}
		if len(b.recs) != h.Files {
			return errors.New("file count")
		}
		f.Files = b.finish()
		return nil
	})
	if !ok {
		return nil
	}
	return f
}

func (c *cache) putFacts(key string, f *Facts) {
	c.put(filepath.Join("facts", cacheFileName(key)), func(enc *gob.Encoder) error {
		head := *f
		head.Files = nil
		if err := enc.Encode(&factsHeader{Key: key, Facts: &head, Files: f.Files.Len()}); err != nil {
			return err
		}
		chunk := make([]pathFile, 0, chunkSize)
		for p, file := range f.Files.All() {
			chunk = append(chunk, pathFile{p, file})
			if len(chunk) == chunkSize {
				if err := enc.Encode(chunk); err != nil {
					return err
				}
				chunk = chunk[:0]
			}
		}
		if len(chunk) > 0 {
			return enc.Encode(chunk)
		}
		return nil
	})
}

// get opens an entry and lets decode read it; a missing, corrupt or
// mismatched entry is a miss.
func (c *cache) get(rel string, decode func(*gob.Decoder) error) bool {
	if c == nil || c.dir == "" {
		return false
	}
	name := filepath.Join(c.dir, rel)
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return false
	}
	if err := decode(gob.NewDecoder(zr)); err != nil {
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

// put writes an entry with encode.
func (c *cache) put(rel string, encode func(*gob.Encoder) error) {
	if c == nil || c.dir == "" {
		return
	}
	_ = writeAtomic(filepath.Join(c.dir, rel), func(w io.Writer) error {
		zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		err := encode(gob.NewEncoder(zw))
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// writeAtomic streams write's output into a temporary file beside name and
// renames it into place: readers see the old file or the whole new one,
// and nothing is buffered. A failed write leaves no temporary file.
func writeAtomic(name string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	err = write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}

// cacheFile is one file of the cache's own layout, with what eviction
// orders and counts it by.
type cacheFile struct {
	path  string
	size  int64
	mtime time.Time
}

// evict removes the least recently used entries of every version and
// wants key until the cache fits its bound, then the push route's old or
// surplus records. One walk of the cache dir finds both; only files of
// the cache's own layout are counted and removed:
// <root>/<version>/<wants key>/{layers,facts}/*.gob.gz, and the records
// <root>/<version>/received/blobs/*.json and
// <root>/<version>/received/engines/<engine>/*.json.
func (c *cache) evict() {
	if c == nil || c.root == "" {
		return
	}
	var entries, records []cacheFile
	var total int64
	_ = filepath.WalkDir(c.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(c.root, p)
		if err != nil {
			return nil
		}
		parts := strings.Split(filepath.ToSlash(rel), "/")
		entry := len(parts) == 4 && (parts[2] == "layers" || parts[2] == "facts") && strings.HasSuffix(p, ".gob.gz")
		record := strings.HasSuffix(p, ".json") && (len(parts) == 4 && parts[1] == "received" && parts[2] == "blobs" ||
			len(parts) == 5 && parts[1] == "received" && parts[2] == "engines")
		if !entry && !record {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		f := cacheFile{p, info.Size(), info.ModTime()}
		if entry {
			entries = append(entries, f)
			total += f.size
		} else {
			records = append(records, f)
		}
		return nil
	})
	c.evictReceived(records, time.Now())
	if total <= c.max {
		return
	}
	sortOldestFirst(entries)
	for _, e := range entries {
		if total <= c.max {
			break
		}
		if os.Remove(e.path) == nil {
			total -= e.size
		}
	}
}

// evictReceived removes the push route's records written before
// now-receiveRecordTTL, then the oldest beyond the bound.
func (c *cache) evictReceived(records []cacheFile, now time.Time) {
	kept := records[:0]
	for _, r := range records {
		if now.Sub(r.mtime) > receiveRecordTTL {
			_ = os.Remove(r.path)
			continue
		}
		kept = append(kept, r)
	}
	limit := c.maxReceived
	if limit <= 0 {
		limit = maxReceiveRecords
	}
	if len(kept) <= limit {
		return
	}
	sortOldestFirst(kept)
	for _, r := range kept[:len(kept)-limit] {
		_ = os.Remove(r.path)
	}
}

func sortOldestFirst(fs []cacheFile) {
	sort.Slice(fs, func(i, j int) bool { return fs[i].mtime.Before(fs[j].mtime) })
}

// layerPath is where the index of the layer diffID is kept ("" when the
// cache is disabled).
func (c *cache) layerPath(diffID string) string {
	if c == nil || c.dir == "" {
		return ""
	}
	return filepath.Join(c.dir, "layers", cacheFileName(diffID))
}

// hasLayer reports whether the index of the layer diffID is cached,
// without reading it.
func (c *cache) hasLayer(diffID string) bool {
	p := c.layerPath(diffID)
	if p == "" {
		return false
	}
	_, err := os.Stat(p)
	return err == nil
}

// layerSize is the uncompressed size of a cached layer, read from its
// entry's header only: an estimate for choosing how to read an image, not
// a verified figure.
func (c *cache) layerSize(diffID string) (int64, bool) {
	p := c.layerPath(diffID)
	if p == "" {
		return 0, false
	}
	f, err := os.Open(p)
	if err != nil {
		return 0, false
	}
	defer func() { _ = f.Close() }()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return 0, false
	}
	var h layerHeader
	if err := gob.NewDecoder(zr).Decode(&h); err != nil || h.DiffID != diffID {
		return 0, false
	}
	return h.Size, true
}
