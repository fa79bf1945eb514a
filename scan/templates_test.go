package scan

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/checks"
)

// TestTemplates: Dev Container Template sources (a direct Dockerfile and a
// Compose service's alike), generator templates and placeholder bases are
// noted once per file (CR120, CR220), never built, and never reported as
// parse errors (CR100), placeholders (CR210) or unpinned images (CR102);
// config check-templates checks them as they are. Builds go to a fake
// builder that records them.
func TestTemplates(t *testing.T) {
	const placeholderFrom = "FROM mcr.microsoft.com/devcontainers/cpp:2-${templateOption:imageVariant}\nRUN echo hi\n"
	root := writeTree(t, map[string]string{
		// A Template source building its Dockerfile, with its manifest.
		"src/cpp/devcontainer-template.json":          `{"id": "cpp", "options": {"imageVariant": {"type": "string", "default": "debian-12"}}}`,
		"src/cpp/.devcontainer/devcontainer.json":     `{"build": {"dockerfile": "Dockerfile"}, "remoteUser": "vscode"}`,
		"src/cpp/.devcontainer/Dockerfile":            placeholderFrom,
		"src/cpp-db/.devcontainer/devcontainer.json":  `{"dockerComposeFile": "compose.yml", "service": "app", "remoteUser": "vscode"}`,
		"src/cpp-db/.devcontainer/compose.yml":        "services:\n  app:\n    build:\n      context: .\n      dockerfile: Dockerfile\n    image: app:${templateOption:tag}\n",
		"src/cpp-db/.devcontainer/Dockerfile":         placeholderFrom,
		"src/go/.devcontainer/devcontainer.json":      "{\n  \"image\": \"mcr.microsoft.com/devcontainers/go:${templateOption:imageVariant}\",\n  \"remoteUser\": \"vscode\",\n  \"forwardPorts\": [8080]\n}\n",
		"src/ansible/.devcontainer/devcontainer.json": `{"build": {"dockerfile": "Dockerfile"}, "remoteUser": "vscode"}`,
		// A Template source's Dockerfile that parses: still read by the rules.
		"src/ansible/.devcontainer/Dockerfile": "FROM mcr.microsoft.com/devcontainers/base:1-bookworm\nARG ZSH=\"${templateOption:installZsh}\"\nENTRYPOINT [\"/start.sh\"]\n",
		"lib/templates/Dockerfile.tt":          "FROM ruby:<%= ruby_version %>\nRUN bundle install\n",
		"library/Dockerfile.template":          "{{ include \"shared\" -}}\nFROM {{ env.dist }}:{{ env.codename }}\n",
		"build/assets/debian.Dockerfile":       "ARG VARIANT=\"\"\nFROM REPLACE-ME\nRUN apt-get update\n",
		// A placeholder base in the ARG the FROM names: checked as it is.
		"notebooks/base/Dockerfile": "ARG BASE_IMG=<ubuntu>\nFROM $BASE_IMG\nENTRYPOINT [\"/init\"]\n",
		// A piece a build script joins to a header: no FROM.
		"custom/gpulibs.Dockerfile": "LABEL authors=\"x\"\nRUN mamba install --yes pyyaml && \\\n    fix-permissions /home/jovyan\n",
		// The header it joins them to: a FROM whose USER comes later.
		"custom/header.Dockerfile": "FROM nvidia/cuda:12.9.1-cudnn-runtime-ubuntu24.04\nUSER root\n",
		"generate-Dockerfile.sh":   "#!/bin/bash\nDOCKERFILE=.build/Dockerfile\ncat custom/header.Dockerfile >> $DOCKERFILE\ncat custom/gpulibs.Dockerfile >> $DOCKERFILE\n",
		"app/Dockerfile":           "FROM debian:latest\n",
		// A base a script in its folder joins to another file through a
		// variable that holds the cat command.
		"engine/Dockerfile.common": "FROM ubuntu:20.04\nRUN apt-get update\n# --- End of base file ---\n",
		"engine/build.sh":          "#!/bin/bash\nCMD_BASE=\"cat Dockerfile.common\"\nSRC_FILE=Dockerfile.api_test\n$CMD_BASE $SRC_FILE >> Dockerfile\n",
		// A config a generator fills in (it does not parse until then),
		// kept in a hidden folder with its manifest above it.
		"templates/web/devcontainer-template.json":                `{"id": "web"}`,
		"templates/web/.template/.devcontainer/devcontainer.json": "{\n  \"name\": \"web\",\n{{#templateOption.prebuilt}}\n  \"image\": \"ghcr.io/x/web:1\",\n{{/templateOption.prebuilt}}\n  \"forwardPorts\": [{{templateOption.port}}]\n}\n",
		"templates/api/devcontainer-template.json":                `{"id": "api"}`,
		"templates/api/.template/.devcontainer/devcontainer.json": `{"image": "ghcr.io/x/api:1", "remoteUser": "vscode"}`,
		"gen/.devcontainer/devcontainer.json":                     "{\n  \"image\": \"debian:12\",\n  \"remoteUser\": {{ user }}\n}\n",
		// An EJS generator's Dockerfile.
		"generators/app/templates/Dockerfile.ejs": "FROM <%= baseImage %>\nRUN echo hi\n",
		// dockerfile-x's source and the piece it includes.
		"php/base-os.dockerfile":          "# syntax = ghcr.io/shinsenter/dockerfile-x:v1\nFROM alpine:latest\nINCLUDE ./common/os-common\n",
		"php/common/os-common.dockerfile": "RUN apk add --no-cache bash\n",
		// A project skeleton a script copies, then fills in with sed.
		"app-base/app-tmp/.devcontainer/devcontainer.json": "{\n  \"name\": \"app\",\n  \"image\": \"#BASE_IMAGE_FULL\",\n  \"forwardPorts\": [8080]\n}\n",
	})
	run := func(cfg *checks.Config) (*Report, *fakeBuilds) {
		fb := &fakeBuilds{docker: map[string]build.Spec{}, cli: map[string]build.DevcontainerSpec{}, root: root}
		rep, err := Run(context.Background(), root, Options{
			Config: cfg, Bases: noBases{}, Builder: fb, DevcontainerBuilder: fb, RootRelative: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		return rep, fb
	}
	findings := func(rep *Report, ids ...string) []string {
		var out []string
		for _, tr := range rep.Targets {
			for _, f := range tr.Findings {
				if slices.Contains(ids, f.RuleID) {
					out = append(out, fmt.Sprintf("%s %s:%d", f.RuleID, f.Location.Path, f.Location.StartLine))
				}
			}
		}
		slices.Sort(out)
		return out
	}

	rep, fb := run(checks.DefaultConfig())
	notes := findings(rep, "CR120", "CR220")
	want := []string{
		"CR120 build/assets/debian.Dockerfile:2",
		"CR120 custom/gpulibs.Dockerfile:1",
		"CR120 custom/header.Dockerfile:1",
		"CR120 engine/Dockerfile.common:1",
		"CR120 generators/app/templates/Dockerfile.ejs:1",
		"CR120 lib/templates/Dockerfile.tt:1",
		"CR120 library/Dockerfile.template:1",
		"CR120 notebooks/base/Dockerfile:2",
		"CR120 php/base-os.dockerfile:3",
		"CR120 php/common/os-common.dockerfile:1",
		"CR120 src/ansible/.devcontainer/Dockerfile:2",
		"CR120 src/cpp-db/.devcontainer/Dockerfile:1",
		"CR120 src/cpp/.devcontainer/Dockerfile:1",
		"CR220 app-base/app-tmp/.devcontainer/devcontainer.json:3",
		"CR220 gen/.devcontainer/devcontainer.json:3",
		"CR220 src/cpp-db/.devcontainer/compose.yml:6",
		"CR220 src/cpp/.devcontainer/devcontainer.json:1", // its manifest beside it
		"CR220 src/go/.devcontainer/devcontainer.json:2",
		"CR220 templates/api/.template/.devcontainer/devcontainer.json:1", // its manifest above the hidden folder
		"CR220 templates/web/.template/.devcontainer/devcontainer.json:3",
	}
	if !slices.Equal(notes, want) {
		t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(notes, "\n"), strings.Join(want, "\n"))
	}
	bad := slices.DeleteFunc(findings(rep, "CR100", "CR200", "CR210", "CR102", "CR101", "CR300", "CR215", "CR217", "CR327"), func(s string) bool { return strings.Contains(s, " app/") })
	if len(bad) > 0 {
		t.Errorf("placeholders reported as problems: %v", bad)
	}
	// What parses is still read: the ansible Dockerfile's ENTRYPOINT, the
	// go config's forwardPorts.
	if kept := findings(rep, "CR106", "CR207"); !slices.Contains(kept, "CR106 src/ansible/.devcontainer/Dockerfile:3") || !slices.Contains(kept, "CR207 src/go/.devcontainer/devcontainer.json:4") ||
		!slices.Contains(kept, "CR207 app-base/app-tmp/.devcontainer/devcontainer.json:4") ||
		!slices.Contains(kept, "CR106 notebooks/base/Dockerfile:3") {
		t.Errorf("a template's readable parts were not checked: %v", kept)
	}
	for _, tr := range rep.Targets {
		isTemplate := !strings.HasPrefix(tr.Path, "app/")
		if tr.Path == "php/base-os.dockerfile" {
			if tr.Build.Skipped != frontendNotBuilt {
				t.Errorf("%s: build record %+v", tr.Path, tr.Build)
			}
			continue
		}
		if got := tr.Build.Skipped == templateNotBuilt; got != isTemplate {
			t.Errorf("%s: build record %+v", tr.Path, tr.Build)
		}
	}
	if len(fb.docker) != 1 || len(fb.cli) != 0 {
		t.Errorf("built %v and %v, want only app/Dockerfile", fb.docker, fb.cli)
	}
	for _, tr := range rep.Targets {
		for _, f := range tr.Findings {
			if f.RuleID == "CR120" && strings.Contains(tr.Path, "cpp/") && !strings.Contains(f.Message, "src/cpp/devcontainer-template.json") {
				t.Errorf("the note does not name the manifest: %q", f.Message)
			}
		}
	}

	cfg := checks.DefaultConfig()
	cfg.CheckTemplates = true
	rep, _ = run(cfg)
	if notes := findings(rep, "CR120", "CR220"); len(notes) != 0 {
		t.Errorf("check-templates: notes %v", notes)
	}
	got := findings(rep, "CR100", "CR200", "CR210", "CR102")
	for _, w := range []string{
		"CR100 src/cpp/.devcontainer/Dockerfile:1", "CR100 src/cpp-db/.devcontainer/Dockerfile:1", "CR100 library/Dockerfile.template:1",
		"CR100 custom/gpulibs.Dockerfile:1", "CR210 src/go/.devcontainer/devcontainer.json:2", "CR210 src/ansible/.devcontainer/Dockerfile:2",
		"CR200 templates/web/.template/.devcontainer/devcontainer.json:3", "CR200 gen/.devcontainer/devcontainer.json:3",
	} {
		if !slices.Contains(got, w) {
			t.Errorf("check-templates: no %s in %v", w, got)
		}
	}
}

// TestTemplateForAnExistingProject: a Dev Container Template source with
// no placeholder (its devcontainer-template.json beside it), and a VS Code
// dev container definition (an `.npmignore` beside its `.devcontainer`
// folder, no package.json), name files the project they are copied into
// provides: one note names them, never a missing-file error (CR203), and
// nothing is built. The same config in a project (no manifest; an
// `.npmignore` beside a package.json) is missing its file: CR203.
func TestTemplateForAnExistingProject(t *testing.T) {
	compose := "{\n  \"dockerComposeFile\": [\"../docker-compose.yml\", \"docker-compose.yml\"],\n  \"service\": \"app\"\n}\n"
	extend := "services:\n  app:\n    volumes: [\"..:/workspace\"]\n"
	dockerfile := "{\n  \"context\": \"..\",\n  \"dockerFile\": \"Dockerfile\"\n}\n"
	root := writeTree(t, map[string]string{
		"src/existing-compose/devcontainer-template.json":                `{"id": "existing-compose"}`,
		"src/existing-compose/.devcontainer/devcontainer.json":           compose,
		"src/existing-compose/.devcontainer/docker-compose.yml":          extend,
		"containers/existing-dockerfile/.npmignore":                      "README.md\ntest-project\n",
		"containers/existing-dockerfile/.devcontainer/devcontainer.json": dockerfile,
		"lib/.npmignore":                       "test\n",
		"lib/package.json":                     `{"name": "lib"}`,
		"lib/.devcontainer/devcontainer.json":  dockerfile,
		"app/.devcontainer/devcontainer.json":  compose,
		"app/.devcontainer/docker-compose.yml": extend,
		// A Template source whose own Dockerfile is missing: the CLI
		// copies the folder whole, so nothing provides it.
		"src/broken/devcontainer-template.json":      `{"id": "broken"}`,
		"src/broken/.devcontainer/devcontainer.json": "{\n  \"build\": {\"dockerfile\": \"Dockerfile\"}\n}\n",
	})
	fb := &fakeBuilds{docker: map[string]build.Spec{}, cli: map[string]build.DevcontainerSpec{}, root: root}
	rep, err := Run(context.Background(), root, Options{Config: checks.DefaultConfig(), Bases: noBases{}, Builder: fb, DevcontainerBuilder: fb, RootRelative: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, tr := range rep.Targets {
		for _, f := range tr.Findings {
			if f.RuleID == "CR203" || f.RuleID == "CR220" {
				got[tr.Path] = append(got[tr.Path], f.RuleID+" "+f.Message)
			}
		}
	}
	if b := got["src/broken/.devcontainer/devcontainer.json"]; len(b) != 2 || !strings.HasPrefix(b[1], "CR203 the Dockerfile `src/broken/.devcontainer/Dockerfile` does not exist") ||
		strings.Contains(b[0], "provides") {
		t.Errorf("a template's own missing Dockerfile: %q, want its note and CR203", b)
	}
	delete(got, "src/broken/.devcontainer/devcontainer.json")
	for _, c := range []struct{ path, rule, text string }{
		{"src/existing-compose/.devcontainer/devcontainer.json", "CR220", "the project it is applied to provides `../docker-compose.yml`"},
		{"containers/existing-dockerfile/.devcontainer/devcontainer.json", "CR220", "VS Code dev container definition (containers/existing-dockerfile/.npmignore)"},
		{"containers/existing-dockerfile/.devcontainer/devcontainer.json", "CR220", "provides `Dockerfile`"},
		{"lib/.devcontainer/devcontainer.json", "CR203", "the Dockerfile `lib/.devcontainer/Dockerfile` does not exist"},
		{"app/.devcontainer/devcontainer.json", "CR203", "the Compose file `app/docker-compose.yml` does not exist"},
	} {
		fs := got[c.path]
		if len(fs) != 1 || !strings.HasPrefix(fs[0], c.rule+" ") || !strings.Contains(fs[0], c.text) {
			t.Errorf("%s: %q, want one %s saying %q", c.path, fs, c.rule, c.text)
		}
	}
	for _, tr := range rep.Targets {
		isTemplate := strings.HasPrefix(tr.Path, "src/") || strings.HasPrefix(tr.Path, "containers/")
		if got := tr.Build.Skipped == templateNotBuilt; got != isTemplate {
			t.Errorf("%s: build record %+v", tr.Path, tr.Build)
		}
	}
}

// TestDevcontainerUserFromSibling: a devcontainer.json whose image one of
// the repository's own Dockerfiles builds learns that image's user from
// it (CR205): root fires, a non-root user does not; an image nobody here
// builds stays unknown (no guess), and so does a registry's image that
// only shares a folder's name.
func TestDevcontainerUserFromSibling(t *testing.T) {
	root := writeTree(t, map[string]string{
		"images/rootimg/Dockerfile":         "FROM debian:12\nRUN apt-get update\n",
		"images/devimg/Dockerfile":          "FROM debian:12\nRUN useradd -m dev\nUSER dev\n",
		"a/.devcontainer/devcontainer.json": `{"image": "team/rootimg:1"}`,
		"b/.devcontainer/devcontainer.json": `{"image": "team/devimg:1"}`,
		"c/.devcontainer/devcontainer.json": `{"image": "team/elsewhere:1"}`,
		// A registry's image is not the one a folder of its name makes.
		"d/.devcontainer/devcontainer.json": `{"image": "example.com/vendor/rootimg:1"}`,
	})
	rep, err := Run(context.Background(), root, Options{Config: checks.DefaultConfig(), Bases: noBases{}, RootRelative: true, NoBuild: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, tr := range rep.Targets {
		for _, f := range tr.Findings {
			if f.RuleID == "CR205" {
				got[tr.Path] = append(got[tr.Path], f.Message)
			}
		}
	}
	if m := got["a/.devcontainer/devcontainer.json"]; len(m) != 1 || !strings.Contains(m[0], "root") {
		t.Errorf("rootimg: CR205 %q, want one saying root", m)
	}
	for _, p := range []string{"b/.devcontainer/devcontainer.json", "c/.devcontainer/devcontainer.json", "d/.devcontainer/devcontainer.json"} {
		if m := got[p]; len(m) != 0 {
			t.Errorf("%s: CR205 %q, want none", p, m)
		}
	}
}

// TestWindowsImages: a Windows container's Dockerfile is noted once
// (CR121), not built, and not judged by the Linux rules, even with
// check-templates; the Linux Dockerfile beside it is built and checked.
func TestWindowsImages(t *testing.T) {
	root := writeTree(t, map[string]string{
		"app/Dockerfile-windows": "FROM mcr.microsoft.com/dotnet/aspnet:6.0\nENTRYPOINT [\"dotnet\", \"App.dll\"]\n",
		"base/Dockerfile":        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN curl.exe -o x.exe https://example.com/x-amd64.exe\n",
		"app/Dockerfile":         "FROM mcr.microsoft.com/dotnet/aspnet:6.0\nENTRYPOINT [\"/docker-entrypoint.sh\"]\n",
	})
	for _, checkTemplates := range []bool{false, true} {
		cfg := checks.DefaultConfig()
		cfg.CheckTemplates = checkTemplates
		fb := &fakeBuilds{docker: map[string]build.Spec{}, cli: map[string]build.DevcontainerSpec{}, root: root}
		rep, err := Run(context.Background(), root, Options{Config: cfg, Bases: noBases{}, Builder: fb, DevcontainerBuilder: fb, RootRelative: true})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, tr := range rep.Targets {
			for _, f := range tr.Findings {
				got[tr.Path] = append(got[tr.Path], fmt.Sprintf("%s:%d", f.RuleID, f.Location.StartLine))
			}
			if windows := tr.Path != "app/Dockerfile"; windows != (tr.Build.Skipped == windowsNotBuilt) {
				t.Errorf("check-templates %v: %s: build record %+v", checkTemplates, tr.Path, tr.Build)
			}
		}
		if !slices.Equal(got["app/Dockerfile-windows"], []string{"CR121:1"}) || !slices.Equal(got["base/Dockerfile"], []string{"CR121:1"}) {
			t.Errorf("check-templates %v: Windows findings %v", checkTemplates, got)
		}
		if !slices.Contains(got["app/Dockerfile"], "CR106:2") {
			t.Errorf("check-templates %v: the Linux Dockerfile was not checked: %v", checkTemplates, got["app/Dockerfile"])
		}
		if _, ok := fb.docker["app/Dockerfile"]; len(fb.docker) != 1 || !ok {
			t.Errorf("check-templates %v: built %v, want only app/Dockerfile", checkTemplates, fb.docker)
		}
	}
}
