package checks

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/coderready/coderready/dockerfile"
)

// This file holds what the Dockerfile rules (CR100–CR115) share: the view
// of a Dockerfile as built (resolved bases, the final stage, base-image
// facts) and helpers for findings and fixes. The rules themselves are in
// rules_dockerfile_*.go.

// dfView is a Dockerfile as a build with the input's build args and target
// would see it.
type dfView struct {
	in    *DockerfileInput
	f     *dockerfile.File
	bases []dockerfile.Base
	final *dockerfile.Stage
}

// newView returns the view of in's Dockerfile, or nil when it did not parse.
func newView(in *DockerfileInput) *dfView {
	if in.File == nil || len(in.File.Stages) == 0 {
		return nil
	}
	v := &dfView{in: in, f: in.File, bases: in.File.ResolveBase(in.BuildArgs)}
	v.final = in.File.Target(in.Target)
	return v
}

// path is the Dockerfile's path for locations.
func (v *dfView) path() string { return v.f.Path }

// base returns the resolved base of stage s.
func (v *dfView) base(s *dockerfile.Stage) dockerfile.Base { return v.bases[s.Index] }

// chain returns the stages s builds on, from the one built on an image up
// to s, following the bases as resolved with the build args.
func (v *dfView) chain(s *dockerfile.Stage) []*dockerfile.Stage {
	var out []*dockerfile.Stage
	seen := map[*dockerfile.Stage]bool{}
	for c := s; c != nil && !seen[c]; c = v.base(c).Stage {
		seen[c] = true
		out = append(out, c)
	}
	slices.Reverse(out)
	return out
}

// rootRef returns the image reference the chain of s starts from.
func (v *dfView) rootRef(s *dockerfile.Stage) string {
	return v.base(v.chain(s)[0]).Ref
}

// facts returns what is known of the image the chain of s starts from.
func (v *dfView) facts(s *dockerfile.Stage) BaseFacts {
	ref := v.rootRef(s)
	if ref == "" || isPlaceholderImage(ref) {
		return BaseFacts{Ref: ref}
	}
	if strings.Contains(ref, "$") {
		// A tag left to a build argument (`testing/base:unlabelled$ARCH`)
		// still names the repository's own image: its Dockerfile, matched
		// by name, says what it is; nothing else does.
		r := ParseImageRef(ref)
		if strings.Contains(r.Registry+r.Repository, "$") || r.Repository == "" {
			return BaseFacts{Ref: ref}
		}
		if v.in.Bases != nil {
			if b := v.in.Bases.BaseFacts(r.Repository); b.Source == "sibling" {
				b.Ref = ref
				return b
			}
		}
		// A Docker Official image whose tag is a build argument
		// (`python:${PYTHON_VERSION}-slim`): whatever the tag, the table
		// knows its user when all its variants have the same one, as for
		// a digest alone; nothing else of it.
		if r.Registry == "" && !strings.Contains(r.Repository, "/") {
			if kb := anyTag(r.Repository); kb.KnowsUser() && kb.Source == "table" {
				return BaseFacts{Ref: ref, Source: kb.Source, Family: OSUnknown, Manager: PMUnknown,
					UserKnown: true, User: kb.User, Users: kb.Users, Home: kb.Home}
			}
		}
		return BaseFacts{Ref: ref}
	}
	if strings.EqualFold(ref, "scratch") {
		return BaseFacts{Ref: ref, Known: true, Source: "table"}
	}
	r := v.in.Bases
	if r == nil {
		r = StaticBases
	}
	return r.BaseFacts(ref)
}

// instructions returns the instructions of the chain of s, in build order,
// FROM lines excluded.
func (v *dfView) instructions(s *dockerfile.Stage) []*dockerfile.Instruction {
	var out []*dockerfile.Instruction
	for _, c := range v.chain(s) {
		out = append(out, c.Instructions...)
	}
	return out
}

// manager returns the package manager of the image s builds on: from the
// base facts, else the one manager the chain's RUN instructions use
// unconditionally.
func (v *dfView) manager(s *dockerfile.Stage) PackageManager {
	if m := v.facts(s).Manager; m != PMUnknown {
		return m
	}
	used := map[PackageManager]bool{}
	for _, in := range v.instructions(s) {
		for _, inst := range in.Installs() {
			// `command -v apk && apk add …` does not say the image has apk.
			if !inst.Command.Conditional {
				used[PackageManager(inst.Manager)] = true
			}
		}
	}
	if len(used) == 1 {
		for m := range used {
			return m
		}
	}
	return PMUnknown
}

