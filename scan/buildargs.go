package scan

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/devcontainer"
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
var buildFileExts = []string{".sh", ".bash", ".py", ".mk", ".yml", ".yaml", ".hcl", ".json", ".toml", ".ps1", ".js", ".ts", ".go", ".rb", ".pl", ".tf"}

// buildFileNames are build files named without an extension.
var buildFileNames = []string{"Makefile", "makefile", "GNUmakefile", "Justfile", "justfile", "Taskfile", "Rakefile", "build", "Earthfile", "Tiltfile"}

var (
	// argToken is a build argument's name as scripts write them: upper case.
	argToken = regexp.MustCompile(`\b[A-Z][A-Z0-9_]*[A-Z0-9]\b`)
	// argValue is a value given to one (`BASE = "debian:12"` in a bake
	// file, `--build-arg BASE=x`, `BASE: x` in YAML).
	argValue = regexp.MustCompile(`\b([A-Z][A-Z0-9_]*[A-Z0-9])["']?\s*[:=]\s*["']?([^"'\s,;}\]]+)`)
)

// maxArgValues bounds the values kept for one name in one file.
const maxArgValues = 16

// passedArgs is what the repository's build files say of build
// arguments, read once on first use: per file, the upper-case names it
// mentions and the values it gives them.
type passedArgs struct {
	once  sync.Once
	files buildFiles
}

// buildFiles are the repository's build files, as readBuildFiles reads
// them; its methods answer the rules' questions about them.
type buildFiles []buildFile

// buildFiles returns the repository's build files, read once on first use
// (within the bounds above, skipping what discovery skips).
func (p *Planned) buildFiles() buildFiles {
	p.args.once.Do(func() { p.args.files = readBuildFiles(p.repo, p.Config.Ignored, p.Repository) })
	return p.args.files
}

// buildFile is what one build file says of build arguments, and the
// images it tags.
type buildFile struct {
	dir    string          // its folder, slash-separated ("." for the root)
	args   map[string]bool // the upper-case names it mentions
	values map[string][]string
	// expanded are the values that are one variable of the file
	// (`$(GO_BUILDER_IMAGE)`), each with the one value the file assigns
	// it (`GO_BUILDER_IMAGE := golang:1.26.6`).
	expanded map[string]string
	tags     []tagPattern // references it tags (`-t $(ORG)/base:latest`)
	// dockerfiles are the Dockerfile paths it names
	// (`dockerfile: ./tests/e2e/common/collector.Dockerfile`).
	dockerfiles []string
	// fileArgs are the files its build commands and steps build by path
	// (`-f Dockerfile.backup`, `--file "$DOCKER_DIR"/DockerfileUserWrapper`,
	// `file: Dockerfile.backup`), as written.
	fileArgs []string
	// cliFolders are the workspace folders it builds with the Dev
	// Containers CLI (`--workspace-folder src/${IMAGE_NAME}`, devcontainers/ci's
	// `subFolder: ${{ matrix.template }}`), variables kept.
	cliFolders []string
	// rootImages are the images it publishes from the repository's root
	// dev container (publishedRoot).
	rootImages []string
	// cliConfigs are the devcontainer.json files it builds with the Dev
	// Containers CLI by path (devcontainers/ci's `configFile:`, the CLI's
	// `--config`), cleaned of a leading `./`.
	cliConfigs []string
	// platforms are the platforms it builds for, as written
	// (`platforms: linux/arm64/v8`, `--platform linux/amd64`).
	platforms []string
	// tagTemplates are tags a build command names after the Dockerfile it
	// builds (`-t ${lang}:latest -f intermediate/${lang}.Dockerfile`): one
	// image per Dockerfile of that pattern.
	tagTemplates []tagTemplate
	// found are its builds of the Dockerfiles it finds (foundBuild).
	found []foundBuild
	// bakes are its bake commands that set every target's platform.
	bakes []bakeSet
	// joined are the Dockerfiles it appends into another file with `cat`
	// (`cat custom/header.Dockerfile >> $DOCKERFILE`): pieces of the
	// Dockerfile it writes.
	joined []string
	// dfArgs are the build arguments its Compose services give the
	// Dockerfile each builds, by the Dockerfile's path from the root.
	dfArgs map[string]map[string][]string
	// globPlatforms are the platforms of build commands whose file holds a
	// variable, by the files the pattern names.
	globPlatforms []globPlatform
	// defaultPlatform is the platform it sets for every build it runs
	// (`export DOCKER_DEFAULT_PLATFORM=linux/amd64` in a Makefile the
	// folders' Makefiles include), "" when none.
	defaultPlatform string
	// dfPlatforms are the platforms it builds Dockerfiles for where one
	// Compose service or one build command names both (`docker buildx
	// build --platform=linux/amd64 --file 3.12/browsers/Dockerfile`), by
	// the Dockerfile's path as written ("" for one that names none).
	dfPlatforms map[string]string
	// dfTags are the references it tags each Dockerfile's image with,
	// where one workflow step or one build command names both (`file:
	// ./Alpine/dev-base.Dockerfile` with `tags: ierturk/alpine-dev-base:latest`),
	// by the Dockerfile's path as written; only references written out
	// in full, compiled once.
	dfTags map[string][]tagPattern
	// posTags are references it tags with a script argument (`-t
	// pytorchignite/$2:latest` once `image_name=$2` is expanded), as
	// written: the callers' arguments say which images (built).
	posTags []string
	// invocations are the scripts it runs by name (`bash build.sh main
	// base`), by the script's file name, each call's words after it.
	invocations map[string][][]string
	// repoConsts are image repositories it names in a constant for the
	// repository it builds (silex/docker-emacs' `REPOSITORY =
	// 'silex/emacs'`, whose tags a program computes).
	repoConsts []string
	// buildsTagged is set when it runs a build command that tags what it
	// builds (`docker buildx build … --tag`), whatever the tags.
	buildsTagged bool
	// dfTargets are the stages it builds each Dockerfile to (a workflow
	// step's `target:`, a command's `--target`, a Compose service's
	// `build.target`), by the Dockerfile's path from the root.
	dfTargets map[string][]string
	// dfContexts are the build contexts its Compose services build each
	// Dockerfile with, by the Dockerfile's path from the root.
	dfContexts map[string][]string
	// copies are the folders its `cp -r` and `rsync` commands copy, each
	// with where to (`rsync -a features/src/ "${SRC_DIR}/.devcontainer/features"`).
	copies []folderCopy
	// namedContexts are the build contexts it names for a build
	// (`--build-context clickhouse=./docker/clickhouse`, a bake target's
	// `contexts`, a workflow step's `build-contexts:`, a Compose
	// service's `additional_contexts`): a Dockerfile's `COPY
	// --from=clickhouse` or `FROM clickhouse` reads that context, not an
	// image of the name.
	namedContexts []string
	// entrypoints are the programs a Coder template of the repository
	// keeps as the container's entrypoint (`entrypoint =
	// ["/usr/local/bin/entrypoint.sh", "sh", "-c", init_script]`).
	entrypoints []string
	// started are the services a Coder template of the repository starts
	// from its agent's startup script (`sudo dockerd &`, `sudo service
	// docker start`).
	started []string
	path    string
}

// ciDirs are the top-level folders whose build files may build any
// Dockerfile of the repository (workflows, scripts, CI setups).
var ciDirs = []string{".github", ".gitlab", ".circleci", ".buildkite", ".expeditor", ".drone", ".woodpecker", ".tekton", ".pipelines", ".azure-pipelines", ".ci", "ci", "ci-scripts", "ci_scripts", "build-scripts", "build_scripts", "scripts", "script", "build", "hack", "tools", "bin", "utils", "util"}

// give records a value the file gives the build argument n, once, within
// maxArgValues.
func (f buildFile) give(n, v string) {
	if v != "" && len(f.values[n]) < maxArgValues && !slices.Contains(f.values[n], v) {
		f.values[n] = append(f.values[n], v)
	}
}

// covers reports whether build file f may build the Dockerfile df (a
// slash-separated path from the root): it sits in the Dockerfile's folder
// or one above it, or in a top-level CI or scripts folder, or it names the
// Dockerfile by a path with a folder in it (a Compose file elsewhere whose
// `dockerfile: ./tests/e2e/common/collector.Dockerfile` builds it). A build
// file in a sibling subtree that does not name it (another template's
// compose.yaml) builds its own images.
func (f buildFile) covers(df string) bool {
	dir := path.Dir(df)
	if f.dir == "." || f.dir == dir || strings.HasPrefix(dir, f.dir+"/") {
		return true
	}
	top, _, _ := strings.Cut(f.dir, "/")
	if slices.Contains(ciDirs, top) {
		return true
	}
	return f.names(df)
}

// tagTemplate is a tag and the Dockerfile path of one build command that
// share a variable (`${lang}:latest`, `intermediate/${lang}.Dockerfile`;
// `ghcr.io/oils-for-unix/$name:$LATEST_TAG`, `deps/Dockerfile.$name`).
type tagTemplate struct {
	tag, file, name string // name is the shared variable's
}

// templateCommand is a build command's tag and file, each with a variable.
// The tag may have a written namespace before the variable and a tag
// after it (`--tag "ghcr.io/oils-for-unix/$name:$LATEST_TAG"`), and the
// command may go on over continued lines.
var templateCommand = regexp.MustCompile(`(?:-t|--tag)[= ]["']?([a-z0-9._/-]*\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?(?::[A-Za-z0-9._${}-]+)?)["']?(?:[^\n]|\\\n)*?(?:-f|--file)[= ]["']?([A-Za-z0-9_./-]*\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?[A-Za-z0-9_./-]*)`)

// tagTemplates are the build commands of a file whose tag is only the
// variable that also names their Dockerfile.
func tagTemplates(b []byte) []tagTemplate {
	if !bytes.Contains(b, []byte("-f")) && !bytes.Contains(b, []byte("--file")) {
		return nil
	}
	var out []tagTemplate
	for _, m := range templateCommand.FindAllSubmatch(b, -1) {
		if string(m[2]) != string(m[4]) || len(out) >= maxTags {
			continue
		}
		out = append(out, tagTemplate{tag: string(m[1]), file: string(m[3]), name: string(m[2])})
	}
	return out
}

// composeContext is the one build context the repository's Compose
// services build the Dockerfile df with (`context: .` with `dockerfile:
// ./docker/django/Dockerfile`), "" when none names it or they name
// several.
func (bf buildFiles) composeContext(df string) string {
	found := ""
	for _, f := range bf {
		for _, c := range f.dfContexts[df] {
			if found != "" && found != c {
				return ""
			}
			found = c
		}
	}
	return found
}

// taggedDockerfile is the Dockerfile, of dockerfiles, that the build
// files build the image ref from where its name is not the Dockerfile's:
// a workflow step or build command that tags `ierturk/alpine-dev-base:latest`
// and builds `Alpine/dev-base.Dockerfile` (dfTags). "" when none does, or
// they name different ones.
func (bf buildFiles) taggedDockerfile(ref string, dockerfiles []string) string {
	r := checks.ParseImageRef(ref)
	if r.Digest != "" {
		return ""
	}
	found := ""
	for _, f := range bf {
		for written, tags := range f.dfTags {
			if !slices.ContainsFunc(tags, func(t tagPattern) bool { return t.matches(r) }) {
				continue
			}
			for _, df := range dockerfiles {
				if df != written && !strings.HasSuffix(df, "/"+written) {
					continue
				}
				if found != "" && found != df {
					return ""
				}
				found = df
			}
		}
	}
	return found
}

// elsewhere reports whether ref, which names a registry host, is another
// publisher's image of a name the repository tags: its build files tag
// that name only under other registries or namespaces, all written out
// (`gcr.io/clusterfuzz-images/base`, where the FROM is
// `gcr.io/google.com/cluster-fuzz/base`). The repository's Dockerfile of
// that name does not make it.
func (bf buildFiles) elsewhere(ref string) bool {
	r := checks.ParseImageRef(ref)
	if r.Registry == "" {
		return false
	}
	name, place := strings.ToLower(path.Base(r.Repository)), strings.ToLower(r.Registry)
	if d := path.Dir(r.Repository); d != "." {
		place += "/" + strings.ToLower(d)
	}
	other := false
	for _, f := range bf {
		for _, t := range f.tags {
			switch {
			case t.name != name:
			case t.place == "" || t.place == place:
				return false
			default:
				other = true
			}
		}
	}
	return other
}

// built reports whether a build file of the repository tags the image
// ref (`docker build -t oracle/tuxedo:latest`, `$(TAG_FLAG)
// $(ORG)/base:latest`), or names a build context ref (`--build-context
// clickhouse=./docker/clickhouse`): the repository builds it, so a FROM of
// it uses the local build, not a registry's moving tag. Any build file counts,
// wherever it sits: an image is built once and used across the tree.
func (bf buildFiles) built(fsys fs.FS, ref string) bool {
	r := checks.ParseImageRef(ref)
	if r.Digest != "" {
		return false
	}
	// A named build context the build supplies under that name.
	lower := strings.ToLower(ref)
	for _, f := range bf {
		if slices.Contains(f.namedContexts, lower) {
			return true
		}
	}
	// `-t ${lang}:latest -f intermediate/${lang}.Dockerfile`: the image
	// named like a Dockerfile of that pattern is the local one.
	name := strings.ToLower(path.Base(r.Repository))
	for _, f := range bf {
		for _, t := range f.tags {
			if t.matches(r) {
				return true
			}
		}
		for _, t := range f.tagTemplates {
			fill := strings.NewReplacer("${"+t.name+"}", name, "$"+t.name, name)
			file := path.Clean(strings.TrimPrefix(fill.Replace(t.file), "./"))
			if t, ok := compileTag(fill.Replace(t.tag)); !ok || !t.matches(r) {
				continue
			}
			if fi, err := fs.Stat(fsys, file); err == nil && fi.Mode().IsRegular() {
				return true
			}
		}
		for _, fb := range f.found {
			if fb.builds(fsys, r) {
				return true
			}
		}
	}
	// A tag made from a script's arguments, filled in with the words each
	// caller passes (`bash build.sh main base` for `-t
	// pytorchignite/$2:latest`); a caller's word that is not plain text
	// (`${{ matrix.IMAGE_NAME }}`) fills in nothing.
	for _, f := range bf {
		for _, t := range f.posTags {
			for _, g := range bf {
				for _, args := range g.invocations[path.Base(f.path)] {
					filled, ok := fillPositional(t, args)
					if !ok {
						continue
					}
					if p, ok := compileTag(filled); ok && p.matches(r) {
						return true
					}
				}
			}
		}
	}
	// A repository a build program keeps in a constant, its tags computed
	// (`REPOSITORY = 'silex/emacs'` in bin/images, `docker buildx build
	// … --tag` in bin/build), when one of the repository's build files
	// runs such a tagged build.
	if r.Registry == "" && slices.ContainsFunc(bf, func(f buildFile) bool { return f.buildsTagged }) {
		for _, f := range bf {
			if slices.Contains(f.repoConsts, strings.ToLower(r.Repository)) {
				return true
			}
		}
	}
	return false
}

// positionalRef is a script's positional parameter written bare (`$2`).
var positionalRef = regexp.MustCompile(`\$[1-9]`)

// scriptCall is a script run by name (`bash build.sh main base`,
// `./build_container.sh latest theia-full`): its file name and the rest
// of the command.
var scriptCall = regexp.MustCompile(`(?m)(?:^|[\s;&|(])(?:(?:bash|sh)[ \t]+)?(?:[^\s;&|()"']*/)?([A-Za-z0-9_.-]+\.sh)[ \t]+([^\n;&|#)]*)`)

// maxInvocations bounds the script calls kept per build file.
const maxInvocations = 64

