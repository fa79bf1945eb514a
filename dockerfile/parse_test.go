package dockerfile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coderready/coderready/internal/testenv"
)

func mustParse(t testing.TB, src string) *File {
	t.Helper()
	f, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

func TestParseStages(t *testing.T) {
	type stage struct {
		name, base, platform string
		baseStage            int // index, -1 for an image
		missing              []string
	}
	tests := []struct {
		name   string
		src    string
		stages []stage
	}{
		{"single", "FROM ubuntu:22.04\nRUN true\n", []stage{{"", "ubuntu:22.04", "", -1, nil}}},
		{"as name lower-cased", "FROM golang:1.22 AS Build\nFROM alpine\nCOPY --from=build /x /x\n",
			[]stage{{"build", "golang:1.22", "", -1, nil}, {"", "alpine", "", -1, nil}}},
		{"stage ref", "FROM debian AS base\nFROM base AS dev\nFROM dev\n",
			[]stage{{"base", "debian", "", -1, nil}, {"dev", "base", "", 0, nil}, {"", "dev", "", 1, nil}}},
		{"stage ref is case-insensitive", "FROM debian AS base\nFROM BASE\n",
			[]stage{{"base", "debian", "", -1, nil}, {"", "BASE", "", 0, nil}}},
		{"later stage is not a base", "FROM later\nFROM debian AS later\n",
			[]stage{{"", "later", "", -1, nil}, {"later", "debian", "", -1, nil}}},
		{"meta args", "ARG VARIANT=\"trixie\"\nARG REG=docker.io\nFROM ${REG}/buildpack-deps:${VARIANT}-curl\n",
			[]stage{{"", "docker.io/buildpack-deps:trixie-curl", "", -1, nil}}},
		{"arg default uses earlier arg", "ARG V=3\nARG T=${V}.19\nFROM alpine:$T\n",
			[]stage{{"", "alpine:3.19", "", -1, nil}}},
		{"missing arg stays", "ARG BASE\nFROM $BASE\n", []stage{{"", "$BASE", "", -1, []string{"BASE"}}}},
		{"undeclared arg", "FROM ubuntu:${TAG}\n", []stage{{"", "ubuntu:${TAG}", "", -1, []string{"TAG"}}}},
		{"default in expansion", "FROM golang:${GO:-1.22}\n", []stage{{"", "golang:1.22", "", -1, nil}}},
		{"platform", "FROM --platform=linux/arm64 ubuntu\n", []stage{{"", "ubuntu", "linux/arm64", -1, nil}}},
		{"automatic platform arg", "FROM --platform=$BUILDPLATFORM golang AS b\n", []stage{{"b", "golang", "$BUILDPLATFORM", -1, nil}}},
		{"platform arg", "ARG P=linux/s390x\nFROM --platform=${P} ubuntu\n", []stage{{"", "ubuntu", "linux/s390x", -1, nil}}},
		{"digest", "FROM ubuntu:jammy@sha256:0e5e4a57c2499249aafc3b40fcd541e9a456aab7296681a3994d631587203f97\n",
			[]stage{{"", "ubuntu:jammy@sha256:0e5e4a57c2499249aafc3b40fcd541e9a456aab7296681a3994d631587203f97", "", -1, nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, tt.src)
			if len(f.Stages) != len(tt.stages) {
				t.Fatalf("got %d stages, want %d", len(f.Stages), len(tt.stages))
			}
			for i, want := range tt.stages {
				s := f.Stages[i]
				bs := -1
				if s.BaseStage != nil {
					bs = s.BaseStage.Index
				}
				got := stage{s.Name, s.Base, s.Platform, bs, s.MissingArgs}
				if got.name != want.name || got.base != want.base || got.platform != want.platform || got.baseStage != want.baseStage || !slices.Equal(got.missing, want.missing) {
					t.Errorf("stage %d = %+v, want %+v", i, got, want)
				}
				if s.Index != i || s.From.Stage != s {
					t.Errorf("stage %d: Index %d / From.Stage wrong", i, s.Index)
				}
			}
		})
	}
}

func TestResolveBase(t *testing.T) {
	f := mustParse(t, "ARG BASE\nARG TAG=22.04\nARG OTHER\nFROM ${BASE}:${TAG} AS a\nFROM a\nFROM ubuntu:${NOTDECLARED}\n")
	if got := f.Stages[0].MissingArgs; !slices.Equal(got, []string{"BASE"}) {
		t.Errorf("Parse MissingArgs = %v", got)
	}
	bs := f.ResolveBase(map[string]string{"BASE": "ubuntu", "TAG": "24.04", "NOTDECLARED": "x", "OTHER": "y"})
	if bs[0].Ref != "ubuntu:24.04" || len(bs[0].Missing) != 0 {
		t.Errorf("resolved %+v", bs[0])
	}
	if bs[1].Stage != f.Stages[0] {
		t.Errorf("stage 1 base stage = %v", bs[1].Stage)
	}
	// A build arg only overrides a declared meta ARG, as in BuildKit.
	if bs[2].Ref != "ubuntu:${NOTDECLARED}" || !slices.Equal(bs[2].Missing, []string{"NOTDECLARED"}) {
		t.Errorf("undeclared: %+v", bs[2])
	}
	// Parse-time values are unchanged.
	if f.Stages[0].Base != "${BASE}:22.04" {
		t.Errorf("Stage.Base = %q", f.Stages[0].Base)
	}
}

// TestResolveBaseIndirect: a meta ARG whose default names meta ARGs with
// no value keeps them as written, and a FROM of it misses them, as a FROM
// that names them directly does; given values, it takes them.
func TestResolveBaseIndirect(t *testing.T) {
	f := mustParse(t, "ARG HUB_ORG\nARG TAG\nARG BASE_CONTAINER=$HUB_ORG/kernel-py:$TAG\nFROM $BASE_CONTAINER\n")
	bs := f.ResolveBase(nil)
	if bs[0].Ref != "$HUB_ORG/kernel-py:$TAG" || !slices.Equal(bs[0].Missing, []string{"HUB_ORG", "TAG"}) {
		t.Errorf("no values: %+v", bs[0])
	}
	bs = f.ResolveBase(map[string]string{"HUB_ORG": "elyra", "TAG": "3.2"})
	if bs[0].Ref != "elyra/kernel-py:3.2" || len(bs[0].Missing) != 0 {
		t.Errorf("values: %+v", bs[0])
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		line, col int
		msg       string
	}{
		{"empty", "", 1, 0, "empty Dockerfile"},
		{"blank", "\n\n  \n", 1, 0, "empty Dockerfile"},
		{"only comments", "# hello\n# world\n", 2, 0, "no instructions"},
		{"binary", "FROM x\n\x7fELF\x02\x01\x01\x00\x00", 2, 0, "binary data"},
		{"unknown instruction", "FROM ubuntu\nRUNN true\n", 2, 0, "unknown instruction: RUNN"},
		{"junk", "FROM a\n\xff\xfe garbage\n", 2, 0, `unknown instruction: \xff\xfe`},
		{"from args", "FROM\n", 1, 0, "FROM requires either one or three arguments"},
		{"run before from", "ARG A=1\nRUN true\nFROM x\n", 2, 0, "RUN before the first FROM"},
		{"only args", "ARG A=1\n", 1, 0, "no FROM instruction"},
		{"bad stage name", "FROM a AS 1x\n", 1, 0, "invalid name for build stage"},
		{"bad escape", "# escape=x\nFROM a\n", 1, 0, "invalid escape token"},
		{"repeated directive", "# escape=\\\n# escape=`\nFROM a\n", 2, 0, "only one escape parser directive"},
		{"unknown flag", "FROM a\nRUN --foo=bar x\n", 2, 0, "unknown flag: --foo"},
		{"unterminated heredoc", "FROM a\nRUN <<EOF\nno end\n", 2, 0, "unterminated heredoc"},
		{"bad substitution", "FROM ubuntu:${\n", 1, 0, "FROM: "},
		{"copy without dest", "FROM a\nCOPY x\n", 2, 0, "COPY requires at least two arguments"},
		{"long line", "FROM a\nRUN " + strings.Repeat("x", MaxLineLength) + "\n", 2, 0, "line is 65539 bytes long"},
		{"too large", "FROM a\n" + strings.Repeat("RUN true\n", MaxFileSize/9+1), 1, 0, "coderready reads Dockerfiles of at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("dir/Dockerfile", []byte(tt.src))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *SyntaxError", err, err)
			}
			if se.Path != "dir/Dockerfile" || se.Line != tt.line || se.Col != tt.col || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("got %s:%d:%d %q, want line %d col %d containing %q", se.Path, se.Line, se.Col, se.Msg, tt.line, tt.col, tt.msg)
			}
		})
	}
}