// installs reports whether the chain of s installs one of pkgs.
func (v *dfView) installs(s *dockerfile.Stage, pkgs ...string) bool {
	for _, in := range v.instructions(s) {
		if in.InstallsPackage(pkgs...) {
			return true
		}
	}
	return false
}

// installsUnknown reports whether the chain of s runs something that may
// install packages it does not name: a script whose commands the
// Dockerfile does not show (`bash /tmp/library-scripts/common-debian.sh`,
// `curl … | sh`), or an install of a variable, a local package file or a
// group. What the image then lacks is not known.
func (v *dfView) installsUnknown(s *dockerfile.Stage) bool {
	return v.runsUnknown(s, func(c dockerfile.Command) bool { return c.Script != "" })
}

// runsUnknown reports whether a RUN of the chain of s installs packages it
// does not name, is not read, or runs a command for which hidden reports
// true: one whose work the Dockerfile does not show (a script) and that
// may do what the caller asks about.
func (v *dfView) runsUnknown(s *dockerfile.Stage, hidden func(dockerfile.Command) bool) bool {
	for _, in := range v.instructions(s) {
		if in.Cmd != "run" {
			continue
		}
		for _, inst := range in.Installs() {
			if inst.Unknown {
				return true
			}
		}
		cmds, err := in.Commands()
		if err != nil {
			return true // a RUN not read may do anything
		}
		if slices.ContainsFunc(cmds, hidden) {
			return true
		}
	}
	return false
}

// caDependents are Debian and Ubuntu packages that depend on
// ca-certificates (not merely recommend it), directly or through
// ca-certificates-java, so installing one installs the CA bundle even with
// --no-install-recommends. Checked with `apt-cache depends` on Debian 12;
// python-pip, python-requests and python-certifi are the same packaging's Python 2
// names on the releases that still have them. python3-rosdep (ROS's apt
// repository) depends on python3-rosdep-modules, which depends on
// ca-certificates (ros-infrastructure/rosdep stdeb.cfg). libwww-perl
// depends on it, so does devscripts through libwww-perl (held-out set
// 187 checked the chain with apt-cache depends), and Debian's azure-cli
// through python3-requests (set 208).
var caDependents = []string{"ca-certificates", "ca-certificates-java", "python3-pip", "python-pip", "python3-certifi",
	"python3-requests", "python-requests", "python-certifi", "python3-rosdep", "python3-rosdep-modules", "nodejs", "npm", "software-properties-common",
	"rubygems-integration", "default-jre", "default-jre-headless", "default-jdk", "default-jdk-headless", "libwww-perl", "devscripts", "azure-cli"}

// dependsOnCA reports whether installing pkg installs ca-certificates.
func dependsOnCA(pkg string) bool {
	if slices.Contains(caDependents, pkg) {
		return true
	}
	// openjdk-17-jre-headless and the JDKs built on it depend on
	// ca-certificates-java.
	return strings.HasPrefix(pkg, "openjdk-") && (strings.HasSuffix(pkg, "-jre") || strings.HasSuffix(pkg, "-jre-headless") ||
		strings.HasSuffix(pkg, "-jdk") || strings.HasSuffix(pkg, "-jdk-headless"))
}

// installsCA reports whether the chain of s installs ca-certificates, or a
// package that depends on it, or may (installsUnknown).
func (v *dfView) installsCA(s *dockerfile.Stage) bool {
	for _, in := range v.instructions(s) {
		if v.copiesBundle(in) {
			return true
		}
		for _, inst := range in.Installs() {
			if slices.ContainsFunc(inst.Packages, dependsOnCA) {
				return true
			}
			// apt installs what a package recommends unless told not
			// to, and curl (through libcurl4), wget and git recommend
			// ca-certificates (playwright-python's `apt-get install -y
			// python3 curl` before its `--no-install-recommends git`).
			if inst.Manager == "apt" && !inst.NoInstallRecommends && slices.ContainsFunc(inst.Packages, func(p string) bool { return slices.Contains(httpsTools, p) }) {
				return true
			}
		}
	}
	return v.installsUnknown(s)
}

// caFolders are the folders that hold a distribution's CA bundle.
var caFolders = []string{"/etc/ssl", "/etc/ssl/certs", "/etc/pki", "/etc/pki/tls", "/etc/pki/tls/certs"}

