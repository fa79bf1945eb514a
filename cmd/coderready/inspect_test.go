package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// writeArchive saves a small synthetic image as a docker-archive tarball.
func writeArchive(t *testing.T) string {
	t.Helper()
	layer, err := random.Layer(512, "application/vnd.docker.image.rootfs.diff.tar.gzip")
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	img, err = mutate.ConfigFile(img, &v1.ConfigFile{OS: "linux", Architecture: "amd64", Config: v1.Config{User: "", Env: []string{"PATH=/usr/bin:/bin"}}, RootFS: mustRootFS(t, img)})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "img.tar")
	tag, err := name.NewTag("example.test/ws:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := tarball.WriteToFile(p, tag, img); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustRootFS(t *testing.T, img v1.Image) v1.RootFS {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cf.RootFS
}

func TestInspectArchive(t *testing.T) {
	t.Setenv("CODERREADY_DATA_DIR", t.TempDir())
	archive := writeArchive(t)
	code, stdout, stderr := runCLI(t, "inspect", "docker-archive:"+archive, "--fail-on", "never")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"image docker-archive:", "platform", "linux/amd64", "agent download", "none", "(unset: root)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, stderr = runCLI(t, "inspect", "docker-archive:"+archive, "--format", "json", "--fail-on", "never")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Targets []struct {
			Kind  string `json:"kind"`
			Image struct {
				Platform string `json:"platform"`
				Layers   []any  `json:"layers"`
			} `json:"image"`
		} `json:"targets"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if len(doc.Targets) != 1 || doc.Targets[0].Kind != "image" || doc.Targets[0].Image.Platform != "linux/amd64" || len(doc.Targets[0].Image.Layers) != 1 {
		t.Fatalf("unexpected JSON: %s", stdout)
	}
}

func TestInspectErrors(t *testing.T) {
	t.Setenv("CODERREADY_DATA_DIR", t.TempDir())
	missing := filepath.Join(t.TempDir(), "nope.tar")
	junk := filepath.Join(t.TempDir(), "junk.tar")
	if err := os.WriteFile(junk, []byte("not a tarball at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		has  string
	}{
		{[]string{"inspect", "docker-archive:" + missing}, "nope.tar"},
		{[]string{"inspect", "docker-archive:" + junk}, "junk.tar"},
		{[]string{"inspect", "oci-archive:x"}, "oci-archive"},
		{[]string{"inspect", "--offline", "docker-daemon:x:1"}, "--offline"},
		{[]string{"inspect"}, "arg"},
	} {
		code, _, stderr := runCLI(t, tt.args...)
		if code != exitError || !strings.Contains(stderr, tt.has) {
			t.Errorf("%v: exit %d, stderr %q (want 2 and %q)", tt.args, code, stderr, tt.has)
		}
	}
}
