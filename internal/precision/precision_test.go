package precision

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coderready/coderready/scan"
)

// evalDir is the repository's evaluation set.
const evalDir = "../../testdata/eval"

// TestEvalSet runs the engine offline over the whole evaluation set and
// compares every finding with its hand judgment: a finding nobody judged, a
// TRUE finding gone, a FALSE warning or error not in known-false.tsv, or a
// known-false entry no longer reported fails the test. A missing set is a
// failure, not a skip. The per-rule table is logged (go test -v, or make
// precision).
func TestEvalSet(t *testing.T) {
	sources, err := LoadSources(evalDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(sources) < 20 {
		t.Fatalf("the evaluation set has %d repositories, want at least 20", len(sources))
	}
	dockerfiles, devcontainers := countFiles(t, evalDir)
	if dockerfiles < 400 || devcontainers < 200 {
		t.Fatalf("the evaluation set has %d Dockerfiles and %d devcontainer.json files, want at least 400 and 200", dockerfiles, devcontainers)
	}
	fs, _, err := Collect(context.Background(), evalDir, sources)
	if err != nil {
		t.Fatal(err)
	}
	js, err := LoadJudgments(filepath.Join(evalDir, "judgments.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	known, err := LoadKnownFalse(filepath.Join(evalDir, "known-false.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	o := Compare(fs, js, known)
	stats := o.Stats()
	t.Logf("%d findings over %d Dockerfiles and %d devcontainer.json files\n%s", len(fs), dockerfiles, devcontainers, Table(stats))
	if n := stats[len(stats)-1].Unjudged; n > 0 {
		t.Logf("%d findings are still UNJUDGED in judgments.tsv", n)
	}
	if err := o.Problems(); err != nil {
		t.Errorf("the findings differ from the judgments (judge new findings in %s, go run ./tools/precision -record adds them):\n%v", filepath.Join(evalDir, "judgments.tsv"), err)
	}
}

// countFiles counts the Dockerfiles and devcontainer.json files discovery
// would pick up under dir.
func countFiles(t *testing.T, dir string) (dockerfiles, devcontainers int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case scan.IsDockerfileName(d.Name()):
			dockerfiles++
		case scan.IsDevcontainerPath(rel):
			devcontainers++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("counting the evaluation set: %v", err)
	}
	return dockerfiles, devcontainers
}

// BenchmarkCheckEvalSet times the offline check of the whole set and
// reports it per file (the goal: under 5 ms a file).
func BenchmarkCheckEvalSet(b *testing.B) {
	sources, err := LoadSources(evalDir)
	if err != nil {
		b.Fatal(err)
	}
	var files int
	for _, s := range sources {
		_ = filepath.WalkDir(filepath.Join(evalDir, s.Repo), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(evalDir, p)
				if scan.IsDockerfileName(d.Name()) || scan.IsDevcontainerPath(filepath.ToSlash(rel)) {
					files++
				}
			}
			return nil
		})
	}
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Collect(context.Background(), evalDir, sources); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(files)/1e6, "ms/file")
}

