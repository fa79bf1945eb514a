package image

import (
	"errors"
	"io/fs"
	"path"
	"strings"
)

// maxSymlinks is Linux's limit on links followed in one lookup.
const maxSymlinks = 40

// Errors of path resolution inside an image.
var (
	ErrNotExist   = fs.ErrNotExist
	ErrNotDir     = errors.New("not a directory")
	ErrLinkLoop   = errors.New("too many levels of symbolic links")
	errEmptyLink  = errors.New("empty symbolic link")
	errNoFileList = errors.New("the facts hold no file index")
)

// resolve walks p inside the image as the kernel would with the image as
// root: symbolic links are followed (relative to their directory,
// absolute ones from the image root), ".." after a link goes to the real
// parent, and ".." at the root stays there. followLast says whether a link
// in the last element is followed (stat) or returned (lstat).
func (f *Facts) resolve(p string, followLast bool) (string, File, error) {
	if f.Files == nil {
		return "", File{}, errNoFileList
	}
	todo := strings.Split(p, "/")
	stack := make([]string, 0, len(todo))
	hops := 0
	for len(todo) > 0 {
		el := todo[0]
		todo = todo[1:]
		switch el {
		case "", ".":
			continue
		case "..":
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		cur := "/" + strings.Join(append(stack, el), "/")
		file, ok := f.Files.Get(cur)
		if !ok {
			return cur, File{}, ErrNotExist
		}
		last := len(todo) == 0 || onlyDots(todo)
		if file.Type == TypeSymlink && (!last || followLast) {
			hops++
			if hops > maxSymlinks {
				return cur, File{}, ErrLinkLoop
			}
			if file.Link == "" {
				return cur, File{}, errEmptyLink
			}
			if strings.HasPrefix(file.Link, "/") {
				stack = stack[:0]
			}
			todo = append(strings.Split(file.Link, "/"), todo...)
			continue
		}
		if !last && file.Type != TypeDir {
			return cur, File{}, ErrNotDir
		}
		stack = append(stack, el)
	}
	final := "/" + strings.Join(stack, "/")
	file, _ := f.Files.Get(final)
	return final, file, nil
}

// onlyDots reports whether the rest of a path is only "" and "." elements
// (so the current element is the last real one).
func onlyDots(els []string) bool {
	for _, e := range els {
		if e != "" && e != "." {
			return false
		}
	}
	return true
}

// Resolve follows p's symbolic links inside the image and returns the path
// it leads to and that entry. p is absolute (relative paths are taken from
// the root).
func (f *Facts) Resolve(p string) (string, File, error) {
	return f.resolve(p, true)
}

// Stat returns the entry p leads to, following links.
func (f *Facts) Stat(p string) (File, bool) {
	_, file, err := f.resolve(p, true)
	return file, err == nil
}

// Lstat returns the entry at p itself (links in its directories followed,
// a link in the last element not).
func (f *Facts) Lstat(p string) (File, bool) {
	_, file, err := f.resolve(p, false)
	return file, err == nil
}

// ReadDir lists the names in directory p (links followed), sorted.
func (f *Facts) ReadDir(p string) ([]string, bool) {
	dir, file, err := f.resolve(p, true)
	if err != nil || file.Type != TypeDir {
		return nil, false
	}
	names, _ := f.Files.names(dir)
	return names, true
}

// Executable is an executable found on PATH.
type Executable struct {
	// Path is where PATH lookup found it ("/usr/bin/wget"), as `command
	// -v` prints it.
	Path string `json:"path"`
	// Target is the file it resolves to ("/bin/busybox").
	Target string `json:"target"`
	File   File   `json:"file"`
	// Busybox is set when the target is the image's busybox binary (an
	// applet link).
	Busybox bool `json:"busybox,omitempty"`
}

// LookPath finds name like a shell does: a name with a slash is taken as a
// path (relative ones from the working directory); otherwise each PATH
// directory of the config (DefaultPath when unset; an empty element is the
// working directory) is tried in order. The candidate's links are resolved
// inside the image and it must be a regular file with an execute bit. It
// returns the path found on PATH, like `command -v`.
func (f *Facts) LookPath(name string) (string, bool) {
	e, ok := f.FindExecutable(name)
	return e.Path, ok
}

// FindExecutable is LookPath with what the path resolves to.
func (f *Facts) FindExecutable(name string) (Executable, bool) {
	if name == "" {
		return Executable{}, false
	}
	wd := f.Config.WorkingDir
	if wd == "" {
		wd = "/"
	}
	abs := func(p string) string {
		if strings.HasPrefix(p, "/") {
			return path.Clean(p)
		}
		return path.Join("/", wd, p)
	}
	try := func(cand string) (Executable, bool) {
		target, file, err := f.resolve(cand, true)
		if err != nil || !file.Executable() {
			return Executable{}, false
		}
		return Executable{Path: cand, Target: target, File: file, Busybox: f.isBusybox(target, file)}, true
	}
	if strings.Contains(name, "/") {
		return try(abs(name))
	}
	for _, dir := range strings.Split(f.Config.SearchPath(), ":") {
		if dir == "" {
			dir = "."
		}
		if e, ok := try(path.Join(abs(dir), name)); ok {
			return e, true
		}
	}
	return Executable{}, false
}

// IsBusyboxApplet reports whether p leads (through symbolic or hard links)
// to the image's busybox binary: /bin/sh -> busybox, /usr/bin/wget ->
// /bin/busybox, or a hard link to it.
func (f *Facts) IsBusyboxApplet(p string) bool {
	target, file, err := f.resolve(p, true)
	return err == nil && f.isBusybox(target, file)
}

func (f *Facts) isBusybox(target string, file File) bool {
	if file.Type != TypeFile {
		return false
	}
	if f.Busybox != nil {
		bbTarget, bbFile, err := f.resolve(f.Busybox.Path, true)
		if err == nil && sameInode(target, file, bbTarget, bbFile) {
			return true
		}
	}
	return strings.HasPrefix(path.Base(target), "busybox")
}

// sameInode reports whether two resolved entries are the same file: the
// same path or members of the same hard-link group.
func sameInode(p1 string, f1 File, p2 string, f2 File) bool {
	c1, c2 := p1, p2
	if f1.HardLink != "" {
		c1 = f1.HardLink
	}
	if f2.HardLink != "" {
		c2 = f2.HardLink
	}
	return c1 == c2
}
