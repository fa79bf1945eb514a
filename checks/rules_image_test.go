package checks

import (
	"maps"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/image"
	"github.com/coderready/coderready/internal/probeagent"
	"github.com/coderready/coderready/probe"
)

// fakeImage builds image facts by hand: the files a rule looks at and
// nothing else.
// files is the file index being built; every change is copied into
// f.Files (an immutable image.FileIndex).
type fakeImage struct {
	f     *image.Facts
	files map[string]image.File
}

// sync rebuilds the facts' file index from files.
func (fi *fakeImage) sync() *fakeImage {
	fi.f.Files = image.NewFileIndex(fi.files)
	return fi
}

func newFakeImage() *fakeImage {
	f := &image.Facts{
		Platform:       image.Platform{OS: "linux", Architecture: "amd64"},
		Config:         image.Config{Env: []string{"PATH=/usr/local/bin:/usr/bin:/bin"}},
		Libc:           image.Libc{Kind: image.LibcGlibc, Version: "2.36", Libstdcxx: "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", GLIBCXX: "3.4.30"},
		OS:             image.OSRelease{ID: "debian"},
		Users:          []image.User{{Name: "root", UID: 0, GID: 0, Home: "/root", Shell: "/bin/bash"}},
		PackageManager: "apt",
	}
	fi := &fakeImage{f: f, files: map[string]image.File{}}
	fi.dir("/tmp", 0o1777).dir("/root", 0o700)
	return fi
}

// clone copies the facts so one case's changes do not leak into another.
func (fi *fakeImage) clone() *fakeImage {
	f := *fi.f
	files := maps.Clone(fi.files)
	f.Users = slices.Clone(fi.f.Users)
	f.Groups = slices.Clone(fi.f.Groups)
	f.Config.Env = slices.Clone(fi.f.Config.Env)
	return (&fakeImage{f: &f, files: files}).sync()
}

func (fi *fakeImage) dir(p string, mode image.Mode) *fakeImage {
	for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
		if _, ok := fi.files[d]; !ok {
			fi.files[d] = image.File{Type: image.TypeDir, Mode: 0o755}
		}
	}
	fi.files[p] = image.File{Type: image.TypeDir, Mode: mode}
	return fi.sync()
}

// file adds a regular file with a mode at an absolute path.
func (fi *fakeImage) file(p string, mode image.Mode) *fakeImage {
	fi.dir(path.Dir(p), 0o755)
	fi.files[p] = image.File{Type: image.TypeFile, Mode: mode, Size: 1000}
	return fi.sync()
}

// link adds a symbolic link.
func (fi *fakeImage) link(p, target string) *fakeImage {
	fi.dir(path.Dir(p), 0o755)
	fi.files[p] = image.File{Type: image.TypeSymlink, Mode: 0o777, Link: target}
	return fi.sync()
}

// bin adds executables to /usr/bin.
func (fi *fakeImage) bin(names ...string) *fakeImage {
	for _, n := range names {
		fi.file("/usr/bin/"+n, 0o755)
	}
	return fi
}

// busybox replaces curl with a busybox whose wget applet is a link.
func (fi *fakeImage) busybox(bb image.Busybox) *fakeImage {
	fi.without("/usr/bin/curl").bin("busybox").link("/usr/bin/wget", "busybox")
	bb.Path = "/usr/bin/busybox"
	fi.f.Busybox = &bb
	return fi
}

// pm switches the package manager and the os-release ID.
func (fi *fakeImage) pm(m, id string) *fakeImage {
	fi.f.PackageManager, fi.f.OS.ID = m, id
	return fi
}

// base is a Debian-like image with what Coder needs, running as root.
func (fi *fakeImage) base() *fakeImage {
	fi.bin("sh", "bash", "env", "mktemp", "chmod", "sleep", "head", "grep", "curl", "git", "ssh", "jq", "tar", "gzip", "mkdir", "id", "chown")
	// merged /usr, as Debian has it
	fi.files["/bin"] = image.File{Type: image.TypeSymlink, Mode: 0o777, Link: "usr/bin"}
	fi.sync()
	fi.f.CA = image.CAStore{Bundle: "/etc/ssl/certs/ca-certificates.crt", Certificates: []image.Certificate{{Subject: "CN=Root", SHA256: strings.Repeat("ab", 32)}}}
	return fi
}

func (fi *fakeImage) user(name string, uid int, home, shell string) *fakeImage {
	fi.f.Users = append(fi.f.Users, image.User{Name: name, UID: uid, GID: uid, Home: home, Shell: shell})
	fi.f.Config.User = name
	fi.dir(home, 0o755)
	f := fi.files[home]
	f.UID = uid
	fi.files[home] = f
	return fi.sync()
}

func (fi *fakeImage) without(paths ...string) *fakeImage {
	for _, p := range paths {
		delete(fi.files, p)
	}
	return fi.sync()
}

func (fi *fakeImage) with(mod func(*image.Facts)) *fakeImage {
	mod(fi.f)
	return fi
}

func (fi *fakeImage) env(kv ...string) *fakeImage {
	fi.f.Config.Env = append(fi.f.Config.Env, kv...)
	return fi
}

// ready is an image every default rule is happy with.
func ready() *fakeImage {
	return newFakeImage().base().user("coder", 1000, "/home/coder", "/bin/bash")
}

