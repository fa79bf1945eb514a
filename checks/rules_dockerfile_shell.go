package checks

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/coderready/coderready/dockerfile"
)

// This file holds CR123: the workspace user's login shell, read from the
// Dockerfile that creates the user, when it is not a shell. CR316 judges
// the built image.

func init() {
	Register(&Rule{
		ID:       "CR123",
		Title:    "Workspace user's login shell is not a shell",
		Severity: SeverityWarning,
		Family:   FamilyDockerfile,
		What: "The final stage ends as a user the Dockerfile creates with a login shell that only refuses logins: " +
			"`useradd --shell /bin/false worker`, `-s /usr/sbin/nologin`, or `adduser --system` (`-S`) without `--shell`, whose " +
			"system users get `/usr/sbin/nologin` from Debian's adduser and `/bin/false` from busybox's (Alpine), or it ends as one of " +
			"the system accounts every Debian and Ubuntu image has from base-passwd (`www-data`, as php's images do; `nobody`, `daemon`, …), " +
			"whose shell is `/usr/sbin/nologin`. A later `usermod --shell` or `chsh -s` for the user settles it; another user the " +
			"base image creates, or one whose name or shell is left to a variable the file does not set, is not judged. CR316 " +
			"judges the built image.",
		Why: "The Coder agent starts every terminal and SSH session (also VS Code's and JetBrains' connections) with the " +
			"user's login shell from `/etc/passwd`: `nologin` and `false` exit at once, so the workspace starts but no " +
			"terminal opens in it." + cite("agent", "base-passwd"),
		HowToFix: "Give the user a shell: create it with `--shell /bin/bash`, or run `usermod --shell /bin/bash <user>` " +
			"before the final `USER`.",
		Sources:    []string{"agent", "base-passwd"},
		Dockerfile: checkCR123,
	})
}

// checkCR123 reports a final user the file creates with a login shell that
// refuses logins.
func checkCR123(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	var last *dockerfile.Instruction
	for _, ins := range v.instructions(v.final) {
		if ins.Cmd == "user" {
			last = ins
		}
	}
	if last == nil {
		return nil
	}
	u, _, _ := strings.Cut(v.userOf(last), ":")
	if u == "" || hasVar(u) || isRootUser(u) || uidRe.MatchString(u) {
		return nil
	}
	shell, line, ok := v.loginShell(v.final, u)
	if !ok {
		if fd, ok := v.baseSystemUser(last, u); ok {
			return []Finding{fd}
		}
		return nil
	}
	if !refusesLogin(shell) {
		return nil
	}
	named := "`" + shell + "`"
	if shell == systemShell {
		named = "`/usr/sbin/nologin` (Debian's adduser) or `/bin/false` (busybox's)"
	}
	fix := fmt.Sprintf("create `%s` with `--shell /bin/bash`, or run `usermod --shell /bin/bash %s` before the final `USER`", u, u)
	if u == "nobody" {
		// The shared unprivileged account is no one's to log in as.
		fix = "create a user for the workspace (`useradd --create-home --shell /bin/bash coder`) and end with `USER coder`"
	}
	// busybox's adduser (Alpine): no usermod, and no bash unless installed.
	if text := v.f.Text(line, line); strings.Contains(text, "adduser") && (v.facts(v.final).Family == OSAlpine || busyboxAdduser.MatchString(text)) {
		fix = fmt.Sprintf("create `%s` with a shell the image has: `adduser -S -s /bin/sh %s` (busybox's adduser; `/bin/bash` once `apk add bash` installs it)", u, u)
	}
	return []Finding{{
		Message: fmt.Sprintf("the workspace user `%s` is created with the login shell %s: the Coder agent starts terminals "+
			"and SSH sessions with it, and it exits at once", u, named),
		Location: v.lineLoc(line, line),
		Evidence: EvidenceFile,
		Fix:      &Fix{Description: fix},
	}}
}

// busyboxAdduser is busybox's adduser with its short options (`adduser -S
// -G nodejs nextjs`, `adduser -D`), which Debian's adduser does not take.
var busyboxAdduser = regexp.MustCompile(`\badduser\s+(?:-[A-Za-z]*[SD][A-Za-z]*\b|.*\s-[SD]\b)`)

// debianSystemUsers are the accounts Debian's base-passwd (and so every
// Debian and Ubuntu image) has, and apt's `_apt`, whose login shell is
// /usr/sbin/nologin (`sync`'s is /bin/sync, no shell either).
var debianSystemUsers = []string{"daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
	"www-data", "backup", "list", "irc", "gnats", "nobody", "_apt"}

