package checks

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/coderready/coderready/dockerfile"
)

// This file holds CR125 and CR223: an image reference written out in full
// that the builders refuse as a reference (`ghcr.io/HugoBlox/hugo-blox-dev`:
// "repository name must be lowercase"), so the build stops before it
// starts.

func init() {
	const why = "Docker, BuildKit, Kaniko (envbuilder) and the Dev Containers CLI parse an image reference by the " +
		"distribution grammar before they pull anything: a repository path is lower-case letters, digits and the " +
		"separators `.`, `_`, `__`, `-` and `/`, and a tag at most 128 characters of letters, digits, `_`, `.` and `-`. " +
		"A reference outside it fails at once (`invalid reference format: repository name (HugoBlox/hugo-blox-dev) must " +
		"be lowercase`), so the image is never built and the workspace never starts. Registries store repositories " +
		"lower-case, so the lower-case name is the one that was pushed."
	Register(&Rule{
		ID:       "CR125",
		Title:    "Image reference in upper case",
		Severity: SeverityError,
		Family:   FamilyDockerfile,
		What: "A `FROM` or `COPY --from` names an image, written out in full, whose repository has upper-case letters " +
			"(`FROM ghcr.io/Acme/tools:1`), which no valid reference has. A reference that holds a variable, names a stage " +
			"(in any case), or is a placeholder a script fills in (`FROM __BASE_IMAGE__`, `FROM TO_BE_REPLACED`, CR120) is not " +
			"judged, nor a reference refused for another reason (a made-up digest, `ubuntu@abc123`, is a test's fixture).",
		Why:        why + cite("image-ref"),
		HowToFix:   "Write the repository in lower case (`ghcr.io/acme/tools:1`), as it was pushed.",
		Sources:    []string{"image-ref"},
		Dockerfile: checkCR125,
	})
	Register(&Rule{
		ID: "CR223", Title: "Dev Container image reference not valid", Severity: SeverityError, Family: FamilyDevcontainer,
		What: "The devcontainer's `image` has upper-case letters in its repository " +
			"(`ghcr.io/HugoBlox/hugo-blox-dev:hugo0.154.5`), which no valid reference has, or is a command that ends with a " +
			"reference (`docker pull ghcr.io/acme/dev:1`): no reference holds a blank. " +
			"An image that holds a variable or a `${templateOption:…}` placeholder is not judged.",
		Why:          why + cite("image-ref", "spec"),
		HowToFix:     "Write the repository in lower case, as it was pushed; give the reference alone, without the command.",
		Sources:      []string{"image-ref", "spec"},
		Devcontainer: checkCR223,
	})
}

// unquoteWord takes the quotes off a word written whole in one pair
// (`"gcr.io/distroless/static-debian13"`).
func unquoteWord(w string) string {
	if len(w) >= 2 && (w[0] == '"' || w[0] == '\'') && w[len(w)-1] == w[0] {
		return w[1 : len(w)-1]
	}
	return w
}

// invalidRef returns why a reference written out in full is one the
// builders refuse for its upper-case repository, and the lower-cased
// reference; ok is false for a valid reference, one refused for another
// reason, one that holds a variable, or a placeholder.
func invalidRef(ref string) (why, lower string, ok bool) {
	if ref == "" || hasVar(ref) || strings.ContainsAny(ref, "{}<>") || isPlaceholderImage(ref) || capsPlaceholder.MatchString(ref) ||
		strings.EqualFold(ref, "scratch") {
		return "", "", false
	}
	_, err := name.ParseReference(ref)
	if err == nil {
		return "", "", false
	}
	var perr *name.ErrBadName
	if !errors.As(err, &perr) {
		return "", "", false
	}
	// Only a repository in upper case, valid once lower-cased, is judged:
	// other faults are mostly test fixtures' made-up digests
	// (`ubuntu@abc123`), written to be refused.
	if l := lowerRepository(ref); l != ref {
		if _, err := name.ParseReference(l); err == nil {
			return "its repository has upper-case letters, which no registry path may have", l, true
		}
	}
	return "", "", false
}

