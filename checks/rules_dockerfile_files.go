package checks

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/coderready/coderready/dockerfile"
)

// Dockerfile rules about where files go: CA certificates (CR108, CR109)
// and home directories (CR114, CR115).

func init() {
	Register(&Rule{
		ID:         "CR108",
		Title:      "Org CA not added to the trust store",
		Severity:   SeverityInfo,
		Family:     FamilyDockerfile,
		ConfigOnly: true,
		What: "Config names an org CA (`org-ca`) and no instruction of the final image puts a certificate in " +
			"the trust store: a COPY/ADD (or a RUN that writes) into an anchor directory followed by the " +
			"refresh command, or a replaced CA bundle file.",
		Why: "When the Coder deployment uses an internal CA, the image must trust it, or the agent download and " +
			"every HTTPS call to internal services fail." + cite("seed", "ca"),
		HowToFix: "Copy the certificate (PEM, named `*.crt`) to the family's anchor directory and refresh the " +
			"bundle: Debian/Ubuntu/Alpine `/usr/local/share/ca-certificates/` + `update-ca-certificates`; " +
			"Fedora/RHEL `/etc/pki/ca-trust/source/anchors/` + `update-ca-trust extract`; SUSE " +
			"`/etc/pki/trust/anchors/` + `update-ca-certificates`.",
		Sources:    []string{"seed", "ca"},
		Dockerfile: checkCR108,
	})
	Register(&Rule{
		ID:       "CR109",
		Title:    "Certificate copied without refreshing the trust store",
		Severity: SeverityWarning,
		Family:   FamilyDockerfile,
		What: "A certificate is copied into a trust anchor directory and no later instruction runs the refresh " +
			"command (`update-ca-certificates`, `update-ca-trust`), or it is copied into " +
			"`/usr/local/share/ca-certificates/` under a name that does not end in `.crt`.",
		Why: "Programs read the generated bundle (Go: `/etc/ssl/certs/ca-certificates.crt`, " +
			"`/etc/pki/tls/certs/ca-bundle.crt`, …), not the anchor directory; the bundle only changes when the " +
			"refresh command runs, and `update-ca-certificates` ignores files without the `.crt` extension." + cite("ca"),
		HowToFix:   "Run the refresh command after the copy (`RUN update-ca-certificates`), and name the file `*.crt`.",
		Sources:    []string{"ca"},
		Dockerfile: checkCR109,
	})
	Register(&Rule{
		ID:       "CR114",
		Title:    "Root writes to $HOME",
		Severity: SeverityInfo,
		Family:   FamilyDockerfile,
		What: "A `RUN` that runs as root (before a `USER` switches to a non-root user) writes under `$HOME` or " +
			"`~` (`>> ~/.bashrc`, `mkdir -p $HOME/.config`, …).",
		Why: "As root `$HOME` is `/root`; the agent starts the developer's sessions as the workspace user in that " +
			"user's home, so the dotfiles and tools written there are never seen." + cite("agent"),
		HowToFix: "Move the RUN after `USER <user>`, write to the user's home explicitly, or to `/etc/skel` " +
			"(copied into homes that `useradd --create-home` makes) or `/etc/profile.d`.",
		Sources:    []string{"agent"},
		Dockerfile: checkCR114,
	})
	Register(&Rule{
		ID:       "CR115",
		Title:    "Files put in the home directory at build time",
		Severity: SeverityInfo,
		Family:   FamilyDockerfile,
		What: "`COPY`, `ADD` or a `RUN` puts files under `/home/<user>` — the workspace user's home (`coder`, " +
			"or the image's final user) — at build time.",
		Why: "Coder's templates mount a persistent volume on `/home/coder`; the volume hides whatever the image " +
			"put there (after the first start, the volume's content wins)." + cite("templates"),
		HowToFix: "Install to `/usr/local` or `/opt`, or to `/etc/skel` and let the user's home be created from it, " +
			"or copy files into the home from the template's startup script.",
		Sources:    []string{"templates"},
		Dockerfile: checkCR115,
	})
}

