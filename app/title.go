package app

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/coderready/coderready/checks"
)

// checkTitle is a target's check run title: it names the worst problem the
// pull request adds (its rule's title, as plain text: GitHub renders no
// Markdown there), how often, then what else there is, e.g. "No download
// tool for the Coder agent (+3 warnings)" or "Final stage runs as root (+2
// notes; 1 already on main)". A title that only counts severities says
// nothing a maintainer can act on.
func checkTitle(fresh []checks.Finding, existing int, base string) string {
	var extra []string
	if existing > 0 {
		extra = append(extra, fmt.Sprintf("%d already on %s", existing, base))
	}
	if len(fresh) == 0 {
		if len(extra) == 0 {
			return "Ready for Coder"
		}
		return "No new findings (" + extra[0] + ")"
	}
	fs := slices.Clone(fresh)
	checks.SortFindings(fs)
	slices.SortStableFunc(fs, func(a, b checks.Finding) int { return cmp.Compare(b.Severity, a.Severity) })
	worst := fs[0]
	head := worst.RuleID
	if r := checks.Lookup(worst.RuleID); r != nil {
		head = checks.PlainText(r.Title)
	}
	same := 0
	counts := map[checks.Severity]int{}
	for _, f := range fs {
		if f.RuleID == worst.RuleID && f.Severity == worst.Severity {
			same++
			continue
		}
		counts[f.Severity]++
	}
	if same > 1 {
		head += fmt.Sprintf(", %d places", same)
	}
	var others []string
	for _, s := range []checks.Severity{checks.SeverityError, checks.SeverityWarning, checks.SeverityInfo} {
		if n := counts[s]; n > 0 {
			name := s.String()
			if s == checks.SeverityInfo {
				name = "note"
			}
			others = append(others, fmt.Sprintf("%d %s%s", n, name, plural(n, "", "s")))
		}
	}
	if len(others) > 0 {
		extra = append([]string{"+" + strings.Join(others, ", ")}, extra...)
	}
	if len(extra) > 0 {
		head += " (" + strings.Join(extra, "; ") + ")"
	}
	return clip(head, 255)
}
