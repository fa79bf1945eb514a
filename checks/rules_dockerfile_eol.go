package checks

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/internal/rootfs"
)

// This file holds CR119: a base release whose packages the distribution's
// mirrors no longer serve.

func init() {
	Register(&Rule{
		ID:       "CR119",
		Title:    "Base release no longer served by its mirrors",
		Severity: SeverityWarning,
		Family:   FamilyDockerfile,
		What: "A stage the build runs (the final stage's chain, or a stage it copies from) is built on a Debian, Ubuntu or CentOS release whose packages were moved off the regular mirrors " +
			"(Ubuntu's interim releases after their end of life, to old-releases.ubuntu.com: " + eolUbuntuDoc + "; " +
			"Debian's to archive.debian.org: " + eolDebianDoc + ", also as the tag of a Docker Official image built on it " +
			"(`node:lts-buster-slim`, `rust:buster`) or of a Dev Containers image (`mcr.microsoft.com/vscode/devcontainers/base:0-buster`), or a version whose official images all predate Debian 11 " +
			"(node 11 and older, python 3.5 and older, ruby 2.5, php 7.2, golang 1.14, erlang 21, elixir 1.9 and older: `node:8.9-slim`, `php:5.6-apache`, `elixir:1.8`; or a patch release a newer one replaced before Debian 11 came out in August 2021: `python:3.9.4-slim`, python 3.9.5, 3.8.10, 3.7.10, 3.6.13, ruby 3.0.1, 2.7.3, 2.6.7, golang 1.16.5, 1.15.13, php 8.0.7, 7.4.20, 7.3.27 and older; or node 15 and older without a Debian release in the tag, `node:14`, whose default stayed buster); CentOS 6 to 8 and " +
			"CentOS Stream 8 to vault.centos.org, `centos:7`), and a RUN of the " +
			"Dockerfile uses apt or dnf against them (`apt-get update`, `apt-get install`, `dnf install`). A Dockerfile that " +
			"points its package manager at the archive itself (old-releases, archive.debian.org, snapshot.debian.org, " +
			"vault.centos.org or a mirror of it such as archive.kernel.org/centos-vault, in the RUN or in a file it copies in " +
			"(also at `etc/yum.repos.d/` or `etc/apt/` in a folder copied over the root, `COPY ./files /`), " +
			"or a sed pattern that rewrites Debian's hosts to it: `s,/(deb|security)\\.,/archive.,`), or that replaces " +
			"sources.list with sources on another host than Debian's or Ubuntu's (an organisation's own mirror), " +
			"is not reported, nor is a base only a build-arg default names when the build is given another. Fedora is not " +
			"reported: when a release moves to the archive, Fedora points its metalink there, so dnf in the stock image keeps working.",
		Why: "The image's `/etc/apt/sources.list` (or CentOS's mirrorlist) still names the regular mirrors, which no longer have the release: " +
			"`apt-get update` fails (`does not have a Release file`), yum finds no mirror, and the build stops, so the workspace image cannot be " +
			"built, and envbuilder fails the workspace on start." + cite("dockerfile"),
		HowToFix: "Move to a supported release (Ubuntu's current LTS, `ubuntu:24.04`; Debian's `debian:12`), which also " +
			"brings security updates. If the old release is required, point apt at the archive first: " +
			"`sed -i 's|archive.ubuntu.com|old-releases.ubuntu.com|; s|security.ubuntu.com|old-releases.ubuntu.com|' /etc/apt/sources.list`.",
		Sources:    []string{"dockerfile"},
		Dockerfile: checkCR119,
	})
}

// eolUbuntu are Ubuntu's interim releases past their end of life (their
// packages are on old-releases.ubuntu.com), by version and codename.
var eolUbuntu = map[string]string{
	"12.10": "quantal", "13.04": "raring", "13.10": "saucy", "14.10": "utopic", "15.04": "vivid", "15.10": "wily",
	"16.10": "yakkety", "17.04": "zesty", "17.10": "artful", "18.10": "cosmic", "19.04": "disco", "19.10": "eoan",
	"20.10": "groovy", "21.04": "hirsute", "21.10": "impish", "22.10": "kinetic", "23.04": "lunar", "23.10": "mantic",
	"24.10": "oracular", "25.04": "plucky", // 25.04's end of life: 15 January 2026
	"25.10": "questing", // end of life: July 2026
}

