package checks

import (
	"io/fs"
	"path"
	"strings"

	"github.com/coderready/coderready/internal/rootfs"
)

// maxGitignore bounds what is read of one .gitignore file.
const maxGitignore = 64 << 10

// gitIgnored reports whether a .gitignore of the repository, in rel's
// folder or one above it, ignores rel (a slash path from the root) or a
// folder on its way: the path is made by a build step, not kept in the
// repository (stuartleeks' Makefile copies `src` into
// `test-project/.devcontainer/src`, which that folder's .gitignore
// lists). Negations (`!x`) make the answer no, as do patterns this
// reading does not follow (`**`).
func gitIgnored(fsys fs.FS, rel string) bool {
	if fsys == nil {
		return false
	}
	rel = path.Clean(rel)
	ignored := false
	for dir := path.Dir(rel); ; dir = path.Dir(dir) {
		b, err := rootfs.ReadFile(fsys, path.Join(dir, ".gitignore"), maxGitignore)
		if err == nil {
			under := strings.TrimPrefix(rel, dir+"/")
			if dir == "." {
				under = rel
			}
			for _, line := range strings.Split(string(b), "\n") {
				p := strings.TrimSpace(line)
				if p == "" || p[0] == '#' {
					continue
				}
				if p[0] == '!' || strings.Contains(p, "**") {
					return false
				}
				if ignores(strings.TrimSuffix(p, "/"), under) {
					ignored = true
				}
			}
		}
		if dir == "." {
			return ignored
		}
	}
}

// ignores reports whether one .gitignore pattern matches the path under
// its folder: an anchored pattern (one with a slash) the path or a folder
// it starts with, another any of its parts.
func ignores(p, under string) bool {
	if strings.Contains(p, "/") {
		p = strings.TrimPrefix(p, "/")
		parts := strings.Split(under, "/")
		for i := range parts {
			if ok, _ := path.Match(p, strings.Join(parts[:i+1], "/")); ok {
				return true
			}
		}
		return false
	}
	for _, part := range strings.Split(under, "/") {
		if ok, _ := path.Match(p, part); ok {
			return true
		}
	}
	return false
}
