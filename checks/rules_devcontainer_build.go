package checks

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/coderready/coderready/devcontainer"
	"github.com/coderready/coderready/internal/rootfs"
)

func init() {
	Register(&Rule{
		ID: "CR200", Title: "devcontainer.json does not parse", Severity: SeverityError, Family: FamilyDevcontainer,
		What: "The file is not valid JSONC (JSON with comments and trailing commas), so no tool can read it; or a property " +
			"has a type the schema does not allow (`\"image\": 5`, an empty command array). A wrong type in a property " +
			"envbuilder decodes (`image`, `build`, the users, the environments, `features`, the lifecycle commands it runs) is " +
			"an error; elsewhere a warning.",
		Why: "Coder's builders (envbuilder, and the Dev Containers CLI behind the native integration) parse " +
			"devcontainer.json as JSONC and stop at the first error; the workspace fails to build. envbuilder then decodes " +
			"it into typed Go fields (coder/envbuilder `devcontainer/devcontainer.go`, `Spec`), so a wrong type fails the " +
			"build too." + cite("spec", "envbuilder"),
		HowToFix:     "Fix the syntax or the value at the reported line and column.",
		Sources:      []string{"spec", "envbuilder"},
		ParseErrors:  true,
		Devcontainer: checkCR200,
	})
	Register(&Rule{
		ID: "CR201", Title: "Nothing to build or run", Severity: SeverityError, Family: FamilyDevcontainer,
		What: "None of `image`, `build.dockerfile`, `dockerFile` or `dockerComposeFile` is set.",
		Why: "The Dev Container spec needs one of them to know what container to create: the Dev Containers CLI (and so " +
			"Coder's native integration) fails, and envbuilder logs that no Dockerfile or image is specified and starts the " +
			"template's fallback image (`ENVBUILDER_FALLBACK_IMAGE`) instead, so none of this config applies.",
		HowToFix:     "Add `\"image\": \"<reference>\"` or `\"build\": {\"dockerfile\": \"Dockerfile\"}`.",
		Sources:      []string{"spec"},
		Devcontainer: checkCR201,
	})
	Register(&Rule{
		ID: "CR202", Title: "Compose setup envbuilder cannot build", Severity: SeverityWarning, Family: FamilyDevcontainer,
		Builders:     []Builder{BuilderEnvbuilder},
		What:         "The config uses `dockerComposeFile` (with `service`, `runServices`).",
		Why:          "envbuilder builds a single image from `image` or a Dockerfile; it does not support Docker Compose, so the workspace fails to build.",
		HowToFix:     "Build the service's image from a single Dockerfile (`build.dockerfile`), or use Coder's native Dev Containers integration.",
		Sources:      []string{"envbuilder"},
		Devcontainer: checkCR202,
	})
	Register(&Rule{
		ID: "CR203", Title: "Referenced Dockerfile or context missing", Severity: SeverityError, Family: FamilyDevcontainer,
		What: "`build.dockerfile`/`dockerFile`, `build.context`/`context` or a `dockerComposeFile` names a path that does not exist. " +
			"Paths are relative to the devcontainer.json's folder. A file the config's `initializeCommand` writes before the build " +
			"(`cat > \".devcontainer/compose.extend.yml\" <<EOF`, also in a script of the repository it runs) is not reported.",
		Why:          "The spec resolves these paths relative to devcontainer.json; a wrong path fails the build before it starts.",
		HowToFix:     "Fix the path (relative to the folder holding devcontainer.json).",
		Sources:      []string{"spec"},
		Devcontainer: checkCR203,
	})
	Register(&Rule{
		ID: "CR210", Title: "Unresolved template placeholder", Severity: SeverityError, Family: FamilyDevcontainer,
		ConfigOnly: true,
		What: "With config `check-templates: true`: a `${templateOption:...}` placeholder, left from copying a Dev Container " +
			"Template, remains in a devcontainer.json value, in a Compose file it names, or in the Dockerfile it builds " +
			"(comments are not searched). Without it (the default), a file with such placeholders is read as a Template " +
			"source and noted once instead (CR220, CR120).",
		Why: "Templates are meant to be applied by a tool that substitutes the options; copied by hand, the placeholder reaches the " +
			"build as literal text (an image reference like `mcr.microsoft.com/devcontainers/base:${templateOption:imageVariant}` " +
			"cannot be pulled), and envbuilder's variable substitution turns an unknown `${...}` into an empty string." + cite("spec", "envbuilder"),
		HowToFix:     "Replace the placeholder with the value you want (the template's devcontainer-template.json lists the options and defaults).",
		Sources:      []string{"spec", "envbuilder"},
		Devcontainer: checkCR210,
	})
	Register(&Rule{
		ID: "CR215", Title: "Config envbuilder will not find", Severity: SeverityWarning, Family: FamilyDevcontainer,
		Builders: []Builder{BuilderEnvbuilder},
		What: "A devcontainer.json envbuilder does not build by default: a `.devcontainer.json` (envbuilder never looks " +
			"for that name), a config that another one shadows, or one outside the repository root's `.devcontainer` folder. " +
			"Without `ENVBUILDER_DEVCONTAINER_DIR`/`ENVBUILDER_DEVCONTAINER_JSON_PATH`, envbuilder takes the first of " +
			"`.devcontainer/devcontainer.json`, `devcontainer.json` (at the root) and `.devcontainer/<folder>/devcontainer.json` " +
			"(folders in name order), all relative to the repository root. A Dev Container Template source (CR220) is " +
			"not reported: it is copied into a project's own `.devcontainer` before it is built; nor is a config in a project " +
			"skeleton a generator renders into a new repository (a folder named `…-template`, `skeleton`, `boilerplate`, " +
			"`scaffold`, or `{{cookiecutter.…}}`, or one holding a generator's manifest: `cargo-generate.toml`, `copier.yml`, " +
			"`cookiecutter.json`), nor a Compose config, which envbuilder cannot build anywhere (CR202). " +
			"None of the envbuilder rules (CR202, CR207, CR211, CR215, CR218, CR219, CR222) judges an image definition: a " +
			"config the repository's build files build into an image with the Dev Containers CLI (`devcontainer build " +
			"--workspace-folder src/…`, devcontainers/ci's `subFolder` or `configFile`, the CLI's `--config`), which envbuilder never builds; so is the root " +
			"config when devcontainers/ci only builds and pushes it (an `imageName`, `push: always`, no `runCmd` in the workflow), or the " +
			"Dev Containers CLI does (`devcontainer build .devcontainer --workspace-folder . --push --image-name …`), and no " +
			"other config of the repository runs that image (a prebuild another config runs leaves the root config its developers' environment).",
		Why: "envbuilder's `findDevcontainerJSON` (coder/envbuilder `envbuilder.go`) checks exactly those three places in that " +
			"order — the option docs in `options/options.go` say `.devcontainer.json` for the second, the code checks " +
			"`devcontainer.json` — and silently uses the first it finds; the others are never built." + cite("envbuilder"),
		HowToFix: "Move the config to `.devcontainer/devcontainer.json`, or point the template at it with " +
			"`ENVBUILDER_DEVCONTAINER_DIR` (the folder, relative to the repository root) and, for another file name, " +
			"`ENVBUILDER_DEVCONTAINER_JSON_PATH`.",
		Sources:      []string{"envbuilder"},
		Devcontainer: checkCR215,
	})
}

