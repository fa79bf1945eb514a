package scan

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/image"
)

// fakeBuilds records the builds asked for and fails each with a
// *build.Failure, so that where the failure lands can be checked without
// an engine.
type fakeBuilds struct {
	mu     sync.Mutex
	docker map[string]build.Spec             // by Dockerfile, relative to the root
	cli    map[string]build.DevcontainerSpec // by config, relative to the root
	root   string
	fail   map[string]*build.Failure // by config or Dockerfile
}

func (f *fakeBuilds) Build(_ context.Context, spec build.Spec) (*build.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rel, _ := filepath.Rel(f.root, spec.Dockerfile)
	rel = filepath.ToSlash(rel)
	f.docker[rel] = spec
	if fail := f.fail[rel]; fail != nil {
		return nil, fail
	}
	return nil, &build.Failure{Message: "fake"}
}

func (f *fakeBuilds) BuildDevcontainer(_ context.Context, spec build.DevcontainerSpec) (*build.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rel, _ := filepath.Rel(f.root, filepath.Join(spec.WorkspaceDir, spec.Config))
	rel = filepath.ToSlash(rel)
	f.cli[rel] = spec
	if fail := f.fail[rel]; fail != nil {
		return nil, fail
	}
	return nil, &build.Failure{Message: "fake"}
}

func (f *fakeBuilds) Remove(context.Context, string) error { return nil }

type noBases struct{}

func (noBases) ReadBase(context.Context, string) (*image.Facts, error) {
	return nil, errors.New("no bases in this test")
}

