// Package precision measures coderready's findings against a hand-judged,
// real-world evaluation set (testdata/eval): every finding `check --offline`
// reports there is judged TRUE, FALSE or MOOT in judgments.tsv, and the
// comparison says which findings are new, which TRUE ones went missing and
// which FALSE ones are still reported, with precision per rule.
package precision

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/scan"
)

// Verdicts a judgment can give.
const (
	// True: the finding is right and matters for a Coder workspace image.
	True = "TRUE"
	// False: the finding is wrong.
	False = "FALSE"
	// Moot: technically right, but not relevant for what the file is (a CI
	// build image, an official library image not meant as a workspace).
	Moot = "MOOT"
	// Unjudged: recorded but not judged yet; counted and printed, never
	// taken as a verdict.
	Unjudged = "UNJUDGED"
)

// Finding is one finding of the engine on the set.
type Finding struct {
	// Path is the file's path under the set: owner/repo/path/in/repo.
	Path     string
	Line     int
	Rule     string
	Severity string
	// Message is the finding's message on one line.
	Message string
}

// Judgment is one hand-judged finding.
type Judgment struct {
	Finding
	Verdict string
	Reason  string
	// Row is the judgment's 1-based line in its file, for error messages.
	Row int
}

// Source is one repository of the set, as SOURCES.md lists it.
type Source struct {
	Repo    string // owner/name
	Commit  string
	License string
}

// LoadSources reads the repository table of dir/SOURCES.md (rows
// `| owner/name | commit | license | ...`) and checks every listed
// repository has its folder, and every folder is listed: a missing
// repository is an error, not a smaller set.
func LoadSources(dir string) ([]Source, error) {
	f, err := os.Open(filepath.Join(dir, "SOURCES.md"))
	if err != nil {
		return nil, fmt.Errorf("the evaluation set's source list: %w", err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose on close
	var out []Source
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(strings.Trim(strings.TrimSpace(sc.Text()), "|"), "|")
		if len(cells) < 3 {
			continue
		}
		repo := strings.Trim(strings.TrimSpace(cells[0]), "`")
		commit := strings.Trim(strings.TrimSpace(cells[1]), "`")
		if strings.Count(repo, "/") != 1 || len(commit) != 40 {
			continue // header, separator or prose
		}
		out = append(out, Source{Repo: repo, Commit: commit, License: strings.TrimSpace(cells[2])})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading SOURCES.md: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s lists no repository", filepath.Join(dir, "SOURCES.md"))
	}
	listed := map[string]bool{}
	for _, s := range out {
		listed[s.Repo] = true
		if fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(s.Repo))); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("SOURCES.md lists %s but its folder %s is missing (the evaluation set is incomplete)", s.Repo, filepath.Join(dir, filepath.FromSlash(s.Repo)))
		}
	}
	owners, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the evaluation set: %w", err)
	}
	for _, o := range owners {
		if !o.IsDir() {
			continue
		}
		repos, err := os.ReadDir(filepath.Join(dir, o.Name()))
		if err != nil {
			return nil, fmt.Errorf("reading the evaluation set: %w", err)
		}
		for _, r := range repos {
			if r.IsDir() && !listed[o.Name()+"/"+r.Name()] {
				return nil, fmt.Errorf("%s/%s is in the evaluation set but not in SOURCES.md (its commit and license must be recorded)", o.Name(), r.Name())
			}
		}
	}
	return out, nil
}

// Collect runs the engine as `coderready check --offline --no-build` does,
// once per repository root (so a devcontainer.json finds the Dockerfile and
// Compose files it names), and returns every finding, each once, sorted.
func Collect(ctx context.Context, dir string, sources []Source) ([]Finding, int, error) {
	var out []Finding
	targets := 0
	for _, s := range sources {
		rep, err := scan.Run(ctx, filepath.Join(dir, filepath.FromSlash(s.Repo)), scan.Options{NoBuild: true, Offline: true, RootRelative: true, Config: setConfig()})
		if err != nil {
			return nil, 0, fmt.Errorf("checking %s: %w", s.Repo, err)
		}
		targets += len(rep.Result.Targets)
		seen := map[Finding]bool{}
		for _, f := range rep.Result.Findings() {
			fd := Finding{
				Path:     path.Join(s.Repo, f.Location.Path),
				Line:     f.Location.StartLine,
				Rule:     f.RuleID,
				Severity: f.Severity.String(),
				Message:  oneLine(f.Message),
			}
			if !seen[fd] {
				seen[fd] = true
				out = append(out, fd)
			}
		}
	}
	sortFindings(out)
	return out, targets, nil
}

