package review

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coderready/coderready/checks"
)

func TestParsePatchFixture(t *testing.T) {
	b, err := os.ReadFile("../../../shared/fixtures/github-api/octokit.rb.pulls-list-files.200.json")
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	var files []struct {
		Filename  string `json:"filename"`
		Patch     string `json:"patch"`
		Additions int    `json:"additions"`
	}
	if err := json.Unmarshal(b, &files); err != nil {
		t.Fatal(err)
	}
	// lib/octokit/repository.rb: @@ -30,7 +30,11 @@: new lines 30..40.
	tests := []struct {
		file       string
		start, end int
		want       bool
	}{
		{"lib/octokit/repository.rb", 30, 30, true},
		{"lib/octokit/repository.rb", 33, 37, true},
		{"lib/octokit/repository.rb", 40, 40, true},
		{"lib/octokit/repository.rb", 41, 41, false},
		{"lib/octokit/repository.rb", 29, 30, false},
		{"lib/octokit/configuration.rb", 11, 24, true},
		{"lib/octokit/configuration.rb", 25, 25, false},
		{"lib/octokit/connection.rb", 9, 29, true},
	}
	hunks := map[string]*Hunks{}
	for _, f := range files {
		h, err := ParsePatch(f.Patch)
		if err != nil {
			t.Fatalf("%s: %v", f.Filename, err)
		}
		hunks[f.Filename] = h
	}
	for _, tt := range tests {
		if got := hunks[tt.file].ContainsRight(tt.start, tt.end); got != tt.want {
			t.Errorf("%s lines %d-%d in diff = %v, want %v", tt.file, tt.start, tt.end, got, tt.want)
		}
	}
}

func TestParsePatchErrors(t *testing.T) {
	for _, p := range []string{
		"+added before any hunk\n",
		"@@ -1,1 +1,1 @@\n+a\n+b\n",
		"@@ -1 +1 @@\n?what\n",
	} {
		if _, err := ParsePatch(p); err == nil {
			t.Errorf("ParsePatch(%q): no error", p)
		}
	}
	h, err := ParsePatch("@@ -1,2 +1,3 @@\n a\n+b\n c\n\\ No newline at end of file\n@@ -10 +11,0 @@\n-gone\n")
	if err != nil {
		t.Fatal(err)
	}
	if !h.ContainsRight(1, 3) || h.ContainsRight(4, 4) || h.ContainsRight(11, 11) {
		t.Error("hunks: want new lines 1-3 only")
	}
}

func finding(rule, path string, line int, edits ...checks.Edit) checks.Finding {
	return checks.Finding{RuleID: rule, Severity: checks.SeverityWarning, Message: rule + " message",
		Location: checks.Location{Path: path, StartLine: line}, Fix: &checks.Fix{Description: "do it", Edits: edits}}
}

