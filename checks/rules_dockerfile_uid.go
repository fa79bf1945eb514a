package checks

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/coderready/coderready/dockerfile"
)

// This file holds CR122: the workspace user's UID, read from the
// Dockerfile, when it is not the 1000 Coder's templates run as. CR320
// judges the built image.

func init() {
	Register(&Rule{
		ID:       "CR122",
		Title:    "Workspace user's UID is not 1000",
		Severity: SeverityInfo,
		Family:   FamilyDockerfile,
		What: "The final stage ends as a user the Dockerfile creates with a UID other than 1000 (`useradd -u 1001 dev`, " +
			"`adduser --uid 1001 dev`, `-u ${USER_UID}` with `ARG USER_UID=1001`, or no UID at all on a well-known base whose own " +
			"user holds 1000 — Ubuntu 23.04 and later's `ubuntu`, the Dev Containers images' `vscode`, node's `node` — so that useradd gives 1001, or a system account, `adduser --system theia`, which gets a UID below 1000), or as a numeric `USER` other than 0 " +
			"and 1000 (`USER 1001`). A UID whose value is not known from the file is not reported, nor a user a later " +
			"`usermod -u` changes, nor a Dockerfile a devcontainer.json builds or runs the image of (its `remoteUser` and " +
			"`updateRemoteUserUID` settle the user). CR320 judges the built image.",
		Why: "Coder's Kubernetes template runs the workspace as UID 1000 (`run_as_user = 1000`, `fs_group = 1000`), and " +
			"its templates mount the persistent home volume on `/home/coder`: a workspace user with another UID is not " +
			"the user the workspace runs as, has no name or home there, and what it keeps in its own home is not on the " +
			"volume." + cite("templates"),
		HowToFix: "Create the workspace user with `--uid 1000` (on `ubuntu:23.04` and later, remove the `ubuntu` user that " +
			"holds it first: `userdel -r ubuntu`), or make the template run the workspace as the image's UID.",
		Sources:    []string{"templates"},
		Dockerfile: checkCR122,
	})
}

// userUID is the UID a useradd or adduser of s's chain gives user name,
// with the command's line; ok is false when no such command creates it.
// uid is "" when the command gives none (the system picks one); system is
// set for a system account (`useradd -r`, `adduser --system`). changed is
// set when a usermod of the chain changes the user's UID.
type userUID struct {
	uid     string
	line    int
	changed bool
	system  bool
}

// createdUID reads the UID the RUN instructions of s's chain give user
// name: the last useradd/adduser that creates it with `-u`/`--uid`, and
// whether a usermod changes it.
func (v *dfView) createdUID(s *dockerfile.Stage, name string) (userUID, bool) {
	var out userUID
	found := false
	for _, in := range v.instructions(s) {
		cmds, _ := in.Commands()
		for _, c := range cmds {
			prog := path.Base(c.Name)
			if prog != "useradd" && prog != "adduser" && prog != "usermod" {
				continue
			}
			uid, at := commandUID(c)
			vars := v.stageVars(in.Stage, in)
			if at < 0 || expandKnown(c.Args[at], vars) != name {
				continue
			}
			if prog == "usermod" {
				if uid != "" {
					out.changed = true
				}
				continue
			}
			// Debian's `adduser USER GROUP` adds an existing user to a
			// group: it creates nobody.
			if prog == "adduser" && addsToGroup(c, at) {
				continue
			}
			system := slices.ContainsFunc(c.Args[:at], func(a string) bool {
				return a == "-r" || a == "--system" || a == "-S" || len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.ContainsAny(a[1:], "rS")
			})
			if uid != "" {
				uid = expandKnown(uid, vars)
			}
			out, found = userUID{uid: uid, line: c.Line, system: system}, true
		}
	}
	return out, found
}

// impliedUID1001 reports whether user, created without a UID, gets 1001:
// the final stage's base is known to keep UID 1000 for its `ubuntu` user
// (Ubuntu 23.04 and later), the chain deletes no user and creates no other
// before it.
func (v *dfView) impliedUID1001(user string) bool {
	b := v.facts(v.final)
	if b.UID1000 == "" || b.UID1000 == user || b.Source == "image" {
		return false
	}
	if len(v.userCommands(v.final, "userdel", "deluser")) > 0 || v.deletesUnnamedUser(v.final) {
		return false
	}
	created := v.userCommands(v.final, "useradd", "adduser")
	return len(created) > 0 && created[0] == user
}

// addsToGroup reports whether an adduser command whose user is argument
// at names a group after it and no options (`adduser comfy sudo`).
func addsToGroup(c dockerfile.Command, at int) bool {
	if at+1 >= len(c.Args) || strings.HasPrefix(c.Args[at+1], "-") {
		return false
	}
	return !slices.ContainsFunc(c.Args[:at], func(a string) bool { return strings.HasPrefix(a, "-") })
}

