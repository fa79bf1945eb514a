package app

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"

	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/scan"
)

// lineRefs are the line numbers a message may carry ("on line 12",
// "lines 3-5"): left out of a fingerprint, so moving a line does not make
// its finding new.
var lineRefs = regexp.MustCompile(`\blines? \d+(?:\s*(?:-|–|to|and)\s*\d+)?`)

// fingerprint identifies a finding independently of where it is: its
// rule, the file it is in and its message without line numbers. The same
// problem on the base branch and in the pull request has the same one.
func fingerprint(f checks.Finding) string {
	h := sha256.New()
	_, _ = fmt.Fprintf(h, "%s\x00%s\x00%s", f.RuleID, f.Location.Path, lineRefs.ReplaceAllString(f.Message, "line N"))
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// existingSet is, per target path, the findings (by findingKey) that the
// base branch's scan of the same target has too.
type existingSet map[string]map[string]bool

// matchExisting matches every finding of head against the same target's
// findings in base by fingerprint, each base finding matching at most one
// head finding (a pull request that adds a second copy of a problem adds a
// new finding). A target the base does not have has only new findings.
func matchExisting(head, base *scan.Report) existingSet {
	if head == nil || base == nil {
		return nil
	}
	left := map[string]map[string]int{}
	for _, t := range base.Targets {
		m := map[string]int{}
		for _, f := range t.Findings {
			m[fingerprint(f)]++
		}
		left[t.Path] = m
	}
	out := existingSet{}
	for _, t := range head.Targets {
		m, ok := left[t.Path]
		if !ok {
			continue
		}
		set := map[string]bool{}
		for _, f := range t.Findings {
			if fp := fingerprint(f); m[fp] > 0 {
				m[fp]--
				set[findingKey(f)] = true
			}
		}
		out[t.Path] = set
	}
	return out
}

// of returns whether finding f of target is on the base branch too.
func (e existingSet) of(target string, f checks.Finding) bool {
	return e[target][findingKey(f)]
}

// split returns a target's findings new in the pull request and those
// already on the base branch.
func (e existingSet) split(target string, fs []checks.Finding) (fresh, existing []checks.Finding) {
	for _, f := range fs {
		if e.of(target, f) {
			existing = append(existing, f)
		} else {
			fresh = append(fresh, f)
		}
	}
	return fresh, existing
}
