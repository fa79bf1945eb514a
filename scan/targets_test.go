package scan

import (
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/image"
)

func TestPlan(t *testing.T) {
	root := writeTree(t, map[string]string{
		"Dockerfile":                      "FROM debian:bookworm\nCOPY scripts/ /opt/scripts/\nCOPY --from=build /out /usr/bin/\nADD https://example.com/x.tgz /tmp/\nCOPY config/*.yaml /etc/app/\nCOPY . /src\n",
		"tools/Dockerfile.ci":             "FROM alpine:3.20\nCOPY entry.sh /entry.sh\n",
		".devcontainer/devcontainer.json": `{"build": {"dockerfile": "Dockerfile", "context": ".."}, "features": {"./local-feature": {}, "ghcr.io/devcontainers/features/go:1": {}}}`,
		".devcontainer/Dockerfile":        "FROM debian:bookworm\nCOPY requirements.txt /tmp/\n",
		".devcontainer/local-feature/devcontainer-feature.json": `{"id": "local-feature"}`,
		"compose/.devcontainer.json":                            `{"dockerComposeFile": ["docker-compose.yml"], "service": "app"}`,
		"compose/docker-compose.yml":                            "services:\n  app:\n    image: debian:bookworm\n",
		"built/.devcontainer/devcontainer.json":                 `{"dockerComposeFile": "../compose.yml", "service": "dev"}`,
		"built/compose.yml":                                     "services:\n  dev:\n    build:\n      context: .\n      dockerfile: docker/Dockerfile\n",
		"built/.env":                                            "X=1\n",
		"built/docker/Dockerfile":                               "FROM debian:bookworm\nCOPY src/ /src/\n",
	})
	p, err := Plan(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Close() }()
	got := map[string][]string{}
	for _, ti := range p.Targets {
		got[ti.Path] = ti.Inputs
	}
	want := map[string][]string{
		".devcontainer/devcontainer.json": {".devcontainer/Dockerfile", ".devcontainer/Dockerfile.dockerignore", ".devcontainer/devcontainer.json", ".devcontainer/local-feature", ".dockerignore", "requirements.txt"},
		"compose/.devcontainer.json":      {"compose/.devcontainer.json", "compose/docker-compose.yml"},
		// A Compose service's Dockerfile belongs to the devcontainer.
		"built/.devcontainer/devcontainer.json": {"built/.devcontainer/devcontainer.json", "built/.dockerignore", "built/.env", "built/compose.yml", "built/docker/Dockerfile", "built/docker/Dockerfile.dockerignore", "built/src"},
		"Dockerfile":                            {".", ".dockerignore", "Dockerfile", "Dockerfile.dockerignore", "config", "scripts"},
		"tools/Dockerfile.ci":                   {"tools/.dockerignore", "tools/Dockerfile.ci", "tools/Dockerfile.ci.dockerignore", "tools/entry.sh"},
	}
	for path, w := range want {
		if !slices.Equal(got[path], w) {
			t.Errorf("%s inputs\n got  %q\n want %q", path, got[path], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("targets %v, want %d", got, len(want))
	}
}

// TestPlanDevcontainerFolder: `check .devcontainer` (or a folder of
// configs under it) checks those configs from the workspace folder that
// holds them, so `"context": ".."` still leads into the checked tree; the
// rest of the workspace is not a target.
func TestPlanDevcontainerFolder(t *testing.T) {
	root := writeTree(t, map[string]string{
		"Dockerfile":                             "FROM debian:bookworm\n",
		"requirements.txt":                       "x\n",
		".devcontainer/devcontainer.json":        `{"build": {"dockerfile": "Dockerfile", "context": ".."}}`,
		".devcontainer/Dockerfile":               "FROM debian:bookworm\nCOPY requirements.txt /tmp/\n",
		".devcontainer/python/devcontainer.json": `{"image": "mcr.microsoft.com/devcontainers/python:3"}`,
	})
	for _, c := range []struct {
		dir  string
		want []string
	}{
		{".devcontainer", []string{".devcontainer/devcontainer.json", ".devcontainer/python/devcontainer.json"}},
		{".devcontainer/python", []string{".devcontainer/python/devcontainer.json"}},
		{".", []string{".devcontainer/devcontainer.json", ".devcontainer/python/devcontainer.json", "Dockerfile"}},
	} {
		p, err := Plan(filepath.Join(root, c.dir), nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ti := range p.Targets {
			got = append(got, ti.Path)
			if ti.Path == ".devcontainer/devcontainer.json" && !slices.Contains(ti.Inputs, "requirements.txt") {
				t.Errorf("%s: the context's files are not inputs: %q", c.dir, ti.Inputs)
			}
		}
		_ = p.Close()
		if !slices.Equal(got, c.want) {
			t.Errorf("check %s: targets %q, want %q", c.dir, got, c.want)
		}
	}
}

func TestPlanOnlyAndProgress(t *testing.T) {
	root := writeTree(t, map[string]string{
		"Dockerfile":                      "FROM debian:bookworm\n",
		"other/Dockerfile":                "FROM debian:bookworm\n",
		".devcontainer/devcontainer.json": `{"build": {"dockerfile": "Dockerfile"}}`,
		".devcontainer/Dockerfile":        "FROM debian:bookworm\n",
		"c/.devcontainer.json":            `{"dockerComposeFile": "compose.yml", "service": "dev"}`,
		"c/compose.yml":                   "services:\n  dev:\n    build: ./app\n",
		"c/app/Dockerfile":                "FROM debian:bookworm\n",
	})
	tests := []struct {
		only []string
		want []string
	}{
		{nil, []string{".devcontainer/devcontainer.json", "Dockerfile", "c/.devcontainer.json", "other/Dockerfile"}},
		{[]string{"c/app/Dockerfile", "Dockerfile"}, []string{"Dockerfile", "c/.devcontainer.json"}},
		{[]string{"other/Dockerfile"}, []string{"other/Dockerfile"}},
		{[]string{".devcontainer/Dockerfile"}, []string{".devcontainer/devcontainer.json"}},
		{[]string{}, nil},
	}
	for _, tt := range tests {
		var mu sync.Mutex
		stages := map[string][]string{}
		p, err := Plan(root, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tt.only != nil {
			p.Only(tt.only)
		}
		rep, err := Check(t.Context(), p, Options{Offline: true, Progress: func(target, stage string) {
			mu.Lock()
			defer mu.Unlock()
			stages[target] = append(stages[target], stage)
		}})
		_ = p.Close()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tr := range rep.Targets {
			rel, _ := filepath.Rel(root, filepath.FromSlash(tr.Path))
			got = append(got, filepath.ToSlash(rel))
			if tr.Build == nil || tr.Build.Path != BuildPathNone || tr.Build.Skipped == "" {
				t.Errorf("%s: build info %+v, want none with a reason", tr.Path, tr.Build)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Only %q: targets %q, want %q", tt.only, got, tt.want)
		}
		for _, p := range tt.want {
			if s := stages[p]; len(s) < 2 || s[0] != "planning" || s[len(s)-1] != "done" {
				t.Errorf("Only %q: %s stages %q, want planning … done", tt.only, p, s)
			}
		}
	}
}

func TestCompare(t *testing.T) {
	old := checks.NewImageSide("base", &image.Facts{Size: 100}, nil)
	cur := checks.NewImageSide("head", &image.Facts{Size: 250}, nil)
	base := &Report{Targets: []TargetReport{
		{TargetResult: checks.TargetResult{Path: "Dockerfile"}, Side: old},
		{TargetResult: checks.TargetResult{Path: "gone/Dockerfile"}, Side: old},
	}}
	head := &Report{Targets: []TargetReport{
		{TargetResult: checks.TargetResult{Path: "Dockerfile", Build: &checks.BuildRecord{Path: BuildPathDocker, Ref: "docker-daemon:x"}}, Side: cur},
		{TargetResult: checks.TargetResult{Path: "new/Dockerfile"}, Side: cur},
		{TargetResult: checks.TargetResult{Path: "gone/Dockerfile"}},
	}}
	d := Compare(base, head)
	if len(d) != 1 || d["Dockerfile"] == nil {
		t.Fatalf("Compare = %v, want only Dockerfile", d)
	}
	if d["Dockerfile"].SizeDelta != 150 {
		t.Errorf("size delta %d, want 150", d["Dockerfile"].SizeDelta)
	}
	if Compare(nil, head) != nil {
		t.Error("Compare(nil, …) should be nil")
	}
}
