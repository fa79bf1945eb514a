package testenv

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// engineLock is a hold on the test engine's build lock: a file lock
// shared by every test that uses the engine (across the packages `go
// test ./...` runs at once), taken alone by a build-cache prune.
type engineLock struct{ f *os.File }

// engineLockPath is the lock file of the engine the environment names.
func engineLockPath() string {
	sum := sha256.Sum256([]byte(engineHost()))
	return filepath.Join(os.TempDir(), "coderready-test-engine-"+hex.EncodeToString(sum[:6])+".lock")
}

// lockEngine takes the engine's build lock shared for a test. A lock that
// cannot be taken is logged and ignored: it only guards the prune.
func lockEngine(tb testing.TB) engineLock {
	l, err := flockEngine(syscall.LOCK_SH)
	if err != nil {
		tb.Logf("test engine lock: %v", err)
	}
	return l
}

// tryLockEngineAlone takes the engine's build lock alone without waiting;
// false when another test holds it.
func tryLockEngineAlone(tb testing.TB) (engineLock, bool) {
	l, err := flockEngine(syscall.LOCK_EX | syscall.LOCK_NB)
	if err != nil && !errors.Is(err, syscall.EWOULDBLOCK) {
		tb.Logf("test engine lock: %v", err)
	}
	return l, err == nil
}

// flockEngine opens the engine's lock file and flocks it with how; the
// zero engineLock on error.
func flockEngine(how int) (engineLock, error) {
	f, err := os.OpenFile(engineLockPath(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return engineLock{}, err
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		_ = f.Close()
		return engineLock{}, err
	}
	return engineLock{f}, nil
}

// unlock releases the hold (closing the file releases its flock).
func (l engineLock) unlock() {
	if l.f != nil {
		_ = l.f.Close()
	}
}
