package scan

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coderready/coderready/checks"
)

// writeTree creates files (slash paths → content) under a temporary root.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		dst := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestIsDockerfileName(t *testing.T) {
	for name, want := range map[string]bool{
		"Dockerfile":                   true,
		"dockerfile":                   true,
		"Containerfile":                true,
		"web.Dockerfile":               true,
		"dockerfile.mdx":               false,
		"dockerfile-settings.tsx":      false,
		"dockerfile.vim":               false,
		"dockerfile-mode.el":           false,
		"Dockerfile.dev":               true,
		"Dockerfile.centos":            true,
		".Dockerfile":                  false,
		"Dockerfile.dockerignore":      false,
		"web.Dockerfile.dockerignore":  false,
		"Dockerfile.dockerignore.tmpl": false, // an ignore file's template
		"dockerfile.test.txt":          false, // a Go testscript
		"Dockerfile.md":                false,
		"Dockerfile.xfce.png":          false,
		"Dockerfile_base-jammy":        true,
		"Dockerfile_":                  false,
		"dockerfile_test.go":           false,
		"Dockerfile.tar.gz":            false,
		"Dockerfile.xfce":              true,
		"dockerfile-knGOOxt4.js.map":   false, // a bundle's source map
		"Dockerfile.ikos.backup":       false, // a copy kept aside
		"Dockerfile_to_generic.ml":     false, // OCaml source
		"Dockerfile_to_generic.mli":    false,
		"Dockerfile.jl":                true, // a Julia image's
		"Dockerfile.golden":            false,
		"Dockerfile.go":                true, // a Go image's, beside Dockerfile.python
		"Dockerfile.py":                true,
		"dockerfile.go":                false, // Go source (BuildKit's frontend/dockerfile)
		"dockerfile.dart":              false, // Dart source (dart-docker's generator)
		"dockerfile_test.dart":         false,
		"Dockerfile.rego":              false, // a policy about Dockerfiles
		"Dockerfile.java":              true,  // a Java image's
		"Dockerfile.cpp":               true,  // pytorch/serve's C++ dev image
		"Dockerfile.test.go":           false,
		"Dockerfile.sh":                false,
		"Dockerfile.ubuntu":            true,
		"Dockerfile.aarch64":           true,
		"Dockerfile.tmpl":              true, // a generator template: CR120 notes it
		"Dockerfiles":                  false,
		"dockerfile-kasm-ubuntu-jammy": true, // a name with a dash
		"Dockerfile-dev":               true,
		"dockerfile-lint.yml":          false,
		"Dockerfile-":                  false,
		"README.md":                    false,
		"docker-compose.yml":           false,
	} {
		if got := IsDockerfileName(name); got != want {
			t.Errorf("IsDockerfileName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestIsDevcontainerPath(t *testing.T) {
	for p, want := range map[string]bool{
		".devcontainer.json":                     true,
		"sub/.devcontainer.json":                 true,
		".devcontainer/.devcontainer.json":       false,
		".devcontainer/devcontainer.json":        true,
		".devcontainer/python/devcontainer.json": true,
		"app/.devcontainer/devcontainer.json":    true,
		"devcontainer.json":                      false,
		".devcontainer/a/b/devcontainer.json":    false,
		"config/devcontainer.json":               false,
		".devcontainer/other.json":               false,
	} {
		if got := IsDevcontainerPath(p); got != want {
			t.Errorf("IsDevcontainerPath(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestDiscover(t *testing.T) {
	root := writeTree(t, map[string]string{
		"Dockerfile":                         "FROM debian\n",
		"build/web.Dockerfile":               "FROM debian\n",
		"build/Dockerfile.dev":               "FROM debian\n",
		"Containerfile":                      "FROM debian\n",
		".devcontainer/devcontainer.json":    "{}",
		".devcontainer/go/devcontainer.json": "{}",
		".devcontainer.json":                 "{}",
		".git/Dockerfile":                    "FROM debian\n",
		"vendor/x/Dockerfile":                "FROM debian\n",
		"web/node_modules/pkg/Dockerfile":    "FROM debian\n",
		"legacy/Dockerfile":                  "FROM debian\n",
		"README.md":                          "# hi\n",
		"Dockerfile.dockerignore":            "*\n",
	})
	ignore := func(rel string) bool { return rel == "legacy" || strings.HasPrefix(rel, "legacy/") }
	found, err := Discover(root, ignore)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range found {
		p := f.Path
		if f.Devcontainer {
			p += " (devcontainer)"
		}
		got = append(got, p)
	}
	want := []string{
		".devcontainer.json (devcontainer)",
		".devcontainer/devcontainer.json (devcontainer)",
		".devcontainer/go/devcontainer.json (devcontainer)",
		"Containerfile",
		"Dockerfile",
		"build/Dockerfile.dev",
		"build/web.Dockerfile",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Discover:\n got %q\nwant %q", got, want)
	}
}

func TestDiscoverMissingRoot(t *testing.T) {
	_, err := Discover(filepath.Join(t.TempDir(), "nope"), nil)
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("want an error naming the missing root, got %v", err)
	}
}

// TestDiscoverLinkedTwins: a Dockerfile that links to another in its own
// folder is the same target and found once, as the file it links to; a
// link into another folder builds with that folder as its context and a
// link out of the root is refused later with a finding, so both stay.
func TestDiscoverLinkedTwins(t *testing.T) {
	root := writeTree(t, map[string]string{
		"docker/go/Dockerfile":   "FROM debian\n",
		"docker/node/Dockerfile": "FROM debian\n",
		"outside/secret":         "x\n",
	})
	for link, target := range map[string]string{
		"docker/go/Dockerfile.debian":   "Dockerfile",
		"docker/go/Dockerfile.bookworm": "Dockerfile.debian", // a chain
		"docker/python/Dockerfile":      "../node/Dockerfile",
		"docker/Dockerfile.escape":      "../../outside/secret",
	} {
		at := filepath.Join(root, filepath.FromSlash(link))
		if err := os.MkdirAll(filepath.Dir(at), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, at); err != nil {
			t.Fatal(err)
		}
	}
	found, err := Discover(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range found {
		got = append(got, f.Path)
	}
	want := []string{"docker/Dockerfile.escape", "docker/go/Dockerfile", "docker/node/Dockerfile", "docker/python/Dockerfile"}
	if !slices.Equal(got, want) {
		t.Errorf("Discover:\n got %q\nwant %q", got, want)
	}
}

// TestArgPassedByBuildFiles: a standalone Dockerfile whose base tag is an
// ARG with the default `latest` is not reported (CR102) when a build file
// of the repository names the argument (its script passes the real tag);
// it is when none does, and files that are not build files (a README) do
// not count, nor do those of another image's folder. An ARG naming the
// whole image is judged by the values the build files give it: one
// unpinned value keeps the finding, values only a workflow computes drop
// it; with none, its default is judged so (its own arguments passed or
// not).
func TestArgPassedByBuildFiles(t *testing.T) {
	df := "ARG BASE_TAG=latest\nFROM ghcr.io/acme/base:${BASE_TAG}\nUSER 1000\n"
	whole := "ARG BASE=ghcr.io/acme/base:main\nFROM $BASE\nUSER 1000\n"
	nested := "ARG GOLANG_VERSION=\"pass-in-as-build-arg\"\nARG GOLANG_IMAGE=golang:${GOLANG_VERSION}-bookworm\nFROM ${GOLANG_IMAGE} AS build\nUSER 1000\n"
	runTreeCases(t, "CR102", []treeCase{
		{"a script passes it", map[string]string{"images/app/Dockerfile": df, "scripts/runner.py": "args = {\"BASE_TAG\": node.image_tag}\n"}, 0},
		{"a workflow passes it", map[string]string{"images/app/Dockerfile": df, ".github/workflows/build.yml": "build-args: |\n  BASE_TAG=${{ github.sha }}\n"}, 0},
		{"nothing passes it", map[string]string{"images/app/Dockerfile": df, "scripts/runner.py": "args = {\"OTHER\": 1}\n"}, 1},
		{"only a README names it", map[string]string{"images/app/Dockerfile": df, "README.md": "Set BASE_TAG to build.\n"}, 1},
		{"another image's compose file passes it", map[string]string{"images/app/Dockerfile": df, "images/other/compose.yaml": "services:\n  a:\n    build:\n      args:\n        BASE_TAG: \"1.2\"\n"}, 1},
		{"a compose file elsewhere that names it passes it", map[string]string{"tests/e2e/common/collector.Dockerfile": "ARG V=latest\nFROM otel/collector:${V}\nUSER 1000\n",
			"tests/e2e/logs/config/compose.yaml": "services:\n  sink:\n    build:\n      context: ../../../..\n      dockerfile: ./tests/e2e/common/collector.Dockerfile\n      args:\n        V: ${V}\n"}, 0},
		{"a compose file elsewhere that names another", map[string]string{"tests/e2e/common/collector.Dockerfile": "ARG V=latest\nFROM otel/collector:${V}\nUSER 1000\n",
			"tests/e2e/logs/config/compose.yaml": "services:\n  sink:\n    build:\n      context: ../../../..\n      dockerfile: ./tests/e2e/common/other.Dockerfile\n      args:\n        V: ${V}\n"}, 1},
		{"a compose file beside it passes it", map[string]string{"images/app/Dockerfile": df, "images/app/compose.yaml": "services:\n  a:\n    build:\n      args:\n        BASE_TAG: \"1.2\"\n"}, 0},
		{"a workflow passes the argument of the whole image's default", map[string]string{"dist/docker/Dockerfile": nested,
			".github/workflows/release.yml": "      - uses: docker/build-push-action@v6\n        with:\n          file: dist/docker/Dockerfile\n          build-args: |\n            GOLANG_VERSION=${{ steps.v.outputs.GOLANG_VERSION }}\n"}, 0},
		{"nothing passes the argument of the whole image's default", map[string]string{"dist/docker/Dockerfile": nested}, 1},
		{"a bake file passes an unpinned whole image", map[string]string{"ci/Dockerfile": whole, "ci/docker-bake.hcl": "target \"a\" {\n  args = {\n    BASE = \"debian:12\"\n  }\n}\ntarget \"b\" {\n  args = {\n    BASE = \"opensuse/tumbleweed\"\n  }\n}\n"}, 1},
		{"a workflow's build-args block passes a lower-case tag", map[string]string{"Dockerfile": "ARG arm64_tag=latest\nFROM ghcr.io/acme/base:${arm64_tag}\nUSER 1000\n",
			".github/workflows/build.yaml": "      - uses: docker/build-push-action@v3\n        with:\n          build-args: |\n            arm64_tag=${{ matrix.base.armtag }}\n          file: Dockerfile\n"}, 0},
		{"a build tool points the registry at its own images", map[string]string{"debian-bookworm/ghdl.dockerfile": "ARG REGISTRY='ghcr.io/hdl/debian/bookworm'\nFROM $REGISTRY/build/base\nUSER 1000\n",
			"utils/pyHDLC/__init__.py": "cmd += [\"--build-arg\", f\"REGISTRY={registry}/{architecture}/{collection}\"]\n"}, 0},
		{"a registry variable nothing passes", map[string]string{"debian-bookworm/ghdl.dockerfile": "ARG REGISTRY='ghcr.io/hdl/debian/bookworm'\nFROM $REGISTRY/build/base\nUSER 1000\n"}, 1},
		{"a Compose service passes its own Dockerfile a pinned image, another service another's", map[string]string{"Dockerfile.lldb": "ARG image=mcr.microsoft.com/devcontainers/base:jammy\nFROM $image\nUSER 1000\n",
			"docker-compose.yml": "services:\n  lldb:\n    build:\n      context: .\n      dockerfile: Dockerfile.lldb\n      args:\n        image: debian:12\n  archlinux:\n    build:\n      context: .\n      dockerfile: Dockerfile.arch\n      args:\n        image: archlinux:latest\n"}, 0},
		{"a workflow passes a computed whole image", map[string]string{"ci/Dockerfile": whole, ".github/workflows/docker.yml": "      build-args: BASE=${{ steps.base.outputs.image }}\n"}, 0},
		{"a build script appends the whole image it computes", map[string]string{"gpu-flavor/Dockerfile": whole,
			"gpu-flavor/build.py": "base_image = \"ml-workspace:\" + VERSION\nbuild_args = \" --build-arg BASE=\" + base_image\n"}, 0},
		{"a CI script gathers it in its BUILD_ARGS", map[string]string{"docker/extras/Dockerfile": df,
			"ci-scripts/ci_job_deploy_docker.sh": "#!/usr/bin/env bash\nBASE_TAG=$(echo $VERSION | tr '/' '_')\nBUILD_ARGS+=\" BASE_TAG=$BASE_TAG\"\ncontainer_build.sh --build-args \"$BUILD_ARGS\"\n"}, 0},
		{"a CI script's BUILD_ARGS gathers another", map[string]string{"docker/extras/Dockerfile": df,
			"ci-scripts/ci_job_deploy_docker.sh": "#!/usr/bin/env bash\nBUILD_ARGS+=\" OTHER=$OTHER\"\n"}, 1},
		{"a manifest list the workflow makes of the images it pushed", map[string]string{"tests/app/Dockerfile": "FROM golang:1.22\nCOPY --from=public.ecr.aws/acme/adapter:latest /adapter /opt/extensions/adapter\nUSER 1000\n",
			".github/workflows/merge.yaml": "      - run: |\n          docker manifest create public.ecr.aws/acme/adapter:latest public.ecr.aws/acme/adapter:latest-x86_64 public.ecr.aws/acme/adapter:latest-aarch64\n"}, 0},
		{"a build script passes the whole image empty", map[string]string{"gpu-flavor/Dockerfile": whole,
			"gpu-flavor/build.sh": "docker build --build-arg BASE=\"\" .\n"}, 1},
	})
}

// TestLocalFeatureCopiedIn: a local feature folder a build script copies
// in from elsewhere in the repository before the build is not missing
// (CR208); one whose source folder lacks that feature still is, as is one
// nothing copies.
func TestLocalFeatureCopiedIn(t *testing.T) {
	dc := `{"image": "debian:12", "remoteUser": "vscode", "features": {"./.devcontainer/features/gemini-cli": {}}}`
	feature := `{"id": "gemini-cli", "version": "1.0.0"}`
	script := "#!/bin/bash\nSRC_DIR=\"src/${1}\"\nmkdir -p \"${SRC_DIR}/.devcontainer/features\"\nrsync -a --ignore-existing \"features/src/\" \"${SRC_DIR}/.devcontainer/features\"\n"
	runTreeCases(t, "CR208", []treeCase{
		{"rsync'd in by a test script", map[string]string{"src/app/.devcontainer.json": dc, "features/src/gemini-cli/devcontainer-feature.json": feature, "tests/common/build.sh": script}, 0},
		{"the source folder lacks it", map[string]string{"src/app/.devcontainer.json": dc, "features/src/java/devcontainer-feature.json": feature, "tests/common/build.sh": script}, 1},
		{"nothing copies it", map[string]string{"src/app/.devcontainer.json": dc, "features/src/gemini-cli/devcontainer-feature.json": feature}, 1},
	})
}

// TestNamedBuildContexts: `COPY --from=NAME` (or `FROM NAME`) of a name
// the build files give as a named build context reads that context, not
// the registry image of the name (CR102); a name no build file gives
// still is the image.
func TestNamedBuildContexts(t *testing.T) {
	df := "FROM node:22-alpine\nCOPY --from=clickhouse ./local/*.xml /etc/clickhouse-server/\nUSER 1000\n"
	runTreeCases(t, "CR102", []treeCase{
		{"a Makefile's --build-context", map[string]string{"docker/hyperdx/Dockerfile": df,
			"Makefile": "build:\n\tdocker build . -f ./docker/hyperdx/Dockerfile \\\n\t\t--build-context clickhouse=./docker/clickhouse \\\n\t\t--target prod\n"}, 0},
		{"a bake target's contexts", map[string]string{"docker/hyperdx/Dockerfile": df,
			"docker-bake.hcl": "target \"app\" {\n  dockerfile = \"docker/hyperdx/Dockerfile\"\n  contexts = {\n    clickhouse = \"./docker/clickhouse\"\n  }\n}\n"}, 0},
		{"a workflow step's build-contexts", map[string]string{"docker/hyperdx/Dockerfile": df,
			".github/workflows/release.yml": "      - uses: docker/build-push-action@v6\n        with:\n          file: ./docker/hyperdx/Dockerfile\n          build-contexts: |\n            clickhouse=./docker/clickhouse\n          push: true\n"}, 0},
		{"a Compose service's additional_contexts", map[string]string{"docker/hyperdx/Dockerfile": df,
			"compose.yaml": "services:\n  app:\n    build:\n      context: .\n      dockerfile: docker/hyperdx/Dockerfile\n      additional_contexts:\n        clickhouse: ./docker/clickhouse\n"}, 0},
		{"a context that is another image", map[string]string{"docker/hyperdx/Dockerfile": df,
			"Makefile": "build:\n\tdocker build . -f ./docker/hyperdx/Dockerfile --build-context clickhouse=docker-image://clickhouse/clickhouse-server:latest\n"}, 1},
		{"another context's name", map[string]string{"docker/hyperdx/Dockerfile": df,
			"Makefile": "build:\n\tdocker build . -f ./docker/hyperdx/Dockerfile --build-context hyperdx=./docker/hyperdx\n"}, 1},
	})
}

// TestImageTheRepositoryBuilds: a FROM of an image a build file of the
// repository tags (`-t`, `--tag`, a Makefile's `$(TAG_FLAG)`, a bake file's
// `tags`), wherever that file sits, is the local build, not a registry's
// moving `latest` (CR102); an image no build file tags still is, and a
// tag whose name is only a variable says nothing.
func TestImageTheRepositoryBuilds(t *testing.T) {
	df := "FROM dockcross/base:latest\nUSER 1000\n"
	runTreeCases(t, "CR102", []treeCase{
		{"a Makefile's tag flag with a variable namespace", map[string]string{"android-x86/Dockerfile": df,
			"Makefile": "base:\n\t$(BUILD_DOCKER) $(BUILD_CMD) $(TAG_FLAG) $(ORG)/base:latest \\\n\t\t-f Dockerfile .\n"}, 0},
		{"a script in another folder", map[string]string{"samples/shm/Dockerfile": "FROM oracle/tuxedo:latest\nUSER 1000\n",
			"core/dockerfiles/buildContainerImage.sh": "docker build $PROXY -t oracle/tuxedo:latest -t oracle/tuxedo:\"${VERSION}\" \"${VERSION}\"/\n"}, 0},
		{"a bake file's tags", map[string]string{"app/Dockerfile": df, "docker-bake.hcl": "target \"base\" {\n  tags = [\"dockcross/base:latest\"]\n}\n"}, 0},
		{"a build program's repository constant, its tags computed", map[string]string{"images/master/debian/ci/Dockerfile": "FROM silex/emacs:master-debian-ci\nUSER 1000\n",
			"bin/images": "#!/usr/bin/env ruby\nclass Image\n  REPOSITORY       = 'silex/emacs'\nend\n",
			"bin/build":  "#!/usr/bin/env ruby\nargs = %w[docker buildx build --progress plain]\nargs += tags.flat_map { |s| ['--tag', s] }\n"}, 0},
		{"a script's tag from its argument, a workflow passing it", map[string]string{"docker/main/Dockerfile.vision": "FROM pytorchignite/base:latest\nUSER 1000\n",
			"docker/build.sh":                    "#!/bin/bash\nimage_name=$2\nretry \"docker build -t pytorchignite/${image_name}:latest -f Dockerfile.${image_name} .\" \"failed\"\n",
			".github/workflows/docker-build.yml": "    steps:\n      - run: |\n          bash build.sh main base\n          bash build.sh main vision\n"}, 0},
		{"a script's tag from its argument, no caller passing that image", map[string]string{"docker/main/Dockerfile.vision": "FROM pytorchignite/msdp:latest\nUSER 1000\n",
			"docker/build.sh":                    "#!/bin/bash\nimage_name=$2\nretry \"docker build -t pytorchignite/${image_name}:latest -f Dockerfile.${image_name} .\" \"failed\"\n",
			".github/workflows/docker-build.yml": "    steps:\n      - run: bash build.sh main base\n      - run: ./build.sh ${{ matrix.NPM_TAG }} ${{ matrix.IMAGE_NAME }}\n"}, 1},
		{"a repository constant with no tagged build", map[string]string{"images/master/debian/ci/Dockerfile": "FROM silex/emacs:master-debian-ci\nUSER 1000\n",
			"bin/images": "#!/usr/bin/env ruby\nclass Image\n  REPOSITORY       = 'silex/emacs'\nend\n"}, 1},
		{"a workflow's tags list with a templated name", map[string]string{"wasicontainer/Dockerfile": "FROM ghcr.io/python/devcontainer:latest\nUSER 1000\n",
			".github/workflows/build-and-push.yml": "      - uses: docker/build-push-action@v7\n        with:\n          context: ./${{ env.CONTAINER }}\n          tags: |\n            ghcr.io/python/${{ inputs.container }}:${{ steps.version.outputs.builddate }}\n            ghcr.io/python/${{ inputs.container }}:latest\n          push: true\n"}, 0},
		{"a workflow's --tag with a templated namespace", map[string]string{"Dockerfile": "FROM myoung34/github-runner-base:latest\nUSER 1000\n",
			".github/workflows/base.yml": "      - run: |\n          docker buildx build \\\n              --tag ${{ env.ORG }}/github-runner-base:latest \\\n              --push .\n"}, 0},
		{"a reusable workflow's images list", map[string]string{"workspaces/vscode-cpp/Dockerfile": "FROM prairielearn/workspace-vscode-base:latest\nUSER 1000\n",
			".github/workflows/images.yml": "jobs:\n  build:\n    uses: ./.github/workflows/build-images.yml\n    with:\n      images: prairielearn/workspace-jupyterlab-base,prairielearn/workspace-vscode-base,prairielearn/workspace-vscode-cpp\n"}, 0},
		{"docker/metadata-action's images", map[string]string{"torch.Dockerfile": "FROM matifali/dockerdl-base:latest\nUSER 1000\n",
			".github/workflows/docker-publish-base.yml": "      - uses: docker/metadata-action@v5\n        with:\n          images: |\n            matifali/dockerdl-base\n          tags: |\n            type=raw,value=latest\n"}, 0},
		{"devcontainer build's --image-name", map[string]string{"src/go/.devcontainer/Dockerfile": "FROM ghcr.io/acme/images/base:latest\nUSER 1000\n",
			"scripts/build.sh": "devcontainer build --workspace-folder src/base --image-name ghcr.io/acme/images/base:latest\n"}, 0},
		{"a workflow's tags, the name partly templated", map[string]string{"datasci/python/ubi9.Dockerfile": "FROM ghcr.io/ausbru87/coder-base-ubi9:latest\nUSER 1000\n",
			".github/workflows/build-images.yml": "          tags: |\n            ${{ env.DOCKER_REGISTRY }}/${{ env.DOCKER_USERNAME }}/coder-base-${{ matrix.variant }}:latest\n"}, 0},
		{"a workflow's tags from its env", map[string]string{"images/go/Dockerfile": "FROM ghcr.io/kodflow/devcontainer-base:latest\nUSER 1000\n",
			".github/workflows/build.yml": "env:\n  REGISTRY: ghcr.io\n  BASE_IMAGE: kodflow/devcontainer-base\njobs:\n  base:\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          tags: ${{ env.REGISTRY }}/${{ env.BASE_IMAGE }}:latest\n"}, 0},
		{"a workflow's tags for another namespace", map[string]string{"wasicontainer/Dockerfile": "FROM ghcr.io/python/devcontainer:latest\nUSER 1000\n",
			".github/workflows/build.yml": "        with:\n          tags: ghcr.io/acme/${{ inputs.container }}:latest\n"}, 1},
		{"a script's variable names the namespace", map[string]string{"devkita64/Dockerfile": "FROM devkitpro/toolchain-base:latest\nUSER 1000\n",
			"build_docker": "#!/usr/bin/env bash\nbuild_docker() {\n  image=\"devkitpro/${1}\"\n  docker buildx build -t ${image}:latest --push .\n}\nbuild_docker toolchain-base\n"}, 0},
		{"a build function called after each assignment of its name", map[string]string{"rsm-msba-intel-jupyterhub/Dockerfile": "FROM vnijs/rsm-msba-intel:latest\nUSER 1000\n",
			"scripts/build-images.sh": "#!/bin/bash\nDOCKERHUB_USERNAME=vnijs\nbuild () {\n  docker buildx build -f \"${LABEL}/Dockerfile\" --tag $DOCKERHUB_USERNAME/${LABEL}:latest .\n}\nLABEL=rsm-simple-arm\nbuild\nLABEL=rsm-msba-intel\nbuild\n"}, 0},
		{"a tag whose repository is a default the script may replace names that default", map[string]string{"cli/Dockerfile": "FROM ubuntu:rolling\nUSER 1000\n",
			"scripts/release.sh": "#!/bin/bash\nIMAGE_REPO=\"${QUICKSTART_IMAGE:-docker.io/openziti/quickstart}\"\ncase \"$1\" in\n  --image-repo) IMAGE_REPO=\"$2\" ;;\nesac\nTAGGED_REF=\"${IMAGE_REPO}:${VERSION}\"\ndocker buildx build --tag \"${TAGGED_REF}\" .\n"}, 1},
		{"an image a Tiltfile builds", map[string]string{"integration/imagetags/app/Dockerfile": "FROM busybox:1.36\nCOPY --from=gcr.io/windmill-test-containers/imagetags-common /src/common.txt /src/\nUSER 1000\n",
			"integration/imagetags/Tiltfile": "docker_build('gcr.io/windmill-test-containers/imagetags-common', './common')\ndocker_build('gcr.io/windmill-test-containers/imagetags-app', './app')\n"}, 0},
		{"an image a Tiltfile builds from a variable and a name", map[string]string{"integration/imagetags/app/Dockerfile": "FROM busybox:1.36\nCOPY --from=gcr.io/windmill-test-containers/imagetags-common /src/common.txt /src/\nUSER 1000\n",
			"integration/imagetags/Tiltfile": "include('../Tiltfile')\n\nrepo = 'gcr.io/windmill-test-containers'\ndocker_build(repo + '/imagetags-common', 'common')\n"}, 0},
		{"an image no Tiltfile builds", map[string]string{"integration/imagetags/app/Dockerfile": "FROM busybox:1.36\nCOPY --from=gcr.io/windmill-test-containers/imagetags-common /src/common.txt /src/\nUSER 1000\n",
			"integration/imagetags/Tiltfile": "docker_build('gcr.io/windmill-test-containers/imagetags-app', './app')\n"}, 1},
		{"a quoted registry that defaults to itself, then a name", map[string]string{"app/Dockerfile": "FROM ubuntu:latest\nUSER 1000\n",
			"grpc/build": "#!/bin/bash\nexport REGISTRY=${REGISTRY:-icr.io/codeengine}\ndocker build -f Dockerfile.client -t \"${REGISTRY}\"/grpc-client . --platform linux/amd64\n"}, 1},
		{"a loop over an array of the images a script builds", map[string]string{"docker/chromium/builder/immutable/dev/Dockerfile": "FROM gcr.io/clusterfuzz-images/chromium/builder\nUSER 1000\n",
			"docker/build.sh": clusterfuzzBuild}, 0},
		{"such a loop, an image not in its array", map[string]string{"docker/chromium/builder/immutable/dev/Dockerfile": "FROM gcr.io/clusterfuzz-images/chromium/tester\nUSER 1000\n",
			"docker/build.sh": clusterfuzzBuild}, 1},
		{"a loop over written-out words", map[string]string{"app/Dockerfile": "FROM acme/tools-base\nUSER 1000\n",
			"build.sh": "#!/bin/sh\nfor img in tools-base tools-full; do\n  docker build -t \"acme/$img\" \"$img\"\ndone\n"}, 0},
		{"a shell function called with the name its tag takes", map[string]string{"Dockerfile.fast": "ARG REGISTRY=browseruse\nARG BASE_TAG=latest\nFROM ${REGISTRY}/base-python-deps:${BASE_TAG}\nUSER 1000\n",
			"docker/build-base-images.sh": baseImagesBuild}, 0},
		{"such a function never called with that name", map[string]string{"Dockerfile.fast": "FROM browseruse/base-node-deps:latest\nUSER 1000\n",
			"docker/build-base-images.sh": baseImagesBuild}, 1},
		{"such a function, another namespace", map[string]string{"rsm-msba-intel-jupyterhub/Dockerfile": "FROM acme/rsm-msba-intel:latest\nUSER 1000\n",
			"scripts/build-images.sh": "#!/bin/bash\nDOCKERHUB_USERNAME=vnijs\nbuild () {\n  docker buildx build -f \"${LABEL}/Dockerfile\" --tag $DOCKERHUB_USERNAME/${LABEL}:latest .\n}\nLABEL=rsm-simple-arm\nbuild\nLABEL=rsm-msba-intel\nbuild\n"}, 1},
		{"docker tag with the script's variables", map[string]string{"android-sdk/vnc/Dockerfile": "FROM thyrlian/android-sdk:latest\nUSER 1000\n",
			"image-publisher.sh": "DOCKER_HUB_ACCOUNT=thyrlian\nMAIN_IMAGE_NAME=android-sdk\nTAG_LATEST=latest\ndocker build -t $MAIN_IMAGE_NAME .\ndocker tag $main_image_id $DOCKER_HUB_ACCOUNT/$MAIN_IMAGE_NAME:$TAG_LATEST\n"}, 0},
		{"a file named like a build script that is not one", map[string]string{"devkita64/Dockerfile": "FROM devkitpro/toolchain-base:latest\nUSER 1000\n",
			"build_notes": "docker build -t devkitpro/toolchain-base:latest .\n"}, 1},
		{"a tag named after each Dockerfile a script builds", map[string]string{"infra/aptos.Dockerfile": "FROM rust:latest\nUSER 1000\n",
			"intermediate/rust.Dockerfile": "FROM base-system:latest\nUSER agent\n",
			"build.sh":                     "#!/bin/bash\nbuild_intermediate() {\n    local lang=$1\n    docker build -t ${lang}:latest -f intermediate/${lang}.Dockerfile .\n}\n"}, 0},
		{"a script that finds the Dockerfiles and tags each under its namespace", map[string]string{"recipes/angular/Dockerfile": "FROM eclipse/node\nUSER 1000\n",
			"recipes/node/Dockerfile": "FROM eclipse/stack-base:ubuntu\nUSER 1000\n", "recipes/stack-base/ubuntu/Dockerfile": "FROM ubuntu:22.04\nUSER 1000\n",
			"build.sh": cheBuild}, 0},
		{"such a script, an image of another namespace", map[string]string{"recipes/angular/Dockerfile": "FROM acme/node\nUSER 1000\n",
			"recipes/node/Dockerfile": "FROM ubuntu:22.04\nUSER 1000\n", "build.sh": cheBuild}, 1},
		{"such a script, no folder of the image's name", map[string]string{"recipes/angular/Dockerfile": "FROM eclipse/python\nUSER 1000\n",
			"recipes/node/Dockerfile": "FROM ubuntu:22.04\nUSER 1000\n", "build.sh": cheBuild}, 1},
		{"a namespaced tag named after each Dockerfile a script function builds", map[string]string{"deps/Dockerfile.soil-clang": "FROM ghcr.io/oils-for-unix/soil-debian-12\nUSER 1000\n",
			"deps/Dockerfile.soil-debian-12": "FROM debian:12\nUSER 1000\n",
			"deps/image.sh":                  "readonly LATEST_TAG='v-2026-01-13'\nbuild() {\n  local name=${1:-soil-dummy}\n  docker \\\n    build \"${flags[@]}\" \\\n    --tag \"ghcr.io/oils-for-unix/$name:$LATEST_TAG\" \\\n    --file deps/Dockerfile.$name .\n}\n"}, 0},
		{"such a function, another namespace", map[string]string{"deps/Dockerfile.soil-clang": "FROM ghcr.io/acme/soil-debian-12\nUSER 1000\n",
			"deps/Dockerfile.soil-debian-12": "FROM debian:12\nUSER 1000\n",
			"deps/image.sh":                  "build() {\n  local name=${1:-soil-dummy}\n  docker build --tag \"ghcr.io/oils-for-unix/$name:latest\" --file deps/Dockerfile.$name .\n}\n"}, 1},
		{"such a tag, but no Dockerfile of that name", map[string]string{"infra/aptos.Dockerfile": "FROM rust:latest\nUSER 1000\n",
			"build.sh": "#!/bin/bash\nbuild_intermediate() {\n    local lang=$1\n    docker build -t ${lang}:latest -f intermediate/${lang}.Dockerfile .\n}\n"}, 1},
		{"a bake target's contexts map it to a target, by a variable's default", map[string]string{"pre_commit/Dockerfile": "FROM ghcr.io/dependabot/dependabot-updater-gomod:latest AS go\nFROM ghcr.io/dependabot/dependabot-updater-core\nUSER 1000\n",
			"docker-bake.hcl": "variable \"PREFIX\" {\n  default = \"ghcr.io/dependabot/dependabot-updater-\"\n}\nvariable \"CORE\" {\n  default = \"ghcr.io/dependabot/dependabot-updater-core\"\n}\ntarget \"pc\" {\n  contexts = {\n    (CORE) = \"target:core\"\n    \"${PREFIX}gomod:latest\" = \"target:gomod\"\n  }\n}\n"}, 0},
		{"a bake context that pins it by digest", map[string]string{"base/Dockerfile": "FROM alpine\nUSER 1000\n",
			"docker-bake.hcl": "target \"base\" {\n  context = \"base\"\n  contexts = {\n    alpine = \"docker-image://alpine:3.22.1@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1\"\n  }\n}\n"}, 0},
		{"contexts a bake function makes for the file's targets", map[string]string{"drupal/Dockerfile": "FROM nginx\nUSER 1000\n", "nginx/Dockerfile": "FROM base\nUSER 1000\n",
			"docker-bake.hcl": "function dependencies {\n  params = [image]\n  result = { for target in DEPENDENCIES[image]: target => \"target:${target}\" }\n}\ntarget \"nginx\" {\n  context = \"nginx\"\n}\ntarget \"drupal\" {\n  context = \"drupal\"\n  contexts = dependencies(\"drupal\")\n}\n"}, 0},
		{"a bake context that maps it to another image", map[string]string{"pre_commit/Dockerfile": "FROM ghcr.io/dependabot/dependabot-updater-gomod:latest\nUSER 1000\n",
			"docker-bake.hcl": "target \"pc\" {\n  contexts = {\n    \"ghcr.io/dependabot/dependabot-updater-gomod:latest\" = \"docker-image://alpine:3.20\"\n  }\n}\n"}, 1},
		{"a workflow's tags from a name a step writes to GITHUB_ENV", map[string]string{"workspace-images/cpp-dev/Dockerfile": "FROM ghcr.io/nyc-design/workspace-images/base-dev:latest\nUSER 1000\n",
			".github/workflows/build-base-dev.yaml": "env:\n  REGISTRY: ghcr.io\n  IMAGE_NAMESPACE: workspace-images\n  IMAGE_NAME: base-dev\njobs:\n  build:\n    steps:\n" +
				"      - run: |\n          echo \"IMG=${{ env.REGISTRY }}/${{ github.repository_owner }}/${{ env.IMAGE_NAMESPACE }}/${{ env.IMAGE_NAME }}\" >> $GITHUB_ENV\n" +
				"      - uses: docker/build-push-action@v6\n        with:\n          tags: ${{ env.IMG }}\n"}, 0},
		{"a matrix entry pairs a Dockerfile with its image", map[string]string{"config/docker/Dockerfile": "FROM ghcr.io/mfem/mfem-ubuntu-base:latest AS builder\nFROM ubuntu:22.04\nUSER 1000\n",
			"config/docker/Dockerfile.base": "FROM ubuntu:22.04\nUSER 1000\n", ".github/workflows/build-container.yml": mfemBuild}, 0},
		{"such a pair for another image", map[string]string{"config/docker/Dockerfile": "FROM ghcr.io/mfem/mfem-tools:latest AS builder\nFROM ubuntu:22.04\nUSER 1000\n",
			".github/workflows/build-container.yml": mfemBuild}, 1},
		{"a Compose service's image it builds", map[string]string{"production-compose/Caddy.Dockerfile": "FROM local/reflex-app\nUSER 1000\n",
			"production-compose/prod.Dockerfile": "FROM python:3.13\nUSER 1000\n",
			"production-compose/compose.yaml":    "services:\n  app:\n    image: local/reflex-app\n    build:\n      context: .\n      dockerfile: prod.Dockerfile\n  caddy:\n    build:\n      dockerfile: Caddy.Dockerfile\n"}, 0},
		{"a Compose service's image it only runs", map[string]string{"production-compose/Caddy.Dockerfile": "FROM local/reflex-app\nUSER 1000\n",
			"production-compose/compose.yaml": "services:\n  app:\n    image: local/reflex-app\n"}, 1},
		{"a tag from GitHub's owner and the event's repository name, the origin known", map[string]string{"src/app/Dockerfile": "FROM ghcr.io/ublue-os/devcontainer:latest\nUSER 1000\n",
			".git/config":                 "[remote \"origin\"]\n\turl = https://github.com/ublue-os/devcontainer.git\n",
			".github/workflows/build.yml": "jobs:\n  b:\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          tags: ghcr.io/${{ github.repository_owner }}/${{ github.event.repository.name }}:latest\n"}, 0},
		{"a tag under GitHub's repository variable, the origin known", map[string]string{"src/go-archlinux/.devcontainer/Dockerfile": "FROM ghcr.io/bartventer/devcontainer-images/base-archlinux:latest\nUSER 1000\n",
			".git/config":      "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = https://github.com/BartVenter/devcontainer-images.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n",
			"scripts/build.sh": "#!/bin/bash\ndevcontainer build --workspace-folder \"src/${IMAGE_NAME}\" --image-name \"${CR}/${GITHUB_REPOSITORY}/${IMAGE_NAME}:latest\"\n"}, 0},
		{"the same tag, the origin not known", map[string]string{"src/go-archlinux/.devcontainer/Dockerfile": "FROM ghcr.io/bartventer/devcontainer-images/base-archlinux:latest\nUSER 1000\n",
			"scripts/build.sh": "#!/bin/bash\ndevcontainer build --workspace-folder \"src/${IMAGE_NAME}\" --image-name \"${CR}/${GITHUB_REPOSITORY}/${IMAGE_NAME}:latest\"\n"}, 1},
		{"the same tag, another repository's origin", map[string]string{"src/go-archlinux/.devcontainer/Dockerfile": "FROM ghcr.io/bartventer/devcontainer-images/base-archlinux:latest\nUSER 1000\n",
			".git/config":      "[remote \"origin\"]\n\turl = git@github.com:someone/fork-images.git\n",
			"scripts/build.sh": "#!/bin/bash\ndevcontainer build --workspace-folder \"src/${IMAGE_NAME}\" --image-name \"${CR}/${GITHUB_REPOSITORY}/${IMAGE_NAME}:latest\"\n"}, 1},
		{"a reusable workflow's repo_tags input", map[string]string{"alpine-dev/Dockerfile": "FROM harisekhon/alpine-java:latest\nUSER 1000\n",
			".github/workflows/docker_build_alpine_java.yaml": "jobs:\n  docker_build:\n    uses: HariSekhon/GitHub-Actions/.github/workflows/docker_build.yaml@master\n    with:\n      repo_tags: |\n        harisekhon/alpine-java:latest\n        ghcr.io/harisekhon/alpine-java:latest\n      context: alpine-java\n"}, 0},
		{"a tag whose registry and namespace are variables is not Microsoft's image of its name", map[string]string{"images/base/.devcontainer/Dockerfile": "FROM mcr.microsoft.com/devcontainers/base:ubuntu\nUSER 1000\n",
			".github/workflows/build.yml": "        with:\n          tags: ${{ env.REGISTRY }}/base:${{ env.VERSION }}\n"}, 1},
		{"a workflow's tag with Docker Hub's host written out", map[string]string{"geoip2/Dockerfile": "FROM gsmlg/curl:latest\nUSER 1000\n",
			".github/workflows/curl.yml": "        with:\n          tags: docker.io/gsmlg/curl:latest\n"}, 0},
		{"a registry host alone before a variable name places nothing", map[string]string{"containerfile": "FROM ghcr.io/hadolint/hadolint:latest AS lint\nFROM ubuntu:24.04\nUSER 1000\n",
			".github/workflows/build.yml": "      - uses: docker/metadata-action@v5\n        with:\n          images: ghcr.io/${{ github.repository }}\n"}, 1},
		{"another image tagged", map[string]string{"android-x86/Dockerfile": df, "Makefile": "x:\n\tdocker build -t dockcross/web:latest .\n"}, 1},
		{"a tag that is only a variable", map[string]string{"android-x86/Dockerfile": df, "build.sh": "docker build -t \"$IMAGE\" .\n"}, 1},
		{"nothing tags it", map[string]string{"android-x86/Dockerfile": df}, 1},
	})
}

// TestLowerCaseArgPassed: a lower-case ARG (Arrow's `ARG arch=aarch64`)
// counts as passed when a Compose `args:` block, a bake `args = {…}` block
// or a `--build-arg` flag names it, so its architecture default is a
// fallback (CR112); a file that only uses the word elsewhere does not count,
// nor one that passes a literal architecture.
func TestLowerCaseArgPassed(t *testing.T) {
	df := "FROM alpine:3.20\nARG arch=aarch64\nRUN wget -q https://example.com/tool-${arch}.tar.gz\nUSER 1000\n"
	runTreeCases(t, "CR112", []treeCase{
		{"a compose args mapping", map[string]string{"ci/docker/x.dockerfile": df, "compose.yaml": "services:\n  x:\n    build:\n      context: .\n      args:\n        base: alpine\n        arch: ${ARCH}\n    image: x\n"}, 0},
		{"a compose args list at the key's indentation", map[string]string{"ci/docker/x.dockerfile": df, "compose.yaml": "services:\n  x:\n    build:\n      args:\n      - arch=${ARCH}\n"}, 0},
		{"a bake args block", map[string]string{"ci/docker/x.dockerfile": df, "docker-bake.hcl": "target \"x\" {\n  args = {\n    arch = \"${ARCH}\"\n  }\n}\n"}, 0},
		{"a --build-arg flag", map[string]string{"ci/docker/x.dockerfile": df, "ci/build.sh": "docker build --build-arg arch=$(uname -m) -f ci/docker/x.dockerfile .\n"}, 0},
		{"a literal architecture passed", map[string]string{"ci/docker/x.dockerfile": df, "compose.yaml": "services:\n  x:\n    build:\n      args:\n        arch: aarch64\n"}, 1},
		{"the word elsewhere only", map[string]string{"ci/docker/x.dockerfile": df, "compose.yaml": "services:\n  x:\n    build:\n      args:\n        base: alpine\n    environment:\n      arch: ${ARCH}\n"}, 1},
	})
}

// TestBakePlatformFixesArch: a Dockerfile whose bake file builds every
// target for one platform (`platforms = ["linux/amd64"]`) is built for
// that architecture only, so its amd64 downloads are not reported
// (CR112), also a JSON bake file's target that builds it (each target
// for its own); a bake file that builds for two platforms leaves them
// reported, as does none.
func TestBakePlatformFixesArch(t *testing.T) {
	df := "FROM ubuntu:24.04\nRUN curl -fsSLO https://example.com/tool-linux-amd64.tar.gz\nUSER 1000\n"
	bake := func(platforms string) string {
		return "target \"base\" {\n  context = \"img\"\n  dockerfile = \"Dockerfile\"\n  platforms = " + platforms + "\n}\n"
	}
	runTreeCases(t, "CR112", []treeCase{
		{"one platform", map[string]string{"img/Dockerfile": df, "img/docker-bake.hcl": bake(`["linux/amd64"]`)}, 0},
		{"two platforms", map[string]string{"img/Dockerfile": df, "img/docker-bake.hcl": bake(`["linux/amd64", "linux/arm64"]`)}, 1},
		{"another architecture", map[string]string{"img/Dockerfile": df, "img/docker-bake.hcl": bake(`["linux/arm64"]`)}, 1},
		{"no bake file", map[string]string{"img/Dockerfile": df}, 1},
		{"a Makefile's platform variable with its default, and a workflow for amd64", map[string]string{"buildenvs/myself.Dockerfile": df,
			"buildenvs/Makefile":               "PLATFORM     ?= linux/x86_64\nmyself:\n\t$(DOCKER) build \\\n\t\t--platform $(PLATFORM) \\\n\t\t--file $(BUILDENVSDIR)/myself.Dockerfile .\n",
			".github/workflows/buildenvs.yaml": "    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          platforms: linux/amd64\n          file: ./buildenvs/myself.Dockerfile\n"}, 0},
		{"a build program's command put together from strings", map[string]string{"dockerfiles/str/Dockerfile": df,
			"scripts/docker/build_docker.py": "def build(self):\n    cmd = \"docker build --platform linux/amd64 --progress plain \\\\\\n    \"\n    cmd += \"-f \" + f\"{self.working_dir}/dockerfiles/{self.name}/Dockerfile\" + \" \\\\\\n    \"\n    os.system(cmd)\n"}, 0},
		{"a build program's string that builds another folder's files", map[string]string{"dockerfiles/str/Dockerfile": df,
			"scripts/docker/build_docker.py": "def build(self):\n    cmd = \"docker build --platform linux/amd64 \"\n    cmd += \"-f \" + f\"{self.working_dir}/images/{self.name}/Dockerfile\"\n    os.system(cmd)\n"}, 1},
		{"a Makefile's platform variable with no default", map[string]string{"buildenvs/myself.Dockerfile": df,
			"buildenvs/Makefile": "myself:\n\t$(DOCKER) build --platform $(PLATFORM) --file $(BUILDENVSDIR)/myself.Dockerfile .\n"}, 1},
		{"a bake file in JSON builds it for one, another target for two", map[string]string{"dockerfiles/shiny.Dockerfile": df, "dockerfiles/r-ver.Dockerfile": "FROM ubuntu:24.04\nUSER 1000\n",
			"bakefiles/4.5.docker-bake.json": `{"target": {"r-ver": {"dockerfile": "dockerfiles/r-ver.Dockerfile", "platforms": ["linux/amd64", "linux/arm64"]}, "shiny": {"context": "./", "dockerfile": "dockerfiles/shiny.Dockerfile", "platforms": ["linux/amd64"]}}}`}, 0},
		{"a bake file in JSON builds it for two", map[string]string{"dockerfiles/shiny.Dockerfile": df,
			"bakefiles/4.5.docker-bake.json": `{"target": {"shiny": {"dockerfile": "dockerfiles/shiny.Dockerfile", "platforms": ["linux/amd64", "linux/arm64"]}}}`}, 1},
		{"a workflow that builds it for one platform", map[string]string{"anaconda3/amazonlinux/Dockerfile": df,
			".github/workflows/amazonlinux.yml": "      - uses: docker/build-push-action@v6\n        with:\n          file: anaconda3/amazonlinux/Dockerfile\n          platforms: linux/amd64\n"}, 0},
		{"a workflow step that builds it for one, another step another file for two", map[string]string{"docker/test/Dockerfile": df,
			".github/workflows/ci.yml": "    steps:\n      - name: build\n        uses: docker/build-push-action@v6\n        with:\n          file: docker/multi/Dockerfile\n          platforms: linux/amd64,linux/arm64\n" +
				"      - name: test image\n        uses: docker/build-push-action@v6\n        with:\n          file: docker/test/Dockerfile\n          platforms: linux/amd64\n"}, 0},
		{"a workflow step that builds its context's Dockerfile for one", map[string]string{"tools/ci/docker/linux/Dockerfile": df,
			".github/workflows/docker_linux.yml": "    steps:\n      - name: Push\n        uses: docker/build-push-action@v6\n        with:\n          context: tools/ci/docker/linux\n          platforms: linux/amd64\n"}, 0},
		{"the workflow's name as the context, built for one", map[string]string{"xormon-ng/Dockerfile": df,
			".github/workflows/xormon-ng.yml": "name: xormon-ng\non:\n  push:\njobs:\n  build:\n    steps:\n      - name: Build\n        uses: docker/build-push-action@v6\n        with:\n          context: ${{ github.workflow }}\n          platforms: linux/amd64\n"}, 0},
		{"a matrix entry's context, the step built for one", map[string]string{"Docker-Images/Designer/Dockerfile": df, "Docker-Images/Developer/Dockerfile": df,
			".github/workflows/build.yml": "jobs:\n  images:\n    strategy:\n      matrix:\n        include:\n          - image_name: dev\n            context: Docker-Images/Developer\n" +
				"          - image_name: design\n            context: Docker-Images/Designer\n    steps:\n      - name: Checkout\n        uses: actions/checkout@v4\n" +
				"      - name: Build and push\n        uses: docker/build-push-action@v7\n        with:\n          context: ${{ matrix.context }}\n          platforms: linux/amd64\n"}, 0},
		{"a matrix list names the file, the step built for one", map[string]string{"dev/go/ubi9.Dockerfile": df,
			".github/workflows/build.yml": "jobs:\n  go:\n    strategy:\n      matrix:\n        variant: [ubuntu, ubi9]\n    steps:\n      - name: Build\n        uses: docker/build-push-action@v5\n        with:\n          file: ./dev/go/${{ matrix.variant }}.Dockerfile\n          platforms: linux/amd64\n"}, 0},
		{"a Makefile's command for another folder's file of the same name", map[string]string{"java/infra/docker/feature-server/Dockerfile.dev": df,
			"java/Makefile": "build:\n\tdocker build --platform linux/amd64 -f Dockerfile.dev -t x .\n"}, 1},
		{"a Makefile that builds one file for one platform and another for any", map[string]string{"java/infra/docker/feature-server/Dockerfile": df,
			"sdk/multicloud/Dockerfile.dev": "FROM ubuntu:24.04\nUSER 1000\n",
			"Makefile": "build-java:\n\tdocker buildx build --build-arg VERSION=$(VERSION) \\\n\t\t-t $(REGISTRY)/feature-server-java:$(VERSION) \\\n\t\t-f java/infra/docker/feature-server/Dockerfile --load .\n\n" +
				"build-dev-on-mac:\n\tdocker buildx build --platform linux/amd64 \\\n\t\t-t $(REGISTRY)/feature-server:$(VERSION) \\\n\t\t-f sdk/multicloud/Dockerfile.dev --load .\n"}, 1},
		{"a Windows build of whatever file a variable names", map[string]string{"build/images/Dockerfile.build": df,
			"build/images/build-utils.sh": "function docker_build_windows() {\n  docker buildx build --platform windows/amd64 -o type=docker -f $dockerfile .\n}\n"}, 1},
		{"a build command whose file names a matrix variable", map[string]string{"docker/go/Dockerfile.ubi": df,
			".github/workflows/build.yml": "      - run: docker build -f docker/${{ matrix.sdk }}/Dockerfile.ubi --platform linux/amd64 -t x .\n"}, 0},
		{"two build commands whose file names a variable, one per platform", map[string]string{"src/test/docker/fluxorama/Dockerfile": df,
			".github/workflows/testenv.yml": "      - run: docker buildx build --platform=linux/amd64 -f src/test/docker/${DISTRO}/Dockerfile .\n      - run: docker buildx build --platform=linux/arm64 -f src/test/docker/${DISTRO}/Dockerfile .\n"}, 1},
		{"a workflow that builds it for two", map[string]string{"anaconda3/amazonlinux/Dockerfile": df,
			".github/workflows/amazonlinux.yml": "      - uses: docker/build-push-action@v6\n        with:\n          file: anaconda3/amazonlinux/Dockerfile\n          platforms: linux/amd64,linux/arm64\n"}, 1},
		{"a Compose file elsewhere that builds its own Dockerfile for one platform", map[string]string{"tools/zephyr/Dockerfile": df,
			"examples/app/compose.yaml": "services:\n  app:\n    platform: linux/amd64\n    build:\n      context: .\n      dockerfile: Dockerfile\n"}, 1},
		{"a Compose service's context and a platform from the project's .env", map[string]string{"images/base/Dockerfile": df,
			"images/compose.yml": "services:\n  base:\n    platform: ${PLATFORM}\n    build:\n      context: base\n      dockerfile: Dockerfile\n",
			"images/.env":        "PLATFORM=linux/amd64\n"}, 0},
		{"a Compose platform whose variable no .env gives", map[string]string{"images/base/Dockerfile": df,
			"images/compose.yml": "services:\n  base:\n    platform: ${PLATFORM}\n    build:\n      context: base\n"}, 1},
		{"a Compose platform's default", map[string]string{"images/base/Dockerfile": df,
			"images/compose.yml": "services:\n  base:\n    platform: ${PLATFORM:-linux/amd64}\n    build: ./base\n"}, 0},
		{"another Compose service's platform", map[string]string{"images/base/Dockerfile": df, "images/web/Dockerfile": df,
			"images/compose.yml": "services:\n  base:\n    build: ./base\n  web:\n    platform: linux/amd64\n    build: ./web\n"}, 1},
		{"a script's command that builds it for one platform, beside others for two", map[string]string{"3.12/browsers/Dockerfile": df, "3.12/Dockerfile": df,
			"build-images.sh": "#!/usr/bin/env bash\ndocker buildx build --platform=linux/amd64,linux/arm64 --file 3.12/Dockerfile -t cimg/python:3.12 --push .\n" +
				"docker buildx build --platform=linux/amd64 \\\n  --file 3.12/browsers/Dockerfile -t cimg/python:3.12-browsers --push .\n"}, 1},
		{"a script's command that builds its context folder's Dockerfile for one platform", map[string]string{"docker/exporter/Dockerfile": df,
			"build.sh": "#!/bin/sh\ndocker buildx build --platform linux/amd64 --build-arg VERSION=$tag -t tinode/exporter:latest docker/exporter\n"}, 0},
		{"a script's command that builds another context folder for one platform", map[string]string{"docker/exporter/Dockerfile": df,
			"build.sh": "#!/bin/sh\ndocker buildx build --platform linux/amd64 -t tinode/other:latest docker/other\n"}, 1},
		{"a context that is a flag's value", map[string]string{"docker/exporter/Dockerfile": df,
			"build.sh": "#!/bin/sh\ndocker buildx build --platform linux/amd64 --cache-from docker/exporter\n"}, 1},
		{"a build command kept in a variable, for amd64 on any other machine", map[string]string{"docker/exporter/Dockerfile": df,
			"docker-build.sh": "#!/bin/bash\nbuildcmd='build'\nif [ `uname -m` != 'x86_64' ]; then\n  buildcmd='buildx build --platform=linux/amd64'\nfi\n" +
				"docker ${buildcmd} --build-arg VERSION=$tag ${buildtags} docker/exporter\n"}, 0},
		{"a build command kept in a variable, for amd64 on request only", map[string]string{"docker/exporter/Dockerfile": df,
			"docker-build.sh": "#!/bin/bash\nbuildcmd='build'\nif [ -n \"$CROSS\" ]; then\n  buildcmd='buildx build --platform=linux/amd64'\nfi\n" +
				"docker ${buildcmd} --build-arg VERSION=$tag ${buildtags} docker/exporter\n"}, 1},
		{"a build command kept in a variable, for arm64 off arm64", map[string]string{"docker/exporter/Dockerfile": df,
			"docker-build.sh": "#!/bin/bash\nbuildcmd='build'\nif [ `uname -m` != 'aarch64' ]; then\n  buildcmd='buildx build --platform=linux/arm64'\nfi\n" +
				"docker ${buildcmd} docker/exporter\n"}, 1},
		{"the amd64 twin of an arm/ subfolder", map[string]string{"hass/Dockerfile": df, "hass/arm/Dockerfile": "FROM alpine:3\nRUN wget https://example.com/tool-armhf.tar.gz\nUSER 1000\n"}, 0},
		{"an arm/ subfolder without its twin's file", map[string]string{"hass/Dockerfile": df, "hass/arm/Dockerfile.debian": "FROM alpine:3\nUSER 1000\n"}, 1},
		{"a 32-bit download in an arm/ folder", map[string]string{"red5/arm/Dockerfile.debian": "FROM armhf/debian:jessie\nRUN wget https://example.com/tool-armhf.tar.gz\nUSER 1000\n"}, 0},
		{"an amd64 download in an arm/ folder", map[string]string{"red5/arm/Dockerfile.debian": "FROM debian:12\nRUN wget https://example.com/tool-amd64.tar.gz\nUSER 1000\n"}, 1},
		{"a Makefile every folder includes exports one default platform", map[string]string{"consul/Dockerfile": df, "consul/Makefile": "include ../Makefile.in\n",
			"Makefile.in": "export DOCKER_BUILDKIT=1\nexport DOCKER_DEFAULT_PLATFORM=linux/amd64\nbuild:\n\tdocker build -t $(REPO):$(TAG) .\n"}, 0},
		{"a default platform of another architecture", map[string]string{"consul/Dockerfile": df,
			"Makefile.in": "export DOCKER_DEFAULT_PLATFORM=linux/arm64\n"}, 1},
		{"a workflow's jobs test one platform each", map[string]string{"Dockerfile": df,
			".github/workflows/ci.yml": "jobs:\n  amd64:\n    steps:\n      - run: bats test.bats\n        env:\n          DOCKER_DEFAULT_PLATFORM: linux/amd64\n" +
				"  arm64:\n    steps:\n      - run: bats test.bats\n        env:\n          DOCKER_DEFAULT_PLATFORM: linux/arm64\n"}, 1},
		{"a bake file in another folder whose targets all build for one platform", map[string]string{"docker/dockerfiles/Dockerfile.media": df,
			"docker/docker-bake.media.hcl": "target \"media\" {\n  context = \".\"\n  dockerfile = \"docker/dockerfiles/Dockerfile.media\"\n  platforms = [\"linux/amd64\"]\n}\n"}, 0},
		{"a bake file in another folder, one target for two platforms", map[string]string{"docker/dockerfiles/Dockerfile.media": df,
			"docker/docker-bake.media.hcl": "target \"media\" {\n  context = \".\"\n  dockerfile = \"docker/dockerfiles/Dockerfile.media\"\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n}\n"}, 1},
		{"a bake file in another folder, its targets for two architectures", map[string]string{"docker/dockerfiles/Dockerfile.media": df,
			"docker/docker-bake.media.hcl": "target \"media\" {\n  dockerfile = \"docker/dockerfiles/Dockerfile.media\"\n  platforms = [\"linux/amd64\"]\n}\n" +
				"target \"other\" {\n  dockerfile = \"docker/dockerfiles/Dockerfile.other\"\n  platforms = [\"linux/arm64\"]\n}\n"}, 1},
		{"a depot step that builds it for one platform", map[string]string{"docker/dockerfiles/Dockerfile.media": df,
			".github/workflows/media.yml": "    steps:\n      - uses: depot/build-push-action@v1\n        with:\n          file: ./docker/dockerfiles/Dockerfile.media\n          platforms: linux/amd64\n"}, 0},
		{"another bake file that names it", map[string]string{"docker/synaptics/Dockerfile": df,
			"docker/synaptics/synaptics.hcl": "target \"synaptics\" {\n  dockerfile = \"docker/synaptics/Dockerfile\"\n  platforms = [\"linux/amd64\"]\n}\n"}, 0},
		{"another bake file that names another", map[string]string{"docker/synaptics/Dockerfile": df,
			"docker/synaptics/other.hcl": "target \"main\" {\n  dockerfile = \"docker/main/Dockerfile\"\n  platforms = [\"linux/amd64\"]\n}\n"}, 1},
	})
}

// treeCase is a repository's files and how many findings of a rule an
// offline scan of it should report.
type treeCase struct {
	name  string
	files map[string]string
	want  int
}

// runTreeCases scans each case's tree offline and counts rule id's
// findings.
func runTreeCases(t *testing.T, id string, cases []treeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if n := len(offlineFindings(t, writeTree(t, tc.files), id)); n != tc.want {
				t.Errorf("%d %s findings, want %d", n, id, tc.want)
			}
		})
	}
}

// TestIsBuildFile: scripts, workflows, Makefiles, Compose and bake files
// are read for build arguments anywhere; an application's own source only
// in a top-level CI or scripts folder or when named for building, so a
// large repository's sources do not use up the reading budget before its
// build files.
func TestIsBuildFile(t *testing.T) {
	for rel, want := range map[string]bool{
		"tests/e2e/logs/config/compose.yaml": true,
		"Makefile":                           true,
		"hack/build.sh":                      true,
		"docker-bake.hcl":                    true,
		"scripts/runner.py":                  true,
		"tools/release.go":                   true,
		"build_images.py":                    true,
		"web/package.json":                   true,
		"docker-bake.json":                   true,
		"src/app/main.py":                    false,
		"website/content/data.json":          false,
		"lib/index.ts":                       false,
		"Dockerfile":                         false,
		".devcontainer/devcontainer.json":    false,
	} {
		if got := isBuildFile(rel); got != want {
			t.Errorf("isBuildFile(%q) = %v, want %v", rel, got, want)
		}
	}
}

// TestImageDefinitionsBuiltByTheCLI: a devcontainer.json the repository's
// build files build into an image with the Dev Containers CLI
// (`--workspace-folder src/${IMAGE_NAME}`, devcontainers/ci's `subFolder`)
// is an image definition envbuilder never builds: CR215 (where envbuilder
// looks) is not reported on it, nor on a generator's template (a folder
// holding cargo-generate.toml). The repository's own root config, and a
// config no build file names, still are judged.
func TestImageDefinitionsBuiltByTheCLI(t *testing.T) {
	cfg := `{"image": "debian:12"}`
	runTreeCases(t, "CR215", []treeCase{
		{"a script's --workspace-folder with a variable", map[string]string{"src/go/.devcontainer/devcontainer.json": cfg,
			"scripts/build.sh": "devcontainer build \\\n  --workspace-folder \"src/${IMAGE_NAME}\" \\\n  --image-name \"${CR}/${IMAGE_NAME}:latest\"\n"}, 0},
		{"devcontainers/ci's subFolder from a matrix", map[string]string{"docker-android/.devcontainer/devcontainer.json": cfg,
			".github/workflows/build.yaml": "      - uses: devcontainers/ci@v0.3\n        with:\n          subFolder: ${{ matrix.template }}\n          push: always\n"}, 0},
		{"a matrix folder two levels down", map[string]string{"src/arch-webtop-mate/arch-webtop-mate/.devcontainer/devcontainer.json": cfg,
			".github/workflows/build-base.yml": "        run: |\n          devcontainer build \\\n            --workspace-folder src/${{ matrix.image }} \\\n            --push\n"}, 0},
		{"devcontainers/ci's configFile", map[string]string{"dbt-postgres/.devcontainer/ci/devcontainer.json": cfg,
			".github/workflows/dbt-build-pr.yml": "      - uses: devcontainers/ci@v0.3\n        with:\n          configFile: dbt-postgres/.devcontainer/ci/devcontainer.json\n          push: never\n"}, 0},
		{"another config's configFile", map[string]string{"dbt-postgres/.devcontainer/ci/devcontainer.json": cfg,
			".github/workflows/dbt-build-pr.yml": "      - uses: devcontainers/ci@v0.3\n        with:\n          configFile: godot/.devcontainer/ci/devcontainer.json\n"}, 1},
		{"a cargo-generate template's config", map[string]string{"cargo/.devcontainer/devcontainer.json": cfg, "cargo/cargo-generate.toml": "[template]\ncargo_generate_version = \">=0.17\"\n"}, 0},
		{"a folder no build file names", map[string]string{"tools/dev/.devcontainer/devcontainer.json": cfg,
			"scripts/build.sh": "devcontainer build --workspace-folder src/other\n"}, 1},
	})
}

// TestRootConfigPublishedAsAnImage: a root devcontainer.json that
// devcontainers/ci only builds and pushes (no subFolder, push: always, no
// runCmd) is an image definition when no other config of the repository
// runs the image: the envbuilder rules (CR218 here) do not judge it. One
// the project's CI runs its commands in, one pushed on some refs only,
// and one whose image another config runs as a prebuild (SerenityOS's
// `optimized` config) are the developers' environment, and are judged.
func TestRootConfigPublishedAsAnImage(t *testing.T) {
	root := `{"image": "debian:12", "features": {"git": "latest"}}`
	publish := func(image, more string) string {
		return "on:\n  push:\n    tags: ['v*']\njobs:\n  build:\n    steps:\n      - uses: actions/checkout@v4\n" +
			"      - uses: devcontainers/ci@v0.3\n        with:\n          imageName: " + image + "\n          imageTag: latest\n" + more
	}
	runTreeCases(t, "CR218", []treeCase{
		{"published", map[string]string{".devcontainer/devcontainer.json": root,
			".github/workflows/publish.yml": publish("ghcr.io/acme/codespaces", "          push: always\n")}, 0},
		{"published under variables", map[string]string{".devcontainer/devcontainer.json": root,
			".github/workflows/publish.yml": publish("ghcr.io/${{ env.OWNER }}/${{ env.NAME }}", "          push: always\n")}, 0},
		{"the project's tests run in it", map[string]string{".devcontainer/devcontainer.json": root,
			".github/workflows/ci.yml": publish("ghcr.io/acme/app-devcontainer", "          push: always\n          runCmd: make test\n")}, 1},
		{"pushed on some refs only", map[string]string{".devcontainer/devcontainer.json": root,
			".github/workflows/ci.yml": publish("ghcr.io/acme/app-devcontainer", "          push: filter\n")}, 1},
		{"a prebuild another config runs", map[string]string{".devcontainer/devcontainer.json": root,
			".devcontainer/optimized/devcontainer.json": `{"image": "ghcr.io/serenityos/serenity-devcontainer:base"}`,
			".github/workflows/dev-container.yml":       publish("ghcr.io/serenityos/serenity-devcontainer", "          push: always\n")}, 1},
		{"no workflow", map[string]string{".devcontainer/devcontainer.json": root}, 1},
		{"pushed with the Dev Containers CLI", map[string]string{".devcontainer/devcontainer.json": root,
			".github/workflows/buildPush.yaml": "jobs:\n  b:\n    steps:\n      - run: |\n          devcontainer build .devcontainer --workspace-folder . \\\n            --platform linux/amd64,linux/arm64 --push --image-name kevintijssen/devcontainer-base:${IMAGE_TAG}\n"}, 0},
		{"built with the Dev Containers CLI, not pushed", map[string]string{".devcontainer/devcontainer.json": root,
			".github/workflows/ci.yaml": "jobs:\n  b:\n    steps:\n      - run: devcontainer build --workspace-folder . --image-name acme/dev\n"}, 1},
	})
}

// TestWholeImageArgPassed: a FROM that takes an argument every bake
// target passes (`FROM $FROM_IMAGE`) never uses its default, so the
// undeclared arguments that default names are no error (CR113); without
// a build file that passes it they are.
func TestWholeImageArgPassed(t *testing.T) {
	df := "ARG REPO=\"thecodingmachine/php\"\nARG TAG_PREFIX=\"\"\nARG FROM_IMAGE=\"${REPO}:${TAG_PREFIX}:${PHP_VERSION}-${GLOBAL_VERSION}-cli\"\nFROM $FROM_IMAGE\nUSER 1000\n"
	bake := "target \"php-83-cli-node\" {\n  dockerfile = \"Dockerfile.cli.node\"\n  args = {\n    FROM_IMAGE = \"fat\"\n  }\n  contexts = {\n    fat = \"target:php-83-cli\"\n  }\n}\n"
	runTreeCases(t, "CR113", []treeCase{
		{"a bake file passes it", map[string]string{"Dockerfile.cli.node": df, "docker-bake.hcl": bake}, 0},
		{"nothing passes it", map[string]string{"Dockerfile.cli.node": df}, 2},
	})
}

// TestSupervisorConfigOnASiblingBase: supervisord configs copied into an
// image built on the repository's own image, whose Dockerfile sets no
// ENTRYPOINT on a distribution that runs a shell, are for whatever else
// starts supervisord (trino's LDAP base runs it at build time): CR106
// does not report them. On a sibling whose command starts supervisord it
// does.
func TestSupervisorConfigOnASiblingBase(t *testing.T) {
	child := "ARG ARCH\nFROM testing/almalinux9-oj17:unlabelled$ARCH\nCOPY ./files /\nCOPY supervisord.d/ /etc/supervisord.d/\nRUN supervisord -c /etc/supervisord.conf && ldapadd -f x.ldif\n"
	runTreeCases(t, "CR106", []treeCase{
		{"a sibling base that runs a shell", map[string]string{"testing/almalinux9-oj17-openldap-base/Dockerfile": child,
			"testing/almalinux9-oj17-openldap-base/supervisord.d/slapd.conf": "[program:slapd]\n",
			"testing/almalinux9-oj17/Dockerfile":                             "FROM library/almalinux:9\nRUN dnf install -y java-17-openjdk\n"}, 0},
		{"a sibling base that starts supervisord", map[string]string{"testing/almalinux9-oj17-openldap-base/Dockerfile": child,
			"testing/almalinux9-oj17-openldap-base/supervisord.d/slapd.conf": "[program:slapd]\n",
			"testing/almalinux9-oj17/Dockerfile":                             "FROM library/almalinux:9\nRUN dnf install -y supervisor\nCMD [\"supervisord\", \"-n\"]\n"}, 2}, // the base's CMD too
	})
}

// TestIncludedPieces: a file a template includes with a generator's
// directive (`#{INCLUDE:docker/${TARGET}/runtime-from.dockerfile}`), or
// that a file for the dockerfile-x frontend includes (`INCLUDE
// docker/base.dockerfile`), is a piece of it, noted once (CR120) and not
// judged as an image (no CR101); a file nothing includes is judged.
func TestIncludedPieces(t *testing.T) {
	tmpl := "#{INCLUDE:docker/${BUILD_IMAGE_TARGET}/runtime-from.dockerfile}\nRUN yarn\nUSER theia\n"
	piece := "FROM node:14.19.0-alpine3.15 as runtime\n"
	runTreeCases(t, "CR101", []treeCase{
		{"an included piece", map[string]string{"dockerfiles/theia/Dockerfile": tmpl, "dockerfiles/theia/docker/alpine/runtime-from.dockerfile": piece}, 0},
		{"a file no template includes", map[string]string{"dockerfiles/theia/Dockerfile": tmpl, "dockerfiles/theia/docker/alpine/other-from.dockerfile": piece}, 1},
	})
	// dockerfile-x's INCLUDE, by the context's path or the file's folder.
	x := "# syntax = devthefuture/dockerfile-x\n\nINCLUDE docker/base.dockerfile\nINCLUDE ./build.dockerfile\n\nFROM build AS app\nUSER 1000\n"
	base := "FROM ruby:3.4-alpine AS base\nRUN apk add --no-cache tzdata\n"
	build := "FROM base AS build\nRUN apk add --no-cache alpine-sdk\n"
	runTreeCases(t, "CR101", []treeCase{
		{"pieces dockerfile-x includes", map[string]string{"docker/app.dockerfile": x, "docker/base.dockerfile": base, "docker/build.dockerfile": build}, 0},
		{"the same INCLUDE under Docker's own syntax", map[string]string{"docker/app.dockerfile": strings.Replace(x, "devthefuture/dockerfile-x", "docker/dockerfile:1", 1),
			"docker/base.dockerfile": base}, 1},
	})
}

// TestComposeServiceUser: a Compose Dev Container whose service sets a
// non-root `user:` (`${UID:-kitsune}`, interpolated with its default)
// runs its container as that user: CR101 does not report the Dockerfile
// the service builds with no USER; a service with no user, or root, does.
func TestComposeServiceUser(t *testing.T) {
	df := "FROM python:3.12 AS base\nRUN useradd -m -u 1000 kitsune\nFROM base AS dev\nRUN pip install -e .\nFROM base AS prod\nUSER kitsune\n"
	dc := `{"dockerComposeFile": ["../docker-compose.yml"], "service": "web", "workspaceFolder": "/app"}`
	compose := func(user string) string {
		return "services:\n  web:\n    build:\n      context: .\n      dockerfile: Dockerfile\n      target: dev\n" + user
	}
	runTreeCases(t, "CR101", []treeCase{
		{"a non-root user with a default", map[string]string{"Dockerfile": df, ".devcontainer/devcontainer.json": dc, "docker-compose.yml": compose("    user: ${UID:-kitsune}\n")}, 0},
		{"a numeric user", map[string]string{"Dockerfile": df, ".devcontainer/devcontainer.json": dc, "docker-compose.yml": compose("    user: \"1000:1000\"\n")}, 0},
		{"root", map[string]string{"Dockerfile": df, ".devcontainer/devcontainer.json": dc, "docker-compose.yml": compose("    user: root\n")}, 0},
		{"no user", map[string]string{"Dockerfile": df, ".devcontainer/devcontainer.json": dc, "docker-compose.yml": compose("")}, 0},
	})
	// CR205 judges the Dev Container's user, on the stage the service
	// builds (`dev`, not the last, `prod`): with root, or no user
	// anywhere, it reports it once, and CR101 does not repeat it on the
	// Dockerfile.
	runTreeCases(t, "CR205", []treeCase{
		{"a non-root user with a default", map[string]string{"Dockerfile": df, ".devcontainer/devcontainer.json": dc, "docker-compose.yml": compose("    user: ${UID:-kitsune}\n")}, 0},
		{"a numeric user", map[string]string{"Dockerfile": df, ".devcontainer/devcontainer.json": dc, "docker-compose.yml": compose("    user: \"1000:1000\"\n")}, 0},
		{"root", map[string]string{"Dockerfile": df, ".devcontainer/devcontainer.json": dc, "docker-compose.yml": compose("    user: root\n")}, 1},
		{"no user", map[string]string{"Dockerfile": df, ".devcontainer/devcontainer.json": dc, "docker-compose.yml": compose("")}, 1},
	})
	// Without the service's target, the last stage's USER is the user.
	runTreeCases(t, "CR205", []treeCase{
		{"the last stage", map[string]string{"Dockerfile": df, ".devcontainer/devcontainer.json": dc,
			"docker-compose.yml": "services:\n  web:\n    build:\n      context: .\n      dockerfile: Dockerfile\n"}, 0},
	})
}

// TestSysboxTemplateRunsSystemd: an image the repository's Coder template
// runs under Sysbox with `exec /sbin/init` has systemd as PID 1: CR116 does
// not report its enabled units; without such a template it does.
func TestSysboxTemplateRunsSystemd(t *testing.T) {
	df := "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y systemd tailscale && systemctl enable tailscaled\nUSER 1000\n"
	sysbox := "resource \"docker_container\" \"workspace\" {\n  runtime = \"sysbox-runc\"\n  entrypoint = [\"sh\", \"-c\", <<-EOT\n    ${local.init}\n    exec /sbin/init\n  EOT\n  ]\n}\n"
	runTreeCases(t, "CR116", []treeCase{
		{"a Sysbox template", map[string]string{"images/base/Dockerfile": df, "templates/Base/main.tf": sysbox}, 0},
		{"a plain template", map[string]string{"images/base/Dockerfile": df, "templates/Base/main.tf": "resource \"docker_container\" \"workspace\" {\n  entrypoint = [\"sh\", \"-c\", local.init]\n}\n"}, 1},
		{"a template that keeps the image's own entrypoint", map[string]string{"images/base/Dockerfile": df, "templates/Base/main.tf": "resource \"docker_container\" \"workspace\" {\n  env = [\"CODER_INIT_SCRIPT_BASE64=${base64encode(coder_agent.main.init_script)}\"]\n}\n"}, 1},
	})
	// A unit the repository's template starts from its agent's startup
	// script runs in the workspace; another unit, or a start left in a
	// comment, does not count.
	docker := "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y docker.io && systemctl enable docker\nUSER 1000\n"
	agent := func(script string) string {
		return "resource \"coder_agent\" \"main\" {\n  startup_script = <<EOT\n" + script + "  EOT\n}\n"
	}
	runTreeCases(t, "CR116", []treeCase{
		{"dockerd in the background", map[string]string{"root-container/Dockerfile": docker, "template/main.tf": agent("    set -e\n    sudo dockerd &\n")}, 0},
		{"service start", map[string]string{"root-container/Dockerfile": docker, "template/main.tf": agent("    sudo service docker start\n")}, 0},
		{"another service", map[string]string{"root-container/Dockerfile": docker, "template/main.tf": agent("    sudo service ssh start\n")}, 1},
		{"in a comment", map[string]string{"root-container/Dockerfile": docker, "template/main.tf": agent("    # sudo dockerd &\n")}, 1},
		{"no template", map[string]string{"root-container/Dockerfile": docker}, 1},
	})
}

// TestTemplateKeepsEntrypoint: an ENTRYPOINT a Coder template of the
// repository keeps (its `entrypoint = [prog, "sh", "-c", init_script]`)
// runs in the workspace: CR106 does not report it; another template's
// entrypoint does not count.
func TestTemplateKeepsEntrypoint(t *testing.T) {
	df := "FROM ubuntu:24.04\nCOPY entrypoint.sh /usr/local/bin/entrypoint.sh\nENTRYPOINT [\"/usr/local/bin/entrypoint.sh\"]\nUSER 1000\n"
	script := "#!/bin/sh\ncp -rn /etc/workspace-skel/. \"$HOME\"\nexec \"$@\"\n"
	tf := func(prog string) string {
		return "resource \"docker_container\" \"workspace\" {\n  entrypoint = [\n    \"" + prog + "\",\n    \"sh\", \"-c\", coder_agent.main.init_script,\n  ]\n}\n"
	}
	for _, tc := range []struct {
		name string
		tf   string
		want int
	}{
		{"kept", tf("/usr/local/bin/entrypoint.sh"), 0},
		{"another program kept", tf("/usr/bin/tini"), 1},
		{"replaced", "resource \"docker_container\" \"workspace\" {\n  entrypoint = [\"sh\", \"-c\", coder_agent.main.init_script]\n}\n", 1},
		{"the image's own kept, the init script in its environment", "resource \"docker_container\" \"workspace\" {\n  image = docker_image.workspace.name\n  env = [\n" +
			"    \"CODER_AGENT_TOKEN=${coder_agent.main.token}\",\n    \"CODER_INIT_SCRIPT_BASE64=${base64encode(coder_agent.main.init_script)}\",\n  ]\n  host {\n    ip = \"host-gateway\"\n  }\n}\n", 0},
		{"the image's own kept, but no init script handed over", "resource \"docker_container\" \"db\" {\n  image = \"postgres:16\"\n}\n" +
			"resource \"docker_container\" \"workspace\" {\n  command = [\"sh\", \"-c\", coder_agent.main.init_script]\n}\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"ubuntu-base/Dockerfile": df, "ubuntu-base/entrypoint.sh": script, "ubuntu-base/main.tf": tc.tf}
			if n := len(offlineFindings(t, writeTree(t, files), "CR106")); n != tc.want {
				t.Errorf("%d CR106 findings, want %d", n, tc.want)
			}
		})
	}
}

// TestDevcontainerImageTheRepositoryBuilds: a Dev Container image named
// with its registry host that a bake file of the repository tags is what
// the repository's own Dockerfile of that name makes: its root user is
// known (CR205); an image no build file tags is the registry's, unknown.
func TestDevcontainerImageTheRepositoryBuilds(t *testing.T) {
	files := func(bake bool) map[string]string {
		m := map[string]string{
			".devcontainer/devcontainer.json":          `{"image": "ghcr.io/gem5/devcontainer:latest"}`,
			"util/dockerfiles/devcontainer/Dockerfile": "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y git\n",
		}
		if bake {
			m["util/dockerfiles/docker-bake.hcl"] = "target \"devcontainer\" {\n  dockerfile = \"devcontainer/Dockerfile\"\n  tags = [\"ghcr.io/gem5/devcontainer:latest\"]\n}\n"
		}
		return m
	}
	runTreeCases(t, "CR205", []treeCase{
		{"tagged by the repository's bake file", files(true), 1},
		{"tagged by nothing here", files(false), 0},
	})
}

// TestHomeOfAnImageADevcontainerRuns: a Dockerfile whose image a
// devcontainer.json of the repository runs by name has no template's
// volume over its home, as one a config builds: CR115 leaves it; the same
// file nothing runs is reported.
func TestHomeOfAnImageADevcontainerRuns(t *testing.T) {
	df := "FROM ubuntu:24.04\nRUN useradd -m student\nUSER student\nCOPY requirements.txt /home/student/requirements.txt\n"
	files := func(runs bool) map[string]string {
		m := map[string]string{
			"util/dockerfiles/course/Dockerfile": df,
			"util/dockerfiles/docker-bake.hcl":   "target \"course\" {\n  dockerfile = \"course/Dockerfile\"\n  tags = [\"ghcr.io/acme/course:2025\"]\n}\n",
		}
		if runs {
			m[".devcontainer/devcontainer.json"] = `{"image": "ghcr.io/acme/course:2025"}`
		}
		return m
	}
	runTreeCases(t, "CR115", []treeCase{
		{"run by the repository's devcontainer.json", files(true), 0},
		{"run by nothing here", files(false), 1},
	})
}

// TestDevcontainerImageBuiltFirst: an image definition the repository's
// Makefile builds with the Dev Containers CLI, on an untagged image it tags
// first (a layered base), uses that build: CR217 does not report it. A dev
// container a developer opens pulls its image, the repository's own
// published one too, and an image no build file tags: both reported. An
// image under localhost/ a script builds is never pulled: not reported.
func TestDevcontainerImageBuiltFirst(t *testing.T) {
	cfg := "{\n  \"image\": \"ghcr.io/mrsimonemms/devcontainers/base\"\n}\n"
	runTreeCases(t, "CR217", []treeCase{
		{"an image definition the Makefile builds, on a base it tags first", map[string]string{"images/full/.devcontainer/devcontainer.json": cfg,
			"Makefile": "build:\n\tdevcontainer build --workspace-folder images/base --image-name ghcr.io/mrsimonemms/devcontainers/base\n\tdevcontainer build --workspace-folder images/full --image-name ghcr.io/mrsimonemms/devcontainers/full\n"}, 0},
		{"the repository's own dev container on its published image", map[string]string{".devcontainer/devcontainer.json": cfg,
			"Makefile": "base:\n\tdevcontainer build --workspace-folder images/base --image-name ghcr.io/mrsimonemms/devcontainers/base\n"}, 1},
		{"tagged by nothing here", map[string]string{"images/full/.devcontainer/devcontainer.json": cfg}, 1},
		{"a localhost image a script builds", map[string]string{".devcontainer/devcontainer.json": "{\n  \"image\": \"localhost/postiz-devcontainer\"\n}\n",
			"var/docker/docker-build.sh": "#!/bin/sh\ndocker build --target devcontainer -t localhost/postiz-devcontainer -f Dockerfile.dev .\n"}, 0},
		{"a localhost image nothing builds", map[string]string{".devcontainer/devcontainer.json": "{\n  \"image\": \"localhost/postiz-devcontainer\"\n}\n"}, 1},
	})
}

// cheBuild is che-dockerfiles' build.sh in short: it finds the
// Dockerfiles under recipes/, tags each `eclipse/<folder>` (a second
// folder level as the tag) and builds them in order.
const cheBuild = `#!/bin/bash
images=$(for i in $(find recipes -maxdepth 3 -mindepth 1 -type f -name Dockerfile -print); do a=${i#recipes/}; b=${a%/Dockerfile}; case $b in */*) c=${b/\//:};; *) c=$b:latest;; esac; from=$(grep FROM $i); echo ${from#FROM} eclipse/$c; done | tsort)
for image in $(echo "$images" | grep eclipse/); do
    a=${image%:latest}
    b=${a#eclipse/}
    d=recipes/${b/:/\/}
    docker build -t $image $d
done
`

// mfemBuild is a workflow whose matrix pairs each Dockerfile with its
// image, which the build's tag reaches through a step's env and
// $GITHUB_ENV (mfem's build-container.yml).
const mfemBuild = `jobs:
  build:
    strategy:
      matrix:
        container: [["config/docker/Dockerfile.base", "ghcr.io/mfem/mfem-ubuntu-base"],
                    ["config/docker/Dockerfile", "ghcr.io/mfem/mfem-ubuntu"]]
    steps:
      - name: Set Environment
        env:
          dockerfile: ${{ matrix.container[0] }}
          uri: ${{ matrix.container[1] }}
        run: |
          echo "dockerfile=$dockerfile" >> $GITHUB_ENV
          echo "uri=$uri" >> $GITHUB_ENV
      - name: Build Container
        run: |
           container=$uri:latest
           docker build -f ${dockerfile} -t ${container} .
      - name: Tag and Push Release
        run: |
           tag=${GITHUB_REF#refs/tags/}
           docker tag ${container} ${uri}:${tag}
`

// TestHomeAssistantAddonArch: a Home Assistant add-on (a build.yaml with
// `build_from:` beside its Dockerfile) is built once per architecture,
// with BUILD_ARCH passed: `ARG BUILD_ARCH=amd64` is a fallback (no CR112);
// without the build.yaml it is what the build uses.
func TestHomeAssistantAddonArch(t *testing.T) {
	df := "ARG BUILD_FROM=ghcr.io/hassio-addons/base:19.0.0\nFROM ${BUILD_FROM}\nARG BUILD_ARCH=amd64\nRUN curl -L -s -o /usr/bin/ha \"https://github.com/home-assistant/cli/releases/download/4.42.0/ha_${BUILD_ARCH}\"\n"
	runTreeCases(t, "CR112", []treeCase{
		{"an add-on", map[string]string{"ssh/Dockerfile": df, "ssh/build.yaml": "---\nbuild_from:\n  aarch64: ghcr.io/hassio-addons/base:19.0.0\n  amd64: ghcr.io/hassio-addons/base:19.0.0\n"}, 0},
		{"no build.yaml", map[string]string{"ssh/Dockerfile": df}, 1},
	})
}

// TestContextAboveTheDockerfile: a Dockerfile built on its own whose
// COPY paths are not in its folder but all are in the one above
// (gitlab-runner's tests/dockerfiles, built by a bake file there) is read
// with that folder as its context: its print-only entrypoint script is
// found (no CR106); one that sets something up is reported.
func TestContextAboveTheDockerfile(t *testing.T) {
	df := "FROM alpine:3.20\nCOPY alpine-entrypoint/entrypoint-stderr.sh /entrypoint\nUSER 1000:1000\nENTRYPOINT [\"/entrypoint\"]\n"
	files := func(script string) map[string]string {
		return map[string]string{"tests/dockerfiles/alpine-entrypoint/Dockerfile.stderr": df,
			"tests/dockerfiles/alpine-entrypoint/entrypoint-stderr.sh": script}
	}
	runTreeCases(t, "CR106", []treeCase{
		{"a print-only script in the folder above", files("#!/bin/sh -e\necho \"entrypoint stdout message\" >&2\nexec \"$@\"\n"), 0},
		{"a setup script there", files("#!/bin/sh -e\nchown -R 1000 /data\nexec \"$@\"\n"), 1},
	})
}

// TestBaseTheBuildPasses: a Dockerfile built on its own whose FROM takes
// a build argument is judged on the one image the build files pass it
// (`--build-arg go_builder_image=$(GO_BUILDER_IMAGE)`, the Makefile's
// `GO_BUILDER_IMAGE := golang:1.26.6`), not on the ARG's placeholder
// default; with two values passed, or none, the default stays.
func TestBaseTheBuildPasses(t *testing.T) {
	df := "ARG go_builder_image=non-existing\nFROM $go_builder_image\nRUN apt update && apt install -y gcc\n"
	makefile := func(assign string) string {
		return assign + "\nbuilder:\n\tdocker build --build-arg go_builder_image=$(GO_BUILDER_IMAGE) -f builder/Dockerfile builder\n"
	}
	for _, tc := range []struct {
		name, makefile, want string
	}{
		{"one value through a Make variable", makefile("GO_BUILDER_IMAGE := golang:1.26.6"), "`golang:1.26.6` runs as root"},
		{"a variable assigned twice", makefile("GO_BUILDER_IMAGE := golang:1.26.6\nGO_BUILDER_IMAGE := golang:1.25"), "`non-existing`"},
		{"a variable the file does not assign", makefile(""), "`non-existing`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := offlineFindings(t, writeTree(t, map[string]string{"deployment/docker/builder/Dockerfile": df, "deployment/docker/Makefile": tc.makefile}), "CR101")
			if len(got) != 1 || !strings.Contains(got[0], tc.want) {
				t.Errorf("CR101 %q, want one naming %s", got, tc.want)
			}
		})
	}
	// A bake target's `NODE_VERSION = NODE_VERSION` names its variable,
	// whose default is the tag (Unleash's docker-bake.hcl): `node` on
	// Alpine, where `apk` is right (no CR111); its name alone is no tag.
	bake := "variable \"NODE_VERSION\" {\n  default = \"22.22-alpine3.23\"\n}\ntarget \"image\" {\n  context = \".\"\n  dockerfile = \"Dockerfile\"\n  args = {\n    NODE_VERSION = NODE_VERSION\n  }\n}\n"
	node := "ARG NODE_VERSION=22.23-alpine3.23\nFROM node:$NODE_VERSION AS builder\nRUN apk add --no-cache grep\nUSER node\n"
	runTreeCases(t, "CR111", []treeCase{{"a bake variable passed by name", map[string]string{"Dockerfile": node, "docker-bake.hcl": bake}, 0}})
	// A default that is an image of a registry is what the builds that
	// pass nothing use: a variant a Makefile target passes does not
	// replace it.
	ubi := "ARG UBI_BASE=registry.access.redhat.com/ubi10:10.2-1786928703\nFROM ${UBI_BASE}\nUSER 1001\n"
	runTreeCases(t, "CR102", []treeCase{{"a pinned default, a latest variant passed", map[string]string{"Containerfile": ubi,
		"Makefile": "ubi9:\n\tdocker build --build-arg UBI_BASE=registry.access.redhat.com/ubi9/ubi:latest -f Containerfile .\n"}, 0}})
}

