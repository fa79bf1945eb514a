package image

import (
	"bufio"
	"bytes"
	"path"
	"sort"
	"strconv"
	"strings"
)

// User is an /etc/passwd entry.
type User struct {
	Name  string `json:"name"`
	UID   int    `json:"uid"`
	GID   int    `json:"gid"`
	Gecos string `json:"gecos,omitempty"`
	Home  string `json:"home"`
	Shell string `json:"shell"`
}

// Group is an /etc/group entry.
type Group struct {
	Name    string   `json:"name"`
	GID     int      `json:"gid"`
	Members []string `json:"members,omitempty"`
}

func (d *detector) accounts() {
	if p, c := d.content("/etc/passwd"); c != nil {
		d.f.Users = parsePasswd(c.Data, func(line int) { d.f.warn("%s:%d: not a passwd entry", p, line) })
	}
	if p, c := d.content("/etc/group"); c != nil {
		d.f.Groups = parseGroup(c.Data, func(line int) { d.f.warn("%s:%d: not a group entry", p, line) })
	}
}

func parsePasswd(data []byte, bad func(line int)) []User {
	var users []User
	eachLine(data, func(n int, line string) {
		fields := strings.Split(line, ":")
		if len(fields) != 7 {
			bad(n)
			return
		}
		uid, err1 := strconv.Atoi(fields[2])
		gid, err2 := strconv.Atoi(fields[3])
		if err1 != nil || err2 != nil || fields[0] == "" {
			bad(n)
			return
		}
		users = append(users, User{Name: fields[0], UID: uid, GID: gid, Gecos: fields[4], Home: fields[5], Shell: fields[6]})
	})
	return users
}

func parseGroup(data []byte, bad func(line int)) []Group {
	var groups []Group
	eachLine(data, func(n int, line string) {
		fields := strings.Split(line, ":")
		if len(fields) != 4 {
			bad(n)
			return
		}
		gid, err := strconv.Atoi(fields[2])
		if err != nil || fields[0] == "" {
			bad(n)
			return
		}
		g := Group{Name: fields[0], GID: gid}
		for _, m := range strings.Split(fields[3], ",") {
			if m = strings.TrimSpace(m); m != "" {
				g.Members = append(g.Members, m)
			}
		}
		groups = append(groups, g)
	})
	return groups
}

// eachLine calls fn with each non-empty, non-comment line and its number.
func eachLine(data []byte, fn func(n int, line string)) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fn(n, line)
	}
}

// LookupUser finds the user a config User names: "name", "uid",
// "name:group" or "uid:gid" (the group part is ignored). ok is false when
// /etc/passwd has no such user. An empty spec is root.
func (f *Facts) LookupUser(spec string) (User, bool) {
	u, _, _ := strings.Cut(spec, ":")
	if u == "" {
		u = "root"
	}
	uid, err := strconv.Atoi(u)
	for _, usr := range f.Users {
		if usr.Name == u || (err == nil && usr.UID == uid) {
			return usr, true
		}
	}
	return User{}, false
}

// LookupGroup finds a group by name or GID.
func (f *Facts) LookupGroup(spec string) (Group, bool) {
	gid, err := strconv.Atoi(spec)
	for _, g := range f.Groups {
		if g.Name == spec || (err == nil && g.GID == gid) {
			return g, true
		}
	}
	return Group{}, false
}

// UserGroups lists the names of the user's groups: the primary group (by
// GID) and every group listing the user as a member.
func (f *Facts) UserGroups(u User) []string {
	var out []string
	for _, g := range f.Groups {
		if g.GID == u.GID {
			out = append(out, g.Name)
			continue
		}
		for _, m := range g.Members {
			if m == u.Name {
				out = append(out, g.Name)
				break
			}
		}
	}
	return out
}

// SudoRule is one user specification of the sudoers files.
type SudoRule struct {
	File string `json:"file"`
	Line int    `json:"line"`
	// Who is the user list's entry: a user, %group, #uid, %#gid, ALL or a
	// User_Alias name.
	Who string `json:"who"`
	// Spec is the rest of the line (hosts = (runas) tags: commands).
	Spec string `json:"spec"`
	// NoPasswd is set when the commands are tagged NOPASSWD.
	NoPasswd bool `json:"noPasswd"`
	// AllCommands is set when the command list is ALL.
	AllCommands bool `json:"allCommands"`
}