// scriptInvocations returns the scripts a build file runs by name, each
// call's words after the script.
//
// A call of one of the file's own shell functions (`build_image
// "base-python-deps" "base-images/python-deps/Dockerfile"`, for a
// function whose `local name=$1` names its tag) counts as a call of the
// file itself, self: its words fill the same `$N`.
func scriptInvocations(b []byte, self string) map[string][][]string {
	calls := bytes.Contains(b, []byte(".sh"))
	funcs := bytes.Contains(b, []byte("()")) || bytes.Contains(b, []byte("function"))
	if !calls && !funcs {
		return nil
	}
	out := map[string][][]string{}
	n := 0
	lines := strings.Split(string(b), "\n")
	if calls {
		for _, line := range lines {
			if !strings.Contains(line, ".sh") {
				continue
			}
			for _, m := range scriptCall.FindAllStringSubmatch(line, -1) {
				if n++; n > maxInvocations {
					return out
				}
				out[m[1]] = append(out[m[1]], strings.Fields(m[2]))
			}
		}
	}
	if funcs {
		names := map[string]bool{}
		for _, line := range lines {
			if !strings.Contains(line, "{") || !strings.Contains(line, "()") && !strings.Contains(line, "function") {
				continue
			}
			if d := shellFunc.FindStringSubmatch(line); d != nil {
				names[d[1]+d[2]] = true
			}
		}
		if len(names) == 0 {
			return out
		}
		// A line that starts with one of them and goes on with words.
		for _, line := range lines {
			line, _, _ = strings.Cut(line, "#")
			if i := strings.IndexAny(line, ";&|"); i >= 0 {
				line = line[:i]
			}
			fields := strings.Fields(line)
			if len(fields) < 2 || !names[fields[0]] {
				continue
			}
			if n++; n > maxInvocations {
				return out
			}
			words := fields[1:]
			for i, w := range words {
				// A word written whole in quotes is its text.
				if len(w) >= 2 && (w[0] == '"' || w[0] == '\'') && w[len(w)-1] == w[0] && !strings.ContainsAny(w[1:len(w)-1], "\"'$`") {
					words[i] = w[1 : len(w)-1]
				}
			}
			out[self] = append(out[self], words)
		}
	}
	return out
}

// shellFunc is a script's function definition: `build_image() {` or
// `function build_image {` (group 1 or 2 is its name).
var shellFunc = regexp.MustCompile(`^[ \t]*(?:function[ \t]+([A-Za-z_][A-Za-z0-9_-]*)[ \t]*(?:\(\))?|([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\(\))[ \t]*\{`)

// fillPositional replaces each `$N` of a tag with the caller's Nth word;
// ok is false when a word is missing or not plain text.
func fillPositional(t string, args []string) (string, bool) {
	ok := true
	filled := positionalRef.ReplaceAllStringFunc(t, func(m string) string {
		i := int(m[1] - '1')
		if i >= len(args) || strings.ContainsAny(args[i], "$`\"'{}") || strings.HasPrefix(args[i], "-") {
			ok = false
			return m
		}
		return args[i]
	})
	return filled, ok
}

// quotedRepo is a quoted `namespace/name`; repoConstKey is what sets a
// constant to it, right before it: a name for a repository or image
// (`REPOSITORY = 'silex/emacs'`, `IMAGE_NAME: "acme/tool"`).
var (
	quotedRepo   = regexp.MustCompile(`["']([a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._-]*)["']`)
	repoConstKey = regexp.MustCompile(`(?i)\b(?:repository|repo|image|image_?name|image_?repo|docker_?repo)["']?[ \t]*(?::|:?=)[ \t]*$`)
)

// buildCommandLine is a build command anywhere in a file (`docker buildx
// build`, also as a word list: `%w[docker buildx build --progress plain]`).
var buildCommandLine = regexp.MustCompile(`\b(?:docker|podman)\s+(?:buildx\s+)?build\b`)

// repositoryConsts returns the repositories a build file keeps in
// constants (repoConstKey), lower-cased.
func repositoryConsts(b []byte) []string {
	var out []string
	// The quoted names first (few, and found fast), then the key before
	// each: a case-blind pattern over the whole file costs more.
	for _, m := range quotedRepo.FindAllSubmatchIndex(b, -1) {
		if repoConstKey.Match(b[max(0, m[0]-40):m[0]]) {
			out = appendNew(out, strings.ToLower(string(b[m[2]:m[3]])))
		}
	}
	return out
}

// foundBuild is a script that finds the Dockerfiles under a folder and
// builds each under a tag made from its path in a namespace it names
// (che-dockerfiles' `find recipes … -name Dockerfile`, `eclipse/$c` for
// `recipes/node/Dockerfile`, `docker build -t $image $d`).
type foundBuild struct {
	dir        string   // the folder it searches
	namespaces []string // the literal namespaces its tags are in (`eclipse`)
}

var (
	// findDockerfiles is a `find DIR … -name Dockerfile`.
	findDockerfiles = regexp.MustCompile(`\bfind[ \t]+["']?([A-Za-z0-9_./-]+)["']?[^\n|;]*?-name[ \t]+["']?Dockerfile["']?`)
	// variableTag is a build command's tag that is a variable
	// (`-t $image`, `--tag "${IMAGE}"`).
	variableTag = regexp.MustCompile(`docker[ \t]+(?:buildx[ \t]+)?build\b[^\n]*?(?:-t|--tag)[= ]["']?\$`)
	// namespaceWord is a namespace written before a variable
	// (`eclipse/$c`, `"acme/${name}"`).
	namespaceWord = regexp.MustCompile(`(?:^|[\s"'=])([a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)*)/\$\{?[A-Za-z_]`)
)

// foundBuilds reads the scripts that find Dockerfiles and tag each one
// under a literal namespace (foundBuild).
func foundBuilds(b []byte) []foundBuild {
	if !bytes.Contains(b, []byte("find")) || !bytes.Contains(b, []byte("Dockerfile")) || !variableTag.Match(b) {
		return nil
	}
	var namespaces []string
	for _, m := range namespaceWord.FindAllSubmatch(b, -1) {
		namespaces = appendNew(namespaces, string(m[1]))
	}
	if len(namespaces) == 0 {
		return nil
	}
	var out []foundBuild
	for _, m := range findDockerfiles.FindAllSubmatch(b, -1) {
		if dir := path.Clean(strings.TrimPrefix(string(m[1]), "./")); dir != "." && len(out) < maxTags {
			out = append(out, foundBuild{dir: dir, namespaces: namespaces})
		}
	}
	return out
}

