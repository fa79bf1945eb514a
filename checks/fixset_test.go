package checks

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/coderready/coderready/dockerfile"
)

// reconcileFix is one finding with a fix for TestReconcileFixes.
type reconcileFix struct {
	rule  string
	sev   Severity
	line  int
	edits []Edit
}

// ed is an edit of the Dockerfile (or of path p when given as "p:").
func ed(start, end int, text string) Edit {
	return Edit{Path: "Dockerfile", StartLine: start, EndLine: end, Text: text}
}

const (
	aptLine = "RUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*"
	aptRun  = "RUN apt-get update && apt-get install -y --no-install-recommends %s && rm -rf /var/lib/apt/lists/*"
)

func TestReconcileFixes(t *testing.T) {
	withPkgs := func(p string) string { return strings.Replace(aptLine, " jq ", " jq "+p+" ", 1) }
	tests := []struct {
		name  string
		files map[string]string
		fixes []reconcileFix
		// want are each finding's edits ("L:text", "L-M:text"), and a text
		// its description must contain ("" for its own only).
		want  [][]string
		notes []string
	}{
		{"packages added to one install: one addition, each package once",
			map[string]string{"Dockerfile": "FROM debian:12\n" + aptLine + "\n"},
			[]reconcileFix{
				{"CR104", SeverityInfo, 1, []Edit{ed(2, 2, withPkgs("curl ca-certificates"))}},
				{"CR105", SeverityInfo, 1, []Edit{ed(2, 2, withPkgs("git ca-certificates"))}}},
			[][]string{{"2:" + withPkgs("curl ca-certificates git")}, {"2:" + withPkgs("curl ca-certificates git")}},
			[]string{"(one edit with the fix for CR105 on line 1)", "(one edit with the fix for CR104 on line 1)"}},
		{"one package per line",
			map[string]string{"Dockerfile": "FROM debian:12\nRUN apt-get update && apt-get install -y \\\n    jq \\\n    && rm -rf /var/lib/apt/lists/*\n"},
			[]reconcileFix{
				{"CR104", SeverityInfo, 1, []Edit{ed(3, 3, "    jq \\\n    curl \\\n    ca-certificates \\")}},
				{"CR105", SeverityInfo, 1, []Edit{ed(3, 3, "    jq \\\n    git \\\n    ca-certificates \\")}}},
			[][]string{{"3:    jq \\\n    curl \\\n    ca-certificates \\\n    git \\"}, {"3:    jq \\\n    curl \\\n    ca-certificates \\\n    git \\"}},
			[]string{"CR105", "CR104"}},
		{"one package per line on the last line, and a line inserted after it",
			map[string]string{"Dockerfile": "FROM alpine:3.20\nRUN apk add \\\n\tjq\nENV A=/opt/amd64\n"},
			[]reconcileFix{
				{"CR104", SeverityInfo, 1, []Edit{ed(3, 3, "\tjq \\\n\tcurl")}},
				{"CR112", SeverityWarning, 4, []Edit{ed(3, 3, "\tjq\nARG TARGETARCH"), ed(4, 4, "ENV A=/opt/${TARGETARCH}")}},
				{"CR105", SeverityInfo, 1, []Edit{ed(3, 3, "\tjq \\\n\tgit")}}},
			[][]string{
				{"3:\tjq \\\n\tcurl \\\n\tgit\nARG TARGETARCH"},
				{"3:\tjq \\\n\tcurl \\\n\tgit\nARG TARGETARCH", "4:ENV A=/opt/${TARGETARCH}"},
				{"3:\tjq \\\n\tcurl \\\n\tgit\nARG TARGETARCH"}},
			[]string{"CR105 on line 1 and CR112 on line 4", "CR104 on line 1 and CR105 on line 1", "CR104 on line 1 and CR112 on line 4"}},
		{"a JSON property added after one whose trailing comma another fix removes",
			map[string]string{".devcontainer/devcontainer.json": "{\n\t\"image\": \"node:14\",\n\t\"remoteUser\": \"dev\",\n}\n"},
			[]reconcileFix{
				{"CR205", SeverityWarning, 3, []Edit{{Path: ".devcontainer/devcontainer.json", StartLine: 3, EndLine: 3, Text: "\t\"remoteUser\": \"dev\",\n\t\"containerUser\": \"dev\","}}},
				{"CR216", SeverityInfo, 3, []Edit{{Path: ".devcontainer/devcontainer.json", StartLine: 3, EndLine: 3, Text: "\t\"remoteUser\": \"dev\""}}}},
			[][]string{{"3:\t\"remoteUser\": \"dev\",\n\t\"containerUser\": \"dev\""}, {"3:\t\"remoteUser\": \"dev\",\n\t\"containerUser\": \"dev\""}},
			[]string{"CR216", "CR205"}},
		{"RUN installs inserted after one line become one install",
			map[string]string{"Dockerfile": "FROM debian:12\nCMD [\"bash\"]\n"},
			[]reconcileFix{
				{"CR104", SeverityInfo, 1, []Edit{ed(1, 1, "FROM debian:12\n"+fmt.Sprintf(aptRun, "curl ca-certificates"))}},
				{"CR105", SeverityInfo, 1, []Edit{ed(1, 1, "FROM debian:12\n"+fmt.Sprintf(aptRun, "git ca-certificates"))}},
				{"CR305", SeverityWarning, 1, []Edit{ed(1, 1, "FROM debian:12\nRUN mkdir -p /workspace")}}},
			[][]string{
				{"1:FROM debian:12\nRUN mkdir -p /workspace\n" + fmt.Sprintf(aptRun, "curl ca-certificates git")},
				{"1:FROM debian:12\nRUN mkdir -p /workspace\n" + fmt.Sprintf(aptRun, "curl ca-certificates git")},
				{"1:FROM debian:12\nRUN mkdir -p /workspace\n" + fmt.Sprintf(aptRun, "curl ca-certificates git")}},
			[]string{"CR105", "CR104", "CR104 on line 1 and CR105 on line 1"}},
		{"installs between USER lines become one",
			map[string]string{"Dockerfile": "FROM node:20\nCMD [\"bash\"]\n"},
			[]reconcileFix{
				{"CR104", SeverityInfo, 1, []Edit{ed(1, 1, "FROM node:20\nUSER root\n"+fmt.Sprintf(aptRun, "curl")+"\nUSER node")}},
				{"CR105", SeverityInfo, 1, []Edit{ed(1, 1, "FROM node:20\nUSER root\n"+fmt.Sprintf(aptRun, "git")+"\nUSER node")}}},
			[][]string{
				{"1:FROM node:20\nUSER root\n" + fmt.Sprintf(aptRun, "curl git") + "\nUSER node"},
				{"1:FROM node:20\nUSER root\n" + fmt.Sprintf(aptRun, "curl git") + "\nUSER node"}},
			[]string{"CR105", "CR104"}},
		{"many fixes in one edit: three named",
			map[string]string{"Dockerfile": "FROM debian:12\n" + aptLine + "\n"},
			[]reconcileFix{
				{"CR104", SeverityInfo, 1, []Edit{ed(2, 2, withPkgs("curl"))}},
				{"CR105", SeverityInfo, 1, []Edit{ed(2, 2, withPkgs("git"))}},
				{"CR107", SeverityInfo, 2, []Edit{ed(2, 2, withPkgs("ca-certificates"))}},
				{"CR301", SeverityInfo, 3, []Edit{ed(2, 2, withPkgs("bash"))}},
				{"CR305", SeverityInfo, 4, []Edit{ed(2, 2, withPkgs("sudo"))}}},
			[][]string{
				{"2:" + withPkgs("curl git ca-certificates bash sudo")}, {"2:" + withPkgs("curl git ca-certificates bash sudo")},
				{"2:" + withPkgs("curl git ca-certificates bash sudo")}, {"2:" + withPkgs("curl git ca-certificates bash sudo")},
				{"2:" + withPkgs("curl git ca-certificates bash sudo")}},
			[]string{"(one edit with the fixes for CR105 on line 1, CR107 on line 2, CR301 on line 3 and 1 more)", "CR104 on line 1, CR107",
				"CR104 on line 1, CR105 on line 1, CR301 on line 3 and 1 more)", "CR107 on line 2 and 1 more)", "CR104 on line 1, CR105 on line 1, CR107 on line 2 and 1 more)"}},
		{"on Alpine the package joins the install before the user's creation",
			map[string]string{"Dockerfile": "FROM alpine:3.20\n"},
			[]reconcileFix{
				{"CR101", SeverityWarning, 1, []Edit{ed(1, 1, "FROM alpine:3.20\nRUN apk add --no-cache bash && adduser -D -s /bin/bash -u 1000 coder\nUSER coder")}},
				{"CR105", SeverityWarning, 1, []Edit{ed(1, 1, "FROM alpine:3.20\nRUN apk add --no-cache git")}}},
			[][]string{
				{"1:FROM alpine:3.20\nRUN apk add --no-cache bash git && adduser -D -s /bin/bash -u 1000 coder\nUSER coder"},
				{"1:FROM alpine:3.20\nRUN apk add --no-cache bash git && adduser -D -s /bin/bash -u 1000 coder\nUSER coder"}},
			[]string{"CR105 on line 1", "CR101 on line 1"}},
		{"the same edit twice is shared, and nothing is said",
			map[string]string{"Dockerfile": "FROM debian:12\nCMD [\"bash\"]\n"},
			[]reconcileFix{
				{"CR101", SeverityWarning, 1, []Edit{ed(2, 2, "CMD [\"bash\"]\nUSER coder")}},
				{"CR101", SeverityWarning, 1, []Edit{ed(2, 2, "CMD [\"bash\"]\nUSER coder")}}},
			[][]string{{"2:CMD [\"bash\"]\nUSER coder"}, {"2:CMD [\"bash\"]\nUSER coder"}},
			[]string{"", ""}},
		{"changes to two parts of one line, with the same line inserted above",
			map[string]string{"Dockerfile": "FROM debian:12\nENV A=/opt/a-amd64 B=/opt/b-amd64\n"},
			[]reconcileFix{
				{"CR112", SeverityWarning, 2, []Edit{ed(2, 2, "ARG TARGETARCH\nENV A=/opt/a-${TARGETARCH} B=/opt/b-amd64")}},
				{"CR112", SeverityWarning, 2, []Edit{ed(2, 2, "ARG TARGETARCH\nENV A=/opt/a-amd64 B=/opt/b-${TARGETARCH}")}}},
			[][]string{{"2:ARG TARGETARCH\nENV A=/opt/a-${TARGETARCH} B=/opt/b-${TARGETARCH}"}, {"2:ARG TARGETARCH\nENV A=/opt/a-${TARGETARCH} B=/opt/b-${TARGETARCH}"}},
			[]string{"CR112 on line 2", "CR112 on line 2"}},
		{"ARG TARGETARCH above the first use: declared once",
			map[string]string{"Dockerfile": "FROM debian:12\nRUN curl -LO https://e.com/a-amd64.tgz\nRUN curl -LO https://e.com/b-amd64.tgz\n"},
			[]reconcileFix{
				{"CR112", SeverityWarning, 2, []Edit{ed(2, 2, "ARG TARGETARCH\nRUN curl -LO https://e.com/a-${TARGETARCH}.tgz")}},
				{"CR112", SeverityWarning, 3, []Edit{ed(2, 2, "ARG TARGETARCH\nRUN curl -LO https://e.com/a-amd64.tgz"), ed(3, 3, "RUN curl -LO https://e.com/b-${TARGETARCH}.tgz")}}},
			[][]string{
				{"2:ARG TARGETARCH\nRUN curl -LO https://e.com/a-${TARGETARCH}.tgz"},
				{"2:ARG TARGETARCH\nRUN curl -LO https://e.com/a-${TARGETARCH}.tgz", "3:RUN curl -LO https://e.com/b-${TARGETARCH}.tgz"}},
			[]string{"", "CR112 on line 2"}},
		{"a conflicting fix loses every edit, and says why",
			map[string]string{"Dockerfile": "FROM debian:12\nRUN a\nRUN b\nCMD c\n"},
			[]reconcileFix{
				{"CR110", SeverityWarning, 2, []Edit{ed(2, 2, "RUN x")}},
				{"CR111", SeverityWarning, 4, []Edit{ed(2, 2, "RUN y"), ed(4, 4, "CMD y")}},
				{"CR106", SeverityWarning, 4, []Edit{ed(4, 4, "CMD w")}}},
			[][]string{{"2:RUN x"}, {}, {"4:CMD w"}},
			[]string{"", "(no edit: it changes line 2, which the fix for CR110 on line 2 changes differently)", ""}},
		{"the more severe fix wins",
			map[string]string{"Dockerfile": "FROM debian:12\nRUN a\n"},
			[]reconcileFix{
				{"CR104", SeverityInfo, 2, []Edit{ed(2, 2, "RUN x")}},
				{"CR300", SeverityError, 2, []Edit{ed(2, 2, "RUN y")}}},
			[][]string{{}, {"2:RUN y"}},
			[]string{"the fix for CR300 on line 2", ""}},
		{"overlapping runs of lines conflict",
			map[string]string{"Dockerfile": "FROM debian:12\nRUN a\nRUN b\n"},
			[]reconcileFix{
				{"CR110", SeverityWarning, 2, []Edit{ed(2, 3, "RUN ab")}},
				{"CR111", SeverityWarning, 3, []Edit{ed(3, 3, "RUN b\nUSER coder")}}},
			[][]string{{"2-3:RUN ab"}, {}},
			[]string{"", "changes line 3, which the fix for CR110 on line 2"}},
		{"a deletion conflicts with an insertion",
			map[string]string{"Dockerfile": "FROM debian:12\nRUN a\n"},
			[]reconcileFix{
				{"CR110", SeverityWarning, 2, []Edit{{Path: "Dockerfile", StartLine: 2, EndLine: 2, Delete: true}}},
				{"CR111", SeverityWarning, 2, []Edit{ed(2, 2, "RUN a\nUSER coder")}}},
			[][]string{{"2:"}, {}},
			[]string{"", "CR110"}},
		{"two properties after one JSON line conflict (the comma)",
			map[string]string{".devcontainer/devcontainer.json": "{\n  \"image\": \"x\"\n}\n"},
			[]reconcileFix{
				{"CR201", SeverityWarning, 2, []Edit{{Path: ".devcontainer/devcontainer.json", StartLine: 2, EndLine: 2, Text: "  \"image\": \"x\",\n  \"containerUser\": \"coder\""}}},
				{"CR202", SeverityWarning, 2, []Edit{{Path: ".devcontainer/devcontainer.json", StartLine: 2, EndLine: 2, Text: "  \"image\": \"x\",\n  \"remoteUser\": \"coder\""}}}},
			[][]string{{"2:  \"image\": \"x\",\n  \"containerUser\": \"coder\""}, {}},
			[]string{"", "the fix for CR201"}},
		{"an unreadable file: only the same edit combines",
			map[string]string{},
			[]reconcileFix{
				{"CR101", SeverityWarning, 1, []Edit{ed(1, 1, "FROM a\nUSER coder")}},
				{"CR101", SeverityWarning, 1, []Edit{ed(1, 1, "FROM a\nUSER coder")}},
				{"CR104", SeverityInfo, 1, []Edit{ed(1, 1, "FROM a\nRUN x")}}},
			[][]string{{"1:FROM a\nUSER coder"}, {"1:FROM a\nUSER coder"}, {}},
			[]string{"", "", "CR101"}},
		{"lines outside the file",
			map[string]string{"Dockerfile": "FROM a\n"},
			[]reconcileFix{{"CR101", SeverityWarning, 1, []Edit{ed(3, 3, "USER coder")}}},
			[][]string{{}},
			[]string{"lines 3-3 are not in Dockerfile"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			read := func(p string) ([]byte, error) {
				src, ok := tt.files[p]
				if !ok {
					return nil, errors.New("no such file")
				}
				return []byte(src), nil
			}
			var in []Finding
			for _, f := range tt.fixes {
				path := "Dockerfile"
				if len(f.edits) > 0 {
					path = f.edits[0].Path
				}
				in = append(in, Finding{RuleID: f.rule, Severity: f.sev, Message: "m", Location: Location{Path: path, StartLine: f.line},
					Fix: &Fix{Description: "fix " + f.rule, Edits: slices.Clone(f.edits)}})
			}
			before := cloneFindings(in)
			got := ReconcileFixes(in, read)
			if !reflect.DeepEqual(in, before) {
				t.Error("ReconcileFixes changed its input")
			}
			if len(got) != len(in) {
				t.Fatalf("%d findings, want %d", len(got), len(in))
			}
			for i, f := range got {
				if es := editTexts(f); !slices.Equal(es, tt.want[i]) {
					t.Errorf("finding %d (%s) edits:\n got %q\nwant %q", i, f.RuleID, es, tt.want[i])
				}
				desc := f.Fix.Description
				if !strings.HasPrefix(desc, "fix "+f.RuleID) || tt.notes[i] == "" && desc != "fix "+f.RuleID || !strings.Contains(desc, tt.notes[i]) {
					t.Errorf("finding %d (%s) description %q, want it to say %q", i, f.RuleID, desc, tt.notes[i])
				}
			}
			checkConsistent(t, got)
			if again := ReconcileFixes(got, read); !reflect.DeepEqual(again, got) {
				t.Errorf("a second pass changes the fixes:\n%+v\nthen\n%+v", fixesOf(got), fixesOf(again))
			}
		})
	}
}