// eolDebian are Debian releases whose packages are only on
// archive.debian.org, by version and codename.
var eolDebian = map[string]string{"6": "squeeze", "7": "wheezy", "8": "jessie", "9": "stretch", "10": "buster"}

const (
	eolUbuntuDoc = "12.10 to 25.10 but the LTS releases, `ubuntu:mantic`, `ubuntu:23.10`"
	eolDebianDoc = "squeeze, wheezy, jessie, stretch and buster (moved in 2025), `debian:10`"
)

// archiveMirror finds a RUN that points apt or dnf at an archive mirror.
// A sed substitution that rewrites Debian's hosts to the archive with a
// pattern (`s,/(deb|security)\.,/archive.,` on `deb.debian.org`) counts.
var archiveMirror = regexp.MustCompile(`old-releases\.ubuntu\.com|archive\.debian\.org|snapshot\.debian\.org|debian-archive|archives\.fedoraproject\.org|vault\.centos\.org|centos-vault|vault\.epel\.cloud|` +
	`\bs,[^,\n]*\bdeb\b[^,\n]*,[^,\n]*archive\.|\bs\|[^|\n]*\bdeb\b[^|\n]*\|[^|\n]*archive\.|\bs#[^#\n]*\bdeb\b[^#\n]*#[^#\n]*archive\.`)

// officialOnDebian are Docker Official images whose tags name the Debian
// release they are built on (`node:20-buster`, `python:3.8-slim-stretch`).
var officialOnDebian = []string{"node", "python", "golang", "rust", "ruby", "php", "perl", "gcc", "openjdk", "maven",
	"gradle", "buildpack-deps", "haskell", "elixir", "erlang", "julia", "r-base", "clojure", "eclipse-temurin", "swift"}

// eolRelease returns the release a base names when its mirrors no longer
// serve it (`ubuntu:mantic` → "Ubuntu 23.10 (mantic)"), "" otherwise.
func eolRelease(ref string) string {
	r := ParseImageRef(ref)
	tag := strings.ToLower(r.Tag)
	var table map[string]string
	var distro string
	switch r.Name() {
	case "ubuntu":
		table, distro = eolUbuntu, "Ubuntu"
	case "debian":
		table, distro = eolDebian, "Debian"
	default:
		// A Docker Official image's tag naming an archived Debian release
		// (`node:lts-buster-slim`, `rust:buster`): that Debian.
		// So does a Dev Containers image's (`vscode/devcontainers/base:0-buster`).
		if r.Registry == "" && slices.Contains(officialOnDebian, r.Repository) ||
			devcontainersName(r) != "" {
			for version, name := range eolDebian {
				if tagHas(tag, name) {
					return fmt.Sprintf("Debian %s (%s)", version, name)
				}
			}
			// A version the image stopped building before Debian 11
			// (`node:8.9-slim`, `php:5.6-apache`): its last images are
			// on buster or an older release.
			if oldOfficialVersion(r.Repository, tag) {
				return "built on Debian 10 (buster) or an older release"
			}
		}
		if r.Name() == "centos" || r.Name() == "quay.io/centos/centos" {
			return eolCentOS(tag)
		}
		// Fedora is not one: when a release moves to the archive,
		// MirrorManager points its metalink at the archive's mirrors, so
		// dnf in the stock image keeps working (Fedora Infrastructure's
		// archive procedure; set 60 and 68's reviewers).
		return ""
	}
	for version, name := range table {
		// `mantic`, `mantic-20240122`, `23.10`, `9-slim`, `stretch-slim`.
		for _, w := range []string{version, name} {
			if tag == w || strings.HasPrefix(tag, w+"-") || distro == "Debian" && strings.HasPrefix(tag, w+".") {
				return fmt.Sprintf("%s %s (%s)", distro, version, name)
			}
		}
	}
	return ""
}

