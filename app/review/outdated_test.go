package review

import (
	"fmt"
	"strings"
	"testing"

	"github.com/coderready/coderready/checks"
)

// TestSuggestionFingerprintIsThePlans: the fingerprint a finding's fix
// has wherever it lies is the one MakePlan gives its suggestion, for every
// shape of fix a suggestion carries; a fix no suggestion carries has none.
func TestSuggestionFingerprintIsThePlans(t *testing.T) {
	edit := func(start, end int, text string) checks.Edit {
		return checks.Edit{Path: "Dockerfile", StartLine: start, EndLine: end, Text: text}
	}
	tests := []struct {
		name  string
		edits []checks.Edit
		ok    bool
	}{
		{"one line", []checks.Edit{edit(2, 2, "RUN apt-get install -y curl")}, true},
		{"several lines", []checks.Edit{edit(4, 6, "USER coder")}, true},
		{"adjacent edits, out of order", []checks.Edit{edit(9, 9, "B"), edit(8, 8, "A")}, true},
		{"a deletion", []checks.Edit{{Path: "Dockerfile", StartLine: 11, EndLine: 11, Delete: true}}, true},
		{"an empty line", []checks.Edit{edit(13, 13, "")}, true},
		{"edits with a gap", []checks.Edit{edit(15, 15, "A"), edit(17, 17, "B")}, false},
		{"edits on two files", []checks.Edit{edit(19, 19, "A"), {Path: "other", StartLine: 20, EndLine: 20, Text: "B"}}, false},
		{"no edits", nil, false},
	}
	var patch strings.Builder
	patch.WriteString("@@ -0,0 +1,30 @@\n")
	for i := range 30 {
		fmt.Fprintf(&patch, "+line %d\n", i+1)
	}
	h, err := ParsePatch(patch.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := checks.Finding{RuleID: "CR104", Message: "m", Location: checks.Location{Path: "Dockerfile", StartLine: 1, EndLine: 1},
				Fix: &checks.Fix{Description: "d", Edits: tt.edits}}
			fp, ok := SuggestionFingerprint(f)
			plan := MakePlan([]checks.Finding{f}, map[string]*Hunks{"Dockerfile": h}, nil)
			if ok != tt.ok || ok != (len(plan.Comments) == 1) {
				t.Fatalf("SuggestionFingerprint ok = %v, plan %+v; want %v", ok, plan.Comments, tt.ok)
			}
			if ok && plan.Comments[0].Fingerprint != fp {
				t.Errorf("fingerprint %s, the plan's %s", fp, plan.Comments[0].Fingerprint)
			}
		})
	}
	if _, ok := SuggestionFingerprint(checks.Finding{RuleID: "CR101"}); ok {
		t.Error("a finding without a fix has a suggestion fingerprint")
	}
}

// TestWithdraw: a withdrawn suggestion keeps its rule and message struck
// through and its fingerprint in another marker; it no longer counts as a
// suggestion shown, and has no suggestion block left.
func TestWithdraw(t *testing.T) {
	f := checks.Finding{RuleID: "CR104", Message: "nothing installs curl", Location: checks.Location{Path: "Dockerfile", StartLine: 1, EndLine: 1},
		Fix: &checks.Fix{Description: "install curl", Edits: []checks.Edit{{Path: "Dockerfile", StartLine: 2, EndLine: 2, Text: "RUN apt-get install -y curl"}}}}
	h, err := ParsePatch("@@ -0,0 +1,3 @@\n+FROM debian\n+RUN true\n+CMD bash\n")
	if err != nil {
		t.Fatal(err)
	}
	plan := MakePlan([]checks.Finding{f}, map[string]*Hunks{"Dockerfile": h}, nil)
	if len(plan.Comments) != 1 {
		t.Fatalf("plan %+v", plan)
	}
	fp := plan.Comments[0].Fingerprint
	posted := MarkFinding(plan.Comments[0].Body, "abc123")
	tests := []struct {
		name, body, want string
		fp               string
	}{
		{"a suggestion", posted, "~~**CR104** nothing installs curl~~\n\nFixed in `0123456`.\n\n<!-- coderready:withdrawn=" + fp + " -->", fp},
		{"a body of one line", "just text", "~~just text~~\n\nFixed in `0123456`.\n\n<!-- coderready:withdrawn= -->", ""},
		{"a body that starts with the block", "```suggestion\nX\n```\n<!-- coderready:fp=f1 -->", "~~Suggestion~~\n\nFixed in `0123456`.\n\n<!-- coderready:withdrawn=f1 -->", "f1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Withdraw(tt.body, "Fixed in `0123456`.")
			if got != tt.want {
				t.Errorf("Withdraw =\n%s\nwant\n%s", got, tt.want)
			}
			if _, ok := FingerprintOf(got); ok || strings.Contains(got, "```suggestion") {
				t.Errorf("withdrawn body still a suggestion:\n%s", got)
			}
			if w, ok := WithdrawnOf(got); w != tt.fp || ok != (tt.fp != "") {
				t.Errorf("WithdrawnOf = %q, %v; want %q", w, ok, tt.fp)
			}
		})
	}
	if id, ok := FindingOf(posted); !ok || id != "abc123" {
		t.Errorf("FindingOf = %q, %v", id, ok)
	}
	if got, ok := FingerprintOf(posted); !ok || got != fp {
		t.Errorf("the finding marker hides the fingerprint: %q, %v", got, ok)
	}
	if _, ok := FindingOf(plan.Comments[0].Body); ok {
		t.Error("a body without the marker names a finding")
	}
}
