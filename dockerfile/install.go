package dockerfile

import (
	"path"
	"slices"
	"strings"
)

// Installs returns the package installations of a RUN instruction:
// `apt-get install` / `apt install`, `apk add`, `dnf|yum|microdnf install`
// and `zypper install|in`, with their literal package names. An instruction
// whose commands do not parse has none. The result is cached.
func (in *Instruction) Installs() []Install {
	in.instOnce.Do(func() {
		cmds, err := in.Commands()
		if err != nil {
			return
		}
		for _, c := range cmds {
			if inst, ok := InstallOf(c); ok {
				in.installs = append(in.installs, inst)
			}
		}
	})
	return in.installs
}

// managerOf maps a program name to the package manager it is.
func managerOf(prog string) string {
	switch path.Base(prog) {
	case "apt-get", "apt", "aptitude":
		return "apt"
	case "apk":
		return "apk"
	case "dnf", "dnf5":
		return "dnf"
	case "yum":
		return "yum"
	case "microdnf":
		return "microdnf"
	case "zypper":
		return "zypper"
	}
	return ""
}

// ManagerOf returns the package manager a command runs ("apt", "apk",
// "dnf", "yum", "microdnf", "zypper"), or "" when it runs none.
func ManagerOf(c Command) string { return managerOf(c.Name) }

// valuedFlags are, per manager, the options whose value is the next word.
var valuedFlags = map[string][]string{
	"apt": {"-o", "--option", "-c", "--config-file", "-t", "--target-release", "--default-release"},
	"apk": {"-X", "--repository", "-p", "--root", "--keys-dir", "--arch", "--cache-dir",
		"--repositories-file", "-t", "--virtual", "--timeout", "--cache-max-age"},
	"dnf": {"-c", "--config", "--setopt", "--enablerepo", "--disablerepo", "--repo", "--repoid",
		"-x", "--exclude", "--releasever", "--installroot", "--forcearch", "--downloaddir",
		"--destdir", "--color", "-d", "--debuglevel", "-e", "--errorlevel", "--rpmverbosity",
		"--enableplugin", "--disableplugin", "--comment", "--advisory", "--advisories", "--bz", "--cve", "--sec-severity"},
	"zypper": {"-R", "--root", "-c", "--config", "-D", "--reposd-dir", "-C", "--cache-dir",
		"--raw-cache-dir", "--solv-cache-dir", "--pkg-cache-dir", "-t", "--type", "-r", "--repo", "--from"},
}

// installVerbs are the subcommands that install packages.
var installVerbs = map[string][]string{
	"apt":      {"install"},
	"apk":      {"add"},
	"dnf":      {"install", "in"},
	"yum":      {"install"},
	"microdnf": {"install"},
	"zypper":   {"install", "in"},
}

// removeVerbs are the subcommands that remove packages.
var removeVerbs = map[string][]string{
	"apt":      {"remove", "purge", "autoremove"},
	"apk":      {"del"},
	"dnf":      {"remove", "erase", "rm"},
	"yum":      {"remove", "erase"},
	"microdnf": {"remove"},
	"zypper":   {"remove", "rm"},
}

// InstallOf reads a command as a package installation.
func InstallOf(c Command) (Install, bool) {
	if inst, ok := packageCommand(c, installVerbs); ok {
		return inst, true
	}
	// apt's upgrades install the packages they name as `install` does
	// (`apt-get dist-upgrade -y curl ca-certificates`); one that names
	// none installs nothing new.
	if inst, ok := packageCommand(c, upgradeVerbs); ok && (len(inst.Packages) > 0 || inst.Unknown) {
		return inst, true
	}
	return Install{}, false
}

// upgradeVerbs are the subcommands that upgrade what is installed and
// install the packages they name.
var upgradeVerbs = map[string][]string{"apt": {"upgrade", "dist-upgrade", "full-upgrade"}}

// RemovalOf reads a command as a package removal (`apt-get purge -y
// wget`, `apk del curl`): the Install it returns names the packages
// removed.
func RemovalOf(c Command) (Install, bool) { return packageCommand(c, removeVerbs) }

// Removals returns the package removals a RUN runs, in order.
func (in *Instruction) Removals() []Install {
	cmds, err := in.Commands()
	if err != nil {
		return nil
	}
	var out []Install
	for _, c := range cmds {
		if r, ok := RemovalOf(c); ok {
			out = append(out, r)
		}
	}
	return out
}

// packageCommand reads a package manager command whose subcommand is one
// of verbs, and the packages it names.
func packageCommand(c Command, verbs map[string][]string) (Install, bool) {
	m := managerOf(c.Name)
	if m == "" {
		return Install{}, false
	}
	flagsKey := m
	if m == "yum" || m == "microdnf" {
		flagsKey = "dnf"
	}
	valued := valuedFlags[flagsKey]
	inst := Install{Manager: m, Command: c, last: -1}
	verb := ""
	for i := 0; i < len(c.Args); i++ {
		a := c.Args[i]
		lit := i < len(c.Literal) && c.Literal[i]
		if lit && strings.HasPrefix(a, "-") && a != "-" {
			flag, val, hasVal := strings.Cut(a, "=")
			if !hasVal && slices.Contains(valued, flag) && i+1 < len(c.Args) {
				val = c.Args[i+1]
				i++
			}
			if skipsRecommends(m, flag, val) {
				inst.NoInstallRecommends = true
			}
			continue
		}
		if verb == "" {
			if !lit || !slices.Contains(verbs[m], a) {
				return Install{}, false
			}
			verb = a
			continue
		}
		inst.last = i
		if !lit {
			inst.Unknown = true
			continue
		}
		if p := packageName(m, a); p != "" {
			inst.Packages = append(inst.Packages, p)
		} else {
			inst.Unknown = true
		}
	}
	if verb == "" {
		return Install{}, false
	}
	return inst, true
}

