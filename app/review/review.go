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
	// several files, lines an earlier suggestion changes): for the patch.
	Outside []checks.Finding
	// Fingerprints of the comments, to record once the review is posted.
	Fingerprints []string
	// Applied are the edits the suggestions make, those posted before
	// included: the patch of the Outside fixes is made on top of them
	// (FormatPatch).
	Applied []checks.Edit
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
// inline suggestion, is skipped, or goes to the patch (Outside). The fixes
// are expected to be one consistent change (checks.ReconcileFixes): two
// edits either the same or on different lines.
//
//   - A fix becomes one suggestion when its edits, on one file, replace a
//     contiguous run of lines (one edit, or several on adjacent lines,
//     merged) that all lie on the RIGHT side of that file's diff hunks.
//     Insertions are already written as a rewrite of their anchor line
//     (dockerfile.File.InsertAfter/InsertBefore), so they are suggested on
//     that line.
//   - A fix whose every edit an earlier suggestion makes already (two
//     fixes combined into one edit) needs no suggestion of its own.
//   - A fix with an edit on lines of an earlier suggestion goes Outside:
//     GitHub cannot apply two suggestions to one line. The patch makes
//     the rest of it.
//   - A fix whose fingerprint is in posted was suggested before: it is
//     skipped (and still holds its lines against later overlapping fixes).
//   - Anything else (lines outside the diff, edits on several files or on
//     lines that are not adjacent, invalid ranges) goes Outside.
//
// Comments are sorted by path and line; Fingerprints follow the same
// order.
func MakePlan(findings []checks.Finding, files map[string]*Hunks, posted map[string]bool) Plan {
	var p Plan
	for _, f := range findings {
		if f.Fix == nil || len(f.Fix.Edits) == 0 {
			continue
		}
		if every(f.Fix.Edits, func(e checks.Edit) bool { return slices.ContainsFunc(p.Applied, sameEdit(e)) }) {
			continue
		}
		e, ok := mergeEdits(f.Fix.Edits)
		if !ok || !files[e.Path].ContainsRight(e.StartLine, e.EndLine) || overlapsAny(e, p.Applied) {
			p.Outside = append(p.Outside, f)
			continue
		}
		p.Applied = append(p.Applied, f.Fix.Edits...)
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

// every reports whether ok holds for each edit.
func every(es []checks.Edit, ok func(checks.Edit) bool) bool {
	for _, e := range es {
		if !ok(e) {
			return false
		}
	}
	return true
}

// sameEdit returns a test for edits that make the same change as e.
func sameEdit(e checks.Edit) func(checks.Edit) bool {
	return func(o checks.Edit) bool {
		return o.Path == e.Path && o.StartLine == e.StartLine && o.EndLine == e.EndLine && o.Delete == e.Delete && (e.Delete || o.Text == e.Text)
	}
}

// overlapsAny reports whether e touches a line one of others edits.
func overlapsAny(e checks.Edit, others []checks.Edit) bool {
	return slices.ContainsFunc(others, func(o checks.Edit) bool {
		return o.Path == e.Path && e.StartLine <= o.EndLine && o.StartLine <= e.EndLine
	})
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

// Patch is a unified diff of the fixes a review does not suggest inline.
type Patch struct {
	// Diff is the diff, git style; "" when there is nothing to change.
	Diff string
	// OnSuggestions is set when Diff changes a file the suggestions change
	// too: it is made against that file with every suggestion committed,
	// and applies once they are.
	OnSuggestions bool
}

// FormatPatch writes a unified diff (git style: --- a/path, +++ b/path,
// three lines of context) that applies every fix of findings, files in
// path order, on top of the edits the review's suggestions make (applied,
// see Plan): commit the suggestions, then `git apply` the patch. read
// returns a file's current contents.
//
// An edit a suggestion makes already, or an earlier fix of the patch, is
// not made twice. A fix with an edit on lines a suggestion or an earlier
// fix changes differently is left out whole, so the patch never applies
// half a fix and never touches a line a suggestion touches. An edit
// outside its file's lines is an error.
func FormatPatch(findings []checks.Finding, applied []checks.Edit, read func(path string) ([]byte, error)) (Patch, error) {
	var kept []checks.Edit
	for _, f := range findings {
		if f.Fix == nil {
			continue
		}
		var es []checks.Edit
		ok := true
		for _, e := range f.Fix.Edits {
			if slices.ContainsFunc(applied, sameEdit(e)) || slices.ContainsFunc(kept, sameEdit(e)) {
				continue
			}
			if overlapsAny(e, applied) || overlapsAny(e, kept) || overlapsAny(e, es) {
				ok = false
				break
			}
			es = append(es, e)
		}
		if ok {
			kept = append(kept, es...)
		}
	}
	byPath := map[string][]checks.Edit{}
	for _, e := range kept {
		byPath[e.Path] = append(byPath[e.Path], e)
	}
	var out strings.Builder
	var patch Patch
	for _, p := range slices.Sorted(maps.Keys(byPath)) {
		src, err := read(p)
		if err != nil {
			return Patch{}, fmt.Errorf("patch %s: %w", p, err)
		}
		var sugg []checks.Edit
		for _, e := range applied {
			if e.Path == p {
				sugg = append(sugg, e)
			}
		}
		base, moved, err := applyEdits(string(src), sugg)
		if err != nil {
			return Patch{}, fmt.Errorf("patch %s: the suggestions: %w", p, err)
		}
		edits := byPath[p]
		for i, e := range edits {
			edits[i].StartLine, edits[i].EndLine = moved(e.StartLine), moved(e.EndLine)
		}
		d, err := fileDiff(p, base, edits)
		if err != nil {
			return Patch{}, err
		}
		out.WriteString(d)
		patch.OnSuggestions = patch.OnSuggestions || len(sugg) > 0
	}
	patch.Diff = out.String()
	return patch, nil
}

// applyEdits applies edits (whole-line replacements on distinct lines) to
// src. moved maps a line of src that no edit touches to its number in the
// result.
func applyEdits(src string, edits []checks.Edit) (out string, moved func(int) int, err error) {
	if len(edits) == 0 {
		return src, func(l int) int { return l }, nil
	}
	lines := splitLines(src)
	edits = slices.Clone(edits)
	slices.SortStableFunc(edits, func(a, b checks.Edit) int { return a.StartLine - b.StartLine })
	var res []string
	next := 1
	for _, e := range edits {
		if e.StartLine < next || e.EndLine < e.StartLine || e.EndLine > len(lines) {
			return "", nil, fmt.Errorf("edit of lines %d-%d: outside the file's %d lines or on lines another edit changes", e.StartLine, e.EndLine, len(lines))
		}
		res = append(res, lines[next-1:e.StartLine-1]...)
		if !e.Delete {
			res = append(res, strings.Split(e.Text, "\n")...)
		}
		next = e.EndLine + 1
	}
	res = append(res, lines[next-1:]...)
	out = strings.Join(res, "\n")
	if len(res) > 0 && (strings.HasSuffix(src, "\n") || src == "") {
		out += "\n"
	}
	moved = func(l int) int {
		shift := 0
		for _, e := range edits {
			if e.EndLine >= l {
				break
			}
			n := 0
			if !e.Delete {
				n = strings.Count(e.Text, "\n") + 1
			}
			shift += n - (e.EndLine - e.StartLine + 1)
		}
		return l + shift
	}
	return out, moved, nil
}

// splitLines returns the lines of src without their newlines (none for an
// empty src).
func splitLines(src string) []string {
	if src == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(src, "\n"), "\n")
}

// fileDiff applies edits (whole-line replacements) to src and writes the
// hunks, three lines of context each.
func fileDiff(path, src string, edits []checks.Edit) (string, error) {
	noEOL := !strings.HasSuffix(src, "\n") && src != ""
	lines := splitLines(src)
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