func TestLongestLineAccepted(t *testing.T) {
	src := "FROM a\nRUN " + strings.Repeat("x", MaxLineLength-4) + "\n"
	if _, err := Parse("Dockerfile", []byte(src)); err != nil {
		t.Fatalf("line of %d bytes: %v", MaxLineLength, err)
	}
}

func TestBadInputBounded(t *testing.T) {
	tests := map[string]string{
		"10 MB of lines":  "FROM ubuntu\n" + strings.Repeat("RUN apt-get install -y curl\n", 10<<20/28),
		"10 MB one line":  "FROM ubuntu\nRUN " + strings.Repeat("a", 10<<20),
		"10 MB junk":      strings.Repeat("\xde\xad\xbe\xef", 10<<20/4),
		"2 MB just below": "FROM ubuntu\n" + strings.Repeat("RUN apt-get install -y curl \\\n && true\n", (MaxFileSize-64)/38),
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			f, err := Parse("Dockerfile", []byte(src))
			if err == nil {
				for _, in := range f.All() {
					_, _ = in.Commands()
					_ = in.Installs()
				}
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			var se *SyntaxError
			if err != nil && !errors.As(err, &se) {
				t.Errorf("err %T is not a *SyntaxError", err)
			}
		})
	}
}

const positionsSrc = `# syntax=docker/dockerfile:1
FROM ubuntu
# coderready:ignore=CR101, cr105
RUN apt-get update && \
    # a comment
    apt-get install -y curl

# not attached: a blank line follows
# coderready:ignore=CR999

RUN <<EOF bash
set -e
echo hi
EOF
COPY <<A <<B /dst/
a
A
b1
b2
B
USER coder
`

