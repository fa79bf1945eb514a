package githubfake

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Operations authenticated with the app's JWT; the manifest conversion
// needs nothing; every other operation needs an installation token.
var (
	jwtOps  = map[string]bool{"apps/get-installation": true, "apps/list-installations": true, "apps/get-authenticated": true, "apps/create-installation-access-token": true, "apps/get-repo-installation": true}
	anonOps = map[string]bool{"apps/create-from-manifest": true}
)

const anonRateLimit = 60

// authenticate checks the credentials of c, charges its rate limit and,
// for repository operations, finds the repository.
func (s *Server) authenticate(c *call) *response {
	auth := c.r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(auth, " ")
	switch {
	case anonOps[c.op]:
		c.bucket = "anon"
	case jwtOps[c.op]:
		if !strings.EqualFold(scheme, "Bearer") || cred == "" {
			return s.unauthorized(c, "A JSON web token could not be decoded", "missing app JWT (Authorization: Bearer <JWT>)")
		}
		if err := s.verifyJWT(cred); err != nil {
			return s.unauthorized(c, "A JSON web token could not be decoded", err.Error())
		}
		c.bucket = "app"
	default:
		if cred == "" || (!strings.EqualFold(scheme, "token") && !strings.EqualFold(scheme, "Bearer")) {
			return s.unauthorized(c, "Requires authentication", "missing installation token (Authorization: token <token>)")
		}
		s.mu.Lock()
		t := s.tokens[cred]
		s.mu.Unlock()
		switch {
		case t == nil:
			return s.unauthorized(c, "Bad credentials", "unknown token")
		case !s.now().Before(t.expires):
			return s.unauthorized(c, "Bad credentials", fmt.Sprintf("token expired at %s", t.expires.Format(time.RFC3339)))
		}
		c.inst = t.inst
		c.bucket = "inst:" + strconv.FormatInt(t.inst, 10)
	}
	if resp := s.charge(c); resp != nil {
		return resp
	}
	owner, repo := c.params["owner"], c.params["repo"]
	if owner == "" || repo == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.repos[key(owner+"/"+repo)]
	if rs == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	c.repo = rs
	if c.inst == 0 {
		return nil
	}
	inst := s.installationForLocked(rs)
	t := s.tokenOfLocked(c)
	if inst == nil || inst.ID != c.inst || (t != nil && t.repos != nil && !t.repos[key(rs.FullName())]) {
		s.violations = append(s.violations, fmt.Sprintf("%s %s (%s): the token of installation %d may not read %s", c.r.Method, c.r.URL.Path, c.op, c.inst, rs.FullName()))
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	return nil
}

func (s *Server) tokenOfLocked(c *call) *token {
	_, cred, _ := strings.Cut(c.r.Header.Get("Authorization"), " ")
	return s.tokens[cred]
}

func (s *Server) unauthorized(c *call, message, why string) *response {
	s.violate("%s %s (%s): 401 %s: %s", c.r.Method, c.r.URL.Path, c.op, message, why)
	c.bucket = "anon"
	return errorResponse(http.StatusUnauthorized, message, "https://docs.github.com/rest")
}

// charge counts the request against its credential's hourly limit.
func (s *Server) charge(c *call) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, limit := s.bucketLocked(c.bucket)
	if b.used >= limit {
		msg := "API rate limit exceeded."
		if c.inst != 0 {
			msg = fmt.Sprintf("API rate limit exceeded for installation ID %d.", c.inst)
		}
		return errorResponse(http.StatusForbidden, msg, "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
	}
	b.used++
	return nil
}

func (s *Server) bucketLocked(name string) (*bucket, int) {
	limit := s.opts.RateLimit
	if name == "anon" {
		limit = anonRateLimit
	}
	b := s.buckets[name]
	now := s.now()
	if b == nil || !now.Before(b.reset) {
		b = &bucket{reset: now.Add(time.Hour).Truncate(time.Second)}
		s.buckets[name] = b
	}
	return b, limit
}

// rateHeaders sets the x-ratelimit-* headers of c's credential.
func (s *Server) rateHeaders(c *call, h http.Header) {
	if c == nil || c.bucket == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, limit := s.bucketLocked(c.bucket)
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(limit-b.used, 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(b.reset.Unix(), 10))
	h.Set("X-RateLimit-Used", strconv.Itoa(b.used))
	h.Set("X-RateLimit-Resource", "core")
}

// verifyJWT checks an app JWT the way GitHub does: RS256 signed by the
// app's key, issuer the app ID, not expired, issued no later than a minute
// from now, expiring at most ten minutes from now.
func (s *Server) verifyJWT(tok string) error {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return errors.New("not a JWT")
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return fmt.Errorf("JWT header: %w", err)
	}
	if hdr.Alg != "RS256" {
		return fmt.Errorf("JWT algorithm %q, want RS256", hdr.Alg)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return fmt.Errorf("JWT signature: %w", err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		return fmt.Errorf("JWT not signed with the app's key: %w", err)
	}
	var claims struct {
		Iss json.RawMessage `json:"iss"`
		Iat *float64        `json:"iat"`
		Exp *float64        `json:"exp"`
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return fmt.Errorf("JWT claims: %w", err)
	}
	iss := strings.Trim(string(claims.Iss), `"`)
	if iss != strconv.FormatInt(s.opts.AppID, 10) {
		return fmt.Errorf("JWT issuer %s is not app %d", iss, s.opts.AppID)
	}
	if claims.Iat == nil || claims.Exp == nil {
		return errors.New("JWT lacks iat or exp")
	}
	now := s.now()
	iat := time.Unix(int64(*claims.Iat), 0)
	exp := time.Unix(int64(*claims.Exp), 0)
	switch {
	case !exp.After(now):
		return errors.New("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires")
	case exp.After(now.Add(10*time.Minute + 30*time.Second)):
		return errors.New("'Expiration time' claim ('exp') is too far in the future")
	case iat.After(now.Add(time.Minute)):
		return errors.New("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued")
	}
	return nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newToken returns a token shaped like GitHub's installation tokens.
func newToken() string {
	var b strings.Builder
	b.WriteString("ghs_")
	for range 36 {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(base62))))
		b.WriteByte(base62[n.Int64()])
	}
	return b.String()
}

func docURL(c *call) string {
	if c.route != nil && c.route.Operation.ExternalDocs != nil {
		return c.route.Operation.ExternalDocs.URL
	}
	return ""
}
