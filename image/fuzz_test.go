package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// FuzzIndexLayer feeds arbitrary bytes to the layer indexer as a layer
// whose DiffID is their hash: no panic, every error is clean, and what is
// kept stays within the limits (entries, name bytes, name length).
func FuzzIndexLayer(f *testing.F) {
	f.Add(tarBytes(f, file("etc/passwd", rootPasswd), dir("usr/"), symlink("bin", "usr/bin"), hardlink("x", "etc/passwd"),
		whiteout("opt/old"), opaque("var"), file("etc/os-release", debianOSRel)))
	f.Add(gzipBytes(f, tarBytes(f, exe("usr/bin/git", "git"))))
	f.Add(rawTar(f, tar.FormatPAX, &tar.Header{Name: strings.Repeat("d/", 2100) + "f", Typeflag: tar.TypeReg}))
	f.Add(rawTar(f, tar.FormatGNU, &tar.Header{Name: "l", Linkname: "../../etc/shadow", Typeflag: tar.TypeLink}))
	f.Add([]byte{})
	limits := Limits{MaxEntries: 4096, MaxBytes: 64 << 20, MaxNameBytes: 256 << 10, MaxLayerNameBytes: 256 << 10, MaxCaptureBytes: 1 << 20}.withDefaults()
	ws, err := compileWants(DefaultWants(), limits)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := newBudget(limits)
		li, err := readLayer(context.Background(), bytes.NewReader(data), ws, b, expected{diffID: sha256Of(data)})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			var de *DigestError
			if errors.As(err, &de) && !strings.HasPrefix(string(data), "\x1f\x8b") && !strings.HasPrefix(string(data), "\x28\xb5\x2f\xfd") {
				t.Fatalf("an uncompressed layer failed its own hash: %v", err)
			}
			return
		}
		if li.Entries.len() > int(limits.MaxEntries) {
			t.Fatalf("%d entries kept; limit %d", li.Entries.len(), limits.MaxEntries)
		}
		if n := li.nameBytes(); int64(n) > limits.MaxLayerNameBytes {
			t.Fatalf("%d name bytes kept; limit %d", n, limits.MaxLayerNameBytes)
		}
		for _, c := range li.Entries.chunks {
			for _, e := range c {
				if len(e.Path) > MaxNameLength+1 || len(e.Link) > MaxNameLength+1 || !strings.HasPrefix(e.Path, "/") {
					t.Fatalf("entry kept: %.80q -> %.80q", e.Path, e.Link)
				}
				// ".." as a component, not in a name such as "...".
				if e.Type == fileTypeCode(TypeHardlink) && e.Kind == entryFile && slices.Contains(strings.Split(e.Link, "/"), "..") {
					t.Fatalf("hard link escapes: %q", e.Link)
				}
			}
		}
		// The merge takes whatever was indexed.
		tr := newTree(li.Entries.len())
		tr.apply(0, li)
		tr.flatten()
	})
}