func TestInstructionPositions(t *testing.T) {
	f := mustParse(t, positionsSrc)
	all := f.All()
	type pos struct {
		cmd                   string
		start, headerEnd, end int
		ignore                []string
	}
	want := []pos{
		{"from", 2, 2, 2, nil},
		{"run", 4, 6, 6, []string{"CR101", "CR105"}},
		{"run", 11, 11, 14, nil},
		{"copy", 15, 15, 20, nil},
		{"user", 21, 21, 21, nil},
	}
	if len(all) != len(want) {
		t.Fatalf("%d instructions, want %d", len(all), len(want))
	}
	for i, w := range want {
		in := all[i]
		got := pos{in.Cmd, in.StartLine, in.HeaderEndLine, in.EndLine, in.Ignore}
		if got.cmd != w.cmd || got.start != w.start || got.headerEnd != w.headerEnd || got.end != w.end || !slices.Equal(got.ignore, w.ignore) {
			t.Errorf("instruction %d = %+v, want %+v", i, got, w)
		}
	}
	hd := all[3].Heredocs
	if len(hd) != 2 || hd[0].Name != "A" || hd[0].StartLine != 16 || hd[1].Name != "B" || hd[1].StartLine != 18 || hd[1].Content != "b1\nb2\n" {
		t.Errorf("heredocs = %+v", hd)
	}
	if all[2].Heredocs[0].StartLine != 12 {
		t.Errorf("RUN heredoc starts at %d", all[2].Heredocs[0].StartLine)
	}
	if in := f.InstructionAt(13); in != all[2] {
		t.Errorf("InstructionAt(13) = %v", in)
	}
	if f.InstructionAt(8) != nil {
		t.Errorf("InstructionAt(blank line) != nil")
	}
}

func TestEscapeDirective(t *testing.T) {
	f := mustParse(t, "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN echo a `\n  && echo b\n")
	if f.Escape != '`' {
		t.Fatalf("Escape = %q", f.Escape)
	}
	run := f.Stages[0].Instructions[0]
	if run.StartLine != 3 || run.EndLine != 4 {
		t.Errorf("RUN lines %d-%d", run.StartLine, run.EndLine)
	}
}

func TestShellInheritance(t *testing.T) {
	f := mustParse(t, "FROM a AS one\nSHELL [\"/bin/bash\", \"-c\"]\nRUN x\nFROM one\nRUN y\nFROM b\nRUN z\n")
	if got := f.Stages[1].Instructions[0].Shell; !slices.Equal(got, []string{"/bin/bash", "-c"}) {
		t.Errorf("inherited shell = %v", got)
	}
	if got := f.Stages[2].Instructions[0].Shell; !slices.Equal(got, DefaultShell) {
		t.Errorf("new stage shell = %v", got)
	}
}

// TestWrappedShell: a SHELL that runs the shell through a wrapper
// (`fakeroot --`, `env -i`) still runs sh: its RUN lines are read as shell,
// while a SHELL of another language is not.
func TestWrappedShell(t *testing.T) {
	for shell, want := range map[string]int{
		`["/usr/bin/fakeroot", "--", "/bin/sh", "-c"]`:   2,
		`["/usr/bin/env", "-i", "LANG=C", "bash", "-c"]`: 2,
		`["python3", "-c"]`:                              0,
		`["fakeroot"]`:                                   0,
	} {
		f := mustParse(t, "FROM debian:12\nSHELL "+shell+"\nRUN apt-get update && apt-get install -y curl\n")
		cmds, _ := f.Stages[0].Instructions[1].Commands()
		if len(cmds) != want {
			t.Errorf("SHELL %s: %d commands, want %d", shell, len(cmds), want)
		}
	}
}