type imgCase struct {
	name string
	img  *fakeImage
	df   string // Dockerfile the image is built from (optional)
	mod  func(*ImageInput)
	// want are the findings' lines (0 for findings on the image as a
	// whole); nil: the rule must not fire.
	want []int
	// sev, when set, is the first finding's severity.
	sev Severity
	// fixes is a substring of the first finding's fix (description or
	// edit text); editLine, when set, the line its first edit replaces.
	fixes    string
	editLine int
}

func baseOnly(in *ImageInput) { in.BaseOnly = true }

// dfRemovesCurlLib removes the library curl needs on line 3.
const dfRemovesCurlLib = "FROM acme/base:1\nRUN apt-get update && apt-get install -y vim\nRUN rm -f /usr/lib/x86_64-linux-gnu/libcurl.so.4*\nUSER coder\n"

// probed sets what the agent bootstrap probe saw.
func probed(r *probe.Result) func(*ImageInput) {
	return func(in *ImageInput) { in.Probe = r }
}

// probeOK is a successful probe's result, changed by mods.
func probeOK(mods ...func(*probeagent.Report)) *probe.Result {
	rep := &probeagent.Report{UID: 1000, GID: 1000, User: "coder", InPasswd: true, Home: "/home/coder", HomeWritable: true,
		TmpWritable: true, TmpExec: true, Shell: "/bin/bash", ShellRuns: true,
		Tools: []probeagent.Tool{{Name: "git", Path: "/usr/bin/git", Runs: true}, {Name: "ssh", Path: "/usr/bin/ssh", Runs: true}, {Name: "bash", Path: "/bin/bash", Runs: true}}}
	for _, m := range mods {
		m(rep)
	}
	return &probe.Result{OK: true, Tool: "curl", Report: rep, Seconds: 0.9}
}
func dcBuild(in *ImageInput) { in.DevcontainerBuild = true }

const dfInstall = "FROM acme/base:1\nRUN apt-get update && apt-get install -y vim\nUSER coder\n"

