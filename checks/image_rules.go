package checks

import (
	"fmt"
	"strings"

	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/image"
)

// This file holds what the image rules (CR300–CR326) share: where a
// finding about an image goes (the Dockerfile line to change, or the image
// reference) and the fix for the image's own package manager. The rules are
// in image_rules_*.go.

// imgView is an image with, when known, the Dockerfile it comes from.
type imgView struct {
	in *ImageInput
	f  *image.Facts
	df *dfView // nil without a Dockerfile
}

func newImgView(in *ImageInput) *imgView {
	v := &imgView{in: in, f: in.Facts}
	if in.Dockerfile != nil {
		v.df = newView(&DockerfileInput{File: in.Dockerfile, Target: in.Target, Bases: FactsResolver{FinalBaseRef(&DockerfileInput{File: in.Dockerfile, Target: in.Target}): in.Facts}})
		if v.df != nil && v.df.final == nil {
			v.df = nil
		}
	}
	return v
}

// fromLoc is where findings about the image's contents go: the final
// stage's FROM, or the image itself.
func (v *imgView) fromLoc() Location {
	if v.df != nil {
		return v.df.instLoc(v.df.final.From)
	}
	return Location{Path: v.in.Ref}
}

// lastUser returns the final stage's last USER instruction, if any.
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

// manager is the image's package manager.
func (v *imgView) manager() PackageManager {
	if m := PackageManager(v.f.PackageManager); m != PMUnknown {
		return m
	}
	return KnownBase(v.in.Ref).Manager
}

// baseOnlyInstalls reports whether facts are of the base and the
// Dockerfile's final stage installs one of pkgs: the built image will have
// it, so the base's lack is no finding.
func (v *imgView) baseOnlyInstalls(pkgs ...string) bool {
	return v.in.BaseOnly && v.df != nil && v.df.installs(v.df.final, pkgs...)
}

// baseOnlyUser reports whether facts are of the base and the Dockerfile
// (or a devcontainer) decides the user instead.
func (v *imgView) baseOnlyUser() bool {
	return (v.in.BaseOnly && v.lastUser() != nil) || v.in.DevcontainerBuild
}

// installFix installs pkgs with the image's package manager: as an edit of
// the Dockerfile when there is one, else as the command to add.
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

// has reports whether name resolves to an executable on the image's PATH.
func (v *imgView) has(name string) bool {
	_, ok := v.f.FindExecutable(name)
	return ok
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

// tick quotes names for messages: `a`, `b`.
func tick(names []string) string {
	return "`" + strings.Join(names, "`, `") + "`"
}
