package image

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// manyFileLayers makes n layers of perLayer small files each, spread over
// directories like a distribution's /usr, plus the files the wants read.
func manyFileLayers(b testing.TB, n, perLayer int) []v1.Layer {
	var layers []v1.Layer
	for l := 0; l < n; l++ {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for i := 0; i < perLayer; i++ {
			name := fmt.Sprintf("usr/share/pkg%d/dir%d/file%d.txt", l, i/100, i)
			body := []byte("content of a small file\n")
			_ = tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))})
			_, _ = tw.Write(body)
		}
		if l == 0 {
			for _, e := range []ent{file("etc/passwd", coderPasswd), file("etc/group", coderGroup), file("etc/os-release", debianOSRel),
				file("usr/lib/x86_64-linux-gnu/libc.so.6", glibcBlob+string(bytes.Repeat([]byte{0}, 2<<20)))} {
				_ = tw.WriteHeader(&tar.Header{Name: e.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(e.body))})
				_, _ = tw.Write([]byte(e.body))
			}
		}
		_ = tw.Close()
		layers = append(layers, static.NewLayer(buf.Bytes(), types.DockerUncompressedLayer))
	}
	return layers
}

// BenchmarkInspectArchive reads a 5-layer, 50,000-file image from a legacy
// `docker save` tarball, cold (no cache) and warm (facts cached).
func BenchmarkInspectArchive(b *testing.B) {
	im := img(b, "linux/amd64", v1.Config{}, manyFileLayers(b, 5, 10000)...)
	p := filepath.Join(b.TempDir(), "save.tar")
	writeLegacySave(b, p, "bench:1", im)
	fi, _ := os.Stat(p)
	b.Run("cold", func(b *testing.B) {
		b.SetBytes(fi.Size())
		for b.Loop() {
			f, err := Inspect(b.Context(), "docker-archive:"+p, Options{})
			if err != nil || f.Files.Len() < 50000 {
				b.Fatal(err, f.Files.Len())
			}
		}
	})
	cache := b.TempDir()
	if _, err := Inspect(b.Context(), "docker-archive:"+p, Options{CacheDir: cache}); err != nil {
		b.Fatal(err)
	}
	b.Run("warm", func(b *testing.B) {
		for b.Loop() {
			if _, err := Inspect(b.Context(), "docker-archive:"+p, Options{CacheDir: cache}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
