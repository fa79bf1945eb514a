package checks

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/coderready/coderready/dockerfile"
)

// This file holds the Dockerfile rules about what the image expects at run
// time that a Coder workspace does not give it (CR116: systemd).

func init() {
	Register(&Rule{
		ID:       "CR116",
		Title:    "systemd service in a workspace image",
		Severity: SeverityWarning,
		Family:   FamilyDockerfile,
		What: "The final image enables or starts a systemd unit (`systemctl enable`, `systemctl start`, " +
			"`systemctl restart`, also with `--now`, or a link into a target's `.wants/` folder: `ln -s … multi-user.target.wants/`), or copies a unit file (`*.service`, `*.socket`, `*.timer`) into " +
			"`/etc/systemd/system`, `/lib/systemd/system` or `/usr/lib/systemd/system`. A command that runs only " +
			"under a shell condition is not reported, nor an image the repository's own Coder template runs under Sysbox " +
			"with `exec /sbin/init` (`runtime = \"sysbox-runc\"`), nor a unit such a template starts itself from its agent's startup script " +
			"(`sudo dockerd &` or `sudo service docker start` for `docker`), nor an image that puts a systemctl of its own in place " +
			"(`COPY systemctl /usr/bin/systemctl`: docker-systemctl-replacement, a script that runs units without systemd). A `CMD` that starts systemd is CR106's.",
		Why: "An enabled unit only starts when systemd runs as PID 1. Coder's templates start the workspace container " +
			"with `sh -c <agent init script>` (envbuilder with its init command, `/bin/sh`), so systemd never runs and " +
			"neither does the service. Coder documents systemd in workspaces only with the Sysbox runtime and a " +
			"template that runs as root and ends with `exec /sbin/init`." + cite("templates", "systemd"),
		HowToFix: "Start the service from the template's startup script (`coder_script`, `startup_script`), e.g. " +
			"`sudo service docker start` or `sudo dockerd &`; or, where the platform team runs Sysbox, use its " +
			"systemd template (`runtime = \"sysbox-runc\"`, `exec /sbin/init`).",
		Sources:    []string{"templates", "systemd"},
		Dockerfile: checkCR116,
	})
}

// systemdUnitDirs are the folders systemd loads system units from.
var systemdUnitDirs = []string{"/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"}

// systemdUnitExts are the unit types that start something.
var systemdUnitExts = []string{".service", ".socket", ".timer", ".path"}

// systemctlStarts returns the unit a systemctl command enables or starts
// ("" when it does neither; "unit" when the command names none plainly).
func systemctlStarts(c dockerfile.Command) (string, bool) {
	if path.Base(c.Name) != "systemctl" || c.Conditional {
		return "", false
	}
	verb, unit := "", ""
	for i, a := range c.Args {
		if strings.HasPrefix(a, "-") {
			continue
		}
		if verb == "" {
			verb = a
			continue
		}
		if unit == "" && i < len(c.Literal) && c.Literal[i] {
			unit = a
		}
	}
	switch verb {
	case "enable", "start", "restart", "reenable":
	default:
		return "", false
	}
	if unit == "" {
		unit = "unit"
	}
	return verb + " " + unit, true
}

// wantsLink reports whether a command enables a unit by linking it into a
// target's `.wants/` folder, as `systemctl enable` does (`ln -s …
// /etc/systemd/system/multi-user.target.wants/`), and says so.
func wantsLink(c dockerfile.Command) (string, bool) {
	if path.Base(c.Name) != "ln" || c.Conditional || len(c.Args) < 2 {
		return "", false
	}
	dest := c.Args[len(c.Args)-1]
	if !strings.Contains(dest, ".wants/") || !strings.Contains(dest, "/systemd/") {
		return "", false
	}
	return "enable", true
}

// enablesUnit returns the command of a RUN that enables or starts a
// unit, and what it does: a systemctl command, else a link into a
// `.wants/` folder.
func enablesUnit(cmds []dockerfile.Command) (dockerfile.Command, string, bool) {
	for _, find := range []func(dockerfile.Command) (string, bool){systemctlStarts, wantsLink} {
		for _, c := range cmds {
			if what, ok := find(c); ok {
				return c, what, true
			}
		}
	}
	return dockerfile.Command{}, "", false
}

// systemctlPaths are where a replacement systemctl goes.
var systemctlPaths = []string{"/usr/bin/systemctl", "/bin/systemctl", "/usr/local/bin/systemctl"}

