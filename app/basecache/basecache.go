// Package basecache keeps what checking a target on a pull request's base
// branch found — its findings, its build record and what a comparison
// needs of its image — so later pushes to the pull request, and other
// pull requests on the same base, compare against it without building the
// base again.
//
// An entry is found by a key the caller makes from everything the result
// depends on (the target, a digest of its input files, the config, how it
// was built, coderready's version). Entries are files in one folder,
// written whole or not at all, and are used for TTL: a base image's tag
// can move upstream, so a result does not live forever.
package basecache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/coderready/coderready/checks"
)

// DefaultTTL is how long an entry is used.
const DefaultTTL = 7 * 24 * time.Hour

// DefaultMaxEntries bounds the entries kept; the oldest go first.
const DefaultMaxEntries = 5000

// Entry is one target's result on a base commit.
type Entry struct {
	// Repo, BaseSHA and Target say where the result came from (for logs
	// and the summary); the key alone decides whether it is used.
	Repo    string `json:"repo"`
	BaseSHA string `json:"base_sha"`
	Target  string `json:"target"`
	// Result is the target's findings, image summary and build record.
	Result checks.TargetResult `json:"result"`
	// Side is what a comparison needs of the image read (nil when none
	// was).
	Side *checks.ImageSide `json:"side,omitempty"`
	// Took is how long the check took when it ran.
	Took time.Duration `json:"took"`
	// At is when it ran.
	At time.Time `json:"at"`
}

// Cache is a folder of entries. The zero value is not usable: use Open.
type Cache struct {
	dir        string
	ttl        time.Duration
	maxEntries int
	now        func() time.Time
}

// Open returns the cache in dir, made (0700) if need be.
func Open(dir string) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("base results cache: %w", err)
	}
	return &Cache{dir: dir, ttl: DefaultTTL, maxEntries: DefaultMaxEntries, now: time.Now}, nil
}

// Key makes a key of its parts, in order (each part is length-prefixed,
// so no two lists of parts give one key).
func Key(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		_, _ = fmt.Fprintf(h, "%d:%s\x00", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (c *Cache) path(key string) (string, error) {
	if len(key) != 64 || strings.Trim(key, "0123456789abcdef") != "" {
		return "", fmt.Errorf("base results cache: malformed key %q", key)
	}
	return filepath.Join(c.dir, key+".json"), nil
}

// Get returns the entry under key, if there is one younger than the TTL.
// An unreadable or malformed entry is removed and reported as absent: the
// caller checks the base again.
func (c *Cache) Get(key string) (*Entry, bool, error) {
	p, err := c.path(key)
	if err != nil {
		return nil, false, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("base results cache: %w", err)
	}
	var e Entry
	if err := json.Unmarshal(b, &e); err != nil || c.now().Sub(e.At) > c.ttl {
		_ = os.Remove(p)
		return nil, false, nil
	}
	return &e, true, nil
}

// Put stores e under key, replacing what was there, then removes expired
// entries and the oldest past the bound.
func (c *Cache) Put(key string, e *Entry) error {
	p, err := c.path(key)
	if err != nil {
		return err
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("base results cache: %w", err)
	}
	tmp, err := os.CreateTemp(c.dir, ".put-*")
	if err != nil {
		return fmt.Errorf("base results cache: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("base results cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("base results cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("base results cache: %w", err)
	}
	return c.evict()
}

// evict removes entries older than the TTL, then the oldest past the
// bound (by file time, which Put sets).
func (c *Cache) evict() error {
	des, err := os.ReadDir(c.dir)
	if err != nil {
		return fmt.Errorf("base results cache: %w", err)
	}
	type entry struct {
		name string
		at   time.Time
	}
	var live []entry
	for _, de := range des {
		if !strings.HasSuffix(de.Name(), ".json") {
			continue
		}
		fi, err := de.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if c.now().Sub(fi.ModTime()) > c.ttl {
			_ = os.Remove(filepath.Join(c.dir, de.Name()))
			continue
		}
		live = append(live, entry{de.Name(), fi.ModTime()})
	}
	if len(live) <= c.maxEntries {
		return nil
	}
	slices.SortFunc(live, func(a, b entry) int { return a.at.Compare(b.at) })
	for _, e := range live[:len(live)-c.maxEntries] {
		_ = os.Remove(filepath.Join(c.dir, e.name))
	}
	return nil
}
