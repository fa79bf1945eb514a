// Package review turns fixes into a pull request review: suggestions on the
// lines of the diff that GitHub accepts them on, with a fingerprint each so
// a re-run neither duplicates nor loses them, and a patch for the rest.
package review

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/coderready/coderready/checks"
)

// Hunks are the new-file (RIGHT side) lines of one file's diff: the lines
// GitHub accepts review comments on. A nil *Hunks (a file the pull
// request does not change) contains no line.
type Hunks struct {
	// right holds every new-file line number in a hunk (added or context).
	right map[int]bool
	// changes are the added and deleted lines, in diff order.
	changes []Change
}

// Change is one added or deleted line of a diff, placed on the new file.
type Change struct {
	// Line is the new-file line: an added line's own; for a deleted line,
	// the line that now stands where it was (the next line of its hunk,
	// else the one before), so an annotation there shows in the diff.
	Line int
	// Text is the line without its diff marker.
	Text string
	// Deleted is true for a deleted line.
	Deleted bool
}

// Changes returns the added and deleted lines, in diff order.
func (h *Hunks) Changes() []Change {
	if h == nil {
		return nil
	}
	return slices.Clone(h.changes)
}

var hunkRE = regexp.MustCompile(`^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@`)

// ParsePatch reads the `patch` field of GitHub's pull request files API:
// unified diff hunks without file headers ("@@ -a,b +c,d @@ context",
// then lines starting with ' ', '+', '-' or '\'). An empty patch (binary
// or too large a file) has no lines. A line before the first hunk header,
// or more new-side lines than a header counts, is an error.
func ParsePatch(patch string) (*Hunks, error) {
	h := &Hunks{right: map[int]bool{}}
	sc := bufio.NewScanner(strings.NewReader(patch))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line, left := 0, 0 // next new-file line; lines left in the hunk's new side
	in := false
	// Deleted lines at a hunk's end stand on the line before.
	var pending []int
	endHunk := func() {
		for _, i := range pending {
			if !h.right[h.changes[i].Line] {
				h.changes[i].Line = max(h.changes[i].Line-1, 1)
			}
		}
		pending = nil
	}
	for n := 1; sc.Scan(); n++ {
		s := sc.Text()
		if m := hunkRE.FindStringSubmatch(s); m != nil {
			endHunk()
			start, _ := strconv.Atoi(m[1])
			count := 1
			if m[2] != "" {
				count, _ = strconv.Atoi(m[2])
			}
			line, left, in = start, count, true
			continue
		}
		if !in {
			return nil, fmt.Errorf("patch line %d: %q before the first hunk header", n, clip(s))
		}
		switch {
		case strings.HasPrefix(s, `\`): // "\ No newline at end of file"
		case strings.HasPrefix(s, "-"):
			pending = append(pending, len(h.changes))
			h.changes = append(h.changes, Change{Line: line, Text: s[1:], Deleted: true})
		case strings.HasPrefix(s, "+"), strings.HasPrefix(s, " "), s == "":
			if left <= 0 {
				return nil, fmt.Errorf("patch line %d: more new-side lines than the hunk header says", n)
			}
			if strings.HasPrefix(s, "+") {
				h.changes = append(h.changes, Change{Line: line, Text: s[1:]})
			}
			h.right[line] = true
			line++
			left--
		default:
			return nil, fmt.Errorf("patch line %d: %q is not a diff line", n, clip(s))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read patch: %w", err)
	}
	endHunk()
	return h, nil
}

// clip shortens a diff line for an error message, on a rune boundary.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// ContainsRight reports whether every new-file line start..end lies in the
// diff, where GitHub accepts a review comment on the RIGHT side.
func (h *Hunks) ContainsRight(start, end int) bool {
	if h == nil || start <= 0 || end < start {
		return false
	}
	for l := start; l <= end; l++ {
		if !h.right[l] {
			return false
		}
	}
	return true
}

// Comment is one suggestion, ready for the review API (a draft review
// comment: path, line, start_line, side, body).
type Comment struct {
	Path string
	// Line is the last line the suggestion replaces; StartLine the first
	// when it spans several (0 for one line).
	Line, StartLine int
	// Side is always "RIGHT": suggestions change the new file.
	Side string
	// Body is the finding's message and fix in Markdown, the
	// ```suggestion block, and the hidden fingerprint marker.
	Body string
	// Fingerprint identifies the suggestion across runs (see Fingerprint).
	Fingerprint string
}

// Plan is what to post for a set of findings.
type Plan struct {
	// Comments are the suggestions to post, in path and line order.
	Comments []Comment
	// Outside are the findings whose fixes cannot be suggested inline
	// (lines outside the diff, edits on lines that are not adjacent or on
	// several files, overlaps with an earlier suggestion): for the patch.
	Outside []checks.Finding
	// Fingerprints of the comments, to record once the review is posted.
	Fingerprints []string
}

// markerPrefix starts the hidden fingerprint in each suggestion's body.
const markerPrefix = "<!-- coderready:fp="

// Fingerprint identifies a suggestion: a hash of the rule, the path, the
// lines e replaces, whether it deletes them, and the new text (for a fix of
// several adjacent edits, e is their merge). The message does not count,
// so the same fix on a re-run has the same fingerprint; a fix that changes
// or moves gets a new one.
func Fingerprint(f checks.Finding, e checks.Edit) string {
	h := sha256.New()
	_, _ = fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00%t\x00%s", f.RuleID, e.Path, e.StartLine, e.EndLine, e.Delete, e.Text)
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// MakePlan decides, for each finding with a fix, whether it becomes an
// inline suggestion, is skipped, or goes to the patch (Outside):
//
//   - A fix becomes one suggestion when its edits, on one file, replace a
//     contiguous run of lines (one edit, or several on adjacent lines,
//     merged) that all lie on the RIGHT side of that file's diff hunks.
//     Insertions are already written as a rewrite of their anchor line
//     (dockerfile.File.InsertAfter/InsertBefore), so they are suggested on
//     that line.
//   - A fix whose lines overlap those of an earlier suggestion goes
//     Outside: GitHub cannot apply two suggestions to one line.
//   - A fix whose fingerprint is in posted was suggested before: it is
//     skipped (and still holds its lines against later overlapping fixes).
//   - Anything else (lines outside the diff, edits on several files or on
//     lines that are not adjacent, invalid ranges) goes Outside.
//
// Comments are sorted by path and line; Fingerprints follow the same
// order.
func MakePlan(findings []checks.Finding, files map[string]*Hunks, posted map[string]bool) Plan {
	var p Plan
	taken := map[string][][2]int{}
	overlaps := func(path string, s, e int) bool {
		for _, r := range taken[path] {
			if s <= r[1] && r[0] <= e {
				return true
			}
		}
		return false
	}
	for _, f := range findings {
		if f.Fix == nil || len(f.Fix.Edits) == 0 {
			continue
		}
		e, ok := mergeEdits(f.Fix.Edits)
		if !ok || !files[e.Path].ContainsRight(e.StartLine, e.EndLine) || overlaps(e.Path, e.StartLine, e.EndLine) {
			p.Outside = append(p.Outside, f)
			continue
		}
		taken[e.Path] = append(taken[e.Path], [2]int{e.StartLine, e.EndLine})
		fp := Fingerprint(f, e)
		if posted[fp] {
			continue
		}
		c := Comment{Path: e.Path, Line: e.EndLine, Side: "RIGHT", Fingerprint: fp, Body: body(f, e, fp)}
		if e.StartLine < e.EndLine {
			c.StartLine = e.StartLine
		}
		p.Comments = append(p.Comments, c)
	}
	slices.SortStableFunc(p.Comments, func(a, b Comment) int {
		if a.Path != b.Path {
			return strings.Compare(a.Path, b.Path)
		}
		return a.Line - b.Line
	})
	for _, c := range p.Comments {
		p.Fingerprints = append(p.Fingerprints, c.Fingerprint)
	}
	return p
}

// mergeEdits turns a fix's edits into the one edit a suggestion can carry:
// they must be on one file, valid, and cover adjacent, non-overlapping
// line ranges. The merged edit replaces the whole run with the edits'
// texts in order (deleted ranges contribute nothing).
func mergeEdits(edits []checks.Edit) (checks.Edit, bool) {
	es := slices.Clone(edits)
	slices.SortStableFunc(es, func(a, b checks.Edit) int { return a.StartLine - b.StartLine })
	var parts []string
	for i, e := range es {
		if e.StartLine < 1 || e.EndLine < e.StartLine || e.Path != es[0].Path {
			return checks.Edit{}, false
		}
		if i > 0 && e.StartLine != es[i-1].EndLine+1 {
			return checks.Edit{}, false // a gap, or an overlap
		}
		if !e.Delete {
			parts = append(parts, e.Text)
		}
	}
	m := checks.Edit{Path: es[0].Path, StartLine: es[0].StartLine, EndLine: es[len(es)-1].EndLine}
	if len(parts) == 0 {
		m.Delete = true
	} else {
		m.Text = strings.Join(parts, "\n")
	}
	return m, true
}

func body(f checks.Finding, e checks.Edit, fp string) string {
	var b strings.Builder
	msg, _, _ := strings.Cut(strings.TrimSpace(f.Message), "\n")
	fmt.Fprintf(&b, "**%s** %s\n\n", f.RuleID, checks.MarkdownEscape(msg))
	if f.Fix.Description != "" {
		fmt.Fprintf(&b, "Fix: %s\n\n", checks.MarkdownEscape(f.Fix.Description))
	}
	fence := "```"
	for strings.Contains(e.Text, fence) {
		fence += "`"
	}
	b.WriteString(fence + "suggestion\n")
	if !e.Delete {
		// An empty Text without Delete is one empty line, not a deletion.
		b.WriteString(e.Text + "\n")
	}
	b.WriteString(fence + "\n")
	b.WriteString(markerPrefix + fp + " -->")
	return b.String()
}

// FingerprintOf returns the fingerprint marked in a comment body, if any.
func FingerprintOf(body string) (string, bool) {
	_, rest, ok := strings.Cut(body, markerPrefix)
	if !ok {
		return "", false
	}
	fp, _, ok := strings.Cut(rest, " -->")
	return fp, ok
}

// FormatPatch writes a unified diff (git style: --- a/path, +++ b/path,
// three lines of context) that applies every fix of findings, files in
// path order; read returns a file's current contents. A fix any of whose
// edits overlaps an edit of an earlier fix in the same file is left out
// whole, so the patch never applies half a fix. An edit outside its file's
// lines is an error.
func FormatPatch(findings []checks.Finding, read func(path string) ([]byte, error)) (string, error) {
	byPath := map[string][]checks.Edit{}
	overlaps := func(e checks.Edit, others []checks.Edit) bool {
		for _, o := range others {
			if o.Path == e.Path && e.StartLine <= o.EndLine && o.StartLine <= e.EndLine {
				return true
			}
		}
		return false
	}
	for _, f := range findings {
		if f.Fix == nil {
			continue
		}
		ok := true
		for i, e := range f.Fix.Edits {
			if overlaps(e, byPath[e.Path]) || overlaps(e, f.Fix.Edits[:i]) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		for _, e := range f.Fix.Edits {
			byPath[e.Path] = append(byPath[e.Path], e)
		}
	}
	paths := slices.Sorted(maps.Keys(byPath))
	var out strings.Builder
	for _, p := range paths {
		src, err := read(p)
		if err != nil {
			return "", fmt.Errorf("patch %s: %w", p, err)
		}
		d, err := fileDiff(p, string(src), byPath[p])
		if err != nil {
			return "", err
		}
		out.WriteString(d)
	}
	return out.String(), nil
}

// fileDiff applies edits (whole-line replacements) to src and writes the
// hunks, three lines of context each.
func fileDiff(path, src string, edits []checks.Edit) (string, error) {
	noEOL := !strings.HasSuffix(src, "\n") && src != ""
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	if src == "" {
		lines = nil
	}
	slices.SortStableFunc(edits, func(a, b checks.Edit) int { return a.StartLine - b.StartLine })
	var kept []checks.Edit
	last := 0
	for _, e := range edits {
		if e.StartLine < 1 || e.EndLine < e.StartLine || e.EndLine > len(lines) {
			return "", fmt.Errorf("patch %s: edit of lines %d-%d outside the file's %d lines", path, e.StartLine, e.EndLine, len(lines))
		}
		if e.StartLine <= last {
			continue // overlaps the previous edit
		}
		kept = append(kept, e)
		last = e.EndLine
	}
	const ctx = 3
	var b strings.Builder
	fmt.Fprintf(&b, "--- a/%s\n+++ b/%s\n", path, path)
	newText := func(e checks.Edit) []string {
		if e.Delete {
			return nil
		}
		return strings.Split(e.Text, "\n")
	}
	shift := 0 // new-line number minus old-line number so far
	for i := 0; i < len(kept); {
		// Group edits whose context windows touch into one hunk.
		j := i + 1
		for j < len(kept) && kept[j].StartLine-kept[j-1].EndLine <= 2*ctx+1 {
			j++
		}
		oldStart := max(1, kept[i].StartLine-ctx)
		oldEnd := min(len(lines), kept[j-1].EndLine+ctx)
		var body []string
		newCount := 0
		oldLastIdx := -1 // body index of the file's last old line
		cur := oldStart
		for k := i; k < j; k++ {
			e := kept[k]
			for ; cur < e.StartLine; cur++ {
				body = append(body, " "+lines[cur-1])
				newCount++
			}
			for l := e.StartLine; l <= e.EndLine; l++ {
				if l == len(lines) {
					oldLastIdx = len(body)
				}
				body = append(body, "-"+lines[l-1])
			}
			for _, t := range newText(e) {
				body = append(body, "+"+t)
				newCount++
			}
			cur = e.EndLine + 1
		}
		for ; cur <= oldEnd; cur++ {
			if cur == len(lines) {
				oldLastIdx = len(body)
			}
			body = append(body, " "+lines[cur-1])
			newCount++
		}
		oldCount := oldEnd - oldStart + 1
		newStart := oldStart + shift
		if newCount == 0 {
			newStart--
		}
		fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@\n", oldStart, oldCount, newStart, newCount)
		const noNewline = "\\ No newline at end of file\n"
		for n, l := range body {
			b.WriteString(l + "\n")
			if noEOL && n == oldLastIdx {
				b.WriteString(noNewline)
			}
		}
		// The old last line was replaced: the new last line keeps its
		// missing newline too.
		if noEOL && oldLastIdx >= 0 && oldLastIdx < len(body)-1 && strings.HasPrefix(body[oldLastIdx], "-") && strings.HasPrefix(body[len(body)-1], "+") {
			b.WriteString(noNewline)
		}
		shift += newCount - oldCount
		i = j
	}
	return b.String(), nil
}
