package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// rawTar writes headers (with no contents) as a tar in the given format.
func rawTar(t testing.TB, format tar.Format, hdrs ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		h.Format = format
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// archiveOf writes a legacy `docker save` of one image whose only layer
// is the (compressed or not) tar given, and returns its reference.
func archiveOf(t testing.TB, layerTar []byte, compress bool) string {
	t.Helper()
	data := layerTar
	mt := types.DockerUncompressedLayer
	if compress {
		data, mt = gzipBytes(t, layerTar), types.DockerLayer
	}
	// The config's DiffID is the uncompressed tar's: the attack is a valid
	// image, only a hostile one.
	l := static.NewLayer(data, mt)
	im := img(t, "linux/amd64", v1.Config{}, uncompressedAs{l, layerTar})
	p := filepath.Join(t.TempDir(), "save.tar")
	writeLegacySave(t, p, "test/names:1", im)
	return "docker-archive:" + p
}

// gzippedArchive writes a legacy `docker save` whose one layer member is
// the gzipped tar of hdrs, streamed (the attack's tar is 600 MiB, its
// archive under 1 MB), and returns its reference.
func gzippedArchive(t testing.TB, hdrs []*tar.Header) string {
	t.Helper()
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(zw, h))
	for _, hdr := range hdrs {
		hdr.Format, hdr.Mode = tar.FormatPAX, 0o644
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	diffID := "sha256:" + hex.EncodeToString(h.Sum(nil))
	cfg, err := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux", "config": map[string]any{},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{diffID}}})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "save.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := saveWriter{t, tar.NewWriter(f)}
	s.add("config.json", cfg)
	s.add("l0/layer.tar", gz.Bytes())
	s.add("manifest.json", []byte(`[{"Config":"config.json","RepoTags":["test/names:1"],"Layers":["l0/layer.tar"]}]`))
	if err := s.tw.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Size() > 4<<20 {
		t.Fatalf("archive %v, %v: want a small one", fi, err)
	}
	return "docker-archive:" + p
}

// uncompressedAs is a layer whose Uncompressed is the given tar, for
// layers built from raw (possibly gzipped) bytes.
type uncompressedAs struct {
	v1.Layer
	tar []byte
}

func (u uncompressedAs) DiffID() (v1.Hash, error) { return sha256Of(u.tar), nil }

// allocatedDuring reports the bytes allocated while fn ran (TotalAlloc:
// every allocation counts, whatever the GC does, so the figure does not
// depend on timing).
func allocatedDuring(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestLongNamesAreRefused is attack 5 of issue 9: a 676 KB archive whose
// layer has 600 entries with 1 MiB PAX names took 1.6 GB and 32 s. A name
// or link target longer than MaxNameLength now stops the read at the first
// such entry, with an error naming the layer and the entry.
func TestLongNamesAreRefused(t *testing.T) {
	huge := strings.Repeat("d/", (1<<20-200)/2) + "f"
	var attack []*tar.Header
	for i := range 600 {
		attack = append(attack, &tar.Header{Name: fmt.Sprint(huge, i), Typeflag: tar.TypeReg})
	}
	long := strings.Repeat("n", MaxNameLength+1)
	atLimit := "/" + strings.Repeat("n", MaxNameLength-1)
	cases := []struct {
		name     string
		tar      []byte
		compress bool
		ref      string
		want     string // "" for no error
	}{
		{"600 PAX names of 1 MiB, gzipped", nil, false, gzippedArchive(t, attack), fmt.Sprintf("tar entry 0: its name is %d bytes", len(attack[0].Name))},
		{"PAX name one byte too long", rawTar(t, tar.FormatPAX, &tar.Header{Name: "ok", Typeflag: tar.TypeReg}, &tar.Header{Name: long, Typeflag: tar.TypeReg}), false, "", "tar entry 1: its name is 4097 bytes"},
		{"GNU long name", rawTar(t, tar.FormatGNU, &tar.Header{Name: long, Typeflag: tar.TypeReg}), false, "", "tar entry 0: its name is 4097 bytes"},
		{"PAX link target", rawTar(t, tar.FormatPAX, &tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: long}), false, "", "tar entry 0: its link target is 4097 bytes"},
		{"link target on a regular file", rawTar(t, tar.FormatPAX, &tar.Header{Name: "f", Typeflag: tar.TypeReg, Linkname: long}), true, "", "its link target is 4097 bytes"},
		{"name of exactly 4096 bytes", rawTar(t, tar.FormatPAX, &tar.Header{Name: atLimit, Typeflag: tar.TypeReg}), false, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ref := c.ref
			if ref == "" {
				ref = archiveOf(t, c.tar, c.compress)
			}
			var f *Facts
			var err error
			alloc := allocatedDuring(func() { f, err = Inspect(t.Context(), ref, Options{}) })
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := f.Files.Get(atLimit); !ok {
					t.Errorf("the 4096-byte name is not in the index")
				}
				return
			}
			if err == nil {
				t.Fatal("a name longer than MaxNameLength was kept")
			}
			t.Log(err)
			for _, w := range []string{"read layer 0 (sha256:", c.want, "more than 4096: refused"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if !errors.Is(err, ErrNameTooLong) {
				t.Errorf("error %v is not ErrNameTooLong", err)
			}
			// archive/tar holds one PAX record (≤ 1 MiB) at a time; the read
			// stops at the first long name instead of keeping 600 of them.
			if alloc > 64<<20 {
				t.Errorf("%d MB allocated refusing it; want under 64 MB", alloc>>20)
			}
		})
	}
}

