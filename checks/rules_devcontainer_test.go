package checks

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coderready/coderready/devcontainer"
	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/internal/rootfs"
)

// dcCase is a devcontainer.json (and optionally a Dockerfile it builds)
// with the positions ("line:col") where a rule must fire; none means it
// must not fire.
type dcCase struct {
	name       string
	json       string
	dockerfile string
	builder    ConfigBuilder
	files      []string          // files to create under the root (for existence checks)
	contents   map[string]string // files to create with content
	links      map[string]string // symlinks to create: path → target
	path       string            // default .devcontainer/devcontainer.json
	siblings   []string
	want       []string
	edit       string // when set, the first finding's first edit text ("-": no edit)
	message    string // when set, text the first finding's message holds
	// checkTemplates sets config check-templates (CR210's input).
	checkTemplates bool
	// composeImage is the image of the Compose service the config runs.
	composeImage string
	// composeFromHost: that image is a variable's default the
	// environment may replace.
	composeFromHost bool
}

func runDevcontainerCase(t *testing.T, id string, tc dcCase) []Finding {
	t.Helper()
	p := tc.path
	if p == "" {
		p = ".devcontainer/devcontainer.json"
	}
	root := t.TempDir()
	for _, f := range tc.files {
		dst := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for f, text := range tc.contents {
		dst := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for f, target := range tc.links {
		dst := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, dst); err != nil {
			t.Fatal(err)
		}
	}
	files, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = files.Close() })
	cfg := DefaultConfig()
	if tc.builder != "" {
		cfg.Builder = tc.builder
	}
	cfg.CheckTemplates = tc.checkTemplates
	c, err := devcontainer.Parse(p, []byte(tc.json))
	in := &DevcontainerInput{Devcontainer: c, ParseErr: err, Config: cfg, Files: files.FS(), Siblings: tc.siblings,
		ComposeImage: tc.composeImage, ComposeImageFromHost: tc.composeFromHost}
	if tc.composeImage != "" {
		in.ComposeFile = ".devcontainer/compose.yml"
	}
	if err != nil {
		in.Devcontainer = nil
	}
	if tc.dockerfile != "" {
		f, err := dockerfile.Parse(".devcontainer/Dockerfile", []byte(tc.dockerfile))
		if err != nil {
			t.Fatal(err)
		}
		in.Dockerfile = f
	}
	var out []Finding
	for _, f := range CheckDevcontainer(in) {
		if f.RuleID == id {
			out = append(out, f)
		}
	}
	return out
}

