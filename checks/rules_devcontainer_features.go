package checks

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/tailscale/hujson"

	"github.com/coderready/coderready/devcontainer"
	"github.com/coderready/coderready/internal/rootfs"
)

// This file holds CR222: features whose entrypoint envbuilder never runs.

func init() {
	Register(&Rule{
		ID: "CR222", Title: "Feature entrypoint envbuilder never runs", Severity: SeverityWarning, Family: FamilyDevcontainer,
		Builders: []Builder{BuilderEnvbuilder},
		What: "A feature that starts something from its `entrypoint`: a local feature whose devcontainer-feature.json " +
			"sets one, or one of the Dev Containers features known to (" + knownEntrypointsDoc + "; `nix` only in its default " +
			"multi-user install: with `\"multiUser\": false` its entrypoint starts nothing). A lifecycle command " +
			"that starts the entrypoint script settles it, or for `docker-in-docker` one that starts `dockerd` itself (`sudo dockerd`, " +
			"`service docker start`), also from a script it runs or a script that one runs, except for `docker-outside-of-docker`, whose entrypoint only " +
			"proxies the host's Docker socket that the feature's `mounts` bring in: envbuilder ignores a feature's mounts " +
			"too, so the finding says the socket is missing (as for a local feature whose `mounts` bind the host's " +
			"`docker.sock`, a copy of it). A Docker Compose config is not reported: envbuilder cannot build one at all (CR202).",
		Why: "envbuilder installs features but does not support their `entrypoint` (its devcontainer spec support table " +
			"marks it unsupported): the workspace starts with the agent's init script, so what the entrypoint starts — " +
			"`dockerd` for docker-in-docker, the desktop for desktop-lite, `sshd`, the Nix daemon — is not running. " +
			"The Dev Containers CLI, and so Coder's native integration, runs it." + cite("envbuilder", "envbuilder-features"),
		HowToFix: "Start it from the config, which envbuilder runs: `\"postStartCommand\": \"sudo /usr/local/share/docker-init.sh\"` " +
			"(the feature's entrypoint script), or from the template's startup script (coder_script). For " +
			"`docker-outside-of-docker`, mount the host's Docker socket at `/var/run/docker-host.sock` in the Coder template first.",
		Sources:      []string{"envbuilder", "envbuilder-features"},
		Devcontainer: checkCR222,
	})
}

// knownEntrypoints are the Dev Containers features (ghcr.io/devcontainers/
// features/<id>) whose devcontainer-feature.json sets an entrypoint, with
// what it starts (devcontainers/features at 765e8eb).
var knownEntrypoints = map[string]struct{ script, starts string }{
	"docker-in-docker":         {"/usr/local/share/docker-init.sh", "dockerd"},
	"docker-outside-of-docker": {"/usr/local/share/docker-init.sh", "the Docker socket's set-up"},
	// docker-outside-of-docker's former name, still published.
	"docker-from-docker": {"/usr/local/share/docker-init.sh", "the Docker socket's set-up"},
	"desktop-lite":       {"/usr/local/share/desktop-init.sh", "the desktop"},
	"sshd":               {"/usr/local/share/ssh-init.sh", "sshd"},
	"nix":                {"/usr/local/share/nix-entrypoint.sh", "the Nix daemon"},
	// Features of other publishers, by their full ID: prulloac's ollama
	// (its devcontainer-feature.json: `"entrypoint": "ollama serve"`).
	"ghcr.io/prulloac/devcontainer-features/ollama": {"ollama serve", "the Ollama server"},
}

// startsDaemon are what a lifecycle command (or a script it runs) may
// start itself in place of a known feature's entrypoint: docker-in-
// docker's dockerd, as a command (`nohup sudo dockerd …`, not `pkill
// dockerd`), or its service.
var startsDaemon = map[string]*regexp.Regexp{
	"docker-in-docker": regexp.MustCompile(`(?m)(?:^|[;&|(]|\b(?:sudo|nohup|exec)[ \t]+(?:-\S+[ \t]+)*)[ \t]*(?:/\S*/)?dockerd(?:[ \t]|$)|\bservice[ \t]+docker[ \t]+start\b|/etc/init\.d/docker[ \t]+start\b`),
}