// anchorDirs are the directories trust stores are built from; each needs
// its refresh command.
var anchorDirs = []string{
	"/usr/local/share/ca-certificates",
	"/etc/pki/ca-trust/source/anchors",
	"/etc/pki/trust/anchors",
	"/usr/share/pki/trust/anchors",
	"/usr/share/pki/ca-trust-source/anchors",
}

// bundleFiles and bundleDirs are where Go (and OpenSSL) read certificates
// directly; replacing a bundle needs no refresh.
var (
	bundleFiles = []string{
		"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem",
		"/etc/pki/tls/cacert.pem", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem",
	}
	bundleDirs = []string{"/etc/ssl/certs", "/etc/pki/tls/certs"}
)

// under reports whether p is dir or inside it.
func under(p, dir string) bool {
	p = path.Clean(p)
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// anchorOf returns the anchor directory p is in.
func anchorOf(p string) (string, bool) {
	for _, d := range anchorDirs {
		if under(p, d) {
			return d, true
		}
	}
	return "", false
}

// refreshFor returns the refresh command for an anchor directory.
func refreshFor(anchor string) string {
	if strings.Contains(anchor, "ca-trust") {
		return "update-ca-trust extract"
	}
	return "update-ca-certificates"
}

// isRefresh reports whether a command rebuilds a CA bundle.
func isRefresh(c dockerfile.Command) bool {
	switch path.Base(c.Name) {
	case "update-ca-certificates", "update-ca-trust":
		return true
	case "trust":
		return slices.Contains(c.Args, "extract-compat")
	}
	return false
}

// runsRefresh reports whether a RUN rebuilds a CA bundle.
func runsRefresh(in *dockerfile.Instruction) bool {
	cmds, _ := in.Commands()
	return slices.ContainsFunc(cmds, isRefresh)
}

// copyDest returns the destination of a COPY/ADD, expanded with the
// stage's variables and made absolute against WORKDIR.
func (v *dfView) copyDest(s *dockerfile.Stage, in *dockerfile.Instruction) string {
	if len(in.Args) < 2 {
		return ""
	}
	vars := v.stageVars(s, in)
	dest := expandKnown(strings.Trim(in.Args[len(in.Args)-1], `"'`), vars)
	if strings.HasPrefix(dest, "/") {
		return dest
	}
	wd := v.workdirAt(s, in)
	if wd == "" {
		wd = "/"
	}
	return path.Join(wd, dest) + map[bool]string{true: "/", false: ""}[strings.HasSuffix(dest, "/") || dest == "."]
}

// workdirAt returns the WORKDIR in effect before in ("" when none is set).
func (v *dfView) workdirAt(s *dockerfile.Stage, at *dockerfile.Instruction) string {
	wd := ""
	for _, in := range v.instructions(s) {
		if in == at {
			break
		}
		if in.Cmd == "workdir" && len(in.Args) > 0 {
			d := expandKnown(in.Args[0], v.stageVars(s, in))
			if !strings.HasPrefix(d, "/") {
				d = path.Join(max(wd, "/"), d)
			}
			wd = d
		}
	}
	return wd
}

// trustWrites returns where an instruction puts files in a trust location
// (anchor directories, bundle files and directories).
func (v *dfView) trustWrites(s *dockerfile.Stage, in *dockerfile.Instruction) []string {
	var targets []string
	switch in.Cmd {
	case "copy", "add":
		targets = append(targets, v.copyDest(s, in))
	case "run":
		cmds, _ := in.Commands()
		for _, c := range cmds {
			for _, t := range writeTargets(c) {
				targets = append(targets, t.Path)
			}
		}
	}
	var out []string
	for _, t := range targets {
		t = strings.Trim(t, `"'`)
		if _, ok := anchorOf(t); ok {
			out = append(out, t)
			continue
		}
		for _, d := range bundleDirs {
			if under(t, d) {
				out = append(out, t)
			}
		}
		for _, f := range bundleFiles {
			if path.Clean(t) == f {
				out = append(out, t)
			}
		}
	}
	return out
}

// caFileName turns an org CA's name into a file name.
func caFileName(name string, i int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		s = "org-ca"
		if i > 0 {
			s = fmt.Sprintf("org-ca-%d", i+1)
		}
	}
	return s + ".crt"
}

