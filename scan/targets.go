package scan

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/internal/rootfs"
)

// TargetInfo is a target as planned, before anything is checked.
type TargetInfo struct {
	// Path is the target's path relative to the root (slash-separated).
	Path string
	Kind checks.TargetKind
	// Dockerfile is the Dockerfile a devcontainer builds, if any.
	Dockerfile string
	// Inputs are the files and folders (relative, slash-separated) the
	// target's image is made from: the devcontainer.json, its local
	// features, its Compose files and their `.env`, the Dockerfile (its
	// own or its Compose service's) with its .dockerignore, and the
	// sources of its COPY and ADD instructions in the build context ("."
	// for a source that is the whole root). A change to any of them
	// changes the image.
	Inputs []string
}

// Targets plans root's targets without checking them: what the GitHub App
// needs to pick the targets a pull request changes.
func Targets(root string, cfg *checks.Config) ([]TargetInfo, error) {
	if cfg == nil {
		cfg = checks.DefaultConfig()
	}
	repo, err := rootfs.Open(root)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", root, err)
	}
	defer func() { _ = repo.Close() }()
	found, err := discover(repo, cfg.Ignored)
	if err != nil {
		return nil, err
	}
	s := &scanner{root: root, repo: repo, cfg: cfg, files: map[string]*source{}}
	for _, f := range found {
		s.files[f.Path] = nil
	}
	var out []TargetInfo
	for _, t := range s.plan(found) {
		ti := TargetInfo{Path: t.path, Kind: t.kind, Dockerfile: t.dockerfile}
		switch t.kind {
		case checks.KindDevcontainer:
			ti.Inputs = s.devcontainerInputs(t)
		default:
			ti.Inputs = s.dockerfileInputs(t.path, path.Dir(t.path))
		}
		slices.Sort(ti.Inputs)
		ti.Inputs = slices.Compact(ti.Inputs)
		out = append(out, ti)
	}
	return out, nil
}

func (s *scanner) devcontainerInputs(t target) []string {
	in := []string{t.path}
	p, err := s.resolveDevcontainer(t.path)
	if err != nil {
		return in
	}
	for _, f := range p.plan.Features {
		if f.Local != nil && localPath(f.Local.Path) {
			in = append(in, f.Local.Path)
		}
	}
	for _, c := range p.plan.ComposeFiles {
		if localPath(c.Path) {
			in = append(in, c.Path)
		}
	}
	if p.compose != nil && p.compose.EnvFile != "" {
		in = append(in, p.compose.EnvFile)
	}
	if t.dockerfile != "" {
		ctx := p.context
		if !localPath(ctx) {
			ctx = path.Dir(t.dockerfile)
		}
		in = append(in, s.dockerfileInputs(t.dockerfile, ctx)...)
	}
	return in
}

// dockerfileInputs is the Dockerfile, its .dockerignore, and the local
// sources its COPY and ADD instructions take from the context.
func (s *scanner) dockerfileInputs(rel, ctx string) []string {
	in := []string{rel, path.Join(ctx, ".dockerignore"), rel + ".dockerignore"}
	src, err := s.read(rel)
	if err != nil {
		return in
	}
	f, err := dockerfile.Parse(rel, src)
	if err != nil {
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

// selectTargets keeps the targets named in only: a target's own path, or
// the Dockerfile a devcontainer target builds.
func selectTargets(ts []target, only []string) []target {
	if only == nil {
		return ts
	}
	var out []target
	for _, t := range ts {
		if slices.Contains(only, t.path) || (t.dockerfile != "" && slices.Contains(only, t.dockerfile)) {
			out = append(out, t)
		}
	}
	return out
}

// Compare returns, for each target both reports read an image of, what
// changed from base's image to head's: what a pull request does to it.
func Compare(base, head *Report, cfg *checks.Config) map[string]*checks.ImageDiff {
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
		if !ok || o.Facts == nil || t.Facts == nil {
			continue
		}
		out[t.Path] = checks.DiffImages(refOf(o), o.Facts, refOf(t), t.Facts, cfg)
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
