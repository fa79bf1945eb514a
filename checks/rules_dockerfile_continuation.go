package checks

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/coderready/coderready/dockerfile"
)

// This file holds CR126: an instruction a line continuation swallows.

func init() {
	Register(&Rule{
		ID: "CR126", Title: "Instruction swallowed by a line continuation", Severity: SeverityWarning, Family: FamilyDockerfile,
		What: "An instruction goes on (its line ends with `\\`) over an empty line into a line written as the next instruction " +
			"(`RUN npm i -g \\` … `diff-so-fancy \\`, an empty line, `COPY welcome.txt /usr/local/etc/`). A continuation " +
			"into more of the same command, or over a comment, is not reported.",
		Why: "BuildKit skips empty lines inside a continuation (with a deprecation warning, `Empty continuation line`), so the " +
			"next line's words become the instruction's: the `COPY` never runs and its words reach the command (`npm` tries to " +
			"install a package named `COPY`). The builder takes the file, so this is a warning, but the image is not the one " +
			"the file reads as, and the build usually fails on the stray words." + cite("dockerfile"),
		HowToFix:   "End the instruction before the empty line: remove the `\\` at the end of its last line.",
		Sources:    []string{"dockerfile"},
		Dockerfile: checkCR126,
	})
}

// checkCR126 reports instructions that swallow the next instruction.
func checkCR126(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	var out []Finding
	for _, ins := range v.f.All() {
		if fd, ok := swallowedInstruction(v, ins); ok {
			out = append(out, fd)
		}
	}
	return out
}

// upperInstruction is a line that starts with an instruction in upper case
// (`COPY welcome.txt /usr/local/…`), as a new instruction is written.
var upperInstruction = regexp.MustCompile(`^\s*(FROM|RUN|COPY|ADD|ENV|ARG|WORKDIR|USER|EXPOSE|ENTRYPOINT|CMD|LABEL|VOLUME|SHELL|HEALTHCHECK|ONBUILD|STOPSIGNAL)\s`)

// swallowedInstruction finds an instruction continued (`\`) over an empty
// line into a line written as the next instruction: BuildKit skips empty
// lines of a continuation (with a deprecation warning), so that line's
// words become the instruction's (`RUN npm i -g \`, `diff-so-fancy \`, an
// empty line, `COPY welcome.txt …` makes npm install `COPY`).
func swallowedInstruction(v *dfView, ins *dockerfile.Instruction) (Finding, bool) {
	end := ins.HeaderEndLine
	if end == 0 {
		end = ins.EndLine
	}
	for n := ins.StartLine + 1; n <= end; n++ {
		if strings.TrimSpace(v.f.Line(n)) != "" || n+1 > end || !upperInstruction.MatchString(v.f.Line(n+1)) {
			continue
		}
		prev := n - 1
		for prev > ins.StartLine && strings.TrimSpace(v.f.Line(prev)) == "" {
			prev--
		}
		last := strings.TrimRight(v.f.Line(prev), " \t")
		if !strings.HasSuffix(last, "\\") {
			continue
		}
		word := upperInstruction.FindStringSubmatch(v.f.Line(n + 1))[1]
		return Finding{
			Message: fmt.Sprintf("line %d is written as a `%s` instruction, but the %s of line %d goes on over the empty line %d "+
				"(line %d ends with `\\`): BuildKit skips empty lines in a continuation, so `%s …` becomes words of the %s, not an instruction",
				n+1, word, strings.ToUpper(ins.Cmd), ins.StartLine, n, prev, word, strings.ToUpper(ins.Cmd)),
			Location: Location{Path: v.path(), StartLine: n + 1, EndLine: n + 1},
			Fix: &Fix{Description: fmt.Sprintf("end the %s on line %d: remove its trailing `\\`", strings.ToUpper(ins.Cmd), prev),
				Edits: []Edit{{Path: v.path(), StartLine: prev, EndLine: prev, Text: strings.TrimRight(strings.TrimSuffix(last, "\\"), " \t")}}},
		}, true
	}
	return Finding{}, false
}
