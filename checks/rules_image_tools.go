package checks

import (
	"fmt"
	"strings"
)

// The image rules about the programs on the image's PATH: what the agent
// bootstrap script runs (CR301–CR304), what developers and IDEs need
// (CR305, CR313, CR318), and what Dev Containers need (CR324, CR325).

func init() {
	Register(&Rule{
		ID: "CR301", Title: "No download tool for the agent", Severity: SeverityError, Family: FamilyImage,
		What: "No `curl`, `wget` or `busybox` executable on the image's PATH (symlinks resolved, execute bit checked). " +
			"busybox counts only when `busybox` itself resolves to an executable: the script runs `busybox wget`.",
		Why: "Coder's agent bootstrap script downloads the agent with `curl`, else `wget`, else `busybox wget`, and otherwise prints " +
			"\"no download tool found\" and exits 127: the workspace never gets an agent. " + cite("seed", "bootstrap"),
		HowToFix: "Install curl (with ca-certificates) with the image's package manager.",
		Sources:  []string{"seed", "bootstrap"},
		Image:    checkCR301,
	})
	Register(&Rule{
		ID: "CR302", Title: "No shell", Severity: SeverityError, Family: FamilyImage,
		What:     "No `sh` on PATH or no executable `/bin/sh` (error); no executable `/usr/bin/env` (warning).",
		Why:      "Templates start the agent with `sh -c <init script>`, and the script's shebang is `#!/usr/bin/env sh`. " + cite("bootstrap", "templates"),
		HowToFix: "Install a shell (bash, or busybox on minimal images) and coreutils.",
		Sources:  []string{"bootstrap", "templates"},
		Image:    checkCR302,
	})
	Register(&Rule{
		ID: "CR303", Title: "Bootstrap script tools missing", Severity: SeverityError, Family: FamilyImage,
		What: "`mktemp`, `chmod` or `sleep` is missing from PATH (error); `head` or `grep` is missing (warning).",
		Why: "The bootstrap script runs `mktemp -d`, `chmod +x` and `sleep` between retries; newer versions check " +
			"`./coder --version | head -n1 | grep -q Coder`. " + cite("bootstrap"),
		HowToFix: "Install coreutils and grep (or busybox).",
		Sources:  []string{"bootstrap"},
		Image:    checkCR303,
	})
	Register(&Rule{
		ID: "CR304", Title: "busybox wget without HTTPS", Severity: SeverityWarning, Family: FamilyImage,
		What: "The only download tool is busybox's wget and it cannot fetch `https://`: the busybox has no internal TLS code, " +
			"and neither an `ssl_client` helper it names nor `openssl` is on PATH. Not judged when the busybox binary could not be read.",
		Why:      "The Coder agent is downloaded from the Coder server over HTTPS. " + cite("bootstrap"),
		HowToFix: "Install curl, or the `ssl_client` helper (Alpine: `busybox-extras` / `ssl_client`).",
		Sources:  []string{"bootstrap"},
		Image:    checkCR304,
	})
	Register(&Rule{
		ID: "CR305", Title: "No git", Severity: SeverityWarning, Family: FamilyImage,
		What:     "`git` is not on the image's PATH.",
		Why:      "Coder's image guidance recommends git in every workspace image: developers clone repositories into the workspace. " + cite("seed"),
		HowToFix: "Install git.",
		Sources:  []string{"seed"},
		Image:    checkCR305,
	})
	Register(&Rule{
		ID: "CR313", Title: "Recommended or required tool missing", Severity: SeverityInfo, Family: FamilyImage,
		What:     "A tool config lists is not on PATH: `recommended-tools` (default `bash`, `ssh`, `jq`) at info, `required-tools` at error.",
		Why:      "Coder's image guidance lists common utilities (ssh, docker, bash, jq, internal tooling) a golden image should carry. " + cite("seed"),
		HowToFix: "Install them, or change the lists in config.",
		Sources:  []string{"seed"},
		Image:    checkCR313,
	})
	Register(&Rule{
		ID: "CR318", Title: "No tar or gzip", Severity: SeverityInfo, Family: FamilyImage,
		What:     "`tar` or `gzip` is not on PATH.",
		Why:      "VS Code's server and code-server install by unpacking a tarball. " + cite("ide"),
		HowToFix: "Install tar and gzip.",
		Sources:  []string{"ide"},
		Image:    checkCR318,
	})
	Register(&Rule{
		ID: "CR324", Title: "Dev Container host lacks docker or the devcontainer CLI", Severity: SeverityWarning, Family: FamilyImage,
		Builders: []Builder{BuilderNative}, ConfigOnly: true,
		What: "With config `image.role: devcontainer-host`, the image lacks the `docker` CLI, the `dockerd` daemon, or the Dev Containers CLI " +
			"(`devcontainer`; `npm` is needed to install it).",
		Why:      "Coder's native Dev Containers integration runs the devcontainers CLI inside the workspace, which needs Docker. " + cite("native"),
		HowToFix: "Install docker (CLI and daemon) and `npm install -g @devcontainers/cli`.",
		Sources:  []string{"native"},
		Image:    checkCR324,
	})
	Register(&Rule{
		ID: "CR325", Title: "Dev Container lacks agent injection tools", Severity: SeverityError, Family: FamilyImage,
		Builders: []Builder{BuilderNative},
		What:     "An image built for a Dev Container lacks `mkdir`, `chmod`, `sh`, `id` or `chown` on PATH.",
		Why:      "Coder's native Dev Containers integration injects its agent into the container with these commands, as root. " + cite("native"),
		HowToFix: "Install coreutils and a shell.",
		Sources:  []string{"native"},
		Image:    checkCR325,
	})
}

