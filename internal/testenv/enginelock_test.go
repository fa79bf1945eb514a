package testenv

import "testing"

// TestEngineLock: a prune gets the engine's build lock only when no test
// holds it shared; holders in the same process count as in another (each
// has its own open file).
func TestEngineLock(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	a, b := lockEngine(t), lockEngine(t)
	if a.f == nil || b.f == nil {
		t.Fatal("shared holds not taken")
	}
	if l, ok := tryLockEngineAlone(t); ok {
		l.unlock()
		t.Fatal("the prune got the lock while two tests hold it")
	}
	a.unlock()
	if l, ok := tryLockEngineAlone(t); ok {
		l.unlock()
		t.Fatal("the prune got the lock while a test holds it")
	}
	b.unlock()
	l, ok := tryLockEngineAlone(t)
	if !ok {
		t.Fatal("the prune did not get the lock once no test holds it")
	}
	l.unlock()
}