// copiesBundle reports whether a COPY or ADD puts a whole CA bundle in
// place: a bundle file (`/etc/ssl/certs/ca-certificates.crt`), or a CA
// folder copied over its place (`COPY --from=upload /etc/ssl /etc/ssl`,
// restate's "copy OS roots"). One certificate copied into a folder is
// not a bundle.
func (v *dfView) copiesBundle(in *dockerfile.Instruction) bool {
	if in.Cmd != "copy" && in.Cmd != "add" || len(in.Args) < 2 {
		return false
	}
	dest := path.Clean(v.copyDest(in.Stage, in))
	if slices.Contains(bundleFiles, dest) {
		return true
	}
	for _, src := range in.Args[:len(in.Args)-1] {
		src = path.Clean(strings.Trim(src, `"'`))
		if slices.Contains(bundleFiles, src) || slices.Contains(caFolders, src) && slices.Contains(caFolders, dest) {
			return true
		}
	}
	return false
}

// isRootUser reports whether a USER value (or an image's user) is root.
func isRootUser(u string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(u), ":")
	return name == "" || name == "root" || name == "0"
}

// userValue returns the user a USER instruction sets.
func userValue(in *dockerfile.Instruction) string {
	if len(in.Args) == 0 {
		return ""
	}
	return in.Args[0]
}

// userOf is a USER instruction's user with the variables known at that
// point expanded (`USER ${USERNAME}` after `ARG USERNAME=dev`), as the
// builder expands them. What stays unexpanded still holds `$`.
func (v *dfView) userOf(in *dockerfile.Instruction) string {
	return expandKnown(userValue(in), v.stageVars(in.Stage, in))
}

// hasVar reports whether s still holds a variable reference.
func hasVar(s string) bool { return strings.Contains(s, "$") }

// lineLoc is the location of lines start..end of the Dockerfile.
func (v *dfView) lineLoc(start, end int) Location {
	return Location{Path: v.path(), StartLine: start, EndLine: max(start, end)}
}

// instLoc is the location of an instruction (heredoc bodies excluded).
func (v *dfView) instLoc(in *dockerfile.Instruction) Location {
	return v.lineLoc(in.StartLine, in.HeaderEndLine)
}

// spanLoc is the location of a span of text.
func (v *dfView) spanLoc(sp dockerfile.Span) Location {
	l := Location{Path: v.path(), StartLine: sp.Line, EndLine: max(sp.Line, sp.EndLine)}
	if sp.Col > 0 {
		l.StartCol = sp.Col
		if sp.EndCol > 0 {
			l.EndCol = sp.EndCol
		}
	}
	return l
}

// edit converts a dockerfile edit into a finding's edit.
func (v *dfView) edit(e dockerfile.Edit) Edit {
	return Edit{Path: v.path(), StartLine: e.StartLine, EndLine: e.EndLine, Text: e.Text}
}

// installFix returns a fix that installs pkgs in the stage: added to the
// last install command of the stage's chain that uses its package manager
// (the final stage's own first), else a new RUN after the stage's FROM.
// It returns a fix without edits when the package manager is not known.
func (v *dfView) installFix(s *dockerfile.Stage, what string, pkgs ...string) *Fix {
	m := v.manager(s)
	fix := &Fix{Description: what}
	if m == PMUnknown {
		fix.Description += ": the base image's package manager is not known; install " + strings.Join(pkgs, " ") + " with it"
		return fix
	}
	chain := v.chain(s)
	for i := len(chain) - 1; i >= 0; i-- {
		ins := chain[i].Instructions
		for j := len(ins) - 1; j >= 0; j-- {
			installs := ins[j].Installs()
			for k := len(installs) - 1; k >= 0; k-- {
				inst := installs[k]
				// dnf, yum and microdnf lines are all RHEL installs.
				im := PackageManager(inst.Manager)
				if im != m && (m.Family() != OSRHEL || im.Family() != OSRHEL) {
					continue
				}
				missing := dockerfile.MissingPackages(inst, pkgs...)
				if len(missing) == 0 {
					// Installed there, yet missing: say so, edit nothing.
					fix.Description += fmt.Sprintf(": the %s install on line %d already names %s; see why it is not in the image", inst.Manager, inst.Command.Line, strings.Join(pkgs, " "))
					return fix
				}
				if e, ok := ins[j].AddPackages(inst, missing...); ok {
					fix.Description += fmt.Sprintf(": add %s to the %s install on line %d", strings.Join(missing, " "), inst.Manager, inst.Command.Line)
					fix.Edits = []Edit{v.edit(e)}
					return fix
				}
			}
		}
	}
	line := "RUN " + InstallLine(m, pkgs...)
	fix.Description += ": `" + line + "`"
	// Right after FROM the build runs as the base image's user; installing
	// needs root, so a non-root base gets USER root around the install.
	var first *dockerfile.Instruction
	if len(s.Instructions) > 0 {
		first = s.Instructions[0]
	}
	if u, known := v.userAt(s, first); known && !isRootUser(u) {
		line = "USER root\n" + line + "\nUSER " + u
	}
	fix.Edits = []Edit{v.edit(v.f.InsertAfter(s.From.EndLine, line))}
	return fix
}

