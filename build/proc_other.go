//go:build !unix

package build

import (
	"os"
	"os/exec"
	"time"
)

// setProcessGroup kills only the CLI itself on platforms without process
// groups.
func setProcessGroup(cmd *exec.Cmd) { cmd.WaitDelay = 10 * time.Second }

// tryLock does not lock across processes on platforms without flock.
func tryLock(*os.File) (bool, error) { return true, nil }

func unlockFile(*os.File) {}
