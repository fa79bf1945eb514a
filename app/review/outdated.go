package review

import (
	"strings"

	"github.com/coderready/coderready/checks"
)

// A suggestion posted on one head can be outdated on a newer one: its
// finding is gone, or its fix changed. These helpers tell which fix a
// posted suggestion carries, and write the note it is edited into.

// SuggestionFingerprint returns the fingerprint of the suggestion f's fix
// makes (see Fingerprint), wherever its lines lie, in the diff or not:
// what MakePlan gives the same fix. It is false when the fix cannot be one
// suggestion (no edits, several files, lines that are not adjacent).
func SuggestionFingerprint(f checks.Finding) (string, bool) {
	if f.Fix == nil || len(f.Fix.Edits) == 0 {
		return "", false
	}
	e, ok := mergeEdits(f.Fix.Edits)
	if !ok {
		return "", false
	}
	return Fingerprint(f, e), true
}

// findingPrefix starts the hidden marker naming the finding a suggestion
// is for (a fingerprint that does not depend on its line), by which a
// newer head tells a fixed finding from one whose fix changed.
const findingPrefix = "<!-- coderready:finding="

// MarkFinding appends to a suggestion's body the marker of its finding.
func MarkFinding(body, finding string) string {
	return body + "\n" + findingPrefix + finding + " -->"
}

// FindingOf returns the finding a suggestion's body names, if any.
func FindingOf(body string) (string, bool) {
	return between(body, findingPrefix)
}

// withdrawnPrefix starts the hidden marker of a suggestion that was
// withdrawn (edited into a note): it stands for the fingerprint marker,
// so the comment no longer counts as a suggestion shown (FingerprintOf),
// and keeps the fingerprint it had.
const withdrawnPrefix = "<!-- coderready:withdrawn="

// Withdraw returns what a suggestion's body becomes when its fix no longer
// applies: its first line (the rule and the message) struck through, then
// note (Markdown), then the withdrawn marker with the fingerprint. No
// suggestion block is left, so the stale fix cannot be committed.
func Withdraw(body, note string) string {
	fp, _ := FingerprintOf(body)
	first, _, _ := strings.Cut(strings.TrimSpace(body), "\n")
	first = strings.TrimSpace(first)
	if first == "" || strings.HasPrefix(first, "```") || strings.HasPrefix(first, "<!--") {
		first = "Suggestion"
	}
	return "~~" + first + "~~\n\n" + note + "\n\n" + withdrawnPrefix + fp + " -->"
}

// WithdrawnOf returns the fingerprint of a withdrawn suggestion's body.
func WithdrawnOf(body string) (string, bool) {
	return between(body, withdrawnPrefix)
}

// between returns what follows prefix in body up to the marker's end.
func between(body, prefix string) (string, bool) {
	_, rest, ok := strings.Cut(body, prefix)
	if !ok {
		return "", false
	}
	v, _, ok := strings.Cut(rest, " -->")
	return v, ok && v != ""
}
