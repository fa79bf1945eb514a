package checks

import (
	"cmp"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coderready/coderready/probe"
)

// MaxMarkdownBytes is GitHub's limit on a check run's summary (and text).
const MaxMarkdownBytes = 65535

// maxTitleBytes is GitHub's limit on a check run output's title.
const maxTitleBytes = 255

// MarkdownOptions is what a check run summary shows besides the findings.
type MarkdownOptions struct {
	// Diff compares the image with the base branch's; nil when there is
	// none.
	Diff *ImageDiff
	// BaseRef names the base branch in the comparison's heading.
	BaseRef string
	// Patch is a unified diff of fixes that could not be suggested inline.
	Patch string
	// PatchOnSuggestions says Patch is made on top of the review's
	// suggestions: it applies once they are committed.
	PatchOnSuggestions bool
	// MaxBytes bounds the result (MaxMarkdownBytes when zero or less).
	MaxBytes int
	// RuleURL links a rule ID to its documentation (RuleDocURL when nil; a
	// function returning "" leaves the ID unlinked).
	RuleURL func(id string) string
	// LineURL, when set, links a finding's `path:line` to the file, such
	// as https://github.com/OWNER/REPO/blob/SHA/PATH#L12 (line is 0 when
	// the finding has none; "" leaves it unlinked).
	LineURL func(path string, line int) string
	// Phases, when set, say where the time went, in order (the target's
	// own Timings are shown without them).
	Phases []Phase
	// Existing, when set, tells the findings the base branch has too:
	// they are listed apart, under "Already on BaseRef", after the new
	// ones, and the verdict speaks of the new ones only.
	Existing func(Finding) bool
}

// Phase is a named part of a check's time.
type Phase struct {
	Name    string
	Seconds float64
}

// TargetPhases are a target's Timings as phases, those that took time.
func TargetPhases(t *Timings) []Phase {
	if t == nil {
		return nil
	}
	var out []Phase
	for _, p := range []Phase{{"base images", t.BaseRead}, {"build", t.Build}, {"image read", t.ImageRead}, {"probe", t.Probe}, {"checks", t.Checks}} {
		if p.Seconds > 0 {
			out = append(out, p)
		}
	}
	return out
}

// mdPhases is one line of where the time went: "Time: build 9.8s ·
// image read 400ms · checks 12ms."
func mdPhases(ps []Phase) string {
	if len(ps) == 0 {
		return ""
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("%s %s", p.Name, humanSeconds(p.Seconds))
	}
	return "\nTime: " + strings.Join(parts, " · ") + ".\n"
}

// humanSeconds shows a duration to a tenth of a second, or in
// milliseconds below that.
func humanSeconds(s float64) string {
	if s < 0.1 {
		return fmt.Sprintf("%dms", int(s*1000+0.5))
	}
	return time.Duration(s * float64(time.Second)).Round(100 * time.Millisecond).String()
}

// MarkdownTitle is the check run's one-line title: the counts of findings
// by severity ("2 errors, 1 warning, 3 notes"), or "Ready for Coder" when
// there are none. It is at most 255 bytes, GitHub's limit.
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
		parts = append(parts, fmt.Sprintf("%d %s%s", n[s], name, plural(n[s])))
	}
	if len(parts) == 0 {
		return "Ready for Coder"
	}
	return TruncateRunes(strings.Join(parts, ", "), maxTitleBytes)
}

