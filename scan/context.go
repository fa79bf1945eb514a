package scan

import (
	"path"
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