// TestNameByteBudget bounds the memory of an index by the bytes of its
// names, per layer and per image, whether the layers are read or come
// from the cache.
func TestNameByteBudget(t *testing.T) {
	files := func(prefix string, n int) v1.Layer {
		var es []ent
		for i := range n {
			es = append(es, file(fmt.Sprintf("%s/%04d-name-of-some-length", prefix, i), ""))
		}
		return layer(t, es...)
	}
	a, b := files("a", 40), files("b", 40) // about 1,100 bytes of names each
	reg := testRegistry(t)
	ref := reg + "/test/names:1"
	push(t, ref, img(t, "linux/amd64", v1.Config{}, a, b))
	// The same layers under another config: its facts are not cached, its
	// layers are.
	other := reg + "/test/names:2"
	push(t, other, img(t, "linux/amd64", v1.Config{User: "coder"}, a, b))
	cacheDir := t.TempDir()
	cases := []struct {
		name   string
		limits Limits
		want   string
	}{
		{"layer budget", Limits{MaxLayerNameBytes: 1000}, "the layer's paths and link targets pass 1000 bytes"},
		{"image budget", Limits{MaxNameBytes: 1500}, "the layers' paths and link targets pass 1500 bytes"},
	}
	for _, cached := range []bool{false, true} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s cached=%v", c.name, cached), func(t *testing.T) {
				var rc readCounter
				opts := Options{Limits: c.limits, OnLayerRead: rc.hook}
				target := ref
				if cached {
					// Fill the layer cache without limits, then read the
					// other image's layers from it.
					inspect(t, ref, Options{CacheDir: cacheDir})
					opts.CacheDir, target = cacheDir, other
				}
				_, err := Inspect(t.Context(), target, opts)
				if read := rc.take(); cached && len(read) != 0 {
					t.Errorf("layers %v read from the source; want them from the cache", read)
				}
				if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "read layer ") || !errors.Is(err, ErrLimit) {
					t.Fatalf("error %v; want a limit error saying %q", err, c.want)
				}
			})
		}
	}
	if f := inspect(t, ref, Options{}); f.Files.Len() < 80 {
		t.Errorf("with default limits: %d files", f.Files.Len())
	}
}

// peakHeap runs fn and samples the heap's object bytes (live and not yet
// collected) every few milliseconds: the highest sample, a lower bound of
// the true peak.
func peakHeap(fn func()) uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	return peak
}

// manyEntries is a layer tar of n empty files in directories of 1000
// (attack 8 of issue 9 is n = 1,000,000).
func manyEntries(t testing.TB, n int) []byte {
	var hdrs []*tar.Header
	for i := range n {
		hdrs = append(hdrs, &tar.Header{Name: fmt.Sprintf("usr/share/d%04d/file-%07d.txt", i/1000, i), Typeflag: tar.TypeReg})
	}
	return rawTar(t, tar.FormatUSTAR, hdrs...)
}

// TestManyEntriesMemory is attack 8 of issue 9 scaled down (200,000
// entries; `make bench` runs the million): the heap stays within a bound
// per entry. The goal is a 1,000,000-entry layer under 256 MB for the
// whole process, so the sampled heap may take at most 256 bytes an entry
// (the pointer tree and map of Files took about 450; the flat tree and
// the compact index take about 180).
func TestManyEntriesMemory(t *testing.T) {
	const n = 200_000
	ref := archiveOf(t, manyEntries(t, n), true)
	runtime.GC()
	var f *Facts
	var err error
	peak := peakHeap(func() { f, err = Inspect(t.Context(), ref, Options{}) })
	if err != nil {
		t.Fatal(err)
	}
	if f.Files.Len() < n {
		t.Fatalf("%d files; want %d", f.Files.Len(), n)
	}
	t.Logf("%d entries: peak heap %d MB (%d bytes an entry)", n, peak>>20, peak/n)
	if limit := uint64(n) * 256; peak > limit {
		t.Errorf("peak heap %d MB for %d entries; want under %d MB (256 bytes an entry)", peak>>20, n, limit>>20)
	}
}

// BenchmarkIndexMillionEntries reads attack 8 of issue 9, one gzipped layer
// of 1,000,000 entries, and reports the sampled peak heap.
func BenchmarkIndexMillionEntries(b *testing.B) {
	ref := archiveOf(b, manyEntries(b, 1_000_000), true)
	var peak uint64
	for b.Loop() {
		runtime.GC()
		peak = max(peak, peakHeap(func() {
			if _, err := Inspect(b.Context(), ref, Options{}); err != nil {
				b.Fatal(err)
			}
		}))
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