func checkCR301(in *ImageInput) []Finding {
	v := newImgView(in)
	if v.has("curl") || v.has("wget") || v.has("busybox") {
		return nil
	}
	for _, t := range []string{"curl", "wget", "busybox"} {
		if v.baseOnlyProvides(t, downloaders...) {
			return nil
		}
	}
	return []Finding{{Message: "no curl, wget or busybox on " + v.subject() + "'s PATH: the Coder agent cannot be downloaded",
		Location: v.fromLoc(), Fix: v.installFix("install curl", "curl", "ca-certificates")}}
}

func checkCR302(in *ImageInput) []Finding {
	v := newImgView(in)
	if (!v.has("sh") || !v.executable("/bin/sh")) && !v.baseOnlyProvides("sh", "bash", "dash", "busybox") {
		what := "no `sh` on PATH"
		if v.has("sh") {
			what = "no executable `/bin/sh`"
		}
		return []Finding{{Message: what + " in " + v.subject() + ": the agent's `sh -c` init script cannot start",
			Location: v.fromLoc(), Fix: v.installFix("install a shell", toolPackage("sh", v.manager()))}}
	}
	if !v.executable("/usr/bin/env") && !v.baseOnlyProvides("env", "coreutils", "busybox") {
		return []Finding{{Severity: SeverityWarning, Message: "no `/usr/bin/env` in " + v.subject() + ": the agent script's `#!/usr/bin/env sh` shebang fails",
			Location: v.fromLoc(), Fix: v.installFix("install coreutils", "coreutils")}}
	}
	return nil
}

// providedMissing returns the tools of names missing from the image and
// not provided by the Dockerfile when the facts are of its base.
func (v *imgView) providedMissing(names ...string) []string {
	var out []string
	for _, t := range v.missing(names...) {
		if !v.baseOnlyProvides(t, toolPackage(t, v.manager()), "busybox") {
			out = append(out, t)
		}
	}
	return out
}

func checkCR303(in *ImageInput) []Finding {
	v := newImgView(in)
	var out []Finding
	if miss := v.providedMissing("mktemp", "chmod", "sleep"); len(miss) > 0 {
		out = append(out, Finding{Message: fmt.Sprintf("%s missing from %s: the agent bootstrap script fails", tick(miss), v.subject()),
			Location: v.fromLoc(), Fix: v.installFix("install coreutils", "coreutils")})
	}
	if miss := v.providedMissing("head", "grep"); len(miss) > 0 {
		pkgs := toolPackages(miss, v.manager())
		out = append(out, Finding{Severity: SeverityWarning, Message: fmt.Sprintf("%s missing from %s: newer agent bootstrap scripts use them to check the download", tick(miss), v.subject()),
			Location: v.fromLoc(), Fix: v.installFix("install "+strings.Join(pkgs, " "), pkgs...)})
	}
	return out
}

func checkCR304(in *ImageInput) []Finding {
	v := newImgView(in)
	if v.has("curl") || v.baseOnlyProvides("curl", "wget", "curl-minimal", "wget2", "ssl_client", "busybox-extras", "openssl") {
		return nil
	}
	e, ok := v.f.FindExecutable("wget")
	if ok && !e.Busybox {
		return nil // a real wget
	}
	bb := v.f.Busybox
	if (!ok && !v.has("busybox")) || bb == nil || !bb.Scanned {
		return nil // no busybox wget, or unknown
	}
	if bb.InternalTLS || (bb.SSLClient && v.has("ssl_client")) || (bb.OpenSSLHelper && v.has("openssl")) {
		return nil
	}
	why := "built without TLS and no `ssl_client` on PATH"
	if bb.SSLClient {
		why = "its HTTPS helper `ssl_client` is not on PATH"
	}
	return []Finding{{Message: "the only download tool is busybox wget, which cannot fetch https:// (" + why + "): the agent download fails",
		Location: v.fromLoc(), Fix: v.installFix("install curl", "curl", "ca-certificates")}}
}

