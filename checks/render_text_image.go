package checks

import (
	"fmt"
	"slices"
	"strings"
)

// image writes an image summary block: what a person checks first.
func (t *textRenderer) image(s *ImageSummary) {
	fmt.Fprintf(&t.buf, "%s %s\n", t.paint(ansiBold, "image"), s.Ref)
	row := func(k, v string) { fmt.Fprintf(&t.buf, "  %-14s %s\n", k, v) }
	if s.ID != "" {
		row("id", s.ID)
	}
	plat := s.Platform
	if len(s.Platforms) > 1 {
		plat += " (index offers " + strings.Join(s.Platforms, ", ") + ")"
	}
	row("platform", plat)
	row("os", orNone(s.OS))
	row("package manager", orNone(s.PackageManager))
	row("libc", orNone(s.Libc))
	user := s.User
	if user == "" {
		user = "(unset: root)"
	}
	row("user", user)
	row("agent download", orNone(s.DownloadTool))
	names := make([]string, 0, len(s.Tools))
	for _, n := range SummaryTools {
		if _, ok := s.Tools[n]; ok {
			names = append(names, n)
		}
	}
	var missing []string
	for _, n := range SummaryTools {
		if !slices.Contains(names, n) {
			missing = append(missing, n)
		}
	}
	row("tools", orNone(strings.Join(names, " ")))
	if len(missing) > 0 {
		row("not found", strings.Join(missing, " "))
	}
	ca := fmt.Sprintf("%d certificates", s.CACertificates)
	if s.CABundle != "" {
		ca += " (" + s.CABundle + ")"
	}
	row("CA", ca)
	row("size", fmt.Sprintf("%s in %d layers", HumanBytes(s.Size), len(s.Layers)))
	for i, l := range s.Layers {
		by := l.CreatedBy
		if len(by) > 70 {
			by = by[:67] + "..."
		}
		fmt.Fprintf(&t.buf, "    %2d %9s  %s\n", i+1, HumanBytes(l.Size), by)
	}
	t.buf.WriteString("\n")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// HumanBytes formats a byte count with binary units ("1.5 GiB").
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
