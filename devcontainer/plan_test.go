package devcontainer

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestPlan(t *testing.T) {
	fsys := fstest.MapFS{
		"app/docker/Dockerfile":                                 {Data: []byte("FROM x")},
		"app/.devcontainer/local/devcontainer-feature.json":     {Data: []byte("{}")},
		"app/.devcontainer/empty-feature/README":                {Data: []byte("")},
		"app/.devcontainer/compose.yml":                         {Data: []byte("")},
		"app/.devcontainer/devcontainer.json":                   {Data: []byte("{}")},
		"other/.devcontainer/devcontainer.json":                 {Data: []byte("{}")},
		"other/.devcontainer/Dockerfile":                        {Data: []byte("FROM x")},
		"legacy/.devcontainer.json":                             {Data: []byte("{}")},
		"legacy/Dockerfile":                                     {Data: []byte("FROM x")},
		"compose/.devcontainer/devcontainer.json":               {Data: []byte("{}")},
		"compose/docker-compose.yml":                            {Data: []byte("")},
		"image/.devcontainer/devcontainer.json":                 {Data: []byte("{}")},
		"app/.devcontainer/missing-manifest/devcontainer.json~": {Data: []byte("")},
	}
	t.Run("dockerfile", func(t *testing.T) {
		c := mustParse(t, "app/.devcontainer/devcontainer.json", `{
	"build": {"dockerfile": "../docker/Dockerfile", "context": "..", "args": {"B": "2", "A": "1"}, "target": "dev"},
	"features": {
		"ghcr.io/devcontainers/features/go:1": {"version": "1.22"},
		"ghcr.io/devcontainers/features/node": "20",
		"ghcr.io/x/y/z@sha256:abc": {},
		"./local": {},
		"./empty-feature": {},
		"./gone": true
	},
	"remoteUser": "vscode"
}`)
		p := c.Plan(fsys)
		if p.Kind != KindDockerfile || p.Dir != "app/.devcontainer" || p.Target != "dev" || p.RemoteUser != "vscode" {
			t.Fatalf("plan %+v", p)
		}
		if d := p.Dockerfile; d.Path != "app/docker/Dockerfile" || d.State != PathExists || d.IsDir || d.Ptr != "/build/dockerfile" || d.Pos != (Pos{2, 12}) {
			t.Errorf("Dockerfile %+v", d)
		}
		if x := p.Context; x.Path != "app" || x.State != PathExists || !x.IsDir || x.Ptr != "/build/context" {
			t.Errorf("Context %+v", x)
		}
		if !slices.Equal(p.Args, []BuildArg{{"B", "2"}, {"A", "1"}}) {
			t.Errorf("Args %+v", p.Args)
		}
		want := []struct {
			id, version, digest string
			local               Existence
			manifest            Existence
		}{
			{"ghcr.io/devcontainers/features/go", "1", "", -1, PathUnchecked},
			{"ghcr.io/devcontainers/features/node", "", "", -1, PathUnchecked},
			{"ghcr.io/x/y/z", "", "sha256:abc", -1, PathUnchecked},
			{"./local", "", "", PathExists, PathExists},
			{"./empty-feature", "", "", PathExists, PathMissing},
			{"./gone", "", "", PathMissing, PathUnchecked},
		}
		if len(p.Features) != len(want) {
			t.Fatalf("Features %+v", p.Features)
		}
		for i, w := range want {
			f := p.Features[i]
			local := Existence(-1)
			if f.Local != nil {
				local = f.Local.State
			}
			if f.ID != w.id || f.Version != w.version || f.Digest != w.digest || local != w.local || f.Manifest != w.manifest {
				t.Errorf("feature %d: %+v (local %v)", i, f, local)
			}
		}
		if p.Features[0].Options["version"] != "1.22" || p.Features[1].Options["version"] != "20" || p.Features[0].Pos != (Pos{4, 3}) {
			t.Errorf("options %+v %+v", p.Features[0], p.Features[1])
		}
	})
	t.Run("default context, missing dockerfile", func(t *testing.T) {
		p := mustParse(t, "other/.devcontainer/devcontainer.json", `{"build": {"dockerfile": "Dockerfile.dev"}}`).Plan(fsys)
		if p.Dockerfile.State != PathMissing || p.Context.Path != "other/.devcontainer" || p.Context.Ptr != "" || p.Context.State != PathExists {
			t.Errorf("%+v %+v", p.Dockerfile, p.Context)
		}
	})
	t.Run("legacy", func(t *testing.T) {
		p := mustParse(t, "legacy/.devcontainer.json", `{"dockerFile": "Dockerfile", "context": "."}`).Plan(fsys)
		if p.Kind != KindDockerfile || p.Dockerfile.Path != "legacy/Dockerfile" || p.Dockerfile.State != PathExists || p.Context.Path != "legacy" {
			t.Errorf("%+v %+v", p.Dockerfile, p.Context)
		}
	})
	t.Run("compose", func(t *testing.T) {
		p := mustParse(t, "compose/.devcontainer/devcontainer.json", `{"dockerComposeFile": ["../docker-compose.yml", "extra.yml", "../../../x.yml"], "service": "app", "runServices": ["app", "db"]}`).Plan(fsys)
		if p.Kind != KindCompose || p.Service != "app" || !slices.Equal(p.RunServices, []string{"app", "db"}) || len(p.ComposeFiles) != 3 {
			t.Fatalf("%+v", p)
		}
		states := []Existence{p.ComposeFiles[0].State, p.ComposeFiles[1].State, p.ComposeFiles[2].State}
		if !slices.Equal(states, []Existence{PathExists, PathMissing, PathOutside}) || p.ComposeFiles[0].Path != "compose/docker-compose.yml" {
			t.Errorf("compose files %+v", p.ComposeFiles)
		}
	})
	t.Run("image, no file system, variables", func(t *testing.T) {
		p := mustParse(t, "image/.devcontainer/devcontainer.json", `{"image": "debian:12", "build": {"dockerfile": "${localEnv:DF}"}}`).Plan(nil)
		if p.Kind != KindDockerfile || p.Image != "debian:12" || p.Dockerfile.State != PathUnchecked {
			t.Errorf("%+v", p)
		}
		if p := mustParse(t, "x/devcontainer.json", `{"image": "debian:12"}`).Plan(fsys); p.Kind != KindImage || p.Dockerfile != nil || p.Context != nil {
			t.Errorf("%+v", p)
		}
		if p := mustParse(t, "x/devcontainer.json", `{"name": "n"}`).Plan(fsys); p.Kind != KindNone {
			t.Errorf("%+v", p)
		}
	})
}