func (d *detector) sudoers() {
	files := []string{"/etc/sudoers"}
	if names, ok := d.f.ReadDir("/etc/sudoers.d"); ok {
		for _, n := range names {
			// sudo's @includedir skips names ending in ~ or holding a dot.
			if strings.HasSuffix(n, "~") || strings.Contains(n, ".") {
				continue
			}
			files = append(files, path.Join("/etc/sudoers.d", n))
		}
	}
	for _, p := range files {
		if _, c := d.content(p); c != nil {
			d.f.Sudoers = append(d.f.Sudoers, parseSudoers(p, c.Data)...)
		}
	}
}

var sudoersSkip = []string{"Defaults", "User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias", "Cmd_Alias"}

// parseSudoers reads user specifications ("who hosts=(runas) TAG: cmds"),
// joining continued lines; directives, aliases and Defaults are skipped.
func parseSudoers(file string, data []byte) []SudoRule {
	var rules []SudoRule
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := strings.TrimRight(lines[i], "\r")
		for strings.HasSuffix(line, "\\") && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, "\\") + " " + strings.TrimRight(lines[i], "\r")
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "@") || strings.HasPrefix(line, "#include") {
			continue
		}
		// "#" starts a comment, except "#uid" as a user.
		if strings.HasPrefix(line, "#") && (len(line) < 2 || line[1] < '0' || line[1] > '9') {
			continue
		}
		if j := strings.Index(line, " #"); j >= 0 {
			line = strings.TrimSpace(line[:j])
		}
		fields := strings.Fields(line)
		if len(fields) < 2 || !strings.Contains(line, "=") {
			continue
		}
		skip := false
		for _, s := range sudoersSkip {
			if fields[0] == s || strings.HasPrefix(fields[0], s+":") || strings.HasPrefix(fields[0], s+"@") || strings.HasPrefix(fields[0], s+"!") || strings.HasPrefix(fields[0], s+">") {
				skip = true
			}
		}
		if skip {
			continue
		}
		spec := strings.TrimSpace(strings.TrimPrefix(line, fields[0]))
		_, cmds, _ := strings.Cut(spec, "=")
		noPasswd, all := sudoCommands(cmds)
		for _, who := range strings.Split(fields[0], ",") {
			rules = append(rules, SudoRule{File: file, Line: start, Who: who, Spec: spec, NoPasswd: noPasswd, AllCommands: all})
		}
	}
	return rules
}

// sudoCommands reads "(runas) TAG: TAG: cmd, cmd": whether the last tag
// about passwords is NOPASSWD and whether a command is ALL.
func sudoCommands(cmds string) (noPasswd, all bool) {
	rest := strings.TrimSpace(cmds)
	if strings.HasPrefix(rest, "(") {
		if k := strings.Index(rest, ")"); k >= 0 {
			rest = strings.TrimSpace(rest[k+1:])
		}
	}
	for {
		tag, after, ok := strings.Cut(rest, ":")
		if !ok || !isSudoTag(tag) {
			break
		}
		switch tag {
		case "NOPASSWD":
			noPasswd = true
		case "PASSWD":
			noPasswd = false
		}
		rest = strings.TrimSpace(after)
	}
	for _, c := range strings.Split(rest, ",") {
		if strings.TrimSpace(c) == "ALL" {
			all = true
		}
	}
	return noPasswd, all
}

func isSudoTag(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && r != '_' {
			return false
		}
	}
	return true
}

// PasswordlessSudo reports whether the user may run every command with sudo
// without a password: a NOPASSWD rule with ALL commands for the user, its
// UID, one of its groups, or ALL.
func (f *Facts) PasswordlessSudo(u User) bool {
	groups := map[string]bool{}
	for _, g := range f.UserGroups(u) {
		groups[g] = true
		if gr, ok := f.LookupGroup(g); ok {
			groups["#"+strconv.Itoa(gr.GID)] = true
		}
	}
	for _, r := range f.Sudoers {
		if !r.NoPasswd || !r.AllCommands {
			continue
		}
		switch {
		case r.Who == "ALL", r.Who == u.Name, r.Who == "#"+strconv.Itoa(u.UID):
			return true
		case strings.HasPrefix(r.Who, "%") && groups[strings.TrimPrefix(r.Who, "%")]:
			return true
		}
	}
	return false
}

func sortStrings(s []string) { sort.Strings(s) }
