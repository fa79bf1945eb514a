package checks

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
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

// ImageSide is what a comparison needs of one image: its summary, where
// each compared tool is found (absent when it is not) and its
// certificates. It is small and serializable, so a side can be kept (the
// base branch's, between pushes) while the image's facts are let go.
type ImageSide struct {
	Summary *ImageSummary `json:"summary"`
	// Tools maps every compared tool (diffTools and the config's required
	// and recommended tools) that is found to its path.
	Tools map[string]string `json:"tools"`
	// User is the config user ("" is root).
	User string `json:"user"`
	// CA are the trust store's certificates (subject and fingerprint).
	CA []image.Certificate `json:"ca,omitempty"`
}

// NewImageSide reads what a comparison needs from an image's facts.
func NewImageSide(ref string, f *image.Facts, cfg *Config) *ImageSide {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	s := &ImageSide{Summary: SummarizeImage(ref, f), Tools: map[string]string{}, User: f.Config.User}
	for _, t := range diffToolsFor(cfg) {
		if e, ok := f.FindExecutable(t); ok {
			s.Tools[t] = e.Path
		}
	}
	for _, c := range f.CA.Certificates {
		s.CA = append(s.CA, image.Certificate{Subject: c.Subject, SHA256: c.SHA256})
	}
	return s
}

// diffToolsFor is the tools a comparison looks at under cfg.
func diffToolsFor(cfg *Config) []string {
	tools := slices.Concat(diffTools, cfg.RequiredTools, cfg.RecommendedTools)
	slices.Sort(tools)
	return slices.Compact(tools)
}

// DiffImages compares two images' facts.
func DiffImages(oldRef string, old *image.Facts, newRef string, cur *image.Facts, cfg *Config) *ImageDiff {
	return DiffSides(NewImageSide(oldRef, old, cfg), NewImageSide(newRef, cur, cfg))
}

// DiffSides compares two images by what NewImageSide kept of them; both
// sides are read under the same config.
func DiffSides(old, cur *ImageSide) *ImageDiff {
	d := &ImageDiff{
		Old:           old.Summary,
		New:           cur.Summary,
		SizeDelta:     cur.Summary.Size - old.Summary.Size,
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
	tools := slices.Sorted(maps.Keys(old.Tools))
	tools = append(tools, slices.Sorted(maps.Keys(cur.Tools))...)
	slices.Sort(tools)
	for _, t := range slices.Compact(tools) {
		_, had := old.Tools[t]
		_, has := cur.Tools[t]
		switch {
		case has && !had:
			d.ToolsGained = append(d.ToolsGained, t)
		case had && !has:
			d.ToolsLost = append(d.ToolsLost, t)
		}
	}
	d.UserChanged = old.User != cur.User
	d.CAAdded = certsNotIn(cur.CA, old.CA)
	d.CARemoved = certsNotIn(old.CA, cur.CA)
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
	if d.SizeDelta == 0 {
		fmt.Fprintf(&b, "  size           unchanged (%s)\n", HumanBytes(d.New.Size))
	} else {
		fmt.Fprintf(&b, "  size           %s net (%s → %s)\n", signedBytes(d.SizeDelta), HumanBytes(d.Old.Size), HumanBytes(d.New.Size))
	}
	fmt.Fprintf(&b, "  layers         %d → %d\n", len(d.Old.Layers), len(d.New.Layers))
	for _, c := range layerChanges(d.LayersAdded, d.LayersRemoved, 0) {
		fmt.Fprintf(&b, "    %s\n", c.describe(70, func(s string) string { return s }))
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

// layerChange is one line of a comparison's layers: a layer added,
// removed, or rebuilt (removed and added again by the same instruction).
type layerChange struct {
	kind     string // "rebuilt", "added", "removed", or "more" (a count line)
	by       string // the instruction, else the DiffID
	old, cur int64  // sizes before and after (0 when absent)
	more     int
}

// describe writes the change for people; by is clipped to n bytes and
// shown through quote.
func (c layerChange) describe(n int, quote func(string) string) string {
	by := c.by
	if len(by) > n {
		by = TruncateRunes(by, n-3) + "..."
	}
	switch c.kind {
	case "rebuilt":
		return fmt.Sprintf("rebuilt %s: %s → %s (%s)", quote(by), HumanBytes(c.old), HumanBytes(c.cur), signedBytes(c.cur-c.old))
	case "added":
		return fmt.Sprintf("added %s: +%s", quote(by), HumanBytes(c.cur))
	case "removed":
		return fmt.Sprintf("removed %s: −%s", quote(by), HumanBytes(c.old))
	}
	return fmt.Sprintf("…and %d more %s", c.more, c.by)
}

// layerChanges describes the layers a comparison added and removed, largest
// first in each group, at most limit a group (0: all). A removed layer made
// by the same instruction as an added one was rebuilt: it is one line, with
// its size before and after, so a rebuilt 210 MiB layer does not read as
// 210 MiB more.
func layerChanges(added, removed []ImageLayer, limit int) []layerChange {
	bySize := func(a, b ImageLayer) int { return cmp.Compare(b.Size, a.Size) }
	added, removed = slices.Clone(added), slices.Clone(removed)
	slices.SortStableFunc(added, bySize)
	slices.SortStableFunc(removed, bySize)
	name := func(l ImageLayer) string {
		if by := LayerInstruction(l.CreatedBy); by != "" {
			return by
		}
		return l.DiffID
	}
	var rebuilt, plus []layerChange
	for _, a := range added {
		by := LayerInstruction(a.CreatedBy)
		j := -1
		if by != "" {
			j = slices.IndexFunc(removed, func(l ImageLayer) bool { return LayerInstruction(l.CreatedBy) == by })
		}
		if j < 0 {
			plus = append(plus, layerChange{kind: "added", by: name(a), cur: a.Size})
			continue
		}
		rebuilt = append(rebuilt, layerChange{kind: "rebuilt", by: by, old: removed[j].Size, cur: a.Size})
		removed = slices.Delete(removed, j, j+1)
	}
	minus := make([]layerChange, len(removed))
	for i, r := range removed {
		minus[i] = layerChange{kind: "removed", by: name(r), old: r.Size}
	}
	var out []layerChange
	for _, group := range [][]layerChange{rebuilt, plus, minus} {
		if limit > 0 && len(group) > limit {
			out = append(out, group[:limit]...)
			out = append(out, layerChange{kind: "more", by: group[0].kind, more: len(group) - limit})
			continue
		}
		out = append(out, group...)
	}
	return out
}