// RenderMarkdown writes a target's check run summary in GitHub Markdown: a
// one-line verdict, the findings table (most severe first; rule IDs linked
// to their documentation, `path:line` linked when LineURL is set), the
// supporting details of findings that have them, the image's facts, what
// changed against the base branch's image, how the image was built, and
// the patch of fixes that could not be suggested inline.
//
// Text from findings is escaped: it can neither break the table nor inject
// HTML, links or emphasis.
//
// The result never exceeds MaxBytes. When everything does not fit, the
// findings' details go first (they are in the annotations too), then the
// patch, then table rows from the least severe, each replaced by a line
// saying what was left out; code fences stay balanced and no rune is
// split.
func RenderMarkdown(t *TargetResult, o MarkdownOptions) string {
	maxBytes := o.MaxBytes
	if maxBytes <= 0 {
		maxBytes = MaxMarkdownBytes
	}
	if o.RuleURL == nil {
		o.RuleURL = RuleDocURL
	}
	bySeverity := func(a, b Finding) int { return cmp.Compare(b.Severity, a.Severity) }
	fs := slices.Clone(t.Findings)
	var old []Finding
	if o.Existing != nil {
		old = slices.DeleteFunc(slices.Clone(fs), func(f Finding) bool { return !o.Existing(f) })
		fs = slices.DeleteFunc(fs, o.Existing)
	}
	// New findings first, then existing ones: rows are cut from the end.
	nNew := len(fs)
	slices.SortStableFunc(fs, bySeverity)
	slices.SortStableFunc(old, bySeverity)
	nt := *t
	nt.Findings = fs
	head := mdVerdict(&nt)
	if len(old) > 0 {
		if nNew == 0 {
			head = strings.Replace(head, "No findings.", "No new findings.", 1)
		}
		head += fmt.Sprintf("\n%d finding%s already on %s: listed apart, below the new ones.\n", len(old), plural(len(old)), mdBaseName(o.BaseRef))
	}
	fs = append(fs, old...)

	phases := o.Phases
	if phases == nil {
		phases = TargetPhases(t.Timings)
	}
	tail := mdImage(t.Image) + mdDiff(o.Diff, o.BaseRef) + mdBuild(t.Build) + mdProbe(t.Probe) + mdPhases(phases)
	details := mdDetails(fs)
	patch := mdPatch(o.Patch, o.PatchOnSuggestions)

	rows := make([]string, len(fs))
	for i, f := range fs {
		rows[i] = mdRow(f, o.RuleURL, o.LineURL)
	}
	build := func(nRows int, withDetails, withPatch bool) string {
		var b strings.Builder
		b.WriteString(head)
		if len(rows) > 0 {
			if nNew > 0 || nRows == 0 {
				if len(old) > 0 {
					b.WriteString("\n### New in this pull request\n")
				}
				b.WriteString("\n| | Rule | Where | Finding |\n| --- | --- | --- | --- |\n")
			}
			for i, r := range rows[:nRows] {
				if i == nNew {
					fmt.Fprintf(&b, "\n### Already on %s\n\n| | Rule | Where | Finding |\n| --- | --- | --- | --- |\n", mdBaseName(o.BaseRef))
				}
				b.WriteString(r)
			}
			if left := len(rows) - nRows; left > 0 {
				fmt.Fprintf(&b, "\n…and %d more finding%s (see annotations).\n", left, plural(left))
			}
		}
		if withDetails {
			b.WriteString(details)
		} else if details != "" {
			b.WriteString("\n_The findings' details are in their annotations._\n")
		}
		b.WriteString(tail)
		if withPatch {
			b.WriteString(patch)
		} else if patch != "" {
			b.WriteString("\n" + patchHeading + "\n\nThe patch is too long for this summary; each fix is described in its annotation.\n")
		}
		return b.String()
	}
	// Details are in the annotations too, so they go before the patch; a
	// patch too long even alone goes, and the details come back.
	for _, try := range [][2]bool{{true, true}, {false, true}, {true, false}, {false, false}} {
		if s := build(len(rows), try[0], try[1]); len(s) <= maxBytes {
			return s
		}
	}
	// Without details or patch, keep the most rows that fit.
	lo, hi := 0, len(rows)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if len(build(mid, false, false)) <= maxBytes {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	s := build(lo, false, false)
	if len(s) > maxBytes {
		// Even without rows it is too long (a tiny MaxBytes): cut on a
		// rune boundary. What is left has no code fence to leave open.
		const cut = "\n\n…(truncated)\n"
		if maxBytes < len(cut) {
			return TruncateRunes(s, maxBytes)
		}
		s = TruncateRunes(s, maxBytes-len(cut)) + cut
	}
	return s
}

// mdBaseName names the base branch in a heading: `main`, or "the base
// branch" when it is not known.
func mdBaseName(ref string) string {
	if ref == "" {
		return "the base branch"
	}
	return mdCodeSpan(ref)
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
	path := mdCodeSpan(t.Path)
	counts := strings.ToLower(MarkdownTitle(t))
	switch {
	case errs > 0:
		fmt.Fprintf(&b, "**%s is not ready for Coder**: %s.\n", path, counts)
	case warns > 0:
		fmt.Fprintf(&b, "**%s works in Coder, with warnings**: %s.\n", path, counts)
	case len(t.Findings) > 0:
		fmt.Fprintf(&b, "**%s is ready for Coder** (%s).\n", path, counts)
	default:
		fmt.Fprintf(&b, "**%s is ready for Coder.** No findings.\n", path)
	}
	if t.Dockerfile != "" {
		fmt.Fprintf(&b, "\nBuilds from %s.\n", mdCodeSpan(t.Dockerfile))
	}
	return b.String()
}

var severityIcon = map[Severity]string{SeverityError: "❌ error", SeverityWarning: "⚠️ warning", SeverityInfo: "ℹ️ note"}

func mdRow(f Finding, ruleURL func(string) string, lineURL func(string, int) string) string {
	rule := mdEscape(f.RuleID, true)
	if u := ruleURL(f.RuleID); u != "" {
		rule = fmt.Sprintf("[%s](%s)", rule, mdURL(u))
	}
	where := mdCodeSpan(mdWhere(f.Location))
	if lineURL != nil {
		if u := lineURL(f.Location.Path, f.Location.StartLine); u != "" {
			where = fmt.Sprintf("[%s](%s)", where, mdURL(u))
		}
	}
	msg := mdCell(f.Message)
	if n := f.EvidenceNote(); n != "" {
		msg += " _(" + mdCell(n) + ")_"
	}
	if f.Fix != nil && f.Fix.Description != "" {
		msg += "<br>Fix: " + mdCell(f.Fix.Description)
	}
	return fmt.Sprintf("| %s | %s | %s | %s |\n", severityIcon[f.Severity], rule, strings.ReplaceAll(where, "|", `\|`), msg)
}

// mdWhere is a location as people write it: path:line.
func mdWhere(l Location) string {
	if l.StartLine > 0 {
		return fmt.Sprintf("%s:%d", l.Path, l.StartLine)
	}
	return l.Path
}

// maxCellBytes bounds one table cell's text before escaping.
const maxCellBytes = 1000

// mdCell escapes text for a table cell, clipped to maxCellBytes.
func mdCell(s string) string {
	if len(s) > maxCellBytes {
		s = TruncateRunes(s, maxCellBytes) + "…"
	}
	return mdEscape(s, true)
}

// MarkdownEscape makes text from a finding (a message, a fix description)
// safe in a GitHub Markdown paragraph: outside `code spans` it escapes HTML
// (&, <, >) and the punctuation that makes links, images, emphasis and
// strike-through; code spans are kept, as GitHub shows them literally; line
// breaks become <br> (spaces inside a code span). Rules write code spans
// on purpose, so they survive; an unmatched backtick is escaped.
func MarkdownEscape(s string) string { return mdEscape(s, false) }

// mdEscape is MarkdownEscape; in a table cell (cell) pipes are escaped
// too, inside code spans as well (GitHub's tables split on them first).
func mdEscape(s string, cell bool) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '`' {
			n := backticks(s[i:])
			if end := closingBackticks(s[i+n:], n); end >= 0 {
				code := s[i+n : i+n+end]
				code = strings.NewReplacer("\n", " ", "\r", " ").Replace(code)
				if cell {
					code = strings.ReplaceAll(code, "|", `\|`)
				}
				b.WriteString(s[i:i+n] + code + s[i:i+n])
				i += n + end + n
				continue
			}
			b.WriteString(strings.Repeat("\\`", n))
			i += n
			continue
		}
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\n':
			b.WriteString("<br>")
		case '\r':
		case '\\', '[', ']', '*', '_', '~', '|':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
		i++
	}
	return b.String()
}

