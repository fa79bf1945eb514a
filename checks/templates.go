package checks

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/coderready/coderready/devcontainer"
)

// Files that are not Dockerfiles or devcontainer.json files yet: Dev
// Container Template sources, generator templates and build assets with a
// placeholder base. The scan recognises them (unless config
// `check-templates` is set), checks of them only what their placeholders
// leave readable, and reports each once: CR120 for a Dockerfile, CR220 for
// a devcontainer.json or its Compose file.

// The template notes' rule IDs.
const (
	RuleDockerfileTemplate   = "CR120"
	RuleDevcontainerTemplate = "CR220"
)

func init() {
	const howTo = "Nothing to fix: a template is checked once it is applied (check the generated files, or a project made from " +
		"the template). If the file is in fact used as it is, fill in the placeholders; config `check-templates: true` " +
		"checks such files as they are, reporting their placeholders (CR210) and parse errors (CR100)."
	Register(&Rule{
		ID:       RuleDockerfileTemplate,
		Title:    "Dockerfile template, not checked as a Dockerfile",
		Severity: SeverityInfo,
		Family:   FamilyDockerfile,
		What: "A file named like a Dockerfile that is a template to be filled in before it is built: a generator template " +
			"(a `.tt`, `.erb`, `.ejs`, `.j2`, `.jinja`, `.jinja2`, `.njk`, `.hbs`, `.mustache`, `.tmpl`, `.tpl`, `.template`, `.in`, `.ncl`, `.jsonnet`, `.cue` or `.blueprint` suffix, " +
			"a `Dockerfile.<suffix>` whose first line is a program's rather than an instruction (`let render = fun cfg =>`), or a line that starts " +
			"with `{{`, `{%` or `<%`, or such a tag in `FROM` or in the default of an `ARG` a `FROM` takes, or a placeholder alone " +
			"on a line that a script replaces with instructions (ffmpeg's `%%ENV%%`, a Python format field such as `{args}`, a variable for `envsubst` such as `${LABELS}`), or a line that starts with a generator's directive (pdns-builder's `@INCLUDE`, `@IF`, `@EXEC`) or a printf-style field (`%sRUN …`, `%s`), or a generator's " +
			"include written as a comment (che-theia's `#{INCLUDE:docker/${BUILD_IMAGE_TARGET}/runtime-from.dockerfile}`), or a `FROM` whose variable only a comment declares, `# ARG " +
			"teamcityAgentImage`, as JetBrains' TeamCity configs do, or a build tool's property in an instruction Docker expands itself, " +
			"`FROM ${docker.base.image}` in a folder Maven's resource filtering fills in: no Dockerfile variable has a dot in its name), a build asset whose `FROM` is a placeholder (`FROM REPLACE-ME`, " +
			"`FROM <image>`, `FROM __BASE_IMAGE__`, `FROM @BASE@`, `FROM #BASE_IMAGE`), or the source of a BuildKit frontend other than Docker's " +
			"(`# syntax = devthefuture/dockerfile-x`) that uses what only that frontend knows: an instruction Docker's " +
			"frontend does not have (`INCLUDE ./common/base`) or another Dockerfile as a base (`FROM ./base.dockerfile`), " +
			"or the Dockerfile of a Dev Container Template source " +
			"(`${templateOption:…}` outside comments), or a piece of one: a file named like a Dockerfile, that no " +
			"devcontainer.json builds, with no `FROM` at all (`gpulibs.Dockerfile`, `Dockerfile.envs`, a `_common/Dockerfile`, " +
			"joined to others by a build script), or one whose first instruction comes before any `FROM` and whose `FROM` builds on a stage it does not have, or that sits in a templates folder " +
			"(`ENV DOCKER_ENV=development`, then `FROM dev AS prod`: what a generator writes after its own `FROM` line), or one a build script appends into the Dockerfile it writes with `cat` " +
			"(`cat custom/header.Dockerfile >> $DOCKERFILE`: its `FROM` starts a file whose `USER` and `ENTRYPOINT` come later), or one a " +
			"template of the repository includes with such a directive (`docker/alpine/runtime-from.dockerfile`) or a dockerfile-x source " +
			"with its `INCLUDE` (manyfold's `docker/base.dockerfile`, from the build context's root or the including file's folder), or an empty file named like a Dockerfile (a placeholder or a test's fixture). " +
			"It is reported once, as a note, and not checked as a Dockerfile: " +
			"nothing is built and its base is not read. A Template source's Dockerfile, or one whose base is a placeholder, " +
			"that still parses is checked by the rules that can read it, but its placeholders are not reported (no CR102 " +
			"on `<ubuntu>`).",
		Why: "Until a generator or the Dev Containers CLI (`devcontainer templates apply`) fills it in, the file is not what " +
			"gets built: its placeholders are meant to be there, and reading it as a Dockerfile reports parse errors and " +
			"unpinned `REPLACE-ME` images that do not exist in any image Coder runs. The `# syntax` directive names the " +
			"frontend image BuildKit runs to read the file; another frontend than Docker's reads a language of its own, " +
			"which it turns into the build." + cite("spec", "dockerfile"),
		HowToFix: howTo,
		Sources:  []string{"spec", "dockerfile"},
		// The scan reports this itself, when it recognises a template.
		Dockerfile: func(*DockerfileInput) []Finding { return nil },
	})
	Register(&Rule{
		ID:       RuleDevcontainerTemplate,
		Title:    "Dev Container Template source, placeholders not checked",
		Severity: SeverityInfo,
		Family:   FamilyDevcontainer,
		What: "A devcontainer.json (or a Compose file it names) is the source of a Dev Container Template: it holds " +
			"`${templateOption:…}` placeholders, which the Dev Containers CLI fills in with the options chosen when it " +
			"applies the template, or a `devcontainer-template.json` sits beside its `.devcontainer` folder (or above the " +
			"hidden folder that holds it, `web/.template/.devcontainer/`). A devcontainer.json that does not parse because " +
			"a generator fills it in (a line that starts with `{{`, `{%` or `<%`, such as `{{#templateOption.x}}` sections, " +
			"or a value that is such a tag) is one too, and is not checked until then (no CR200). A VS Code dev " +
			"container definition (the Templates' predecessor: an `.npmignore` beside the `.devcontainer` folder and no " +
			"`package.json`, so the folder ships inside the package that copies it into projects) counts as one too, as does " +
			"a project skeleton whose `image` is a placeholder a script fills in when it copies the folder " +
			"(`\"image\": \"#BASE_IMAGE_FULL\"`, `__IMAGE__`, `@IMAGE@`, `<image>`): its image is not reported (CR217) nor read. It is " +
			"reported once per file, as a note; the config is checked as it is, but its placeholders are not reported " +
			"(CR210), the files it names outside its folder that the template does not hold (a template \"for an existing " +
			"Dockerfile\" names the project's `../Dockerfile`; for a VS Code definition, any it does not hold) are named in " +
			"the note instead of reported missing (CR203), and its image is " +
			"neither built nor read.",
		Why: "A template source is not a config anyone builds: the placeholders are by design, the image reference or " +
			"value they stand in for is only known once the template is applied, and the files it names outside itself " +
			"are the project's it is copied into." + cite("spec"),
		HowToFix: howTo,
		Sources:  []string{"spec"},
		// The scan reports this itself, when it recognises a template.
		Devcontainer: func(*DevcontainerInput) []Finding { return nil },
	})
}

