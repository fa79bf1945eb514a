package checks

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/coderready/coderready/devcontainer"
	"github.com/coderready/coderready/internal/suggest"
)

// privilegedFeatures are features that need a privileged container.
var privilegedFeatures = []string{"docker-in-docker"}

// ignoredByEnvbuilder are the properties CR207 reports, one finding each.
var ignoredByEnvbuilder = []string{"forwardPorts", "portsAttributes", "otherPortsAttributes", "mounts", "runArgs", "init",
	"overrideCommand", "shutdownAction", "updateRemoteUserUID", "userEnvProbe", "workspaceFolder", "workspaceMount",
	"appPort", "hostRequirements", "postAttachCommand", "waitFor", "overrideFeatureInstallOrder", "secrets"}

// coderDisplayApps are the keys `customizations.coder.displayApps` accepts.
var coderDisplayApps = []string{"web_terminal", "ssh_helper", "port_forwarding_helper", "vscode", "vscode_insiders"}

var coderName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// coderSlug is codersdk's AppSlugRegex.
var coderSlug = regexp.MustCompile(`^[a-z0-9](-?[a-z0-9])*$`)

// coderKeys are the members of customizations.coder Coder reads
// (agentcontainers.CoderCustomization); coderAppKeys those of one app
// (agentcontainers.SubAgentApp).
var (
	coderKeys    = []string{"name", "ignore", "autoStart", "displayApps", "apps"}
	coderAppKeys = []string{"slug", "command", "displayName", "external", "group", "healthCheck", "hidden", "icon", "openIn",
		"order", "share", "subdomain", "url"}
)

// unknownKeys reports each member of the object at ptr that is not in
// known, suggesting (and, when the key is alone on its line, renaming to)
// the closest known name.
func unknownKeys(c *devcontainer.Config, ptr string, known []string, what string) []Finding {
	var out []Finding
	for _, k := range c.Members(ptr) {
		if slices.Contains(known, k) {
			continue
		}
		p := ptr + "/" + strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
		f := dcAt(c, p, fmt.Sprintf("Coder does not read %s key %q", what, k))
		if best, ok := suggest.Typo(k, known); ok {
			f.Message += fmt.Sprintf(": did you mean %q?", best)
			if e, ok := dcLineEdit(c, c.Pos(p).Line, quotedKey(k), quotedKey(best)); ok {
				f.Fix = &Fix{Description: "rename it to `" + best + "`", Edits: []Edit{e}}
			}
		}
		out = append(out, f)
	}
	return out
}

// systemUsers are the accounts the base images of the well-known table
// ship (Debian/Ubuntu base-passwd, Alpine, Fedora): naming one is not a
// missing user.
var systemUsers = []string{"root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
	"www-data", "backup", "list", "irc", "gnats", "_apt", "nobody", "adm", "shutdown", "halt", "operator", "postmaster",
	"cron", "ftp", "sshd", "at", "squid", "xfs", "guest", "utmp", "ntp", "smmsp", "tss", "systemd-network",
	"systemd-resolve", "systemd-timesync", "messagebus", "dbus"}

