package checks

import (
	"fmt"
	"strings"
)

// RuleBaseUnread is the note that an image could not be read and the table
// of well-known images does not know it: the checks that need its facts
// were skipped, not guessed.
const RuleBaseUnread = "CR327"

func init() {
	Register(&Rule{
		ID: RuleBaseUnread, Title: "Base image not read: image checks skipped", Severity: SeverityInfo, Family: FamilyImage,
		What: "The image a target builds on or runs (a Dockerfile's final base, a devcontainer's `image` or its Compose " +
			"service's) could not be read — offline (`--offline`), the registry unreachable or refusing access, the image " +
			"not found — nothing was built from it, and the table of well-known images does not know it. One note per " +
			"target says which image, how many image checks (CR3xx) were skipped and why, and, for an image a Dockerfile of the repository builds, " +
			"that the other rules read that Dockerfile instead. The Dockerfile and " +
			"devcontainer.json rules that need the image's user, tools or package manager say nothing rather than guess.",
		Why: "What the image holds (its user, shell, download tools, CA certificates, libc) decides whether Coder's agent " +
			"starts in it; when coderready could not look, a finding would be a guess, and silence could pass for a clean " +
			"bill of health." + cite("bootstrap"),
		HowToFix: "Let coderready read the image: run without `--offline`, with access to its registry (`docker login`), or " +
			"with the image pulled into the local Docker engine; or let it build the target. For the GitHub App, give the " +
			"app's runner access to the registry.",
		Sources: []string{"bootstrap"},
		// The scan reports this itself, when an image cannot be read.
		Image: func(*ImageInput) []Finding { return nil },
	})
}

// imageCheckApplies says, for the image rules that judge only under some
// config or for some builds, whether they would have run.
var imageCheckApplies = map[string]func(cfg *Config, devcontainerBuild bool) bool{
	"CR307": func(cfg *Config, _ bool) bool { return len(cfg.OrgCAs) > 0 },
	"CR315": func(cfg *Config, _ bool) bool { return cfg.MaxImageSize > 0 || cfg.MaxLayers > 0 },
	"CR324": func(cfg *Config, _ bool) bool { return cfg.ImageRole == RoleDevcontainerHost },
	"CR325": func(_ *Config, devcontainerBuild bool) bool { return devcontainerBuild },
}

// SkippedImageChecks returns the IDs of the image rules that would have
// judged an image read for a target under cfg (devcontainerBuild: the
// image is a devcontainer's), in order: what an unread image skips.
func SkippedImageChecks(cfg *Config, devcontainerBuild bool) []string {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	var out []string
	for _, r := range Rules() {
		if r.Image == nil || r.Family != FamilyImage || r.ID == "CR300" || r.ID == RuleBaseUnread || !cfg.Enabled(r) {
			continue
		}
		if applies := imageCheckApplies[r.ID]; applies != nil && !applies(cfg, devcontainerBuild) {
			continue
		}
		if r.ConfigOnly && imageCheckApplies[r.ID] == nil {
			continue
		}
		out = append(out, r.ID)
	}
	return out
}

// BaseUnread is the note (CR327) for a target whose image ref could not be
// read (why says why: "offline", "registry unreachable", …) and from which
// nothing was built, located at loc. ok is false when the table of
// well-known images knows ref (the rules then judge from it) or no image
// check would have run.
func BaseUnread(cfg *Config, ref, why string, loc Location, devcontainerBuild bool) (f Finding, ok bool) {
	// A placeholder a script fills in is no image to read (CR120, CR220
	// say so).
	if known := KnownBase(ref); known.KnowsUser() || isPlaceholderImage(ref) || strings.ContainsAny(ref, " \t") {
		return Finding{}, false
	}
	ids := SkippedImageChecks(cfg, devcontainerBuild)
	if len(ids) == 0 {
		return Finding{}, false
	}
	checksWord := "checks"
	if len(ids) == 1 {
		checksWord = "check"
	}
	return Finding{
		RuleID:   RuleBaseUnread,
		Severity: SeverityInfo,
		// The note stands on the reference the file names and the failed read.
		Evidence: EvidenceFile,
		Message:  fmt.Sprintf("could not read `%s`: %d image %s skipped (%s)", ref, len(ids), checksWord, why),
		Details:  "skipped: " + strings.Join(ids, ", "),
		Location: loc,
	}, true
}

// FinalBaseLocation is where the final stage's base is named: the FROM of
// the first stage of its chain (the file itself when it did not parse).
func FinalBaseLocation(in *DockerfileInput) Location {
	v := newView(in)
	if v == nil || v.final == nil {
		if in.File != nil {
			return Location{Path: in.File.Path}
		}
		return Location{}
	}
	return v.instLoc(v.chain(v.final)[0].From)
}