// builds reports whether the script builds ref: its namespace is one the
// script names, and the folder it searches holds a folder of its name
// with a Dockerfile (`eclipse/node` is `recipes/node/Dockerfile`,
// `eclipse/stack-base:ubuntu` `recipes/stack-base/ubuntu/Dockerfile`).
func (fb foundBuild) builds(fsys fs.FS, r checks.ImageRef) bool {
	ns, name := path.Split(r.Repository)
	if r.Registry != "" || !slices.Contains(fb.namespaces, strings.TrimSuffix(ns, "/")) {
		return false
	}
	for _, df := range []string{path.Join(fb.dir, name, "Dockerfile"), path.Join(fb.dir, name, r.Tag, "Dockerfile")} {
		if fi, err := fs.Stat(fsys, df); err == nil && fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// get returns the values the build files that may build the Dockerfile
// df give name, and whether any of them mentions it at all.
func (bf buildFiles) get(df, name string) ([]string, bool) {
	// The build files that name this Dockerfile and pass the argument say
	// what it is given; others only when none does (another bake file
	// beside it gives its own Dockerfiles their own values).
	var values []string
	mentioned, named := false, false
	// The Compose services that build it say exactly, whatever the
	// file's other services give other Dockerfiles (pwndbg's lldb service
	// passes `image: debian:12`, its archlinux one `archlinux:latest`).
	for _, f := range bf {
		if vs, ok := f.dfArgs[df][name]; ok {
			named = true
			values = append(values, vs...)
		}
	}
	if named {
		return values, true
	}
	for _, f := range bf {
		if f.args[name] && f.names(df) {
			named = true
			values = append(values, f.values[name]...)
		}
	}
	if named {
		return values, true
	}
	for _, f := range bf {
		if !f.args[name] || !f.covers(df) {
			continue
		}
		mentioned = true
		values = append(values, f.values[name]...)
	}
	return values, mentioned
}

// codeExts are the build file endings that are mostly an application's
// own source: such a file counts only in a top-level CI or scripts folder,
// or when its name says it builds (`build.py`, `docker_release.go`).
var codeExts = []string{".py", ".js", ".ts", ".go", ".rb", ".pl", ".json"}

// buildishName is a source file named for building or releasing.
var buildishName = regexp.MustCompile(`(?i)build|docker|release|image|bake|ci[._-]|make|deploy|publish`)

// isBuildFile reports whether a file (a slash-separated path) is one
// passedArgs reads: not a Dockerfile (which declares its ARGs) and not a
// devcontainer.json (whose build.args the scan reads as such); a source
// file only where a build script would be (codeExts).
func isBuildFile(rel string) bool {
	name := path.Base(rel)
	if IsDockerfileName(name) || name == "devcontainer.json" || name == ".devcontainer.json" {
		return false
	}
	for _, ext := range codeExts {
		if strings.HasSuffix(name, ext) {
			top, _, _ := strings.Cut(rel, "/")
			return strings.Contains(rel, "/") && slices.Contains(ciDirs, top) || buildishName.MatchString(name) || name == "package.json"
		}
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
	// A script without an extension named for building (devkitPro's
	// `build_docker`); readBuildFiles keeps it only when it starts `#!`.
	if !strings.Contains(name, ".") && buildishName.MatchString(name) {
		return true
	}
	return false
}

// readBuildFiles walks the root as discovery does (never through a link,
// skipping what it skips) and collects the upper-case names of its build
// files, within the bounds above.
//
// repository (`owner/name`, "" when not known) is what GitHub's own
// variables name in the images a workflow or script tags
// (`${{ github.repository }}`, `$GITHUB_REPOSITORY`).
func readBuildFiles(repo *rootfs.Root, ignore func(string) bool, repository string) []buildFile {
	github := githubVars(repository)
	var out []buildFile
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
		if !d.Type().IsRegular() || !isBuildFile(rel) || ignore != nil && ignore(rel) {
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
		if name := path.Base(rel); !strings.Contains(name, ".") && !slices.Contains(buildFileNames, name) && !bytes.HasPrefix(b, []byte("#!")) {
			return nil
		}
		f := buildFile{dir: path.Dir(rel), args: map[string]bool{}, values: map[string][]string{}, path: rel}
		if strings.HasSuffix(rel, ".tf") {
			// A Coder template: only what it keeps as the container's
			// entrypoint. Its build_args come from Terraform variables
			// whose defaults (`latest`) are what the workspace builds.
			f.entrypoints, f.started = templateEntrypoints(b), startedServices(b)
			if len(f.entrypoints) > 0 || len(f.started) > 0 {
				out = append(out, f)
			}
			return nil
		}
		for _, t := range argToken.FindAll(b, -1) {
			f.args[string(t)] = true
		}
		for _, m := range argValue.FindAllSubmatch(b, -1) {
			f.give(string(m[1]), string(m[2]))
		}
		namedArgs(b, f)
		f.expandValues(b)
		f.tags, f.posTags = taggedImages(b, github)
		f.invocations = scriptInvocations(b, path.Base(rel))
		f.repoConsts = repositoryConsts(b)
		f.buildsTagged = bytes.Contains(b, []byte("--tag")) && buildCommandLine.Match(b)
		f.tagTemplates = tagTemplates(b)
		f.found = foundBuilds(b)
		f.bakes = bakeSets(b)
		f.dockerfiles = namedDockerfiles(b)
		f.fileArgs = fileArgs(b)
		f.cliFolders = cliFolders(b)
		f.rootImages = publishedRoot(b)
		f.cliConfigs = cliConfigs(b)
		f.joined = joinedDockerfiles(b, f.dir, bytes.HasPrefix(b, []byte("#!")) || strings.HasSuffix(rel, ".sh"))
		if bytes.Contains(b, []byte("context")) {
			f.namedContexts = namedContexts(b)
		}
		if bytes.Contains(b, []byte("cp ")) || bytes.Contains(b, []byte("rsync ")) {
			f.copies = folderCopies(b)
		}
		switch compose := devcontainer.IsComposeFileName(path.Base(rel)); {
		case compose && bytes.Contains(b, []byte("build")):
			composeBuilds(repo, rel, b, &f)
		case !compose:
			if bytes.Contains(b, []byte("--platform")) {
				commandPlatforms(b, &f)
			}
			platforms, targets, tags := bytes.Contains(b, []byte("platforms:")), bytes.Contains(b, []byte("target")), bytes.Contains(b, []byte("tag"))
			// The workflow's steps and the build commands, read once for
			// what each of them says.
			var steps []wfStep
			if platforms || targets {
				steps = workflowSteps(b)
			}
			var cmds []string
			if targets || tags {
				cmds = buildCommandArgs(b)
			}
			if platforms {
				stepPlatforms(steps, &f)
			}
			if targets {
				stepTargets(steps, &f)
				commandTargets(cmds, &f)
			}
			if tags {
				unitTags(b, cmds, &f)
			}
			if bytes.Contains(b, []byte("./.github/workflows/")) {
				reusableCalls(repo, b, &f)
			}
		}
		if strings.HasSuffix(rel, ".json") && bytes.Contains(b, []byte(`"platforms"`)) {
			bakeJSONPlatforms(b, &f)
		}
		if bytes.Contains(b, []byte("DOCKER_DEFAULT_PLATFORM")) {
			// One value only: jobs that set another each (an amd64 and an
			// arm64 test job) build for both.
			for _, m := range defaultPlatformSetting.FindAllSubmatch(b, 8) {
				if f.defaultPlatform != "" && f.defaultPlatform != string(m[1]) {
					f.defaultPlatform = ""
					break
				}
				f.defaultPlatform = string(m[1])
			}
		}
		if len(f.dockerfiles) > 0 && bytes.Contains(b, []byte("platform")) {
			for _, m := range platformValue.FindAllSubmatch(b, -1) {
				for _, p := range strings.Split(string(m[1]), ",") {
					if p = strings.Trim(strings.TrimSpace(p), `"'[]`); p != "" && len(f.platforms) < maxTags {
						f.platforms = append(f.platforms, p)
					}
				}
			}
		}
		if len(f.args) > 0 || len(f.tags) > 0 || len(f.dockerfiles) > 0 || len(f.fileArgs) > 0 || len(f.cliFolders) > 0 || len(f.rootImages) > 0 || len(f.cliConfigs) > 0 || len(f.tagTemplates) > 0 || len(f.found) > 0 || len(f.bakes) > 0 || len(f.joined) > 0 || len(f.namedContexts) > 0 || len(f.copies) > 0 || len(f.dfPlatforms) > 0 || len(f.globPlatforms) > 0 || f.defaultPlatform != "" || len(f.dfTags) > 0 || len(f.dfContexts) > 0 || len(f.dfTargets) > 0 || len(f.repoConsts) > 0 || f.buildsTagged || len(f.posTags) > 0 || len(f.invocations) > 0 {
			out = append(out, f)
		}
		return nil
	})
	applyBakeSets(out)
	return out
}

// bakeSet is a `docker buildx bake -f FILE --set "*.platform=P"`: every
// target of FILE built for P.
type bakeSet struct {
	file, platform string
}

// bakeSetCommand finds such a command's file and platform, continued
// lines joined.
var (
	bakeFileFlag     = regexp.MustCompile(`\bbake\b[^\n]*?(?:-f|--file)[= ]["']?([^\s"';&|]+)`)
	bakeSetPlatforms = regexp.MustCompile(`--set[= ]["']?\*\.platform=([^\s"']+)`)
)

// bakeSets reads a build file's bake commands that set every target's
// platform.
func bakeSets(b []byte) []bakeSet {
	if !bytes.Contains(b, []byte("bake")) || !bytes.Contains(b, []byte(".platform=")) {
		return nil
	}
	var out []bakeSet
	for _, line := range strings.Split(strings.ReplaceAll(string(b), "\\\n", " "), "\n") {
		fm, pm := bakeFileFlag.FindStringSubmatch(line), bakeSetPlatforms.FindStringSubmatch(line)
		if fm == nil || pm == nil || strings.Contains(fm[1], "$") || strings.Contains(pm[1], "$") || len(out) >= maxTags {
			continue
		}
		out = append(out, bakeSet{file: path.Clean(strings.TrimPrefix(fm[1], "./")), platform: pm[1]})
	}
	return out
}

// applyBakeSets gives the build file that runs a bake command with
// `--set "*.platform=P"` the platform P for each Dockerfile the bake or
// Compose file it names builds (okteto's `docker buildx bake -f
// docker-compose.dotnet.yml --set "*.platform=linux/amd64"`).
func applyBakeSets(files []buildFile) {
	for i := range files {
		for _, set := range files[i].bakes {
			for _, g := range files {
				if g.path != set.file && g.path != path.Join(files[i].dir, set.file) {
					continue
				}
				for _, df := range g.dockerfiles {
					files[i].dfPlatform(df, set.platform)
				}
			}
		}
	}
}

// catInto is a `cat` of files written into another (`cat a b > out`,
// `cat x >> $DOCKERFILE`), its file words.
var catInto = regexp.MustCompile(`(?m)\bcat((?:[ \t]+[^\s|;&<>]+)+)[ \t]*>>?`)

// catCommand is a shell variable that holds a `cat` command
// (`CMD_BASE="cat Dockerfile.common"`), which the script then runs
// (`$CMD_BASE $SRC_FILE >> $DST_FILE`).
var catCommand = regexp.MustCompile(`(?m)^[ \t]*([A-Za-z_][A-Za-z0-9_]*)=["']?(cat[ \t][^"'\n;&|<>]+)["']?[ \t]*$`)

// catCommandIn returns catCommand's matches in b, looked for only where
// b assigns a `cat` command at all.
func catCommandIn(b []byte) [][][]byte {
	if !bytes.Contains(b, []byte(`="cat `)) && !bytes.Contains(b, []byte(`='cat `)) && !bytes.Contains(b, []byte(`=cat `)) {
		return nil
	}
	return catCommand.FindAllSubmatch(b, 4)
}

// joinedDockerfiles are the Dockerfile paths (with a folder, no variable)
// a build file in the folder dir appends into another file with `cat`,
// also through a variable that holds the command. A name without a folder
// is a file of a script's own folder, which the script is run from
// (harbor's tests/test-engine-image/build.sh and its Dockerfile.common).
func joinedDockerfiles(b []byte, dir string, script bool) []string {
	if !bytes.Contains(b, []byte("cat ")) {
		return nil
	}
	for _, m := range catCommandIn(b) {
		for _, ref := range []string{"${" + string(m[1]) + "} ", "$" + string(m[1]) + " "} {
			b = bytes.ReplaceAll(b, []byte(ref), append(slices.Clip(m[2]), ' '))
		}
	}
	var out []string
	for _, m := range catInto.FindAllSubmatch(b, -1) {
		for _, w := range strings.Fields(string(m[1])) {
			w = path.Clean(strings.TrimPrefix(strings.Trim(w, `"'`), "./"))
			if strings.Contains(w, "$") || !IsDockerfileName(path.Base(w)) {
				continue
			}
			if !strings.Contains(w, "/") {
				if !script || !strings.Contains(path.Base(w), ".") {
					continue
				}
				w = path.Join(dir, w)
			}
			out = appendNew(out, w)
		}
	}
	return out
}

// joinedBy returns the build file that appends the Dockerfile df into
// another with `cat`, "" when none does.
func (bf buildFiles) joinedBy(df string) string {
	for _, f := range bf {
		for _, j := range f.joined {
			if j == df || strings.HasSuffix(df, "/"+j) {
				return f.path
			}
		}
	}
	return ""
}

// globPlatform is a build command's platform for the files a pattern
// names.
type globPlatform struct {
	file     *regexp.Regexp
	platform string
}

// dfPlatform records that f builds the Dockerfile df for platform p
// (the first time df is named wins).
func (f *buildFile) dfPlatform(df, p string) {
	if f.dfPlatforms == nil {
		f.dfPlatforms = map[string]string{}
	}
	if _, seen := f.dfPlatforms[df]; !seen && len(f.dfPlatforms) < maxTags {
		f.dfPlatforms[df] = p
	}
}

// platformFor returns the platform f builds the Dockerfile df for, where
// one of its commands or services names both, and whether one names it.
func (f buildFile) platformFor(df string) (string, bool) {
	if p, ok := f.dfPlatforms[df]; ok {
		return p, true
	}
	// Every command whose pattern names it counts: one for amd64 and
	// another for arm64 (`-f src/test/docker/${DISTRO}/Dockerfile`) build
	// it for both.
	var globbed []string
	for _, g := range f.globPlatforms {
		if g.file.MatchString(df) && !slices.Contains(globbed, g.platform) {
			globbed = append(globbed, g.platform)
		}
	}
	if len(globbed) > 0 {
		return strings.Join(globbed, ","), true
	}
	for d, p := range f.dfPlatforms {
		// A bare name is the build file's own folder's (as names says).
		if strings.Contains(d, "/") && strings.HasSuffix(df, "/"+d) || path.Join(f.dir, d) == df {
			return p, true
		}
	}
	return "", false
}

// defaultPlatformSetting is a build file's `DOCKER_DEFAULT_PLATFORM=…`
// (`export`, a Makefile's `:=`/`?=`, a workflow's `env:` entry).
var defaultPlatformSetting = regexp.MustCompile(`(?m)DOCKER_DEFAULT_PLATFORM\s*(?:[:?]?=|:)\s*["']?([a-z]+/[a-z0-9_]+(?:/[a-z0-9]+)?)["']?\s*$`)

var (
	// stringJoint joins two string literals of a program (`" + f"`,
	// `' + '`).
	stringJoint = regexp.MustCompile(`["']\s*\+\s*f?["']`)
	// formatField is a format string's field (`{self.name}`), not a
	// shell variable's `${name}`.
	formatField = regexp.MustCompile(`(^|[^$])\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}`)
)

// platformFlag is a build command's `--platform` list.
var platformFlag = regexp.MustCompile(`--platform(?:=|\s+)["']?([A-Za-z0-9/_.,${}()-]+)`)

// wholeVarRef is a value that is one variable alone (`$(PLATFORM)`,
// `${PLATFORM}`, `$PLATFORM`).
var wholeVarRef = regexp.MustCompile(`^\$[({]?([A-Za-z_][A-Za-z0-9_]*)[)}]?$`)

// expandValues records, for each value the file gives an argument that
// is one variable (`$(GO_BUILDER_IMAGE)`, `${BASE}`), the one value the
// file assigns that variable (fileDefault), when it does.
func (f *buildFile) expandValues(b []byte) {
	for _, vals := range f.values {
		for _, v := range vals {
			m := oneVariable.FindStringSubmatch(v)
			if m == nil {
				continue
			}
			name := m[1] + m[2] + m[3] + m[4]
			d := ""
			if assignsName(b, name) {
				d = fileDefault(b, name)
			}
			if d == name {
				d = "" // the bake target's own `NODE_VERSION = NODE_VERSION`
			}
			if d == "" && m[4] != "" {
				// A bake file's `NODE_VERSION = NODE_VERSION`: its
				// variable's default.
				for _, bv := range bakeVariable.FindAllSubmatch(b, -1) {
					if string(bv[1]) == name && !bytes.ContainsAny(bv[2], "${}") {
						d = string(bv[2])
						break
					}
				}
			}
			if d != "" {
				if f.expanded == nil {
					f.expanded = map[string]string{}
				}
				f.expanded[v] = d
			}
		}
	}
}

// assignsName reports whether b may assign name (`NAME=`, `NAME :=`,
// `NAME ?=`): a cheap test before fileDefault compiles its pattern.
func assignsName(b []byte, name string) bool {
	for _, op := range []string{"=", " =", ":=", " :=", "?=", " ?="} {
		if bytes.Contains(b, []byte(name+op)) {
			return true
		}
	}
	return false
}

// oneVariable is a value that is one variable, in Make's or the shell's
// form: `$(NAME)`, `${NAME}`, `$NAME`, or an upper-case name alone, as an
// HCL expression names a bake variable (`NODE_VERSION = NODE_VERSION`).
var oneVariable = regexp.MustCompile(`^(?:\$(?:\(([A-Za-z_][A-Za-z0-9_]*)\)|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))|([A-Z_][A-Z0-9_]*))$`)

// passedValue is the one value the build files that may build df give
// the argument name, written out or through one variable a build file
// assigns once (`--build-arg go_builder_image=$(GO_BUILDER_IMAGE)` with
// `GO_BUILDER_IMAGE := golang:1.26.6`); "" when they give none, several,
// or one not known.
func (bf buildFiles) passedValue(df, name string) string {
	vals, _ := bf.get(df, name)
	if len(vals) != 1 || vals[0] == "" {
		return ""
	}
	v := vals[0]
	if oneVariable.MatchString(v) {
		found := ""
		for _, f := range bf {
			if d, ok := f.expanded[v]; ok {
				if found != "" && found != d {
					return ""
				}
				found = d
			}
		}
		v = found
	}
	if v == "" || strings.ContainsAny(v, "${}()` \t") {
		return ""
	}
	return v
}

// fileDefault returns the one value a file gives the variable name as a
// Makefile or shell default (`PLATFORM ?= linux/x86_64`, `PLATFORM :=
// …`, `PLATFORM=…`), "" when it gives none or several.
func fileDefault(b []byte, name string) string {
	re, err := regexp.Compile(`(?m)^[ \t]*(?:export[ \t]+)?` + regexp.QuoteMeta(name) + `[ \t]*(?:\?=|::?=|=)[ \t]*["']?([^\s"'#]+)`)
	if err != nil {
		return ""
	}
	ms := re.FindAllSubmatch(b, 3)
	if len(ms) != 1 || bytes.ContainsAny(ms[0][1], "$`") {
		return ""
	}
	return string(ms[0][1])
}

// fileArgs returns the paths a build file's commands and steps build with
// `-f`/`--file` or `file:`/`dockerfile:` where the name says Dockerfile
// or Containerfile, looked for only on such lines.
func fileArgs(b []byte) []string {
	if !bytes.Contains(b, []byte("ockerfile")) && !bytes.Contains(b, []byte("ontainerfile")) {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if l := strings.ToLower(line); !strings.Contains(l, "dockerfile") && !strings.Contains(l, "containerfile") {
			continue
		}
		for _, m := range fileFlag.FindAllStringSubmatchIndex(line, 4) {
			// The whole word, its quoted parts joined
			// (`"$DOCKER_DIR"/DockerfileUserWrapper`).
			end := m[3]
			for end < len(line) && !strings.ContainsRune(" \t;&|", rune(line[end])) {
				end++
			}
			out = appendNew(out, strings.NewReplacer(`"`, "", "'", "").Replace(line[m[2]:end]))
		}
		if m := stepFile.FindStringSubmatch(line); m != nil {
			out = appendNew(out, m[1])
		}
		if len(out) >= maxTags {
			break
		}
	}
	return out
}

// namedTargets returns the files the build files build by path
// (fileArgs) that discovery does not take for Dockerfiles by their name
// (`DockerfileUserWrapper`, `Dockerfile.backup`), where they are one: a
// file of the repository, named for Dockerfiles, whose first instruction
// is a Dockerfile's. A path under a variable's folder (`"$DOCKER_DIR"/…`)
// is looked for beside the build file; a plain one from the root, then
// from the build file's folder.
func (bf buildFiles) namedTargets(repo *rootfs.Root, found map[string]bool, ignore func(string) bool) []string {
	var out []string
	for _, f := range bf {
		for _, a := range f.fileArgs {
			a = strings.Trim(a, `"'`)
			var cands []string
			switch {
			case leadingVar.MatchString(a) || strings.HasPrefix(a, `$`) && strings.Count(a, "/") == 1:
				_, name, _ := strings.Cut(a, "/")
				cands = []string{path.Join(f.dir, strings.Trim(name, `"'`))}
			case strings.ContainsAny(a, "${}*"):
				continue
			default:
				cands = []string{path.Clean(strings.TrimPrefix(a, "./")), path.Join(f.dir, a)}
			}
			for _, c := range cands {
				base := strings.ToLower(path.Base(c))
				if found[c] || !fs.ValidPath(c) || IsDockerfileName(path.Base(c)) || ignore != nil && ignore(c) ||
					!strings.Contains(base, "dockerfile") && !strings.Contains(base, "containerfile") || slices.Contains(out, c) {
					continue
				}
				if st, err := fs.Stat(repo.FS(), c); err != nil || !st.Mode().IsRegular() {
					continue
				}
				if b, err := rootfs.ReadFile(repo.FS(), c, 64<<10); err == nil && startsLikeDockerfile(b) {
					out = append(out, c)
					break
				}
			}
		}
	}
	return out
}

// startsLikeDockerfile reports whether a file's first instruction, past
// blank lines and comments, is a Dockerfile's (`FROM`, or an `ARG` a
// `FROM` takes), and it has a `FROM`.
func startsLikeDockerfile(b []byte) bool {
	for _, line := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		word, _, _ := strings.Cut(strings.ToUpper(t), " ")
		return (word == "FROM" || word == "ARG") && fromLine.Match(b)
	}
	return false
}

// fromLine is a Dockerfile's FROM instruction.
var fromLine = regexp.MustCompile(`(?im)^\s*FROM\s+\S`)

// fileFlag is a build command's `-f`/`--file` path.
var fileFlag = regexp.MustCompile(`(?:^|[\s"'])(?:-f|--file)(?:=|\s+)["']?((?:\$\{\{[^}]*\}\}|[^\s"';&|])+)`)

// otherOSPlatform reports whether a platform list is for an operating
// system other than Linux alone (`windows/amd64`, `darwin/arm64`).
func otherOSPlatform(plat string) bool {
	for _, p := range strings.Split(plat, ",") {
		if os, _, ok := strings.Cut(strings.TrimSpace(p), "/"); !ok || !slices.Contains([]string{"windows", "darwin", "freebsd"}, os) {
			return false
		}
	}
	return plat != ""
}

// wholeVar is a word that is one shell variable (`$dockerfile`,
// `${DOCKERFILE}`).
var wholeVar = regexp.MustCompile(`^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$`)

// commandPlatforms records the platform of each build command of b that
// names a Dockerfile (`docker buildx build --platform=linux/amd64 --file
// 3.12/browsers/Dockerfile …`), continued lines joined.
func commandPlatforms(b []byte, f *buildFile) {
	text := strings.ReplaceAll(string(b), "\\\n", " ")
	// A build program's command put together from strings (gatk-sv's
	// `"-f " + f"{self.working_dir}/dockerfiles/{self.name}/Dockerfile"`):
	// the pieces joined, a format field as a variable.
	text = stringJoint.ReplaceAllString(text, "")
	text = formatField.ReplaceAllString(text, "${1}$${${2}}")
	lines := strings.Split(text, "\n")
	platformVars(lines)
	for i, line := range lines {
		if !strings.Contains(line, "--platform") {
			continue
		}
		fm, pm := fileFlag.FindStringSubmatch(line), platformFlag.FindStringSubmatch(line)
		// The command's file may follow on the next lines of a string a
		// program adds to (`cmd += "-f " + …`).
		for j := i + 1; fm == nil && j < len(lines) && j <= i+3 && !strings.Contains(lines[j], "--platform"); j++ {
			fm = fileFlag.FindStringSubmatch(lines[j])
		}
		if fm == nil && pm != nil {
			// A command that names no file builds its context's
			// Dockerfile (`docker buildx build --platform linux/amd64 -t
			// x docker/exporter`).
			if m := buildCommand.FindStringSubmatch(line); m != nil {
				if df := commandDockerfile(m[1]); df != "" {
					fm = []string{"", df}
				}
			}
		}
		if fm == nil || pm == nil {
			continue
		}
		df := path.Clean(strings.TrimPrefix(fm[1], "./"))
		if !strings.Contains(strings.ToLower(path.Base(df)), "dockerfile") && !IsDockerfileName(path.Base(df)) {
			continue
		}
		plat := strings.Trim(strings.TrimSpace(pm[1]), `"'`)
		// `--platform $(PLATFORM)` with `PLATFORM ?= linux/x86_64` in the
		// same Makefile: its default.
		if m := wholeVarRef.FindStringSubmatch(plat); m != nil {
			if d := fileDefault(b, m[1]); d != "" {
				plat = d
			}
		}
		// A build for Windows (`--platform windows/amd64 … -f
		// $dockerfile`, antrea's helper for its Windows images) says
		// nothing of the Linux Dockerfiles a variable may also name.
		if otherOSPlatform(plat) {
			continue
		}
		if strings.Contains(df, "$") {
			// `-f docker/${{ matrix.sdk }}/Dockerfile.ubi`: every file the
			// pattern names, the variable one folder or name part. A file
			// that is one variable named for Dockerfiles (`-f
			// "$dockerfile"` in a loop over them) is any path.
			part := "[^/]*"
			if wholeVar.MatchString(strings.Trim(df, `"'`)) {
				part = ".*"
			}
			if re, err := globRef(strings.Trim(df, `"'`), part); err == nil && len(f.globPlatforms) < maxTags {
				f.globPlatforms = append(f.globPlatforms, globPlatform{re, plat})
			}
			// A first folder that is a variable may be the checkout's
			// root (`{self.working_dir}/dockerfiles/…`).
			if m := refVar.FindStringIndex(df); m != nil && m[0] == 0 && m[1] < len(df) && df[m[1]] == '/' {
				if re, err := globRef(strings.Trim(df[m[1]+1:], `"'`), part); err == nil && len(f.globPlatforms) < maxTags {
					f.globPlatforms = append(f.globPlatforms, globPlatform{re, plat})
				}
			}
			continue
		}
		f.dfPlatform(df, plat)
	}
}

// platformAssign is a shell variable set to words with a `--platform`
// (`buildcmd='buildx build --platform=linux/amd64'`).
var platformAssign = regexp.MustCompile(`^\s*(?:export\s+|local\s+)?([A-Za-z_][A-Za-z0-9_]*)=(["'])([^"']*--platform[^"']*)["']\s*;?\s*$`)

// unameTest is an `if` on the machine's architecture not being one
// (`if [ `uname -m` != 'x86_64' ]; then`).
var unameTest = regexp.MustCompile(`^\s*if\b.*(?:uname\s+-m|\barch\b).*!=\s*["']?([A-Za-z0-9_]+)`)

// platformVars writes, into each line of a script that uses it, the value
// of a variable that holds a build command's `--platform` where that
// value is the one build the script runs: the variable's only value, or
// the one it takes on every machine but that platform's own, where
// the other values add no `--platform` (tinode's `buildcmd='build'`,
// then `buildx build --platform=linux/amd64` when `uname -m` is not
// x86_64: an amd64 image either way).
func platformVars(lines []string) {
	for i, line := range lines {
		m := platformAssign.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name, value := m[1], m[3]
		pm := platformFlag.FindStringSubmatch(value)
		if pm == nil || strings.Contains(pm[1], ",") {
			continue
		}
		_, arch, _ := strings.Cut(pm[1], "/")
		arch, _, _ = strings.Cut(arch, "/")
		assign := regexp.MustCompile(`^\s*(?:export\s+|local\s+)?` + name + `=`)
		others := false
		ok := true
		for j, l := range lines {
			if j == i || !assign.MatchString(l) {
				continue
			}
			if strings.Contains(l, "--platform") {
				ok = false
				break
			}
			others = true
		}
		if !ok {
			continue
		}
		if others {
			// Set only off that architecture: the `if` just above says so.
			guarded := false
			for j := i - 1; j >= 0 && j >= i-2; j-- {
				if t := unameTest.FindStringSubmatch(lines[j]); t != nil {
					guarded = checks.NormArch(t[1]) != "" && checks.NormArch(t[1]) == checks.NormArch(arch)
					break
				}
			}
			if !guarded {
				continue
			}
		}
		// Written in where it is the command's words (`docker ${buildcmd}
		// … docker/tinode`).
		use := regexp.MustCompile(`\b((?:docker|podman)\s+)(?:\$\{` + name + `\}|\$` + name + `\b)`)
		for j, l := range lines {
			if j != i {
				lines[j] = use.ReplaceAllString(l, "${1}"+strings.ReplaceAll(value, "$", "$$"))
			}
		}
	}
}

// commandContext is the context folder a build command's arguments
// (after `build`) name: their last word, a plain path, where no flag takes
// it as its value; "" otherwise.
func commandContext(args string) string {
	if i := strings.IndexAny(args, ";|&>#)`"); i >= 0 {
		args = args[:i]
	}
	words := strings.Fields(args)
	if len(words) == 0 {
		return ""
	}
	last, prev := strings.Trim(words[len(words)-1], `"'`), ""
	if len(words) > 1 {
		prev = words[len(words)-2]
	}
	if last == "" || strings.HasPrefix(last, "-") || strings.ContainsAny(last, "$:{}*") || strings.HasPrefix(last, "../") || path.IsAbs(last) ||
		strings.HasPrefix(prev, "-") && !strings.Contains(prev, "=") && !slices.Contains(boolBuildFlags, prev) {
		return ""
	}
	return path.Clean(last)
}

// boolBuildFlags are the build flags that take no value.
var boolBuildFlags = []string{"--push", "--load", "--no-cache", "--pull", "--rm", "--force-rm", "-q", "--quiet", "--squash", "--compress"}

var (
	// stepStart is a line that starts a workflow step (`- name: …`,
	// `- uses: docker/build-push-action@v6`, or a `-` alone, its keys on
	// the lines after it).
	stepStart = regexp.MustCompile(`^\s*-\s+(?:name|uses|run|id|if):|^\s*-\s*$`)
	// stepFile is a step's `file:` (docker/build-push-action) or
	// `dockerfile:`.
	stepFile = regexp.MustCompile(`^\s*(?:file|dockerfile):\s*["']?((?:\$\{\{[^}]*\}\}|[^\s"'#])+)`)
	// stepContext is a step's `context:`, whose Dockerfile it builds
	// when it names no file.
	stepContext = regexp.MustCompile(`^\s*context:\s*["']?((?:\$\{\{[^}]*\}\}|[^\s"'#])+)`)
	// matrixStart opens a job's `matrix:`; matrixEntry is one of its
	// scalar values (`- context: Docker-Images/Developer`, `os: [a, b]`
	// is left out).
	matrixStart = regexp.MustCompile(`^(\s*)matrix:\s*$`)
	matrixEntry = regexp.MustCompile(`^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_-]*):\s*["']?([^\s"'#\[{]+)["']?\s*(?:#.*)?$`)
	// matrixList is a matrix key's flow list (`variant: [ubuntu, ubi9]`).
	matrixList = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_-]*):\s*\[([^\]]*)\]`)
	// matrixRef is `${{ matrix.KEY }}`.
	matrixRef = regexp.MustCompile(`\$\{\{\s*matrix\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}`)
	// matrixKey is a matrix key whose values follow as a block list
	// (`dockerfile:` then `- jupyterlab`); matrixItem is one of them.
	matrixKey  = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_-]*):\s*(?:#.*)?$`)
	matrixItem = regexp.MustCompile(`^\s*-\s+["']?([^\s"'#:{}\[\]]+)["']?\s*(?:#.*)?$`)
	// stepTarget is a step's `target:` on its line.
	stepTarget = regexp.MustCompile(`^\s*target:\s*["']?((?:\$\{\{[^}]*\}\}|[^\s"'#])+)`)
	// targetFlag is a build command's `--target STAGE`.
	targetFlag = regexp.MustCompile(`\s--target(?:=|\s+)["']?([A-Za-z0-9_.-]+)["']?(?:\s|$)`)
	// stepPlatform is a step's `platforms:` on its line.
	stepPlatform = regexp.MustCompile(`^\s*platforms:\s*["']?([^"'#\n]+?)["']?\s*(?:#.*)?$`)
)