// TemplateKind says what makes a file a template.
type TemplateKind string

// The kinds of templates.
const (
	// TemplateDevcontainer is a Dev Container Template source: its
	// `${templateOption:…}` placeholders are filled in when the template is
	// applied.
	TemplateDevcontainer TemplateKind = "devcontainer-template"
	// TemplateGenerator is a file a generator (ERB, Jinja, Go templates,
	// configure) turns into a Dockerfile.
	TemplateGenerator TemplateKind = "generator"
	// TemplatePlaceholderBase is a Dockerfile whose FROM is a placeholder a
	// build script replaces.
	TemplatePlaceholderBase TemplateKind = "placeholder-base"
	// TemplateFragment is a piece of a Dockerfile with no FROM, named
	// like one (`gpulibs.Dockerfile`, `Dockerfile.envs`), that a build
	// script joins to others or inserts into a template.
	TemplateFragment TemplateKind = "fragment"
	// TemplateEmpty is an empty file named like a Dockerfile (a
	// placeholder, a test's fixture): nothing to build or check.
	TemplateEmpty TemplateKind = "empty"
	// TemplateFrontend is the source of a BuildKit frontend other than
	// Docker's (`# syntax = devthefuture/dockerfile-x`) that uses what only
	// that frontend knows (`INCLUDE`): the frontend turns it into a
	// Dockerfile at build time.
	TemplateFrontend TemplateKind = "frontend"
	// TemplateWindows is the Dockerfile of a Windows container: not a
	// template, but not a Linux image either, so it is noted (CR121) and
	// neither built nor checked.
	TemplateWindows TemplateKind = "windows"
)

// Template is what shows a file to be a template rather than a Dockerfile
// or devcontainer.json as it is built, or the Dockerfile of a Windows
// container (TemplateWindows): either way it is noted once, not built.
type Template struct {
	// Path is the file (slash-separated, relative to the scanned root).
	Path string
	Kind TemplateKind
	// Sign is what gave it away, for messages: "`${templateOption:imageVariant}`",
	// "the `.tt` suffix", "`FROM REPLACE-ME`".
	Sign string
	// Location is the first sign's place (line 1 when it is the name).
	Location Location
	// Placeholders counts the `${templateOption:…}` placeholders of a Dev
	// Container Template source's file.
	Placeholders int
	// Manifest is the file that marks the folder as a template: its
	// devcontainer-template.json, or the `.npmignore` that packages a VS
	// Code dev container definition ("" when none was found).
	Manifest string
	// Provided are the files the config names that the template does not
	// hold: the project it is applied to provides them (`../Dockerfile`
	// in a template "for an existing Dockerfile"). They are not reported
	// missing (CR203) but named in the note.
	Provided []string
	// included is set for a piece another file includes (IncludedFragment).
	included bool
}

// generatorSuffixes are the name endings of generator templates.
// (`.blueprint` is Orbit's, thecodingmachine/docker-images-php's
// generator.)
var generatorSuffixes = []string{".tt", ".erb", ".ejs", ".j2", ".jinja", ".jinja2", ".njk", ".hbs", ".mustache", ".tmpl", ".tpl", ".template", ".in", ".ncl", ".jsonnet", ".cue", ".blueprint"}

