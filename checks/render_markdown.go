package checks

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxMarkdownBytes is GitHub's limit on a check run's summary.
const MaxMarkdownBytes = 65535

// MarkdownOptions is what a check run summary shows besides the findings.
type MarkdownOptions struct {
	// Diff compares the image with the base branch's; nil when there is
	// none.
	Diff *ImageDiff
	// BaseRef names the base branch in the comparison's heading.
	BaseRef string
	// BuildPath says how the image was made ("docker", "devcontainer-cli",
	// "compose", "image"; "" or "none" when nothing was built).
	BuildPath string
	// BuildDuration is how long the build took.
	BuildDuration time.Duration
	// Patch is a unified diff of fixes that could not be suggested inline.
	Patch string
	// MaxBytes bounds the result (MaxMarkdownBytes when zero).
	MaxBytes int
	// RuleURL links a rule ID to its documentation (RuleDocURL when nil).
	RuleURL func(id string) string
}

// MarkdownTitle is the check run's one-line title: the counts of findings
// by severity, or that the target is ready for Coder.
func MarkdownTitle(t *TargetResult) string {
	n := map[Severity]int{}
	for _, f := range t.Findings {
		n[f.Severity]++
	}
	var parts []string
	for _, s := range []Severity{SeverityError, SeverityWarning, SeverityInfo} {
		if n[s] == 0 {
			continue
		}
		name := s.String()
		if s == SeverityInfo {
			name = "note"
		}
		if n[s] > 1 {
			name += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n[s], name))
	}
	if len(parts) == 0 {
		return "Ready for Coder"
	}
	return strings.Join(parts, ", ")
}