var (
	// workflowName is a workflow's top-level `name:`, a plain word.
	workflowName = regexp.MustCompile(`(?m)^name:[ \t]*["']?([A-Za-z0-9._/-]+)["']?[ \t]*$`)
	// githubWorkflow is `${{ github.workflow }}`.
	githubWorkflow = regexp.MustCompile(`\$\{\{\s*github\.workflow\s*\}\}`)
)

// readStepKeys takes a workflow step's `file:` (or `dockerfile:`) and
// `context:` from line into file and ctx.
func readStepKeys(line string, file, ctx *string) {
	if m := stepFile.FindStringSubmatch(line); m != nil {
		*file = m[1]
	}
	if m := stepContext.FindStringSubmatch(line); m != nil {
		*ctx = m[1]
	}
}

// stepDockerfile is the Dockerfile a step builds: its file, else its
// context's own Dockerfile ("" when it names neither, or a URL context).
func stepDockerfile(file, ctx string) string {
	if file == "" && ctx != "" && !strings.Contains(ctx, "://") {
		return path.Join(ctx, "Dockerfile")
	}
	return file
}

// bakeJSONPlatforms records the platforms each target of a bake file in
// JSON builds its Dockerfile for (rocker-versioned2's generated
// `bakefiles/4.5.3.docker-bake.json`: `shiny` for linux/amd64 alone,
// `r-ver` for two), its path taken from the target's `context` (the
// folder bake runs in, the root, when unset) and `dockerfile`. A file
// that is not such JSON gives nothing.
func bakeJSONPlatforms(b []byte, f *buildFile) {
	var bake struct {
		Target map[string]struct {
			Context    string   `json:"context"`
			Dockerfile string   `json:"dockerfile"`
			Platforms  []string `json:"platforms"`
		} `json:"target"`
	}
	if json.Unmarshal(b, &bake) != nil {
		return
	}
	names := make([]string, 0, len(bake.Target))
	for n := range bake.Target {
		names = append(names, n)
	}
	slices.Sort(names) // a mapping: the file's order is not kept
	for _, n := range names {
		t := bake.Target[n]
		if len(t.Platforms) == 0 || t.Dockerfile == "" || strings.Contains(t.Context+t.Dockerfile, "://") {
			continue
		}
		df := path.Clean(path.Join(strings.TrimPrefix(t.Context, "./"), t.Dockerfile))
		if !strings.HasPrefix(df, "../") && !path.IsAbs(df) && !strings.Contains(df, "$") {
			f.dfPlatform(df, strings.Join(t.Platforms, ","))
		}
	}
}

// wfStep is what one workflow step says it builds: its `file:` (or
// `dockerfile:`), `context:`, `platforms:` and `target:` as written, and
// the values of its job's matrix by key (`include:` entries' `context:`,
// a key's list), for a step's `${{ matrix.KEY }}`.
type wfStep struct {
	file, ctx, platforms, target string
	matrix                       map[string][]string
}

// dockerfiles are the Dockerfiles the step builds: its file, else its
// context's own Dockerfile, with a matrix key expanded to each of its
// values; none holding a variable.
func (st wfStep) dockerfiles() []string {
	var out []string
	if file := stepDockerfile(st.file, st.ctx); file != "" {
		for _, fl := range st.expand(file) {
			if df := path.Clean(strings.TrimPrefix(fl, "./")); !strings.Contains(df, "$") {
				out = append(out, df)
			}
		}
	}
	return out
}

// expand returns v with its first `${{ matrix.KEY }}` replaced by each of
// the key's values (v alone when it names none).
func (st wfStep) expand(v string) []string {
	m := matrixRef.FindStringSubmatch(v)
	if m == nil {
		return []string{v}
	}
	var out []string
	for _, x := range st.matrix[m[1]] {
		out = append(out, strings.ReplaceAll(v, m[0], x))
	}
	return out
}

// workflowSteps reads a workflow's steps that name a Dockerfile or a
// context, step by step, each with its job's matrix.
func workflowSteps(b []byte) []wfStep {
	// `${{ github.workflow }}` is the workflow's own `name:` (jauderho's
	// one workflow per image, `context: ${{ github.workflow }}`).
	if m := workflowName.FindSubmatch(b); m != nil {
		b = githubWorkflow.ReplaceAll(b, m[1])
	}
	var out []wfStep
	var st wfStep
	matrix := map[string][]string{}
	matrixIndent, listKey := -1, ""
	flush := func() {
		if st.file != "" || st.ctx != "" {
			st.matrix = matrix
			out = append(out, st)
		}
		st = wfStep{}
	}
	for _, line := range strings.Split(string(b), "\n") {
		if matrixIndent >= 0 {
			if strings.TrimSpace(line) == "" {
				continue
			}
			if len(line)-len(strings.TrimLeft(line, " \t")) > matrixIndent {
				switch m := matrixEntry.FindStringSubmatch(line); {
				case m != nil:
					matrix[m[1]], listKey = appendNew(matrix[m[1]], m[2]), ""
				default:
					if m := matrixList.FindStringSubmatch(line); m != nil {
						for _, v := range strings.Split(m[2], ",") {
							if v = strings.Trim(strings.TrimSpace(v), `"'`); v != "" {
								matrix[m[1]] = appendNew(matrix[m[1]], v)
							}
						}
					} else if m := matrixKey.FindStringSubmatch(line); m != nil {
						listKey = m[1] // its values follow as a list
					} else if m := matrixItem.FindStringSubmatch(line); m != nil && listKey != "" {
						matrix[listKey] = appendNew(matrix[listKey], m[1])
					}
				}
				continue
			}
			matrixIndent = -1
		}
		if m := matrixStart.FindStringSubmatch(line); m != nil {
			flush()
			matrix, matrixIndent, listKey = map[string][]string{}, len(m[1]), ""
			continue
		}
		if stepStart.MatchString(line) {
			flush()
		}
		readStepKeys(line, &st.file, &st.ctx)
		if m := stepPlatform.FindStringSubmatch(line); m != nil {
			st.platforms = strings.TrimSpace(m[1])
		}
		if m := stepTarget.FindStringSubmatch(line); m != nil {
			st.target = m[1]
		}
	}
	flush()
	return out
}

// stepPlatforms records the platforms of each workflow step that names a
// Dockerfile with `file:` and its platforms with `platforms:`
// (docker/build-push-action), step by step: another step of the file
// that builds another Dockerfile for two platforms says nothing of it.
func stepPlatforms(steps []wfStep, f *buildFile) {
	for _, st := range steps {
		if st.platforms == "" {
			continue
		}
		for _, df := range st.dockerfiles() {
			f.dfPlatform(df, st.platforms)
		}
	}
}

// stepTargets records the stage each workflow step builds its Dockerfile
// to (docker/build-push-action's `target:`), a matrix key expanded.
func stepTargets(steps []wfStep, f *buildFile) {
	for _, st := range steps {
		if st.target == "" {
			continue
		}
		for _, df := range st.dockerfiles() {
			for _, t := range st.expand(st.target) {
				f.dfTarget(df, t)
			}
		}
	}
}

// commandTargets records the stage each build command of a build file
// (cmds, buildCommandArgs') builds its Dockerfile to: `--target` with `-f`
// (else its context's Dockerfile).
func commandTargets(cmds []string, f *buildFile) {
	for _, args := range cmds {
		args = strings.Split(args, "&&")[0]
		tm := targetFlag.FindStringSubmatch(" " + args)
		if tm == nil {
			continue
		}
		if df := commandDockerfile(args); df != "" {
			f.dfTarget(path.Clean(strings.TrimPrefix(strings.Trim(df, `"'`), "./")), tm[1])
		}
	}
}

