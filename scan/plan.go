package scan

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/devcontainer"
	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/internal/rootfs"
)

// Planned is a root's targets as planned, before anything is checked: what
// Plan returns and Check runs. Callers may drop targets (Select, Only)
// before checking. It holds the root open: Close it.
type Planned struct {
	// Root is the scanned folder or file as given.
	Root string
	// Config is the policy applied (Config.Path names its file, "" for
	// the default).
	Config *checks.Config
	// Targets, in order: each devcontainer.json, then every Dockerfile no
	// devcontainer builds.
	Targets []Target
	// Repository is the GitHub repository (`owner/name`) the tree is a
	// checkout of, "" when not known: Plan reads it from the root's
	// `.git/config` (its origin), and the app sets the pull request's
	// before checking. A workflow's `${{ github.repository }}` and a
	// script's `$GITHUB_REPOSITORY` in the images it tags name it.
	Repository string

	// dir is the folder scanned (Root's folder when Root is a file);
	// prefix is dir as the user wrote it, slash-separated, for finding
	// paths; absRoot is dir made absolute, for builders (a relative
	// Dockerfile path means one relative to the build context).
	dir, prefix, absRoot string
	// repo opens the root's files, never one outside it.
	repo *rootfs.Root
	// devcontainers are every devcontainer.json discovered, including
	// those Select dropped (rules about which one a builder picks).
	devcontainers []string
	files         fileCache
	// siblings are every Dockerfile discovered (Select keeps them all), by
	// the image each builds: a Dockerfile's base built in the same
	// repository is judged from the file that builds it.
	siblings *checks.Siblings
	// scripts keeps what the rules read of the scripts the Dockerfiles
	// run, shared by every Dockerfile of the scan.
	scripts *checks.ScriptCache
	// sidecars are the Dockerfiles that only services of a Dev Container's
	// Compose files other than the one it opens build (a `runServices`
	// desktop beside the workspace), with the service's name: Compose
	// runs them with their own command.
	sidecars map[string]string
	// imageRuns are the Dockerfiles whose image a devcontainer.json runs
	// by name, with that config (devcontainerImages).
	imageRuns map[string]string
	// includes are the Dockerfiles a template of the repository includes
	// (`#{INCLUDE:docker/${TARGET}/runtime-from.dockerfile}`): pieces of
	// it, each with the template's path.
	includes []include
	// args are the build-argument names the repository's build files
	// mention (read on first use).
	args passedArgs
}

// Target is one thing a scan checks: a devcontainer.json (with the
// Dockerfile it builds) or a Dockerfile on its own.
type Target struct {
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

	// dc is the devcontainer.json resolved (nil for a Dockerfile target,
	// or when it could not be read or parsed: dcErr says why).
	dc    *dcPlan
	dcErr error
	// templates are the target's files that are templates, by path (see
	// recognizeTemplates); nil when none is.
	templates map[string]*checks.Template
}

// Plan finds root's targets (a folder, or a single file) and resolves what
// each is built from, reading every file once and inside the root. cfg is
// the policy to apply; nil reads the config file at the root (inside it),
// else the default.
func Plan(root string, cfg *checks.Config) (*Planned, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	dir := root
	if !fi.IsDir() {
		dir = filepath.Dir(root)
	}
	absRoot, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	// A `.devcontainer` folder (or a `.devcontainer/<name>` one) is
	// checked from the workspace folder that holds it, where its configs'
	// paths (`"context": ".."`) lead and where the spec finds them; only
	// the configs and Dockerfiles under the named folder are targets.
	var under string
	if fi.IsDir() {
		if up, sub := devcontainerWorkspace(absRoot); up > 0 {
			dir = filepath.Join(append([]string{dir}, slices.Repeat([]string{".."}, up)...)...)
			under = sub
			if absRoot, err = filepath.Abs(dir); err != nil {
				return nil, fmt.Errorf("scan %s: %w", root, err)
			}
		}
	}
	repo, err := rootfs.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	p := &Planned{Root: root, Config: cfg, dir: dir, prefix: filepath.ToSlash(filepath.Clean(dir)), absRoot: absRoot, repo: repo}
	p.files.repo = repo
	p.Repository = originRepository(repo)
	if p.Config == nil {
		if p.Config, err = rootConfig(dir, repo); err != nil {
			_ = repo.Close()
			return nil, err
		}
	}
	var found []Found
	if fi.IsDir() {
		found, err = discover(repo, p.Config.Ignored)
		if under != "" {
			found = slices.DeleteFunc(found, func(f Found) bool { return !strings.HasPrefix(f.Path, under+"/") })
		}
	} else {
		found, err = Discover(root, p.Config.Ignored)
	}
	if err != nil {
		_ = repo.Close()
		return nil, err
	}
	if fi.IsDir() {
		// Files the build files build by path whose names discovery does
		// not take for Dockerfiles (`-f DockerfileUserWrapper`).
		seen := map[string]bool{}
		for _, f := range found {
			seen[f.Path] = true
		}
		for _, rel := range p.buildFiles().namedTargets(repo, seen, p.Config.Ignored) {
			if under == "" || strings.HasPrefix(rel, under+"/") {
				found = append(found, Found{Path: rel})
			}
		}
		slices.SortFunc(found, func(a, b Found) int { return strings.Compare(a.Path, b.Path) })
	}
	p.plan(found)
	return p, nil
}