// backticks counts the backticks s starts with.
func backticks(s string) int {
	n := 0
	for n < len(s) && s[n] == '`' {
		n++
	}
	return n
}

// closingBackticks finds the index in s of a run of exactly n backticks,
// which closes a code span opened by n; -1 when there is none.
func closingBackticks(s string, n int) int {
	for i := 0; i < len(s); {
		if s[i] != '`' {
			i++
			continue
		}
		m := backticks(s[i:])
		if m == n {
			return i
		}
		i += m
	}
	return -1
}

// mdCodeSpan shows s as one inline code span that nothing in s can close
// (its backticks become quotes) and that never spans lines.
func mdCodeSpan(s string) string {
	s = strings.NewReplacer("`", "'", "\n", " ", "\r", " ").Replace(s)
	if s == "" {
		return "` `"
	}
	return "`" + s + "`"
}

// mdURL keeps a link destination from ending the link early.
func mdURL(u string) string {
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "|", "%7C", "`", "%60").Replace(u)
}

// maxDetailsBytes bounds one finding's details in the summary.
const maxDetailsBytes = 4000

// mdDetails shows the findings' supporting text (a build log's tail, the
// largest layers) folded, one block each.
func mdDetails(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		d := strings.Trim(strings.ReplaceAll(f.Details, "\r\n", "\n"), "\n")
		if d == "" {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("\n### Details\n")
		}
		if len(d) > maxDetailsBytes {
			d = TruncateRunes(d, maxDetailsBytes) + "\n…"
		}
		fmt.Fprintf(&b, "\n<details><summary>%s at %s</summary>\n\n%s\n\n</details>\n",
			html.EscapeString(f.RuleID), html.EscapeString(mdWhere(f.Location)), mdFence("text", d))
	}
	return b.String()
}