// checkCR108 reports a configured org CA that no instruction installs.
func checkCR108(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil || len(in.Config.OrgCAs) == 0 {
		return nil
	}
	final := v.final
	added, refreshed, bundle := false, false, false
	for _, s := range v.chain(final) {
		for _, ins := range s.Instructions {
			for _, t := range v.trustWrites(s, ins) {
				if _, ok := anchorOf(t); ok {
					added = true
				} else {
					bundle = true
				}
			}
			if ins.Cmd == "run" && runsRefresh(ins) && added {
				refreshed = true
			}
		}
	}
	if bundle || added && refreshed {
		return nil
	}

	b := v.facts(final)
	fam := b.Family
	if fam == OSUnknown {
		fam = v.manager(final).Family()
	}
	anchor := CAAnchorDir(fam)
	var names []string
	var lines []string
	for i, ca := range in.Config.OrgCAs {
		file := caFileName(ca.Name, i)
		names = append(names, ca.Name)
		lines = append(lines, "COPY "+file+" "+anchor+file)
	}
	refresh := CARefreshCommand(fam)
	if m := v.manager(final); b.Known && !b.CACerts && !v.installs(final, "ca-certificates") && m != PMUnknown {
		refresh = InstallLine(m, "ca-certificates") + " && " + refresh
	}
	lines = append(lines, "RUN "+refresh)

	// Insert after the final stage's last RUN as root (installs come
	// before), else after its FROM; switch to root around it if needed.
	after := final.From
	for _, ins := range final.Instructions {
		if u, _ := v.userAt(final, ins); ins.Cmd == "run" && isRootUser(u) {
			after = ins
		}
	}
	var next *dockerfile.Instruction
	for i, ins := range final.Instructions {
		if ins == after && i+1 < len(final.Instructions) {
			next = final.Instructions[i+1]
		}
		if after == final.From && i == 0 {
			next = ins
		}
	}
	if u, known := v.userAt(final, next); known && !isRootUser(u) {
		lines = append(append([]string{"USER root"}, lines...), "USER "+u)
	}
	return []Finding{{
		Message: fmt.Sprintf("config names the org CA %s, but nothing adds a certificate to the image's trust store: "+
			"HTTPS to the Coder deployment and internal services fails", strings.Join(names, ", ")),
		Location: v.instLoc(final.From),
		Fix: &Fix{
			Description: fmt.Sprintf("copy the CA certificate (PEM, in the build context) to %s and run `%s`", anchor, CARefreshCommand(fam)),
			Edits:       []Edit{v.edit(v.f.InsertAfter(after.EndLine, strings.Join(lines, "\n")))},
		},
	}}
}

// refreshAfter reports whether a RUN after at in s, or in any stage built
// on s, refreshes the trust store.
func (v *dfView) refreshAfter(s *dockerfile.Stage, at *dockerfile.Instruction) bool {
	seen := false
	for _, ins := range s.Instructions {
		if seen && ins.Cmd == "run" && runsRefresh(ins) {
			return true
		}
		seen = seen || ins == at
	}
	for _, t := range v.f.Stages {
		if t == s || !slices.Contains(v.chain(t), s) {
			continue
		}
		for _, ins := range t.Instructions {
			if ins.Cmd == "run" && runsRefresh(ins) {
				return true
			}
		}
	}
	return false
}

