package checks

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/coderready/coderready/image"
)

// The image rules about the user the workspace runs as: root (CR308), its
// /etc/passwd entry, home and login shell (CR309, CR310, CR316), what
// Coder's templates assume (CR320), and the privileges services need
// (CR319, CR326). Findings sit on the Dockerfile's last USER, else its
// FROM; fixes are inserted before that USER.

func init() {
	Register(&Rule{
		ID: "CR308", Title: "Image runs as root", Severity: SeverityWarning, Family: FamilyImage,
		What: "The image's config user is empty, `root` or `0`. Not reported for an image from a Dockerfile (CR101 judges its USER) " +
			"or for a Dev Container (its remoteUser/containerUser decides).",
		Why:      "Coder's image guidance: create and switch to a non-root user; the templates run workspaces as `coder`. " + cite("seed"),
		HowToFix: "Create the user and end with `USER coder`.",
		Sources:  []string{"seed"},
		Image:    checkCR308,
	})
	Register(&Rule{
		ID: "CR309", Title: "Config user not in /etc/passwd", Severity: SeverityError, Family: FamilyImage,
		What: "The image's config `User` (a name, or a UID) has no `/etc/passwd` entry. A numeric UID is fine only when `/etc/passwd` has it too.",
		Why: "The agent starts sessions with the user's login shell from `/etc/passwd` (else `$SHELL`, else an error) in its home: " +
			"a user without an entry has neither. " + cite("agent"),
		HowToFix: "Create the user: `useradd --create-home --shell /bin/bash --uid 1000 --user-group coder` (apk: `adduser -D -s /bin/bash -u 1000 coder`).",
		Sources:  []string{"agent"},
		Image:    checkCR309,
	})
	Register(&Rule{
		ID: "CR310", Title: "Home directory missing or not owned", Severity: SeverityWarning, Family: FamilyImage,
		What:     "The config user's home directory (passwd field 6) does not exist, or is not owned by the user.",
		Why:      "The agent starts sessions in `$HOME`; shells and tools write their files there. " + cite("agent"),
		HowToFix: "Create it with `useradd --create-home`, or `chown` it to the user.",
		Sources:  []string{"agent"},
		Image:    checkCR310,
	})
	Register(&Rule{
		ID: "CR316", Title: "Login shell missing", Severity: SeverityError, Family: FamilyImage,
		What:     "The config user's login shell (passwd field 7) is missing or not executable (error), or is `nologin`/`false` (warning).",
		Why:      "The agent starts terminal and SSH sessions with the user's login shell from `/etc/passwd`. " + cite("agent"),
		HowToFix: "Install the shell, or `usermod --shell /bin/bash <user>`.",
		Sources:  []string{"agent"},
		Image:    checkCR316,
	})
	Register(&Rule{
		ID: "CR319", Title: "Services but no passwordless sudo", Severity: SeverityWarning, Family: FamilyImage,
		What: "The config user is not root and has no passwordless sudo (sudo on PATH and a `NOPASSWD: ALL` rule for the user, " +
			"its UID, a group of its, or ALL), in an image with services to start: `dockerd` or `systemd` on PATH, or `/lib/systemd/systemd`.",
		Why:      "Coder's templates start such services from the workspace's startup script with `sudo`. " + cite("templates"),
		HowToFix: "Install sudo and add `<user> ALL=(ALL) NOPASSWD:ALL` in `/etc/sudoers.d/`.",
		Sources:  []string{"templates"},
		Image:    checkCR319,
	})
	Register(&Rule{
		ID: "CR320", Title: "No UID 1000 user at /home/coder", Severity: SeverityInfo, Family: FamilyImage,
		What:     "No user has UID 1000, or its home is not `/home/coder`.",
		Why:      "Coder's Docker and Kubernetes templates run the workspace as UID 1000 and mount the persistent home volume on `/home/coder`. " + cite("templates"),
		HowToFix: "As Coder's minimal image does: `useradd --create-home --shell /bin/bash --uid 1000 --user-group coder` (removing a user that holds UID 1000 first).",
		Sources:  []string{"templates"},
		Image:    checkCR320,
	})
	Register(&Rule{
		ID: "CR326", Title: "User not in the docker group", Severity: SeverityInfo, Family: FamilyImage,
		What:     "`docker` is on PATH but the config user (not root) is not in the `docker` group.",
		Why:      "Coder's image guidance lists docker among a workspace's utilities; without the group the user cannot reach the Docker socket without sudo. " + cite("seed"),
		HowToFix: "`usermod -aG docker <user>` (Alpine: `addgroup <user> docker`).",
		Sources:  []string{"seed"},
		Image:    checkCR326,
	})
}

