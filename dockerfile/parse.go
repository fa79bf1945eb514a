package dockerfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// MaxFileSize is the largest Dockerfile Parse reads, in bytes. Real
// Dockerfiles are a few kilobytes; the limit keeps time and memory bounded
// on hostile input.
const MaxFileSize = 2 << 20

// MaxLineLength is the longest line BuildKit's parser reads (it scans lines
// with bufio.Scanner, whose token limit is 64 KiB including the newline).
const MaxLineLength = bufio.MaxScanTokenSize - 1

// Parse parses a Dockerfile with BuildKit's parser. path is recorded in the
// File and in errors. Any failure is a *SyntaxError carrying the line (and
// column where known) of the problem.
func Parse(path string, src []byte) (*File, error) {
	f := &File{Path: path, Escape: parser.DefaultEscapeToken}
	if err := precheck(path, src); err != nil {
		return nil, err
	}
	f.Lines = splitLines(src)

	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, f.locate(err, 0)
	}
	f.Escape = res.EscapeToken

	var cur *Stage
	for _, n := range res.AST.Children {
		in, typed, err := f.newInstruction(n)
		if err != nil {
			return nil, err
		}
		switch t := typed.(type) {
		case *instructions.Stage:
			cur = &Stage{
				Index:   len(f.Stages),
				Name:    t.Name,
				From:    in,
				BaseRaw: t.BaseName,
			}
			cur.PlatformRaw = t.Platform
			in.Stage = cur
			f.Stages = append(f.Stages, cur)
			continue
		case *instructions.ArgCommand:
			for _, kv := range t.Args {
				in.Declares = append(in.Declares, &Arg{Name: kv.Key, Default: kv.Value, Line: in.StartLine})
			}
			if cur == nil {
				f.Meta = append(f.Meta, in)
				f.MetaArgs = append(f.MetaArgs, in.Declares...)
				continue
			}
		case *instructions.EnvCommand:
			for _, kv := range t.Env {
				in.Env = append(in.Env, KeyValue{Key: kv.Key, Value: f.unquote(kv.Value)})
			}
		case *instructions.LabelCommand:
			for _, kv := range t.Labels {
				in.Env = append(in.Env, KeyValue{Key: kv.Key, Value: f.unquote(kv.Value)})
			}
		}
		if cur == nil {
			return nil, &SyntaxError{Path: path, Line: in.StartLine,
				Msg: fmt.Sprintf("%s before the first FROM: only ARG may come before FROM", strings.ToUpper(in.Cmd))}
		}
		in.Stage = cur
		cur.Instructions = append(cur.Instructions, in)
	}
	if len(f.Stages) == 0 {
		line := 1
		if len(f.Meta) > 0 {
			line = f.Meta[0].StartLine
		}
		return nil, &SyntaxError{Path: path, Line: line, Msg: "no FROM instruction: a Dockerfile needs at least one stage"}
	}

	for i, b := range f.resolve(nil, true) {
		s := f.Stages[i]
		if b.err != nil {
			return nil, &SyntaxError{Path: path, Line: s.From.StartLine, Msg: "FROM: " + cleanMsg(b.err.Error())}
		}
		s.Base, s.Platform, s.BaseStage, s.MissingArgs = b.Ref, b.Platform, b.Stage, b.Missing
	}
	f.assignShells()
	return f, nil
}

// precheck rejects input BuildKit's parser would choke on or that is not a
// Dockerfile at all, with a clear message.
func precheck(path string, src []byte) error {
	if len(src) > MaxFileSize {
		return &SyntaxError{Path: path, Line: 1, Msg: fmt.Sprintf("file is %d bytes; coderready reads Dockerfiles of at most %d bytes", len(src), MaxFileSize)}
	}
	if i := bytes.IndexByte(src, 0); i >= 0 {
		return &SyntaxError{Path: path, Line: 1 + bytes.Count(src[:i], []byte("\n")), Msg: "binary data (NUL byte): not a Dockerfile"}
	}
	line := 1
	for rest := src; len(rest) > 0; line++ {
		n := bytes.IndexByte(rest, '\n')
		if n < 0 {
			n = len(rest)
		}
		if n > MaxLineLength {
			return &SyntaxError{Path: path, Line: line, Msg: fmt.Sprintf("line is %d bytes long; BuildKit reads lines of at most %d bytes", n, MaxLineLength)}
		}
		rest = rest[min(n+1, len(rest)):]
	}
	if len(bytes.TrimSpace(src)) == 0 {
		return &SyntaxError{Path: path, Line: 1, Msg: "empty Dockerfile: no instructions"}
	}
	return nil
}