// buildCommandArgs are the arguments of each build command of a build
// file (buildCommand), its continued lines joined.
func buildCommandArgs(b []byte) []string {
	var out []string
	text := strings.ReplaceAll(string(b), "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		if m := buildCommand.FindStringSubmatch(line); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// commandDockerfile is the Dockerfile a build command's arguments build,
// as written: its `-f`, else its context's (the last word that is not an
// option or its value); "" when it names neither.
func commandDockerfile(args string) string {
	if fm := fileFlag.FindStringSubmatch(" " + args); fm != nil {
		return fm[1]
	}
	if ctx := commandContext(args); ctx != "" {
		return path.Join(ctx, "Dockerfile")
	}
	return ""
}

// dfTarget records that the file builds the Dockerfile df (a path from
// the root) to the stage target; names holding a variable are left.
func (f *buildFile) dfTarget(df, target string) {
	target = strings.Trim(target, `"'`)
	if strings.Contains(df+target, "$") || target == "" || df == "." {
		return
	}
	if f.dfTargets == nil {
		f.dfTargets = map[string][]string{}
	}
	f.dfTargets[df] = appendNew(f.dfTargets[df], strings.ToLower(target))
}

// stageTarget is a stage a build file builds a Dockerfile to.
type stageTarget struct {
	stage string // lower-cased, as BuildKit matches stage names
	by    string // the build file's path
}

// targets returns the stages the build files build the Dockerfile df to,
// each once (with the first file that names it), in the order found.
func (bf buildFiles) targets(df string) []stageTarget {
	var out []stageTarget
	for _, f := range bf {
		for _, t := range f.dfTargets[df] {
			if !slices.ContainsFunc(out, func(o stageTarget) bool { return o.stage == t }) && len(out) < maxTags {
				out = append(out, stageTarget{stage: t, by: f.path})
			}
		}
	}
	return out
}

var (
	// buildCommand is a `docker build`, `docker buildx build` or `podman
	// build` command, its arguments after it.
	buildCommand = regexp.MustCompile(`\b(?:docker|podman)\s+(?:buildx\s+)?build\s+(.*)$`)
	// stepTags is a step's `tags:`, with the references on its line.
	stepTags = regexp.MustCompile(`^(\s*)tags:\s*(.*)$`)
)

// literalRef reports whether a tagged reference is written out in full:
// no variable, a repository and a tag (`ierturk/alpine-dev-base:latest`).
func literalRef(t string) bool {
	return t != "" && !strings.ContainsAny(t, "$`{}=*") && strings.Contains(t, ":") && !strings.HasPrefix(t, "-")
}

// unitTags records the references each workflow step or build command of
// a build file tags the Dockerfile it builds with (buildFile.dfTags): a
// step's `file:` (else its `context:`'s Dockerfile) with its `tags:`,
// inline or as a list; a command's (cmds, buildCommandArgs') `-f` (else
// its context's Dockerfile) with its `-t`. Only references written out in
// full count.
func unitTags(b []byte, cmds []string, f *buildFile) {
	seen := map[[2]string]bool{}
	add := func(df string, tags []string) {
		df = path.Clean(strings.TrimPrefix(strings.Trim(df, `"'`), "./"))
		if strings.Contains(df, "$") || len(tags) == 0 {
			return
		}
		if f.dfTags == nil {
			f.dfTags = map[string][]tagPattern{}
		}
		for _, t := range tags {
			if seen[[2]string{df, t}] || len(f.dfTags[df]) >= maxTags {
				continue
			}
			seen[[2]string{df, t}] = true
			if p, ok := compileTag(t); ok {
				f.dfTags[df] = append(f.dfTags[df], p)
			}
		}
	}
	// Workflow steps.
	var file, ctx string
	var tags []string
	listIndent := -1
	flush := func() {
		if file = stepDockerfile(file, ctx); file != "" {
			add(file, tags)
		}
		file, ctx, tags, listIndent = "", "", nil, -1
	}
	meta := metadataImages(b)
	keep := func(t string) {
		t = strings.Trim(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "- ")), `"'`)
		if literalRef(t) {
			tags = append(tags, t)
		}
		// `${{ steps.meta.outputs.tags }}`: the images docker/metadata-action
		// made tags for in step `meta`, any tag.
		if m := metaTagsRef.FindStringSubmatch(t); m != nil {
			for _, img := range meta[m[1]] {
				tags = append(tags, img+":"+anyTag)
			}
		}
	}
	for _, line := range strings.Split(string(b), "\n") {
		if listIndent >= 0 {
			if strings.TrimSpace(line) != "" && len(line)-len(strings.TrimLeft(line, " \t")) > listIndent {
				keep(line)
				continue
			}
			listIndent = -1
		}
		if stepStart.MatchString(line) {
			flush()
		}
		readStepKeys(line, &file, &ctx)
		if m := stepTags.FindStringSubmatch(line); m != nil {
			switch rest := strings.TrimSpace(m[2]); rest {
			case "", "|", ">", "|-", ">-":
				listIndent = len(m[1])
			default:
				for _, t := range strings.Split(rest, ",") {
					keep(t)
				}
			}
		}
	}
	flush()
	// Build commands.
	for _, args := range cmds {
		var cmdTags []string
		for _, tm := range tagFlag.FindAllStringSubmatch(args, -1) {
			if t := strings.Trim(tm[1], `"'`); literalRef(t) {
				cmdTags = append(cmdTags, t)
			}
		}
		if df := commandDockerfile(args); len(cmdTags) > 0 && df != "" {
			add(df, cmdTags)
		}
	}
}

// metaTagsRef is a step's tags taken from a docker/metadata-action step's
// output (`${{ steps.meta.outputs.tags }}`).
var metaTagsRef = regexp.MustCompile(`^\$\{\{\s*steps\.([A-Za-z0-9_-]+)\.outputs\.tags\s*\}\}$`)

// metadataImages returns, by step id, the images the docker/metadata-action
// steps of a workflow make tags for (`images: ghcr.io/predibase/lorax`,
// inline or a block list; an entry's `,enable=…` attributes dropped).
func metadataImages(b []byte) map[string][]string {
	if !bytes.Contains(b, []byte("docker/metadata-action")) {
		return nil
	}
	out := map[string][]string{}
	id, isMeta, listIndent := "", false, -1
	var images []string
	flush := func() {
		if isMeta && id != "" && len(images) > 0 {
			out[id] = images
		}
		id, isMeta, images, listIndent = "", false, nil, -1
	}
	add := func(v string) {
		v = strings.Trim(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), "- ")), `"'`)
		v, _, _ = strings.Cut(v, ",")
		if v != "" && !strings.ContainsAny(v, "$`{}=*: ") && len(images) < maxTags {
			images = append(images, v)
		}
	}
	for _, line := range strings.Split(string(b), "\n") {
		if listIndent >= 0 {
			if strings.TrimSpace(line) != "" && len(line)-len(strings.TrimLeft(line, " \t")) > listIndent {
				add(line)
				continue
			}
			listIndent = -1
		}
		if stepStart.MatchString(line) {
			flush()
		}
		t := strings.TrimPrefix(strings.TrimSpace(line), "- ")
		switch {
		case strings.HasPrefix(t, "uses:") && strings.Contains(t, "docker/metadata-action"):
			isMeta = true
		case strings.HasPrefix(t, "id:"):
			id = strings.Trim(strings.TrimSpace(strings.TrimPrefix(t, "id:")), `"'`)
		case strings.HasPrefix(t, "images:"):
			switch rest := strings.TrimSpace(strings.TrimPrefix(t, "images:")); rest {
			case "", "|", ">", "|-", ">-":
				listIndent = len(line) - len(strings.TrimLeft(line, " \t"))
			default:
				for _, v := range strings.Split(rest, ",") {
					if !strings.Contains(v, "=") {
						add(v)
					}
				}
			}
		}
	}
	flush()
	return out
}

// composeBuildFiles are the builds of the Compose file rel (its text b),
// its variables taken from the project's `.env` beside it.
func composeBuildFiles(repo *rootfs.Root, rel string, b []byte) []devcontainer.ComposeBuildFile {
	dir := path.Dir(rel)
	env, err := rootfs.ReadFile(repo.FS(), path.Join(dir, ".env"), maxBuildFileBytes)
	if err != nil {
		env = nil
	}
	return devcontainer.ComposeBuildFiles(b, dir, env)
}

// composeBuilds adds to f the Dockerfiles the Compose file rel's services
// build (`context: base` with `dockerfile: Dockerfile` is
// base/Dockerfile, which namedDockerfiles cannot tell) and the platform
// each builds for, its `${PLATFORM}` taken from the project's `.env`.
func composeBuilds(repo *rootfs.Root, rel string, b []byte, f *buildFile) {
	for _, c := range composeBuildFiles(repo, rel, b) {
		f.dockerfiles = appendNew(f.dockerfiles, c.Dockerfile)
		if c.Context != "" && !strings.HasPrefix(c.Context, "../") && !strings.Contains(c.Context, "://") {
			if f.dfContexts == nil {
				f.dfContexts = map[string][]string{}
			}
			f.dfContexts[c.Dockerfile] = appendNew(f.dfContexts[c.Dockerfile], c.Context)
		}
		if c.Image != "" && len(f.tags) < maxTags {
			if t, ok := compileTag(c.Image); ok {
				f.tags = append(f.tags, t)
			}
		}
		f.dfPlatform(c.Dockerfile, c.Platform)
		if c.Target != "" {
			f.dfTarget(c.Dockerfile, c.Target)
		}
		for k, v := range c.Args {
			if f.dfArgs == nil {
				f.dfArgs = map[string]map[string][]string{}
			}
			if f.dfArgs[c.Dockerfile] == nil {
				f.dfArgs[c.Dockerfile] = map[string][]string{}
			}
			if vs := f.dfArgs[c.Dockerfile][k]; len(vs) < maxArgValues && !slices.Contains(vs, v) {
				f.dfArgs[c.Dockerfile][k] = append(vs, v)
			}
		}
	}
}

var (
	// buildArgFlag is `--build-arg name=value` (or `--build-arg=name`),
	// whatever the name's case.
	buildArgFlag = regexp.MustCompile(`--build-arg[= ]\s*["']?([A-Za-z_][A-Za-z0-9_]*)(?:=([^"'\s]*))?`)
	// argsStart opens a Compose service's `args:` mapping or list, a
	// workflow's `build-args: |` block, or a bake target's `args = {`.
	argsStart = regexp.MustCompile(`^(\s*)["']?(?:build[-_])?args["']?\s*(:\s*[|>]?-?\s*$|=\s*\{)`)
	// argsVarAssign is a script's assignment to a variable that gathers
	// build arguments (`BUILD_ARGS+=" NAME=$NAME"`, `DOCKER_BUILD_ARGS="A=1 B=2"`):
	// its quoted words.
	argsVarAssign = regexp.MustCompile(`(?m)^[ \t]*(?:local[ \t]+|export[ \t]+)?[A-Z_]*BUILD_ARGS?\+?=["']([^"'\n]*)["']`)
	// shellName is a variable's name.
	shellName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// argsEntry is one entry of such a block: `arch: ${ARCH}`,
	// `- arch=${ARCH}`, `arch = "x"`.
	argsEntry = regexp.MustCompile(`^(\s*)-?\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*[:=]\s*["']?([^"'\s,}]*)`)
)

// computedAfter reports whether the text after a string literal's closing
// quote appends a value to it (`" + base_image`, `' + str(x)`).
func computedAfter(rest []byte) bool {
	t := bytes.TrimLeft(rest, " \t")
	return len(t) > 1 && t[0] == '+' && t[1] != '+'
}

// namedArgs adds to f the build arguments a file passes by name, whatever
// their case (Arrow's compose.yaml gives `arch: ${ARCH}`, a lower-case
// ARG): `--build-arg` flags, and the entries of Compose `args:` and bake
// `args = {…}` blocks.
func namedArgs(b []byte, f buildFile) {
	add := func(n, v string) {
		f.args[n] = true
		f.give(n, v)
	}
	if bytes.Contains(b, []byte("--build-arg")) {
		for _, m := range buildArgFlag.FindAllSubmatchIndex(b, -1) {
			name, v := string(b[m[2]:m[3]]), ""
			if m[4] >= 0 {
				v = string(b[m[4]:m[5]])
				// A value a program computes and appends (build.py's
				// `" --build-arg BASE=" + base_image`): given, not known.
				if v == "" && m[5] < len(b) && (b[m[5]] == '"' || b[m[5]] == '\'') && computedAfter(b[m[5]+1:]) {
					v = "${" + name + "}"
				}
			}
			add(name, v)
		}
	}
	// A script that gathers the arguments in a variable it hands to its
	// build command later (Kurento's `BUILD_ARGS+=" KMS_VERSION_TAG=$KMS_VERSION_TAG"`,
	// which container_build_multiarch.sh turns into --build-arg flags).
	if bytes.Contains(b, []byte("BUILD_ARG")) {
		for _, m := range argsVarAssign.FindAllSubmatch(b, -1) {
			for _, w := range strings.Fields(string(m[1])) {
				name, v, ok := strings.Cut(w, "=")
				if !ok || !shellName.MatchString(name) {
					continue
				}
				if strings.Contains(v, "$") {
					v = "${" + name + "}" // given, not known
				}
				add(name, v)
			}
		}
	}
	// Cheap tests first: most build files have no such block.
	if !bytes.Contains(b, []byte("args")) {
		return
	}
	indent, bake := -1, false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if m := argsStart.FindStringSubmatch(line); m != nil {
			indent, bake = len(m[1]), strings.Contains(m[2], "{")
			continue
		}
		if indent < 0 {
			continue
		}
		if bake && strings.HasPrefix(strings.TrimSpace(line), "}") {
			indent = -1
			continue
		}
		m := argsEntry.FindStringSubmatch(line)
		// A YAML list may sit at its key's own indentation.
		if m == nil || !bake && (len(m[1]) < indent || len(m[1]) == indent && !strings.HasPrefix(strings.TrimSpace(line), "-")) {
			indent = -1
			continue
		}
		add(m[2], m[3])
	}
}