// userSpecName is the name part of a config user ("coder:coder" → "coder").
func userSpecName(spec string) string {
	name, _, _ := strings.Cut(strings.TrimSpace(spec), ":")
	return name
}

// createUserLine is the command that creates the config user: by name with
// UID 1000, or, for a numeric config user, user coder with that UID.
func createUserLine(f *image.Facts, spec string) string {
	name := userSpecName(spec)
	uid, numeric := numericUser(spec)
	if !numeric {
		return UserCreateLine(FactsBase(f), name)
	}
	line := UserCreateLine(FactsBase(f), "coder")
	if uid == 1000 {
		return line
	}
	u := strconv.Itoa(uid)
	line = strings.Replace(line, "--uid 1000 ", "--uid "+u+" ", 1)
	return strings.Replace(line, "-u 1000 ", "-u "+u+" ", 1)
}

// userModLine runs usermod with args; Alpine's busybox has no usermod, so
// shadow is installed first there.
func userModLine(m PackageManager, args string) string {
	if m == PMApk {
		return InstallLine(PMApk, "shadow") + " && usermod " + args
	}
	return "usermod " + args
}

// loginShell picks the shell to give a user: bash when the image has it.
func (v *imgView) loginShell() string {
	if v.has("bash") {
		return "/bin/bash"
	}
	return "/bin/sh"
}

func checkCR308(in *ImageInput) []Finding {
	v := newImgView(in)
	if v.df != nil || in.DevcontainerBuild || !isRootUser(in.Facts.Config.User) {
		return nil
	}
	return []Finding{{Message: v.subject() + " runs as root", Location: v.fromLoc(),
		Fix: &Fix{Description: "create a user and switch to it: `RUN " + UserCreateLine(FactsBase(in.Facts), "coder") + "` then `USER coder`"}}}
}

func checkCR309(in *ImageInput) []Finding {
	v := newImgView(in)
	if v.baseOnlyUser() || isRootUser(in.Facts.Config.User) {
		return nil
	}
	if _, ok := v.configUser(); ok {
		return nil
	}
	msg := fmt.Sprintf("user `%s` is not in %s's /etc/passwd: the agent has no login shell or home for it", in.Facts.Config.User, v.subject())
	if _, numeric := numericUser(in.Facts.Config.User); numeric {
		msg = fmt.Sprintf("UID %s has no /etc/passwd entry in %s: the agent has no login shell or home for it", userSpecName(in.Facts.Config.User), v.subject())
	}
	return []Finding{{Message: msg, Location: v.userLoc(), Fix: v.runFix("create the user", createUserLine(in.Facts, in.Facts.Config.User), true)}}
}

func checkCR310(in *ImageInput) []Finding {
	v := newImgView(in)
	if v.baseOnlyUser() || isRootUser(in.Facts.Config.User) {
		return nil
	}
	u, ok := v.configUser()
	if !ok || u.Home == "" {
		return nil
	}
	f, exists := in.Facts.Stat(u.Home)
	own := fmt.Sprintf("%d:%d", u.UID, u.GID)
	switch {
	case !exists:
		return []Finding{{Message: fmt.Sprintf("the home of `%s`, %s, does not exist in %s", u.Name, u.Home, v.subject()), Location: v.userLoc(),
			Fix: v.runFix("create it", fmt.Sprintf("mkdir -p %s && chown %s %s", u.Home, own, u.Home), true)}}
	case !f.IsDir():
		return []Finding{{Message: fmt.Sprintf("the home of `%s`, %s, is not a directory", u.Name, u.Home), Location: v.userLoc(),
			Fix: v.runFix("make it a directory", fmt.Sprintf("rm -f %s && mkdir -p %s && chown %s %s", u.Home, u.Home, own, u.Home), true)}}
	case f.UID != u.UID:
		return []Finding{{Message: fmt.Sprintf("%s is owned by UID %d, not by `%s` (%d)", u.Home, f.UID, u.Name, u.UID), Location: v.userLoc(),
			Fix: v.runFix("give it to the user", fmt.Sprintf("chown %s %s", own, u.Home), true)}}
	}
	return nil
}

// shellPackages are login shells fixes can install by name.
var shellPackages = []string{"bash", "zsh", "fish", "dash", "ksh", "mksh", "tcsh"}

