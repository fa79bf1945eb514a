package checks

import (
	"crypto/sha256"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/coderready/coderready/dockerfile"
)

// This file holds CR112's reading of the scripts a RUN runs that the
// Dockerfile copies in from the build context (`COPY ci /opt/ci`, then
// `RUN cd /opt/ci && bash install_bazelisk.sh`): a download such a script
// names for one architecture, whatever the build's, breaks the image on
// the others as one in the RUN itself would.

// scriptURL is a URL in a command's word.
var scriptURL = regexp.MustCompile(`https?://[^\s"'<>()|;&]+`)

// scriptExit is a script's `exit`, which may stop it on an architecture
// it has nothing for.
var scriptExit = regexp.MustCompile(`(?m)(?:^|[\s;&|])exit\b`)

// scriptFetchers are the programs whose URL arguments are downloads.
var scriptFetchers = []string{"curl", "wget", "aria2c"}

// scriptDownloads are CR112's findings for the scripts the final image's
// RUNs run from the build context: one per script whose downloads name a
// single architecture, other than one the stage is built for, when the
// script does not stop on the architectures it has no download for. A
// script run under a condition, named through a variable, or not found in
// the context is not read.
func scriptDownloads(v *dfView) []Finding {
	if v.in.Context == nil || v.final == nil {
		return nil
	}
	var out []Finding
	read := map[string]bool{}
	for _, ins := range v.instructions(v.final) {
		if ins.Cmd != "run" || v.buildMachineStage(ins.Stage) {
			continue
		}
		for _, rs := range v.runScripts(ins) {
			if read[rs.rel] {
				continue
			}
			read[rs.rel] = true
			if fd, ok := scriptArchDownload(v, rs.text, rs.rel, rs.c, v.fixedArch(ins.Stage)); ok {
				out = append(out, fd)
			}
		}
	}
	return out
}

// runScript is a script of the build context a RUN runs: the command
// that runs it, its text and its path in the context.
type runScript struct {
	c         dockerfile.Command
	text, rel string
}

// runScripts are the scripts of the build context a RUN runs whatever
// happens (not under a condition, not named through a variable).
func (v *dfView) runScripts(ins *dockerfile.Instruction) []runScript {
	if v.in.Context == nil {
		return nil
	}
	cmds, err := ins.Commands()
	if err != nil {
		return nil
	}
	// `cd /opt/ci && bash install_bazelisk.sh`: the script's folder is
	// the one the RUN moved to (as CR114/CR115 follow it). Worked out
	// only for a RUN that runs a script.
	if !slices.ContainsFunc(cmds, func(c dockerfile.Command) bool { return c.Script != "" }) {
		return nil
	}
	var out []runScript
	vars, home := v.stageVars(ins.Stage, ins), v.homeAt(ins.Stage, ins)
	cwd := v.workdirAt(ins.Stage, ins)
	for _, c := range cmds {
		if path.Base(c.Name) == "cd" || c.Name == "pushd" || c.Name == "popd" {
			cwd = changeDir(cwd, home, c, vars)
			continue
		}
		sc := strings.Trim(c.Script, `"'`)
		if c.Conditional || sc == "" || sc == "-" || strings.ContainsAny(sc, "$`") {
			continue
		}
		if sc = resolvePath(sc, home, cwd, vars); sc == "" {
			continue
		}
		if b, rel, ok := v.contextFile(sc); ok {
			out = append(out, runScript{c: c, text: string(b), rel: rel})
		}
	}
	return out
}

// archHint finds any text archRe could match, without its separators:
// a quick test before a script is parsed.
var archHint = regexp.MustCompile(`(?i)amd64|x86[_-]64|aarch64|arm64|armv[67]|armhf|i386|i686|x64|linux[-_]?64`)

// scriptArchDownload judges one script's text: the first download that
// names an architecture, when every such download the script runs
// whatever happens (not under an `if`, a `case` branch, a loop, a
// function or `||`; not one whose failure it ignores) names the same one
// and the stage is not built for it. Working the architecture out for
// other downloads (`docker-compose-$(uname -s)-$(uname -m)` beside
// `helm-$TAG-linux-amd64.tar.gz`) does not make such a one right; a
// script that works it out and exits somewhere may stop on the others
// (`[ "$(uname -m)" = x86_64 ] || exit 0`) and is not judged. A script
// that does not parse is not judged.
func scriptArchDownload(v *dfView, text, rel string, c dockerfile.Command, fixed string) (Finding, bool) {
	sa := scriptArchOf(v.in.Scripts, text)
	if sa.archs != 1 || ownArch(fixed, normArch(sa.firstArch)) {
		return Finding{}, false
	}
	return Finding{
		Message: fmt.Sprintf("`%s`, which this RUN runs, downloads `%s` (its line %d): it hard-codes the %s architecture, "+
			"so the image breaks on other platforms", rel, sa.first, sa.firstLine, archNamed(sa.firstArch)),
		Location: v.spanLoc(c.Span),
		Fix: &Fix{Description: fmt.Sprintf("pick the download in `%s` from the build's architecture: `$(uname -m)` gives "+
			"x86_64/aarch64, `$(dpkg --print-architecture)` amd64/arm64", rel)},
	}, true
}

// scriptArch is what a script's text says of its downloads: the first
// that names an architecture (its URL, the name as written, its line) and
// how many architectures such downloads name (0 when the script is not
// judged).
type scriptArch struct {
	first, firstArch string
	firstLine, archs int
}

