package checks

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/coderready/coderready/dockerfile"
)

// This file extends CR112 (rules_dockerfile_tools.go) to architectures
// hard-coded in ENV and ARG values: a path the image keeps
// (`ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64`), or a value a later
// download or path is made from (`ARG ARCH=amd64`, then `…/linux-${ARCH}.tar.gz`).

// platformArgs are BuildKit's automatic platform ARGs: a default given to
// one of them is not a hard-coded architecture of the image.
var platformArgs = []string{"TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
	"BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT"}

// archWord matches a value that is only an architecture name.
var archWord = regexp.MustCompile(`(?i)^(amd64|x86_64|x86-64|aarch64|arm64|armv7l|armv7|armhf|i386|i686|x64)$`)

// platformWord is an operating system joined to an architecture, as
// download names write it (`linux.x86_64`, `linux-amd64`, `linux_x86_64`,
// `x86_64-linux`).
var platformWord = regexp.MustCompile(`(?i)^((linux|darwin|windows)[-_.](amd64|x86_64|x64|aarch64|arm64|armv7l|armhf)|(amd64|x86_64|aarch64|arm64)[-_.]linux)$`)

// archVar is an ENV or ARG value that names an architecture.
type archVar struct {
	name, value, arch string
	env               bool
	stage             *dockerfile.Stage
	// ins declares the name in the stage; at is where its value is
	// written: ins itself, or the ARG before the first FROM whose
	// default a stage's `ARG NAME` takes.
	ins, at *dockerfile.Instruction
}

// archVars returns the ENV and ARG values of stage s that name an
// architecture and are an architecture, a path or a URL.
func archVars(f *dockerfile.File, s *dockerfile.Stage) []archVar {
	var out []archVar
	for _, ins := range s.Instructions {
		var kvs []dockerfile.KeyValue
		at := map[string]*dockerfile.Instruction{}
		switch ins.Cmd {
		case "env":
			kvs = ins.Env
		case "arg":
			for _, a := range ins.Declares {
				if a.Default != nil {
					kvs = append(kvs, dockerfile.KeyValue{Key: a.Name, Value: *a.Default})
				} else if m, def := metaDefault(f, a.Name); m != nil {
					// `ARG ARCH` in a stage takes the default of an
					// `ARG ARCH=amd64` before the first FROM.
					kvs = append(kvs, dockerfile.KeyValue{Key: a.Name, Value: def})
					at[a.Name] = m
				}
			}
		default:
			continue
		}
		for _, kv := range kvs {
			// A value with spaces is a command or a list, not a path or
			// URL (a shell script kept in an ARG is the RUN's business).
			// A file for another OS (`…/FreeBSD/releases/amd64/…/base.txz`,
			// a cross-compiler's sysroot) runs on no Linux host.
			if slices.Contains(platformArgs, kv.Key) || archAware(kv.Value) || strings.ContainsAny(strings.TrimSpace(kv.Value), " \t\n") ||
				crossTarget(kv.Key, strings.Trim(kv.Value, `"'`)) || crossRootfs(kv.Key, strings.Trim(kv.Value, `"'`)) || androidABI.MatchString(kv.Value) || otherOS.MatchString(kv.Value) {
				continue
			}
			m := archRe.FindStringSubmatch(withoutPatternSubst(kv.Value))
			if m == nil {
				m = archWord.FindStringSubmatch(withoutPatternSubst(kv.Value))
			}
			if _, x86 := archlessX86(strings.Trim(kv.Value, `"'`)); m == nil && x86 {
				// A URL known to be the x86_64 build though its name says
				// no architecture (`ARG NGC_CLI_URI=…/ngccli_linux.zip`).
				m = []string{"", "x86_64"}
			}
			if m == nil {
				continue
			}
			if !archWord.MatchString(kv.Value) && !platformWord.MatchString(strings.Trim(kv.Value, `"'`)) && !isURLOrPath(kv.Value) {
				continue
			}
			// A search path (`LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu:…`,
			// `PATH=/opt/x86_64/bin:$PATH`) lists folders the loader or the
			// shell skips when they are missing: nothing breaks elsewhere.
			if searchPath(kv.Key, kv.Value) {
				continue
			}
			// A setting for one target (`CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER`,
			// `CC_x86_64_unknown_linux_gnu`): its tool reads it only when
			// building for that architecture, as rustup's `--target` is.
			if archRe.MatchString(kv.Key) {
				continue
			}
			// A cross toolchain's sysroot for its target
			// (`OPENSSL_LIB_DIR=/usr/local/aarch64-linux-musl/lib` in a
			// cross image) is the same on every build host.
			if crossSysroot.MatchString(strings.Trim(kv.Value, `"'`)) {
				continue
			}
			// i386 is never the image's own architecture on a platform
			// Coder runs on: such a path is a 32-bit multilib folder
			// (`/usr/lib/i386-linux-gnu`) kept beside the native one.
			if normArch(m[1]) == "386" {
				continue
			}
			av := archVar{name: kv.Key, value: kv.Value, arch: m[1], env: ins.Cmd == "env", stage: s, ins: ins, at: ins}
			if mi := at[kv.Key]; mi != nil {
				av.at = mi
			}
			out = append(out, av)
		}
	}
	return out
}

// metaDefault is the ARG before the first FROM that last declares name
// with a default, and that default; nil when there is none. A stage's
// `ARG name` without a default of its own takes it.
func metaDefault(f *dockerfile.File, name string) (*dockerfile.Instruction, string) {
	if f == nil {
		return nil, ""
	}
	var at *dockerfile.Instruction
	def := ""
	for _, ins := range f.Meta {
		for _, a := range ins.Declares {
			if a.Name != name {
				continue
			}
			at, def = nil, ""
			if a.Default != nil {
				at, def = ins, *a.Default
			}
		}
	}
	return at, def
}

// androidABI is an Android ABI's name (`arm64-v8a`, `armeabi-v7a`): a
// folder for an app built for that Android device, the same on every
// build host.
var androidABI = regexp.MustCompile(`(?i)\barm64-v8a\b|\barmeabi(?:-v7a)?\b|android[-_]arm64[-_]v8a`)

// rootfsPath is a folder that holds another system's root file system
// (`/crossrootfs/arm64`, `/opt/sysroot`).
var rootfsPath = regexp.MustCompile(`(?i)/(?:cross[-_]?)?(?:rootfs|sysroots?)(?:/|$)`)

// crossRootfs reports whether a variable names the root file system a
// cross build compiles against (dotnet's `ROOTFS_DIR=/crossrootfs/arm64`,
// a `SYSROOT`): the target's files, the same on every build host.
func crossRootfs(name, value string) bool {
	n := strings.ToUpper(name)
	return strings.HasPrefix(value, "/") && (strings.Contains(n, "ROOTFS") || strings.Contains(n, "SYSROOT") || rootfsPath.MatchString(value))
}

// targetTriple is a compiler's target triple with its vendor
// (`aarch64-unknown-linux-gnu`, `armv7-alpine-linux-musleabihf`), not the
// two-part multiarch tuple of a library folder (`x86_64-linux-gnu`).
var targetTriple = regexp.MustCompile(`(?i)^(?:x86_64|aarch64|armv7l?|arm|i[3-6]86|riscv(?:32|64)|powerpc64le|s390x)-[a-z0-9_]+-linux-[a-z0-9_]+$`)