func TestDevcontainerRules(t *testing.T) {
	tests := map[string][]dcCase{
		"CR200": {
			{name: "missing comma", json: "{\n  \"image\": \"x\"\n  \"name\": \"y\"\n}", want: []string{"2:15"}},
			{name: "valid", json: `{"image": "debian:12"}`},
			{name: "image is a number", json: "{\n  \"image\": 5\n}", want: []string{"2:12"}},
			{name: "lifecycle forms", json: "{\n  \"image\": \"x\",\n  \"postCreateCommand\": [],\n  \"onCreateCommand\": {\"a\": [\"x\", 1]},\n  \"privileged\": \"yes\"\n}", want: []string{"3:24", "4:34", "5:17"}},
			{name: "valid forms", json: `{"image": "x", "onCreateCommand": {"a": "x", "b": ["y"]}, "remoteEnv": {"A": null}, "forwardPorts": [1, "db:2"]}`},
		},
		"CR201": {
			{name: "only a name", json: "{\n  \"name\": \"x\"\n}", want: []string{"1:1"}},
			{name: "image", json: `{"image": "debian:12"}`},
			{name: "legacy dockerFile", json: `{"dockerFile": "Dockerfile"}`, files: []string{".devcontainer/Dockerfile"}},
		},
		"CR202": {
			{name: "compose", json: "{\n  \"dockerComposeFile\": \"compose.yml\",\n  \"service\": \"app\"\n}", files: []string{".devcontainer/compose.yml"}, want: []string{"2:3"}},
			{name: "compose, native only", json: `{"dockerComposeFile": "c.yml", "service": "app"}`, builder: ConfigBuilderNative},
			{name: "image", json: `{"image": "debian:12"}`},
		},
		"CR203": {
			{name: "missing dockerfile", json: "{\n  \"build\": {\n    \"dockerfile\": \"../docker/Dockerfile\"\n  }\n}", want: []string{"3:5"}},
			{name: "missing context", json: "{\n  \"build\": {\"dockerfile\": \"Dockerfile\", \"context\": \"../app\"}\n}", files: []string{".devcontainer/Dockerfile"}, want: []string{"2:41"}},
			{name: "present", json: `{"build": {"dockerfile": "../docker/Dockerfile", "context": ".."}}`, files: []string{"docker/Dockerfile"}},
			{name: "compose file missing", json: "{\n  \"dockerComposeFile\": [\"a.yml\", \"b.yml\"]\n}", files: []string{".devcontainer/a.yml"}, want: []string{"2:34"}},
			{name: "context through a link out of the root", json: "{\n  \"build\": {\"dockerfile\": \"Dockerfile\", \"context\": \"../up\"}\n}",
				files: []string{".devcontainer/Dockerfile"}, links: map[string]string{"up": ".."}, want: []string{"2:41"}},
			{name: "dockerfile a link to /etc/shadow", json: "{\n  \"build\": {\"dockerfile\": \"Dockerfile\"}\n}",
				links: map[string]string{".devcontainer/Dockerfile": "/etc/shadow"}, want: []string{"2:13"}},
			{name: "context a link inside the root", json: `{"build": {"dockerfile": "Dockerfile", "context": "../app"}}`,
				files: []string{".devcontainer/Dockerfile", "src/x"}, links: map[string]string{"app": "src"}},
			{name: "a Compose file initializeCommand's script writes", json: "{\n  \"dockerComposeFile\": [\"compose.yml\", \"compose.extend.yml\"],\n  \"initializeCommand\": \"/bin/bash .devcontainer/init.sh\"\n}",
				files: []string{".devcontainer/compose.yml"}, contents: map[string]string{".devcontainer/init.sh": "#!/bin/bash\nif [ ! -f \".devcontainer/compose.extend.yml\" ]; then\n  cat > \".devcontainer/compose.extend.yml\" <<EOF\nservices: {}\nEOF\nfi\n"}},
			{name: "a script that only tests for it", json: "{\n  \"dockerComposeFile\": [\"compose.yml\", \"compose.extend.yml\"],\n  \"initializeCommand\": \"/bin/bash .devcontainer/init.sh\"\n}",
				files: []string{".devcontainer/compose.yml"}, contents: map[string]string{".devcontainer/init.sh": "#!/bin/bash\n[ -f \".devcontainer/compose.extend.yml\" ] || echo missing\n"}, want: []string{"2:40"}},
			{name: "an initializeCommand that copies it", json: "{\n  \"dockerComposeFile\": [\"compose.yml\", \"local.yml\"],\n  \"initializeCommand\": \"cp .devcontainer/local.template.yml .devcontainer/local.yml\"\n}",
				files: []string{".devcontainer/compose.yml"}},
		},
		"CR204": {
			{name: "the developer's global git config read, native", json: "{\n  \"image\": \"x\",\n  \"initializeCommand\": \"git config -l --global --include > \\\"${localWorkspaceFolder}\\\"/.gitconfig.global\"\n}", builder: ConfigBuilderNative, want: []string{"3:3"}},
			{name: "a global git setting written, native", json: `{"image": "x", "initializeCommand": "git config --global user.name dev"}`, builder: ConfigBuilderNative},
			{name: "one that only prints", json: `{"image": "x", "initializeCommand": {"message1": "echo '✅ Running initializeCommand...'"}}`},
			{name: "one that prints into a file", json: "{\n  \"image\": \"x\",\n  \"initializeCommand\": \"echo x > .env\"\n}", want: []string{"3:3"}},
			{name: "initializeCommand", json: "{\n  \"image\": \"x\",\n  \"initializeCommand\": \"make init\"\n}", want: []string{"3:3"}, edit: `  "onCreateCommand": "make init"`},
			{name: "none", json: `{"image": "x", "onCreateCommand": "make init"}`},
			{name: "compose: preparing the Docker host", json: "{\n  \"dockerComposeFile\": \"c.yml\",\n  \"service\": \"app\",\n  \"initializeCommand\": \"mkdir -p dev/.data/keys\"\n}", files: []string{".devcontainer/c.yml"}},
			{name: "mkdir of mount sources, any builder", json: `{"image": "x", "initializeCommand": ["/bin/bash", "-c", "mkdir -m 0755 -p ${localWorkspaceFolder}/../.aws ${localWorkspaceFolder}/../rmm"]}`},
			{name: "folders and named volumes for the mounts, by the machine it runs on", json: `{"image": "x", "initializeCommand": ["/bin/bash", "-c", "set -euo pipefail; mkdir -m 0755 -p \"${localWorkspaceFolder}\"/.{aws,cache}; if test -z \"${localEnv:WSLENV}\"; then docker volume create --driver local --opt type=none --opt \"device=${localWorkspaceFolder}/build\" --opt o=bind cccl-build >/dev/null; else docker volume create cccl-build >/dev/null; fi;"]}`},
			{name: "a volume listed, not made", json: "{\n  \"image\": \"x\",\n  \"initializeCommand\": \"docker volume ls && mkdir -p a\"\n}", want: []string{"3:3"}},
			{name: "an empty file made for a file's bind mount when missing", json: `{"image": "x", "initializeCommand": "[ -f ~/.npmrc ] || touch ~/.npmrc"}`},
			{name: "the same under if", json: `{"image": "x", "initializeCommand": "if [ ! -f ~/.npmrc ]; then touch ~/.npmrc; fi"}`},
			{name: "a test and another command", json: "{\n  \"image\": \"x\",\n  \"initializeCommand\": \"[ -f .env ] || cp .env.example .env\"\n}", want: []string{"3:3"}},
			{name: "mkdir then more", json: "{\n  \"image\": \"x\",\n  \"initializeCommand\": \"mkdir -p a && make init\"\n}", want: []string{"3:3"}},
			{name: "native: preparing the host", json: `{"image": "x", "initializeCommand": ["mkdir", "-p", "data"]}`, builder: ConfigBuilderNative},
			{name: "compose: the laptop's ssh keys", json: "{\n  \"dockerComposeFile\": \"c.yml\",\n  \"service\": \"app\",\n  \"initializeCommand\": \"cp ~/.ssh/id_ed25519.pub .devcontainer/\"\n}", files: []string{".devcontainer/c.yml"}, want: []string{"4:3"}},
			{name: "native: the workspace's home", json: "{\n  \"image\": \"x\",\n  \"initializeCommand\": \"cp ${localEnv:HOME}/.config/x.conf .devcontainer/\"\n}", builder: ConfigBuilderNative},
			{name: "native: the developer's X server", json: "{\n  \"image\": \"x\",\n  \"initializeCommand\": \"mkdir -p ${localEnv:HOME}/autoware_data && xhost +local:docker\"\n}", builder: ConfigBuilderNative, want: []string{"3:3"}},
			{name: "native: localEnv", json: "{\n  \"image\": \"x\",\n  \"initializeCommand\": {\"a\": \"echo ${localEnv:USER} > .user\"}\n}", builder: ConfigBuilderNative, want: []string{"3:3"}},
		},
		"CR205": {
			{name: "remoteUser root", json: "{\n  \"image\": \"x\",\n  \"remoteUser\": \"root\"\n}", want: []string{"3:3"}},
			{name: "remoteUser and containerUser root, said once", json: "{\n  \"image\": \"x\",\n  \"remoteUser\": \"root\",\n  \"containerUser\": \"root\"\n}", want: []string{"3:3"}},
			{name: "unset on debian", json: "{\n  \"image\": \"debian:12\"\n}", want: []string{"2:3"}},
			{name: "a Compose service's image, run as root", json: "{\n  \"dockerComposeFile\": \"compose.yml\",\n  \"service\": \"app\"\n}",
				composeImage: "mcr.microsoft.com/dotnet/sdk:9.0", files: []string{".devcontainer/compose.yml"}, want: []string{"1:1"}},
			{name: "a Compose service's image the environment picks", json: `{"dockerComposeFile": "compose.yml", "service": "app"}`,
				composeImage: "ubuntu:24.04", composeFromHost: true, files: []string{".devcontainer/compose.yml"}},
			{name: "a Compose service's image with remoteUser", json: `{"dockerComposeFile": "compose.yml", "service": "app", "remoteUser": "vscode"}`,
				composeImage: "ubuntu:24.04", files: []string{".devcontainer/compose.yml"}},
			{name: "devcontainers image, native applies its metadata user", json: `{"image": "mcr.microsoft.com/devcontainers/base:bookworm"}`, builder: ConfigBuilderNative},
			{name: "devcontainers image, envbuilder does not", json: "{\n  \"image\": \"mcr.microsoft.com/devcontainers/base:bookworm\"\n}", want: []string{"2:3"},
				edit: "  \"image\": \"mcr.microsoft.com/devcontainers/base:bookworm\",\n  \"containerUser\": \"vscode\""},
			{name: "a Dockerfile on a devcontainers image, envbuilder does not apply its user", json: "{\n  \"build\": {\"dockerfile\": \"Dockerfile\"}\n}",
				dockerfile: "FROM mcr.microsoft.com/devcontainers/go:1.23\nRUN echo hi\n", builder: ConfigBuilderEnvbuilder, want: []string{"2:3"},
				message: "envbuilder runs the image built from `Dockerfile` (on `mcr.microsoft.com/devcontainers/go:1.23`) as root"},
			{name: "non-root remoteUser, native", json: `{"image": "debian:12", "remoteUser": "dev"}`, builder: ConfigBuilderNative},
			{name: "remoteUser without features, envbuilder", json: "{\n  \"image\": \"debian:12\",\n  \"remoteUser\": \"dev\"\n}", want: []string{"3:3"},
				edit: "  \"remoteUser\": \"dev\",\n  \"containerUser\": \"dev\""},
			{name: "remoteUser with features, envbuilder", json: `{"image": "debian:12", "remoteUser": "dev", "features": {"ghcr.io/devcontainers/features/common-utils:2": {}}}`},
			{name: "containerUser", json: `{"image": "debian:12", "containerUser": "dev"}`},
			{name: "containerUser root with remoteUser, native", json: `{"image": "x", "containerUser": "root", "remoteUser": "dev"}`, builder: ConfigBuilderNative},
			{name: "containerUser root with remoteUser, envbuilder", json: "{\n  \"image\": \"x\",\n  \"containerUser\": \"root\",\n  \"remoteUser\": \"dev\"\n}", want: []string{"3:3"}},
			{name: "dockerfile ends as user", json: `{"build": {"dockerfile": "Dockerfile"}}`, dockerfile: "FROM debian:12\nUSER dev\n"},
			{name: "dockerfile ends as root", json: `{"build": {"dockerfile": "Dockerfile"}}`, dockerfile: "FROM debian:12\nUSER dev\nUSER root\n", want: []string{"1:2"}},
			{name: "compose dockerfile ends as root on a devcontainers image, native applies its metadata user",
				json: `{"dockerComposeFile": "compose.yml", "service": "app"}`, dockerfile: "FROM mcr.microsoft.com/devcontainers/ruby:3.3\nUSER root\n"},
			{name: "compose dockerfile ends as root on another image", json: `{"dockerComposeFile": "compose.yml", "service": "app"}`,
				dockerfile: "FROM ruby:3.3\nUSER root\n", want: []string{"1:1"}},
			{name: "unknown image", json: `{"image": "registry.example/acme/img:1"}`},
			{name: "dockerfile ends as root on an unread base, native: its label may name the user",
				json: `{"build": {"dockerfile": "Dockerfile"}}`, dockerfile: "FROM registry.example/acme/devcontainer:1\nUSER root\n", builder: ConfigBuilderNative},
			{name: "dockerfile ends as root on Rails' image, native", json: `{"build": {"dockerfile": "Dockerfile"}}`,
				dockerfile: "FROM ghcr.io/rails/devcontainer/images/ruby:3.4\nUSER root\n", builder: ConfigBuilderNative},
			{name: "dockerfile ends as root on a known base, native", json: `{"build": {"dockerfile": "Dockerfile"}}`,
				dockerfile: "FROM debian:12\nUSER root\n", builder: ConfigBuilderNative, want: []string{"1:2"}},
			{name: "dockerfile ends as root on an unread base, envbuilder runs it as root", json: `{"build": {"dockerfile": "Dockerfile"}}`,
				dockerfile: "FROM registry.example/acme/devcontainer:1\nUSER root\n", builder: ConfigBuilderEnvbuilder, want: []string{"1:2"}},
		},
		"CR206": {
			{name: "privileged", json: "{\n  \"image\": \"x\",\n  \"privileged\": true\n}", want: []string{"3:3"}},
			{name: "runArgs and dind", json: "{\n  \"image\": \"x\",\n  \"runArgs\": [\"--init\", \"--privileged\"],\n  \"features\": {\n    \"ghcr.io/devcontainers/features/docker-in-docker:2\": {}\n  }\n}", want: []string{"3:25", "5:5"}},
			{name: "capAdd", json: "{\"image\": \"x\", \"capAdd\": [\"SYS_PTRACE\"]}", want: []string{"1:16"}},
			{name: "a host device and the host's user namespace", json: "{\n  \"image\": \"x\",\n  \"runArgs\": [\"--device\", \"/dev/fuse\",\n    \"--userns=host\", \"--init\"]\n}", want: []string{"3:15", "4:5"}},
			{name: "the host's GPUs, either spelling", json: "{\n  \"image\": \"x\",\n  \"runArgs\": [\"--gpus\", \"all\",\n    \"--gpus=all\", \"--shm-size=1g\"]\n}", want: []string{"3:15", "4:5"}},
			{name: "a flag that only names GPUs in its value", json: `{"image": "x", "runArgs": ["--env", "NVIDIA_VISIBLE_DEVICES=all", "--label=gpus"]}`},
			{name: "privileged false", json: `{"image": "x", "privileged": false, "runArgs": ["--init"]}`},
			{name: "no-new-privileges takes privileges away", json: `{"image": "x", "runArgs": ["--cap-drop=ALL", "--security-opt=no-new-privileges", "--security-opt", "no-new-privileges:true"], "securityOpt": ["no-new-privileges"]}`},
			{name: "a Compose config's runArgs are not used", json: `{"dockerComposeFile": "compose.yml", "service": "app", "runArgs": ["--privileged", "--cap-add=SYS_ADMIN"]}`},
			{name: "SELinux labels off asks nothing", json: `{"image": "x", "runArgs": ["--security-opt", "label=disable"], "securityOpt": ["label:disable"]}`},
			{name: "capabilities every container has", json: `{"image": "x", "capAdd": ["NET_RAW", "CAP_AUDIT_WRITE"], "runArgs": ["--cap-add=NET_RAW", "--cap-add", "audit_write", "--cap-add=KILL,CHOWN"]}`},
			{name: "a default capability beside one that asks", json: "{\n  \"image\": \"x\",\n  \"capAdd\": [\"NET_RAW\", \"NET_ADMIN\"],\n  \"runArgs\": [\"--cap-add=NET_RAW,SYS_ADMIN\"]\n}", want: []string{"3:3", "4:15"}},
			{name: "securityOpt with one that asks", json: `{"image": "x", "securityOpt": ["no-new-privileges", "seccomp=unconfined"]}`, want: []string{"1:16"}},
		},
		"CR223": {
			{name: "upper case in the repository", json: "{\n  \"image\": \"ghcr.io/HugoBlox/hugo-blox-dev:hugo0.154.5\"\n}", want: []string{"2:3"}, edit: `  "image": "ghcr.io/hugoblox/hugo-blox-dev:hugo0.154.5"`},
			{name: "a command that pulls the image", json: "{\n  \"image\": \"docker pull ghcr.io/dahui/devpod-backstage:latest\"\n}", want: []string{"2:3"},
				edit: `  "image": "ghcr.io/dahui/devpod-backstage:latest"`, message: "is a command, not an image reference"},
			{name: "valid", json: `{"image": "mcr.microsoft.com/devcontainers/base:1-bookworm"}`},
			{name: "a template option", json: `{"image": "mcr.microsoft.com/devcontainers/base:${templateOption:imageVariant}"}`},
		},
		"CR222": {
			{name: "docker-in-docker", json: "{\n  \"image\": \"x\",\n  \"features\": {\n    \"ghcr.io/devcontainers/features/docker-in-docker:2\": {}\n  }\n}", want: []string{"4:5"}},
			{name: "another publisher's ollama", json: "{\n  \"image\": \"x\",\n  \"features\": {\n    \"ghcr.io/prulloac/devcontainer-features/ollama:1\": {\"pull\": \"llama3.1\"}\n  }\n}", want: []string{"4:5"}},
			{name: "a legacy short ID (CR218's)", json: "{\n  \"image\": \"x\",\n  \"features\": {\n    \"docker-in-docker\": \"latest\"\n  }\n}"},
			{name: "another publisher's ollama, served from postStartCommand", json: "{\n  \"image\": \"x\",\n  \"features\": {\n    \"ghcr.io/prulloac/devcontainer-features/ollama:1\": {}\n  },\n  \"postStartCommand\": \"nohup ollama serve &\"\n}"},
			{name: "a local feature with an entrypoint", json: "{\n  \"image\": \"x\",\n  \"features\": {\n    \"./svc\": {}\n  }\n}",
				contents: map[string]string{".devcontainer/svc/devcontainer-feature.json": `{"id": "svc", "entrypoint": "/usr/local/share/svc-init.sh", /* starts it */}`}, want: []string{"4:5"}},
			{name: "docker-outside-of-docker, even with its script started", json: "{\n  \"image\": \"x\",\n  \"features\": {\n    \"ghcr.io/devcontainers/features/docker-outside-of-docker:1\": {}\n  },\n  \"postStartCommand\": \"sudo /usr/local/share/docker-init.sh\"\n}",
				want: []string{"4:5"}},
			{name: "docker-outside-of-docker's former name", json: "{\n  \"image\": \"x\",\n  \"features\": {\n    \"ghcr.io/devcontainers/features/docker-from-docker:1\": {}\n  }\n}", want: []string{"4:5"}},
			{name: "nix's default multi-user install starts its daemon", json: "{\n  \"image\": \"x\",\n  \"features\": {\n    \"ghcr.io/devcontainers/features/nix:1\": {\"multiUser\": \"true\"}\n  }\n}", want: []string{"4:5"}},
			{name: "nix single-user has no daemon", json: `{"image": "x", "features": {"ghcr.io/devcontainers/features/nix:1": {"multiUser": "false", "extraNixConfig": "experimental-features = nix-command flakes"}}}`},
			{name: "nix single-user as a boolean", json: `{"image": "x", "features": {"ghcr.io/devcontainers/features/nix:1": {"multiUser": false}}}`},
			{name: "features without one", json: `{"image": "x", "features": {"ghcr.io/devcontainers/features/node:1": {}, "./tool": {}}}`,
				contents: map[string]string{".devcontainer/tool/devcontainer-feature.json": `{"id": "tool"}`}},
			{name: "a Compose config envbuilder cannot build", json: `{"dockerComposeFile": "c.yml", "service": "a", "features": {"ghcr.io/devcontainers/features/sshd:1": {}}}`, files: []string{".devcontainer/c.yml"}},
			{name: "native runs it", json: `{"image": "x", "features": {"ghcr.io/devcontainers/features/desktop-lite:1": {}}}`, builder: ConfigBuilderNative},
			{name: "a chain of scripts that starts dockerd itself", json: `{"image": "x", "features": {"ghcr.io/devcontainers/features/docker-in-docker:2": {}}, "postStartCommand": "/bin/bash .devcontainer/container-start.sh"}`,
				contents: map[string]string{".devcontainer/container-start.sh": "#!/bin/bash\n. \"$script_folder/startup.sh\"\n",
					".devcontainer/startup.sh":     "#!/bin/bash\nnohup $toolbox_root/.devcontainer/load-docker.sh &>/dev/null &\n",
					".devcontainer/load-docker.sh": "#!/bin/bash\nif ! pgrep -x \"dockerd\" > /dev/null; then\n  nohup sudo dockerd --containerd /run/containerd/containerd.sock &\nfi\n"}},
			{name: "a script that only stops dockerd", json: "{\n  \"image\": \"x\",\n  \"features\": {\n    \"ghcr.io/devcontainers/features/docker-in-docker:2\": {}\n  },\n  \"postStartCommand\": \"bash .devcontainer/stop.sh\"\n}",
				contents: map[string]string{".devcontainer/stop.sh": "#!/bin/bash\nsudo pkill dockerd\npgrep -x dockerd || echo gone\n"}, want: []string{"4:5"}},
			{name: "postStartCommand runs the entrypoint", json: `{"image": "x", "features": {"ghcr.io/devcontainers/features/docker-in-docker:2": {}}, "postStartCommand": "sudo /usr/local/share/docker-init.sh"}`},
			{name: "an onCreateCommand script runs it (envbuilder's own example)", json: `{"build": {"dockerfile": "Dockerfile"}, "onCreateCommand": "/on-create.sh", "features": {"ghcr.io/devcontainers/features/docker-in-docker:2": {}}}`,
				contents: map[string]string{".devcontainer/Dockerfile": "FROM ubuntu:noble\nADD on-create.sh /on-create.sh\n", ".devcontainer/on-create.sh": "#!/bin/bash\nsudo /usr/local/share/docker-init.sh\n"}},
			{name: "a script that does something else", json: "{\n  \"image\": \"x\",\n  \"postCreateCommand\": \"bash .devcontainer/setup.sh\",\n  \"features\": {\"ghcr.io/devcontainers/features/sshd:1\": {}}\n}",
				contents: map[string]string{".devcontainer/setup.sh": "#!/bin/bash\nnpm ci\n"}, want: []string{"4:16"}},
		},
		"CR221": {
			{name: "a file initializeCommand makes when missing", json: "{\n  \"image\": \"x\",\n  \"initializeCommand\": \"[ -f ~/.npmrc ] || touch ~/.npmrc\",\n  \"mounts\": [\"source=${localEnv:HOME}/.npmrc,target=/home/node/.npmrc,type=bind\"]\n}"},
			{name: "such a mount, no initializeCommand", json: "{\n  \"image\": \"x\",\n  \"mounts\": [\"source=${localEnv:HOME}/.npmrc,target=/home/node/.npmrc,type=bind\"]\n}", want: []string{"3:14"}},
			{name: "ssh folder from the laptop", json: "{\n  \"image\": \"x\",\n  \"mounts\": [\n    \"source=${localEnv:HOME}${localEnv:USERPROFILE}/.ssh,target=/home/dev/.ssh,type=bind,consistency=cached\"\n  ]\n}", want: []string{"4:5"}},
			{name: "object form", json: "{\n  \"image\": \"x\",\n  \"mounts\": [{\"source\": \"~/.aws\", \"target\": \"/root/.aws\", \"type\": \"bind\"}]\n}", want: []string{"3:14"}},
			{name: "a bind mount runArgs asks for", json: "{\n  \"image\": \"x\",\n  \"runArgs\": [\"--mount\", \"type=bind,src=${env:HOME}/.ssh,dst=/home/developer/.ssh\", \"-v\", \"${localEnv:HOME}/.aws:/root/.aws:ro\", \"--volume=cache:/cache\", \"-v\", \"${localWorkspaceFolder}/data:/data\"]\n}", want: []string{"3:26", "3:91"}},
			{name: "a Windows home as WSL mounts it", json: "{\n  \"image\": \"x\",\n  \"mounts\": [\"source=/mnt/c/Users/juhop/.ssh,target=/root/.ssh,type=bind\"]\n}", want: []string{"3:14"}},
			{name: "a system folder under /mnt", json: `{"image": "x", "mounts": ["source=/mnt/data,target=/data,type=bind"]}`},
			{name: "the home itself, and folders under it", json: "{\n  \"image\": \"x\",\n  \"mounts\": [\n    \"source=${localEnv:HOME}/.cargo/git,target=/opt/git,type=bind\",\n    \"source=${localEnv:HOME},target=/home/builder,type=bind\",\n    \"source=${localEnv:HOME}${localEnv:USERPROFILE},target=/h,type=bind\"\n  ]\n}", want: []string{"4:5"}},
			{name: "a folder initializeCommand makes", json: `{"image": "x", "initializeCommand": "mkdir -p ${localEnv:HOME}/.cache", "mounts": ["source=${localEnv:HOME}/.cache,target=/home/vscode/.cache,type=bind"]}`},
			{name: "folders a script initializeCommand runs makes", json: "{\n  \"image\": \"x\",\n  \"initializeCommand\": \".devcontainer/scripts/initialize_command.sh\",\n  \"mounts\": [\n    \"source=${localEnv:HOME}/.docker,target=/home/vscode/.docker-localhost,type=bind\",\n    \"source=${localEnv:HOME}/.gitconfig,target=/home/vscode/.gitconfig,type=bind\"\n  ]\n}",
				contents: map[string]string{".devcontainer/scripts/initialize_command.sh": "#!/usr/bin/env bash\nDIRECTORY_CONFIG=(\".docker|700|warn|docker logins\" \".kube|700|warn|clusters\")\nfor d in \"${DIRECTORY_CONFIG[@]}\"; do\n  IFS='|' read -r name perm _ <<< \"$d\"\n  mkdir -p \"${HOME}/${name}\"\ndone\n"},
				want:     []string{"6:5"}},
			{name: "a Windows-only variable alone", json: "{\n  \"image\": \"x\",\n  \"mounts\": [\"source=${localEnv:USERPROFILE}/.android/debug.keystore,target=/home/dev/.android/debug.keystore,type=bind\"]\n}", want: []string{"3:14"}},
			{name: "the CLI's older ${env:} spelling", json: "{\n  \"image\": \"x\",\n  \"mounts\": [\"source=${env:HOME}/.ssh,target=/home/vscode/.ssh,type=bind\"]\n}", want: []string{"3:14"}},
			{name: "what the workspace has", json: `{"image": "x", "mounts": ["source=/var/run/docker.sock,target=/var/run/docker.sock,type=bind", "source=${localWorkspaceFolder}/.cache,target=/cache,type=bind"], "workspaceMount": "source=${localWorkspaceFolder},target=/src,type=bind"}`},
			{name: "a volume named after a variable", json: `{"image": "x", "mounts": ["source=${localEnv:USER}-history,target=/commandhistory,type=volume", "source=profile,target=/root"]}`},
			{name: "envbuilder ignores mounts", json: `{"image": "x", "mounts": ["source=${localEnv:HOME}/.ssh,target=/root/.ssh,type=bind"]}`, builder: ConfigBuilderEnvbuilder},
			{name: "a Compose config's mounts become short-form volumes", json: `{"dockerComposeFile": "c.yml", "service": "a", "mounts": ["source=${localEnv:HOME}/.ssh,target=/root/.ssh,type=bind"]}`, files: []string{".devcontainer/c.yml"}},
		},
		"CR207": {
			{name: "each ignored property", json: "{\n  \"image\": \"x\",\n  \"forwardPorts\": [3000],\n  \"mounts\": [],\n  \"build\": {\"dockerfile\": \"D\", \"options\": [\"--network=host\"]}\n}", files: []string{".devcontainer/D"}, want: []string{"3:3", "4:3", "5:32"}},
			{name: "native builder", json: `{"image": "x", "forwardPorts": [3000]}`, builder: ConfigBuilderNative},
			{name: "read properties", json: `{"image": "x", "remoteUser": "dev", "postStartCommand": "x"}`},
			{name: "a Compose config envbuilder cannot build", json: `{"dockerComposeFile": "compose.yml", "service": "app", "workspaceFolder": "/app", "forwardPorts": [3000]}`,
				files: []string{".devcontainer/compose.yml"}},
		},
		"CR208": {
			{name: "unversioned and latest", json: "{\n  \"features\": {\n    \"ghcr.io/devcontainers/features/go\": {},\n    \"ghcr.io/devcontainers/features/node:latest\": {}\n  }\n}", want: []string{"3:5", "4:5"}},
			{name: "local missing", json: "{\"features\": {\"./local\": {}}}", want: []string{"1:15"}},
			{name: "local missing, a folder .gitignore lists", json: "{\"features\": {\"./src/shell-history\": {}}}", contents: map[string]string{".devcontainer/.gitignore": "# synced by make\nsrc/\n"}},
			{name: "local missing, the root .gitignore anchors it", json: "{\"features\": {\"./src/x\": {}}}", contents: map[string]string{".gitignore": "/.devcontainer/src\n"}},
			{name: "local missing, .gitignore lists something else", json: "{\"features\": {\"./src/x\": {}}}", contents: map[string]string{".devcontainer/.gitignore": "node_modules/\n"}, want: []string{"1:15"}},
			{name: "local missing, a negation", json: "{\"features\": {\"./src/x\": {}}}", contents: map[string]string{".devcontainer/.gitignore": "src/\n!src/x\n"}, want: []string{"1:15"}},
			{name: "local through a link out: CR203's", json: `{"features": {"./local": {}}}`, links: map[string]string{".devcontainer/local": "/etc"}},
			{name: "local present, pinned", json: `{"features": {"./local": {}, "ghcr.io/devcontainers/features/go:1": {}, "ghcr.io/x/y/z@sha256:abc": {}}}`, files: []string{".devcontainer/local/devcontainer-feature.json"}},
			{name: "a test's placeholder URL", json: `{"features": {"#{server_url}/devcontainer-feature-hello.tgz": {}}}`},
			{name: "locked, Compose: only the Dev Containers CLI builds it", json: `{"dockerComposeFile": "c.yml", "service": "app", "features": {"ghcr.io/devcontainers/features/node": {}}}`,
				contents: map[string]string{".devcontainer/devcontainer-lock.json": lockNode}},
			{name: "locked, native builder", json: `{"image": "x", "features": {"ghcr.io/devcontainers/features/node": {}}}`, builder: ConfigBuilderNative,
				contents: map[string]string{".devcontainer/devcontainer-lock.json": lockNode}},
			{name: "locked, envbuilder does not read it", json: `{"image": "x", "features": {"ghcr.io/devcontainers/features/node": {}}}`, want: []string{"1:29"},
				contents: map[string]string{".devcontainer/devcontainer-lock.json": lockNode}},
			{name: "the lockfile pins another feature", json: `{"dockerComposeFile": "c.yml", "service": "app", "features": {"ghcr.io/devcontainers/features/go": {}}}`, want: []string{"1:63"},
				contents: map[string]string{".devcontainer/devcontainer-lock.json": lockNode}},
		},
		"CR209": {
			{name: "typo", json: "{\n  \"image\": \"x\",\n  \"remoteUsr\": \"dev\"\n}", want: []string{"3:3"}, edit: `  "remoteUser": "dev"`},
			{name: "far from anything", json: "{\"image\": \"x\", \"zzzzzzzzzzzz\": 1}", want: []string{"1:16"}},
			{name: "known and legacy", json: `{"image": "x", "$schema": "s", "extensions": [], "hostRequirements": {}}`},
			{name: "belongs one level down", json: "{\n  \"image\": \"x\",\n  \"gpu\": true\n}", want: []string{"3:3"}},
			{name: "switched off, and comments", json: `{"image": "x", "_postCreateCommand": "make", "_remoteUser_comment": "later", "//": "notes"}`},
			{name: "lower-case dockerfile", json: "{\n  \"dockerfile\": \"Dockerfile\"\n}", files: []string{".devcontainer/Dockerfile"}, want: []string{"2:3"}, edit: `  "dockerFile": "Dockerfile"`},
		},
		"CR210": {
			{name: "placeholder", json: "{\n  \"image\": \"mcr.microsoft.com/devcontainers/base:${templateOption:imageVariant}\"\n}", checkTemplates: true, want: []string{"2:50"}},
			{name: "a template source without check-templates", json: "{\n  \"image\": \"mcr.microsoft.com/devcontainers/base:${templateOption:imageVariant}\"\n}"},
			{name: "in the dockerfile", json: `{"build": {"dockerfile": "Dockerfile"}}`, dockerfile: "FROM debian:12\nRUN echo ${templateOption:v}\n", checkTemplates: true, want: []string{"2:10"}},
			{name: "ordinary variables", json: `{"image": "x", "containerEnv": {"A": "${localEnv:HOME}"}}`},
			{name: "commented out", json: "{\n  \"image\": \"x\"\n  // \"image\": \"x:${templateOption:v}\"\n}"},
			{name: "in a compose file", json: `{"dockerComposeFile": "compose.yml", "service": "app"}`,
				contents: map[string]string{".devcontainer/compose.yml": "services:\n  # image: x:${templateOption:old}\n  app:\n    image: x:${templateOption:v}\n"}, checkTemplates: true, want: []string{"4:14"}},
		},
		"CR212": {
			{name: "bad customizations", json: "{\n  \"image\": \"x\",\n  \"customizations\": {\"coder\": {\n    \"name\": \"My App\",\n    \"apps\": [{\"slug\": \"a\"}, {\"slug\": \"a\"}, {}],\n    \"displayApps\": {\"vscode\": true, \"jetbrains\": true}\n  }},\n  \"forwardPorts\": [3000, \"db:5432\"]\n}", want: []string{"4:5", "5:30", "5:44", "6:37", "8:26"}},
			{name: "valid", json: `{"image": "x", "customizations": {"coder": {"name": "my-app", "apps": [{"slug": "a"}], "displayApps": {"vscode": false}}}, "forwardPorts": [3000]}`},
			{name: "envbuilder only", json: `{"image": "x", "forwardPorts": ["db:5432"]}`, builder: ConfigBuilderEnvbuilder},
			{name: "unknown keys and slug", json: "{\n  \"image\": \"x\",\n  \"customizations\": {\"coder\": {\n    \"displayapps\": {},\n    \"apps\": [{\"slug\": \"My App\", \"urll\": \"x\"}]\n  }}\n}",
				want: []string{"4:5", "5:15", "5:33"}, edit: `    "displayApps": {},`},
		},
		"CR213": {
			{name: "user missing on debian", json: "{\n  \"image\": \"debian:12\",\n  \"remoteUser\": \"vscode\"\n}", want: []string{"3:3"}},
			{name: "user of the image", json: `{"image": "node:20", "remoteUser": "node"}`},
			{name: "features may create it", json: `{"image": "debian:12", "remoteUser": "vscode", "features": {"ghcr.io/devcontainers/features/common-utils:2": {}}}`},
			{name: "dockerfile creates it", json: `{"build": {"dockerfile": "Dockerfile"}, "remoteUser": "dev"}`, dockerfile: "FROM debian:12\nRUN useradd -m dev\n"},
			{name: "unknown image", json: `{"image": "registry.example/acme/img:1", "remoteUser": "dev"}`},
			{name: "user from build.args", json: `{"build": {"dockerfile": "Dockerfile", "args": {"USERNAME": "alice"}}, "remoteUser": "alice"}`, dockerfile: "FROM debian:12\nARG USERNAME\nRUN useradd -m $USERNAME\n"},
			{name: "user from a script", json: `{"build": {"dockerfile": "Dockerfile"}, "remoteUser": "alice"}`, dockerfile: "FROM debian:12\nCOPY setup.sh /tmp/\nRUN /tmp/setup.sh\n"},
			{name: "ubuntu's own user", json: `{"image": "ubuntu:24.04", "remoteUser": "ubuntu"}`},
			{name: "system account", json: `{"image": "debian:12", "containerUser": "www-data"}`},
			{name: "a UID", json: `{"image": "debian:12", "containerUser": "1000:1000"}`},
			{name: "dockerfile that creates nobody", json: "{\n  \"build\": {\"dockerfile\": \"Dockerfile\"},\n  \"remoteUser\": \"alice\"\n}", dockerfile: "FROM debian:12\nRUN apt-get update\n", want: []string{"3:3"}},
		},
		"CR214": {
			{name: "array command not on the image", json: "{\n  \"image\": \"debian:12\",\n  \"postCreateCommand\": [\"curl\", \"-fsSL\", \"https://example.com\"]\n}", want: []string{"3:25"}},
			{name: "parallel entry not on the image", json: "{\n  \"image\": \"debian:12\",\n  \"postStartCommand\": {\"a\": \"make\", \"b\": [\"git\", \"pull\"]}\n}", want: []string{"3:43"}},
			{name: "string command", json: `{"image": "debian:12", "postCreateCommand": "curl -fsSL https://example.com"}`},
			{name: "tool present", json: `{"image": "buildpack-deps:bookworm", "postCreateCommand": ["curl", "x"]}`},
			{name: "a command line as one element", json: "{\n  \"image\": \"ghcr.io/acme/rust:1\",\n  \"onCreateCommand\": [\"cargo build\", \"cargo check\"]\n}", want: []string{"3:23"}},
			{name: "a parallel entry's command line as one element", json: "{\n  \"build\": {\"dockerfile\": \"Dockerfile\"},\n  \"postStartCommand\": {\"a\": [\"npm run dev\"]}\n}", files: []string{".devcontainer/Dockerfile"}, want: []string{"3:30"}},
			{name: "one word per element", json: `{"image": "ghcr.io/acme/rust:1", "onCreateCommand": ["cargo", "build"]}`},
		},
		"CR215": {
			{name: "root config", path: ".devcontainer.json", json: `{"image": "x"}`, want: []string{"1:1"}},
			{name: "named folder shadowed by the default", path: ".devcontainer/go/devcontainer.json", json: `{"image": "x"}`, siblings: []string{".devcontainer/devcontainer.json", ".devcontainer/go/devcontainer.json"}, want: []string{"1:1"}},
			{name: "only named folder: envbuilder picks it", path: ".devcontainer/go/devcontainer.json", json: `{"image": "x"}`, siblings: []string{".devcontainer/go/devcontainer.json"}},
			{name: "second named folder", path: ".devcontainer/python/devcontainer.json", json: `{"image": "x"}`, siblings: []string{".devcontainer/go/devcontainer.json", ".devcontainer/python/devcontainer.json"}, want: []string{"1:1"}},
			{name: "first named folder", path: ".devcontainer/go/devcontainer.json", json: `{"image": "x"}`, siblings: []string{".devcontainer/go-1/devcontainer.json", ".devcontainer/go/devcontainer.json"}},
			{name: "root devcontainer.json on disk shadows a folder", path: ".devcontainer/go/devcontainer.json", json: `{"image": "x"}`, files: []string{"devcontainer.json"}, want: []string{"1:1"}},
			{name: "below the repository root", path: "app/.devcontainer/devcontainer.json", json: `{"image": "x"}`, want: []string{"1:1"}},
			{name: "default location", json: `{"image": "x"}`},
			{name: "native", path: ".devcontainer.json", json: `{"image": "x"}`, builder: ConfigBuilderNative},
		},
		"CR220": {
			// The scan notes a template source (scan's TestTemplates); the rule itself reports nothing.
			{name: "noted by the scan", json: "{\n  \"image\": \"x:${templateOption:v}\"\n}"},
		},
		"CR216": {
			{name: "trailing commas, one finding per line", json: "{\n  \"image\": \"x\",\n  \"runArgs\": [\"a\",],\n}", want: []string{"3:18"}, edit: `  "runArgs": ["a"]`},
			{name: "comma before a comment", json: "{\n  \"image\": \"x\", // last\n}", want: []string{"2:15"}, edit: `  "image": "x" // last`},
			{name: "none", json: `{"image": "x"}`},
		},
	}
	for id, cases := range refsCases {
		tests[id] = append(tests[id], cases...)
	}
	for id, cases := range tests {
		if Lookup(id) == nil {
			t.Fatalf("%s is not registered", id)
		}
		for _, tc := range cases {
			t.Run(id+"/"+tc.name, func(t *testing.T) {
				fs := runDevcontainerCase(t, id, tc)
				var got []string
				for _, f := range fs {
					got = append(got, fmt.Sprintf("%d:%d", f.Location.StartLine, f.Location.StartCol))
				}
				slices.Sort(got)
				want := slices.Clone(tc.want)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("findings at %v, want %v: %+v", got, want, fs)
				}
				if tc.message != "" && !strings.Contains(fs[0].Message, tc.message) {
					t.Fatalf("message %q, want it to hold %q", fs[0].Message, tc.message)
				}
				if tc.edit == "-" {
					// A fix that describes what to do but edits nothing.
					if fs[0].Fix == nil || len(fs[0].Fix.Edits) != 0 {
						t.Fatalf("fix %+v, want a description and no edit", fs[0].Fix)
					}
				} else if tc.edit != "" {
					if fs[0].Fix == nil || len(fs[0].Fix.Edits) == 0 || fs[0].Fix.Edits[0].Text != tc.edit {
						t.Fatalf("fix %+v, want edit %q", fs[0].Fix, tc.edit)
					}
				}
			})
		}
	}
	for _, r := range Rules() {
		if r.Family == FamilyDevcontainer {
			if _, ok := tests[r.ID]; !ok {
				t.Errorf("%s has no test cases", r.ID)
			}
		}
	}
}

