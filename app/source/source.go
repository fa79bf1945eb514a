// Package source downloads a repository snapshot (GitHub's tarball of a
// commit) and extracts it safely: no path leaves the destination, links
// stay inside it, and total size, entry count and file size are bounded.
package source

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Limits bound an extraction; zero fields take the defaults.
type Limits struct {
	// MaxBytes bounds the total uncompressed bytes of file contents
	// (default 512 MiB).
	MaxBytes int64
	// MaxFiles bounds the number of entries (default 100,000).
	MaxFiles int
	// MaxFileBytes bounds one file (default 100 MiB).
	MaxFileBytes int64
}

// Default limits.
const (
	DefaultMaxBytes     int64 = 512 << 20
	DefaultMaxFiles           = 100_000
	DefaultMaxFileBytes int64 = 100 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	return l
}

// Stats says what an extraction wrote.
type Stats struct {
	// Files, Dirs and Links count the regular files, directories and links
	// (symbolic and hard) written.
	Files, Dirs, Links int
	// Skipped counts entries not written (devices, FIFOs, pax headers).
	Skipped int
	// Bytes is the total size of the regular files written.
	Bytes int64
}

// ErrLimit is wrapped by every error for a snapshot over a limit.
var ErrLimit = errors.New("over the limit")

// Fetch downloads url with client (redirects followed: GitHub's tarball
// links are short-lived redirects) and extracts it into dst while it
// streams; nothing is written to a temporary file.
func Fetch(ctx context.Context, client *http.Client, url, dst string, lim Limits) (Stats, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Stats{}, fmt.Errorf("fetch source: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Stats{}, fmt.Errorf("fetch source: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return Stats{}, fmt.Errorf("fetch source: %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	return Extract(ctx, resp.Body, dst, lim)
}

// Extract reads a gzip'd tar whose entries sit under one top-level folder
// (as GitHub's tarballs do: owner-repo-sha/), strips that folder and writes
// the rest under dst, which must exist.
//
// It refuses, with an error naming the entry: paths that are absolute or
// leave dst, entries that would be written through a symlink, symlinks
// whose target resolves outside dst (checked as written and again at the
// end, following chains of links), hard links to anything but a file
// extracted before them, and snapshots over a limit (those errors wrap
// ErrLimit). The whole uncompressed stream is bounded too, so a
// decompression bomb hidden in headers, skipped entries or trailing data
// stops early; a truncated or corrupt archive is an error. Devices, FIFOs
// and pax headers are skipped. Files are written 0644, or 0755 when any
// execute bit is set (never setuid), directories 0755; in-tree symlinks
// stay symlinks. On error dst may hold part of the snapshot: the caller
// removes it.
func Extract(ctx context.Context, r io.Reader, dst string, lim Limits) (Stats, error) {
	lim = lim.withDefaults()
	var st Stats
	root, err := filepath.Abs(dst)
	if err != nil {
		return st, fmt.Errorf("extract: %w", err)
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return st, fmt.Errorf("extract: not a gzip stream: %w", err)
	}
	defer func() { _ = zr.Close() }()
	// Every uncompressed byte is counted, not only the files' contents:
	// headers, entries that are skipped, and anything after the end of
	// the archive could otherwise inflate without bound.
	stream := &boundedReader{ctx: ctx, r: zr, left: lim.streamBytes()}
	tr := tar.NewReader(stream)
	prefix := ""
	entries := 0
	var links []string // symlinks written, checked again at the end
	for {
		if err := ctx.Err(); err != nil {
			return st, fmt.Errorf("extract: %w", err)
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, fmt.Errorf("extract: after %d entries: %w", entries, err)
		}
		entries++
		if entries > lim.MaxFiles {
			return st, fmt.Errorf("extract %s: more than %d entries: %w", h.Name, lim.MaxFiles, ErrLimit)
		}
		if h.Typeflag == tar.TypeXGlobalHeader || h.Typeflag == tar.TypeXHeader {
			st.Skipped++
			continue
		}
		name := strings.TrimPrefix(h.Name, "./")
		if prefix == "" {
			top, _, _ := strings.Cut(name, "/")
			if top == "" || top == ".." {
				return st, fmt.Errorf("extract %s: want every entry under one top-level folder", h.Name)
			}
			prefix = top + "/"
		}
		rel, ok := strings.CutPrefix(name, prefix)
		if !ok {
			if strings.TrimSuffix(name, "/")+"/" != prefix {
				return st, fmt.Errorf("extract %s: outside the top-level folder %s", h.Name, prefix)
			}
			if h.Typeflag != tar.TypeDir {
				return st, fmt.Errorf("extract %s: want every entry under one top-level folder, not a file at the top", h.Name)
			}
			rel = ""
		}
		rel = strings.TrimSuffix(rel, "/")
		if rel == "" {
			continue // the top-level folder itself
		}
		target, err := inside(root, rel)
		if err != nil {
			return st, fmt.Errorf("extract %s: %w", h.Name, err)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if fi, err := os.Lstat(target); err == nil && fi.Mode()&os.ModeSymlink != 0 {
				return st, fmt.Errorf("extract %s: a directory over the symlink written before it", h.Name)
			}
			if err := os.MkdirAll(target, 0o755); err != nil {
				return st, fmt.Errorf("extract %s: %w", h.Name, err)
			}
			if err := os.Chmod(target, 0o755); err != nil {
				return st, fmt.Errorf("extract %s: %w", h.Name, err)
			}
			st.Dirs++
		case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // old archives still use TypeRegA
			if h.Size > lim.MaxFileBytes {
				return st, fmt.Errorf("extract %s: %d bytes, more than %d per file: %w", h.Name, h.Size, lim.MaxFileBytes, ErrLimit)
			}
			if st.Bytes+h.Size > lim.MaxBytes {
				return st, fmt.Errorf("extract %s: more than %d bytes in all: %w", h.Name, lim.MaxBytes, ErrLimit)
			}
			n, err := writeFile(target, tr, h)
			st.Bytes += n
			if err != nil {
				return st, fmt.Errorf("extract %s: %w", h.Name, err)
			}
			st.Files++
		case tar.TypeSymlink:
			if err := checkLink(root, target, h.Linkname); err != nil {
				return st, fmt.Errorf("extract %s: %w", h.Name, err)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return st, fmt.Errorf("extract %s: %w", h.Name, err)
			}
			_ = os.Remove(target)
			if err := os.Symlink(h.Linkname, target); err != nil {
				return st, fmt.Errorf("extract %s: %w", h.Name, err)
			}
			links = append(links, h.Name)
			st.Links++
		case tar.TypeLink:
			lrel, ok := strings.CutPrefix(strings.TrimPrefix(h.Linkname, "./"), prefix)
			if !ok {
				return st, fmt.Errorf("extract %s: hard link to %s outside the snapshot", h.Name, h.Linkname)
			}
			src, err := inside(root, lrel)
			if err != nil {
				return st, fmt.Errorf("extract %s: hard link: %w", h.Name, err)
			}
			if fi, err := os.Lstat(src); err != nil || !fi.Mode().IsRegular() {
				return st, fmt.Errorf("extract %s: hard link to %s, which is not a file extracted before it", h.Name, h.Linkname)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return st, fmt.Errorf("extract %s: %w", h.Name, err)
			}
			_ = os.Remove(target)
			if err := os.Link(src, target); err != nil {
				return st, fmt.Errorf("extract %s: %w", h.Name, err)
			}
			st.Links++
		default: // devices, FIFOs, sparse oddities: nothing a build needs
			st.Skipped++
		}
	}
	// Drain the gzip trailer so a truncated stream is an error.
	if _, err := io.Copy(io.Discard, stream); err != nil {
		return st, fmt.Errorf("extract: after the last entry: %w", err)
	}
	if prefix == "" {
		return st, errors.New("extract: the archive is empty")
	}
	// Each symlink was checked as written, but a chain of them can still
	// leave the tree (b -> a/.., where a is itself a link written later):
	// follow every one through the links on disk now that all exist.
	for _, name := range links {
		rel := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(name, "./"), prefix), "/")
		if err := resolvesInside(root, rel); err != nil {
			return st, fmt.Errorf("extract %s: %w", name, err)
		}
	}
	return st, nil
}