// entrypointOnlyWhen are known features whose entrypoint starts something
// only when an option has a value (its default when unset): nix writes
// `exec "$@"` as its entrypoint unless `multiUser` is "true", since a
// single-user install has no daemon (src/nix/install.sh).
var entrypointOnlyWhen = map[string]struct{ option, value, dflt string }{
	"nix": {"multiUser", "true", "true"},
}

// entrypointIdle reports whether a known feature's options make its
// entrypoint start nothing. Option values reach the feature's install
// script as strings (`false` and "false" alike).
func entrypointIdle(id string, options map[string]any) bool {
	w, ok := entrypointOnlyWhen[id]
	if !ok {
		return false
	}
	v := w.dflt
	for k, o := range options {
		if strings.EqualFold(k, w.option) {
			v = fmt.Sprint(o)
		}
	}
	return v != w.value
}

const knownEntrypointsDoc = "`docker-in-docker`, `docker-outside-of-docker` (and its former name `docker-from-docker`), `desktop-lite`, `sshd`, `nix`, and of other publishers' `ghcr.io/prulloac/devcontainer-features/ollama` (`ollama serve`)"

// checkCR222 reports features whose entrypoint envbuilder does not run.
func checkCR222(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	if c.Has("/dockerComposeFile") {
		return nil
	}
	var out []Finding
	plan := c.Plan(in.Files)
	for _, fr := range plan.Features {
		script, starts := featureEntrypoint(in, fr)
		if script == "" {
			continue
		}
		id, _ := strings.CutPrefix(fr.ID, "ghcr.io/devcontainers/features/")
		if (id == "docker-outside-of-docker" || id == "docker-from-docker") && fr.Local == nil || starts == bindsDockerSocket {
			// Its entrypoint only proxies the host's socket, which the
			// feature's `mounts` bring in: envbuilder ignores those too
			// (its spec support table), so starting the script is not
			// enough.
			f := dcAt(c, fr.Ptr, fmt.Sprintf("feature `%s` needs the host's Docker socket, which its `mounts` bind in and its "+
				"entrypoint (`%s`) sets up; envbuilder ignores a feature's mounts and does not run its entrypoint: there is no "+
				"Docker socket in the workspace", fr.Ref, script))
			f.Fix = &Fix{Description: fmt.Sprintf("mount the host's Docker socket at /var/run/docker-host.sock in the Coder "+
				"template, then run `sudo %s` from `postStartCommand`", script)}
			out = append(out, f)
			continue
		}
		if startedByLifecycle(in, plan, script, startsDaemon[id]) {
			continue
		}
		f := dcAt(c, fr.Ptr, fmt.Sprintf("feature `%s` starts %s from its entrypoint (`%s`), which envbuilder does not run: "+
			"it is not running in the workspace", fr.Ref, starts, script))
		f.Fix = &Fix{Description: fmt.Sprintf("run it from `postStartCommand` (`sudo %s`) or the template's startup script", script)}
		if !strings.HasPrefix(script, "/") {
			// A command that keeps running (`ollama serve`): in the
			// background.
			f.Fix.Description = fmt.Sprintf("start it in the background from `postStartCommand` (`nohup %s > /tmp/%s.log 2>&1 &`) "+
				"or the template's startup script", script, path.Base(id))
		}
		out = append(out, f)
	}
	return out
}

// featureEntrypoint returns a feature's entrypoint and what it starts: a
// local feature's from its devcontainer-feature.json, a Dev Containers
// feature's from the known table; "" when it has none or it is not known.
func featureEntrypoint(in *DevcontainerInput, fr devcontainer.FeatureRef) (script, starts string) {
	if fr.Local != nil {
		if in.Files == nil || fr.Manifest != devcontainer.PathExists {
			return "", ""
		}
		b, err := rootfs.ReadFile(in.Files, path.Join(fr.Local.Path, "devcontainer-feature.json"), 1<<20)
		if err != nil {
			return "", ""
		}
		std, err := hujson.Standardize(b)
		if err != nil {
			return "", ""
		}
		var m struct {
			Entrypoint string `json:"entrypoint"`
			Mounts     []any  `json:"mounts"`
		}
		if json.Unmarshal(std, &m) != nil || m.Entrypoint == "" {
			return "", ""
		}
		// A local copy of docker-outside-of-docker: it binds the host's
		// socket in and its entrypoint proxies it.
		for _, mt := range m.Mounts {
			if src, _ := mountSource(mt); strings.HasSuffix(src, "/docker.sock") {
				return m.Entrypoint, bindsDockerSocket
			}
		}
		return m.Entrypoint, "what it sets up"
	}
	id, ok := strings.CutPrefix(fr.ID, "ghcr.io/devcontainers/features/")
	if !ok {
		// Another publisher's, by its full ID; a legacy short ID
		// (`docker-in-docker`), which envbuilder cannot fetch at all, is
		// CR218's.
		if !strings.Contains(fr.ID, "/") {
			return "", ""
		}
		id = fr.ID
	}
	k, ok := knownEntrypoints[id]
	if !ok || entrypointIdle(id, fr.Options) {
		return "", ""
	}
	return k.script, k.starts
}

