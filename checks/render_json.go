package checks

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/coderready/coderready/probe"
)

// JSONSchemaVersion is the version of RenderJSON's output schema
// (docs/json-output.md). It changes only when a field is removed or changes
// meaning; new fields may appear without a change.
const JSONSchemaVersion = 1

// The JSON report's shape. These types, not Finding's own tags, define the
// documented schema, so the schema changes only on purpose.
type (
	jsonReport struct {
		Version int          `json:"version"`
		Tool    jsonTool     `json:"tool"`
		Root    string       `json:"root"`
		Targets []jsonTarget `json:"targets"`
		Summary Summary      `json:"summary"`
	}
	jsonTool struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	jsonTarget struct {
		Path       string        `json:"path"`
		Kind       TargetKind    `json:"kind"`
		Dockerfile string        `json:"dockerfile,omitempty"`
		Image      *ImageSummary `json:"image,omitempty"`
		Build      *BuildRecord  `json:"build,omitempty"`
		Timings    *Timings      `json:"timings,omitempty"`
		Probe      *probe.Result `json:"probe,omitempty"`
		Findings   []jsonFinding `json:"findings"`
	}
	jsonFinding struct {
		Rule     string       `json:"rule"`
		Severity string       `json:"severity"`
		Evidence Evidence     `json:"evidence,omitempty"`
		Message  string       `json:"message"`
		Location jsonLocation `json:"location"`
		Details  string       `json:"details,omitempty"`
		Fix      *jsonFix     `json:"fix,omitempty"`
	}
	jsonLocation struct {
		Path        string `json:"path"`
		StartLine   int    `json:"start_line,omitempty"`
		StartColumn int    `json:"start_column,omitempty"`
		EndLine     int    `json:"end_line,omitempty"`
		EndColumn   int    `json:"end_column,omitempty"`
	}
	jsonFix struct {
		Description string     `json:"description"`
		Edits       []jsonEdit `json:"edits"`
	}
	jsonEdit struct {
		Path      string `json:"path"`
		StartLine int    `json:"start_line"`
		EndLine   int    `json:"end_line"`
		Text      string `json:"text"`
		Delete    bool   `json:"delete,omitempty"`
	}
)

// RenderJSON writes the result as one indented JSON document with a stable,
// documented schema (docs/json-output.md): schema version, tool name and
// version, the targets in path order each with its sorted findings, and a
// summary. toolVersion "" is written as "dev".
func RenderJSON(w io.Writer, r *Result, toolVersion string) error {
	rep := jsonReport{
		Version: JSONSchemaVersion,
		Tool:    jsonTool{Name: ToolName, Version: cmp.Or(toolVersion, "dev")},
		Root:    r.Root,
		Targets: make([]jsonTarget, 0, len(r.Targets)),
		Summary: Summarize(r),
	}
	for _, t := range r.Targets {
		jt := jsonTarget{Path: t.Path, Kind: t.Kind, Dockerfile: t.Dockerfile, Image: t.Image, Build: t.Build, Timings: t.Timings, Probe: t.Probe, Findings: make([]jsonFinding, 0, len(t.Findings))}
		fs := slices.Clone(t.Findings)
		SortFindings(fs)
		for _, f := range fs {
			jt.Findings = append(jt.Findings, toJSONFinding(f))
		}
		rep.Targets = append(rep.Targets, jt)
	}
	slices.SortStableFunc(rep.Targets, func(a, b jsonTarget) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Kind, b.Kind))
	})
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("render json: %w", err)
	}
	return nil
}

func toJSONFinding(f Finding) jsonFinding {
	l := f.Location
	jf := jsonFinding{
		Rule:     f.RuleID,
		Severity: f.Severity.String(),
		Evidence: f.Evidence,
		Message:  f.Message,
		Location: jsonLocation{Path: l.Path, StartLine: l.StartLine, StartColumn: l.StartCol, EndLine: l.EndLine, EndColumn: l.EndCol},
		Details:  f.Details,
	}
	if f.Fix != nil {
		jf.Fix = &jsonFix{Description: f.Fix.Description, Edits: make([]jsonEdit, 0, len(f.Fix.Edits))}
		for _, e := range f.Fix.Edits {
			// A field by field copy, not a conversion: a field added to Edit
			// must not break this file or change the schema by itself.
			jf.Fix.Edits = append(jf.Fix.Edits, jsonEdit{ //nolint:staticcheck // see above
				Path: e.Path, StartLine: e.StartLine, EndLine: e.EndLine, Text: e.Text, Delete: e.Delete})
		}
	}
	return jf
}