var (
	// generatorTag finds a template tag: Go templates, Jinja, ERB.
	generatorTag = regexp.MustCompile(`\{\{-?.*?-?\}\}|\{%-?.*?-?%\}|<%[=-]?.*?-?%>|\{\{|\{%|<%`)
	// placeholderLine is a placeholder alone on a line, which a build
	// script replaces with instructions (`%%ENV%%`, `@RUN@`, `__STEPS__`).
	placeholderLine = regexp.MustCompile(`^\s*(?:%%[A-Z][A-Z0-9_]*%%|@[A-Z][A-Z0-9_]*@|__[A-Z][A-Z0-9_]*__)\s*$`)
	// formatFieldLine is a Python format field alone on a line (mlrun's
	// `{args}` and `{pip}`, which a test fills in with str.format).
	formatFieldLine = regexp.MustCompile(`^\s*\{[a-z_][a-z0-9_]*\}\s*$`)
	// variableLine is a shell variable alone on a line (percona's
	// `${LABELS}`, which a script's `envsubst` turns into LABEL lines):
	// no instruction, only what fills it in.
	variableLine = regexp.MustCompile(`^\s*\$(?:\{[A-Z][A-Z0-9_]*\}|[A-Z][A-Z0-9_]*)\s*$`)
	// directiveLine is a line that starts with a generator's directive
	// (`@INCLUDE`, `@IF`, `@EXEC`, `@ENDIF`) or a printf-style field
	// (`%s`, `%(name)s`).
	directiveLine = regexp.MustCompile(`^\s*(?:@[A-Z]{2,}\b|%(?:\([A-Za-z_][A-Za-z0-9_]*\))?s)`)
	// generatorDirective is a generator's include written as a comment
	// (che-theia's `#{INCLUDE:docker/…/runtime-from.dockerfile}`).
	// Only an include needs filling in: the file misses the lines it
	// stands for (`#{IF:DO_CLEANUP}` lines are comments to Docker too,
	// and the file builds as it is).
	generatorDirective = regexp.MustCompile(`^\s*#\{INCLUDE:(?:\$\{[^}]*\}|[^}\s])+\}`)
	// wholeTag is a complete Go, Jinja or ERB tag.
	wholeTag = regexp.MustCompile(`\{\{-?\s*[.$A-Za-z][^{}]*\}\}|\{%-?.*?-?%\}|<%[=-]?.*?-?%>`)
	// fromLine splits a FROM line into its flags and the image.
	fromLine = regexp.MustCompile(`(?i)^(\s*FROM\s+(?:--\S+\s+)*)(\S+)`)
	// placeholderWord is a base image that only stands in for one.
	placeholderWord = regexp.MustCompile(`(?i)^(replace[-_]?me|change[-_]?me|placeholder|your[-_]?(base[-_]?)?image(?:[-_]?here)?|base[-_]?image[-_]?here)$`)
	// placeholderDelims are the delimiters build scripts substitute between.
	// A `#NAME` (`#BASE_IMAGE_FULL`, which a script's `sed` replaces) is
	// no image reference at all: none starts with `#`.
	placeholderDelims = regexp.MustCompile(`^(<[^<>]*>?|__[A-Za-z0-9_]+__|@[A-Za-z0-9_]+@|%%[A-Za-z0-9_]+%%|#[A-Za-z_][A-Za-z0-9_]*)$`)
)

// DockerfileTemplate recognises a Dockerfile that is a template (see
// CR120): nil when it is a Dockerfile as it is built. path names the
// file; src is its content.
func DockerfileTemplate(p string, src []byte) *Template {
	src = bytes.TrimPrefix(src, utf8BOM)
	lines := strings.Split(string(src), "\n")
	first := Location{Path: p, StartLine: 1}
	name := strings.ToLower(path.Base(p))
	for _, s := range generatorSuffixes {
		if strings.HasSuffix(name, s) && len(name) > len(s) {
			t := &Template{Path: p, Kind: TemplateGenerator, Sign: "the `" + s + "` suffix", Location: first}
			if tag := generatorLine(p, lines); tag != nil {
				t.Sign += " and " + tag.Sign
				t.Location = tag.Location
			}
			return t
		}
	}
	if t := generatorLine(p, lines); t != nil {
		return t
	}
	if t := programSource(p, lines); t != nil {
		return t
	}
	if t := placeholderBase(p, lines); t != nil {
		return t
	}
	if t := buildToolProperty(p, lines); t != nil {
		return t
	}
	if t := commentedArgs(p, lines); t != nil {
		return t
	}
	if t := frontendSource(p, lines); t != nil {
		return t
	}
	return templateOptions(p, lines, "#")
}

var (
	// syntaxDirective is the `# syntax=` parser directive naming the
	// BuildKit frontend that builds the file.
	syntaxDirective = regexp.MustCompile(`(?i)^#\s*syntax\s*=\s*(\S+)\s*$`)
	// anyDirective is any parser directive (`# escape=`, `# check=`).
	anyDirective = regexp.MustCompile(`^#\s*[A-Za-z][A-Za-z0-9_-]*\s*=`)
	// upperWord is a line's first word in upper case, the way an
	// instruction is written.
	upperWord = regexp.MustCompile(`^\s*([A-Z][A-Z_]+)(?:\s|$)`)
	// heredocStart finds a heredoc's delimiter (`<<EOF`, `<<-'EOT'`).
	heredocStart = regexp.MustCompile(`<<-?\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?`)
	// fileBase is dockerfile-x's `FROM ./base.dockerfile` or
	// `--from=../build/Dockerfile#stage`: another Dockerfile of the
	// repository taken as a base, not an image.
	fileBase = regexp.MustCompile(`(?i)^\s*(?:FROM\s+(?:--\S+\s+)*|(?:COPY|ADD)\s+(?:--\S+\s+)*--from=)(\.{1,2}/\S*|/\S*\.?dockerfile\S*)`)
)

