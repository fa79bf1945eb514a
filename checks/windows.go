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
			"`Dockerfile.windows`, `windows.Dockerfile`, a `windows/` folder). An image or a file only named for Windows does not count when " +
			"another `FROM` names a Linux distribution or `scratch` (a cross-compiling image, or one that runs Windows in a VM, " +
			"`dockurr/windows-arm`), but the final stage decides: one built `--platform=windows/…`, or on a Windows base (also as " +
			"an ARG's default, `FROM ${BASEIMAGE}`), is a Windows image whatever Linux stages build for it. It is reported once, as a note, and neither " +
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
	// windowsCore finds Windows Server Core and Nano Server in a name.
	windowsCore = regexp.MustCompile(`(?i)servercore|nanoserver`)
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
	lines := strings.Split(string(src), "\n")
	// The final stage is what the image is: a Windows base there (also
	// through an ARG's default, `ARG BASEIMAGE=…/windows/nanoserver:1809`
	// with `FROM ${BASEIMAGE}`) or a `--platform=windows/…` makes a
	// Windows image whatever Linux stages cross-compile for it.
	if t := windowsFinal(p, lines); t != nil {
		return t
	}
	// A stage on a Linux distribution or on scratch (which Windows images
	// cannot start from) makes the file a Linux one: an engine builds one
	// kind. Then a repository merely named for Windows
	// (`dockurr/windows-arm`, a Linux image that runs Windows in QEMU) and
	// the file's name do not count.
	linux := false
	for _, l := range lines {
		if m := fromLine.FindStringSubmatch(l); m != nil && (linuxDistro.MatchString(m[2]) || strings.EqualFold(m[2], "scratch")) {
			linux = true
		}
	}
	for i, l := range lines {
		if m := fromLine.FindStringSubmatch(l); m != nil && windowsBase.MatchString(m[2]) && (!linux || !namedOnly(m[2])) {
			return &Template{Path: p, Kind: TemplateWindows, Sign: "`FROM " + clip(m[2], 80) + "`", Location: Location{Path: p, StartLine: i + 1}}
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

// windowsPlatform is a `--platform` flag naming Windows, also as a
// variable's default (`--platform=${TARGETPLATFORM:-windows/amd64}`).
var windowsPlatform = regexp.MustCompile(`(?i)--platform=\S*windows/`)

// windowsFinal recognises a Windows image by its final stage: its FROM's
// platform, or its base (written out or an ARG's default) when that is
// one of Microsoft's Windows images or a Windows tag, not an image only
// named for Windows.
func windowsFinal(p string, lines []string) *Template {
	defaults := map[string]string{}
	last := -1
	for i, l := range lines {
		if a := argDefault.FindStringSubmatch(l); a != nil {
			defaults[a[1]] = strings.Trim(a[2], `"'`)
		}
		if fromLine.MatchString(l) {
			last = i
		}
	}
	if last < 0 {
		return nil
	}
	m := fromLine.FindStringSubmatch(lines[last])
	img := argDefaultImage(m[2], defaults)
	if !windowsPlatform.MatchString(m[1]) && (!windowsBase.MatchString(img) || namedOnly(img)) {
		return nil
	}
	return &Template{Path: p, Kind: TemplateWindows, Sign: "`" + clip(strings.TrimSpace(lines[last]), 80) + "`",
		Location: Location{Path: p, StartLine: last + 1}}
}

// namedOnly reports whether ref is a Windows base only by its repository's
// name (`ghcr.io/dapr/windows-base`): not Microsoft's Windows images, and
// no Windows word in its tag (`servercore`, `nanoserver`, `ltsc2022`).
func namedOnly(ref string) bool {
	if strings.HasPrefix(strings.ToLower(ref), "mcr.microsoft.com/windows") {
		return false
	}
	repo, tag := ref, ""
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		repo, tag = ref[:i], ref[i:]
	}
	return !windowsBase.MatchString(tag) && !windowsCore.MatchString(repo)
}