// TestBaseOfAnotherPublisher: an image named with its registry whose name
// the repository's build files tag only under another registry and
// namespace (`gcr.io/clusterfuzz-images/base`, FROM
// `gcr.io/google.com/cluster-fuzz/base`) is not what the repository's
// Dockerfile of that name makes: its user is not known (no CR101 on the
// child), while the repository's own base still is (its one CR101).
func TestBaseOfAnotherPublisher(t *testing.T) {
	files := func(from string, script bool) map[string]string {
		m := map[string]string{
			"docker/base/Dockerfile":                         "FROM ubuntu:24.04\nRUN apt-get update\n",
			"docker/google/base/immutable/google/Dockerfile": "FROM " + from + "\nENV IMMUTABLE_IMAGE=true\n",
		}
		if script {
			m["docker/build.sh"] = clusterfuzzBuild
		}
		return m
	}
	runTreeCases(t, "CR101", []treeCase{
		{"another publisher's image", files("gcr.io/cluster-fuzz/base", true), 1},
		{"the image the repository tags", files("gcr.io/clusterfuzz-images/base", true), 2},
		{"no build file says where the repository's images go", files("gcr.io/cluster-fuzz/base", false), 2},
		// A deep reference needs the part before its name on the
		// Dockerfile's path too: docker/base is not google.com/cluster-fuzz's.
		{"a deep reference, no build file", files("gcr.io/google.com/cluster-fuzz/base", false), 1},
	})
}