// dockerInstructions are the instructions of Docker's own Dockerfile
// frontend.
var dockerInstructions = []string{"FROM", "ARG", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY",
	"ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}

// frontendSource recognises the source of a BuildKit frontend other than
// Docker's Dockerfile frontend (`# syntax = devthefuture/dockerfile-x`)
// that uses what only that frontend knows: an instruction Docker's does
// not have (`INCLUDE ./common/os-common`), or another Dockerfile as a base
// (`FROM ./base.dockerfile`). The frontend turns it into the Dockerfile
// BuildKit builds; read as a Dockerfile it does not parse. A file that
// names such a frontend but uses only Docker's instructions is checked as
// it is.
func frontendSource(p string, lines []string) *Template {
	frontend := syntaxFrontend(lines)
	if frontend == "" || dockersFrontend(frontend) {
		return nil
	}
	heredoc := ""
	continued := false
	for n, line := range lines {
		t := strings.TrimSpace(line)
		switch {
		case heredoc != "":
			if t == heredoc {
				heredoc = ""
			}
			continue
		case strings.HasPrefix(t, "#"):
			continue
		}
		wasContinued := continued
		continued = strings.HasSuffix(t, "\\")
		if m := heredocStart.FindStringSubmatch(line); m != nil {
			heredoc = m[1]
		}
		if wasContinued {
			continue
		}
		sign := ""
		if m := upperWord.FindStringSubmatch(line); m != nil && !slices.Contains(dockerInstructions, m[1]) {
			sign = "`" + m[1] + "`, not a Dockerfile instruction"
		} else if m := fileBase.FindStringSubmatch(line); m != nil {
			sign = "`" + m[1] + "`, another Dockerfile taken as an image"
		}
		if sign != "" {
			return &Template{Path: p, Kind: TemplateFrontend, Sign: "built by the frontend `" + frontend + "`: " + sign,
				Location: Location{Path: p, StartLine: n + 1}}
		}
	}
	return nil
}

// SyntaxFrontend returns the frontend image a Dockerfile's `# syntax=`
// parser directive names (`devthefuture/dockerfile-x`), "" when it names
// none.
func SyntaxFrontend(src []byte) string {
	return syntaxFrontend(strings.Split(string(src), "\n"))
}

// syntaxFrontend reads the parser directives at the top of a Dockerfile's
// lines for the `# syntax=` one.
func syntaxFrontend(lines []string) string {
	frontend := ""
	for _, line := range lines {
		t := strings.TrimSpace(line)
		if m := syntaxDirective.FindStringSubmatch(t); m != nil {
			frontend = m[1]
			continue
		}
		if !anyDirective.MatchString(t) {
			break
		}
	}
	return frontend
}

// dockersFrontend reports whether a `# syntax=` image is Docker's own
// Dockerfile frontend (`docker/dockerfile:1`, `docker.io/docker/dockerfile-upstream:master`,
// `docker/dockerfile:1-labs`).
func dockersFrontend(ref string) bool {
	name, _, _ := strings.Cut(ref, "@")
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	name = strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(name), "docker.io/"), "index.docker.io/")
	return name == "docker/dockerfile" || name == "docker/dockerfile-upstream"
}

// instructionWord is a line a Dockerfile may start with: an instruction
// (any case), a comment or parser directive, or a heredoc's or a
// continuation's text would come after one.
var instructionWord = regexp.MustCompile(`(?i)^\s*(#|(FROM|ARG|RUN|CMD|LABEL|MAINTAINER|EXPOSE|ENV|ADD|COPY|ENTRYPOINT|VOLUME|USER|WORKDIR|ONBUILD|STOPSIGNAL|HEALTHCHECK|SHELL)(\s|$))`)

// programSource recognises a program that writes a Dockerfile, named like
// one with a suffix of its own (haskell/docker-haskell's
// `Dockerfile.ncl`, a Nickel function `generate.sh` renders): its first
// line is no Dockerfile's, nor an upper-case word (a misspelt
// instruction). A plain `Dockerfile` that starts so is broken (CR100), not
// a template.
func programSource(p string, lines []string) *Template {
	if !strings.Contains(strings.ToLower(path.Base(p)), "dockerfile.") {
		return nil
	}
	for n, line := range lines {
		// A comment is either's (a Python program's header, `# Generate
		// the Dockerfile`): the first line of code tells.
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		// An upper-case word is an instruction, misspelt or not (CR100's).
		if word, _, _ := strings.Cut(strings.TrimSpace(line), " "); instructionWord.MatchString(line) || word == strings.ToUpper(word) {
			return nil
		}
		return &Template{Path: p, Kind: TemplateGenerator, Sign: "its first line of code, `" + strings.TrimSpace(line) + "`, is no Dockerfile instruction",
			Location: Location{Path: p, StartLine: n + 1}}
	}
	return nil
}

var (
	// commentedArg is a header comment listing an argument a generator
	// declares (`# ARG teamcityAgentImage`).
	commentedArg = regexp.MustCompile(`^\s*#\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)\s*$`)
	// realArg is an ARG instruction's first name.
	realArg = regexp.MustCompile(`(?i)^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)`)
)

