package scan

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestDiscoverEnvbuilderConfigs: a devcontainer.json a Coder template of
// the repository points envbuilder at, one at the root (envbuilder's second
// default place), or one beside a Dockerfile in an examples folder, is a
// target; others outside the spec's places are not.
func TestDiscoverEnvbuilderConfigs(t *testing.T) {
	root := writeTree(t, map[string]string{
		"examples/docker/01_dood/Dockerfile":        "FROM debian\n",
		"examples/docker/01_dood/devcontainer.json": `{"build": {"dockerfile": "Dockerfile"}}`,
		"examples/no-dockerfile/devcontainer.json":  `{"image": "debian:12"}`,
		"config/devcontainer.json":                  `{"image": "debian:12"}`,
		"config/Dockerfile":                         "FROM debian\n",
		"envs/go/devcontainer.json":                 `{"image": "golang:1.22"}`,
		"envs/py/custom.json":                       `{"image": "python:3.12"}`,
		"envs/node/devcontainer.json":               `{"image": "node:20"}`,
		"envs/rust/devcontainer.json":               `{"image": "rust:1"}`,
		"envs/ignored/devcontainer.json":            `{"image": "x:1"}`,
		"deploy/docker/main.tf": "resource \"docker_container\" \"ws\" {\n  env = [\n    \"ENVBUILDER_DEVCONTAINER_DIR=envs/go\",\n" +
			"    \"ENVBUILDER_GIT_URL=${var.repo}\",\n  ]\n}\n",
		"deploy/k8s/main.tf": "locals {\n  envbuilder_env = {\n    \"ENVBUILDER_DEVCONTAINER_DIR\" : \"envs/py\",\n" +
			"    \"ENVBUILDER_DEVCONTAINER_JSON_PATH\" : \"custom.json\",\n  }\n}\n",
		"deploy/pod/main.tf": "env {\n  name  = \"ENVBUILDER_DEVCONTAINER_DIR\"\n  value = \"envs/node\"\n}\n" +
			"env {\n  name  = \"ENVBUILDER_DEVCONTAINER_DIR\"\n  value = \"${var.dir}\"\n}\n",
		"deploy/abs/main.tf":              "ENVBUILDER_DEVCONTAINER_DIR = \"/workspaces/repo/envs/rust\"\n",
		"deploy/ignored/main.tf":          "ENVBUILDER_DEVCONTAINER_DIR = \"envs/ignored\"\n",
		".devcontainer/devcontainer.json": "{}",
		"devcontainer.json":               `{"image": "debian:12"}`,
	})
	ignore := func(rel string) bool { return rel == "envs/ignored/devcontainer.json" }
	found, err := Discover(root, ignore)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range found {
		if f.Devcontainer {
			got = append(got, f.Path)
		}
	}
	want := []string{
		".devcontainer/devcontainer.json",
		"devcontainer.json",
		"envs/go/devcontainer.json",
		"envs/node/devcontainer.json",
		"envs/py/custom.json",
		"examples/docker/01_dood/devcontainer.json",
	}
	if !slices.Equal(got, want) {
		t.Errorf("devcontainer targets:\n got %q\nwant %q", got, want)
	}
}

func TestTemplateConfigsForms(t *testing.T) {
	for src, want := range map[string]string{
		`ENVBUILDER_DEVCONTAINER_DIR = "a/b"`:                       "a/b/devcontainer.json",
		`"ENVBUILDER_DEVCONTAINER_DIR" = "a"`:                       "a/devcontainer.json",
		`"ENVBUILDER_DEVCONTAINER_DIR=./c/"`:                        "c/devcontainer.json",
		"name = \"ENVBUILDER_DEVCONTAINER_DIR\"\n    value = \"d\"": "d/devcontainer.json",
		`ENVBUILDER_DEVCONTAINER_DIR = "../outside"`:                "",
		`ENVBUILDER_DEVCONTAINER_DIR = "${local.dir}"`:              "",
	} {
		root := writeTree(t, map[string]string{"main.tf": src + "\n"})
		got := strings.Join(templateConfigs(os.DirFS(root), "main.tf"), ",")
		if got != want {
			t.Errorf("%q: got %q, want %q", src, got, want)
		}
	}
}
