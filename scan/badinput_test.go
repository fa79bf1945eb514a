package scan

import (
	"context"
	"strings"
	"testing"

	"github.com/coderready/coderready/checks"
)

// TestBadInput: files that are empty, binary, oversized or hostile give a
// clear finding on that file and never stop the scan of the others. An
// empty Dockerfile is a placeholder or a fixture that nothing builds: a
// note (CR120), not an error; junk that only looks like a template tag
// (`{{{{`) is still a config that does not parse.
func TestBadInput(t *testing.T) {
	huge := "FROM debian:12\n" + strings.Repeat("RUN echo "+strings.Repeat("x", 100)+"\n", (MaxFileSize/110)+10)
	files := map[string]string{
		"empty/Dockerfile":                       "",
		"junk/Dockerfile":                        "\x00\x01\x02\xff\xfe\x7fELF\x00\x00garbage\x00",
		"huge/Dockerfile":                        huge,
		"nested/.devcontainer/devcontainer.json": strings.Repeat("[", 200000),
		"junkjson/.devcontainer.json":            "\x00\xff{{{{",
		"emptyjson/.devcontainer.json":           "",
		"braces/.devcontainer.json":              "{{{{\n",
		"ok/Dockerfile":                          "FROM debian:12\nUSER 1000\n",
	}
	root := writeTree(t, files)
	rep, err := Run(context.Background(), root, Options{Config: checks.DefaultConfig(), NoBuild: true, Offline: true})
	if err != nil {
		t.Fatalf("a bad file must not fail the scan: %v", err)
	}
	byPath := map[string][]checks.Finding{}
	for _, tr := range rep.Result.Targets {
		for _, f := range tr.Findings {
			rel := strings.TrimPrefix(f.Location.Path, root+"/")
			byPath[rel] = append(byPath[rel], f)
		}
	}
	want := map[string]string{
		"junk/Dockerfile":                        "CR100",
		"huge/Dockerfile":                        "CR100",
		"nested/.devcontainer/devcontainer.json": "CR200",
		"junkjson/.devcontainer.json":            "CR200",
		"emptyjson/.devcontainer.json":           "CR200",
		"braces/.devcontainer.json":              "CR200",
	}
	for p, id := range want {
		var hit *checks.Finding
		for i, f := range byPath[p] {
			if f.RuleID == id {
				hit = &byPath[p][i]
			}
		}
		if hit == nil {
			t.Errorf("%s: no %s finding (got %+v)", p, id, byPath[p])
			continue
		}
		if hit.Severity != checks.SeverityError || hit.Message == "" {
			t.Errorf("%s: %s finding should be an error with a message: %+v", p, id, *hit)
		}
	}
	if fs := byPath["empty/Dockerfile"]; len(fs) != 1 || fs[0].RuleID != "CR120" || fs[0].Severity != checks.SeverityInfo {
		t.Errorf("empty/Dockerfile: %+v, want one CR120 note", fs)
	}
	for _, f := range byPath["ok/Dockerfile"] {
		if f.RuleID == "CR100" {
			t.Errorf("ok/Dockerfile: unexpected %+v", f)
		}
	}
}
