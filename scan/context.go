package scan

import (
	"path"
	"regexp"
	"strings"
)

// maxContextSources bounds the COPY and ADD sources looked up per
// Dockerfile when placing its context.
const maxContextSources = 8

// copyContext is the folder a Dockerfile built on its own is built from:
// its own, unless the context paths its COPY and ADD name are not all
// there and all are in a folder above it, the nearest such folder.
// gitlab-runner's tests/dockerfiles/alpine-entrypoint/Dockerfile.stderr
// copies `alpine-entrypoint/entrypoint-stderr.sh`: the bake file beside
// tests/dockerfiles builds it from there. Only paths written out count
// (no variables, globs or URLs); "." and a Dockerfile that copies nothing
// from its context keep its own folder.
func (p *Planned) copyContext(rel string) string {
	own := path.Dir(rel)
	f, _, _ := p.files.dockerfile(rel)
	if f == nil || own == "." {
		return own
	}
	var srcs []string
	for _, st := range f.Stages {
		for _, ins := range st.Instructions {
			if (ins.Cmd != "copy" && ins.Cmd != "add") || len(ins.Args) < 2 {
				continue
			}
			if _, from := ins.Flag("from"); from {
				continue
			}
			for _, a := range ins.Args[:len(ins.Args)-1] {
				a = path.Clean(strings.TrimPrefix(strings.Trim(a, `"'`), "./"))
				if a == "." || strings.ContainsAny(a, "$*?[") || strings.Contains(a, "://") || !localPath(a) || len(srcs) >= maxContextSources {
					continue
				}
				srcs = append(srcs, a)
			}
		}
	}
	if len(srcs) == 0 || p.hasAll(own, srcs) {
		return own
	}
	for dir := path.Dir(own); ; dir = path.Dir(dir) {
		if p.hasAll(dir, srcs) {
			return dir
		}
		if dir == "." {
			return own
		}
	}
}

// hasAll reports whether every path of srcs is in the folder dir.
func (p *Planned) hasAll(dir string, srcs []string) bool {
	for _, s := range srcs {
		if _, err := p.repo.Stat(path.Join(dir, s)); err != nil {
			return false
		}
	}
	return true
}

// baseVar is a variable in a FROM's base (`$go_builder_image`,
// `${BASE}`).
var baseVar = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// passedBaseArgs are the build arguments a Dockerfile built on its own
// takes its bases from, each with the one value the repository's build
// files pass it, when that value is written out (`--build-arg
// go_builder_image=$(GO_BUILDER_IMAGE)` with `GO_BUILDER_IMAGE :=
// golang:1.26.6` for `ARG go_builder_image=non-existing`, `FROM
// $go_builder_image`), and the ARG has no default or one that names no
// image of a registry (a bare word: a placeholder). A default that is an
// image (`ARG UBI_BASE=registry.access.redhat.com/ubi10:10.2`) is what
// the builds that pass nothing use, and stays. nil when none is.
func (p *Planned) passedBaseArgs(rel string) map[string]string {
	f, _, _ := p.files.dockerfile(rel)
	if f == nil {
		return nil
	}
	defaults := map[string]*string{}
	for _, a := range f.MetaArgs {
		defaults[a.Name] = a.Default
	}
	var out map[string]string
	for _, st := range f.Stages {
		if !strings.Contains(st.BaseRaw, "$") {
			continue
		}
		for _, m := range baseVar.FindAllStringSubmatch(st.BaseRaw, -1) {
			name := m[1]
			if _, done := out[name]; done {
				continue
			}
			if d := defaults[name]; d != nil && !placeholderWord(*d) {
				continue
			}
			val := p.buildFiles().passedValue(rel, name)
			if val == "" {
				continue
			}
			if out == nil {
				out = map[string]string{}
			}
			out[name] = val
		}
	}
	return out
}

// placeholderWord reports whether an ARG default names no image a build
// could pull as it stands: empty, or a bare word with no tag, digest or
// namespace (`non-existing`, `base`).
func placeholderWord(d string) bool {
	d = strings.Trim(d, `"'`)
	return d == "" || !strings.ContainsAny(d, ":/@$")
}
