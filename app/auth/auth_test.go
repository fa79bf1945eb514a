package auth

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testSealer(t *testing.T, key byte) *Sealer {
	t.Helper()
	s, err := NewSealer(bytes.Repeat([]byte{key}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSessionSealOpen(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	s := testSealer(t, 1)
	s.Now = func() time.Time { return now }
	other := testSealer(t, 2)
	other.Now = s.Now
	user := Session{Login: "octocat", Grants: []Grant{{ID: 1, Account: "acme"}}}
	good, err := s.Seal(user)
	if err != nil {
		t.Fatal(err)
	}
	payload, sig, _ := strings.Cut(good, ".")
	admin, err := s.Seal(Session{Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	// The user's payload with the admin's signature, and the reverse.
	_, adminSig, _ := strings.Cut(admin, ".")
	forged, err := other.Seal(Session{Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	flip := []byte(payload)
	flip[3] ^= 1
	cases := []struct {
		name  string
		value string
		at    time.Time
		want  error
		admin bool
	}{
		{"as sealed", good, now, nil, false},
		{"the admin's", admin, now, nil, true},
		{"a minute before it ends", good, now.Add(SessionTTL - time.Minute), nil, false},
		{"when it ends", good, now.Add(SessionTTL), ErrExpiredSession, false},
		{"payload altered", string(flip) + "." + sig, now, ErrBadSession, false},
		{"signature of another payload", payload + "." + adminSig, now, ErrBadSession, false},
		{"signed with another key", forged, now, ErrBadSession, false},
		{"no signature", payload, now, ErrBadSession, false},
		{"empty signature", payload + ".", now, ErrBadSession, false},
		{"not base64", "%%%.%%%", now, ErrBadSession, false},
		{"empty", "", now, ErrBadSession, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at := c.at
			s.Now = func() time.Time { return at }
			got, err := s.Open(c.value)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("Open = %+v, %v; want %v", got, err, c.want)
			}
			if err == nil && got.Admin != c.admin {
				t.Errorf("Admin = %v, want %v", got.Admin, c.admin)
			}
			if err == nil && !c.admin && (got.Login != "octocat" || len(got.Grants) != 1 || got.Grants[0] != (Grant{ID: 1, Account: "acme"})) {
				t.Errorf("session = %+v", got)
			}
		})
	}
}

func TestSessionSees(t *testing.T) {
	user := Session{Login: "octocat", Grants: []Grant{{ID: 1, Account: "acme"}, {ID: 3, Account: "initech"}}}
	cases := []struct {
		sess Session
		id   int64
		want bool
	}{
		{user, 1, true},
		{user, 3, true},
		{user, 2, false},
		{user, 0, false},
		{Session{Login: "nobody"}, 1, false},
		{Session{Admin: true}, 2, true},
		{Session{Admin: true}, 0, true},
	}
	for _, c := range cases {
		if got := c.sess.Sees(c.id); got != c.want {
			t.Errorf("%s sees %d: %v, want %v", c.sess.Who(), c.id, got, c.want)
		}
	}
}

func TestSessionCookie(t *testing.T) {
	s := testSealer(t, 1)
	for _, secure := range []bool{false, true} {
		rec := httptest.NewRecorder()
		if err := s.SetSession(rec, Session{Login: "octocat"}, secure); err != nil {
			t.Fatal(err)
		}
		cookies := rec.Result().Cookies()
		if len(cookies) != 1 {
			t.Fatalf("%d cookies", len(cookies))
		}
		c := cookies[0]
		if c.Name != SessionCookie || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure || c.Path != "/" ||
			c.MaxAge <= 0 || c.MaxAge > int(SessionTTL.Seconds()) {
			t.Errorf("secure=%v: cookie %+v", secure, c)
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(c)
		if got, err := s.FromRequest(req); err != nil || got.Login != "octocat" {
			t.Errorf("FromRequest = %+v, %v", got, err)
		}
	}
	if _, err := s.FromRequest(httptest.NewRequest(http.MethodGet, "/", nil)); !errors.Is(err, ErrNoSession) {
		t.Errorf("no cookie: %v", err)
	}
}

func TestSealDropsGrantsPastTheBound(t *testing.T) {
	s := testSealer(t, 1)
	cases := []struct {
		grants    int
		truncated bool
	}{{0, false}, {1, false}, {20, false}, {300, true}}
	for _, c := range cases {
		var grants []Grant
		for i := range c.grants {
			// The longest logins GitHub allows: 39 characters.
			grants = append(grants, Grant{ID: int64(100000000 + i), Account: fmt.Sprintf("an-organization-with-a-long-login-%05d", i)})
		}
		v, err := s.Seal(Session{Login: "octocat", Grants: grants})
		if err != nil {
			t.Fatal(err)
		}
		if len(v) > maxSealed {
			t.Errorf("%d grants: cookie value of %d bytes: browsers drop cookies over 4 KB", c.grants, len(v))
		}
		got, err := s.Open(v)
		if err != nil {
			t.Fatal(err)
		}
		if got.Truncated != c.truncated || (!c.truncated && len(got.Grants) != c.grants) || (c.truncated && len(got.Grants) < 30) {
			t.Errorf("%d grants: %d kept, truncated %v", c.grants, len(got.Grants), got.Truncated)
		}
		for i, g := range got.Grants {
			if g != grants[i] {
				t.Errorf("grant %d = %+v, want %+v (the first ones kept, in order)", i, g, grants[i])
				break
			}
		}
	}
}

func TestCSRF(t *testing.T) {
	s, other := testSealer(t, 1), testSealer(t, 2)
	tok := s.CSRF("nonce-a")
	cases := []struct {
		name           string
		binding, token string
		want           bool
	}{
		{"its own", "nonce-a", tok, true},
		{"another binding's", "nonce-b", tok, false},
		{"another key's", "nonce-a", other.CSRF("nonce-a"), false},
		{"empty token", "nonce-a", "", false},
		{"empty binding", "", s.CSRF(""), false},
		{"a session's signature is not a CSRF token", "nonce-a", b64.EncodeToString(s.mac("session", []byte("nonce-a"))), false},
	}
	for _, c := range cases {
		if got := s.CheckCSRF(c.binding, c.token); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAdminToken(t *testing.T) {
	const tok = "0123456789abcdef0123456789abcdef-admin"
	a := NewAdminToken(tok)
	cases := []struct {
		given string
		want  bool
	}{
		{tok, true},
		{tok + " ", false},
		{tok[:len(tok)-1], false},
		{strings.ToUpper(tok), false},
		{"", false},
	}
	for _, c := range cases {
		if got := a.Matches(c.given); got != c.want {
			t.Errorf("Matches(%q) = %v, want %v", c.given, got, c.want)
		}
	}
	var unset AdminToken
	if unset.Matches("") || unset.Matches(tok) || unset.Set() {
		t.Error("the zero AdminToken matched")
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("settings", "token", a)
	for _, s := range []string{fmt.Sprint(a), fmt.Sprintf("%v %+v %#v %s", a, a, a, a), logs.String()} {
		if strings.Contains(s, tok) || strings.Contains(s, "0123456789") || !strings.Contains(s, "redacted") {
			t.Errorf("the token shows: %s", s)
		}
	}
}

func TestLoadAdminToken(t *testing.T) {
	dir := t.TempDir()
	good := strings.Repeat("a1", 20)
	cases := []struct {
		name    string
		content string
		mode    os.FileMode
		err     string
	}{
		{"with a newline", good + "\n", 0o600, ""},
		{"group-readable", good, 0o640, ""},
		{"world-readable", good, 0o644, "every user"},
		{"too short", "short\n", 0o600, "at least 32"},
		{"empty", "", 0o600, "at least 32"},
	}
	for i, c := range cases {
		p := filepath.Join(dir, fmt.Sprint("token-", i))
		if err := os.WriteFile(p, []byte(c.content), c.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, c.mode); err != nil {
			t.Fatal(err)
		}
		tok, err := LoadAdminToken(p)
		if c.err == "" {
			if err != nil || !tok.Matches(good) {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.err)
		}
		if err != nil && strings.Contains(err.Error(), c.content) && c.content != "" {
			t.Errorf("%s: the error shows the token: %v", c.name, err)
		}
	}
	if _, err := LoadAdminToken(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file loaded")
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "session.key")
	k1, err := LoadOrCreateKey(p)
	if err != nil || len(k1) != KeySize {
		t.Fatalf("create: %d bytes, %v", len(k1), err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	k2, err := LoadOrCreateKey(p)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("load: a different key (%v)", err)
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(p); err == nil || !strings.Contains(err.Error(), "every user") {
		t.Errorf("a world-readable key: %v", err)
	}
	short := filepath.Join(dir, "short.key")
	if err := os.WriteFile(short, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(short); err == nil {
		t.Error("a short key loaded")
	}
	if _, err := NewSealer([]byte("short")); err == nil {
		t.Error("NewSealer took a short key")
	}
}
