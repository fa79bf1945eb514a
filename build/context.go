package build

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/coderready/coderready/internal/rootfs"
)

// ErrContextTooLarge is wrapped by the error Build returns when the context
// holds more than Spec.MaxContextBytes of file content.
var ErrContextTooLarge = errors.New("build context too large")

// contextEntry is one file, directory or symlink of the build context.
type contextEntry struct {
	rel  string // slash-separated, relative to the context root
	info fs.FileInfo
	link string // symlink target, as stored (never followed)
}

// buildContext is the planned content of a build context.
type buildContext struct {
	// root is the context folder, opened inside the folder the build may
	// read from: every file of the context is read through it.
	root *rootfs.Root
	// name is the context folder's path as given, for messages and the
	// session's shared key.
	name       string
	dockerfile string // slash-separated, relative to root
	entries    []contextEntry
	size       int64
	// planned and parents index entries for a BuildKit session (filled on
	// first use): the entries by path, and every directory above one.
	planned map[string]contextEntry
	parents map[string]bool
}

// close releases the context folder.
func (bc *buildContext) close() { _ = bc.root.Close() }

// planContext opens the context directory beneath within (the folder the
// build may read from: the scanned repository; "" for the context itself)
// and lists what is sent, honouring .dockerignore, or the Dockerfile's own
// <Dockerfile>.dockerignore when there is one (the Dockerfile and the
// ignore file are always sent, as the docker CLI does). The context, the
// Dockerfile and the ignore file are opened through os.Root, so a symlink
// (the context folder itself, or a link on its way) cannot lead the build
// out of within; symlinks in the context are sent as links and never
// followed. Close the result when the build is over.
func planContext(within, dir, dockerfile string, maxBytes int64) (*buildContext, error) {
	if dir == "" {
		return nil, errors.New("build context: no context directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", dir, err)
	}
	if within == "" {
		within = abs
	}
	top, err := rootfs.Open(within)
	if err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	}
	defer func() { _ = top.Close() }()
	rel, err := top.Rel(abs)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", dir, err)
	}
	root, err := top.OpenRoot(rel)
	if err != nil {
		if rootfs.Refused(err) {
			return nil, rootfs.Refusal("the build context "+rel, err)
		}
		return nil, fmt.Errorf("build context %s: %w", dir, err)
	}
	bc := &buildContext{root: root, name: abs}
	if err := bc.plan(dir, dockerfile, maxBytes); err != nil {
		bc.close()
		return nil, err
	}
	return bc, nil
}

// plan fills the context's entries.
func (bc *buildContext) plan(dir, dockerfile string, maxBytes int64) error {
	df, err := dockerfileRel(bc.name, dir, dockerfile)
	if err != nil {
		return err
	}
	bc.dockerfile = df

	// A Dockerfile-specific ignore file (build/Dockerfile.dockerignore)
	// replaces the context's .dockerignore, as BuildKit does.
	ignore := ".dockerignore"
	if fi, err := bc.root.Stat(df + ".dockerignore"); err == nil && fi.Mode().IsRegular() {
		ignore = df + ".dockerignore"
	} else if rootfs.Refused(err) {
		return rootfs.Refusal("the ignore file "+df+".dockerignore", err)
	}
	var pm *patternmatcher.PatternMatcher
	if src, err := bc.root.ReadFile(ignore, maxIgnoreBytes); err == nil {
		patterns, rerr := ignorefile.ReadAll(bytes.NewReader(src))
		if rerr != nil {
			return fmt.Errorf("build context: %s: %w", ignore, rerr)
		}
		if pm, err = patternmatcher.New(patterns); err != nil {
			return fmt.Errorf("build context: %s: %w", ignore, err)
		}
	} else if rootfs.Refused(err) {
		return rootfs.Refusal("the ignore file "+ignore, err)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("build context: %s: %w", ignore, err)
	}

	err = fs.WalkDir(bc.root.FS(), ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		if pm != nil && rel != df && rel != ignore {
			skip, err := pm.MatchesOrParentMatches(rel)
			if err != nil {
				return fmt.Errorf("%s: %w", ignore, err)
			}
			if skip {
				if d.IsDir() && !pm.Exclusions() {
					return fs.SkipDir
				}
				return nil
			}
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		e := contextEntry{rel: rel, info: info}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			if e.link, err = bc.root.OS().Readlink(filepath.FromSlash(rel)); err != nil {
				return err
			}
		case info.Mode().IsRegular():
			bc.size += info.Size()
			if bc.size > maxBytes {
				return fmt.Errorf("%w: more than %d bytes of files (limit set by the build's context size limit; exclude files with .dockerignore)", ErrContextTooLarge, maxBytes)
			}
		case info.IsDir():
		default:
			return nil // sockets, devices, pipes: not sent
		}
		bc.entries = append(bc.entries, e)
		return nil
	})
	if err != nil {
		return fmt.Errorf("build context %s: %w", dir, err)
	}
	return nil
}

