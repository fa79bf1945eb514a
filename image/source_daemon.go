package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/moby/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// DaemonClient is the part of the Docker Engine API client that
// docker-daemon: references use; *client.Client implements it.
type DaemonClient interface {
	ImageInspect(ctx context.Context, image string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error)
	ImageSave(ctx context.Context, images []string, opts ...client.ImageSaveOption) (client.ImageSaveResult, error)
}

// openDaemon opens an image of the local Docker daemon. Only the image is
// inspected here; the `docker save` stream is written once to a temporary
// file when the layers are first needed, and read in place from there
// (go-containerregistry's daemon package would buffer it in memory or
// re-save it for every layer). Cached facts for the image ID skip the save.
func openDaemon(ctx context.Context, r Reference, opts Options, want Platform) (*Image, error) {
	cli := opts.Daemon
	im := &Image{}
	if cli == nil {
		c, err := client.New(client.FromEnv)
		if err != nil {
			return nil, fmt.Errorf("docker client: %w", err)
		}
		cli = c
		im.closers = append(im.closers, c.Close)
	}
	ins, err := cli.ImageInspect(ctx, r.Name)
	if err != nil {
		_ = im.Close()
		return nil, fmt.Errorf("inspect: %w", err)
	}
	id := ins.ID
	if id == "" {
		_ = im.Close()
		return nil, fmt.Errorf("inspect: the daemon returned no image ID")
	}
	for _, rd := range ins.RepoDigests {
		if _, d, ok := strings.Cut(rd, "@"); ok {
			im.Digest = d
			break
		}
	}
	im.aliasKey = "daemon-" + id + "-" + want.String()
	im.load = func(ctx context.Context) (v1.Image, func() error, error) {
		name, err := saveToTemp(ctx, cli, id, opts, want)
		if err != nil {
			return nil, nil, err
		}
		remove := func() error { return os.Remove(name) }
		tf, err := openTarFile(name)
		if err != nil {
			return nil, remove, fmt.Errorf("docker save output: %w", err)
		}
		closer := func() error { return errors.Join(tf.Close(), remove()) }
		saved, err := imageFromSave(tf, "", want)
		if err != nil {
			return nil, closer, fmt.Errorf("docker save output: %w", err)
		}
		if saved.Platforms != nil {
			im.Platforms = saved.Platforms
		}
		return saved.img, closer, nil
	}
	return im, nil
}

// saveToTemp streams `docker save ID` to a temporary file, charging the
// size limit as it goes. It asks for the wanted platform only (a
// multi-platform image in the containerd store may lack the others'
// content); engines before API 1.48 cannot select one, nor can a
// single-platform image of another platform be saved as the wanted one:
// then the image is saved as it is and its config tells its platform.
func saveToTemp(ctx context.Context, cli DaemonClient, id string, opts Options, want Platform) (string, error) {
	rc, err := cli.ImageSave(ctx, []string{id}, client.ImageSaveWithPlatforms(ocispec.Platform{
		OS: want.OS, Architecture: want.Architecture, Variant: want.Variant,
	}))
	if err != nil {
		rc, err = cli.ImageSave(ctx, []string{id})
	}
	if err != nil {
		return "", fmt.Errorf("docker save: %w", err)
	}
	defer func() { _ = rc.Close() }()
	f, err := os.CreateTemp(opts.TempDir, "coderready-docker-save-*.tar")
	if err != nil {
		return "", fmt.Errorf("docker save: %w", err)
	}
	lim := opts.Limits.withDefaults()
	// The save holds the layers uncompressed plus small metadata.
	cr := &countingReader{r: rc, budget: newBudget(Limits{MaxBytes: lim.MaxBytes + maxMetadataSize})}
	_, err = io.Copy(f, cr)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("docker save: %w", err)
	}
	return f.Name(), nil
}
