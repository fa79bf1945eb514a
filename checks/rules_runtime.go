package checks

import (
	"cmp"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/probe"
)

// The runtime rules (CR4xx) judge what happened when the image was run:
// the agent bootstrap probe (package probe) starts a container of the
// built image the way a Coder template does and lets the bootstrap
// download and start a stand-in agent, which reports what the real agent
// would meet. What they say was seen, not inferred: evidence `image`.
func init() {
	Register(&Rule{
		ID: "CR400", Title: "The Coder agent cannot be downloaded or started", Severity: SeverityError, Family: FamilyRuntime,
		What: "Run as a Coder template runs it (the entrypoint replaced by `sh -c <init script>`, as the workspace's user), " +
			"the agent bootstrap failed: the step that failed (making its folder, downloading with curl, wget or busybox, " +
			"making the agent executable, starting it) and the last lines it wrote. A missing shared library, a download " +
			"tool that does not run, a shell that cannot start all land here. The finding sits on the Dockerfile line that " +
			"removed what failed when that can be told, else on the final FROM.",
		Why: "This is the workspace that never connects: Coder shows \"the agent never connected\" and the template's startup " +
			"script never runs. The bootstrap is Coder's own script, run by the container's `sh -c`; it downloads the agent " +
			"from the access URL with curl, else wget, else busybox wget, into a `mktemp -d` folder, and executes it. " +
			cite("bootstrap") + " " + cite("templates"),
		HowToFix: "Read the step and the error in the finding: reinstall what a RUN removed (its package, or the library the " +
			"tool needs), or install curl (`apt-get install -y curl`, `apk add curl`).",
		Sources: []string{"bootstrap", "templates"},
		Image:   checkCR400,
	})
	Register(&Rule{
		ID: "CR401", Title: "A program is built for another architecture", Severity: SeverityError, Family: FamilyRuntime,
		What: "The bootstrap failed with `exec format error`: the shell or the download tool is a binary for another " +
			"architecture than the image's platform (a copied-in binary, a download for the wrong `uname -m`).",
		Why: "The kernel cannot run it; the bootstrap stops there and the agent never starts. " + cite("bootstrap"),
		HowToFix: "Install the program for the image's architecture: use the package manager, or download by " +
			"`${TARGETARCH}`.",
		Sources: []string{"bootstrap"},
		Image:   checkCR401,
	})
	Register(&Rule{
		ID: "CR402", Title: "The user's home is not writable", Severity: SeverityWarning, Family: FamilyRuntime,
		What: "Running as the workspace's user, `$HOME` does not exist or cannot be written (for example owned by root).",
		Why: "The agent and what it starts write under the home: SSH's known hosts, the IDE servers (VS Code Server, " +
			"code-server, JetBrains), git's config, shells' history. They fail one by one after the agent connects. " +
			cite("agent") + " " + cite("ide"),
		HowToFix: "Create the home owned by the user: `RUN useradd -m -u 1000 coder` or `chown -R coder:coder /home/coder` " +
			"before the last `USER`.",
		Sources: []string{"agent", "ide"},
		Image:   checkCR402,
	})
	Register(&Rule{
		ID: "CR403", Title: "/tmp cannot be written or executed from", Severity: SeverityError, Family: FamilyRuntime,
		What: "Running as the workspace's user, a file could not be written to `/tmp`, or one written there could not be " +
			"executed (mode 0755 instead of 1777, a read-only or noexec folder).",
		Why:      "The bootstrap makes its folder with `mktemp -d` (under `/tmp`) and executes the agent from it. " + cite("bootstrap"),
		HowToFix: "`RUN chmod 1777 /tmp`, and keep `/tmp` executable.",
		Sources:  []string{"bootstrap"},
		Image:    checkCR403,
	})
	Register(&Rule{
		ID: "CR404", Title: "The user has no passwd entry", Severity: SeverityWarning, Family: FamilyRuntime,
		What: "The workspace's user ran with a UID that `/etc/passwd` does not name.",
		Why: "The agent starts, but ssh, git and shells look the user up: `No user exists for uid 1000`, no home, no login " +
			"shell for terminals. " + cite("agent"),
		HowToFix: "Create the user in the image: `RUN useradd -m -u 1000 -s /bin/bash coder`.",
		Sources:  []string{"agent"},
		Image:    checkCR404,
	})
	Register(&Rule{
		ID: "CR405", Title: "The user's login shell fails", Severity: SeverityWarning, Family: FamilyRuntime,
		What: "The user's login shell, run as Coder's terminals run it (`<shell> -l -c exit`), failed: a profile script " +
			"that exits non-zero, a shell that is missing or does not run.",
		Why: "The agent starts every terminal and SSH session in the user's login shell: each one fails or closes at once. " +
			cite("agent"),
		HowToFix: "Run the shell's profile (`/etc/profile`, `/etc/profile.d/*`, `~/.profile`) by hand to find the failing " +
			"line; set an installed shell with `useradd -s /bin/bash` or `chsh`.",
		Sources: []string{"agent"},
		Image:   checkCR405,
	})
	Register(&Rule{
		ID: "CR406", Title: "git, ssh or bash is there but does not run", Severity: SeverityWarning, Family: FamilyRuntime,
		What: "git, ssh or bash is on the user's PATH but running it (`--version`) failed: a missing library, a binary for " +
			"another architecture, a broken link.",
		Why: "Reading the files finds the program; only running it shows it is broken. Coder's git integration and SSH " +
			"sessions need them. " + cite("agent"),
		HowToFix: "Reinstall the package that provides it, or the library the error names.",
		Sources:  []string{"agent"},
		Image:    checkCR406,
	})
}