// streamBytes bounds the whole uncompressed tar stream: the files' bytes
// plus a generous allowance per entry for headers, long names and padding.
func (l Limits) streamBytes() int64 {
	return l.MaxBytes + int64(l.MaxFiles+16)*4096 + 1<<20
}

// boundedReader fails once more than left bytes were read or ctx is done,
// so neither a decompression bomb nor a cancelled job runs on.
type boundedReader struct {
	ctx  context.Context
	r    io.Reader
	left int64
	read int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	if b.left <= 0 {
		return 0, fmt.Errorf("the uncompressed archive is over %d bytes: %w", b.read, ErrLimit)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	b.read += int64(n)
	return n, err
}

// maxLinkHops is how many symlinks Linux follows in one path before it
// fails with ELOOP.
const maxLinkHops = 40

// resolvesInside follows rel (slash-separated, relative to root) through
// the symlinks on disk, component by component, and fails if the path
// would leave root. Components that do not exist resolve lexically.
func resolvesInside(root, rel string) error {
	var done []string
	todo := strings.Split(rel, "/")
	for hops := 0; len(todo) > 0; {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) == 0 {
				return fmt.Errorf("symlink resolves outside the snapshot (through %s)", orRoot(strings.Join(done, "/")))
			}
			done = done[:len(done)-1]
			continue
		}
		p := filepath.Join(root, filepath.FromSlash(path.Join(append(done, c)...)))
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			done = append(done, c)
			continue
		}
		if hops++; hops > maxLinkHops {
			// The kernel gives up here too (ELOOP): the path cannot be
			// opened, so it cannot reach outside either.
			return nil
		}
		t, err := os.Readlink(p)
		if err != nil {
			return fmt.Errorf("read symlink: %w", err)
		}
		if filepath.IsAbs(t) {
			return fmt.Errorf("symlink resolves to the absolute path %s (through %s)", t, path.Join(append(done, c)...))
		}
		todo = append(strings.Split(filepath.ToSlash(t), "/"), todo...)
	}
	return nil
}

