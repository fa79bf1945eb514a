package image

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/moby/moby/client"

	"github.com/coderready/coderready/internal/testenv"
)

// testImagePrefix is where scripts/test-images.sh puts the offline test images.
const testImagePrefix = "coderready-test/"

// dockerForTest returns a client of the test engine
// (testenv.RequireEngine).
func dockerForTest(t *testing.T) *client.Client {
	t.Helper()
	return testenv.RequireEngine(t)
}

// saveImage writes `docker save REF` to a file and returns its path.
func saveImage(t *testing.T, cli *client.Client, ref string) string {
	t.Helper()
	res, err := cli.ImageSave(context.Background(), []string{ref})
	if err != nil {
		t.Fatalf("docker save %s: %v", ref, err)
	}
	defer res.Close()
	p := filepath.Join(t.TempDir(), "image.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, res); err != nil {
		t.Fatalf("docker save %s: %v", ref, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDaemonImages reads the real test images through the daemon and through
// a `docker save` tarball: both give the same facts, and the facts are the
// ones the images were made with.
func TestDaemonImages(t *testing.T) {
	cli := dockerForTest(t)
	tests := []struct {
		image string
		check func(t *testing.T, f *Facts)
	}{
		{"debian:bookworm", func(t *testing.T, f *Facts) {
			want(t, f.OS.ID == "debian" && f.PackageManager == "apt", "debian with apt, got %q %q", f.OS.ID, f.PackageManager)
			want(t, f.Libc.Kind == LibcGlibc && f.Libc.AtLeast("2.28"), "glibc >= 2.28, got %+v", f.Libc)
			want(t, f.Config.User == "", "root user, got %q", f.Config.User)
			_, curl := f.LookPath("curl")
			_, wget := f.LookPath("wget")
			want(t, !curl && !wget, "minbase has no curl or wget")
			sh, ok := f.LookPath("sh")
			want(t, ok, "sh on PATH (%s)", sh)
			want(t, len(f.CA.Certificates) == 0, "no CA certificates, got %d", len(f.CA.Certificates))
		}},
		{"debian:bookworm-nonroot", func(t *testing.T, f *Facts) {
			u, ok := f.LookupUser(f.Config.User)
			want(t, ok && u.UID == 1000 && u.Home == "/home/coder", "user coder 1000, got %+v (%q)", u, f.Config.User)
		}},
		{"busybox:static", func(t *testing.T, f *Facts) {
			e, ok := f.FindExecutable("wget")
			want(t, ok && e.Busybox, "wget is a busybox applet, got %+v", e)
			want(t, f.PackageManager == "", "no package manager, got %q", f.PackageManager)
		}},
		{"musl:synthetic", func(t *testing.T, f *Facts) {
			want(t, f.Libc.Kind == LibcMusl, "musl, got %+v", f.Libc)
			want(t, f.OS.ID == "alpine", "os-release says alpine, got %q", f.OS.ID)
		}},
		{"coder-ready:bookworm", func(t *testing.T, f *Facts) {
			for _, tool := range []string{"curl", "git", "bash", "ssh", "jq", "sudo"} {
				_, ok := f.LookPath(tool)
				want(t, ok, "%s on PATH", tool)
			}
			want(t, len(f.CA.Certificates) > 50, "a CA bundle, got %d certificates", len(f.CA.Certificates))
			u, ok := f.LookupUser(f.Config.User)
			want(t, ok && f.PasswordlessSudo(u), "coder with passwordless sudo")
			// base, two RUNs, and the layer WORKDIR makes.
			want(t, len(f.Layers) == 4, "4 layers, got %d", len(f.Layers))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			ref := testImagePrefix + tt.image
			ctx := context.Background()
			fromDaemon, err := Inspect(ctx, "docker-daemon:"+ref, Options{Daemon: cli})
			if err != nil {
				t.Fatalf("daemon: %v", err)
			}
			tt.check(t, fromDaemon)
			fromArchive, err := Inspect(ctx, "docker-archive:"+saveImage(t, cli, ref), Options{})
			if err != nil {
				t.Fatalf("archive: %v", err)
			}
			a, b := *fromDaemon, *fromArchive
			for _, f := range []*Facts{&a, &b} {
				f.Reference, f.Transport, f.Digest, f.IndexDigest, f.Read = "", "", "", "", nil
			}
			if !reflect.DeepEqual(fileMap(&a), fileMap(&b)) {
				t.Errorf("file index differs between daemon (%d files) and archive (%d files)", a.Files.Len(), b.Files.Len())
			}
			a.Files, b.Files = nil, nil
			if !reflect.DeepEqual(a, b) {
				t.Errorf("facts differ between daemon and archive:\n daemon: %+v\narchive: %+v", a, b)
			}
		})
	}
}

func want(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Errorf(format, args...)
	}
}
