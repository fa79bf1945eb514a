package app

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/google/go-github/v62/github"

	"github.com/coderready/coderready/app/review"
	"github.com/coderready/coderready/checks"
)

// causeWords are too common in messages and Dockerfile lines to tie one to
// the other.
var causeWords = map[string]bool{
	"the": true, "and": true, "not": true, "has": true, "have": true, "does": true, "nothing": true, "there": true,
	"with": true, "from": true, "run": true, "runs": true, "image": true, "base": true, "stage": true, "final": true,
	"this": true, "that": true, "for": true, "are": true, "its": true, "into": true, "none": true, "but": true,
	"can": true, "cannot": true, "coder": true, "agent": true, "sh": true, "bin": true, "usr": true, "get": true,
}

// words returns the lower-case words of s that can tie a message to a line.
func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '.'
	}) {
		w = strings.Trim(w, "-.")
		if len(w) >= 3 && !causeWords[w] {
			out[w] = true
		}
	}
	return out
}

// causeAnnotations reports each new error or warning that lies outside the
// pull request's diff (say, on line 1, where "Files changed" does not show
// it) once more on the changed line that most likely caused it: the added
// or deleted line of the same file sharing the most words with its message
// (the deleted line that installed curl, the USER line that was removed or
// added). A finding no changed line shares a word with gets none: a wrong
// cause is worse than none.
func causeAnnotations(fresh []checks.Finding, hunks map[string]*review.Hunks) []*github.CheckRunAnnotation {
	var out []*github.CheckRunAnnotation
	for _, f := range fresh {
		h := hunks[f.Location.Path]
		start := max(f.Location.StartLine, 1)
		if f.Severity < checks.SeverityWarning || h == nil || h.ContainsRight(start, max(f.Location.EndLine, start)) {
			continue
		}
		want := words(f.Message)
		best, score := review.Change{}, 0
		for _, c := range h.Changes() {
			n := 0
			for w := range words(c.Text) {
				if want[w] {
					n++
				}
			}
			if n > score {
				best, score = c, n
			}
		}
		if score == 0 {
			continue
		}
		what := "This line"
		if best.Deleted {
			what = fmt.Sprintf("Removing %q here", clip(strings.TrimSpace(best.Text), 80))
		}
		a := annotationsFor([]checks.Finding{f})[0]
		a.StartLine, a.EndLine = github.Int(best.Line), github.Int(best.Line)
		a.StartColumn, a.EndColumn = nil, nil
		a.Message = github.String(clip(fmt.Sprintf("%s likely causes this (reported on line %d): %s", what, start, a.GetMessage()), 64<<10))
		out = append(out, a)
	}
	return out
}
