// Package source downloads a repository snapshot (GitHub's tarball of a
// commit) and extracts it safely: every entry is created through an
// os.Root on the destination, so no path leaves it and nothing is written
// through a link; and total size, entry count and file size are bounded.
//
// Symbolic links are kept as the repository has them, whatever their
// target: a repository may hold a link to /dev/null or to a folder beside
// it, and it is still checked. Every reader of a snapshot (the scan, the
// builders, the app's patches) opens paths through an os.Root, which
// refuses a link that leaves the snapshot, so such a link becomes a
// finding ("resolves outside the repository: not read") on the line that
// names it rather than a read. Stats counts those links.
package source

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
	"syscall"
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

// WithDefaults is l with its zero fields set to the defaults.
func (l Limits) WithDefaults() Limits {
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
	// LinksOutside counts the symbolic links that resolve outside the
	// snapshot, and LinksLooping those in a loop or a chain longer than
	// the 8 links os.Root follows. Both are kept as links; no reader of
	// the snapshot follows them.
	LinksOutside, LinksLooping int
}

// ErrLimit is wrapped by every error for a snapshot over a limit.
var ErrLimit = errors.New("over the limit")

// ErrRefused is wrapped by every error for a snapshot whose shape no git
// tree has: a path leaving the top-level folder, an entry written through
// a link or twice, a hard link to anything but a file extracted before
// it, an empty archive. A corrupt or truncated download is not refused:
// a retry may cure it.
var ErrRefused = errors.New("refused")

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
// Every file, folder and link is created through an [os.Root] opened on
// dst, one path component at a time from the folder that holds it, so no
// entry can be written outside dst or through a symlink whatever the
// archive says: that is the safety, not a check of the names. On top of
// it Extract refuses, with an error naming the entry: paths that are
// absolute or leave dst; entries under a symlink or a file; an entry over
// one written before it (a duplicate, a file over a folder), since git
// trees hold neither; symlinks whose target leaves dst, or that resolve
// (followed within the root once every entry is written) outside it or
// through a chain of more than 8 links or a loop; hard links to anything
// but a regular file extracted before them; names over 4096 bytes or 256
// components; and snapshots over a limit (those errors wrap ErrLimit;
// folders created for an entry count as entries). The whole uncompressed
// stream is bounded too, so a decompression bomb hidden in headers,
// skipped entries or trailing data stops early; a truncated or corrupt
// archive is an error. Devices, FIFOs and pax headers are skipped. Files
// are written 0644, or 0755 when any execute bit is set (never setuid),
// folders 0755; in-tree symlinks stay symlinks. On error dst may hold part
// of the snapshot: the caller removes it.
func Extract(ctx context.Context, r io.Reader, dst string, lim Limits) (Stats, error) {
	lim = lim.WithDefaults()
	var st Stats
	root, err := os.OpenRoot(dst)
	if err != nil {
		return st, fmt.Errorf("extract: %w", err)
	}
	defer func() { _ = root.Close() }()
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
	x := &extraction{lim: lim, st: &st, dirs: &cursor{top: root}}
	defer x.dirs.close()
	x.dirs.made = x.count
	for {
		if err := ctx.Err(); err != nil {
			return st, fmt.Errorf("extract: %w", err)
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, fmt.Errorf("extract: after %d entries: %w", x.entries, err)
		}
		if err := x.count(); err != nil {
			return st, fmt.Errorf("extract %s: %w", h.Name, err)
		}
		if err := x.entry(h, tr); err != nil {
			return st, fmt.Errorf("extract %s: %w", h.Name, err)
		}
	}
	// Drain the gzip trailer so a truncated stream is an error.
	if _, err := io.Copy(io.Discard, stream); err != nil {
		return st, fmt.Errorf("extract: after the last entry: %w", err)
	}
	if x.prefix == "" {
		return st, refuse(errors.New("extract: the archive is empty"))
	}
	if x.symlinks > 0 {
		// Now that every link exists, follow each (through the root) to
		// count those no reader will follow, for the job's log.
		if err := countLinks(root, &st); err != nil {
			return st, err
		}
	}
	return st, nil
}

// refuse marks an error about the archive's shape as ErrRefused (a limit
// keeps its own kind). Read errors, which a retry may cure (the download
// broke off), and the disk's errors are never marked.
func refuse(err error) error {
	if err == nil || errors.Is(err, ErrLimit) || errors.Is(err, ErrRefused) {
		return err
	}
	return refusedError{err}
}

// refusedError is an error about the archive's content: its message, and
// errors.Is(err, ErrRefused).
type refusedError struct{ err error }

func (e refusedError) Error() string        { return e.err.Error() }
func (e refusedError) Unwrap() error        { return e.err }
func (e refusedError) Is(target error) bool { return target == ErrRefused }

// Name limits: Linux's PATH_MAX, and a depth no repository reaches (each
// level is a directory held open while its entries are written).
const (
	maxName  = 4096
	maxDepth = 256
)

// extraction is the state of one Extract.
type extraction struct {
	lim      Limits
	st       *Stats
	dirs     *cursor
	prefix   string // the top-level folder, with its slash
	entries  int    // entries read and folders created
	symlinks int
}

