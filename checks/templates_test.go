package checks

import (
	"strings"
	"testing"

	"github.com/coderready/coderready/devcontainer"
)

func TestDockerfileTemplate(t *testing.T) {
	tests := []struct {
		name, path, src string
		kind            TemplateKind // "" when it is not a template
		line, col       int
		sign            string // a part of Sign
	}{
		{name: "ERB generator by suffix", path: "lib/generators/templates/Dockerfile.tt", src: "FROM ruby:<%= ruby_version %>\n", kind: TemplateGenerator, line: 1, col: 11, sign: "`.tt` suffix"},
		{name: "Jinja by suffix", path: "Dockerfile.j2", src: "FROM debian:12\n", kind: TemplateGenerator, line: 1, sign: "`.j2` suffix"},
		{name: "configure input", path: "docker/Dockerfile.in", src: "FROM debian:@VERSION@\n", kind: TemplateGenerator, line: 1},
		{name: "Go template lines", path: "Dockerfile", src: "{{ include \"shared\" -}}\nFROM {{ env.dist }}:{{ env.codename }}\n", kind: TemplateGenerator, line: 1, col: 1, sign: "`{{ include \"shared\" -}}` on line 1"},
		{name: "pdns-builder's include", path: "builder-support/dockerfiles/Dockerfile.target.debian-bookworm", src: "# First do the source builds\n@INCLUDE Dockerfile.target.sdist\n\nFROM debian:bookworm AS dist-base\n@IF [ -n \"$M_all\" ]\nRUN make\n@ENDIF\n", kind: TemplateGenerator, line: 2, col: 1, sign: "`@INCLUDE` on line 2"},
		{name: "printf-style fields", path: "tools/auto-fuzz/templates/java-ant/Dockerfile-template", src: "FROM gcr.io/oss-fuzz-base/base-builder-jvm\n%sRUN curl -L https://example.com/ant.zip -o ant.zip\n%s\n", kind: TemplateGenerator, line: 2, col: 1, sign: "`%s` on line 2"},
		{name: "an @ inside a RUN's continuation", path: "Dockerfile", src: "FROM debian:12\nRUN echo \\\n  @INCLUDE\n", kind: ""},
		{name: "Go template in FROM", path: "Dockerfile", src: "# generated\nFROM golang:{{ .Version }}\n", kind: TemplateGenerator, line: 2, col: 13},
		{name: "Jinja block", path: "Dockerfile", src: "FROM debian:12\n{% if dev %}\nRUN apt-get install -y vim\n{% endif %}\n", kind: TemplateGenerator, line: 2},
		{name: "a Go template in an ARG default", path: "utils/Dockerfile.node", src: "ARG REPO=\"thecodingmachine/php\"\nARG FROM_IMAGE=\"${REPO}:${PHP_VERSION}-{{ .Orbit.variant }}\"\nFROM $FROM_IMAGE\n", kind: TemplateGenerator, line: 2, col: 40},
		{name: "Orbit's blueprint by suffix", path: "utils/Dockerfile.node.blueprint", src: "FROM debian:12\n", kind: TemplateGenerator, line: 1, sign: "`.blueprint` suffix"},
		{name: "a format string in an ARG default is no template", path: "Dockerfile", src: "ARG FMT='{{.Id}}'\nFROM docker:27\n"},
		{name: "a placeholder line a script replaces", path: "templates/Dockerfile-template.ubuntu2404", src: "FROM ubuntu:24.04 AS base\nWORKDIR /tmp/workdir\n%%ENV%%\nRUN apt-get update\n", kind: TemplateGenerator, line: 3, col: 1, sign: "`%%ENV%%`"},
		{name: "a Python format field alone on a line", path: "tests/Dockerfile.test-nb", src: "FROM python:3.7-slim\nRUN pip install .\n{args}\n{pip}\nRUN jupyter nbconvert --execute {notebook}\n", kind: TemplateGenerator, line: 3, col: 1, sign: "`{args}`"},
		{name: "a variable alone on a line, for envsubst", path: "installers/olm/bundle.Dockerfile", src: "FROM scratch\n# LABELS is replaced with bundle.annotations.yaml\n${LABELS}\nCOPY --from=builder /build/ /\n", kind: TemplateGenerator, line: 3, col: 1, sign: "`${LABELS}`"},
		{name: "a variable continuing a RUN is the command's", path: "Dockerfile", src: "FROM debian:12\nRUN echo \\\n  $HOME\n"},
		{name: "a format field continuing a RUN is the command's", path: "Dockerfile", src: "FROM debian:12\nRUN echo \\\n  {x}\n"},
		{name: "a brace group is shell", path: "Dockerfile", src: "FROM debian:12\nRUN { echo a; echo b; } > /x\n"},
		{name: "a generator's include directive", path: "dockerfiles/theia/Dockerfile", src: "# Builder Image\n#{INCLUDE:docker/${BUILD_IMAGE_TARGET}/builder-from.dockerfile}\nRUN yarn\n", kind: TemplateGenerator, line: 2, col: 1, sign: "`#{INCLUDE:docker/${BUILD_IMAGE_TARGET}"},
		{name: "a comment that only looks like one", path: "Dockerfile", src: "# {INCLUDE: none}\nFROM debian:12\n"},
		{name: "a generator's condition, a comment to Docker", path: "Dockerfile", src: "FROM debian:12\n#{IF:DO_CLEANUP}\nRUN rm -rf /tmp/x\n"},
		{name: "a format string in RUN is the command's", path: "Dockerfile", src: "FROM docker:27\nRUN docker inspect --format '{{.Id}}' x\n"},
		{name: "a name that only looks like a suffix", path: "Dockerfile.intel", src: "FROM debian:12\n"},
		{name: "a Nickel program that renders Dockerfiles", path: "template/Dockerfile.ncl", src: "let render = fun cfg =>\n  let distro = cfg.distro in\n", kind: TemplateGenerator, line: 1, sign: "`.ncl` suffix"},
		{name: "a program named like a variant", path: "gen/Dockerfile.render", src: "\nimport json\nprint(\"FROM debian:12\")\n", kind: TemplateGenerator, line: 2, sign: "`import json`"},
		{name: "a program that starts with a comment", path: "docker/Dockerfile.py", src: "# Copyright the Toil authors\n# Licensed under Apache 2.0\nimport os\nprint(\"FROM ubuntu:24.04\")\n", kind: TemplateGenerator, line: 3, sign: "`import os`"},
		{name: "a variant with a misspelt instruction is broken, not a template", path: "Dockerfile.dev", src: "FORM debian:12\n"},
		{name: "a variant starting with a comment", path: "Dockerfile.dev", src: "# syntax=docker/dockerfile:1\nFROM debian:12\n"},
		{name: "a plain Dockerfile that starts with code is broken", path: "Dockerfile", src: "let x = 1\n"},
		{name: "dockerfile-x's INCLUDE", path: "src/php/base-os.dockerfile",
			src:  "# syntax = ghcr.io/shinsenter/dockerfile-x:v1\n# a header\nARG OS_BASE=alpine\nFROM ${OS_BASE}:latest\nINCLUDE ./common/os-common\nENTRYPOINT /init\n",
			kind: TemplateFrontend, line: 5, sign: "`ghcr.io/shinsenter/dockerfile-x:v1`: `INCLUDE`"},
		{name: "dockerfile-x's FROM of another Dockerfile", path: "Dockerfile", src: "#syntax=devthefuture/dockerfile-x\nFROM ./base/dockerfile#dev AS development\nCOPY . /app\n",
			kind: TemplateFrontend, line: 2, sign: "`./base/dockerfile#dev`, another Dockerfile"},
		{name: "dockerfile-x's COPY --from another Dockerfile", path: "Dockerfile", src: "# syntax=devthefuture/dockerfile-x\nFROM debian:12\nCOPY --from=../build/Dockerfile#build /app /app\n",
			kind: TemplateFrontend, line: 3},
		{name: "another frontend with only Docker's instructions is checked", path: "Dockerfile", src: "# syntax=devthefuture/dockerfile-x\nFROM debian:12\nRUN echo hi\n"},
		{name: "Docker's labs frontend is Docker's", path: "Dockerfile", src: "# syntax=docker/dockerfile:1-labs\nFROM debian:12\nINCLUDE x\n"},
		{name: "a heredoc's upper-case line is the script's", path: "Dockerfile", src: "# syntax=example/frontend:1\nFROM debian:12\nRUN <<EOF\nMAKE install\nEOF\n"},
		{name: "an unknown instruction without a frontend is broken (CR100)", path: "Dockerfile", src: "FROM debian:12\nINCLUDE ./x\n"},
		{name: "a directive after the first instruction is a comment", path: "Dockerfile", src: "FROM debian:12\n# syntax=devthefuture/dockerfile-x\nINCLUDE ./x\n"},
		{name: "Maven's resource filtering", path: "msa/tb-node/docker/Dockerfile", src: "# a header\nFROM ${docker.base.image}\nCOPY ${pkg.name}.deb /tmp/\n",
			kind: TemplateGenerator, line: 2, col: 6, sign: "the build tool's property `${docker.base.image}` on line 2"},
		{name: "a property further down", path: "Dockerfile", src: "FROM debian:12\nENV DATA_FOLDER=${pkg.dataFolder}\n", kind: TemplateGenerator, line: 2},
		{name: "a dotted name quoted in a RUN is the shell's", path: "Dockerfile", src: "FROM debian:12\nRUN echo '${project.version}'\n"},
		{name: "a plain variable", path: "Dockerfile", src: "ARG BASE=debian:12\nFROM ${BASE}\nENV X=${BASE}.conf\n"},
		{name: "placeholder base", path: "build/assets/debian.Dockerfile", src: "ARG VARIANT=\"\"\nFROM REPLACE-ME\n", kind: TemplatePlaceholderBase, line: 2, col: 6, sign: "`FROM REPLACE-ME`"},
		{name: "placeholder base with a tag and a flag", path: "Dockerfile", src: "FROM --platform=linux/amd64 change_me:latest\n", kind: TemplatePlaceholderBase, line: 1},
		{name: "an argument only a comment declares", path: "configs/linux/Agent/Ubuntu/Ubuntu-sudo.Dockerfile",
			src: "# The list of required arguments\n# ARG teamcityAgentImage\n\n# Tag ${versionTag}-linux-sudo\nFROM ${teamcityAgentImage}\nUSER root\n", kind: TemplateGenerator, line: 2, sign: "`# ARG teamcityAgentImage`"},
		{name: "a commented ARG the file declares too", path: "Dockerfile", src: "# ARG BASE\n# Tag ${tag}\nARG BASE=debian:12\nFROM ${BASE}\n"},
		{name: "a rendered file that lost its ARG", path: "context/generated/linux/Agent/Ubuntu/18.04/Dockerfile",
			src: "# Default arguments\nARG repo=''\n# The list of required arguments\n# ARG ubuntuImage\nFROM ${ubuntuImage} AS builder\n"},
		{name: "angle-bracket placeholder", path: "Dockerfile", src: "FROM <your-base-image>\n", kind: TemplatePlaceholderBase, line: 1},
		{name: "sed placeholder", path: "Dockerfile", src: "FROM __BASE_IMAGE__ AS base\n", kind: TemplatePlaceholderBase, line: 1},
		{name: "a real image", path: "Dockerfile", src: "FROM ubuntu:24.04\nRUN echo REPLACE-ME\n"},
		{name: "Template source's FROM", path: ".devcontainer/Dockerfile", src: "FROM mcr.microsoft.com/devcontainers/cpp:2-${templateOption:imageVariant}\n", kind: TemplateDevcontainer, line: 1, col: 44, sign: "`${templateOption:imageVariant}`"},
		{name: "Template source's ARG", path: ".devcontainer/Dockerfile", src: "FROM debian:12\n# ${templateOption:old}\nARG ZSH=\"${templateOption:installZsh}\"\n", kind: TemplateDevcontainer, line: 3, col: 10},
		{name: "placeholder only in a comment", path: ".devcontainer/Dockerfile", src: "FROM debian:12\n  # FROM x:${templateOption:v}\n"},
		{name: "ordinary variables", path: "Dockerfile", src: "ARG V=12\nFROM debian:${V}\n"},
		{name: "placeholder in the ARG the FROM names", path: "jupyter/Dockerfile", src: "# the base image is set by the Makefile\nARG BASE_IMG=<ubuntu>\nFROM $BASE_IMG\n", kind: TemplatePlaceholderBase, line: 3, col: 6, sign: "`FROM $BASE_IMG` with `<ubuntu>`"},
		{name: "placeholder in a braced ARG", path: "Dockerfile", src: "ARG BASE=\"__BASE__\"\nFROM ${BASE} AS b\n", kind: TemplatePlaceholderBase, line: 2},
		{name: "a real image in the ARG", path: "Dockerfile", src: "ARG BASE_IMG=ubuntu:22.04\nFROM $BASE_IMG\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := DockerfileTemplate(tc.path, []byte(tc.src))
			if tc.kind == "" {
				if got != nil {
					t.Fatalf("recognised as a template: %+v", got)
				}
				return
			}
			if got == nil {
				t.Fatal("not recognised as a template")
			}
			if got.Kind != tc.kind || got.Location.StartLine != tc.line || (tc.col != 0 && got.Location.StartCol != tc.col) || got.Path != tc.path {
				t.Fatalf("got %s at %d:%d in %s, want %s at %d:%d", got.Kind, got.Location.StartLine, got.Location.StartCol, got.Path, tc.kind, tc.line, tc.col)
			}
			if !strings.Contains(got.Sign, tc.sign) {
				t.Fatalf("sign %q, want it to contain %q", got.Sign, tc.sign)
			}
		})
	}
}