// checkCR200 reports a devcontainer.json that did not parse, or the
// properties whose type the schema does not allow (warnings unless
// envbuilder decodes them).
func checkCR200(in *DevcontainerInput) []Finding {
	if c := in.Devcontainer; c != nil {
		var out []Finding
		for _, p := range c.Problems() {
			f := Finding{Message: p.Msg, Location: Location{Path: c.Path, StartLine: p.Pos.Line, StartCol: p.Pos.Col}}
			if !p.Fatal {
				f.Severity = SeverityWarning
			}
			out = append(out, f)
		}
		return out
	}
	if in.ParseErr == nil {
		return nil
	}
	var se *devcontainer.SyntaxError
	if errors.As(in.ParseErr, &se) {
		return []Finding{{Message: "not valid JSONC: " + se.Msg, Location: Location{Path: se.Path, StartLine: se.Line, StartCol: se.Col}}}
	}
	return []Finding{{Message: in.ParseErr.Error()}}
}

// checkCR201 reports a config that names nothing to build or run.
func checkCR201(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	if c.Has("/image") || c.Has("/build/dockerfile") || c.Has("/dockerFile") || c.Has("/dockerComposeFile") {
		return nil
	}
	f := dcAt(c, "", "none of `image`, `build.dockerfile`, `dockerFile` or `dockerComposeFile` is set: the Dev Containers CLI has nothing "+
		"to build or run, and envbuilder starts the template's fallback image instead, without this config")
	f.Fix = &Fix{Description: "add `\"image\"` or `\"build\": {\"dockerfile\": ...}`"}
	return []Finding{f}
}

