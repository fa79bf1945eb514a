package githubfake

import (
	"fmt"
	"strconv"
	"strings"
)

// diffContext is the number of unchanged lines around a change, as git.
const diffContext = 3

// maxDiffCells bounds the line-diff table; larger middles are shown as a
// whole replacement.
const maxDiffCells = 4_000_000

// lineOp is one line of an edit script.
type lineOp struct {
	kind byte // ' ', '-', '+'
	text string
	old  int // 1-based line in the old file (0 for '+')
	new  int // 1-based line in the new file (0 for '-')
}

// splitLines splits text into lines; eol reports whether the last line
// ends with a newline.
func splitLines(s string) (lines []string, eol bool) {
	if s == "" {
		return nil, true
	}
	eol = strings.HasSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n"), eol
}

// editScript is a line diff of a and b: common prefix and suffix, and a
// longest-common-subsequence diff of the middle.
func editScript(a, b []string) []lineOp {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ops := make([]lineOp, 0, len(a)+len(b))
	for i := range pre {
		ops = append(ops, lineOp{kind: ' ', text: a[i], old: i + 1, new: i + 1})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	ops = append(ops, lcsDiff(ma, mb, pre, pre)...)
	for i := range suf {
		ia, ib := len(a)-suf+i, len(b)-suf+i
		ops = append(ops, lineOp{kind: ' ', text: a[ia], old: ia + 1, new: ib + 1})
	}
	return ops
}

// lcsDiff diffs a and b (offsets are the lines before them).
func lcsDiff(a, b []string, offA, offB int) []lineOp {
	n, m := len(a), len(b)
	var ops []lineOp
	if n == 0 || m == 0 || n*m > maxDiffCells {
		for i, l := range a {
			ops = append(ops, lineOp{kind: '-', text: l, old: offA + i + 1})
		}
		for j, l := range b {
			ops = append(ops, lineOp{kind: '+', text: l, new: offB + j + 1})
		}
		return ops
	}
	// t[i][j] = LCS length of a[i:], b[j:].
	t := make([]int32, (n+1)*(m+1))
	at := func(i, j int) int32 { return t[i*(m+1)+j] }
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case a[i] == b[j]:
				t[i*(m+1)+j] = at(i+1, j+1) + 1
			case at(i+1, j) >= at(i, j+1):
				t[i*(m+1)+j] = at(i+1, j)
			default:
				t[i*(m+1)+j] = at(i, j+1)
			}
		}
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			ops = append(ops, lineOp{kind: ' ', text: a[i], old: offA + i + 1, new: offB + j + 1})
			i++
			j++
		case at(i+1, j) >= at(i, j+1):
			ops = append(ops, lineOp{kind: '-', text: a[i], old: offA + i + 1})
			i++
		default:
			ops = append(ops, lineOp{kind: '+', text: b[j], new: offB + j + 1})
			j++
		}
	}
	for ; i < n; i++ {
		ops = append(ops, lineOp{kind: '-', text: a[i], old: offA + i + 1})
	}
	for ; j < m; j++ {
		ops = append(ops, lineOp{kind: '+', text: b[j], new: offB + j + 1})
	}
	return ops
}

// noEOL marks, inside the diff, a last line without a final newline: such
// a line differs from the same text with one, as in git.
const noEOL = "\x00no-eol"

// unifiedDiff returns the patch GitHub shows for a file changed from
// oldText to newText: hunks with three lines of context, "@@ -a,b +c,d @@"
// headers, "\ No newline at end of file" markers, and no trailing newline
// (the form of the "patch" field of the pull request files API). It also
// returns the numbers of added and deleted lines.
func unifiedDiff(oldText, newText string) (patch string, additions, deletions int) {
	a, aEOL := splitLines(oldText)
	b, bEOL := splitLines(newText)
	if !aEOL {
		a[len(a)-1] += noEOL
	}
	if !bEOL {
		b[len(b)-1] += noEOL
	}
	ops := editScript(a, b)
	var changed []int
	for k, op := range ops {
		switch op.kind {
		case '+':
			additions++
			changed = append(changed, k)
		case '-':
			deletions++
			changed = append(changed, k)
		}
	}
	if len(changed) == 0 {
		return "", 0, 0
	}
	// Group changes into hunks: changes closer than twice the context
	// share one.
	var out []string
	for h := 0; h < len(changed); {
		start := max(changed[h]-diffContext, 0)
		end := changed[h]
		for h < len(changed) && changed[h] <= end+2*diffContext {
			end = changed[h]
			h++
		}
		end = min(end+diffContext, len(ops)-1)
		out = append(out, hunk(ops[start:end+1], a)...)
	}
	return strings.Join(out, "\n"), additions, deletions
}

