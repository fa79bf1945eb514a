package scan

import (
	"bytes"
	"errors"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/devcontainer"
)

// templateNotBuilt is a template target's build record: what gets built is
// the file its generator or the Dev Containers CLI makes of it.
const templateNotBuilt = "a template: built once it is filled in"

// frontendNotBuilt is the build record of a file another frontend than
// Docker's reads (checks.TemplateFrontend).
const frontendNotBuilt = "another Dockerfile syntax: its frontend makes the Dockerfile it builds"

// windowsNotBuilt is a Windows container's build record (CR121).
const windowsNotBuilt = "a Windows container image: not a Linux workspace image"

// recognizeTemplates finds the files of a target that are templates, not
// yet what gets built (checks.DockerfileTemplate, DevcontainerTemplate,
// ComposeTemplate): the devcontainer.json, its Compose files and the
// Dockerfile it builds, or the Dockerfile on its own. Config
// `check-templates` checks them as they are instead.
func (p *Planned) recognizeTemplates(t *Target) {
	add := func(tm *checks.Template) {
		if tm == nil {
			return
		}
		if t.templates == nil {
			t.templates = map[string]*checks.Template{}
		}
		t.templates[tm.Path] = tm
	}
	if t.Kind == checks.KindDockerfile {
		// A Windows container's Dockerfile is not a template: config
		// `check-templates` does not make it a Linux image.
		if src, err := p.files.bytes(t.Path); err == nil {
			if w := checks.WindowsDockerfile(t.Path, src); w != nil {
				add(w)
				return
			}
		}
	}
	if p.Config.CheckTemplates {
		return
	}
	dockerfile := func(rel string) {
		if src, err := p.files.bytes(rel); err == nil {
			add(checks.DockerfileTemplate(rel, src))
		}
	}
	if t.Kind == checks.KindDockerfile {
		dockerfile(t.Path)
		if len(t.templates) == 0 {
			if src, err := p.files.bytes(t.Path); err == nil {
				add(checks.DockerfileFragment(t.Path, src))
			}
		}
		if len(t.templates) == 0 {
			if by := p.buildFiles().joinedBy(t.Path); by != "" {
				add(checks.JoinedFragment(t.Path, by))
			}
		}
		if len(t.templates) == 0 {
			if by, how := p.includedBy(t.Path); by != "" {
				add(checks.IncludedFragment(t.Path, by, how))
			}
		}
		return
	}
	if t.dc == nil {
		// A config that does not parse because a generator fills it in
		// (`{{#templateOption.x}}` sections) is a template, not broken.
		if t.dcErr != nil {
			if src, err := p.files.bytes(t.Path); err == nil {
				add(checks.ConfigGeneratorTemplate(t.Path, src))
			}
		}
		return
	}
	manifest := p.templateManifest(t.Path)
	if tm := checks.DevcontainerTemplate(t.dc.dc, manifest); tm != nil {
		for _, m := range t.dc.dc.Missing(p.repo.FS()) {
			if m.Outside || m.What == "local feature" {
				continue
			}
			// As the config names it, relative to its folder
			// ("../Dockerfile"); both are slash paths in the root. What
			// lies outside the template's folder is the project's; a file
			// a Dev Container Template names beside itself is its own
			// (the CLI copies the folder whole), and missing (CR203). A
			// VS Code definition's copy step left such files to the
			// project ("Existing Dockerfile" names `Dockerfile`).
			if rel := checks.ConfigRelative(t.Path, m.Path); strings.HasPrefix(rel, "../") || path.Base(manifest) == ".npmignore" {
				tm.Provided = append(tm.Provided, rel)
			}
		}
		add(tm)
	}
	for _, c := range t.dc.plan.ComposeFiles {
		if c.State != devcontainer.PathExists || c.IsDir || !localPath(c.Path) {
			continue
		}
		if src, err := p.files.bytes(c.Path); err == nil {
			add(checks.ComposeTemplate(c.Path, src))
		}
	}
	if t.Dockerfile != "" {
		dockerfile(t.Dockerfile)
	}
	// The Dockerfile and Compose files of a Template source name its
	// manifest too.
	for _, tm := range t.templates {
		if tm.Kind == checks.TemplateDevcontainer {
			tm.Manifest = manifest
		}
	}
}

// templateManifest returns the file that marks the folder of a
// devcontainer.json as a template, "" when there is none: the
// devcontainer-template.json of a Dev Container Template, beside its
// `.devcontainer` folder (the template's root) or in it; else the
// `.npmignore` beside the `.devcontainer` folder of a VS Code dev
// container definition (the Templates' predecessor): the folder's files
// are packaged, with no package.json of their own, inside the package
// that copies them into a project.
func (p *Planned) templateManifest(rel string) string {
	ws, _ := workspaceOf(rel)
	dirs := []string{ws, path.Dir(rel)}
	if strings.HasPrefix(path.Base(ws), ".") && ws != "." {
		// A template kept in a hidden folder of its root
		// (`web/.template/.devcontainer/`, manifest `web/devcontainer-template.json`).
		dirs = append(dirs, path.Dir(ws))
	}
	for _, dir := range dirs {
		m := path.Join(dir, "devcontainer-template.json")
		if fi, err := p.repo.Stat(m); err == nil && !fi.IsDir() {
			return m
		}
	}
	if path.Base(path.Dir(rel)) == ".devcontainer" {
		// An npm package's files without its package.json: the folder
		// is shipped inside another package, to be copied from.
		m := path.Join(ws, ".npmignore")
		if fi, err := p.repo.Stat(m); err == nil && !fi.IsDir() {
			if _, err := p.repo.Stat(path.Join(ws, "package.json")); errors.Is(err, fs.ErrNotExist) {
				return m
			}
		}
	}
	return ""
}

