package image

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// plainLayer is a real base layer without curl, git or sudo.
func plainLayer(t testing.TB) v1.Layer {
	return layer(t,
		dir("usr/"), dir("usr/bin/"), exe("usr/bin/bash", "bash"), symlink("bin", "usr/bin"),
		dir("etc/"), file("etc/passwd", rootPasswd), file("etc/group", rootGroup), file("etc/os-release", debianOSRel))
}

// loadedLayer holds what an attacker wants a shared cache to believe the
// plain layer holds.
func loadedLayer(t testing.TB) v1.Layer {
	return layer(t,
		dir("usr/"), dir("usr/bin/"), exe("usr/bin/bash", "bash"), symlink("bin", "usr/bin"),
		exe("usr/bin/curl", "curl"), exe("usr/bin/git", "git"), exe("usr/bin/sudo", "sudo"),
		dir("etc/"), file("etc/passwd", rootPasswd), file("etc/group", rootGroup), file("etc/os-release", debianOSRel))
}

// lyingImage holds the loaded layer while its config claims the plain
// layer's DiffID (attack 4 of issue 9).
func lyingImage(t testing.TB, claimed v1.Hash) v1.Image {
	t.Helper()
	im := img(t, "linux/amd64", v1.Config{}, loadedLayer(t))
	cf, err := im.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.RootFS.DiffIDs = []v1.Hash{claimed}
	lie, err := mutate.ConfigFile(im, cf)
	if err != nil {
		t.Fatal(err)
	}
	return lie
}

