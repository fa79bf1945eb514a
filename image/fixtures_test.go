package image

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func mustRef(t testing.TB, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const (
	glibcBlob    = "\x7fELF junk\x00GNU C Library (Debian GLIBC 2.36-9+deb12u4) stable release version 2.36.\x00more junk"
	libstdcxx    = "\x7fELF\x00GLIBCXX_3.4\x00GLIBCXX_3.4.9\x00GLIBCXX_3.4.25\x00GLIBCXX_3.4.30\x00GLIBCXX_DEBUG_MESSAGE_LENGTH\x00"
	busyboxBlob  = "\x7fELF\x00BusyBox v1.36.1 (2024-01-01) multi-call binary.\x00ssl_client\x00TLS %s from peer (alert code %d): %s\x00"
	debianOSRel  = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n"
	alpineOSRel  = "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n"
	ubuntuOSRel  = "NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"24.04\"\nPRETTY_NAME=\"Ubuntu 24.04 LTS\"\n"
	rootPasswd   = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	coderPasswd  = rootPasswd + "coder:x:1000:1000:Coder,,,:/home/coder:/bin/bash\n"
	rootGroup    = "root:x:0:\nsudo:x:27:\n"
	coderGroup   = "root:x:0:\nsudo:x:27:coder\ndocker:x:999:\ncoder:x:1000:\n"
	baseSudoers  = "Defaults\tenv_reset\nroot\tALL=(ALL:ALL) ALL\n%sudo\tALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n"
	coderSudoers = "coder ALL=(ALL) NOPASSWD:ALL\n"
)

// debianLayers is a merged-usr Debian-like base and a layer over it that
// exercises whiteouts, an opaque directory, hard links and link chains.
func debianLayers(t testing.TB) []v1.Layer {
	cert1, cert2 := testCert(t, "Test Root One", 1), testCert(t, "Test Root Two", 2)
	base := layer(t,
		symlink("bin", "usr/bin"), symlink("lib", "usr/lib"), symlink("sbin", "usr/sbin"), symlink("lib64", "usr/lib64"),
		dir("usr/"), dir("usr/bin/"), dir("usr/sbin/"), dir("usr/lib/"),
		exe("usr/bin/dash", "dash"), symlink("usr/bin/sh", "dash"), exe("usr/bin/bash", "bash"),
		exe("usr/bin/apt-get", "apt"), exe("usr/bin/curl", "curl"), exe("usr/bin/mktemp", "x"),
		exe("usr/bin/chmod", "x"), exe("usr/bin/sleep", "x"), exe("usr/bin/env", "x"), exe("usr/bin/tar", "x"),
		file("usr/bin/notexec", "data"),
		dir("etc/"), file("etc/passwd", rootPasswd), file("etc/group", rootGroup),
		symlink("etc/os-release", "../usr/lib/os-release"), file("usr/lib/os-release", debianOSRel),
		file("etc/sudoers", baseSudoers), dir("etc/sudoers.d/"),
		file("usr/lib/x86_64-linux-gnu/libc.so.6", glibcBlob),
		file("usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30", libstdcxx),
		symlink("usr/lib/x86_64-linux-gnu/libstdc++.so.6", "libstdc++.so.6.0.30"),
		ent{name: "tmp/", typ: '5', mode: 0o1777},
		file("etc/ssl/certs/ca-certificates.crt", cert1+cert2),
		symlink("etc/ssl/certs/0a1b2c3d.0", "ca-certificates.crt"),
		symlink("etc/ssl/certs/Test_Root_One.pem", "/usr/share/ca-certificates/test/one.crt"),
		file("usr/share/ca-certificates/test/one.crt", cert1),
		file("opt/old/a.txt", "a"), file("opt/old/b.txt", "b"),
		file("var/cache/apt/pkgcache.bin", "cache"),
	)
	over := layer(t,
		whiteout("usr/bin/curl"),
		opaque("opt"), file("opt/new.txt", "new"),
		exe("usr/bin/git", "git"), hardlink("usr/bin/git-upload-pack", "usr/bin/git"),
		file("etc/passwd", coderPasswd), file("etc/group", coderGroup),
		ent{name: "home/coder/", typ: '5', mode: 0o755, uid: 1000, gid: 1000},
		file("etc/sudoers.d/coder", coderSudoers), file("etc/sudoers.d/README", "# nothing\n"),
		file("etc/sudoers.d/ignored.bak", "ALL ALL=(ALL) NOPASSWD: ALL\n"),
		whiteout("var/cache"),
		dir("usr/local/bin/"),
		symlink("usr/local/bin/jq", "/usr/lib/jq/jq-link"),
		symlink("usr/lib/jq/jq-link", "../../libexec/jq"),
		exe("usr/libexec/jq", "jq"),
		symlink("usr/local/bin/loop1", "loop2"), symlink("usr/local/bin/loop2", "loop1"),
	)
	return []v1.Layer{base, over}
}

var debianConfig = v1.Config{
	User:       "coder",
	Env:        []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"},
	WorkingDir: "/home/coder",
	Cmd:        []string{"bash"},
	Labels:     map[string]string{"org.opencontainers.image.title": "debianish"},
}

func debianImage(t testing.TB) v1.Image {
	return img(t, "linux/amd64", debianConfig, debianLayers(t)...)
}

// busyboxImage is busybox alone: the binary, applet symlinks and a hard
// link, no package manager, no libc.
func busyboxImage(t testing.TB) v1.Image {
	return img(t, "linux/amd64", v1.Config{Cmd: []string{"sh"}}, layer(t,
		exe("bin/busybox", busyboxBlob),
		symlink("bin/sh", "busybox"), symlink("bin/wget", "busybox"), symlink("bin/mktemp", "busybox"),
		symlink("bin/chmod", "/bin/busybox"), symlink("bin/sleep", "busybox"),
		symlink("usr/bin/env", "../../bin/busybox"), hardlink("bin/ash", "bin/busybox"),
		file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"), file("etc/group", "root:x:0:\n"),
		ent{name: "tmp/", typ: '5', mode: 0o1777},
	))
}

// muslImage is Alpine-like: musl loader, apk, busybox, the CA bundle at
// /etc/ssl/cert.pem with the Debian name a link to it.
func muslImage(t testing.TB) v1.Image {
	cert := testCert(t, "Alpine Test Root", 3)
	return img(t, "linux/amd64", v1.Config{Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, Cmd: []string{"/bin/sh"}}, layer(t,
		exe("lib/ld-musl-x86_64.so.1", "musl"), symlink("lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1"),
		exe("bin/busybox", "\x7fELF\x00BusyBox v1.36.1 ()\x00ssl_client\x00"), symlink("bin/sh", "/bin/busybox"),
		symlink("usr/bin/wget", "/bin/busybox"), exe("usr/bin/ssl_client", "x"),
		exe("sbin/apk", "apk"), file("etc/os-release", alpineOSRel),
		file("etc/passwd", rootPasswd), file("etc/group", rootGroup),
		file("etc/ssl/cert.pem", cert), symlink("etc/ssl/certs/ca-certificates.crt", "../cert.pem"),
	))
}