// TestBuildPathChoice: which builder each devcontainer.json goes to under
// each --builder setting, what it is given, and where its failure lands.
func TestBuildPathChoice(t *testing.T) {
	feature := map[string]string{"devcontainer-feature.json": `{"id": "f"}`, "install.sh": "true\n"}
	files := map[string]string{
		"plain/.devcontainer/devcontainer.json":   `{"build": {"dockerfile": "Dockerfile", "context": "..", "args": {"A": "1"}, "target": "dev"}}`,
		"plain/.devcontainer/Dockerfile":          "FROM scratch AS dev\nCOPY x /x\n",
		"feat/.devcontainer/devcontainer.json":    "{\n  \"build\": {\"dockerfile\": \"Dockerfile\"},\n  \"features\": {\n    \"./f\": {}\n  }\n}\n",
		"feat/.devcontainer/Dockerfile":           "FROM scratch\n",
		"img/.devcontainer.json":                  "{\n  \"image\": \"example.com/img:1\",\n  \"features\": {\"ghcr.io/x/y:1\": {}}\n}\n",
		"compose/.devcontainer/devcontainer.json": "{\n  \"dockerComposeFile\": \"compose.yml\",\n  \"service\": \"dev\"\n}\n",
		"compose/.devcontainer/compose.yml":       "services:\n  dev:\n    build:\n      context: ..\n      dockerfile: app/Dockerfile\n      args: [\"B=2\"]\n",
		"compose/app/Dockerfile":                  "FROM scratch\n",
		"nosvc/.devcontainer/devcontainer.json":   "{\n  \"dockerComposeFile\": \"compose.yml\",\n  \"service\": \"api\"\n}\n",
		"nosvc/.devcontainer/compose.yml":         "services:\n  dev:\n    image: x\n",
		"cfeat/.devcontainer/devcontainer.json":   "{\n  \"dockerComposeFile\": \"compose.yml\",\n  \"service\": \"dev\",\n  \"features\": {\"./f\": {}}\n}\n",
		"cfeat/.devcontainer/compose.yml":         "services:\n  dev:\n    build: .\n",
		"cfeat/.devcontainer/Dockerfile":          "FROM scratch\n",
	}
	for name, content := range feature {
		files["feat/.devcontainer/f/"+name] = content
		files["cfeat/.devcontainer/f/"+name] = content
	}
	root := writeTree(t, files)
	tests := []struct {
		buildWith string
		limits    build.Limits
		docker    []string // Dockerfiles built with the Docker builder
		cli       []string // configs built with the CLI
		paths     map[string]string
		// findings: target dir → "path:line severity message-part"
		findings map[string]string
	}{
		{
			buildWith: BuildWithAuto,
			docker:    []string{"compose/app/Dockerfile", "plain/.devcontainer/Dockerfile"},
			cli:       []string{"cfeat/.devcontainer/devcontainer.json", "feat/.devcontainer/devcontainer.json", "img/.devcontainer.json"},
			paths:     map[string]string{"plain": BuildPathDocker, "feat": BuildPathDevcontainerCLI, "img": BuildPathDevcontainerCLI, "compose": BuildPathCompose, "nosvc": BuildPathNone, "cfeat": BuildPathDevcontainerCLI},
			findings: map[string]string{
				"plain":   "plain/.devcontainer/Dockerfile:2 error the image does not build: copy failed",
				"feat":    "feat/.devcontainer/devcontainer.json:4 error the image does not build: feature ./f could not be installed",
				"img":     "img/.devcontainer.json:2 error the image does not build: base image missing",
				"compose": "compose/app/Dockerfile:0 error the image does not build: fake",
				"nosvc":   `nosvc/.devcontainer/devcontainer.json:3 error the Compose service cannot be built: no Compose file defines the service "api"`,
			},
		},
		{
			buildWith: BuildWithDocker,
			docker:    []string{"cfeat/.devcontainer/Dockerfile", "compose/app/Dockerfile", "feat/.devcontainer/Dockerfile", "plain/.devcontainer/Dockerfile"},
			paths:     map[string]string{"plain": BuildPathDocker, "feat": BuildPathDocker, "img": BuildPathNone, "compose": BuildPathCompose, "cfeat": BuildPathCompose},
			findings: map[string]string{
				"feat":  "feat/.devcontainer/devcontainer.json:3 warning features were not applied (built with the Docker builder, --builder docker)",
				"img":   "img/.devcontainer.json:3 warning features were not applied",
				"cfeat": "cfeat/.devcontainer/devcontainer.json:4 warning features were not applied (built with the Docker builder, --builder docker)",
			},
		},
		{
			// Limits the CLI cannot apply: the Docker builder, with them.
			buildWith: BuildWithAuto,
			limits:    build.Limits{Memory: 1 << 30, Pids: 256},
			docker:    []string{"cfeat/.devcontainer/Dockerfile", "compose/app/Dockerfile", "feat/.devcontainer/Dockerfile", "plain/.devcontainer/Dockerfile"},
			paths:     map[string]string{"plain": BuildPathDocker, "feat": BuildPathDocker, "img": BuildPathNone, "compose": BuildPathCompose, "cfeat": BuildPathCompose},
			findings: map[string]string{
				"cfeat": "cfeat/.devcontainer/devcontainer.json:4 warning features were not applied: the Dev Containers CLI cannot apply the build limits",
				"feat":  "feat/.devcontainer/devcontainer.json:3 warning features were not applied: the Dev Containers CLI cannot apply the build limits (memory 1GiB, 256 processes)",
				"img":   "img/.devcontainer.json:3 warning features were not applied: the Dev Containers CLI cannot apply the build limits",
			},
		},
		{
			buildWith: BuildWithDevcontainerCLI,
			docker:    []string{"compose/app/Dockerfile"},
			cli:       []string{"cfeat/.devcontainer/devcontainer.json", "feat/.devcontainer/devcontainer.json", "img/.devcontainer.json", "plain/.devcontainer/devcontainer.json"},
			paths:     map[string]string{"plain": BuildPathDevcontainerCLI, "compose": BuildPathCompose, "cfeat": BuildPathDevcontainerCLI},
		},
	}
	for _, tt := range tests {
		t.Run(tt.buildWith, func(t *testing.T) {
			fb := &fakeBuilds{root: root, docker: map[string]build.Spec{}, cli: map[string]build.DevcontainerSpec{}, fail: map[string]*build.Failure{
				"plain/.devcontainer/Dockerfile":       {Line: 2, Message: "copy failed", LogTail: "COPY x"},
				"feat/.devcontainer/devcontainer.json": {Feature: "./f", Message: "feature ./f could not be installed: exit code 1"},
				"img/.devcontainer.json":               {Message: "base image missing"},
			}}
			rep, err := Run(context.Background(), root, Options{
				Config: checks.DefaultConfig(), Bases: noBases{}, Builder: fb, DevcontainerBuilder: fb,
				BuildWith: tt.buildWith, Build: build.Settings{Network: build.NetworkHost, Limits: tt.limits},
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Sorted(maps.Keys(fb.docker)); !slices.Equal(got, tt.docker) {
				t.Errorf("Docker builds %q, want %q", got, tt.docker)
			}
			if got := slices.Sorted(maps.Keys(fb.cli)); !slices.Equal(got, tt.cli) {
				t.Errorf("CLI builds %q, want %q", got, tt.cli)
			}
			if s, ok := fb.docker["plain/.devcontainer/Dockerfile"]; ok {
				if s.ContextDir != filepath.Join(root, "plain") || s.Target != "dev" || !maps.Equal(s.Args, map[string]string{"A": "1"}) || s.Network != build.NetworkHost ||
					s.Memory != tt.limits.Memory || s.PidsLimit != tt.limits.Pids || s.NanoCPUs != tt.limits.NanoCPUs {
					t.Errorf("plain spec %+v", s)
				}
			}
			if s, ok := fb.docker["compose/app/Dockerfile"]; ok {
				if s.ContextDir != filepath.Join(root, "compose") || !maps.Equal(s.Args, map[string]string{"B": "2"}) {
					t.Errorf("compose spec %+v", s)
				}
			}
			if s, ok := fb.cli["feat/.devcontainer/devcontainer.json"]; ok {
				if s.WorkspaceDir != filepath.Join(root, "feat") || s.Config != filepath.FromSlash(".devcontainer/devcontainer.json") || s.Network != build.NetworkHost {
					t.Errorf("feat spec %+v", s)
				}
			}
			for _, tr := range rep.Targets {
				rel := strings.TrimPrefix(tr.Path, root+"/")
				dir := strings.SplitN(rel, "/", 2)[0]
				if want, ok := tt.paths[dir]; ok && (tr.Build == nil || tr.Build.Path != want) {
					t.Errorf("%s: build %+v, want path %s", dir, tr.Build, want)
				}
				want, ok := tt.findings[dir]
				if !ok {
					continue
				}
				var got []string
				found := false
				for _, f := range tr.Findings {
					if f.RuleID != "CR300" {
						continue
					}
					s := strings.TrimPrefix(f.Location.Path, root+"/") + ":" + strconv.Itoa(f.Location.StartLine) + " " + f.Severity.String() + " " + f.Message
					got = append(got, s)
					found = found || strings.HasPrefix(s, want)
				}
				if !found {
					t.Errorf("%s: want a CR300 %q, got %q", dir, want, got)
				}
			}
		})
	}
}

// noComposeCLI is a Dev Containers CLI without Compose.
type noComposeCLI struct{ *fakeBuilds }

func (noComposeCLI) ComposeSupported() error { return build.ErrNoCompose }

// TestComposeFeaturesWithoutCompose: a Compose config with features, and a
// CLI that has no Compose to build it with: the service is built with the
// Docker builder and a warning on `features` says why they are missing.
func TestComposeFeaturesWithoutCompose(t *testing.T) {
	root := writeTree(t, map[string]string{
		".devcontainer/devcontainer.json":           "{\n  \"dockerComposeFile\": \"compose.yml\",\n  \"service\": \"dev\",\n  \"features\": {\"./f\": {}}\n}\n",
		".devcontainer/compose.yml":                 "services:\n  dev:\n    build: .\n",
		".devcontainer/Dockerfile":                  "FROM scratch\n",
		".devcontainer/f/devcontainer-feature.json": `{"id": "f"}`,
		".devcontainer/f/install.sh":                "true\n",
	})
	fb := &fakeBuilds{root: root, docker: map[string]build.Spec{}, cli: map[string]build.DevcontainerSpec{}, fail: map[string]*build.Failure{}}
	rep, err := Run(context.Background(), root, Options{Config: checks.DefaultConfig(), Bases: noBases{}, Builder: fb, DevcontainerBuilder: noComposeCLI{fb}})
	if err != nil {
		t.Fatal(err)
	}
	if len(fb.cli) != 0 || len(fb.docker) != 1 {
		t.Errorf("CLI builds %v, Docker builds %v; want the Docker builder only", fb.cli, fb.docker)
	}
	var warned bool
	for _, f := range rep.Result.Targets[0].Findings {
		if f.RuleID == "CR300" && f.Location.StartLine == 4 && strings.Contains(f.Message, "neither `docker compose` nor docker-compose is installed") {
			warned = true
		}
	}
	if !warned || rep.Targets[0].Build == nil || rep.Targets[0].Build.Path != BuildPathCompose {
		t.Errorf("findings %+v, build %+v", rep.Result.Targets[0].Findings, rep.Targets[0].Build)
	}
}