// TestCompare checks the comparison on hand-made findings: each kind of
// difference is reported, and a matching state is clean.
func TestCompare(t *testing.T) {
	f := func(path string, line int, rule, sev, msg string) Finding {
		return Finding{Path: path, Line: line, Rule: rule, Severity: sev, Message: msg}
	}
	j := func(fd Finding, verdict string) Judgment {
		return Judgment{Finding: fd, Verdict: verdict, Reason: "because"}
	}
	a := f("o/r/Dockerfile", 3, "CR101", "warning", "final stage runs as root")
	b := f("o/r/Dockerfile", 9, "CR112", "warning", "hard-codes amd64")
	c := f("o/r/.devcontainer/devcontainer.json", 1, "CR210", "error", "placeholder")
	tests := []struct {
		name  string
		found []Finding
		judg  []Judgment
		known []Finding
		want  []string // substrings of the problems, none for a clean state
	}{
		{"all judged, known false listed", []Finding{a, b, c}, []Judgment{j(a, True), j(b, Moot), j(c, False)}, []Finding{c}, nil},
		{"new finding", []Finding{a, b}, []Judgment{j(a, True)}, nil, []string{"new finding, not judged: o/r/Dockerfile:9 CR112"}},
		{"TRUE gone", nil, []Judgment{j(a, True)}, nil, []string{"TRUE finding no longer reported"}},
		{"MOOT or FALSE gone is fine", nil, []Judgment{j(b, Moot), j(c, False)}, nil, nil},
		{"FALSE error not known", []Finding{c}, []Judgment{j(c, False)}, nil, []string{"FALSE finding at error not in known-false.tsv"}},
		{"known false fixed", nil, []Judgment{j(c, False)}, []Finding{c}, []string{"remove it from known-false.tsv"}},
		{"known false demoted to info", []Finding{f(c.Path, c.Line, c.Rule, "info", c.Message)}, []Judgment{j(c, False)}, []Finding{c}, []string{"remove it from known-false.tsv"}},
		{"FALSE info needs no listing", []Finding{f(c.Path, c.Line, c.Rule, "info", c.Message)}, []Judgment{j(c, False)}, nil, nil},
		{"reworded message still matches", []Finding{f(a.Path, a.Line, a.Rule, a.Severity, "reworded")}, []Judgment{j(a, True)}, nil, nil},
		{"two findings on a line need two judgments", []Finding{a, f(a.Path, a.Line, a.Rule, a.Severity, "other")}, []Judgment{j(a, True)}, nil, []string{"new finding, not judged: o/r/Dockerfile:3 CR101 warning other"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Compare(tt.found, tt.judg, tt.known).Problems()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("want no problems, got:\n%v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want problems %q, got none", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("problems lack %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestStats checks precision sets MOOT aside and recall counts TRUE
// judgments whose finding is gone.
func TestStats(t *testing.T) {
	fd := func(line int, rule string) Finding {
		return Finding{Path: "o/r/Dockerfile", Line: line, Rule: rule, Severity: "warning", Message: "m"}
	}
	js := []Judgment{
		{Finding: fd(1, "CR101"), Verdict: True, Reason: "r"},
		{Finding: fd(2, "CR101"), Verdict: True, Reason: "r"},
		{Finding: fd(3, "CR101"), Verdict: False, Reason: "r"},
		{Finding: fd(4, "CR101"), Verdict: Moot, Reason: "r"},
		{Finding: fd(5, "CR101"), Verdict: True, Reason: "r"},
	}
	o := Compare([]Finding{fd(1, "CR101"), fd(2, "CR101"), fd(3, "CR101"), fd(4, "CR101")}, js, []Finding{fd(3, "CR101")})
	st := o.Stats()
	r := st[0]
	if r.Rule != "CR101" || r.True != 2 || r.False != 1 || r.Moot != 1 || r.TrueJudged != 3 {
		t.Fatalf("stats = %+v", r)
	}
	if p, _ := r.Precision(); p < 0.666 || p > 0.667 {
		t.Errorf("precision = %v, want 2/3", p)
	}
	if rc, _ := r.Recall(); rc < 0.666 || rc > 0.667 {
		t.Errorf("recall = %v, want 2/3", rc)
	}
	if !strings.Contains(Table(st), "| CR101 | 2 | 1 | 1 | 0 | 1 | 67% | 67% |") {
		t.Errorf("table:\n%s", Table(st))
	}
}

// TestReadJudgmentsErrors: a malformed judgments file is a clear error
// naming the row.
func TestReadJudgmentsErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"columns", "a\t1\tCR101\n", "x:1: 3 columns"},
		{"line", "a\tx\tCR101\twarning\tTRUE\tr\tm\n", `x:1: line "x" is not a number`},
		{"verdict", "a\t1\tCR101\twarning\tMAYBE\tr\tm\n", `verdict "MAYBE"`},
		{"reason", "a\t1\tCR101\twarning\tTRUE\t\tm\n", "without a reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadJudgments(strings.NewReader(tt.in), "x")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
