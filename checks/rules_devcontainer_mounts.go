package checks

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/coderready/coderready/internal/rootfs"
)

// This file holds CR221: bind mounts whose source is on the developer's
// machine.

func init() {
	Register(&Rule{
		ID: "CR221", Title: "Bind mount from the developer's machine", Severity: SeverityWarning, Family: FamilyDevcontainer,
		Builders: []Builder{BuilderNative},
		What: "A `mounts` entry or `workspaceMount` of type `bind` takes its source from the developer's machine: " +
			"a `${localEnv:…}` variable (`source=${localEnv:HOME}/.ssh`; the Dev Containers CLI reads `${env:…}` as the same), or a home path (`~/…`, `/Users/…`, `C:\\…`), or a Windows drive as WSL mounts it (`/mnt/c/Users/…`). " +
			"Sources the workspace has too are not reported: `${localWorkspaceFolder}`, the Docker socket, absolute " +
			"system paths, the home itself (`source=${localEnv:HOME}`: the workspace user's, which exists), a folder or file the config's `initializeCommand` makes (`mkdir -p ${localEnv:HOME}/.cache`, `touch ~/.npmrc`, also in a script " +
			"of the repository it runs that makes folders under the home it names, `.devcontainer/scripts/initialize_command.sh`). " +
			"A bind mount `runArgs` asks for (`--mount type=bind,src=${env:HOME}/.ssh,dst=…`, `-v ${localEnv:HOME}/.aws:/root/.aws`) is read the same way. " +
			"A source that names only a variable Windows alone sets (`source=${localEnv:USERPROFILE}/.ssh`) is certain to be missing: the workspace is Linux, where the variable is empty and the source is `/.ssh`; the other sources are a guess (the workspace may have the folder). " +
			"Volume and tmpfs mounts are not reported, nor a Docker Compose config's mounts: the Dev Containers " +
			"CLI writes them into its Compose override file as short-form volumes, whose missing source Docker creates.",
		Why: "Under Coder's native integration the Dev Containers CLI runs in the workspace, which is the Docker host: " +
			"`${localEnv:HOME}` is the workspace user's home there, and an unset variable is empty. Docker refuses a " +
			"`--mount type=bind` whose source does not exist, so when the workspace lacks that folder (a fresh workspace " +
			"has no `~/.ssh`, no `~/.aws`) the Dev Container is not created. envbuilder ignores `mounts` (CR207)." +
			cite("native", "docker-bind"),
		HowToFix: "Remove the mount and let Coder provide what it carried: Git over SSH works through `coder gitssh` and " +
			"external auth, cloud credentials through the template's secrets or `coder_env`; or create the folder " +
			"from the template's startup script before the Dev Container starts.",
		Sources:      []string{"native", "docker-bind"},
		Devcontainer: checkCR221,
	})
}

// laptopSource matches a bind source on the developer's machine
// (`${env:X}` is the Dev Containers CLI's older spelling of `${localEnv:X}`).
var laptopSource = regexp.MustCompile(`\$\{(?:localEnv|env):[^}]*\}|^~(/|$)|^/Users/|^/mnt/[a-z]/|^[A-Za-z]:[\\/]`)

// windowsOnlyVar is a developer-machine variable only Windows sets.
var windowsOnlyVar = regexp.MustCompile(`\$\{(?:localEnv|env):(?:USERPROFILE|APPDATA|LOCALAPPDATA|HOMEPATH|HOMEDRIVE)\}`)

// ownHome reports whether a bind source is the home itself
// (`${localEnv:HOME}`, `~`): under the native integration that is the
// workspace user's home, which exists.
func ownHome(src string) bool {
	switch strings.TrimRight(src, "/") {
	case "${localEnv:HOME}", "${env:HOME}", "~", "${localEnv:HOME}${localEnv:USERPROFILE}":
		return true
	}
	return false
}