// checkConsistent fails when two edits of the fixes differ yet touch a
// common line.
func checkConsistent(t *testing.T, fs []Finding) {
	t.Helper()
	var all []Edit
	for _, f := range fs {
		if f.Fix != nil {
			all = append(all, f.Fix.Edits...)
		}
	}
	for i, a := range all {
		for _, b := range all[:i] {
			if a.Path == b.Path && a.StartLine <= b.EndLine && b.StartLine <= a.EndLine && !sameEdit(a, b) {
				t.Errorf("edits %+v and %+v touch a common line", a, b)
			}
		}
	}
}

// editTexts renders a finding's edits as "L:text" (or "L-M:text"),
// whatever their file.
func editTexts(f Finding) []string {
	out := []string{}
	for _, e := range f.Fix.Edits {
		e.Path = "Dockerfile"
		out = append(out, editStrings(Finding{Fix: &Fix{Edits: []Edit{e}}})...)
	}
	return out
}

func cloneFindings(fs []Finding) []Finding {
	out := slices.Clone(fs)
	for i, f := range out {
		if f.Fix != nil {
			fix := *f.Fix
			fix.Edits = slices.Clone(fix.Edits)
			out[i].Fix = &fix
		}
	}
	return out
}

func fixesOf(fs []Finding) []Fix {
	var out []Fix
	for _, f := range fs {
		if f.Fix != nil {
			out = append(out, *f.Fix)
		}
	}
	return out
}