func TestImageRules(t *testing.T) {
	host := func(in *ImageInput) { in.Config.ImageRole = RoleDevcontainerHost }
	big := func() *fakeImage {
		return ready().with(func(f *image.Facts) {
			f.Size = 3 << 30
			f.Layers = []image.Layer{
				{DiffID: "sha256:a", Size: 100 << 20, CreatedBy: "/bin/sh -c #(nop) ADD file:abc in /"},
				{DiffID: "sha256:b", Size: 1 << 30, CreatedBy: "RUN apt-get install -y openjdk-17"},
				{DiffID: "sha256:c", Size: 2 << 30, CreatedBy: "RUN apt-get install -y golang"},
			}
		})
	}
	tests := map[string][]imgCase{
		"CR300": {
			{name: "reported by the scan, not on facts", img: newFakeImage()},
		},
		RuleBaseUnread: {
			// The scan reports an image it could not read (scan's TestBaseUnreadNote).
			{name: "reported by the scan, not on facts", img: newFakeImage()},
		},
		"CR301": {
			{name: "no download tool", img: ready().without("/usr/bin/curl"), want: []int{0}, fixes: "`RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates"},
			{name: "apk fix", img: ready().without("/usr/bin/curl").pm("apk", "alpine"), want: []int{0}, fixes: "apk add --no-cache curl ca-certificates"},
			{name: "dnf fix", img: ready().without("/usr/bin/curl").pm("dnf", "fedora"), want: []int{0}, fixes: "dnf install -y curl ca-certificates"},
			{name: "family from os-release", img: ready().without("/usr/bin/curl").pm("", "alpine"), want: []int{0}, fixes: "apk add"},
			{name: "no package manager", img: ready().without("/usr/bin/curl").pm("", ""), want: []int{0}, fixes: "no known package manager"},
			{name: "added to the install RUN", img: ready().without("/usr/bin/curl"), df: dfInstall, want: []int{1}, fixes: "vim curl ca-certificates", editLine: 2},
			{name: "RUN after FROM", img: ready().without("/usr/bin/curl"), df: "# base\nFROM acme/base:1\nUSER coder\n", want: []int{2}, fixes: "RUN apt-get update", editLine: 2},
			{name: "final stage of several", img: ready().without("/usr/bin/curl"), df: "FROM golang:1.22 AS build\nRUN go build\nFROM acme/base:1\nCOPY --from=build /x /x\n", want: []int{3}, editLine: 3},
			{name: "ignore comment", img: ready().without("/usr/bin/curl"), df: "# coderready:ignore=CR301\nFROM acme/base:1\n"},
			{name: "busybox binary", img: ready().without("/usr/bin/curl").bin("busybox")},
			{name: "busybox applet link", img: ready().busybox(image.Busybox{Scanned: true, InternalTLS: true})},
			{name: "busybox off PATH", img: ready().without("/usr/bin/curl").file("/opt/bb/busybox", 0o755), want: []int{0}},
			{name: "busybox not executable", img: ready().without("/usr/bin/curl").file("/usr/bin/busybox", 0o644), want: []int{0}},
			{name: "curl through a dangling link", img: ready().without("/usr/bin/curl").link("/usr/bin/curl", "/opt/curl/bin/curl"), want: []int{0}},
			{name: "curl through a link", img: ready().without("/usr/bin/curl").file("/opt/curl/bin/curl", 0o755).link("/usr/bin/curl", "/opt/curl/bin/curl")},
			{name: "base, the Dockerfile installs curl", img: ready().without("/usr/bin/curl"), df: "FROM acme/base:1\nRUN apt-get update && apt-get install -y curl\n", mod: baseOnly},
			{name: "base, the Dockerfile copies curl", img: ready().without("/usr/bin/curl"), df: "FROM acme/base:1\nCOPY --from=tools /usr/bin/curl /usr/local/bin/curl\n", mod: baseOnly},
			{name: "built image lacks it whatever the Dockerfile says", img: ready().without("/usr/bin/curl"), df: "FROM acme/base:1\nRUN apt-get update && apt-get install -y curl\n", want: []int{1}},
			{name: "a Dev Container's base: features may install it", img: ready().without("/usr/bin/curl"), mod: func(in *ImageInput) { in.BaseOnly, in.DevcontainerBuild = true, true }},
			{name: "curl", img: ready()},
		},
		"CR302": {
			{name: "no shell", img: ready().without("/usr/bin/sh"), want: []int{0}, sev: SeverityError, fixes: "bash"},
			{name: "apk: busybox", img: ready().without("/usr/bin/sh").pm("apk", "alpine"), want: []int{0}, fixes: "apk add --no-cache busybox"},
			{name: "/bin/sh not executable", img: ready().without("/bin").dir("/bin", 0o755).file("/bin/sh", 0o644), want: []int{0}},
			{name: "no env", img: ready().without("/usr/bin/env"), want: []int{0}, sev: SeverityWarning, fixes: "coreutils"},
			{name: "shell", img: ready()},
		},
		"CR303": {
			{name: "no mktemp, no grep", img: ready().without("/usr/bin/mktemp", "/usr/bin/grep"), want: []int{0, 0}},
			{name: "no sleep", img: ready().without("/usr/bin/sleep"), want: []int{0}, sev: SeverityError, fixes: "coreutils"},
			{name: "no head", img: ready().without("/usr/bin/head"), want: []int{0}, sev: SeverityWarning},
			{name: "base, the Dockerfile installs coreutils", img: ready().without("/usr/bin/mktemp"), df: "FROM acme/base:1\nRUN apt-get install -y coreutils\n", mod: baseOnly},
			{name: "all there", img: ready()},
		},
		"CR304": {
			{name: "busybox without TLS", img: ready().busybox(image.Busybox{Scanned: true}), want: []int{0}, fixes: "curl"},
			{name: "ssl_client named but missing", img: ready().busybox(image.Busybox{Scanned: true, SSLClient: true}), want: []int{0}},
			{name: "ssl_client on PATH", img: ready().busybox(image.Busybox{Scanned: true, SSLClient: true}).bin("ssl_client")},
			{name: "internal TLS", img: ready().busybox(image.Busybox{Scanned: true, InternalTLS: true})},
			{name: "not scanned", img: ready().busybox(image.Busybox{})},
			{name: "a real wget", img: ready().busybox(image.Busybox{Scanned: true}).without("/usr/bin/wget").bin("wget")},
			{name: "curl", img: ready()},
		},
		"CR305": {
			{name: "no git", img: ready().without("/usr/bin/git"), want: []int{0}, sev: SeverityWarning, fixes: "--no-install-recommends git"},
			{name: "on the Dockerfile", img: ready().without("/usr/bin/git"), df: dfInstall, want: []int{1}, fixes: "vim git"},
			{name: "base, the Dockerfile installs git", img: ready().without("/usr/bin/git"), df: "FROM acme/base:1\nRUN apk add git\n", mod: baseOnly},
			{name: "git", img: ready()},
		},
		"CR306": {
			{name: "no CA", img: ready().with(func(f *image.Facts) { f.CA = image.CAStore{} }), want: []int{0}, fixes: "ca-certificates"},
			{name: "bundle without parsed certificates", img: ready().with(func(f *image.Facts) { f.CA.Certificates = nil })},
			{name: "CA", img: ready()},
		},
		"CR307": {
			{name: "org CA missing", img: ready(), mod: func(in *ImageInput) { in.Config.OrgCAs = []OrgCA{{Name: "Acme", SHA256: strings.Repeat("cd", 32)}} }, want: []int{0}, fixes: "/usr/local/share/ca-certificates/"},
			{name: "rhel refresh", img: ready().pm("dnf", "fedora"), mod: func(in *ImageInput) { in.Config.OrgCAs = []OrgCA{{SHA256: strings.Repeat("cd", 32)}} }, want: []int{0}, fixes: "update-ca-trust extract"},
			{name: "org CA present", img: ready(), mod: func(in *ImageInput) { in.Config.OrgCAs = []OrgCA{{Name: "Acme", SHA256: strings.Repeat("ab", 32)}} }},
			{name: "no org CA configured", img: ready()},
		},
		"CR308": {
			{name: "root", img: newFakeImage().base(), want: []int{0}, fixes: "USER coder"},
			{name: "uid 0", img: newFakeImage().base().with(func(f *image.Facts) { f.Config.User = "0:0" }), want: []int{0}},
			{name: "a Dockerfile's user is CR101's", img: newFakeImage().base(), df: "FROM acme/base:1\n"},
			{name: "dev container", img: newFakeImage().base(), mod: dcBuild},
			{name: "non-root", img: ready()},
		},
		"CR309": {
			{name: "unknown user on USER", img: ready().with(func(f *image.Facts) { f.Config.User = "dev" }), df: "FROM acme/base:1\nRUN true\nUSER dev\n", want: []int{3}, fixes: "RUN useradd --create-home --shell /bin/bash --uid 1000 --user-group dev", editLine: 3},
			{name: "uid only", img: ready().with(func(f *image.Facts) { f.Config.User = "4242" }), want: []int{0}, fixes: "--uid 4242 --user-group coder"},
			{name: "apk", img: ready().pm("apk", "alpine").with(func(f *image.Facts) { f.Config.User = "dev" }), want: []int{0}, fixes: "adduser -D -s /bin/bash -u 1000 dev"},
			{name: "uid in passwd", img: ready().with(func(f *image.Facts) { f.Config.User = "1000:1000" })},
			{name: "base, the Dockerfile sets its USER", img: ready().with(func(f *image.Facts) { f.Config.User = "dev" }), df: "FROM acme/base:1\nUSER coder\n", mod: baseOnly},
			{name: "known user", img: ready()},
		},
		"CR310": {
			{name: "home missing", img: ready().without("/home/coder"), want: []int{0}, fixes: "mkdir -p /home/coder && chown 1000:1000 /home/coder"},
			{name: "home owned by root", img: ready().dir("/home/coder", 0o755), df: "FROM acme/base:1\nUSER coder\n", want: []int{2}, fixes: "chown 1000:1000 /home/coder", editLine: 2},
			{name: "home fine", img: ready()},
		},
		"CR311": {
			{name: "s390x", img: ready().with(func(f *image.Facts) { f.Platform = image.Platform{OS: "linux", Architecture: "s390x"} }), want: []int{0}},
			{name: "windows", img: ready().with(func(f *image.Facts) { f.Platform = image.Platform{OS: "windows", Architecture: "amd64"} }), want: []int{0}},
			{name: "arm/v6", img: ready().with(func(f *image.Facts) { f.Platform = image.Platform{OS: "linux", Architecture: "arm", Variant: "v6"} }), want: []int{0}},
			{name: "index with ppc64le, s390x and an attestation", img: ready().with(func(f *image.Facts) {
				f.Platforms = []image.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "ppc64le"}, {OS: "linux", Architecture: "s390x"}, {OS: "unknown", Architecture: "unknown"}}
			}), want: []int{0, 0}},
			{name: "a base's index: only the platform built", img: ready().with(func(f *image.Facts) {
				f.Platforms = []image.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "s390x"}}
			}), df: "FROM acme/base:1\n", mod: baseOnly},
			{name: "arm64 v8", img: ready().with(func(f *image.Facts) { f.Platform = image.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"} })},
			{name: "arm without variant", img: ready().with(func(f *image.Facts) { f.Platform = image.Platform{OS: "linux", Architecture: "arm"} })},
			{name: "amd64", img: ready()},
		},
		"CR312": {
			{name: "musl", img: ready().with(func(f *image.Facts) { f.Libc = image.Libc{Kind: image.LibcMusl} }), df: "FROM alpine:3.20\n", want: []int{1}},
			{name: "glibc", img: ready()},
			{name: "static", img: ready().with(func(f *image.Facts) { f.Libc = image.Libc{Kind: image.LibcNone} })},
		},
		"CR313": {
			{name: "recommended and required", img: ready().without("/usr/bin/jq"), mod: func(in *ImageInput) { in.Config.RequiredTools = []string{"make"} }, want: []int{0, 0}, fixes: "jq"},
			{name: "required at error", img: ready(), mod: func(in *ImageInput) { in.Config.RequiredTools = []string{"make"} }, want: []int{0}, sev: SeverityError, fixes: "--no-install-recommends make"},
			{name: "recommended ssh on dnf", img: ready().without("/usr/bin/ssh").pm("dnf", "fedora"), want: []int{0}, sev: SeverityInfo, fixes: "dnf install -y openssh-clients"},
			{name: "base, the Dockerfile installs jq", img: ready().without("/usr/bin/jq"), df: "FROM acme/base:1\nRUN apt-get install -y jq\n", mod: baseOnly},
			{name: "no lists", img: ready().without("/usr/bin/jq"), mod: func(in *ImageInput) { in.Config.RecommendedTools = nil }},
			{name: "all present", img: ready()},
		},
		"CR314": {
			{name: "tmp 0755", img: ready().dir("/tmp", 0o755), want: []int{0}, fixes: "chmod 1777 /tmp"},
			{name: "no tmp, on the Dockerfile", img: ready().without("/tmp"), df: "FROM acme/base:1\nUSER coder\n", want: []int{1}, editLine: 1},
			{name: "tmp a file", img: ready().without("/tmp").file("/tmp", 0o644), want: []int{0}},
			{name: "base, the Dockerfile fixes it", img: ready().dir("/tmp", 0o755), df: "FROM acme/base:1\nRUN chmod 1777 /tmp\n", mod: baseOnly},
			{name: "tmp 1777", img: ready()},
		},
		"CR315": {
			{name: "over size", img: big(), mod: func(in *ImageInput) { in.Config.MaxImageSize = 2 << 30 }, want: []int{0}},
			{name: "over layers", img: big(), df: "FROM acme/base:1\n", mod: func(in *ImageInput) { in.Config.MaxLayers = 1 }, want: []int{1}},
			{name: "no budget", img: big()},
			{name: "under budget", img: big(), mod: func(in *ImageInput) { in.Config.MaxImageSize = 4 << 30; in.Config.MaxLayers = 40 }},
		},
		"CR316": {
			{name: "zsh not installed", img: ready().with(func(f *image.Facts) { f.Users[1].Shell = "/usr/bin/zsh" }), want: []int{0}, sev: SeverityError, fixes: "--no-install-recommends zsh"},
			{name: "odd shell", img: ready().with(func(f *image.Facts) { f.Users[1].Shell = "/opt/sh/mysh" }), want: []int{0}, fixes: "usermod --shell /bin/bash coder"},
			{name: "nologin", img: ready().with(func(f *image.Facts) { f.Users[1].Shell = "/usr/sbin/nologin" }), df: "FROM acme/base:1\nUSER coder\n", want: []int{2}, sev: SeverityWarning, fixes: "RUN usermod --shell /bin/bash coder", editLine: 2},
			{name: "nologin on apk", img: ready().pm("apk", "alpine").with(func(f *image.Facts) { f.Users[1].Shell = "/sbin/nologin" }), want: []int{0}, fixes: "apk add --no-cache shadow && usermod"},
			{name: "base, the Dockerfile sets USER", img: ready().with(func(f *image.Facts) { f.Users[1].Shell = "/usr/sbin/nologin" }), df: "FROM acme/base:1\nUSER coder\n", mod: baseOnly},
			{name: "bash", img: ready()},
		},
		"CR317": {
			{name: "old glibc", img: ready().with(func(f *image.Facts) { f.Libc.Version = "2.17" }), want: []int{0}},
			{name: "old libstdc++", img: ready().with(func(f *image.Facts) { f.Libc.GLIBCXX = "3.4.21" }), want: []int{0}},
			{name: "libstdc++ versions unread", img: ready().with(func(f *image.Facts) { f.Libc.GLIBCXX = "3.4" })},
			{name: "glibc version unknown", img: ready().with(func(f *image.Facts) { f.Libc.Version = "" })},
			{name: "new glibc", img: ready()},
		},
		"CR318": {
			{name: "no tar", img: ready().without("/usr/bin/tar"), want: []int{0}, fixes: "tar"},
			{name: "tar and gzip", img: ready()},
		},
		"CR319": {
			{name: "dockerd without sudo", img: ready().bin("dockerd"), want: []int{0}, fixes: "apt-get update && apt-get install -y --no-install-recommends sudo && rm -rf /var/lib/apt/lists/* && echo 'coder ALL=(ALL) NOPASSWD:ALL'"},
			{name: "systemd in the index", img: ready().bin("sudo").file("/lib/systemd/systemd", 0o755), df: "FROM acme/base:1\nUSER coder\n", want: []int{2}, fixes: "RUN echo 'coder ALL=(ALL) NOPASSWD:ALL'", editLine: 2},
			{name: "dockerd with passwordless sudo", img: ready().bin("dockerd", "sudo").with(func(f *image.Facts) {
				f.Sudoers = []image.SudoRule{{Who: "coder", NoPasswd: true, AllCommands: true}}
			})},
			{name: "root", img: newFakeImage().base().bin("dockerd")},
			{name: "no services", img: ready()},
		},
		"CR320": {
			{name: "uid 1000 is ubuntu", img: newFakeImage().base().user("ubuntu", 1000, "/home/ubuntu", "/bin/bash"), want: []int{0}, fixes: "userdel -r ubuntu && useradd --create-home --shell /bin/bash --uid 1000 --user-group coder"},
			{name: "coder elsewhere", img: newFakeImage().base().user("coder", 1000, "/home/dev", "/bin/bash"), want: []int{0}, fixes: "usermod --home /home/coder --move-home coder"},
			{name: "no uid 1000", img: newFakeImage().base(), want: []int{0}, sev: SeverityInfo},
			{name: "base, the Dockerfile creates users", img: newFakeImage().base(), df: "FROM acme/base:1\nRUN useradd -m -u 1000 coder\n", mod: baseOnly},
			{name: "coder 1000", img: ready()},
		},
		"CR321": {
			{name: "dockerd entrypoint", img: ready().with(func(f *image.Facts) { f.Config.Entrypoint = []string{"/usr/bin/dockerd"} }), want: []int{0}},
			{name: "on the Dockerfile's CMD", img: ready().with(func(f *image.Facts) { f.Config.Cmd = []string{"/sbin/init"} }), df: "FROM acme/base:1\nUSER coder\nCMD [\"/sbin/init\"]\n", want: []int{3}},
			{name: "base, the Dockerfile sets its own", img: ready().with(func(f *image.Facts) { f.Config.Cmd = []string{"supervisord"} }), df: "FROM acme/base:1\nCMD [\"bash\"]\n", mod: baseOnly},
			{name: "an init script is not /sbin/init", img: ready().with(func(f *image.Facts) { f.Config.Cmd = []string{"./init"} })},
			{name: "bash cmd", img: ready().with(func(f *image.Facts) { f.Config.Cmd = []string{"bash"} })},
		},
		"CR322": {
			{name: "missing locale", img: ready().env("LANG=de_DE.UTF-8"), want: []int{0}, fixes: "locales && rm -rf /var/lib/apt/lists/* && localedef -i de_DE -f UTF-8 de_DE.UTF-8"},
			{name: "LC_ALL and LANG", img: ready().env("LANG=de_DE.UTF-8", "LC_ALL=fr_FR.UTF-8"), want: []int{0, 0}},
			{name: "dnf langpack", img: ready().pm("dnf", "fedora").env("LANG=de_DE.UTF-8"), want: []int{0}, fixes: "glibc-langpack-de"},
			{name: "C.UTF-8", img: ready().env("LANG=C.UTF-8", "LC_ALL=POSIX")},
			{name: "generated locale", img: ready().dir("/usr/lib/locale/de_DE.utf8", 0o755).env("LANG=de_DE.UTF-8")},
			{name: "locale-archive", img: ready().file("/usr/lib/locale/locale-archive", 0o644).env("LANG=de_DE.UTF-8")},
			{name: "musl", img: ready().with(func(f *image.Facts) { f.Libc = image.Libc{Kind: image.LibcMusl} }).env("LANG=de_DE.UTF-8")},
			{name: "base, the Dockerfile generates it", img: ready().env("LANG=de_DE.UTF-8"), df: "FROM acme/base:1\nRUN localedef -i de_DE -f UTF-8 de_DE.UTF-8\n", mod: baseOnly},
		},
		"CR323": {
			{name: "armv7", img: ready().with(func(f *image.Facts) { f.Platform = image.Platform{OS: "linux", Architecture: "arm", Variant: "v7"} }), want: []int{0}},
			{name: "amd64", img: ready()},
		},
		"CR324": {
			{name: "host without docker", img: ready(), mod: host, want: []int{0}, fixes: "docker.io npm && rm -rf /var/lib/apt/lists/* && npm install -g @devcontainers/cli"},
			{name: "host without the CLI", img: ready().bin("docker", "dockerd", "npm"), df: "FROM acme/base:1\nUSER coder\n", mod: host, want: []int{1}, fixes: "RUN npm install -g @devcontainers/cli", editLine: 1},
			{name: "host with all", img: ready().bin("docker", "dockerd", "devcontainer"), mod: host},
			{name: "base, the Dockerfile installs them", img: ready(), df: "FROM acme/base:1\nRUN curl -fsSL https://get.docker.com | sh && npm install -g @devcontainers/cli\n", mod: func(in *ImageInput) { host(in); in.BaseOnly = true }},
			{name: "workspace role", img: ready()},
			{name: "envbuilder only", img: ready(), mod: func(in *ImageInput) { host(in); in.Config.Builder = ConfigBuilderEnvbuilder }},
		},
		"CR325": {
			{name: "dev container without id", img: ready().without("/usr/bin/id"), mod: dcBuild, want: []int{0}, fixes: "coreutils"},
			{name: "not a dev container", img: ready().without("/usr/bin/id")},
			{name: "dev container with all", img: ready(), mod: dcBuild},
		},
		"CR326": {
			{name: "not in docker group", img: ready().bin("docker"), want: []int{0}, fixes: "usermod -aG docker coder"},
			{name: "alpine", img: ready().bin("docker").pm("apk", "alpine"), want: []int{0}, fixes: "addgroup coder docker"},
			{name: "in docker group", img: ready().bin("docker").with(func(f *image.Facts) {
				f.Groups = append(f.Groups, image.Group{Name: "docker", GID: 999, Members: []string{"coder"}})
			})},
			{name: "root", img: newFakeImage().base().bin("docker")},
			{name: "no docker", img: ready()},
		},
		"CR400": {
			{name: "curl's library removed", img: ready(), df: dfRemovesCurlLib,
				mod:  probed(&probe.Result{FailedStep: probe.StepDownload, Tool: "curl", ExitCode: 127, Stderr: "curl: error while loading shared libraries: libcurl.so.4: cannot open shared object file: No such file or directory"}),
				want: []int{3}, sev: SeverityError},
			{name: "no shell, on the FROM", img: ready(), df: dfInstall, mod: probed(&probe.Result{FailedStep: probe.StepStart, Stderr: `exec: "sh": executable file not found in $PATH`}), want: []int{1}},
			{name: "without a Dockerfile", img: ready(), mod: probed(&probe.Result{FailedStep: probe.StepTimeout, Stderr: "the bootstrap did not finish in 30s"}), want: []int{0}},
			{name: "success", img: ready(), mod: probed(probeOK())},
			{name: "skipped", img: ready(), mod: probed(&probe.Result{Skipped: "the image is linux/arm64 and the engine runs linux/amd64"})},
			{name: "not probed", img: ready()},
			{name: "exec format is CR401's", img: ready(), mod: probed(&probe.Result{FailedStep: probe.StepDownload, Tool: "curl", Stderr: "sh: 1: curl: exec format error"})},
		},
		"CR401": {
			{name: "curl for another architecture", img: ready(), mod: probed(&probe.Result{FailedStep: probe.StepDownload, Tool: "curl", ExitCode: 126, Stderr: "sh: 1: curl: exec format error"}), want: []int{0}, sev: SeverityError},
			{name: "another failure", img: ready(), mod: probed(&probe.Result{FailedStep: probe.StepDownload, Tool: "curl", Stderr: "curl: (7) Failed to connect"})},
		},
		"CR402": {
			{name: "home owned by root", img: ready(), df: dfInstall, mod: probed(probeOK(func(r *probeagent.Report) { r.HomeWritable, r.HomeError = false, "permission denied" })), want: []int{3}, sev: SeverityWarning},
			{name: "writable", img: ready(), mod: probed(probeOK())},
		},
		"CR403": {
			{name: "mktemp failed", img: ready(), mod: probed(&probe.Result{FailedStep: probe.StepMktemp, ExitCode: 1, Stderr: "mktemp: failed to create directory via template '/tmp/coder.XXXXXX': Permission denied"}), want: []int{0}, sev: SeverityError},
			{name: "noexec", img: ready(), mod: probed(probeOK(func(r *probeagent.Report) { r.TmpExec = false })), want: []int{0}},
			{name: "usable", img: ready(), mod: probed(probeOK())},
		},
		"CR404": {
			{name: "no passwd entry", img: ready(), df: dfInstall, mod: probed(probeOK(func(r *probeagent.Report) { r.InPasswd, r.User = false, "" })), want: []int{3}},
			{name: "named", img: ready(), mod: probed(probeOK())},
		},
		"CR405": {
			{name: "profile exits 1", img: ready(), mod: probed(probeOK(func(r *probeagent.Report) { r.ShellRuns, r.ShellError = false, "exit status 1" })), want: []int{0}, sev: SeverityWarning},
			{name: "runs", img: ready(), mod: probed(probeOK())},
		},
		"CR406": {
			{name: "git does not run", img: ready(), df: "FROM acme/base:1\nRUN rm -f /usr/lib/x86_64-linux-gnu/libpcre2-8.so.0 # breaks git\nUSER coder\n",
				mod: probed(probeOK(func(r *probeagent.Report) {
					r.Tools = []probeagent.Tool{{Name: "git", Path: "/usr/bin/git", Error: "git: error while loading shared libraries: libpcre2-8.so.0: cannot open shared object file"}, {Name: "bash", Path: "/bin/bash", Runs: true}}
				})), want: []int{2}},
			{name: "missing is not this rule's", img: ready(), mod: probed(probeOK(func(r *probeagent.Report) { r.Tools = []probeagent.Tool{{Name: "ssh"}} }))},
			{name: "all run", img: ready(), mod: probed(probeOK())},
		},
	}
	for id, cases := range tests {
		if r := Lookup(id); r == nil || (r.Family != FamilyImage && r.Family != FamilyRuntime) || r.Image == nil {
			t.Fatalf("%s is not a registered image rule", id)
		}
		for _, tc := range cases {
			t.Run(id+"/"+tc.name, func(t *testing.T) {
				in := &ImageInput{Facts: tc.img.clone().f, Config: DefaultConfig(), Ref: "acme/base:1"}
				if tc.df != "" {
					f, err := dockerfile.Parse("Dockerfile", []byte(tc.df))
					if err != nil {
						t.Fatal(err)
					}
					in.Dockerfile = f
				}
				if tc.mod != nil {
					tc.mod(in)
				}
				var got []int
				var fs []Finding
				for _, f := range CheckImage(in) {
					if f.RuleID != id {
						continue
					}
					got = append(got, f.Location.StartLine)
					fs = append(fs, f)
					want := in.Ref
					if tc.df != "" {
						want = "Dockerfile"
					}
					if f.Location.Path != want {
						t.Errorf("path %q, want %q", f.Location.Path, want)
					}
					if f.Message == "" {
						t.Error("empty message")
					}
				}
				if !slices.Equal(got, tc.want) {
					t.Fatalf("findings on lines %v, want %v: %+v", got, tc.want, fs)
				}
				if tc.sev != SeverityOff && fs[0].Severity != tc.sev {
					t.Errorf("severity %v, want %v", fs[0].Severity, tc.sev)
				}
				if tc.fixes == "" && tc.editLine == 0 {
					return
				}
				fix := fs[0].Fix
				if fix == nil {
					t.Fatal("no fix")
				}
				text := fix.Description
				for _, e := range fix.Edits {
					text += "\n" + e.Text
					if e.Path != "Dockerfile" {
						t.Errorf("edit path %q", e.Path)
					}
				}
				if !strings.Contains(text, tc.fixes) {
					t.Errorf("fix %q lacks %q", text, tc.fixes)
				}
				if tc.editLine != 0 && (len(fix.Edits) == 0 || fix.Edits[0].StartLine != tc.editLine) {
					t.Errorf("edits %+v, want one on line %d", fix.Edits, tc.editLine)
				}
				if tc.df == "" && len(fix.Edits) > 0 {
					t.Errorf("edits without a Dockerfile: %+v", fix.Edits)
				}
			})
		}
	}
	for _, r := range Rules() {
		if r.Family == FamilyImage || r.Family == FamilyRuntime {
			cases := tests[r.ID]
			if !slices.ContainsFunc(cases, func(c imgCase) bool { return c.want == nil }) ||
				(r.ID != "CR300" && r.ID != RuleBaseUnread && !slices.ContainsFunc(cases, func(c imgCase) bool { return c.want != nil })) {
				t.Errorf("%s lacks a case that fires and one that does not", r.ID)
			}
		}
	}
}