// crossTarget reports whether a variable names a cross-compile target: a
// value that is a target triple, a name that says so (`TARGET_TRIPLE`,
// `CROSS_…`), or a `…TARGET…` name given a triple-like word
// (`RUST_TARGET=aarch64-linux-musl`; not `TARGET_ARCH=amd64`, a default). The toolchain for it runs on the build
// host whatever the target.
func crossTarget(name, value string) bool {
	n := strings.ToUpper(name)
	return targetTriple.MatchString(value) || strings.Contains(n, "TRIPLE") || strings.Contains(n, "CROSS") ||
		strings.Contains(n, "TARGET") && !slices.Contains(platformArgs, n) && strings.Count(value, "-") >= 2 && !strings.ContainsAny(value, "/:")
}

// searchPaths are the variables that hold a list of folders to search.
var searchPaths = []string{"PATH", "LD_LIBRARY_PATH", "LIBRARY_PATH", "PKG_CONFIG_PATH", "CPATH", "C_INCLUDE_PATH",
	"CPLUS_INCLUDE_PATH", "MANPATH", "INFOPATH", "PYTHONPATH", "CLASSPATH", "XDG_DATA_DIRS", "GOPATH", "PERL5LIB"}

// pathKey is a variable named for a search path (`GST_PLUGIN_PATH`,
// `GST_PLUGIN_SYSTEM_PATH_1_0`).
var pathKey = regexp.MustCompile(`_PATH(?:_[0-9_]+)?$`)

// searchPath reports whether an ENV or ARG value is a list of folders to
// search: a search-path variable, or a value of several paths joined by `:`.
func searchPath(key, value string) bool {
	if slices.Contains(searchPaths, key) || pathKey.MatchString(key) && !strings.Contains(value, "://") {
		return true
	}
	return !strings.Contains(value, "://") && strings.Count(value, ":") >= 1 && strings.HasPrefix(strings.Trim(value, `"'`), "/") &&
		strings.Contains(strings.SplitN(strings.Trim(value, `"'`), ":", 2)[1], "/")
}

// refersTo reports whether a word uses the variable name (`$NAME`,
// `${NAME}`, `${NAME:-…}`).
func refersTo(word, name string) bool {
	if strings.Contains(word, "${"+name+"}") || strings.Contains(word, "${"+name+":") {
		return true
	}
	for i := strings.Index(word, "$"+name); i >= 0; {
		end := i + 1 + len(name)
		if end == len(word) || !isNameByte(word[end]) {
			return true
		}
		j := strings.Index(word[end:], "$"+name)
		if j < 0 {
			break
		}
		i = end + j
	}
	return false
}

// isNameByte reports whether b may continue a shell variable name.
func isNameByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// archUse returns the first line where the value of av is used in a
// download or a path: a word of a RUN that does not work the
// architecture out itself, an ADD source, or another ENV or ARG value
// that is a URL or path. An ARG is seen only in its own stage; an ENV
// also in the stages built on it. 0 when it is not used so.
func (v *dfView) archUse(av archVar) int {
	for _, at := range v.usesAfter(av) {
		st, ins := at.stage, at.ins
		switch ins.Cmd {
		case "run":
			if archAware(v.f.Text(ins.StartLine, ins.EndLine)) {
				continue
			}
			vars := v.stageVars(st, ins)
			cmds, _ := ins.Commands()
			for _, c := range cmds {
				if c.Conditional {
					continue
				}
				for _, a := range c.Args {
					if refersTo(a, av.name) && isURLOrPath(expandKnown(a, vars)) {
						return c.Line
					}
				}
			}
		case "add":
			for _, a := range ins.Args[:max(len(ins.Args)-1, 0)] {
				if refersTo(a, av.name) && strings.Contains(expandKnown(a, v.stageVars(st, ins)), "://") {
					return ins.StartLine
				}
			}
		case "env":
			for _, kv := range ins.Env {
				// A search list (`PATH=…:$JAVA_HOME/bin:$PATH`) skips a
				// folder the machine lacks: it is not a use.
				if refersTo(kv.Value, av.name) && !searchPath(kv.Key, kv.Value) && isURLOrPath(expandKnown(kv.Value, v.stageVars(st, ins))) {
					return ins.StartLine
				}
			}
		case "arg":
			for _, a := range ins.Declares {
				if a.Default != nil && refersTo(*a.Default, av.name) && isURLOrPath(expandKnown(*a.Default, v.stageVars(st, ins))) {
					return ins.StartLine
				}
			}
		}
	}
	return 0
}

// archPick returns the line of a RUN that picks its downloads by testing
// av's value against architecture names (`case $arch in "amd64") …
// "arm64") …`) and by nothing else: with a hard-coded value every build
// takes the same branch (NordicPlayground/nrf-docker's `ARG arch=amd64`,
// which no build passes). 0 when there is none, when the RUN works the
// architecture out another way too, or sets the variable itself.
func (v *dfView) archPick(av archVar) int {
	if !archWord.MatchString(strings.Trim(av.value, `"'`)) {
		return 0
	}
	for _, at := range v.usesAfter(av) {
		ins := at.ins
		if ins.Cmd != "run" {
			continue
		}
		text := v.f.Text(ins.StartLine, ins.EndLine)
		ms := archCompare.FindAllStringIndex(text, -1)
		if len(ms) == 0 || assignsVar(text, av.name) {
			continue
		}
		rest, ok := text, true
		for i := len(ms) - 1; i >= 0; i-- {
			m := text[ms[i][0]:ms[i][1]]
			if vm := testedVar.FindStringSubmatch(m); vm == nil || vm[1] != av.name {
				ok = false
				break
			}
			rest = rest[:ms[i][0]] + rest[ms[i][1]:]
		}
		if !ok || archAware(rest) {
			continue
		}
		return ins.StartLine + strings.Count(text[:ms[0][0]], "\n")
	}
	return 0
}

// stageIns is an instruction with its stage.
type stageIns struct {
	stage *dockerfile.Stage
	ins   *dockerfile.Instruction
}

// usesAfter are the instructions that may use av's value: those after it
// in its stage, and every one of the stages that see it built on that
// stage (an ENV's).
func (v *dfView) usesAfter(av archVar) []stageIns {
	var out []stageIns
	for _, st := range v.f.Stages {
		if !v.sees(st, av) {
			continue
		}
		after := st != av.stage
		for _, ins := range st.Instructions {
			if ins == av.ins {
				after = true
				continue
			}
			if after {
				out = append(out, stageIns{st, ins})
			}
		}
	}
	return out
}

// assignsVar reports whether a shell text assigns the variable name
// (`arch=$(uname -m)`, `; arch=x`).
func assignsVar(text, name string) bool {
	for i := strings.Index(text, name+"="); i >= 0; {
		if i == 0 || strings.ContainsRune(" \t\n;&|(", rune(text[i-1])) {
			return true
		}
		j := strings.Index(text[i+1:], name+"=")
		if j < 0 {
			break
		}
		i += j + 1
	}
	return false
}