// mdFence puts text in a fenced code block whose fence nothing in the text
// can close.
func mdFence(info, text string) string {
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	return fence + info + "\n" + strings.TrimSuffix(text, "\n") + "\n" + fence
}

func mdImage(s *ImageSummary) string {
	if s == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n### The image\n\n| | |\n| --- | --- |\n")
	row := func(k, v string) { fmt.Fprintf(&b, "| %s | %s |\n", k, v) }
	row("Image", mdCodeSpan(s.Ref))
	row("Platform", mdCell(s.Platform))
	if s.OS != "" {
		os := s.OS
		if s.PackageManager != "" {
			os += " (" + s.PackageManager + ")"
		}
		row("OS", mdCell(os))
	}
	row("libc", mdCell(orNone(s.Libc)))
	row("User", mdUser(s.User))
	if s.DownloadTool == "" {
		row("Agent download", "**none**: no curl, wget or busybox, so the Coder agent cannot be downloaded")
	} else {
		row("Agent download", mdCodeSpan(s.DownloadTool))
	}
	if p, ok := s.Tools["git"]; ok {
		row("git", mdCodeSpan(p))
	} else {
		row("git", "**missing**")
	}
	var shells, others []string
	for _, name := range SummaryTools {
		if _, ok := s.Tools[name]; !ok {
			continue
		}
		switch name {
		case "git":
		case "sh", "bash", "zsh":
			shells = append(shells, name)
		default:
			others = append(others, name)
		}
	}
	if len(shells) == 0 {
		row("Shells", "**none**: the agent's bootstrap script needs `/bin/sh`")
	} else {
		row("Shells", mdCell(strings.Join(shells, ", ")))
	}
	row("Other tools", mdCell(orNone(strings.Join(others, ", "))))
	if s.CACertificates > 0 {
		ca := fmt.Sprintf("%d", s.CACertificates)
		if s.CABundle != "" {
			ca += " in " + mdCodeSpan(s.CABundle)
		}
		row("CA certificates", ca)
	} else {
		row("CA certificates", "none")
	}
	row("Size", fmt.Sprintf("%s in %d layer%s", HumanBytes(s.Size), len(s.Layers), plural(len(s.Layers))))
	return b.String()
}

