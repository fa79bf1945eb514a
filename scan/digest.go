package scan

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
)

// InputsDigest is a SHA-256 of target t's inputs as they are in the tree
// (Target.Inputs): each file's path, permissions and content, each
// symlink's path and target (never followed), folders walked in lexical
// order, an input that is missing as missing. Two trees in which a target
// has the same digest build its image from the same files, so what was
// learned of one (the base branch's image, its findings) holds for the
// other. Everything is read inside the root.
func (p *Planned) InputsDigest(t Target) (string, error) {
	h := sha256.New()
	_, _ = fmt.Fprintf(h, "target\x00%s\x00%s\x00", t.Path, t.Kind)
	for _, in := range compact(slices.Clone(t.Inputs)) {
		if err := p.digestPath(h, in); err != nil {
			return "", fmt.Errorf("digest of %s's inputs: %w", t.Path, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// digestPath writes rel and, for a folder, everything below it into h.
func (p *Planned) digestPath(h hash.Hash, rel string) error {
	root := p.repo.OS()
	fi, err := root.Lstat(filepath.FromSlash(rel))
	if errors.Is(err, fs.ErrNotExist) {
		_, _ = fmt.Fprintf(h, "missing\x00%s\x00", rel)
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := root.Readlink(filepath.FromSlash(rel))
		if err != nil {
			return err
		}
		_, _ = fmt.Fprintf(h, "link\x00%s\x00%s\x00", rel, target)
	case fi.IsDir():
		_, _ = fmt.Fprintf(h, "dir\x00%s\x00%o\x00", rel, fi.Mode().Perm())
		entries, err := fs.ReadDir(root.FS(), rel)
		if err != nil {
			return err
		}
		for _, e := range entries { // sorted by name
			if err := p.digestPath(h, path.Join(rel, e.Name())); err != nil {
				return err
			}
		}
	case fi.Mode().IsRegular():
		_, _ = fmt.Fprintf(h, "file\x00%s\x00%o\x00%d\x00", rel, fi.Mode().Perm(), fi.Size())
		f, err := root.Open(filepath.FromSlash(rel))
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		// The size said how much follows: a file that changes size
		// while it is read gives a digest no other tree has.
		if _, err := io.Copy(h, io.LimitReader(f, fi.Size())); err != nil {
			return err
		}
	default:
		_, _ = fmt.Fprintf(h, "other\x00%s\x00%s\x00", rel, fi.Mode().Type())
	}
	return nil
}
