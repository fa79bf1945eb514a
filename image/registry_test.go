package image

import (
	"errors"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/coderready/coderready/internal/golden"
)

func TestRegistryDebianFacts(t *testing.T) {
	reg := testRegistry(t)
	ref := reg + "/test/debianish:1"
	push(t, ref, debianImage(t))
	f := inspect(t, ref, Options{})

	if f.Transport != TransportRegistry || f.Digest == "" || f.ID == "" {
		t.Errorf("transport %q digest %q id %q", f.Transport, f.Digest, f.ID)
	}
	if len(f.Layers) != 2 || f.Layers[0].Digest == "" || f.Layers[0].CompressedSize == 0 || f.CompressedSize == 0 {
		t.Errorf("layers %+v", f.Layers)
	}
	clean := *f
	clean.Reference = ""
	golden.JSON(t, filepath.Join("testdata", "debianish.facts.json"), &clean)
}

func TestRegistryDebianChecks(t *testing.T) {
	reg := testRegistry(t)
	ref := reg + "/test/debianish:1"
	push(t, ref, debianImage(t))
	f := inspect(t, ref, Options{})

	present := []string{"/opt/new.txt", "/usr/bin/git", "/home/coder", "/var", "/tmp", "/etc/sudoers.d/coder"}
	absent := []string{"/usr/bin/curl", "/opt/old", "/opt/old/a.txt", "/var/cache", "/var/cache/apt/pkgcache.bin"}
	for _, p := range present {
		if _, ok := f.Files.Get(p); !ok {
			t.Errorf("%s missing", p)
		}
	}
	for _, p := range absent {
		if _, ok := f.Files.Get(p); ok {
			t.Errorf("%s present; whiteouts should have removed it", p)
		}
	}
	if got, _ := f.Files.Get("/tmp"); got.Mode != 0o1777 {
		t.Errorf("/tmp mode %04o", got.Mode)
	}
	if got, _ := f.Files.Get("/home/coder"); got.UID != 1000 || got.Layer != 1 {
		t.Errorf("/home/coder %+v", got)
	}
	if got, _ := f.Files.Get("/usr/bin/git-upload-pack"); got.HardLink != "/usr/bin/git" || !got.Executable() || got.Size != 3 {
		t.Errorf("hard link %+v", got)
	}
	for _, c := range []struct {
		name, path, target string
		ok                 bool
	}{
		{"sh", "/usr/bin/sh", "/usr/bin/dash", true},
		{"bash", "/usr/bin/bash", "/usr/bin/bash", true},
		{"jq", "/usr/local/bin/jq", "/usr/libexec/jq", true},
		{"git-upload-pack", "/usr/bin/git-upload-pack", "/usr/bin/git-upload-pack", true},
		{"curl", "", "", false},
		{"notexec", "", "", false},
		{"loop1", "", "", false},
		{"/bin/sh", "/bin/sh", "/usr/bin/dash", true},
		{"../../usr/bin/tar", "/usr/bin/tar", "/usr/bin/tar", true},
	} {
		e, ok := f.FindExecutable(c.name)
		if ok != c.ok || e.Path != c.path || e.Target != c.target {
			t.Errorf("FindExecutable(%q) = %+v, %v; want %s -> %s, %v", c.name, e, ok, c.path, c.target, c.ok)
		}
	}
	if f.OS.ID != "debian" || f.OS.VersionID != "12" || f.OS.Path != "/usr/lib/os-release" {
		t.Errorf("os %+v", f.OS)
	}
	if f.PackageManager != "apt" {
		t.Errorf("package manager %q", f.PackageManager)
	}
	if f.Libc.Kind != LibcGlibc || f.Libc.Version != "2.36" || f.Libc.GLIBCXX != "3.4.30" || !f.Libc.AtLeast("2.28") || !f.Libc.HasGLIBCXX("3.4.25") {
		t.Errorf("libc %+v", f.Libc)
	}
	u, ok := f.LookupUser(f.Config.User)
	if !ok || u.UID != 1000 || u.Home != "/home/coder" || u.Shell != "/bin/bash" {
		t.Errorf("user %+v %v", u, ok)
	}
	if !f.PasswordlessSudo(u) {
		t.Errorf("coder should have passwordless sudo: %+v", f.Sudoers)
	}
	root, _ := f.LookupUser("0")
	if f.PasswordlessSudo(root) {
		t.Errorf("root's sudo rule needs a password")
	}
	for _, r := range f.Sudoers {
		if r.File == "/etc/sudoers.d/ignored.bak" {
			t.Errorf("sudo ignores names with a dot: %+v", r)
		}
	}
	if f.CA.Bundle != "/etc/ssl/certs/ca-certificates.crt" || len(f.CA.Certificates) != 2 || f.CA.Unread != 0 {
		t.Errorf("ca %+v", f.CA)
	}
	if !f.HasCertificate(f.CA.Certificates[1].SHA256) || f.HasCertificate("00") {
		t.Errorf("HasCertificate")
	}
	if f.Busybox != nil {
		t.Errorf("busybox %+v", f.Busybox)
	}
	if f.Layers[0].CreatedBy != "layer A" || f.Size == 0 {
		t.Errorf("layers %+v size %d", f.Layers, f.Size)
	}
}