func orRoot(s string) string {
	if s == "" {
		return "the top-level folder"
	}
	return s
}

// inside joins rel to root, refusing absolute paths and `..` escapes, and
// paths that pass through a symlink already extracted.
func inside(root, rel string) (string, error) {
	if path.IsAbs(rel) || strings.HasPrefix(rel, "/") {
		return "", fmt.Errorf("absolute path %q", rel)
	}
	clean := path.Clean(rel)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("path %q leaves the snapshot", rel)
	}
	target := filepath.Join(root, filepath.FromSlash(clean))
	// A parent that is a symlink would let a later entry write through it.
	dir := filepath.Dir(target)
	for dir != root && len(dir) > len(root) {
		if fi, err := os.Lstat(dir); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			return "", fmt.Errorf("path %q goes through the symlink %s", rel, strings.TrimPrefix(dir, root+string(filepath.Separator)))
		}
		dir = filepath.Dir(dir)
	}
	return target, nil
}

// checkLink refuses a symlink whose target resolves outside root (as
// written: absolute targets are outside by definition).
func checkLink(root, at, linkname string) error {
	if linkname == "" {
		return errors.New("symlink with an empty target")
	}
	if filepath.IsAbs(linkname) {
		return fmt.Errorf("symlink to the absolute path %s", linkname)
	}
	resolved := filepath.Clean(filepath.Join(filepath.Dir(at), filepath.FromSlash(linkname)))
	if resolved != root && !strings.HasPrefix(resolved, root+string(filepath.Separator)) {
		return fmt.Errorf("symlink to %s leaves the snapshot", linkname)
	}
	return nil
}

func writeFile(target string, r io.Reader, h *tar.Header) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return 0, err
	}
	mode := os.FileMode(0o644)
	if h.Mode&0o111 != 0 {
		mode = 0o755
	}
	_ = os.Remove(target) // never write through an existing link
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, io.LimitReader(r, h.Size))
	if err == nil {
		// The mode is exact whatever the umask; setuid, setgid and
		// sticky bits never survive.
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != h.Size {
		err = fmt.Errorf("truncated: %d of %d bytes", n, h.Size)
	}
	return n, err
}
