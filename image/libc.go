package image

import (
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Libc kinds.
const (
	LibcGlibc = "glibc"
	LibcMusl  = "musl"
	LibcNone  = "none"
)

// Libc is the C library the image's dynamically linked programs use.
type Libc struct {
	// Kind is glibc, musl or none (a static or scratch image).
	Kind string `json:"kind"`
	// Version is glibc's version ("2.36"), from libc.so.6's banner or
	// the libc-X.Y.so file name; empty when unknown.
	Version string `json:"version,omitempty"`
	// Path is the file that showed the kind (libc.so.6 or the musl
	// loader).
	Path string `json:"path,omitempty"`
	// MuslLoader is the musl dynamic loader's path when there is one, even
	// in a glibc image.
	MuslLoader string `json:"muslLoader,omitempty"`
	// Libstdcxx is libstdc++.so.6's path, when present.
	Libstdcxx string `json:"libstdcxx,omitempty"`
	// GLIBCXX is the highest GLIBCXX_ symbol version libstdc++ provides
	// ("3.4.30").
	GLIBCXX string `json:"glibcxx,omitempty"`
}

// AtLeast reports whether glibc's version is known and at least v ("2.28").
func (l Libc) AtLeast(v string) bool {
	return l.Kind == LibcGlibc && l.Version != "" && CompareVersions(l.Version, v) >= 0
}

// HasGLIBCXX reports whether libstdc++ provides GLIBCXX_<v> ("3.4.25").
func (l Libc) HasGLIBCXX(v string) bool {
	return l.GLIBCXX != "" && CompareVersions(l.GLIBCXX, v) >= 0
}

// CompareVersions compares dotted numeric versions ("2.9" < "2.28"),
// returning -1, 0 or 1. Non-numeric elements compare as 0.
func CompareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

var (
	reGlibcBanner = regexp.MustCompile(`version ([0-9]+\.[0-9]+)`)
	reGlibcName   = regexp.MustCompile(`^(?:libc|ld)-([0-9]+\.[0-9]+)\.so$`)
	reGlibcxx     = regexp.MustCompile(`^GLIBCXX_([0-9.]+)$`)
)

// isLibDir reports whether dir is a library directory the loaders search
// by default: /lib, /lib64, /usr/lib, /usr/lib64 and their multiarch
// subdirectories (/lib/x86_64-linux-gnu).
func isLibDir(dir string) bool {
	rest, ok := strings.CutPrefix(dir, "/usr")
	if !ok {
		rest = dir
	}
	top, sub, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	return strings.HasPrefix(top, "lib") && !strings.Contains(sub, "/")
}

func (d *detector) libc() {
	var glibc, glibcNamed, musl, stdcxx []string
	for p, file := range d.f.Files.All() {
		if file.Type == TypeDir {
			continue
		}
		dir, base := path.Split(p)
		dir = path.Clean(dir)
		switch {
		case base == "libc.so.6" && isLibDir(dir):
			glibc = append(glibc, p)
		case reGlibcName.MatchString(base) && isLibDir(dir):
			glibcNamed = append(glibcNamed, p)
		case strings.HasPrefix(base, "ld-musl-") && (dir == "/lib" || dir == "/usr/lib"):
			musl = append(musl, p)
		case strings.HasPrefix(base, "libstdc++.so.6") && isLibDir(dir) && !strings.HasSuffix(base, ".py"):
			stdcxx = append(stdcxx, p)
		}
	}
	sort.Strings(glibc)
	sort.Strings(glibcNamed)
	sort.Strings(musl)
	sort.Strings(stdcxx)
	l := Libc{Kind: LibcNone}
	for _, p := range musl {
		if _, ok := d.f.Stat(p); ok {
			l.MuslLoader = p
			break
		}
	}
	for _, p := range glibc {
		resolved, file, err := d.f.resolve(p, true)
		if err != nil || file.Type != TypeFile {
			continue
		}
		l.Kind, l.Path = LibcGlibc, p
		if c := d.caps[resolved]; c != nil {
			for _, m := range c.Markers {
				if sm := reGlibcBanner.FindStringSubmatch(m); sm != nil {
					l.Version = sm[1]
				}
			}
		}
		if l.Version == "" {
			if sm := reGlibcName.FindStringSubmatch(path.Base(resolved)); sm != nil {
				l.Version = sm[1]
			}
		}
		break
	}
	if l.Kind == LibcGlibc && l.Version == "" {
		for _, p := range glibcNamed {
			if sm := reGlibcName.FindStringSubmatch(path.Base(p)); sm != nil {
				l.Version = sm[1]
				break
			}
		}
	}
	if l.Kind == LibcNone && l.MuslLoader != "" {
		l.Kind, l.Path = LibcMusl, l.MuslLoader
	}
	for _, p := range stdcxx {
		resolved, file, err := d.f.resolve(p, true)
		if err != nil || file.Type != TypeFile {
			continue
		}
		c := d.caps[resolved]
		if c == nil {
			continue
		}
		l.Libstdcxx = p
		for _, m := range c.Markers {
			if sm := reGlibcxx.FindStringSubmatch(m); sm != nil && (l.GLIBCXX == "" || CompareVersions(sm[1], l.GLIBCXX) > 0) {
				l.GLIBCXX = sm[1]
			}
		}
		if l.GLIBCXX == "" {
			l.GLIBCXX = "3.4" // GLIBCXX_3.4 is always there; the scan found no more
		}
		break
	}
	d.f.Libc = l
}

// Busybox describes the image's busybox binary.
type Busybox struct {
	Path    string `json:"path"`
	Version string `json:"version,omitempty"`
	// InternalTLS is set when the binary holds busybox's own TLS code, so
	// its wget fetches https:// URLs itself.
	InternalTLS bool `json:"internalTls"`
	// SSLClient is set when the binary names the ssl_client helper (its
	// wget runs ssl_client for https://, or it has the ssl_client applet).
	SSLClient bool `json:"sslClient"`
	// OpenSSLHelper is set when its wget can run `openssl s_client`.
	OpenSSLHelper bool `json:"opensslHelper"`
	// Scanned is false when the binary's content could not be read (for
	// example a hard link to an uncaptured path); the markers are then
	// unknown.
	Scanned bool `json:"scanned"`
}

var reBusyboxVersion = regexp.MustCompile(`^BusyBox v([0-9][0-9.]*[0-9])`)

func (d *detector) busybox() {
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox", "/sbin/busybox", "/usr/sbin/busybox", "/bin/busybox.static"} {
		resolved, file, err := d.f.resolve(p, true)
		if err != nil || !file.Executable() {
			continue
		}
		bb := &Busybox{Path: p}
		if c := d.caps[resolved]; c != nil {
			bb.Scanned = true
			for _, m := range c.Markers {
				switch m {
				case markerSSLCli:
					bb.SSLClient = true
				case markerTLS:
					bb.InternalTLS = true
				case markerOpenSSL:
					bb.OpenSSLHelper = true
				default:
					if sm := reBusyboxVersion.FindStringSubmatch(m); sm != nil {
						bb.Version = sm[1]
					}
				}
			}
		}
		d.f.Busybox = bb
		return
	}
}

// packageManagers maps an executable to the package manager it shows, in
// the order they are looked for.
var packageManagers = []struct{ exe, name string }{
	{"apt-get", "apt"},
	{"apk", "apk"},
	{"dnf", "dnf"},
	{"microdnf", "microdnf"},
	{"yum", "yum"},
	{"zypper", "zypper"},
}

func (d *detector) packageManager() {
	for _, pm := range packageManagers {
		for _, dir := range strings.Split(DefaultPath, ":") {
			if file, ok := d.f.Stat(dir + "/" + pm.exe); ok && file.Executable() {
				d.f.PackageManager = pm.name
				return
			}
		}
	}
}