// checkCR221 reports bind mounts whose source is the developer's.
func checkCR221(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	// For a Docker Compose config the Dev Containers CLI writes the mounts
	// into its override file as short-form volumes (`source:target`),
	// whose missing source Docker creates: the container is created.
	if c.Has("/dockerComposeFile") {
		return nil
	}
	var out []Finding
	// An initializeCommand runs where the container is created, before it:
	// a folder it makes (`mkdir -p ${localEnv:HOME}/.cache`) exists then.
	made := initCommandText(in)
	checkSrc := func(ptr, typ, src string) {
		if typ != "bind" {
			return
		}
		m := laptopSource.FindString(src)
		if m == "" || ownHome(src) || (strings.Contains(made, "mkdir") || strings.Contains(made, "touch")) && (strings.Contains(made, strings.TrimRight(src, "/")) || madeByName(made, src)) {
			return
		}
		// A Windows-only variable with no Linux one beside it
		// (`${localEnv:USERPROFILE}/.ssh`) is empty in a Linux workspace:
		// the source is a folder at the root, which no workspace has.
		if v := windowsOnlyVar.FindString(src); v != "" && !strings.Contains(src, ":HOME}") {
			rest := laptopSource.ReplaceAllString(src, "")
			if !strings.HasPrefix(rest, "/") {
				rest = "/" + rest
			}
			out = append(out, dcAt(c, ptr, fmt.Sprintf("bind-mounts `%s`, but `%s` is set only on Windows: under Coder's native "+
				"integration the Dev Container starts in a Linux workspace, where it is empty and the source is `%s`, which does "+
				"not exist; Docker does not create a bind mount's source, so the container would not be created", src, v, path.Clean(rest))))
			return
		}
		f := dcAt(c, ptr, fmt.Sprintf("bind-mounts `%s` from the developer's machine: under Coder's native integration "+
			"the Dev Container starts in the workspace, where that path may not exist, and Docker does not create a bind "+
			"mount's source, so the container would not be created", src))
		f.Evidence = EvidenceInferred
		f.Guess = "whether the workspace has it is not known before it starts"
		out = append(out, f)
	}
	check := func(ptr string) {
		typ, src := mountParts(c.String(ptr), func(k string) string { return c.String(ptr + "/" + k) })
		checkSrc(ptr, typ, src)
	}
	for i := 0; i < c.Len("/mounts"); i++ {
		check(fmt.Sprintf("/mounts/%d", i))
	}
	if c.Has("/workspaceMount") {
		check("/workspaceMount")
	}
	// `runArgs` the CLI hands `docker run`: `--mount type=bind,src=…`
	// and `-v SRC:DST`.
	for i := 0; i < c.Len("/runArgs"); i++ {
		ptr := fmt.Sprintf("/runArgs/%d", i)
		a := c.String(ptr)
		flag, val, inline := strings.Cut(a, "=")
		if flag != "--mount" && flag != "-v" && flag != "--volume" {
			continue
		}
		if !inline {
			ptr = fmt.Sprintf("/runArgs/%d", i+1)
			val = c.String(ptr)
		}
		if flag == "--mount" {
			typ, src := mountParts(val, func(string) string { return "" })
			checkSrc(ptr, typ, src)
			continue
		}
		if src := volumeSource(val); src != "" {
			checkSrc(ptr, "bind", src)
		}
	}
	return out
}

// volumeSource is the host path of a `-v SRC:DST[:OPTS]` value ("" for a
// named volume): a `${localEnv:HOME}` in it keeps its colon.
func volumeSource(v string) string {
	end := 0
	for end < len(v) && v[end] != ':' {
		if strings.HasPrefix(v[end:], "${") {
			if j := strings.IndexByte(v[end:], '}'); j > 0 {
				end += j + 1
				continue
			}
		}
		end++
	}
	src := v[:end]
	if end == len(v) || !strings.HasPrefix(src, "/") && !strings.HasPrefix(src, "~") && !strings.HasPrefix(src, "${") && !strings.HasPrefix(src, ".") {
		return ""
	}
	return src
}

// initCommandText is what the config's initializeCommand runs: its own
// commands and the text of the repository's scripts they run.
func initCommandText(in *DevcontainerInput) string {
	scripts := commandScripts(in.Devcontainer.Command("initializeCommand"))
	return strings.Join(append(scripts, initScripts(in, scripts)...), "\n")
}

// maxInitScript bounds what is read of a script initializeCommand runs.
const maxInitScript = 256 << 10

// initScripts are the texts of the repository's scripts an
// initializeCommand runs (`.devcontainer/scripts/initialize_command.sh`,
// found from the repository root or the config's folder): a folder they
// make exists before the container is created.
func initScripts(in *DevcontainerInput, cmds []string) []string {
	if in.Files == nil {
		return nil
	}
	var out []string
	for _, cmd := range cmds {
		words := strings.Fields(cmd)
		for len(words) > 0 && (slices.Contains(shells, path.Base(words[0])) || strings.HasPrefix(words[0], "-")) {
			words = words[1:]
		}
		if len(words) == 0 {
			continue
		}
		w := strings.Trim(words[0], `"'`)
		for _, p := range []string{w, path.Join(path.Dir(in.Devcontainer.Path), w)} {
			p = path.Clean(strings.TrimPrefix(p, "./"))
			if b, err := rootfs.ReadFile(in.Files, p, maxInitScript); err == nil {
				out = append(out, string(b))
				break
			}
		}
	}
	return out
}

// madeByName reports whether a script that makes folders names the
// source's last folder as one it makes under the home (`.docker` in
// `DIRECTORY_CONFIG=(".docker|700|…")` beside `mkdir -p "${HOME}/${dir_name}"`).
func madeByName(script, src string) bool {
	name := path.Base(strings.TrimRight(src, "/"))
	return len(name) > 2 && strings.HasPrefix(name, ".") && (strings.Contains(script, "HOME") || strings.Contains(script, "~/")) &&
		regexp.MustCompile(`(?:^|["'(\s/])`+regexp.QuoteMeta(name)+`(?:$|["'|\s/)])`).MatchString(script)
}

// mountParts returns a mount's type and source, from the string form
// (`source=…,target=…,type=bind`) or the object form (field reads one
// member; "" when the mount is a string).
func mountParts(s string, field func(string) string) (typ, src string) {
	if s == "" {
		return field("type"), field("source")
	}
	typ = "volume" // --mount's default
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch strings.TrimSpace(k) {
		case "type":
			typ = strings.TrimSpace(v)
		case "source", "src":
			src = strings.TrimSpace(v)
		}
	}
	return typ, src
}