// isTemplate reports whether any file of the target is a template: then
// nothing is built.
func (t Target) isTemplate() bool { return len(t.templates) > 0 }

// noteTemplates reports each template file of the target once (CR120,
// CR220) and records that nothing was built.
func (s *checker) noteTemplates(t Target, ts *targetState) {
	if !t.isTemplate() {
		return
	}
	skipped := templateNotBuilt
	for _, rel := range slices.Sorted(maps.Keys(t.templates)) {
		ts.own = append(ts.own, t.templates[rel].Note(s.templateCheckable(t, rel)))
		switch t.templates[rel].Kind {
		case checks.TemplateWindows:
			skipped = windowsNotBuilt
		case checks.TemplateFrontend:
			skipped = frontendNotBuilt
		}
	}
	ts.record(checks.BuildRecord{Path: BuildPathNone, Skipped: skipped})
}

// templateCheckable reports whether the rules read a file of the target:
// it is not a template, or it is a Template source's file that still
// parses (a devcontainer.json or Compose file always does, or it would
// not be recognised).
func (s *checker) templateCheckable(t Target, rel string) bool {
	tm := t.templates[rel]
	if tm == nil {
		return true
	}
	if rel != t.Path && rel != t.Dockerfile {
		return true
	}
	if t.Kind == checks.KindDevcontainer && rel == t.Path {
		return t.dc != nil // one a generator fills in does not parse
	}
	_, readErr, parseErr := s.plan.files.dockerfile(rel)
	return tm.Checkable(readErr == nil && parseErr == nil)
}

// include is a template's `#{INCLUDE:path}` directive, or the
// dockerfile-x frontend's `INCLUDE path`: the files it names (a variable
// stands for any one path part) are pieces of it.
type include struct {
	file *regexp.Regexp
	by   string
	how  string // the directive as the note names it
}

// includeDirective is a generator's include line (che-theia's
// `#{INCLUDE:docker/${BUILD_IMAGE_TARGET}/runtime-from.dockerfile}`).
var includeDirective = regexp.MustCompile(`#\{INCLUDE:((?:\$\{[^}]*\}|[^}\s])+)\}`)

// frontendInclude is dockerfile-x's `INCLUDE path` instruction
// (manyfold's `INCLUDE docker/base.dockerfile`).
var frontendInclude = regexp.MustCompile(`(?im)^[ \t]*INCLUDE[ \t]+["']?([^\s"'#]+)`)

// maxIncludes bounds the include directives read over a repository.
const maxIncludes = 256

// readIncludes reads the include directives of the found Dockerfiles,
// their paths relative to the including file's folder.
func (p *Planned) readIncludes(found []Found) []include {
	var out []include
	for _, f := range found {
		if f.Devcontainer {
			continue
		}
		b, err := p.files.bytes(f.Path)
		if err != nil {
			continue
		}
		if bytes.Contains(b, []byte("#{INCLUDE:")) {
			for _, m := range includeDirective.FindAllSubmatch(b, -1) {
				rel := path.Join(path.Dir(f.Path), string(m[1]))
				if re, err := globRef(rel, "[^/]*"); err == nil && len(out) < maxIncludes {
					out = append(out, include{file: re, by: f.Path, how: "a generator's `#{INCLUDE:…}`"})
				}
			}
		}
		// dockerfile-x resolves an INCLUDE from the build context, the
		// root here (manyfold's `docker/manyfold.dockerfile` includes
		// `docker/base.dockerfile`), or from the file's own folder.
		if bytes.Contains(b, []byte("INCLUDE")) && strings.Contains(checks.SyntaxFrontend(b), "dockerfile-x") {
			for _, m := range frontendInclude.FindAllSubmatch(b, -1) {
				for _, rel := range []string{path.Clean(string(m[1])), path.Join(path.Dir(f.Path), string(m[1]))} {
					if re, err := globRef(rel, "[^/]*"); err == nil && len(out) < maxIncludes && !strings.HasPrefix(rel, "../") {
						out = append(out, include{file: re, by: f.Path, how: "dockerfile-x's `INCLUDE`"})
					}
				}
			}
		}
	}
	return out
}

// includedBy returns the template that includes the Dockerfile rel, ""
// when none does.
func (p *Planned) includedBy(rel string) (by, how string) {
	for _, in := range p.includes {
		if in.by != rel && in.file.MatchString(rel) {
			return in.by, in.how
		}
	}
	return "", ""
}