// TestTaggedSiblingBase: a Dockerfile built on an image whose name is not
// its Dockerfile's learns its user from the Dockerfile a workflow step or
// build command tags the image from (`tags: ierturk/alpine-dev-base:latest`
// with `file: ./Alpine/dev-base.Dockerfile`), when the tag is written out.
// The base itself runs as root (one CR101); its child, with no USER, is
// reported too once the base is known.
func TestTaggedSiblingBase(t *testing.T) {
	base := "FROM alpine:3.20\nRUN apk add --no-cache curl git\n"
	child := "ARG VARIANT=latest\nFROM ierturk/alpine-dev-base:${VARIANT}\nRUN echo hi\n"
	step := func(file, tags string) string {
		return "jobs:\n  b:\n    steps:\n      - name: Build\n        uses: docker/build-push-action@v6\n        with:\n          context: ./Alpine\n          file: " + file + "\n          tags: " + tags + "\n"
	}
	runTreeCases(t, "CR101", []treeCase{
		{"a workflow tags it and builds one file", map[string]string{"Alpine/dev-base.Dockerfile": base, "Alpine/dev-cpp.Dockerfile": child,
			".github/workflows/base.yml": step("./Alpine/dev-base.Dockerfile", "${{ steps.meta.outputs.tags }}, ierturk/alpine-dev-base:latest")}, 2},
		{"no build file tags it", map[string]string{"Alpine/dev-base.Dockerfile": base, "Alpine/dev-cpp.Dockerfile": child}, 1},
		{"only an output's tags", map[string]string{"Alpine/dev-base.Dockerfile": base, "Alpine/dev-cpp.Dockerfile": child,
			".github/workflows/base.yml": step("./Alpine/dev-base.Dockerfile", "${{ steps.meta.outputs.tags }}")}, 1},
		{"the output's tags of a metadata step for the image", map[string]string{"Alpine/dev-base.Dockerfile": base, "Alpine/dev-cpp.Dockerfile": child,
			".github/workflows/base.yml": "jobs:\n  b:\n    steps:\n      - name: Meta\n        id: meta\n        uses: docker/metadata-action@v5\n        with:\n          images: |\n            ierturk/alpine-dev-base\n" +
				"      - name: Build\n        uses: docker/build-push-action@v6\n        with:\n          file: ./Alpine/dev-base.Dockerfile\n          tags: ${{ steps.meta.outputs.tags }}\n"}, 2},
		{"a metadata step for another image", map[string]string{"Alpine/dev-base.Dockerfile": base, "Alpine/dev-cpp.Dockerfile": child,
			".github/workflows/base.yml": "jobs:\n  b:\n    steps:\n      - name: Meta\n        id: meta\n        uses: docker/metadata-action@v5\n        with:\n          images: ierturk/other,enable=true\n" +
				"      - name: Build\n        uses: docker/build-push-action@v6\n        with:\n          file: ./Alpine/dev-base.Dockerfile\n          tags: ${{ steps.meta.outputs.tags }}\n"}, 1},
		{"a tag left to a variable", map[string]string{"Alpine/dev-base.Dockerfile": base, "Alpine/dev-cpp.Dockerfile": child,
			".github/workflows/base.yml": step("./Alpine/dev-base.Dockerfile", "ierturk/alpine-dev-base:${{ github.sha }}")}, 1},
		{"a Compose file that pulls the image and builds another service", map[string]string{"Alpine/dev-base.Dockerfile": base, "Alpine/dev-cpp.Dockerfile": child,
			"compose.yml": "services:\n  db:\n    image: ierturk/alpine-dev-base:latest\n  tools:\n    build:\n      context: Alpine\n      dockerfile: dev-base.Dockerfile\n"}, 1},
		{"build commands, each with its own tag and context", map[string]string{"sdk/tools/Dockerfile": base, "sdk/34/Dockerfile": "FROM ghcr.io/cirruslabs/android-sdk:tools\nRUN echo hi\n",
			".cirrus.yml": "task:\n  build_script: |\n    docker buildx build --platform linux/amd64,linux/arm64 \\\n      --tag ghcr.io/cirruslabs/android-sdk:tools \\\n      sdk/tools\n" +
				"    docker buildx build --platform linux/amd64,linux/arm64 \\\n      --tag ghcr.io/cirruslabs/android-sdk:34 \\\n      sdk/34\n"}, 2},
		{"a command that tags another file's image", map[string]string{"sdk/tools/Dockerfile": base, "sdk/34/Dockerfile": "FROM ghcr.io/cirruslabs/android-sdk:tools\nRUN echo hi\n",
			"build.sh": "docker build -t ghcr.io/cirruslabs/android-sdk:34 sdk/34\n"}, 1},
		{"a workflow that builds two files, a step each", map[string]string{"Alpine/dev-base.Dockerfile": base, "Alpine/dev-cpp.Dockerfile": child,
			".github/workflows/base.yml": step("./Alpine/dev-base.Dockerfile", "ierturk/alpine-dev-base:latest") +
				"      - name: Other\n        uses: docker/build-push-action@v6\n        with:\n          file: ./Alpine/dev-cpp.Dockerfile\n          tags: |\n            ierturk/alpine-dev-cpp:latest\n"}, 2},
		{"steps that open with a bare dash, the image's step and another file's", map[string]string{"Alpine/dev-base.Dockerfile": base, "Alpine/dev-cpp.Dockerfile": child,
			"Alpine/dev-slim.Dockerfile": "FROM alpine:3.20\nRUN adduser -D dev\nUSER dev\n",
			".github/workflows/base.yml": "jobs:\n  b:\n    steps:\n      -\n        name: Base\n        uses: docker/build-push-action@v6\n        with:\n          file: ./Alpine/dev-base.Dockerfile\n          tags: |\n            ierturk/alpine-dev-base:latest\n" +
				"      -\n        name: Slim\n        uses: docker/build-push-action@v6\n        with:\n          context: ./Alpine\n          file: ./Alpine/dev-slim.Dockerfile\n          tags: |\n            ierturk/alpine-dev-slim:latest\n"}, 2},
		{"a step whose tags are a list of another image", map[string]string{"Alpine/dev-base.Dockerfile": base, "Alpine/dev-cpp.Dockerfile": child,
			".github/workflows/base.yml": step("./Alpine/dev-base.Dockerfile", "|\n            ierturk/alpine-other:latest\n")}, 1},
	})
}