// count counts one entry or created folder against MaxFiles.
func (x *extraction) count() error {
	x.entries++
	if x.entries > x.lim.MaxFiles {
		return fmt.Errorf("more than %d entries: %w", x.lim.MaxFiles, ErrLimit)
	}
	return nil
}

// entry writes one tar entry.
func (x *extraction) entry(h *tar.Header, r io.Reader) error {
	if h.Typeflag == tar.TypeXGlobalHeader || h.Typeflag == tar.TypeXHeader {
		x.st.Skipped++
		return nil
	}
	rel, err := x.rel(h.Name, h.Typeflag == tar.TypeDir)
	if err != nil || rel == "" {
		return refuse(err)
	}
	dir, base := splitRel(rel)
	switch h.Typeflag {
	case tar.TypeDir:
		d, err := x.dirs.enter(dir, true)
		if err != nil {
			return err
		}
		fi, err := d.Lstat(base)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := d.Mkdir(base, 0o755); err != nil {
				return err
			}
		case err != nil:
			return err
		case !fi.IsDir():
			return refuse(fmt.Errorf("a folder over the %s written before it", kind(fi)))
		}
		// The mode is exact whatever the umask.
		if err := d.Chmod(base, 0o755); err != nil {
			return err
		}
		x.st.Dirs++
	case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // old archives still use TypeRegA
		if h.Size > x.lim.MaxFileBytes {
			return fmt.Errorf("%d bytes, more than %d per file: %w", h.Size, x.lim.MaxFileBytes, ErrLimit)
		}
		if x.st.Bytes+h.Size > x.lim.MaxBytes {
			return fmt.Errorf("more than %d bytes in all: %w", x.lim.MaxBytes, ErrLimit)
		}
		d, err := x.dirs.enter(dir, true)
		if err != nil {
			return err
		}
		n, err := writeFile(d, base, r, h)
		x.st.Bytes += n
		if err != nil {
			return err
		}
		x.st.Files++
	case tar.TypeSymlink:
		if err := checkTarget(h.Linkname); err != nil {
			return err
		}
		d, err := x.dirs.enter(dir, true)
		if err != nil {
			return err
		}
		if err := d.Symlink(h.Linkname, base); err != nil {
			return over(d, base, err)
		}
		x.symlinks++
		x.st.Links++
	case tar.TypeLink:
		lrel, ok := strings.CutPrefix(strings.TrimPrefix(h.Linkname, "./"), x.prefix)
		if !ok {
			return refuse(fmt.Errorf("hard link to %s outside the snapshot", h.Linkname))
		}
		lrel, err := clean(lrel)
		if err != nil {
			return refuse(fmt.Errorf("hard link: %w", err))
		}
		// The source is looked up the way files are written (no
		// symlink on the way), so only a file written at that name
		// qualifies, never one reached through a link.
		ldir, lbase := splitRel(lrel)
		ld, err := x.dirs.enter(ldir, false)
		if err == nil {
			var fi fs.FileInfo
			if fi, err = ld.Lstat(lbase); err == nil && !fi.Mode().IsRegular() {
				err = fmt.Errorf("a %s", kind(fi))
			}
		}
		if err != nil {
			return refuse(fmt.Errorf("hard link to %s, which is not a file extracted before it (%w)", h.Linkname, err))
		}
		d, err := x.dirs.enter(dir, true)
		if err != nil {
			return err
		}
		if err := x.dirs.top.Link(lrel, rel); err != nil {
			return over(d, base, err)
		}
		x.st.Links++
	default: // devices, FIFOs, sparse oddities: nothing a build needs
		x.st.Skipped++
	}
	return nil
}

// rel strips the top-level folder from name (learning it from the first
// entry) and cleans the rest; "" is the top-level folder itself.
func (x *extraction) rel(name string, isDir bool) (string, error) {
	name = strings.TrimPrefix(name, "./")
	if x.prefix == "" {
		top, _, _ := strings.Cut(name, "/")
		if top == "" || top == "." || top == ".." {
			return "", errors.New("want every entry under one top-level folder")
		}
		x.prefix = top + "/"
	}
	rel, ok := strings.CutPrefix(name, x.prefix)
	if !ok {
		if strings.TrimSuffix(name, "/")+"/" != x.prefix {
			return "", fmt.Errorf("outside the top-level folder %s", x.prefix)
		}
		if !isDir {
			return "", errors.New("want every entry under one top-level folder, not a file at the top")
		}
		return "", nil
	}
	if strings.Trim(rel, "/") == "" && isDir {
		return "", nil
	}
	rel, err := clean(rel)
	if err == nil && rel == "." {
		if isDir {
			return "", nil
		}
		err = fmt.Errorf("%q names the top-level folder", name)
	}
	return rel, err
}

