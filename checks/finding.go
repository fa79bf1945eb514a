package checks

import (
	"cmp"
	"slices"
)

// Location is where a finding sits in a file. Lines and columns are 1-based;
// a zero column means the whole line, a zero EndLine means StartLine.
type Location struct {
	Path      string `json:"path"`
	StartLine int    `json:"start_line,omitempty"`
	StartCol  int    `json:"start_column,omitempty"`
	EndLine   int    `json:"end_line,omitempty"`
	EndCol    int    `json:"end_column,omitempty"`
}

// Edit replaces the whole lines StartLine..EndLine (1-based, inclusive) of
// Path with Text (no trailing newline; several lines joined by "\n"). This
// is exactly what a GitHub suggestion can express. Text "" with Delete set
// removes the lines.
type Edit struct {
	Path      string `json:"path"`
	StartLine int    `json:"start_line"`
	EndLine   int    `json:"end_line"`
	Text      string `json:"text"`
	Delete    bool   `json:"delete,omitempty"`
}

// Fix is a suggested change: a sentence for people and, where the change can
// be written down exactly, the text edits that make it.
type Fix struct {
	Description string `json:"description"`
	Edits       []Edit `json:"edits,omitempty"`
}

// Finding is one thing a rule found.
type Finding struct {
	RuleID   string   `json:"rule"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	Location Location `json:"location"`
	// Details holds supporting text shown under the message, such as the
	// tail of a build log.
	Details string `json:"details,omitempty"`
	Fix     *Fix   `json:"fix,omitempty"`
}

// SortFindings orders findings by path, line, column, rule ID and message so
// every output is stable.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Location.Path, b.Location.Path),
			cmp.Compare(a.Location.StartLine, b.Location.StartLine),
			cmp.Compare(a.Location.StartCol, b.Location.StartCol),
			cmp.Compare(a.RuleID, b.RuleID),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// MaxSeverity returns the highest severity among findings (SeverityOff when
// there are none).
func MaxSeverity(fs []Finding) Severity {
	m := SeverityOff
	for _, f := range fs {
		m = max(m, f.Severity)
	}
	return m
}