// checkCR109 reports certificates copied into an anchor directory without
// a refresh, or without a .crt name where update-ca-certificates needs one.
func checkCR109(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	var out []Finding
	for _, s := range v.f.Stages {
		for _, ins := range s.Instructions {
			var dest string
			switch ins.Cmd {
			case "copy", "add":
				dest = v.copyDest(s, ins)
			case "run":
				out = append(out, v.runCertFindings(s, ins)...)
				continue
			default:
				continue
			}
			anchor, ok := anchorOf(dest)
			if !ok {
				continue
			}
			if !v.refreshAfter(s, ins) {
				line := "RUN " + refreshFor(anchor)
				out = append(out, Finding{
					Message:  fmt.Sprintf("a certificate is copied to %s but the trust store is never refreshed: nothing reads it until `%s` runs", dest, refreshFor(anchor)),
					Location: v.instLoc(ins),
					Fix: &Fix{
						Description: "run `" + refreshFor(anchor) + "` after the copy",
						Edits:       []Edit{v.edit(v.f.InsertAfter(ins.EndLine, line))},
					},
				})
			}
			if anchor == "/usr/local/share/ca-certificates" {
				if fd, ok := v.crtNameFinding(ins, dest); ok {
					out = append(out, fd)
				}
			}
		}
	}
	return out
}

// crtNameFinding reports a COPY/ADD into /usr/local/share/ca-certificates
// whose file name update-ca-certificates ignores.
func (v *dfView) crtNameFinding(ins *dockerfile.Instruction, dest string) (Finding, bool) {
	srcs := ins.Args[:len(ins.Args)-1]
	rawDest := ins.Args[len(ins.Args)-1]
	isDir := strings.HasSuffix(dest, "/") || path.Clean(dest) == "/usr/local/share/ca-certificates"
	var name string
	switch {
	case !isDir:
		name = path.Base(dest)
	case len(srcs) == 1 && !strings.HasPrefix(srcs[0], "<<"):
		name = path.Base(strings.Trim(srcs[0], `"'`))
		if path.Ext(name) == "" || strings.HasSuffix(srcs[0], "/") {
			return Finding{}, false // probably a directory of certificates
		}
	default:
		return Finding{}, false
	}
	if strings.HasSuffix(name, ".crt") || strings.ContainsAny(name, "*?[$") {
		return Finding{}, false
	}
	newName := strings.TrimSuffix(name, path.Ext(name)) + ".crt"
	newDest := path.Join(path.Dir(path.Clean(dest)), newName)
	if isDir {
		newDest = path.Join(path.Clean(dest), newName)
	}
	fd := Finding{
		Message:  fmt.Sprintf("`%s` is copied to /usr/local/share/ca-certificates without the .crt extension: update-ca-certificates ignores it", name),
		Location: v.instLoc(ins),
		Fix:      &Fix{Description: "name it `" + newName + "`"},
	}
	if !hasVar(rawDest) && ins.StartLine == ins.HeaderEndLine {
		if e, ok := v.f.ReplaceInLine(ins.StartLine, " "+rawDest, " "+newDest); ok {
			fd.Fix.Edits = []Edit{v.edit(e)}
		}
	}
	return fd, true
}

// runCertFindings reports RUN commands that write certificates into an
// anchor directory without a refresh.
func (v *dfView) runCertFindings(s *dockerfile.Stage, ins *dockerfile.Instruction) []Finding {
	cmds, _ := ins.Commands()
	var out []Finding
	for i, c := range cmds {
		for _, t := range writeTargets(c) {
			p := strings.Trim(t.Path, `"'`)
			anchor, ok := anchorOf(p)
			if !ok || path.Clean(p) == anchor && path.Base(c.Name) == "mkdir" {
				continue
			}
			if slices.ContainsFunc(cmds[i+1:], isRefresh) || v.refreshAfter(s, ins) {
				continue
			}
			out = append(out, Finding{
				Message:  fmt.Sprintf("a certificate is written to %s but the trust store is never refreshed: nothing reads it until `%s` runs", p, refreshFor(anchor)),
				Location: v.spanLoc(t.Span),
				Fix:      &Fix{Description: "run `" + refreshFor(anchor) + "` after writing the certificate"},
			})
			return out
		}
	}
	return out
}

// homeRef reports whether a written path is under $HOME or ~.
func homeRef(p string) bool {
	p = strings.TrimLeft(p, `"'`)
	return p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, "$HOME") || strings.HasPrefix(p, "${HOME}")
}