// splitLines splits src into lines without their "\n" or "\r\n" endings.
func splitLines(src []byte) []string {
	s := string(src)
	s = strings.TrimSuffix(s, "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// newInstruction builds an Instruction from a BuildKit AST node and checks it
// with BuildKit's instructions package.
func (f *File) newInstruction(n *parser.Node) (*Instruction, any, error) {
	typed, err := instructions.ParseInstruction(n)
	if err != nil {
		return nil, nil, f.locate(err, n.StartLine)
	}
	in := &Instruction{
		Cmd:       strings.ToLower(n.Value),
		StartLine: n.StartLine,
		EndLine:   n.EndLine,
		Original:  n.Original,
		Args:      nodeArgs(n),
		Flags:     n.Flags,
		JSON:      n.Attributes["json"],
		Ignore:    ignoreAbove(f.Lines, n.StartLine),
		file:      f,
	}
	in.HeaderEndLine = in.EndLine
	for _, h := range n.Heredocs {
		in.HeaderEndLine -= strings.Count(h.Content, "\n") + 1
	}
	line := in.HeaderEndLine + 1
	for _, h := range n.Heredocs {
		in.Heredocs = append(in.Heredocs, Heredoc{
			Name:      h.Name,
			Content:   h.Content,
			StartLine: line,
			Expand:    h.Expand,
			Chomp:     h.Chomp,
		})
		line += strings.Count(h.Content, "\n") + 1
	}
	return in, typed, nil
}

// unquote removes the quotes and escapes of an ENV or LABEL value as
// BuildKit's shell lexer does, leaving variable references as written.
func (f *File) unquote(v string) string {
	lex := shell.NewLex(f.Escape)
	lex.SkipUnsetEnv = true
	out, _, err := lex.ProcessWord(v, &argEnv{vals: map[string]string{}})
	if err != nil {
		return v
	}
	return out
}

// nodeArgs flattens a node's arguments as BuildKit's instructions package
// does.
func nodeArgs(node *parser.Node) []string {
	var out []string
	for ; node.Next != nil; node = node.Next {
		arg := node.Next
		switch len(arg.Children) {
		case 0:
			out = append(out, arg.Value)
		case 1:
			out = append(out, arg.Children[0].Value)
			out = append(out, nodeArgs(arg.Children[0])...)
		}
	}
	return out
}

// locate turns a BuildKit error into a *SyntaxError at the line the error
// carries, else at fallback.
func (f *File) locate(err error, fallback int) *SyntaxError {
	line := fallback
	msg := err.Error()
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		line = le.Locations[0][0].Start.Line
		// Directive errors are reported before BuildKit counts the line.
		if strings.Contains(msg, "parser directive") || strings.Contains(msg, "escape token") {
			line++
		}
	}
	if strings.Contains(msg, "file with no instructions") {
		msg = "no instructions"
	}
	line = max(1, min(line, max(1, len(f.Lines))))
	return &SyntaxError{Path: f.Path, Line: line, Msg: cleanMsg(msg)}
}

// cleanMsg makes an error message safe to print: control characters and
// invalid UTF-8 are escaped and the text is cut to a few hundred bytes.
func cleanMsg(s string) string {
	const maxLen = 300
	var b strings.Builder
	for i, r := range s {
		if b.Len() >= maxLen {
			b.WriteString("…")
			break
		}
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var ignoreRe = regexp.MustCompile(`(?i)coderready:\s*ignore\s*=\s*([A-Za-z0-9*][A-Za-z0-9*,\s]*)`)

// ignoreAbove reads `# coderready:ignore=CR101,CR105` comments on the lines
// directly above line (a blank line ends the block).
func ignoreAbove(lines []string, line int) []string {
	var out []string
	for i := line - 2; i >= 0 && i < len(lines); i-- {
		t := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(t, "#") {
			break
		}
		m := ignoreRe.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		for _, id := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			out = append(out, strings.ToUpper(id))
		}
	}
	return out
}

// windowsShell is the shell BuildKit runs shell-form instructions in on
// Windows images.
var windowsShell = []string{"cmd", "/S", "/C"}

// isWindowsImage reports whether a base reference names a Windows image
// (whose RUN lines are cmd, not sh).
func isWindowsImage(ref string) bool {
	r := strings.ToLower(ref)
	for _, s := range []string{"mcr.microsoft.com/windows", "servercore", "nanoserver", "windows/", "-ltsc"} {
		if strings.Contains(r, s) {
			return true
		}
	}
	return false
}

// hadolintShell is hadolint's directive naming the shell a file's RUN
// lines are written for, when the base image's own SHELL sets it (`#
// hadolint shell=powershell`).
var hadolintShell = regexp.MustCompile(`^\s*#\s*hadolint\s+shell=(\S+)\s*$`)

// declaredShell returns the shell a `# hadolint shell=NAME` comment says
// the file's RUN lines are for, nil when there is none.
func (f *File) declaredShell() []string {
	for _, l := range f.Lines {
		if m := hadolintShell.FindStringSubmatch(l); m != nil {
			return []string{m[1]}
		}
	}
	return nil
}

// assignShells records on every instruction the shell its shell form runs
// in: the stage's last SHELL, inherited from the stage it builds on.
func (f *File) assignShells() {
	final := make(map[*Stage][]string, len(f.Stages))
	for _, in := range f.Meta {
		in.Shell = DefaultShell
	}
	declared := f.declaredShell()
	for _, s := range f.Stages {
		sh := DefaultShell
		switch {
		case s.BaseStage != nil:
			sh = final[s.BaseStage]
		case isWindowsImage(s.Base):
			sh = windowsShell
		case declared != nil:
			sh = declared
		}
		s.From.Shell = sh
		for _, in := range s.Instructions {
			in.Shell = sh
			if in.Cmd == "shell" && len(in.Args) > 0 {
				sh = in.Args
			}
		}
		final[s] = sh
	}
}