func TestDevcontainerIgnoreComments(t *testing.T) {
	src := "{\n  \"image\": \"x\",\n  // coderready:ignore=CR207\n  \"forwardPorts\": [3000],\n  \"mounts\": [], // coderready:ignore=CR207,CR209\n  \"appPort\": 3000\n}"
	fs := runDevcontainerCase(t, "CR207", dcCase{json: src})
	if len(fs) != 1 || fs[0].Location.StartLine != 6 {
		t.Fatalf("want only the appPort finding on line 6, got %+v", fs)
	}
	if !strings.Contains(fs[0].Message, "appPort") {
		t.Fatalf("message %q", fs[0].Message)
	}
}

func TestDevcontainerIgnoreCoversProperty(t *testing.T) {
	src := "{\n  \"image\": \"x\",\n  // coderready:ignore=CR207 set by the template\n  \"build\": {\n    \"dockerfile\": \"D\",\n    \"options\": [\"--network=host\"]\n  },\n  \"mounts\": []\n}"
	fs := runDevcontainerCase(t, "CR207", dcCase{json: src, files: []string{".devcontainer/D"}})
	if len(fs) != 1 || fs[0].Location.StartLine != 8 {
		t.Fatalf("want only the mounts finding on line 8, got %+v", fs)
	}
}