var (
	// tagFlag is an image a build command tags: `-t x`, `--tag=x`, a
	// Makefile's `$(TAG_FLAG) x`, also first in the string a script keeps
	// the flags in (`local tag_args="-t ${REGISTRY}/${name}:latest"`).
	tagFlag = regexp.MustCompile(`(?:^|\s|=["'])(?:-t|--tag|--image-name|\$\(TAG_FLAG\))(?:=|[ \t]+)["']?((?:\$\{\{[^}]*\}\}|[^\s"'\\;&|])+)`)
	// dockerTag is `docker tag SOURCE TARGET`'s target.
	dockerTag = regexp.MustCompile(`\bdocker\s+(?:image\s+)?tag\s+["']?\S+["']?\s+["']?((?:\$\{\{[^}]*\}\}|[^\s"'\\;&|])+)`)
	// manifestCreate is the list `docker manifest create TARGET …` makes
	// of images the build pushed first (`…:latest` of `…:latest-x86_64`
	// and `…:latest-aarch64`).
	manifestCreate = regexp.MustCompile(`\bdocker\s+manifest\s+create\s+(?:--amend\s+|-a\s+)?["']?((?:\$\{\{[^}]*\}\}|[^\s"'\\;&|])+)`)
	// yamlEnvEntry is an upper-case key's literal value in a YAML file
	// (a workflow's `env:`).
	yamlEnvEntry = regexp.MustCompile(`(?m)^[ \t]+([A-Z_][A-Z0-9_]*):[ \t]*["']?([A-Za-z0-9][A-Za-z0-9._/:-]*)["']?[ \t]*$`)
	// shellAssign is a script's `NAME=value` (`image="devkitpro/${1}"`).
	shellAssign = regexp.MustCompile(`(?m)^[ \t]*(?:export[ \t]+|local[ \t]+|readonly[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"\n]*)"|'([^'\n]*)'|([^\s;&|]*))`)
	// shellArray is a script's array written out, `IMAGES=( a b … )`,
	// over lines too; shellFor is `for NAME in WORDS` up to its `;` or
	// the line's end; arrayWords is `"${IMAGES[@]}"` (or `[*]`).
	shellArray = regexp.MustCompile(`(?m)^[ \t]*(?:declare[ \t]+-a[ \t]+|local[ \t]+|readonly[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=\(([^)]*)\)`)
	shellFor   = regexp.MustCompile(`(?m)^[ \t]*for[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+in[ \t]+([^;\n]*)`)
	arrayWords = regexp.MustCompile(`^"?\$\{([A-Za-z_][A-Za-z0-9_]*)\[[@*]\]\}"?$`)
	// githubEnvWrite is a workflow step's `echo "NAME=value" >> $GITHUB_ENV`.
	githubEnvWrite = regexp.MustCompile(`echo\s+["']?([A-Za-z_][A-Za-z0-9_]*)=((?:\$\{\{[^}]*\}\}|[^\s"'])+)["']?\s*>>\s*["']?\$\{?GITHUB_ENV`)
	// dockerfileImagePair is a flow list of a Dockerfile's path and an
	// image name with a namespace (`["docker/Dockerfile", "org/img"]`).
	dockerfileImagePair = regexp.MustCompile(`\[\s*["']?[\w./-]*Dockerfile[\w.-]*["']?\s*,\s*["']?([a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)+(?::[\w.-]+)?)["']?\s*\]`)
	// bakeTargetContext is a bake `contexts` entry mapping an image,
	// quoted or a variable in parentheses, to another target.
	// bakePinnedContext is a bake context mapping a name to an image
	// pinned by digest (`alpine = "docker-image://alpine:3.22@sha256:…"`).
	bakePinnedContext = regexp.MustCompile(`(?m)^\s*"?([a-z0-9][a-z0-9._/-]*)"?\s*=\s*"docker-image://[^"@\s]+@sha256:[0-9a-f]{64}"`)
	// bakeTargetName is a bake file's `target "NAME" {`.
	bakeTargetName    = regexp.MustCompile(`(?m)^\s*target\s+"([a-z0-9][a-z0-9._-]*)"\s*\{`)
	bakeTargetContext = regexp.MustCompile(`(?:"([^"\n]+)"|\(([A-Za-z_][A-Za-z0-9_]*)\))\s*=\s*"target:`)
	// bakeVariable is a bake variable's string default.
	bakeVariable = regexp.MustCompile(`variable\s+"([A-Za-z_][A-Za-z0-9_]*)"\s*\{\s*default\s*=\s*"([^"\n]*)"`)
	// bakeTags is a bake target's `tags = [...]`.
	bakeTags = regexp.MustCompile(`"?tags"?\s*[=:]\s*\[([^\]]*)\]`)
	quoted   = regexp.MustCompile(`"([^"]+)"`)
	// refVar is a variable in a tagged reference.
	refVar = regexp.MustCompile(`\$\{\{[^}]*\}\}|\$\([^)]*\)|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*`)
	// tiltBuild is the image a Tiltfile's `docker_build` or
	// `custom_build` builds, its first argument or `ref=`.
	tiltBuild = regexp.MustCompile(`\b(?:docker_build|custom_build)\(\s*(?:ref\s*=\s*)?(?:([A-Za-z_][A-Za-z0-9_]*)\s*\+\s*)?['"]([^'"\s]+)['"]`)
	// starlarkAssign is a Tiltfile's string variable (`repo = 'gcr.io/x'`).
	starlarkAssign = regexp.MustCompile(`(?m)^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*['"]([^'"\s]+)['"]\s*$`)
	// yamlTags is a workflow's `tags:` (docker/build-push-action): a
	// list after it, or refs on its line.
	yamlTags = regexp.MustCompile(`^(\s*)-?\s*(tags|[A-Za-z]+[_-]tags|images|imageName):\s*(.*)$`)
)

// tfEntrypoint is a Terraform `entrypoint = [ … ]` list (a docker_container's
// or a Kubernetes container's), its first string the program.
var tfEntrypoint = regexp.MustCompile(`\bentrypoint\s*=\s*\[\s*"([^"]+)"`)

// anyEntrypoint stands for the image's own entrypoint, whatever it is, in
// buildFile.entrypoints.
const anyEntrypoint = "*"

// keepsImageEntrypoint reports whether a Terraform file's Docker container
// runs the image as it is, entrypoint and command kept, and hands it the
// agent's init script in its environment (`"CODER_INIT_SCRIPT_BASE64=${
// base64encode(coder_agent.main.init_script)}"`): the image's entrypoint
// starts the agent itself (defn/dev's s6 service).
func keepsImageEntrypoint(b []byte) bool {
	if !bytes.Contains(b, []byte(`resource "docker_container"`)) || !bytes.Contains(b, []byte("init_script")) {
		return false
	}
	for rest := b; ; {
		i := bytes.Index(rest, []byte(`resource "docker_container"`))
		if i < 0 {
			return false
		}
		block := hclBlock(rest[i:])
		rest = rest[i+len(block):]
		if bytes.Contains(block, []byte("init_script")) && !tfCommandKey.Match(block) {
			return true
		}
		if len(block) == 0 {
			return false
		}
	}
}

// tfCommandKey is a container's `entrypoint = …` or `command = …`.
var tfCommandKey = regexp.MustCompile(`(?m)^\s*(?:entrypoint|command)\s*=`)

// hclBlock returns b up to the brace that closes its first block (all of b
// when it does not close).
func hclBlock(b []byte) []byte {
	depth := 0
	for i, c := range b {
		switch c {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return b[:i+1]
			}
		}
	}
	return b
}

