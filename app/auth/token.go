package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// MinAdminTokenLen is the shortest admin token accepted (e.g. `openssl
// rand -hex 32` makes 64 characters).
const MinAdminTokenLen = 32

// AdminToken is the status page's admin token: who presents it sees every
// installation. It keeps only the token's SHA-256, and prints as
// "[redacted]" in logs and format verbs. The zero value matches nothing.
type AdminToken struct {
	sum [sha256.Size]byte
	set bool
}

// LoadAdminToken reads the admin token from path: the file's content
// without surrounding whitespace, at least MinAdminTokenLen characters. A
// file every user of the machine may read is refused.
func LoadAdminToken(path string) (AdminToken, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return AdminToken{}, fmt.Errorf("admin token: %w", err)
	}
	if err := private(path, fi); err != nil {
		return AdminToken{}, fmt.Errorf("admin token: %w", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return AdminToken{}, fmt.Errorf("admin token: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < MinAdminTokenLen {
		return AdminToken{}, fmt.Errorf("admin token %s: %d characters, want at least %d (e.g. openssl rand -hex 32 > %s)", path, len(tok), MinAdminTokenLen, path)
	}
	return NewAdminToken(tok), nil
}

// NewAdminToken returns the AdminToken of tok (for tests and callers that
// hold it already).
func NewAdminToken(tok string) AdminToken {
	return AdminToken{sum: sha256.Sum256([]byte(tok)), set: true}
}

// Set reports whether a token is configured.
func (t AdminToken) Set() bool { return t.set }

// Matches reports whether given is the token, in time that does not
// depend on where they differ (both are hashed first, so not on the
// lengths either).
func (t AdminToken) Matches(given string) bool {
	if !t.set || given == "" {
		return false
	}
	sum := sha256.Sum256([]byte(given))
	return subtle.ConstantTimeCompare(sum[:], t.sum[:]) == 1
}

// String hides the token.
func (t AdminToken) String() string { return "[redacted]" }

// GoString hides the token from %#v.
func (t AdminToken) GoString() string { return "auth.AdminToken([redacted])" }

// LogValue hides the token from slog.
func (t AdminToken) LogValue() slog.Value { return slog.StringValue("[redacted]") }