// mdUser shows an image's config user; unset means root.
func mdUser(u string) string {
	if u == "" {
		return "root (no `USER`)"
	}
	return mdCodeSpan(u)
}

// maxDiffLayers bounds the layers a summary lists under each heading
// (rebuilt, added, removed).
const maxDiffLayers = 5

// signedBytes is a size change with its sign: "+1.2 MiB", "−72.0 KiB".
func signedBytes(n int64) string {
	if n < 0 {
		return "−" + HumanBytes(-n)
	}
	return "+" + HumanBytes(n)
}

// Builders write an image's history differently: BuildKit as "RUN
// /bin/sh -c CMD # buildkit", the classic builder as "/bin/sh -c CMD" or
// "/bin/sh -c #(nop) COPY …", both with "|N ARG=v …" before the shell when
// build arguments were set.
var (
	historyArgs  = regexp.MustCompile(`^\|\d+(?: \S+=\S*)* `)
	historyShell = regexp.MustCompile(`^/bin/(?:ba)?sh -c `)
)

// LayerInstruction is the Dockerfile instruction a layer's history entry
// records, as it was written: "RUN apt-get install -y curl" for every
// builder's spelling of it, whitespace collapsed.
func LayerInstruction(createdBy string) string {
	s := strings.Join(strings.Fields(createdBy), " ")
	s = strings.TrimSpace(strings.TrimSuffix(s, "# buildkit"))
	run := false
	if rest, ok := strings.CutPrefix(s, "RUN "); ok {
		s, run = rest, true
	}
	s = historyArgs.ReplaceAllString(s, "")
	if rest, ok := strings.CutPrefix(s, "#(nop) "); ok {
		return rest
	}
	if m := historyShell.FindString(s); m != "" {
		s = s[len(m):]
		if rest, ok := strings.CutPrefix(s, "#(nop) "); ok {
			return strings.TrimSpace(rest)
		}
		return "RUN " + s
	}
	if run {
		return "RUN " + s
	}
	return s
}

func mdDiff(d *ImageDiff, baseRef string) string {
	if d == nil || d.Old == nil || d.New == nil {
		return ""
	}
	var b strings.Builder
	against := "the base branch"
	if baseRef != "" {
		against = mdCodeSpan(baseRef)
	}
	fmt.Fprintf(&b, "\n### Changed against %s\n\n", against)
	if d.Empty() {
		b.WriteString("No differences Coder cares about.\n\n")
	}
	if d.SizeDelta == 0 {
		fmt.Fprintf(&b, "- Size: unchanged (%s)\n", HumanBytes(d.New.Size))
	} else {
		fmt.Fprintf(&b, "- Size: %s net (%s → %s)\n", signedBytes(d.SizeDelta), HumanBytes(d.Old.Size), HumanBytes(d.New.Size))
	}
	fmt.Fprintf(&b, "- Layers: %d → %d\n", len(d.Old.Layers), len(d.New.Layers))
	for _, c := range layerChanges(d.LayersAdded, d.LayersRemoved, maxDiffLayers) {
		fmt.Fprintf(&b, "  - %s\n", c.describe(100, mdCodeSpan))
	}
	if len(d.ToolsGained) > 0 {
		fmt.Fprintf(&b, "- Tools gained: %s\n", mdCell(strings.Join(d.ToolsGained, ", ")))
	}
	if len(d.ToolsLost) > 0 {
		fmt.Fprintf(&b, "- **Tools lost: %s**\n", mdCell(strings.Join(d.ToolsLost, ", ")))
	}
	if d.UserChanged {
		fmt.Fprintf(&b, "- User: %s → %s\n", mdUser(d.Old.User), mdUser(d.New.User))
	}
	if len(d.CAAdded)+len(d.CARemoved) > 0 {
		fmt.Fprintf(&b, "- CA certificates: %d → %d (%d added, %d removed)\n", d.Old.CACertificates, d.New.CACertificates, len(d.CAAdded), len(d.CARemoved))
	}
	for _, c := range d.Changes {
		fmt.Fprintf(&b, "- %s\n", mdCell(c))
	}
	return b.String()
}

