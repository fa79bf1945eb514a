package checks

import (
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// MaxIgnoreWildcards bounds the ignore globs with wildcards (`*`, `?`,
// `[...]`) in one config: each is matched against every folder a scan
// walks, so their number multiplies the scan's work (about 2 µs per glob
// and folder). Real configs hold a few dozen. Plain paths (and
// `folder/**`) cost the same however many there are and are not bounded.
const MaxIgnoreWildcards = 256

// ignoreSet is a config's ignore globs compiled once: plain paths in a set
// looked up by each prefix of a path (time independent of their number),
// the rest split into segments for matchSegments.
type ignoreSet struct {
	src   []string            // the IgnorePaths compiled, to notice a replaced slice
	plain map[string]struct{} // patterns that match exactly one folder or file path
	globs [][]string          // the other patterns, split at "/"
}

// compileIgnore compiles patterns (as normIgnorePattern returns them).
func compileIgnore(patterns []string) *ignoreSet {
	s := &ignoreSet{src: patterns, plain: make(map[string]struct{})}
	for _, pat := range patterns {
		if p, ok := plainPrefix(pat); ok {
			s.plain[p] = struct{}{}
			continue
		}
		s.globs = append(s.globs, strings.Split(pat, "/"))
	}
	return s
}

// plainPrefix reports whether pat matches exactly the paths at or under one
// path p: pat has no wildcard, or only trailing `**` segments after a plain
// path (`legacy/**` matches legacy itself, `**` matching no segment, and
// Ignored ignores what lies under a match anyway).
func plainPrefix(pat string) (string, bool) {
	p := pat
	for {
		q, ok := strings.CutSuffix(p, "/**")
		if !ok {
			break
		}
		p = q
	}
	if p == "" || p == "**" || hasWildcard(p) {
		return "", false
	}
	return p, true
}

// hasWildcard reports whether s has a character path.Match treats
// specially. A `**` segment has one too.
func hasWildcard(s string) bool { return strings.ContainsAny(s, `*?[\`) }

// wildcards counts the patterns compileIgnore keeps as globs.
func wildcards(patterns []string) int {
	n := 0
	for _, pat := range patterns {
		if _, ok := plainPrefix(pat); !ok {
			n++
		}
	}
	return n
}

// valid reports whether s was compiled from that very slice (same array,
// same length): a config whose IgnorePaths was replaced is compiled anew.
func (s *ignoreSet) valid(patterns []string) bool {
	return s != nil && len(s.src) == len(patterns) && (len(patterns) == 0 || &s.src[0] == &patterns[0])
}

// rebind returns s for copied, a copy of old (Clone), or nil when s was not
// compiled from old.
func (s *ignoreSet) rebind(old, copied []string) *ignoreSet {
	if !s.valid(old) {
		return nil
	}
	out := *s
	out.src = copied
	return &out
}

// match reports whether rel (cleaned, slash-separated, relative) or a
// folder it lies in matches one of the patterns.
func (s *ignoreSet) match(rel string) bool {
	if len(s.plain) > 0 {
		for i := 0; i <= len(rel); i++ {
			if i == len(rel) || rel[i] == '/' {
				if _, ok := s.plain[rel[:i]]; ok {
					return true
				}
			}
		}
	}
	if len(s.globs) == 0 {
		return false
	}
	segs := strings.Split(rel, "/")
	scratch := make([]bool, 2*(len(segs)+1))
	m, next := scratch[:len(segs)+1], scratch[len(segs)+1:]
	for _, ps := range s.globs {
		if matchPrefix(ps, segs, m, next) {
			return true
		}
	}
	return false
}

// Ignored reports whether relPath (slash-separated, relative to the scanned
// root; a file or a folder) matches one of the config's ignore globs, or
// lies inside a folder that does. In a pattern `*`, `?` and `[...]` match
// within one path segment (as path.Match) and a `**` segment matches any
// number of segments, none included: `legacy/**` ignores the folder legacy
// and everything in it, `**/Dockerfile.old` that file name anywhere.
// Patterns are anchored at the root: `Dockerfile.old` is only the root's.
//
// A config from ParseConfig has its globs compiled once, plain paths in a
// set; when IgnorePaths is set by hand (or replaced) they are compiled on
// each call.
func (c *Config) Ignored(relPath string) bool {
	if c == nil || len(c.IgnorePaths) == 0 {
		return false
	}
	rel := path.Clean(strings.TrimPrefix(filepath.ToSlash(relPath), "./"))
	if rel == "." || rel == "" {
		return false
	}
	s := c.ignore
	if !s.valid(c.IgnorePaths) {
		s = compileIgnore(c.IgnorePaths)
	}
	return s.match(strings.TrimPrefix(rel, "/"))
}

// matchPrefix reports whether the pattern segments ps match some prefix
// ss[:j] (j >= 1) of the path segments, `**` standing for any number of
// segments: one pass in O(len(ps)·len(ss)), m and next being scratch space
// of len(ss)+1.
func matchPrefix(ps, ss []string, m, next []bool) bool {
	// m[j] reports whether ps[:i] matches ss[:j] for the current i.
	clear(m)
	m[0] = true
	for _, p := range ps {
		if p == "**" {
			// ** matches ss[k:j] for any k <= j where m[k].
			reach := false
			for j := range next {
				reach = reach || m[j]
				next[j] = reach
			}
		} else {
			next[0] = false
			for j := 1; j < len(next); j++ {
				next[j] = false
				if m[j-1] {
					next[j], _ = path.Match(p, ss[j-1])
				}
			}
		}
		m, next = next, m
	}
	return slices.Contains(m[1:], true)
}