// checkCR202 reports a Compose setup, which envbuilder cannot build.
func checkCR202(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	if !c.Has("/dockerComposeFile") {
		return nil
	}
	return []Finding{dcAt(c, "/dockerComposeFile", "envbuilder does not build Docker Compose setups: `dockerComposeFile` cannot be used with it")}
}

// ConfigRelative is root-relative path p as a config at cfg names it:
// relative to the config's folder ("../Dockerfile"), slash-separated.
func ConfigRelative(cfg, p string) string {
	rel, err := filepath.Rel(path.Dir(cfg), p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(rel)
}

// checkCR203 reports referenced Dockerfiles, contexts and Compose files
// that do not exist or lie outside the repository.
func checkCR203(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	var out []Finding
	var init string // what initializeCommand runs, read once
	for i, m := range c.Missing(in.Files) {
		if i == 0 && c.Has("/initializeCommand") {
			init = initCommandText(in)
		}
		switch {
		case m.Outside:
			out = append(out, outsideFinding(c, m))
		case m.What == "local feature":
			// CR208
		case writesFile(init, m.Path):
			// initializeCommand writes it before the build
			// (`cat > ".devcontainer/compose.extend.yml" <<EOF`).
		case in.Template != nil && slices.Contains(in.Template.Provided, ConfigRelative(c.Path, m.Path)):
			// The project the template is applied to provides it; the
			// template's note (CR220) names it.
		default:
			msg := fmt.Sprintf("the %s `%s` does not exist (paths are relative to %s)", m.What, m.Path, path.Dir(c.Path)+"/")
			if other := caseTwin(in.Files, m.Path); other != "" {
				msg += fmt.Sprintf(": `%s` differs only in case, which the case-insensitive file systems of macOS and Windows ignore but Linux, where Coder builds, does not", other)
			}
			out = append(out, dcAt(c, m.Pointer, msg))
		}
	}
	return out
}

// caseTwin returns the file of p's folder whose name is p's but for case
// (`.devcontainer/DockerFile` for `.devcontainer/Dockerfile`), "" when
// there is none.
func caseTwin(fsys fs.FS, p string) string {
	if fsys == nil || !fs.ValidPath(p) {
		return ""
	}
	entries, err := fs.ReadDir(fsys, path.Dir(p))
	if err != nil {
		return ""
	}
	for _, e := range entries {
		if e.Name() != path.Base(p) && strings.EqualFold(e.Name(), path.Base(p)) {
			return path.Join(path.Dir(p), e.Name())
		}
	}
	return ""
}

// checkCR210 reports ${templateOption:...} placeholders in the config,
// its Dockerfile and its Compose files.
func checkCR210(in *DevcontainerInput) []Finding {
	if !in.Config.CheckTemplates {
		// The file is a Template source: CR220 notes it once.
		return nil
	}
	var out []Finding
	c := in.Devcontainer
	for _, m := range c.FindInStrings(templateOption) {
		out = append(out, Finding{
			Message:  fmt.Sprintf("unresolved template placeholder `%s`", m.Text),
			Location: Location{Path: c.Path, StartLine: m.Start.Line, StartCol: m.Start.Col, EndLine: m.End.Line, EndCol: m.End.Col},
		})
	}
	if f := in.Dockerfile; f != nil {
		out = append(out, placeholders(f.Path, f.Lines, "#")...)
	}
	if in.Files != nil {
		for _, cf := range c.Plan(in.Files).ComposeFiles {
			if cf.State != devcontainer.PathExists || cf.IsDir {
				continue
			}
			if src, err := rootfs.ReadFile(in.Files, cf.Path, 1<<20); err == nil {
				out = append(out, placeholders(cf.Path, strings.Split(string(src), "\n"), "#")...)
			}
		}
	}
	return out
}

// checkCR215 reports a config envbuilder's default lookup does not build.
func checkCR215(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	// A Template source is copied into a project's own .devcontainer
	// before anyone builds it (CR220 says so): where it sits now is not
	// where envbuilder will look.
	if in.Template != nil {
		return nil
	}
	// envbuilder cannot build a Compose config wherever it sits (CR202
	// says so): pointing it there would not help.
	if c.Has("/dockerComposeFile") {
		return nil
	}
	if msg := envbuilderLookup(in); msg != "" {
		return []Finding{dcAt(c, "", msg)}
	}
	return nil
}

// placeholders reports each `${templateOption:...}` in a file's lines,
// skipping lines that are comments (they start with comment, after
// indentation).
func placeholders(path string, lines []string, comment string) []Finding {
	var out []Finding
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), comment) {
			continue
		}
		for _, m := range templateOption.FindAllStringIndex(line, -1) {
			out = append(out, Finding{
				Message:  fmt.Sprintf("unresolved template placeholder `%s`", line[m[0]:m[1]]),
				Location: Location{Path: path, StartLine: i + 1, StartCol: m[0] + 1, EndLine: i + 1, EndCol: m[1]},
			})
		}
	}
	return out
}

