package scan

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/coderready/coderready/checks"
)

// devcontainerInputs is the devcontainer.json, its local features,
// Compose files and env file, and its Dockerfile's inputs.
func (p *Planned) devcontainerInputs(t Target) []string {
	in := []string{t.Path}
	r := t.dc
	if r == nil {
		return in
	}
	for _, f := range r.plan.Features {
		if f.Local != nil && localPath(f.Local.Path) {
			in = append(in, f.Local.Path)
		}
	}
	for _, c := range r.plan.ComposeFiles {
		if localPath(c.Path) {
			in = append(in, c.Path)
		}
	}
	if r.compose != nil && r.compose.EnvFile != "" {
		in = append(in, r.compose.EnvFile)
	}
	if t.Dockerfile != "" {
		ctx := r.context
		if !localPath(ctx) {
			ctx = path.Dir(t.Dockerfile)
		}
		in = append(in, p.dockerfileInputs(t.Dockerfile, ctx)...)
	}
	return compact(in)
}

// dockerfileInputs is the Dockerfile, its .dockerignore, and the local
// sources its COPY and ADD instructions take from the context.
func (p *Planned) dockerfileInputs(rel, ctx string) []string {
	in := []string{rel, path.Join(ctx, ".dockerignore"), rel + ".dockerignore"}
	f, readErr, parseErr := p.files.dockerfile(rel)
	if readErr != nil || parseErr != nil {
		return in
	}
	for _, ins := range f.All() {
		if ins.Cmd != "copy" && ins.Cmd != "add" {
			continue
		}
		if _, ok := ins.Flag("from"); ok {
			continue // from another stage or image, not the context
		}
		args := ins.Args
		if len(ins.Heredocs) > 0 || len(args) < 2 {
			continue
		}
		for _, a := range args[:len(args)-1] {
			if strings.Contains(a, "://") || strings.HasPrefix(a, "git@") {
				continue // ADD of a URL
			}
			in = append(in, contextSource(ctx, a))
		}
	}
	return in
}

// contextSource is the part of a COPY source that names files: the path up
// to its first wildcard or variable, joined to the context.
func contextSource(ctx, src string) string {
	if i := strings.IndexAny(src, "*?[$"); i >= 0 {
		src = src[:i]
		if j := strings.LastIndex(src, "/"); j >= 0 {
			src = src[:j]
		} else {
			src = "."
		}
	}
	p := path.Join(ctx, src)
	if !filepath.IsLocal(filepath.FromSlash(p)) {
		return "."
	}
	return p
}

// Compare returns, for each target both reports read an image of, what
// changed from base's image to head's: what a pull request does to it.
func Compare(base, head *Report) map[string]*checks.ImageDiff {
	if base == nil || head == nil {
		return nil
	}
	old := map[string]TargetReport{}
	for _, t := range base.Targets {
		old[t.Path] = t
	}
	out := map[string]*checks.ImageDiff{}
	for _, t := range head.Targets {
		o, ok := old[t.Path]
		if !ok || o.Side == nil || t.Side == nil {
			continue
		}
		out[t.Path] = checks.DiffSides(o.Side, t.Side)
	}
	return out
}

func refOf(t TargetReport) string {
	if t.Build != nil && t.Build.Ref != "" {
		return t.Build.Ref
	}
	if t.Image != nil {
		return t.Image.Ref
	}
	return fmt.Sprintf("%s image", t.Path)
}
