package checks

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coderready/coderready/internal/golden"
	"github.com/coderready/coderready/internal/testenv"
)

// sampleResult is a hand-built result covering what renderers must handle:
// several files and targets, columns known and unknown, a multi-line span,
// details, fixes that replace, insert and delete, a fix editing another
// file, a finding two targets share, a target without findings, and a
// finding of a rule the registry does not know.
func sampleResult() *Result {
	shared := Finding{
		RuleID: "CR100", Severity: SeverityError,
		Message:  "RUN is not valid shell: `&&` must be followed by a command",
		Location: Location{Path: ".devcontainer/Dockerfile", StartLine: 7, StartCol: 5, EndLine: 7, EndCol: 7},
		Fix: &Fix{Description: "remove the second `&&`", Edits: []Edit{
			{Path: ".devcontainer/Dockerfile", StartLine: 7, EndLine: 7, Text: "    apt-get install -y curl"},
		}},
	}
	return &Result{
		Root: ".",
		Targets: []TargetResult{
			{Path: "tools/Dockerfile", Kind: KindDockerfile, Findings: []Finding{}},
			{Path: "Dockerfile", Kind: KindDockerfile, Findings: []Finding{
				{
					RuleID: "CR101", Severity: SeverityWarning,
					Message:  "the final stage runs as root (no USER, and `ubuntu` runs as root)",
					Location: Location{Path: "Dockerfile", StartLine: 5, EndLine: 5},
					Fix: &Fix{Description: "create a user and switch to it", Edits: []Edit{
						{Path: "Dockerfile", StartLine: 5, EndLine: 5, Text: "RUN apt-get update\nRUN useradd --create-home --uid 1000 coder\nUSER coder"},
					}},
				},
				{
					RuleID: "CR102", Severity: SeverityWarning,
					Message:  "`ubuntu` is not pinned to a tag or digest",
					Location: Location{Path: "Dockerfile", StartLine: 1, StartCol: 6, EndLine: 1, EndCol: 12},
					Fix: &Fix{Description: "pin a tag", Edits: []Edit{
						{Path: "Dockerfile", StartLine: 1, EndLine: 1, Text: "FROM ubuntu:24.04"},
					}},
				},
				{
					RuleID: "CR399", Severity: SeverityError,
					Message:  "the image could not be built",
					Location: Location{Path: "Dockerfile", StartLine: 3, EndLine: 4},
					Details:  "#5 ERROR: process \"/bin/sh -c make\" did not complete\nmake: *** No targets.  Stop.",
				},
			}},
			{Path: ".devcontainer/devcontainer.json", Kind: KindDevcontainer, Dockerfile: ".devcontainer/Dockerfile", Findings: []Finding{
				shared,
				{
					RuleID: "CR207", Severity: SeverityInfo,
					Message:  "envbuilder ignores `forwardPorts`",
					Location: Location{Path: ".devcontainer/devcontainer.json", StartLine: 3, StartCol: 3, EndLine: 4, EndCol: 4},
					Fix: &Fix{Description: "remove it and forward the port in the template", Edits: []Edit{
						{Path: ".devcontainer/devcontainer.json", StartLine: 3, EndLine: 4, Delete: true},
					}},
				},
				{
					RuleID: "CR104", Severity: SeverityInfo,
					Message:  "no curl, wget or busybox: the Coder agent cannot be downloaded",
					Location: Location{Path: ".devcontainer/Dockerfile"},
					Fix: &Fix{Description: "install curl (in the Dockerfile the devcontainer builds)", Edits: []Edit{
						{Path: ".devcontainer/Dockerfile", StartLine: 6, EndLine: 6, Text: "RUN apt-get update && \\\n    apt-get install -y --no-install-recommends curl ca-certificates"},
					}},
				},
			}},
			{Path: ".devcontainer/alt/devcontainer.json", Kind: KindDevcontainer, Dockerfile: ".devcontainer/Dockerfile", Findings: []Finding{shared}},
		},
	}
}

// sampleFiles are the files sampleResult's fixes edit, for
// TextOptions.ReadFile.
var sampleFiles = map[string]string{
	"Dockerfile":                      "FROM ubuntu\nARG X=1\nCOPY . /src\nRUN make\nRUN apt-get update\n",
	".devcontainer/Dockerfile":        "FROM debian:12\nARG A\nARG B\nARG C\nARG D\nRUN apt-get update && \\\n    && apt-get install -y curl\n",
	".devcontainer/devcontainer.json": "{\n  \"build\": {\"dockerfile\": \"Dockerfile\"},\n  \"forwardPorts\": [\n    3000],\n}\n",
}