// writesCommand is a shell command that writes a file: a redirection, or a
// program that makes one.
var writesCommand = regexp.MustCompile(`>|\b(?:touch|cp|mv|ln|tee|install|envsubst|curl|wget)\b`)

// writesFile reports whether a script writes the file at rel (a slash
// path from the root): a line that names the file by its name and writes
// (`cat > ".devcontainer/compose.extend.yml" <<EOF`, `cp x.template
// x.yml`).
func writesFile(script, rel string) bool {
	name := path.Base(rel)
	if script == "" || len(name) < 3 || !strings.Contains(script, name) {
		return false
	}
	for _, line := range strings.Split(script, "\n") {
		if strings.Contains(line, name) && !strings.HasPrefix(strings.TrimSpace(line), "#") && writesCommand.MatchString(line) {
			return true
		}
	}
	return false
}

// outsideFinding is CR203's finding for a referenced path that exists but
// resolves outside the repository: coderready does not read it, and a clone
// of the repository alone does not hold what it points at. A warning: the
// link may be meant for a machine where its target exists.
func outsideFinding(c *devcontainer.Config, m devcontainer.MissingPath) Finding {
	f := dcAt(c, m.Pointer, fmt.Sprintf("the %s `%s` %s", m.What, m.Path, m.Why))
	f.Severity = SeverityWarning
	return f
}

// envbuilderLookup says why envbuilder, with its default lookup, does not
// build this config ("" when it does). The workspace folder is the folder
// holding `.devcontainer/` (or `.devcontainer.json`); envbuilder's is the
// repository root, taken to be the scanned root.
func envbuilderLookup(in *DevcontainerInput) string {
	p := in.Devcontainer.Path
	var ws string
	switch {
	case p == "devcontainer.json":
		ws = "." // envbuilder's second place, the root itself
	case path.Base(p) == ".devcontainer.json":
		ws = path.Dir(p)
	case path.Base(path.Dir(p)) == ".devcontainer":
		ws = path.Dir(path.Dir(p))
	case path.Base(path.Dir(path.Dir(p))) == ".devcontainer":
		ws = path.Dir(path.Dir(path.Dir(p)))
	default:
		return ""
	}
	// A project skeleton (`nf_core/pipeline-template/.devcontainer`, a
	// cookiecutter's `{{cookiecutter.name}}/.devcontainer`) is rendered
	// into a new repository's root, where envbuilder finds it.
	if ws != "." && (skeletonDir(ws) || generatorRoot(in.Files, ws)) {
		return ""
	}
	pick := envbuilderPick(in, ws)
	dir := path.Dir(p)
	switch {
	case ws != ".":
		return fmt.Sprintf("envbuilder looks for devcontainer.json from the repository root, so it does not find this one "+
			"under `%s/`: set ENVBUILDER_DEVCONTAINER_DIR=%s%s in the template", ws, dir, jsonPathHint(p))
	case path.Base(p) == ".devcontainer.json":
		msg := "envbuilder never reads `.devcontainer.json`: it looks for `.devcontainer/devcontainer.json`, `devcontainer.json`, " +
			"then `.devcontainer/<folder>/devcontainer.json`"
		if pick != "" {
			msg += fmt.Sprintf(", and builds `%s` here", pick)
		}
		return msg + "; move it to `.devcontainer/devcontainer.json` or set ENVBUILDER_DEVCONTAINER_DIR=. ENVBUILDER_DEVCONTAINER_JSON_PATH=.devcontainer.json"
	case pick != "" && pick != p:
		return fmt.Sprintf("envbuilder builds `%s`, not this config (it takes the first of `.devcontainer/devcontainer.json`, "+
			"`devcontainer.json` and `.devcontainer/<folder>/devcontainer.json` in folder-name order): set "+
			"ENVBUILDER_DEVCONTAINER_DIR=%s in the template to build this one", pick, dir)
	}
	return ""
}