func init() {
	Register(&Rule{
		ID: "CR204", Title: "initializeCommand runs in the wrong place", Severity: SeverityWarning, Family: FamilyDevcontainer,
		What: "The config sets `initializeCommand`. Under Coder's native integration (always for a Docker Compose config, " +
			"which envbuilder cannot build) the command runs in the workspace, which is the Docker host there: it is reported " +
			"only when it uses what only the developer's machine has (`${localEnv:…}` but for the places every machine has: " +
			"`HOME`, `PATH`, `SHELL`, `PWD`, `TMPDIR`; `~/.ssh`, `gh auth`, `ssh-add`, its X server through `xhost`, its global git config read with `git config --global -l`, a " +
			"Windows program); preparing the host, such as `mkdir -p` of bind-mount sources, is where it should be. A command " +
			"that only makes folders, empty files or named volumes for them (`[ -f ~/.npmrc ] || touch ~/.npmrc`, `docker volume create`), whatever it tests, is never reported: under envbuilder the mounts it serves are ignored as well; nor is one that only prints (`echo 'Running initializeCommand'`), which loses nothing wherever it runs.",
		Why: "The spec runs `initializeCommand` on the host before the container is created — the developer's machine. " +
			"envbuilder never runs it; Coder's native integration runs it inside the workspace, not on a laptop.",
		HowToFix:     "Move the command to `onCreateCommand` (or into the Dockerfile).",
		Sources:      []string{"spec", "envbuilder", "native"},
		Devcontainer: checkCR204,
	})
	Register(&Rule{
		ID: "CR205", Title: "Dev Container runs as root", Severity: SeverityWarning, Family: FamilyDevcontainer,
		What: "The workspace would run as root: `remoteUser` or `containerUser` is `root`, or the user the builder picks is root. " +
			"The builders pick differently. envbuilder runs the workspace as `containerUser`, else the last `USER` of the " +
			"Dockerfile's final stage, else the image's user, and only then — when features are installed — `remoteUser`; it " +
			"does not apply the `remoteUser` an image's `devcontainer.metadata` label sets (the `mcr.microsoft.com/devcontainers` " +
			"images set `vscode` there). The native integration (Dev Containers CLI) uses `remoteUser`, else `containerUser`, " +
			"else the metadata's user, else the image's. The rule fires only when the image's user is known (a Dockerfile `USER`, " +
			"or a well-known base, or an image a Dockerfile of the same repository builds, matched by name when the reference " +
			"names no registry host or leaves it to a variable, or when the repository's build files tag it). A Docker Compose config is judged by the native integration " +
			"alone, on its service's `user:` (after `remoteUser` and `containerUser`), else on the stage its `build.target` names or its image (one whose variable the project's `.env` does not set is not known): envbuilder does not build it (CR202). " +
			"CR101 does not repeat this finding on the Dockerfile the config builds.",
		Why: "Coder's image guidance: workspaces should run as a non-root user; files created as root in the workspace are a " +
			"recurring pain. envbuilder's user choice is in coder/envbuilder `devcontainer/devcontainer.go` (`Compile`: " +
			"`containerUser`, `UserFromDockerfile`, `UserFromImage`; `USER ${remoteUser}` is added only after feature installs) " +
			"and `envbuilder.go` (only the label's `containerUser` is read)." + cite("seed", "envbuilder"),
		HowToFix: "Set `\"containerUser\"` (read by both builders) to the image's non-root user, e.g. `vscode`, `node` or `coder`, " +
			"or end the Dockerfile with `USER <user>`.",
		Sources:      []string{"seed", "envbuilder"},
		Devcontainer: checkCR205,
	})
	Register(&Rule{
		ID: "CR206", Title: "Needs a privileged container", Severity: SeverityWarning, Family: FamilyDevcontainer,
		What: "`privileged`, `capAdd`, `securityOpt`, `runArgs` with `--privileged`/`--cap-add`/`--security-opt`, a host device (`--device /dev/fuse`), the host's GPUs (`--gpus all`) or the host's user namespace (`--userns=host`), a feature that needs them (docker-in-docker), " +
			"or, in a Docker Compose config, the service's `privileged: true`, `cap_add`, `security_opt`, `devices` or a GPU reservation (`deploy.resources.reservations.devices` with `capabilities: [gpu]`) (reported in the Compose file). " +
			"A `no-new-privileges` security option only takes privileges away and is not reported, nor is `label=disable`, which turns off SELinux labelling and needs no privilege, " +
			"nor a capability every container already has (Docker's and containerd's default set: `NET_RAW`, `AUDIT_WRITE`, `CHOWN`, `KILL`, …).",
		Why: "Coder workspaces usually run unprivileged (Kubernetes pods, rootless hosts); envbuilder ignores these properties and " +
			"docker-in-docker fails without privileges. Under the native integration the workspace is the Docker host: `--gpus` " +
			"needs its NVIDIA container runtime, and without one Docker refuses to create the container (`could not select device " +
			"driver \"\" with capabilities: [[gpu]]`).",
		HowToFix:     "Use docker-outside-of-docker or Sysbox, or grant the privilege in the Coder template where the admin decides it.",
		Sources:      []string{"templates", "envbuilder"},
		Devcontainer: checkCR206,
	})
	Register(&Rule{
		ID: "CR207", Title: "Property envbuilder ignores", Severity: SeverityInfo, Family: FamilyDevcontainer,
		Builders: []Builder{BuilderEnvbuilder},
		What: "A property envbuilder does not read: " + "`" + strings.Join(ignoredByEnvbuilder, "`, `") + "`, `build.options`, `build.cacheFrom`; one finding per property. " +
			"A Docker Compose config is not reported: envbuilder cannot build one at all (CR202).",
		Why: "envbuilder reads only `image`, `build.{dockerfile,context,args,target}`, `dockerFile`/`context`, `remoteUser`, `containerUser`, " +
			"`containerEnv`, `remoteEnv`, `features` and the lifecycle commands from `onCreateCommand` to `postStartCommand`; the rest is ignored silently.",
		HowToFix:     "Set it in the Coder template (ports, mounts, resources) or in the Dockerfile, or remove it.",
		Sources:      []string{"envbuilder"},
		Devcontainer: checkCR207,
	})
	Register(&Rule{
		ID: "CR208", Title: "Feature not pinned or missing", Severity: SeverityWarning, Family: FamilyDevcontainer,
		What: "A feature reference without a version or with `:latest`, or a local `./feature` whose folder does not exist (not one " +
			"a `.gitignore` of the repository ignores, which a build step makes: a Makefile that copies `src` into " +
			"`test-project/.devcontainer/src`; nor one a build file copies in from elsewhere in the repository: `rsync -a features/src/ \"${SRC_DIR}/.devcontainer/features\"` with `features/src/<id>` there). " +
			"A feature the config's `devcontainer-lock.json` pins to a digest is reported only when envbuilder may build the " +
			"config (it does not read the lockfile): not for a Docker Compose config, nor under config `builder: native`.",
		Why: "An unpinned feature changes under the workspace between builds (golden images must be reproducible); a missing local " +
			"feature folder fails the build.",
		HowToFix:     "Pin the major version (`ghcr.io/devcontainers/features/go:1`), or fix the local path (relative to the `.devcontainer` folder).",
		Sources:      []string{"spec", "seed"},
		Devcontainer: checkCR208,
	})
	Register(&Rule{
		ID: "CR209", Title: "Unknown property", Severity: SeverityWarning, Family: FamilyDevcontainer,
		What: "A top-level property the Dev Container spec does not define — usually a typo, which every tool ignores silently, " +
			"or a property that belongs one level down (`gpu` in `hostRequirements`, `dockerfile` in `build`). A key that starts " +
			"with `_` or `//` (`_postCreateCommand`, `_comment`, `//`) is the JSON convention for a property switched off or a " +
			"comment, and is not reported.",
		Why: "The devcontainer.json reference and schema (devcontainers/spec `schemas/devContainer.base.schema.json`) list the " +
			"properties; an unknown one has no effect." + cite("spec"),
		HowToFix:     "Use the spec's name (the finding suggests the closest one).",
		Sources:      []string{"spec"},
		Devcontainer: checkCR209,
	})
	Register(&Rule{
		ID: "CR211", Title: "Feature install order envbuilder ignores", Severity: SeverityWarning, Family: FamilyDevcontainer,
		Builders: []Builder{BuilderEnvbuilder},
		What: "`overrideFeatureInstallOrder` asks for an order envbuilder does not follow: the features it lists, in its " +
			"order, are not the first ones in sorted order of the references as written. A one-entry list counts: " +
			"`[\"ghcr.io/devcontainers/features/common-utils\"]` beside a local `./feature` is not honoured, because " +
			"`./` sorts before every registry reference. A list that names no feature of the config is not reported (CR207 is).",
		Why: "envbuilder installs features in byte order of their references (`sort.Strings` in `compileFeatures`) and " +
			"ignores `overrideFeatureInstallOrder` (and features' own `installsAfter`/`dependsOn`), so a feature that " +
			"needs another — a local feature that configures the user `common-utils` creates — may install first and fail." +
			cite("envbuilder", "envbuilder-features"),
		HowToFix:     "Install the dependency in the Dockerfile, or merge the features, so order no longer matters.",
		Sources:      []string{"envbuilder", "envbuilder-features"},
		Devcontainer: checkCR211,
	})
	Register(&Rule{
		ID: "CR212", Title: "Invalid customizations.coder", Severity: SeverityWarning, Family: FamilyDevcontainer,
		Builders: []Builder{BuilderNative},
		What: "`customizations.coder` has a `name` that is not lowercase letters, digits and hyphens, an app without a `slug`, " +
			"with a duplicate slug or a slug Coder rejects, an unknown `displayApps` key, or a key Coder does not read (a typo " +
			"such as `displayapps` is silently ignored); or `forwardPorts` uses the `host:port` form.",
		Why: "Coder's Dev Containers integration reads `customizations.coder` into `CoderCustomization` (`name`, `ignore`, " +
			"`autoStart`, `displayApps`, `apps`) and each app into `SubAgentApp` (coder/coder `agent/agentcontainers`); app slugs " +
			"must match `^[a-z0-9](-?[a-z0-9])*$` (codersdk `AppSlugRegex`); `host:port` forwards are not supported." + cite("native"),
		HowToFix:     "Use the valid value the finding names.",
		Sources:      []string{"native"},
		Devcontainer: checkCR212,
	})
	Register(&Rule{
		ID: "CR213", Title: "Dev Container user does not exist", Severity: SeverityWarning, Family: FamilyDevcontainer,
		What: "`remoteUser`/`containerUser` is not a user of the image. Without the built image this fires only when it is " +
			"certain: the base is a well-known image whose users are known (its non-root user, UID 1000 user and the " +
			"distribution's system accounts count as present), no feature is used (features such as common-utils create " +
			"users), and the Dockerfile neither mentions the user nor creates users in a way that cannot be read statically " +
			"(`useradd`/`adduser` with variables, scripts, copies into `/etc`). When in doubt it stays silent; the image " +
			"rules (CR309) judge the built image. It stands on the table of well-known images, so it is a warning, never an error.",
		Why: "The agent starts sessions as that user, looked up in `/etc/passwd`; a missing user fails the workspace start." +
			cite("agent", "spec"),
		HowToFix:     "Create the user in the Dockerfile (`useradd --create-home --shell /bin/bash --uid 1000 <name>`) or pick an existing one.",
		Sources:      []string{"agent", "spec"},
		Devcontainer: checkCR213,
	})
	Register(&Rule{
		ID: "CR214", Title: "Lifecycle command cannot run", Severity: SeverityWarning, Family: FamilyDevcontainer,
		What: "A string lifecycle command on an image without `/bin/sh`, or an array command whose program is not on the image's PATH. " +
			"Without the built image this fires only for well-known bases whose tools are known: the table of well-known images is its evidence, so it is a warning, never an error. " +
			"Whatever the image, an array command whose program holds a blank (`[\"cargo build\", \"cargo check\"]`: a command line " +
			"written as one element) is reported from the file: no shell splits it, so the program looked for is `cargo build`.",
		Why:          "The spec runs a string command with `/bin/sh -c` and an array command directly; a missing program fails the workspace start.",
		HowToFix:     "Install the program in the Dockerfile, or call it by a path that exists; write a command line as a string (`\"cargo build && cargo check\"`) or one word per element.",
		Sources:      []string{"spec"},
		Devcontainer: checkCR214,
	})
	Register(&Rule{
		ID: "CR216", Title: "Trailing comma", Severity: SeverityInfo, Family: FamilyDevcontainer,
		What:         "A comma before a closing `}` or `]`; one finding per line, whose fix removes every trailing comma on it.",
		Why:          "envbuilder and the Dev Containers CLI accept it (JSONC), but the spec's JSON schema (`allowTrailingCommas: false`) and strict JSON tools reject the file." + cite("spec", "envbuilder"),
		HowToFix:     "Remove the comma.",
		Sources:      []string{"spec", "envbuilder"},
		Devcontainer: checkCR216,
	})
}

