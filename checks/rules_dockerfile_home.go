package checks

import (
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/coderready/coderready/dockerfile"
)

// This file holds what tools write into the home directory by themselves at
// build time — not a path the Dockerfile names, but where the installer or
// the tool puts its files (rustup's ~/.cargo, nvm's ~/.nvm, `pipx
// ensurepath`'s ~/.bashrc). runWrites adds them to a RUN's writes, so CR114
// (root's home) and CR115 (a home the template's volume hides) judge them
// like any other write.

// toolWritesDoc is what CR114's and CR115's docs say of tool writes.
const toolWritesDoc = "Tools that write into the home by themselves count as writes there: the rustup, nvm, " +
	"sdkman and oh-my-zsh install scripts piped into a shell (`~/.cargo`, `~/.nvm`, `~/.sdkman`, `~/.oh-my-zsh`), " +
	"`rustup-init`, `pipx install` (`~/.local/bin`) and `pipx ensurepath`, `pip install --user` (`~/.local`), " +
	"`conda init` (`~/.bashrc`), `nvm install` (the folder of the `nvm.sh` it sources), `helm repo add` and " +
	"`helm plugin install` (`~/.config/helm`), `mise install` and `mise use` (`~/.local/share/mise`; with `-g` also " +
	"`~/.config/mise`), `git config --global` (`~/.gitconfig`), `code-server --install-extension` " +
	"(`~/.local/share/code-server`), `pyenv install` (`~/.pyenv`), `go install` (`~/go`, `GOPATH`), " +
	"`python3 -m pip install --user` (`~/.local`), `uv tool install` (`~/.local/bin`, `~/.local/share/uv/tools`), " +
	"`uv python install` (`~/.local/share/uv/python`), `solc-select install` and `use` (`~/.solc-select`), `swiftly init` and " +
	"`swiftly install` (`~/.local/share/swiftly`, `~/.local/bin`), Nix's installer with `--no-daemon` (`~/.nix-profile`), the uv, ruff, mise, Claude Code, bun, deno, pnpm, pyenv, pixi and Volta install scripts piped into a shell " +
	"(`~/.local/bin`, `~/.bun`, `~/.deno`, `~/.local/share/pnpm`, `~/.pixi`, `~/.volta`), and Poetry's installer piped into Python (`~/.local/share/pypoetry`) — unless the Dockerfile points the tool " +
	"elsewhere (`CARGO_HOME`, `NVM_DIR`, `PIPX_BIN_DIR`, `HELM_CONFIG_HOME`, `MISE_DATA_DIR`, `MISE_INSTALL_PATH`, `UV_INSTALL_DIR`, `UV_TOOL_BIN_DIR`, `PIXI_HOME`, `POETRY_HOME`, " +
	"`GIT_CONFIG_GLOBAL`, `--extensions-dir`, …)."

// homeTool is a tool that writes under the home by itself: to the folder
// variable env names when it is set, else to def (a `~` path).
type homeTool struct {
	env, def string
}

// pipedInstallers are install scripts fetched and run by a shell
// (`curl … | sh`, `sh -c "$(curl …)"`), recognised by a piece of their
// URL, and what they write.
var pipedInstallers = []struct {
	marker string
	tool   homeTool
}{
	{"sh.rustup.rs", homeTool{"CARGO_HOME", "~/.cargo"}},
	{"nvm-sh/nvm", homeTool{"NVM_DIR", "~/.nvm"}},
	{"get.sdkman.io", homeTool{"SDKMAN_DIR", "~/.sdkman"}},
	{"ohmyzsh/ohmyzsh", homeTool{"ZSH", "~/.oh-my-zsh"}},
	{"robbyrussell/oh-my-zsh", homeTool{"ZSH", "~/.oh-my-zsh"}},
	{"astral.sh/uv", homeTool{"UV_INSTALL_DIR", "~/.local/bin"}},
	{"astral.sh/ruff", homeTool{"RUFF_INSTALL_DIR", "~/.local/bin"}},
	{"bun.sh/install", homeTool{"BUN_INSTALL", "~/.bun"}},
	{"deno.land/install.sh", homeTool{"DENO_INSTALL", "~/.deno"}},
	{"get.pnpm.io", homeTool{"PNPM_HOME", "~/.local/share/pnpm"}},
	{"get.volta.sh", homeTool{"VOLTA_HOME", "~/.volta"}},
	{"pyenv.run", homeTool{"PYENV_ROOT", "~/.pyenv"}},
	{"pyenv-installer", homeTool{"PYENV_ROOT", "~/.pyenv"}},
	{"mise.run", homeTool{"MISE_INSTALL_PATH", "~/.local/bin"}},
	{"pixi.sh/install.sh", homeTool{"PIXI_HOME", "~/.pixi"}},
	// Poetry's installer, piped into Python: its virtual environment in
	// ~/.local/share/pypoetry, the `poetry` link in ~/.local/bin.
	{"install.python-poetry.org", homeTool{"POETRY_HOME", "~/.local/share/pypoetry"}},
	// Claude Code's native installer: ~/.local/bin/claude, pointing into
	// ~/.local/share/claude; no variable moves it.
	{"claude.ai/install.sh", homeTool{"", "~/.local/bin"}},
}

