package checks

import (
	"strings"
	"testing"

	"github.com/coderready/coderready/devcontainer"
)

// refsCases are the cases of the rules in rules_devcontainer_refs.go;
// TestDevcontainerRules runs them with the others.
var refsCases = map[string][]dcCase{
	"CR217": {
		{name: "no tag", json: "{\n  \"image\": \"ubuntu\"\n}", want: []string{"2:3"}},
		{name: "latest", json: "{\n  \"name\": \"x\",\n  \"image\": \"mcr.microsoft.com/devcontainers/base:latest\"\n}", want: []string{"3:3"}},
		{name: "a branch tag", json: "{\n  \"image\": \"ghcr.io/homebrew/brew:main\"\n}", want: []string{"2:3"}},
		{name: "a tag that only starts like one", json: `{"image": "ghcr.io/acme/dev:main-2024.05"}`},
		{name: "a Dev Containers distribution alias", json: "{\n  \"image\": \"mcr.microsoft.com/devcontainers/base:ubuntu\"\n}", want: []string{"2:3"}},
		{name: "the Dev Containers dev channel", json: "{\n  \"image\": \"mcr.microsoft.com/devcontainers/go:dev-1.26-bookworm\"\n}", want: []string{"2:3"}},
		{name: "a Node.js line the dev channel still builds", json: "{\n  \"image\": \"mcr.microsoft.com/devcontainers/javascript-node:dev-22-bookworm\"\n}", want: []string{"2:3"}},
		{name: "a command, not a reference: CR223's", json: "{\n  \"image\": \"docker pull ghcr.io/acme/dev:latest\"\n}"},
		{name: "a Node.js line the dev channel no longer builds", json: "{\n  \"image\": \"mcr.microsoft.com/vscode/devcontainers/javascript-node:dev-16-bullseye\"\n}"},
		{name: "a Debian release the dev channel no longer builds", json: "{\n  \"image\": \"mcr.microsoft.com/devcontainers/python:dev-3.13-bullseye\"\n}"},
		{name: "the dev channel on bookworm", json: "{\n  \"image\": \"mcr.microsoft.com/devcontainers/python:dev-3.13-bookworm\"\n}", want: []string{"2:3"}},
		{name: "the dev channel at the images' former address", json: "{\n  \"image\": \"mcr.microsoft.com/vscode/devcontainers/python:dev-3.13-bookworm\"\n}", want: []string{"2:3"}},
		{name: "a Dev Containers release tag", json: `{"image": "mcr.microsoft.com/devcontainers/go:1-1.26-bookworm"}`},
		{name: "a variant's latest", json: "{\n  \"image\": \"quay.io/devfile/universal-developer-image:ubi9-latest\"\n}", want: []string{"2:3"}},
		{name: "tagged", json: `{"image": "mcr.microsoft.com/devcontainers/base:1-bookworm"}`},
		{name: "digest only", json: `{"image": "ubuntu@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}`},
		{name: "registry with a port, tagged", json: `{"image": "localhost:5000/img:2"}`},
		{name: "registry with a port, no tag", json: "{\n  \"image\": \"localhost:5000/img\"\n}", want: []string{"2:3"}},
		{name: "placeholder: CR210's", json: `{"image": "mcr.microsoft.com/devcontainers/base:${templateOption:imageVariant}"}`},
		{name: "variable", json: `{"image": "${localEnv:IMAGE}"}`},
		{name: "a Dockerfile build", json: `{"build": {"dockerfile": "Dockerfile"}}`, files: []string{".devcontainer/Dockerfile"}},
		{name: "a Compose service's image", json: "{\n  \"dockerComposeFile\": \"compose.yml\",\n  \"service\": \"app\"\n}",
			composeImage: "docker.io/frappe/bench:latest", files: []string{".devcontainer/compose.yml"}, want: []string{"3:3"}},
		{name: "a Compose service's tagged image", json: `{"dockerComposeFile": "compose.yml", "service": "app"}`,
			composeImage: "docker.io/frappe/bench:v5.22", files: []string{".devcontainer/compose.yml"}},
		{name: "a Compose image whose variable the environment sets", json: `{"dockerComposeFile": "compose.yml", "service": "app"}`,
			composeImage: "ghcr.io/vig-os/devcontainer:latest", composeFromHost: true, files: []string{".devcontainer/compose.yml"}},
		{name: "a built Compose service", json: `{"dockerComposeFile": "compose.yml", "service": "app", "image": "ignored"}`,
			files: []string{".devcontainer/compose.yml"}},
	},
	"CR218": {
		{name: "migrated ID", json: "{\n  \"image\": \"debian:12\",\n  \"features\": {\n    \"docker-in-docker\": \"latest\"\n  }\n}", want: []string{"4:5"},
			edit: `    "ghcr.io/devcontainers/features/docker-in-docker:1": "latest"`},
		{name: "renamed ID", json: "{\n  \"image\": \"debian:12\",\n  \"features\": {\"golang\": \"1.22\", \"common\": {}}\n}", want: []string{"3:16", "3:34"},
			edit: `  "features": {"ghcr.io/devcontainers/features/go:1": "1.22", "common": {}}`},
		{name: "became an option", json: "{\n  \"image\": \"debian:12\",\n  \"features\": {\n    \"maven\": \"latest\"\n  }\n}", want: []string{"4:5"}},
		{name: "unknown short ID", json: "{\n  \"image\": \"debian:12\",\n  \"features\": {\n    \"myfeature\": {}\n  }\n}", want: []string{"4:5"}},
		{name: "OCI and local references", json: `{"image": "debian:12", "features": {"ghcr.io/devcontainers/features/node:1": {}, "./local": {}, "../up": {}}}`,
			files: []string{".devcontainer/local/devcontainer-feature.json", "up/devcontainer-feature.json"}},
		{name: "native resolves it", json: `{"image": "debian:12", "features": {"docker-in-docker": "latest"}}`, builder: ConfigBuilderNative},
		{name: "a Compose config envbuilder cannot build", json: `{"dockerComposeFile": "compose.yml", "service": "app", "features": {"docker-in-docker": "latest"}}`, files: []string{".devcontainer/compose.yml"}},
	},
	"CR219": {
		{name: "a lifecycle command with the container's workspace folder", json: "{\n  \"image\": \"x:1\",\n  \"postStartCommand\": \"git config --global --add safe.directory ${containerWorkspaceFolder}\"\n}", want: []string{"3:3"}},
		{name: "a lifecycle command with containerEnv", json: "{\n  \"image\": \"x:1\",\n  \"postCreateCommand\": [\"bash\", \"-c\", \"ls ${containerEnv:HOME}\"]\n}", want: []string{"3:3"}},
		{name: "a lifecycle command with the shell's own variables", json: `{"image": "x:1", "postCreateCommand": "git config --global --add safe.directory \"$PWD\" && echo ${HOME}"}`},
		{name: "a Compose config envbuilder cannot build", json: `{"dockerComposeFile": "compose.yml", "service": "app", "postCreateCommand": "git config --global --add safe.directory ${containerWorkspaceFolder}"}`, files: []string{".devcontainer/compose.yml"}},
		{name: "postAttachCommand, which envbuilder never runs", json: `{"image": "x:1", "postAttachCommand": "echo ${containerWorkspaceFolder}"}`},
		{name: "workspace folder in the Dockerfile path",
			json: "{\n  \"build\": {\n    \"dockerfile\": \"${localWorkspaceFolder}/docker/dev.Dockerfile\",\n    \"context\": \"${localWorkspaceFolder}\"\n  }\n}",
			want: []string{"3:5", "4:5"}, edit: `    "dockerfile": "../docker/dev.Dockerfile",`},
		{name: "an environment variable in the image", json: "{\n  \"image\": \"${localEnv:DEV_IMAGE}\"\n}", want: []string{"2:3"}},
		{name: "the older property", json: "{\n  \"dockerFile\": \"${containerWorkspaceFolder}/Dockerfile\"\n}", want: []string{"2:3"}},
		{name: "build args are substituted", json: `{"build": {"dockerfile": "Dockerfile", "args": {"WS": "${localWorkspaceFolder}", "U": "${localEnv:USER}"}}}`,
			files: []string{".devcontainer/Dockerfile"}},
		{name: "containerEnv is substituted", json: `{"image": "debian:12", "containerEnv": {"W": "${containerWorkspaceFolder}"}}`},
		{name: "a Template's option is CR210's", json: `{"image": "mcr.microsoft.com/devcontainers/base:${templateOption:imageVariant}"}`},
		{name: "native substitutes it", json: `{"build": {"dockerfile": "${localWorkspaceFolder}/Dockerfile"}}`, builder: ConfigBuilderNative},
	},
	"CR224": {
		{name: "a script at the mount's path", json: "{\n  \"build\": {\"dockerfile\": \"Dockerfile\"},\n  \"workspaceMount\": \"source=${localWorkspaceFolder},target=/app,type=bind\",\n  \"workspaceFolder\": \"/app\",\n  \"postCreateCommand\": \"bash /app/.devcontainer/setup.sh && /app/.devcontainer/setup.sh again\"\n}",
			dockerfile: "FROM debian:12\nCOPY Pipfile /app/\n", files: []string{".devcontainer/Dockerfile", ".devcontainer/setup.sh"}, want: []string{"5:3"},
			edit: `  "postCreateCommand": "bash .devcontainer/setup.sh && .devcontainer/setup.sh again"`},
		{name: "a mount of a folder under the repository", json: "{\n  \"image\": \"debian:12\",\n  \"workspaceMount\": \"source=${localWorkspaceFolder}/app,target=/src,type=bind\",\n  \"onCreateCommand\": [\"/src/bin/setup\"]\n}",
			files: []string{"app/bin/setup"}, want: []string{"4:3"}},
		{name: "a workspace folder below the mount: no edit", json: "{\n  \"image\": \"debian:12\",\n  \"workspaceMount\": \"source=${localWorkspaceFolder},target=/w,type=bind\",\n  \"workspaceFolder\": \"/w/sub\",\n  \"postStartCommand\": \"/w/run.sh\"\n}",
			files: []string{"run.sh"}, want: []string{"5:3"}, edit: "-"},
		{name: "a file the repository does not have", json: `{"image": "debian:12", "workspaceMount": "source=${localWorkspaceFolder},target=/app,type=bind", "postCreateCommand": "/app/bin/start"}`},
		{name: "a folder, not a file", json: `{"image": "debian:12", "workspaceMount": "source=${localWorkspaceFolder},target=/app,type=bind", "postCreateCommand": "ls /app/bin"}`,
			files: []string{"bin/x"}},
		{name: "a target under /workspaces", json: `{"image": "debian:12", "workspaceMount": "source=${localWorkspaceFolder},target=/workspaces/app,type=bind", "postCreateCommand": "bash /workspaces/app/setup.sh"}`,
			files: []string{"setup.sh"}},
		{name: "the Dockerfile copies the repository in", json: `{"build": {"dockerfile": "Dockerfile"}, "workspaceMount": "source=${localWorkspaceFolder},target=/app,type=bind", "postCreateCommand": "bash /app/setup.sh"}`,
			dockerfile: "FROM debian:12\nWORKDIR /app\nCOPY . .\n", files: []string{".devcontainer/Dockerfile", "setup.sh"}},
		{name: "the Dockerfile copies the file's folder in", json: `{"build": {"dockerfile": "Dockerfile"}, "workspaceMount": "source=${localWorkspaceFolder},target=/app,type=bind", "postCreateCommand": "bash /app/scripts/setup.sh"}`,
			dockerfile: "FROM debian:12\nCOPY scripts /app/scripts\n", files: []string{".devcontainer/Dockerfile", "scripts/setup.sh"}},
		{name: "a relative path", json: `{"image": "debian:12", "workspaceMount": "source=${localWorkspaceFolder},target=/app,type=bind", "postCreateCommand": "bash .devcontainer/setup.sh"}`,
			files: []string{".devcontainer/setup.sh"}},
		{name: "a volume, not the repository", json: `{"image": "debian:12", "workspaceMount": "source=ws,target=/app,type=volume", "postCreateCommand": "bash /app/setup.sh"}`,
			files: []string{"setup.sh"}},
		{name: "postAttachCommand, which envbuilder never runs", json: `{"image": "debian:12", "workspaceMount": "source=${localWorkspaceFolder},target=/app,type=bind", "postAttachCommand": "bash /app/setup.sh"}`,
			files: []string{"setup.sh"}},
		{name: "native mounts it", json: `{"image": "debian:12", "workspaceMount": "source=${localWorkspaceFolder},target=/app,type=bind", "postCreateCommand": "bash /app/setup.sh"}`,
			files: []string{"setup.sh"}, builder: ConfigBuilderNative},
		{name: "a Compose config", json: `{"dockerComposeFile": "compose.yml", "service": "app", "workspaceMount": "source=${localWorkspaceFolder},target=/app,type=bind", "postCreateCommand": "bash /app/setup.sh"}`,
			files: []string{".devcontainer/compose.yml", "setup.sh"}},
	},
	"CR211": {
		{name: "order matters", json: "{\n  \"image\": \"x\",\n  \"features\": {\"a:1\": {}, \"b:1\": {}},\n  \"overrideFeatureInstallOrder\": [\"b\", \"a\"]\n}", want: []string{"4:3"}},
		{name: "alphabetical anyway", json: `{"image": "x", "features": {"a:1": {}, "b:1": {}}, "overrideFeatureInstallOrder": ["a", "b"]}`},
		{name: "names no feature of the config", json: `{"image": "x", "features": {"./a": {}}, "overrideFeatureInstallOrder": ["ghcr.io/x/y/b", "./d"]}`,
			files: []string{".devcontainer/a/devcontainer-feature.json"}},
		{name: "native", json: `{"image": "x", "features": {"a:1": {}, "b:1": {}}, "overrideFeatureInstallOrder": ["b", "a"]}`, builder: ConfigBuilderNative},
		{name: "one entry, a local feature sorts first",
			json: "{\n  \"features\": {\n    \"ghcr.io/devcontainers/features/common-utils:2\": {},\n    \"./local-features/apache-config\": \"latest\"\n  },\n" +
				"  \"overrideFeatureInstallOrder\": [\n    \"ghcr.io/devcontainers/features/common-utils\"\n  ]\n}",
			files: []string{".devcontainer/local-features/apache-config/devcontainer-feature.json"}, want: []string{"6:3"}},
		{name: "one entry that sorts first anyway",
			json: `{"features": {"ghcr.io/devcontainers/features/common-utils:2": {}, "ghcr.io/devcontainers/features/node:1": {}}, "overrideFeatureInstallOrder": ["ghcr.io/devcontainers/features/common-utils"]}`},
		{name: "one entry, a digest-pinned feature", json: "{\n  \"features\": {\"ghcr.io/a/b/z@sha256:abc\": {}, \"ghcr.io/a/b/a:1\": {}},\n  \"overrideFeatureInstallOrder\": [\"ghcr.io/a/b/z\"]\n}",
			want: []string{"3:3"}},
	},
}