// checkCR204 reports an initializeCommand, which no Coder builder runs on
// the developer's machine; the fix renames it to onCreateCommand when that
// is free.
func checkCR204(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	if !c.Has("/initializeCommand") {
		return nil
	}
	// A command that only makes folders (`mkdir -p` of bind-mount sources)
	// prepares the Docker host: under the native integration the workspace
	// is that host, so it runs where it should; under envbuilder the mounts
	// it serves are ignored too (CR207), and moving it into the container
	// would run it after Docker needed the folders. Under the native
	// integration (and with Compose, which is its alone: CR202) only a
	// command that needs the developer's own machine is in the wrong place.
	cmd := c.Command("initializeCommand")
	if onlyMakesMountSources(cmd) || onlyPrints(cmd) {
		return nil
	}
	native := in.Config.builder() == ConfigBuilderNative ||
		c.Has("/dockerComposeFile") && in.Config.builder() != ConfigBuilderEnvbuilder
	if native {
		what := laptopOnly(cmd)
		if what == "" {
			return nil
		}
		return []Finding{dcAt(c, "/initializeCommand", "`initializeCommand` runs in the Coder workspace, not on the developer's machine, "+
			"but it uses "+what+", which only the developer's machine has")}
	}
	msg := "`initializeCommand` never runs under envbuilder, and under Coder's native integration it runs in the workspace, not on the developer's machine"
	switch in.Config.builder() {
	case ConfigBuilderEnvbuilder:
		msg = "`initializeCommand` never runs under envbuilder"
	case ConfigBuilderNative:
		msg = "`initializeCommand` runs in the Coder workspace, not on the developer's machine"
	}
	f := dcAt(c, "/initializeCommand", msg)
	if !c.Has("/onCreateCommand") {
		if e, ok := dcLineEdit(c, c.Pos("/initializeCommand").Line, `"initializeCommand"`, `"onCreateCommand"`); ok {
			f.Fix = &Fix{Description: "run it as `onCreateCommand` instead", Edits: []Edit{e}}
		}
	}
	return []Finding{f}
}

