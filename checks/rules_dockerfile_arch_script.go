package checks

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/coderready/coderready/dockerfile"
)

// This file holds CR112's reading of the scripts a RUN runs that the
// Dockerfile copies in from the build context (`COPY ci /opt/ci`, then
// `RUN cd /opt/ci && bash install_bazelisk.sh`): a download such a script
// names for one architecture, whatever the build's, breaks the image on
// the others as one in the RUN itself would.

// scriptURL is a URL in a command's word.
var scriptURL = regexp.MustCompile(`https?://[^\s"'<>()|;&]+`)

// scriptExit is a script's `exit`, which may stop it on an architecture
// it has nothing for.
var scriptExit = regexp.MustCompile(`(?m)(?:^|[\s;&|])exit\b`)

// scriptFetchers are the programs whose URL arguments are downloads.
var scriptFetchers = []string{"curl", "wget", "aria2c"}

// scriptDownloads are CR112's findings for the scripts the final image's
// RUNs run from the build context: one per script whose downloads name a
// single architecture, other than one the stage is built for, when the
// script does not stop on the architectures it has no download for. A
// script run under a condition, named through a variable, or not found in
// the context is not read.
func scriptDownloads(v *dfView) []Finding {
	if v.in.Context == nil || v.final == nil {
		return nil
	}
	var out []Finding
	read := map[string]bool{}
	for _, ins := range v.instructions(v.final) {
		if ins.Cmd != "run" || v.buildMachineStage(ins.Stage) {
			continue
		}
		cmds, err := ins.Commands()
		if err != nil {
			continue
		}
		// `cd /opt/ci && bash install_bazelisk.sh`: the script's folder is
		// the one the RUN moved to (as CR114/CR115 follow it).
		vars, home := v.stageVars(ins.Stage, ins), v.homeAt(ins.Stage, ins)
		cwd := v.workdirAt(ins.Stage, ins)
		for _, c := range cmds {
			if path.Base(c.Name) == "cd" || c.Name == "pushd" || c.Name == "popd" {
				cwd = changeDir(cwd, home, c, vars)
				continue
			}
			sc := strings.Trim(c.Script, `"'`)
			if c.Conditional || sc == "" || sc == "-" || strings.ContainsAny(sc, "$`") {
				continue
			}
			if sc = resolvePath(sc, home, cwd, vars); sc == "" {
				continue
			}
			b, rel, ok := v.contextFile(sc)
			if !ok || read[rel] {
				continue
			}
			read[rel] = true
			if fd, ok := scriptArchDownload(v, string(b), rel, c, v.fixedArch(ins.Stage)); ok {
				out = append(out, fd)
			}
		}
	}
	return out
}

// scriptArchDownload judges one script's text: the first download that
// names an architecture, when every such download the script runs
// whatever happens (not under an `if`, a `case` branch, a loop, a
// function or `||`; not one whose failure it ignores) names the same one
// and the stage is not built for it. Working the architecture out for
// other downloads (`docker-compose-$(uname -s)-$(uname -m)` beside
// `helm-$TAG-linux-amd64.tar.gz`) does not make such a one right; a
// script that works it out and exits somewhere may stop on the others
// (`[ "$(uname -m)" = x86_64 ] || exit 0`) and is not judged. A script
// that does not parse is not judged.
func scriptArchDownload(v *dfView, text, rel string, c dockerfile.Command, fixed string) (Finding, bool) {
	if archAware(text) && scriptExit.MatchString(text) {
		return Finding{}, false
	}
	cmds, err := dockerfile.ScriptCommands(text)
	if err != nil {
		return Finding{}, false
	}
	var first, firstArch string
	firstLine := 0
	archs := map[string]bool{}
	for _, sc := range cmds {
		if sc.Conditional || sc.FailureIgnored || !slices.Contains(scriptFetchers, path.Base(sc.Name)) {
			continue
		}
		for _, a := range sc.Args {
			for _, u := range scriptURL.FindAllString(a, -1) {
				m := archRe.FindStringSubmatch(withoutPatternSubst(u))
				if m == nil || otherOS.MatchString(u) || keyFile.MatchString(u) || archFreePackage(u) || crossArchive.MatchString(u) {
					continue
				}
				a := normArch(m[1])
				if a == "" {
					continue
				}
				archs[a] = true
				if first == "" {
					first, firstArch, firstLine = u, m[1], sc.Line
				}
			}
		}
	}
	if len(archs) != 1 || ownArch(fixed, normArch(firstArch)) {
		return Finding{}, false
	}
	return Finding{
		Message: fmt.Sprintf("`%s`, which this RUN runs, downloads `%s` (its line %d): it hard-codes the %s architecture, "+
			"so the image breaks on other platforms", rel, first, firstLine, firstArch),
		Location: v.spanLoc(c.Span),
		Fix: &Fix{Description: fmt.Sprintf("pick the download in `%s` from the build's architecture: `$(uname -m)` gives "+
			"x86_64/aarch64, `$(dpkg --print-architecture)` amd64/arm64", rel)},
	}, true
}
