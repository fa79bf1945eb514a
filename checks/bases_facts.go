package checks

import (
	"strings"

	"github.com/coderready/coderready/image"
)

// baseTools are the tools BaseFacts.Tools reports on.
var baseTools = []string{"curl", "wget", "busybox", "git", "bash", "sudo", "sh"}

// FactsBase turns facts read from an image into what Dockerfile rules know
// of a base: the real tools on PATH, CA bundle, default user and users.
func FactsBase(ref string, f *image.Facts) BaseFacts {
	b := BaseFacts{Ref: ref, Known: true, Source: "image", User: f.Config.User}
	static := KnownBase(ref)
	b.Family, b.Manager = static.Family, static.Manager
	if m := PackageManager(f.PackageManager); m != PMUnknown {
		b.Manager = m
		b.Family = m.Family()
	}
	for _, t := range baseTools {
		if _, ok := f.FindExecutable(t); ok {
			b.Tools = append(b.Tools, t)
		}
	}
	b.CACerts = len(f.CA.Certificates) > 0
	for _, u := range f.Users {
		if u.UID >= 1000 && u.UID < 65534 {
			b.Users = append(b.Users, u.Name)
		}
		if u.UID == 1000 && u.Name != "coder" {
			b.UID1000 = u.Name
		}
	}
	return b
}

// FactsResolver answers BaseResolver from images that were read, and from
// the static table for the rest.
type FactsResolver map[string]*image.Facts

// BaseFacts implements BaseResolver.
func (r FactsResolver) BaseFacts(ref string) BaseFacts {
	if f := r[ref]; f != nil {
		return FactsBase(ref, f)
	}
	return StaticBases.BaseFacts(ref)
}

// FinalBaseRef returns the image reference the final stage of in's
// Dockerfile builds on (following stage references and build args), or ""
// when it is not fully known (an ARG without a value) or is scratch.
func FinalBaseRef(in *DockerfileInput) string {
	v := newView(in)
	if v == nil || v.final == nil {
		return ""
	}
	ref := v.rootRef(v.final)
	if ref == "" || strings.Contains(ref, "$") || strings.EqualFold(ref, "scratch") {
		return ""
	}
	return ref
}