// commandScripts returns the command lines of a lifecycle command and of
// its parallel entries (commandParts).
func commandScripts(cmd *devcontainer.Command) []string {
	var scripts []string
	for _, p := range commandParts(cmd) {
		scripts = append(scripts, p.script)
	}
	return scripts
}

// commandPart is one command line of a lifecycle command and whether it
// is an array exec'd without a shell.
type commandPart struct {
	script string
	exec   bool
}

// commandParts are the command lines of a lifecycle command and of its
// parallel entries: the string form and the script of `bash -c` / `sh -c`
// (with the arguments after it), which a shell reads, else the array's
// words joined, which are exec'd as they are.
func commandParts(cmd *devcontainer.Command) []commandPart {
	if cmd == nil {
		return nil
	}
	var out []commandPart
	for _, c := range append([]devcontainer.Command{*cmd}, cmd.Parallel...) {
		switch {
		case c.Shell != "":
			out = append(out, commandPart{script: c.Shell})
		case len(c.Args) >= 3 && (path.Base(c.Args[0]) == "bash" || path.Base(c.Args[0]) == "sh") && c.Args[1] == "-c":
			out = append(out, commandPart{script: strings.Join(c.Args[2:], " ")})
		case len(c.Args) > 0:
			out = append(out, commandPart{script: strings.Join(c.Args, " "), exec: true})
		}
	}
	return out
}

// onlyMakesMountSources reports whether a lifecycle command only makes bind-mount
// sources: folders (`mkdir`), empty files (`touch`) or named volumes
// (`docker volume create --opt o=bind cccl-build`), also under a test of
// whether they are there (`[ -f ~/.npmrc ] || touch ~/.npmrc`) or of the
// machine (`if test -z "${localEnv:WSLENV}"`).
func onlyMakesMountSources(cmd *devcontainer.Command) bool {
	return onlyRuns(commandScripts(cmd), "mkdir", "touch", "docker volume create", "podman volume create")
}

// onlyPrints reports whether a lifecycle command only prints
// (`echo '✅ Running initializeCommand...'`): wherever it runs, or if it
// never does, nothing is lost.
func onlyPrints(cmd *devcontainer.Command) bool {
	scripts := commandScripts(cmd)
	// `echo x > ~/.npmrc` writes a file.
	if slices.ContainsFunc(scripts, func(sc string) bool { return strings.Contains(sc, ">") }) {
		return false
	}
	return onlyRuns(scripts, "echo", "printf", "true", ":")
}

// onlyRuns reports whether every command of a lifecycle command's
// scripts (commandScripts) is one of names, with tests (`[`, `test`) and
// the shell's keywords around them.
func onlyRuns(scripts []string, names ...string) bool {
	if len(scripts) == 0 {
		return false
	}
	made := false
	for _, sc := range scripts {
		for _, part := range strings.FieldsFunc(sc, func(r rune) bool { return r == ';' || r == '&' || r == '|' || r == '\n' }) {
			f := strings.Fields(part)
			// `if [ ! -f ~/.npmrc ]; then touch ~/.npmrc; fi`: the
			// shell's keywords around the commands.
			for len(f) > 0 && slices.Contains([]string{"if", "then", "else", "elif", "!"}, f[0]) {
				f = f[1:]
			}
			if len(f) == 1 && f[0] == "fi" {
				continue
			}
			if len(f) == 0 {
				return false
			}
			switch b := path.Base(f[0]); {
			case slices.Contains(names, b) || len(f) >= 3 && slices.Contains(names, b+" "+f[1]+" "+f[2]):
				// A folder, or an empty file (`touch ~/.npmrc` for a
				// file's bind mount); a line printed.
				made = true
			case b == "[" || b == "test" || b == "set":
				// `[ -f ~/.npmrc ] || touch ~/.npmrc`: only when missing;
				// `set -euo pipefail`: the shell's options.
			default:
				return false
			}
		}
	}
	return made
}

