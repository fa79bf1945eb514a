package checks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/coderready/coderready/devcontainer"
	"github.com/coderready/coderready/dockerfile"
)

// This file holds what CR205 and CR213 know of the user a Dev Container
// runs as.

// userChoice is what is known of the user one builder runs the workspace as.
type userChoice struct {
	// root is set when the builder certainly runs the workspace as root.
	root bool
	// why says where the root user comes from, for the message.
	why string
	// evidence is what the choice stands on: the file (a config value, a
	// USER), or the base image's facts.
	evidence Evidence
}

// dcUserSource returns the user the devcontainer's image runs as before
// devcontainer.json has a say: the last USER of the Dockerfile's final
// stage, else the base image's user. explicit is set when the value was
// written down (a USER instruction, or an image config naming root)
// rather than left empty; known is false when neither can be told.
func dcUserSource(in *DevcontainerInput) (user, from string, explicit, known bool, ev Evidence) {
	if u, found := dcFinalUser(in); found {
		return u, "the Dockerfile ends with `USER " + u + "`", true, true, EvidenceFile
	}
	b := dcBase(in)
	if !b.KnowsUser() {
		return "", "", false, false, EvidenceInferred
	}
	from = fmt.Sprintf("`%s` runs as root", b.Ref)
	if b.Sibling != "" {
		from = fmt.Sprintf("`%s` runs as root (built by %s)", b.Ref, b.Sibling)
	}
	return b.User, from, b.User != "", true, b.Evidence()
}

// envbuilderUser is envbuilder's choice (devcontainer.go Compile and
// envbuilder.go): containerUser, else the Dockerfile's or image's user,
// else — only when features are installed, which appends
// `USER ${remoteUser}` — remoteUser, else root. The image's
// devcontainer.metadata label is read for containerUser only.
func envbuilderUser(in *DevcontainerInput) userChoice {
	c := in.Devcontainer
	if u := c.String("/containerUser"); u != "" {
		return userChoice{root: isRootUser(u), why: "`containerUser` is root", evidence: EvidenceFile}
	}
	user, from, explicit, known, ev := dcUserSource(in)
	if !known {
		return userChoice{}
	}
	if explicit {
		return userChoice{root: isRootUser(user), why: from, evidence: ev}
	}
	if remote := c.String("/remoteUser"); remote != "" && len(c.Features()) > 0 {
		return userChoice{root: isRootUser(remote), why: "`remoteUser` is root", evidence: EvidenceFile}
	}
	return userChoice{root: true, why: from, evidence: ev}
}

// nativeUser is the Dev Containers CLI's choice: remoteUser, else
// containerUser, else the remoteUser of the image's metadata label, else
// the image's user.
func nativeUser(in *DevcontainerInput) userChoice {
	c := in.Devcontainer
	for _, p := range []string{"/remoteUser", "/containerUser"} {
		if u := c.String(p); u != "" {
			return userChoice{root: isRootUser(u), why: "`" + strings.TrimPrefix(p, "/") + "` is root", evidence: EvidenceFile}
		}
	}
	// A Compose service's `user:` (`${UID:-kitsune}`, read with its
	// default) is the container's user.
	if in.ComposeUser != "" && c.Has("/dockerComposeFile") {
		u, ok := composeUserName(in.ComposeUser)
		if !ok {
			return userChoice{}
		}
		return userChoice{root: isRootUser(u), why: "the Compose service's `user` is root", evidence: EvidenceFile}
	}
	// The Dev Containers CLI merges the image's devcontainer.metadata
	// label, whose remoteUser then runs the sessions: a Dockerfile that
	// ends with no USER or `USER root` sets only the container's user.
	// A base the scan could not read and the table does not know may
	// carry such a label too: its session user is not known.
	if u, found := dcFinalUser(in); (!found || isRootUser(u)) && (hasMetadataUser(dcBase(in).Ref) || unknownBase(dcBase(in))) {
		return userChoice{}
	}
	user, from, _, known, ev := dcUserSource(in)
	return userChoice{root: known && isRootUser(user), why: from, evidence: ev}
}

// composeUserName is the user of a Compose service's `user:` (`1000:1000`
// is 1000); ok is false when none is set or a variable is left in it.
func composeUserName(user string) (string, bool) {
	u, _, _ := strings.Cut(user, ":")
	return u, u != "" && !hasVar(u)
}

// unknownBase reports whether nothing is known of a base's users: not
// read from its image, not in the table of well-known images.
func unknownBase(b BaseFacts) bool {
	return b.Ref != "" && b.Source != "image" && !b.KnowsUser()
}