// lastOnBuster are Docker Official language images and the newest
// version of each whose images ended before Debian 11 (August 2021), so
// that every tag of it is on buster or an older release: the version's end
// of life, with the images' default Debian then. A version written with
// fewer parts than the table's (`php:7`, `python:3`) is the newest of
// them, which is not.
var lastOnBuster = map[string][]int{
	"node":   {11},    // 11: June 2019; 12 got bullseye
	"python": {3, 5},  // 3.5: September 2020; 2.7: April 2020
	"ruby":   {2, 5},  // 2.5: March 2021
	"php":    {7, 2},  // 7.2: November 2020
	"golang": {1, 14}, // 1.14: February 2021
	"erlang": {21},    // 21: its images stretch and buster; 21's support ended May 2021
	"elixir": {1, 9},  // 1.9: built on erlang:22, not rebuilt after 2020
}

// lastBusterPatch are, per image, the newest patch release of a minor
// line that a newer patch replaced before Debian 11 was released
// (14 August 2021): its images were all built on buster
// (`python:3.9.4-slim`; 3.9.6, current then, was built on bullseye too).
var lastBusterPatch = map[string][][3]int{
	"python": {{3, 9, 5}, {3, 8, 10}, {3, 7, 10}, {3, 6, 13}}, // the next ones: 28 June 2021
	"ruby":   {{3, 0, 1}, {2, 7, 3}, {2, 6, 7}},               // 7 July 2021
	"golang": {{1, 16, 5}, {1, 15, 13}},                       // 12 July 2021
	// 8.0.8, 7.4.21 and 7.3.29 came out on 1 July 2021 and the next on 29
	// July; one release short of them, to be sure.
	"php": {{8, 0, 7}, {7, 4, 20}, {7, 3, 27}},
}

// defaultOnBuster are, per image, the newest major version whose tags
// without a Debian release named buster until the image stopped building
// it: node 14 (removed in April 2023, its `debian-default` buster in
// docker-node's versions.json), and the lines before it.
var defaultOnBuster = map[string]int{"node": 15}

// oldVersion is a tag's leading version (`8.9-slim` → 8, 9; `3.9.4-slim`
// → 3, 9, 4).
var oldVersion = regexp.MustCompile(`^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.\d+)*(?:-|$)`)

// oldOfficialVersion reports whether an official image's tag names a
// version whose images all predate Debian 11: Debian-based variants only
// (not Alpine, Windows).
func oldOfficialVersion(repo, tag string) bool {
	last, ok := lastOnBuster[repo]
	m := oldVersion.FindStringSubmatch(tag)
	if !ok || m == nil || strings.Contains(tag, "alpine") || windowsBase.MatchString(":"+tag) {
		return false
	}
	major, _ := strconv.Atoi(m[1])
	if m[2] != "" && m[3] != "" {
		minor, _ := strconv.Atoi(m[2])
		patch, _ := strconv.Atoi(m[3])
		for _, b := range lastBusterPatch[repo] {
			if b[0] == major && b[1] == minor && patch <= b[2] {
				return true
			}
		}
	}
	// A major version whose default variant stayed on buster until the
	// image stopped building it (`node:14`, `node:14-slim`; `node:14-bullseye`
	// names the other).
	if d, ok := defaultOnBuster[repo]; ok && major <= d && !tagHas(tag, "bullseye", "bookworm", "trixie") {
		return true
	}
	switch {
	case major != last[0]:
		return major < last[0]
	case len(last) == 1:
		return true
	case m[2] == "":
		// `python:3`, `php:7`: the newest of that major version. A major
		// version that ended before the table's (python 2, php 5)
		// is below it and handled above.
		return false
	}
	minor, _ := strconv.Atoi(m[2])
	return minor <= last[1]
}

// eolCentOS names the CentOS release a tag is when its mirrors are gone
// (CentOS 6 to 8 and CentOS Stream 8: their packages are only on
// vault.centos.org, and mirrorlist.centos.org no longer answers), ""
// otherwise (CentOS Stream 9 and 10).
func eolCentOS(tag string) string {
	t := strings.TrimPrefix(tag, "centos")
	if tag == "" || tag == "latest" {
		return "CentOS 8" // Docker Hub's last centos:latest
	}
	switch {
	case t == "stream8" || strings.HasPrefix(t, "stream8-"):
		return "CentOS Stream 8"
	case t == "" || strings.HasPrefix(t, "stream"):
		return ""
	}
	major, _, _ := strings.Cut(t, ".")
	major, _, _ = strings.Cut(major, "-")
	if n, err := strconv.Atoi(major); err == nil && n >= 5 && n <= 8 {
		return fmt.Sprintf("CentOS %d", n)
	}
	return ""
}

