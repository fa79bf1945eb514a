package checks

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/coderready/coderready/image"
)

// ImageDiff is what changed from one image to another: what a PR summary
// shows against the base branch's image.
type ImageDiff struct {
	Old *ImageSummary `json:"old"`
	New *ImageSummary `json:"new"`
	// SizeDelta is New's size minus Old's, in bytes.
	SizeDelta int64 `json:"size_delta"`
	// LayersAdded and LayersRemoved compare layers by DiffID.
	LayersAdded   []ImageLayer `json:"layers_added"`
	LayersRemoved []ImageLayer `json:"layers_removed"`
	// ToolsGained and ToolsLost are among the tools Coder cares about (the
	// agent's download tools, shells, git, config's required and
	// recommended tools).
	ToolsGained []string `json:"tools_gained"`
	ToolsLost   []string `json:"tools_lost"`
	// UserChanged is set when the config user differs.
	UserChanged bool `json:"user_changed"`
	// CAAdded and CARemoved are certificate subjects by fingerprint.
	CAAdded   []string `json:"ca_added"`
	CARemoved []string `json:"ca_removed"`
	// Changes lists other one-line differences: platform, OS, libc,
	// package manager, agent download tool.
	Changes []string `json:"changes"`
}

// diffTools are the tools an image diff compares, besides config's lists.
var diffTools = []string{"curl", "wget", "busybox", "sh", "bash", "zsh", "git", "ssh", "jq", "sudo", "tar", "gzip", "docker", "code-server"}

// DiffImages compares two images' facts.
func DiffImages(oldRef string, old *image.Facts, newRef string, cur *image.Facts, cfg *Config) *ImageDiff {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	d := &ImageDiff{
		Old:           SummarizeImage(oldRef, old),
		New:           SummarizeImage(newRef, cur),
		SizeDelta:     cur.Size - old.Size,
		LayersAdded:   []ImageLayer{},
		LayersRemoved: []ImageLayer{},
		ToolsGained:   []string{},
		ToolsLost:     []string{},
		CAAdded:       []string{},
		CARemoved:     []string{},
		Changes:       []string{},
	}
	d.LayersAdded = layersNotIn(d.New.Layers, d.Old.Layers)
	d.LayersRemoved = layersNotIn(d.Old.Layers, d.New.Layers)

	tools := slices.Concat(diffTools, cfg.RequiredTools, cfg.RecommendedTools)
	slices.Sort(tools)
	for _, t := range slices.Compact(tools) {
		_, had := old.FindExecutable(t)
		_, has := cur.FindExecutable(t)
		switch {
		case has && !had:
			d.ToolsGained = append(d.ToolsGained, t)
		case had && !has:
			d.ToolsLost = append(d.ToolsLost, t)
		}
	}
	d.UserChanged = old.Config.User != cur.Config.User
	d.CAAdded = certsNotIn(cur.CA.Certificates, old.CA.Certificates)
	d.CARemoved = certsNotIn(old.CA.Certificates, cur.CA.Certificates)
	change := func(what, a, b string) {
		if a != b {
			d.Changes = append(d.Changes, fmt.Sprintf("%s: %s → %s", what, orNone(a), orNone(b)))
		}
	}
	change("platform", d.Old.Platform, d.New.Platform)
	change("os", d.Old.OS, d.New.OS)
	change("libc", d.Old.Libc, d.New.Libc)
	change("package manager", d.Old.PackageManager, d.New.PackageManager)
	change("agent download tool", d.Old.DownloadTool, d.New.DownloadTool)
	return d
}

func layersNotIn(a, b []ImageLayer) []ImageLayer {
	out := []ImageLayer{}
	for _, l := range a {
		if !slices.ContainsFunc(b, func(o ImageLayer) bool { return o.DiffID == l.DiffID }) {
			out = append(out, l)
		}
	}
	return out
}

func certsNotIn(a, b []image.Certificate) []string {
	out := []string{}
	for _, c := range a {
		if !slices.ContainsFunc(b, func(o image.Certificate) bool { return o.SHA256 == c.SHA256 }) {
			out = append(out, c.Subject)
		}
	}
	return out
}

// Empty reports whether nothing Coder cares about changed.
func (d *ImageDiff) Empty() bool {
	return d.SizeDelta == 0 && len(d.LayersAdded) == 0 && len(d.LayersRemoved) == 0 && len(d.ToolsGained) == 0 &&
		len(d.ToolsLost) == 0 && !d.UserChanged && len(d.CAAdded) == 0 && len(d.CARemoved) == 0 && len(d.Changes) == 0
}

// RenderDiffText writes the diff for people.
func RenderDiffText(w io.Writer, d *ImageDiff) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s → %s\n", d.Old.Ref, d.New.Ref)
	if d.Empty() {
		b.WriteString("  no differences Coder cares about\n")
	}
	sign := "+"
	if d.SizeDelta < 0 {
		sign = "-"
	}
	fmt.Fprintf(&b, "  size           %s → %s (%s%s)\n", HumanBytes(d.Old.Size), HumanBytes(d.New.Size), sign, HumanBytes(abs(d.SizeDelta)))
	fmt.Fprintf(&b, "  layers         %d → %d (%d added, %d removed)\n", len(d.Old.Layers), len(d.New.Layers), len(d.LayersAdded), len(d.LayersRemoved))
	for _, l := range d.LayersAdded {
		by := l.CreatedBy
		if len(by) > 70 {
			by = by[:67] + "..."
		}
		fmt.Fprintf(&b, "    + %9s  %s\n", HumanBytes(l.Size), by)
	}
	if len(d.ToolsGained) > 0 {
		fmt.Fprintf(&b, "  tools gained   %s\n", strings.Join(d.ToolsGained, " "))
	}
	if len(d.ToolsLost) > 0 {
		fmt.Fprintf(&b, "  tools lost     %s\n", strings.Join(d.ToolsLost, " "))
	}
	if d.UserChanged {
		fmt.Fprintf(&b, "  user           %s → %s\n", userName(d.Old.User), userName(d.New.User))
	}
	if len(d.CAAdded)+len(d.CARemoved) > 0 {
		fmt.Fprintf(&b, "  CA             %d → %d certificates (%d added, %d removed)\n", d.Old.CACertificates, d.New.CACertificates, len(d.CAAdded), len(d.CARemoved))
	}
	for _, c := range d.Changes {
		fmt.Fprintf(&b, "  %s\n", c)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("render diff: %w", err)
	}
	return nil
}

// RenderDiffJSON writes the diff as indented JSON.
func RenderDiffJSON(w io.Writer, d *ImageDiff) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("render diff: %w", err)
	}
	return nil
}

func userName(u string) string {
	if u == "" {
		return "root (unset)"
	}
	return u
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