func readSample(p string) ([]byte, error) {
	if s, ok := sampleFiles[p]; ok {
		return []byte(s), nil
	}
	return nil, os.ErrNotExist
}

// sampleRules is a fixed rule list for the SARIF golden file, so it does
// not change whenever a rule is added to the registry.
func sampleRules() []*Rule {
	return []*Rule{
		{ID: "CR100", Title: "Dockerfile or RUN command does not parse", Severity: SeverityError, Family: FamilyDockerfile,
			What: "The Dockerfile does not parse.", Why: "The build fails.", HowToFix: "Fix the line.", Sources: []string{"dockerfile"}},
		{ID: "CR101", Title: "Final stage runs as root", Severity: SeverityWarning, Family: FamilyDockerfile,
			What: "The final stage ends as root.", Why: "Coder wants a non-root user.", HowToFix: "Add `USER coder`.", Sources: []string{"seed"}},
		{ID: "CR102", Title: "Base image not pinned", Severity: SeverityWarning, Family: FamilyDockerfile,
			What: "No tag.", Why: "Reproducible golden images.", HowToFix: "Pin a tag."},
		{ID: "CR103", Title: "Base image not allowed", Severity: SeverityError, Family: FamilyDockerfile, ConfigOnly: true,
			What: "Not an allowed base.", Why: "Golden images.", HowToFix: "Use an allowed base."},
		{ID: "CR104", Title: "No download tool for the Coder agent", Severity: SeverityInfo, Family: FamilyDockerfile,
			What: "No curl.", Why: "The agent is downloaded.", HowToFix: "Install curl."},
		{ID: "CR207", Title: "Property envbuilder ignores", Severity: SeverityInfo, Family: FamilyDevcontainer,
			Builders: []Builder{BuilderEnvbuilder}, What: "Ignored.", Why: "envbuilder reads few properties.", HowToFix: "Move it."},
	}
}

func TestRenderTextGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts TextOptions
	}{
		{"render_text.golden", TextOptions{}},
		{"render_text_source.golden", TextOptions{ReadFile: readSample}},
		{"render_text_color.golden", TextOptions{Color: true, ReadFile: readSample}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RenderText(&buf, sampleResult(), tt.opts); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.name), buf.Bytes())
		})
	}
}

func TestRenderTextNoFindings(t *testing.T) {
	var buf bytes.Buffer
	r := &Result{Root: ".", Targets: []TargetResult{{Path: "Dockerfile", Kind: KindDockerfile}}}
	if err := RenderText(&buf, r, TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "no findings (1 target checked)\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRenderWriteErrors(t *testing.T) {
	r := sampleResult()
	for name, err := range map[string]error{
		"text":  RenderText(failWriter{}, r, TextOptions{}),
		"json":  RenderJSON(failWriter{}, r, "1.0.0"),
		"sarif": RenderSARIF(failWriter{}, r, "1.0.0"),
	} {
		if err == nil || !strings.Contains(err.Error(), "render "+name+": disk full") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestRenderJSONGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderJSON(&buf, sampleResult(), "1.2.3"); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "render.json.golden"), buf.Bytes())

	// The documented shape, read back.
	var rep struct {
		Version int `json:"version"`
		Tool    struct{ Name, Version string }
		Targets []struct {
			Path     string
			Findings []map[string]any
		}
		Summary Summary
	}
	if err := json.Unmarshal(buf.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Version != JSONSchemaVersion || rep.Tool.Name != "coderready" || rep.Tool.Version != "1.2.3" {
		t.Errorf("header = %+v", rep)
	}
	if want := (Summary{Errors: 2, Warnings: 2, Info: 2, Files: 3, Targets: 4}); rep.Summary != want {
		t.Errorf("summary = %+v, want %+v", rep.Summary, want)
	}
	for i := 1; i < len(rep.Targets); i++ {
		if rep.Targets[i-1].Path > rep.Targets[i].Path {
			t.Errorf("targets out of order: %q before %q", rep.Targets[i-1].Path, rep.Targets[i].Path)
		}
	}
	if rep.Targets[len(rep.Targets)-1].Findings == nil {
		t.Error("a target without findings has null findings, want []")
	}
}

func TestRenderJSONDeterministic(t *testing.T) {
	a, b := sampleResult(), sampleResult()
	// Same content, targets and findings in another order.
	b.Targets[0], b.Targets[2] = b.Targets[2], b.Targets[0]
	fs := b.Targets[1].Findings
	fs[0], fs[2] = fs[2], fs[0]
	var ba, bb bytes.Buffer
	if err := RenderJSON(&ba, a, ""); err != nil {
		t.Fatal(err)
	}
	if err := RenderJSON(&bb, b, ""); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ba.Bytes(), bb.Bytes()) {
		t.Errorf("output depends on input order:\n%s", golden.FirstDiff(ba.String(), bb.String()))
	}
	if !strings.Contains(ba.String(), `"version": "dev"`) {
		t.Error(`empty tool version not written as "dev"`)
	}
}

func TestRenderSARIFGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := renderSARIF(&buf, sampleResult(), "1.2.3", sampleRules()); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "render.sarif.golden"), buf.Bytes())
	checkSARIF(t, buf.Bytes(), sampleRules())
}

// TestRenderSARIFRegistry renders with the real registry: every registered
// rule is described, and the structure holds.
func TestRenderSARIFRegistry(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderSARIF(&buf, sampleResult(), "1.2.3"); err != nil {
		t.Fatal(err)
	}
	checkSARIF(t, buf.Bytes(), Rules())
}

// The parts of SARIF 2.1.0 GitHub code scanning reads, for decoding output.
type (
	sarifCheckLog struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name, InformationURI, Version string
					Rules                         []struct {
						ID, Name, HelpURI                 string
						ShortDescription, FullDescription struct{ Text string }
						Help                              struct{ Text, Markdown string }
						DefaultConfiguration              struct{ Level string }
						Properties                        struct{ Tags []string }
					}
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex *int
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string
							URIBaseID string `json:"uriBaseId"`
						}
						Region *struct{ StartLine, StartColumn, EndLine, EndColumn int }
					}
				}
				PartialFingerprints map[string]string
				Fixes               []struct {
					Description     struct{ Text string }
					ArtifactChanges []struct {
						ArtifactLocation struct{ URI string }
						Replacements     []struct {
							DeletedRegion   struct{ StartLine, StartColumn, EndLine, EndColumn int }
							InsertedContent *struct{ Text string }
						}
					}
				}
			}
		}
	}
)