// clean normalizes a slash-separated path relative to the snapshot. Its
// refusals give clear messages; the root would refuse the same escapes.
func clean(rel string) (string, error) {
	if len(rel) > maxName {
		return "", fmt.Errorf("a name of %d bytes, more than %d: %w", len(rel), maxName, ErrLimit)
	}
	if strings.HasPrefix(rel, "/") {
		return "", fmt.Errorf("absolute path %q", rel)
	}
	c := path.Clean(rel)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("path %q leaves the snapshot", rel)
	}
	if strings.Count(c, "/") >= maxDepth {
		return "", fmt.Errorf("a path more than %d folders deep: %w", maxDepth, ErrLimit)
	}
	return c, nil
}

// splitRel splits a cleaned path into its folders and its last name.
func splitRel(rel string) ([]string, string) {
	parts := strings.Split(rel, "/")
	return parts[:len(parts)-1], parts[len(parts)-1]
}

// checkTarget refuses a symlink target that is empty (git cannot store
// one) or too long. Any other target is kept: readers follow links only
// through an os.Root (see the package doc).
func checkTarget(target string) error {
	switch {
	case target == "":
		return refuse(errors.New("symlink with an empty target"))
	case len(target) > maxName:
		return fmt.Errorf("a symlink target of %d bytes, more than %d: %w", len(target), maxName, ErrLimit)
	}
	return nil
}

// countLinks follows every symlink under root through the root, which
// refuses a path that leaves it and gives up (ELOOP) after 8 links, and
// counts the links it refuses. A link whose target does not exist cannot
// be followed anywhere.
func countLinks(root *os.Root, st *Stats) error {
	return fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("extract: count symlinks: %w", err)
		}
		if d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		_, err = root.Stat(p)
		switch {
		case err == nil, errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		case errors.Is(err, syscall.ELOOP):
			st.LinksLooping++
		default:
			st.LinksOutside++
		}
		return nil
	})
}

// kind names what a file info describes, for errors.
func kind(fi fs.FileInfo) string {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return "symlink"
	case fi.IsDir():
		return "folder"
	case fi.Mode().IsRegular():
		return "file"
	}
	return "special file"
}

// over explains an error creating base in d: when something is already
// there, which entry it clashes with.
func over(d *os.Root, base string, err error) error {
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	fi, lerr := d.Lstat(base)
	if lerr != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&fs.ModeSymlink != 0 {
		return refuse(fmt.Errorf("written over the %s written before it", kind(fi)))
	}
	return refuse(errors.New("written twice (a git tree never holds the same path twice)"))
}

// cursor holds open the folders of the entry being written, each as an
// os.Root opened from its parent's, so an entry is created by its last
// name within its own folder. Tar streams list a folder's entries
// together, so most entries reuse the folders already open.
type cursor struct {
	top   *os.Root
	names []string   // the open folders' names, from the top
	roots []*os.Root // roots[i] is the folder names[:i+1]
	made  func() error
}

// enter opens the folder dir (slash-separated components), creating the
// missing folders when create is set (each counted by made). A component
// that is a symlink or not a folder is an error: nothing is written
// through a link, even one that stays inside.
func (c *cursor) enter(dir []string, create bool) (*os.Root, error) {
	n := 0
	for n < len(dir) && n < len(c.names) && dir[n] == c.names[n] {
		n++
	}
	c.leave(n)
	for _, name := range dir[n:] {
		d := c.dir()
		fi, err := d.Lstat(name)
		switch {
		case errors.Is(err, fs.ErrNotExist) && create:
			if err := c.made(); err != nil {
				return nil, err
			}
			if err := d.Mkdir(name, 0o755); err != nil {
				return nil, err
			}
			if err := d.Chmod(name, 0o755); err != nil {
				return nil, err
			}
		case err != nil:
			return nil, err
		case fi.Mode()&fs.ModeSymlink != 0:
			return nil, refuse(fmt.Errorf("goes through the symlink %s", path.Join(append(c.names, name)...)))
		case !fi.IsDir():
			return nil, refuse(fmt.Errorf("goes through %s, a %s", path.Join(append(c.names, name)...), kind(fi)))
		}
		r, err := d.OpenRoot(name)
		if err != nil {
			return nil, err
		}
		c.names = append(c.names, name)
		c.roots = append(c.roots, r)
	}
	return c.dir(), nil
}

// dir is the deepest open folder.
func (c *cursor) dir() *os.Root {
	if len(c.roots) == 0 {
		return c.top
	}
	return c.roots[len(c.roots)-1]
}

// leave closes the open folders below the first n.
func (c *cursor) leave(n int) {
	for len(c.roots) > n {
		_ = c.roots[len(c.roots)-1].Close()
		c.roots = c.roots[:len(c.roots)-1]
		c.names = c.names[:len(c.names)-1]
	}
}

func (c *cursor) close() { c.leave(0) }

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

// writeFile creates base in d (never over anything, never through a link)
// and copies the entry's body into it.
func writeFile(d *os.Root, base string, r io.Reader, h *tar.Header) (int64, error) {
	mode := os.FileMode(0o644)
	if h.Mode&0o111 != 0 {
		mode = 0o755
	}
	f, err := d.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, mode)
	if err != nil {
		return 0, over(d, base, err)
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
