package probe

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/moby/moby/client"
)

// sidecarRepo names the sidecar's image; its tag is a digest of the
// stand-in agent, so a new agent makes a new image and an image is never
// stale.
const sidecarRepo = "coderready-probe-sidecar"

// sidecarImage returns the sidecar's image for the agent bin of linux/arch,
// loading it into the engine when it is not there. The image holds the
// agent alone (one layer, no shell, no base to pull): the sidecar does not
// copy the probed image's filesystem, which a storage driver without
// copy-on-write (vfs) would do in full, and works offline.
func sidecarImage(ctx context.Context, cli Client, bin []byte, arch string) (string, error) {
	sum := sha256.Sum256(bin)
	name := sidecarRepo + ":" + arch + "-" + hex.EncodeToString(sum[:8])
	if _, err := cli.ImageInspect(ctx, name); err == nil {
		return name, nil
	}
	archive, err := sidecarArchive(name, bin, arch)
	if err != nil {
		return "", err
	}
	res, err := cli.ImageLoad(ctx, bytes.NewReader(archive), client.ImageLoadWithQuiet(true))
	if err != nil {
		return "", fmt.Errorf("probe: load the sidecar image: %w", err)
	}
	defer func() { _ = res.Close() }()
	out, err := io.ReadAll(io.LimitReader(res, 1<<20))
	if err != nil {
		return "", fmt.Errorf("probe: load the sidecar image: %w", err)
	}
	// The engine answers 200 and reports a failed load in the stream.
	if bytes.Contains(out, []byte(`"error"`)) || bytes.Contains(out, []byte(`"errorDetail"`)) {
		return "", fmt.Errorf("probe: load the sidecar image: %s", strings.TrimSpace(string(out)))
	}
	return name, nil
}

// sidecarArchive is a `docker save` archive (the format `docker load`
// reads) of an image named name holding bin at agentPath.
func sidecarArchive(name string, bin []byte, arch string) ([]byte, error) {
	layer := agentTar(bin)
	layerBytes, err := io.ReadAll(layer)
	if err != nil {
		return nil, err
	}
	diffID := sha256.Sum256(layerBytes)
	config, err := json.Marshal(map[string]any{
		"architecture": arch,
		"os":           "linux",
		"config": map[string]any{
			"Entrypoint": []string{agentPath},
			"User":       "65534:65534",
			"WorkingDir": "/",
		},
		"rootfs":  map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + hex.EncodeToString(diffID[:])}},
		"history": []map[string]any{{"created_by": "coderready probe: the stand-in agent"}},
	})
	if err != nil {
		return nil, err
	}
	configSum := sha256.Sum256(config)
	configName := hex.EncodeToString(configSum[:]) + ".json"
	layerName := hex.EncodeToString(diffID[:]) + "/layer.tar"
	manifest, err := json.Marshal([]map[string]any{{"Config": configName, "RepoTags": []string{name}, "Layers": []string{layerName}}})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range []struct {
		name string
		data []byte
	}{{configName, config}, {layerName, layerBytes}, {"manifest.json", manifest}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