// TestComposeContextReadsCopiedScripts: a Dockerfile built on its own is
// read with the context the repository's Compose file builds it with
// (`context: .`, `dockerfile: ./docker/django/Dockerfile`, in a project
// folder below the repository's root, as a cookiecutter template's), so
// the entrypoint script it copies from there is read: one that only
// passes its arguments on is not reported (CR106). Without the Compose
// file the folder above that has every path the Dockerfile copies is its
// context, the same one. A script found nowhere is not read, and the
// ENTRYPOINT is reported.
func TestComposeContextReadsCopiedScripts(t *testing.T) {
	df := "FROM python:3.13-slim\nCOPY ./docker/django/entrypoint.sh /docker-entrypoint.sh\nUSER 1000\nENTRYPOINT [\"tini\", \"--\", \"/docker-entrypoint.sh\"]\n"
	script := "#!/usr/bin/env bash\nset -o errexit\nreadonly cmd=\"$*\"\necho \"Service is up: $cmd\"\nexec $cmd\n"
	compose := "services:\n  web:\n    build:\n      context: .\n      dockerfile: ./docker/django/Dockerfile\n"
	runTreeCases(t, "CR106", []treeCase{
		{"the Compose file's context", map[string]string{"app/docker/django/Dockerfile": df, "app/docker/django/entrypoint.sh": script, "app/docker-compose.yml": compose}, 0},
		{"no Compose file", map[string]string{"app/docker/django/Dockerfile": df, "app/docker/django/entrypoint.sh": script}, 0},
		{"the script nowhere", map[string]string{"app/docker/django/Dockerfile": df}, 1},
	})
}