func TestRegistryBusyboxOnly(t *testing.T) {
	reg := testRegistry(t)
	ref := reg + "/test/busybox:1"
	push(t, ref, busyboxImage(t))
	f := inspect(t, ref, Options{})

	bb := f.Busybox
	if bb == nil || bb.Path != "/bin/busybox" || bb.Version != "1.36.1" || !bb.InternalTLS || !bb.SSLClient || !bb.Scanned {
		t.Fatalf("busybox %+v", bb)
	}
	for _, name := range []string{"sh", "wget", "mktemp", "chmod", "sleep", "env", "ash", "busybox"} {
		e, ok := f.FindExecutable(name)
		if !ok || !e.Busybox {
			t.Errorf("%s: %+v %v; want a busybox applet", name, e, ok)
		}
	}
	if !f.IsBusyboxApplet("/bin/ash") || !f.IsBusyboxApplet("/usr/bin/env") || f.IsBusyboxApplet("/etc/passwd") {
		t.Errorf("IsBusyboxApplet")
	}
	if _, ok := f.LookPath("curl"); ok {
		t.Errorf("curl found")
	}
	if f.Libc.Kind != LibcNone || f.PackageManager != "" || f.OS.ID != "" {
		t.Errorf("libc %+v pm %q os %+v", f.Libc, f.PackageManager, f.OS)
	}
	if f.Config.SearchPath() != DefaultPath {
		t.Errorf("PATH %q", f.Config.SearchPath())
	}
}

func TestRegistryMusl(t *testing.T) {
	reg := testRegistry(t)
	ref := reg + "/test/musl:1"
	push(t, ref, muslImage(t))
	f := inspect(t, ref, Options{})
	if f.Libc.Kind != LibcMusl || f.Libc.Path != "/lib/ld-musl-x86_64.so.1" {
		t.Errorf("libc %+v", f.Libc)
	}
	if f.OS.ID != "alpine" || f.PackageManager != "apk" {
		t.Errorf("os %+v pm %q", f.OS, f.PackageManager)
	}
	if f.CA.Bundle != "/etc/ssl/certs/ca-certificates.crt" || len(f.CA.Certificates) != 1 || f.CA.Certificates[0].File != "/etc/ssl/certs/ca-certificates.crt" {
		t.Errorf("ca %+v", f.CA)
	}
	if e, ok := f.FindExecutable("wget"); !ok || !e.Busybox || e.Path != "/usr/bin/wget" {
		t.Errorf("wget %+v %v", e, ok)
	}
	if f.Busybox == nil || f.Busybox.InternalTLS || !f.Busybox.SSLClient {
		t.Errorf("busybox %+v", f.Busybox)
	}
}

// multiArch pushes an index of three platforms and an attestation.
func multiArch(t *testing.T, ref string) {
	t.Helper()
	var adds []mutate.IndexAddendum
	for _, p := range []string{"linux/amd64", "linux/arm64", "linux/arm/v7"} {
		pl, _ := ParsePlatform(p)
		im := img(t, p, v1.Config{Labels: map[string]string{"platform": p}}, layer(t, file("etc/arch", p)))
		adds = append(adds, mutate.IndexAddendum{Add: im, Descriptor: v1.Descriptor{
			Platform: &v1.Platform{OS: pl.OS, Architecture: pl.Architecture, Variant: pl.Variant},
		}})
	}
	att := img(t, "unknown/unknown", v1.Config{}, layer(t, file("att.json", "{}")))
	adds = append(adds, mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{
		Platform:    &v1.Platform{OS: "unknown", Architecture: "unknown"},
		Annotations: map[string]string{"vnd.docker.reference.type": "attestation-manifest"},
	}})
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
	if err := remote.WriteIndex(mustRef(t, ref), idx); err != nil {
		t.Fatal(err)
	}
}

func TestRegistryMultiArch(t *testing.T) {
	reg := testRegistry(t)
	ref := reg + "/test/multi:1"
	multiArch(t, ref)
	for _, c := range []struct{ platform, want string }{
		{"", "linux/amd64"},
		{"linux/arm64", "linux/arm64"},
		{"linux/arm64/v8", "linux/arm64"},
		{"linux/arm/v7", "linux/arm/v7"},
		{"linux/arm", "linux/arm/v7"},
	} {
		f := inspect(t, ref, Options{Platform: c.platform})
		if f.Platform.String() != c.want || f.Config.Labels["platform"] != c.want {
			t.Errorf("platform %q: got %s (label %s)", c.platform, f.Platform, f.Config.Labels["platform"])
		}
		if len(f.Platforms) != 3 {
			t.Errorf("platforms %v; want the three, no attestation", f.Platforms)
		}
		if f.IndexDigest == "" || f.Digest == "" || f.IndexDigest == f.Digest {
			t.Errorf("index digest %q, digest %q", f.IndexDigest, f.Digest)
		}
	}
	_, err := Inspect(t.Context(), ref, Options{Platform: "linux/s390x"})
	var pe *PlatformError
	if !errors.As(err, &pe) || len(pe.Offered) != 3 {
		t.Errorf("err %v; want a PlatformError offering 3", err)
	}
}
