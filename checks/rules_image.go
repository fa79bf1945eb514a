package checks

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/image"
)

// This file holds what the image rules (CR300–CR326) share: where a
// finding about an image goes (the Dockerfile line to change, or the image
// reference), the fix for the image's own package manager, and what a
// Dockerfile changes when the facts are of its base image. The rules are in
// rules_image_*.go, by theme.

// imgView is an image with, when known, the Dockerfile it comes from.
type imgView struct {
	in *ImageInput
	f  *image.Facts
	df *dfView // nil without a Dockerfile
}

func newImgView(in *ImageInput) *imgView {
	v := &imgView{in: in, f: in.Facts}
	if in.Dockerfile != nil {
		// The facts answer for the final stage's base whatever its
		// reference resolves to (an ARG without a value included).
		v.df = newView(&DockerfileInput{File: in.Dockerfile, Target: in.Target, Bases: factsBase{in.Facts}})
		if v.df != nil && v.df.final == nil {
			v.df = nil
		}
	}
	return v
}

// factsBase answers every base reference with one image's facts.
type factsBase struct{ f *image.Facts }

// BaseFacts implements BaseResolver.
func (r factsBase) BaseFacts(ref string) BaseFacts {
	b := FactsBase(r.f)
	b.Ref = ref
	return b
}

// subject names what the facts are of, for messages.
func (v *imgView) subject() string {
	if v.in.BaseOnly {
		return "the base image"
	}
	return "the image"
}

// fromLoc is where findings about the image's contents go: the final
// stage's FROM, or the image itself.
func (v *imgView) fromLoc() Location {
	if v.df != nil {
		return v.df.instLoc(v.df.final.From)
	}
	return Location{Path: v.in.Ref}
}

// lastUser returns the last USER instruction of the final stage's chain,
// if any.
func (v *imgView) lastUser() *dockerfile.Instruction {
	if v.df == nil {
		return nil
	}
	var last *dockerfile.Instruction
	for _, ins := range v.df.instructions(v.df.final) {
		if ins.Cmd == "user" {
			last = ins
		}
	}
	return last
}

// userLoc is where findings about the user go: the last USER, else FROM.
func (v *imgView) userLoc() Location {
	if u := v.lastUser(); u != nil {
		return v.df.instLoc(u)
	}
	return v.fromLoc()
}

// osFamily maps os-release IDs (ID first, then ID_LIKE) to a family.
func osFamily(o image.OSRelease) OSFamily {
	for _, id := range o.Family() {
		switch id {
		case "debian", "ubuntu":
			return OSDebian
		case "alpine":
			return OSAlpine
		case "rhel", "fedora", "centos", "rocky", "almalinux", "ol", "amzn":
			return OSRHEL
		case "suse", "opensuse", "sles", "opensuse-leap", "opensuse-tumbleweed":
			return OSSUSE
		}
	}
	return OSUnknown
}

// familyManager is the usual package manager of a family.
func familyManager(f OSFamily) PackageManager {
	switch f {
	case OSDebian:
		return PMApt
	case OSAlpine:
		return PMApk
	case OSRHEL:
		return PMDnf
	case OSSUSE:
		return PMZypper
	}
	return PMUnknown
}

// manager is the image's package manager: the one it holds, else its OS
// family's usual one.
func (v *imgView) manager() PackageManager {
	if m := PackageManager(v.f.PackageManager); m != PMUnknown {
		return m
	}
	return familyManager(osFamily(v.f.OS))
}

// chainCommands returns the shell commands of the final stage's chain.
func (v *imgView) chainCommands() []dockerfile.Command {
	if v.df == nil {
		return nil
	}
	var out []dockerfile.Command
	for _, ins := range v.df.instructions(v.df.final) {
		if ins.Cmd != "run" {
			continue
		}
		cmds, _ := ins.Commands()
		out = append(out, cmds...)
	}
	return out
}

// baseOnlyInstalls reports whether facts are of the base and the
// Dockerfile's final stage installs one of pkgs: the built image will have
// it, so the base's lack is no finding.
func (v *imgView) baseOnlyInstalls(pkgs ...string) bool {
	return v.in.BaseOnly && v.df != nil && v.df.installs(v.df.final, pkgs...)
}

// baseOnlyProvides reports whether facts are of the base and the
// Dockerfile's final stage provides the tool: installs one of pkgs, writes
// a file named tool (curl -o, wget -O, cp, ln, redirections), or COPYs or
// ADDs one. On the base of a Dev Container any tool may come from one of
// its features, so none is reported missing there.
func (v *imgView) baseOnlyProvides(tool string, pkgs ...string) bool {
	if v.in.BaseOnly && v.in.DevcontainerBuild {
		return true
	}
	if !v.in.BaseOnly || v.df == nil {
		return false
	}
	if v.df.installs(v.df.final, append([]string{tool}, pkgs...)...) {
		return true
	}
	for _, c := range v.chainCommands() {
		for _, t := range writeTargets(c) {
			if path.Base(t.Path) == tool {
				return true
			}
		}
	}
	for _, ins := range v.df.instructions(v.df.final) {
		if (ins.Cmd == "copy" || ins.Cmd == "add") && path.Base(v.df.copyDest(v.df.final, ins)) == tool {
			return true
		}
	}
	return false
}