// soLib finds a shared library a loader could not load: "error while
// loading shared libraries: libcurl.so.4: cannot open shared object file".
var soLib = regexp.MustCompile(`error while loading shared libraries: ([^:\s]+)`)

// notFound finds a program a shell could not find or run: "sh: 1: curl:
// not found", "/bin/sh: curl: Permission denied".
var notFound = regexp.MustCompile(`([A-Za-z0-9_.+/-]+): (?:not found|Permission denied|No such file or directory)`)

// probeFailed is the probe's result when the bootstrap failed (nil when it
// was not run, was skipped, or succeeded).
func probeFailed(in *ImageInput) *probe.Result {
	r := in.Probe
	if r == nil || r.Skipped != "" || r.OK {
		return nil
	}
	return r
}

func execFormat(r *probe.Result) bool {
	return strings.Contains(r.Stderr, "exec format error")
}

func checkCR400(in *ImageInput) []Finding {
	r := probeFailed(in)
	if r == nil || execFormat(r) || r.FailedStep == probe.StepMktemp {
		return nil
	}
	v := newImgView(in)
	what := map[string]string{
		probe.StepStart:    "the container's `sh -c` did not start",
		probe.StepDownload: "the agent could not be downloaded",
		probe.StepChmod:    "the agent could not be made executable",
		probe.StepExec:     "the agent did not start",
		probe.StepTimeout:  "the bootstrap did not finish",
		probe.StepReport:   "the agent ran but did not report",
	}[r.FailedStep]
	if what == "" {
		what = "the bootstrap failed at " + r.FailedStep
	}
	if r.FailedStep == probe.StepDownload && r.Tool != "" {
		what = "the agent could not be downloaded with " + r.Tool
	}
	msg := "agent bootstrap: " + what
	if line := lastErrLine(r.Stderr); line != "" {
		msg += ": `" + line + "`"
	}
	if r.ExitCode != 0 {
		msg += fmt.Sprintf(" (exit %d)", r.ExitCode)
	}
	loc := v.fromLoc()
	if ins := v.blame(r); ins != nil {
		loc = v.df.instLoc(ins)
		msg += fmt.Sprintf("; line %d removes what failed", ins.StartLine)
	}
	return []Finding{{Message: msg, Location: loc, Details: r.Stderr}}
}

func checkCR401(in *ImageInput) []Finding {
	r := probeFailed(in)
	if r == nil || !execFormat(r) {
		return nil
	}
	v := newImgView(in)
	msg := "agent bootstrap: a program the bootstrap runs is built for another architecture (`exec format error`)"
	if r.FailedStep == probe.StepDownload && r.Tool != "" {
		msg = fmt.Sprintf("agent bootstrap: %s is built for another architecture (`exec format error`)", r.Tool)
	}
	loc := v.fromLoc()
	if ins := v.blame(r); ins != nil {
		loc = v.df.instLoc(ins)
	}
	return []Finding{{Message: msg, Location: loc, Details: r.Stderr}}
}

// report is the stand-in agent's report when the probe got one.
func report(in *ImageInput) *probe.Result {
	if r := in.Probe; r != nil && r.Report != nil {
		return r
	}
	return nil
}

func checkCR402(in *ImageInput) []Finding {
	r := report(in)
	if r == nil || r.Report.HomeWritable {
		return nil
	}
	rep := r.Report
	msg := fmt.Sprintf("the home `%s` of %s is not writable", cmp.Or(rep.Home, "(unset)"), who(rep.User, rep.UID))
	if rep.HomeError != "" {
		msg += ": " + rep.HomeError
	}
	return []Finding{{Message: msg, Location: newImgView(in).userLoc()}}
}

