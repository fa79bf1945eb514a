// Package review turns fixes into a pull request review: suggestions on the
// lines of the diff that GitHub accepts them on, with a fingerprint each so
// a re-run neither duplicates nor loses them, and a patch for the rest.
package review

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/coderready/coderready/checks"
)

// Hunks are the new-file (RIGHT side) line ranges of one file's diff.
type Hunks struct {
	// Right holds every new-file line number in a hunk (added or context).
	right map[int]bool
}

var hunkRE = regexp.MustCompile(`^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@`)

// ParsePatch reads the `patch` field of GitHub's pull request files API:
// unified diff hunks without file headers.
func ParsePatch(patch string) (*Hunks, error) {
	h := &Hunks{right: map[int]bool{}}
	sc := bufio.NewScanner(strings.NewReader(patch))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line, left := 0, 0 // next new-file line; lines left in the hunk's new side
	in := false
	for n := 1; sc.Scan(); n++ {
		s := sc.Text()
		if m := hunkRE.FindStringSubmatch(s); m != nil {
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
		case strings.HasPrefix(s, "+"), strings.HasPrefix(s, " "), s == "":
			if left <= 0 {
				return nil, fmt.Errorf("patch line %d: more new-side lines than the hunk header says", n)
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
	return h, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
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

// Comment is one suggestion, ready for the review API.
type Comment struct {
	Path string
	// Line is the last line the suggestion replaces; StartLine the first
	// when it spans several (0 for one line).
	Line, StartLine int
	// Side is always "RIGHT": suggestions change the new file.
	Side        string
	Body        string
	Fingerprint string
}

// Plan is what to post for a set of findings.
type Plan struct {
	// Comments are the suggestions to post, in path and line order.
	Comments []Comment
	// Outside are the findings whose fixes cannot be suggested inline
	// (lines outside the diff, several edits, overlaps): for the patch.
	Outside []checks.Finding
	// Fingerprints of the comments, to record once the review is posted.
	Fingerprints []string
}

// markerPrefix starts the hidden fingerprint in each suggestion's body.
const markerPrefix = "<!-- coderready:fp="

// Fingerprint identifies a fix: rule, path, the lines it replaces and the
// new text. The same fix on a re-run has the same fingerprint.
func Fingerprint(f checks.Finding, e checks.Edit) string {
	h := sha256.New()
	_, _ = fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00%t\x00%s", f.RuleID, e.Path, e.StartLine, e.EndLine, e.Delete, e.Text)
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// MakePlan decides, for each finding with a fix, whether it becomes an
// inline suggestion (a single edit whose lines all lie in the diff of its
// file, not overlapping an earlier suggestion), is skipped (posted before:
// its fingerprint is in posted) or goes to the patch.
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
		if len(f.Fix.Edits) != 1 {
			p.Outside = append(p.Outside, f)
			continue
		}
		e := f.Fix.Edits[0]
		if !files[e.Path].ContainsRight(e.StartLine, e.EndLine) || overlaps(e.Path, e.StartLine, e.EndLine) {
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
		p.Fingerprints = append(p.Fingerprints, fp)
	}
	slices.SortStableFunc(p.Comments, func(a, b Comment) int {
		if a.Path != b.Path {
			return strings.Compare(a.Path, b.Path)
		}
		return a.Line - b.Line
	})
	return p
}

func body(f checks.Finding, e checks.Edit, fp string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** %s\n\n", f.RuleID, f.Message)
	if f.Fix.Description != "" {
		fmt.Fprintf(&b, "Fix: %s\n\n", f.Fix.Description)
	}
	fence := "```"
	for strings.Contains(e.Text, fence) {
		fence += "`"
	}
	b.WriteString(fence + "suggestion\n")
	if !e.Delete && e.Text != "" {
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

// FormatPatch writes a unified diff (git style, a/ and b/ prefixes) that
// applies every fix of findings; read returns a file's current contents.
// Fixes that overlap one taken earlier in the same file are left out.
func FormatPatch(findings []checks.Finding, read func(path string) ([]byte, error)) (string, error) {
	byPath := map[string][]checks.Edit{}
	var paths []string
	for _, f := range findings {
		if f.Fix == nil {
			continue
		}
		for _, e := range f.Fix.Edits {
			if _, ok := byPath[e.Path]; !ok {
				paths = append(paths, e.Path)
			}
			byPath[e.Path] = append(byPath[e.Path], e)
		}
	}
	slices.Sort(paths)
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
