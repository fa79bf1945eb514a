package build

import (
	"archive/tar"
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
	root       string
	dockerfile string // slash-separated, relative to root
	entries    []contextEntry
	size       int64
	// planned and parents index entries for a BuildKit session (filled on
	// first use): the entries by path, and every directory above one.
	planned map[string]contextEntry
	parents map[string]bool
}

// planContext resolves the context directory and the Dockerfile in it and
// lists what is sent, honouring .dockerignore, or the Dockerfile's own
// <Dockerfile>.dockerignore when there is one (the Dockerfile and the ignore
// file are always sent, as the docker CLI does). Symlinks are sent as
// links and never followed, so nothing outside the context is read.
func planContext(dir, dockerfile string, maxBytes int64) (*buildContext, error) {
	if dir == "" {
		return nil, errors.New("build context: no context directory")
	}
	root, err := filepath.Abs(dir)
	if err == nil {
		root, err = filepath.EvalSymlinks(root)
	}
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", dir, err)
	}
	if st, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("build context %s: not a directory", dir)
	}
	df, err := dockerfileRel(root, dir, dockerfile)
	if err != nil {
		return nil, err
	}
	bc := &buildContext{root: root, dockerfile: df}

	// A Dockerfile-specific ignore file (build/Dockerfile.dockerignore)
	// replaces the context's .dockerignore, as BuildKit does.
	ignore := ".dockerignore"
	if fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(df+".dockerignore"))); err == nil && fi.Mode().IsRegular() {
		ignore = df + ".dockerignore"
	}
	var pm *patternmatcher.PatternMatcher
	if f, err := os.Open(filepath.Join(root, filepath.FromSlash(ignore))); err == nil {
		patterns, rerr := ignorefile.ReadAll(f)
		_ = f.Close()
		if rerr != nil {
			return nil, fmt.Errorf("build context: %s: %w", ignore, rerr)
		}
		if pm, err = patternmatcher.New(patterns); err != nil {
			return nil, fmt.Errorf("build context: %s: %w", ignore, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("build context: %s: %w", ignore, err)
	}

	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if pm != nil && rel != df && rel != ignore {
			skip, err := pm.MatchesOrParentMatches(rel)
			if err != nil {
				return fmt.Errorf("%s: %w", ignore, err)
			}
			if skip {
				if d.IsDir() && !pm.Exclusions() {
					return filepath.SkipDir
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
			if e.link, err = os.Readlink(p); err != nil {
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
		if errors.Is(err, ErrContextTooLarge) {
			return nil, fmt.Errorf("build context %s: %w", dir, err)
		}
		return nil, fmt.Errorf("build context %s: %w", dir, err)
	}
	return bc, nil
}

// dockerfileRel returns the Dockerfile's slash-separated path relative to
// root, refusing a path outside the context.
func dockerfileRel(root, dir, dockerfile string) (string, error) {
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	var rel string
	if filepath.IsAbs(dockerfile) {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", fmt.Errorf("dockerfile %s: %w", dockerfile, err)
		}
		// Accept the path against the context as given or as resolved.
		r, err := filepath.Rel(abs, dockerfile)
		if err != nil || r == ".." || strings.HasPrefix(r, "../") {
			r, err = filepath.Rel(root, dockerfile)
		}
		if err != nil {
			return "", fmt.Errorf("dockerfile %s: %w", dockerfile, err)
		}
		rel = r
	} else {
		rel = filepath.Clean(dockerfile)
	}
	rel = filepath.ToSlash(rel)
	if rel == "." || rel == ".." || strings.HasPrefix(rel, "../") || path.IsAbs(rel) {
		return "", fmt.Errorf("dockerfile %s: outside the build context %s", dockerfile, dir)
	}
	return rel, nil
}

// readDockerfile reads the Dockerfile through an os.Root, so a symlink cannot
// lead it out of the context.
func (bc *buildContext) readDockerfile() ([]byte, error) {
	r, err := os.OpenRoot(bc.root)
	if err != nil {
		return nil, fmt.Errorf("dockerfile: %w", err)
	}
	defer func() { _ = r.Close() }()
	src, err := r.ReadFile(filepath.FromSlash(bc.dockerfile))
	if err != nil {
		return nil, fmt.Errorf("dockerfile: %w", err)
	}
	return src, nil
}

// writeTar streams the planned context as a tar archive. Files are opened
// through an os.Root (no symlink escapes) and copied only up to the size
// planned, so a file growing meanwhile cannot exceed the limit.
func (bc *buildContext) writeTar(w io.Writer) error {
	r, err := os.OpenRoot(bc.root)
	if err != nil {
		return fmt.Errorf("build context: %w", err)
	}
	defer func() { _ = r.Close() }()
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
