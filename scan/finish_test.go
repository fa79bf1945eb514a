package scan

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/checks"
)

// TestScanFindingsGoThroughThePipeline: the findings the scan makes itself
// (a failed build, CR300; a file it cannot read, CR100) obey what every
// rule's findings obey: `coderready:ignore` comments in the Dockerfile and
// the devcontainer.json (an ID, or `*` as README promises), and the
// config's severities and switches. Builds fail through a fake builder at
// the line each Dockerfile's RUN false sits on; no engine is needed.
func TestScanFindingsGoThroughThePipeline(t *testing.T) {
	root := writeTree(t, map[string]string{
		"plain/Dockerfile": "FROM scratch\nRUN false\n",
		"id/Dockerfile":    "FROM scratch\n# coderready:ignore=CR300\nRUN false\n",
		"star/Dockerfile":  "FROM scratch\n# coderready:ignore=*\nRUN false\n",
		"other/Dockerfile": "FROM scratch\n# coderready:ignore=CR104\nRUN false\n",
		"dc/.devcontainer/devcontainer.json": "{\n  \"build\": {\"dockerfile\": \"Dockerfile\"},\n" +
			"  // coderready:ignore=CR300\n  \"features\": {\"ghcr.io/x/y:1\": {}}\n}\n",
		"dc/.devcontainer/Dockerfile": "FROM scratch\n# coderready:ignore=CR300\nRUN false\n",
	})
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("FROM scratch\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "link"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(root, "link", "Dockerfile")); err != nil {
		t.Fatal(err)
	}
	fail := map[string]*build.Failure{}
	for _, df := range []string{"plain/Dockerfile", "id/Dockerfile", "star/Dockerfile", "other/Dockerfile", "dc/.devcontainer/Dockerfile"} {
		line := 3
		if df == "plain/Dockerfile" {
			line = 2
		}
		fail[df] = &build.Failure{Line: line, Message: "RUN false: exit code 1"}
	}
	run := func(cfg *checks.Config) map[string][]checks.Finding {
		fb := &fakeBuilds{docker: map[string]build.Spec{}, cli: map[string]build.DevcontainerSpec{}, root: root, fail: fail}
		rep, err := Run(context.Background(), root, Options{
			Config: cfg, Bases: noBases{}, Builder: fb, DevcontainerBuilder: fb, BuildWith: BuildWithDocker, RootRelative: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]checks.Finding{}
		for _, tr := range rep.Targets {
			for _, f := range tr.Findings {
				if f.RuleID == "CR300" || f.RuleID == "CR100" {
					got[f.Location.Path] = append(got[f.Location.Path], f)
				}
			}
		}
		return got
	}
	sevs := func(fs []checks.Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.RuleID+" "+f.Severity.String())
		}
		slices.Sort(out)
		return out
	}

	got := run(checks.DefaultConfig())
	for path, want := range map[string][]string{
		"plain/Dockerfile": {"CR300 error"},
		"other/Dockerfile": {"CR300 error"}, // the comment names another rule
		"id/Dockerfile":    nil,
		"star/Dockerfile":  nil,
		// The build failure on line 3 and "features not applied" on the
		// features line are both silenced where they sit.
		"dc/.devcontainer/Dockerfile":        nil,
		"dc/.devcontainer/devcontainer.json": nil,
		// Not read (a link out of the repository): a warning.
		"link/Dockerfile": {"CR100 warning"},
	} {
		if g := sevs(got[path]); !slices.Equal(g, want) {
			t.Errorf("default config, %s: %q, want %q", path, g, want)
		}
	}

	cfg := checks.DefaultConfig()
	cfg.Rules["CR300"] = checks.RuleConfig{Severity: checks.SeverityWarning}
	cfg.Rules["CR100"] = checks.RuleConfig{Severity: checks.SeverityOff}
	got = run(cfg)
	if g := sevs(got["plain/Dockerfile"]); !slices.Equal(g, []string{"CR300 warning"}) {
		t.Errorf("CR300 set to warning: %q", g)
	}
	if g := got["link/Dockerfile"]; len(g) != 0 {
		t.Errorf("CR100 turned off: %v", g)
	}
	if g := got["id/Dockerfile"]; len(g) != 0 {
		t.Errorf("an ignore comment still wins over a configured severity: %v", g)
	}
}

// TestPlanReadsEachFileOnce: planning and checking share one read of every
// file, so a devcontainer.json and its Dockerfile are parsed once.
func TestPlanReadsEachFileOnce(t *testing.T) {
	root := writeTree(t, map[string]string{
		".devcontainer/devcontainer.json": `{"build": {"dockerfile": "Dockerfile"}}`,
		".devcontainer/Dockerfile":        "FROM scratch\nCOPY a /a\n",
		"Dockerfile":                      "FROM scratch\n",
	})
	p, err := Plan(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Close() }()
	parsed := map[string]any{}
	for _, t := range p.Targets {
		if t.dc != nil {
			parsed[t.Path] = t.dc.dc
		}
	}
	dockerfiles := map[string]any{}
	for _, rel := range []string{".devcontainer/Dockerfile", "Dockerfile"} {
		f, _, _ := p.files.dockerfile(rel)
		dockerfiles[rel] = f
	}
	if _, err := Check(t.Context(), p, Options{Offline: true}); err != nil {
		t.Fatal(err)
	}
	for _, t2 := range p.Targets {
		if t2.dc != nil && any(t2.dc.dc) != parsed[t2.Path] {
			t.Errorf("%s parsed again", t2.Path)
		}
	}
	for rel, want := range dockerfiles {
		if f, _, _ := p.files.dockerfile(rel); any(f) != want || f == nil {
			t.Errorf("%s parsed again (or never)", rel)
		}
	}
	if n := len(p.files.read); n != 3 {
		t.Errorf("%d files read, want 3 (each once)", n)
	}
}
