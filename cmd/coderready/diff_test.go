package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/coderready/coderready/internal/testenv"
)

// tarLayer makes a layer holding executables at the given paths.
func tarLayer(t *testing.T, paths ...string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for _, p := range paths {
		for d := filepath.Dir(p); d != "." && d != "/" && !dirs[d]; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	var ds []string
	for d := range dirs {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	for _, d := range ds {
		if err := tw.WriteHeader(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range paths {
		body := "#!/bin/sh\n"
		if err := tw.WriteHeader(&tar.Header{Name: p, Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// archiveOf writes an image of the layers, run as user, to a docker-archive.
func archiveOf(t *testing.T, user string, layers ...v1.Layer) string {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config.User = user
	cf.Config.Env = []string{"PATH=/usr/bin:/bin"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "img.tar")
	if err := tarball.WriteToFile(p, name.MustParseReference("example.test/ws:1").(name.Tag), img); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDiff(t *testing.T) {
	t.Setenv("CODERREADY_DATA_DIR", t.TempDir())
	base := tarLayer(t, "bin/sh", "usr/bin/tar")
	old := archiveOf(t, "", base)
	cur := archiveOf(t, "coder", base, tarLayer(t, "usr/bin/git", "usr/bin/curl"))

	code, stdout, stderr := runCLI(t, "diff", "docker-archive:"+old, "docker-archive:"+cur, "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var d struct {
		SizeDelta   int64    `json:"size_delta"`
		LayersAdded []any    `json:"layers_added"`
		ToolsGained []string `json:"tools_gained"`
		ToolsLost   []string `json:"tools_lost"`
		UserChanged bool     `json:"user_changed"`
		Changes     []string `json:"changes"`
	}
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if d.SizeDelta <= 0 || len(d.LayersAdded) != 1 || !slices.Equal(d.ToolsGained, []string{"curl", "git"}) || len(d.ToolsLost) != 0 || !d.UserChanged {
		t.Errorf("unexpected diff: %+v", d)
	}
	if !slices.ContainsFunc(d.Changes, func(c string) bool { return strings.HasPrefix(c, "agent download tool: none → /usr/bin/curl") }) {
		t.Errorf("changes lack the agent download tool: %q", d.Changes)
	}

	// The other way round, as text: what is lost.
	code, stdout, _ = runCLI(t, "diff", "docker-archive:"+cur, "docker-archive:"+old)
	if code != exitOK || !strings.Contains(stdout, "tools lost     curl git") || !strings.Contains(stdout, "user           coder → root (unset)") {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
	// Same image: nothing to say.
	code, stdout, _ = runCLI(t, "diff", "docker-archive:"+old, "docker-archive:"+old)
	if code != exitOK || !strings.Contains(stdout, "no differences") {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
	code, _, stderr = runCLI(t, "diff", "docker-archive:"+old, "docker-archive:"+filepath.Join(t.TempDir(), "missing.tar"))
	if code != exitError || !strings.Contains(stderr, "missing.tar") {
		t.Errorf("missing image: exit %d: %s", code, stderr)
	}
}

// TestDiffRealImages compares two of the offline test images in the
// engine .ci/run starts.
func TestDiffRealImages(t *testing.T) {
	testenv.RequireEngine(t)
	t.Setenv("CODERREADY_DATA_DIR", t.TempDir())
	code, stdout, stderr := runCLI(t, "diff", "docker-daemon:coderready-test/debian:bookworm", "docker-daemon:coderready-test/coder-ready:bookworm")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"tools gained", "curl", "git", "jq", "user           root (unset) → coder", "CA             0 →"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("diff lacks %q:\n%s", want, stdout)
		}
	}
}