// checkCR205 reports a workspace that would run as root under the builders
// config picks, with the user to set instead when the base has one.
func checkCR205(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	builder := in.Config.builder()
	eb, native := builder != ConfigBuilderNative, builder != ConfigBuilderEnvbuilder
	// envbuilder does not build Docker Compose setups (CR202 says so):
	// only the native integration runs them, so only its user counts.
	if c.Has("/dockerComposeFile") && native {
		eb = false
	}
	// Nor does it build an image definition the repository builds with
	// the Dev Containers CLI.
	if in.BuiltByCLI != "" {
		eb, native = false, true
	}
	remote, container := c.String("/remoteUser"), c.String("/containerUser")
	var out []Finding
	// Both root: one fact, said once.
	if remote != "" && isRootUser(remote) && container != "" && isRootUser(container) {
		return []Finding{dcAt(c, "/remoteUser", "`remoteUser` and `containerUser` are root: the workspace runs as root")}
	}
	if remote != "" && isRootUser(remote) {
		out = append(out, dcAt(c, "/remoteUser", "`remoteUser` is root: the workspace runs as root"))
	}
	// Under the native integration sessions run as remoteUser, so a root
	// containerUser matters there only without a non-root remoteUser.
	if container != "" && isRootUser(container) && (eb || remote == "" || isRootUser(remote)) {
		msg := "`containerUser` is root: the workspace runs as root"
		if remote != "" && !isRootUser(remote) {
			msg = "`containerUser` is root: envbuilder runs the workspace as `containerUser`, not `remoteUser`"
		}
		out = append(out, dcAt(c, "/containerUser", msg))
	}
	if len(out) > 0 {
		return out
	}
	ebc, nc := userChoice{}, userChoice{}
	if eb {
		ebc = envbuilderUser(in)
	}
	if native {
		nc = nativeUser(in)
	}
	switch {
	case ebc.root && nc.root:
		f := dcAt(c, imageProp(c), "neither `remoteUser` nor `containerUser` is set and "+nc.why+": the workspace runs as root")
		f.Evidence = leastCertain(ebc.evidence, nc.evidence)
		if b := dcBase(in); len(b.Users) > 0 {
			f.Fix = insertUserFix(c, b.Users[0])
		}
		return []Finding{f}
	case nc.root:
		f := dcAt(c, imageProp(c), "the native integration runs this Dev Container as root: "+nc.why)
		f.Evidence = nc.evidence
		return []Finding{f}
	case ebc.root && remote != "" && !isRootUser(remote):
		tail := "`remoteUser` counts only when it installs features"
		if len(c.Features()) > 0 {
			tail = "the `USER` it adds for `remoteUser` after installing features does not change the user it picked"
		}
		f := dcAt(c, "/remoteUser", fmt.Sprintf("envbuilder runs the workspace as root, not `%s`: it runs it as `containerUser`, or "+
			"without one as the image's user (%s); %s", remote, ebc.why, tail))
		f.Evidence = ebc.evidence
		if e, ok := dcInsertAfter(c, "/remoteUser", "containerUser", remote); ok {
			f.Fix = &Fix{Description: fmt.Sprintf("also set `\"containerUser\": %q`, which envbuilder reads", remote), Edits: []Edit{e}}
		}
		return []Finding{f}
	case ebc.root:
		b := dcBase(in)
		msg := "envbuilder runs the workspace as root: " + ebc.why
		if hasMetadataUser(b.Ref) && len(b.Users) > 0 {
			img := fmt.Sprintf("`%s`", b.Ref)
			if df := c.String("/build/dockerfile") + c.String("/dockerFile"); df != "" {
				img = fmt.Sprintf("the image built from `%s` (on `%s`)", df, b.Ref)
			}
			msg = fmt.Sprintf("envbuilder runs %s as root: it does not apply the `remoteUser` (`%s`) of the image's "+
				"devcontainer.metadata label, which the Dev Containers CLI uses", img, b.Users[0])
		}
		f := dcAt(c, imageProp(c), msg)
		f.Evidence = ebc.evidence
		if len(b.Users) > 0 {
			f.Fix = insertUserFix(c, b.Users[0])
		}
		return []Finding{f}
	}
	return nil
}

// imageProp is the property that names what the config runs (`image`,
// `build`, `dockerFile`): where a finding about that image's user points.
// "" (the whole config) when it has none.
func imageProp(c *devcontainer.Config) string {
	for _, p := range []string{"/image", "/build", "/dockerFile"} {
		if c.Has(p) {
			return p
		}
	}
	return ""
}