// homeEnvSet reports whether an ENV of s's chain before at sets HOME.
func (v *dfView) homeEnvSet(s *dockerfile.Stage, at *dockerfile.Instruction) bool {
	for _, in := range v.instructions(s) {
		if in == at {
			return false
		}
		if in.Cmd == "env" && slices.ContainsFunc(in.Env, func(kv dockerfile.KeyValue) bool { return kv.Key == "HOME" }) {
			return true
		}
	}
	return false
}

// checkCR114 reports RUNs as root that write to root's home.
func checkCR114(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	final := v.final
	var out []Finding
	for _, ins := range v.instructions(final) {
		if ins.Cmd != "run" {
			continue
		}
		if u, _ := v.userAt(final, ins); !isRootUser(u) || v.homeEnvSet(final, ins) {
			continue
		}
		cmds, _ := ins.Commands()
	cmds:
		for _, c := range cmds {
			if !isRootUser(c.User) {
				continue
			}
			for _, t := range writeTargets(c) {
				if !homeRef(t.Path) {
					continue
				}
				out = append(out, Finding{
					Message:  fmt.Sprintf("this RUN runs as root and writes to `%s`, which is under /root: the workspace user never sees it", strings.Trim(t.Path, `"'`)),
					Location: v.spanLoc(t.Span),
					Fix:      &Fix{Description: "run it after `USER <workspace user>`, or write to the user's home, /etc/skel or /etc/profile.d"},
				})
				break cmds
			}
		}
	}
	return out
}

// homeUsers returns the users whose home Coder's templates mount a volume
// on: coder, and the final stage's last USER when it names a non-root user.
func (v *dfView) homeUsers() []string {
	users := []string{"coder"}
	if u, known := v.userAt(v.final, nil); known && !isRootUser(u) && !hasVar(u) {
		name, _, _ := strings.Cut(u, ":")
		if !slices.Contains(users, name) && (name[0] < '0' || name[0] > '9') {
			users = append(users, name)
		}
	}
	return users
}

// inHome returns the user whose home p is inside (or is, when self is set:
// a COPY into the home directory itself puts files in it).
func inHome(p string, users []string, self bool) (string, bool) {
	p = path.Clean(strings.Trim(p, `"'`))
	for _, u := range users {
		if strings.HasPrefix(p, "/home/"+u+"/") || self && p == "/home/"+u {
			return u, true
		}
	}
	return "", false
}

// checkCR115 reports files put into the workspace user's home at build time.
func checkCR115(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	final := v.final
	users := v.homeUsers()
	var out []Finding
	report := func(p, user string, loc Location) {
		out = append(out, Finding{
			Message:  fmt.Sprintf("`%s` is put in /home/%s at build time, but Coder's templates mount a persistent volume there that hides it", p, user),
			Location: loc,
			Fix:      &Fix{Description: "install to /usr/local or /opt, or to /etc/skel, or copy it into the home from the template's startup script"},
		})
	}
	for _, ins := range v.instructions(final) {
		s := ins.Stage
		switch ins.Cmd {
		case "copy", "add":
			dest := v.copyDest(s, ins)
			if u, ok := inHome(dest, users, true); ok {
				report(dest, u, v.instLoc(ins))
			}
		case "run":
			vars := v.stageVars(final, ins)
			cur, _ := v.userAt(final, ins)
			curName, _, _ := strings.Cut(cur, ":")
			cmds, _ := ins.Commands()
		cmds:
			for _, c := range cmds {
				for _, t := range writeTargets(c) {
					p := expandKnown(strings.Trim(t.Path, `"'`), vars)
					runAs := curName
					if c.User != "" {
						runAs = c.User
					}
					if homeRef(p) && !isRootUser(runAs) && !hasVar(runAs) && !v.homeEnvSet(final, ins) {
						p = "/home/" + runAs + strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(p, "${HOME}"), "$HOME"), "~")
					}
					if u, ok := inHome(p, users, false); ok {
						report(p, u, v.spanLoc(t.Span))
						break cmds
					}
				}
			}
		}
	}
	return out
}
