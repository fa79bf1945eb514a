// Package rootfs opens a repository's files inside its root by
// construction. Everything coderready reads of a scanned folder or a pull
// request's checkout goes through a Root: an os.Root, which follows
// symlinks only while they stay beneath the root and refuses absolute
// ones, so no path a repository names (`../x`, a link to `/etc`, a chain of
// links through `..`) reaches a file outside it — whatever lexical check a
// caller did or forgot.
//
// Errors for a path that leaves the root wrap ErrOutside; for a chain of
// links too long to follow, or a loop, ErrLoop. Both say "not read", which
// is what a finding on the line naming the path should tell the user.
package rootfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrOutside is wrapped by the error for a path that resolves outside the
// root (through `..`, an absolute path or a symlink).
var ErrOutside = errors.New("resolves outside the repository: not read")

// ErrLoop is wrapped by the error for a path whose symlinks loop or chain
// further than the kernel follows.
var ErrLoop = errors.New("is a symlink loop or too long a chain of symlinks: not read")

// Root is a folder whose files are opened only beneath it.
type Root struct {
	r   *os.Root
	dir string // absolute, as given
}

// Open opens dir as a Root.
func Open(dir string) (*Root, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	r, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	return &Root{r: r, dir: abs}, nil
}

// Close releases the root's directory handle.
func (r *Root) Close() error { return r.r.Close() }

// Dir is the root's absolute path, as it was opened.
func (r *Root) Dir() string { return r.dir }

// OS is the underlying os.Root, for APIs that take one.
func (r *Root) OS() *os.Root { return r.r }

// Rel returns p (absolute, or relative to the root's folder) as a clean
// slash-separated path relative to the root, or an error wrapping
// ErrOutside when p leaves it lexically. It reads nothing: a symlink on
// the way is caught when the path is opened.
func (r *Root) Rel(p string) (string, error) {
	rel := p
	if filepath.IsAbs(p) {
		var err error
		if rel, err = filepath.Rel(r.dir, p); err != nil {
			return "", fmt.Errorf("%s %w", p, ErrOutside)
		}
	}
	rel = filepath.ToSlash(filepath.Clean(rel))
	if rel != "." && !filepath.IsLocal(filepath.FromSlash(rel)) {
		return "", fmt.Errorf("%s %w", p, ErrOutside)
	}
	return rel, nil
}

// ReadFile reads the file at rel (slash-separated, relative to the root),
// refusing one larger than limit bytes or that is not a regular file.
func (r *Root) ReadFile(rel string, limit int64) ([]byte, error) {
	return ReadFile(r.FS(), rel, limit)
}

// Stat returns the file info of rel, following symlinks inside the root.
func (r *Root) Stat(rel string) (fs.FileInfo, error) {
	fi, err := r.r.Stat(filepath.FromSlash(rel))
	return fi, Explain(err)
}

// Lstat returns the file info of rel itself (a symlink is not followed).
func (r *Root) Lstat(rel string) (fs.FileInfo, error) {
	fi, err := r.r.Lstat(filepath.FromSlash(rel))
	return fi, Explain(err)
}

// OpenRoot opens the folder rel as a Root of its own (symlinks on the way
// followed inside this root only). The new root's Dir is its lexical path.
func (r *Root) OpenRoot(rel string) (*Root, error) {
	sub, err := r.r.OpenRoot(filepath.FromSlash(rel))
	if err != nil {
		return nil, Explain(err)
	}
	return &Root{r: sub, dir: filepath.Join(r.dir, filepath.FromSlash(rel))}, nil
}

// Resolve returns the physical absolute path of rel, for a program that
// opens it by name (the Dev Containers CLI, Docker Compose): the path is
// first opened inside the root, which refuses one that leaves it, and the
// name handed out has every symlink resolved, so the program cannot be led
// elsewhere by them.
func (r *Root) Resolve(rel string) (string, error) {
	if _, err := r.Stat(rel); err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(filepath.Join(r.dir, filepath.FromSlash(rel)))
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", rel, err)
	}
	top, err := filepath.EvalSymlinks(r.dir)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", rel, err)
	}
	// The root said it stays inside; a rename between the two look-ups
	// must not change that.
	if in, err := filepath.Rel(top, real); err != nil || (in != "." && !filepath.IsLocal(in)) {
		return "", fmt.Errorf("%s %w", rel, ErrOutside)
	}
	return real, nil
}