// cachedLayers lists the layer indexes a cache holds.
func cachedLayers(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(filepath.Dir(p)) == "layers" {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestLayersAreWhatTheyClaim is attack 4 of issue 9: an image whose config
// claims the DiffID of a real layer but holds other content. Before, its
// index was cached under that DiffID, and a later inspect of the real
// image reported curl, git and sudo it does not have. Every source now
// hashes each layer as it reads it: the read fails naming the layer, the
// expected and the actual digest, and nothing is cached.
func TestLayersAreWhatTheyClaim(t *testing.T) {
	plain := plainLayer(t)
	realDiffID, err := plain.DiffID()
	if err != nil {
		t.Fatal(err)
	}
	loadedDiffID, err := loadedLayer(t).DiffID()
	if err != nil {
		t.Fatal(err)
	}
	real := img(t, "linux/amd64", v1.Config{}, plain)
	lie := lyingImage(t, realDiffID)
	reg := testRegistry(t)
	realRef := reg + "/test/real:1"
	push(t, realRef, real)
	push(t, reg+"/test/lie:1", lie)

	dir := t.TempDir()
	legacy := filepath.Join(dir, "legacy.tar")
	writeLegacySave(t, legacy, "test/lie:1", lie)
	ociSave := filepath.Join(dir, "oci-save.tar")
	writeOCISave(t, ociSave, "test/lie:1", lie, true)
	ociOnly := filepath.Join(dir, "oci-only.tar")
	writeOCISave(t, ociOnly, "test/lie:1", lie, false)
	lp, err := layout.Write(filepath.Join(dir, "layout"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(lie); err != nil {
		t.Fatal(err)
	}
	daemon := &fakeDaemon{t: t, id: "sha256:" + fmt.Sprintf("%064x", 9), save: legacy}

	for _, c := range []struct {
		ref  string
		opts Options
	}{
		{"docker-archive:" + legacy, Options{}},
		{"docker-archive:" + ociSave, Options{}},
		{"docker-archive:" + ociOnly, Options{}},
		{"oci:" + filepath.Join(dir, "layout"), Options{}},
		{reg + "/test/lie:1", Options{}},
		{"docker-daemon:test/lie:1", Options{Daemon: daemon, TempDir: t.TempDir()}},
	} {
		t.Run(c.ref, func(t *testing.T) {
			cacheDir := t.TempDir()
			opts := c.opts
			opts.CacheDir = cacheDir
			_, err := Inspect(t.Context(), c.ref, opts)
			if err == nil {
				t.Fatal("an image whose layer is not its DiffID was read")
			}
			t.Log(err)
			msg := err.Error()
			for _, want := range []string{"read layer 0 (sha256:", "DiffID mismatch",
				"the image claims " + realDiffID.String(), "the content hashes to " + loadedDiffID.String()} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not say %q", msg, want)
				}
			}
			var de *DigestError
			if !errors.Is(err, ErrDigestMismatch) || !errors.As(err, &de) || de.Expected != realDiffID.String() {
				t.Errorf("error %v: want a *DigestError expecting %s", err, realDiffID)
			}
			if got := cachedLayers(t, cacheDir); len(got) != 0 {
				t.Errorf("cached after a mismatch: %v", got)
			}
			// The real image, read next with the same (shared) cache, is
			// read from its source and has none of the loaded tools.
			var rc readCounter
			opts.OnLayerRead = rc.hook
			opts.Daemon = nil
			f := inspect(t, realRef, opts)
			if got := rc.take(); len(got) != 1 || got[0] != realDiffID.String() {
				t.Errorf("layers read for the real image %v; want its one layer from the registry", got)
			}
			for _, tool := range []string{"curl", "git", "sudo"} {
				if p, ok := f.LookPath(tool); ok {
					t.Errorf("the real image reports %s at %s", tool, p)
				}
			}
			if _, ok := f.LookPath("bash"); !ok {
				t.Errorf("the real image lost bash")
			}
		})
	}
}

// TestBlobsAreWhatTheyClaim serves blobs whose bytes are not the digest
// the manifest names them by (attack 4 through a registry or a layout):
// the read fails naming the layer and nothing is cached. The registry's
// blobs are checked by go-containerregistry as they stream, the layout's
// and the archived layout's by this package.
func TestBlobsAreWhatTheyClaim(t *testing.T) {
	im := img(t, "linux/amd64", v1.Config{}, plainLayer(t))
	other := gzipBytes(t, tarBytes(t, exe("usr/bin/curl", "curl")))
	layers, err := im.Layers()
	if err != nil {
		t.Fatal(err)
	}
	digest, err := layers[0].Digest()
	if err != nil {
		t.Fatal(err)
	}
	diffID, err := layers[0].DiffID()
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	lp, err := layout.Write(filepath.Join(dir, "layout"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(im); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "layout", "blobs", "sha256", digest.Hex), other, 0o644); err != nil {
		t.Fatal(err)
	}
	// An archived OCI layout whose uncompressed layer blob is swapped.
	ociOnly := filepath.Join(dir, "oci-only.tar")
	writeOCISave(t, ociOnly, "test/swapped:1", im, false)
	swapped := filepath.Join(dir, "swapped.tar")
	swapMember(t, ociOnly, swapped, "blobs/sha256/"+diffID.Hex, tarBytes(t, exe("usr/bin/curl", "curl")))

	for _, c := range []struct {
		ref  string
		want []string
	}{
		{"oci:" + filepath.Join(dir, "layout"), []string{"read layer 0 (" + digest.String() + ")", "blob digest mismatch: the image claims " + digest.String()}},
		{"docker-archive:" + swapped, []string{"read layer 0 (" + diffID.String() + ")", "DiffID mismatch: the image claims " + diffID.String()}},
	} {
		t.Run(c.ref, func(t *testing.T) {
			cacheDir := t.TempDir()
			_, err := Inspect(t.Context(), c.ref, Options{CacheDir: cacheDir})
			if err == nil {
				t.Fatal("a swapped blob was read")
			}
			t.Log(err)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if !errors.Is(err, ErrDigestMismatch) {
				t.Errorf("error %v is not ErrDigestMismatch", err)
			}
			if got := cachedLayers(t, cacheDir); len(got) != 0 {
				t.Errorf("cached after a mismatch: %v", got)
			}
		})
	}
}

// TestMetadataIsWhatItClaims swaps a layout's manifest and an archived
// layout's config for other bytes under the same digest name.
func TestMetadataIsWhatItClaims(t *testing.T) {
	im := img(t, "linux/amd64", v1.Config{}, plainLayer(t))
	manifestDigest, err := im.Digest()
	if err != nil {
		t.Fatal(err)
	}
	cfgName, err := im.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	lp, err := layout.Write(filepath.Join(dir, "layout"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(im); err != nil {
		t.Fatal(err)
	}
	rawManifest, err := im.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	// Same meaning, other bytes: only the digest check tells.
	if err := os.WriteFile(filepath.Join(dir, "layout", "blobs", "sha256", manifestDigest.Hex), append(rawManifest, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	ociOnly := filepath.Join(dir, "oci-only.tar")
	writeOCISave(t, ociOnly, "test/swapped:1", im, false)
	rawCfg, err := im.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	swapped := filepath.Join(dir, "swapped.tar")
	swapMember(t, ociOnly, swapped, "blobs/sha256/"+cfgName.Hex, append(rawCfg, ' '))

	for _, c := range []struct{ ref, want string }{
		{"oci:" + filepath.Join(dir, "layout"), "manifest digest mismatch: the image claims " + manifestDigest.String()},
		{"docker-archive:" + swapped, "blob " + cfgName.String() + ": digest mismatch"},
	} {
		t.Run(c.ref, func(t *testing.T) {
			_, err := Inspect(t.Context(), c.ref, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrDigestMismatch) {
				t.Fatalf("error %v; want one saying %q", err, c.want)
			}
		})
	}
}

// swapMember copies the tarball from to to with one member's content
// replaced.
func swapMember(t *testing.T, from, to, member string, content []byte) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	tr := tar.NewReader(in)
	s := saveWriter{t, tar.NewWriter(out)}
	swapped := false
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Name == member {
			data, swapped = content, true
		}
		s.add(hdr.Name, data)
	}
	if err := s.tw.Close(); err != nil {
		t.Fatal(err)
	}
	if !swapped {
		t.Fatalf("%s has no member %s", from, member)
	}
}
