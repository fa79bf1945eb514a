package review

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/internal/golden"
	"github.com/coderready/coderready/internal/testenv"
)

func TestParsePatchFixture(t *testing.T) {
	b, err := os.ReadFile(testenv.Testdata(t, "fixtures/github-api/octokit.rb.pulls-list-files.200.json"))
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

func TestParsePatch(t *testing.T) {
	tests := []struct {
		name, patch string
		in, out     [][2]int
	}{
		{"new file", "@@ -0,0 +1,3 @@\n+a\n+b\n+c\n", [][2]int{{1, 3}}, [][2]int{{4, 4}, {0, 1}}},
		{"function context in the header", "@@ -10,3 +10,4 @@ func main() {\n a\n+b\n c\n d\n", [][2]int{{10, 13}}, [][2]int{{9, 9}, {14, 14}}},
		{"removed lines take no new line", "@@ -5,4 +5,2 @@\n a\n-b\n-c\n d\n", [][2]int{{5, 6}}, [][2]int{{7, 7}}},
		{"pure deletion hunk", "@@ -3,2 +2,0 @@\n-a\n-b\n", nil, [][2]int{{2, 2}, {3, 3}}},
		{"two hunks", "@@ -1,2 +1,2 @@\n-a\n+A\n b\n@@ -40,2 +40,3 @@\n x\n+y\n z\n", [][2]int{{1, 2}, {40, 42}}, [][2]int{{3, 39}, {1, 40}}},
		{"no newline at the end", "@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file", [][2]int{{1, 1}}, [][2]int{{2, 2}}},
		{"empty patch (binary or too large)", "", nil, [][2]int{{1, 1}}},
		{"one-line header counts", "@@ -7 +7 @@\n-a\n+b\n", [][2]int{{7, 7}}, [][2]int{{6, 7}, {8, 8}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParsePatch(tt.patch)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range tt.in {
				if !h.ContainsRight(r[0], r[1]) {
					t.Errorf("lines %d-%d: not in the diff, want in", r[0], r[1])
				}
			}
			for _, r := range tt.out {
				if h.ContainsRight(r[0], r[1]) {
					t.Errorf("lines %d-%d: in the diff, want out", r[0], r[1])
				}
			}
		})
	}
	var nilHunks *Hunks
	if nilHunks.ContainsRight(1, 1) {
		t.Error("nil Hunks (a file not in the diff) contains a line")
	}
}

func TestPatchChanges(t *testing.T) {
	tests := []struct {
		name, patch string
		want        []Change
	}{
		{"replaced line", "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n", []Change{{2, "b", true}, {2, "B", false}}},
		// A deleted line stands on the line that now follows it.
		{"deleted line", "@@ -5,4 +5,3 @@\n a\n-USER coder\n c\n d\n", []Change{{6, "USER coder", true}}},
		// At a hunk's end, on the line before.
		{"deleted last line", "@@ -5,3 +5,2 @@\n a\n b\n-USER coder\n@@ -20,1 +19,2 @@\n x\n+y\n", []Change{{6, "USER coder", true}, {20, "y", false}}},
		{"empty patch", "", nil},
	}
	for _, tt := range tests {
		h, err := ParsePatch(tt.patch)
		if err != nil {
			t.Fatal(err)
		}
		if got := h.Changes(); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestCommentBodyGolden(t *testing.T) {
	h, _ := ParsePatch("@@ -0,0 +1,3 @@\n+FROM ubuntu\n+RUN make\n+CMD x\n")
	f := checks.Finding{RuleID: "CR102", Severity: checks.SeverityWarning, Message: "`ubuntu` is not pinned to a tag or digest",
		Location: checks.Location{Path: "Dockerfile", StartLine: 1},
		Fix: &checks.Fix{Description: "pin a tag", Edits: []checks.Edit{
			{Path: "Dockerfile", StartLine: 2, EndLine: 2, Text: "RUN make\nUSER coder"},
			{Path: "Dockerfile", StartLine: 1, EndLine: 1, Text: "FROM ubuntu:24.04"}}}}
	p := MakePlan([]checks.Finding{f}, map[string]*Hunks{"Dockerfile": h}, nil)
	if len(p.Comments) != 1 {
		t.Fatalf("%d comments, want 1", len(p.Comments))
	}
	c := p.Comments[0]
	got := fmt.Sprintf("path: %s\nstart_line: %d\nline: %d\nside: %s\n\n%s\n", c.Path, c.StartLine, c.Line, c.Side, c.Body)
	golden.Check(t, filepath.Join("testdata", "comment.golden.md"), []byte(got))
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
	if want := slices.Concat(in.Fix.Edits, multi.Fix.Edits, del.Fix.Edits); !slices.Equal(p.Applied, want) {
		t.Errorf("applied %+v, want the suggestions' edits %+v", p.Applied, want)
	}

	// A re-run posts nothing new, and keeps its fixes out of the patch.
	posted := map[string]bool{}
	for _, fp := range p.Fingerprints {
		posted[fp] = true
	}
	again := MakePlan([]checks.Finding{in, multi, overlap, outside, otherFile, twoEdits, del}, hunks, posted)
	if len(again.Comments) != 0 || len(again.Outside) != 4 || !slices.Equal(again.Applied, p.Applied) {
		t.Errorf("re-run: %d comments, %d outside, applied %+v; want 0, 4 and the posted suggestions' edits", len(again.Comments), len(again.Outside), again.Applied)
	}
	// A changed fix is a new suggestion.
	in2 := finding("CR101", "Dockerfile", 2, checks.Edit{Path: "Dockerfile", StartLine: 2, EndLine: 2, Text: "RUN a && apt-get install -y wget"})
	if p3 := MakePlan([]checks.Finding{in2}, hunks, posted); len(p3.Comments) != 1 {
		t.Errorf("changed fix: %d comments, want 1", len(p3.Comments))
	}
}

func TestMakePlanCases(t *testing.T) {
	// Dockerfile: new lines 1-6 and 20-22 in the diff; devcontainer.json
	// lines 1-4.
	hunks := map[string]*Hunks{}
	for path, patch := range map[string]string{
		"Dockerfile":                      "@@ -0,0 +1,6 @@\n+FROM debian\n+RUN a\n+RUN b\n+USER root\n+RUN c\n+CMD x\n@@ -18,3 +20,3 @@\n ctx\n-old\n+new\n ctx\n",
		".devcontainer/devcontainer.json": "@@ -1,3 +1,4 @@\n {\n-  \"image\": \"x\"\n+  \"image\": \"y\",\n+  \"remoteUser\": \"coder\"\n }\n",
	} {
		h, err := ParsePatch(patch)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		hunks[path] = h
	}
	ed := func(start, end int, text string) checks.Edit {
		return checks.Edit{Path: "Dockerfile", StartLine: start, EndLine: end, Text: text}
	}
	// comment is a suggestion in short: path:start-line and the suggested text.
	type comment struct{ where, text string }
	tests := []struct {
		name     string
		findings []checks.Finding
		want     []comment
		outside  []string
	}{
		{"one line", []checks.Finding{finding("CR101", "Dockerfile", 2, ed(2, 2, "RUN a b"))},
			[]comment{{"Dockerfile:0-2", "RUN a b"}}, nil},
		{"several lines", []checks.Finding{finding("CR101", "Dockerfile", 2, ed(2, 4, "RUN a b"))},
			[]comment{{"Dockerfile:2-4", "RUN a b"}}, nil},
		{"insertion after, as its anchor line rewritten", []checks.Finding{finding("CR105", "Dockerfile", 1, ed(1, 1, "FROM debian\nARG TARGETARCH"))},
			[]comment{{"Dockerfile:0-1", "FROM debian\nARG TARGETARCH"}}, nil},
		{"insertion before", []checks.Finding{finding("CR105", "Dockerfile", 6, ed(6, 6, "USER coder\nCMD x"))},
			[]comment{{"Dockerfile:0-6", "USER coder\nCMD x"}}, nil},
		{"replace with an empty line", []checks.Finding{finding("CR110", "Dockerfile", 3, ed(3, 3, ""))},
			[]comment{{"Dockerfile:0-3", "\n"}}, nil},
		{"delete", []checks.Finding{finding("CR110", "Dockerfile", 3, checks.Edit{Path: "Dockerfile", StartLine: 3, EndLine: 4, Delete: true})},
			[]comment{{"Dockerfile:3-4", ""}}, nil},
		{"adjacent edits merge", []checks.Finding{finding("CR112", "Dockerfile", 2, ed(2, 2, "RUN a $TARGETARCH"), ed(1, 1, "FROM debian\nARG TARGETARCH"))},
			[]comment{{"Dockerfile:1-2", "FROM debian\nARG TARGETARCH\nRUN a $TARGETARCH"}}, nil},
		{"adjacent edits with a deletion merge", []checks.Finding{finding("CR112", "Dockerfile", 4, ed(4, 4, "USER coder"), checks.Edit{Path: "Dockerfile", StartLine: 5, EndLine: 5, Delete: true})},
			[]comment{{"Dockerfile:4-5", "USER coder"}}, nil},
		{"edits with a gap go outside", []checks.Finding{finding("CR112", "Dockerfile", 1, ed(1, 1, "FROM debian\nARG TARGETARCH"), ed(3, 3, "RUN b $TARGETARCH"))},
			nil, []string{"CR112"}},
		{"overlapping edits of one fix go outside", []checks.Finding{finding("CR112", "Dockerfile", 1, ed(1, 2, "x"), ed(2, 3, "y"))},
			nil, []string{"CR112"}},
		{"edits on two files go outside", []checks.Finding{finding("CR201", "Dockerfile", 1, ed(1, 1, "FROM x"),
			checks.Edit{Path: ".devcontainer/devcontainer.json", StartLine: 2, EndLine: 2, Text: `  "image": "x",`})},
			nil, []string{"CR201"}},
		{"partly outside the hunk", []checks.Finding{finding("CR101", "Dockerfile", 6, ed(6, 7, "CMD y"))}, nil, []string{"CR101"}},
		{"second hunk", []checks.Finding{finding("CR101", "Dockerfile", 21, ed(21, 21, "newer"))}, []comment{{"Dockerfile:0-21", "newer"}}, nil},
		{"between hunks", []checks.Finding{finding("CR101", "Dockerfile", 10, ed(10, 10, "x"))}, nil, []string{"CR101"}},
		{"file not in the diff", []checks.Finding{finding("CR101", "other/Dockerfile", 1, checks.Edit{Path: "other/Dockerfile", StartLine: 1, EndLine: 1, Text: "x"})}, nil, []string{"CR101"}},
		{"invalid range", []checks.Finding{finding("CR101", "Dockerfile", 0, ed(0, 0, "x")), finding("CR102", "Dockerfile", 3, ed(3, 2, "x"))}, nil, []string{"CR101", "CR102"}},
		{"no fix, no edits", []checks.Finding{{RuleID: "CR300"}, {RuleID: "CR301", Fix: &checks.Fix{Description: "by hand"}}}, nil, nil},
		{"overlap: the first wins", []checks.Finding{
			finding("CR101", "Dockerfile", 3, ed(3, 4, "RUN b\nUSER coder")),
			finding("CR102", "Dockerfile", 4, ed(4, 4, "USER nobody")),
			finding("CR103", "Dockerfile", 5, ed(5, 5, "RUN c d"))},
			[]comment{{"Dockerfile:3-4", "RUN b\nUSER coder"}, {"Dockerfile:0-5", "RUN c d"}}, []string{"CR102"}},
		{"sorted by path and line", []checks.Finding{
			finding("CR101", "Dockerfile", 5, ed(5, 5, "RUN c d")),
			finding("CR201", ".devcontainer/devcontainer.json", 3, checks.Edit{Path: ".devcontainer/devcontainer.json", StartLine: 3, EndLine: 3, Text: `  "remoteUser": "dev"`}),
			finding("CR102", "Dockerfile", 1, ed(1, 1, "FROM debian:12"))},
			[]comment{{".devcontainer/devcontainer.json:0-3", `  "remoteUser": "dev"`}, {"Dockerfile:0-1", "FROM debian:12"}, {"Dockerfile:0-5", "RUN c d"}}, nil},
		{"a fence in the text", []checks.Finding{finding("CR101", "Dockerfile", 2, ed(2, 2, "RUN echo '```'"))},
			[]comment{{"Dockerfile:0-2", "RUN echo '```'"}}, nil},
		{"an edit a suggestion makes already: nothing more", []checks.Finding{
			finding("CR104", "Dockerfile", 1, ed(2, 2, "RUN a curl git")),
			finding("CR105", "Dockerfile", 1, ed(2, 2, "RUN a curl git"))},
			[]comment{{"Dockerfile:0-2", "RUN a curl git"}}, nil},
		{"a fix sharing an edit with a suggestion: the rest is for the patch", []checks.Finding{
			finding("CR112", "Dockerfile", 2, ed(2, 2, "ARG TARGETARCH\nRUN a $TARGETARCH")),
			finding("CR112", "Dockerfile", 5, ed(2, 2, "ARG TARGETARCH\nRUN a $TARGETARCH"), ed(5, 5, "RUN c $TARGETARCH"))},
			[]comment{{"Dockerfile:0-2", "ARG TARGETARCH\nRUN a $TARGETARCH"}}, []string{"CR112"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := MakePlan(tt.findings, hunks, nil)
			var got []comment
			for i, c := range p.Comments {
				got = append(got, comment{c.Path + ":" + strconv.Itoa(c.StartLine) + "-" + strconv.Itoa(c.Line), suggested(t, c.Body)})
				if c.Side != "RIGHT" {
					t.Errorf("side %q, want RIGHT", c.Side)
				}
				if fp, ok := FingerprintOf(c.Body); !ok || fp != c.Fingerprint || p.Fingerprints[i] != fp {
					t.Errorf("comment %d: body fingerprint %q, field %q, plan %q", i, fp, c.Fingerprint, p.Fingerprints[i])
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("comments\n  %q\nwant\n  %q", got, tt.want)
			}
			var out []string
			for _, f := range p.Outside {
				out = append(out, f.RuleID)
			}
			if !slices.Equal(out, tt.outside) {
				t.Errorf("outside %v, want %v", out, tt.outside)
			}
			if len(p.Fingerprints) != len(p.Comments) {
				t.Errorf("%d fingerprints for %d comments", len(p.Fingerprints), len(p.Comments))
			}
		})
	}
}

// suggested returns the text of the suggestion block in a comment body:
// "" for a deletion, "\n" for one empty line.
func suggested(t *testing.T, body string) string {
	t.Helper()
	lines := strings.Split(body, "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "```") && strings.HasSuffix(l, "suggestion") })
	if start < 0 {
		t.Fatalf("no suggestion block in %q", body)
	}
	fence := strings.TrimSuffix(lines[start], "suggestion")
	end := slices.Index(lines[start+1:], fence)
	if end < 0 {
		t.Fatalf("suggestion block not closed in %q", body)
	}
	text := strings.Join(lines[start+1:start+1+end], "\n")
	if end == 1 && text == "" {
		return "\n"
	}
	return text
}

func TestSuggestionBodyEscapes(t *testing.T) {
	h, _ := ParsePatch("@@ -0,0 +1 @@\n+FROM x\n")
	f := finding("CR102", "Dockerfile", 1, checks.Edit{Path: "Dockerfile", StartLine: 1, EndLine: 1, Text: "FROM x:1"})
	f.Message = "<img src=x> is not pinned\nsecond line"
	f.Fix.Description = "pin [it](http://evil)"
	p := MakePlan([]checks.Finding{f}, map[string]*Hunks{"Dockerfile": h}, nil)
	if len(p.Comments) != 1 {
		t.Fatalf("%d comments", len(p.Comments))
	}
	b := p.Comments[0].Body
	for _, bad := range []string{"<img", "[it](", "second line"} {
		if strings.Contains(b, bad) {
			t.Errorf("body has %q:\n%s", bad, b)
		}
	}
}

func TestFingerprintStable(t *testing.T) {
	e := checks.Edit{Path: "Dockerfile", StartLine: 2, EndLine: 2, Text: "RUN x"}
	f := finding("CR101", "Dockerfile", 2, e)
	fp := Fingerprint(f, e)
	// The message and severity do not matter; rule, path, lines and text do.
	g := f
	g.Message, g.Severity = "reworded", checks.SeverityError
	if Fingerprint(g, e) != fp {
		t.Error("fingerprint changed with the message")
	}
	for name, other := range map[string]string{
		"rule":  Fingerprint(finding("CR102", "Dockerfile", 2, e), e),
		"path":  Fingerprint(f, checks.Edit{Path: "b/Dockerfile", StartLine: 2, EndLine: 2, Text: "RUN x"}),
		"lines": Fingerprint(f, checks.Edit{Path: "Dockerfile", StartLine: 2, EndLine: 3, Text: "RUN x"}),
		"text":  Fingerprint(f, checks.Edit{Path: "Dockerfile", StartLine: 2, EndLine: 2, Text: "RUN y"}),
		"del":   Fingerprint(f, checks.Edit{Path: "Dockerfile", StartLine: 2, EndLine: 2, Delete: true}),
	} {
		if other == fp {
			t.Errorf("fingerprint ignores the %s", name)
		}
	}
	if _, ok := FingerprintOf("no marker here"); ok {
		t.Error("FingerprintOf found a marker in a body without one")
	}
}

func TestFormatPatchApplies(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		testenv.Unavailable(t, "git is not installed: cannot check that the patch applies")
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
	pt, err := FormatPatch(fs, nil, func(p string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, p)) })
	if err != nil {
		t.Fatal(err)
	}
	patch := pt.Diff
	if pt.OnSuggestions {
		t.Error("a patch without suggestions says it is made on them")
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
	if _, err := FormatPatch([]checks.Finding{finding("CR1", "Dockerfile", 99, checks.Edit{Path: "Dockerfile", StartLine: 99, EndLine: 99, Text: "x"})}, nil,
		func(p string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, p)) }); err == nil {
		t.Error("an edit past the end of the file: no error")
	}
}

func TestFormatPatchCases(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		testenv.Unavailable(t, "git is not installed: cannot check that the patch applies")
	}
	const df = "FROM debian\nRUN a\nRUN b\nRUN c\nRUN d\nRUN e\nRUN f\nRUN g\nRUN h\nCMD x\n"
	ed := func(path string, start, end int, text string) checks.Edit {
		return checks.Edit{Path: path, StartLine: start, EndLine: end, Text: text}
	}
	tests := []struct {
		name     string
		files    map[string]string
		findings []checks.Finding
		want     map[string]string
	}{
		{"two files, in path order",
			map[string]string{"Dockerfile": df, ".devcontainer/devcontainer.json": "{\n  \"image\": \"x\"\n}\n"},
			[]checks.Finding{
				finding("CR101", "Dockerfile", 10, ed("Dockerfile", 10, 10, "USER coder\nCMD x")),
				finding("CR201", ".devcontainer/devcontainer.json", 2, ed(".devcontainer/devcontainer.json", 2, 2, "  \"image\": \"x\",\n  \"remoteUser\": \"coder\""))},
			map[string]string{
				"Dockerfile":                      strings.Replace(df, "CMD x", "USER coder\nCMD x", 1),
				".devcontainer/devcontainer.json": "{\n  \"image\": \"x\",\n  \"remoteUser\": \"coder\"\n}\n"}},
		{"a fix overlapping an earlier one is left out whole",
			map[string]string{"Dockerfile": df},
			[]checks.Finding{
				finding("CR101", "Dockerfile", 2, ed("Dockerfile", 2, 2, "RUN a2")),
				finding("CR102", "Dockerfile", 9, ed("Dockerfile", 9, 9, "RUN h2"), ed("Dockerfile", 2, 2, "RUN a3")),
				finding("CR103", "Dockerfile", 5, ed("Dockerfile", 5, 5, "RUN d2"), ed("Dockerfile", 5, 6, "RUN x"))},
			map[string]string{"Dockerfile": strings.Replace(df, "RUN a\n", "RUN a2\n", 1)}},
		{"edits at both ends and a deletion",
			map[string]string{"Dockerfile": df},
			[]checks.Finding{
				finding("CR102", "Dockerfile", 1, ed("Dockerfile", 1, 1, "FROM debian:12\nARG TARGETARCH")),
				finding("CR110", "Dockerfile", 5, checks.Edit{Path: "Dockerfile", StartLine: 5, EndLine: 6, Delete: true}),
				finding("CR111", "Dockerfile", 10, ed("Dockerfile", 10, 10, "CMD [\"sleep\", \"infinity\"]"))},
			map[string]string{"Dockerfile": "FROM debian:12\nARG TARGETARCH\nRUN a\nRUN b\nRUN c\nRUN f\nRUN g\nRUN h\nCMD [\"sleep\", \"infinity\"]\n"}},
		{"last line without a newline",
			map[string]string{"Dockerfile": "FROM a\nRUN b"},
			[]checks.Finding{finding("CR101", "Dockerfile", 2, ed("Dockerfile", 2, 2, "RUN b\nUSER coder"))},
			map[string]string{"Dockerfile": "FROM a\nRUN b\nUSER coder"}},
		{"delete the whole file's lines",
			map[string]string{"Dockerfile": "FROM a\n"},
			[]checks.Finding{finding("CR110", "Dockerfile", 1, checks.Edit{Path: "Dockerfile", StartLine: 1, EndLine: 1, Delete: true})},
			map[string]string{"Dockerfile": ""}},
		{"replace with an empty line",
			map[string]string{"Dockerfile": "FROM a\nRUN b\nCMD c\n"},
			[]checks.Finding{finding("CR110", "Dockerfile", 2, ed("Dockerfile", 2, 2, ""))},
			map[string]string{"Dockerfile": "FROM a\n\nCMD c\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for p, c := range tt.files {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			pt, err := FormatPatch(tt.findings, nil, func(p string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, p)) })
			if err != nil {
				t.Fatal(err)
			}
			patch := pt.Diff
			if !strings.HasPrefix(patch, "--- a/") {
				t.Errorf("patch does not start with a git-style header:\n%s", patch)
			}
			if err := os.WriteFile(filepath.Join(dir, "fix.patch"), []byte(patch), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("git", "apply", "--unsafe-paths", "fix.patch")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git apply: %v\n%s\npatch:\n%s", err, out, patch)
			}
			for p, want := range tt.want {
				got, err := os.ReadFile(filepath.Join(dir, p))
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != want {
					t.Errorf("%s:\n%q\nwant\n%q\npatch:\n%s", p, got, want, patch)
				}
			}
		})
	}
}

func TestFormatPatchErrors(t *testing.T) {
	read := func(p string) ([]byte, error) {
		if p == "Dockerfile" {
			return []byte("FROM a\n"), nil
		}
		return nil, os.ErrNotExist
	}
	for name, f := range map[string]checks.Finding{
		"past the end":     finding("CR1", "Dockerfile", 3, checks.Edit{Path: "Dockerfile", StartLine: 3, EndLine: 3, Text: "x"}),
		"line 0":           finding("CR1", "Dockerfile", 0, checks.Edit{Path: "Dockerfile", StartLine: 0, EndLine: 1, Text: "x"}),
		"unreadable":       finding("CR1", "missing", 1, checks.Edit{Path: "missing", StartLine: 1, EndLine: 1, Text: "x"}),
		"end before start": finding("CR1", "Dockerfile", 1, checks.Edit{Path: "Dockerfile", StartLine: 1, EndLine: 0, Text: "x"}),
	} {
		if _, err := FormatPatch([]checks.Finding{f}, nil, read); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if p, err := FormatPatch(nil, nil, read); err != nil || p.Diff != "" || p.OnSuggestions {
		t.Errorf("no findings: %+v, %v; want an empty patch", p, err)
	}
}

// TestFormatPatchOnSuggestions: the patch applies with `git apply` to the
// files as they are once every suggestion is committed, and touches no
// line a suggestion touches.
func TestFormatPatchOnSuggestions(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		testenv.Unavailable(t, "git is not installed: cannot check that the patch applies")
	}
	const df = "FROM debian\nRUN a\nRUN b\nRUN c\nRUN d\nRUN e\nRUN f\nRUN g\nRUN h\nCMD x\n"
	ed := func(path string, start, end int, text string) checks.Edit {
		return checks.Edit{Path: path, StartLine: start, EndLine: end, Text: text}
	}
	tests := []struct {
		name     string
		files    map[string]string
		applied  []checks.Edit // the suggestions
		findings []checks.Finding
		want     map[string]string // the files after the suggestions and the patch
		// on is Patch.OnSuggestions; empty, that the patch changes nothing.
		on, empty bool
	}{
		{"lines a suggestion adds above move the hunk",
			map[string]string{"Dockerfile": df},
			[]checks.Edit{ed("Dockerfile", 2, 2, "RUN a\nARG X\nARG Y")},
			[]checks.Finding{finding("CR101", "Dockerfile", 9, ed("Dockerfile", 9, 9, "RUN h2"))},
			map[string]string{"Dockerfile": strings.Replace(strings.Replace(df, "RUN a\n", "RUN a\nARG X\nARG Y\n", 1), "RUN h\n", "RUN h2\n", 1)},
			true, false},
		{"a line a suggestion changes in the hunk's context",
			map[string]string{"Dockerfile": df},
			[]checks.Edit{ed("Dockerfile", 7, 7, "RUN f2"), ed("Dockerfile", 10, 10, "CMD y")},
			[]checks.Finding{finding("CR101", "Dockerfile", 9, ed("Dockerfile", 9, 9, "RUN h2"))},
			map[string]string{"Dockerfile": strings.NewReplacer("RUN f\n", "RUN f2\n", "RUN h\n", "RUN h2\n", "CMD x\n", "CMD y\n").Replace(df)},
			true, false},
		{"an edit a suggestion makes already is not made again",
			map[string]string{"Dockerfile": df},
			[]checks.Edit{ed("Dockerfile", 2, 2, "ARG T\nRUN a")},
			[]checks.Finding{finding("CR112", "Dockerfile", 9, ed("Dockerfile", 2, 2, "ARG T\nRUN a"), ed("Dockerfile", 9, 9, "RUN h $T"))},
			map[string]string{"Dockerfile": strings.NewReplacer("RUN a\n", "ARG T\nRUN a\n", "RUN h\n", "RUN h $T\n").Replace(df)},
			true, false},
		{"a fix changing a suggestion's line differently is left out whole",
			map[string]string{"Dockerfile": df},
			[]checks.Edit{ed("Dockerfile", 2, 2, "RUN a2")},
			[]checks.Finding{finding("CR112", "Dockerfile", 9, ed("Dockerfile", 2, 2, "RUN a3"), ed("Dockerfile", 9, 9, "RUN h2"))},
			map[string]string{"Dockerfile": strings.Replace(df, "RUN a\n", "RUN a2\n", 1)},
			false, true},
		{"an edit two fixes share is made once",
			map[string]string{"Dockerfile": df},
			nil,
			[]checks.Finding{
				finding("CR104", "Dockerfile", 1, ed("Dockerfile", 9, 9, "RUN h curl git")),
				finding("CR105", "Dockerfile", 1, ed("Dockerfile", 3, 3, "RUN b2"), ed("Dockerfile", 9, 9, "RUN h curl git"))},
			map[string]string{"Dockerfile": strings.NewReplacer("RUN b\n", "RUN b2\n", "RUN h\n", "RUN h curl git\n").Replace(df)},
			false, false},
		{"lines a suggestion deletes above",
			map[string]string{"Dockerfile": df},
			[]checks.Edit{{Path: "Dockerfile", StartLine: 2, EndLine: 3, Delete: true}},
			[]checks.Finding{finding("CR101", "Dockerfile", 10, ed("Dockerfile", 10, 10, "USER coder\nCMD x"))},
			map[string]string{"Dockerfile": strings.NewReplacer("RUN a\nRUN b\n", "", "CMD x\n", "USER coder\nCMD x\n").Replace(df)},
			true, false},
		{"a file no suggestion changes",
			map[string]string{"Dockerfile": df, ".devcontainer/devcontainer.json": "{\n  \"image\": \"x\"\n}\n"},
			[]checks.Edit{ed("Dockerfile", 2, 2, "RUN a2")},
			[]checks.Finding{finding("CR201", ".devcontainer/devcontainer.json", 2, ed(".devcontainer/devcontainer.json", 2, 2, "  \"image\": \"x\",\n  \"remoteUser\": \"coder\""))},
			map[string]string{"Dockerfile": strings.Replace(df, "RUN a\n", "RUN a2\n", 1), ".devcontainer/devcontainer.json": "{\n  \"image\": \"x\",\n  \"remoteUser\": \"coder\"\n}\n"},
			false, false},
		{"last line without a newline",
			map[string]string{"Dockerfile": "FROM a\nRUN b\nCMD c"},
			[]checks.Edit{ed("Dockerfile", 1, 1, "FROM a:1\nARG T")},
			[]checks.Finding{finding("CR101", "Dockerfile", 3, ed("Dockerfile", 3, 3, "USER coder\nCMD c"))},
			map[string]string{"Dockerfile": "FROM a:1\nARG T\nRUN b\nUSER coder\nCMD c"},
			true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write := func(p, c string) {
				t.Helper()
				if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for p, c := range tt.files {
				write(p, c)
			}
			pt, err := FormatPatch(tt.findings, tt.applied, func(p string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, p)) })
			if err != nil {
				t.Fatal(err)
			}
			if pt.OnSuggestions != tt.on || (pt.Diff == "") != tt.empty {
				t.Errorf("OnSuggestions %v, empty %v; want %v, %v:\n%s", pt.OnSuggestions, pt.Diff == "", tt.on, tt.empty, pt.Diff)
			}
			// Commit the suggestions, then apply the patch.
			for p, c := range tt.files {
				write(p, commitSuggestions(t, c, p, tt.applied))
			}
			if pt.Diff != "" {
				write("fix.patch", pt.Diff)
				cmd := exec.Command("git", "apply", "--unsafe-paths", "fix.patch")
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git apply after the suggestions: %v\n%s\npatch:\n%s", err, out, pt.Diff)
				}
			}
			for p, want := range tt.want {
				got, err := os.ReadFile(filepath.Join(dir, p))
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != want {
					t.Errorf("%s:\n%q\nwant\n%q\npatch:\n%s", p, got, want, pt.Diff)
				}
			}
		})
	}
}

// commitSuggestions applies the suggestions on path to src, as committing
// them on GitHub does: each replaces its lines (a file's missing last
// newline stays missing).
func commitSuggestions(t *testing.T, src, path string, sugg []checks.Edit) string {
	t.Helper()
	lines := strings.SplitAfter(src, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	es := slices.Clone(sugg)
	slices.SortFunc(es, func(a, b checks.Edit) int { return b.StartLine - a.StartLine })
	for _, e := range es {
		if e.Path != path {
			continue
		}
		if e.StartLine < 1 || e.EndLine > len(lines) {
			t.Fatalf("suggestion of lines %d-%d outside %s", e.StartLine, e.EndLine, path)
		}
		var repl []string
		if !e.Delete {
			end := "\n"
			if !strings.HasSuffix(lines[e.EndLine-1], "\n") {
				end = ""
			}
			repl = []string{e.Text + end}
		}
		lines = slices.Replace(lines, e.StartLine-1, e.EndLine, repl...)
	}
	return strings.Join(lines, "")
}
