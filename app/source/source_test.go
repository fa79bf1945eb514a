package source

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coderready/coderready/internal/golden"
)

type entry struct {
	name, body, link string
	typ              byte
	mode             int64
	size             int64 // when the body is not given in full (bombs)
}

// sentinelLink in an entry's link stands for the absolute path of the
// sentinel folder next to dst (see sandbox).
const sentinelLink = "@sentinel"

// tarBytes writes entries as an uncompressed tar, with sentinelLink in
// link targets replaced by sentinel.
func tarBytes(t testing.TB, sentinel string, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: strings.ReplaceAll(e.link, sentinelLink, sentinel)}
		if h.Typeflag == tar.TypeXGlobalHeader {
			// GitHub's tarballs start with one, carrying the commit.
			h = &tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: e.name, PAXRecords: map[string]string{"comment": "ec26c3e57ca3a959ca5aad62de7213c562f8c821"}}
		}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 && h.Typeflag != tar.TypeXGlobalHeader {
			h.Mode = 0o644
		}
		if hasBody(h.Typeflag) {
			h.Size = int64(len(e.body))
			if e.size > 0 {
				h.Size = e.size
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if hasBody(h.Typeflag) {
			body := []byte(e.body)
			if e.size > 0 {
				body = bytes.Repeat([]byte{0}, int(e.size))
			}
			if _, err := tw.Write(body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// archive writes entries as a gzip'd tar.
func archive(t testing.TB, entries ...entry) []byte {
	t.Helper()
	return gzipped(tarBytes(t, "/nonexistent-sentinel", entries...))
}

// hasBody reports whether archive writes a body for entries of type typ:
// regular files, and the unknown type the bomb tests use.
func hasBody(typ byte) bool { return typ == tar.TypeReg || typ == 'Z' }

// gzipped compresses b as one gzip member.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b) // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	return buf.Bytes()
}

const top = "Codertocat-Hello-World-ec26c3e/"

// Sentinel contents: a file next to dst that no extraction may touch.
const (
	sentinelFile = "keep"
	sentinelBody = "the server's private key\n"
)

// sandbox makes parent/dst (the extraction target) and parent/sentinel
// holding one file, and returns the three paths.
func sandbox(t testing.TB) (parent, dst, sentinel string) {
	t.Helper()
	parent = t.TempDir()
	dst = filepath.Join(parent, "dst")
	sentinel = filepath.Join(parent, "sentinel")
	for _, d := range []string{dst, sentinel} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(sentinel, sentinelFile), []byte(sentinelBody), 0o600); err != nil {
		t.Fatal(err)
	}
	return parent, dst, sentinel
}

// checkContained fails t unless parent holds only dst and the sentinel
// folder, and the sentinel holds its one file, unchanged.
func checkContained(t testing.TB, parent string) {
	t.Helper()
	if got := names(t, parent); !slices.Equal(got, []string{"dst", "sentinel"}) {
		t.Fatalf("%s holds %q, want only dst and sentinel: written outside the target", parent, got)
	}
	sentinel := filepath.Join(parent, "sentinel")
	if got := names(t, sentinel); !slices.Equal(got, []string{sentinelFile}) {
		t.Fatalf("the sentinel folder holds %q, want only %q: written outside the target", got, sentinelFile)
	}
	keep := filepath.Join(sentinel, sentinelFile)
	fi, err := os.Lstat(keep)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the sentinel file changed: %v %v", fi, err)
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != sentinelBody {
		t.Fatalf("the sentinel file changed: %q %v", b, err)
	}
}

func names(t testing.TB, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range des {
		out = append(out, d.Name())
	}
	return out
}

// chain is a chain of n symlinks, top/l0 -> l1 -> … -> l(n-1) -> target.
func chain(n int, target string) []entry {
	var es []entry
	for i := range n {
		next := "l" + strconv.Itoa(i+1)
		if i == n-1 {
			next = target
		}
		es = append(es, entry{name: top + "l" + strconv.Itoa(i), typ: tar.TypeSymlink, link: next})
	}
	return es
}

// hostile is every archive Extract refuses that a tar alone can express;
// the fuzz target starts from them too.
// hostileCase is an archive Extract must refuse, and how.
type hostileCase struct {
	name    string
	entries []entry
	lim     Limits
	trailer int // bytes of zeros in a second gzip member after the tar
	wantErr string
	limit   bool
}

var hostile = []hostileCase{
	{name: "escape with ..", entries: []entry{{name: top + "../../etc/passwd", body: "x"}}, wantErr: "leaves the snapshot"},
	{name: "escape to a sibling", entries: []entry{{name: top + "../sentinel/keep", body: "x"}}, wantErr: `path "../sentinel/keep" leaves the snapshot`},
	{name: "escape with .. inside", entries: []entry{{name: top + "a/../../x", body: "x"}}, wantErr: "leaves the snapshot"},
	{name: "absolute inside the folder", entries: []entry{{name: top + "/etc/x", body: "x"}}, wantErr: "absolute path"},
	{name: "second top-level folder", entries: []entry{{name: top + "a", body: "x"}, {name: "other-top/b", body: "x"}}, wantErr: "outside the top-level folder"},
	{name: "file at the top", entries: []entry{{name: "README", body: "x"}}, wantErr: "not a file at the top"},
	{name: "top-level folder ..", entries: []entry{{name: "../x", body: "x"}}, wantErr: "one top-level folder"},
	{name: "absolute after strip", entries: []entry{{name: top, typ: tar.TypeDir}, {name: "/etc/passwd", body: "x"}}, wantErr: "outside the top-level folder"},
	{name: "file named as the top folder", entries: []entry{{name: top + "a/..", body: "x"}}, wantErr: "names the top-level folder"},

	{name: "symlink empty", entries: []entry{{name: top + "evil", typ: tar.TypeSymlink}}, wantErr: "empty target"},

	{name: "write through symlink", entries: []entry{
		{name: top + "d", typ: tar.TypeSymlink, link: "."},
		{name: top + "d/x", body: "x"}}, wantErr: "goes through the symlink d"},
	{name: "write through an absolute symlink", entries: []entry{
		{name: top + "a", typ: tar.TypeSymlink, link: sentinelLink},
		{name: top + "a/file", body: "x"}}, wantErr: "goes through the symlink a"},
	{name: "write through a symlink deep", entries: []entry{
		{name: top + "a/b/c", typ: tar.TypeSymlink, link: "../.."},
		{name: top + "a/b/c/d/e", body: "x"}}, wantErr: "goes through the symlink a/b/c"},
	{name: "directory over a symlink", entries: []entry{
		{name: top + "d", typ: tar.TypeSymlink, link: "."},
		{name: top + "d/", typ: tar.TypeDir}}, wantErr: "a folder over the symlink written before it"},
	{name: "directory over a file", entries: []entry{
		{name: top + "f", body: "x"},
		{name: top + "f/", typ: tar.TypeDir}}, wantErr: "a folder over the file written before it"},
	{name: "file under a file", entries: []entry{
		{name: top + "f", body: "x"},
		{name: top + "f/x", body: "x"}}, wantErr: "goes through f, a file"},
	{name: "file over a directory", entries: []entry{
		{name: top + "d/", typ: tar.TypeDir},
		{name: top + "d", body: "x"}}, wantErr: "extract " + top + "d: written over the folder written before it"},
	{name: "file over a full directory", entries: []entry{
		{name: top + "d/x", body: "x"},
		{name: top + "d", body: "x"}}, wantErr: "written over the folder written before it"},
	{name: "file over a symlink", entries: []entry{
		{name: top + "l", typ: tar.TypeSymlink, link: "x"},
		{name: top + "l", body: "x"}}, wantErr: "written over the symlink written before it"},
	{name: "duplicate file", entries: []entry{
		{name: top + "f", body: "one"},
		{name: top + "f", body: "two"}}, wantErr: "extract " + top + "f: written twice"},
	{name: "symlink over a file", entries: []entry{
		{name: top + "f", body: "one"},
		{name: top + "f", typ: tar.TypeSymlink, link: "g"}}, wantErr: "written twice"},
	{name: "hard link over a file", entries: []entry{
		{name: top + "f", body: "one"},
		{name: top + "g", body: "two"},
		{name: top + "g", typ: tar.TypeLink, link: top + "f"}}, wantErr: "written twice"},

	{name: "hard link to a directory", entries: []entry{
		{name: top + "d/", typ: tar.TypeDir},
		{name: top + "h", typ: tar.TypeLink, link: top + "d"}}, wantErr: "not a file extracted before it"},
	{name: "hard link outside", entries: []entry{{name: top + "h", typ: tar.TypeLink, link: "/etc/passwd"}}, wantErr: "hard link to /etc/passwd outside the snapshot"},
	{name: "hard link up", entries: []entry{{name: top + "h", typ: tar.TypeLink, link: top + "../sentinel/keep"}}, wantErr: "leaves the snapshot"},
	{name: "hard link to a symlink", entries: []entry{
		{name: top + "f", body: "x"},
		{name: top + "l", typ: tar.TypeSymlink, link: "f"},
		{name: top + "h", typ: tar.TypeLink, link: top + "l"}}, wantErr: "not a file extracted before it (a symlink)"},
	{name: "hard link through a symlink", entries: []entry{
		{name: top + "f", body: "x"},
		{name: top + "d", typ: tar.TypeSymlink, link: "."},
		{name: top + "h", typ: tar.TypeLink, link: top + "d/f"}}, wantErr: "not a file extracted before it (goes through the symlink d)"},
	{name: "hard link to a later file", entries: []entry{
		{name: top + "h", typ: tar.TypeLink, link: top + "f"},
		{name: top + "f", body: "x"}}, wantErr: "not a file extracted before it"},

	{name: "name too long", entries: []entry{{name: top + strings.Repeat("a", 4097), body: "x"}}, wantErr: "a name of 4097 bytes, more than 4096", limit: true},
	{name: "too deep", entries: []entry{{name: top + strings.Repeat("a/", 300) + "f", body: "x"}}, wantErr: "more than 256 folders deep", limit: true},
	{name: "link target too long", entries: []entry{{name: top + "l", typ: tar.TypeSymlink, link: strings.Repeat("a/", 2100)}}, wantErr: "more than 4096", limit: true},
	{name: "too many entries", entries: []entry{{name: top + "a", body: "1"}, {name: top + "b", body: "2"}, {name: top + "c", body: "3"}}, lim: Limits{MaxFiles: 2}, wantErr: "more than 2 entries", limit: true},
	{name: "folders count as entries", entries: []entry{{name: top + "a/b/c/d/e/f", body: "1"}}, lim: Limits{MaxFiles: 4}, wantErr: "more than 4 entries", limit: true},
	{name: "file too large", entries: []entry{{name: top + "big", size: 2048}}, lim: Limits{MaxFileBytes: 1024}, wantErr: "per file", limit: true},
	{name: "bomb", entries: []entry{{name: top + "a", size: 600 << 10}, {name: top + "b", size: 600 << 10}}, lim: Limits{MaxBytes: 1 << 20}, wantErr: "in all", limit: true},
	{name: "bomb after the end", entries: []entry{{name: top + "a", body: "x"}}, lim: Limits{MaxBytes: 1 << 20, MaxFiles: 10}, trailer: 8 << 20, wantErr: "uncompressed archive is over", limit: true},
	{name: "bomb in a skipped entry", entries: []entry{{name: top + "a", body: "x"}, {name: top + "weird", typ: 'Z', size: 8 << 20}}, lim: Limits{MaxBytes: 1 << 20, MaxFiles: 10}, wantErr: "uncompressed archive is over", limit: true},
	{name: "empty", entries: nil, wantErr: "empty"},
}

var good = []entry{
	{name: "pax_global_header", typ: tar.TypeXGlobalHeader},
	{name: top, typ: tar.TypeDir, mode: 0o755},
	{name: top + "Dockerfile", body: "FROM debian:bookworm\n"},
	{name: top + ".devcontainer/", typ: tar.TypeDir, mode: 0o755},
	{name: top + ".devcontainer/devcontainer.json", body: `{"build":{"dockerfile":"../Dockerfile"}}`},
	{name: top + "scripts/setup.sh", body: "#!/bin/sh\n", mode: 0o4755},
	{name: top + "Containerfile", typ: tar.TypeSymlink, link: "Dockerfile"},
	{name: top + "docs/Dockerfile.copy", typ: tar.TypeLink, link: top + "Dockerfile"},
	{name: top + "dev/null", typ: tar.TypeChar},
}

func TestExtract(t *testing.T) {
	for _, tt := range hostile {
		t.Run(tt.name, func(t *testing.T) {
			parent, dst, sentinel := sandbox(t)
			b := gzipped(tarBytes(t, sentinel, tt.entries...))
			if tt.trailer > 0 {
				b = append(b, gzipped(make([]byte, tt.trailer))...)
			}
			_, err := Extract(t.Context(), bytes.NewReader(b), dst, tt.lim)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if tt.limit != errors.Is(err, ErrLimit) {
				t.Errorf("errors.Is(err, ErrLimit) = %v, want %v", !tt.limit, tt.limit)
			}
			if !tt.limit != errors.Is(err, ErrRefused) {
				t.Errorf("errors.Is(err, ErrRefused) = %v, want %v", tt.limit, !tt.limit)
			}
			checkContained(t, parent)
		})
	}

	// Links that leave the snapshot, loop, or chain past what os.Root
	// follows are kept as the repository has them (a repository with a
	// link to /etc is still checked), counted, and followed by no reader:
	// the snapshot's own os.Root refuses each.
	for _, tt := range []struct {
		name             string
		entries          []entry
		outside, looping int
	}{
		{"symlink out", []entry{{name: top + "evil", typ: tar.TypeSymlink, link: "../../../etc"}}, 1, 0},
		{"symlink to ..", []entry{{name: top + "up", typ: tar.TypeSymlink, link: ".."}}, 1, 0},
		{"symlink to .. from a folder", []entry{{name: top + "a/b/up", typ: tar.TypeSymlink, link: "../../.."}}, 1, 0},
		{"symlink to the sentinel", []entry{{name: top + "evil", typ: tar.TypeSymlink, link: sentinelLink + "/keep"}}, 1, 0},
		{"symlink absolute", []entry{{name: top + "evil", typ: tar.TypeSymlink, link: "/etc/shadow"}}, 1, 0},
		{"symlink chain out", []entry{
			{name: top + "x/", typ: tar.TypeDir},
			{name: top + "z", typ: tar.TypeSymlink, link: "x/y/.."},
			{name: top + "x/y", typ: tar.TypeSymlink, link: ".."}}, 1, 0}, // z resolves to x/y/.., which is x
		{"symlink chain absolute", []entry{
			{name: top + "a", typ: tar.TypeSymlink, link: "b"},
			{name: top + "b", typ: tar.TypeSymlink, link: "c/../../d"}}, 0, 0}, // c does not exist: nothing to follow
		{"chain of 9 links", chain(9, "Dockerfile"), 0, 1},
		{"chain of 41 links out", append(chain(41, "up/sentinel"), entry{name: top + "up", typ: tar.TypeSymlink, link: "."}), 0, 34},
		{"chain of 1000 links", chain(1000, "x"), 0, 992},
		{"loop", []entry{
			{name: top + "l1", typ: tar.TypeSymlink, link: "l2"},
			{name: top + "l2", typ: tar.TypeSymlink, link: "l1"}}, 0, 2},
		{"self loop", []entry{{name: top + "d/l", typ: tar.TypeSymlink, link: "l"}}, 0, 1},
	} {
		t.Run("kept "+tt.name, func(t *testing.T) {
			parent, dst, sentinel := sandbox(t)
			st, err := Extract(t.Context(), bytes.NewReader(gzipped(tarBytes(t, sentinel, tt.entries...))), dst, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if st.LinksOutside != tt.outside || st.LinksLooping != tt.looping {
				t.Errorf("links outside %d, looping %d; want %d, %d", st.LinksOutside, st.LinksLooping, tt.outside, tt.looping)
			}
			root, err := os.OpenRoot(dst)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = root.Close() }()
			for _, e := range tt.entries {
				rel := strings.TrimPrefix(e.name, top)
				if e.typ != tar.TypeSymlink {
					continue
				}
				target, err := root.Readlink(rel)
				if want := strings.ReplaceAll(e.link, sentinelLink, sentinel); err != nil || target != want {
					t.Fatalf("%s -> %q (%v), want the link as written, -> %q", rel, target, err, want)
				}
			}
			// What a reader of the snapshot sees: the root refuses the
			// first link, or finds nothing; never the sentinel.
			first := strings.TrimPrefix(tt.entries[0].name, top)
			if b, err := root.ReadFile(first); err == nil {
				t.Errorf("read %s through the snapshot's root: %q", first, b)
			}
			checkContained(t, parent)
		})
	}

	// Corrupt streams.
	for _, tt := range []struct {
		name    string
		corrupt func([]byte) []byte
		wantErr string
	}{
		{"corrupt", func(b []byte) []byte {
			c := bytes.Clone(b)
			for i := 20; i < len(c)-8; i += 7 {
				c[i] ^= 0x5a
			}
			return c
		}, "extract"},
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }, "unexpected EOF"},
		{"not gzip", func([]byte) []byte { return []byte("<html>rate limited</html>") }, "not a gzip stream"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			parent, dst, _ := sandbox(t)
			_, err := Extract(t.Context(), bytes.NewReader(tt.corrupt(archive(t, good...))), dst, Limits{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			checkContained(t, parent)
		})
	}

	t.Run("happy path", func(t *testing.T) {
		parent, dst, _ := sandbox(t)
		st, err := Extract(t.Context(), bytes.NewReader(archive(t, good...)), dst, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		want := Stats{Files: 3, Dirs: 1, Links: 2, Skipped: 2, Bytes: int64(len("FROM debian:bookworm\n") + len(`{"build":{"dockerfile":"../Dockerfile"}}`) + len("#!/bin/sh\n"))}
		if st != want {
			t.Errorf("stats %+v, want %+v", st, want)
		}
		if b, err := os.ReadFile(filepath.Join(dst, "Containerfile")); err != nil || string(b) != "FROM debian:bookworm\n" {
			t.Errorf("symlink: %q %v", b, err)
		}
		if b, err := os.ReadFile(filepath.Join(dst, "docs/Dockerfile.copy")); err != nil || string(b) != "FROM debian:bookworm\n" {
			t.Errorf("hard link: %q %v", b, err)
		}
		fi, err := os.Stat(filepath.Join(dst, "scripts/setup.sh"))
		if err != nil || fi.Mode().Perm() != 0o755 || fi.Mode()&os.ModeSetuid != 0 {
			t.Errorf("setup.sh mode %v (%v), want 0755 without setuid", fi.Mode(), err)
		}
		if _, err := os.Lstat(filepath.Join(dst, "dev/null")); err == nil {
			t.Error("a device entry was written")
		}
		golden.Check(t, filepath.Join("testdata", "happy.tree.golden"), tree(t, dst))
		checkContained(t, parent)
	})

	// Trees that look odd but stay inside are written as they are.
	for _, tt := range []struct {
		name    string
		entries []entry
		want    string // tree(dst)
	}{
		{"chain of 8 links", chain(8, "f"), "link l0 -> l1\nlink l1 -> l2\nlink l2 -> l3\nlink l3 -> l4\nlink l4 -> l5\nlink l5 -> l6\nlink l6 -> l7\nlink l7 -> f\n"},
		{"dangling link", []entry{{name: top + "a/l", typ: tar.TypeSymlink, link: "../missing/x"}}, "dir  a -rwxr-xr-x\nlink a/l -> ../missing/x\n"},
		{"link to a later file", []entry{
			{name: top + "l", typ: tar.TypeSymlink, link: "d/f"},
			{name: top + "d/f", body: "x"}}, "dir  d -rwxr-xr-x\nfile d/f -rw-r--r-- 1\nlink l -> d/f\n"},
		{"link to the top folder", []entry{{name: top + "a/self", typ: tar.TypeSymlink, link: ".."}}, "dir  a -rwxr-xr-x\nlink a/self -> ..\n"},
		{"folder listed twice and after its files", []entry{
			{name: top + "d/", typ: tar.TypeDir, mode: 0o700},
			{name: top + "d/f", body: "x", mode: 0o6777},
			{name: top + "d/", typ: tar.TypeDir}}, "dir  d -rwxr-xr-x\nfile d/f -rwxr-xr-x 1\n"},
		{"top folder entry in forms", []entry{
			{name: "./" + top, typ: tar.TypeDir},
			{name: top + "./", typ: tar.TypeDir},
			{name: top + "a//b/./c", body: "x"}}, "dir  a -rwxr-xr-x\ndir  a/b -rwxr-xr-x\nfile a/b/c -rw-r--r-- 1\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			parent, dst, sentinel := sandbox(t)
			if _, err := Extract(t.Context(), bytes.NewReader(gzipped(tarBytes(t, sentinel, tt.entries...))), dst, Limits{}); err != nil {
				t.Fatal(err)
			}
			if got := string(tree(t, dst)); got != tt.want {
				t.Errorf("tree:\n%s\nwant:\n%s", got, tt.want)
			}
			checkContained(t, parent)
		})
	}

	// A destination that already holds links out (as if a check had
	// missed one): the root refuses to write through them.
	for _, tt := range []struct {
		name, link, at string
		entries        []entry
		wantErr        string
	}{
		{"file under an absolute link", "@abs", "a", []entry{{name: top + "a/file", body: "x"}}, "goes through the symlink a"},
		{"file under a relative link", "../sentinel", "a", []entry{{name: top + "a/sub/file", body: "x"}}, "goes through the symlink a"},
		{"folder under a link", "../sentinel", "a", []entry{{name: top + "a/sub/", typ: tar.TypeDir}}, "goes through the symlink a"},
		{"file over a link to a file", "../sentinel/keep", "f", []entry{{name: top + "f", body: "x"}}, "written over the symlink written before it"},
		{"symlink over a link", "../sentinel", "f", []entry{{name: top + "f", typ: tar.TypeSymlink, link: "g"}}, "written over the symlink"},
		{"hard link from under a link", "../sentinel", "a", []entry{{name: top + "h", typ: tar.TypeLink, link: top + "a/keep"}}, "goes through the symlink a"},
		{"hard link to a link", "../sentinel/keep", "f", []entry{{name: top + "h", typ: tar.TypeLink, link: top + "f"}}, "not a file extracted before it"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			parent, dst, sentinel := sandbox(t)
			link := tt.link
			if link == "@abs" {
				link = sentinel
			}
			if err := os.Symlink(link, filepath.Join(dst, tt.at)); err != nil {
				t.Fatal(err)
			}
			_, err := Extract(t.Context(), bytes.NewReader(archive(t, tt.entries...)), dst, Limits{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			checkContained(t, parent)
		})
	}

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := Extract(ctx, bytes.NewReader(archive(t, good...)), t.TempDir(), Limits{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})

	t.Run("no destination", func(t *testing.T) {
		_, err := Extract(t.Context(), bytes.NewReader(archive(t, good...)), filepath.Join(t.TempDir(), "missing"), Limits{})
		if err == nil || !strings.Contains(err.Error(), "no such file") {
			t.Errorf("err = %v, want the missing folder named", err)
		}
	})
}

// tree lists what dst holds, one line per path: type, permissions, and the
// size or link target.
func tree(t *testing.T, dst string) []byte {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dst {
			return err
		}
		rel, _ := filepath.Rel(dst, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "link %s -> %s\n", filepath.ToSlash(rel), target)
		case fi.IsDir():
			fmt.Fprintf(&b, "dir  %s %v\n", filepath.ToSlash(rel), fi.Mode().Perm())
		default:
			fmt.Fprintf(&b, "file %s %v %d\n", filepath.ToSlash(rel), fi.Mode(), fi.Size())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return []byte(b.String())
}

func TestFetch(t *testing.T) {
	body := archive(t, entry{name: top + "Dockerfile", body: "FROM scratch\n"})
	mux := http.NewServeMux()
	mux.HandleFunc("/tarball", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/codeload/x.tar.gz", http.StatusFound)
	})
	mux.HandleFunc("/codeload/x.tar.gz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) })
	mux.HandleFunc("/gone", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "expired", http.StatusForbidden) })
	mux.HandleFunc("/cut", func(w http.ResponseWriter, _ *http.Request) {
		// The connection drops halfway through the body.
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body[:len(body)/2])
	})
	mux.HandleFunc("/escape", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write(archive(t, entry{name: top + "../x", body: "x"}))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	tests := []struct {
		name, path, wantErr string
		wantFiles           int
	}{
		{"redirect followed", "/tarball", "", 1},
		{"expired link", "/gone", "403 Forbidden: expired", 0},
		{"body cut short", "/cut", "unexpected EOF", 0},
		{"unsafe archive", "/escape", "leaves the snapshot", 0},
		{"not found", "/nothing", "404", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Fetch(t.Context(), srv.Client(), srv.URL+tt.path, t.TempDir(), Limits{})
			if tt.wantErr == "" {
				if err != nil || st.Files != tt.wantFiles {
					t.Fatalf("Fetch: %+v %v", st, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	if _, err := Fetch(t.Context(), srv.Client(), "http://[::1", t.TempDir(), Limits{}); err == nil {
		t.Error("a bad URL: no error")
	}
}