// TestReconcileRuleFixes runs the rules on Dockerfiles where several fixes
// meet, and checks that the reconciled fixes are one consistent change
// that the rules no longer find anything to fix in.
func TestReconcileRuleFixes(t *testing.T) {
	tests := []struct {
		name, src string
		// want is the Dockerfile with every fix applied.
		want string
	}{
		{"curl and git on one install line",
			"FROM debian:bookworm\n" + aptLine + "\n",
			"FROM debian:bookworm\n" + strings.Replace(aptLine, " jq ", " jq curl ca-certificates git ", 1) + "\n" +
				"RUN useradd --create-home --shell /bin/bash --uid 1000 --user-group coder\nUSER coder\n"},
		{"curl and git with no install to add to",
			"FROM debian:bookworm\nCMD [\"bash\"]\n",
			"FROM debian:bookworm\n" + fmt.Sprintf(aptRun, "curl ca-certificates git") + "\nCMD [\"bash\"]\n" +
				"RUN useradd --create-home --shell /bin/bash --uid 1000 --user-group coder\nUSER coder\n"},
		{"ca-certificates already on the line",
			"FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates jq\nUSER 1000\n",
			"FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates jq curl git\nUSER 1000\n"},
		{"two hard-coded architectures in one stage",
			"FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl git\n" +
				"RUN curl -fsSLO https://e.com/a-linux-amd64.tgz\nRUN curl -fsSLO https://e.com/b-linux-amd64.tgz\nUSER 1000\n",
			"FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl git\n" +
				"ARG TARGETARCH\nRUN curl -fsSLO https://e.com/a-linux-${TARGETARCH}.tgz\nRUN curl -fsSLO https://e.com/b-linux-${TARGETARCH}.tgz\nUSER 1000\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := checkAll(t, tt.src)
			fs = ReconcileFixes(fs, func(string) ([]byte, error) { return []byte(tt.src), nil })
			checkConsistent(t, fs)
			got := applyFixes(t, tt.src, fs)
			if got != tt.want {
				t.Errorf("fixed:\n%s\nwant:\n%s", got, tt.want)
			}
			for _, f := range checkAll(t, got) {
				if f.Fix != nil && len(f.Fix.Edits) > 0 {
					t.Errorf("after the fixes, %s still has a fix: %s %q", f.RuleID, f.Message, editStrings(f))
				}
			}
		})
	}
}

// checkAll runs every Dockerfile rule on src, as "Dockerfile".
func checkAll(t *testing.T, src string) []Finding {
	t.Helper()
	f, err := dockerfile.Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	return CheckDockerfile(&DockerfileInput{File: f, Config: DefaultConfig()})
}

// applyFixes applies the distinct edits of fs to src.
func applyFixes(t *testing.T, src string, fs []Finding) string {
	t.Helper()
	var edits []Edit
	for _, f := range fs {
		if f.Fix == nil {
			continue
		}
		for _, e := range f.Fix.Edits {
			if !slices.ContainsFunc(edits, func(o Edit) bool { return sameEdit(o, e) }) {
				edits = append(edits, e)
			}
		}
	}
	slices.SortFunc(edits, func(a, b Edit) int { return b.StartLine - a.StartLine })
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	for _, e := range edits {
		var repl []string
		if !e.Delete {
			repl = strings.Split(e.Text, "\n")
		}
		lines = slices.Replace(lines, e.StartLine-1, e.EndLine, repl...)
	}
	return strings.Join(lines, "\n") + "\n"
}
