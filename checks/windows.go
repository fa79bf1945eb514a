package checks

import (
	"path"
	"regexp"
	"strings"
)

// RuleWindowsImage is the note for a Dockerfile of a Windows container.
const RuleWindowsImage = "CR121"

func init() {
	Register(&Rule{
		ID:       RuleWindowsImage,
		Title:    "Windows container image, not checked",
		Severity: SeverityInfo,
		Family:   FamilyDockerfile,
		What: "A Dockerfile for a Windows container: a `FROM` names a Windows base (`mcr.microsoft.com/windows/servercore`, " +
			"`nanoserver`, a `windowsservercore-ltsc2022` tag, an image named `windows-…`), its `SHELL` is `cmd` or Windows " +
			"PowerShell (`powershell`, not `pwsh`), or the file is named for Windows (`Dockerfile-windows`, " +
			"`Dockerfile.windows`, `windows.Dockerfile`, a `windows/` folder) unless a `FROM` names a Linux distribution (a cross-compiling image). It is reported once, as a note, and neither " +
			"built nor checked: the Linux rules (users, `$HOME`, package managers, architectures, entrypoints) do not apply " +
			"to it.",
		Why: "Coder's container templates (Docker, Kubernetes, envbuilder) run Linux containers and start the agent with " +
			"`sh -c <init script>`; a Windows container image cannot be one of their workspaces, and a Linux engine cannot " +
			"build it. Coder runs Windows workspaces on virtual machines from Windows templates, not from such images." +
			cite("templates"),
		HowToFix: "Nothing to fix: the file is not for a Coder container workspace. Check the Linux Dockerfile beside it, if " +
			"there is one.",
		Sources: []string{"templates"},
		// The scan reports this itself, when it recognises such a file.
		Dockerfile: func(*DockerfileInput) []Finding { return nil },
	})
}

var (
	// windowsBase finds a Windows base in an image reference: Microsoft's
	// Windows images, Windows tags of multi-platform images, images named
	// for Windows.
	windowsBase = regexp.MustCompile(`(?i)(^|[/:_.-])(windows|windowsservercore|servercore|nanoserver)([/:_.@-]|$)|[:-]ltsc20\d\d\b`)
	// windowsShell finds a SHELL of cmd or Windows PowerShell.
	windowsShell = regexp.MustCompile(`(?i)^\s*SHELL\s*\[\s*"(cmd|powershell)(\.exe)?"`)
	// linuxDistro finds a Linux distribution named in an image reference
	// (`fedora:42`, `godot-fedora:${img_version}`, `…:bookworm`).
	linuxDistro = regexp.MustCompile(`(?i)(^|[-_./:])(debian|ubuntu|fedora|alpine|centos|rockylinux|almalinux|opensuse|archlinux|amazonlinux|oraclelinux|bookworm|bullseye|trixie|jammy|noble|focal)([-_./:@]|$)`)
	// windowsName finds "windows" as a word of a file or folder name.
	windowsName = regexp.MustCompile(`(?i)(^|[-_.])windows([-_.]|$)`)
)

// WindowsDockerfile recognises the Dockerfile of a Windows container (see
// CR121): nil when nothing shows it to be one. p names the file; src is
// its content.
func WindowsDockerfile(p string, src []byte) *Template {
	linux := false
	for i, l := range strings.Split(string(src), "\n") {
		m := fromLine.FindStringSubmatch(l)
		if m != nil && windowsBase.MatchString(m[2]) {
			return &Template{Path: p, Kind: TemplateWindows, Sign: "`FROM " + clip(m[2], 80) + "`", Location: Location{Path: p, StartLine: i + 1}}
		}
		if m != nil && linuxDistro.MatchString(m[2]) {
			linux = true
		}
		if windowsShell.MatchString(l) {
			return &Template{Path: p, Kind: TemplateWindows, Sign: "`" + clip(strings.TrimSpace(l), 80) + "`", Location: Location{Path: p, StartLine: i + 1}}
		}
	}
	// A file named for Windows whose base is a Linux distribution
	// (`Dockerfile.windows` FROM fedora:42) builds for Windows on Linux:
	// a Linux image.
	if linux {
		return nil
	}
	if windowsName.MatchString(path.Base(p)) {
		return &Template{Path: p, Kind: TemplateWindows, Sign: "its name", Location: Location{Path: p, StartLine: 1}}
	}
	for _, dir := range strings.Split(path.Dir(p), "/") {
		if strings.EqualFold(dir, "windows") {
			return &Template{Path: p, Kind: TemplateWindows, Sign: "its `windows/` folder", Location: Location{Path: p, StartLine: 1}}
		}
	}
	return nil
}