// githubRemote is a git remote's URL on GitHub, its owner and name.
var githubRemote = regexp.MustCompile(`github\.com[:/]([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$`)

// originRepository reads the GitHub repository (`owner/name`) of the
// root's git remote `origin` from its `.git/config`, inside the root; ""
// when there is none.
func originRepository(repo *rootfs.Root) string {
	b, err := rootfs.ReadFile(repo.FS(), ".git/config", 64<<10)
	if err != nil {
		return ""
	}
	origin := false
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			origin = line == `[remote "origin"]`
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !origin || !ok || strings.TrimSpace(k) != "url" {
			continue
		}
		if m := githubRemote.FindStringSubmatch(strings.TrimSpace(v)); m != nil {
			return m[1] + "/" + m[2]
		}
	}
	return ""
}

// devcontainerWorkspace reads an absolute folder path: for
// `…/ws/.devcontainer` it returns 1 and ".devcontainer", for
// `…/ws/.devcontainer/python` 2 and ".devcontainer/python" (how many
// folders up the workspace is, and the folder relative to it); 0 for any
// other folder.
func devcontainerWorkspace(abs string) (int, string) {
	base, parent := filepath.Base(abs), filepath.Base(filepath.Dir(abs))
	switch {
	case base == ".devcontainer":
		return 1, base
	case parent == ".devcontainer":
		return 2, parent + "/" + base
	}
	return 0, ""
}

// Close releases the root.
func (p *Planned) Close() error { return p.repo.Close() }

// Select keeps the targets keep returns true for.
func (p *Planned) Select(keep func(Target) bool) {
	p.Targets = slices.DeleteFunc(p.Targets, func(t Target) bool { return !keep(t) })
}

// Only keeps the targets named in paths: a target's own path, or the
// Dockerfile a devcontainer target builds.
func (p *Planned) Only(paths []string) {
	p.Select(func(t Target) bool {
		return slices.Contains(paths, t.Path) || (t.Dockerfile != "" && slices.Contains(paths, t.Dockerfile))
	})
}

// rootConfig reads the config file at the root (inside it: a config that
// is a link out of the repository is refused), else the default.
func rootConfig(dir string, repo *rootfs.Root) (*checks.Config, error) {
	p, err := checks.FindConfig(dir)
	if err != nil {
		return nil, err
	}
	if p == "" {
		return checks.DefaultConfig(), nil
	}
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	src, err := repo.ReadFile(filepath.ToSlash(rel), checks.MaxConfigSize)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	return checks.ParseConfig(p, src)
}

// plan turns discovered files into targets: each devcontainer.json with the
// Dockerfile it builds, then every Dockerfile no devcontainer builds.
func (p *Planned) plan(found []Found) {
	p.includes = p.readIncludes(found)
	usedBy := map[string]bool{}
	for _, f := range found {
		if !f.Devcontainer {
			continue
		}
		p.devcontainers = append(p.devcontainers, f.Path)
		t := Target{Kind: checks.KindDevcontainer, Path: f.Path}
		t.dc, t.dcErr = p.resolveDevcontainer(f.Path)
		if t.dc != nil {
			if df := p.devcontainerDockerfile(t.dc); df != "" {
				t.Dockerfile = df
				usedBy[df] = true
			}
		}
		t.Inputs = p.devcontainerInputs(t)
		p.recognizeTemplates(&t)
		p.Targets = append(p.Targets, t)
	}
	p.sidecars = p.composeSidecars()
	for _, f := range found {
		if f.Devcontainer || usedBy[f.Path] {
			continue
		}
		t := Target{Kind: checks.KindDockerfile, Path: f.Path}
		t.Inputs = compact(p.dockerfileInputs(f.Path, path.Dir(f.Path)))
		p.recognizeTemplates(&t)
		p.Targets = append(p.Targets, t)
	}
	var dockerfiles []string
	for _, t := range p.Targets {
		switch {
		case t.Dockerfile != "":
			dockerfiles = append(dockerfiles, t.Dockerfile)
		case t.Kind == checks.KindDockerfile:
			dockerfiles = append(dockerfiles, t.Path)
		}
	}
	p.siblings = checks.NewSiblings(dockerfiles, func(rel string) *dockerfile.File {
		f, _, _ := p.files.dockerfile(rel)
		return f
	})
	p.siblings.Local = func(ref string) bool { return p.buildFiles().built(p.repo.FS(), ref) }
	p.scripts = checks.NewScriptCache()
	p.siblings.Tagged = func(ref string) string { return p.buildFiles().taggedDockerfile(ref, dockerfiles) }
	p.siblings.Elsewhere = func(ref string) bool { return p.buildFiles().elsewhere(ref) }
	p.imageRuns = p.devcontainerImages()
}

