package checks

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
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
			"`/usr/local/share/ca-certificates/` under a name that does not end in `.crt` (not on Alpine, whose " +
			"`update-ca-certificates` takes every regular file there). Not a certificate an `ENV` points programs at " +
			"(`SSL_CERT_FILE`, `REQUESTS_CA_BUNDLE`, `NODE_EXTRA_CA_CERTS`, …): they read the file itself. A later RUN of a script or " +
			"of a program copied in, whose commands the Dockerfile does not show, may refresh it: not reported.",
		Why: "Programs read the generated bundle (Go: `/etc/ssl/certs/ca-certificates.crt`, " +
			"`/etc/pki/tls/certs/ca-bundle.crt`, …), not the anchor directory; the bundle only changes when the " +
			"refresh command runs, and Debian's `update-ca-certificates` ignores files without the `.crt` extension." + cite("ca", "alpine-update-ca"),
		HowToFix:   "Run the refresh command after the copy (`RUN update-ca-certificates`), and name the file `*.crt`.",
		Sources:    []string{"ca", "alpine-update-ca"},
		Dockerfile: checkCR109,
	})
	Register(&Rule{
		ID:       "CR114",
		Title:    "Root writes to $HOME",
		Severity: SeverityInfo,
		Family:   FamilyDockerfile,
		What: "A command of a `RUN` that runs as root writes under `/root` (`>> ~/.bashrc`, `mkdir -p $HOME/.config`, " +
			"`git clone … .tool` in `WORKDIR /root`, …), and the workspace runs as another user: the devcontainer's " +
			"`remoteUser`/`containerUser`, else the image's final user, or for a Dockerfile on its own a user it " +
			"creates or its base has. Paths are read as the shell does: `~` and `$HOME` are the HOME in effect " +
			"(an `ENV HOME`, the base's, else the user's home), relative paths start from `WORKDIR` and any earlier " +
			"`cd`, and `sudo -u`, `su`, `runuser` and `gosu` run their command as that user. A RUN whose user is not " +
			"known (an unread base and no `USER`) is not judged. " + toolWritesDoc,
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
			"or the image's final user) — at build time. A RUN's paths are read as the shell does: `~` and `$HOME` " +
			"are the HOME in effect (an `ENV HOME`, the base's, else the home of the user the command runs as, " +
			"`sudo -u` and `su` included), relative paths start from `WORKDIR` and any earlier `cd`. " + toolWritesDoc +
			" A Dockerfile a devcontainer.json builds, or whose image a devcontainer.json of the repository runs by name (a build file tags it so), is not reported: Coder's Dev Container templates mount nothing over its home. " +
			"Past three copies to destinations relative to a `WORKDIR` in the home (an application's own files), they are one " +
			"finding, on the first, that names the others' lines.",
		Why: "Coder's templates mount a persistent volume on `/home/coder`; the volume hides whatever the image " +
			"put there (after the first start, the volume's content wins). The Dev Container templates (envbuilder) " +
			"mount their volume on `/workspaces` only, and the native integration mounts the workspace folder, so a " +
			"Dev Container keeps the home its image has." + cite("templates", "templates-envbuilder"),
		HowToFix: "Install to `/usr/local` or `/opt`, or to `/etc/skel` and let the user's home be created from it, " +
			"or copy files into the home from the template's startup script.",
		Sources:    []string{"templates", "templates-envbuilder"},
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
	// A folder keeps its trailing slash; the root (`WORKDIR /` then
	// `COPY . .`) is `/` already.
	d := path.Join(wd, dest)
	if (strings.HasSuffix(dest, "/") || dest == ".") && d != "/" {
		d += "/"
	}
	return d
}

// workdirAt returns the WORKDIR in effect before in: the last one the
// chain of s sets, else the one its base image sets when that is known
// (code-server's /home/coder); "" when none is set or known.
func (v *dfView) workdirAt(s *dockerfile.Stage, at *dockerfile.Instruction) string {
	wd, set := "", false
	for _, in := range v.instructions(s) {
		if in == at {
			break
		}
		if in.Cmd == "workdir" && len(in.Args) > 0 {
			d := expandKnown(unquoteWord(in.Args[0]), v.stageVars(s, in))
			if !strings.HasPrefix(d, "/") {
				if !set {
					wd = v.facts(s).WorkDir
				}
				d = path.Join(max(wd, "/"), d)
			}
			wd, set = d, true
		}
	}
	if !set {
		wd = v.facts(s).WorkDir
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
	if m := v.manager(final); b.Known && !b.CACerts && !v.installsCA(final) && m != PMUnknown {
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
//
// A RUN that runs what the Dockerfile does not show (a script, or a
// program copied in: containerbase's `install-containerbase`, which
// refreshes the store itself) may refresh it too: what it does is not
// known, so the copy is not reported.
func (v *dfView) refreshAfter(s *dockerfile.Stage, at *dockerfile.Instruction) bool {
	refreshes := func(t *dockerfile.Stage, ins *dockerfile.Instruction) bool {
		return ins.Cmd == "run" && (runsRefresh(ins) || v.runsUnseen(t, ins))
	}
	seen := false
	for _, ins := range s.Instructions {
		if seen && refreshes(s, ins) {
			return true
		}
		seen = seen || ins == at
	}
	for _, t := range v.f.Stages {
		if t == s || !slices.Contains(v.chain(t), s) {
			continue
		}
		for _, ins := range t.Instructions {
			if refreshes(t, ins) {
				return true
			}
		}
	}
	return false
}

// runsUnseen reports whether the RUN ins of stage s runs something whose
// commands the Dockerfile does not show: a script (Command.Script), or a
// program an earlier COPY or ADD of the chain put in place, by its file's
// name or, for a folder copied into a PATH folder, any program not among
// the system's own (passThroughCommands, package managers, coreutils).
func (v *dfView) runsUnseen(s *dockerfile.Stage, ins *dockerfile.Instruction) bool {
	cmds, _ := ins.Commands()
	var names []string
	folder := false
	for _, t := range v.chain(s) {
		for _, c := range t.Instructions {
			if c == ins {
				break
			}
			if (c.Cmd != "copy" && c.Cmd != "add") || len(c.Args) < 2 {
				continue
			}
			dest := v.copyDest(t, c)
			inPath := slices.Contains(pathDirs, path.Clean(dest))
			for _, src := range c.Args[:len(c.Args)-1] {
				src = strings.Trim(src, `"'`)
				if strings.HasPrefix(src, "--") {
					continue
				}
				switch {
				case inPath && (strings.HasSuffix(src, "/") || path.Ext(src) == "" && len(c.Args) == 2 && !strings.HasSuffix(dest, "/")):
					folder = folder || strings.HasSuffix(src, "/")
					names = append(names, path.Base(src))
				case inPath:
					names = append(names, path.Base(src))
				}
			}
			if !strings.HasSuffix(dest, "/") && !inPath {
				names = append(names, path.Base(dest))
			}
		}
	}
	for _, c := range cmds {
		if c.Script != "" {
			return true
		}
		name := path.Base(c.Name)
		if slices.Contains(names, name) || folder && !systemProgram(name) {
			return true
		}
	}
	return false
}

// systemPrograms are programs of the distributions themselves, which a
// copied folder of programs does not bring.
var systemPrograms = []string{"apt-get", "apt", "apk", "dnf", "yum", "microdnf", "zypper", "pacman", "rpm", "dpkg",
	"curl", "wget", "mkdir", "chmod", "chown", "chgrp", "ln", "rm", "cp", "mv", "cat", "sed", "awk", "grep", "find",
	"tar", "gzip", "unzip", "useradd", "groupadd", "usermod", "adduser", "addgroup", "touch", "install", "ls", "sh",
	"bash", "cd", "export", "locale-gen", "localedef", "ldconfig", "sudo", "pip", "pip3", "python", "python3", "git"}

// systemProgram reports whether name is a program of the distribution or
// a shell builtin.
func systemProgram(name string) bool {
	return slices.Contains(systemPrograms, name) || slices.Contains(passThroughCommands, name)
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
			// An ENV that points programs at the copied file itself
			// (`SSL_CERT_FILE`, `REQUESTS_CA_BUNDLE`): they read it
			// directly, with or without a refresh, whatever its name.
			if v.caVariableNames(s, dest) {
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
			// Alpine's update-ca-certificates takes every regular file
			// there, whatever its name; Debian's only `*.crt`.
			if anchor == "/usr/local/share/ca-certificates" && v.manager(s) != PMApk {
				if fd, ok := v.crtNameFinding(ins, dest); ok {
					out = append(out, fd)
				}
			}
		}
	}
	return out
}

// caVariables are the environment variables that point TLS clients at a
// certificate bundle or folder of their own (OpenSSL, Python's requests,
// curl, Node.js, git, the AWS CLI, pip).
var caVariables = []string{"SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
	"GIT_SSL_CAINFO", "AWS_CA_BUNDLE", "PIP_CERT"}

// caVariableNames reports whether an ENV of s's chain sets one of
// caVariables to dest, a file inside it (dest a folder), or dest's
// folder.
func (v *dfView) caVariableNames(s *dockerfile.Stage, dest string) bool {
	d := path.Clean(dest)
	for _, in := range v.instructions(s) {
		if in.Cmd != "env" {
			continue
		}
		for _, kv := range in.Env {
			if !slices.Contains(caVariables, kv.Key) {
				continue
			}
			val := path.Clean(strings.Trim(kv.Value, `"'`))
			if val == d || strings.HasPrefix(val, d+"/") || strings.HasSuffix(dest, "/") && path.Dir(val) == d {
				return true
			}
		}
	}
	return false
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

// runWrite is a path a RUN writes to, with where it really points.
type runWrite struct {
	// raw is the path as written, quotes removed.
	raw string
	// abs is the absolute path it points to: `~` and $HOME replaced by the
	// HOME the command runs with, variables the Dockerfile sets expanded,
	// a relative path joined to the directory the command runs in; ""
	// when that is not known.
	abs  string
	span dockerfile.Span
	// user is the user the command writes as ("" for root); userKnown is
	// false when neither the Dockerfile nor the base image tells.
	user      string
	userKnown bool
	// viaHome is set for a path written through `~` or $HOME; homeSure
	// when that HOME is a fact (an ENV HOME, a base image whose user is
	// known, a su/sudo switch) rather than the user's usual home.
	viaHome, homeSure bool
}

// goImage reports whether r is Go's Docker Official image or the Dev
// Containers Go image, both of which set `GOPATH=/go`.
func goImage(r ImageRef) bool {
	return r.Registry == "" && r.Repository == "golang" ||
		devcontainersName(r) == "go"
}

// homeOf returns the home directory of a user by the usual convention
// (/root for root, /home/NAME for a name), "" for a numeric or variable
// user.
func homeOf(user string) string {
	if isRootUser(user) {
		return "/root"
	}
	name, _, _ := strings.Cut(user, ":")
	if hasVar(name) || name[0] >= '0' && name[0] <= '9' {
		return ""
	}
	return "/home/" + name
}

// runWrites returns the paths the commands of a RUN of stage s write to,
// read as the shell does: each command as the user in effect (`USER`,
// else the base image's, or the one `sudo -u`, `su`, `runuser` switch
// to), `~` and `$HOME` as that user's HOME (the ENV HOME the Dockerfile or
// the base sets, else the user's home), and relative paths from the
// WORKDIR as changed by `cd` earlier in the RUN.
func (v *dfView) runWrites(s *dockerfile.Stage, ins *dockerfile.Instruction) []runWrite {
	cmds, _ := ins.Commands()
	if len(cmds) == 0 {
		return nil
	}
	vars := v.stageVars(s, ins)
	// Go's images set GOPATH=/go, outside any home.
	if _, ok := vars["GOPATH"]; !ok && goImage(ParseImageRef(v.rootRef(s))) {
		vars = maps.Clone(vars)
		vars["GOPATH"] = "/go"
	}
	user, known := v.userAt(s, ins)
	user = expandKnown(user, vars)
	envHome := v.homeAt(s, ins)
	// Without an ENV HOME, HOME is the user's home unless an unread base
	// sets one.
	envSure := envHome != "" || v.facts(s).KnowsUser()
	cwd := v.workdirAt(s, ins)
	text := v.f.Text(ins.StartLine, ins.EndLine)
	var out []runWrite
	for i, c := range cmds {
		runAs, runKnown, home, sure := user, known && !hasVar(user), envHome, envSure
		if c.User != "" {
			// su, sudo and runuser set HOME to the target user's.
			runAs = expandKnown(c.User, vars)
			runKnown, home, sure = !hasVar(runAs), homeOf(runAs), true
		} else if home == "" && runKnown {
			home = homeOf(runAs)
		}
		if path.Base(c.Name) == "cd" || c.Name == "pushd" || c.Name == "popd" {
			cwd = changeDir(cwd, home, c, vars)
			continue
		}
		targets := writeTargets(c)
		// What tools write by themselves (rules_dockerfile_home.go).
		for _, t := range toolHomeWrites(cmds, i, text, vars) {
			targets = append(targets, struct {
				Path string
				Span dockerfile.Span
			}{t.path, t.span})
		}
		for _, t := range targets {
			raw := strings.Trim(t.Path, `"'`)
			w := runWrite{raw: raw, span: t.Span, user: runAs, userKnown: runKnown, viaHome: homeRef(raw), homeSure: sure}
			if isRootUser(runAs) {
				w.user = ""
			}
			w.abs = resolvePath(raw, home, cwd, vars)
			out = append(out, w)
		}
	}
	return out
}

// changeDir returns the directory after a `cd` (pushd, popd) run from cwd
// with HOME home; "" when it is not known (a variable, `cd -`, a
// conditional cd, pushd and popd).
func changeDir(cwd, home string, c dockerfile.Command, vars map[string]string) string {
	if c.Conditional || path.Base(c.Name) != "cd" || len(c.Args) > 1 {
		return ""
	}
	if len(c.Args) == 0 {
		return home
	}
	return resolvePath(c.Args[0], home, cwd, vars)
}

// resolvePath makes a written path absolute (see runWrite.abs).
func resolvePath(p, home, cwd string, vars map[string]string) string {
	for _, pre := range []string{"~", "${HOME}", "$HOME"} {
		rest, ok := strings.CutPrefix(p, pre)
		if !ok || rest != "" && rest[0] != '/' {
			continue
		}
		if home == "" {
			return ""
		}
		p = home + rest
		break
	}
	p = expandKnown(p, vars)
	switch {
	// A variable left later in the path does not change where it is.
	case strings.HasPrefix(p, "$") || p == "" || p == "-" || strings.HasPrefix(p, "~"):
		return ""
	case strings.HasPrefix(p, "/"):
		return path.Clean(p)
	case cwd == "":
		return ""
	}
	return path.Join(cwd, p)
}

// nonRootWorkspace reports whether the workspace runs as a non-root user,
// whose home is not /root: the devcontainer's remoteUser or containerUser
// when it sets one, else the image's final user; for a Dockerfile on its
// own also when it creates a user or its base has one meant for the
// developer (vscode, node, coder).
func (v *dfView) nonRootWorkspace() bool {
	u, known := v.userAt(v.final, nil)
	if dc := v.in.Devcontainer; dc != nil {
		if du, set := dc.User(); set {
			return !isRootUser(du)
		}
		return known && !isRootUser(u)
	}
	if known && !isRootUser(u) {
		return true
	}
	return len(v.facts(v.final).Users) > 0 || len(v.usersCreated(v.final)) > 0
}

// checkCR114 reports RUNs as root that write to root's home.
func checkCR114(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil || !v.nonRootWorkspace() {
		return nil
	}
	final := v.final
	var out []Finding
	for _, ins := range v.instructions(final) {
		if ins.Cmd != "run" {
			continue
		}
		for _, w := range v.runWrites(final, ins) {
			// An explicit /root path is meant for root; only a home or a
			// directory that turns out to be root's is a surprise.
			if !w.userKnown || w.user != "" || w.abs == "" || !under(w.abs, "/root") || w.abs == "/root" ||
				strings.HasPrefix(w.raw, "/") || w.viaHome && !w.homeSure {
				continue
			}
			what := "`" + w.raw + "`"
			if w.raw != w.abs {
				what += " (" + w.abs + ")"
			}
			out = append(out, Finding{
				Message:  fmt.Sprintf("this RUN runs as root and writes to %s, which is under /root: the workspace user never sees it", what),
				Location: v.spanLoc(w.span),
				Fix:      &Fix{Description: "run it after `USER <workspace user>`, or write to the user's home, /etc/skel or /etc/profile.d"},
			})
			break
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

// homebrewCmd finds a `brew` command in a RUN.
var homebrewCmd = regexp.MustCompile(`(?:^|[\s;&|(])brew\s+(?:install|bundle|tap)\b`)

// removedBy reports whether a command of the RUN deletes the path as
// written (`rm -f ~/miniconda.sh`).
func removedBy(ins *dockerfile.Instruction, raw string) bool {
	cmds, _ := ins.Commands()
	for _, c := range cmds {
		if path.Base(c.Name) != "rm" {
			continue
		}
		for _, a := range c.Args {
			if strings.Trim(a, `"'`) == raw {
				return true
			}
		}
	}
	return false
}

// checkCR115 reports files put into the workspace user's home at build time.
func checkCR115(in *DockerfileInput) []Finding {
	v := newView(in)
	// A Dev Container's home has no volume over it (see Why).
	if v == nil || in.Devcontainer != nil || in.DevcontainerImage != "" {
		return nil
	}
	final := v.final
	users := v.homeUsers()
	var out []Finding
	relative := map[int]bool{} // findings of copies to a WORKDIR-relative destination
	report := func(p, user string, loc Location, ins *dockerfile.Instruction) {
		fix := "install to /usr/local or /opt, or to /etc/skel, or copy it into the home from the template's startup script"
		if text := v.f.Text(ins.StartLine, ins.EndLine); strings.Contains(text, "Homebrew/install") || homebrewCmd.MatchString(text) {
			// Homebrew on Linux keeps its prefix outside any user's home;
			// what it leaves in the home is its download cache.
			fix = "Homebrew's own prefix, /home/linuxbrew/.linuxbrew, is outside the workspace home; point HOMEBREW_CACHE " +
				"outside the home (`ENV HOMEBREW_CACHE=/tmp/homebrew-cache`) or remove `~/.cache` once the install is done"
		}
		out = append(out, Finding{
			Message:  fmt.Sprintf("`%s` is put in /home/%s at build time, but Coder's templates mount a persistent volume there that hides it", p, user),
			Location: loc,
			Fix:      &Fix{Description: fix},
		})
	}
	for _, ins := range v.instructions(final) {
		s := ins.Stage
		switch ins.Cmd {
		case "copy", "add":
			dest := v.copyDest(s, ins)
			if u, ok := inHome(dest, users, true); ok {
				report(dest, u, v.instLoc(ins), ins)
				// A destination relative to a WORKDIR in the home (an
				// application's own files) may be folded.
				if raw := strings.Trim(ins.Args[len(ins.Args)-1], `"'`); !strings.HasPrefix(raw, "/") && !strings.HasPrefix(raw, "$") && !strings.HasPrefix(raw, "~") {
					relative[len(out)-1] = true
				}
			}
		case "run":
			// The first path the RUN leaves in a home: an installer it
			// downloads there and deletes again is not what stays.
			var first, kept *runWrite
			var firstUser, keptUser string
			for _, w := range v.runWrites(final, ins) {
				p := w.abs
				if p == "" {
					p = expandKnown(w.raw, v.stageVars(final, ins))
				}
				u, ok := inHome(p, users, false)
				if !ok {
					continue
				}
				w.abs = p
				if first == nil {
					first, firstUser = &w, u
				}
				if !removedBy(ins, w.raw) {
					kept, keptUser = &w, u
					break
				}
			}
			if kept == nil {
				kept, keptUser = first, firstUser
			}
			if kept != nil {
				report(kept.abs, keptUser, v.spanLoc(kept.span), ins)
			}
		}
	}
	return foldHomeCopies(out, relative)
}

// maxHomeCopies is how many CR115 findings of copies to WORKDIR-relative
// destinations a Dockerfile gets one by one; past it (an application
// image whose WORKDIR is its user's home copies dozens of packages there),
// the first of them names the others' lines.
const maxHomeCopies = 3

// foldHomeCopies folds CR115's findings of copies to WORKDIR-relative
// destinations (relative marks them) past maxHomeCopies into the first.
// Other findings, each a file of its own in the home, stay.
func foldHomeCopies(fs []Finding, relative map[int]bool) []Finding {
	if len(relative) <= maxHomeCopies {
		return fs
	}
	var out []Finding
	var lines []string
	first := -1
	for i, f := range fs {
		switch {
		case !relative[i]:
			out = append(out, f)
		case first < 0:
			first = len(out)
			out = append(out, f)
		case len(lines) < 10:
			lines = append(lines, strconv.Itoa(f.Location.StartLine))
		case len(lines) == 10:
			lines = append(lines, "…")
		}
	}
	out[first].Message += fmt.Sprintf("; %d more copies put files in the home too (lines %s)", len(relative)-1, strings.Join(lines, ", "))
	return out
}