func checkCR316(in *ImageInput) []Finding {
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
		return []Finding{{Severity: SeverityWarning, Message: fmt.Sprintf("`%s` has the login shell %s: terminal and SSH sessions cannot start a shell", u.Name, u.Shell),
			Location: v.userLoc(), Fix: v.runFix("give the user a shell", userModLine(v.manager(), "--shell "+v.loginShell()+" "+u.Name), true)}}
	}
	if v.executable(u.Shell) || v.baseOnlyProvides(base) {
		return nil
	}
	var fix *Fix
	if slices.Contains(shellPackages, base) && v.manager() != PMUnknown {
		fix = v.installFix("install "+base, base)
	} else {
		fix = v.runFix("give the user a shell the image has", userModLine(v.manager(), "--shell "+v.loginShell()+" "+u.Name), true)
	}
	return []Finding{{Message: fmt.Sprintf("`%s`'s login shell %s is not an executable in %s", u.Name, u.Shell, v.subject()), Location: v.userLoc(), Fix: fix}}
}

// hasServices reports whether the image has services to start: dockerd or
// systemd.
func (v *imgView) hasServices() (string, bool) {
	for _, s := range []string{"dockerd", "systemd"} {
		if v.has(s) {
			return s, true
		}
	}
	for _, p := range []string{"/lib/systemd/systemd", "/usr/lib/systemd/systemd"} {
		if v.executable(p) {
			return "systemd", true
		}
	}
	return "", false
}

func checkCR319(in *ImageInput) []Finding {
	v := newImgView(in)
	if v.baseOnlyUser() || isRootUser(in.Facts.Config.User) {
		return nil
	}
	svc, ok := v.hasServices()
	if !ok {
		return nil
	}
	u, ok := v.configUser()
	if !ok {
		return nil // CR309
	}
	sudo := v.has("sudo")
	if sudo && in.Facts.PasswordlessSudo(u) {
		return nil
	}
	cmd := fmt.Sprintf("echo '%s ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/%s && chmod 0440 /etc/sudoers.d/%s", u.Name, u.Name, u.Name)
	if m := v.manager(); !sudo && m != PMUnknown {
		cmd = InstallLine(m, "sudo") + " && " + cmd
	}
	why := "no passwordless sudo"
	if !sudo {
		why = "no sudo"
	}
	return []Finding{{Message: fmt.Sprintf("`%s` cannot start %s in %s: %s", u.Name, svc, v.subject(), why), Location: v.userLoc(),
		Fix: v.runFix("give the user passwordless sudo", cmd, true)}}
}

func checkCR320(in *ImageInput) []Finding {
	v := newImgView(in)
	if in.DevcontainerBuild || (in.BaseOnly && v.df != nil && v.baseOnlyRuns("useradd", "adduser", "usermod", "userdel", "deluser")) {
		return nil
	}
	u, ok := in.Facts.LookupUser("1000")
	if ok && u.Home == "/home/coder" {
		return nil
	}
	if !ok {
		return []Finding{{Message: "no user with UID 1000 in " + v.subject() + ": Coder's templates run the workspace as UID 1000", Location: v.userLoc(),
			Fix: v.runFix("create user coder", UserCreateLine(FactsBase(in.Facts), "coder"), true)}}
	}
	msg := fmt.Sprintf("UID 1000 is `%s` with home %s; Coder's templates mount the home volume on /home/coder", u.Name, u.Home)
	cmd := UserCreateLine(FactsBase(in.Facts), "coder")
	if u.Name == "coder" {
		cmd = userModLine(v.manager(), "--home /home/coder --move-home coder")
	}
	return []Finding{{Message: msg, Location: v.userLoc(), Fix: v.runFix("make UID 1000 coder at /home/coder", cmd, true)}}
}

func checkCR326(in *ImageInput) []Finding {
	v := newImgView(in)
	if v.baseOnlyUser() || isRootUser(in.Facts.Config.User) || !v.has("docker") {
		return nil
	}
	u, ok := v.configUser()
	if !ok || u.UID == 0 || slices.Contains(in.Facts.UserGroups(u), "docker") {
		return nil
	}
	cmd := "groupadd -f docker && usermod -aG docker " + u.Name
	if v.manager() == PMApk || (!v.has("usermod") && v.has("addgroup")) {
		cmd = "(addgroup -S docker 2>/dev/null || true) && addgroup " + u.Name + " docker"
	}
	return []Finding{{Message: fmt.Sprintf("docker is installed but `%s` is not in the docker group", u.Name), Location: v.userLoc(),
		Fix: v.runFix("add the user to the docker group", cmd, true)}}
}