// laptopSigns are what a command uses of the developer's own machine.
var laptopSigns = regexp.MustCompile(`\$\{localEnv:[^}]*\}|~/\.ssh|\$HOME/\.ssh|~/\.aws|~/\.kube|~/\.gitconfig|\bssh-add\b|\bgh auth\b|\bop (?:read|signin|item)\b|\bgcloud auth\b|\baws sso\b|\bsecurity find-\w+-password\b|\.exe\b|\bpowershell\b|\bcmd /c\b|\bxhost\b|\bgit config\b[^|;&\n]*--global\b[^|;&\n]*\s(?:-l|--list|--get(?:-all|-regexp)?)\b|\bgit config\b[^|;&\n]*\s(?:-l|--list|--get(?:-all|-regexp)?)\b[^|;&\n]*--global\b`)

// everywhereEnv are places every machine has, the workspace too (not the
// developer's identity: USER, HOSTNAME): a
// `${localEnv:HOME}` there is the workspace's home.
var everywhereEnv = []string{"HOME", "PATH", "SHELL", "PWD", "TMPDIR"}

// laptopOnly returns the first thing a lifecycle command uses that only
// the developer's machine has (`${localEnv:GITHUB_TOKEN}`, `~/.ssh`, `gh
// auth`, its X server through `xhost`), "" when it uses none.
// `${localEnv:HOME}` is not one: the workspace has a home too.
func laptopOnly(cmd *devcontainer.Command) string {
	for _, t := range commandScripts(cmd) {
		for _, m := range laptopSigns.FindAllString(t, -1) {
			if name, ok := strings.CutPrefix(m, "${localEnv:"); ok {
				name, _, _ = strings.Cut(strings.TrimSuffix(name, "}"), ":")
				if slices.Contains(everywhereEnv, name) {
					continue
				}
			}
			return "`" + m + "`"
		}
	}
	return ""
}

// asksNothing reports whether a security option asks nothing of the
// workspace: `no-new-privileges` (also `:true` or `=true`) only takes
// privileges away, and `label=disable` (`label:disable`) turns off SELinux
// labelling, which any Docker engine accepts without a privilege.
func asksNothing(opt string) bool {
	opt = strings.TrimSpace(opt)
	for _, sep := range []string{"", ":true", "=true"} {
		if opt == "no-new-privileges"+sep {
			return true
		}
	}
	return opt == "label=disable" || opt == "label:disable"
}

// defaultCaps are the capabilities every container of a Docker engine
// (moby's oci/caps/defaults.go) and of containerd's CRI, and so a Coder
// workspace, has without asking.
var defaultCaps = []string{"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
	"SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"}

// defaultCap reports whether a `--cap-add` value (`NET_RAW`,
// `CAP_AUDIT_WRITE`, any case) names a capability every container has;
// a list (`NET_RAW,SYS_ADMIN`) counts only when each of it does.
func defaultCap(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" {
		return false
	}
	for _, c := range strings.Split(v, ",") {
		c = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CAP_")
		if !slices.Contains(defaultCaps, c) {
			return false
		}
	}
	return true
}

// checkCR206 reports each property or feature that asks for privileges
// a Coder workspace usually lacks.
func checkCR206(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	var out []Finding
	if c.Bool("/privileged") {
		out = append(out, dcAt(c, "/privileged", "`privileged: true`: Coder workspaces usually cannot run privileged"))
	}
	if slices.ContainsFunc(c.Strings("/capAdd"), func(cp string) bool { return !defaultCap(cp) }) {
		out = append(out, dcAt(c, "/capAdd", "`capAdd` asks for privileges the workspace usually does not have"))
	}
	if slices.ContainsFunc(c.Strings("/securityOpt"), func(o string) bool { return !asksNothing(o) }) {
		out = append(out, dcAt(c, "/securityOpt", "`securityOpt` asks for privileges the workspace usually does not have"))
	}
	// A Docker Compose config's runArgs are not used: the Dev Containers
	// CLI starts its service from the Compose file.
	runArgs := c.Len("/runArgs")
	if c.Has("/dockerComposeFile") {
		runArgs = 0
	}
	for i := 0; i < runArgs; i++ {
		a, _ := c.StringOK(fmt.Sprintf("/runArgs/%d", i))
		// `--device /dev/fuse` and `--userns=host` ask for the host's
		// devices and user namespace, which a workspace does not share.
		if a == "--privileged" || strings.HasPrefix(a, "--cap-add") || strings.HasPrefix(a, "--security-opt") ||
			a == "--device" || strings.HasPrefix(a, "--device=") || a == "--userns=host" || a == "--userns" ||
			a == "--gpus" || strings.HasPrefix(a, "--gpus=") {
			// `"--cap-add", "SYS_PTRACE"`: the value is the next entry.
			value, _ := strings.CutPrefix(a, "--security-opt=")
			if !strings.Contains(a, "=") && a != "--privileged" {
				if v, ok := c.StringOK(fmt.Sprintf("/runArgs/%d", i+1)); ok && !strings.HasPrefix(v, "-") {
					a += " " + v
					value = v
				}
			}
			if strings.HasPrefix(a, "--security-opt") && asksNothing(value) {
				continue
			}
			if cp, ok := strings.CutPrefix(a, "--cap-add"); ok && defaultCap(strings.TrimLeft(cp, "= ")) {
				continue
			}
			msg := fmt.Sprintf("`runArgs` `%s` asks for privileges the workspace usually does not have", a)
			if strings.HasPrefix(a, "--gpus") {
				msg = fmt.Sprintf("`runArgs` `%s` asks for the host's GPUs: where the workspace has no NVIDIA container runtime, the Dev Container is not created", a)
			}
			out = append(out, dcAt(c, fmt.Sprintf("/runArgs/%d", i), msg))
		}
	}
	// A Compose config's service asks in its Compose file.
	for _, p := range in.ComposePrivileges {
		if p.Key == "security_opt" && asksNothing(p.Value) || p.Key == "cap_add" && defaultCap(p.Value) {
			continue
		}
		what := fmt.Sprintf("`%s: %s`", p.Key, p.Value)
		if p.Key == "privileged" {
			what = "`privileged: true`"
		}
		if strings.HasPrefix(p.Key, "deploy.") {
			what = "a GPU reservation (`deploy.resources.reservations.devices` with `capabilities: [gpu]`, Compose's `--gpus`)"
		}
		out = append(out, Finding{
			Message:  fmt.Sprintf("the Compose service `%s` sets %s: Coder workspaces usually cannot grant it", c.String("/service"), what),
			Location: Location{Path: p.File, StartLine: p.Line},
		})
	}
	for _, ref := range c.Features() {
		for _, pf := range privilegedFeatures {
			if strings.Contains(featureName(ref), pf) {
				out = append(out, dcAt(c, devcontainer.FeaturePointer(ref), fmt.Sprintf("feature `%s` needs a privileged container", ref)))
			}
		}
	}
	return out
}