// skeletonName is a folder named for a project skeleton a generator
// renders into a new repository (`pipeline-template`, `project_skeleton`,
// `boilerplate`, `scaffold`).
var skeletonName = regexp.MustCompile(`(?i)(^|[-_.])(template|skeleton|boilerplate|scaffold)s?($|[-_.])`)

// skeletonDir reports whether a workspace folder is, or is inside, a
// project skeleton: a folder named for one, or a generator's
// placeholder folder (`{{cookiecutter.project_slug}}`, `{{ name }}`).
func skeletonDir(ws string) bool {
	for _, part := range strings.Split(ws, "/") {
		if skeletonName.MatchString(part) || strings.Contains(part, "{{") {
			return true
		}
	}
	return false
}

// generatorManifests mark a folder as a generator's template root:
// cargo-generate's, copier's and cookiecutter's.
var generatorManifests = []string{"cargo-generate.toml", "copier.yml", "copier.yaml", "cookiecutter.json"}

// generatorRoot reports whether a workspace folder, or a folder it is
// in, holds a generator's manifest (esp-idf-template's
// `cargo/cargo-generate.toml`): the config in it is rendered into a new
// repository's root.
func generatorRoot(files fs.FS, ws string) bool {
	if files == nil {
		return false
	}
	for d := ws; d != "." && d != "/" && d != ""; d = path.Dir(d) {
		for _, m := range generatorManifests {
			if fi, err := fs.Stat(files, path.Join(d, m)); err == nil && fi.Mode().IsRegular() {
				return true
			}
		}
	}
	return false
}

// jsonPathHint is the ENVBUILDER_DEVCONTAINER_JSON_PATH a config with
// another file name than devcontainer.json needs.
func jsonPathHint(p string) string {
	if path.Base(p) == "devcontainer.json" {
		return ""
	}
	return " ENVBUILDER_DEVCONTAINER_JSON_PATH=" + path.Base(p)
}

// envbuilderPick returns the config envbuilder's findDevcontainerJSON
// picks in workspace folder ws ("" when it cannot tell): the sibling
// configs the scan found, and the disk under the scanned root when known.
func envbuilderPick(in *DevcontainerInput, ws string) string {
	has := func(rel string) bool {
		if rel == in.Devcontainer.Path || containsFold(in.Siblings, rel) {
			return true
		}
		if in.Files == nil {
			return false
		}
		fi, err := fs.Stat(in.Files, rel)
		return err == nil && !fi.IsDir()
	}
	for _, cand := range []string{path.Join(ws, ".devcontainer", "devcontainer.json"), path.Join(ws, "devcontainer.json")} {
		if has(cand) {
			return cand
		}
	}
	prefix := path.Join(ws, ".devcontainer") + "/"
	var subs []string
	for _, s := range append(slices.Clone(in.Siblings), in.Devcontainer.Path) {
		if rest, ok := strings.CutPrefix(s, prefix); ok && path.Dir(rest) != "." && !strings.Contains(path.Dir(rest), "/") && path.Base(rest) == "devcontainer.json" {
			subs = append(subs, s)
		}
	}
	if in.Files != nil {
		if entries, err := fs.ReadDir(in.Files, strings.TrimSuffix(prefix, "/")); err == nil {
			for _, e := range entries {
				if cand := prefix + e.Name() + "/devcontainer.json"; e.IsDir() && has(cand) {
					subs = append(subs, cand)
				}
			}
		}
	}
	if len(subs) == 0 {
		return ""
	}
	// ReadDir order: by folder name ("go" before "go-1", which a
	// comparison of whole paths would not give).
	return slices.MinFunc(subs, func(a, b string) int { return strings.Compare(path.Dir(a), path.Dir(b)) })
}
