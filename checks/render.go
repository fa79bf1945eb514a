package checks

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// ToolName is the name the renderers give the tool.
const ToolName = "coderready"

// ToolURL is the project's home page.
const ToolURL = "https://github.com/coderready/coderready"

// RulesDocURL is where docs/rules.md is published; RuleDocURL appends a
// rule's anchor.
const RulesDocURL = ToolURL + "/blob/main/docs/rules.md"

// RuleDocURL returns the link to a rule's section of docs/rules.md.
func RuleDocURL(id string) string {
	return RulesDocURL + "#" + ruleAnchor(id)
}

// ruleAnchor is the HTML anchor of a rule's section in docs/rules.md.
func ruleAnchor(id string) string { return strings.ToLower(id) }

// placed is a finding with the path it is reported under: its own, or the
// target's when the finding has none.
type placed struct {
	Finding
	target *TargetResult
}

// path is the file (or image reference) the finding is reported under.
func (p placed) path() string {
	if p.Location.Path != "" {
		return p.Location.Path
	}
	return p.target.Path
}

// distinctFindings returns every finding of r once, sorted. A Dockerfile
// built by two devcontainers can yield the same finding twice; it is
// reported once (the first target's copy is kept).
func distinctFindings(r *Result) []placed {
	type key struct {
		rule, msg, path string
		loc             Location
		sev             Severity
	}
	seen := map[key]bool{}
	var out []placed
	for i := range r.Targets {
		t := &r.Targets[i]
		for _, f := range t.Findings {
			p := placed{Finding: f, target: t}
			k := key{rule: f.RuleID, msg: f.Message, path: p.path(), loc: f.Location, sev: f.Severity}
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, p)
		}
	}
	// The order of SortFindings, with the reported path.
	slices.SortStableFunc(out, func(a, b placed) int {
		return cmp.Or(
			cmp.Compare(a.path(), b.path()),
			cmp.Compare(a.Location.StartLine, b.Location.StartLine),
			cmp.Compare(a.Location.StartCol, b.Location.StartCol),
			cmp.Compare(a.RuleID, b.RuleID),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return out
}

// Summary counts what a report holds.
type Summary struct {
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Info     int `json:"info"`
	// Files is the number of distinct files (or images) with findings.
	Files int `json:"files"`
	// Targets is the number of targets checked, with or without findings.
	Targets int `json:"targets"`
}

// Summarize counts the distinct findings of r by severity, the files they
// are in, and the targets checked.
func Summarize(r *Result) Summary {
	return summarize(r, distinctFindings(r))
}

func summarize(r *Result, fs []placed) Summary {
	s := Summary{Targets: len(r.Targets)}
	files := map[string]bool{}
	for _, f := range fs {
		files[f.path()] = true
		switch f.Severity {
		case SeverityError:
			s.Errors++
		case SeverityWarning:
			s.Warnings++
		case SeverityInfo:
			s.Info++
		}
	}
	s.Files = len(files)
	return s
}

// String renders the summary line of text output, e.g.
// "1 error, 2 warnings, 0 info in 2 files (3 targets checked)".
func (s Summary) String() string {
	return fmt.Sprintf("%s, %s, %d info in %s (%s checked)",
		countNoun(s.Errors, "error"), countNoun(s.Warnings, "warning"), s.Info,
		countNoun(s.Files, "file"), countNoun(s.Targets, "target"))
}

// countNoun writes n and the noun, adding an s unless n is 1.
func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