// RenderMarkdown writes a target's check run summary: the verdict, the
// findings table, the image's facts, what changed against the base branch,
// how it was built, and the patch of fixes that are not suggested inline.
// It never exceeds MaxBytes: the patch goes first, then table rows, each
// replaced by a line saying what was left out; code fences stay balanced.
func RenderMarkdown(t *TargetResult, o MarkdownOptions) string {
	maxBytes := o.MaxBytes
	if maxBytes <= 0 {
		maxBytes = MaxMarkdownBytes
	}
	if o.RuleURL == nil {
		o.RuleURL = RuleDocURL
	}
	fs := slices.Clone(t.Findings)
	slices.SortStableFunc(fs, func(a, b Finding) int { return int(b.Severity) - int(a.Severity) })

	head := mdVerdict(t)
	tail := mdImage(t.Image) + mdDiff(o.Diff, o.BaseRef) + mdBuild(o.BuildPath, o.BuildDuration)
	patch := mdPatch(o.Patch)

	rows := make([]string, len(fs))
	for i, f := range fs {
		rows[i] = mdRow(f, o.RuleURL)
	}
	build := func(nRows int, withPatch bool) string {
		var b strings.Builder
		b.WriteString(head)
		if len(rows) > 0 {
			b.WriteString("\n| | Rule | Where | Finding |\n| --- | --- | --- | --- |\n")
			for _, r := range rows[:nRows] {
				b.WriteString(r)
			}
			if nRows < len(rows) {
				fmt.Fprintf(&b, "\n…and %d more finding%s (see the annotations).\n", len(rows)-nRows, plural(len(rows)-nRows))
			}
		}
		b.WriteString(tail)
		if withPatch {
			b.WriteString(patch)
		} else if patch != "" {
			b.WriteString("\n### Fixes\n\nThe patch of the fixes is too long for this summary; each fix is in its annotation.\n")
		}
		return b.String()
	}
	if s := build(len(rows), true); len(s) <= maxBytes {
		return s
	}
	// Without the patch, find the most rows that fit.
	lo, hi := 0, len(rows)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if len(build(mid, false)) <= maxBytes {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	s := build(lo, false)
	if len(s) > maxBytes {
		// Even without rows it is too long (a huge head or tail): cut on
		// a rune boundary, outside any fence (the tail has none open).
		s = truncateRunes(s, maxBytes-len("\n\n…(truncated)\n")) + "\n\n…(truncated)\n"
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func mdVerdict(t *TargetResult) string {
	var b strings.Builder
	errs, warns := 0, 0
	for _, f := range t.Findings {
		switch f.Severity {
		case SeverityError:
			errs++
		case SeverityWarning:
			warns++
		}
	}
	switch {
	case errs > 0:
		fmt.Fprintf(&b, "**`%s` is not ready for Coder**: %s.\n", mdCode(t.Path), strings.ToLower(MarkdownTitle(t)))
	case warns > 0:
		fmt.Fprintf(&b, "**`%s` works in Coder, with warnings**: %s.\n", mdCode(t.Path), strings.ToLower(MarkdownTitle(t)))
	case len(t.Findings) > 0:
		fmt.Fprintf(&b, "**`%s` is ready for Coder** (%s).\n", mdCode(t.Path), strings.ToLower(MarkdownTitle(t)))
	default:
		fmt.Fprintf(&b, "**`%s` is ready for Coder.** No findings.\n", mdCode(t.Path))
	}
	if t.Dockerfile != "" {
		fmt.Fprintf(&b, "\nBuilds from `%s`.\n", mdCode(t.Dockerfile))
	}
	return b.String()
}

var severityIcon = map[Severity]string{SeverityError: "❌ error", SeverityWarning: "⚠️ warning", SeverityInfo: "ℹ️ note"}

func mdRow(f Finding, ruleURL func(string) string) string {
	where := mdCell(f.Location.Path)
	if f.Location.StartLine > 0 {
		where += fmt.Sprintf(":%d", f.Location.StartLine)
	}
	rule := f.RuleID
	if u := ruleURL(f.RuleID); u != "" {
		rule = fmt.Sprintf("[%s](%s)", f.RuleID, u)
	}
	msg := mdCell(f.Message)
	if f.Fix != nil && f.Fix.Description != "" {
		msg += "<br>Fix: " + mdCell(f.Fix.Description)
	}
	return fmt.Sprintf("| %s | %s | `%s` | %s |\n", severityIcon[f.Severity], rule, strings.ReplaceAll(where, "`", "'"), msg)
}

// mdCell escapes text for a table cell: pipes, HTML, and newlines.
func mdCell(s string) string {
	r := strings.NewReplacer("|", "\\|", "<", "&lt;", ">", "&gt;", "\r", "", "\n", "<br>")
	if len(s) > 1000 {
		s = truncateRunes(s, 1000) + "…"
	}
	return r.Replace(s)
}

// mdCode keeps text inside an inline code span.
func mdCode(s string) string { return strings.ReplaceAll(s, "`", "'") }

func mdImage(s *ImageSummary) string {
	if s == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n### The image\n\n| | |\n| --- | --- |\n")
	row := func(k, v string) { fmt.Fprintf(&b, "| %s | %s |\n", k, mdCell(v)) }
	row("Image", s.Ref)
	row("Platform", s.Platform)
	if s.OS != "" {
		os := s.OS
		if s.PackageManager != "" {
			os += " (" + s.PackageManager + ")"
		}
		row("OS", os)
	}
	row("libc", s.Libc)
	user := s.User
	if user == "" {
		user = "root"
	}
	row("User", user)
	dl := s.DownloadTool
	if dl == "" {
		dl = "none: the Coder agent cannot be downloaded"
	}
	row("Agent download", dl)
	var tools []string
	for _, name := range SummaryTools {
		if _, ok := s.Tools[name]; ok {
			tools = append(tools, name)
		}
	}
	if len(tools) == 0 {
		tools = []string{"none"}
	}
	row("Tools", strings.Join(tools, ", "))
	if s.CACertificates > 0 {
		row("CA certificates", fmt.Sprintf("%d (%s)", s.CACertificates, s.CABundle))
	} else {
		row("CA certificates", "none")
	}
	row("Size", fmt.Sprintf("%s in %d layers", HumanBytes(s.Size), len(s.Layers)))
	return b.String()
}

func mdDiff(d *ImageDiff, baseRef string) string {
	if d == nil || d.Old == nil || d.New == nil {
		return ""
	}
	var b strings.Builder
	against := "the base branch"
	if baseRef != "" {
		against = "`" + mdCode(baseRef) + "`"
	}
	fmt.Fprintf(&b, "\n### Changed against %s\n\n", against)
	if d.Empty() {
		b.WriteString("No differences Coder cares about.\n")
	}
	sign := "+"
	if d.SizeDelta < 0 {
		sign = "−"
	}
	fmt.Fprintf(&b, "- Size: %s → %s (%s%s)\n", HumanBytes(d.Old.Size), HumanBytes(d.New.Size), sign, HumanBytes(abs(d.SizeDelta)))
	fmt.Fprintf(&b, "- Layers: %d → %d (%d added, %d removed)\n", len(d.Old.Layers), len(d.New.Layers), len(d.LayersAdded), len(d.LayersRemoved))
	if len(d.ToolsGained) > 0 {
		fmt.Fprintf(&b, "- Tools gained: %s\n", mdCell(strings.Join(d.ToolsGained, ", ")))
	}
	if len(d.ToolsLost) > 0 {
		fmt.Fprintf(&b, "- **Tools lost: %s**\n", mdCell(strings.Join(d.ToolsLost, ", ")))
	}
	if d.UserChanged {
		fmt.Fprintf(&b, "- User: %s → %s\n", mdCell(userName(d.Old.User)), mdCell(userName(d.New.User)))
	}
	if len(d.CAAdded)+len(d.CARemoved) > 0 {
		fmt.Fprintf(&b, "- CA certificates: %d added, %d removed\n", len(d.CAAdded), len(d.CARemoved))
	}
	for _, c := range d.Changes {
		fmt.Fprintf(&b, "- %s\n", mdCell(c))
	}
	return b.String()
}

func mdBuild(path string, d time.Duration) string {
	switch path {
	case "", "none":
		return "\nNot built: the findings come from the files and the base image.\n"
	}
	how := map[string]string{
		"docker":           "with the Docker engine",
		"devcontainer-cli": "with the Dev Containers CLI (features applied)",
		"compose":          "from its Docker Compose service",
		"image":            "not built: the image was read as it is",
	}[path]
	if how == "" {
		how = "with " + path
	}
	if path == "image" {
		return "\nThe image was read as it is (no build).\n"
	}
	return fmt.Sprintf("\nBuilt %s in %s.\n", how, d.Round(100*time.Millisecond))
}

func mdPatch(p string) string {
	if p == "" {
		return ""
	}
	fence := "```"
	for strings.Contains(p, fence) {
		fence += "`"
	}
	return "\n### Fixes outside the diff\n\nThese fixes touch lines the pull request does not change, so they cannot be suggested inline. Apply them with `git apply`:\n\n" +
		fence + "diff\n" + strings.TrimSuffix(p, "\n") + "\n" + fence + "\n"
}

// truncateRunes cuts s to at most n bytes without splitting a rune.
func truncateRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 {
		r, size := utf8.DecodeLastRuneInString(s)
		if r != utf8.RuneError || size > 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}
