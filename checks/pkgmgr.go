package checks

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// OSFamily is the Linux distribution family an image is built from.
type OSFamily string

// The OS families fixes know how to install packages on.
const (
	OSUnknown OSFamily = ""
	// OSDebian covers Debian, Ubuntu and images built on them.
	OSDebian OSFamily = "debian"
	OSAlpine OSFamily = "alpine"
	// OSRHEL covers Fedora, CentOS, RHEL/UBI, Rocky, Alma, Oracle and
	// Amazon Linux.
	OSRHEL OSFamily = "rhel"
	// OSSUSE covers openSUSE and SLES.
	OSSUSE OSFamily = "suse"
)

// PackageManager names the program that installs packages on an image.
type PackageManager string

// The package managers fixes write install lines for.
const (
	PMUnknown  PackageManager = ""
	PMApt      PackageManager = "apt"
	PMApk      PackageManager = "apk"
	PMDnf      PackageManager = "dnf"
	PMYum      PackageManager = "yum"
	PMMicrodnf PackageManager = "microdnf"
	PMZypper   PackageManager = "zypper"
	// PMTdnf is Azure Linux's (and CBL-Mariner's) tdnf.
	PMTdnf PackageManager = "tdnf"
)

// Family returns the OS family a package manager belongs to.
func (m PackageManager) Family() OSFamily {
	switch m {
	case PMApt:
		return OSDebian
	case PMApk:
		return OSAlpine
	case PMDnf, PMYum, PMMicrodnf, PMTdnf:
		return OSRHEL
	case PMZypper:
		return OSSUSE
	}
	return OSUnknown
}

// InstallLine returns the shell command that installs pkgs with m and
// cleans up after itself, as RULES.md writes it, e.g. for apt
// `apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*`.
// It returns "" for an unknown manager.
func InstallLine(m PackageManager, pkgs ...string) string {
	p := strings.Join(pkgs, " ")
	switch m {
	case PMApt:
		return "apt-get update && apt-get install -y --no-install-recommends " + p + " && rm -rf /var/lib/apt/lists/*"
	case PMApk:
		return "apk add --no-cache " + p
	case PMDnf:
		return "dnf install -y " + p + " && dnf clean all"
	case PMYum:
		return "yum install -y " + p + " && yum clean all"
	case PMMicrodnf:
		return "microdnf install -y " + p + " && microdnf clean all"
	case PMZypper:
		return "zypper --non-interactive install --no-recommends " + p + " && zypper clean --all"
	case PMTdnf:
		return "tdnf install -y " + p + " && tdnf clean all"
	}
	return ""
}

// installManagers are the package managers InstallLine writes for.
var installManagers = []PackageManager{PMApt, PMApk, PMDnf, PMYum, PMMicrodnf, PMZypper, PMTdnf}

// parseInstallRun reads a line `RUN <InstallLine(m, pkgs...)><rest>` back
// into m, pkgs and rest, where rest is "" or the commands chained after
// the install (" && adduser …", as UserCreateLine writes); ok is false for
// any other line. Every package is a package name: a word of the chained
// commands never counts as one.
func parseInstallRun(line string) (m PackageManager, pkgs []string, rest string, ok bool) {
	cmd, found := strings.CutPrefix(line, "RUN ")
	if !found {
		return PMUnknown, nil, "", false
	}
	for _, m := range installManagers {
		before, after, _ := strings.Cut(InstallLine(m, "\x00"), "\x00")
		if !strings.HasPrefix(cmd, before) {
			continue
		}
		// The install ends at the end of the line or at a " && " after
		// its own tail.
		for k := len(before); k <= len(cmd); k++ {
			if k < len(cmd) && !strings.HasPrefix(cmd[k:], " && ") {
				continue
			}
			core := cmd[:k]
			if len(core) < len(before)+len(after) || !strings.HasSuffix(core, after) {
				continue
			}
			pkgs := strings.Fields(core[len(before) : len(core)-len(after)])
			if len(pkgs) > 0 && !slices.ContainsFunc(pkgs, func(p string) bool { return !packageName.MatchString(p) }) && InstallLine(m, pkgs...) == core {
				return m, pkgs, cmd[k:], true
			}
		}
	}
	return PMUnknown, nil, "", false
}

// packageName is a package as an install line names it, with a version
// or release when pinned (`curl`, `python3.11`, `git=1:2.39.5-0+deb12u1`).
var packageName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+_:=~@/-]*$`)

// UserCreateLine returns the shell command that creates the workspace user
// name with UID 1000, a home directory and bash as login shell, on an image
// described by b: `useradd --create-home --shell /bin/bash --uid 1000
// --user-group NAME`, or on Alpine `adduser -D -s /bin/bash -u 1000 NAME`.
// Missing pieces are installed first (bash on Alpine, shadow-utils
// wherever microdnf installs packages, ubi-minimal's images shipping no
// useradd, and on Azure Linux, whose .NET images remove it), and a user
// already holding UID 1000 (ubuntu on Ubuntu 23.04 and later) is removed
// first, as Coder's own images do.
func UserCreateLine(b BaseFacts, name string) string {
	return userCreateLine(b, name, nil)
}

// userCreateLine is UserCreateLine where the Dockerfile itself installs
// the programs have (`RUN apk add bash`): they are not installed again.
func userCreateLine(b BaseFacts, name string, have []string) string {
	var pre []string
	if b.Manager == PMApk {
		if !b.Has("bash") && !slices.Contains(have, "bash") {
			pre = append(pre, InstallLine(PMApk, "bash"))
		}
		return strings.Join(append(pre, "adduser -D -s /bin/bash -u 1000 "+name), " && ")
	}
	if b.Manager == PMMicrodnf || b.Manager == PMTdnf {
		pre = append(pre, InstallLine(b.Manager, "shadow-utils"))
	}
	if b.UID1000 != "" && b.UID1000 != name {
		pre = append(pre, "userdel -r "+b.UID1000)
	}
	return strings.Join(append(pre, "useradd --create-home --shell /bin/bash --uid 1000 --user-group "+name), " && ")
}

// CAAnchorDir returns the directory a family's trust store reads extra CA
// certificates from.
func CAAnchorDir(f OSFamily) string {
	switch f {
	case OSRHEL:
		return "/etc/pki/ca-trust/source/anchors/"
	case OSSUSE:
		return "/etc/pki/trust/anchors/"
	}
	return "/usr/local/share/ca-certificates/"
}