// userAt returns the user instructions run as just before in (nil: at the
// end of stage s): the last USER of s's chain before it, else the base
// image's user. known is false when neither says.
func (v *dfView) userAt(s *dockerfile.Stage, at *dockerfile.Instruction) (user string, known bool) {
	b := v.facts(s)
	user, known = b.User, b.KnowsUser()
	for _, in := range v.instructions(s) {
		if in == at {
			break
		}
		if in.Cmd == "user" {
			user = v.userOf(in)
			known = !hasVar(user)
		}
	}
	return user, known
}

// homeAt returns the HOME instructions see just before at (nil: at the end
// of stage s): the last ENV HOME of s's chain before it, else the one the
// base image sets; "" when neither sets it (each user's home applies).
func (v *dfView) homeAt(s *dockerfile.Stage, at *dockerfile.Instruction) string {
	home := v.facts(s).Home
	for _, in := range v.instructions(s) {
		if in == at {
			break
		}
		if in.Cmd != "env" {
			continue
		}
		for _, kv := range in.Env {
			if kv.Key == "HOME" {
				home = expandKnown(kv.Value, v.stageVars(s, in))
			}
		}
	}
	return home
}

// writeTargets returns the paths a command writes to, as written: its
// output redirections and the destination arguments of common file-writing
// programs.
func writeTargets(c dockerfile.Command) []struct {
	Path string
	Span dockerfile.Span
} {
	type target = struct {
		Path string
		Span dockerfile.Span
	}
	var out []target
	for _, r := range c.Redirects {
		out = append(out, target{r.Target, r.Span})
	}
	span := func(i int) dockerfile.Span {
		if i < len(c.ArgSpans) {
			return c.ArgSpans[i]
		}
		return dockerfile.Span{Line: c.Line, Col: c.Col}
	}
	var positional []int
	for i, a := range c.Args {
		if !strings.HasPrefix(a, "-") {
			positional = append(positional, i)
		}
	}
	after := func(flags ...string) {
		for i, a := range c.Args {
			for _, fl := range flags {
				switch {
				case a == fl && i+1 < len(c.Args):
					out = append(out, target{c.Args[i+1], span(i + 1)})
				case strings.HasPrefix(fl, "--") && strings.HasPrefix(a, fl+"="):
					out = append(out, target{strings.TrimPrefix(a, fl+"="), span(i)})
				case !strings.HasPrefix(fl, "--") && len(fl) == 2 && strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.HasSuffix(a, fl[1:]) && len(a) > 2 && i+1 < len(c.Args):
					// a cluster such as curl -Lo FILE
					out = append(out, target{c.Args[i+1], span(i + 1)})
				}
			}
		}
	}
	switch path.Base(c.Name) {
	case "mkdir", "touch", "tee":
		for _, i := range positional {
			out = append(out, target{c.Args[i], span(i)})
		}
	case "cp", "mv", "install", "ln", "rsync":
		if len(positional) >= 2 {
			i := positional[len(positional)-1]
			out = append(out, target{c.Args[i], span(i)})
		}
	case "git":
		if i, dir, ok := cloneDest(c.Args); ok {
			out = append(out, target{dir, span(i)})
		}
	case "curl":
		after("-o", "--output")
	case "wget":
		after("-O", "--output-document", "-P", "--directory-prefix")
	case "unzip":
		after("-d")
	case "tar":
		after("-C", "--directory")
	case "bash", "sh":
		// An installer script given its prefix: conda's and its
		// relatives' `bash Miniconda3.sh -b -p ~/miniconda`.
		if len(positional) > 0 && strings.HasSuffix(c.Args[positional[0]], ".sh") {
			after("-p", "--prefix")
		}
	}
	return out
}