func checkCR305(in *ImageInput) []Finding {
	v := newImgView(in)
	if v.has("git") || v.baseOnlyProvides("git", "git-core", "git-all") {
		return nil
	}
	return []Finding{{Message: "no git on " + v.subject() + "'s PATH", Location: v.fromLoc(), Fix: v.installFix("install git", "git")}}
}

func checkCR313(in *ImageInput) []Finding {
	v := newImgView(in)
	var out []Finding
	report := func(tools []string, sev Severity, kind string) {
		miss := v.providedMissing(tools...)
		if len(miss) == 0 {
			return
		}
		pkgs := toolPackages(miss, v.manager())
		out = append(out, Finding{Severity: sev, Message: fmt.Sprintf("%s tools missing from %s: %s", kind, v.subject(), tick(miss)),
			Location: v.fromLoc(), Fix: v.installFix("install "+strings.Join(pkgs, " "), pkgs...)})
	}
	report(in.Config.RequiredTools, SeverityError, "required")
	report(in.Config.RecommendedTools, SeverityInfo, "recommended")
	return out
}

func checkCR318(in *ImageInput) []Finding {
	v := newImgView(in)
	miss := v.providedMissing("tar", "gzip")
	if len(miss) == 0 {
		return nil
	}
	return []Finding{{Message: fmt.Sprintf("%s missing from %s: IDE servers cannot be unpacked", tick(miss), v.subject()),
		Location: v.fromLoc(), Fix: v.installFix("install "+strings.Join(miss, " "), miss...)}}
}

func checkCR324(in *ImageInput) []Finding {
	if in.Config.ImageRole != RoleDevcontainerHost {
		return nil
	}
	v := newImgView(in)
	var miss []string
	for _, t := range []string{"docker", "dockerd"} {
		if !v.has(t) && !v.baseOnlyProvides(t, "docker.io", "docker-ce", "docker-ce-cli", "moby-engine", "moby-cli", "docker-cli", "docker-engine") &&
			!v.baseOnlyDockerScript() {
			miss = append(miss, t)
		}
	}
	cliMissing := !v.has("devcontainer") && !v.baseOnlyProvides("devcontainer") && !v.baseOnlyNpmCLI()
	if cliMissing {
		miss = append(miss, "devcontainer")
	}
	if len(miss) == 0 {
		return nil
	}
	m := v.manager()
	var pkgs []string
	if len(v.missing("docker", "dockerd")) > 0 {
		pkgs = append(pkgs, toolPackage("docker", m))
	}
	cmd := ""
	if cliMissing {
		if !v.has("npm") {
			pkgs = append(pkgs, "npm")
		}
		cmd = "npm install -g @devcontainers/cli"
	}
	var fix *Fix
	switch {
	case m == PMUnknown:
		fix = &Fix{Description: "install docker (CLI and daemon) and the Dev Containers CLI (`npm install -g @devcontainers/cli`)"}
	case len(pkgs) > 0 && cmd != "":
		fix = v.runFix("install docker and the Dev Containers CLI", InstallLine(m, pkgs...)+" && "+cmd, false)
	case len(pkgs) > 0:
		fix = v.installFix("install docker", pkgs...)
	default:
		fix = v.runFix("install the Dev Containers CLI", cmd, false)
	}
	return []Finding{{Message: fmt.Sprintf("an image meant to host Dev Containers lacks %s", tick(miss)), Location: v.fromLoc(), Fix: fix}}
}

// baseOnlyDockerScript reports whether the Dockerfile runs Docker's
// convenience install script (get.docker.com) on the base.
func (v *imgView) baseOnlyDockerScript() bool {
	if !v.in.BaseOnly || v.df == nil {
		return false
	}
	for _, ins := range v.df.instructions(v.df.final) {
		if ins.Cmd == "run" && strings.Contains(ins.Original, "get.docker.com") {
			return true
		}
	}
	return false
}

// baseOnlyNpmCLI reports whether the Dockerfile installs the Dev
// Containers CLI with npm on the base.
func (v *imgView) baseOnlyNpmCLI() bool {
	if !v.in.BaseOnly {
		return false
	}
	for _, c := range v.chainCommands() {
		if c.Name == "npm" && strings.Contains(strings.Join(c.Args, " "), "@devcontainers/cli") {
			return true
		}
	}
	return false
}

func checkCR325(in *ImageInput) []Finding {
	if !in.DevcontainerBuild {
		return nil
	}
	v := newImgView(in)
	miss := v.providedMissing("mkdir", "chmod", "sh", "id", "chown")
	if len(miss) == 0 {
		return nil
	}
	pkgs := toolPackages(miss, v.manager())
	return []Finding{{Message: fmt.Sprintf("%s missing from %s: Coder cannot inject its agent into the dev container", tick(miss), v.subject()),
		Location: v.fromLoc(), Fix: v.installFix("install "+strings.Join(pkgs, " "), pkgs...)}}
}
