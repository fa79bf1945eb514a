package dockerfile

import (
	"strings"
)

// InstructionAt returns the instruction whose line range holds line, or nil.
func (f *File) InstructionAt(line int) *Instruction {
	for _, in := range f.All() {
		if line >= in.StartLine && line <= in.EndLine {
			return in
		}
	}
	return nil
}

// All returns every instruction in source order: meta ARGs, then each
// stage's FROM and its instructions.
func (f *File) All() []*Instruction {
	out := make([]*Instruction, 0, len(f.Meta)+2*len(f.Stages))
	out = append(out, f.Meta...)
	for _, s := range f.Stages {
		out = append(out, s.From)
		out = append(out, s.Instructions...)
	}
	return out
}

// Stage returns the stage named name (case-insensitive), or nil.
func (f *File) Stage(name string) *Stage {
	name = strings.ToLower(name)
	for _, s := range f.Stages {
		if s.Name != "" && s.Name == name {
			return s
		}
	}
	return nil
}

// Target returns the stage a build with the given target stops at: the
// named stage, or the last stage when target is "" or names no stage.
func (f *File) Target(target string) *Stage {
	if target != "" {
		if s := f.Stage(target); s != nil {
			return s
		}
	}
	if len(f.Stages) == 0 {
		return nil
	}
	return f.Stages[len(f.Stages)-1]
}

// Chain returns the stages s builds on, following BaseStage, from the one
// whose base is an image up to s itself.
func (s *Stage) Chain() []*Stage {
	var out []*Stage
	seen := map[*Stage]bool{}
	for c := s; c != nil && !seen[c]; c = c.BaseStage {
		seen[c] = true
		out = append(out, c)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Root returns the first stage of s's chain: the one built on an image.
func (s *Stage) Root() *Stage {
	c := s.Chain()
	return c[0]
}

// Last returns the stage's last instruction (its FROM when it has no other).
func (s *Stage) Last() *Instruction {
	if len(s.Instructions) == 0 {
		return s.From
	}
	return s.Instructions[len(s.Instructions)-1]
}

// Line returns the text of line n (1-based), or "" when n is out of range.
func (f *File) Line(n int) string {
	if n < 1 || n > len(f.Lines) {
		return ""
	}
	return f.Lines[n-1]
}

// Text returns lines start..end (inclusive) joined with "\n".
func (f *File) Text(start, end int) string {
	start = max(start, 1)
	end = min(end, len(f.Lines))
	if start > end {
		return ""
	}
	return strings.Join(f.Lines[start-1:end], "\n")
}

// Flag returns the value of the instruction's `--name=value` flag.
func (in *Instruction) Flag(name string) (string, bool) {
	for _, fl := range in.Flags {
		k, v, hasVal := strings.Cut(strings.TrimPrefix(fl, "--"), "=")
		if k == name {
			if !hasVal {
				return "true", true
			}
			return v, true
		}
	}
	return "", false
}

// File returns the file the instruction belongs to.
func (in *Instruction) File() *File { return in.file }

// Edit is a whole-line text edit: lines StartLine..EndLine (inclusive) are
// replaced by Text (several lines joined by "\n", no trailing newline).
type Edit struct {
	StartLine, EndLine int
	Text               string
}

// InsertAfter returns the edit that inserts text (one or more lines) after
// line n, expressed as a replacement of line n so that a GitHub suggestion
// can carry it.
//
// A line that ends in the escape character, as a Dockerfile's last
// instruction can (`RUN make \` at the end of the file), would continue
// into the inserted text; the escape is dropped so the text stands as
// instructions of its own.
func (f *File) InsertAfter(n int, text string) Edit {
	l := f.Line(n)
	esc := string(f.Escape)
	if f.Escape == 0 {
		esc = `\`
	}
	if t := strings.TrimRight(l, " \t"); strings.HasSuffix(t, esc) && !strings.HasPrefix(strings.TrimSpace(l), "#") {
		l = strings.TrimRight(strings.TrimSuffix(t, esc), " \t")
	}
	return Edit{StartLine: n, EndLine: n, Text: l + "\n" + text}
}

// InsertBefore returns the edit that inserts text before line n.
func (f *File) InsertBefore(n int, text string) Edit {
	return Edit{StartLine: n, EndLine: n, Text: text + "\n" + f.Line(n)}
}

// ReplaceInLine returns the edit that replaces the first occurrence of old
// on line n with new, and whether old was found.
func (f *File) ReplaceInLine(n int, old, new string) (Edit, bool) {
	l := f.Line(n)
	i := strings.Index(l, old)
	if old == "" || i < 0 {
		return Edit{}, false
	}
	return Edit{StartLine: n, EndLine: n, Text: l[:i] + new + l[i+len(old):]}, true
}

// Indent returns the leading white space of line n.
func (f *File) Indent(n int) string {
	l := f.Line(n)
	return l[:len(l)-len(strings.TrimLeft(l, " \t"))]
}
