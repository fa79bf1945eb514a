// Package auth tells who is looking at the status page: signed sessions in
// cookies, the admin token, CSRF tokens for the page's forms, and GitHub's
// OAuth web flow for a GitHub App's users. It holds no data of its own
// beyond the signing key and keeps no GitHub token: a user's token is used
// once, at sign-in, to learn their login and the installations of the app
// they can access, which the session then carries.
package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
)

// SessionCookie is the cookie that holds a signed Session.
const SessionCookie = "coderready_session"

// SessionTTL is how long a session lasts: an hour, after which the user
// signs in again and their installations are looked up anew (so access
// revoked on GitHub lapses here within the hour).
const SessionTTL = time.Hour

// KeySize is the size of the signing key KeyFile holds.
const KeySize = 32

// maxSealed bounds a sealed session: browsers keep cookies of up to 4 KB,
// name and attributes included.
const maxSealed = 3800

// Grant is an installation a signed-in user may see.
type Grant struct {
	// ID is the installation's ID.
	ID int64 `json:"i"`
	// Account is the user or organization it is installed on.
	Account string `json:"a"`
}

// Session is who signed in and what they may see.
type Session struct {
	// Admin: signed in with the admin token; sees every installation.
	Admin bool `json:"adm,omitempty"`
	// Login is the GitHub user's login ("" for the admin token).
	Login string `json:"l,omitempty"`
	// Grants are the installations of the app the user could access on
	// GitHub at sign-in.
	Grants []Grant `json:"g,omitempty"`
	// Truncated: the user could access more installations than a cookie
	// holds; those past the grants are not shown.
	Truncated bool `json:"t,omitempty"`
	// Expires is when the session ends.
	Expires time.Time `json:"-"`
}

// sealed is a Session as the cookie carries it.
type sealed struct {
	Session
	Exp int64 `json:"e"`
}

// Sees reports whether the session may see installation id's data: an
// admin sees all, a user those of their grants, no one an installation
// that is not known (id 0).
func (s Session) Sees(id int64) bool {
	if s.Admin {
		return true
	}
	return id != 0 && slices.ContainsFunc(s.Grants, func(g Grant) bool { return g.ID == id })
}

// InstallationIDs are the IDs of the session's grants.
func (s Session) InstallationIDs() []int64 {
	out := make([]int64, 0, len(s.Grants))
	for _, g := range s.Grants {
		out = append(out, g.ID)
	}
	return out
}

// Accounts are the accounts of the session's grants.
func (s Session) Accounts() []string {
	out := make([]string, 0, len(s.Grants))
	for _, g := range s.Grants {
		out = append(out, g.Account)
	}
	return out
}

// Who names the session's holder for the page ("octocat", "admin token").
func (s Session) Who() string {
	if s.Admin {
		return "admin token"
	}
	return s.Login
}

// Errors of Sealer.Open.
var (
	// ErrNoSession: the request carries no session cookie.
	ErrNoSession = errors.New("no session")
	// ErrBadSession: the cookie is not one this server signed (forged,
	// altered, or signed with another key).
	ErrBadSession = errors.New("session not signed by this server")
	// ErrExpiredSession: the session's time is up.
	ErrExpiredSession = errors.New("session expired")
)

// Sealer signs and verifies sessions and CSRF tokens with one key.
type Sealer struct {
	key []byte
	// Now is the clock; nil is time.Now (tests set it).
	Now func() time.Time
}

// NewSealer returns a Sealer on key, which must hold at least KeySize
// bytes.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) < KeySize {
		return nil, fmt.Errorf("session key: %d bytes, want at least %d", len(key), KeySize)
	}
	return &Sealer{key: slices.Clone(key)}, nil
}