// checkCR207 reports each property envbuilder does not read.
func checkCR207(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	// envbuilder cannot build a Docker Compose setup at all (CR202 says
	// so): what it would ignore in one is beside the point.
	if c.Has("/dockerComposeFile") {
		return nil
	}
	var out []Finding
	for _, k := range c.Keys {
		if k == "overrideFeatureInstallOrder" && featureOrderMatters(c) {
			continue // CR211 reports it, as a warning
		}
		if slices.Contains(ignoredByEnvbuilder, k) {
			out = append(out, dcAt(c, ptr(k), fmt.Sprintf("envbuilder ignores `%s`", k)))
		}
	}
	for _, k := range []string{"options", "cacheFrom"} {
		if c.Has("/build/" + k) {
			out = append(out, dcAt(c, "/build/"+k, fmt.Sprintf("envbuilder ignores `build.%s`", k)))
		}
	}
	return out
}

// checkCR208 reports unpinned features and local features whose folder
// is missing.
func checkCR208(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	var out []Finding
	for _, m := range c.Missing(in.Files) {
		// A folder the repository's .gitignore ignores is made by a
		// build step before the build (copied in by a Makefile).
		// So is one a build file copies in from elsewhere in the
		// repository.
		if m.What == "local feature" && !m.Outside && !gitIgnored(in.Files, m.Path) && (in.CopiedIn == nil || !in.CopiedIn(m.Path)) {
			out = append(out, dcAt(c, m.Pointer, fmt.Sprintf("local feature `%s` does not exist (looked for %s)", featureRef(c, m.Pointer), m.Path)))
		}
	}
	for _, ref := range c.Features() {
		p := devcontainer.FeaturePointer(ref)
		if strings.HasPrefix(ref, "./") || strings.HasPrefix(ref, "../") || isLegacyFeatureID(ref) {
			continue // a legacy short ID is CR218's: the CLI pins it to :1
		}
		if strings.Contains(ref, "#{") || strings.Contains(ref, "{{") || strings.Contains(ref, "<%") {
			continue // a placeholder a test or generator fills in
		}
		if why := featureUnpinned(ref); why != "" {
			msg := fmt.Sprintf("feature `%s` has %s: it changes between builds", ref, why)
			if lockfile, ok := locked(in, ref); ok {
				// The Dev Containers CLI installs what the lockfile pins;
				// envbuilder does not read it (no lockfile in its source).
				if c.Has("/dockerComposeFile") || in.Config.builder() == ConfigBuilderNative || in.BuiltByCLI != "" {
					continue
				}
				msg = fmt.Sprintf("feature `%s` has %s: `%s` pins it for the Dev Containers CLI, but envbuilder does not read "+
					"the lockfile and gets whatever is newest on each build", ref, why, lockfile)
			}
			f := dcAt(c, p, msg)
			f.Fix = &Fix{Description: "pin the feature's major version, e.g. `" + strings.TrimSuffix(ref, ":latest") + ":1`"}
			out = append(out, f)
		}
	}
	return out
}

// locked reports whether the config's lockfile (devcontainer-lock.json
// beside it, `.devcontainer-lock.json` for a `.devcontainer.json`) pins
// feature ref to a resolved digest, with the lockfile's path.
func locked(in *DevcontainerInput, ref string) (string, bool) {
	if in.Files == nil {
		return "", false
	}
	name := "devcontainer-lock.json"
	if strings.HasPrefix(path.Base(in.Devcontainer.Path), ".") {
		name = ".devcontainer-lock.json"
	}
	lockfile := path.Join(path.Dir(in.Devcontainer.Path), name)
	b, err := fs.ReadFile(in.Files, lockfile)
	if err != nil {
		return "", false
	}
	var lf struct {
		Features map[string]struct {
			Resolved string `json:"resolved"`
		} `json:"features"`
	}
	if json.Unmarshal(b, &lf) != nil {
		return "", false
	}
	e, ok := lf.Features[ref]
	return lockfile, ok && strings.Contains(e.Resolved, "@sha256:")
}