// commentedArgs recognises a generator's source (JetBrains' TeamCity
// configs): comments hold the generator's `${…}` placeholders, and a FROM
// takes a variable that only a comment declares (`# ARG
// teamcityAgentImage`), no ARG before it does. The generator writes the
// ARG lines when it renders the file; as it is, it cannot be built.
func commentedArgs(p string, lines []string) *Template {
	// Its header still holds the generator's placeholders (`# Tag
	// ${versionTag}-linux`); a rendered file has their values, and its
	// missing ARG is a bug (CR113).
	placeholders := false
	for _, line := range lines {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "#") && varRe.MatchString(t) && strings.Contains(t, "${") {
			placeholders = true
			break
		}
	}
	if !placeholders {
		return nil
	}
	commented := map[string]int{}
	declared := map[string]bool{}
	for i, line := range lines {
		if m := commentedArg.FindStringSubmatch(line); m != nil {
			commented[m[1]] = i
			continue
		}
		if m := realArg.FindStringSubmatch(line); m != nil {
			declared[m[1]] = true
			continue
		}
		if !fromLine.MatchString(line) {
			continue
		}
		for _, m := range varRe.FindAllStringSubmatch(line, -1) {
			name := m[1] + m[2]
			if at, ok := commented[name]; ok && !declared[name] {
				return &Template{Path: p, Kind: TemplateGenerator, Sign: "`" + strings.TrimSpace(lines[at]) + "`, an argument only a comment declares",
					Location: Location{Path: p, StartLine: at + 1}}
			}
		}
	}
	return nil
}

// utf8BOM is the byte-order mark some editors put before a file's text.
var utf8BOM = []byte("\xef\xbb\xbf")

// anyFrom finds a FROM instruction's line.
var anyFrom = regexp.MustCompile(`(?im)^[ \t]*FROM[ \t]+\S`)

// DockerfileFragment recognises a file named like a Dockerfile (a plain
// `Dockerfile` too: `distros/_common/Dockerfile` that a build script
// appends to a one-line FROM file) that has no FROM at all: a piece a
// build script joins to others (`cat header.Dockerfile
// gpulibs.Dockerfile > Dockerfile`) or a template inserts; or one that is
// empty (TemplateEmpty). nil otherwise. Nobody writes a Dockerfile with no
// FROM by mistake. Only a file no devcontainer.json builds is judged so:
// one that is built and has no FROM fails its build (CR100).
func DockerfileFragment(p string, src []byte) *Template {
	// BuildKit's parser drops a byte-order mark before the first line
	// (Visual Studio saves Dockerfiles with one).
	src = bytes.TrimPrefix(src, utf8BOM)
	if len(strings.TrimSpace(string(src))) == 0 {
		// A placeholder or a test's fixture: nothing to build or check.
		return &Template{Path: p, Kind: TemplateEmpty, Sign: "an empty file", Location: Location{Path: p, StartLine: 1}}
	}
	// Binary junk is not a piece of anything: CR100 says it does not parse.
	if bytes.IndexByte(src, 0) >= 0 || !utf8.Valid(src) {
		return nil
	}
	if anyFrom.Match(src) {
		return laterPiece(p, src)
	}
	return &Template{Path: p, Kind: TemplateFragment, Sign: "no `FROM`", Location: Location{Path: p, StartLine: 1}}
}

// laterPiece recognises the part of a Dockerfile a generator writes after
// its `FROM` line (laravel-dockerize's `cli/templates/dockerfile/Dockerfile`:
// `ENV DOCKER_ENV=development` first, then `FROM dev AS prod`): its first
// instruction is neither `FROM` nor `ARG`, which no Dockerfile built as it
// is can be, and a later `FROM` builds on a stage the file does not name
// (the generator's), or the file sits in a templates folder. nil otherwise:
// a Dockerfile that merely lacks its first `FROM` is CR100's.
func laterPiece(p string, src []byte) *Template {
	first, line := "", 0
	for i, l := range strings.Split(string(src), "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		first, _, _ = strings.Cut(strings.ToUpper(t), " ")
		line = i + 1
		break
	}
	if first == "" || first == "FROM" || first == "ARG" || !slices.Contains(dockerInstructions, first) {
		return nil
	}
	named := map[string]bool{}
	for _, m := range stageAs.FindAllStringSubmatch(string(src), -1) {
		named[strings.ToLower(m[1])] = true
	}
	outside := false
	for _, m := range fromStage.FindAllStringSubmatch(string(src), -1) {
		if w := strings.ToLower(m[1]); !named[w] && !slices.Contains(officialImages, w) && w != "scratch" {
			outside = true
		}
	}
	if !outside && !slices.ContainsFunc(strings.Split(path.Dir(p), "/"), func(seg string) bool { return strings.Contains(strings.ToLower(seg), "template") }) {
		return nil
	}
	return &Template{Path: p, Kind: TemplateFragment, Sign: "`" + first + "` on line " + strconv.Itoa(line) + " before any `FROM`", Location: Location{Path: p, StartLine: line}}
}

var (
	// stageAs is a FROM's stage name; fromStage a FROM whose image is a
	// bare lower-case word with no tag, as stage names are.
	stageAs   = regexp.MustCompile(`(?im)^[ \t]*FROM[ \t]+.*?[ \t]AS[ \t]+(\S+)`)
	fromStage = regexp.MustCompile(`(?im)^[ \t]*FROM[ \t]+(?:--\S+[ \t]+)*([a-z][a-z0-9_-]*)(?:[ \t]|$)`)
)

// JoinedFragment is the Template of a Dockerfile that a build script
// joins to others into the Dockerfile it builds (`cat
// custom/header.Dockerfile >> $DOCKERFILE`): its FROM starts that
// Dockerfile, whose USER and ENTRYPOINT come after it. by names the
// script.
func JoinedFragment(p, by string) *Template {
	return &Template{Path: p, Kind: TemplateFragment, Sign: "`" + by + "` appends it with `cat`", Location: Location{Path: p, StartLine: 1}}
}

