package checks

import (
	"fmt"
	"strings"
)

// toolPackage names the package that ships a tool, per family.
func toolPackage(tool string, m PackageManager) string {
	switch tool {
	case "ssh":
		if m.Family() == OSRHEL {
			return "openssh-clients"
		}
		if m == PMZypper {
			return "openssh-clients"
		}
		return "openssh-client"
	case "mktemp", "chmod", "sleep", "head", "id", "chown", "mkdir":
		return "coreutils"
	case "sh":
		if m == PMApk {
			return "busybox"
		}
		return "bash"
	case "docker":
		if m == PMApt {
			return "docker.io"
		}
		return "docker"
	}
	return tool
}

func toolPackages(tools []string, m PackageManager) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range tools {
		p := toolPackage(t, m)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

func init() {
	Register(&Rule{
		ID: "CR300", Title: "Image cannot be built or read", Severity: SeverityError, Family: FamilyImage,
		What:     "The image could not be built, or could not be read once built. A build failure sits on the failing Dockerfile line with the end of the build log.",
		Why:      "Nothing else can be checked, and Coder cannot start a workspace from an image that does not build.",
		HowToFix: "Read the reason and the log tail in the finding.",
		Sources:  []string{"seed"},
		// The scan reports this itself, where a build or read fails.
		Image: func(*ImageInput) []Finding { return nil },
	})
	Register(&Rule{
		ID: "CR301", Title: "No download tool for the agent", Severity: SeverityError, Family: FamilyImage,
		What: "No `curl`, `wget` or `busybox` executable on the image's PATH (symlinks resolved, executable bit checked).",
		Why: "Coder's agent bootstrap script downloads the agent with `curl`, else `wget`, else `busybox wget`, and otherwise prints " +
			"\"no download tool found\" and exits: the workspace never gets an agent.",
		HowToFix: "Install curl (with ca-certificates).",
		Sources:  []string{"seed", "bootstrap"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			if v.has("curl") || v.has("wget") || v.has("busybox") || v.baseOnlyInstalls(downloaders...) {
				return nil
			}
			return []Finding{{Message: "no curl, wget or busybox on the image's PATH: the Coder agent cannot be downloaded",
				Location: v.fromLoc(), Fix: v.installFix("install curl", "curl", "ca-certificates")}}
		},
	})
	Register(&Rule{
		ID: "CR302", Title: "No shell", Severity: SeverityError, Family: FamilyImage,
		What:     "No `sh` on PATH or no `/bin/sh` (error); no `/usr/bin/env` (warning).",
		Why:      "Templates start the agent with `sh -c <init script>`, and the script's shebang is `#!/usr/bin/env sh`.",
		HowToFix: "Install a shell (bash, or busybox on minimal images) and coreutils.",
		Sources:  []string{"bootstrap", "templates"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			_, binSh := v.f.Stat("/bin/sh")
			if (!v.has("sh") || !binSh) && !v.baseOnlyInstalls("bash", "dash", "busybox") {
				return []Finding{{Message: "no `sh` on PATH or no `/bin/sh`: the agent's init script cannot start",
					Location: v.fromLoc(), Fix: v.installFix("install a shell", toolPackage("sh", v.manager()))}}
			}
			if f, ok := v.f.Stat("/usr/bin/env"); !ok || !f.Executable() {
				if v.baseOnlyInstalls("coreutils") {
					return nil
				}
				return []Finding{{Severity: SeverityWarning, Message: "no `/usr/bin/env`: the agent script's `#!/usr/bin/env sh` shebang fails",
					Location: v.fromLoc(), Fix: v.installFix("install coreutils", "coreutils")}}
			}
			return nil
		},
	})
	Register(&Rule{
		ID: "CR303", Title: "Bootstrap script tools missing", Severity: SeverityError, Family: FamilyImage,
		What:     "`mktemp`, `chmod` or `sleep` is missing (error); `head` or `grep` is missing (warning).",
		Why:      "The bootstrap script runs `mktemp -d`, `chmod +x` and `sleep` between retries; newer versions check `./coder --version | head -n1 | grep -q Coder`.",
		HowToFix: "Install coreutils and grep (or busybox).",
		Sources:  []string{"bootstrap"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			var out []Finding
			if miss := v.missing("mktemp", "chmod", "sleep"); len(miss) > 0 && !v.baseOnlyInstalls("coreutils", "busybox") {
				out = append(out, Finding{Message: fmt.Sprintf("%s missing: the agent bootstrap script fails", tick(miss)),
					Location: v.fromLoc(), Fix: v.installFix("install coreutils", "coreutils")})
			}
			if miss := v.missing("head", "grep"); len(miss) > 0 && !v.baseOnlyInstalls(toolPackages(miss, v.manager())...) {
				out = append(out, Finding{Severity: SeverityWarning, Message: fmt.Sprintf("%s missing: newer agent bootstrap scripts use them to check the download", tick(miss)),
					Location: v.fromLoc(), Fix: v.installFix("install "+strings.Join(toolPackages(miss, v.manager()), " "), toolPackages(miss, v.manager())...)})
			}
			return out
		},
	})
	Register(&Rule{
		ID: "CR304", Title: "busybox wget without HTTPS", Severity: SeverityWarning, Family: FamilyImage,
		What:     "The only download tool is busybox's wget, and the busybox has no TLS: no internal TLS code and no `ssl_client` helper on PATH.",
		Why:      "The Coder agent is downloaded over HTTPS; busybox wget without TLS support cannot fetch it.",
		HowToFix: "Install curl.",
		Sources:  []string{"bootstrap"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			if v.has("curl") || v.baseOnlyInstalls("curl", "wget") {
				return nil
			}
			e, ok := v.f.FindExecutable("wget")
			if ok && !e.Busybox {
				return nil
			}
			bb := v.f.Busybox
			if (!ok && !v.has("busybox")) || bb == nil || !bb.Scanned {
				return nil
			}
			if bb.InternalTLS || (bb.SSLClient && v.has("ssl_client")) || (bb.OpenSSLHelper && v.has("openssl")) {
				return nil
			}
			return []Finding{{Message: "the only download tool is busybox wget, built without HTTPS support: the agent download fails",
				Location: v.fromLoc(), Fix: v.installFix("install curl", "curl", "ca-certificates")}}
		},
	})
	Register(&Rule{
		ID: "CR305", Title: "No git", Severity: SeverityWarning, Family: FamilyImage,
		What:     "`git` is not on the image's PATH.",
		Why:      "Coder's image guidance: developers clone repositories into the workspace; git belongs in every workspace image.",
		HowToFix: "Install git.",
		Sources:  []string{"seed"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			if v.has("git") || v.baseOnlyInstalls("git", "git-core", "git-all") || (in.BaseOnly && in.DevcontainerBuild) {
				return nil
			}
			return []Finding{{Message: "no git on the image's PATH", Location: v.fromLoc(), Fix: v.installFix("install git", "git")}}
		},
	})
	Register(&Rule{
		ID: "CR313", Title: "Recommended or required tool missing", Severity: SeverityInfo, Family: FamilyImage,
		What:     "A tool config lists is not on PATH: `recommended-tools` (default bash, ssh, jq) at info, `required-tools` at error.",
		Why:      "Coder's image guidance lists common utilities (ssh, bash, jq, docker, internal tooling) a golden image should carry.",
		HowToFix: "Install them, or change the lists in config.",
		Sources:  []string{"seed"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			if in.BaseOnly && in.DevcontainerBuild {
				return nil
			}
			var out []Finding
			report := func(tools []string, sev Severity, kind string) {
				var miss []string
				for _, t := range v.missing(tools...) {
					if !v.baseOnlyInstalls(toolPackage(t, v.manager())) {
						miss = append(miss, t)
					}
				}
				if len(miss) == 0 {
					return
				}
				pkgs := toolPackages(miss, v.manager())
				out = append(out, Finding{Severity: sev, Message: fmt.Sprintf("%s tools missing: %s", kind, tick(miss)),
					Location: v.fromLoc(), Fix: v.installFix("install "+strings.Join(pkgs, " "), pkgs...)})
			}
			report(in.Config.RequiredTools, SeverityError, "required")
			report(in.Config.RecommendedTools, SeverityInfo, "recommended")
			return out
		},
	})
	Register(&Rule{
		ID: "CR318", Title: "No tar or gzip", Severity: SeverityInfo, Family: FamilyImage,
		What:     "`tar` or `gzip` is not on PATH.",
		Why:      "VS Code's server installs by unpacking a tarball; Remote-SSH and code-server need `tar`.",
		HowToFix: "Install tar and gzip.",
		Sources:  []string{"ide"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			miss := v.missing("tar", "gzip")
			if len(miss) == 0 || v.baseOnlyInstalls(miss...) {
				return nil
			}
			return []Finding{{Message: fmt.Sprintf("%s missing: IDE servers cannot be unpacked", tick(miss)), Location: v.fromLoc(), Fix: v.installFix("install "+strings.Join(miss, " "), miss...)}}
		},
	})
	Register(&Rule{
		ID: "CR325", Title: "Dev Container lacks agent injection tools", Severity: SeverityError, Family: FamilyImage,
		Builders: []Builder{BuilderNative},
		What:     "A Dev Container image lacks `mkdir`, `chmod`, `sh`, `id` or `chown`.",
		Why:      "Coder's native Dev Containers integration injects its agent into the container with these commands, as root.",
		HowToFix: "Install coreutils and a shell.",
		Sources:  []string{"native"},
		Image: func(in *ImageInput) []Finding {
			if !in.DevcontainerBuild {
				return nil
			}
			v := newImgView(in)
			miss := v.missing("mkdir", "chmod", "sh", "id", "chown")
			if len(miss) == 0 || v.baseOnlyInstalls("coreutils", "busybox") {
				return nil
			}
			return []Finding{{Message: fmt.Sprintf("%s missing: Coder cannot inject its agent into the dev container", tick(miss)),
				Location: v.fromLoc(), Fix: v.installFix("install coreutils", toolPackages(miss, v.manager())...)}}
		},
	})
	Register(&Rule{
		ID: "CR321", Title: "ENTRYPOINT or CMD starts services", Severity: SeverityInfo, Family: FamilyImage,
		What:     "The image's ENTRYPOINT or CMD starts services (`dockerd`, `/sbin/init`, systemd, `supervisord`).",
		Why:      "Coder's templates replace the container's command with the agent's init script: the services never start.",
		HowToFix: "Start them from the template's startup script (coder_script), with sudo where needed.",
		Sources:  []string{"templates"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			cmd := strings.Join(append(append([]string{}, in.Facts.Config.Entrypoint...), in.Facts.Config.Cmd...), " ")
			for _, s := range []string{"dockerd", "/sbin/init", "systemd", "supervisord", "/usr/sbin/sshd"} {
				if strings.Contains(cmd, s) {
					return []Finding{{Message: fmt.Sprintf("the image's command `%s` starts `%s`, which will not run under Coder", cmd, s), Location: v.fromLoc()}}
				}
			}
			return nil
		},
	})
}