// TestCR219Fix: the fix rewrites ${localWorkspaceFolder} relative to the
// config's folder, wherever the config sits.
func TestCR219Fix(t *testing.T) {
	for _, tc := range []struct{ path, raw, want string }{
		{".devcontainer/devcontainer.json", "${localWorkspaceFolder}/Dockerfile", "../Dockerfile"},
		{".devcontainer/python/devcontainer.json", "${localWorkspaceFolder}/docker/Dockerfile", "../../docker/Dockerfile"},
		{"app/.devcontainer/devcontainer.json", "${localWorkspaceFolder}", ".."},
		{".devcontainer.json", "${localWorkspaceFolder}/Dockerfile", "Dockerfile"},
		{"app/.devcontainer.json", "${localWorkspaceFolder}/.devcontainer/Dockerfile", ".devcontainer/Dockerfile"},
	} {
		c := &devcontainer.Config{Path: tc.path}
		got, ok := workspaceRelative(c, tc.raw)
		if !ok || got != tc.want {
			t.Errorf("%s: %s became %q (%v), want %q", tc.path, tc.raw, got, ok, tc.want)
		}
	}
	if _, ok := workspaceRelative(&devcontainer.Config{Path: ".devcontainer/devcontainer.json"}, "${localWorkspaceFolderBasename}/x"); ok {
		t.Error("a basename rewritten as the folder")
	}
}

func TestCR211Message(t *testing.T) {
	fs := runDevcontainerCase(t, "CR211", refsCases["CR211"][4])
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "`./local-features/apache-config` is installed first instead") {
		t.Fatalf("findings %+v", fs)
	}
}

func TestCR218NotCR208(t *testing.T) {
	tc := dcCase{json: `{"image": "debian:12", "features": {"docker-in-docker": "latest", "github-cli": {}}}`}
	if fs := runDevcontainerCase(t, "CR208", tc); len(fs) != 0 {
		t.Fatalf("CR208 reports a legacy ID CR218 owns: %+v", fs)
	}
	fs := runDevcontainerCase(t, "CR218", tc)
	if len(fs) != 2 || fs[0].Severity != SeverityError || fs[0].Evidence != EvidenceFile {
		t.Fatalf("findings %+v", fs)
	}
}