// IncludedFragment is the note for a Dockerfile piece another file of the
// repository includes, how saying with what: a generator's directive
// (`#{INCLUDE:docker/alpine/runtime-from.dockerfile}`) or the dockerfile-x
// frontend's `INCLUDE docker/base.dockerfile`.
func IncludedFragment(p, by, how string) *Template {
	return &Template{Path: p, Kind: TemplateFragment, Sign: "`" + by + "` includes it with " + how, Location: Location{Path: p, StartLine: 1},
		included: true}
}

// generatorLine finds a line that is a generator's: one that starts with a
// template tag, or a FROM that holds one. Tags elsewhere (`docker inspect
// --format '{{.Id}}'` in a RUN) are the command's own.
func generatorLine(p string, lines []string) *Template {
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		// A placeholder alone on a line (`%%ENV%%`: a script writes the
		// lines it stands for, ffmpeg's update.py), or a generator's
		// `#{INCLUDE:…}` (a comment to Docker, a directive to the
		// generator that fills it in).
		m := placeholderLine.FindStringIndex(line)
		if m == nil {
			m = generatorDirective.FindStringIndex(line)
		}
		// A Python format field alone on a line (`{args}`, filled in
		// with str.format before the build), where no instruction's
		// continuation could hold it.
		if m == nil && (i == 0 || !strings.HasSuffix(strings.TrimSpace(lines[i-1]), "\\")) {
			m = formatFieldLine.FindStringIndex(line)
			if m == nil {
				m = variableLine.FindStringIndex(line)
			}
			// A line a generator's directive or a printf-style field
			// starts (pdns-builder's `@INCLUDE Dockerfile.target.sdist`,
			// `@IF [ -n "$M_all$M_authoritative" ]`; fuzz-introspector's
			// `%sRUN …`, which `%` formatting turns into a comment or an
			// instruction): no instruction starts so.
			if m == nil {
				m = directiveLine.FindStringIndex(line)
			}
		}
		if m != nil {
			return &Template{Path: p, Kind: TemplateGenerator, Sign: "`" + clip(strings.TrimSpace(line[m[0]:m[1]]), 40) + "` on line " + fmt.Sprint(i+1),
				Location: Location{Path: p, StartLine: i + 1, StartCol: m[0] + 1, EndLine: i + 1, EndCol: m[1]}}
		}
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		at := -1
		switch {
		case strings.HasPrefix(trimmed, "{{"), strings.HasPrefix(trimmed, "{%"), strings.HasPrefix(trimmed, "<%"):
			at = strings.Index(line, trimmed[:2])
		case fromLine.MatchString(line):
			if m := generatorTag.FindStringIndex(line); m != nil {
				at = m[0]
			}
		case argDefault.MatchString(line):
			// A whole tag in the default of an ARG a FROM takes (`ARG
			// FROM_IMAGE="…-{{ .Orbit.variant }}"`, `FROM $FROM_IMAGE`).
			if m := wholeTag.FindStringIndex(line); m != nil && fromTakes(lines, argDefault.FindStringSubmatch(line)[1]) {
				at = m[0]
			}
		}
		if at < 0 {
			continue
		}
		tag := generatorTag.FindString(line[at:])
		return &Template{Path: p, Kind: TemplateGenerator, Sign: "`" + clip(tag, 40) + "` on line " + fmt.Sprint(i+1),
			Location: Location{Path: p, StartLine: i + 1, StartCol: at + 1, EndLine: i + 1, EndCol: at + len(tag)}}
	}
	return nil
}

// fromTakes reports whether a FROM line of the file takes the ARG name
// (`FROM $NAME`, `FROM ${NAME}`).
func fromTakes(lines []string, name string) bool {
	bare := regexp.MustCompile(`\$` + name + `\b`)
	for _, l := range lines {
		if fromLine.MatchString(l) && (strings.Contains(l, "${"+name+"}") || bare.MatchString(l)) {
			return true
		}
	}
	return false
}

// argDefault finds an ARG line's name and default (`ARG BASE_IMG=<ubuntu>`).
var argDefault = regexp.MustCompile(`(?i)^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S+)`)

// isPlaceholderImage reports whether an image reference only stands in
// for one a build script fills in: `REPLACE-ME`, `<ubuntu>`,
// `__BASE_IMAGE__:latest`, `@BASE@`.
func isPlaceholderImage(img string) bool {
	name := img
	if j := strings.IndexAny(name, "@"); j > 0 && !strings.HasPrefix(name, "@") {
		name = name[:j]
	}
	if j := strings.LastIndex(name, ":"); j > 0 && !strings.Contains(name[j:], "/") && !strings.HasPrefix(name, "<") {
		name = name[:j]
	}
	return placeholderWord.MatchString(name) || placeholderDelims.MatchString(name) || placeholderDelims.MatchString(img)
}

