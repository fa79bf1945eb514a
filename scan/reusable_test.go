package scan

import (
	"fmt"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

// appWorkflow is a reusable workflow in the shape of neko's
// image_app.yml: the app's folder and file, and the platforms, are its
// inputs, with defaults the expressions fall back on.
const appWorkflow = `on:
  workflow_call:
    inputs:
      name:
        type: string
        required: true
      platforms:
        type: string
        default: "linux/amd64"
      dockerfile:
        type: string
        default: "Dockerfile"
jobs:
  build-app:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Build and push
        uses: docker/build-push-action@v6
        with:
          context: apps/${{ inputs.name }}
          file: apps/${{ inputs.name }}/${{ inputs.dockerfile || 'Dockerfile' }}
          platforms: ${{ inputs.platforms || 'linux/amd64' }}
`

// TestReusableWorkflowPlatforms: a workflow that calls a reusable
// workflow of the repository, once per matrix entry, builds each entry's
// Dockerfile for that entry's platforms: an amd64 download in an app
// built only for linux/amd64 is not reported (CR112), one in an app
// built for arm64 too is, and so is one no call builds.
func TestReusableWorkflowPlatforms(t *testing.T) {
	df := "FROM debian:12\nRUN curl -fsSLO https://example.com/browser-linux-amd64.tar.gz\nUSER 1000\n"
	caller := func(matrix, with string) string {
		return "on:\n  push:\njobs:\n  build-app:\n    uses: ./.github/workflows/image_app.yml\n    strategy:\n      matrix:\n" + matrix + "    with:\n" + with
	}
	include := "        include:\n          - name: opera\n            platforms: linux/amd64\n          - name: firefox\n            platforms: linux/amd64,linux/arm64\n"
	both := "      name: ${{ matrix.name }}\n      platforms: ${{ matrix.platforms }}\n"
	tree := func(app, dockerfile, callerYAML string) map[string]string {
		return map[string]string{"apps/" + app + "/" + dockerfile: df, ".github/workflows/image_app.yml": appWorkflow, ".github/workflows/ghcr.yml": callerYAML}
	}
	runTreeCases(t, "CR112", []treeCase{
		{"an entry built for amd64 only", tree("opera", "Dockerfile", caller(include, both)), 0},
		{"an entry built for arm64 too", tree("firefox", "Dockerfile", caller(include, both)), 1},
		{"an app no entry names", tree("vlc", "Dockerfile", caller(include, both)), 1},
		{"a key the entry lacks is empty, the input's fallback applies", tree("brave", "Dockerfile.nvidia",
			caller("        include:\n          - name: brave\n            dockerfile: Dockerfile.nvidia\n",
				"      name: ${{ matrix.name }}\n      platforms: ${{ matrix.platforms }}\n      dockerfile: ${{ matrix.dockerfile }}\n")), 0},
		{"an input left to its default", tree("opera", "Dockerfile", caller("        app: [opera]\n", "      name: ${{ matrix.app }}\n")), 0},
		{"platforms from an expression not read", tree("opera", "Dockerfile", caller(include, "      name: ${{ matrix.name }}\n      platforms: ${{ needs.setup.outputs.platforms }}\n")), 1},
		{"the called workflow missing", map[string]string{"apps/opera/Dockerfile": df, ".github/workflows/ghcr.yml": caller(include, both)}, 1},
	})
}

// TestMatrixCombos: a matrix's combinations as GitHub makes them.
func TestMatrixCombos(t *testing.T) {
	for _, tc := range []struct {
		name, matrix string
		want         []string
	}{
		{"no matrix", "", []string{"map[]"}},
		{"lists crossed", "os: [a, b]\nv: [1, 2]\n", []string{"map[os:a v:1]", "map[os:a v:2]", "map[os:b v:1]", "map[os:b v:2]"}},
		{"include only", "include:\n  - name: x\n    p: amd64\n  - name: y\n", []string{"map[name:x p:amd64]", "map[name:y]"}},
		{"include extends the combinations it keeps", "os: [a, b]\ninclude:\n  - os: a\n    extra: e\n", []string{"map[extra:e os:a]", "map[os:b]"}},
		{"include that keeps none is its own", "os: [a]\ninclude:\n  - os: c\n", []string{"map[os:a]", "map[os:c]"}},
		{"exclude", "os: [a, b]\nv: [1, 2]\nexclude:\n  - os: a\n    v: 2\n", []string{"map[os:a v:1]", "map[os:b v:1]", "map[os:b v:2]"}},
		{"an expression is not known", "os: ${{ fromJSON(needs.x.outputs.os) }}\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n yaml.Node
			if tc.matrix != "" {
				var doc yaml.Node
				if err := yaml.Unmarshal([]byte(tc.matrix), &doc); err != nil {
					t.Fatal(err)
				}
				n = *doc.Content[0]
			}
			var got []string
			for _, c := range matrixCombos(&n) {
				got = append(got, fmt.Sprint(c))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("matrixCombos = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestVersionTwinPlatform: a Dockerfile in an older release folder that no
// build file names any more is built as the script builds its twin in the
// newest folder: `--platform linux/amd64` there leaves its amd64 download
// unreported (CR112). A twin built for two platforms, a twin in a folder
// that is no release, and a file its own command names for two platforms
// leave it reported.
func TestVersionTwinPlatform(t *testing.T) {
	df := "FROM ubuntu:24.04\nRUN curl -fsSLO https://example.com/tool-linux-amd64.tar.gz\nUSER 1000\n"
	script := func(file, platform string) string {
		return "#!/usr/bin/env bash\ndocker build --file " + file + " -t cimg/android:x --platform " + platform + " --push .\n"
	}
	runTreeCases(t, "CR112", []treeCase{
		{"the newest twin built for amd64", map[string]string{"2023.02/ndk/Dockerfile": df, "2026.03/ndk/Dockerfile": df,
			"build-images.sh": script("2026.03/ndk/Dockerfile", "linux/amd64")}, 0},
		{"the newest twin built for two", map[string]string{"2023.02/ndk/Dockerfile": df, "2026.03/ndk/Dockerfile": df,
			"build-images.sh": script("2026.03/ndk/Dockerfile", "linux/amd64,linux/arm64")}, 2},
		{"another variant's twin", map[string]string{"2023.02/node/Dockerfile": df, "2026.03/ndk/Dockerfile": df,
			"build-images.sh": script("2026.03/ndk/Dockerfile", "linux/amd64")}, 1},
		{"folders that are no releases", map[string]string{"old/ndk/Dockerfile": df, "new/ndk/Dockerfile": df,
			"build-images.sh": script("new/ndk/Dockerfile", "linux/amd64")}, 1},
		{"the file's own command wins", map[string]string{"2023.02/ndk/Dockerfile": df, "2026.03/ndk/Dockerfile": df,
			"build-images.sh": script("2026.03/ndk/Dockerfile", "linux/amd64") + "docker buildx build --file 2023.02/ndk/Dockerfile --platform linux/amd64,linux/arm64 .\n"}, 1},
	})
}

// TestLoopPlatform: a workflow that builds each Dockerfile of a list in a
// loop (`-f "$dockerfile"`) with `--platform=linux/amd64` builds every
// Dockerfile for amd64 (CR112 leaves its amd64 downloads), unless another
// build file builds it for arm64 too; a loop over files of another name
// (`-f "$f"`) says nothing.
func TestLoopPlatform(t *testing.T) {
	df := "FROM ubuntu:24.04\nRUN curl -fsSLO https://example.com/actions-runner-linux-x64-2.320.0.tar.gz\nUSER 1000\n"
	loop := func(v string) string {
		return "    steps:\n      - run: |\n          for " + v + " in \"${list[@]}\"; do\n            docker buildx build --load \\\n              --platform=linux/amd64 \\\n              -t \"$repo\" \\\n              -f \"$" + v + "\" \"$(dirname \"$" + v + "\")\"\n          done\n"
	}
	runTreeCases(t, "CR112", []treeCase{
		{"a loop over the Dockerfiles", map[string]string{"managed-containers/github-runner/Dockerfile": df, ".github/workflows/publish.yml": loop("dockerfile")}, 0},
		{"such a loop, and a multi-platform build of the file", map[string]string{"managed-containers/github-runner/Dockerfile": df, ".github/workflows/publish.yml": loop("dockerfile"),
			".github/workflows/multi.yml": "      - uses: docker/build-push-action@v6\n        with:\n          file: managed-containers/github-runner/Dockerfile\n          platforms: linux/amd64,linux/arm64\n"}, 1},
		{"a loop over other files", map[string]string{"managed-containers/github-runner/Dockerfile": df, ".github/workflows/publish.yml": loop("f")}, 1},
	})
}

// TestBakeSetPlatform: `docker buildx bake -f docker-compose.dotnet.yml
// --set "*.platform=linux/amd64"` builds every Dockerfile that Compose
// file names for amd64 (CR112 leaves its amd64 downloads); one set for
// two platforms leaves them reported, as does a bake of another file.
func TestBakeSetPlatform(t *testing.T) {
	df := "FROM mcr.microsoft.com/dotnet/sdk:8.0\nRUN curl -sSL https://example.com/vsdbg-linux-x64.zip -o /tmp/v.zip\nUSER 1000\n"
	compose := "services:\n  dotnetcore8:\n    build:\n      context: .\n      dockerfile: dotnetcore/Dockerfile\n"
	makefile := func(file, platforms string) string {
		return "build:\n\tdocker buildx bake -f " + file + " \\\n\t\t--set \"*.platform=" + platforms + "\"\n"
	}
	runTreeCases(t, "CR112", []treeCase{
		{"one platform", map[string]string{"dotnetcore/Dockerfile": df, "docker-compose.dotnet.yml": compose, "Makefile": makefile("docker-compose.dotnet.yml", "linux/amd64")}, 0},
		{"two platforms", map[string]string{"dotnetcore/Dockerfile": df, "docker-compose.dotnet.yml": compose, "Makefile": makefile("docker-compose.dotnet.yml", "linux/amd64,linux/arm64")}, 1},
		{"another file baked", map[string]string{"dotnetcore/Dockerfile": df, "docker-compose.dotnet.yml": compose, "Makefile": makefile("docker-compose.node.yml", "linux/amd64")}, 1},
	})
}

// TestGardenBuildPlatform: a Garden build action beside the Dockerfile
// (`garden.yml`, `kind: Build`) that builds it for `linux/amd64` only
// leaves its amd64 downloads unreported (CR112); one for two platforms
// does not.
func TestGardenBuildPlatform(t *testing.T) {
	df := "FROM ubuntu:24.04\nRUN curl -fsSLO https://example.com/tool-linux-amd64.tar.gz\nUSER 1000\n"
	garden := func(platforms string) string {
		return "kind: Build\ntype: container\nname: circleci-runner\nspec:\n  dockerfile: Dockerfile\n  platforms: " + platforms + "\n"
	}
	runTreeCases(t, "CR112", []treeCase{
		{"one platform", map[string]string{"images/circleci-runner/Dockerfile": df, "images/circleci-runner/garden.yml": garden(`[ "linux/amd64" ]`)}, 0},
		{"two platforms", map[string]string{"images/circleci-runner/Dockerfile": df, "images/circleci-runner/garden.yml": garden(`[ "linux/amd64", "linux/arm64" ]`)}, 1},
	})
}
