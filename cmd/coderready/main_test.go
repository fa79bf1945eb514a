package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coderready/coderready/internal/testenv"
)

// runCLI runs the command line in-process and returns exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	// Tests never reach a registry: check judges bases from their names
	// (TestCheckReadsBaseFromEngine calls run itself).
	if len(args) > 0 && args[0] == "check" {
		args = append(args, "--offline")
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestCheckExitCodes(t *testing.T) {
	badConfig := t.TempDir()
	if err := os.WriteFile(filepath.Join(badConfig, ".coderready.yaml"), []byte("rules:\n  CR101: loud\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(badConfig, "Dockerfile"), []byte("FROM debian:12\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	certain := certainErrorDir(t)
	tests := []struct {
		name      string
		args      []string
		code      int
		stdoutHas string
		stderrHas string
	}{
		{"errors fail by default", []string{"check", certain}, exitFindings, "error CR110", ""},
		{"never", []string{"check", certain, "--fail-on", "never"}, exitOK, "error CR110", ""},
		{"table guesses are warnings", []string{"check", "../../examples/alpine-root"}, exitOK, "warning CR111", ""},
		{"warnings fail when asked", []string{"check", "../../examples/alpine-root", "--fail-on", "warning"}, exitFindings, "warning CR111", ""},
		{"golden image passes at warning", []string{"check", "../../examples/golden", "--fail-on", "warning"}, exitOK, "", ""},
		{"go-style pattern", []string{"check", "../../examples/...", "--fail-on", "never"}, exitOK, "examples/devcontainer/.devcontainer/devcontainer.json", ""},
		{"bad format", []string{"check", "--format", "xml", "../../examples"}, exitError, "", "--format"},
		{"bad fail-on", []string{"check", "--fail-on", "sometimes", "../../examples"}, exitError, "", "--fail-on"},
		{"unknown flag", []string{"check", "--frobnicate"}, exitError, "", "unknown flag"},
		{"missing path", []string{"check", "../../examples/does-not-exist"}, exitError, "", "does-not-exist"},
		{"bad config", []string{"check", badConfig}, exitError, "", ".coderready.yaml:2:"},
		{"offline and no-build accepted", []string{"check", "--offline", "--no-build", "../../examples/golden"}, exitOK, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.stdoutHas) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdoutHas, stdout)
			}
			if !strings.Contains(stderr, tt.stderrHas) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderrHas, stderr)
			}
		})
	}
}

func TestCheckJSON(t *testing.T) {
	code, stdout, stderr := runCLI(t, "check", "../../examples/alpine-root", "--format", "json", "--fail-on", "never")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Targets []struct {
			Path     string `json:"path"`
			Findings []struct {
				Rule     string `json:"rule"`
				Severity string `json:"severity"`
				Location struct {
					Path      string `json:"path"`
					StartLine int    `json:"start_line"`
				} `json:"location"`
			} `json:"findings"`
		} `json:"targets"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if len(doc.Targets) != 1 {
		t.Fatalf("want 1 target, got %d", len(doc.Targets))
	}
	// The example's mistakes, each on its own line. Its workspace runs as
	// root (CR101), so the ~/.profile write is not a home write CR114
	// judges: that rule needs a non-root workspace user.
	want := map[string]int{"CR101": 2, "CR102": 2, "CR111": 4, "CR112": 6, "CR106": 11}
	got := map[string]int{}
	for _, f := range doc.Targets[0].Findings {
		got[f.Rule] = f.Location.StartLine
		if f.Location.Path != "../../examples/alpine-root/Dockerfile" {
			t.Errorf("%s: path %q", f.Rule, f.Location.Path)
		}
	}
	for id, line := range want {
		if got[id] != line {
			t.Errorf("%s: line %d, want %d (all: %v)", id, got[id], line, got)
		}
	}
}

func TestCheckSARIFToFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.sarif")
	code, _, stderr := runCLI(t, "check", certainErrorDir(t), "--format", "sarif", "-o", out)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d: %s", code, exitFindings, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := testenv.ValidateJSON(t, "sarif/sarif-schema-2.1.0.json", b); err != nil {
		t.Error(err)
	}
	var doc struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 || len(doc.Runs[0].Results) == 0 {
		t.Fatalf("unexpected SARIF: %s", b)
	}
}

// certainErrorDir is a folder whose Dockerfile has an error the file alone
// proves (CR110: a platform Coder has no agent for), so it is an error
// whether or not the base image can be read.
func certainErrorDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM --platform=linux/s390x debian:12\nUSER 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRulesCommand(t *testing.T) {
	code, stdout, _ := runCLI(t, "rules")
	if code != exitOK || !strings.Contains(stdout, "CR101") || !strings.Contains(stdout, "CR201") {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, "rules", "cr111")
	if code != exitOK || !strings.Contains(stdout, "How to fix") {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
	code, _, stderr := runCLI(t, "rules", "CR999")
	if code != exitError || !strings.Contains(stderr, "CR999") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}