func checkCR403(in *ImageInput) []Finding {
	r := in.Probe
	if r == nil || r.Skipped != "" {
		return nil
	}
	v := newImgView(in)
	if r.FailedStep == probe.StepMktemp {
		msg := "agent bootstrap: `mktemp -d` failed, so the agent has nowhere to go"
		if line := lastErrLine(r.Stderr); line != "" {
			msg += ": `" + line + "`"
		}
		return []Finding{{Message: msg, Location: v.fromLoc(), Details: r.Stderr}}
	}
	if r.Report == nil || (r.Report.TmpWritable && r.Report.TmpExec) {
		return nil
	}
	msg := "`/tmp` is not writable for " + who(r.Report.User, r.Report.UID)
	if r.Report.TmpWritable {
		msg = "a file written to `/tmp` cannot be executed (noexec)"
	}
	if r.Report.TmpError != "" {
		msg += ": " + r.Report.TmpError
	}
	return []Finding{{Message: msg, Location: v.fromLoc()}}
}

func checkCR404(in *ImageInput) []Finding {
	r := report(in)
	if r == nil || r.Report.InPasswd {
		return nil
	}
	return []Finding{{Message: fmt.Sprintf("the workspace runs as UID %d, which `/etc/passwd` does not name", r.Report.UID), Location: newImgView(in).userLoc()}}
}

func checkCR405(in *ImageInput) []Finding {
	r := report(in)
	if r == nil || r.Report.ShellRuns || r.Report.Shell == "" {
		return nil
	}
	msg := fmt.Sprintf("the login shell `%s` of %s fails (`%s -l -c exit`)", r.Report.Shell, who(r.Report.User, r.Report.UID), r.Report.Shell)
	if r.Report.ShellError != "" {
		msg += ": " + r.Report.ShellError
	}
	return []Finding{{Message: msg, Location: newImgView(in).userLoc()}}
}

func checkCR406(in *ImageInput) []Finding {
	r := report(in)
	if r == nil {
		return nil
	}
	v := newImgView(in)
	var out []Finding
	for _, t := range r.Report.Tools {
		if t.Runs || t.Path == "" {
			continue // runs, or not there at all (the file rules say so)
		}
		msg := fmt.Sprintf("`%s` (%s) is on PATH but does not run", t.Name, t.Path)
		if t.Error != "" {
			msg += ": " + t.Error
		}
		loc := v.fromLoc()
		if ins := v.removes(t.Name, libOf(t.Error)); ins != nil {
			loc = v.df.instLoc(ins)
		}
		out = append(out, Finding{Message: msg, Location: loc})
	}
	return out
}

// blame finds the final stage's RUN that removed what the bootstrap
// failed on: the shared library a loader could not load, or the program a
// shell could not find; nil when no RUN says so.
func (v *imgView) blame(r *probe.Result) *dockerfile.Instruction {
	var words []string
	if m := soLib.FindStringSubmatch(r.Stderr); m != nil {
		words = append(words, libOf(m[0]))
	}
	if m := notFound.FindStringSubmatch(r.Stderr); m != nil {
		words = append(words, path.Base(m[1]))
	}
	if r.Tool != "" {
		words = append(words, r.Tool)
	}
	return v.removes(words...)
}

// removing are the words of a command that deletes files or packages.
var removing = regexp.MustCompile(`\b(rm|unlink|remove|purge|autoremove|del|erase|uninstall)\b`)

// removes returns the last RUN of the final stage that deletes something
// and names one of words.
func (v *imgView) removes(words ...string) *dockerfile.Instruction {
	if v.df == nil {
		return nil
	}
	var last *dockerfile.Instruction
	for _, ins := range v.df.instructions(v.df.final) {
		if ins.Cmd != "run" || !removing.MatchString(ins.Original) {
			continue
		}
		for _, w := range words {
			if w != "" && strings.Contains(ins.Original, w) {
				last = ins
				break
			}
		}
	}
	return last
}

// libOf is a shared library's name without its version ("libcurl" of
// "libcurl.so.4"), from a loader's error; "" when there is none.
func libOf(s string) string {
	m := soLib.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	name, _, _ := strings.Cut(m[1], ".so")
	return name
}

// lastErrLine is the last line of the bootstrap's stderr, shortened.
func lastErrLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.ReplaceAll(s, "`", "'")
	if len(s) > 200 {
		s = TruncateRunes(s, 197) + "..."
	}
	return s
}

// who names a user: "coder (1000)", or "UID 1000" without a name.
func who(name string, uid int) string {
	if name == "" {
		return fmt.Sprintf("UID %d", uid)
	}
	return fmt.Sprintf("%s (%d)", name, uid)
}