func TestMakePlan(t *testing.T) {
	hunks := map[string]*Hunks{}
	var err error
	// Dockerfile: new lines 1-6 in the diff.
	if hunks["Dockerfile"], err = ParsePatch("@@ -0,0 +1,6 @@\n+FROM debian\n+RUN a\n+RUN b\n+USER root\n+RUN c\n+CMD x\n"); err != nil {
		t.Fatal(err)
	}
	in := finding("CR101", "Dockerfile", 2, checks.Edit{Path: "Dockerfile", StartLine: 2, EndLine: 2, Text: "RUN a && apt-get install -y curl"})
	multi := finding("CR105", "Dockerfile", 4, checks.Edit{Path: "Dockerfile", StartLine: 3, EndLine: 4, Text: "RUN b\nUSER coder"})
	overlap := finding("CR102", "Dockerfile", 2, checks.Edit{Path: "Dockerfile", StartLine: 2, EndLine: 2, Text: "RUN other"})
	outside := finding("CR106", "Dockerfile", 9, checks.Edit{Path: "Dockerfile", StartLine: 9, EndLine: 9, Text: "X"})
	otherFile := finding("CR201", ".devcontainer/devcontainer.json", 1, checks.Edit{Path: ".devcontainer/devcontainer.json", StartLine: 1, EndLine: 1, Text: "{"})
	twoEdits := finding("CR112", "Dockerfile", 5, checks.Edit{Path: "Dockerfile", StartLine: 1, EndLine: 1, Text: "FROM debian\nARG TARGETARCH"}, checks.Edit{Path: "Dockerfile", StartLine: 5, EndLine: 5, Text: "RUN c $TARGETARCH"})
	del := finding("CR110", "Dockerfile", 6, checks.Edit{Path: "Dockerfile", StartLine: 6, EndLine: 6, Delete: true})

	p := MakePlan([]checks.Finding{in, multi, overlap, outside, otherFile, twoEdits, del}, hunks, nil)
	var got []string
	for _, c := range p.Comments {
		got = append(got, c.Path+":"+strconv.Itoa(c.StartLine)+"-"+strconv.Itoa(c.Line))
		if c.Side != "RIGHT" || !strings.Contains(c.Body, "```suggestion\n") {
			t.Errorf("comment %+v: want a RIGHT-side suggestion block", c)
		}
		if fp, ok := FingerprintOf(c.Body); !ok || fp != c.Fingerprint {
			t.Errorf("body fingerprint %q, want %q", fp, c.Fingerprint)
		}
	}
	if want := []string{"Dockerfile:0-2", "Dockerfile:3-4", "Dockerfile:0-6"}; !slices.Equal(got, want) {
		t.Errorf("comments %v, want %v", got, want)
	}
	var outIDs []string
	for _, f := range p.Outside {
		outIDs = append(outIDs, f.RuleID)
	}
	if want := []string{"CR102", "CR106", "CR201", "CR112"}; !slices.Equal(outIDs, want) {
		t.Errorf("outside %v, want %v", outIDs, want)
	}
	if !strings.Contains(p.Comments[2].Body, "```suggestion\n```") {
		t.Errorf("delete suggestion body %q, want an empty suggestion", p.Comments[2].Body)
	}

	// A re-run posts nothing new, and keeps its fixes out of the patch.
	posted := map[string]bool{}
	for _, fp := range p.Fingerprints {
		posted[fp] = true
	}
	again := MakePlan([]checks.Finding{in, multi, overlap, outside, otherFile, twoEdits, del}, hunks, posted)
	if len(again.Comments) != 0 || len(again.Outside) != 4 {
		t.Errorf("re-run: %d comments, %d outside; want 0 and 4", len(again.Comments), len(again.Outside))
	}
	// A changed fix is a new suggestion.
	in2 := finding("CR101", "Dockerfile", 2, checks.Edit{Path: "Dockerfile", StartLine: 2, EndLine: 2, Text: "RUN a && apt-get install -y wget"})
	if p3 := MakePlan([]checks.Finding{in2}, hunks, posted); len(p3.Comments) != 1 {
		t.Errorf("changed fix: %d comments, want 1", len(p3.Comments))
	}
}

func TestFormatPatchApplies(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: cannot check that the patch applies")
	}
	dir := t.TempDir()
	src := "FROM debian:bookworm\nRUN apt-get update\nRUN echo one\nRUN echo two\nRUN echo three\nRUN echo four\nRUN echo five\nRUN echo six\nRUN echo seven\nRUN echo eight\nRUN echo nine\nUSER root\nCMD [\"bash\"]"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	fs := []checks.Finding{
		finding("CR101", "Dockerfile", 2, checks.Edit{Path: "Dockerfile", StartLine: 2, EndLine: 2, Text: "RUN apt-get update && apt-get install -y curl git"}),
		finding("CR105", "Dockerfile", 12, checks.Edit{Path: "Dockerfile", StartLine: 12, EndLine: 12, Text: "RUN useradd -m coder\nUSER coder"}),
		finding("CR110", "Dockerfile", 4, checks.Edit{Path: "Dockerfile", StartLine: 4, EndLine: 5, Delete: true}),
		finding("CR111", "Dockerfile", 13, checks.Edit{Path: "Dockerfile", StartLine: 13, EndLine: 13, Text: "CMD [\"sleep\", \"infinity\"]"}),
	}
	patch, err := FormatPatch(fs, func(p string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, p)) })
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fix.patch"), []byte(patch), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "apply", "--unsafe-paths", "-v", "fix.patch")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v\n%s\npatch:\n%s", err, out, patch)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	want := "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl git\nRUN echo one\nRUN echo four\nRUN echo five\nRUN echo six\nRUN echo seven\nRUN echo eight\nRUN echo nine\nRUN useradd -m coder\nUSER coder\nCMD [\"sleep\", \"infinity\"]"
	if string(got) != want {
		t.Errorf("patched file:\n%s\nwant:\n%s\npatch:\n%s", got, want, patch)
	}
	if _, err := FormatPatch([]checks.Finding{finding("CR1", "Dockerfile", 99, checks.Edit{Path: "Dockerfile", StartLine: 99, EndLine: 99, Text: "x"})},
		func(p string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, p)) }); err == nil {
		t.Error("an edit past the end of the file: no error")
	}
}
