// Package scan is the pipeline: it finds the Dockerfiles and devcontainer.json
// files under a root, plans what each target needs, runs the checks and
// returns a Report.
package scan

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/coderready/coderready/internal/rootfs"
)

// skippedDirs are never descended into.
var skippedDirs = map[string]bool{".git": true, "vendor": true, "node_modules": true}

// Found is a file discovery picked up, before planning.
type Found struct {
	// Path is slash-separated and relative to the root.
	Path string
	// Devcontainer is true for devcontainer.json files, false for Dockerfiles.
	Devcontainer bool
}

// IsDockerfileName reports whether a base name is one discovery treats as a
// Dockerfile: Dockerfile, Containerfile, NAME.Dockerfile, Dockerfile.NAME,
// Dockerfile-NAME (but not the BuildKit ignore files *.dockerignore nor their templates,
// and not Dockerfile.NAME.EXT whose extension names another kind of file:
// `dockerfile.test.txt`, `Dockerfile.md`, `Dockerfile.golden`, Go source
// `dockerfile.go`; a capitalised `Dockerfile.go` is one, see codeKinds).
func IsDockerfileName(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasSuffix(lower, ".dockerignore") || strings.Contains(lower, ".dockerignore.") {
		return false
	}
	if i := strings.LastIndex(lower, "."); i > 0 && otherKinds[lower[i+1:]] {
		// `Dockerfile.go`, `Dockerfile.py`: a Dockerfile per language,
		// written as Dockerfiles are named; `dockerfile.go` is Go source.
		if !codeKinds[lower[i+1:]] || strings.Count(name, ".") != 1 ||
			!strings.HasPrefix(name, "Dockerfile.") && !strings.HasPrefix(name, "Containerfile.") {
			return false
		}
	}
	switch {
	case lower == "dockerfile", lower == "containerfile":
		return true
	case strings.HasSuffix(lower, ".dockerfile"), strings.HasSuffix(lower, ".containerfile"):
		return len(lower) > len(".dockerfile")
	case strings.HasPrefix(lower, "dockerfile."), strings.HasPrefix(lower, "containerfile."):
		return true
	case strings.HasPrefix(lower, "dockerfile-"), strings.HasPrefix(lower, "containerfile-"):
		return !strings.HasSuffix(lower, "-")
	case strings.HasPrefix(lower, "dockerfile_"), strings.HasPrefix(lower, "containerfile_"):
		// `Dockerfile_base-jammy` (PX4's containers).
		return !strings.HasSuffix(lower, "_")
	}
	return false
}

// otherKinds are file extensions of documents, data and code: a name that
// ends in one is not a Dockerfile, whatever it starts with.
var otherKinds = map[string]bool{
	"txt": true, "md": true, "rst": true, "adoc": true, "html": true, "json": true, "yaml": true, "yml": true,
	"toml": true, "xml": true, "csv": true, "go": true, "py": true, "js": true, "ts": true, "rb": true,
	"sh": true, "bash": true, "ps1": true, "bat": true, "cmd": true, "golden": true, "patch": true,
	"diff": true, "orig": true, "rej": true, "bak": true, "backup": true, "old": true, "swp": true, "log": true, "lock": true,
	// Pictures, documents and archives (`Dockerfile.xfce.png`, a diagram
	// of the Dockerfile beside it).
	"png": true, "jpg": true, "jpeg": true, "gif": true, "svg": true, "webp": true, "bmp": true, "ico": true,
	"pdf": true, "drawio": true, "puml": true, "zip": true, "gz": true, "tgz": true, "tar": true, "xz": true,
	"bz2": true, "zst": true, "7z": true, "jar": true, "whl": true, "exe": true, "dll": true, "so": true,
	// More languages' sources (dart-docker's `dockerfile.dart`, a policy's
	// `Dockerfile.rego`).
	"dart": true, "rego": true, "rs": true, "java": true, "kt": true, "kts": true, "scala": true, "cs": true,
	"c": true, "h": true, "cc": true, "cpp": true, "hpp": true, "php": true, "pl": true, "pm": true, "lua": true,
	"swift": true, "ex": true, "exs": true, "erl": true, "hs": true, "clj": true,
	// Documentation pages and front-end sources (Mintlify's
	// `dockerfile.mdx`, `dockerfile-settings.tsx`), editors' syntax files
	// (`dockerfile.vim`, `dockerfile-mode.el`), notebooks.
	"mdx": true, "tsx": true, "jsx": true, "mjs": true, "cjs": true, "vue": true, "svelte": true, "css": true, "scss": true,
	"less": true, "vim": true, "el": true, "ipynb": true, "tex": true, "org": true, "snap": true,
	// Build outputs and more sources: a bundle's source map (CodeMirror's
	// `dockerfile-knGOOxt4.js.map`), WebAssembly, compiled classes, OCaml's
	// `Dockerfile_to_generic.ml` (semgrep's Dockerfile parser).
	"map": true, "wasm": true, "pyc": true, "class": true, "ml": true, "mli": true, "mly": true, "mll": true,
	"jl": true, "nim": true, "zig": true, "fs": true, "fsx": true, "elm": true,
}

