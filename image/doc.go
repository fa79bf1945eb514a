// Package image opens container images from every source coderready reads
// (a registry, the Docker daemon, a `docker save` tarball, an OCI layout) and
// reads them into [Facts]: the config, the final file index, users and
// groups, OS release, libc, CA certificates, sizes and layers.
//
// Images are read streamed: the layers are read in parallel into per-layer
// indexes (tar headers plus the contents of the few files the rules need, see
// [Want]) and merged in order applying OCI whiteouts. No flattened filesystem
// is written anywhere. A layer's index is cached by its DiffID and the facts
// by the image ID, so a base image shared by many images is read once.
//
// Sources are named with skopeo's transport prefixes (see [ParseReference]):
//
//	REF, docker://REF        a registry reference
//	docker-daemon:REF        the local Docker daemon
//	docker-archive:PATH      a `docker save` tarball (legacy or OCI-in-save)
//	oci:DIR[:REF]            an OCI image layout directory
package image