// templateEntrypoints are the programs a Terraform file keeps as a
// container's entrypoint, but the shells a template's agent init runs in.
func templateEntrypoints(b []byte) []string {
	var out []string
	// A Sysbox template (`runtime = "sysbox-runc"`) that execs /sbin/init
	// runs systemd as PID 1, as Coder's own Sysbox templates do.
	if bytes.Contains(b, []byte("sysbox-runc")) && bytes.Contains(b, []byte("/sbin/init")) {
		out = append(out, "/sbin/init")
	}
	if keepsImageEntrypoint(b) {
		out = append(out, anyEntrypoint)
	}
	for _, m := range tfEntrypoint.FindAllSubmatch(b, -1) {
		p := string(m[1])
		if base := path.Base(p); base == "sh" || base == "bash" || strings.Contains(p, "$") || slices.Contains(out, p) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// platformValue is a platform a build file builds for: a workflow's
// `platforms: linux/arm64/v8`, a `--platform linux/amd64` flag, a bake
// target's `platforms = ["linux/arm64"]` (or its JSON form).
var platformValue = regexp.MustCompile(`(?:platforms?:[ \t]*|--platform[= ]|"?platforms"?[ \t]*[=:][ \t]*\[[ \t]*)["']?([A-Za-z0-9/_.,${}" -]*[A-Za-z0-9/])`)

// namedPlatformArch is the one architecture the build files that name the
// Dockerfile df build it for, "" when they name none, name several, or one
// that is a variable: a workflow that builds `anaconda3/amazonlinux` only
// for `linux/arm64/v8` fixes its architecture as `FROM --platform` does.
func (bf buildFiles) namedPlatformArch(df string) string {
	arch, named, mixed := bf.namingArch(df)
	if mixed {
		return ""
	}
	if arch == "" && !named {
		arch = bf.versionTwinArch(df)
	}
	if arch != "" {
		return checks.NormArch(arch)
	}
	// Else the one default platform the build files that may build it set
	// for every build (`export DOCKER_DEFAULT_PLATFORM=linux/amd64`).
	for _, f := range bf {
		if f.defaultPlatform == "" || !f.covers(df) {
			continue
		}
		_, ar, _ := strings.Cut(f.defaultPlatform, "/")
		ar, _, _ = strings.Cut(ar, "/")
		if arch != "" && checks.NormArch(ar) != checks.NormArch(arch) {
			return ""
		}
		arch = ar
	}
	return checks.NormArch(arch)
}

// versionFolder is a folder named for a release (`2023.02`, `3.9`, `v1.2`).
var versionFolder = regexp.MustCompile(`^v?[0-9]+(?:\.[0-9]+)+$`)

// versionTwinArch is the one architecture the build files build df's
// twins in other release folders for, where none names df itself: a
// generated script that builds only the newest release
// (`docker build --file 2026.03/ndk/Dockerfile --platform linux/amd64`)
// built the older folders' `ndk/Dockerfile` the same way. "" where no
// twin is named, or twins are built for several architectures.
func (bf buildFiles) versionTwinArch(df string) string {
	parts := strings.Split(df, "/")
	arch := ""
	for i, seg := range parts[:len(parts)-1] {
		if !versionFolder.MatchString(seg) {
			continue
		}
		for _, f := range bf {
			for _, d := range f.dockerfiles {
				dp := strings.Split(d, "/")
				if len(dp) != len(parts) || dp[i] == seg || !versionFolder.MatchString(dp[i]) ||
					!slices.Equal(dp[:i], parts[:i]) || !slices.Equal(dp[i+1:], parts[i+1:]) {
					continue
				}
				a, _, _ := bf.namingArch(d)
				if a == "" || arch != "" && a != arch {
					return ""
				}
				arch = a
			}
		}
	}
	return arch
}

// namingArch is the one architecture the build files that name df build
// it for ("" when they name none, or several or a variable: mixed), and
// whether any names it.
func (bf buildFiles) namingArch(df string) (arch string, named, mixed bool) {
	for _, f := range bf {
		if _, step := f.platformFor(df); !f.names(df) && !step {
			continue
		}
		named = true
		platforms := f.platforms
		if len(f.dfPlatforms) > 0 || len(f.globPlatforms) > 0 {
			// Its platforms are its commands' and steps', each for the
			// file it names (feast's Makefile builds one Dockerfile
			// `--platform linux/amd64`, the others for any): the file's
			// list says nothing of a Dockerfile none of them names.
			platforms = nil
		}
		if p, ok := f.platformFor(df); ok {
			// The Compose service or the command that builds it says,
			// whatever the file's others do.
			platforms = nil
			for _, q := range strings.Split(p, ",") {
				if q = strings.TrimSpace(q); q != "" {
					platforms = append(platforms, q)
				}
			}
		}
		for _, p := range platforms {
			_, ar, ok := strings.Cut(p, "/")
			ar, _, _ = strings.Cut(ar, "/")
			// `linux/x86_64` and `linux/amd64` are one platform.
			if !ok || strings.Contains(p, "$") || arch != "" && checks.NormArch(ar) != checks.NormArch(arch) {
				return "", true, true
			}
			arch = ar
		}
	}
	return arch, named, false
}

// crossImage reports whether a cross-rs configuration (`Cross.toml`,
// `Cross.oss.toml`) names the Dockerfile df as a target's image: cross-rs
// builds and runs its images for linux/amd64.
func (bf buildFiles) crossImage(df string) bool {
	for _, f := range bf {
		base := path.Base(f.path)
		if strings.HasPrefix(base, "Cross") && strings.HasSuffix(base, ".toml") && f.names(df) {
			return true
		}
	}
	return false
}

// serviceStart is a service a script starts: `service NAME start`,
// `systemctl start NAME`, or a daemon run in the background (`sudo
// dockerd &`, `nohup /usr/sbin/sshd -D > log 2>&1 &`).
var serviceStart = regexp.MustCompile(`\bservice[ \t]+([a-z][a-z0-9_.-]*)[ \t]+(?:re)?start\b|\bsystemctl[ \t]+(?:--[a-z-]+[ \t]+)*(?:re)?start[ \t]+([a-z][a-z0-9_.-]*)|(?:^|[\s;&|(])(?:sudo[ \t]+(?:-[A-Za-z]+[ \t]+)*)?(?:nohup[ \t]+)?(?:/usr)?(?:/s?bin/)?([a-z][a-z0-9_-]*d)\b[^\n&|;#]*&(?:[ \t]*$|[ \t]*[^&])`)

// startedServices returns the services a Coder template (Terraform)
// starts from its scripts (the agent's `startup_script`, a
// `coder_script`), comments left out.
func startedServices(b []byte) []string {
	if !bytes.Contains(b, []byte("start")) && !bytes.Contains(b, []byte("&")) {
		return nil
	}
	var out []string
	for _, line := range bytes.Split(b, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) == 0 || t[0] == '#' || bytes.HasPrefix(t, []byte("//")) {
			continue
		}
		for _, m := range serviceStart.FindAllSubmatch(line, -1) {
			name := string(bytes.Join(m[1:], nil))
			out = appendNew(out, strings.TrimSuffix(name, ".service"))
		}
	}
	return out
}

// templateStarts reports whether a Coder template of the repository
// starts the systemd unit (`docker`, `docker.service`) from its scripts:
// by its name, or its daemon's (`dockerd` for `docker`).
func (bf buildFiles) templateStarts(unit string) bool {
	unit = strings.TrimSuffix(unit, ".service")
	for _, f := range bf {
		if slices.Contains(f.started, unit) || slices.Contains(f.started, unit+"d") || slices.Contains(f.started, strings.TrimSuffix(unit, "d")) {
			return true
		}
	}
	return false
}

// keptEntrypoint reports whether a Coder template of the repository keeps
// prog as its container's entrypoint, handing it the agent's init script.
//
// A template that keeps the image's own entrypoint (anyEntrypoint) keeps
// every program but systemd's /sbin/init, which runs only where the image
// names it, and which the rules ask about by that name.
func (bf buildFiles) keptEntrypoint(prog string) bool {
	for _, f := range bf {
		if slices.Contains(f.entrypoints, prog) || prog != "/sbin/init" && slices.Contains(f.entrypoints, anyEntrypoint) {
			return true
		}
	}
	return false
}

// cliFolder is a workspace folder the Dev Containers CLI is given
// (`--workspace-folder X`, devcontainers/ci's `subFolder: X`).
var cliFolder = regexp.MustCompile(`(?:--workspace-folder[= ]+|subFolder:[ \t]*)["']?((?:\$\{\{[^}]*\}\}|[^\s"'\\;&|])+)`)

// cliFolders are the workspace folders a build file gives the Dev
// Containers CLI, cleaned of quotes and a leading `./`.
func cliFolders(b []byte) []string {
	if !bytes.Contains(b, []byte("--workspace-folder")) && !bytes.Contains(b, []byte("subFolder")) {
		return nil
	}
	var out []string
	for _, m := range cliFolder.FindAllSubmatch(b, -1) {
		d := strings.TrimSuffix(strings.TrimPrefix(string(m[1]), "./"), "/")
		if d == "" {
			d = "."
		}
		out = appendNew(out, d)
	}
	return out
}

// publishedRoot are the images a workflow publishes from the repository's
// root dev container and runs nothing in: devcontainers/ci steps with no
// `subFolder` or `configFile` (its default is the root config), an
// `imageName` and `push: always`, in a file no step of which runs a
// command in the container (`runCmd`: the project's CI then runs in its
// developers' environment).
func publishedRoot(b []byte) []string {
	out := cliPushedRoot(b)
	if !bytes.Contains(b, []byte("devcontainers/ci@")) || bytes.Contains(b, []byte("runCmd")) {
		return out
	}
	var in, always, folder bool
	image := ""
	flush := func() {
		if in && image != "" && always && !folder {
			out = appendNew(out, image)
		}
		in, always, folder, image = false, false, false, ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if stepStart.MatchString(line) {
			flush()
		}
		t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- "))
		key, val, _ := strings.Cut(t, ":")
		val = strings.Trim(strings.TrimSpace(val), `"'`)
		switch key {
		case "uses":
			in = in || strings.Contains(val, "devcontainers/ci@")
		case "imageName":
			image = val
		case "push":
			always = val == "always"
		case "subFolder", "configFile":
			folder = true
		}
	}
	flush()
	return out
}

// cliPush is a Dev Containers CLI build that pushes the image it names
// (`devcontainer build .devcontainer --workspace-folder . --push
// --image-name kevintijssen/devcontainer-base:${IMAGE_TAG}`), continued
// lines joined.
var (
	cliPush      = regexp.MustCompile(`\bdevcontainer\s+build\b[^\n]*`)
	cliImageName = regexp.MustCompile(`--image-name[= ]+["']?([^\s"'\\;&|]+)`)
)

// cliPushedRoot are the images a build file pushes from the repository's
// root dev container with the Dev Containers CLI: a `devcontainer build`
// with `--push` whose workspace folder is the root (`.`, or none given),
// its `--image-name` without the tag.
func cliPushedRoot(b []byte) []string {
	if !bytes.Contains(b, []byte("devcontainer")) || !bytes.Contains(b, []byte("--push")) {
		return nil
	}
	var out []string
	text := strings.ReplaceAll(string(b), "\\\n", " ")
	for _, line := range cliPush.FindAllString(text, -1) {
		if !strings.Contains(line, "--push") {
			continue
		}
		if m := cliFolder.FindStringSubmatch(line); m != nil && strings.Trim(strings.TrimPrefix(m[1], "./"), "/") != "" && m[1] != "." {
			continue
		}
		m := cliImageName.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		r := checks.ParseImageRef(m[1])
		if name := r.Name(); name != "" && !strings.Contains(name, "$") {
			out = appendNew(out, name)
		}
	}
	return out
}

// publishesRoot returns the build file that publishes the repository's
// root dev container as an image of its own, "" when none does: it
// publishes it (publishedRoot), and no other config of the repository
// runs that image (SerenityOS's `optimized` config runs the image its
// workflow prebuilds from the root one, which stays its developers'
// environment).
func (bf buildFiles) publishesRoot(otherImages []string) string {
	for _, f := range bf {
		for _, img := range f.rootImages {
			// Any tag of the published image (`:base` of the prebuild).
			t, ok := compileTag(img + ":" + anyTag)
			if !ok {
				continue
			}
			if !slices.ContainsFunc(otherImages, func(o string) bool { return t.matches(checks.ParseImageRef(o)) }) {
				return f.path
			}
		}
	}
	return ""
}

// cliConfig is a devcontainer.json the Dev Containers CLI is given by
// path (devcontainers/ci's `configFile: X`, `devcontainer build --config X`).
var cliConfig = regexp.MustCompile(`(?:configFile:[ \t]*|--config[= ]+)["']?([^\s"'\\;&|]+\.json)`)

// cliConfigs are the devcontainer.json paths a build file gives the Dev
// Containers CLI, without variables.
func cliConfigs(b []byte) []string {
	if !bytes.Contains(b, []byte("configFile")) && !bytes.Contains(b, []byte("--config")) {
		return nil
	}
	var out []string
	for _, m := range cliConfig.FindAllSubmatch(b, -1) {
		c := path.Clean(strings.TrimPrefix(string(m[1]), "./"))
		if !strings.Contains(c, "$") {
			out = appendNew(out, c)
		}
	}
	return out
}

// builtByCLIConfig returns the build file that builds the devcontainer.json
// at rel (from the root) with the Dev Containers CLI by its path, "" when
// none does.
func (bf buildFiles) builtByCLIConfig(rel string) string {
	for _, f := range bf {
		if slices.Contains(f.cliConfigs, rel) {
			return f.path
		}
	}
	return ""
}

// builtByCLI returns the build file that builds the dev container whose
// workspace folder is ws into an image with the Dev Containers CLI, ""
// when none does: a folder it names (a variable matches any part of a
// path: `src/${{ matrix.image }}` is every folder under `src`), or, for a
// folder given only as a variable (`$(WORK_DIR)`), any but the
// repository's own root, whose config is its developers' environment.
func (bf buildFiles) builtByCLI(ws string) string {
	for _, f := range bf {
		for _, p := range f.cliFolders {
			if strings.Trim(refVar.ReplaceAllString(p, ""), "./") == "" {
				if ws != "." {
					return f.path
				}
				continue
			}
			if re, err := globRef(p, ".*"); err == nil && re.MatchString(ws) {
				return f.path
			}
		}
	}
	return ""
}

// namedDockerfiles are the Dockerfile paths a build file names, cleaned of
// a leading `./`: paths with a folder anywhere in it, and names without a
// folder given to a `dockerfile` key or a `-f` flag (resolved against the
// build file's own folder). Paths with variables, and more than maxTags,
// are left out.
func namedDockerfiles(b []byte) []string {
	var out []string
	add := func(s string, bare bool) {
		d := path.Clean(strings.TrimPrefix(s, "./"))
		if strings.Contains(d, "$") || strings.HasPrefix(d, "../") || !bare && !strings.Contains(d, "/") {
			return
		}
		out = appendNew(out, d)
	}
	// Each place a Dockerfile or Containerfile is named: the path word
	// around it, read by hand (a regular expression tried at every byte
	// of every build file costs more than the rest of the scan).
	for _, name := range [][]byte{[]byte("ockerfile"), []byte("ontainerfile")} {
		for i := 0; ; {
			j := bytes.Index(b[i:], name)
			if j < 0 {
				break
			}
			at := i + j
			i = at + len(name)
			start := at
			for start > 0 && isPathByte(b[start-1]) {
				start--
			}
			end := at + len(name)
			for end < len(b) && isNameByte(b[end]) {
				end++
			}
			word := string(b[start:end])
			if base := path.Base(word); !strings.Contains(strings.ToLower(base), "dockerfile") && !strings.Contains(strings.ToLower(base), "containerfile") {
				continue
			}
			add(word, namedByKey(b[:start]))
		}
	}
	return out
}

// isPathByte reports whether c may be part of a path word; isNameByte of
// a file name's.
func isPathByte(c byte) bool { return isNameByte(c) || c == '/' || c == '$' || c == '{' || c == '}' }
func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

// namedByKey reports whether the text before a word gives it to a
// `dockerfile` or `file` key (`dockerfile = "…"`, `file: ./Dockerfile`) or a
// `-f`/`--file` flag: a name without a folder counts there.
func namedByKey(before []byte) bool {
	t := bytes.TrimRight(before, " \t\"'")
	t = bytes.TrimRight(t, "=:")
	t = bytes.TrimRight(t, " \t\"'")
	t = bytes.ToLower(t)
	return bytes.HasSuffix(t, []byte("dockerfile")) || bytes.HasSuffix(t, []byte(" -f")) || bytes.HasSuffix(t, []byte("--file")) ||
		bytes.HasSuffix(t, []byte(" file")) // docker/build-push-action's `file:`
}

// names reports whether build file f names the Dockerfile df: by a path
// that ends df's, or by df's own name from df's folder.
func (f buildFile) names(df string) bool {
	for _, d := range f.dockerfiles {
		if !strings.Contains(d, "/") {
			// A bare name is relative to the build file's own folder
			// (its Compose or bake context), not any folder's file of
			// that name.
			if path.Join(f.dir, d) == df {
				return true
			}
			continue
		}
		if d == df || strings.HasSuffix(df, "/"+d) {
			return true
		}
	}
	return false
}

// leadingVar is a reference's first component when it is only a
// variable (a registry: `${CR}/`, `${{ env.REGISTRY }}/`).
var leadingVar = regexp.MustCompile(`^(?:\$\{\{[^}]*\}\}|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*)/`)

// githubVars are the values GitHub gives a workflow (and the scripts it
// runs) for the repository `owner/name`, lower-cased as image names are;
// nil when it is not known.
func githubVars(repository string) map[string]string {
	owner, name, ok := strings.Cut(repository, "/")
	if !ok {
		return nil
	}
	r, o, n := strings.ToLower(repository), strings.ToLower(owner), strings.ToLower(name)
	return map[string]string{"GITHUB_REPOSITORY": r, "github.repository": r, "GITHUB_REPOSITORY_OWNER": o, "github.repository_owner": o,
		"github.event.repository.name": n}
}

// loopValues returns, by name, the values a script's `for` loops give
// their variable: the literal words after `in`, and the words of an array
// the script writes out (`IMAGES=(gcr.io/x/base gcr.io/x/ci)`, `for
// image_name in "${IMAGES[@]}"`). Words the script computes (`$x`,
// globs, command substitutions) are left out; a loop with none of its
// own gives nothing.
func loopValues(b []byte) map[string][]string {
	if !bytes.Contains(b, []byte("for ")) {
		return nil
	}
	arrays := map[string][]string{}
	if bytes.Contains(b, []byte("=(")) {
		for _, m := range shellArray.FindAllSubmatch(b, -1) {
			name := string(m[1])
			if _, seen := arrays[name]; seen {
				continue
			}
			var words []string
			for _, line := range strings.Split(string(m[2]), "\n") {
				line, _, _ = strings.Cut(line, " #")
				if strings.HasPrefix(strings.TrimSpace(line), "#") {
					continue
				}
				for _, w := range strings.Fields(line) {
					words = appendWord(words, w)
				}
			}
			arrays[name] = words
		}
	}
	out := map[string][]string{}
	for _, m := range shellFor.FindAllSubmatch(b, -1) {
		name := string(m[1])
		for _, w := range strings.Fields(string(m[2])) {
			if a := arrayWords.FindStringSubmatch(w); a != nil {
				for _, v := range arrays[a[1]] {
					out[name] = appendNew(out[name], v)
				}
				continue
			}
			out[name] = appendWord(out[name], w)
		}
	}
	for name, vals := range out {
		if len(vals) == 0 {
			delete(out, name)
		}
	}
	return out
}

// appendWord appends a shell word to list unquoted, unless the script
// computes it (a variable, a glob, a command substitution).
func appendWord(list []string, w string) []string {
	w = strings.Trim(w, `"'`)
	if w == "" || strings.ContainsAny(w, "$`*?[(){}") {
		return list
	}
	return appendNew(list, w)
}

var (
	// buildContextFlag is a build command's `--build-context NAME=SOURCE`.
	buildContextFlag = regexp.MustCompile(`--build-context(?:=|\s+)["']?([A-Za-z0-9][A-Za-z0-9._/:@-]*)=["']?(\S*)`)
	// contextsBlock opens a block of named contexts: a bake target's
	// `contexts = {`, a workflow step's `build-contexts: |`, a Compose
	// service's `additional_contexts:`.
	contextsBlock = regexp.MustCompile(`^(\s*)(?:contexts\s*=\s*\{|build-contexts:\s*[|>]?-?|additional_contexts:)\s*(?:#.*)?$`)
	// contextEntry is one named context of such a block (`name = "…"`,
	// `name=./path`, `name: ./path`, `- name=./path`).
	contextEntry = regexp.MustCompile(`^\s*(?:-\s+)?["']?([A-Za-z0-9][A-Za-z0-9._/:@-]*?)["']?\s*(?:=|:\s)\s*["']?(\S*)`)
)

// namedContexts returns the names of the build contexts a build file
// names (buildFile.namedContexts), at most maxTags. A context that is
// another image (`alpine=docker-image://alpine:3.20`) is left out: the
// tags (taggedImages) judge what it pins.
func namedContexts(b []byte) []string {
	var out []string
	add := func(name, source string) {
		if !strings.HasPrefix(source, "docker-image://") {
			out = appendNew(out, strings.ToLower(name))
		}
	}
	text := strings.ReplaceAll(string(b), "\\\n", " ")
	for _, m := range buildContextFlag.FindAllStringSubmatch(text, maxTags) {
		add(m[1], m[2])
	}
	indent := -1
	for _, line := range strings.Split(text, "\n") {
		if m := contextsBlock.FindStringSubmatch(line); m != nil {
			indent = len(m[1])
			continue
		}
		if indent < 0 || strings.TrimSpace(line) == "" {
			continue
		}
		lead := len(line) - len(strings.TrimLeft(line, " \t"))
		if lead <= indent || strings.HasPrefix(strings.TrimSpace(line), "}") {
			indent = -1
			continue
		}
		if m := contextEntry.FindStringSubmatch(line); m != nil {
			add(m[1], m[2])
		}
	}
	return out
}

// folderCopy is a folder a build file copies (a path from the root) and
// where to, as written (variables kept).
type folderCopy struct{ from, to string }

// folderCopies returns the copies of a build file's `cp` and `rsync`
// commands of one source: its last word is where to, the word before it
// what (a folder of the root, no variable), at most maxTags. A command
// ends at the end of its line (continued lines joined) or at `;`, `&`,
// `|` or a redirect.
func folderCopies(b []byte) []folderCopy {
	var out []folderCopy
	text := strings.ReplaceAll(string(b), "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		if !strings.Contains(line, "cp ") && !strings.Contains(line, "rsync ") {
			continue
		}
		words := strings.Fields(line)
		for i := 0; i < len(words); i++ {
			if w := words[i]; w != "cp" && w != "rsync" || i > 0 && !commandStart(words[i-1]) {
				continue
			}
			var ops []string
			j := i + 1
			for ; j < len(words) && !strings.ContainsAny(words[j], ";&|<>"); j++ {
				if !strings.HasPrefix(words[j], "-") {
					ops = append(ops, strings.Trim(words[j], `"'`))
				}
			}
			i = j
			if len(ops) != 2 || strings.ContainsAny(ops[0], "$*?") || strings.HasPrefix(ops[0], "/") || len(out) >= maxTags {
				continue
			}
			out = append(out, folderCopy{from: path.Clean(strings.TrimPrefix(ops[0], "./")), to: path.Clean(ops[1])})
		}
	}
	return out
}

// commandStart reports whether the word before a command lets it start
// one: a separator, or a keyword that a command follows.
func commandStart(prev string) bool {
	switch prev {
	case "&&", "||", ";", "|", "then", "do", "else", "sudo", "(":
		return true
	}
	return strings.HasSuffix(prev, ";") || strings.HasSuffix(prev, "&&") || strings.HasSuffix(prev, ":")
}

// copiedIn reports whether a build file copies the folder p in from a
// folder of the repository that holds a folder of p's name: a copy whose
// destination (its variables any path) is p's parent folder, or p.
func (bf buildFiles) copiedIn(fsys fs.FS, p string) bool {
	for _, f := range bf {
		for _, c := range f.copies {
			re, err := globRef(strings.TrimPrefix(c.to, "./"), ".*")
			if err != nil {
				continue
			}
			var src string
			switch {
			case re.MatchString(path.Dir(p)):
				src = path.Join(c.from, path.Base(p))
			case re.MatchString(p):
				src = c.from
			default:
				continue
			}
			if fi, err := fs.Stat(fsys, src); err == nil && fi.IsDir() {
				return true
			}
		}
	}
	return false
}

// maxTags bounds the references kept for one build file.
const maxTags = 64