// checkCR119 reports apt use on a base release its mirrors no longer serve.
func checkCR119(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	// The final stage's chain first, then every other stage the build
	// runs, in the file's order: a builder stage on an archived release
	// (care_fe's `FROM node:20-buster-slim AS build`) fails the build as
	// the final stage would. One finding: the build stops at the first.
	if fd, ok := v.eolRun(v.final); ok {
		return []Finding{fd}
	}
	built, chain := v.builtStages(), v.chain(v.final)
	for _, s := range v.f.Stages {
		// The final stage's chain was read with it.
		if !built[s] || slices.Contains(chain, s) {
			continue
		}
		if fd, ok := v.eolRun(s); ok {
			return []Finding{fd}
		}
	}
	return nil
}

// eolRun is CR119's finding for the stage s: the first RUN of its chain
// that uses the package manager of an archived release its base is,
// unless the chain points the package manager at the archive first.
func (v *dfView) eolRun(s *dockerfile.Stage) (Finding, bool) {
	ref := v.rootRef(s)
	rel := eolRelease(ref)
	if rel == "" {
		return Finding{}, false
	}
	for _, ins := range v.instructions(s) {
		// A file copied in from the build context that names the archive
		// (CMake's `repo-vault.sed`, a `sources.list`, a `.repo`) is what
		// a later RUN points the package manager with.
		if (ins.Cmd == "copy" || ins.Cmd == "add") && v.copiesArchiveConfig(ins) {
			return Finding{}, false
		}
		if ins.Cmd != "run" {
			continue
		}
		text := v.f.Text(ins.StartLine, ins.EndLine)
		if archiveMirror.MatchString(text) || replacesSources(text) {
			return Finding{}, false
		}
		how := eolHowFor(rel)
		if !how.uses(ins.Installs(), text) {
			continue
		}
		return Finding{
			Message:  fmt.Sprintf("`%s` is %s, %s and the image does not build", ref, rel, how.fails),
			Location: v.instLoc(ins),
			Evidence: EvidenceKnownBase,
			Fix:      &Fix{Description: how.fix},
		}, true
	}
	return Finding{}, false
}

// eolHow is how an archived release fails a build: the RUNs that use its
// package manager, what they meet, and the way out.
type eolHow struct {
	uses       func([]dockerfile.Install, string) bool
	fails, fix string
}

// eolHowFor is the eolHow of a release eolRelease names.
func eolHowFor(rel string) eolHow {
	if strings.HasPrefix(rel, "CentOS") {
		return eolHow{usesDnf, "past its end of life: its packages are only on vault.centos.org and mirrorlist.centos.org " +
			"no longer answers, so this RUN's yum or dnf fails",
			"move to a supported release (`quay.io/centos/centos:stream9`, `rockylinux:9`, `almalinux:9`), or point the " +
				"repositories at vault.centos.org before using them"}
	}
	return eolHow{usesApt, "which the regular mirrors no longer serve: this RUN's apt fails (`does not have a Release file`)",
		"move to a supported release (`ubuntu:24.04`, `debian:12`), or point apt at the release archive before using it"}
}

// maxArchiveConfig bounds a copied file read for an archive's host.
const maxArchiveConfig = 64 << 10

// copiesArchiveConfig reports whether a COPY or ADD from the build context
// brings a file that names a distribution's archive (a sed script, a
// sources.list, a .repo file).
func (v *dfView) copiesArchiveConfig(ins *dockerfile.Instruction) bool {
	if v.in.Context == nil {
		return false
	}
	for _, src := range v.contextSources(ins) {
		rel := path.Clean(strings.TrimPrefix(src, "/"))
		b, err := rootfs.ReadFile(v.in.Context, rel, maxArchiveConfig)
		if err == nil && archiveMirror.Match(b) {
			return true
		}
		// A folder copied over the root (`COPY ./files /`) whose
		// repository configs name the archive (trino's
		// `files/etc/yum.repos.d/CentOS-Base.repo`).
		if fi, err := fs.Stat(v.in.Context, rel); err == nil && fi.IsDir() && folderNamesArchive(v.in.Context, rel) {
			return true
		}
	}
	return false
}