// checkSARIF asserts what GitHub code scanning requires of a SARIF upload.
func checkSARIF(t *testing.T, b []byte, rules []*Rule) {
	t.Helper()
	if err := testenv.ValidateJSON(t, sarifSchema, b); err != nil {
		t.Error(err)
	}
	var log sarifCheckLog
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif") || len(log.Runs) != 1 {
		t.Fatalf("header: version %q schema %q runs %d", log.Version, log.Schema, len(log.Runs))
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name != "coderready" || d.InformationURI == "" || d.Version != "1.2.3" {
		t.Errorf("driver = %q %q %q", d.Name, d.InformationURI, d.Version)
	}
	known := map[string]bool{}
	for _, r := range rules {
		known[r.ID] = true
	}
	ids := map[string]int{}
	for i, r := range d.Rules {
		if _, dup := ids[r.ID]; dup {
			t.Errorf("rule %s described twice", r.ID)
		}
		ids[r.ID] = i
		if r.ShortDescription.Text == "" || r.FullDescription.Text == "" || r.Help.Text == "" {
			t.Errorf("rule %s lacks a description or help", r.ID)
		}
		if known[r.ID] && r.HelpURI != RulesDocURL+"#"+strings.ToLower(r.ID) {
			t.Errorf("rule %s helpUri = %q", r.ID, r.HelpURI)
		}
		switch r.DefaultConfiguration.Level {
		case "error", "warning", "note":
		default:
			t.Errorf("rule %s level %q", r.ID, r.DefaultConfiguration.Level)
		}
		if len(r.Properties.Tags) > 20 {
			t.Errorf("rule %s has %d tags; GitHub takes 20", r.ID, len(r.Properties.Tags))
		}
	}
	for _, r := range rules {
		if _, ok := ids[r.ID]; !ok {
			t.Errorf("rule %s is not in the driver's rules", r.ID)
		}
	}
	if len(run.Results) == 0 {
		t.Fatal("no results")
	}
	fps := map[string]bool{}
	for i, res := range run.Results {
		if res.RuleIndex == nil || *res.RuleIndex < 0 || *res.RuleIndex >= len(d.Rules) {
			t.Fatalf("result %d: ruleIndex %v out of range", i, res.RuleIndex)
		}
		if got := d.Rules[*res.RuleIndex].ID; got != res.RuleID {
			t.Errorf("result %d: ruleIndex points at %s, ruleId is %s", i, got, res.RuleID)
		}
		switch res.Level {
		case "error", "warning", "note":
		default:
			t.Errorf("result %d: level %q", i, res.Level)
		}
		if res.Message.Text == "" {
			t.Errorf("result %d: empty message", i)
		}
		if len(res.Locations) != 1 {
			t.Errorf("result %d: %d locations, want 1", i, len(res.Locations))
			continue
		}
		pl := res.Locations[0].PhysicalLocation
		if u := pl.ArtifactLocation.URI; u == "" || strings.HasPrefix(u, "./") || strings.HasPrefix(u, "/") || pl.ArtifactLocation.URIBaseID != "%SRCROOT%" {
			t.Errorf("result %d: artifact %+v", i, pl.ArtifactLocation)
		}
		if rg := pl.Region; rg != nil {
			if rg.StartLine < 1 || rg.StartColumn < 0 || (rg.EndLine != 0 && rg.EndLine < rg.StartLine) ||
				(rg.EndLine == 0 && rg.EndColumn != 0 && rg.EndColumn <= rg.StartColumn) {
				t.Errorf("result %d: bad region %+v", i, *rg)
			}
		}
		fp := res.PartialFingerprints[SARIFFingerprintKey]
		if fp == "" || fps[fp] {
			t.Errorf("result %d: fingerprint %q missing or not unique", i, fp)
		}
		fps[fp] = true
		if _, ok := res.PartialFingerprints["primaryLocationLineHash"]; ok {
			t.Errorf("result %d: sets primaryLocationLineHash, which GitHub computes itself", i)
		}
		for _, fx := range res.Fixes {
			if fx.Description.Text == "" || len(fx.ArtifactChanges) == 0 {
				t.Errorf("result %d: fix %+v", i, fx)
			}
			for _, ac := range fx.ArtifactChanges {
				if ac.ArtifactLocation.URI == "" || len(ac.Replacements) == 0 {
					t.Errorf("result %d: artifact change %+v", i, ac)
				}
				for _, rp := range ac.Replacements {
					if rp.DeletedRegion.StartLine < 1 {
						t.Errorf("result %d: replacement %+v", i, rp)
					}
				}
			}
		}
	}
}

func TestSARIFFingerprintStable(t *testing.T) {
	render := func(r *Result) sarifCheckLog {
		var buf bytes.Buffer
		if err := renderSARIF(&buf, r, "", sampleRules()); err != nil {
			t.Fatal(err)
		}
		var log sarifCheckLog
		if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
			t.Fatal(err)
		}
		return log
	}
	a := sampleResult()
	b := sampleResult()
	// The same findings after lines were added above them.
	for i := range b.Targets {
		for j := range b.Targets[i].Findings {
			b.Targets[i].Findings[j].Location.StartLine += 10
		}
	}
	ra, rb := render(a).Runs[0].Results, render(b).Runs[0].Results
	if len(ra) != len(rb) {
		t.Fatalf("%d vs %d results", len(ra), len(rb))
	}
	for i := range ra {
		if ra[i].PartialFingerprints[SARIFFingerprintKey] != rb[i].PartialFingerprints[SARIFFingerprintKey] {
			t.Errorf("result %d (%s): fingerprint changed when the finding moved", i, ra[i].RuleID)
		}
	}
}

func TestSARIFArtifact(t *testing.T) {
	for in, want := range map[string]sarifArtifactLocation{
		"Dockerfile":                {URI: "Dockerfile", URIBaseID: "%SRCROOT%"},
		"./a/Dockerfile":            {URI: "a/Dockerfile", URIBaseID: "%SRCROOT%"},
		"dir with space/Dockerfile": {URI: "dir%20with%20space/Dockerfile", URIBaseID: "%SRCROOT%"},
		"/abs/Dockerfile":           {URI: "file:///abs/Dockerfile"},
	} {
		if got := sarifArtifact(in); got != want {
			t.Errorf("sarifArtifact(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func TestRuleName(t *testing.T) {
	for in, want := range map[string]string{
		"Final stage runs as root":      "FinalStageRunsAsRoot",
		"ARG used in FROM has no value": "ARGUsedInFROMHasNoValue",
		"Root writes to $HOME":          "RootWritesToHOME",
	} {
		if got := ruleName(in); got != want {
			t.Errorf("ruleName(%q) = %q, want %q", in, got, want)
		}
	}
}