func TestDevcontainerAndComposeTemplate(t *testing.T) {
	src := "{\n  // \"image\": \"x:${templateOption:old}\",\n  \"image\": \"mcr.microsoft.com/devcontainers/base:${templateOption:imageVariant}\",\n" +
		"  \"features\": {\"ghcr.io/devcontainers/features/node:1\": {\"version\": \"${templateOption:nodeVersion}\"}}\n}"
	c, err := devcontainer.Parse("src/base/.devcontainer/devcontainer.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tm := DevcontainerTemplate(c, "src/base/devcontainer-template.json")
	if tm == nil || tm.Placeholders != 2 || tm.Location.StartLine != 3 || tm.Location.StartCol != 50 || tm.Manifest != "src/base/devcontainer-template.json" {
		t.Fatalf("got %+v", tm)
	}
	plain, err := devcontainer.Parse("x/devcontainer.json", []byte(`{"image": "x", "containerEnv": {"A": "${localEnv:HOME}"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if tm := DevcontainerTemplate(plain, ""); tm != nil {
		t.Fatalf("a config without placeholders recognised: %+v", tm)
	}
	if tm := ComposeTemplate("c.yml", []byte("services:\n  # image: x:${templateOption:old}\n  app:\n    image: x:${templateOption:v}\n")); tm == nil || tm.Location.StartLine != 4 || tm.Placeholders != 1 {
		t.Fatalf("compose: got %+v", tm)
	}
	if tm := ComposeTemplate("c.yml", []byte("services:\n  app:\n    image: x:${TAG}\n")); tm != nil {
		t.Fatalf("compose without placeholders: got %+v", tm)
	}
}

// TestDockerfileFragment: a file named like a Dockerfile (plainly
// `Dockerfile` too) with no FROM is a piece of one; an empty one is a
// placeholder or a fixture; one with a FROM anywhere is a Dockerfile.
func TestDockerfileFragment(t *testing.T) {
	for _, c := range []struct {
		path, src string
		want      TemplateKind // "" for none
	}{
		{"custom/gpulibs.Dockerfile", "LABEL a=b\nRUN mamba install x\n", TemplateFragment},
		{"eng/Dockerfile.env.container", "# Enable detection\n    DOTNET_RUNNING_IN_CONTAINER=true\n", TemplateFragment},
		{"eng/Dockerfile.install", "RUN v={{ARGS[\"v\"]}} \\\n    && {{InsertTemplate(\"x\")}}\n", TemplateFragment},
		{"distros/_common/Dockerfile", "LABEL a=b\nRUN /tmp/scripts/00-config.sh\n", TemplateFragment},
		{"app/Containerfile", "RUN echo no base\n", TemplateFragment},
		{"app.Dockerfile", "ARG V=1\n  from debian:12\n", ""},
		{"Visual Studio's/Dockerfile", "\xef\xbb\xbfFROM mcr.microsoft.com/dotnet/runtime:7.0\nWORKDIR /app\n", ""}, // a byte-order mark first
		{"empty.Dockerfile", "\n", TemplateEmpty},
		{"tests/fixtures/Dockerfile", "", TemplateEmpty},
		// What a generator writes after its FROM line: the first
		// instruction before any FROM, and a FROM on the generator's stage
		// or a templates folder.
		{"cli/templates/dockerfile/Dockerfile", "ENV DOCKER_ENV=development\n\nFROM dev AS prod\nENV DOCKER_ENV=production\n", TemplateFragment},
		{"generator/Dockerfile", "# appended\nRUN make\nFROM dev AS prod\n", TemplateFragment},
		{"cli/templates/Dockerfile", "RUN make\nFROM ubuntu:24.04 AS prod\n", TemplateFragment},
		{"app/Dockerfile", "ENV A=1\nFROM ubuntu:24.04 AS prod\n", ""},
		{"app/Dockerfile", "ENV A=1\nFROM ubuntu AS prod\n", ""},
		{"app/Dockerfile", "ENV A=1\nFROM base AS prod\nFROM debian:12 AS base\n", ""},
	} {
		got := DockerfileFragment(c.path, []byte(c.src))
		var kind TemplateKind
		if got != nil {
			kind = got.Kind
		}
		if kind != c.want {
			t.Errorf("DockerfileFragment(%s) = %+v, want %q", c.path, got, c.want)
		}
		want := map[TemplateKind]string{TemplateFragment: "has no `FROM`", TemplateEmpty: "an empty file"}[kind]
		if got != nil && strings.Contains(got.Sign, "before any") {
			want = "on line"
		}
		if got != nil && !strings.Contains(got.Note(false).Message, want) {
			t.Errorf("note: %s", got.Note(false).Message)
		}
	}
}

func TestTemplateNote(t *testing.T) {
	tests := []struct {
		name    string
		tm      Template
		checked bool
		rule    string
		want    []string
	}{
		{name: "generator", tm: Template{Path: "Dockerfile.tt", Kind: TemplateGenerator, Sign: "the `.tt` suffix"},
			rule: "CR120", want: []string{"a generator template (the `.tt` suffix)", "not checked as a Dockerfile", "check-templates: true"}},
		{name: "placeholder base", tm: Template{Path: "debian.Dockerfile", Kind: TemplatePlaceholderBase, Sign: "`FROM REPLACE-ME`"},
			rule: "CR120", want: []string{"(`FROM REPLACE-ME`)", "not checked as a Dockerfile"}},
		{name: "Template source's Dockerfile that does not parse", tm: Template{Path: ".devcontainer/Dockerfile", Kind: TemplateDevcontainer, Sign: "`${templateOption:v}`", Placeholders: 1},
			rule: "CR120", want: []string{"its placeholder `${templateOption:v}` is filled in", "it does not parse until then"}},
		{name: "Template source's Dockerfile that parses", tm: Template{Path: ".devcontainer/Dockerfile", Kind: TemplateDevcontainer, Sign: "`${templateOption:v}`", Placeholders: 3},
			checked: true, rule: "CR120", want: []string{"its 3 placeholders (`${templateOption:v}`, …) are filled in", "checked as it is, but its placeholders are not reported"}},
		{name: "devcontainer.json", tm: Template{Path: "src/go/.devcontainer/devcontainer.json", Kind: TemplateDevcontainer, Sign: "`${templateOption:v}`", Placeholders: 1, Manifest: "src/go/devcontainer-template.json"},
			checked: true, rule: "CR220", want: []string{"Template source (src/go/devcontainer-template.json)"}},
		{name: "a skeleton's placeholder image", tm: Template{Path: "a/.devcontainer/devcontainer.json", Kind: TemplatePlaceholderBase, Sign: "`\"image\": \"#BASE_IMAGE_FULL\"`"},
			checked: true, rule: "CR220", want: []string{"a devcontainer.json whose image is a placeholder", "its image is neither read nor reported"}},
		{name: "Compose file", tm: Template{Path: ".devcontainer/docker-compose.yml", Kind: TemplateDevcontainer, Sign: "`${templateOption:v}`", Placeholders: 1},
			checked: true, rule: "CR220"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.tm.Note(tc.checked)
			if f.RuleID != tc.rule || f.Severity != SeverityInfo || f.Evidence != EvidenceFile {
				t.Fatalf("got %s %s %s, want %s info file", f.RuleID, f.Severity, f.Evidence, tc.rule)
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Message, w) {
					t.Errorf("message %q lacks %q", f.Message, w)
				}
			}
		})
	}
}

func TestCheckTemplatesConfig(t *testing.T) {
	cfg, err := ParseConfig("c.yaml", []byte("check-templates: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.CheckTemplates || DefaultConfig().CheckTemplates {
		t.Fatalf("check-templates: got %v, default %v", cfg.CheckTemplates, DefaultConfig().CheckTemplates)
	}
	if _, err := ParseConfig("c.yaml", []byte("check-templates: yes\n")); err == nil {
		t.Fatal("check-templates: yes accepted")
	}
}
