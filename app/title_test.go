package app

import (
	"testing"

	"github.com/coderready/coderready/checks"
)

func TestCheckTitle(t *testing.T) {
	at := func(rule string, sev checks.Severity, line int) checks.Finding {
		return checks.Finding{RuleID: rule, Severity: sev, Location: checks.Location{Path: "Dockerfile", StartLine: line}}
	}
	tests := []struct {
		name     string
		fresh    []checks.Finding
		existing int
		want     string
	}{
		{"nothing", nil, 0, "Ready for Coder"},
		{"only existing", nil, 2, "No new findings (2 already on main)"},
		{"the worst names the title", []checks.Finding{at("CR105", checks.SeverityInfo, 1), at("CR112", checks.SeverityWarning, 4),
			at("CR104", checks.SeverityError, 1), at("CR101", checks.SeverityWarning, 1)}, 0,
			"No download tool for the Coder agent (+2 warnings, 1 note)"},
		{"one rule in many places", []checks.Finding{at("CR112", checks.SeverityWarning, 4), at("CR112", checks.SeverityWarning, 5),
			at("CR105", checks.SeverityInfo, 1)}, 3, "Architecture hard-coded in a download, 2 places (+1 note; 3 already on main)"},
		{"of equal severity, the first in the file", []checks.Finding{at("CR112", checks.SeverityWarning, 4), at("CR101", checks.SeverityWarning, 1)}, 0,
			"Final stage runs as root (+1 warning)"},
	}
	for _, tt := range tests {
		if got := checkTitle(tt.fresh, tt.existing, "main"); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