// folderNamesArchive reports whether a folder of the build context holds,
// at a package manager's config path (`etc/yum.repos.d/*.repo`,
// `etc/apt/sources.list*`), a file that names a distribution's archive.
func folderNamesArchive(ctx fs.FS, dir string) bool {
	found, seen := false, 0
	_ = fs.WalkDir(ctx, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || found || seen > 256 {
			return fs.SkipAll
		}
		seen++
		if d.IsDir() || !d.Type().IsRegular() || !strings.Contains(p, "yum.repos.d/") && !strings.Contains(p, "apt/sources.list") {
			return nil
		}
		if b, err := rootfs.ReadFile(ctx, p, maxArchiveConfig); err == nil && archiveMirror.Match(b) {
			found = true
		}
		return nil
	})
	return found
}

// debSource is an apt source line's host.
var debSource = regexp.MustCompile(`\bdeb\s+(?:\[[^\]]*\]\s+)?https?://([^/\s"']+)`)

// replacesSources reports whether a RUN overwrites apt's sources.list
// (`echo "deb … buster main" > /etc/apt/sources.list`) with sources on
// another host than Debian's or Ubuntu's (an organisation's own mirror):
// apt no longer asks the regular mirrors.
func replacesSources(text string) bool {
	// A repository file downloaded over the stock one (ZeroTier's el6
	// build: `curl …/el6%2520vault --output /etc/yum.repos.d/CentOS-Base.repo`)
	// from a host that is not the distribution's.
	if downloadsSources.MatchString(text) {
		for _, m := range urlHost.FindAllStringSubmatch(text, -1) {
			if h := strings.ToLower(m[1]); distroHost(h) {
				return false
			}
		}
		return true
	}
	if !strings.Contains(text, "/etc/apt/sources.list") || !overwritesSources.MatchString(text) {
		return false
	}
	ms := debSource.FindAllStringSubmatch(text, -1)
	for _, m := range ms {
		host := strings.ToLower(m[1])
		if strings.HasSuffix(host, "debian.org") || strings.HasSuffix(host, "ubuntu.com") {
			return false
		}
	}
	return len(ms) > 0
}

// downloadsSources is a download saved as the package manager's
// repository list (`--output /etc/yum.repos.d/CentOS-Base.repo`,
// `-O /etc/apt/sources.list`).
var downloadsSources = regexp.MustCompile(`(?:--output(?:-document)?|-[a-zA-Z]*[oO])[= ]\s*["']?/etc/(?:yum\.repos\.d/[^\s"';&|]+\.repo|apt/sources\.list)\b`)

// urlHost is a URL's host.
var urlHost = regexp.MustCompile(`https?://([^/\s"'$]+)`)

// distroHost reports whether a host is a distribution's own (whose
// stock repositories a downloaded list would name again).
func distroHost(h string) bool {
	for _, d := range []string{"centos.org", "debian.org", "ubuntu.com", "fedoraproject.org", "redhat.com", "rockylinux.org", "almalinux.org"} {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}

// overwritesSources is a redirection that replaces sources.list.
var overwritesSources = regexp.MustCompile(`[^>]>\s*/etc/apt/sources\.list(?:$|[\s"';&|)\\])`)

// dnfRefresh finds dnf or yum reading its repositories without an install:
// `dnf makecache`, `dnf -y upgrade`.
var dnfRefresh = regexp.MustCompile(`\b(dnf|yum|microdnf)\s+(-\S+\s+)*(makecache|update|upgrade|distro-sync|groupinstall)\b`)

// usesDnf reports whether a RUN fetches from dnf's (or yum's) repositories.
func usesDnf(insts []dockerfile.Install, text string) bool {
	for _, i := range insts {
		if i.Manager == "dnf" || i.Manager == "yum" || i.Manager == "microdnf" {
			return true
		}
	}
	return dnfRefresh.MatchString(text)
}

// aptUpdate finds `apt-get update` / `apt update`.
var aptUpdate = regexp.MustCompile(`\bapt(-get)?\s+(-\S+\s+)*update\b`)

// usesApt reports whether a RUN fetches from apt's sources: an install or
// an update.
func usesApt(insts []dockerfile.Install, text string) bool {
	for _, i := range insts {
		if i.Manager == "apt" {
			return true
		}
	}
	return aptUpdate.MatchString(text)
}