// bindsDockerSocket is what featureEntrypoint says a local feature starts
// when its `mounts` bind the host's Docker socket in (a copy of
// docker-outside-of-docker): the socket itself is what it needs.
const bindsDockerSocket = "a proxy of the host's Docker socket"

// mountSource is the source of a feature's mount: an object's `source`,
// or the `source=` of a mount string.
func mountSource(m any) (string, bool) {
	switch v := m.(type) {
	case map[string]any:
		s, ok := v["source"].(string)
		return s, ok
	case string:
		for _, part := range strings.Split(v, ",") {
			if k, val, ok := strings.Cut(part, "="); ok && (k == "source" || k == "src") {
				return val, true
			}
		}
	}
	return "", false
}

// lifecycleCommands are the config's commands envbuilder runs.
var lifecycleCommands = []string{"onCreateCommand", "updateContentCommand", "postCreateCommand", "postStartCommand", "postAttachCommand"}

// scriptWord finds a shell script a command runs (`/on-create.sh`,
// `bash .devcontainer/setup.sh`).
var scriptWord = regexp.MustCompile(`[\w./-]+\.sh\b`)

// startedByLifecycle reports whether a lifecycle command runs the
// entrypoint script itself (`sudo /usr/local/share/docker-init.sh`), or
// starts what it would (daemon: `sudo dockerd`), in its text or in the
// scripts it runs (lifecycleTexts; envbuilder's own docker-in-docker
// example does so from its onCreateCommand script).
func startedByLifecycle(in *DevcontainerInput, plan *devcontainer.Plan, script string, daemon *regexp.Regexp) bool {
	name := path.Base(script)
	for _, text := range lifecycleTexts(in, plan) {
		if strings.Contains(text, name) || daemon != nil && daemon.MatchString(text) {
			return true
		}
	}
	return false
}

// Bounds of lifecycleTexts: how deep it follows scripts that run scripts,
// and how many it reads.
const (
	maxScriptDepth = 3
	maxScripts     = 24
)

// lifecycleTexts are the config's lifecycle commands and the texts of the
// scripts of the config's folder, the build context or the repository they
// run, and of the scripts those run, a few levels deep
// (`.devcontainer/container-start.sh` → `startup.sh` → `load-docker.sh`).
func lifecycleTexts(in *DevcontainerInput, plan *devcontainer.Plan) []string {
	c := in.Devcontainer
	dirs := []string{path.Dir(c.Path)}
	if plan.Context != nil && plan.Context.State == devcontainer.PathExists {
		dirs = append(dirs, plan.Context.Path)
	}
	var out []string
	for _, lc := range lifecycleCommands {
		out = append(out, commandScripts(c.Command(lc))...)
	}
	if in.Files == nil {
		return out
	}
	read := map[string]bool{}
	level := out
	for range maxScriptDepth {
		var next []string
		for _, text := range level {
			for _, w := range scriptWord.FindAllString(text, -1) {
				for _, d := range dirs {
					for _, p := range []string{path.Join(d, path.Base(w)), path.Join(d, strings.TrimPrefix(w, "/"))} {
						if read[p] || len(read) >= maxScripts {
							continue
						}
						if b, err := rootfs.ReadFile(in.Files, p, 1<<20); err == nil {
							read[p] = true
							next = append(next, string(b))
						}
					}
				}
			}
		}
		out = append(out, next...)
		level = next
	}
	return out
}