// clusterfuzzBuild builds each image of an array in a loop, tagged through
// two variables (after google/clusterfuzz's docker/build.sh).
const clusterfuzzBuild = `#!/bin/bash -ex
IMAGES=(
  gcr.io/clusterfuzz-images/base
  # the Chromium images
  gcr.io/clusterfuzz-images/chromium/base
  gcr.io/clusterfuzz-images/chromium/builder
)
VERSION_TAG="latest"
if [ -n "$1" ]; then
    VERSION_TAG="$1"
fi
for image_name in "${IMAGES[@]}"; do
  image_dir=${image_name#gcr.io/clusterfuzz-images/}
  image_with_version_tag="$image_name:$VERSION_TAG"
  docker build -t "$image_with_version_tag" -f "$image_dir/Dockerfile" "$image_dir"
done
`

// baseImagesBuild tags each base image in a shell function whose first
// argument is the image's name, kept in a string of flags (after
// browser-use's docker/build-base-images.sh).
const baseImagesBuild = `#!/bin/bash
set -e
REGISTRY="${DOCKER_REGISTRY:-browseruse}"
build_image() {
    local name=$1
    local dockerfile=$2
    local tag_args="-t ${REGISTRY}/${name}:latest"
    docker build $tag_args -f $dockerfile ..
}
while [[ $# -gt 0 ]]; do
    case $1 in
        --registry) REGISTRY="$2"; shift 2 ;;
    esac
done
build_image "base-system" "base-images/system/Dockerfile"
build_image "base-python-deps" "base-images/python-deps/Dockerfile" "--build-arg BASE_TAG=latest"
`

