package scan

import (
	"errors"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/coderready/coderready/internal/rootfs"
)

// A Dockerfile built on its own may take its base's tag from a build
// argument whose default is only a fallback (`ARG BASE_TAG=latest`): the
// repository's build script, workflow, Makefile or bake file passes the
// real value. passedArgs finds the names those files mention, so that a
// rule judging the default can tell it is likely overridden.

// Bounds on what passedArgs reads: build files are small, and a
// repository with more of them than this is not read further.
const (
	maxBuildFiles     = 4000
	maxBuildFileBytes = 256 << 10
	maxBuildBytes     = 64 << 20
)

// buildFileExts are the name endings of files that may pass build
// arguments: scripts, CI workflows and Compose files, bake files, task
// runners.
var buildFileExts = []string{".sh", ".bash", ".py", ".mk", ".yml", ".yaml", ".hcl", ".json", ".toml", ".ps1", ".js", ".ts", ".go", ".rb", ".pl"}

// buildFileNames are build files named without an extension.
var buildFileNames = []string{"Makefile", "makefile", "GNUmakefile", "Justfile", "justfile", "Taskfile", "Rakefile", "build", "Earthfile"}

// argToken is a build argument's name as scripts write them: upper case.
var argToken = regexp.MustCompile(`\b[A-Z][A-Z0-9_]*[A-Z0-9]\b`)

// passedArgs is the set of upper-case names the repository's build files
// mention, read once on first use.
type passedArgs struct {
	once  sync.Once
	names map[string]bool
}

// has reports whether a build file of the repository mentions name.
func (a *passedArgs) has(repo *rootfs.Root, ignore func(string) bool, name string) bool {
	a.once.Do(func() { a.names = readBuildFiles(repo, ignore) })
	return a.names[name]
}

// isBuildFile reports whether a file's name is one passedArgs reads: not a
// Dockerfile (which declares its ARGs) and not a devcontainer.json (whose
// build.args the scan reads as such).
func isBuildFile(name string) bool {
	if IsDockerfileName(name) || name == "devcontainer.json" || name == ".devcontainer.json" {
		return false
	}
	for _, ext := range buildFileExts {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	for _, n := range buildFileNames {
		if name == n || strings.HasPrefix(name, n+".") {
			return true
		}
	}
	return false
}

// readBuildFiles walks the root as discovery does (never through a link,
// skipping what it skips) and collects the upper-case names of its build
// files, within the bounds above.
func readBuildFiles(repo *rootfs.Root, ignore func(string) bool) map[string]bool {
	names := map[string]bool{}
	files, total := 0, 0
	errEnough := errors.New("enough")
	_ = fs.WalkDir(repo.FS(), ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() && rel != "." {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if rel != "." && (skippedDirs[d.Name()] || ignore != nil && ignore(rel)) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !isBuildFile(path.Base(rel)) || ignore != nil && ignore(rel) {
			return nil
		}
		if files >= maxBuildFiles || total >= maxBuildBytes {
			return errEnough
		}
		b, err := rootfs.ReadFile(repo.FS(), rel, maxBuildFileBytes)
		if err != nil {
			return nil
		}
		files++
		total += len(b)
		for _, t := range argToken.FindAll(b, -1) {
			names[string(t)] = true
		}
		return nil
	})
	return names
}
