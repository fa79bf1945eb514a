package scan

import (
	"errors"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/coderready/coderready/internal/rootfs"
)

// A Dockerfile built on its own may take its base's tag from a build
// argument whose default is only a fallback (`ARG BASE_TAG=latest`): the
// repository's build script, workflow, Makefile or bake file passes the
// real value. passedArgs finds the names those files mention and the
// values they give, so that a rule judging the default can tell it is
// likely overridden, and with what.

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

var (
	// argToken is a build argument's name as scripts write them: upper case.
	argToken = regexp.MustCompile(`\b[A-Z][A-Z0-9_]*[A-Z0-9]\b`)
	// argValue is a value given to one (`BASE = "debian:12"` in a bake
	// file, `--build-arg BASE=x`, `BASE: x` in YAML).
	argValue = regexp.MustCompile(`\b([A-Z][A-Z0-9_]*[A-Z0-9])["']?\s*[:=]\s*["']?([^"'\s,;}\]]+)`)
)

// maxArgValues bounds the values kept for one name.
const maxArgValues = 16

// passedArgs is what the repository's build files say of build
// arguments, read once on first use: the upper-case names they mention,
// and the values they give them.
type passedArgs struct {
	once   sync.Once
	names  map[string]bool
	values map[string][]string
}

// get returns the values the build files give name and whether they
// mention it at all.
func (a *passedArgs) get(repo *rootfs.Root, ignore func(string) bool, name string) ([]string, bool) {
	a.once.Do(func() { a.names, a.values = readBuildFiles(repo, ignore) })
	return a.values[name], a.names[name]
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
func readBuildFiles(repo *rootfs.Root, ignore func(string) bool) (map[string]bool, map[string][]string) {
	names, values := map[string]bool{}, map[string][]string{}
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
		for _, m := range argValue.FindAllSubmatch(b, -1) {
			n, v := string(m[1]), string(m[2])
			if len(values[n]) < maxArgValues && !slices.Contains(values[n], v) {
				values[n] = append(values[n], v)
			}
		}
		return nil
	})
	return names, values
}
