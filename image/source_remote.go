package image

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// openRemote opens a registry reference (docker://REF): one manifest, or
// the wanted platform's manifest of an index. Layers are fetched later,
// compressed, and their digests verified as they stream.
func openRemote(ctx context.Context, r Reference, opts Options, want Platform) (*Image, error) {
	var nopts []name.Option
	if opts.Insecure {
		nopts = append(nopts, name.Insecure)
	}
	ref, err := name.ParseReference(r.Name, nopts...)
	if err != nil {
		return nil, fmt.Errorf("parse reference: %w", err)
	}
	kc := opts.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	ropts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc)}
	if opts.Insecure {
		t := remote.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for with Options.Insecure
		ropts = append(ropts, remote.WithTransport(t))
	}
	ropts = append(ropts, opts.RemoteOptions...)
	desc, err := remote.Get(ref, ropts...)
	if err != nil {
		return nil, fmt.Errorf("get manifest: %w", err)
	}
	im := &Image{manifestCheap: true}
	var img v1.Image
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("read index: %w", err)
		}
		m, err := idx.IndexManifest()
		if err != nil {
			return nil, fmt.Errorf("read index: %w", err)
		}
		chosen, platforms, err := pickPlatform(m.Manifests, want)
		im.Platforms = platforms
		if err != nil {
			return nil, err
		}
		img, err = idx.Image(chosen.Digest)
		if err != nil {
			return nil, fmt.Errorf("read manifest %s: %w", chosen.Digest, err)
		}
		im.Digest = chosen.Digest.String()
		im.IndexDigest = desc.Digest.String()
	} else {
		img, err = desc.Image()
		if err != nil {
			return nil, fmt.Errorf("read manifest: %w", err)
		}
		im.Digest = desc.Digest.String()
	}
	im.img = img
	return im, nil
}