// setConfig is the default config with CR124 off: the set keeps each
// repository's build files (Dockerfiles, devcontainer.json, the scripts
// and configs the rules read), not every file a build context holds, so
// a COPY source missing from a copy says nothing of the repository.
func setConfig() *checks.Config {
	cfg := checks.DefaultConfig()
	cfg.Rules["CR124"] = checks.RuleConfig{Severity: checks.SeverityOff}
	return cfg
}

func sortFindings(fs []Finding) { slices.SortFunc(fs, CompareFindings) }

// oneLine makes a message fit a TSV cell.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)), " ")
}

// Judgments file columns, in order.
var judgmentColumns = []string{"path", "line", "rule", "severity", "verdict", "reason", "message"}

// LoadJudgments reads a judgments file: tab-separated path, line, rule,
// severity, verdict, reason, message; `#` lines and the header are skipped.
func LoadJudgments(file string) ([]Judgment, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("the judgments: %w", err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose on close
	return ReadJudgments(f, file)
}

// ReadJudgments parses a judgments file from r; name is for errors.
func ReadJudgments(r io.Reader, name string) ([]Judgment, error) {
	var out []Judgment
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	row := 0
	for sc.Scan() {
		row++
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "path\t") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != len(judgmentColumns) {
			return nil, fmt.Errorf("%s:%d: %d columns, want %d (%s)", name, row, len(c), len(judgmentColumns), strings.Join(judgmentColumns, ", "))
		}
		n, err := strconv.Atoi(c[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: line %q is not a number", name, row, c[1])
		}
		j := Judgment{Finding: Finding{Path: c[0], Line: n, Rule: c[2], Severity: c[3], Message: c[6]}, Verdict: c[4], Reason: c[5], Row: row}
		switch j.Verdict {
		case True, False, Moot:
			if strings.TrimSpace(j.Reason) == "" {
				return nil, fmt.Errorf("%s:%d: verdict %s without a reason", name, row, j.Verdict)
			}
		case Unjudged:
		default:
			return nil, fmt.Errorf("%s:%d: verdict %q, want TRUE, FALSE, MOOT or UNJUDGED", name, row, j.Verdict)
		}
		out = append(out, j)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return out, nil
}

// WriteJudgments writes judgments in the file's format, header first.
func WriteJudgments(w io.Writer, js []Judgment) error {
	var b strings.Builder
	b.WriteString(strings.Join(judgmentColumns, "\t") + "\n")
	for _, j := range js {
		fmt.Fprintf(&b, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", j.Path, j.Line, j.Rule, j.Severity, j.Verdict, oneLine(j.Reason), oneLine(j.Message))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// LoadKnownFalse reads known-false.tsv: tab-separated path, line, rule,
// message of the FALSE findings at warning or error still reported today.
func LoadKnownFalse(file string) ([]Finding, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("the known-false list: %w", err)
	}
	var out []Finding
	for i, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "path\t") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 4 {
			return nil, fmt.Errorf("%s:%d: %d columns, want 4 (path, line, rule, message)", file, i+1, len(c))
		}
		n, err := strconv.Atoi(c[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: line %q is not a number", file, i+1, c[1])
		}
		out = append(out, Finding{Path: c[0], Line: n, Rule: c[2], Message: c[3]})
	}
	return out, nil
}

// Outcome is a comparison of findings with judgments.
type Outcome struct {
	// Matched pairs each finding with its judgment (Unjudged ones too).
	Matched []Match
	// New findings no judgment covers.
	New []Finding
	// Gone are judgments whose finding is no longer reported.
	Gone []Judgment
	// NewFalse are FALSE findings at warning or error not in the
	// known-false list.
	NewFalse []Finding
	// FixedFalse are known-false entries no longer reported as a FALSE
	// warning or error: the list must shrink with them.
	FixedFalse []Finding
}

// Match is a finding and its judgment.
type Match struct {
	Finding  Finding
	Judgment Judgment
	// Index is the judgment's place in the list Compare was given.
	Index int
}

type lineKey struct {
	path string
	line int
	rule string
}

func keyOf(f Finding) lineKey { return lineKey{f.Path, f.Line, f.Rule} }

// pair matches findings to entries: first on path, line, rule and message,
// then (a rule's wording may change) on path, line and rule among what is
// left, in order. It returns, per finding, the index of its entry or -1, and
// which entries were used.
func pair(fs []Finding, entries []Finding) ([]int, []bool) {
	idx := make([]int, len(fs))
	used := make([]bool, len(entries))
	exact := map[Finding][]int{}
	byLine := map[lineKey][]int{}
	for i, e := range entries {
		k := e
		k.Severity = ""
		exact[k] = append(exact[k], i)
		byLine[keyOf(e)] = append(byLine[keyOf(e)], i)
	}
	take := func(cands []int) int {
		for _, c := range cands {
			if !used[c] {
				used[c] = true
				return c
			}
		}
		return -1
	}
	for i, f := range fs {
		k := f
		k.Severity = ""
		idx[i] = take(exact[k])
	}
	for i, f := range fs {
		if idx[i] < 0 {
			idx[i] = take(byLine[keyOf(f)])
		}
	}
	return idx, used
}

// Compare pairs findings with judgments and the known-false list.
func Compare(fs []Finding, js []Judgment, knownFalse []Finding) Outcome {
	var o Outcome
	jf := make([]Finding, len(js))
	for i, j := range js {
		jf[i] = j.Finding
	}
	idx, used := pair(fs, jf)
	var falseNow []Finding
	for i, f := range fs {
		if idx[i] < 0 {
			o.New = append(o.New, f)
			continue
		}
		j := js[idx[i]]
		o.Matched = append(o.Matched, Match{Finding: f, Judgment: j, Index: idx[i]})
		if j.Verdict == False && (f.Severity == checks.SeverityWarning.String() || f.Severity == checks.SeverityError.String()) {
			falseNow = append(falseNow, f)
		}
	}
	for i, j := range js {
		if !used[i] {
			o.Gone = append(o.Gone, j)
		}
	}
	kidx, kused := pair(falseNow, knownFalse)
	for i, f := range falseNow {
		if kidx[i] < 0 {
			o.NewFalse = append(o.NewFalse, f)
		}
	}
	for i, k := range knownFalse {
		if !kused[i] {
			o.FixedFalse = append(o.FixedFalse, k)
		}
	}
	return o
}

// Reword gives each judgment of js that o matched to a finding the
// finding's message and severity (a rule's wording changes; the verdict
// and its reason stay), and returns how many changed. o must come from
// Compare over js.
func Reword(js []Judgment, o Outcome) int {
	n := 0
	for _, m := range o.Matched {
		if js[m.Index].Finding == m.Finding {
			continue
		}
		js[m.Index].Finding = m.Finding
		n++
	}
	return n
}

// Problems lists what makes the comparison fail: findings nobody judged, TRUE
// findings that disappeared, FALSE warnings or errors not in the known-false
// list, and known-false entries that no longer appear. Judged FALSE or MOOT
// findings that disappear are progress, not problems.
func (o Outcome) Problems() error {
	var errs []error
	for _, f := range o.New {
		errs = append(errs, fmt.Errorf("new finding, not judged: %s", formatFinding(f)))
	}
	for _, j := range o.Gone {
		if j.Verdict == True {
			errs = append(errs, fmt.Errorf("TRUE finding no longer reported (judgments row %d): %s — %s", j.Row, formatFinding(j.Finding), j.Reason))
		}
	}
	for _, f := range o.NewFalse {
		errs = append(errs, fmt.Errorf("FALSE finding at %s not in known-false.tsv: %s", f.Severity, formatFinding(f)))
	}
	for _, f := range o.FixedFalse {
		errs = append(errs, fmt.Errorf("known-false finding no longer reported at warning or error, remove it from known-false.tsv: %s", formatFinding(f)))
	}
	return errors.Join(errs...)
}

func formatFinding(f Finding) string {
	sev := ""
	if f.Severity != "" {
		sev = " " + f.Severity
	}
	return fmt.Sprintf("%s:%d %s%s %s", f.Path, f.Line, f.Rule, sev, f.Message)
}

// RuleStats are one rule's counts.
type RuleStats struct {
	Rule                        string
	True, False, Moot, Unjudged int
	TrueJudged                  int // TRUE judgments, reported or not
	FalseWarnErr                int // FALSE findings at warning or error
}

// Precision is TRUE / (TRUE + FALSE) with MOOT set aside; ok is false when
// there is nothing to divide.
func (r RuleStats) Precision() (float64, bool) {
	if r.True+r.False == 0 {
		return 0, false
	}
	return float64(r.True) / float64(r.True+r.False), true
}

// Recall is the share of TRUE judgments still reported.
func (r RuleStats) Recall() (float64, bool) {
	if r.TrueJudged == 0 {
		return 0, false
	}
	return float64(r.True) / float64(r.TrueJudged), true
}

// Stats counts the verdicts of what is reported now, per rule and in total
// (Rule "all"), plus the TRUE judgments for recall.
func (o Outcome) Stats() []RuleStats {
	m := map[string]*RuleStats{}
	get := func(rule string) *RuleStats {
		if m[rule] == nil {
			m[rule] = &RuleStats{Rule: rule}
		}
		return m[rule]
	}
	for _, mt := range o.Matched {
		r := get(mt.Finding.Rule)
		switch mt.Judgment.Verdict {
		case True:
			r.True++
			r.TrueJudged++
		case False:
			r.False++
			if mt.Finding.Severity == "warning" || mt.Finding.Severity == "error" {
				r.FalseWarnErr++
			}
		case Moot:
			r.Moot++
		default:
			r.Unjudged++
		}
	}
	for _, f := range o.New {
		get(f.Rule).Unjudged++
	}
	for _, j := range o.Gone {
		if j.Verdict == True {
			get(j.Rule).TrueJudged++
		}
	}
	var out []RuleStats
	total := RuleStats{Rule: "all"}
	for _, r := range m {
		out = append(out, *r)
		total.True += r.True
		total.False += r.False
		total.Moot += r.Moot
		total.Unjudged += r.Unjudged
		total.TrueJudged += r.TrueJudged
		total.FalseWarnErr += r.FalseWarnErr
	}
	slices.SortFunc(out, func(a, b RuleStats) int { return cmp.Compare(a.Rule, b.Rule) })
	return append(out, total)
}

// Table renders stats as a Markdown table.
func Table(stats []RuleStats) string {
	var b strings.Builder
	b.WriteString("| rule | TRUE | FALSE | MOOT | unjudged | FALSE at warning/error | precision | recall |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	pct := func(v float64, ok bool) string {
		if !ok {
			return "–"
		}
		return fmt.Sprintf("%.0f%%", 100*v)
	}
	for _, r := range stats {
		name := r.Rule
		if name == "all" {
			name = "**all**"
		}
		p, pok := r.Precision()
		rc, rok := r.Recall()
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %s | %s |\n", name, r.True, r.False, r.Moot, r.Unjudged, r.FalseWarnErr, pct(p, pok), pct(rc, rok))
	}
	return b.String()
}

// CompareFindings orders findings by path, line, rule and message.
func CompareFindings(a, b Finding) int {
	return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Message, b.Message))
}

// FalseWarnErr returns the reported findings judged FALSE at warning or
// error: what known-false.tsv must list.
func FalseWarnErr(o Outcome) []Finding {
	var out []Finding
	for _, m := range o.Matched {
		if m.Judgment.Verdict == False && (m.Finding.Severity == "warning" || m.Finding.Severity == "error") {
			out = append(out, m.Finding)
		}
	}
	return out
}

// WriteKnownFalse writes the known-false list's format, header first.
func WriteKnownFalse(w io.Writer, fs []Finding) error {
	var b strings.Builder
	b.WriteString("path\tline\trule\tmessage\n")
	for _, f := range fs {
		fmt.Fprintf(&b, "%s\t%d\t%s\t%s\n", f.Path, f.Line, f.Rule, oneLine(f.Message))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