// CARefreshCommand returns the command that rebuilds a family's CA bundle
// from its anchor directory.
func CARefreshCommand(f OSFamily) string {
	if f == OSRHEL {
		return "update-ca-trust extract"
	}
	return "update-ca-certificates"
}

// ImageRef is an image reference split into its parts.
type ImageRef struct {
	// Registry is the registry host, "" for Docker Hub.
	Registry string
	// Repository is the path in the registry; Docker Hub's `library/`
	// prefix is removed ("ubuntu", "codercom/enterprise-base").
	Repository string
	Tag        string
	Digest     string
}

// ParseImageRef splits an image reference such as
// "docker.io/library/ubuntu:22.04@sha256:…". It does not validate.
func ParseImageRef(ref string) ImageRef {
	var r ImageRef
	ref, r.Digest, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(ref, ":"); i >= 0 && !strings.Contains(ref[i:], "/") {
		ref, r.Tag = ref[:i], ref[i+1:]
	}
	if i := strings.Index(ref, "/"); i >= 0 {
		host := ref[:i]
		if strings.ContainsAny(host, ".:") || host == "localhost" {
			r.Registry, ref = host, ref[i+1:]
		}
	}
	switch r.Registry {
	case "docker.io", "index.docker.io", "registry-1.docker.io":
		r.Registry = ""
	}
	if r.Registry == "" {
		ref = strings.TrimPrefix(ref, "library/")
	}
	r.Repository = ref
	return r
}

// Name returns the repository with its registry, in Docker's short form
// ("ubuntu", "mcr.microsoft.com/devcontainers/base").
func (r ImageRef) Name() string {
	if r.Registry == "" {
		return r.Repository
	}
	return r.Registry + "/" + r.Repository
}