// TestImageRuleEdits checks whole edits: where a user fix goes and what
// the line it replaces becomes.
func TestImageRuleEdits(t *testing.T) {
	src := "FROM acme/base:1\nRUN apt-get update && apt-get install -y vim\nUSER dev\n"
	f, err := dockerfile.Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	img := ready().without("/usr/bin/git").with(func(f *image.Facts) { f.Config.User = "dev" })
	got := map[string]string{}
	for _, fd := range CheckImage(&ImageInput{Facts: img.f, Config: DefaultConfig(), Ref: "acme/base:1", Dockerfile: f}) {
		if fd.Fix != nil && len(fd.Fix.Edits) == 1 {
			got[fd.RuleID] = editStrings(fd)[0]
		}
	}
	want := map[string]string{
		"CR305": e(2, "RUN apt-get update && apt-get install -y vim git"),
		"CR309": e(3, "RUN useradd --create-home --shell /bin/bash --uid 1000 --user-group dev\nUSER dev"),
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s edit %q, want %q", id, got[id], w)
		}
	}
}

func TestImageBudgetDetails(t *testing.T) {
	img := ready().with(func(f *image.Facts) {
		f.Size = 3 << 30
		f.Layers = []image.Layer{{DiffID: "sha256:a", Size: 1 << 30, CreatedBy: "/bin/sh -c apt-get install -y openjdk-17"}, {DiffID: "sha256:b", Size: 2 << 30, CreatedBy: "RUN apt-get install -y golang"}}
	})
	cfg := DefaultConfig()
	cfg.MaxImageSize = 2 << 30
	var got *Finding
	for _, f := range CheckImage(&ImageInput{Facts: img.f, Config: cfg, Ref: "acme/base:1"}) {
		if f.RuleID == "CR315" {
			got = &f
		}
	}
	if got == nil {
		t.Fatal("no CR315 finding")
	}
	golang, java := strings.Index(got.Details, "golang"), strings.Index(got.Details, "openjdk")
	if golang < 0 || java < 0 || golang > java || strings.Contains(got.Details, "/bin/sh -c") || !strings.Contains(got.Details, "layer 2") {
		t.Errorf("details do not list the largest layer first: %q", got.Details)
	}
	if !strings.Contains(got.Message, "over the budget of") {
		t.Errorf("message %q", got.Message)
	}
}

