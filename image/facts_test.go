package image

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"
)

// factsOf reads layers through a docker-archive, the cheapest source.
func factsOf(t *testing.T, cfg v1.Config, layers ...v1.Layer) *Facts {
	t.Helper()
	p := filepath.Join(t.TempDir(), "img.tar")
	tag, _ := name.NewTag("test/x:1")
	if err := tarball.WriteToFile(p, tag, img(t, "linux/amd64", cfg, layers...)); err != nil {
		t.Fatal(err)
	}
	return inspect(t, "docker-archive:"+p, Options{})
}

func TestDetection(t *testing.T) {
	cert1, cert2, cert3 := testCert(t, "One", 11), testCert(t, "Two", 12), testCert(t, "Org CA", 13)
	cases := []struct {
		name   string
		cfg    v1.Config
		layer  []ent
		check  func(*Facts) bool
		expect string
	}{
		{"old glibc version from the file name", v1.Config{}, []ent{
			symlink("lib/x86_64-linux-gnu/libc.so.6", "libc-2.31.so"), exe("lib/x86_64-linux-gnu/libc-2.31.so", "no banner"),
		}, func(f *Facts) bool {
			return f.Libc.Kind == LibcGlibc && f.Libc.Version == "2.31" && !f.Libc.AtLeast("2.32")
		}, "glibc 2.31"},
		{"glibc with a musl loader installed is glibc", v1.Config{}, []ent{
			file("lib64/libc.so.6", glibcBlob), exe("lib/ld-musl-x86_64.so.1", "m"),
		}, func(f *Facts) bool {
			return f.Libc.Kind == LibcGlibc && f.Libc.Version == "2.36" && f.Libc.MuslLoader == "/lib/ld-musl-x86_64.so.1"
		}, "glibc + musl loader"},
		{"libstdc++ too old", v1.Config{}, []ent{
			file("usr/lib64/libc.so.6", glibcBlob), file("usr/lib64/libstdc++.so.6", "GLIBCXX_3.4\x00GLIBCXX_3.4.19\x00"),
		}, func(f *Facts) bool { return f.Libc.GLIBCXX == "3.4.19" && !f.Libc.HasGLIBCXX("3.4.25") }, "GLIBCXX 3.4.19"},
		{"rhel minimal: microdnf, bundle via symlink", v1.Config{}, []ent{
			exe("usr/bin/microdnf", "m"), file("etc/os-release", "ID=\"rhel\"\nID_LIKE=\"fedora\"\n"),
			file("etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", cert1),
			symlink("etc/pki/tls/certs/ca-bundle.crt", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"),
		}, func(f *Facts) bool {
			return f.PackageManager == "microdnf" && f.CA.Bundle == "/etc/pki/tls/certs/ca-bundle.crt" && len(f.CA.Certificates) == 1 &&
				len(f.OS.Family()) == 2 && f.OS.Family()[1] == "fedora"
		}, "microdnf + ca-bundle.crt"},
		{"dnf before yum", v1.Config{}, []ent{symlink("usr/bin/yum", "dnf-3"), exe("usr/bin/dnf-3", "d"), symlink("usr/bin/dnf", "dnf-3")},
			func(f *Facts) bool { return f.PackageManager == "dnf" }, "dnf"},
		{"first bundle wins, directory certificates added, duplicates once", v1.Config{}, []ent{
			file("etc/ssl/certs/ca-certificates.crt", cert1), file("etc/ssl/cert.pem", cert2),
			file("etc/ssl/certs/org.pem", cert3+cert1), file("etc/pki/tls/certs/other.pem", cert2),
		}, func(f *Facts) bool {
			return f.CA.Bundle == "/etc/ssl/certs/ca-certificates.crt" && len(f.CA.Certificates) == 3 &&
				f.CA.Certificates[1].Subject == "CN=Org CA,O=coderready tests" && len(f.CA.Dirs) == 2
		}, "3 distinct certificates"},
		{"SSL_CERT_FILE and SSL_CERT_DIR replace the defaults", v1.Config{Env: []string{"SSL_CERT_FILE=/etc/ssl/cert.pem", "SSL_CERT_DIR=/etc/pki/tls/certs"}}, []ent{
			file("etc/ssl/certs/ca-certificates.crt", cert1), file("etc/ssl/cert.pem", cert2), file("etc/pki/tls/certs/org.pem", cert3),
		}, func(f *Facts) bool {
			return f.CA.Bundle == "/etc/ssl/cert.pem" && len(f.CA.Certificates) == 2 && f.CA.SSLCertFile == "/etc/ssl/cert.pem" && !f.HasCertificate(certFingerprint(t, cert1))
		}, "override honoured"},
		{"SSL_CERT_FILE outside the wanted paths is reported", v1.Config{Env: []string{"SSL_CERT_FILE=/opt/ca.pem"}}, []ent{file("opt/ca.pem", cert1)},
			func(f *Facts) bool {
				return f.CA.Bundle == "/opt/ca.pem" && len(f.CA.Certificates) == 0 && len(f.Warnings) == 1
			}, "a warning"},
		{"no CA at all", v1.Config{}, []ent{file("etc/hostname", "x")},
			func(f *Facts) bool { return f.CA.Bundle == "" && len(f.CA.Certificates) == 0 }, "empty store"},
		{"os-release falls back to /usr/lib", v1.Config{}, []ent{file("usr/lib/os-release", ubuntuOSRel)},
			func(f *Facts) bool {
				return f.OS.ID == "ubuntu" && f.OS.IDLike[0] == "debian" && f.OS.Path == "/usr/lib/os-release"
			}, "ubuntu"},
		{"busybox hard-linked from an uncaptured name is not scanned", v1.Config{}, []ent{exe("bin/[", busyboxBlob), hardlink("bin/busybox", "bin/["), symlink("bin/sh", "busybox")},
			func(f *Facts) bool {
				return f.Busybox != nil && !f.Busybox.Scanned && f.IsBusyboxApplet("/bin/[") && f.IsBusyboxApplet("/bin/sh")
			}, "busybox, unscanned"},
		{"truncated passwd is a warning", v1.Config{}, []ent{file("etc/passwd", "root:x:0:0::/root:/bin/sh\n"+string(bytes.Repeat([]byte("#"), textFileMax)))},
			func(f *Facts) bool { return len(f.Users) == 1 && len(f.Warnings) == 1 }, "1 user + warning"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := factsOf(t, c.cfg, layer(t, c.layer...))
			if !c.check(f) {
				t.Errorf("want %s; libc %+v pm %q ca %+v os %+v busybox %+v warnings %q", c.expect, f.Libc, f.PackageManager, f.CA, f.OS, f.Busybox, f.Warnings)
			}
		})
	}
}

