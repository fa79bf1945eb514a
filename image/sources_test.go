package image

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	mobyimage "github.com/moby/moby/api/types/image"
	"github.com/moby/moby/client"
)

// sourceFree drops what depends on the source rather than the image, so
// facts read from different sources compare equal.
func sourceFree(t *testing.T, f *Facts) string {
	t.Helper()
	c := *f
	c.Reference, c.Transport, c.Digest, c.Platforms, c.CompressedSize, c.Read = "", "", "", nil, 0, nil
	c.Layers = append([]Layer(nil), f.Layers...)
	for i := range c.Layers {
		c.Layers[i].Digest, c.Layers[i].CompressedSize = "", 0
	}
	b, err := json.MarshalIndent(&c, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// saveWriter writes `docker save` tarballs by hand, in both formats.
type saveWriter struct {
	t  testing.TB
	tw *tar.Writer
}

func (s saveWriter) add(name string, data []byte) {
	s.t.Helper()
	if err := s.tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))}); err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.tw.Write(data); err != nil {
		s.t.Fatal(err)
	}
}

func (s saveWriter) link(name, to string) {
	s.t.Helper()
	if err := s.tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: to, Mode: 0o777}); err != nil {
		s.t.Fatal(err)
	}
}

func uncompressed(t testing.TB, l v1.Layer) []byte {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeLegacySave writes Docker ≤ 24's format: <id>/layer.tar members
// (the last one a symlink to a shared copy, as for duplicate layers), the
// config as <id>.json, and manifest.json last.
func writeLegacySave(t testing.TB, path, tag string, im v1.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := saveWriter{t, tar.NewWriter(f)}
	layers, _ := im.Layers()
	cfgName, _ := im.ConfigName()
	rawCfg, _ := im.RawConfigFile()
	var names []string
	for i, l := range layers {
		id := fmt.Sprintf("%064x", i+1)
		data := uncompressed(t, l)
		if i == len(layers)-1 {
			s.add("dedup/layer.tar", data)
			s.link(id+"/layer.tar", "../dedup/layer.tar")
		} else {
			s.add(id+"/VERSION", []byte("1.0"))
			s.add(id+"/layer.tar", data)
		}
		names = append(names, id+"/layer.tar")
	}
	s.add(cfgName.Hex+".json", rawCfg)
	m, _ := json.Marshal([]map[string]any{{"Config": cfgName.Hex + ".json", "RepoTags": []string{tag}, "Layers": names}})
	s.add("manifest.json", m)
	s.add("repositories", []byte("{}"))
	if err := s.tw.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeOCISave writes Docker 25+'s format: an OCI layout (uncompressed
// layer blobs named by DiffID) with a manifest.json for compatibility,
// or without it when withManifestJSON is false.
func writeOCISave(t *testing.T, path, tag string, im v1.Image, withManifestJSON bool) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := saveWriter{t, tar.NewWriter(f)}
	layers, _ := im.Layers()
	cfgName, _ := im.ConfigName()
	rawCfg, _ := im.RawConfigFile()
	s.add("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	s.add("blobs/sha256/"+cfgName.Hex, rawCfg)
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: cfgName, Size: int64(len(rawCfg))}}
	var names []string
	for _, l := range layers {
		d, _ := l.DiffID()
		data := uncompressed(t, l)
		s.add("blobs/sha256/"+d.Hex, data)
		names = append(names, "blobs/sha256/"+d.Hex)
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: types.OCIUncompressedLayer, Digest: d, Size: int64(len(data))})
	}
	rawM, _ := json.Marshal(m)
	md, _, _ := v1.SHA256(bytes.NewReader(rawM))
	s.add("blobs/sha256/"+md.Hex, rawM)
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{{
		MediaType: types.OCIManifestSchema1, Digest: md, Size: int64(len(rawM)),
		Annotations: map[string]string{annotationContainerdName: "docker.io/" + tag, annotationRefName: "1"},
	}}}
	rawIdx, _ := json.Marshal(idx)
	s.add("index.json", rawIdx)
	if withManifestJSON {
		mj, _ := json.Marshal([]map[string]any{{"Config": "blobs/sha256/" + cfgName.Hex, "RepoTags": []string{tag}, "Layers": names}})
		s.add("manifest.json", mj)
	}
	if err := s.tw.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSourcesGiveTheSameFacts(t *testing.T) {
	im := debianImage(t)
	reg := testRegistry(t)
	ref := reg + "/test/debianish:1"
	push(t, ref, im)
	want := sourceFree(t, inspect(t, ref, Options{}))

	dir := t.TempDir()
	ggcrTar := filepath.Join(dir, "ggcr.tar")
	tag, _ := name.NewTag("test/debianish:1")
	if err := tarball.WriteToFile(ggcrTar, tag, im); err != nil {
		t.Fatal(err)
	}
	legacy := filepath.Join(dir, "legacy.tar")
	writeLegacySave(t, legacy, "test/debianish:1", im)
	ociSave := filepath.Join(dir, "oci-save.tar")
	writeOCISave(t, ociSave, "test/debianish:1", im, true)
	ociOnly := filepath.Join(dir, "oci-only.tar")
	writeOCISave(t, ociOnly, "test/debianish:1", im, false)
	lp, err := layout.Write(filepath.Join(dir, "layout"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(im, layout.WithAnnotations(map[string]string{annotationRefName: "1"})); err != nil {
		t.Fatal(err)
	}
	daemon := &fakeDaemon{t: t, id: "sha256:" + fmt.Sprintf("%064x", 7), save: legacy}

	for _, c := range []struct {
		ref  string
		opts Options
	}{
		{"docker-archive:" + ggcrTar, Options{}},
		{"docker-archive:" + legacy, Options{}},
		{"docker-archive:" + legacy + ":test/debianish:1", Options{}},
		{"docker-archive:" + ociSave, Options{}},
		{"docker-archive:" + ociOnly, Options{}},
		{"docker-archive:" + ociOnly + ":1", Options{}},
		{"oci:" + filepath.Join(dir, "layout"), Options{}},
		{"oci:" + filepath.Join(dir, "layout") + ":1", Options{}},
		{"docker-daemon:test/debianish:1", Options{Daemon: daemon, TempDir: t.TempDir()}},
	} {
		t.Run(c.ref, func(t *testing.T) {
			f := inspect(t, c.ref, c.opts)
			if got := sourceFree(t, f); got != want {
				t.Errorf("facts differ from the registry's:\n%s\nwant:\n%s", got, want)
			}
		})
	}
	if _, err := Inspect(t.Context(), "docker-archive:"+legacy+":other:tag", Options{}); err == nil {
		t.Errorf("an absent tag should be an error")
	}
	if _, err := Inspect(t.Context(), "oci:"+filepath.Join(dir, "layout")+":2", Options{}); err == nil {
		t.Errorf("an absent layout ref should be an error")
	}
}

func TestLayoutMultiArch(t *testing.T) {
	reg := testRegistry(t)
	ref := reg + "/test/multi:1"
	multiArch(t, ref)
	idx, err := remoteIndex(ref)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendIndex(idx, layout.WithAnnotations(map[string]string{annotationRefName: "multi"})); err != nil {
		t.Fatal(err)
	}
	f := inspect(t, "oci:"+dir+":multi", Options{Platform: "linux/arm/v7"})
	if f.Platform.String() != "linux/arm/v7" || len(f.Platforms) != 3 || f.Digest == "" || f.IndexDigest == "" {
		t.Errorf("platform %s of %v, digest %q", f.Platform, f.Platforms, f.Digest)
	}
}

// fakeDaemon serves a saved tarball as the Docker Engine would.
type fakeDaemon struct {
	t     *testing.T
	id    string
	save  string
	saves int
	// oldAPI refuses to save one platform, as engines before API 1.48.
	oldAPI bool
}

func (d *fakeDaemon) ImageInspect(_ context.Context, ref string, _ ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	return client.ImageInspectResult{InspectResponse: mobyimage.InspectResponse{
		ID: d.id, RepoTags: []string{ref}, RepoDigests: []string{"test/debianish@sha256:" + fmt.Sprintf("%064x", 9)},
	}}, nil
}

func (d *fakeDaemon) ImageSave(_ context.Context, images []string, opts ...client.ImageSaveOption) (client.ImageSaveResult, error) {
	if len(images) != 1 || images[0] != d.id {
		d.t.Errorf("ImageSave(%v); want the image ID", images)
	}
	if len(opts) != 0 && d.oldAPI {
		return nil, errors.New(`"platform" requires API version 1.48, but the Docker daemon API version is 1.41`)
	}
	d.saves++
	f, err := os.Open(d.save)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func TestDaemonSavesOnceAndCleansUp(t *testing.T) {
	dir := t.TempDir()
	legacy := filepath.Join(dir, "legacy.tar")
	writeLegacySave(t, legacy, "test/busybox:1", busyboxImage(t))
	daemon := &fakeDaemon{t: t, id: "sha256:" + fmt.Sprintf("%064x", 8), save: legacy, oldAPI: true}
	tmp, cache := t.TempDir(), t.TempDir()
	opts := Options{Daemon: daemon, TempDir: tmp, CacheDir: cache}

	f := inspect(t, "docker-daemon:test/busybox:1", opts)
	if f.Busybox == nil || f.Transport != TransportDaemon || f.Digest != "sha256:"+fmt.Sprintf("%064x", 9) {
		t.Errorf("facts %+v", f)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// Facts cached under the daemon's image ID: no second save.
	f2 := inspect(t, "docker-daemon:test/busybox:1", opts)
	if daemon.saves != 1 {
		t.Errorf("%d saves; want 1", daemon.saves)
	}
	if sourceFree(t, f2) != sourceFree(t, f) {
		t.Errorf("cached facts differ")
	}
}
