package image

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// readCounter records the layers actually read from their source.
type readCounter struct {
	mu   sync.Mutex
	read []string
}

func (r *readCounter) hook(diffID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.read = append(r.read, diffID)
}

func (r *readCounter) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.read
	r.read = nil
	sort.Strings(out)
	return out
}

func diffIDs(t *testing.T, layers ...v1.Layer) []string {
	var out []string
	for _, l := range layers {
		d, err := l.DiffID()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d.String())
	}
	sort.Strings(out)
	return out
}

func TestLayerCacheSharesBaseLayers(t *testing.T) {
	reg := testRegistry(t)
	layers := debianLayers(t)
	extra := layer(t, exe("usr/local/bin/coder-tool", "tool"))
	push(t, reg+"/test/base:1", img(t, "linux/amd64", debianConfig, layers...))
	push(t, reg+"/test/derived:1", img(t, "linux/amd64", debianConfig, append(layers, extra)...))

	var rc readCounter
	opts := Options{CacheDir: t.TempDir(), OnLayerRead: rc.hook}
	base := inspect(t, reg+"/test/base:1", opts)
	if got, want := rc.take(), diffIDs(t, layers...); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("cold read %v; want %v", got, want)
	}
	derived := inspect(t, reg+"/test/derived:1", opts)
	if got, want := rc.take(), diffIDs(t, extra); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("derived image read %v; want only its new layer %v", got, want)
	}
	if _, ok := derived.LookPath("coder-tool"); !ok || derived.PackageManager != "apt" || len(derived.Layers) != 3 {
		t.Errorf("derived facts wrong: %+v", derived.Layers)
	}
	// The facts themselves are cached by image ID.
	again := inspect(t, reg+"/test/base:1", opts)
	if got := rc.take(); len(got) != 0 {
		t.Errorf("warm read read %v", got)
	}
	if sourceFree(t, again) != sourceFree(t, base) || again.Digest != base.Digest || again.Layers[0].Digest == "" {
		t.Errorf("cached facts differ")
	}
}