// propertyPlaceholder is a build tool's property reference, a dotted
// name in `${…}` (Maven's resource filtering: `${docker.base.image}`,
// `${pkg.installFolder}`): no Dockerfile variable has a dot in its name.
var propertyPlaceholder = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+\}`)

// expandedInstruction is an instruction whose arguments Docker expands
// itself (a RUN's are the shell's, which may quote a `${a.b}`).
var expandedInstruction = regexp.MustCompile(`(?i)^\s*(?:FROM|COPY|ADD|ENV|ARG|LABEL|WORKDIR|USER|EXPOSE|VOLUME|STOPSIGNAL)\s`)

// buildToolProperty finds a build tool's property placeholder in an
// instruction Docker expands (`FROM ${docker.base.image}` in thingsboard's
// msa/*/docker/Dockerfile, which Maven fills in from the pom before the
// build): Docker's own expansion stops at the dot, so the file as written
// does not parse; it is a template.
func buildToolProperty(p string, lines []string) *Template {
	for i, line := range lines {
		if !strings.Contains(line, "${") || !expandedInstruction.MatchString(line) {
			continue
		}
		if m := propertyPlaceholder.FindStringIndex(line); m != nil {
			return &Template{Path: p, Kind: TemplateGenerator, Sign: "the build tool's property `" + line[m[0]:m[1]] + "` on line " + fmt.Sprint(i+1),
				Location: Location{Path: p, StartLine: i + 1, StartCol: m[0] + 1, EndLine: i + 1, EndCol: m[1]}}
		}
	}
	return nil
}

// argDefaultImage is a FROM's image: the default of the ARG it names
// alone (`FROM $BASE_IMG` with `ARG BASE_IMG=<ubuntu>`), else as written.
func argDefaultImage(img string, defaults map[string]string) string {
	if v := strings.Trim(strings.TrimPrefix(img, "$"), "{}"); strings.HasPrefix(img, "$") && defaults[v] != "" {
		return defaults[v]
	}
	return img
}

// placeholderBase finds a FROM whose image is a placeholder, written in
// the FROM or as the default of the ARG it names (`ARG BASE_IMG=<ubuntu>`,
// `FROM $BASE_IMG`).
func placeholderBase(p string, lines []string) *Template {
	defaults := map[string]string{}
	for i, line := range lines {
		if a := argDefault.FindStringSubmatch(line); a != nil {
			defaults[a[1]] = strings.Trim(a[2], `"'`)
			continue
		}
		m := fromLine.FindStringSubmatchIndex(line)
		if m == nil {
			continue
		}
		img := argDefaultImage(line[m[4]:m[5]], defaults)
		if !isPlaceholderImage(img) {
			continue
		}
		sign := "`FROM " + img + "`"
		if img != line[m[4]:m[5]] {
			sign = "`FROM " + line[m[4]:m[5]] + "` with `" + img + "`"
		}
		return &Template{Path: p, Kind: TemplatePlaceholderBase, Sign: sign,
			Location: Location{Path: p, StartLine: i + 1, StartCol: m[4] + 1, EndLine: i + 1, EndCol: m[5]}}
	}
	return nil
}

// templateOptions finds the `${templateOption:…}` placeholders of a file's
// lines outside lines that are comments (they start with comment).
func templateOptions(p string, lines []string, comment string) *Template {
	var t *Template
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), comment) {
			continue
		}
		for _, m := range templateOption.FindAllStringIndex(line, -1) {
			if t == nil {
				t = &Template{Path: p, Kind: TemplateDevcontainer, Sign: "`" + line[m[0]:m[1]] + "`",
					Location: Location{Path: p, StartLine: i + 1, StartCol: m[0] + 1, EndLine: i + 1, EndCol: m[1]}}
			}
			t.Placeholders++
		}
	}
	return t
}

// ConfigGeneratorTemplate recognises a devcontainer.json that does not
// parse because a generator fills it in: a line that starts with a closed
// template tag (`{{#templateOption.usePrebuiltImage}}`, `{% if x %}`) or a
// value that is one (`"port": {{cdpPort}}`). nil otherwise (`{{{{` is
// junk, not a tag); call it only for a file that failed to parse.
func ConfigGeneratorTemplate(p string, src []byte) *Template {
	for i, line := range strings.Split(string(src), "\n") {
		m := lineTag.FindStringSubmatchIndex(line)
		if m == nil {
			m = valueTag.FindStringSubmatchIndex(line)
		}
		if m != nil {
			tag := line[m[2]:m[3]]
			return &Template{Path: p, Kind: TemplateGenerator, Sign: "`" + clip(tag, 40) + "` on line " + fmt.Sprint(i+1),
				Location: Location{Path: p, StartLine: i + 1, StartCol: m[2] + 1, EndLine: i + 1, EndCol: m[3]}}
		}
	}
	return nil
}

var (
	// lineTag finds a line that starts with a closed template tag.
	lineTag = regexp.MustCompile(`^\s*(\{\{[^{}]+\}\}|\{%[^%]+%\}|<%[^%]+%>)`)
	// valueTag finds a JSON value that is a closed template tag.
	valueTag = regexp.MustCompile(`:\s*(\{\{[^{}]+\}\}|\{%[^%]+%\}|<%[^%]+%>)`)
)

// ComposeTemplate recognises a Compose file of a Dev Container Template
// source: nil when it holds no `${templateOption:…}` placeholder.
func ComposeTemplate(p string, src []byte) *Template {
	return templateOptions(p, strings.Split(string(src), "\n"), "#")
}

// DevcontainerTemplate recognises a devcontainer.json that is a Dev
// Container Template source: one of its values holds a
// `${templateOption:…}` placeholder, or manifest names the file that
// marks its folder as a template (its devcontainer-template.json, or the
// `.npmignore` of a VS Code dev container definition, found beside the
// config's `.devcontainer` folder; "" when none). nil otherwise.
func DevcontainerTemplate(c *devcontainer.Config, manifest string) *Template {
	ms := c.FindInStrings(templateOption)
	if len(ms) == 0 {
		// An image that is a placeholder a script fills in when it copies
		// the folder into a new project (`"image": "#BASE_IMAGE_FULL"`).
		if img, ok := c.StringOK("/image"); ok && manifest == "" && isPlaceholderImage(img) {
			pos := c.Pos("/image")
			return &Template{Path: c.Path, Kind: TemplatePlaceholderBase, Sign: "`\"image\": \"" + img + "\"`",
				Location: Location{Path: c.Path, StartLine: pos.Line, StartCol: pos.Col, EndLine: pos.Line}}
		}
		if manifest == "" {
			return nil
		}
		return &Template{Path: c.Path, Kind: TemplateDevcontainer, Sign: "`" + manifest + "`", Manifest: manifest,
			Location: Location{Path: c.Path, StartLine: 1}}
	}
	m := ms[0]
	return &Template{Path: c.Path, Kind: TemplateDevcontainer, Sign: "`" + m.Text + "`", Placeholders: len(ms), Manifest: manifest,
		Location: Location{Path: c.Path, StartLine: m.Start.Line, StartCol: m.Start.Col, EndLine: m.End.Line, EndCol: m.End.Col}}
}