// replacesSystemctl reports whether the final stage's chain puts a
// systemctl of its own in place: a COPY or ADD to a systemctl path, or a
// RUN that links, moves, copies or downloads a file there.
func (v *dfView) replacesSystemctl() bool {
	for _, ins := range v.instructions(v.final) {
		switch ins.Cmd {
		case "copy", "add":
			if len(ins.Args) >= 2 && slices.Contains(systemctlPaths, v.copyDest(v.final, ins)) {
				return true
			}
		case "run":
			cmds, _ := ins.Commands()
			for _, c := range cmds {
				switch path.Base(c.Name) {
				case "ln", "mv", "cp", "install", "curl", "wget":
					if slices.ContainsFunc(c.Args, func(a string) bool { return slices.Contains(systemctlPaths, a) }) {
						return true
					}
				}
			}
		}
	}
	return false
}

// unitFile reports whether a COPY/ADD destination (or source name) is a
// systemd unit file in a unit folder.
func unitFile(dest string, srcs []string) bool {
	dir := dest
	if !strings.HasSuffix(dest, "/") && slices.ContainsFunc(systemdUnitExts, func(e string) bool { return strings.HasSuffix(dest, e) }) {
		dir = path.Dir(dest)
	} else if !slices.ContainsFunc(srcs, func(s string) bool {
		return slices.ContainsFunc(systemdUnitExts, func(e string) bool { return strings.HasSuffix(strings.Trim(s, `"'`), e) })
	}) {
		return false
	}
	dir = path.Clean(dir)
	return slices.ContainsFunc(systemdUnitDirs, func(d string) bool { return dir == d || strings.HasPrefix(dir, d+"/") })
}

// checkCR116 reports systemd units the final image enables or installs.
func checkCR116(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	// A Coder template of the repository runs the image under Sysbox with
	// /sbin/init as PID 1: systemd starts the services there.
	if v.in.KeptEntrypoint != nil && v.in.KeptEntrypoint("/sbin/init") {
		return nil
	}
	// A systemctl the image replaces with its own (docker-systemctl-
	// replacement, a script that runs a unit's ExecStart) starts units
	// without systemd: what it leaves to the container's command is
	// CR106's.
	if v.replacesSystemctl() {
		return nil
	}
	fix := &Fix{Description: "start the service from the template's startup script (coder_script), e.g. `sudo service NAME start`"}
	var out, units []Finding
	for _, ins := range v.instructions(v.final) {
		switch ins.Cmd {
		case "run":
			cmds, _ := ins.Commands()
			c, what, ok := enablesUnit(cmds)
			// A unit the repository's own template starts from its
			// startup script (`sudo dockerd &`) runs in the workspace.
			if _, unit, named := strings.Cut(what, " "); ok && named && v.in.TemplateStarts != nil && v.in.TemplateStarts(unit) {
				ok = false
			}
			if ok {
				loc := v.instLoc(ins)
				if c.Col > 0 {
					loc = v.spanLoc(dockerfile.Span{Line: c.Line, Col: c.Col, EndLine: c.Line})
				}
				cmd := "`systemctl " + what + "`"
				if path.Base(c.Name) == "ln" {
					cmd = "a link into `" + c.Args[len(c.Args)-1] + "` enables a unit, which"
				}
				out = append(out, Finding{
					Message: fmt.Sprintf("%s needs systemd as PID 1, but Coder's templates start the container with "+
						"`sh -c <agent init script>` (systemd runs only under a Sysbox template that execs /sbin/init): "+
						"the service does not start", cmd),
					Location: loc,
					Fix:      fix,
				})
			}
		case "copy", "add":
			if len(ins.Args) < 2 {
				continue
			}
			dest := v.copyDest(v.final, ins)
			if !unitFile(dest, ins.Args[:len(ins.Args)-1]) {
				continue
			}
			if unit := strings.TrimSuffix(path.Base(ins.Args[0]), ".service"); v.in.TemplateStarts != nil && v.in.TemplateStarts(unit) {
				continue
			}
			units = append(units, Finding{
				Message: fmt.Sprintf("a systemd unit is installed in `%s`, but Coder's templates start the container with "+
					"`sh -c <agent init script>`, not systemd (which runs only under a Sysbox template that execs /sbin/init): "+
					"the unit does not run", strings.TrimSuffix(dest, "/")),
				Location: v.instLoc(ins),
				Fix:      fix,
			})
		}
	}
	// A unit file that is also enabled is reported once, where it is
	// enabled.
	if len(out) == 0 {
		out = units
	}
	return out
}