// baseSystemUser is CR123's finding for a final USER that is one of the
// system accounts of a Debian or Ubuntu base (php's images end `USER
// www-data`), which the Dockerfile neither creates nor gives a shell
// (usermod, chsh).
func (v *dfView) baseSystemUser(last *dockerfile.Instruction, u string) (Finding, bool) {
	b := v.facts(v.final)
	if b.Family != OSDebian || !slices.Contains(debianSystemUsers, u) || v.shellChanged(v.final, u) {
		return Finding{}, false
	}
	return Finding{
		Message: fmt.Sprintf("the workspace user `%s` is a system account of %s (Debian's base-passwd), whose login shell is "+
			"`/usr/sbin/nologin`: the Coder agent starts terminals and SSH sessions with it, and it exits at once", u, b.described()),
		Location: v.instLoc(last),
		Evidence: b.Evidence(),
		Fix:      &Fix{Description: baseUserFix(u)},
	}, true
}

// baseUserFix is CR123's fix for a base's system account u: a user of the
// workspace's own, or (not for the shared `nobody`) a shell for u.
func baseUserFix(u string) string {
	if u == "nobody" {
		return "create a user for the workspace (`useradd --create-home --shell /bin/bash coder`) and end with `USER coder`"
	}
	return fmt.Sprintf("create a user for the workspace (`useradd --create-home --shell /bin/bash coder`), "+
		"or run `usermod --shell /bin/bash %s` before the final `USER`", u)
}

// shellChanged reports whether s's chain gives user name a login shell
// (`usermod --shell`, `chsh -s`).
func (v *dfView) shellChanged(s *dockerfile.Stage, name string) bool {
	for _, in := range v.instructions(s) {
		cmds, _ := in.Commands()
		for _, c := range cmds {
			if len(c.Args) == 0 || expandKnown(c.Args[len(c.Args)-1], v.stageVars(in.Stage, in)) != name {
				continue
			}
			if prog := path.Base(c.Name); (prog == "usermod" || prog == "chsh") && shellOption(c.Args[:len(c.Args)-1], "-s", "--shell") != "" {
				return true
			}
		}
	}
	return false
}

// systemShell stands for the login shell `adduser --system` gives where
// which adduser the image has is not known: either refuses logins.
const systemShell = "nologin or false"

// refusesLogin reports whether a login shell only refuses logins.
func refusesLogin(shell string) bool {
	switch path.Base(shell) {
	case "nologin", "false", systemShell:
		return true
	}
	return false
}

// loginShell returns the login shell s's chain gives user name, as the
// last command that sets it leaves it, with that command's line: useradd
// or adduser that create it (`-s`, `--shell`, Debian's `adduser --system`
// without one), then usermod or chsh that change it. ok is false when no
// command of the chain creates the user, or the shell is not known.
func (v *dfView) loginShell(s *dockerfile.Stage, name string) (shell string, line int, ok bool) {
	created := false
	for _, in := range v.instructions(s) {
		cmds, _ := in.Commands()
		for _, c := range cmds {
			prog := path.Base(c.Name)
			vars := v.stageVars(in.Stage, in)
			var sh string
			switch prog {
			case "useradd", "adduser", "usermod":
				_, at := commandUID(c)
				if at < 0 || expandKnown(c.Args[at], vars) != name || prog == "adduser" && addsToGroup(c, at) {
					continue
				}
				// Options may follow the name too (`useradd $NAME --uid
				// $ID --shell /bin/false`): getopt permutes them.
				opts := slices.Concat(c.Args[:at], c.Args[at+1:])
				sh = shellOption(opts, "-s", "--shell")
				if sh == "" && prog == "adduser" && (slices.Contains(opts, "--system") || slices.Contains(opts, "-S")) {
					// adduser's system users: busybox's (Alpine) get
					// /bin/false, Debian's /usr/sbin/nologin.
					switch v.manager(in.Stage) {
					case PMApt:
						sh = "/usr/sbin/nologin"
					case PMApk:
						sh = "/bin/false"
					default:
						// Which adduser the image has (a distroless
						// `:debug` image's is busybox's) is not known.
						sh = systemShell
					}
				}
				if prog != "usermod" {
					created, shell, line = true, "", c.Line
				}
			case "chsh":
				if len(c.Args) == 0 || expandKnown(c.Args[len(c.Args)-1], vars) != name {
					continue
				}
				sh = shellOption(c.Args[:len(c.Args)-1], "-s", "--shell")
			default:
				continue
			}
			if sh == "" {
				continue
			}
			if sh = expandKnown(sh, vars); hasVar(sh) {
				sh = ""
			}
			shell, line = sh, c.Line
		}
	}
	return shell, line, created && shell != ""
}

// shellOption returns the value of a command's shell option among args:
// `-s X`, `--shell X`, `--shell=X`, or a cluster of short options ending
// in s (`-ms X`); "" when none.
func shellOption(args []string, short, long string) string {
	for i, a := range args {
		switch {
		case (a == short || a == long) && i+1 < len(args):
			return args[i+1]
		case strings.HasPrefix(a, long+"="):
			return strings.TrimPrefix(a, long+"=")
		case len(a) > 2 && a[0] == '-' && a[1] != '-' && a[len(a)-1] == short[1] && i+1 < len(args):
			return args[i+1]
		}
	}
	return ""
}
