package checks

import (
	"fmt"
	"path"
	"strings"

	"github.com/coderready/coderready/image"
)

// agentPlatforms are the platforms Coder publishes agent builds for.
var agentPlatforms = []string{"linux/amd64", "linux/arm64", "linux/arm/v7"}

func platformString(p image.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

func supportedPlatform(p image.Platform) bool {
	s := platformString(p)
	for _, a := range agentPlatforms {
		if s == a || (p.Architecture == "arm64" && p.OS == "linux" && (p.Variant == "" || p.Variant == "v8")) {
			return true
		}
	}
	return false
}

func init() {
	Register(&Rule{
		ID: "CR306", Title: "No CA certificates", Severity: SeverityError, Family: FamilyImage,
		What:     "No CA bundle in any of the trust locations Go and curl read (`/etc/ssl/certs/ca-certificates.crt`, `/etc/pki/tls/certs/ca-bundle.crt`, ...), and no certificates in the trust directories.",
		Why:      "The agent is downloaded over HTTPS and the agent itself talks TLS to the Coder server; without trusted roots both fail.",
		HowToFix: "Install ca-certificates.",
		Sources:  []string{"ca", "bootstrap"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			if len(in.Facts.CA.Certificates) > 0 || in.Facts.CA.Bundle != "" || v.baseOnlyInstalls("ca-certificates") {
				return nil
			}
			return []Finding{{Message: "no CA certificates in the image's trust store: HTTPS downloads, the agent's included, fail",
				Location: v.fromLoc(), Fix: v.installFix("install ca-certificates", "ca-certificates")}}
		},
	})
	Register(&Rule{
		ID: "CR307", Title: "Org CA not trusted", Severity: SeverityError, Family: FamilyImage, ConfigOnly: true,
		What:     "A CA from config's `org-ca` (by SHA-256 fingerprint) is not in the image's trust store.",
		Why:      "When the Coder deployment uses an internal CA, the agent and git need it in the image's trust store.",
		HowToFix: "COPY the certificate to the family's anchor dir and refresh the trust store (`update-ca-certificates` / `update-ca-trust extract`).",
		Sources:  []string{"seed", "ca"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			var out []Finding
			for _, ca := range in.Config.OrgCAs {
				if in.Facts.HasCertificate(ca.SHA256) {
					continue
				}
				name := ca.Name
				if name == "" {
					name = ca.SHA256[:16] + "…"
				}
				fam := v.manager().Family()
				out = append(out, Finding{Message: fmt.Sprintf("org CA %q is not in the image's trust store", name), Location: v.fromLoc(),
					Fix: &Fix{Description: fmt.Sprintf("COPY the certificate into %s and run `%s`", CAAnchorDir(fam), CARefreshCommand(fam))}})
			}
			return out
		},
	})
	Register(&Rule{
		ID: "CR308", Title: "Image runs as root", Severity: SeverityWarning, Family: FamilyImage,
		What:     "The image's config user is empty, `root` or `0`.",
		Why:      "Coder's image guidance: create and switch to a non-root user; the templates run workspaces as `coder`.",
		HowToFix: "Create the user and end with `USER coder`.",
		Sources:  []string{"seed"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			// A Dockerfile's own user is CR101's; a devcontainer's is CR205's.
			if v.df != nil || in.DevcontainerBuild || !isRootUser(in.Facts.Config.User) {
				return nil
			}
			return []Finding{{Message: "the image runs as root", Location: v.fromLoc(),
				Fix: &Fix{Description: "create a user and switch to it: `RUN " + UserCreateLine(FactsBase(in.Ref, in.Facts), "coder") + "` then `USER coder`"}}}
		},
	})
	Register(&Rule{
		ID: "CR309", Title: "Config user not in /etc/passwd", Severity: SeverityError, Family: FamilyImage,
		What:     "The image's config `User` (name or UID) has no `/etc/passwd` entry.",
		Why:      "The agent starts sessions with the user's login shell and home from `/etc/passwd`; without an entry it has neither.",
		HowToFix: "Create the user: `useradd --create-home --shell /bin/bash --uid 1000 --user-group coder` (apk: `adduser -D -s /bin/bash -u 1000 coder`).",
		Sources:  []string{"agent"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			if v.baseOnlyUser() || isRootUser(in.Facts.Config.User) {
				return nil
			}
			if _, ok := v.configUser(); ok {
				return nil
			}
			name := strings.SplitN(in.Facts.Config.User, ":", 2)[0]
			return []Finding{{Message: fmt.Sprintf("user `%s` is not in /etc/passwd", in.Facts.Config.User), Location: v.userLoc(),
				Fix: &Fix{Description: "create it: `RUN " + UserCreateLine(FactsBase(in.Ref, in.Facts), userOrCoder(name)) + "`"}}}
		},
	})
	Register(&Rule{
		ID: "CR310", Title: "Home directory missing or not owned", Severity: SeverityWarning, Family: FamilyImage,
		What:     "The config user's home directory does not exist or is not owned by the user.",
		Why:      "The agent starts sessions in `$HOME`; shells and tools write their files there.",
		HowToFix: "Create it with `useradd -m`, or `chown` it to the user.",
		Sources:  []string{"agent"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			if v.baseOnlyUser() || isRootUser(in.Facts.Config.User) {
				return nil
			}
			u, ok := v.configUser()
			if !ok || u.Home == "" {
				return nil
			}
			f, exists := in.Facts.Stat(u.Home)
			switch {
			case !exists:
				return []Finding{{Message: fmt.Sprintf("the home of `%s`, %s, does not exist", u.Name, u.Home), Location: v.userLoc(),
					Fix: &Fix{Description: fmt.Sprintf("`RUN mkdir -p %s && chown %d:%d %s`", u.Home, u.UID, u.GID, u.Home)}}}
			case f.UID != u.UID:
				return []Finding{{Message: fmt.Sprintf("%s is owned by UID %d, not by `%s` (%d)", u.Home, f.UID, u.Name, u.UID), Location: v.userLoc(),
					Fix: &Fix{Description: fmt.Sprintf("`RUN chown %d:%d %s`", u.UID, u.GID, u.Home)}}}
			}
			return nil
		},
	})
	Register(&Rule{
		ID: "CR311", Title: "Platform without a Coder agent", Severity: SeverityError, Family: FamilyImage,
		What:     "The image's platform is not linux/amd64, linux/arm64 or linux/arm/v7; each platform of a multi-platform index is judged.",
		Why:      "Coder publishes agent builds for those platforms only; on any other the bootstrap script has nothing to download.",
		HowToFix: "Build for a supported platform.",
		Sources:  []string{"bootstrap"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			var out []Finding
			seen := map[string]bool{}
			check := func(p image.Platform) {
				s := platformString(p)
				if p.OS == "" || p.OS == "unknown" || seen[s] || supportedPlatform(p) {
					return
				}
				seen[s] = true
				out = append(out, Finding{Message: fmt.Sprintf("platform %s has no Coder agent build (only %s)", s, strings.Join(agentPlatforms, ", ")), Location: v.fromLoc()})
			}
			check(in.Facts.Platform)
			for _, p := range in.Facts.Platforms {
				check(p)
			}
			return out
		},
	})
	Register(&Rule{
		ID: "CR312", Title: "musl libc", Severity: SeverityWarning, Family: FamilyImage,
		What:     "The image uses musl libc (Alpine and its kin).",
		Why:      "VS Code Remote-SSH and code-server standalone need glibc ≥ 2.28, and JetBrains backends need glibc; the agent itself is static and runs.",
		HowToFix: "Use a glibc base (Debian, Ubuntu, Fedora) for workspaces where developers use those IDEs.",
		Sources:  []string{"ide", "agent"},
		Image: func(in *ImageInput) []Finding {
			if in.Facts.Libc.Kind != image.LibcMusl {
				return nil
			}
			return []Finding{{Message: "musl libc: VS Code Remote, code-server standalone and JetBrains IDEs will not run in this workspace", Location: newImgView(in).fromLoc()}}
		},
	})
	Register(&Rule{
		ID: "CR314", Title: "/tmp missing or not 1777", Severity: SeverityError, Family: FamilyImage,
		What:     "`/tmp` does not exist, or its mode is not 1777.",
		Why:      "The bootstrap script makes its work directory with `mktemp -d` under /tmp and executes the agent from it.",
		HowToFix: "`RUN mkdir -p /tmp && chmod 1777 /tmp`",
		Sources:  []string{"bootstrap"},
		Image: func(in *ImageInput) []Finding {
			f, ok := in.Facts.Stat("/tmp")
			if ok && f.Type == image.TypeDir && f.Mode&0o7777 == 0o1777 {
				return nil
			}
			msg := "/tmp does not exist"
			if ok {
				msg = fmt.Sprintf("/tmp has mode %04o, not 1777", f.Mode&0o7777)
			}
			return []Finding{{Message: msg + ": the agent bootstrap script cannot make its work directory", Location: newImgView(in).fromLoc(),
				Fix: &Fix{Description: "`RUN mkdir -p /tmp && chmod 1777 /tmp`"}}}
		},
	})
	Register(&Rule{
		ID: "CR316", Title: "Login shell missing", Severity: SeverityError, Family: FamilyImage,
		What:     "The config user's login shell (passwd field 7) is missing or not executable (error), or is `nologin`/`false` (warning).",
		Why:      "The agent starts terminal and SSH sessions with the user's login shell from /etc/passwd.",
		HowToFix: "Install the shell, or `usermod --shell /bin/bash <user>`.",
		Sources:  []string{"agent"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			if v.baseOnlyUser() {
				return nil
			}
			u, ok := v.configUser()
			if !ok || u.Shell == "" {
				return nil
			}
			base := path.Base(u.Shell)
			if base == "nologin" || base == "false" {
				return []Finding{{Severity: SeverityWarning, Message: fmt.Sprintf("`%s` has the login shell %s: sessions cannot start a shell", u.Name, u.Shell), Location: v.userLoc(),
					Fix: &Fix{Description: fmt.Sprintf("`RUN usermod --shell /bin/bash %s`", u.Name)}}}
			}
			if _, f, err := in.Facts.Resolve(u.Shell); err != nil || !f.Executable() {
				return []Finding{{Message: fmt.Sprintf("`%s`'s login shell %s is not in the image", u.Name, u.Shell), Location: v.userLoc(),
					Fix: v.installFix("install "+base, base)}}
			}
			return nil
		},
	})
	Register(&Rule{
		ID: "CR317", Title: "glibc or libstdc++ too old for IDEs", Severity: SeverityWarning, Family: FamilyImage,
		What:     "glibc older than 2.28, or a libstdc++ without `GLIBCXX_3.4.25`.",
		Why:      "VS Code's server and code-server need glibc ≥ 2.28 and libstdc++ ≥ 3.4.25.",
		HowToFix: "Use a newer base (Debian 10+, Ubuntu 20.04+, RHEL 8+).",
		Sources:  []string{"ide"},
		Image: func(in *ImageInput) []Finding {
			l := in.Facts.Libc
			if l.Kind != image.LibcGlibc || l.Version == "" || l.AtLeast("2.28") {
				return nil
			}
			return []Finding{{Message: fmt.Sprintf("glibc %s is older than 2.28: VS Code and code-server will not run", l.Version), Location: newImgView(in).fromLoc()}}
		},
	})
	Register(&Rule{
		ID: "CR323", Title: "32-bit ARM", Severity: SeverityInfo, Family: FamilyImage,
		What:     "The image is linux/arm/v7.",
		Why:      "The agent runs on armv7, but JetBrains backends and code-server standalone do not.",
		HowToFix: "Build for linux/arm64 where the hardware allows.",
		Sources:  []string{"ide", "bootstrap"},
		Image: func(in *ImageInput) []Finding {
			if in.Facts.Platform.Architecture != "arm" {
				return nil
			}
			return []Finding{{Message: "linux/arm/v7: the agent works, JetBrains and code-server standalone do not", Location: newImgView(in).fromLoc()}}
		},
	})
	Register(&Rule{
		ID: "CR319", Title: "Services but no passwordless sudo", Severity: SeverityWarning, Family: FamilyImage,
		What:     "A non-root user without passwordless sudo in an image that has services to start (`dockerd`, systemd).",
		Why:      "Coder's templates start such services from the startup script with `sudo`.",
		HowToFix: "Install sudo and add `<user> ALL=(ALL) NOPASSWD:ALL` in `/etc/sudoers.d/`.",
		Sources:  []string{"templates"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			if v.baseOnlyUser() || isRootUser(in.Facts.Config.User) || (!v.has("dockerd") && !v.has("systemctl")) {
				return nil
			}
			u, ok := v.configUser()
			if !ok || (v.has("sudo") && in.Facts.PasswordlessSudo(u)) {
				return nil
			}
			return []Finding{{Message: fmt.Sprintf("`%s` cannot start the image's services: no passwordless sudo", u.Name), Location: v.userLoc(),
				Fix: &Fix{Description: fmt.Sprintf("`RUN echo '%s ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/%s && chmod 0440 /etc/sudoers.d/%s` (install sudo first)", u.Name, u.Name, u.Name)}}}
		},
	})
	Register(&Rule{
		ID: "CR320", Title: "No UID 1000 user at /home/coder", Severity: SeverityInfo, Family: FamilyImage,
		What:     "No user has UID 1000, or its home is not `/home/coder`.",
		Why:      "Coder's templates run as UID 1000 and mount the persistent home volume at /home/coder.",
		HowToFix: "As Coder's minimal image does: `useradd --create-home --shell /bin/bash --uid 1000 --user-group coder`.",
		Sources:  []string{"templates"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			if in.DevcontainerBuild {
				return nil
			}
			u, ok := in.Facts.LookupUser("1000")
			if ok && u.Home == "/home/coder" {
				return nil
			}
			if in.BaseOnly && v.df != nil && len(v.df.usersCreated(v.df.final)) > 0 {
				return nil
			}
			msg := "no user with UID 1000: Coder's templates run the workspace as UID 1000"
			if ok {
				msg = fmt.Sprintf("UID 1000 is `%s` with home %s; Coder's templates mount the home volume at /home/coder", u.Name, u.Home)
			}
			return []Finding{{Message: msg, Location: v.userLoc(), Fix: &Fix{Description: "`RUN " + UserCreateLine(FactsBase(in.Ref, in.Facts), "coder") + "`"}}}
		},
	})
	Register(&Rule{
		ID: "CR326", Title: "User not in the docker group", Severity: SeverityInfo, Family: FamilyImage,
		What:     "`docker` is installed but the config user is not in the `docker` group.",
		Why:      "Without the group the user cannot reach the Docker socket without sudo.",
		HowToFix: "`usermod -aG docker <user>`",
		Sources:  []string{"seed"},
		Image: func(in *ImageInput) []Finding {
			v := newImgView(in)
			if v.baseOnlyUser() || isRootUser(in.Facts.Config.User) || !v.has("docker") {
				return nil
			}
			u, ok := v.configUser()
			if !ok {
				return nil
			}
			for _, g := range in.Facts.UserGroups(u) {
				if g == "docker" {
					return nil
				}
			}
			return []Finding{{Message: fmt.Sprintf("docker is installed but `%s` is not in the docker group", u.Name), Location: v.userLoc(),
				Fix: &Fix{Description: fmt.Sprintf("`RUN usermod -aG docker %s`", u.Name)}}}
		},
	})
}

func userOrCoder(name string) string {
	if name == "" || strings.Trim(name, "0123456789") == "" {
		return "coder"
	}
	return name
}