// Checkable reports whether the rules may still read the file: a Dev
// Container Template source's file, or a build asset with a placeholder
// base, that parses (what the rules learn from the base, they do not
// learn: the placeholder is not read). A generator template is not what
// gets built.
func (t *Template) Checkable(parses bool) bool {
	return (t.Kind == TemplateDevcontainer || t.Kind == TemplatePlaceholderBase) && parses
}

// Note is the template's one finding (CR120 for a Dockerfile, CR220 for a
// devcontainer.json or Compose file). checked says whether the rules read
// the file all the same (see Checkable).
func (t *Template) Note(checked bool) Finding {
	if t.Kind == TemplateWindows {
		return Finding{
			RuleID:   RuleWindowsImage,
			Severity: SeverityInfo,
			Evidence: EvidenceFile,
			Message: "a Windows container image (" + t.Sign + "): Coder's container templates run Linux images, so it is " +
				"neither built nor checked as a workspace image",
			Location: t.Location,
		}
	}
	id := RuleDockerfileTemplate
	if isConfigFile(t.Path) {
		id = RuleDevcontainerTemplate
	}
	var what string
	switch t.Kind {
	case TemplateGenerator:
		yet := "a Dockerfile"
		if isConfigFile(t.Path) {
			yet = "a valid `" + path.Base(t.Path) + "`"
		}
		what = "a generator template (" + t.Sign + "), not " + yet + " yet"
	case TemplatePlaceholderBase:
		what = "a Dockerfile whose base is a placeholder (" + t.Sign + ") that a build script fills in"
		if isConfigFile(t.Path) {
			what = "a devcontainer.json whose image is a placeholder (" + t.Sign + ") that a script fills in when it copies the folder into a project"
		}
	case TemplateFragment:
		what = "a piece of a Dockerfile (it has no `FROM`) that a build script joins to others, not a Dockerfile on its own"
		switch {
		case t.included:
			what = "a piece of a Dockerfile that another file includes (" + t.Sign + "), not a Dockerfile on its own"
		case t.Sign != "no `FROM`":
			what = "a piece of a Dockerfile that a build script joins to others (" + t.Sign + "), not a Dockerfile on its own"
		}
	case TemplateEmpty:
		what = "an empty file named like a Dockerfile (a placeholder or a test's fixture), nothing to build"
	case TemplateFrontend:
		what = "the source of another Dockerfile syntax (" + t.Sign + "), which the frontend turns into a Dockerfile when it builds"
	default:
		what = "part of a Dev Container Template source"
		if path.Base(t.Manifest) == ".npmignore" {
			what = "part of a VS Code dev container definition"
		}
		if t.Manifest != "" {
			what += " (" + t.Manifest + ")"
		}
		switch {
		case t.Placeholders == 0:
			what += ", applied to a project by copying it"
		case t.Placeholders > 1:
			what += fmt.Sprintf(": its %d placeholders (%s, …) are filled in when the template is applied", t.Placeholders, t.Sign)
		default:
			what += ": its placeholder " + t.Sign + " is filled in when the template is applied"
		}
		if len(t.Provided) > 0 {
			what += "; the project it is applied to provides " + quoteList(t.Provided)
		}
	}
	var done string
	switch {
	case checked && t.Kind == TemplatePlaceholderBase && isConfigFile(t.Path):
		done = "checked as it is, but its image is neither read nor reported and nothing is built (config `check-templates: true` checks it as it is)"
	case checked && t.Kind == TemplatePlaceholderBase:
		done = "checked as it is, but its base is neither read nor reported and nothing is built (config `check-templates: true` builds it)"
	case checked && t.Placeholders == 0:
		done = "checked as it is, but nothing is built (config `check-templates: true` builds it and reports the files it names that are missing)"
	case checked:
		done = "checked as it is, but its placeholders are not reported and nothing is built (config `check-templates: true` reports them)"
	case id == RuleDockerfileTemplate && t.Kind == TemplateDevcontainer:
		done = "not checked as a Dockerfile (it does not parse until then), nor built (config `check-templates: true` checks it as it is)"
	case id == RuleDockerfileTemplate:
		done = "not checked as a Dockerfile, nor built (config `check-templates: true` checks it as it is)"
	default:
		done = "not checked (config `check-templates: true` checks it as it is)"
	}
	return Finding{
		RuleID:   id,
		Severity: SeverityInfo,
		Evidence: EvidenceFile,
		Message:  what + "; " + done,
		Location: t.Location,
	}
}

// quoteList names paths in backticks, joined with commas.
func quoteList(ps []string) string {
	q := make([]string, len(ps))
	for i, p := range ps {
		q[i] = "`" + p + "`"
	}
	return strings.Join(q, ", ")
}

// isConfigFile reports whether a path is a devcontainer.json or a Compose
// file (CR220's), not a Dockerfile (CR120's).
func isConfigFile(p string) bool {
	base := strings.ToLower(path.Base(p))
	return strings.HasSuffix(base, ".json") || strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml")
}

// clip shortens s to at most n bytes, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