func TestCorruptCacheEntriesAreReread(t *testing.T) {
	reg := testRegistry(t)
	layers := debianLayers(t)
	push(t, reg+"/test/base:1", img(t, "linux/amd64", debianConfig, layers...))
	var rc readCounter
	cacheDir := t.TempDir()
	opts := Options{CacheDir: cacheDir, OnLayerRead: rc.hook}
	want := sourceFree(t, inspect(t, reg+"/test/base:1", opts))
	rc.take()

	// Break every cache file: facts, and both layers in different ways.
	var files []string
	_ = filepath.WalkDir(cacheDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 3 {
		t.Fatalf("cache files %v; want 2 layers and 1 facts", files)
	}
	for i, p := range files {
		b, _ := os.ReadFile(p)
		switch i % 3 {
		case 0:
			b = []byte("garbage")
		case 1:
			b = b[:len(b)/2]
		case 2:
			b[len(b)-5] ^= 0xff // the gzip trailer: checksum or size
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := sourceFree(t, inspect(t, reg+"/test/base:1", opts))
	if got != want {
		t.Errorf("facts after a corrupt cache differ")
	}
	if n := len(rc.take()); n != 2 {
		t.Errorf("%d layers re-read; want 2", n)
	}
	// Rewritten: a third read reads nothing.
	inspect(t, reg+"/test/base:1", opts)
	if n := len(rc.take()); n != 0 {
		t.Errorf("%d layers read after the rewrite", n)
	}
}

func TestCacheEvictsOldest(t *testing.T) {
	dir := t.TempDir()
	c := newCache(dir, 0, "k") // puts never evict; evict() does
	for i, id := range []string{"sha256:aa", "sha256:bb", "sha256:cc"} {
		li := &layerIndex{DiffID: id}
		li.Entries.add(layerEntry{Path: "/x" + strings.Repeat("y", i*1000)})
		c.putLayer(li)
	}
	entries := func() []string {
		var out []string
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				out = append(out, filepath.Base(p))
			}
			return nil
		})
		sort.Strings(out)
		return out
	}
	if got := entries(); len(got) != 3 {
		t.Fatalf("entries %v", got)
	}
	// Make bb the oldest, aa recently used; keep room for about two.
	old := filepath.Join(dir, cacheVersion, "k", "layers", cacheFileName("sha256:bb"))
	past := mustStat(t, old).ModTime().Add(-1e12)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, n := range entries() {
		total += mustStat(t, filepath.Join(dir, cacheVersion, "k", "layers", n)).Size()
	}
	c.max = total - 1
	// A file outside the cache layout is never touched.
	stranger := filepath.Join(dir, "keep.gob.gz")
	if err := os.WriteFile(stranger, []byte("not ours"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.evict()
	got := entries()
	if strings.Contains(strings.Join(got, ","), "bb") || len(got) != 3 {
		t.Errorf("after eviction %v; want bb gone, aa and cc and keep.gob.gz kept", got)
	}
	if c.getLayer("sha256:aa") == nil || c.getLayer("sha256:bb") != nil {
		t.Errorf("getLayer after eviction")
	}
}

func mustStat(t *testing.T, p string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

func TestReportedWantsAndTheirCacheKey(t *testing.T) {
	reg := testRegistry(t)
	ref := reg + "/test/wants:1"
	push(t, ref, img(t, "linux/amd64", v1.Config{}, layer(t,
		file("etc/docker/daemon.json", `{"features":{"buildkit":true}}`), file("etc/docker/other", "x"))))
	var rc readCounter
	cacheDir := t.TempDir()
	inspect(t, ref, Options{CacheDir: cacheDir, OnLayerRead: rc.hook})
	rc.take()
	wants := append(DefaultWants(), Want{Pattern: "/etc/docker/*.json", Keep: true, MaxBytes: 1 << 10, Report: true})
	f := inspect(t, ref, Options{CacheDir: cacheDir, OnLayerRead: rc.hook, Wants: wants})
	if n := len(rc.take()); n != 1 {
		t.Errorf("other wants must not reuse the cache: %d layers read", n)
	}
	c := f.Contents["/etc/docker/daemon.json"]
	if c == nil || string(c.Data) != `{"features":{"buildkit":true}}` || len(f.Contents) != 1 {
		t.Errorf("contents %+v", f.Contents)
	}
	// Limits that shape the facts are part of the key too.
	inspect(t, ref, Options{CacheDir: cacheDir, OnLayerRead: rc.hook, Limits: Limits{MaxCertificates: 1}})
	if n := len(rc.take()); n != 1 {
		t.Errorf("other limits must not reuse the cache: %d layers read", n)
	}
}

// TestReceiveRecordsEvicted: the push route's records older than
// receiveRecordTTL go, then the oldest beyond the bound; the layer cache
// and files outside the store's layout stay.
func TestReceiveRecordsEvicted(t *testing.T) {
	dir := t.TempDir()
	c := newCache(dir, 0, "k")
	c.maxReceived = 3
	s := newReceiveStore(dir)
	now := time.Now()
	age := func(p string, d time.Duration) {
		t.Helper()
		if err := os.Chtimes(p, now.Add(-d), now.Add(-d)); err != nil {
			t.Fatal(err)
		}
	}
	hash := func(i int) v1.Hash { return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%064x", i)} }
	blob := func(i int) string { return filepath.Join(dir, cacheVersion, "received", "blobs", hash(i).Hex+".json") }
	for i := range 4 {
		s.putBlob(hash(i), blobRecord{DiffID: "sha256:" + hash(100+i).Hex, Size: 1})
		age(blob(i), time.Duration(i)*time.Hour) // 0 newest, 3 oldest
	}
	s.putEngineLayer("engine-a", hash(9), engineLayer{Pushed: true})
	engine := filepath.Join(dir, cacheVersion, "received", engineDir("engine-a"), hash(9).Hex+".json")
	age(engine, receiveRecordTTL+time.Hour)
	li := &layerIndex{DiffID: "sha256:" + hash(50).Hex}
	c.putLayer(li)
	stranger := filepath.Join(dir, cacheVersion, "received", "notes.json")
	if err := os.WriteFile(stranger, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}

	c.evict()
	for i, want := range []bool{true, true, true, false} {
		if _, err := os.Stat(blob(i)); (err == nil) != want {
			t.Errorf("blob record %d kept: %v, want %v", i, err == nil, want)
		}
	}
	if _, err := os.Stat(engine); err == nil {
		t.Error("an engine record past the TTL was kept")
	}
	if c.getLayer(li.DiffID) == nil {
		t.Error("the layer index was evicted")
	}
	if _, err := os.Stat(stranger); err != nil {
		t.Errorf("a file outside the store's layout was removed: %v", err)
	}
}