// FS is the root as an fs.FS whose errors say when a path leaves the root
// (ErrOutside) or loops (ErrLoop). ReadDir and Stat are served; symlinks
// are followed inside the root only.
func (r *Root) FS() fs.FS { return rootFS{r.r.FS()} }

type rootFS struct{ fsys fs.FS }

func (f rootFS) Open(name string) (fs.File, error) {
	if err := leaves("open", name); err != nil {
		return nil, err
	}
	file, err := f.fsys.Open(name)
	return file, Explain(err)
}

func (f rootFS) Stat(name string) (fs.FileInfo, error) {
	if err := leaves("stat", name); err != nil {
		return nil, err
	}
	fi, err := fs.Stat(f.fsys, name)
	return fi, Explain(err)
}

func (f rootFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if err := leaves("readdir", name); err != nil {
		return nil, err
	}
	es, err := fs.ReadDir(f.fsys, name)
	return es, Explain(err)
}

// leaves is the error for a name that leaves the root as written ("../x",
// "/etc"), which fs.FS would call merely invalid.
func leaves(op, name string) error {
	if fs.ValidPath(name) || Local(name) {
		return nil
	}
	return &fs.PathError{Op: op, Path: name, Err: ErrOutside}
}

// ReadFile reads name from fsys, refusing a file larger than limit bytes
// or one that is not a regular file (a FIFO would block, a device never
// end).
func ReadFile(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose on close
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("not a regular file")}
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if int64(len(b)) > limit {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("larger than %s", sizeText(limit))}
	}
	return b, nil
}

func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// escapeText is os.Root's message for a path leaving the root; the error
// value itself is not exported. TestEscapeIsOutside fails if it changes.
const escapeText = "path escapes from parent"

// Explain rewraps an os.Root error: a path leaving the root wraps
// ErrOutside, a loop or over-long chain ErrLoop (keeping the path);
// anything else is returned as it is.
func Explain(err error) error {
	if err == nil {
		return nil
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.Err != nil && pe.Err.Error() == escapeText:
		return &fs.PathError{Op: pe.Op, Path: pe.Path, Err: ErrOutside}
	case errors.Is(pe.Err, syscall.ELOOP):
		return &fs.PathError{Op: pe.Op, Path: pe.Path, Err: ErrLoop}
	}
	return err
}

// Refused reports whether err is a refusal to leave the root or follow a
// loop (as opposed to a missing file or an I/O error).
func Refused(err error) bool {
	return errors.Is(err, ErrOutside) || errors.Is(err, ErrLoop)
}

// Why is the short reason for a refused path, for a finding: "resolves
// outside the repository: not read" or the loop text; "" when err is not a
// refusal.
func Why(err error) string {
	switch {
	case errors.Is(err, ErrOutside):
		return ErrOutside.Error()
	case errors.Is(err, ErrLoop):
		return ErrLoop.Error()
	}
	return ""
}

// Local reports whether a slash path, cleaned, stays inside its root
// lexically (no leading "..", not absolute).
func Local(p string) bool {
	return !path.IsAbs(p) && !strings.HasPrefix(p, "/") && filepath.IsLocal(filepath.FromSlash(path.Clean(p)))
}

// Refusal is the error for what (a phrase naming the path, "the build
// context up") being refused by err: "the build context up resolves
// outside the repository: not read", wrapping ErrOutside or ErrLoop; nil
// when err is not a refusal.
func Refusal(what string, err error) error {
	switch {
	case errors.Is(err, ErrLoop):
		return fmt.Errorf("%s %w", what, ErrLoop)
	case errors.Is(err, ErrOutside):
		return fmt.Errorf("%s %w", what, ErrOutside)
	}
	return nil
}