// toolWrite is a path a command writes by itself, as a `~` path or the
// folder a variable of the Dockerfile names.
type toolWrite struct {
	path string
	span dockerfile.Span
}

// inlineHomeValue is the folder a RUN's text sets env to inline, as a
// path under the home (`export NVM_DIR="$HOME/.nvm"` gives `~/.nvm`),
// when it sets it once and there; "" otherwise.
func inlineHomeValue(text, env string) string {
	re := regexp.MustCompile(`(?:^|[\s;&|(])` + regexp.QuoteMeta(env) + `=["']?([^"'\s;&|)]+)`)
	ms := re.FindAllStringSubmatch(text, -1)
	if len(ms) != 1 {
		return ""
	}
	v := ms[0][1]
	for _, h := range []string{"$HOME/", "${HOME}/", "~/"} {
		if rest, ok := strings.CutPrefix(v, h); ok && rest != "" && !strings.Contains(rest, "$") {
			return "~/" + rest
		}
	}
	return ""
}

// toolHomeWrites returns what command i of a RUN (cmds, its text) writes
// by itself. A tool whose folder variable the RUN sets inline (`export
// CARGO_HOME=…`, `NVM_DIR=… bash`) is left out: where it writes is not
// known.
func toolHomeWrites(cmds []dockerfile.Command, i int, text string, vars map[string]string) []toolWrite {
	c := cmds[i]
	span := dockerfile.Span{Line: c.Line, Col: c.Col}
	if c.Col > 0 {
		span.EndLine, span.EndCol = c.Line, c.Col+len(c.Name)
	}
	to := func(t homeTool) []toolWrite {
		if t.env != "" && strings.Contains(text, t.env+"=") {
			// `export NVM_DIR="$HOME/.nvm"`: set in the home all the same.
			if v := inlineHomeValue(text, t.env); v != "" {
				return []toolWrite{{v, span}}
			}
			return nil
		}
		if v, ok := vars[t.env]; ok && t.env != "" {
			return []toolWrite{{v, span}}
		}
		return []toolWrite{{t.def, span}}
	}
	name := path.Base(c.Name)
	sub := ""
	for _, a := range c.Args {
		if !strings.HasPrefix(a, "-") {
			sub = a
			break
		}
	}
	switch {
	case name == "rustup-init":
		return to(homeTool{"CARGO_HOME", "~/.cargo"})
	case name == "pipx" && sub == "ensurepath":
		// userpath appends ~/.local/bin to the shell's startup files.
		if strings.Contains(text, "PIPX_BIN_DIR=") || vars["PIPX_BIN_DIR"] != "" {
			return nil
		}
		return []toolWrite{{"~/.bashrc", span}}
	case name == "pipx" && (sub == "install" || sub == "inject"):
		return to(homeTool{"PIPX_BIN_DIR", "~/.local/bin"})
	case (name == "pip" || name == "pip3") && sub == "install" && slices.Contains(c.Args, "--user"),
		strings.HasPrefix(name, "python") && len(c.Args) > 2 && c.Args[0] == "-m" && c.Args[1] == "pip" && c.Args[2] == "install" &&
			slices.Contains(c.Args, "--user"):
		return to(homeTool{"PYTHONUSERBASE", "~/.local"})
	case name == "pyenv" && sub == "install":
		return to(homeTool{"PYENV_ROOT", "~/.pyenv"})
	case name == "go" && sub == "install":
		// Binaries go to $GOPATH/bin, ~/go/bin by default.
		return to(homeTool{"GOPATH", "~/go"})
	case name == "conda" && sub == "init":
		return []toolWrite{{"~/.bashrc", span}}
	case name == "git" && sub == "config" && (slices.Contains(c.Args, "--global") || slices.Contains(c.Args, "--add") && slices.Contains(c.Args, "--global")):
		// --global writes the user's ~/.gitconfig (GIT_CONFIG_GLOBAL
		// moves it).
		return to(homeTool{"GIT_CONFIG_GLOBAL", "~/.gitconfig"})
	case name == "code-server" && slices.Contains(c.Args, "--install-extension"):
		// Extensions go to its data folder unless it is given another.
		if slices.ContainsFunc(c.Args, func(a string) bool {
			return strings.HasPrefix(a, "--extensions-dir") || strings.HasPrefix(a, "--user-data-dir")
		}) {
			return nil
		}
		return to(homeTool{"XDG_DATA_HOME", "~/.local/share/code-server"})
	case name == "helm" && (sub == "repo" || sub == "plugin"):
		// repositories.yaml and plugins live under helm's config home.
		return to(homeTool{"HELM_CONFIG_HOME", "~/.config/helm"})
	case name == "mise" && (sub == "install" || sub == "use"):
		// Tools go to mise's data folder; `use -g` also writes the
		// global config.
		out := to(homeTool{"MISE_DATA_DIR", "~/.local/share/mise"})
		if sub == "use" && (slices.Contains(c.Args, "-g") || slices.Contains(c.Args, "--global")) {
			out = append(out, to(homeTool{"MISE_CONFIG_DIR", "~/.config/mise"})...)
		}
		return out
	case name == "uv" && sub == "tool" && secondWord(c.Args) == "install":
		// Tools' environments go to uv's tool folder, their executables
		// to ~/.local/bin.
		return append(to(homeTool{"UV_TOOL_BIN_DIR", "~/.local/bin"}), to(homeTool{"UV_TOOL_DIR", "~/.local/share/uv/tools"})...)
	case name == "uv" && sub == "python" && secondWord(c.Args) == "install":
		return to(homeTool{"UV_PYTHON_INSTALL_DIR", "~/.local/share/uv/python"})
	case name == "swiftly" && (sub == "init" || sub == "install"):
		// swiftly keeps toolchains in ~/.local/share/swiftly and links
		// swift into ~/.local/bin.
		return append(to(homeTool{"SWIFTLY_HOME_DIR", "~/.local/share/swiftly"}), to(homeTool{"SWIFTLY_BIN_DIR", "~/.local/bin"})...)
	case name == "solc-select" && (sub == "install" || sub == "use"):
		// Compilers go to ~/.solc-select, or $VIRTUAL_ENV/.solc-select
		// inside a virtual environment.
		if v, ok := vars["VIRTUAL_ENV"]; ok {
			return []toolWrite{{strings.TrimSuffix(v, "/") + "/.solc-select", span}}
		}
		if strings.Contains(text, "VIRTUAL_ENV=") {
			return nil
		}
		return []toolWrite{{"~/.solc-select", span}}
	case name == "nvm" && (sub == "install" || sub == "use" || sub == "alias"):
		if strings.Contains(text, "NVM_DIR=") {
			if v := inlineHomeValue(text, "NVM_DIR"); v != "" {
				return []toolWrite{{v, span}}
			}
			return nil
		}
		if v, ok := vars["NVM_DIR"]; ok {
			return []toolWrite{{v, span}}
		}
		if dir := sourcedNvmDir(cmds[:i]); dir != "" {
			return []toolWrite{{dir, span}}
		}
		return nil // where nvm lives is not known
	}
	// A download piped into a shell, or into Python reading its standard
	// input (`| python3 -`, Poetry's installer): the fetching command
	// names the installer, a shell or Python of the RUN runs it.
	if name != "curl" && name != "wget" || !slices.ContainsFunc(cmds, func(o dockerfile.Command) bool {
		return o.Script != "" || strings.HasPrefix(path.Base(o.Name), "python") && slices.Contains(o.Args, "-")
	}) {
		return nil
	}
	for _, p := range pipedInstallers {
		if slices.ContainsFunc(c.Args, func(a string) bool { return strings.Contains(a, p.marker) }) {
			return to(p.tool)
		}
	}
	// Nix's installer in single-user mode (`--no-daemon`) links the
	// user's profile into the home; the multi-user one writes /nix and
	// /etc only.
	if slices.ContainsFunc(c.Args, func(a string) bool { return strings.Contains(a, "nixos.org/nix/install") }) &&
		strings.Contains(text, "--no-daemon") {
		return []toolWrite{{"~/.nix-profile", span}}
	}
	return nil
}

// secondWord is the second argument that is not an option ("install" in
// `uv tool install x`), "" when there is none.
func secondWord(args []string) string {
	n := 0
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			continue
		}
		if n++; n == 2 {
			return a
		}
	}
	return ""
}

// sourcedNvmDir returns the folder of an nvm.sh the commands source
// (nvm.sh sets NVM_DIR to its own folder when it is unset), "" when none.
func sourcedNvmDir(cmds []dockerfile.Command) string {
	dir := ""
	for _, c := range cmds {
		if (c.Name == "." || c.Name == "source") && len(c.Args) > 0 && path.Base(strings.Trim(c.Args[0], `"'`)) == "nvm.sh" {
			dir = path.Dir(strings.Trim(c.Args[0], `"'`))
		}
	}
	return dir
}