// String returns the reference in Docker's short form.
func (r ImageRef) String() string {
	s := r.Name()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// BaseFacts is what is known of a base image without building anything:
// its family and package manager, and, when Known, what it ships. The
// built-in table (StaticBases) fills it from the reference; an image reader
// can fill it from the image itself.
type BaseFacts struct {
	// Ref is the reference the facts are about.
	Ref string
	// Family and Manager are known from the reference alone for most
	// images, even when Known is false.
	Family  OSFamily
	Manager PackageManager
	// Known is set when Tools, CACerts, User, Users and UID1000 are facts
	// about the image's contents rather than unknowns.
	Known bool
	// Tools lists the programs on PATH among those rules ask about: curl,
	// wget, busybox, git, bash, sudo.
	Tools []string
	// CACerts is set when the image has a CA bundle (ca-certificates).
	CACerts bool
	// User is the image's default user; "" means root.
	User string
	// Users are non-root users the image already has and that are meant to
	// be the developer's user (e.g. "vscode", "node", "coder").
	Users []string
	// UID1000 is the existing user that holds UID 1000 and must be removed
	// before creating the workspace user with that UID ("" if none or the
	// user is the workspace user).
	UID1000 string
	// UserKnown is set when User and Home are facts even though the rest
	// of the image's contents are not (Known unset): the table documents
	// the image's default user, or a Dockerfile of the same repository
	// builds the image and says.
	UserKnown bool
	// Home is the HOME the image's environment sets ("" when it sets none:
	// each user's home from /etc/passwd applies).
	Home string
	// WorkDir is the WORKDIR the image sets, where a relative path of a
	// Dockerfile built on it points until the Dockerfile sets its own (""
	// when it sets none or it is not known).
	WorkDir string
	// Init is the init system the image's own command starts as root
	// (Rocker's RStudio images run s6-overlay's `/init`), "" for none.
	Init string
	// CommandKnown is set when the image's own command is known to start
	// no process supervisor but Init, though the rest of its contents
	// are not (Known unset): a table row of images that run a shell or
	// their program, or a Dockerfile of the same repository that builds
	// the image on one and sets no ENTRYPOINT.
	CommandKnown bool
	// Source says where the facts come from: "table", "image", or
	// "sibling" (a Dockerfile of the same repository that builds the image).
	Source string
	// Sibling is the path of that Dockerfile when Source is "sibling".
	Sibling string
	// familyEv is what Family stands on when it is not what the facts as
	// a whole stand on (a sibling Dockerfile's family is its base's).
	familyEv Evidence
}

// KnowsUser reports whether the image's default user (User) and HOME are
// facts rather than unknowns.
func (b BaseFacts) KnowsUser() bool { return b.Known || b.UserKnown }

// Evidence is what findings from these facts stand on: the image when they
// were read from it, the Dockerfile of the same repository that builds it,
// the table of well-known images when it knows the image, else an
// inference from the reference.
func (b BaseFacts) Evidence() Evidence {
	switch {
	case b.Source == "image":
		return EvidenceImage
	case b.Source == "sibling":
		return EvidenceFile
	case b.KnowsUser():
		return EvidenceKnownBase
	}
	return EvidenceInferred
}

// familyEvidence is what the image's family and package manager stand on.
func (b BaseFacts) familyEvidence() Evidence {
	if b.familyEv != "" {
		return b.familyEv
	}
	return b.Evidence()
}

// described names the image for messages: its reference, and the
// Dockerfile that builds it when that is where the facts come from.
func (b BaseFacts) described() string {
	if b.Source == "sibling" && b.Sibling != "" {
		return fmt.Sprintf("`%s` (built by %s)", b.Ref, b.Sibling)
	}
	return "`" + b.Ref + "`"
}

// Has reports whether the image is known to ship tool.
func (b BaseFacts) Has(tool string) bool { return b.Known && slices.Contains(b.Tools, tool) }

// HasDownloader reports whether the image has curl, wget or busybox, one of
// which the agent bootstrap script needs.
func (b BaseFacts) HasDownloader() bool {
	return b.Has("curl") || b.Has("wget") || b.Has("busybox")
}

// RunsAsRoot reports whether the image's default user is root; known is
// false when the image's user is not known.
func (b BaseFacts) RunsAsRoot() (root, known bool) {
	return isRootUser(b.User), b.KnowsUser()
}

// BaseResolver tells what is known of a base image reference. The image
// reader implements it with facts read from the image; StaticBases answers
// from a table of well-known images.
type BaseResolver interface {
	BaseFacts(ref string) BaseFacts
}

// StaticBases answers from the built-in table of well-known base images.
var StaticBases BaseResolver = staticBases{}

type staticBases struct{}

// BaseFacts implements BaseResolver.
func (staticBases) BaseFacts(ref string) BaseFacts { return KnownBase(ref) }

// knownBase is one row of the table of well-known images: a match on the
// parsed reference and what such images ship.
type knownBase struct {
	// what documents the row.
	what  string
	match func(r ImageRef, name string) bool
	facts func(r ImageRef) BaseFacts
}

var (
	debianCodenames = []string{"sid", "trixie", "bookworm", "bullseye", "buster", "stretch", "jessie", "forky"}
	ubuntuCodenames = []string{"xenial", "bionic", "focal", "jammy", "kinetic", "lunar", "mantic", "noble", "oracular", "plucky", "questing", "resolute"}
	// ubuntuWithUser are the Ubuntu releases whose image has user ubuntu
	// (UID 1000): 23.04 and later.
	ubuntuWithUser = append(slices.Clip(ubuntuUserCodenames), "latest", "rolling", "devel")
	// ubuntuUserCodenames are those releases' codenames.
	ubuntuUserCodenames = []string{"lunar", "mantic", "noble", "oracular", "plucky", "questing", "resolute"}
	// dotnetMajor is the .NET version a mcr.microsoft.com/dotnet tag starts with.
	dotnetMajor   = regexp.MustCompile(`^(\d+)\.`)
	ubuntuVersion = regexp.MustCompile(`^(\d+)\.(\d+)`)
	ubiMinimal    = regexp.MustCompile(`^ubi(\d+)?-minimal$`)
	ubiMicro      = regexp.MustCompile(`^ubi(\d+)?-micro$`)
	ubiDir        = regexp.MustCompile(`^ubi(\d+)$`)
)

// ubiStandard reports whether r is a standard or init UBI image
// (`registry.access.redhat.com/ubi9`, `…/ubi9/ubi`, `…/ubi9/ubi-init`,
// `redhat/ubi9`), whose Dockerfiles set no USER: root.
func ubiStandard(r ImageRef) bool {
	redhat := strings.Contains(r.Registry, "redhat") || r.Registry == "" && strings.HasPrefix(r.Repository, "redhat/")
	if !redhat {
		return false
	}
	base, dir := path.Base(r.Repository), path.Base(path.Dir(r.Repository))
	return ubiDir.MatchString(base) || (base == "ubi" || base == "ubi-init") && ubiDir.MatchString(dir)
}

// ubiRelease is the RHEL release of a UBI reference: from its name
// (`redhat/ubi9-minimal`) or the folder above it
// (`registry.access.redhat.com/ubi9/ubi-minimal`); 0 when neither says.
func ubiRelease(r ImageRef) int {
	if m := ubiMinimal.FindStringSubmatch(path.Base(r.Repository)); m != nil && m[1] != "" {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if m := ubiDir.FindStringSubmatch(path.Base(path.Dir(r.Repository))); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// tagHas reports whether one of words appears in tag as a whole
// dash/dot/underscore-separated part.
func tagHas(tag string, words ...string) bool {
	for _, p := range tagParts(tag) {
		if slices.Contains(words, p) {
			return true
		}
	}
	return false
}

// tagParts splits a tag at its separators: `8.0-bookworm-slim` is 8, 0,
// bookworm and slim.
func tagParts(tag string) []string {
	return strings.FieldsFunc(tag, func(r rune) bool { return r == '-' || r == '.' || r == '_' })
}

func isAlpineTag(tag string) bool {
	return strings.Contains(tag, "alpine")
}

// ubuntuUID1000 returns "ubuntu" for the Ubuntu tags (23.04 and later, and
// the moving tags) whose image has user ubuntu with UID 1000.
func ubuntuUID1000(tag string) string {
	if tag == "" || tagHas(tag, ubuntuWithUser...) {
		return "ubuntu"
	}
	if m := ubuntuVersion.FindStringSubmatch(tag); m != nil {
		major, _ := strconv.Atoi(m[1])
		minor, _ := strconv.Atoi(m[2])
		if major*100+minor >= 2304 {
			return "ubuntu"
		}
	}
	return ""
}

func official(r ImageRef, name string) bool { return r.Registry == "" && r.Repository == name }

// devcontainersName is the name of a Dev Containers image within the
// images' repository ("python" for `mcr.microsoft.com/devcontainers/python`
// and for `mcr.microsoft.com/vscode/devcontainers/python`, the images'
// former address, still served), "" for any other image.
func devcontainersName(r ImageRef) string {
	if r.Registry != "mcr.microsoft.com" {
		return ""
	}
	if rest, ok := strings.CutPrefix(r.Repository, "devcontainers/"); ok {
		return rest
	}
	if rest, ok := strings.CutPrefix(r.Repository, "vscode/devcontainers/"); ok {
		return rest
	}
	return ""
}

func facts(f OSFamily, m PackageManager, tools ...string) BaseFacts {
	return BaseFacts{Family: f, Manager: m, Known: true, Tools: tools, Source: "table"}
}

// knownBases is the table of well-known base images whose contents matter
// to the Dockerfile rules (CR101, CR104, CR105, CR107). Each row was checked
// against the image's Dockerfile or documentation:
//
//   - debian, ubuntu (all tags, slim too): bash only — no curl, wget, git
//     or ca-certificates; Ubuntu 23.04+ has user ubuntu with UID 1000.
//   - buildpack-deps: `*-curl` has curl, wget and ca-certificates; `*-scm`
//     adds git; the full tags have all of them.
//   - node, python, ruby, golang, rust (full tags): built on buildpack-deps, so
//     curl, wget, git and ca-certificates; node has user node (UID 1000).
//   - python, ruby and rust `-slim`: ca-certificates, no curl, wget or git
//     (rust-lang/docker-rust removes the wget it fetches rustup-init with).
//   - node `-slim`: bash only, user node (UID 1000); its Dockerfiles install
//     curl, wget and ca-certificates to fetch Node.js, then purge every
//     package node does not link (nodejs/docker-node `*/bookworm-slim`).
//   - alpine, and the `-alpine` tags of node, python and golang: busybox
//     (wget) and ca-certificates-bundle, no bash or git.
//   - swift and swiftlang/swift (nightlies), Ubuntu and Debian tags:
//     git (not in -slim), no curl or wget (the curl that fetches the
//     toolchain is purged: swift-docker's nightly-main/ubuntu/22.04 and
//     release Dockerfiles), no USER (root).
//   - fedora: curl (curl-minimal provides it; swiftlang/swift-docker's
//     fedora:39 images run curl without installing it), no wget or git.
//   - UBI standard and init images (ubi8, ubi9/ubi, ubi9/ubi-init): root
//     (their Dockerfiles set no USER); their tools are not listed here.
//   - ubi-minimal 9 and later: curl (curl-minimal ships in the image;
//     installing curl conflicts with it: ibmruntimes/semeru-containers#66,
//     slauger/openvox-operator#269), microdnf and no shadow-utils (no
//     useradd). UBI 8 minimal: family, manager and root user only.
//   - codercom/code-server (and ghcr.io/coder/code-server): Debian (a
//     `-fedora` or `-opensuse` tag: those), curl, git, bash, sudo,
//     ca-certificates, user coder (UID 1000, `USER 1000`), home and
//     WORKDIR /home/coder.
//   - codercom/enterprise-*: curl, git, bash, sudo, ca-certificates, user
//     coder (UID 1000) as the default user.
//   - mcr.microsoft.com/devcontainers/* (and the older vscode/devcontainers):
//     curl, wget, git, bash, sudo, ca-certificates; user vscode (node for the
//     Node images) exists, the default user is root. A reference by digest
//     alone does not say which variant (Debian, Ubuntu, Alpine) it is.
//
// Rows that know only the default user (UserKnown, not Known):
//
//   - the universal image (mcr.microsoft.com/devcontainers/universal and
//     vscode/devcontainers/universal, built from codespaces-linux): its
//     Dockerfile ends `USER codespace`.
//   - mcr.microsoft.com/playwright (utils/docker/Dockerfile.<release>):
//     Ubuntu with curl, wget, git and ca-certificates, user pwuser, no
//     USER (root); ubuntu holds UID 1000 on noble and later.
//   - Gitpod's workspace images (gitpod/workspace-*, on workspace-base):
//     Ubuntu, user gitpod (UID 33333) with HOME=/home/gitpod, the default
//     user.
//   - Docker Official images whose Dockerfiles set no USER (ruby, php, perl,
//     gcc, openjdk, eclipse-temurin, maven, haskell, elixir, erlang, julia,
//     r-base, swift, clojure, centos, rockylinux, almalinux, amazonlinux,
//     oraclelinux, archlinux, ros, docker but its `-rootless` tags, which
//     end `USER rootless`; also the golang and rust `-slim` and
//     rust `-alpine` tags), rocker/* (R; s6 runs as root), nvidia/cuda
//     (its Dockerfiles set no USER) and NGC's framework containers
//     (nvcr.io/nvidia/pytorch, tensorflow, jax, paddlepaddle): root.
//   - nvidia/cuda's Ubuntu tags (base, runtime, devel): ca-certificates,
//     no curl or wget (the base Dockerfile purges the curl it adds
//     NVIDIA's apt key with), root.
//   - linuxserver.io images (linuxserver/*, lscr.io, ghcr.io): root, and
//     their `/init` (s6-overlay) is the image's command.
//   - mcr.microsoft.com/dotnet/{sdk,aspnet,runtime,runtime-deps} (and
//     dotnet/nightly/*; not the product images such as yarp, monitor and
//     aspire-dashboard, built on distroless): root (`app`, UID 1654, exists; `USER
//     $APP_UID` is left to the user), but the chiseled and distroless tags
//     set `USER $APP_UID` and have no shell. The Ubuntu 23.04+ tags, and
//     from .NET 10 the tags naming no distribution (Ubuntu is the default),
//     keep user ubuntu at UID 1000; the Azure Linux tags use tdnf and their
//     runtime-deps removes shadow-utils (no useradd).
var knownBases = []knownBase{
	{"Docker Official debian", func(r ImageRef, _ string) bool { return official(r, "debian") },
		func(r ImageRef) BaseFacts { return facts(OSDebian, PMApt, "bash") }},
	{"Docker Official ubuntu", func(r ImageRef, _ string) bool { return official(r, "ubuntu") },
		func(r ImageRef) BaseFacts {
			b := facts(OSDebian, PMApt, "bash")
			// User ubuntu holds UID 1000; Coder's images replace it with coder.
			b.UID1000 = ubuntuUID1000(r.Tag)
			return b
		}},
	{"buildpack-deps", func(r ImageRef, _ string) bool { return official(r, "buildpack-deps") },
		func(r ImageRef) BaseFacts {
			switch {
			case r.Tag == "curl" || strings.HasSuffix(r.Tag, "-curl"):
				b := facts(OSDebian, PMApt, "bash", "curl", "wget")
				b.CACerts = true
				return b
			default: // scm and full tags
				b := facts(OSDebian, PMApt, "bash", "curl", "wget", "git")
				b.CACerts = true
				return b
			}
		}},
	{"node, python, ruby, golang, rust official images", func(r ImageRef, _ string) bool {
		return r.Registry == "" && slices.Contains([]string{"node", "python", "ruby", "golang", "rust"}, r.Repository) &&
			!tagHas(r.Tag, "windowsservercore", "nanoserver")
	}, func(r ImageRef) BaseFacts {
		var b BaseFacts
		switch {
		case isAlpineTag(r.Tag) && r.Repository != "rust":
			b = facts(OSAlpine, PMApk, "busybox", "wget")
		case isAlpineTag(r.Tag):
			// rust's Alpine Dockerfile sets no USER: root.
			return BaseFacts{Family: OSAlpine, Manager: PMApk, UserKnown: true, Source: "table"}
		case strings.Contains(r.Tag, "slim") && (r.Repository == "python" || r.Repository == "ruby" || r.Repository == "rust"):
			// All keep ca-certificates and purge the wget they fetch
			// their source (rust: rustup-init) with (docker-library/ruby's
			// slim keeps bzip2, ca-certificates, libffi, procps and the
			// like; rust-lang/docker-rust's keeps gcc and libc6-dev).
			b = facts(OSDebian, PMApt, "bash")
		case strings.Contains(r.Tag, "slim") && r.Repository == "node":
			// node's slim Dockerfiles install curl, wget and
			// ca-certificates to fetch Node.js, then mark every package
			// auto and purge all but the libraries node links.
			b = facts(OSDebian, PMApt, "bash")
			b.Users, b.UID1000 = []string{"node"}, "node"
			return b
		case strings.Contains(r.Tag, "slim"):
			// golang's slim Dockerfiles set no USER: root.
			return BaseFacts{Family: OSDebian, Manager: PMApt, UserKnown: true, Source: "table"}
		default:
			b = facts(OSDebian, PMApt, "bash", "curl", "wget", "git")
		}
		b.CACerts = true
		if r.Repository == "node" {
			b.Users, b.UID1000 = []string{"node"}, "node"
		}
		return b
	}},
	{"alpine", func(r ImageRef, _ string) bool { return official(r, "alpine") },
		func(r ImageRef) BaseFacts {
			b := facts(OSAlpine, PMApk, "busybox", "wget")
			b.CACerts = true
			return b
		}},
	{"fedora", func(r ImageRef, name string) bool {
		return official(r, "fedora") || name == "registry.fedoraproject.org/fedora" || name == "quay.io/fedora/fedora"
	}, func(r ImageRef) BaseFacts {
		b := facts(OSRHEL, PMDnf, "bash", "curl")
		b.CACerts = true
		return b
	}},
	{"ubi-minimal", func(r ImageRef, name string) bool {
		return strings.Contains(r.Registry, "redhat") && ubiMinimal.MatchString(path.Base(r.Repository))
	}, func(r ImageRef) BaseFacts {
		if ubiRelease(r) >= 9 {
			b := facts(OSRHEL, PMMicrodnf, "bash", "curl")
			b.CACerts = true
			return b
		}
		// UBI 8 minimal's tools are not documented here: only its
		// family, manager and (root) user are known.
		return BaseFacts{Family: OSRHEL, Manager: PMMicrodnf, UserKnown: true, Source: "table"}
	}},
	{"codercom/enterprise-*", func(r ImageRef, _ string) bool {
		return r.Registry == "" && strings.HasPrefix(r.Repository, "codercom/enterprise-")
	}, func(r ImageRef) BaseFacts {
		b := facts(OSDebian, PMApt, "bash", "curl", "git", "sudo")
		if tagHas(r.Tag, "centos", "rhel", "fedora") {
			b.Family, b.Manager = OSRHEL, PMDnf
		}
		b.CACerts, b.User, b.Users = true, "coder", []string{"coder"}
		return b
	}},
	{"codercom/code-server", func(r ImageRef, _ string) bool {
		return r.Registry == "" && r.Repository == "codercom/code-server" || r.Registry == "ghcr.io" && r.Repository == "coder/code-server"
	}, func(r ImageRef) BaseFacts {
		// code-server's release image (ci/release-image/Dockerfile):
		// curl, git, sudo and bash installed, user coder (UID 1000) with
		// a home in /home/coder, `USER 1000`.
		b := facts(OSDebian, PMApt, "bash", "curl", "git", "sudo")
		switch {
		case tagHas(r.Tag, "fedora"):
			b.Family, b.Manager = OSRHEL, PMDnf
		case tagHas(r.Tag, "opensuse"):
			b.Family, b.Manager = OSSUSE, PMZypper
		}
		b.CACerts, b.UserKnown, b.User, b.Users, b.UID1000, b.Home = true, true, "coder", []string{"coder"}, "coder", "/home/coder"
		b.WorkDir = "/home/coder"
		return b
	}},
	{"mcr.microsoft.com/devcontainers/*", func(r ImageRef, _ string) bool {
		// One image per language (`devcontainers/python`); a repository's
		// own image built on one (`vscode/devcontainers/repos/microsoft/vscode`,
		// on typescript-node) has that one's users, not known here.
		name := devcontainersName(r)
		return name != "" && !strings.Contains(name, "/") && name != "universal"
	}, func(r ImageRef) BaseFacts {
		b := facts(OSDebian, PMApt, "bash", "curl", "wget", "git", "sudo")
		switch {
		case isAlpineTag(r.Tag):
			b.Family, b.Manager = OSAlpine, PMApk
		case r.Tag == "" && r.Digest != "":
			b.Family, b.Manager = OSUnknown, PMUnknown
		}
		b.CACerts = true
		user := "vscode"
		if base := path.Base(r.Repository); base == "javascript-node" || base == "typescript-node" {
			user = "node"
		}
		b.Users, b.UID1000 = []string{user}, user
		return b
	}},
	{"the universal image", func(r ImageRef, _ string) bool {
		return devcontainersName(r) == "universal"
	}, func(r ImageRef) BaseFacts {
		return BaseFacts{Family: OSDebian, Manager: PMApt, UserKnown: true, User: "codespace",
			Users: []string{"codespace"}, UID1000: "codespace", Source: "table"}
	}},
	{"Playwright's image", func(r ImageRef, _ string) bool {
		return r.Registry == "mcr.microsoft.com" && r.Repository == "playwright"
	}, func(r ImageRef) BaseFacts {
		// utils/docker/Dockerfile.<release>: Ubuntu, curl, wget, git and
		// ca-certificates installed, `adduser pwuser`, no USER: root. On
		// noble and later the image's ubuntu user holds UID 1000.
		b := facts(OSDebian, PMApt, "bash", "curl", "wget", "git")
		b.CACerts, b.Users, b.UID1000 = true, []string{"pwuser"}, "pwuser"
		if tagHas(r.Tag, ubuntuUserCodenames...) {
			b.UID1000 = "ubuntu"
		}
		return b
	}},
	{"Gitpod's workspace images", func(r ImageRef, _ string) bool {
		return r.Registry == "" && strings.HasPrefix(r.Repository, "gitpod/workspace-")
	}, func(r ImageRef) BaseFacts {
		// gitpod/workspace-base (Ubuntu) makes user gitpod (UID 33333),
		// sets HOME=/home/gitpod and ends `USER gitpod`; the others
		// build on it.
		return BaseFacts{Family: OSDebian, Manager: PMApt, UserKnown: true, User: "gitpod", Users: []string{"gitpod"},
			Home: "/home/gitpod", Source: "table"}
	}},
	{"Rocker's RStudio images", func(r ImageRef, _ string) bool {
		return r.Registry == "" && slices.Contains(rockerRStudio, r.Repository)
	}, func(r ImageRef) BaseFacts {
		// Built from rstudio_*.Dockerfile: Ubuntu, user rstudio (UID
		// 1000) made by install_rstudio.sh, `CMD ["/init"]` (s6, as root).
		return BaseFacts{Family: OSDebian, Manager: PMApt, UserKnown: true, Users: []string{"rstudio"},
			Init: "/init", Source: "table"}
	}},
	{"linuxserver.io images", func(r ImageRef, _ string) bool {
		return linuxserver(r)
	}, func(r ImageRef) BaseFacts {
		// Their baseimage-* Dockerfiles set no USER and `ENTRYPOINT
		// ["/init"]`: s6-overlay starts as root and runs the services as
		// `abc`, made from PUID/PGID at start.
		b := BaseFacts{UserKnown: true, Init: "/init", Source: "table"}
		b.Family, b.Manager = familyOf(r)
		return b
	}},
	{".NET images", func(r ImageRef, _ string) bool {
		return dotnetBase(r) && !tagHas(r.Tag, "windowsservercore", "nanoserver")
	}, func(r ImageRef) BaseFacts {
		b := BaseFacts{UserKnown: true, Source: "table"}
		b.Family, b.Manager = familyOf(r)
		if dotnetShellless(r.Tag) {
			// `USER $APP_UID`: the app user (UID 1654), and no shell.
			b.User, b.Users = "app", []string{"app"}
			return b
		}
		b.UID1000 = dotnetUbuntuUser(r.Tag)
		return b
	}},
	{"CUDA's Ubuntu images", func(r ImageRef, _ string) bool {
		return cudaImage(r) && strings.Contains(r.Tag, "ubuntu")
	}, func(r ImageRef) BaseFacts {
		// nvidia/container-images/cuda's base Dockerfile installs
		// gnupg2, curl and ca-certificates to add NVIDIA's apt key, then
		// purges curl (`apt-get purge --autoremove -y curl`); runtime and
		// devel build on it and add no downloader. No USER: root.
		b := facts(OSDebian, PMApt, "bash")
		b.CACerts, b.UserKnown, b.CommandKnown = true, true, true
		// Built on ubuntu:24.04 (`12.8.1-cudnn-devel-ubuntu24.04`), they
		// keep its user ubuntu with UID 1000.
		if m := cudaUbuntu.FindStringSubmatch(r.Tag); m != nil {
			b.UID1000 = ubuntuUID1000(m[1])
		}
		return b
	}},
	{"Swift's Ubuntu and Debian images", func(r ImageRef, _ string) bool {
		return (official(r, "swift") || r.Registry == "" && r.Repository == "swiftlang/swift") &&
			!tagHas(r.Tag, "amazonlinux2", "centos7", "centos8", "rhel", "ubi9", "fedora39", "fedora", "windowsservercore", "nanoserver")
	}, func(r ImageRef) BaseFacts {
		// swiftlang/swift-docker's Ubuntu and Debian Dockerfiles install
		// git (not in -slim), fetch the toolchain with a curl they purge
		// afterwards (`apt-get purge --auto-remove -y curl`), and set no
		// USER: no curl or wget, root.
		b := facts(OSDebian, PMApt, "bash", "git")
		if tagHas(r.Tag, "slim") {
			b = facts(OSDebian, PMApt, "bash")
		}
		b.UserKnown, b.CommandKnown = true, true
		return b
	}},
	{"images whose default user is root", func(r ImageRef, _ string) bool {
		if tagHas(r.Tag, "windowsservercore", "nanoserver") {
			return false
		}
		if r.Registry == "" && r.Repository == "docker" && strings.Contains(r.Tag, "rootless") {
			return false // `USER rootless`
		}
		return r.Registry == "" && (slices.Contains(rootOfficial, r.Repository) || strings.HasPrefix(r.Repository, "rocker/")) ||
			dotnetBase(r) || ubiStandard(r) || nvidiaRootImage(r)
	}, func(r ImageRef) BaseFacts {
		// Their commands run a shell or the image's program, through an
		// entrypoint script at most (php's, ros', CUDA's): no supervisor.
		b := BaseFacts{UserKnown: true, CommandKnown: true, Source: "table"}
		b.Family, b.Manager = familyOf(r)
		return b
	}},
}

// openjdkOracleLinux reports whether an openjdk tag names an image built on
// Oracle Linux: `latest` (or none), a version from 12 on with no other
// distribution named (`17`, `18-jdk`), or `oraclelinux` itself. The
// `-slim`, `-bullseye`/`-buster` and `-windowsservercore` tags are
// Debian's or Windows'.
func openjdkOracleLinux(tag string) bool {
	if tag == "" || tag == "latest" || strings.Contains(tag, "oraclelinux") {
		return true
	}
	if tagHas(tag, "slim", "windowsservercore", "nanoserver", "alpine") || tagHas(tag, debianCodenames...) || tagHas(tag, ubuntuCodenames...) {
		return false
	}
	v, _, _ := strings.Cut(tag, "-")
	v, _, _ = strings.Cut(v, ".")
	n, err := strconv.Atoi(v)
	return err == nil && n >= 12
}

// linuxserver reports whether r is a linuxserver.io image (Docker Hub,
// lscr.io or ghcr.io).
func linuxserver(r ImageRef) bool {
	return strings.HasPrefix(r.Repository, "linuxserver/") && (r.Registry == "" || r.Registry == "lscr.io" || r.Registry == "ghcr.io")
}

// nvidiaRootImage reports whether r is NVIDIA's CUDA image (Docker Hub or
// NGC), whose Dockerfiles (nvidia/container-images/cuda) set no USER, or
// one of NGC's framework containers built on it: root.
func nvidiaRootImage(r ImageRef) bool {
	return cudaImage(r) || r.Registry == "nvcr.io" && slices.Contains(ngcFrameworks, r.Repository)
}

// cudaUbuntu is the Ubuntu release in a CUDA image's tag.
var cudaUbuntu = regexp.MustCompile(`ubuntu([0-9]{2}\.[0-9]{2})`)

// cudaImage reports whether r is one of CUDA's images (Docker Hub's or
// NGC's nvidia/cuda).
func cudaImage(r ImageRef) bool {
	return r.Repository == "nvidia/cuda" && (r.Registry == "" || r.Registry == "nvcr.io")
}

// ngcFrameworks are NGC's deep-learning framework containers, built on
// CUDA's images and, as their documentation's `docker run` lines show
// (`--user` left to the caller), running as root.
var ngcFrameworks = []string{"nvidia/pytorch", "nvidia/tensorflow", "nvidia/jax", "nvidia/paddlepaddle"}

// dotnetBase reports whether r is one of the .NET base images (sdk,
// aspnet, runtime, runtime-deps; also their nightly builds), whose
// default user the table documents. The product images (monitor,
// aspire-dashboard, yarp) are built on the distroless tags and run as
// `app`: the table says nothing of them.
func dotnetBase(r ImageRef) bool {
	if r.Registry != "mcr.microsoft.com" {
		return false
	}
	repo := strings.TrimPrefix(r.Repository, "dotnet/nightly/")
	if repo == r.Repository {
		repo = strings.TrimPrefix(r.Repository, "dotnet/")
	}
	return repo != r.Repository && slices.Contains([]string{"sdk", "aspnet", "runtime", "runtime-deps"}, repo)
}

// dotnetShellless reports whether a .NET image tag names a chiseled
// (Ubuntu) or distroless (Azure Linux) image: no shell, no package
// manager, and `USER $APP_UID`.
func dotnetShellless(tag string) bool {
	return tagHas(strings.ToLower(tag), "chiseled", "distroless")
}

// dotnetUbuntuUser returns "ubuntu" for the .NET tags built on Ubuntu
// 23.04 or later, whose user ubuntu holds UID 1000: the ones that name
// such a release (`8.0-noble`, `10.0-resolute`) and, from .NET 10 on, the
// tags that name no distribution (`10.0`, `latest`: Ubuntu is their
// default).
func dotnetUbuntuUser(tag string) string {
	t := strings.ToLower(tag)
	if tagHas(t, ubuntuWithUser...) {
		return "ubuntu"
	}
	if tagHas(t, ubuntuCodenames...) || tagHas(t, debianCodenames...) || isAlpineTag(t) || strings.Contains(t, "azurelinux") || strings.Contains(t, "cbl") {
		return ""
	}
	if m := dotnetMajor.FindStringSubmatch(t + "."); m != nil {
		if n, _ := strconv.Atoi(m[1]); n >= 10 {
			return "ubuntu"
		}
	}
	return ""
}

// rockerRStudio are the Rocker images built on rocker/rstudio (or with
// RStudio installed the same way): the rstudio user holds UID 1000 and s6's
// /init runs as root. rOpenSci's image (no longer rebuilt) is rocker/verse
// with its packages.
var rockerRStudio = []string{"rocker/rstudio", "rocker/tidyverse", "rocker/verse", "rocker/geospatial",
	"rocker/binder", "rocker/ml", "rocker/ml-verse", "rocker/ml-gpu", "rocker/ropensci"}

// rootOfficial are Docker Official images whose Dockerfiles set no USER:
// they run as root.
var rootOfficial = []string{"ruby", "php", "perl", "gcc", "openjdk", "eclipse-temurin", "maven", "haskell", "elixir", "erlang",
	"julia", "r-base", "swift", "clojure", "centos", "rockylinux", "almalinux", "amazonlinux", "oraclelinux", "archlinux", "ros", "docker"}

// KnownBase returns what the built-in table knows of ref: the contents of
// well-known images (Known set), else the family and package manager the
// reference names, else nothing.
func KnownBase(ref string) BaseFacts {
	r := officialMirror(ParseImageRef(ref))
	name := r.Name()
	for _, kb := range knownBases {
		if kb.match(r, name) {
			b := kb.facts(r)
			if r.Tag == "" && r.Digest != "" {
				b = digestOnly(kb, r, b)
			}
			// A Docker Official image built on Ubuntu 23.04 or later
			// (`eclipse-temurin:21-noble`) keeps its user ubuntu, UID
			// 1000 (adoptium/containers#613).
			if r.Registry == "" && !strings.Contains(r.Repository, "/") && b.UID1000 == "" && b.KnowsUser() &&
				r.Repository != "ubuntu" && tagHas(r.Tag, ubuntuUserCodenames...) {
				b.UID1000 = "ubuntu"
			}
			b.Ref = ref
			return b
		}
	}
	b := BaseFacts{Ref: ref, Source: "table"}
	b.Family, b.Manager = familyOf(r)
	return b
}

// anyTag is what the table knows of a Docker Official image whatever its
// tag: what it knows of it by digest alone (digestOnly).
func anyTag(repo string) BaseFacts {
	r := ImageRef{Repository: repo, Digest: "sha256:" + strings.Repeat("0", 64)}
	for _, kb := range knownBases {
		if kb.match(r, r.Name()) {
			return digestOnly(kb, r, kb.facts(r))
		}
	}
	return BaseFacts{Source: "table", Family: OSUnknown, Manager: PMUnknown}
}

// digestOnly is what a table row knows of a reference by digest alone
// (`golang@sha256:…`), b being what it says of the default variant: a
// digest may name any variant, so where the row's Alpine variant is of
// another family than the default, the family, package manager and
// contents are not known, and the user only when both variants have the
// same one.
func digestOnly(kb knownBase, r ImageRef, b BaseFacts) BaseFacts {
	alpine := r
	alpine.Tag = "alpine"
	a := kb.facts(alpine)
	if a.Family == b.Family {
		return b
	}
	out := BaseFacts{Source: b.Source, Family: OSUnknown, Manager: PMUnknown}
	if b.KnowsUser() && a.KnowsUser() && a.User == b.User && slices.Equal(a.Users, b.Users) && a.Home == b.Home {
		out.UserKnown, out.User, out.Users, out.Home = true, b.User, b.Users, b.Home
	}
	return out
}

// officialMirror reads a Docker Official image served by a registry's
// mirror of Docker Hub (`public.ecr.aws/docker/library/rust:trixie`,
// `mirror.gcr.io/library/node:22`), or by its publisher elsewhere
// (`public.ecr.aws/lts/ubuntu:24.04`), as the image itself.
func officialMirror(r ImageRef) ImageRef {
	var lib string
	switch r.Registry {
	case "public.ecr.aws":
		// Canonical's own Ubuntu images (`public.ecr.aws/lts/ubuntu:24.04`)
		// are the Docker Official ubuntu's.
		if r.Repository == "lts/ubuntu" {
			r.Registry, r.Repository = "", "ubuntu"
			r.Tag, _, _ = strings.Cut(r.Tag, "_") // `22.04_stable`
			return r
		}
		lib = "docker/library/"
	case "mirror.gcr.io":
		lib = "library/"
	default:
		return r
	}
	if name, ok := strings.CutPrefix(r.Repository, lib); ok && !strings.Contains(name, "/") {
		r.Registry, r.Repository = "", name
	}
	return r
}

// tagFamily reads the distribution a tag names as a word or a word's
// start (`rockylinux9`, `centos7`, `opensuse156`, `fedora-40`).
func tagFamily(tag string) (OSFamily, PackageManager, bool) {
	for _, p := range tagParts(tag) {
		for _, d := range []string{"rockylinux", "almalinux", "fedora", "rhel", "ubi", "oraclelinux", "amazonlinux", "centos"} {
			if !strings.HasPrefix(p, d) || strings.TrimLeft(p[len(d):], "0123456789") != "" {
				continue
			}
			if p == "centos7" || p == "amazonlinux2" || d == "centos" && strings.Contains(tag, "centos-7") {
				return OSRHEL, PMYum, true
			}
			return OSRHEL, PMDnf, true
		}
		for _, d := range []string{"opensuse", "leap", "tumbleweed", "sles", "sle"} {
			if strings.HasPrefix(p, d) && strings.TrimLeft(p[len(d):], "0123456789") == "" {
				return OSSUSE, PMZypper, true
			}
		}
	}
	return OSUnknown, PMUnknown, false
}

// familyOf guesses an image's family and package manager from its name and
// tag alone.
func familyOf(r ImageRef) (OSFamily, PackageManager) {
	base := path.Base(r.Repository)
	tag := strings.ToLower(r.Tag)
	switch {
	case base == "scratch" || strings.Contains(base, "distroless") || ubiMicro.MatchString(base):
		return OSUnknown, PMUnknown
	case base == "alpine" || isAlpineTag(tag):
		return OSAlpine, PMApk
	case base == "debian" || base == "ubuntu" || base == "buildpack-deps" || tagHas(tag, debianCodenames...) || tagHas(tag, ubuntuCodenames...) || tagHas(tag, "debian", "ubuntu"):
		return OSDebian, PMApt
	case base == "oraclelinux" && tagHas(tag, "slim") && (tag == "7-slim" || strings.HasPrefix(tag, "7.") || strings.HasPrefix(tag, "7-")):
		// Oracle Linux 7's slim images keep yum; microdnf came with 8.
		return OSRHEL, PMYum
	case ubiMinimal.MatchString(base),
		(base == "rockylinux" || base == "almalinux" || base == "oraclelinux" || base == "centos") && tagHas(tag, "minimal", "slim"),
		// A tag on UBI minimal (`eclipse-temurin:17-jdk-ubi9-minimal`).
		tagHas(tag, "ubi8", "ubi9", "ubi10") && tagHas(tag, "minimal"):
		return OSRHEL, PMMicrodnf
	case base == "amazonlinux":
		if tag == "2" || strings.HasPrefix(tag, "2.") || strings.HasPrefix(tag, "2-") {
			return OSRHEL, PMYum
		}
		return OSRHEL, PMDnf
	case base == "centos" || base == "oraclelinux":
		if tag == "7" || strings.HasPrefix(tag, "7.") || strings.HasPrefix(tag, "7-") || strings.HasPrefix(tag, "centos7") {
			return OSRHEL, PMYum
		}
		return OSRHEL, PMDnf
	case base == "fedora" || base == "rockylinux" || base == "almalinux" || base == "rhel" ||
		strings.HasPrefix(base, "ubi") || strings.HasPrefix(base, "rhel") || tagHas(tag, "fedora", "centos", "rhel", "ubi8", "ubi9", "ubi10"):
		return OSRHEL, PMDnf
	case strings.Contains(r.Repository, "opensuse") || strings.HasPrefix(base, "sle") || strings.HasPrefix(base, "sles") || strings.HasPrefix(r.Repository, "bci/") || strings.HasPrefix(r.Repository, "suse/"):
		return OSSUSE, PMZypper
	}
	// A distribution the tag names (`posit/r-base:rockylinux9`,
	// `…:opensuse156`) wins over a guess from the image's name.
	if f, m, ok := tagFamily(tag); ok {
		return f, m
	}
	// What follows is each image's default variant, which a tag picks: a
	// reference by digest alone (`golang@sha256:…`) may be any of them,
	// Alpine's too.
	if r.Tag == "" && r.Digest != "" {
		return OSUnknown, PMUnknown
	}
	switch {
	case r.Registry == "" && r.Repository == "openjdk" && openjdkOracleLinux(tag):
		// openjdk's tags from 12 on, `latest` and no tag included, are
		// built on Oracle Linux 8 (microdnf) unless they name Debian.
		return OSRHEL, PMMicrodnf
	case r.Registry == "" && r.Repository == base && slices.Contains([]string{"node", "python", "golang", "rust", "ruby", "php", "perl", "gcc", "openjdk", "eclipse-temurin", "maven", "gradle", "haskell", "elixir", "erlang", "julia", "r-base", "swift", "clojure"}, base):
		// Docker Official images only: `posit/r-base` is not `r-base`.
		return OSDebian, PMApt
	case r.Registry == "" && r.Repository == "docker":
		// docker's images (cli, dind) are built on Alpine.
		return OSAlpine, PMApk
	case r.Registry == "mcr.microsoft.com" && (strings.HasPrefix(r.Repository, "azurelinux/") || strings.HasPrefix(r.Repository, "cbl-mariner/")):
		return OSRHEL, PMTdnf
	case devcontainersName(r) != "" || r.Registry == "mcr.microsoft.com" && strings.HasPrefix(r.Repository, "dotnet/"):
		if strings.Contains(tag, "azurelinux") || strings.Contains(tag, "cbl-mariner") {
			return OSRHEL, PMTdnf
		}
		return OSDebian, PMApt
	case strings.HasPrefix(r.Repository, "codercom/"):
		return OSDebian, PMApt
	}
	return OSUnknown, PMUnknown
}
