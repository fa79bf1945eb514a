package checks

import (
	"strings"

	"github.com/coderready/coderready/image"
)

// baseTools are the tools BaseFacts.Tools reports on.
var baseTools = []string{"curl", "wget", "busybox", "git", "bash", "sudo", "sh"}

// FactsBase turns facts read from an image into what Dockerfile rules know
// of a base (Known, Source "image"): the tools really on its PATH (links
// resolved), whether it has a CA bundle, its default user, its non-root
// users and the user holding UID 1000, the HOME its environment sets, and
// the family and package manager it really has (the package manager's
// executable, else os-release). Ref
// is the facts' Reference; FactsResolver sets the reference it was asked.
func FactsBase(f *image.Facts) BaseFacts {
	b := BaseFacts{Ref: f.Reference, Known: true, Source: "image", User: f.Config.User}
	b.Home, _ = f.Config.Getenv("HOME")
	b.WorkDir = f.Config.WorkingDir
	b.Manager = PackageManager(f.PackageManager)
	b.Family = b.Manager.Family()
	if b.Family == OSUnknown {
		b.Family = osFamily(f.OS)
	}
	for _, t := range baseTools {
		if _, ok := f.FindExecutable(t); ok {
			b.Tools = append(b.Tools, t)
		}
	}
	b.CACerts = len(f.CA.Certificates) > 0 || f.CA.Bundle != ""
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

// FactsResolver is a BaseResolver that answers from images that were read
// (by reference, as the Dockerfile names them) and from StaticBases for
// the rest.
type FactsResolver map[string]*image.Facts

// BaseFacts implements BaseResolver.
func (r FactsResolver) BaseFacts(ref string) BaseFacts {
	if f := r[ref]; f != nil {
		b := FactsBase(f)
		b.Ref = ref
		return b
	}
	return StaticBases.BaseFacts(ref)
}

// FinalBaseRef returns the image reference the final stage of in's
// Dockerfile builds on (following stage references and build args), or ""
// when it is not fully known (an ARG without a value, a placeholder such
// as `<ubuntu>` that a build script fills in) or is scratch.
func FinalBaseRef(in *DockerfileInput) string {
	v := newView(in)
	if v == nil || v.final == nil {
		return ""
	}
	ref := v.rootRef(v.final)
	if ref == "" || strings.Contains(ref, "$") || strings.EqualFold(ref, "scratch") || isPlaceholderImage(ref) {
		return ""
	}
	return ref
}