// hunk renders one hunk of ops. A side with no lines (a new or deleted
// file) starts at 0, as in git; the header names the nearest line above
// the hunk that starts with a letter, "_" or "$" (git's default function
// context).
func hunk(ops []lineOp, old []string) []string {
	oldStart, newStart, oldN, newN := 0, 0, 0, 0
	for _, op := range ops {
		if op.kind != '+' {
			if oldN == 0 {
				oldStart = op.old
			}
			oldN++
		}
		if op.kind != '-' {
			if newN == 0 {
				newStart = op.new
			}
			newN++
		}
	}
	header := fmt.Sprintf("@@ -%s +%s @@", hunkRange(oldStart, oldN), hunkRange(newStart, newN))
	if fn := funcName(old, oldStart); fn != "" {
		header += " " + fn
	}
	lines := []string{header}
	for _, op := range ops {
		text, cut := strings.CutSuffix(op.text, noEOL)
		lines = append(lines, string(op.kind)+text)
		if cut {
			lines = append(lines, `\ No newline at end of file`)
		}
	}
	return lines
}

// funcName is git's default hunk context for a hunk starting at old line
// start: the closest line above it beginning with a letter, "_" or "$",
// cut to 80 bytes.
func funcName(old []string, start int) string {
	for i := min(start-1, len(old)) - 1; i >= 0; i-- {
		l := strings.TrimSuffix(old[i], noEOL)
		if l == "" {
			continue
		}
		if c := l[0]; c == '_' || c == '$' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') {
			if len(l) > 80 {
				l = l[:80]
			}
			return strings.TrimRight(l, " \t")
		}
	}
	return ""
}

func hunkRange(start, n int) string {
	if n == 1 {
		return strconv.Itoa(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

// diffLine is a commentable line of a patch.
type diffLine struct {
	hunk int // hunk index
	idx  int // index in the patch's lines; also the diff "position"
}

// diffLines holds the lines of a patch a review comment may be placed on.
type diffLines struct {
	lines   []string
	right   map[int]diffLine // new-file line
	left    map[int]diffLine // old-file line
	pos     map[int]diffLine // diff position
	headers []int            // index of each hunk header
}

// parsePatch reads the hunks of a unified diff.
func parsePatch(patch string) (diffLines, error) {
	d := diffLines{right: map[int]diffLine{}, left: map[int]diffLine{}, pos: map[int]diffLine{}}
	if patch == "" {
		return d, nil
	}
	d.lines = strings.Split(patch, "\n")
	hunkIdx, oldLine, newLine := -1, 0, 0
	for i, l := range d.lines {
		if strings.HasPrefix(l, "@@") {
			var oa, na int
			if _, err := fmt.Sscanf(hunkStarts(l), "%d %d", &oa, &na); err != nil {
				return d, fmt.Errorf("hunk header %q: %w", l, err)
			}
			hunkIdx++
			d.headers = append(d.headers, i)
			oldLine, newLine = oa, na
			continue
		}
		if hunkIdx < 0 {
			return d, fmt.Errorf("patch does not start with a hunk header: %q", l)
		}
		at := diffLine{hunk: hunkIdx, idx: i}
		switch {
		case strings.HasPrefix(l, "+"):
			d.right[newLine] = at
			d.pos[i] = at
			newLine++
		case strings.HasPrefix(l, "-"):
			d.left[oldLine] = at
			d.pos[i] = at
			oldLine++
		case strings.HasPrefix(l, `\`):
		default:
			d.right[newLine] = at
			d.left[oldLine] = at
			d.pos[i] = at
			oldLine++
			newLine++
		}
	}
	return d, nil
}

// hunkUpTo is the diff_hunk GitHub shows with a comment: the hunk from its
// header down to the commented line.
func (d diffLines) hunkUpTo(at diffLine) string {
	return strings.Join(d.lines[d.headers[at.hunk]:at.idx+1], "\n")
}

// hunkStarts turns "@@ -a,b +c,d @@ ..." into "a c".
func hunkStarts(h string) string {
	f := strings.Fields(h)
	if len(f) < 3 {
		return h
	}
	start := func(s string) string {
		s = strings.TrimLeft(s, "-+")
		n, _, _ := strings.Cut(s, ",")
		return n
	}
	return start(f[1]) + " " + start(f[2])
}
