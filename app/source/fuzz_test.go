package source

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzLimits keep each run small: whatever the input, memory and disk stay
// within a few MiB.
var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxFiles: 64, MaxFileBytes: 256 << 10}

// FuzzExtract feeds arbitrary tar bytes (gzip'd by the harness, so the
// fuzzer mutates the archive, not the compression) to Extract, starting
// from every hostile archive of the tests and a good one. Whatever the
// result, nothing outside the target may appear or change, and every
// symlink of an accepted snapshot that leads out of it is counted in its
// Stats (such links are kept, as the repository has them, and followed by
// no reader: see the package doc).
func FuzzExtract(f *testing.F) {
	f.Add(tarBytes(f, "../sentinel", good...))
	for _, c := range hostile {
		b := tarBytes(f, "../sentinel", c.entries...)
		if c.trailer > 0 || len(b) > 64<<10 {
			continue // bombs and the 1000-link chain: large seeds slow every mutation, and the limits cover them
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, tarball []byte) {
		parent, dst, _ := sandbox(t)
		st, err := Extract(t.Context(), bytes.NewReader(gzipped(tarball)), dst, fuzzLimits)
		checkContained(t, parent)
		if st.Bytes > fuzzLimits.MaxBytes || st.Files+st.Dirs+st.Links > fuzzLimits.MaxFiles {
			t.Fatalf("stats %+v over the limits %+v", st, fuzzLimits)
		}
		if err != nil {
			return
		}
		// Checked with the kernel's resolution rather than os.Root, so
		// the fuzz does not trust the mechanism under test.
		if out := linksOutside(t, dst); out > st.LinksOutside+st.LinksLooping {
			t.Errorf("%d symlinks lead out of the snapshot, but Stats counts %d outside and %d looping", out, st.LinksOutside, st.LinksLooping)
		}
	})
}

// linksOutside counts the symlinks under dst that resolve, by the
// kernel's rules, to a path outside dst.
func linksOutside(t *testing.T, dst string) int {
	t.Helper()
	n := 0
	real, err := filepath.EvalSymlinks(dst)
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink == 0 {
			return err
		}
		to, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil // dangling, a loop or too long: it leads nowhere
		}
		if to != real && !strings.HasPrefix(to, real+string(os.PathSeparator)) {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
