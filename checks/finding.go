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

// Evidence says what a finding stands on. Only certain evidence (the image
// itself, or the file itself) carries an error: a finding from the table
// of well-known images, or inferred, is at most a warning.
type Evidence string

// The kinds of evidence.
const (
	// EvidenceImage: facts read from the built image or the base image.
	EvidenceImage Evidence = "image"
	// EvidenceFile: the Dockerfile or devcontainer.json (or config) itself,
	// as the builder or envbuilder reads it.
	EvidenceFile Evidence = "file"
	// EvidenceKnownBase: the documented table of well-known base images
	// (the base itself was not read).
	EvidenceKnownBase Evidence = "known-base"
	// EvidenceInferred: a guess from names and conventions.
	EvidenceInferred Evidence = "inferred"
)

// Certain reports whether the evidence is a fact (the image or the file).
func (e Evidence) Certain() bool { return e == EvidenceImage || e == EvidenceFile }

// Note is what a reader is told of uncertain evidence, for the text and
// Markdown outputs ("" for a fact).
func (e Evidence) Note() string {
	switch e {
	case EvidenceKnownBase:
		return "from the table of well-known images: the base image was not read"
	case EvidenceInferred:
		return "inferred: the base image was not read and the table does not know it"
	}
	return ""
}

// Finding is one thing a rule found.
type Finding struct {
	RuleID   string   `json:"rule"`
	Severity Severity `json:"severity"`
	// Evidence is what the finding stands on (the rule's family gives the
	// default: image rules the image, the others the file).
	Evidence Evidence `json:"evidence"`
	Message  string   `json:"message"`
	Location Location `json:"location"`
	// Details holds supporting text shown under the message, such as the
	// tail of a build log.
	Details string `json:"details,omitempty"`
	Fix     *Fix   `json:"fix,omitempty"`
	// Guess says what an inferred finding could not know, when that is
	// not the base image (a bind mount's source on the workspace): the
	// text and Markdown outputs show it in place of Evidence.Note.
	Guess string `json:"guess,omitempty"`
}

// EvidenceNote is what a reader is told of the finding's uncertain
// evidence ("" for a fact): its Guess, else its evidence's Note.
func (f Finding) EvidenceNote() string {
	if f.Guess != "" && f.Evidence == EvidenceInferred {
		return "inferred: " + f.Guess
	}
	return f.Evidence.Note()
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
