// Package suggest finds the name a user most likely meant: the one "did
// you mean" helper of the rules (an unknown devcontainer.json property or
// Coder key), the config loader (an unknown key) and the allowed-base rule
// (the nearest allowed image).
package suggest

import "strings"

// Distance is the Levenshtein distance between a and b, in bytes.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Nearest returns the index in known of the name nearest to s by Distance,
// however far it is (the first of equals), or -1 when known is empty. It is
// for choosing an example among allowed values, not for guessing a typo.
func Nearest(s string, known []string) int {
	best, bestD := -1, 0
	for i, k := range known {
		if d := Distance(s, k); best < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// Typo returns the name in known that s is most likely a typo of, and
// whether there is one. Case and "_" for "-" do not count ("require_digest"
// is "require-digest", "forwardports" is "forwardPorts"). A name is near
// enough when at most 3 letters differ and they are fewer than half of s
// (so short words do not match everything), or when s (3 letters or more)
// begins exactly one known name ("sha" for "sha256").
func Typo(s string, known []string) (string, bool) {
	ns := norm(s)
	best, bestD := "", 0
	for _, k := range known {
		if d := Distance(ns, norm(k)); best == "" || d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" && bestD <= 3 && 2*bestD < len(ns) {
		return best, true
	}
	if len(ns) < 3 {
		return "", false
	}
	prefixed := ""
	for _, k := range known {
		if strings.HasPrefix(norm(k), ns) {
			if prefixed != "" {
				return "", false // ambiguous: "post" begins three lifecycle commands
			}
			prefixed = k
		}
	}
	return prefixed, prefixed != ""
}

func norm(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "_", "-")
}
