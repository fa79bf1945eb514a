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

func archive(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.link}
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
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
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

func TestExtract(t *testing.T) {
	good := []entry{
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
	tests := []struct {
		name    string
		entries []entry
		lim     Limits
		corrupt func([]byte) []byte
		wantErr string
		limit   bool
	}{
		{name: "escape with ..", entries: []entry{{name: top + "../../etc/passwd", body: "x"}}, wantErr: "leaves the snapshot"},
		{name: "escape with .. inside", entries: []entry{{name: top + "a/../../x", body: "x"}}, wantErr: "leaves the snapshot"},
		{name: "second top-level folder", entries: []entry{{name: top + "a", body: "x"}, {name: "other-top/b", body: "x"}}, wantErr: "outside the top-level folder"},
		{name: "file at the top", entries: []entry{{name: "README", body: "x"}}, wantErr: "not a file at the top"},
		{name: "symlink chain out", entries: []entry{
			{name: top + "x/", typ: tar.TypeDir},
			{name: top + "z", typ: tar.TypeSymlink, link: "x/y/.."},
			{name: top + "x/y", typ: tar.TypeSymlink, link: ".."}}, wantErr: "resolves outside the snapshot"},
		{name: "symlink chain absolute", entries: []entry{
			{name: top + "a", typ: tar.TypeSymlink, link: "b"},
			{name: top + "b", typ: tar.TypeSymlink, link: "c/../../d"},
		}, wantErr: "leaves the snapshot"},
		{name: "directory over a symlink", entries: []entry{
			{name: top + "d", typ: tar.TypeSymlink, link: "."},
			{name: top + "d/", typ: tar.TypeDir}}, wantErr: "over the symlink"},
		{name: "hard link to a directory", entries: []entry{
			{name: top + "d/", typ: tar.TypeDir},
			{name: top + "h", typ: tar.TypeLink, link: top + "d"}}, wantErr: "not a file extracted before it"},
		{name: "absolute after strip", entries: []entry{{name: top, typ: tar.TypeDir}, {name: "/etc/passwd", body: "x"}}, wantErr: "outside the top-level folder"},
		{name: "symlink out", entries: []entry{{name: top + "evil", typ: tar.TypeSymlink, link: "../../../etc"}}, wantErr: "leaves the snapshot"},
		{name: "symlink absolute", entries: []entry{{name: top + "evil", typ: tar.TypeSymlink, link: "/etc/shadow"}}, wantErr: "absolute path"},
		{name: "write through symlink", entries: []entry{
			{name: top + "d", typ: tar.TypeSymlink, link: "."},
			{name: top + "d/x", body: "x"}}, wantErr: "goes through the symlink"},
		{name: "hard link outside", entries: []entry{{name: top + "h", typ: tar.TypeLink, link: "/etc/passwd"}}, wantErr: "outside the snapshot"},
		{name: "too many entries", entries: []entry{{name: top + "a", body: "1"}, {name: top + "b", body: "2"}, {name: top + "c", body: "3"}}, lim: Limits{MaxFiles: 2}, wantErr: "more than 2 entries", limit: true},
		{name: "file too large", entries: []entry{{name: top + "big", size: 2048}}, lim: Limits{MaxFileBytes: 1024}, wantErr: "per file", limit: true},
		{name: "bomb", entries: []entry{{name: top + "a", size: 600 << 10}, {name: top + "b", size: 600 << 10}}, lim: Limits{MaxBytes: 1 << 20}, wantErr: "in all", limit: true},
		{name: "bomb in a skipped entry", entries: []entry{{name: top + "a", body: "x"}, {name: top + "weird", typ: 'Z', size: 8 << 20}}, lim: Limits{MaxBytes: 1 << 20, MaxFiles: 10}, wantErr: "uncompressed archive is over", limit: true},
		{name: "bomb after the end", entries: []entry{{name: top + "a", body: "x"}}, lim: Limits{MaxBytes: 1 << 20, MaxFiles: 10},
			corrupt: func(b []byte) []byte { return append(b, gzipped(make([]byte, 8<<20))...) }, wantErr: "uncompressed archive is over", limit: true},
		{name: "corrupt", entries: good, corrupt: func(b []byte) []byte {
			c := bytes.Clone(b)
			for i := 20; i < len(c)-8; i += 7 {
				c[i] ^= 0x5a
			}
			return c
		}, wantErr: "extract"},
		{name: "truncated", entries: good, corrupt: func(b []byte) []byte { return b[:len(b)/2] }, wantErr: "unexpected EOF"},
		{name: "not gzip", entries: good, corrupt: func([]byte) []byte { return []byte("<html>rate limited</html>") }, wantErr: "not a gzip stream"},
		{name: "empty", entries: nil, wantErr: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := archive(t, tt.entries...)
			if tt.corrupt != nil {
				b = tt.corrupt(b)
			}
			dst := t.TempDir()
			_, err := Extract(t.Context(), bytes.NewReader(b), dst, tt.lim)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if tt.limit != errors.Is(err, ErrLimit) {
				t.Errorf("errors.Is(err, ErrLimit) = %v, want %v", !tt.limit, tt.limit)
			}
			if _, err := os.Lstat("/etc/passwd.x"); err == nil {
				t.Fatal("wrote outside")
			}
		})
	}

	t.Run("happy path", func(t *testing.T) {
		dst := t.TempDir()
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
	})

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := Extract(ctx, bytes.NewReader(archive(t, good...)), t.TempDir(), Limits{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})

	t.Run("symlink loop is kept", func(t *testing.T) {
		// A loop cannot be opened (ELOOP), so it reaches nothing outside.
		dst := t.TempDir()
		_, err := Extract(t.Context(), bytes.NewReader(archive(t,
			entry{name: top + "l1", typ: tar.TypeSymlink, link: "l2"},
			entry{name: top + "l2", typ: tar.TypeSymlink, link: "l1"})), dst, Limits{})
		if err != nil {
			t.Fatal(err)
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
