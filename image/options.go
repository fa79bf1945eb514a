package image

import (
	"runtime"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Options control how an image is opened and read. The zero value reads
// linux/amd64 from an index, with the Docker config keychain, no cache and
// DefaultLimits.
type Options struct {
	// Platform is picked from a multi-platform index (os/arch[/variant]);
	// empty means DefaultPlatform.
	Platform string
	// Insecure lets registry references use plain HTTP and unverified TLS
	// (loopback test registries use HTTP anyway).
	Insecure bool
	// Keychain authenticates to registries; nil means authn.DefaultKeychain
	// (the Docker config file and its credential helpers).
	Keychain authn.Keychain
	// RemoteOptions are passed to go-containerregistry's remote package
	// after the context and keychain options.
	RemoteOptions []remote.Option
	// Daemon is the Docker Engine client for docker-daemon: references;
	// nil means a client configured from the environment (DOCKER_HOST...).
	Daemon DaemonClient
	// TempDir receives the temporary `docker save` file of docker-daemon:
	// references; empty means os.TempDir().
	TempDir string
	// ReadRoute is how a docker-daemon: image's layers cross from the
	// engine: ReadRouteAuto (the default; $CODERREADY_READ_ROUTE when
	// empty), ReadRoutePush or ReadRouteSave. Push falls back to save when
	// it cannot be used; Facts.Read says which route was taken and why.
	ReadRoute string
	// BuildOnTop says an image built on this one is read next (a base
	// read before its Dockerfile is built): under ReadRouteAuto its layers
	// go by push even when new to the engine's reads, so that the built
	// image's read sends only the layers the build added.
	BuildOnTop bool
	// ReceiveAddr is the host:port the engine pushes to for the push
	// route: an address of this machine the engine reaches, listed in its
	// insecure-registries unless it is a loopback address. Empty means
	// $CODERREADY_RECEIVE_ADDR, else DefaultReceiveAddr for an engine on
	// this machine; a remote engine without one is read by save.
	ReceiveAddr string
	// ReceiveListen is where the receiving registry listens; empty means
	// $CODERREADY_RECEIVE_LISTEN, else ReceiveAddr.
	ReceiveListen string
	// CacheDir holds the per-layer index cache and the facts cache; empty
	// disables caching.
	CacheDir string
	// CacheMaxBytes bounds the cache; the oldest entries (by mtime) are
	// evicted past it. Zero means DefaultCacheMaxBytes.
	CacheMaxBytes int64
	// Limits bound the read; zero fields take DefaultLimits.
	Limits Limits
	// Wants are the files whose contents are captured; nil means
	// DefaultWants(). The facts only know what the wants capture: add to
	// DefaultWants() rather than replace them.
	Wants []Want
	// Parallelism bounds the layers read at once; zero means GOMAXPROCS.
	Parallelism int
	// OnLayerRead, when set, is called with a layer's DiffID each time the
	// layer is actually read from its source (not from the cache).
	OnLayerRead func(diffID string)
	// OnReceive, when set, is called with each thing the receiving
	// registry does while the engine pushes this image (ReadRoutePush);
	// reads of this process running at the same time see each other's.
	OnReceive func(ReceiveEvent)
}

func (o Options) parallelism() int {
	if o.Parallelism > 0 {
		return o.Parallelism
	}
	return runtime.GOMAXPROCS(0)
}

func (o Options) wants() []Want {
	if o.Wants != nil {
		return o.Wants
	}
	return DefaultWants()
}