// testedVar is the variable an archCompare match tests.
var testedVar = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// sees reports whether stage st sees av: an ARG only in its own stage, an
// ENV also in the stages built on it.
func (v *dfView) sees(st *dockerfile.Stage, av archVar) bool {
	return st == av.stage || av.env && slices.Contains(v.chain(st), av.stage)
}

// sharesMetaArg reports whether stage st declares, without a default of
// its own, the ARG before the first FROM that av's value comes from: the
// folder it names is the same there (azure-functions-docker's
// `ARG JAVA_HOME=/usr/lib/jvm/msft-11-x64`, made by one stage's
// `mkdir -p ${JAVA_HOME}` and copied by the last).
func sharesMetaArg(st *dockerfile.Stage, av archVar) bool {
	if av.at == av.ins {
		return false
	}
	for _, ins := range st.Instructions {
		for _, a := range ins.Declares {
			if a.Name == av.name && a.Default == nil {
				return true
			}
		}
	}
	return false
}

// madeByBuild reports whether the folder av names is one the build makes
// itself (`mkdir -p ${JAVA_HOME}`, `tar -xzf … -C ${JAVA_HOME}`): it
// exists on every platform, and what is put in it is the download's
// business, reported where the download is.
func (v *dfView) madeByBuild(av archVar) bool {
	value := strings.Trim(av.value, `"'`)
	if !strings.HasPrefix(value, "/") {
		return false
	}
	names := func(w string) bool {
		return refersTo(w, av.name) || strings.TrimRight(w, "/") == strings.TrimRight(value, "/")
	}
	for _, st := range v.f.Stages {
		if !v.sees(st, av) && !sharesMetaArg(st, av) {
			continue
		}
		for _, ins := range st.Instructions {
			if ins.Cmd != "run" {
				continue
			}
			cmds, _ := ins.Commands()
			for _, c := range cmds {
				switch path.Base(c.Name) {
				case "mkdir", "install":
					if slices.ContainsFunc(c.Args, names) {
						return true
					}
				case "tar", "unzip":
					for i, a := range c.Args {
						if i+1 < len(c.Args) && (a == "-C" || a == "--directory") && names(c.Args[i+1]) ||
							strings.HasPrefix(a, "--directory=") && names(strings.TrimPrefix(a, "--directory=")) {
							return true
						}
						// The folder an archive unpacks to, named as the
						// archive is (`tar xf gcc-linaro-…-x86_64_aarch64-linux-gnu.tar.xz`
						// makes `gcc-linaro-…-x86_64_aarch64-linux-gnu/`):
						// the archive's download is the finding.
						if m := archiveExt.FindStringIndex(a); m != nil && m[0] > 0 && path.Base(strings.TrimRight(value, "/")) == path.Base(a[:m[0]]) {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

// armGuard is a shell case on the target platform whose ARM arm stops
// the build.
var armGuard = regexp.MustCompile(`(?s)case\s+"?\$\{?TARGET(?:PLATFORM|ARCH)\}?"?\s+in\b.*?"?(?:linux/)?(?:arm64|aarch64)"?\s*\)\s*exit\s+[1-9]`)

// builtStages are the stages a build of the final stage runs
// (stagesBuilding). A stage no build reaches (pytorch/serve's
// `codebuild-image`, when `FROM ${BUILD_TYPE}-image` picks `dev-image`)
// puts nothing in the image.
func (v *dfView) builtStages() map[*dockerfile.Stage]bool {
	return v.stagesBuilding(v.final)
}

// stagesBuilding are the stages a build of s runs: its chain, and the
// stages they copy from (`COPY --from=`, `RUN --mount=from=`), and so on.
func (v *dfView) stagesBuilding(s *dockerfile.Stage) map[*dockerfile.Stage]bool {
	built := map[*dockerfile.Stage]bool{}
	var visit func(s *dockerfile.Stage)
	visit = func(s *dockerfile.Stage) {
		for _, c := range v.chain(s) {
			if built[c] {
				continue
			}
			built[c] = true
			for _, ins := range c.Instructions {
				from, ok := ins.Flag("from")
				if !ok {
					from, ok = mountFrom(ins)
				}
				if !ok {
					continue
				}
				if t := v.stageRef(expandKnown(from, v.stageVars(c, ins))); t != nil {
					visit(t)
				}
			}
		}
	}
	visit(s)
	return built
}

// stageRef is the stage a `--from` value names, by name or index; nil for
// an image.
func (v *dfView) stageRef(from string) *dockerfile.Stage {
	for _, t := range v.f.Stages {
		if strings.EqualFold(t.Name, from) || strconv.Itoa(t.Index) == from {
			return t
		}
	}
	return nil
}

// mountFrom is a RUN's `--mount=…,from=STAGE`.
func mountFrom(ins *dockerfile.Instruction) (string, bool) {
	if ins.Cmd != "run" {
		return "", false
	}
	for _, f := range ins.Flags {
		if !strings.HasPrefix(f, "--mount=") {
			continue
		}
		for _, kv := range strings.Split(strings.TrimPrefix(f, "--mount="), ",") {
			if v, ok := strings.CutPrefix(kv, "from="); ok {
				return v, true
			}
		}
	}
	return "", false
}

// argPassed reports whether the repository's build files pass the build
// argument name, whose default names architecture arch, to a Dockerfile
// built on its own (DockerfileInput.BuildFileArg), none of them as a
// literal of that same architecture: its default is then a fallback
// (Arrow's `ARG arch=amd64`, which compose.yaml always sets from
// `${ARCH_ALIAS}`; Oracle's x86_64 install file, which the build script
// replaces with the ARM64 one on aarch64), not what every build uses.
func (v *dfView) argPassed(name, arch string) bool {
	if v.in.BuildFileArg == nil || v.in.Devcontainer != nil {
		return false
	}
	values, mentioned := v.in.BuildFileArg(name)
	if !mentioned {
		return false
	}
	// A value of another architecture beside it (a script's
	// `dockerfile_arch="aarch64"` for arm64, `"x86_64"` otherwise) is a
	// build per architecture.
	same, other := false, false
	for _, val := range values {
		if hasVar(val) {
			continue
		}
		m := archRe.FindStringSubmatch(val)
		if m == nil {
			m = archWord.FindStringSubmatch(val)
		}
		switch {
		case m == nil:
		case normArch(m[1]) == normArch(arch):
			same = true
		default:
			other = true
		}
	}
	return !same || other
}

// valueSpan finds the text `NAME=value` (or `NAME value`) of av on its
// instruction's lines.
func (v *dfView) valueSpan(av archVar) (dockerfile.Span, bool) {
	for n := av.at.StartLine; n <= av.at.HeaderEndLine; n++ {
		line := v.f.Line(n)
		i := strings.Index(line, av.name)
		for i >= 0 {
			rest := line[i+len(av.name):]
			if strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, " ") {
				end := len(line)
				if archRe.FindStringIndex(line[i:]) != nil || archWord.MatchString(av.value) {
					return dockerfile.Span{Line: n, Col: i + 1, EndLine: n, EndCol: end + 1}, true
				}
			}
			j := strings.Index(line[i+1:], av.name)
			if j < 0 {
				break
			}
			i += j + 1
		}
	}
	return dockerfile.Span{Line: av.at.StartLine}, false
}

// buildMachineStage reports whether stage s, not the final one, runs on
// the build machine: it, or a stage it is built on, starts `FROM
// --platform=$BUILDPLATFORM` (linkerd's go-deps, then one stage per
// GOOS/GOARCH it cross-compiles for). It makes files for the build, or
// for a platform it names itself, not the image's own programs.
func (v *dfView) buildMachineStage(s *dockerfile.Stage) bool {
	if s == v.final {
		return false
	}
	for _, c := range v.chain(s) {
		if p := c.Platform + " " + c.PlatformRaw; strings.Contains(p, "BUILDPLATFORM") || strings.Contains(p, "BUILDOS") || strings.Contains(p, "BUILDARCH") {
			return true
		}
	}
	return false
}

// archVarFindings are CR112's findings for ENV and ARG values: an ENV path
// the image keeps, or a value a later download or path uses. A stage built
// for one fixed platform (`FROM --platform=linux/amd64`) is not judged.
func archVarFindings(v *dfView) []Finding {
	var out []Finding
	built := v.builtStages()
	// A default before the first FROM that several stages declare is
	// one value, reported once: where the first stage uses it.
	reported := map[*dockerfile.Instruction]bool{}
	for _, s := range v.f.Stages {
		if s.Platform != "" && !hasVar(s.Platform) || !built[s] || v.buildMachineStage(s) {
			continue
		}
		fixed := v.fixedArch(s)
		for _, av := range archVars(v.f, s) {
			if ownArch(fixed, normArch(av.arch)) || av.at != av.ins && reported[av.at] {
				continue
			}
			if !av.env && v.argPassed(av.name, av.arch) {
				continue
			}
			use := v.archUse(av)
			pick := 0
			if use == 0 {
				pick = v.archPick(av)
			}
			kept := av.env && strings.HasPrefix(strings.Trim(av.value, `"'`), "/")
			if use == 0 && pick == 0 && !kept || v.madeByBuild(av) {
				continue
			}
			sp, ok := v.valueSpan(av)
			what := "keeps it in the image's environment"
			switch {
			case use != 0:
				what = fmt.Sprintf("line %d downloads or reads a path with it", use)
			case pick != 0:
				what = fmt.Sprintf("line %d picks what it installs by it, so every build takes the %s branch", pick, av.arch)
			}
			keyword := "ENV"
			if !av.env {
				keyword = "ARG"
			}
			fd := Finding{
				Message: fmt.Sprintf("%s `%s=%s` hard-codes the %s architecture and %s: the image breaks on other platforms",
					keyword, av.name, av.value, av.arch, what),
				Location: v.instLoc(av.at),
				Fix:      &Fix{Description: "declare `ARG TARGETARCH` and use `${TARGETARCH}`"},
			}
			if ok {
				fd.Location = v.spanLoc(sp)
			}
			if av.name == "LD_PRELOAD" {
				// ld.so skips a library it cannot preload, and says so on
				// every program it starts: noise, not a broken image.
				fd.Message = fmt.Sprintf("ENV `LD_PRELOAD=%s` names an %s library: on other platforms ld.so cannot preload it and "+
					"prints an error for every program it starts (the library is skipped)", av.value, av.arch)
				fd.Severity = SeverityInfo
			}
			if !strings.EqualFold(av.arch, "amd64") && !strings.EqualFold(av.arch, "arm64") {
				fd.Fix.Description = "derive the name from the build's architecture: `$(uname -m)` in a RUN gives x86_64/aarch64, " +
					"`${TARGETARCH}` gives amd64/arm64"
			} else if ok {
				fd.Fix.Edits = archFix(v, sp, strings.ToLower(av.arch))
			}
			reported[av.at] = true
			out = append(out, fd)
		}
	}
	return out
}

var (
	// archSuffix finds a Dockerfile named for one architecture:
	// `Dockerfile.aarch64`, `arm64.Dockerfile`.
	archSuffix = regexp.MustCompile(`(?i)(?:^|[._-])(amd64|x86_64|x64|x86|aarch64|arm64|arm64v8|armhf|armv7|arm32v7)(?:$|[._-])`)
	// archTagPrefix finds a base tag that names one architecture, as
	// per-architecture images are tagged: `arm64v8-noble`, `amd64-3.20`.
	archTagPrefix = regexp.MustCompile(`(?i)^(amd64|x86_64|aarch64|arm64|arm64v8|arm32v7|armhf)[-_]`)
	// archTagSuffix finds the same at the tag's end: `10.0-noble-arm64v8`,
	// `8.0-bookworm-slim-amd64`.
	archTagSuffix = regexp.MustCompile(`(?i)[-_](amd64|x86_64|aarch64|arm64|arm64v8|arm32v7|armhf)$`)
	// archNamespace finds Docker Hub's per-architecture namespaces of the
	// official images: `arm64v8/buildpack-deps`, `amd64/alpine`.
	archNamespace = regexp.MustCompile(`(?i)^(amd64|arm64v8|arm32v7|arm32v6|i386)/`)
	// archDir is a folder named for one architecture, as repositories that
	// keep a Dockerfile per architecture lay them out (`…/noble/arm64v8/`).
	// armName is a Dockerfile named for ARM machines (`Dockerfile.ci_arm`,
	// `arm.Dockerfile`).
	armName = regexp.MustCompile(`(?i)(?:^|[._-])arm(?:$|[._-])`)
	// jetsonName is a path word naming NVIDIA's Jetson or L4T.
	jetsonName = regexp.MustCompile(`(?i)(?:^|[/._-])(?:jetson|l4t)(?:$|[/._-])`)
	// siblingArch is an architecture with the separator before it in a
	// file's name (`.aarch64`, `-arm64`).
	siblingArch = regexp.MustCompile(`(?i)([._-])(amd64|x86_64|x64|aarch64|arm64|arm64v8|armhf|armv7|arm32v7|arm)(?:$|[._-])`)
	archDir     = regexp.MustCompile(`(?i)^(amd64|x86_64|aarch64|arm64|arm64v8|arm32v7|armhf)$`)
)

// refArch is the one architecture an image reference names: its tag
// starting or ending with one (`arm64v8-noble`, `10.0-noble-arm64v8`), a
// per-architecture namespace (`arm64v8/ubuntu`), or a repository whose
// name holds one (`…/viya-4-x64_oci_linux_2-docker/…`); "" otherwise.
func refArch(ref string) string {
	r := ParseImageRef(ref)
	if m := archTagPrefix.FindStringSubmatch(r.Tag); m != nil {
		return normArch(m[1])
	}
	if m := archTagSuffix.FindStringSubmatch(r.Tag); m != nil {
		return normArch(m[1])
	}
	if m := archNamespace.FindStringSubmatch(r.Repository); r.Registry == "" && m != nil {
		return normArch(m[1])
	}
	// NVIDIA's Jetson (L4T) images (`nvcr.io/nvidia/l4t-base`,
	// `dustynv/l4t-pytorch`): arm64 boards only.
	if l4tImage.MatchString(r.Repository) {
		return "arm64"
	}
	// The Dev Containers `universal` image (Codespaces' default) is
	// published for x86-64 only.
	if devcontainersName(r) == "universal" {
		return "amd64"
	}
	// A repository named for one architecture
	// (`cr.example.com/viya-4-x64_oci_linux_2-docker/…`, `acme/tool-arm64`).
	if m := archRe.FindStringSubmatch(r.Repository); m != nil {
		if a := normArch(m[1]); a == "amd64" || a == "arm64" {
			return a
		}
	}
	return ""
}

// l4tImage is a Jetson Linux for Tegra image's name.
var l4tImage = regexp.MustCompile(`(?i)(?:^|/)l4t-[a-z0-9-]+$`)

// NormArch names an architecture as Go and BuildKit do (amd64, arm64,
// arm, 386), "" for a name it does not know: x86_64 and x64 are amd64,
// aarch64 is arm64.
func NormArch(a string) string { return normArch(a) }

// normArch names an architecture as Go and BuildKit do: amd64, arm64,
// arm; "" for a name it does not know.
func normArch(a string) string {
	switch strings.ToLower(a) {
	case "amd64", "x86_64", "x86-64", "x64", "linux-64", "linux64", "linux-64bit", "linux_64-bit":
		return "amd64"
	case "arm64", "aarch64", "arm64v8":
		return "arm64"
	case "armhf", "armv7", "armv7l", "arm32v7", "armv6l":
		return "arm"
	case "i386", "i686":
		return "386"
	}
	return ""
}

// fixedArch is the one architecture a stage is built for, "" when it is
// built for whichever platform the build targets: its `FROM --platform`,
// else what the Dockerfile's name says (a per-architecture file such as
// `Dockerfile.aarch64`) or a folder on its path (`…/arm64v8/Dockerfile`),
// else what a base of its chain says (`…:arm64v8-noble`,
// `…:10.0-noble-amd64`, `arm64v8/ubuntu`), else DockerfileInput.Arch (the
// scan's reading of the files beside it).
func (v *dfView) fixedArch(s *dockerfile.Stage) string {
	if s.Platform != "" && !hasVar(s.Platform) {
		if _, arch, ok := strings.Cut(s.Platform, "/"); ok {
			arch, _, _ = strings.Cut(arch, "/")
			return normArch(arch)
		}
	}
	// A stage named for an architecture beside its twin for another
	// (`system-dev-dependencies-amd64` and `…-arm64`, picked by `FROM
	// system-dev-dependencies-${ARCH}`) is built only for its own.
	if a := stageTwinArch(v.f, s); a != "" {
		return a
	}
	// A cross image named for its Rust target (cross-rs's
	// `aarch64-unknown-linux-gnu.dockerfile`) runs on an amd64 build host.
	if stem := tripleStem(path.Base(v.path())); targetTriple.MatchString(stem) {
		return "amd64"
	}
	if m := archSuffix.FindStringSubmatch(path.Base(v.path())); m != nil && !strings.EqualFold(path.Base(v.path()), m[1]) {
		if strings.EqualFold(m[1], "x86") {
			return "amd64" // `Dockerfile.x86`, a PC's beside an ARM board's
		}
		return normArch(m[1])
	}
	// `Dockerfile.ci_arm`: a file named for ARM machines, which are arm64
	// wherever Coder runs them.
	if armName.MatchString(path.Base(v.path())) {
		return "arm64"
	}
	// A file or folder named for NVIDIA's Jetson boards or their Linux
	// for Tegra (`Dockerfile.onnx.jetson.7.2.0`, `docker/l4t/`): every
	// Jetson module is an arm64 machine.
	if jetsonName.MatchString(v.path()) {
		return "arm64"
	}
	for _, dir := range strings.Split(path.Dir(v.path()), "/") {
		if a := dirArch(dir); a != "" {
			return a
		}
	}
	// A RUN that stops the build on ARM (`case ${TARGETPLATFORM} in
	// "linux/arm64") exit 1 ;;`), or installs what only x86 machines have
	// (Valve's `steamcmd`, i386 only; `gcc-multilib`, `lib32stdc++6`: on
	// arm64 apt finds no such package), makes the stage amd64 only. The
	// stop counts in any stage the build of s runs, one it copies from
	// too (lorax's `pytorch-install`): the build fails there.
	for _, c := range v.chain(s) {
		for _, ins := range c.Instructions {
			if ins.Cmd == "run" && (armGuard.MatchString(v.f.Text(ins.StartLine, ins.EndLine)) || installsX86Only(ins)) {
				return "amd64"
			}
		}
	}
	// A stage the final image's build runs shares every stop of that
	// build: what it makes is only used on amd64.
	with := v.stagesBuilding(s)
	if built := v.builtStages(); built[s] {
		with = built
	}
	for _, c := range v.f.Stages {
		if !with[c] {
			continue
		}
		for _, ins := range c.Instructions {
			if ins.Cmd == "run" && armGuard.MatchString(v.f.Text(ins.StartLine, ins.EndLine)) {
				return "amd64"
			}
		}
	}
	for _, c := range v.chain(s) {
		if a := refArch(v.base(c).Ref); a != "" {
			return a
		}
		if a := refArch(c.BaseRaw); a != "" {
			return a
		}
	}
	return v.in.Arch
}

// installsX86Only reports whether a RUN installs, not under a condition,
// a package apt has for x86 machines only.
func installsX86Only(ins *dockerfile.Instruction) bool {
	for _, inst := range ins.Installs() {
		if inst.Manager == "apt" && !inst.Command.Conditional && slices.ContainsFunc(inst.Packages, x86OnlyPackage) {
			return true
		}
	}
	return false
}

// x86OnlyPackage reports whether a Debian or Ubuntu package exists only
// for x86 machines: Steam's `steamcmd` (i386), the 32-bit multilib
// compilers and libraries (`gcc-multilib`, `lib32stdc++6`, `libc6-i386`).
func x86OnlyPackage(p string) bool {
	p, _, _ = strings.Cut(p, ":")
	return p == "steamcmd" || p == "libc6-i386" || strings.HasSuffix(p, "-multilib") && !strings.Contains(p, "-aarch64") ||
		strings.HasPrefix(p, "lib32") && p != "lib32"
}

// armAny is the architecture of a folder named `arm` alone: an ARM build,
// 32- or 64-bit, whose downloads may name either.
const armAny = "arm*"

// stageTwinArch is the architecture a stage's name ends in when another
// stage has the same name for another architecture, "" otherwise.
func stageTwinArch(f *dockerfile.File, s *dockerfile.Stage) string {
	m := siblingArch.FindStringSubmatchIndex(s.Name)
	if m == nil || m[5] != len(s.Name) {
		return ""
	}
	own := normArch(s.Name[m[4]:m[5]])
	stem := s.Name[:m[2]]
	for _, t := range f.Stages {
		if t == s || !strings.HasPrefix(t.Name, stem) {
			continue
		}
		if n := siblingArch.FindStringSubmatchIndex(t.Name); n != nil && n[5] == len(t.Name) && t.Name[:n[2]] == stem {
			if other := normArch(t.Name[n[4]:n[5]]); other != "" && other != own {
				return own
			}
		}
	}
	return ""
}

// tripleStem is a Dockerfile's name without its `.dockerfile`,
// `Dockerfile.` or `.Dockerfile` part (`aarch64-unknown-linux-gnu`).
func tripleStem(name string) string {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".dockerfile"):
		return name[:len(name)-len(".dockerfile")]
	case strings.HasPrefix(lower, "dockerfile."):
		return name[len("dockerfile."):]
	}
	return ""
}

// fileWrite is a command's write to a file: `> f`, `>> f`, `tee [-a] f`.
type fileWrite struct {
	path   string
	append bool
}

// writesOf returns the files command c writes to (writeTargets' redirects
// and tee's files), each with whether it appends.
func writesOf(c dockerfile.Command) []fileWrite {
	var out []fileWrite
	for _, r := range c.Redirects {
		out = append(out, fileWrite{r.Target, strings.HasPrefix(r.Op, ">>") || r.Op == "&>>"})
	}
	if path.Base(c.Name) == "tee" {
		appends := slices.ContainsFunc(c.Args, func(a string) bool { return a == "-a" || a == "--append" })
		for _, t := range writeTargets(c)[len(c.Redirects):] {
			out = append(out, fileWrite{t.Path, appends})
		}
	}
	return out
}

// overwrittenLater reports whether the file a command on line n writes
// (`echo "deb [arch=amd64] …" | tee /etc/apt/sources.list.d/x.list`) is
// replaced by a later command of the same RUN (`curl …/prod.list | tee
// /etc/apt/sources.list.d/x.list`, no `-a`): what it wrote is gone.
func overwrittenLater(cmds []dockerfile.Command, n int) bool {
	var dests []string
	for _, c := range cmds {
		if c.Line == n {
			for _, w := range writesOf(c) {
				dests = append(dests, w.path)
			}
		}
	}
	for _, c := range cmds {
		if c.Line <= n {
			continue
		}
		for _, w := range writesOf(c) {
			if !w.append && slices.Contains(dests, w.path) {
				return true
			}
		}
	}
	return false
}

// ownArch reports whether arch (normArch's name) is the one a stage is
// built for (fixedArch's answer, "" for any).
func ownArch(fixed, arch string) bool {
	return fixed != "" && (arch == fixed || fixed == armAny && (arch == "arm" || arch == "arm64"))
}

// dirArch is the architecture a folder is named for: `arm64v8`, `amd64`,
// `aarch64`, a bare `arm` or `amd` (TeamCity's `custom/…/arm/`), a name
// that ends in an upper-case `ARM` (`UbuntuARM`) or in an architecture
// after a separator (`cross-linux-x64`); "" otherwise.
func dirArch(dir string) string {
	switch {
	case archDir.MatchString(dir):
		return normArch(dir)
	case strings.EqualFold(dir, "arm"):
		// An ARM build, 32-bit (vimagick's `arm/` on arm32v7 bases) or
		// 64-bit (TeamCity's `custom/…/arm/`).
		return armAny
	case strings.HasSuffix(dir, "ARM") && len(dir) > 3 || strings.HasSuffix(dir, "ARM64") && len(dir) > 5:
		return "arm64"
	case strings.EqualFold(dir, "amd"):
		return "amd64"
	}
	// A name that ends in one (`cross-linux-x64`, `Ubuntu-arm64`,
	// `build_aarch64`): a builder per architecture, or for a cross
	// target whose files are that target's.
	if m := archDirSuffix.FindStringSubmatch(dir); m != nil {
		switch strings.ToLower(m[1]) {
		case "arm":
			return armAny
		case "intel":
			return "amd64" // `rsm-msba-intel` beside `rsm-msba-arm`
		}
		return normArch(m[1])
	}
	return ""
}

// archDirPrefix is an architecture a folder's name starts with, before a
// separator; `arm` alone is left out (`arm-none-eabi` names a target).
var archDirPrefix = regexp.MustCompile(`(?i)^(amd64|x86_64|aarch64|arm64|arm64v8)([-_].+)$`)

// archDirSuffix is an architecture a folder's name ends in, after a
// separator.
var archDirSuffix = regexp.MustCompile(`(?i)[-_](amd64|x86_64|x64|aarch64|arm64|arm64v8|armhf|armv7|arm32v7|arm|intel)$`)

// ARMFolder reports whether a folder is named for an ARM build (`arm`,
// `arm64v8`, `aarch64`, `armhf`, `UbuntuARM`): beside a Dockerfile, a
// folder so named that holds a Dockerfile of the same name (vimagick's
// `hass/Dockerfile` and `hass/arm/Dockerfile`) makes it the amd64 one.
func ARMFolder(name string) bool {
	a := dirArch(name)
	return a == "arm64" || a == "arm" || a == armAny
}

// ArchFromFolders reads a Dockerfile kept per architecture from the
// folders beside one of its folders: a folder (`Ubuntu`) beside the same
// name for ARM (`UbuntuARM`, `Ubuntu-arm64`, `Ubuntu_aarch64`) is the amd64
// one; a folder whose name starts with an architecture beside folders
// that start with another (`aarch64-rocky9-gcc-13.3` and
// `x86_64-rocky9-gcc-13.3`) is its own. siblings lists the folder names
// beside each of the Dockerfile's folders, from the top. "" otherwise; the result goes to
// DockerfileInput.Arch.
func ArchFromFolders(dirs []string, siblings [][]string) string {
	for i, d := range dirs {
		if d == "" || d == "." || dirArch(d) != "" || i >= len(siblings) {
			continue
		}
		// A name that starts with one beside folders that start with
		// another: one folder per architecture and system (E4S's
		// `aarch64-rocky9-gcc-13.3/` and `x86_64-rocky9-gcc-13.3/`, each
		// built by its own script on runners of that architecture, and
		// `aarch64-ubuntu26.04-gcc-13.4/` in the same place).
		if m := archDirPrefix.FindStringSubmatch(d); m != nil {
			if slices.ContainsFunc(siblings[i], func(s string) bool {
				o := archDirPrefix.FindStringSubmatch(s)
				return o != nil && normArch(o[1]) != normArch(m[1])
			}) {
				return normArch(m[1])
			}
		}
		for _, s := range siblings[i] {
			rest, ok := strings.CutPrefix(s, d)
			if !ok || rest == "" {
				continue
			}
			if a := dirArch(rest); a == "arm64" || a == armAny || normArch(strings.TrimLeft(rest, "-_.")) == "arm64" {
				return "amd64"
			}
		}
	}
	return ""
}

// ArchFromSiblings reads a Dockerfile kept per architecture from the
// names beside it: a file named name (no architecture in it) next to the
// same name with an architecture other than amd64 added (`Dockerfile` and
// `Dockerfile.aarch64`, `ubuntu-24.04.Dockerfile` and
// `ubuntu-24.04-aarch64.Dockerfile`) is the amd64 one. "" otherwise; the
// result goes to DockerfileInput.Arch.
func ArchFromSiblings(name string, siblings []string) string {
	if archSuffix.MatchString(name) || armName.MatchString(name) {
		return ""
	}
	for _, s := range siblings {
		for _, m := range siblingArch.FindAllStringSubmatchIndex(s, -1) {
			// Take the architecture and the separator before it out.
			if s[:m[2]]+s[m[5]:] != name {
				continue
			}
			if a := normArch(s[m[4]:m[5]]); a != "" && a != "amd64" || strings.EqualFold(s[m[4]:m[5]], "arm") {
				return "amd64"
			}
		}
	}
	return ""
}

// shellArch is a shell variable a RUN sets to an architecture-named value
// (`export GO_TARBALL="go${V}.linux-amd64.tar.gz"`, `ARCH=amd64`) that a
// later word of the same RUN downloads or reads a path with.
type shellArch struct {
	a    dockerfile.Assignment
	arch string
	use  int // the line of the use
}

// before reports whether span a starts before span b.
func before(a, b dockerfile.Span) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
}

// runArchVars returns the shell variables of a RUN (whose commands are
// cmds) that hard-code an architecture other than fixed ("" for any) and
// are used in a URL or path later in the RUN: a command's word (not the
// name curl or wget saves to) or another variable's value. A variable set
// to two architectures, or set under a condition and elsewhere to
// another value, is picked by the build and not hard-coded. The RUN must not work the architecture out itself
// (the caller checks archAware).
func runArchVars(v *dfView, s *dockerfile.Stage, ins *dockerfile.Instruction, cmds []dockerfile.Command, fixed string) []shellArch {
	assigns := ins.Assignments()
	archsOf := map[string]map[string]bool{}
	sets := map[string]int{}
	for _, a := range assigns {
		sets[a.Name]++
	}
	var cands []shellArch
	for _, a := range assigns {
		value := strings.Trim(a.Value, `"'`)
		m := archRe.FindStringSubmatch(withoutPatternSubst(a.Value))
		if m == nil {
			m = archWord.FindStringSubmatch(withoutPatternSubst(value))
		}
		if m == nil || strings.ContainsAny(value, " \t\n") || slices.Contains(platformArgs, a.Name) || crossTarget(a.Name, value) || otherOS.MatchString(value) {
			continue
		}
		arch := normArch(m[1])
		if archsOf[a.Name] == nil {
			archsOf[a.Name] = map[string]bool{}
		}
		// Every value counts, a conditional one too: `A=arm64; if uname
		// -p | grep x86_64; then A=x86_64; fi` picks by platform.
		archsOf[a.Name][arch] = true
		if a.Conditional && sets[a.Name] > 1 {
			// One of several values picked by a condition (`if [ "$SKIP" =
			// yes ]; then F=x-linux-64.lock; else F=env.yaml; fi`): a
			// choice the build makes, not a hard-coded one.
			continue
		}
		if arch == "386" || ownArch(fixed, arch) {
			continue
		}
		cands = append(cands, shellArch{a: a, arch: m[1]})
	}
	if len(cands) == 0 {
		return nil
	}
	// vars are the values known at a point: the stage's ARG and ENV, then
	// the RUN's own assignments before it, each expanded with what is
	// known where it is made (`CMAKE_URL=https://…/v${CMAKE_VERSION}`);
	// what is not known (`$(wget …)`) stays as written.
	stage := v.stageVars(s, ins)
	varsAt := func(sp dockerfile.Span) map[string]string {
		vars := maps.Clone(stage)
		for _, a := range assigns {
			if !before(a.Span, sp) {
				continue
			}
			if a.Literal {
				vars[a.Name] = a.Value
			} else {
				vars[a.Name] = expandKnown(strings.Trim(a.Value, `"'`), vars)
			}
		}
		return vars
	}
	var out []shellArch
	for _, c := range cands {
		if len(archsOf[c.a.Name]) > 1 {
			continue
		}
		c.use = runArchUse(c.a, assigns, cmds, varsAt)
		if c.use != 0 {
			out = append(out, c)
		}
	}
	return out
}

// runArchUse is the first line after assignment a where its variable is
// used in a URL or path (0 when it is not).
func runArchUse(a dockerfile.Assignment, assigns []dockerfile.Assignment, cmds []dockerfile.Command, varsAt func(dockerfile.Span) map[string]string) int {
	for _, b := range assigns {
		if before(a.Span, b.Span) && refersTo(b.Value, a.Name) && isURLOrPath(expandKnown(b.Value, varsAt(b.Span))) {
			return b.Span.Line
		}
	}
	for _, c := range cmds {
		for i, w := range c.Args {
			if i >= len(c.ArgSpans) || !before(a.Span, c.ArgSpans[i]) || !refersTo(w, a.Name) || outputName(c, i) {
				continue
			}
			if isURLOrPath(expandKnown(w, varsAt(c.ArgSpans[i]))) {
				return c.ArgSpans[i].Line
			}
		}
	}
	return 0
}

// shellArchFinding is CR112's finding for a shell variable of a RUN.
func shellArchFinding(v *dfView, sa shellArch) Finding {
	fd := Finding{
		Message: fmt.Sprintf("`%s=%s` hard-codes the %s architecture and line %d downloads or reads a path with it: the image breaks on other platforms",
			sa.a.Name, sa.a.Value, sa.arch, sa.use),
		Location: v.spanLoc(sa.a.Span),
		Fix:      &Fix{Description: "declare `ARG TARGETARCH` and use `${TARGETARCH}`"},
	}
	if a := strings.ToLower(sa.arch); a == "amd64" || a == "arm64" {
		fd.Fix.Edits = archFix(v, sa.a.Span, a)
	} else {
		fd.Fix.Description = "derive the name from the build's architecture: `$(uname -m)` gives x86_64/aarch64, `${TARGETARCH}` gives amd64/arm64"
	}
	return fd
}

// aptArchOption finds the options of an apt source line
// (`deb [arch=amd64 signed-by=…] https://…`) and, in them, its
// architectures.
var (
	aptSourceOptions = regexp.MustCompile(`\bdeb\s+\[([^\]]*)\]`)
	aptArchOption    = regexp.MustCompile(`\barch=([A-Za-z0-9_,]+)`)
)

// aptArchSources are CR112's findings for apt sources a RUN writes for one
// architecture (`echo "deb [arch=amd64] https://download.docker.com/…"`):
// on another platform apt skips the source, and the packages it provides
// are not found. A RUN that works the architecture out is not judged
// (archAware), nor a stage built for one platform, nor a source for an
// architecture in foreign (foreignArchs).
func aptArchSources(v *dfView, s *dockerfile.Stage, fixed string, foreign map[string]bool) []Finding {
	var out []Finding
	for _, ins := range s.Instructions {
		if ins.Cmd != "run" {
			continue
		}
		// A RUN that works the architecture out may pick the source by
		// it (`if [ "$(uname -m)" = x86_64 ]; then echo "deb
		// [arch=amd64] …"`): a source it writes under a condition is
		// left. One written unconditionally is not picked, whatever
		// another command of the RUN downloads by `$(uname -m)`.
		aware := archAware(v.f.Text(ins.StartLine, ins.EndLine))
		// One source per architecture (`[arch=arm64]` and `[arch=amd64]`
		// lines in the same RUN): each platform finds its own.
		if archs := aptArchOption.FindAllStringSubmatch(v.f.Text(ins.StartLine, ins.EndLine), -1); len(archs) > 1 {
			seen := map[string]bool{}
			for _, a := range archs {
				for _, x := range strings.Split(a[1], ",") {
					if n := normArch(x); n != "" {
						seen[n] = true
					}
				}
			}
			if len(seen) > 1 {
				continue
			}
		}
		cmds, _ := ins.Commands()
		if aware && len(cmds) == 0 {
			continue
		}
		for n := ins.StartLine; n <= ins.EndLine; n++ {
			line := v.f.Line(n)
			if overwrittenLater(cmds, n) || ins.Dropped(n) {
				continue // a later write replaces the file; a comment BuildKit drops
			}
			for _, m := range aptSourceOptions.FindAllStringSubmatchIndex(line, -1) {
				a := aptArchOption.FindStringSubmatchIndex(line[m[2]:m[3]])
				if a == nil {
					continue
				}
				archs := strings.Split(line[m[2]+a[2]:m[2]+a[3]], ",")
				// A stage pinned to a platform has its own architecture's
				// source or another's for a cross build, as does one the
				// Dockerfile adds to dpkg (`dpkg --add-architecture armhf`,
				// then `apt-get download …:armhf` into a sysroot).
				if len(archs) != 1 || normArch(archs[0]) == "" || fixed != "" || foreign[normArch(archs[0])] {
					continue
				}
				col := m[2] + a[0]
				if aware && !unconditionalCol(cmds, n, col+1) {
					continue
				}
				sp := dockerfile.Span{Line: n, Col: col + 1, EndLine: n, EndCol: m[2] + a[1] + 1}
				fd := Finding{
					Message: fmt.Sprintf("apt source `%s` hard-codes the %s architecture: on other platforms apt skips it, and "+
						"the packages it provides are not found", strings.TrimSpace(line[m[0]:m[1]]), archs[0]),
					Location: v.spanLoc(sp),
					Fix:      &Fix{Description: "name the build's architecture: `arch=$(dpkg --print-architecture)`"},
				}
				if !strings.Contains(line[:col], "'") {
					fd.Fix.Edits = []Edit{{Path: v.path(), StartLine: n, EndLine: n,
						Text: line[:col] + "arch=$(dpkg --print-architecture)" + line[m[2]+a[1]:]}}
				}
				out = append(out, fd)
			}
			if m := ubuntuAmd64Source.FindStringSubmatchIndex(line); m != nil && !ownArch(fixed, "amd64") && !ownArch(fixed, "386") &&
				(m[2] < 0 || !aptArchOption.MatchString(line[m[2]:m[3]])) && (!aware || unconditionalCol(cmds, n, m[0]+1)) {
				sp := dockerfile.Span{Line: n, Col: m[4] + 1, EndLine: n, EndCol: m[5] + 1}
				out = append(out, Finding{
					Message: fmt.Sprintf("apt source `%s` hard-codes the amd64 architecture: Ubuntu serves only amd64 and i386 there, "+
						"so on arm64 `apt-get update` fails on it (404; other architectures are on ports.ubuntu.com/ubuntu-ports)", strings.TrimSpace(line[m[0]:m[1]])),
					Location: v.spanLoc(sp),
					Fix: &Fix{Description: "write the source for the build's architecture: `ports.ubuntu.com/ubuntu-ports` unless " +
						"`dpkg --print-architecture` is amd64 or i386, or limit it with `[arch=amd64]`"},
				})
			}
			// A repository folder of one architecture's packages
			// (`deb https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2004/x86_64 /`):
			// on another platform apt finds none it can install there.
			if m := aptSourceURL.FindStringSubmatchIndex(line); m != nil && (m[2] < 0 || !aptArchOption.MatchString(line[m[2]:m[3]])) {
				url := line[m[4]:m[5]]
				a := archFolder.FindStringSubmatchIndex(url)
				if a != nil && !otherOS.MatchString(url) && !ownArch(fixed, normArch(url[a[2]:a[3]])) && (!aware || unconditionalCol(cmds, n, m[4]+1)) {
					arch := url[a[2]:a[3]]
					sp := dockerfile.Span{Line: n, Col: m[4] + 1, EndLine: n, EndCol: m[5] + 1}
					out = append(out, Finding{
						Message: fmt.Sprintf("apt source `%s` hard-codes the %s architecture: it is the folder of that architecture's "+
							"packages, so on other platforms apt finds nothing it can install there", strings.TrimSpace(line[m[0]:m[1]]), arch),
						Location: v.spanLoc(sp),
						Fix: &Fix{Description: "name the folder from the build's architecture (`$(uname -m)`; NVIDIA's CUDA repository " +
							"calls arm64 `sbsa`), or limit the source with `[arch=amd64]`"},
					})
				}
			}
		}
	}
	return out
}

// unconditionalCol reports whether the commands of the RUN that cover
// line n, column col run whatever the build decides (not under an `if`,
// a `case` branch, `||` or a test's `&&`): one covers it, and none of them
// is conditional (the `echo` of `if [ "$(dpkg
// --print-architecture)" = amd64 ]; then echo "deb …"; fi` is).
func unconditionalCol(cmds []dockerfile.Command, n, col int) bool {
	covered := false
	for _, c := range cmds {
		sp := c.Span
		end := max(sp.EndLine, sp.Line)
		if n < sp.Line || n > end || n == sp.Line && sp.Col > col || n == end && sp.EndCol != 0 && sp.EndCol < col {
			continue
		}
		if c.Conditional {
			return false
		}
		covered = true
	}
	return covered
}

// dpkgAddArch is `dpkg --add-architecture ARCH`: a foreign architecture
// whose packages apt may then install or download.
var dpkgAddArch = regexp.MustCompile(`dpkg\s+--add-architecture[= ]\s*["']?([A-Za-z0-9_]+)`)

// foreignArchs are the architectures a Dockerfile adds to dpkg
// (dpkgAddArch), by normArch's names.
func foreignArchs(f *dockerfile.File) map[string]bool {
	out := map[string]bool{}
	for _, l := range f.Lines {
		if strings.Contains(l, "--add-architecture") {
			for _, m := range dpkgAddArch.FindAllStringSubmatch(l, -1) {
				out[normArch(m[1])] = true
			}
		}
	}
	return out
}

// aptSourceURL is an apt source line's options and URL; archFolder is
// an architecture's folder in a URL's path (`…/ubuntu2004/x86_64`,
// `…/amd64/`).
var (
	aptSourceURL = regexp.MustCompile(`\bdeb\s+(?:\[([^\]]*)\]\s+)?(https?://[^\s"']+)`)
	archFolder   = regexp.MustCompile(`/(x86_64|amd64|aarch64|arm64|sbsa|ppc64le)(?:/|$)`)
)

// ubuntuAmd64Source is an apt source on Ubuntu's primary or security
// mirror (`deb http://security.ubuntu.com/ubuntu bionic-security main`),
// with its options: those hosts serve amd64 and i386 only.
var ubuntuAmd64Source = regexp.MustCompile(`\bdeb\s+(?:\[([^\]]*)\]\s+)?(https?://(?:[a-z]{2}\.)?(?:archive|security)\.ubuntu\.com/ubuntu)/?\s`)
