package checks

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/coderready/coderready/dockerfile"
)

// This file holds CR117: a locale the image's environment names that the
// Dockerfile never generates, on a base known to ship none.

func init() {
	Register(&Rule{
		ID:       "CR117",
		Title:    "Locale named but not generated",
		Severity: SeverityInfo,
		Family:   FamilyDockerfile,
		What: "The final image sets `LANG`, `LC_ALL` or another `LC_*` variable to a locale other than `C`, `C.UTF-8` " +
			"and `POSIX` (`ENV LANG=en_US.UTF-8`), its base is Debian's or Ubuntu's official image, which ships only " +
			"those three, and nothing in the Dockerfile makes the locale: no `locale-gen`, `localedef`, " +
			"`dpkg-reconfigure locales`, `update-locale`, edit of `/etc/locale.gen`, or `locales-all`. Installing the " +
			"`locales` package alone generates nothing. A RUN of a script copied in from the build context, or an install " +
			"of packages the Dockerfile does not name (`$PACKAGES`), may make it, so then nothing is reported (a vendor's " +
			"installer piped from a download, `curl -LsSf https://astral.sh/uv/install.sh | sh`, installs its tool, not " +
			"locales); nor is any other base, whose locales are not known from the file. CR322 judges " +
			"the built image itself.",
		Why: "Shells and tools warn on every start (`setlocale: LC_ALL: cannot change locale`) and fall back to C when " +
			"the locale is missing; some IDE servers refuse to start." + cite("seed"),
		HowToFix: "Use `C.UTF-8`, which every Debian and Ubuntu image has, or generate the locale in the same RUN that " +
			"installs `locales`: `sed -i 's/^# *en_US.UTF-8/en_US.UTF-8/' /etc/locale.gen && locale-gen` (Debian), " +
			"`locale-gen en_US.UTF-8` (Ubuntu).",
		Sources:    []string{"seed"},
		Dockerfile: checkCR117,
	})
}

// makesLocale finds a command that generates or installs locales.
var makesLocale = regexp.MustCompile(`\blocale-gen\b|\blocaledef\b|dpkg-reconfigure\s+(-\S+\s+)*locales\b|\bupdate-locale\b|/etc/locale\.gen|\blocales-all\b|language-pack-`)

// checkCR117 reports a locale the final image names but does not make.
func checkCR117(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	// Docker Hub's official images, in Docker's short form.
	if root := ParseImageRef(v.rootRef(v.final)).Name(); root != "debian" && root != "ubuntu" {
		return nil
	}
	var set *dockerfile.Instruction
	var name, value string
	for _, ins := range v.instructions(v.final) {
		switch ins.Cmd {
		case "env":
			for _, kv := range ins.Env {
				if kv.Key == "LANG" || strings.HasPrefix(kv.Key, "LC_") {
					set, name, value = ins, kv.Key, strings.Trim(kv.Value, `"'`)
				}
			}
		case "run":
			if makesLocale.MatchString(v.f.Text(ins.StartLine, ins.EndLine)) {
				return nil
			}
		}
	}
	if set == nil || value == "" || builtinLocale(value) || strings.Contains(value, "$") || v.mayMakeLocale(v.final) {
		return nil
	}
	return []Finding{{
		Message: fmt.Sprintf("`%s=%s` names a locale the image does not have: `%s` ships only C, C.UTF-8 and POSIX, and "+
			"nothing here generates `%s`", name, value, v.rootRef(v.final), value),
		Location: v.instLoc(set),
		Evidence: EvidenceKnownBase,
		Fix:      &Fix{Description: "use `C.UTF-8`, or install `locales` and run `locale-gen` for it in the same RUN"},
	}}
}

// mayMakeLocale reports whether a RUN of the chain of s may make a locale
// the Dockerfile does not show: an install of packages not named, a RUN
// not read, or a script of the image or the build context. A vendor's
// installer piped from a download (`curl … | sh`, `bash -c "$(curl …)"`:
// uv, rustup, bun) installs its tool, not the system's locales, as does
// a program the image has that is not a shell script.
func (v *dfView) mayMakeLocale(s *dockerfile.Stage) bool {
	return v.runsUnknown(s, func(c dockerfile.Command) bool {
		sc := strings.Trim(c.Script, `"'`)
		if sc == "" || sc == "-" || strings.HasPrefix(sc, "$(") || strings.HasPrefix(sc, "`") {
			return false
		}
		// A program named through a variable (`$HOME/.bun/bin/bun install
		// --global …`) is a tool, unless it is a shell script or a shell
		// runs it.
		return !strings.HasPrefix(sc, "$") || slices.Contains(shells, path.Base(c.Name)) ||
			strings.HasSuffix(sc, ".sh") || strings.HasSuffix(sc, ".bash")
	})
}
