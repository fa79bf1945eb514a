package app

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"

	"github.com/coderready/coderready/checks"
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
