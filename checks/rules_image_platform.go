package checks

import (
	"fmt"
	"strings"

	"github.com/coderready/coderready/image"
)

// The image rules about the platform and C library: where the agent runs
// (CR311, CR323) and what IDE servers need (CR312, CR317).

// agentPlatforms are the platforms Coder publishes agent builds for.
var agentPlatforms = []string{"linux/amd64", "linux/arm64", "linux/arm/v7"}

// supportedPlatform reports whether the agent has a build for p (the same
// table CR110 uses for FROM --platform).
func supportedPlatform(p image.Platform) bool {
	return platformSupported(p.String())
}

// realPlatform reports whether p names a runnable platform, not an
// attestation or unknown entry.
func realPlatform(p image.Platform) bool {
	return p.OS != "" && p.OS != "unknown" && p.Architecture != "" && p.Architecture != "unknown"
}

func init() {
	Register(&Rule{
		ID: "CR311", Title: "Platform without a Coder agent", Severity: SeverityError, Family: FamilyImage,
		What: "The image's platform is not linux/amd64, linux/arm64 or linux/arm/v7; each platform of a multi-platform index is judged " +
			"(one finding per unsupported platform; attestation entries are not platforms). For a Dockerfile's base image only the platform the build uses is judged.",
		Why:      "Coder publishes agent builds for linux amd64, arm64 and armv7 only; on any other platform the bootstrap script has nothing to download. " + cite("bootstrap"),
		HowToFix: "Build for a supported platform (`docker buildx build --platform linux/amd64,linux/arm64`).",
		Sources:  []string{"bootstrap"},
		Image:    checkCR311,
	})
	Register(&Rule{
		ID: "CR312", Title: "musl libc", Severity: SeverityWarning, Family: FamilyImage,
		What: "The image uses musl libc (Alpine and its kin).",
		Why: "VS Code Remote-SSH and code-server standalone need glibc ≥ 2.28, and JetBrains backends need glibc (\"not on Alpine\"); " +
			"the agent itself is built without cgo and runs. " + cite("ide", "agent"),
		HowToFix: "Use a glibc base (Debian, Ubuntu, Fedora) for workspaces where developers use those IDEs.",
		Sources:  []string{"ide", "agent"},
		Image:    checkCR312,
	})
	Register(&Rule{
		ID: "CR317", Title: "glibc or libstdc++ too old for IDEs", Severity: SeverityWarning, Family: FamilyImage,
		What:     "glibc older than 2.28, or a libstdc++ without `GLIBCXX_3.4.25`. Not judged when the versions could not be read.",
		Why:      "VS Code's server and code-server need glibc ≥ 2.28 and libstdc++ ≥ 3.4.25. " + cite("ide"),
		HowToFix: "Use a newer base (Debian 10+, Ubuntu 20.04+, RHEL 8+), or a newer libstdc++.",
		Sources:  []string{"ide"},
		Image:    checkCR317,
	})
	Register(&Rule{
		ID: "CR323", Title: "32-bit ARM", Severity: SeverityInfo, Family: FamilyImage,
		What:     "The image is linux/arm/v7.",
		Why:      "The agent runs on armv7, but JetBrains backends and code-server standalone support only x86_64 and arm64. " + cite("ide", "bootstrap"),
		HowToFix: "Build for linux/arm64 where the hardware allows.",
		Sources:  []string{"ide", "bootstrap"},
		Image:    checkCR323,
	})
}

func checkCR311(in *ImageInput) []Finding {
	v := newImgView(in)
	var out []Finding
	seen := map[string]bool{}
	check := func(p image.Platform) {
		s := p.String()
		if !realPlatform(p) || seen[s] || supportedPlatform(p) {
			return
		}
		seen[s] = true
		out = append(out, Finding{Message: fmt.Sprintf("platform %s has no Coder agent build (only %s)", s, strings.Join(agentPlatforms, ", ")),
			Location: v.fromLoc(), Fix: &Fix{Description: "build the image for linux/amd64 or linux/arm64"}})
	}
	check(in.Facts.Platform)
	// A Dockerfile's build uses one platform of its base's index; a built
	// or referenced index is published with all of them.
	if !in.BaseOnly {
		for _, p := range in.Facts.Platforms {
			check(p)
		}
	}
	return out
}

func checkCR312(in *ImageInput) []Finding {
	if in.Facts.Libc.Kind != image.LibcMusl {
		return nil
	}
	v := newImgView(in)
	return []Finding{{Message: "musl libc in " + v.subject() + ": VS Code Remote-SSH, code-server standalone and JetBrains IDEs will not run in this workspace",
		Location: v.fromLoc()}}
}

func checkCR317(in *ImageInput) []Finding {
	v := newImgView(in)
	l := in.Facts.Libc
	if l.Kind != image.LibcGlibc {
		return nil
	}
	var out []Finding
	if l.Version != "" && !l.AtLeast("2.28") {
		out = append(out, Finding{Message: fmt.Sprintf("glibc %s in %s is older than 2.28: VS Code's server and code-server will not run", l.Version, v.subject()),
			Location: v.fromLoc(), Fix: &Fix{Description: "use a newer base: Debian 10+, Ubuntu 20.04+, RHEL 8+"}})
	}
	// "3.4" is what the reader records when the scan found no versioned
	// symbol: treat it as unknown.
	if l.Libstdcxx != "" && l.GLIBCXX != "" && l.GLIBCXX != "3.4" && !l.HasGLIBCXX("3.4.25") &&
		!v.baseOnlyInstalls("libstdc++6", "libstdc++", "libstdc++-devel") {
		out = append(out, Finding{Message: fmt.Sprintf("libstdc++ (%s) provides GLIBCXX_%s, older than 3.4.25: VS Code's server will not run", l.Libstdcxx, l.GLIBCXX),
			Location: v.fromLoc(), Fix: &Fix{Description: "use a newer base, or install a newer libstdc++"}})
	}
	return out
}

func checkCR323(in *ImageInput) []Finding {
	p := in.Facts.Platform
	if p.OS != "linux" || p.Architecture != "arm" || (p.Variant != "" && p.Variant != "v7") {
		return nil
	}
	return []Finding{{Message: "linux/arm/v7: the agent works, JetBrains backends and code-server standalone do not", Location: newImgView(in).fromLoc(),
		Fix: &Fix{Description: "build for linux/arm64 where the hardware allows"}}}
}
