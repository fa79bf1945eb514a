package basecache

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/coderready/coderready/checks"
)

func TestGetPut(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	key := Key("acme/app", "Dockerfile", "digest")
	if _, ok, err := c.Get(key); ok || err != nil {
		t.Fatalf("empty cache: ok %v err %v", ok, err)
	}
	e := &Entry{Repo: "acme/app", BaseSHA: "abc", Target: "Dockerfile", At: now,
		Result: checks.TargetResult{Path: "Dockerfile", Findings: []checks.Finding{{RuleID: "CR101", Severity: checks.SeverityWarning, Message: "root"}}},
		Side:   &checks.ImageSide{Summary: &checks.ImageSummary{Ref: "x", Size: 42}, Tools: map[string]string{"git": "/usr/bin/git"}}}
	if err := c.Put(key, e); err != nil {
		t.Fatal(err)
	}
	got, ok, err := c.Get(key)
	if !ok || err != nil {
		t.Fatalf("after Put: ok %v err %v", ok, err)
	}
	if got.BaseSHA != "abc" || len(got.Result.Findings) != 1 || got.Result.Findings[0].RuleID != "CR101" || got.Side.Tools["git"] != "/usr/bin/git" || got.Side.Summary.Size != 42 {
		t.Errorf("got %+v, want what was put", got)
	}
	if _, ok, _ := c.Get(Key("acme/app", "Dockerfile", "other")); ok {
		t.Error("another key found the entry")
	}
	fi, err := os.Stat(filepath.Join(c.dir, key+".json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("entry file %v %v: want mode 0600", fi, err)
	}

	// Past the TTL it is gone, file and all.
	now = now.Add(DefaultTTL + time.Minute)
	if _, ok, _ := c.Get(key); ok {
		t.Error("an expired entry was used")
	}
	if _, err := os.Stat(filepath.Join(c.dir, key+".json")); !os.IsNotExist(err) {
		t.Errorf("expired entry kept: %v", err)
	}
}

func TestBadEntries(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"", "../../etc/passwd", Key("x")[:63], "G" + Key("x")[1:]} {
		if _, _, err := c.Get(k); err == nil {
			t.Errorf("Get(%q): no error", k)
		}
		if err := c.Put(k, &Entry{}); err == nil {
			t.Errorf("Put(%q): no error", k)
		}
	}
	key := Key("corrupt")
	p := filepath.Join(c.dir, key+".json")
	if err := os.WriteFile(p, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := c.Get(key); ok || err != nil {
		t.Errorf("corrupt entry: ok %v err %v, want absent", ok, err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("corrupt entry kept: %v", err)
	}
}

func TestEvictOldest(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c.maxEntries = 3
	now := time.Now()
	var keys []string
	for i := range 5 {
		k := Key("target", string(rune('a'+i)))
		keys = append(keys, k)
		if err := c.Put(k, &Entry{At: now}); err != nil {
			t.Fatal(err)
		}
		// File times order the entries: make them distinct.
		at := now.Add(time.Duration(i-10) * time.Minute)
		if err := os.Chtimes(filepath.Join(c.dir, k+".json"), at, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.evict(); err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		_, ok, err := c.Get(k)
		if err != nil {
			t.Fatal(err)
		}
		if want := i >= 2; ok != want {
			t.Errorf("entry %d kept %v, want %v (the 3 newest stay)", i, ok, want)
		}
	}
}