// leastCertain is the weaker of two evidences (a finding is as certain as
// the least certain fact it stands on).
func leastCertain(a, b Evidence) Evidence {
	rank := map[Evidence]int{EvidenceInferred: 0, EvidenceKnownBase: 1, EvidenceImage: 2, EvidenceFile: 2}
	if rank[b] < rank[a] {
		return b
	}
	return a
}

// insertUserFix suggests `"containerUser": user` after the image or build
// property (whichever the config has).
func insertUserFix(c *devcontainer.Config, user string) *Fix {
	fix := &Fix{Description: fmt.Sprintf("set `\"containerUser\": %q` (the image's non-root user)", user)}
	if p := imageProp(c); p != "" {
		if e, ok := dcInsertAfter(c, p, "containerUser", user); ok {
			fix.Edits = []Edit{e}
		}
	}
	return fix
}

// dcInsertAfter returns an edit adding `"key": "value"` as a new property on
// its own line after the property at ptr, indented like it. It declines
// (false) when the layout does not allow a clean line edit: the property's
// key is not first on its line, or something other than a comma or a
// comment follows its value on the last line.
func dcInsertAfter(c *devcontainer.Config, ptr, key, value string) (Edit, bool) {
	n := c.Node(ptr)
	if n == nil || n.Key.Line == 0 || n.Key.Line > len(c.Lines) || n.End.Line > len(c.Lines) {
		return Edit{}, false
	}
	keyLine := strings.TrimSuffix(c.Lines[n.Key.Line-1], "\r")
	indent := keyLine[:min(n.Key.Col-1, len(keyLine))]
	if strings.TrimLeft(indent, " \t") != "" {
		return Edit{}, false
	}
	last := strings.TrimSuffix(c.Lines[n.End.Line-1], "\r")
	if n.End.Col > len(last) {
		return Edit{}, false
	}
	head, rest := last[:n.End.Col], last[n.End.Col:]
	k, _ := json.Marshal(key)
	v, _ := json.Marshal(value)
	prop := indent + string(k) + ": " + string(v)
	trimmed := strings.TrimLeft(rest, " \t")
	switch {
	case strings.HasPrefix(trimmed, ","):
		after := strings.TrimLeft(trimmed[1:], " \t")
		if after != "" && !strings.HasPrefix(after, "//") && !strings.HasPrefix(after, "/*") {
			return Edit{}, false // another property follows on the same line
		}
		prop += ","
		return Edit{Path: c.Path, StartLine: n.End.Line, EndLine: n.End.Line, Text: last + "\n" + prop}, true
	case trimmed == "" || strings.HasPrefix(trimmed, "//") || strings.HasPrefix(trimmed, "/*"):
		return Edit{Path: c.Path, StartLine: n.End.Line, EndLine: n.End.Line, Text: head + "," + rest + "\n" + prop}, true
	}
	return Edit{}, false
}

// userCreators are the words of a Dockerfile that may create users in a way
// CR213 cannot follow statically.
var userCreators = regexp.MustCompile(`(?i)\b(useradd|adduser|usermod|newusers|chpasswd|groupadd|addgroup)\b|/etc/passwd|\.sh\b|\|\s*(ba|z|da|a)?sh\b|\b(ba|z|da|a)?sh\s+-c\b|\bbash\s+<`)

// dockerfileMayCreateUsers reports whether any instruction of the Dockerfile
// could create a user: a RUN that calls a user tool or a script, or a
// COPY/ADD into `/` or `/etc`.
func dockerfileMayCreateUsers(f *dockerfile.File) bool {
	for _, ins := range f.All() {
		switch ins.Cmd {
		case "run", "onbuild":
			if userCreators.MatchString(ins.Original) {
				return true
			}
			for _, h := range ins.Heredocs {
				if userCreators.MatchString(h.Content) {
					return true
				}
			}
		case "copy", "add":
			if len(ins.Args) > 0 {
				dst := strings.TrimSuffix(ins.Args[len(ins.Args)-1], "/")
				if dst == "" || dst == "/etc" || strings.HasPrefix(dst, "/etc/") || strings.Contains(dst, "$") {
					return true
				}
			}
		}
	}
	return false
}

// plainUserName reports whether u names a user plainly: not a UID, not
// `user:group`, no variable.
func plainUserName(u string) bool {
	if u == "" || strings.ContainsAny(u, "${}:") {
		return false
	}
	return strings.Trim(u, "0123456789") != ""
}