// devcontainerImages maps each Dockerfile whose image a devcontainer.json
// of the repository runs by name (`"image": "ghcr.io/x/scicomp:2025"`,
// which the Makefile builds from `Dockerfile`) to that config.
func (p *Planned) devcontainerImages() map[string]string {
	out := map[string]string{}
	r := p.siblings.Resolver(nil)
	for _, t := range p.Targets {
		if t.Kind != checks.KindDevcontainer || t.dc == nil || t.dc.dc.Has("/dockerComposeFile") {
			continue
		}
		img := t.dc.dc.String("/image")
		if img == "" || strings.Contains(img, "$") {
			continue
		}
		if b := r.BaseFacts(img); b.Source == "sibling" && b.Sibling != "" && out[b.Sibling] == "" {
			out[b.Sibling] = t.Path
		}
	}
	return out
}

// composeSidecars maps each Dockerfile that the Compose files of the
// repository's Dev Container configs (Template sources too) build only
// for services other than the one a config opens to that service's name.
func (p *Planned) composeSidecars() map[string]string {
	side, primary := map[string]string{}, map[string]bool{}
	for _, t := range p.Targets {
		if t.Kind != checks.KindDevcontainer || t.dc == nil {
			continue
		}
		for _, cf := range t.dc.plan.ComposeFiles {
			if !localPath(cf.Path) {
				continue
			}
			b, err := p.files.bytes(cf.Path)
			if err != nil {
				continue
			}
			for _, c := range composeBuildFiles(p.repo, cf.Path, b) {
				if c.Service == t.dc.plan.Service {
					primary[c.Dockerfile] = true
				} else if side[c.Dockerfile] == "" {
					side[c.Dockerfile] = c.Service
				}
			}
		}
	}
	for df := range primary {
		delete(side, df)
	}
	return side
}

// compact sorts and dedups a list of paths.
func compact(in []string) []string {
	slices.Sort(in)
	return slices.Compact(in)
}

// fileCache reads each file of the root, and parses each Dockerfile, at
// most once; safe for concurrent use.
type fileCache struct {
	repo *rootfs.Root
	mu   sync.Mutex
	read map[string]*readFile
}

// readFile is one file read (and, for a Dockerfile, parsed) once.
type readFile struct {
	src []byte
	err error

	parseOnce sync.Once
	parsed    *dockerfile.File
	parseErr  error
}

// get returns the file's entry, reading it on first use.
func (c *fileCache) get(rel string) *readFile {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.read == nil {
		c.read = map[string]*readFile{}
	}
	f := c.read[rel]
	if f == nil {
		f = &readFile{}
		f.src, f.err = c.repo.ReadFile(rel, MaxFileSize)
		c.read[rel] = f
	}
	return f
}

// bytes returns a file's content.
func (c *fileCache) bytes(rel string) ([]byte, error) {
	f := c.get(rel)
	return f.src, f.err
}

// dockerfile returns a Dockerfile parsed; readErr is set when it could
// not be read, parseErr when it does not parse.
func (c *fileCache) dockerfile(rel string) (f *dockerfile.File, readErr, parseErr error) {
	e := c.get(rel)
	if e.err != nil {
		return nil, e.err, nil
	}
	e.parseOnce.Do(func() { e.parsed, e.parseErr = dockerfile.Parse(rel, e.src) })
	return e.parsed, nil, e.parseErr
}

// resolveDevcontainer parses a devcontainer.json and resolves what it
// builds: its Dockerfile, or its Compose service's.
func (p *Planned) resolveDevcontainer(rel string) (*dcPlan, error) {
	src, err := p.files.bytes(rel)
	if err != nil {
		return nil, err
	}
	dc, err := devcontainer.Parse(rel, src)
	if err != nil {
		return nil, err
	}
	fsys := p.repo.FS()
	r := &dcPlan{dc: dc, plan: dc.Plan(fsys)}
	switch r.plan.Kind {
	case devcontainer.KindCompose:
		r.compose, r.composeErr = r.plan.ComposeService(fsys)
		if r.compose != nil && r.compose.Build != nil {
			b := r.compose.Build
			r.dockerfile, r.context, r.args, r.target = b.Dockerfile, b.Context, b.Args, b.Target
		}
	case devcontainer.KindDockerfile:
		r.dockerfile, r.context, r.args, r.target = dc.DockerfilePath(), dc.ContextPath(), dc.BuildArgs(), dc.BuildTarget()
	}
	return r, nil
}

// devcontainerDockerfile returns the Dockerfile a devcontainer.json builds
// (its own, or its Compose service's; relative to the root), or "" when it
// builds none or names one outside the root.
func (p *Planned) devcontainerDockerfile(r *dcPlan) string {
	if r.dockerfile == "" || !localPath(r.dockerfile) {
		return ""
	}
	// A Dockerfile that is not there is CR203's finding, not a read error.
	if fi, err := p.repo.Stat(r.dockerfile); err != nil || fi.IsDir() {
		return ""
	}
	return r.dockerfile
}

// localPath reports whether a cleaned slash path stays inside the root.
func localPath(p string) bool {
	return filepath.IsLocal(filepath.FromSlash(path.Clean(p)))
}