// checkCR209 reports top-level properties the spec does not define,
// naming the parent of a nested-only one, else the likely intended name.
func checkCR209(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	var out []Finding
	for _, k := range c.Keys {
		// `_remoteUser`, `_comment`, `//`: switched off on purpose, or a
		// comment in a JSON file.
		if slices.Contains(knownProperties, k) || strings.HasPrefix(k, "_") || strings.HasPrefix(k, "//") {
			continue
		}
		f := dcAt(c, ptr(k), fmt.Sprintf("unknown property `%s`", k))
		if parent := nestedOnly[k]; parent != "" {
			f.Message += fmt.Sprintf(": `%s` belongs inside `%s`", k, parent)
			out = append(out, f)
			continue
		}
		if best, ok := suggest.Typo(k, knownProperties); ok {
			f.Message += fmt.Sprintf(": did you mean `%s`?", best)
			if e, ok := dcLineEdit(c, c.Pos(ptr(k)).Line, quotedKey(k), quotedKey(best)); ok {
				f.Fix = &Fix{Description: "rename it to `" + best + "`", Edits: []Edit{e}}
			}
		}
		out = append(out, f)
	}
	return out
}

// checkCR211 reports an overrideFeatureInstallOrder envbuilder would not
// follow.
func checkCR211(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	msg := featureOrderIgnored(c)
	if msg == "" {
		return nil
	}
	f := dcAt(c, "/overrideFeatureInstallOrder", msg)
	f.Fix = &Fix{Description: "install the dependency in the Dockerfile, or merge the features, so order no longer matters"}
	return []Finding{f}
}

// checkCR212 reports what Coder rejects or ignores in
// customizations.coder, and host:port forwards.
func checkCR212(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	var out []Finding
	const base = "/customizations/coder"
	if n, ok := c.StringOK(base + "/name"); ok && !coderName.MatchString(n) {
		out = append(out, dcAt(c, base+"/name", fmt.Sprintf("`customizations.coder.name` %q must be lowercase letters, digits and hyphens", n)))
	}
	seen := map[string]bool{}
	for i := 0; i < c.Len(base+"/apps"); i++ {
		p := fmt.Sprintf("%s/apps/%d", base, i)
		slug, ok := c.StringOK(p + "/slug")
		switch {
		case !ok || slug == "":
			out = append(out, dcAt(c, p, "app without a `slug`"))
		case seen[slug]:
			out = append(out, dcAt(c, p+"/slug", fmt.Sprintf("duplicate app slug %q", slug)))
		}
		seen[slug] = true
	}
	for _, k := range c.Members(base + "/displayApps") {
		if !slices.Contains(coderDisplayApps, k) {
			out = append(out, dcAt(c, base+"/displayApps"+ptr(k), fmt.Sprintf("unknown `displayApps` key %q (known: %s)", k, strings.Join(coderDisplayApps, ", "))))
		}
	}
	out = append(out, unknownKeys(c, base, coderKeys, "customizations.coder")...)
	for i := 0; i < c.Len(base+"/apps"); i++ {
		p := fmt.Sprintf("%s/apps/%d", base, i)
		out = append(out, unknownKeys(c, p, coderAppKeys, "app")...)
		if slug, ok := c.StringOK(p + "/slug"); ok && slug != "" && !coderSlug.MatchString(slug) {
			out = append(out, dcAt(c, p+"/slug", fmt.Sprintf("app slug %q must be lowercase letters and digits, single hyphens between them", slug)))
		}
	}
	for i := 0; i < c.Len("/forwardPorts"); i++ {
		if s, ok := c.StringOK(fmt.Sprintf("/forwardPorts/%d", i)); ok && strings.Contains(s, ":") {
			out = append(out, dcAt(c, fmt.Sprintf("/forwardPorts/%d", i), fmt.Sprintf("`forwardPorts` entry %q uses the host:port form, which Coder's integration does not support", s)))
		}
	}
	return out
}

// checkCR213 reports a remoteUser or containerUser that is certainly not
// a user of a well-known base image.
func checkCR213(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	if len(c.Features()) > 0 {
		return nil
	}
	b := dcBase(in)
	if !b.Known || b.Source != "table" || (in.Dockerfile != nil && dockerfileMayCreateUsers(in.Dockerfile)) {
		return nil
	}
	var out []Finding
	for _, p := range []string{"/remoteUser", "/containerUser"} {
		u, ok := c.StringOK(p)
		if !ok || !plainUserName(u) || isRootUser(u) || containsFold(systemUsers, u) || containsFold(b.Users, u) ||
			u == b.User || u == b.UID1000 {
			continue
		}
		if in.Dockerfile != nil && strings.Contains(strings.Join(in.Dockerfile.Lines, "\n"), u) {
			continue
		}
		f := dcAt(c, p, fmt.Sprintf("user `%s` does not exist in `%s`, and nothing creates it", u, b.Ref))
		f.Evidence = EvidenceKnownBase
		f.Fix = &Fix{Description: "create it in the Dockerfile: `" + UserCreateLine(b, u) + "`"}
		out = append(out, f)
	}
	return out
}