func mdBuild(b *BuildRecord) string {
	var path, engine string
	if b != nil {
		path, engine = b.Path, b.Engine
	}
	d, failed := b.Duration(), b != nil && b.Failed
	switch path {
	case "", "none":
		return "\nNot built: the findings come from the files and the base image.\n"
	case "image":
		return "\nThe image was read as it is (no build).\n"
	}
	how := map[string]string{
		"docker":           "with the Docker engine",
		"devcontainer-cli": "with the Dev Containers CLI (features applied)",
		"compose":          "from its Docker Compose service",
	}[path]
	if how == "" {
		how = "with " + mdCell(path)
	}
	switch engine {
	case "buildkit":
		how += " (BuildKit)"
	case "classic":
		how += " (classic builder)"
	}
	if failed {
		return fmt.Sprintf("\nBuilding %s failed after %s; the image checks judged the base image.\n", how, d.Round(100*time.Millisecond))
	}
	return fmt.Sprintf("\nBuilt %s in %s.\n", how, d.Round(100*time.Millisecond))
}

// patchHeading heads the patch of the fixes not suggested inline.
const patchHeading = "### Fixes not suggested inline"

// mdPatch shows the patch of the fixes not suggested inline, and how to
// apply it: after the suggestions when it is made on top of them.
// mdProbe is the agent bootstrap probe's line: what it proved, or why it
// did not run. A failure's details are in its finding.
func mdProbe(r *probe.Result) string {
	switch {
	case r == nil:
		return ""
	case r.OK:
		return "\n✅ " + mdEscape(r.String(), false) + ".\n"
	case r.Skipped != "":
		return "\n" + mdEscape(r.String(), false) + ".\n"
	}
	return "\n❌ " + mdEscape(r.String(), false) + " (see the CR4xx finding).\n"
}

func mdPatch(p string, onSuggestions bool) string {
	if p == "" {
		return ""
	}
	how := "Apply them with `git apply`:"
	if onSuggestions {
		how = "The patch is made on top of the review's suggestions and changes none of their lines: commit the suggestions first, then apply it with `git apply`:"
	}
	return "\n" + patchHeading + "\n\nThese fixes are not suggested inline. " + how + "\n\n" + mdFence("diff", p) + "\n"
}

// TruncateRunes cuts s to at most n bytes without splitting a rune (GitHub
// counts the limits of check run fields in bytes).
func TruncateRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// PlainText is text from a finding without the backticks of its Markdown
// code spans ("no `curl` on PATH" becomes "no curl on PATH"), for outputs
// that show text as it is: check run titles and annotations, where GitHub
// renders no Markdown. An unmatched backtick is kept.
func PlainText(s string) string {
	if !strings.Contains(s, "`") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '`' {
			b.WriteByte(s[i])
			i++
			continue
		}
		n := backticks(s[i:])
		end := closingBackticks(s[i+n:], n)
		if end < 0 {
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		code := s[i+n : i+n+end]
		// CommonMark strips one space each side of a span that has both
		// (the way to write a span that starts with a backtick).
		if len(code) >= 2 && code[0] == ' ' && code[len(code)-1] == ' ' && strings.Trim(code, " ") != "" {
			code = code[1 : len(code)-1]
		}
		b.WriteString(code)
		i += n + end + n
	}
	return b.String()
}