// gitValueFlags are git's and git clone's options that take the next
// word as their value when not written `--opt=value`.
var gitValueFlags = map[string]bool{
	"-c": true, "-C": true, "--git-dir": true, "--work-tree": true, "--namespace": true,
	"--depth": true, "-b": true, "--branch": true, "-o": true, "--origin": true, "--config": true,
	"--reference": true, "--reference-if-able": true, "--separate-git-dir": true, "-j": true, "--jobs": true,
	"--template": true, "--shallow-since": true, "--shallow-exclude": true, "-u": true, "--upload-pack": true,
	"--filter": true, "--server-option": true, "--bundle-uri": true, "--revision": true,
}

// cloneDest is the folder `git clone` writes and the index of the word
// that names it: the directory after the repository, else the
// repository's own name (`git clone --depth 1 https://…/tool.git` makes
// `tool` in the working directory), at the repository's word.
func cloneDest(args []string) (int, string, bool) {
	var pos []int
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			if gitValueFlags[a] {
				i++
			}
			continue
		}
		pos = append(pos, i)
	}
	if len(pos) < 2 || args[pos[0]] != "clone" {
		return 0, "", false
	}
	if len(pos) >= 3 {
		i := pos[len(pos)-1]
		return i, args[i], true
	}
	i := pos[1]
	repo := strings.TrimSuffix(strings.TrimRight(strings.Trim(args[i], `"'`), "/"), ".git")
	name := repo[strings.LastIndexAny(repo, "/:")+1:]
	if name == "" || strings.Contains(name, "$") {
		return 0, "", false
	}
	return i, name, true
}

// varRe matches $NAME and ${NAME}.
var varRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// expandKnown substitutes the variables vars knows into s, leaving the
// others as written.
func expandKnown(s string, vars map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	return varRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := varRe.FindStringSubmatch(m)
		if v, ok := vars[sub[1]+sub[2]]; ok {
			return v
		}
		return m
	})
}

// stageVars returns the ARG values and ENV values of s's chain set before
// at (nil: all of them). An ARG takes the build argument the build is
// given (DockerfileInput.BuildArgs), else its default, as the builder does.
func (v *dfView) stageVars(s *dockerfile.Stage, at *dockerfile.Instruction) map[string]string {
	vars := map[string]string{}
	for _, in := range v.instructions(s) {
		if in == at {
			break
		}
		for _, a := range in.Declares {
			if val, ok := v.in.BuildArgs[a.Name]; ok {
				vars[a.Name] = val
			} else if a.Default != nil {
				vars[a.Name] = expandKnown(unquoteWhole(*a.Default), vars)
			} else if g, ok := v.globalArg(a.Name); ok && in.Stage != nil {
				// `ARG NB_USER` in a stage takes the default of the
				// `ARG NB_USER=jovyan` before the first FROM.
				vars[a.Name] = g
			}
		}
		if in.Cmd == "env" {
			for _, kv := range in.Env {
				vars[kv.Key] = expandKnown(kv.Value, vars)
			}
		}
	}
	return vars
}

// globalArg is the default of an ARG declared before the first FROM
// (a meta ARG), which a bare `ARG NAME` in a stage brings in.
func (v *dfView) globalArg(name string) (string, bool) {
	vars := map[string]string{}
	found := false
	for _, a := range v.f.MetaArgs {
		val, ok := v.in.BuildArgs[a.Name]
		if !ok && a.Default != nil {
			val, ok = expandKnown(unquoteWhole(*a.Default), vars), true
		}
		if ok {
			vars[a.Name] = val
			if a.Name == name {
				found = true
			}
		}
	}
	return vars[name], found
}

// unquoteWhole removes the quotes around a whole ARG default
// (`ARG USERNAME="bort"` is bort), as the builder does when it uses it.
func unquoteWhole(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] && !strings.ContainsRune(s[1:len(s)-1], rune(s[0])) {
		return s[1 : len(s)-1]
	}
	return s
}

// cite renders the sources a rule's Why stands on.
func cite(keys ...string) string {
	var parts []string
	for _, k := range keys {
		s := Sources[k]
		parts = append(parts, fmt.Sprintf("`%s` — [%s](%s) (%s)", k, s.Title, s.URL, s.Where))
	}
	return "\n\nSource: " + strings.Join(parts, "; ") + "."
}