// checkCR214 reports lifecycle commands whose program a well-known base
// image lacks.
func checkCR214(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	out := blankPrograms(c)
	if in.Dockerfile != nil || len(c.Features()) > 0 {
		return out
	}
	b := dcBase(in)
	if !b.Known || b.Source != "table" {
		return out
	}
	for _, lcc := range containerCommands(c) {
		prog := lcc.cmd.Program()
		name := prog[strings.LastIndex(prog, "/")+1:]
		if (name == "curl" || name == "wget" || name == "git" || name == "bash" || name == "sudo") && !b.Has(name) {
			f := dcAt(c, lcc.cmd.Pointer+"/0", fmt.Sprintf("`%s` is not on `%s`: %s cannot run", prog, b.Ref, lcc.property))
			f.Evidence = EvidenceKnownBase
			out = append(out, f)
		}
	}
	return out
}

// lifecycleCommand is one command a lifecycle property runs: the
// property's own, or one entry of its object form.
type lifecycleCommand struct {
	property string
	cmd      devcontainer.Command
}

// containerCommands are the lifecycle commands that run in the container,
// in the spec's order (initializeCommand runs on the host, which a Coder
// workspace has not), each entry of an object form on its own.
func containerCommands(c *devcontainer.Config) []lifecycleCommand {
	var out []lifecycleCommand
	for _, lc := range devcontainer.LifecycleCommands[1:] {
		cmd := c.Command(lc)
		if cmd == nil {
			continue
		}
		cmds := []devcontainer.Command{*cmd}
		if cmd.Kind == devcontainer.CommandObject {
			cmds = cmd.Parallel
		}
		for _, sub := range cmds {
			out = append(out, lifecycleCommand{lc, sub})
		}
	}
	return out
}

// blankPrograms are CR214's findings for array lifecycle commands whose
// program holds a blank (`["cargo build", "cargo check"]`): the array is
// run without a shell, so the program looked for is `cargo build`. Every
// builder runs the array so, whatever the image.
func blankPrograms(c *devcontainer.Config) []Finding {
	var out []Finding
	for _, lcc := range containerCommands(c) {
		prog := lcc.cmd.Program()
		if !strings.ContainsAny(strings.TrimSpace(prog), " \t") {
			continue
		}
		f := dcAt(c, lcc.cmd.Pointer+"/0", fmt.Sprintf("`%s` is one element of an array command, which runs without a shell: "+
			"%s looks for a program named `%s`, which does not exist", prog, lcc.property, prog))
		f.Fix = &Fix{Description: "write the command as a string (`\"" + strings.Join(lcc.cmd.Args, " && ") + "\"`), or one word per element (`[\"" +
			strings.Join(strings.Fields(prog), "\", \"") + "\"]`)"}
		out = append(out, f)
	}
	return out
}

// checkCR216 reports trailing commas, one finding per line.
func checkCR216(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	byLine := map[int][]devcontainer.Pos{}
	var lines []int
	for _, p := range c.TrailingCommas {
		if len(byLine[p.Line]) == 0 {
			lines = append(lines, p.Line)
		}
		byLine[p.Line] = append(byLine[p.Line], p)
	}
	var out []Finding
	for _, line := range lines {
		ps := byLine[line]
		msg := "trailing comma"
		if len(ps) > 1 {
			msg = fmt.Sprintf("%d trailing commas", len(ps))
		}
		f := Finding{Message: msg, Location: Location{Path: c.Path, StartLine: line, StartCol: ps[0].Col, EndLine: line, EndCol: ps[len(ps)-1].Col}}
		if line <= len(c.Lines) {
			text := strings.TrimSuffix(c.Lines[line-1], "\r")
			for i := len(ps) - 1; i >= 0; i-- { // right to left, so earlier columns stay valid
				if col := ps[i].Col; col >= 1 && col <= len(text) && text[col-1] == ',' {
					text = text[:col-1] + text[col:]
				}
			}
			f.Fix = &Fix{Description: "remove the trailing comma", Edits: []Edit{{Path: c.Path, StartLine: line, EndLine: line, Text: text}}}
		}
		out = append(out, f)
	}
	return out
}

// featureOrderMatters reports whether overrideFeatureInstallOrder asks for
// an order other than the alphabetical one envbuilder uses.
func featureOrderMatters(c *devcontainer.Config) bool {
	return featureOrderIgnored(c) != ""
}

// featureName is a feature reference without its version.
func featureName(ref string) string {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[:i]
	}
	return ref
}

// nestedOnly are properties the spec defines only inside another one,
// which a config sometimes puts at the top level by mistake.
var nestedOnly = map[string]string{
	"gpu": "hostRequirements", "cpus": "hostRequirements", "memory": "hostRequirements", "storage": "hostRequirements",
	"target": "build", "args": "build", "cacheFrom": "build", "options": "build",
	"vscode": "customizations", "coder": "customizations",
}

// hasMetadataUser reports whether an image is one of the Dev Containers
// images, whose `devcontainer.metadata` label sets remoteUser (vscode, node,
// codespace): tools that merge image metadata run sessions as that user.
func hasMetadataUser(ref string) bool {
	r := ParseImageRef(ref)
	return devcontainersName(r) != "" ||
		// Rails' Dev Container images, built with the Dev Containers CLI
		// (rails/devcontainer), name `vscode` in their label.
		r.Registry == "ghcr.io" && strings.HasPrefix(r.Repository, "rails/devcontainer/images/")
}

func quotedKey(k string) string { return `"` + k + `"` }

// featureRef is the reference of the feature at a JSON pointer.
func featureRef(c *devcontainer.Config, ptr string) string {
	for _, f := range c.FeatureList() {
		if f.Pointer == ptr {
			return f.Ref
		}
	}
	return ""
}
