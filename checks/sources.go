package checks

// Source is where the fact a rule stands on is written down.
type Source struct {
	Title string
	// Where names the repository and path (or page) to read.
	Where string
	URL   string
}

// Sources are the references rule docs cite, keyed by the short names used in
// RULES.md.
var Sources = map[string]Source{
	"seed": {
		Title: "Coder docs: Image Management",
		Where: "coder/coder docs/admin/templates/managing-templates/image-management.md",
		URL:   "https://coder.com/docs/admin/templates/managing-templates/image-management",
	},
	"bootstrap": {
		Title: "Coder agent bootstrap script (Linux)",
		Where: "coder/coder provisionersdk/scripts/bootstrap_linux.sh, provisionersdk/agent.go",
		URL:   "https://github.com/coder/coder/blob/main/provisionersdk/scripts/bootstrap_linux.sh",
	},
	"agent": {
		Title: "Coder agent: user shell and SSH sessions",
		Where: "coder/coder agent/usershell, agent/agentssh",
		URL:   "https://github.com/coder/coder/tree/main/agent/usershell",
	},
	"templates": {
		Title: "Coder example templates (docker, kubernetes)",
		Where: "coder/coder examples/templates/docker/main.tf, examples/templates/kubernetes/main.tf",
		URL:   "https://github.com/coder/coder/tree/main/examples/templates/docker",
	},
	"templates-envbuilder": {
		Title: "Coder example templates (docker-envbuilder, kubernetes-envbuilder)",
		Where: "coder/coder examples/templates/docker-envbuilder/main.tf, examples/templates/kubernetes-envbuilder/main.tf",
		URL:   "https://github.com/coder/coder/tree/main/examples/templates/docker-envbuilder",
	},
	"docker-bind": {
		Title: "Docker docs: bind mounts (a missing source with --mount)",
		Where: "docs.docker.com engine/storage/bind-mounts: \"Differences between -v and --mount behavior\"",
		URL:   "https://docs.docker.com/engine/storage/bind-mounts/",
	},
	"ide": {
		Title: "IDE server requirements (VS Code Remote, code-server, JetBrains)",
		Where: "microsoft/vscode-docs docs/remote/linux.md; coder/code-server docs/requirements.md; JetBrains remote development system requirements",
		URL:   "https://code.visualstudio.com/docs/remote/linux",
	},
	"envbuilder": {
		Title: "envbuilder: devcontainer spec support",
		Where: "coder/envbuilder docs/devcontainer-spec-support.md, devcontainer/devcontainer.go",
		URL:   "https://github.com/coder/envbuilder/blob/main/docs/devcontainer-spec-support.md",
	},
	"native": {
		Title: "Coder Dev Containers integration",
		Where: "coder/coder agent/agentcontainers, docs/user-guides/devcontainers",
		URL:   "https://coder.com/docs/user-guides/devcontainers",
	},
	"spec": {
		Title: "Dev Container metadata reference and schema",
		Where: "containers.dev implementors/json_reference; devcontainers/spec schemas/devContainer.base.schema.json",
		URL:   "https://containers.dev/implementors/json_reference/",
	},
	"ca": {
		Title: "Go's system trust store locations",
		Where: "golang/go src/crypto/x509/root_linux.go",
		URL:   "https://github.com/golang/go/blob/master/src/crypto/x509/root_linux.go",
	},
	"image-ref": {
		Title: "The image reference grammar",
		Where: "distribution/reference reference.go (the grammar Docker, BuildKit and go-containerregistry parse by)",
		URL:   "https://github.com/distribution/reference/blob/main/reference.go",
	},
	"base-passwd": {
		Title: "Debian's base-passwd: the system accounts of every Debian and Ubuntu image",
		Where: "debian/base-passwd passwd.master (www-data, nobody, daemon, …: /usr/sbin/nologin)",
		URL:   "https://salsa.debian.org/debian/base-passwd/-/blob/master/passwd.master",
	},
	"alpine-update-ca": {
		Title: "Alpine's update-ca-certificates",
		Where: "alpine/ca-certificates update-ca.c (main: every regular file of /usr/local/share/ca-certificates is added)",
		URL:   "https://gitlab.alpinelinux.org/alpine/ca-certificates/-/blob/master/update-ca.c",
	},
	"systemd": {
		Title: "Coder docs: Docker in workspaces (Systemd in Docker)",
		Where: "coder/coder docs/admin/templates/extending-templates/docker-in-workspaces.md",
		URL:   "https://coder.com/docs/admin/templates/extending-templates/docker-in-workspaces",
	},
	"envbuilder-vars": {
		Title: "envbuilder: variables in devcontainer.json",
		Where: "coder/envbuilder devcontainer/devcontainer.go (SubstituteVars, Compile), envbuilder.go (containerEnv, remoteEnv)",
		URL:   "https://github.com/coder/envbuilder/blob/main/devcontainer/devcontainer.go",
	},
	"envbuilder-workspace": {
		Title: "envbuilder: where the repository is cloned and lifecycle commands run",
		Where: "coder/envbuilder docs/env-variables.md (ENVBUILDER_WORKSPACE_FOLDER: `[workspace base dir]/[name]`), envbuilder.go (os.Chdir(opts.WorkspaceFolder) before the lifecycle scripts)",
		URL:   "https://github.com/coder/envbuilder/blob/main/docs/env-variables.md",
	},
	"envbuilder-features": {
		Title: "envbuilder: how features are fetched and ordered",
		Where: "coder/envbuilder devcontainer/devcontainer.go (compileFeatures), devcontainer/features/features.go (Extract)",
		URL:   "https://github.com/coder/envbuilder/blob/main/devcontainer/devcontainer.go",
	},
	"cli-features": {
		Title: "Dev Containers CLI: legacy feature IDs",
		Where: "devcontainers/cli src/spec-configuration/containerFeaturesConfiguration.ts (getBackwardCompatibleFeatureId)",
		URL:   "https://github.com/devcontainers/cli/blob/main/src/spec-configuration/containerFeaturesConfiguration.ts",
	},
	"dockerfile": {
		Title: "Dockerfile reference",
		Where: "docker/docs content/reference/dockerfile.md; moby/buildkit frontend/dockerfile/parser",
		URL:   "https://docs.docker.com/reference/dockerfile/",
	},
}