func (s *Sealer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// mac is HMAC-SHA256 of msg under the key, for purpose (so that no value
// signed for one purpose passes for another).
func (s *Sealer) mac(purpose string, msg []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(msg)
	return m.Sum(nil)
}

var b64 = base64.RawURLEncoding

// Seal returns sess signed, as a cookie value. A session without an
// expiry gets SessionTTL from now. Grants that would make the value too
// large for a cookie are dropped from the end, and the session marked
// Truncated.
func (s *Sealer) Seal(sess Session) (string, error) {
	if sess.Expires.IsZero() {
		sess.Expires = s.now().Add(SessionTTL)
	}
	sess.Grants = slices.Clone(sess.Grants)
	for {
		payload, err := json.Marshal(sealed{Session: sess, Exp: sess.Expires.Unix()})
		if err != nil {
			return "", fmt.Errorf("seal session: %w", err)
		}
		v := b64.EncodeToString(payload) + "." + b64.EncodeToString(s.mac("session", payload))
		if len(v) <= maxSealed || len(sess.Grants) == 0 {
			return v, nil
		}
		// Drop about as many grants as the excess holds, at least one.
		per := max(1, len(v)/(len(sess.Grants)+1))
		n := min(len(sess.Grants), max(1, (len(v)-maxSealed)/per+1))
		sess.Grants = sess.Grants[:len(sess.Grants)-n]
		sess.Truncated = true
	}
}

// Open verifies a cookie value Seal made and returns its session:
// ErrBadSession when the signature does not match, ErrExpiredSession when
// its time is up.
func (s *Sealer) Open(value string) (Session, error) {
	p, sig, ok := strings.Cut(value, ".")
	if !ok {
		return Session{}, ErrBadSession
	}
	payload, err1 := b64.DecodeString(p)
	mac, err2 := b64.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac("session", payload)) {
		return Session{}, ErrBadSession
	}
	var v sealed
	if err := json.Unmarshal(payload, &v); err != nil {
		return Session{}, ErrBadSession
	}
	v.Expires = time.Unix(v.Exp, 0)
	if !s.now().Before(v.Expires) {
		return Session{}, ErrExpiredSession
	}
	return v.Session, nil
}

// FromRequest returns the session r's cookie carries.
func (s *Sealer) FromRequest(r *http.Request) (Session, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return Session{}, ErrNoSession
	}
	return s.Open(c.Value)
}

// SetSession seals sess into the session cookie: HttpOnly, SameSite=Lax,
// Secure when the page is served over HTTPS, lasting as long as the
// session.
func (s *Sealer) SetSession(w http.ResponseWriter, sess Session, secure bool) error {
	if sess.Expires.IsZero() {
		sess.Expires = s.now().Add(SessionTTL)
	}
	v, err := s.Seal(sess)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: v, Path: "/", MaxAge: int(sess.Expires.Sub(s.now()).Seconds()),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// ClearSession removes the session cookie.
func ClearSession(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// CSRF returns the CSRF token of a form shown to the holder of binding (a
// session cookie's value, or a browser's sign-in nonce): a form posted
// with it came from a page this server rendered for that browser.
func (s *Sealer) CSRF(binding string) string {
	return b64.EncodeToString(s.mac("csrf", []byte(binding)))
}

// CheckCSRF reports whether token is binding's CSRF token. An empty
// binding never passes.
func (s *Sealer) CheckCSRF(binding, token string) bool {
	if binding == "" || token == "" {
		return false
	}
	return hmac.Equal([]byte(token), []byte(s.CSRF(binding)))
}

// LoadOrCreateKey returns the signing key in path, creating it (KeySize
// random bytes, mode 0600) when it does not exist. A key file every user
// of the machine may read or write, or one too short, is refused: anyone
// who reads it can forge sessions. (Group access is let be: a Kubernetes
// Secret mounted for an fsGroup is 0440.)
func LoadOrCreateKey(path string) ([]byte, error) {
	key, err := readKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readKey(path) // another process made it first
	}
	if err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, fmt.Errorf("session key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("session key %s: %w", path, err)
	}
	return b, nil
}

// readKey reads an existing key file and checks its mode and size.
func readKey(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := private(path, fi); err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	if len(b) < KeySize {
		return nil, fmt.Errorf("session key %s: %d bytes, want at least %d", path, len(b), KeySize)
	}
	return b, nil
}

// private refuses a secret file every user of the machine may read or
// write.
func private(path string, fi fs.FileInfo) error {
	if perm := fi.Mode().Perm(); perm&0o007 != 0 {
		return fmt.Errorf("%s: mode %04o lets every user read or write it; want 0600 or 0400 (chmod 600 %s; a Kubernetes Secret: defaultMode 0400)", path, perm, path)
	}
	return nil
}