// commandUID reads a useradd, adduser or usermod command: the UID it
// gives (`-u N`, `-uN`, `--uid N`, `--uid=N`, `-mu N`; "" when none) and
// the index of the user it names (its first word that is not an option or
// an option's value; -1 when none).
func commandUID(c dockerfile.Command) (uid string, user int) {
	user = -1
	for i := 0; i < len(c.Args); i++ {
		a := c.Args[i]
		switch {
		case a == "-u" || a == "--uid":
			if i+1 < len(c.Args) {
				uid = c.Args[i+1]
			}
			i++
		case strings.HasPrefix(a, "--uid="):
			uid = strings.TrimPrefix(a, "--uid=")
		case strings.HasPrefix(a, "-u") && len(a) > 2 && (uidRe.MatchString(a[2:]) || a[2] == '$'):
			uid = a[2:] // `-u1001`
		case len(a) > 2 && a[0] == '-' && a[1] != '-':
			// A cluster of short options (`-mu 1001`, `-ms /bin/bash`): its
			// last letter may take the next word.
			switch last := a[len(a)-1]; {
			case last == 'u' && i+1 < len(c.Args):
				uid = c.Args[i+1]
				i++
			case strings.IndexByte(valuedShort, last) >= 0:
				i++
			}
		case strings.HasPrefix(a, "-"):
			if slices.Contains(valuedUserOptions, a) {
				i++
			}
		case user < 0:
			user = i
		}
	}
	return uid, user
}

// valuedUserOptions are the options of useradd, adduser and usermod that
// take the next word as their value; valuedShort the short ones' letters.
// (`-l` is not one: useradd's is --no-log-init, common before `-u`.)
var valuedUserOptions = []string{"-u", "-g", "-G", "-s", "-d", "-c", "-k", "-e", "-f", "-K", "-p", "-R", "-P", "-Z", "-b", "-h",
	"--uid", "--gid", "--groups", "--shell", "--home-dir", "--home", "--comment", "--skel", "--expiredate",
	"--inactive", "--key", "--password", "--root", "--prefix", "--selinux-user", "--base-dir", "--gecos",
	"--ingroup", "--login", "--firstuid", "--lastuid"}

const valuedShort = "gGsdckefKpRPZbh"

// checkCR122 reports a final user whose UID, known from the file, is not
// 1000.
func checkCR122(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil || in.Devcontainer != nil || in.DevcontainerImage != "" {
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
	if hasVar(u) || u == "" {
		return nil
	}
	why := "Coder's Kubernetes template runs the workspace as UID 1000, and its templates mount the home volume on /home/coder"
	if uidRe.MatchString(u) {
		if u == "0" || u == "1000" {
			return nil
		}
		return []Finding{{
			Message:  fmt.Sprintf("the image ends as UID %s: %s", u, why),
			Location: v.instLoc(last),
			Evidence: EvidenceFile,
			Fix:      &Fix{Description: "run the workspace as UID 1000, or make the template run it as UID " + u},
		}}
	}
	c, ok := v.createdUID(v.final, u)
	if ok && c.uid == "" && !c.system && !c.changed && v.impliedUID1001(u) {
		// useradd gives the first free UID from 1000; Ubuntu 23.04 and
		// later keep 1000 for their `ubuntu` user, the Dev Containers
		// images for `vscode`, node's for `node`.
		holder := v.facts(v.final).UID1000
		return []Finding{{
			Message: fmt.Sprintf("the workspace user `%s` is created without a UID on `%s`, whose `%s` user holds 1000: it gets UID 1001; %s",
				u, v.rootRef(v.final), holder, why),
			Location: v.lineLoc(c.line, c.line),
			Evidence: EvidenceKnownBase,
			Fix:      &Fix{Description: "remove the `" + holder + "` user first (`userdel -r " + holder + "`) and create `" + u + "` with `--uid 1000`"},
		}}
	}
	if ok && c.uid == "" && c.system && !c.changed {
		// A system account gets a UID below 1000 (useradd's SYS_UID_MAX,
		// adduser's LAST_SYSTEM_UID, 999): never 1000.
		return []Finding{{
			Message:  fmt.Sprintf("the workspace user `%s` is created as a system account, which gets a UID below 1000: %s", u, why),
			Location: v.lineLoc(c.line, c.line),
			Evidence: EvidenceFile,
			Fix:      &Fix{Description: "create `" + u + "` as a regular user with `--uid 1000`"},
		}}
	}
	if !ok || c.changed || !uidRe.MatchString(c.uid) || c.uid == "1000" || c.uid == "0" {
		return nil
	}
	return []Finding{{
		Message:  fmt.Sprintf("the workspace user `%s` is created with UID %s: %s", u, c.uid, why),
		Location: v.lineLoc(c.line, c.line),
		Evidence: EvidenceFile,
		Fix:      &Fix{Description: "create `" + u + "` with `--uid 1000`, or make the template run the workspace as UID " + c.uid},
	}}
}