// codeKinds are the extensions of otherKinds that name a language: a
// capitalised `Dockerfile.<ext>` with no other dot is a Dockerfile for
// that language's image (`Dockerfile.go` beside `Dockerfile.python`).
var codeKinds = map[string]bool{"go": true, "py": true, "js": true, "ts": true, "rb": true, "dart": true, "rs": true, "java": true,
	"kt": true, "scala": true, "cs": true, "c": true, "cc": true, "cpp": true, "php": true, "pl": true, "lua": true, "swift": true,
	"ex": true, "erl": true, "hs": true, "clj": true, "ml": true, "jl": true, "nim": true, "zig": true, "fs": true, "elm": true}

// IsDevcontainerPath reports whether a slash-separated relative path is a
// devcontainer.json location the Dev Container spec defines:
// `.devcontainer.json`, `.devcontainer/devcontainer.json`, or
// `.devcontainer/<folder>/devcontainer.json`, in any folder of the tree.
func IsDevcontainerPath(rel string) bool {
	base := path.Base(rel)
	dir := path.Dir(rel)
	switch base {
	case ".devcontainer.json":
		// The spec's place is a workspace folder's top, not inside its
		// `.devcontainer/` folder, where no tool looks for it.
		return path.Base(dir) != ".devcontainer"
	case "devcontainer.json":
		if path.Base(dir) == ".devcontainer" {
			return true
		}
		return path.Base(path.Dir(dir)) == ".devcontainer"
	}
	return false
}

// Discover walks root and returns the Dockerfiles and devcontainer.json files
// in it, sorted by path, skipping `.git`, `vendor` and `node_modules` and any
// path ignore reports true for. A root that is a single file is returned as
// is when it is a Dockerfile or devcontainer.json by name, or as a Dockerfile
// otherwise (the user named it).
func Discover(root string, ignore func(rel string) bool) ([]Found, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", root, err)
	}
	if !fi.IsDir() {
		name := filepath.Base(root)
		return []Found{{Path: filepath.ToSlash(name), Devcontainer: strings.HasSuffix(name, ".json")}}, nil
	}
	repo, err := rootfs.Open(root)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", root, err)
	}
	defer func() { _ = repo.Close() }()
	return discover(repo, ignore)
}

// discover walks a root folder. The walk lists symlinks as entries and
// never descends through one, so it stays inside the root. Besides the
// spec's places it returns the devcontainer.json files envbuilder is
// pointed at (extraConfigs).
func discover(repo *rootfs.Root, ignore func(rel string) bool) ([]Found, error) {
	var out []Found
	var links []string
	var extra extraConfigs
	err := fs.WalkDir(repo.FS(), ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			if rel == "." {
				return err
			}
			// An unreadable folder deep in the tree is not worth failing for.
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if rel != "." && (skippedDirs[d.Name()] || (ignore != nil && ignore(rel))) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		isDC := IsDevcontainerPath(rel)
		extra.see(rel, isDC)
		if !isDC && !IsDockerfileName(d.Name()) {
			return nil
		}
		if ignore != nil && ignore(rel) {
			return nil
		}
		if !isDC && d.Type()&fs.ModeSymlink != 0 {
			links = append(links, rel)
		}
		out = append(out, Found{Path: rel, Devcontainer: isDC})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", repo.Dir(), err)
	}
	out = dropLinkedTwins(repo, out, links)
	// Configs envbuilder is pointed at outside the spec's places
	// (discover_envbuilder.go).
	out = append(out, extra.configs(repo.FS(), ignore)...)
	slices.SortFunc(out, func(a, b Found) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// dropLinkedTwins drops a Dockerfile that is a symlink to another
// Dockerfile found in the same folder (`Dockerfile.debian -> Dockerfile`):
// same file, same build context, so one target. A link to another folder
// builds with its own folder as the context and stays a target of its
// own; a link that leaves the root stays too, for the finding that says
// it is not read.
func dropLinkedTwins(repo *rootfs.Root, found []Found, links []string) []Found {
	if len(links) == 0 {
		return found
	}
	top, err := repo.Resolve(".")
	if err != nil {
		return found
	}
	paths := map[string]bool{}
	for _, f := range found {
		paths[f.Path] = true
	}
	twin := map[string]bool{}
	for _, rel := range links {
		real, err := repo.Resolve(rel)
		if err != nil {
			continue
		}
		to, err := filepath.Rel(top, real)
		if err != nil || !filepath.IsLocal(to) {
			continue
		}
		to = filepath.ToSlash(to)
		if to != rel && path.Dir(to) == path.Dir(rel) && paths[to] {
			twin[rel] = true
		}
	}
	return slices.DeleteFunc(found, func(f Found) bool { return twin[f.Path] })
}