// skipsRecommends reports whether an option skips weak dependencies.
func skipsRecommends(m, flag, val string) bool {
	switch m {
	case "apt":
		if flag == "--no-install-recommends" {
			return true
		}
		if flag == "-o" || flag == "--option" {
			k, v, _ := strings.Cut(val, "=")
			return strings.EqualFold(k, "APT::Install-Recommends") && isFalse(v)
		}
		if strings.HasPrefix(flag, "-oAPT::Install-Recommends") {
			return true
		}
	case "dnf", "yum", "microdnf":
		if flag == "--setopt" {
			k, v, _ := strings.Cut(val, "=")
			return k == "install_weak_deps" && isFalse(v)
		}
	case "zypper":
		return flag == "--no-recommends"
	}
	return false
}

func isFalse(v string) bool {
	switch strings.ToLower(strings.Trim(v, `"'`)) {
	case "false", "0", "no", "off":
		return true
	}
	return false
}

// packageName strips version pins, architecture and release qualifiers from
// a package word; it returns "" for words that are not package names (local
// files, URLs, groups, globs, variables).
func packageName(m, a string) string {
	if a == "" || strings.HasPrefix(a, "/") || strings.HasPrefix(a, ".") || strings.HasPrefix(a, "~") || strings.Contains(a, "://") {
		return ""
	}
	for _, ext := range []string{".deb", ".rpm", ".apk"} {
		if strings.HasSuffix(a, ext) {
			return ""
		}
	}
	cut := func(s, set string) string {
		if i := strings.IndexAny(s, set); i >= 0 {
			return s[:i]
		}
		return s
	}
	switch m {
	case "apt":
		a = cut(a, "=/:")
	case "apk":
		a = cut(a, "=<>~@")
	default:
		a = cut(a, "=<>")
	}
	if a == "" || strings.ContainsAny(a, "/$*?[`{") || strings.HasPrefix(a, "@") {
		return ""
	}
	return a
}

// AddPackages returns the edit that adds pkgs to an install command of the
// instruction, after its last package. A list written one package per line
// (`    curl \`) gets new lines in the same style and indentation; otherwise
// the names are added on the same line. A package the install already
// names, or named twice in pkgs, is added once at most. ok is false when
// the command's position is not exactly known (exec form, `sh -c`
// strings), it has no package word, or every package is already there.
func (in *Instruction) AddPackages(inst Install, pkgs ...string) (Edit, bool) {
	c := inst.Command
	pkgs = MissingPackages(inst, pkgs...)
	if in.file == nil || c.Nested || in.JSON || len(pkgs) == 0 || inst.last < 0 || inst.last >= len(c.ArgSpans) {
		return Edit{}, false
	}
	sp := c.ArgSpans[inst.last]
	f := in.file
	line := f.Line(sp.Line)
	if sp.Col < 1 || sp.EndCol < sp.Col || sp.Line != sp.EndLine || sp.EndCol-1 > len(line) {
		return Edit{}, false
	}
	cont := string(f.Escape)
	if sp.Line > in.HeaderEndLine {
		cont = `\`
	}
	before, after := line[:sp.Col-1], line[sp.EndCol-1:]
	rest := strings.TrimSpace(after)
	if strings.TrimSpace(before) == "" && (rest == "" || rest == cont) {
		indent := before
		gap := " "
		if i := strings.Index(after, cont); rest == cont && i >= 0 {
			gap = after[:i]
		}
		out := []string{line}
		if rest == "" {
			out[0] = line + gap + cont
		}
		for i, p := range pkgs {
			l := indent + p
			if rest == cont || i < len(pkgs)-1 {
				l += gap + cont
			}
			out = append(out, l)
		}
		return Edit{StartLine: sp.Line, EndLine: sp.Line, Text: strings.Join(out, "\n")}, true
	}
	text := line[:sp.EndCol-1] + " " + strings.Join(pkgs, " ") + after
	return Edit{StartLine: sp.Line, EndLine: sp.Line, Text: text}, true
}

// MissingPackages returns pkgs without the ones the install names (version
// pins aside) and without repeats, in order.
func MissingPackages(inst Install, pkgs ...string) []string {
	var out []string
	for _, p := range pkgs {
		if !slices.Contains(inst.Packages, packageName(inst.Manager, p)) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// InstallsPackage reports whether any install of the instruction installs
// one of names.
func (in *Instruction) InstallsPackage(names ...string) bool {
	for _, inst := range in.Installs() {
		for _, p := range inst.Packages {
			if slices.Contains(names, p) {
				return true
			}
		}
	}
	return false
}