func TestFactsBase(t *testing.T) {
	f := ready().bin("sudo").pm("apk", "alpine").with(func(f *image.Facts) {
		f.Reference = "docker-daemon:acme/base:1"
		f.Users = append(f.Users, image.User{Name: "ubuntu", UID: 1001, Home: "/home/ubuntu"}, image.User{Name: "nobody", UID: 65534})
		f.Config.Env = append(f.Config.Env, "HOME=/home/coder")
	}).f
	b := FactsBase(f)
	if b.Home != "/home/coder" {
		t.Errorf("Home %q", b.Home)
	}
	if !b.Known || b.Source != "image" || b.Manager != PMApk || b.Family != OSAlpine || b.User != "coder" || !b.CACerts || b.Ref != f.Reference {
		t.Errorf("FactsBase = %+v", b)
	}
	if !slices.Equal(b.Tools, []string{"curl", "git", "bash", "sudo", "sh"}) || b.HasDownloader() != true {
		t.Errorf("tools %v", b.Tools)
	}
	if !slices.Equal(b.Users, []string{"coder", "ubuntu"}) || b.UID1000 != "" {
		t.Errorf("users %v, UID1000 %q", b.Users, b.UID1000)
	}
	// The family from os-release when no package manager is there; the
	// user holding UID 1000.
	bare := newFakeImage().user("ubuntu", 1000, "/home/ubuntu", "/bin/bash").pm("", "ubuntu").f
	b = FactsBase(bare)
	if b.Manager != PMUnknown || b.Family != OSDebian || b.UID1000 != "ubuntu" || b.CACerts || len(b.Tools) != 0 || b.HasDownloader() {
		t.Errorf("FactsBase(bare) = %+v", b)
	}
	r := FactsResolver{"acme/base:1": f}
	if got := r.BaseFacts("acme/base:1"); got.Ref != "acme/base:1" || got.Source != "image" {
		t.Errorf("resolver on a read image: %+v", got)
	}
	if got := r.BaseFacts("debian:12"); got.Source != "table" || got.Manager != PMApt {
		t.Errorf("resolver fallback: %+v", got)
	}
	var _ BaseResolver = r
}

// TestFactsResolverDockerfileRules: Dockerfile rules judge from the real
// base: CR101 sees the base's own user.
func TestFactsResolverDockerfileRules(t *testing.T) {
	src := "FROM acme/base:1\nRUN echo hi\n"
	for _, tc := range []struct {
		img  *fakeImage
		want bool
	}{{ready(), false}, {newFakeImage().base(), true}} {
		f, err := dockerfile.Parse("Dockerfile", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		in := &DockerfileInput{File: f, Config: DefaultConfig()}
		if ref := FinalBaseRef(in); ref != "acme/base:1" {
			t.Fatalf("FinalBaseRef = %q", ref)
		}
		in.Bases = FactsResolver{"acme/base:1": tc.img.f}
		fired := slices.ContainsFunc(CheckDockerfile(in), func(fd Finding) bool { return fd.RuleID == "CR101" })
		if fired != tc.want {
			t.Errorf("user %q: CR101 fired %v, want %v", tc.img.f.Config.User, fired, tc.want)
		}
	}
}
