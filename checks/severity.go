// Package checks owns what coderready reports: findings, their severities and
// fixes, the rule registry with every rule, the user's config, and the
// renderers that turn findings into text, JSON and SARIF.
package checks

import (
	"fmt"
	"strings"
)

// Severity ranks a finding. The zero value is SeverityOff: a rule switched off
// by config produces nothing.
type Severity int

// Severities from least to most severe.
const (
	SeverityOff Severity = iota
	SeverityInfo
	SeverityWarning
	SeverityError
)

// String returns the lower-case name used in config files and output.
func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	default:
		return "off"
	}
}

// ParseSeverity reads a severity name as written in config or on the command
// line ("error", "warning", "info", "off"; case-insensitive).
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error":
		return SeverityError, nil
	case "warning", "warn":
		return SeverityWarning, nil
	case "info", "note":
		return SeverityInfo, nil
	case "off", "none", "disable", "disabled":
		return SeverityOff, nil
	}
	return SeverityOff, fmt.Errorf("unknown severity %q (want error, warning, info or off)", s)
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
