package checks

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// TextOptions tune RenderText.
type TextOptions struct {
	// Color adds ANSI colours (severities, paths, fix lines). Off by
	// default; turn it on only when writing to a terminal.
	Color bool
	// ReadFile, when set, reads a file named in a fix's edits (by the path
	// as reported) so the fix is shown as removed and added lines. Without
	// it, or when it fails, only the new lines are shown.
	ReadFile func(path string) ([]byte, error)
}

// ANSI escape codes used when TextOptions.Color is set.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

// RenderText writes findings for people: grouped by file, a header line per
// file, then one line per finding,
//
//	path:line:col: severity ID message
//
// (the column left out when unknown, the line too for a finding about the
// whole file), any details and the fix indented under it, and a summary
// line at the end. A finding that two targets share is shown once.
func RenderText(w io.Writer, r *Result, opts TextOptions) error {
	t := &textRenderer{opts: opts, files: map[string][]string{}}
	for _, tr := range r.Targets {
		if tr.Image != nil {
			t.image(tr.Image)
		}
		if tr.Probe != nil {
			fmt.Fprintf(&t.buf, "%s %s\n", t.paint(ansiBold, tr.Path+":"), tr.Probe)
		}
	}
	fs := distinctFindings(r)
	for i := 0; i < len(fs); {
		j := i
		for j < len(fs) && fs[j].path() == fs[i].path() {
			j++
		}
		t.group(fs[i:j])
		i = j
	}
	s := summarize(r, fs)
	if len(fs) == 0 {
		fmt.Fprintf(&t.buf, "no findings (%s checked)\n", countNoun(s.Targets, "target"))
	} else {
		t.buf.WriteString(t.paint(ansiBold, s.String()) + "\n")
	}
	if _, err := w.Write(t.buf.Bytes()); err != nil {
		return fmt.Errorf("render text: %w", err)
	}
	return nil
}

type textRenderer struct {
	opts  TextOptions
	buf   bytes.Buffer
	files map[string][]string // lines of files read for fixes; nil when unreadable
}

func (t *textRenderer) paint(code, s string) string {
	if !t.opts.Color || s == "" {
		return s
	}
	return code + s + ansiReset
}

// group writes one file's findings.
func (t *textRenderer) group(fs []placed) {
	var s Summary
	for _, f := range fs {
		switch f.Severity {
		case SeverityError:
			s.Errors++
		case SeverityWarning:
			s.Warnings++
		case SeverityInfo:
			s.Info++
		}
	}
	var counts []string
	if s.Errors > 0 {
		counts = append(counts, countNoun(s.Errors, "error"))
	}
	if s.Warnings > 0 {
		counts = append(counts, countNoun(s.Warnings, "warning"))
	}
	if s.Info > 0 {
		counts = append(counts, fmt.Sprintf("%d info", s.Info))
	}
	fmt.Fprintf(&t.buf, "%s %s\n", t.paint(ansiBold, fs[0].path()), t.paint(ansiDim, "("+strings.Join(counts, ", ")+")"))
	for _, f := range fs {
		t.finding(f)
	}
	t.buf.WriteString("\n")
}

func (t *textRenderer) finding(f placed) {
	pos := f.path()
	if l := f.Location.StartLine; l > 0 {
		pos += fmt.Sprintf(":%d", l)
		if c := f.Location.StartCol; c > 0 {
			pos += fmt.Sprintf(":%d", c)
		}
	}
	msg := f.Message
	if n := f.EvidenceNote(); n != "" {
		msg += " " + t.paint(ansiDim, "("+n+")")
	}
	fmt.Fprintf(&t.buf, "%s: %s %s %s\n", pos, t.severity(f.Severity), t.paint(ansiBold, f.RuleID), msg)
	if d := strings.TrimRight(f.Details, "\n"); d != "" {
		for line := range strings.SplitSeq(d, "\n") {
			t.buf.WriteString(strings.TrimRight("    "+t.paint(ansiDim, line), " ") + "\n")
		}
	}
	if f.Fix == nil {
		return
	}
	fmt.Fprintf(&t.buf, "    %s %s\n", t.paint(ansiCyan, "fix:"), f.Fix.Description)
	for _, e := range f.Fix.Edits {
		t.edit(e)
	}
}

func (t *textRenderer) severity(s Severity) string {
	switch s {
	case SeverityError:
		return t.paint(ansiBold+ansiRed, "error")
	case SeverityWarning:
		return t.paint(ansiYellow, "warning")
	default:
		return t.paint(ansiCyan, s.String())
	}
}

// edit writes one edit: its place, then the lines it removes (when the file
// can be read) and the lines it writes.
func (t *textRenderer) edit(e Edit) {
	where := fmt.Sprintf("%s:%d", e.Path, e.StartLine)
	if e.EndLine > e.StartLine {
		where += fmt.Sprintf("-%d", e.EndLine)
	}
	old := t.lines(e.Path, e.StartLine, e.EndLine)
	switch {
	case old != nil:
		fmt.Fprintf(&t.buf, "      %s\n", t.paint(ansiDim, where))
	case e.Delete:
		fmt.Fprintf(&t.buf, "      %s\n", t.paint(ansiDim, where+": delete"))
		return
	default:
		fmt.Fprintf(&t.buf, "      %s\n", t.paint(ansiDim, where+": replace with"))
	}
	var add []string
	if !e.Delete {
		add = strings.Split(e.Text, "\n")
	}
	// Lines the edit keeps (an insertion rewrites its anchor line) are shown
	// as context, not as removed and added again.
	pre := 0
	for pre < len(old) && pre < len(add) && old[pre] == add[pre] {
		pre++
	}
	suf := 0
	for suf < len(old)-pre && suf < len(add)-pre && old[len(old)-1-suf] == add[len(add)-1-suf] {
		suf++
	}
	for _, l := range old[:pre] {
		t.buf.WriteString(strings.TrimRight("        "+l, " ") + "\n")
	}
	for _, l := range old[pre : len(old)-suf] {
		t.buf.WriteString("      " + t.paint(ansiRed, "- "+l) + "\n")
	}
	for _, l := range add[pre : len(add)-suf] {
		t.buf.WriteString("      " + t.paint(ansiGreen, "+ "+l) + "\n")
	}
	for _, l := range old[len(old)-suf:] {
		t.buf.WriteString(strings.TrimRight("        "+l, " ") + "\n")
	}
}

// lines returns lines start..end (1-based) of a file through
// TextOptions.ReadFile, or nil when that is not possible.
func (t *textRenderer) lines(path string, start, end int) []string {
	if t.opts.ReadFile == nil || start < 1 || end < start {
		return nil
	}
	ls, ok := t.files[path]
	if !ok {
		if b, err := t.opts.ReadFile(path); err == nil {
			ls = strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
		}
		t.files[path] = ls
	}
	if end > len(ls) {
		return nil
	}
	return ls[start-1 : end]
}