// capsPlaceholder is a reference that is one upper-case word, a
// placeholder a script replaces (`FROM TO_BE_REPLACED`, `BASE_IMAGE`).
var capsPlaceholder = regexp.MustCompile(`^[A-Z][A-Z0-9_-]*(?::[A-Za-z0-9_.-]+)?$`)

// lowerRepository lower-cases a reference's name (registry host and
// repository path), keeping its tag and digest as written.
func lowerRepository(ref string) string {
	r, suffix := ParseImageRef(ref), ""
	if r.Tag != "" {
		suffix = ":" + r.Tag
	}
	if r.Digest != "" {
		suffix += "@" + r.Digest
	}
	return strings.ToLower(strings.TrimSuffix(ref, suffix)) + suffix
}

// checkCR125 reports FROM and COPY --from images the builders refuse as
// references.
func checkCR125(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	var out []Finding
	report := func(ref string, ins *dockerfile.Instruction, what string) {
		// BuildKit reads the word as a shell does: `FROM "gcr.io/x/y"`
		// names gcr.io/x/y.
		ref = unquoteWord(ref)
		why, lower, ok := invalidRef(ref)
		if !ok {
			return
		}
		f := Finding{Message: fmt.Sprintf("%s `%s` is not a valid image reference (%s): the build stops before it starts", what, ref, why),
			Location: v.instLoc(ins), Fix: &Fix{Description: fmt.Sprintf("write it `%s`", lower)}}
		if e, ok := v.f.ReplaceInLine(ins.StartLine, ref, lower); ok {
			f.Fix.Edits = []Edit{v.edit(e)}
		}
		out = append(out, f)
	}
	for _, s := range v.f.Stages {
		if b := v.base(s); b.Stage == nil && !v.stageNamed(s.BaseRaw) {
			report(s.BaseRaw, s.From, "FROM")
		}
		for _, ins := range s.Instructions {
			from, ok := ins.Flag("from")
			if ins.Cmd != "copy" || !ok || isStageIndex(from) || v.stageNamed(from) {
				continue
			}
			report(from, ins, "COPY --from")
		}
	}
	return out
}

// checkCR223 reports a devcontainer image the builders refuse as a
// reference.
func checkCR223(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	img, ok := c.StringOK("/image")
	if !ok || strings.Contains(img, "${") {
		return nil
	}
	// A command that pulls or runs the image (`docker pull ghcr.io/x:1`).
	if f := strings.Fields(img); len(f) > 1 {
		ref := f[len(f)-1]
		if _, err := name.ParseReference(ref); err != nil || hasVar(ref) {
			return nil
		}
		fd := dcAt(c, "/image", fmt.Sprintf("`%s` is a command, not an image reference (no reference holds a blank): "+
			"envbuilder and the Dev Containers CLI stop before they pull anything", img))
		fd.Fix = &Fix{Description: fmt.Sprintf("give the reference alone: `%s`", ref)}
		if e, ok := dcLineEdit(c, c.Pos("/image").Line, `"`+img+`"`, `"`+ref+`"`); ok {
			fd.Fix.Edits = []Edit{e}
		}
		return []Finding{fd}
	}
	why, lower, bad := invalidRef(img)
	if !bad {
		return nil
	}
	f := dcAt(c, "/image", fmt.Sprintf("`%s` is not a valid image reference (%s): envbuilder and the Dev Containers CLI "+
		"stop before they pull it", img, why))
	f.Fix = &Fix{Description: fmt.Sprintf("write it `%s`", lower)}
	if e, ok := dcLineEdit(c, c.Pos("/image").Line, `"`+img+`"`, `"`+lower+`"`); ok {
		f.Fix.Edits = []Edit{e}
	}
	return []Finding{f}
}