// baseOnlyRuns reports whether facts are of the base and a RUN of the
// final stage's chain runs one of the named programs.
func (v *imgView) baseOnlyRuns(names ...string) bool {
	if !v.in.BaseOnly {
		return false
	}
	for _, c := range v.chainCommands() {
		if slices.Contains(names, path.Base(c.Name)) {
			return true
		}
	}
	return false
}

// baseOnlyUser reports whether the user rules must stay silent: the facts
// are of the base and the Dockerfile decides or changes the user (a USER,
// user or group commands, sudoers), or the image is for a Dev Container,
// whose remoteUser/containerUser decides.
func (v *imgView) baseOnlyUser() bool {
	if v.in.DevcontainerBuild {
		return true
	}
	if !v.in.BaseOnly || v.df == nil {
		return false
	}
	if v.lastUser() != nil || v.baseOnlyRuns("useradd", "adduser", "usermod", "chsh", "groupadd", "addgroup", "gpasswd", "chown", "visudo") {
		return true
	}
	for _, ins := range v.df.instructions(v.df.final) {
		if strings.Contains(ins.Original, "sudoers") {
			return true
		}
	}
	return false
}

// installFix installs pkgs with the image's package manager: as an edit of
// the Dockerfile when there is one (added to the final stage's install, or
// a RUN after its FROM), else as the command to add.
func (v *imgView) installFix(what string, pkgs ...string) *Fix {
	if v.df != nil {
		return v.df.installFix(v.df.final, what, pkgs...)
	}
	m := v.manager()
	if m == PMUnknown {
		return &Fix{Description: what + ": the image has no known package manager; add " + strings.Join(pkgs, " ") + " to it"}
	}
	return &Fix{Description: fmt.Sprintf("%s: `RUN %s`", what, InstallLine(m, pkgs...))}
}

// runFix adds `RUN cmd` to the Dockerfile: before the last USER when
// beforeUser is set and there is one (user changes need root), else after
// the final stage's FROM. Without a Dockerfile it only describes it.
func (v *imgView) runFix(what, cmd string, beforeUser bool) *Fix {
	line := "RUN " + cmd
	fix := &Fix{Description: what + ": `" + line + "`"}
	if v.df == nil {
		return fix
	}
	if u := v.lastUser(); beforeUser && u != nil {
		fix.Edits = []Edit{v.df.edit(v.df.f.InsertBefore(u.StartLine, line))}
	} else {
		fix.Edits = []Edit{v.df.edit(v.df.f.InsertAfter(v.df.final.From.EndLine, line))}
	}
	return fix
}

// has reports whether name resolves to an executable on the image's PATH
// (links resolved, execute bit checked).
func (v *imgView) has(name string) bool {
	_, ok := v.f.FindExecutable(name)
	return ok
}

// executable reports whether the absolute path p leads to an executable.
func (v *imgView) executable(p string) bool {
	f, ok := v.f.Stat(p)
	return ok && f.Executable()
}

// missing returns the names of tools not on PATH.
func (v *imgView) missing(names ...string) []string {
	var out []string
	for _, n := range names {
		if !v.has(n) {
			out = append(out, n)
		}
	}
	return out
}

// configUser is the image's user entry; ok is false when the config user
// is not in /etc/passwd. An empty config user is root.
func (v *imgView) configUser() (image.User, bool) {
	return v.f.LookupUser(v.f.Config.User)
}

// toolPackage names the package that ships a tool, per package manager.
func toolPackage(tool string, m PackageManager) string {
	switch tool {
	case "ssh":
		if m.Family() == OSRHEL || m == PMZypper {
			return "openssh-clients"
		}
		return "openssh-client"
	case "mktemp", "chmod", "sleep", "head", "id", "chown", "mkdir", "env":
		return "coreutils"
	case "sh":
		if m == PMApk {
			return "busybox"
		}
		return "bash"
	case "docker", "dockerd":
		if m == PMApt {
			return "docker.io"
		}
		return "docker"
	case "devcontainer":
		return "npm"
	}
	return tool
}

// toolPackages maps tools to their packages, without repeats.
func toolPackages(tools []string, m PackageManager) []string {
	var out []string
	for _, t := range tools {
		if p := toolPackage(t, m); !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// tick quotes names for messages: `a`, `b`.
func tick(names []string) string {
	return "`" + strings.Join(names, "`, `") + "`"
}

// numericUser reports whether a config user's name part is a UID.
func numericUser(spec string) (int, bool) {
	name, _, _ := strings.Cut(spec, ":")
	n, err := strconv.Atoi(name)
	return n, err == nil
}