func certFingerprint(t *testing.T, pemText string) string {
	t.Helper()
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		t.Fatal("no PEM block")
	}
	sum := sha256.Sum256(block.Bytes)
	return hex.EncodeToString(sum[:])
}

func TestCertificateCap(t *testing.T) {
	p := filepath.Join(t.TempDir(), "img.tar")
	tag, _ := name.NewTag("test/x:1")
	bundle := testCert(t, "a", 21) + testCert(t, "b", 22) + testCert(t, "c", 23)
	if err := tarball.WriteToFile(p, tag, img(t, "linux/amd64", v1.Config{}, layer(t, file("etc/ssl/cert.pem", bundle)))); err != nil {
		t.Fatal(err)
	}
	f := inspect(t, "docker-archive:"+p, Options{Limits: Limits{MaxCertificates: 2}})
	if len(f.CA.Certificates) != 2 || !f.CA.Truncated {
		t.Errorf("ca %+v", f.CA)
	}
}

// zstdLayer is a layer stored zstd-compressed, as BuildKit can push.
func zstdLayer(t *testing.T, entries ...ent) v1.Layer {
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = zw.Write(tarBytes(t, entries...))
	_ = zw.Close()
	return zstdStatic{static.NewLayer(buf.Bytes(), types.OCILayerZStd), tarBytes(t, entries...)}
}

// zstdStatic gives a static layer its real DiffID.
type zstdStatic struct {
	v1.Layer
	raw []byte
}

func (z zstdStatic) DiffID() (v1.Hash, error) {
	h, _, err := v1.SHA256(bytes.NewReader(z.raw))
	return h, err
}

func (z zstdStatic) Uncompressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(z.raw)), nil
}

func TestZstdAndUncompressedLayers(t *testing.T) {
	reg := testRegistry(t)
	ref := reg + "/test/zstd:1"
	plain := static.NewLayer(tarBytes(t, exe("bin/plain", "p")), types.OCIUncompressedLayer)
	push(t, ref, img(t, "linux/amd64", v1.Config{}, zstdLayer(t, exe("bin/sh", "sh")), plain))
	f := inspect(t, ref, Options{})
	if _, ok := f.LookPath("sh"); !ok {
		t.Errorf("zstd layer not read: %v", fileMap(f))
	}
	if _, ok := f.LookPath("plain"); !ok {
		t.Errorf("uncompressed layer not read")
	}
}

func TestFromV1(t *testing.T) {
	im := FromV1(busyboxImage(t), Options{})
	f, err := im.Facts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if f.Busybox == nil || f.Reference != "" || len(f.Layers) != 1 || f.Layers[0].Digest != "" {
		t.Errorf("facts %+v", f)
	}
	if err := im.Close(); err != nil {
		t.Error(err)
	}
}

func TestArchiveWithSeveralImages(t *testing.T) {
	p := filepath.Join(t.TempDir(), "multi.tar")
	amd := img(t, "linux/amd64", v1.Config{Labels: map[string]string{"p": "amd64"}}, layer(t, file("a", "1")))
	arm := img(t, "linux/arm64", v1.Config{Labels: map[string]string{"p": "arm64"}}, layer(t, file("a", "2")))
	t1, _ := name.NewTag("test/multi:amd64")
	t2, _ := name.NewTag("test/multi:arm64")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := tarball.MultiWrite(map[name.Tag]v1.Image{t1: amd, t2: arm}, f); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	if got := inspect(t, "docker-archive:"+p, Options{Platform: "linux/arm64"}); got.Config.Labels["p"] != "arm64" || len(got.Platforms) != 2 {
		t.Errorf("by platform: %v %v", got.Config.Labels, got.Platforms)
	}
	if got := inspect(t, "docker-archive:"+p+":test/multi:amd64", Options{Platform: "linux/arm64"}); got.Config.Labels["p"] != "amd64" {
		t.Errorf("by tag: %v", got.Config.Labels)
	}
	if _, err := Inspect(t.Context(), "docker-archive:"+p, Options{Platform: "linux/ppc64le"}); err == nil {
		t.Errorf("no such platform: want an error")
	}
	if _, err := Inspect(t.Context(), "docker-archive:"+filepath.Join(t.TempDir(), "missing.tar"), Options{}); err == nil {
		t.Errorf("missing file: want an error")
	}
}