// TestBuildNamedTargets: a file a build script or workflow builds by path
// whose name discovery does not take for a Dockerfile (zephyr-box's
// `DockerfileUserWrapper` beside the script, openbao-operator's
// `Dockerfile.backup`) is a target when it reads as a Dockerfile; a file so
// named that is not one, one no build file names, or one under a folder
// the config ignores is not.
func TestBuildNamedTargets(t *testing.T) {
	const df = "ARG BASE=ubuntu:24.04\nFROM ${BASE}\nUSER 1000\n"
	root := writeTree(t, map[string]string{
		"Dockerfile":                  df,
		"tools/DockerfileUserWrapper": df,
		"tools/run_in_docker.sh":      "#!/bin/sh\nDOCKER_DIR=$(dirname \"$0\")\ndocker build \\\n  --file \"$DOCKER_DIR\"/DockerfileUserWrapper .\n",
		"Dockerfile.backup":           df,
		"Makefile":                    "backup:\n\tdocker build -f Dockerfile.backup -t x .\nnotes:\n\tdocker build -f Dockerfile.notes.bak .\n",
		".github/workflows/b.yml":     "    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          file: legacy/Dockerfile.old\n",
		"legacy/Dockerfile.old":       df,
		"Dockerfile.notes.bak":        "# Notes on the Dockerfile\n\nWe build from ubuntu.\n",
		"Dockerfile.unused.backup":    df,
	})
	cfg := checks.DefaultConfig()
	cfg.IgnorePaths = []string{"legacy/**"}
	p, err := Plan(root, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var got []string
	for _, tg := range p.Targets {
		got = append(got, tg.Path)
	}
	if want := []string{"Dockerfile", "Dockerfile.backup", "tools/DockerfileUserWrapper"}; !slices.Equal(got, want) {
		t.Errorf("targets %q, want %q", got, want)
	}
}
