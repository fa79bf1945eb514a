package checks

import (
	"fmt"
	"slices"
	"strings"
)

// This file holds CR118: a final image made on the build machine's
// platform.

func init() {
	Register(&Rule{
		ID:       "CR118",
		Title:    "Final stage built for the build machine's platform",
		Severity: SeverityWarning,
		Family:   FamilyDockerfile,
		What: "The final stage, or the stage it is built on, starts `FROM --platform=$BUILDPLATFORM` (or `$BUILDOS`/" +
			"`$BUILDARCH` in the flag). Builder stages that cross-compile on the build machine and are copied from are not " +
			"reported, nor is a final stage on `scratch` or a shell-less image (distroless, Chainguard's), which holds only what is copied into it, " +
			"nor the flag on a `FROM` that names an earlier stage (`FROM --platform=$BUILDPLATFORM base`): BuildKit ignores it there, " +
			"and the stage has its base's platform.",
		Why: "`BUILDPLATFORM` is the platform of the machine that runs the build. A stage started on it runs that " +
			"machine's binaries, which is what cross-compiling stages want; as the image itself it means every platform " +
			"the image is built for (`--platform linux/arm64`, a multi-platform build) holds the build machine's " +
			"programs. A Coder workspace on an arm64 node built on an amd64 runner then fails with `exec format error`." +
			cite("dockerfile"),
		HowToFix: "Drop `--platform=$BUILDPLATFORM` from the final stage (the default is the target platform), and keep " +
			"it on the stages that build artifacts the final stage copies with `COPY --from`.",
		Sources:    []string{"dockerfile"},
		Dockerfile: checkCR118,
	})
}

// buildMachine reports whether a `--platform` value uses one of
// BuildKit's build-machine platform ARGs (BUILDPLATFORM, BUILDOS, …).
func buildMachine(platform string) bool {
	return slices.ContainsFunc(platformArgs, func(a string) bool {
		return strings.HasPrefix(a, "BUILD") && refersTo(platform, a)
	})
}

// checkCR118 reports a final image whose platform is the build machine's.
func checkCR118(in *DockerfileInput) []Finding {
	v := newView(in)
	// scratch and the shell-less images (distroless, Chainguard's) hold
	// no programs of their own: a program copied in from a cross-compiling
	// stage is the target platform's.
	if v == nil || shellless(v.rootRef(v.final)) {
		return nil
	}
	// The stage that starts the chain from an image decides its
	// platform; the stages built on it share its filesystem.
	decides := v.chain(v.final)[0]
	if !buildMachine(decides.PlatformRaw) {
		return nil
	}
	fd := Finding{
		Message: fmt.Sprintf("`FROM --platform=%s` makes the image of the build machine's platform: built for another "+
			"platform (an arm64 workspace on an amd64 runner), it holds programs that cannot run there", decides.PlatformRaw),
		Location: v.instLoc(decides.From),
		Fix:      &Fix{Description: "drop `--platform=" + decides.PlatformRaw + "` from the image's own stage"},
	}
	if decides == v.final {
		for _, flag := range []string{"--platform=" + decides.PlatformRaw + " ", "--platform " + decides.PlatformRaw + " "} {
			if e, ok := v.f.ReplaceInLine(decides.From.StartLine, flag, ""); ok {
				fd.Fix.Edits = []Edit{v.edit(e)}
				break
			}
		}
	}
	return []Finding{fd}
}