// appendNew appends v to list unless it is there already or the list
// holds maxTags values.
func appendNew(list []string, v string) []string {
	if len(list) >= maxTags || slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// taggedImages are the image references a build file tags, as written
// (variables kept): `-t`/`--tag` flags, a bake target's `tags = [...]`, a
// workflow's `tags:` list. A reference says something only when its name
// (its last path component) is literal, or its registry and namespace are
// (`ghcr.io/python/${{ inputs.container }}:latest`); others are left out.
func taggedImages(b []byte, github map[string]string) (tags []tagPattern, positional []string) {
	flags := bytes.Contains(b, []byte("-t")) || bytes.Contains(b, []byte("--tag")) || bytes.Contains(b, []byte("--image-name")) ||
		bytes.Contains(b, []byte("TAG_FLAG"))
	tagged := bytes.Contains(b, []byte("docker")) && bytes.Contains(b, []byte("tag"))
	keys := bytes.Contains(b, []byte("tags")) || bytes.Contains(b, []byte("images:")) || bytes.Contains(b, []byte("imageName:"))
	contexts := bytes.Contains(b, []byte(`"target:`)) || bytes.Contains(b, []byte(`"docker-image://`))
	pairs := bytes.Contains(b, []byte("Dockerfile")) && (bytes.Contains(b, []byte("docker build")) || bytes.Contains(b, []byte("buildx build")))
	tilt := bytes.Contains(b, []byte("docker_build(")) || bytes.Contains(b, []byte("custom_build("))
	manifest := bytes.Contains(b, []byte("manifest"))
	if !flags && !tagged && !keys && !contexts && !pairs && !tilt && !manifest {
		return nil, nil
	}
	var raw []string // as written, once each
	var out []tagPattern
	// A script's own assignments expand the variables of its tags
	// (`image="devkitpro/${1}"`, `-t ${image}:latest`), read when a tag
	// has a variable: a name assigned one value, or the first when it is
	// the only one.
	var vars map[string]string
	// several are the values of the names a file assigns more than one
	// (`LABEL=rsm-simple-arm` … `LABEL=rsm-msba-intel` before each call
	// of a build function): a tag with one is each of them.
	several := map[string][]string{}
	expand := func(t string) string {
		if !strings.Contains(t, "$") {
			return t
		}
		if vars == nil {
			vars = maps.Clone(github)
			if vars == nil {
				vars = map[string]string{}
			}
			// A loop's variable is each of its values (`for image_name in
			// "${IMAGES[@]}"`, the array written out in the script).
			for name, vals := range loopValues(b) {
				several[name] = vals
			}
			// The first value of each name wins. A script's assignments
			// (its groups 2 to 4: the quoted or bare value); a workflow's
			// `env:` entries (`IMAGE_NAME: kodflow/base`), which
			// `${{ env.IMAGE_NAME }}` reads; a step's `echo "IMG=…" >>
			// $GITHUB_ENV`, which later steps read as `${{ env.IMG }}`; a
			// bake file's variables' defaults (`variable "PREFIX" {
			// default = "ghcr.io/x/updater-" }`).
			for _, re := range []*regexp.Regexp{shellAssign, yamlEnvEntry, githubEnvWrite, bakeVariable} {
				for _, m := range re.FindAllSubmatch(b, -1) {
					name, val := string(m[1]), string(bytes.Join(m[2:], nil))
					if old, ok := vars[name]; !ok {
						vars[name] = val
					} else if old != val && github[name] == "" && !slices.Contains(several[name], val) && len(several[name]) < maxArgValues {
						if len(several[name]) == 0 {
							several[name] = []string{old}
						}
						several[name] = append(several[name], val)
					}
				}
			}
		}
		// A value may name other variables (`IMG=${{ env.REGISTRY }}/…`):
		// a few rounds expand them.
		for range 3 {
			next := refVar.ReplaceAllStringFunc(t, func(v string) string {
				name := strings.TrimSpace(strings.Trim(v, "${}"))
				name = strings.TrimPrefix(name, "env.")
				if val, ok := vars[name]; ok && !strings.Contains(val, "$(") && several[name] == nil {
					return val
				}
				// `${ZITI_QUICKSTART_IMAGE:-docker.io/openziti/quickstart}`:
				// a name the file does not set takes its default.
				// So does one whose only value is that default
				// (`REGISTRY=${REGISTRY:-icr.io/codeengine}`).
				if n, def, ok := strings.Cut(name, ":-"); ok && strings.HasPrefix(v, "${") {
					if val, set := vars[n]; (!set || strings.HasPrefix(val, "${"+n+":-")) && !strings.ContainsAny(def, "${}") {
						return def
					}
				}
				return v
			})
			if next == t {
				break
			}
			t = next
		}
		return t
	}
	var addOne func(t string)
	add := func(t string) {
		t = expand(strings.Trim(strings.TrimSpace(t), `"'`))
		// One tag per value of a name assigned several.
		for _, m := range refVar.FindAllString(t, -1) {
			name := strings.TrimPrefix(strings.TrimSpace(strings.Trim(m, "${}")), "env.")
			if vals := several[name]; vals != nil {
				for _, v := range vals {
					if !strings.Contains(v, "$(") {
						addOne(expand(strings.ReplaceAll(t, m, v)))
					}
				}
				return
			}
		}
		addOne(t)
	}
	addOne = func(t string) {
		prefix, name := "", t
		if i := strings.LastIndex(t, "/"); i >= 0 {
			prefix, name = t[:i], t[i+1:]
		}
		if i := strings.LastIndex(name, ":"); i >= 0 && !strings.HasPrefix(name[i:], ":-") {
			name = name[:i]
		}
		// A name with a variable in it still says which images are the
		// repository's when enough of it is written out
		// (`coder-base-${{ matrix.variant }}`).
		// A "name" that ends a variable's default (`${R:-icr.io/x}`
		// split at its `/`) is the variable's, not a name.
		named := name != "" && !strings.Contains(refVar.ReplaceAllString(name, ""), "}") &&
			(!strings.Contains(name, "$") || len(refVar.ReplaceAllString(name, "")) >= 5)
		// A registry given as a variable before a written namespace
		// (`${CR}/bartventer/devcontainer-images`) places it too.
		// A registry host alone (`ghcr.io/${{ github.repository }}`) places
		// nothing: every image there would match.
		written := strings.Trim(leadingVar.ReplaceAllString(prefix, ""), "/")
		placed := prefix != "" && !strings.Contains(written, "$") && written != "" && !registryHost(written)
		if !named && !placed || len(raw) >= maxTags || slices.Contains(raw, t) {
			return
		}
		raw = append(raw, t)
		// A script's argument (`image_name=$2`, `-t
		// pytorchignite/${image_name}:latest`): its callers say which.
		if positionalRef.MatchString(t) {
			positional = append(positional, t)
			return
		}
		if p, ok := compileTag(t); ok {
			out = append(out, p)
		}
	}
	if flags {
		for _, m := range tagFlag.FindAllSubmatch(b, -1) {
			add(string(m[1]))
		}
	}
	if tagged {
		for _, m := range dockerTag.FindAllSubmatch(b, -1) {
			add(string(m[1]))
		}
	}
	if manifest {
		for _, m := range manifestCreate.FindAllSubmatch(b, -1) {
			add(string(m[1]))
		}
	}
	if pairs {
		// A matrix entry that pairs a Dockerfile with the image it is
		// built as (`container: [["config/docker/Dockerfile.base",
		// "ghcr.io/mfem/mfem-ubuntu-base"], …]`), which the build's tag
		// reaches through variables: that image, any tag.
		for _, m := range dockerfileImagePair.FindAllSubmatch(b, -1) {
			t := string(m[1])
			if !strings.Contains(t[strings.LastIndex(t, "/")+1:], ":") {
				t += ":" + anyTag
			}
			add(t)
		}
	}
	if tilt {
		// A Tiltfile's `docker_build('gcr.io/x/common', '.')`: Tilt builds
		// the image and puts its build in place of the name, in the other
		// builds' Dockerfiles too; any tag.
		// `docker_build(repo + '/imagetags-common', 'common')` joins a
		// variable the file sets (`repo = 'gcr.io/x'`) to the name.
		starVars := map[string]string{}
		for _, m := range starlarkAssign.FindAllSubmatch(b, -1) {
			if _, seen := starVars[string(m[1])]; !seen {
				starVars[string(m[1])] = string(m[2])
			}
		}
		for _, m := range tiltBuild.FindAllSubmatch(b, -1) {
			t := string(m[2])
			if v := string(m[1]); v != "" {
				prefix, ok := starVars[v]
				if !ok {
					prefix = "${" + v + "}"
				}
				t = prefix + t
			}
			if !strings.Contains(t[strings.LastIndex(t, "/")+1:], ":") {
				t += ":" + anyTag
			}
			add(t)
		}
	}
	if contexts {
		// A bake target's `contexts` that map an image to another target
		// (`"${PREFIX}gomod:latest" = "target:gomod"`, `(CORE_IMAGE) =
		// "target:core"`): its FROM uses that target's local build.
		for _, m := range bakeTargetContext.FindAllSubmatch(b, -1) {
			if len(m[1]) > 0 {
				add(string(m[1]))
			} else {
				add("${" + string(m[2]) + "}")
			}
		}
		// A context that maps a name to an image pinned by digest
		// (`alpine = "docker-image://alpine:3.22.1@sha256:…"`): the build
		// uses that image for `FROM alpine`, any tag.
		for _, m := range bakePinnedContext.FindAllSubmatch(b, -1) {
			add(string(m[1]) + ":" + anyTag)
		}
		// Contexts a function makes for the targets it names (`contexts =
		// dependencies("drupal", "")`, its result `"target:${target}"`):
		// a bare name that is a target of the file is that target's build.
		if bytes.Contains(b, []byte(`"target:${`)) {
			for _, m := range bakeTargetName.FindAllSubmatch(b, -1) {
				add(string(m[1]) + ":" + anyTag)
			}
		}
	}
	if !keys {
		return out, positional
	}
	for _, m := range bakeTags.FindAllSubmatch(b, -1) {
		for _, q := range quoted.FindAllSubmatch(m[1], -1) {
			add(string(q[1]))
		}
	}
	// A workflow's `tags:` names references; docker/metadata-action's
	// `images:` and devcontainers/ci's `imageName:` name images whose tags
	// the action makes (any tag).
	indent, key := -1, ""
	addKey := func(k, t string) {
		t = strings.Trim(strings.TrimSpace(t), `"'`)
		if !strings.HasSuffix(k, "tags") {
			// `ghcr.io/x/y,enable=…` (metadata-action's attributes).
			t, _, _ = strings.Cut(t, ",")
			if t == "" {
				return
			}
			t += ":" + anyTag
		}
		add(t)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if m := yamlTags.FindStringSubmatch(line); m != nil {
			switch rest := strings.TrimSpace(m[3]); rest {
			case "|", ">", "|-", ">-", "":
				indent, key = len(m[1]), m[2]
			default:
				indent = -1
				if strings.HasSuffix(m[2], "tags") {
					for _, t := range strings.Split(rest, ",") {
						addKey(m[2], t)
					}
				} else {
					// `images: a/x,a/y` (a reusable workflow's list) or
					// metadata-action's `a/x,enable=…` (attributes).
					for _, t := range strings.Split(strings.Trim(rest, `"'`), ",") {
						if t = strings.TrimSpace(t); t != "" && !strings.Contains(t, "=") {
							addKey(m[2], t)
						}
					}
				}
			}
			continue
		}
		if indent < 0 {
			continue
		}
		if len(line)-len(strings.TrimLeft(line, " \t")) <= indent {
			indent = -1
			continue
		}
		addKey(key, strings.TrimPrefix(strings.TrimSpace(line), "- "))
	}
	return out, positional
}

// anyTag is the tag of an image a build file names without one, which the
// action or matrix tags as it likes: a variable that matches any tag, and
// that no assignment of the file can expand (its name has a space).
const anyTag = "${{ any tag }}"

// tagPattern is a reference a build file tags, compiled once: its
// repository and tag, whose variables match anything (but `/` in a tag).
type tagPattern struct {
	repo, tag *regexp.Regexp
	// unplaced is set when variables alone come before the name
	// (`${{ env.REGISTRY }}/base:latest`): such a pattern names this
	// repository's `base`, not a well-known publisher's.
	unplaced bool
	// name and place are the last part of the repository and what comes
	// before it (`gcr.io/clusterfuzz-images`), lower-cased, when written
	// out without variables; "" otherwise.
	name, place string
}

// compileTag compiles the tagged reference t (`$(ORG)/base:latest`); a
// reference without a tag is `latest`.
func compileTag(t string) (tagPattern, bool) {
	// Docker Hub's own host, written out, is what a reference without one
	// means (`docker.io/gsmlg/curl:latest` tags `gsmlg/curl`).
	for _, hub := range []string{"docker.io/", "index.docker.io/", "registry-1.docker.io/"} {
		t = strings.TrimPrefix(t, hub)
	}
	t = strings.TrimPrefix(t, "library/")
	tRepo, tTag := t, "latest"
	if i := strings.LastIndex(t, ":"); i > strings.LastIndex(t, "/") {
		tRepo, tTag = t[:i], t[i+1:]
	}
	repo, err1 := globRef(tRepo, "[^:@]*")
	tag, err2 := globRef(tTag, "[^/]*")
	prefix := ""
	if i := strings.LastIndex(tRepo, "/"); i >= 0 {
		prefix = tRepo[:i]
	}
	unplaced := prefix != "" && strings.Trim(refVar.ReplaceAllString(prefix, ""), "/") == ""
	p := tagPattern{repo: repo, tag: tag, unplaced: unplaced}
	if name := path.Base(tRepo); !strings.Contains(name, "$") {
		p.name = strings.ToLower(name)
	}
	if prefix != "" && !strings.Contains(prefix, "$") {
		p.place = strings.ToLower(prefix)
	}
	return p, err1 == nil && err2 == nil
}

// registryHost reports whether a reference's first part names a registry
// host (`ghcr.io`, `localhost:5000`, `localhost`) rather than a namespace.
func registryHost(p string) bool {
	return !strings.Contains(p, "/") && (strings.ContainsAny(p, ".:") || p == "localhost")
}

// matches reports whether the pattern names the image r: the same name, a
// namespace and tag that fit.
func (p tagPattern) matches(r checks.ImageRef) bool {
	tag := r.Tag
	if tag == "" {
		tag = "latest"
	}
	full := r.Repository
	if r.Registry != "" {
		full = r.Registry + "/" + full
	}
	// A name this repository tags under a registry and namespace it leaves
	// to variables is not Microsoft's image of that name
	// (`mcr.microsoft.com/devcontainers/base:ubuntu`); a Docker Official
	// image has no namespace for the variables to stand for.
	if p.unplaced && r.Registry == "mcr.microsoft.com" {
		return false
	}
	return p.repo.MatchString(full) && p.tag.MatchString(tag)
}

// globRef compiles pattern p, whose variables match what any holds, to
// match a whole reference part.
func globRef(p, any string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^(?:docker\\.io/)?(?:library/)?")
	last := 0
	for _, m := range refVar.FindAllStringIndex(p, -1) {
		b.WriteString(regexp.QuoteMeta(p[last:m[0]]))
		b.WriteString(any)
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(p[last:]) + "$")
	return regexp.Compile(b.String())
}

// bakePlatforms finds a bake file's `platforms = ["linux/amd64"]`.
var bakePlatforms = regexp.MustCompile(`"?platforms"?\s*[=:]\s*\[([^\]]*)\]`)

// bakeArch is the one architecture a bake file beside a Dockerfile
// (docker-bake.hcl or .json) builds every target for: each `platforms`
// list names one platform, all the same (`platforms = ["linux/amd64"]`);
// "" otherwise, or when none says.
func (p *Planned) bakeArch(df string, names []string) string {
	dir := path.Dir(df)
	arch := ""
	for _, n := range names {
		// docker-bake.hcl speaks for its folder; another bake file beside
		// the Dockerfile (frigate's synaptics.hcl, passed with --file)
		// only when it names the Dockerfile.
		// Garden's build action (`garden.yml`, `kind: Build`) beside it
		// says its `platforms:` the same way.
		if n != "docker-bake.hcl" && n != "docker-bake.json" && !strings.HasSuffix(n, ".hcl") && n != "garden.yml" && n != "garden.yaml" {
			continue
		}
		b, err := rootfs.ReadFile(p.repo.FS(), path.Join(dir, n), maxBuildFileBytes)
		if err != nil {
			return ""
		}
		if n == "garden.yml" || n == "garden.yaml" {
			if !bytes.Contains(b, []byte("kind: Build")) {
				continue
			}
		} else if n != "docker-bake.hcl" && n != "docker-bake.json" {
			if !(buildFile{dir: dir, dockerfiles: namedDockerfiles(b)}).names(df) {
				continue
			}
		}
		for _, m := range bakePlatforms.FindAllSubmatch(b, -1) {
			list := strings.Split(strings.TrimSpace(string(m[1])), ",")
			if len(list) != 1 {
				return ""
			}
			_, a, ok := strings.Cut(strings.Trim(strings.TrimSpace(list[0]), `"`), "/")
			if !ok || a == "" || arch != "" && a != arch {
				return ""
			}
			arch = a
		}
	}
	return checks.NormArch(arch)
}