// TestOutsidePathIsNotRead: a path the config names that leads out of the
// repository through a symlink is a warning on its line saying it was not
// read — never a read, and not an error (the link may be meant for a
// machine where its target exists).
func TestOutsidePathIsNotRead(t *testing.T) {
	got := runDevcontainerCase(t, "CR203", dcCase{
		json:  "{\n  \"build\": {\"dockerfile\": \"Dockerfile\", \"context\": \"../up\"},\n  \"dockerComposeFile\": \"c.yml\"\n}",
		files: []string{".devcontainer/Dockerfile"},
		links: map[string]string{"up": "..", ".devcontainer/c.yml": "/etc/passwd"},
	})
	want := []string{
		"2:41 warning: the build context `up` resolves outside the repository: not read",
		"3:3 warning: the Compose file `.devcontainer/c.yml` resolves outside the repository: not read",
	}
	var lines []string
	for _, f := range got {
		lines = append(lines, fmt.Sprintf("%d:%d %s: %s", f.Location.StartLine, f.Location.StartCol, f.Severity, f.Message))
		if strings.Contains(f.Message, "root:") {
			t.Fatalf("a finding quotes the file it must not read: %s", f.Message)
		}
	}
	if !slices.Equal(lines, want) {
		t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestCR206RunArgsValue: a runArgs flag whose value is the next entry is
// quoted with it, so the message says what is asked for.
func TestCR206RunArgsValue(t *testing.T) {
	fs := runDevcontainerCase(t, "CR206", dcCase{json: `{"image": "x", "runArgs": ["--cap-add=SYS_PTRACE", "--security-opt", "seccomp=unconfined", "--privileged", "--init"]}`})
	var got []string
	for _, f := range fs {
		got = append(got, f.Message)
	}
	want := []string{
		"`runArgs` `--cap-add=SYS_PTRACE` asks for privileges the workspace usually does not have",
		"`runArgs` `--security-opt seccomp=unconfined` asks for privileges the workspace usually does not have",
		"`runArgs` `--privileged` asks for privileges the workspace usually does not have",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("messages:\n%q\nwant\n%q", got, want)
	}
}

// TestCR215TemplateSource: a Dev Container Template source is copied into
// a project's .devcontainer before it is built, so where it sits now
// (templates/base/.devcontainer/) is not reported; the same config as a
// project's own is.
func TestCR215TemplateSource(t *testing.T) {
	const p = "variants/base/.devcontainer/devcontainer.json"
	c, err := devcontainer.Parse(p, []byte(`{"image": "mcr.microsoft.com/devcontainers/base:${templateOption:imageVariant}"}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range []*Template{nil, {Path: p, Kind: TemplateDevcontainer, Manifest: "variants/base/devcontainer-template.json"}} {
		in := &DevcontainerInput{Devcontainer: c, Config: DefaultConfig(), Siblings: []string{p}, Template: tm}
		var got []Finding
		for _, f := range CheckDevcontainer(in) {
			if f.RuleID == "CR215" {
				got = append(got, f)
			}
		}
		if want := tm == nil; (len(got) == 1) != want {
			t.Errorf("template %v: CR215 %+v", tm != nil, got)
		}
	}
}

// TestCR215Elsewhere: a config outside the root's .devcontainer is
// reported, but not in a project skeleton a generator renders into a new
// repository's root, nor a Compose config, which envbuilder cannot build
// wherever it sits.
func TestCR215Elsewhere(t *testing.T) {
	for _, tc := range []struct {
		path, json string
		siblings   []string
		want       bool
	}{
		{"tools/dev/.devcontainer/devcontainer.json", `{"image": "debian:12"}`, nil, true},
		{"nf_core/pipeline-template/.devcontainer/devcontainer.json", `{"image": "debian:12"}`, nil, false},
		{"{{cookiecutter.project_slug}}/.devcontainer/devcontainer.json", `{"image": "debian:12"}`, nil, false},
		{"project_skeleton/.devcontainer/devcontainer.json", `{"image": "debian:12"}`, nil, false},
		{"dev/internal_dev/.devcontainer/devcontainer.json", `{"dockerComposeFile": "compose.yml", "service": "app"}`, nil, false},
		{"dev/internal_dev/.devcontainer/devcontainer.json", `{"image": "debian:12"}`, nil, true},
		// The root's devcontainer.json is envbuilder's second place: its
		// pick alone, shadowed by .devcontainer/devcontainer.json.
		{"devcontainer.json", `{"image": "debian:12"}`, nil, false},
		{"devcontainer.json", `{"image": "debian:12"}`, []string{".devcontainer/devcontainer.json"}, true},
	} {
		c, err := devcontainer.Parse(tc.path, []byte(tc.json))
		if err != nil {
			t.Fatal(err)
		}
		in := &DevcontainerInput{Devcontainer: c, Config: DefaultConfig(), Siblings: append([]string{tc.path}, tc.siblings...)}
		got := 0
		for _, f := range CheckDevcontainer(in) {
			if f.RuleID == "CR215" {
				got++
			}
		}
		if (got == 1) != tc.want {
			t.Errorf("%s %s (beside %q): %d CR215 findings, want reported %v", tc.path, tc.json, tc.siblings, got, tc.want)
		}
	}
}

// lockNode is a devcontainer-lock.json as the Dev Containers CLI writes
// it, pinning the unversioned node feature.
const lockNode = `{
  "features": {
    "ghcr.io/devcontainers/features/node": {
      "version": "1.6.1",
      "resolved": "ghcr.io/devcontainers/features/node@sha256:71590121aaf7b2b073220374d4f40e4fb6f0d5fd0d3b9e5e1ab2fe7e5bd2ce5b",
      "integrity": "sha256:71590121aaf7b2b073220374d4f40e4fb6f0d5fd0d3b9e5e1ab2fe7e5bd2ce5b"
    }
  }
}`

// TestCR222LocalSocketFeature: a local copy of docker-outside-of-docker
// (its `mounts` bind the host's Docker socket, its entrypoint proxies it)
// is told what docker-outside-of-docker is told: envbuilder brings no
// socket in, so starting its entrypoint would not help. A local feature
// with other mounts keeps the plain entrypoint message.
func TestCR222LocalSocketFeature(t *testing.T) {
	cfg := "{\n  \"image\": \"x\",\n  \"features\": {\n    \"./configure\": {}\n  }\n}"
	for _, tc := range []struct {
		name, feature, want string
	}{
		{"an object mount of the socket", `{"id": "configure", "mounts": [{"source": "/var/run/docker.sock", "target": "/var/run/docker-host.sock", "type": "bind"}], "entrypoint": "/usr/local/share/entrypoint.sh"}`,
			"needs the host's Docker socket"},
		{"a mount string of the socket", `{"id": "configure", "mounts": ["source=/var/run/docker.sock,target=/var/run/docker-host.sock,type=bind"], "entrypoint": "/usr/local/share/entrypoint.sh"}`,
			"needs the host's Docker socket"},
		{"another mount", `{"id": "configure", "mounts": [{"source": "cache", "target": "/cache", "type": "volume"}], "entrypoint": "/usr/local/share/svc-init.sh"}`,
			"starts what it sets up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := runDevcontainerCase(t, "CR222", dcCase{json: cfg, contents: map[string]string{".devcontainer/configure/devcontainer-feature.json": tc.feature}})
			if len(fs) != 1 || !strings.Contains(fs[0].Message, tc.want) {
				t.Fatalf("findings %+v, want one saying %q", fs, tc.want)
			}
		})
	}
}

// TestCR219ExecForm: a variable in a lifecycle command is explained by
// who reads it: a string (or an `sh -c` array) is a shell's, which
// expands it to nothing; any other array is exec'd, and the program gets
// the text as it is.
func TestCR219ExecForm(t *testing.T) {
	for _, tc := range []struct {
		name, json, want string
	}{
		{"a string", `{"image": "x", "postStartCommand": "dotnet build ${containerWorkspaceFolder}/src"}`, "the shell expands it to an empty string"},
		{"an array", `{"image": "x", "postStartCommand": ["dotnet", "build", "${containerWorkspaceFolder}/src"]}`, "the program gets the text `${containerWorkspaceFolder}` as it is"},
		{"an sh -c array", `{"image": "x", "postStartCommand": ["sh", "-c", "cd ${containerWorkspaceFolder}"]}`, "the shell expands it to an empty string"},
		{"an object's array entry", `{"image": "x", "postCreateCommand": {"build": ["make", "-C", "${containerWorkspaceFolder}"]}}`, "as it is"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := runDevcontainerCase(t, "CR219", dcCase{json: tc.json})
			if len(fs) != 1 || !strings.Contains(fs[0].Message, tc.want) {
				t.Fatalf("findings %+v, want one saying %q", fs, tc.want)
			}
		})
	}
}

// TestCR203CaseTwin: a missing Dockerfile whose folder holds one of the
// same name but for case says so, as the reason macOS and Windows build it.
func TestCR203CaseTwin(t *testing.T) {
	got := runDevcontainerCase(t, "CR203", dcCase{json: `{"build": {"dockerfile": "Dockerfile"}}`, files: []string{".devcontainer/DockerFile"}})
	if len(got) != 1 || !strings.Contains(got[0].Message, "`.devcontainer/DockerFile` differs only in case") {
		t.Fatalf("CR203 %+v, want one finding naming the case twin", got)
	}
	got = runDevcontainerCase(t, "CR203", dcCase{json: `{"build": {"dockerfile": "Dockerfile"}}`, files: []string{".devcontainer/Containerfile"}})
	if len(got) != 1 || strings.Contains(got[0].Message, "differs only in case") {
		t.Fatalf("CR203 %+v, want one finding naming no twin", got)
	}
}
