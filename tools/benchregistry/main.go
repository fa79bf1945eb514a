// Command benchregistry is the loopback registry `make bench-inspect` reads
// from: it serves go-containerregistry's in-process registry on 127.0.0.1,
// pushes a `docker save` tarball into it, prints the image reference, and
// serves until killed. With -export REF it instead writes the flattened
// filesystem of REF to stdout, as `crane export REF -` does (the baseline).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func main() {
	archive := flag.String("archive", "", "docker save tarball to push")
	repo := flag.String("repo", "bench/golden:latest", "repository:tag to push it as")
	export := flag.String("export", "", "write the flattened filesystem of this reference to stdout and exit")
	flag.Parse()
	if *export != "" {
		img, err := crane.Pull(*export, crane.Insecure)
		if err != nil {
			log.Fatalf("pull %s: %v", *export, err)
		}
		w := bufio.NewWriterSize(os.Stdout, 1<<20)
		if err := crane.Export(img, w); err != nil {
			log.Fatalf("export %s: %v", *export, err)
		}
		if err := w.Flush(); err != nil {
			log.Fatalf("export %s: %v", *export, err)
		}
		return
	}
	if *archive == "" {
		log.Fatal("-archive is required")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: registry.New(registry.Logger(log.New(io.Discard, "", 0))), ReadHeaderTimeout: 10 * time.Second}
	go func() { log.Fatal(srv.Serve(ln)) }()
	ref, err := name.ParseReference(ln.Addr().String()+"/"+*repo, name.Insecure)
	if err != nil {
		log.Fatal(err)
	}
	img, err := tarball.ImageFromPath(*archive, nil)
	if err != nil {
		log.Fatalf("read %s: %v", *archive, err)
	}
	if err := remote.Write(ref, img); err != nil {
		log.Fatalf("push %s: %v", ref, err)
	}
	fmt.Println(ref.String())
	select {}
}