// maxIgnoreBytes bounds a .dockerignore file.
const maxIgnoreBytes = 1 << 20

// maxDockerfileBytes bounds the Dockerfile read.
const maxDockerfileBytes = 10 << 20

// dockerfileRel returns the Dockerfile's slash-separated path relative to
// the context folder abs (dir as given), refusing a path outside it.
func dockerfileRel(abs, dir, dockerfile string) (string, error) {
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	rel := filepath.Clean(dockerfile)
	if filepath.IsAbs(dockerfile) {
		r, err := filepath.Rel(abs, dockerfile)
		if err != nil {
			return "", fmt.Errorf("dockerfile %s: %w", dockerfile, err)
		}
		rel = r
	}
	rel = filepath.ToSlash(rel)
	if rel == "." || rel == ".." || strings.HasPrefix(rel, "../") || path.IsAbs(rel) {
		return "", fmt.Errorf("dockerfile %s: outside the build context %s", dockerfile, dir)
	}
	return rel, nil
}

// readDockerfile reads the Dockerfile through the context's root, so a
// symlink cannot lead it out of the context.
func (bc *buildContext) readDockerfile() ([]byte, error) {
	src, err := bc.root.ReadFile(bc.dockerfile, maxDockerfileBytes)
	if err != nil {
		if rootfs.Refused(err) {
			return nil, rootfs.Refusal("the Dockerfile "+bc.dockerfile, err)
		}
		return nil, fmt.Errorf("dockerfile: %w", err)
	}
	return src, nil
}

// writeTar streams the planned context as a tar archive. Files are opened
// through an os.Root (no symlink escapes) and copied only up to the size
// planned, so a file growing meanwhile cannot exceed the limit.
func (bc *buildContext) writeTar(w io.Writer) error {
	r := bc.root.OS()
	tw := tar.NewWriter(w)
	for _, e := range bc.entries {
		hdr, err := tar.FileInfoHeader(e.info, e.link)
		if err != nil {
			return fmt.Errorf("build context %s: %w", e.rel, err)
		}
		hdr.Name = e.rel
		if e.info.IsDir() {
			hdr.Name += "/"
		}
		// Reproducible and host-neutral: no host user or group names.
		hdr.Uname, hdr.Gname = "", ""
		hdr.Uid, hdr.Gid = 0, 0
		hdr.Format = tar.FormatPAX
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("build context %s: %w", e.rel, err)
		}
		if !e.info.Mode().IsRegular() {
			continue
		}
		if err := copyFile(tw, r, e); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("build context: %w", err)
	}
	return nil
}

// copyFile writes exactly e.info.Size() bytes of the file (padding with
// zeros if it shrank).
func copyFile(tw *tar.Writer, r *os.Root, e contextEntry) error {
	f, err := r.Open(filepath.FromSlash(e.rel))
	if err != nil {
		return fmt.Errorf("build context %s: %w", e.rel, err)
	}
	defer func() { _ = f.Close() }()
	n, err := io.Copy(tw, io.LimitReader(f, e.info.Size()))
	if err != nil {
		return fmt.Errorf("build context %s: %w", e.rel, err)
	}
	if pad := e.info.Size() - n; pad > 0 {
		if _, err := io.Copy(tw, io.LimitReader(zeros{}, pad)); err != nil {
			return fmt.Errorf("build context %s: %w", e.rel, err)
		}
	}
	return nil
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