// TestDeclaredShell: hadolint's `# hadolint shell=powershell` says the
// RUN lines are PowerShell (the base image's SHELL sets it): they are not
// parsed as sh, so `RUN & C:/x.ps1` is no shell syntax error.
func TestDeclaredShell(t *testing.T) {
	f := mustParse(t, "FROM bats-jenkins\n# hadolint shell=powershell\n\nRUN & C:/ProgramData/Jenkins/jenkins-plugin-cli.ps1 --plugins junit:1.28\n")
	in := f.Stages[0].Instructions[0]
	if !slices.Equal(in.Shell, []string{"powershell"}) {
		t.Fatalf("shell = %v", in.Shell)
	}
	if cmds, err := in.Commands(); err != nil || len(cmds) != 0 {
		t.Errorf("Commands = %v, %v; want none, no error", cmds, err)
	}
	g := mustParse(t, "FROM debian:12\n# hadolint ignore=DL3008\nRUN apt-get install -y curl\n")
	if !slices.Equal(g.Stages[0].Instructions[0].Shell, DefaultShell) {
		t.Errorf("another hadolint comment changed the shell: %v", g.Stages[0].Instructions[0].Shell)
	}
}

func TestHelpers(t *testing.T) {
	f := mustParse(t, "FROM a AS base\nUSER root\nFROM base AS dev\nENV A=1 B=\"two words\"\nFROM dev\nARG X Y=2\nCOPY --chown=coder:coder --from=base /a /b\n")
	final := f.Target("")
	if final != f.Stages[2] || f.Target("DEV") != f.Stages[1] || f.Target("nope") != f.Stages[2] {
		t.Errorf("Target wrong")
	}
	chain := final.Chain()
	if len(chain) != 3 || chain[0] != f.Stages[0] || final.Root() != f.Stages[0] {
		t.Errorf("Chain = %v", chain)
	}
	env := f.Stages[1].Instructions[0].Env
	if !slices.Equal(env, []KeyValue{{"A", "1"}, {"B", "two words"}}) {
		t.Errorf("Env = %v", env)
	}
	decl := final.Instructions[0].Declares
	if len(decl) != 2 || decl[0].Name != "X" || decl[0].Default != nil || *decl[1].Default != "2" || decl[1].Line != 6 {
		t.Errorf("Declares = %+v", decl)
	}
	cp := final.Instructions[1]
	if v, ok := cp.Flag("from"); !ok || v != "base" {
		t.Errorf("Flag(from) = %q %v", v, ok)
	}
	if !slices.Equal(cp.Args, []string{"/a", "/b"}) {
		t.Errorf("COPY args = %v", cp.Args)
	}
	if f.Line(2) != "USER root" || f.Line(0) != "" || f.Line(99) != "" || f.Text(1, 2) != "FROM a AS base\nUSER root" {
		t.Errorf("Line/Text wrong")
	}
	if e := f.InsertAfter(2, "USER coder"); e.StartLine != 2 || e.EndLine != 2 || e.Text != "USER root\nUSER coder" {
		t.Errorf("InsertAfter = %+v", e)
	}
	// The file's last RUN ends in a continuation: the inserted lines
	// must not join it.
	g, err := Parse("Dockerfile", []byte("FROM debian:12\nRUN apt-get update && \\\n    python --version \\\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e := g.InsertAfter(3, "USER coder"); e.Text != "    python --version\nUSER coder" {
		t.Errorf("InsertAfter a trailing continuation = %q", e.Text)
	}
	if e := g.InsertAfter(1, "USER coder"); e.Text != "FROM debian:12\nUSER coder" {
		t.Errorf("InsertAfter = %q", e.Text)
	}
	if e, ok := f.ReplaceInLine(2, "root", "coder"); !ok || e.Text != "USER coder" {
		t.Errorf("ReplaceInLine = %+v", e)
	}
}

func TestCorpus(t *testing.T) {
	for _, p := range testenv.Glob(t, "corpus/*Dockerfile*") {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(filepath.Base(p), src)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		for _, in := range f.All() {
			if _, err := in.Commands(); err != nil {
				t.Errorf("%s: %v", p, err)
			}
		}
	}
}