func mustParse(t *testing.T, p, src string) *Config {
	t.Helper()
	c, err := Parse(p, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFindInStrings(t *testing.T) {
	c := mustParse(t, "x/devcontainer.json", "{\n  // \"image\": \"a:${templateOption:old}\"\n  \"image\": \"base:${templateOption:v}\",\n  \"features\": {\"ghcr.io/x/${templateOption:f}:1\": {\"o\": [\"${templateOption:a}-${templateOption:b}\"]}}\n}")
	got := c.FindInStrings(regexp.MustCompile(`\$\{templateOption:[^}]*\}`))
	want := []Match{
		{"${templateOption:v}", "/image", Pos{3, 18}, Pos{3, 36}},
		{"${templateOption:f}", "/features/ghcr.io~1x~1${templateOption:f}:1", Pos{4, 27}, Pos{4, 45}},
		{"${templateOption:a}", "/features/ghcr.io~1x~1${templateOption:f}:1/o/0", Pos{4, 59}, Pos{4, 77}},
		{"${templateOption:b}", "/features/ghcr.io~1x~1${templateOption:f}:1/o/0", Pos{4, 79}, Pos{4, 97}},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestProblems(t *testing.T) {
	c := mustParse(t, "x/devcontainer.json", `{
  "image": 5,
  "build": {"args": {"A": 1}, "options": "--x"},
  "containerEnv": {"X": true},
  "remoteEnv": {"Y": null},
  "forwardPorts": [3000, "db:5432", {}],
  "postCreateCommand": [],
  "postStartCommand": {"a": ["ok"], "b": {"c": "x"}, "d": [1]},
  "postAttachCommand": 7,
  "privileged": "yes"
}`)
	var got []string
	for _, p := range c.Problems() {
		got = append(got, fmt.Sprintf("%d:%d %v %s", p.Pos.Line, p.Pos.Col, p.Fatal, p.Msg))
	}
	want := []string{
		"2:12 true `image` must be a string, not a number",
		"3:27 true `build.args.A` must be a string, not a number",
		"3:42 false `build.options` must be an array, not a string",
		"4:25 true `containerEnv.X` must be a string, not a boolean",
		"6:37 false `forwardPorts` entries must be a number or a string, not an object",
		"7:24 true `postCreateCommand` is an empty command array",
		"8:42 true `postStartCommand.b` must be a string or an array of strings, not an object",
		"8:60 true `postStartCommand.d` command arguments must be strings, not a number",
		"9:24 false `postAttachCommand` must be a string, an array of strings or an object of commands, not a number",
		"10:17 false `privileged` must be a boolean, not a string",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p := mustParse(t, "x/devcontainer.json", `{"image": "x", "build": {"dockerfile": "D", "cacheFrom": ["a"]}, "onCreateCommand": {"a": "x", "b": ["y", "z"]}}`).Problems(); len(p) != 0 {
		t.Errorf("valid config: %+v", p)
	}
}

func TestIgnoreBlockCommentAbove(t *testing.T) {
	c := mustParse(t, "x/devcontainer.json", "{\n  \"image\": \"x\",\n  /* coderready:ignore=CR207\n     ports come from the template */\n  \"forwardPorts\": [\n    3000\n  ]\n}")
	if !c.Ignored("CR207", 5) || !c.Ignored("CR207", 6) || c.Ignored("CR207", 2) || c.Ignored("CR209", 5) {
		t.Errorf("ignores %+v", c.Ignores)
	}
}
