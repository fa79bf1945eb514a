// Command coderready-probe is the stand-in for the Coder agent that
// coderready's runtime probe downloads into a built image (see
// internal/probeagent). Build it static: CGO_ENABLED=0.
package main

import (
	"os"

	"github.com/coderready/coderready/internal/probeagent"
)

func main() {
	os.Exit(probeagent.Main(os.Args[1:], os.Stdout, os.Stderr))
}