// ScriptCache keeps what CR112 read of the scripts a repository's
// Dockerfiles run, by the script's digest: the same library scripts are
// copied into many Dockerfiles of one repository (vscode-dev-containers'
// `library-scripts/*.sh`). One scan shares one; it is safe for concurrent
// use, and bounded: when full, it starts over.
type ScriptCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]scriptArch
}

// NewScriptCache returns an empty ScriptCache.
func NewScriptCache() *ScriptCache {
	return &ScriptCache{m: map[[sha256.Size]byte]scriptArch{}}
}

// maxScriptCache bounds a ScriptCache's entries.
const maxScriptCache = 1024

// scriptArchOf reads a script's downloads (scriptArchDownload's rules),
// through cache when there is one.
func scriptArchOf(cache *ScriptCache, text string) scriptArch {
	// A script that names no architecture anywhere downloads none by
	// name: not worth parsing.
	if !archHint.MatchString(text) {
		return scriptArch{}
	}
	if cache == nil {
		return readScriptArch(text)
	}
	key := sha256.Sum256([]byte(text))
	cache.mu.Lock()
	sa, ok := cache.m[key]
	cache.mu.Unlock()
	if ok {
		return sa
	}
	sa = readScriptArch(text)
	cache.mu.Lock()
	if len(cache.m) >= maxScriptCache {
		clear(cache.m)
	}
	cache.m[key] = sa
	cache.mu.Unlock()
	return sa
}

// readScriptArch parses a script for scriptArchOf.
func readScriptArch(text string) scriptArch {
	if scriptExit.MatchString(text) && archAware(text) {
		return scriptArch{}
	}
	cmds, assigns, err := dockerfile.ScriptAssignments(text)
	if err != nil {
		return scriptArch{}
	}
	vars := knownScriptVars(assigns, archAware(text))
	fetchers := scriptAliases(cmds)
	var sa scriptArch
	archs := map[string]bool{}
	for _, sc := range cmds {
		if sc.Conditional || sc.FailureIgnored || !slices.Contains(fetchers, path.Base(sc.Name)) {
			continue
		}
		for _, a := range sc.Args {
			a = vars.expand(a)
			for _, u := range scriptURL.FindAllString(a, -1) {
				m := archRe.FindStringSubmatch(withoutPatternSubst(u))
				if m == nil || otherOS.MatchString(u) || keyFile.MatchString(u) || archFreePackage(u) || crossArchive.MatchString(u) {
					continue
				}
				a := normArch(m[1])
				if a == "" {
					continue
				}
				archs[a] = true
				if sa.first == "" {
					sa.first, sa.firstArch, sa.firstLine = u, m[1], sc.Line
				}
			}
		}
	}
	sa.archs = len(archs)
	return sa
}

// scriptVars are the values a script gives its variables, where every
// value it gives one names the same architecture, or none (the
// `zig-linux-x86_64-…` and `zig-x86_64-linux-…` of a version test): a
// download through the variable (`curl -LO "${ZIG_URL}"`) names it as
// surely as one written out. A variable set only under a condition in a
// script that works the architecture out is left as it is.
type scriptVars map[string]string

// knownScriptVars collects them from a script's assignments.
func knownScriptVars(assigns []dockerfile.Assignment, aware bool) scriptVars {
	type known struct {
		first, arch string
		ok          bool
	}
	vars := map[string]*known{}
	for _, a := range assigns {
		v, arch := strings.Trim(a.Value, `"'`), ""
		if m := archRe.FindStringSubmatch(withoutPatternSubst(v)); m != nil {
			arch = normArch(m[1])
		}
		unknown := a.Conditional && aware
		if k, seen := vars[a.Name]; seen {
			k.ok = k.ok && !unknown && k.arch == arch
			continue
		}
		vars[a.Name] = &known{first: v, arch: arch, ok: !unknown}
	}
	out := scriptVars{}
	for name, k := range vars {
		// A script's argument (`V="$1"`) stays a name: it says more.
		if k.ok && !positional.MatchString(k.first) {
			out[name] = k.first
		}
	}
	return out
}

// positional is a value that is a script's argument alone.
var positional = regexp.MustCompile(`^\$(?:[0-9@*]|\{[0-9]+\})$`)

// scriptVarRef is a plain variable reference: `$NAME` or `${NAME}`.
var scriptVarRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// expand writes the known values into a word, three levels deep (a URL
// made of a folder and a name variable).
func (sv scriptVars) expand(w string) string {
	if len(sv) == 0 || !strings.Contains(w, "$") {
		return w
	}
	for range 3 {
		next := scriptVarRef.ReplaceAllStringFunc(w, func(ref string) string {
			m := scriptVarRef.FindStringSubmatch(ref)
			if v, ok := sv[m[1]+m[2]]; ok {
				return v
			}
			return ref
		})
		if next == w {
			break
		}
		w = next
	}
	return w
}

// scriptAliases are the programs whose URL arguments a script downloads:
// scriptFetchers and its aliases for them (`alias get_file="curl
// --location --remote-name"`).
func scriptAliases(cmds []dockerfile.Command) []string {
	out := scriptFetchers
	for _, c := range cmds {
		if c.Name != "alias" {
			continue
		}
		for _, a := range c.Args {
			name, def, ok := strings.Cut(a, "=")
			if f := strings.Fields(strings.Trim(def, `"'`)); ok && len(f) > 0 && slices.Contains(scriptFetchers, path.Base(f[0])) {
				out = append(slices.Clip(out), name)
			}
		}
	}
	return out
}
