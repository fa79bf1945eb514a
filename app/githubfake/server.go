// Package githubfake is a fake GitHub REST API for tests: an httptest
// server that validates every request against GitHub's published OpenAPI
// description (the subset in testdata/fixtures/github-openapi), answers
// the operations a GitHub App like coderready uses from in-memory
// state, records what it was sent, and injects faults on demand.
//
// A request that matches no operation of the subset, fails the schema,
// lacks valid credentials or breaks one of GitHub's rules the schema does
// not carry (a review comment outside the diff, columns on a multi-line
// annotation) is answered like GitHub would (404, 422, 401) and recorded as
// a violation; a test that leaves a violation untaken fails (Start,
// TakeViolations).
//
// The API is served at the root (like https://api.github.com) and under
// /api/v3 (like GitHub Enterprise Server).
package githubfake

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/coderready/coderready/internal/testenv"
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// AppID is the fake GitHub App's ID (default 1). Its slug is
	// "coderready"; its private key is generated once per process.
	AppID int64
	// TokenTTL is how long installation tokens last (default one hour,
	// like GitHub).
	TokenTTL time.Duration
	// TarballTTL is how long a tarball redirect URL works (default five
	// minutes).
	TarballTTL time.Duration
	// RateLimit is the primary rate limit per credential and hour
	// (default 5000); past it requests get GitHub's 403.
	RateLimit int
	// Now is the fake's clock (default time.Now). JWTs are checked
	// against it too.
	Now func() time.Time
}

// Server is a running fake GitHub API. Its methods are safe for
// concurrent use.
type Server struct {
	// URL is the server's root URL, without a trailing slash; the API is
	// served there and under URL+"/api/v3".
	URL string

	srv    *httptest.Server
	spec   *spec
	opts   Options
	key    *rsa.PrivateKey
	keyPEM []byte

	mu            sync.Mutex
	nextID        int64
	installations map[int64]*Installation
	repos         map[string]*repoState // by lower-case full name
	reposByID     map[int64]*repoState
	prs           map[string]*PullRequest // by lower-case "owner/name#number"
	checkRuns     map[int64]*CheckRun
	checkRunOrder []int64
	suites        map[string]int64
	reviews       map[string][]*Review
	comments      map[string][]*ReviewComment
	tokens        map[string]*token
	tarballs      map[string]*tarballLink
	manifests     map[string]*ManifestApp
	clientSecrets map[string]string // client ID → secret, of manifest apps
	users         map[string]*User  // by lower-case login
	oauthCodes    map[string]*oauthCode
	userTokens    map[string]*userToken
	callbackURL   string
	trees         map[string]treeRef
	buckets       map[string]*bucket
	requests      []*Recorded
	violations    []string
	counts        map[string]int
	faults        []*fault
	hook          func(*http.Request, string)
}

type fault struct {
	match Matcher
	left  int
	resp  FaultResponse
}

type bucket struct {
	reset time.Time
	used  int
}

var (
	keyOnce sync.Once
	keyVal  *rsa.PrivateKey
	keyErr  error
)

// processKey is the app key shared by every Server of a test binary that
// is not given one (RSA key generation is slow on a busy machine).
func processKey() (*rsa.PrivateKey, error) {
	keyOnce.Do(func() {
		keyVal, keyErr = rsa.GenerateKey(rand.Reader, 2048)
	})
	return keyVal, keyErr
}

// appSlug is the fake GitHub App's slug.
const appSlug = "coderready"

// New starts a fake GitHub API server. It fails when the OpenAPI subset
// (in the repository's testdata, testenv.TestdataDir) cannot be found or
// loaded. Close it when done.
func New(opts Options) (*Server, error) {
	dir, err := testenv.TestdataDir()
	if err != nil {
		return nil, fmt.Errorf("githubfake: %w", err)
	}
	sp, err := loadSpec(filepath.Join(dir, subsetPath))
	if err != nil {
		return nil, err
	}
	if opts.AppID == 0 {
		opts.AppID = 1
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.TarballTTL == 0 {
		opts.TarballTTL = 5 * time.Minute
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = 5000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	key, err := processKey()
	if err != nil {
		return nil, fmt.Errorf("githubfake: app key: %w", err)
	}
	s := &Server{
		spec:          sp,
		opts:          opts,
		key:           key,
		keyPEM:        pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		nextID:        1000,
		installations: map[int64]*Installation{},
		repos:         map[string]*repoState{},
		reposByID:     map[int64]*repoState{},
		prs:           map[string]*PullRequest{},
		checkRuns:     map[int64]*CheckRun{},
		suites:        map[string]int64{},
		reviews:       map[string][]*Review{},
		comments:      map[string][]*ReviewComment{},
		tokens:        map[string]*token{},
		tarballs:      map[string]*tarballLink{},
		manifests:     map[string]*ManifestApp{},
		clientSecrets: map[string]string{},
		users:         map[string]*User{},
		oauthCodes:    map[string]*oauthCode{},
		userTokens:    map[string]*userToken{},
		trees:         map[string]treeRef{},
		buckets:       map[string]*bucket{},
		counts:        map[string]int{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	return s, nil
}

// Start is New for tests: it fails t when the server cannot start. When
// the test ends it closes the server (after the requests in flight are
// answered) and fails t with every violation no one took (TakeViolations):
// no test passes while sending GitHub something GitHub would refuse.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("githubfake: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		for _, v := range s.TakeViolations() {
			t.Errorf("githubfake: a request GitHub would refuse: %s", v)
		}
	})
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// APIURL is the API base URL with a trailing slash, as go-github's
// Client.BaseURL wants it.
func (s *Server) APIURL() string { return s.URL + "/" }

// AppID is the fake GitHub App's ID.
func (s *Server) AppID() int64 { return s.opts.AppID }

// AppKeyPEM is the fake GitHub App's private key in PKCS#1 PEM, the form
// GitHub hands out; JWTs signed with it are accepted.
func (s *Server) AppKeyPEM() []byte { return bytes.Clone(s.keyPEM) }

// Fail makes the next n requests that match answer resp instead (after
// they are validated and recorded).
func (s *Server) Fail(match Matcher, n int, resp FaultResponse) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{match: match, left: n, resp: resp})
}

// OnRequest sets a hook called for every valid request before it is
// answered, outside the server's lock; it may read the request's body,
// sleep or block (for example until a test kills the client mid-job). The
// request's context ends when the client goes away; the request is carried
// out once the hook returns all the same, as GitHub carries out a request
// whose client died after sending it. Nil removes the hook.
func (s *Server) OnRequest(hook func(r *http.Request, operationID string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = hook
}

// TakeViolations returns every request the fake refused as invalid since
// the last call (no matching operation, schema errors, bad credentials,
// broken GitHub rules) and forgets them. A test that sends invalid
// requests on purpose takes them and asserts on them; any left when the
// test ends fail it (Start).
func (s *Server) TakeViolations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.violations
	s.violations = nil
	return v
}

// Requests returns a copy of every request received, oldest first.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Recorded, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
		out[i].Header = r.Header.Clone()
		out[i].Body = bytes.Clone(r.Body)
	}
	return out
}

// Count returns how many requests matched an operation ("checks/update",
// "codeload"), injected faults included.
func (s *Server) Count(operationID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[operationID]
}

// Counts returns the request count of every operation seen.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

func (s *Server) now() time.Time { return s.opts.Now() }

// id returns a fresh ID; callers hold s.mu.
func (s *Server) id() int64 {
	s.nextID++
	return s.nextID
}

// call is one request being answered.
type call struct {
	r      *http.Request
	op     string
	route  *routers.Route
	params map[string]string
	body   []byte
	vreq   *http.Request
	// Set by authentication.
	inst   int64 // installation of a token
	bucket string
	repo   *repoState
}

// response is what a handler answers.
type response struct {
	status int
	header http.Header
	json   any
	raw    []byte
	// novalidate skips response validation (raw media types).
	novalidate bool
	// afterHandling marks an injected fault answered after the request
	// was carried out.
	afterHandling bool
}

func jsonResponse(status int, v any) *response {
	return &response{status: status, json: v}
}

// errorResponse is GitHub's error body (basic-error).
func errorResponse(status int, message, docURL string) *response {
	if docURL == "" {
		docURL = "https://docs.github.com/rest"
	}
	return jsonResponse(status, map[string]any{
		"message":           message,
		"documentation_url": docURL,
		"status":            strconv.Itoa(status),
	})
}

func (s *Server) violate(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

// rootContents matches the contents API asked for the repository root.
var rootContents = regexp.MustCompile(`^/repos/[^/]+/[^/]+/contents/?$`)

// maxBody bounds request bodies (GitHub refuses far smaller ones).
const maxBody = 64 << 20

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	rec := &Recorded{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     body,
		At:       s.now(),
	}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()

	resp, c := s.answer(r, body, rec)
	header, out := s.finish(c, resp)
	if c != nil {
		s.validateResponse(c, resp, header, out)
	}
	s.mu.Lock()
	rec.Status = resp.status
	s.mu.Unlock()
	for k, vs := range header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(out)
}

// answer routes, validates, authenticates and handles one request.
func (s *Server) answer(r *http.Request, body []byte, rec *Recorded) (*response, *call) {
	escaped := r.URL.EscapedPath()
	web := true
	if rest, ok := strings.CutPrefix(escaped, "/api/v3/"); ok {
		escaped, web = "/"+rest, false
	}
	if resp, ok := s.answerOffSpec(r, body, rec, escaped, web); ok {
		return resp, nil
	}
	if strings.HasPrefix(escaped, "/_codeload/") {
		c := &call{r: r, op: "codeload", body: body}
		s.setOp(rec, c.op)
		s.runHook(r, c.op, body)
		if f := s.takeFault(r.Method, c.op, escaped, body); f != nil {
			return f, nil
		}
		return s.codeload(c, escaped), nil
	}
	if strings.HasPrefix(escaped, "/_raw/") {
		c := &call{r: r, op: "raw", body: body}
		s.setOp(rec, c.op)
		s.runHook(r, c.op, body)
		if f := s.takeFault(r.Method, c.op, escaped, body); f != nil {
			return f, nil
		}
		return s.rawFile(c, escaped), nil
	}
	escaped = s.rewriteRepositoryID(escaped)
	if rootContents.MatchString(escaped) {
		// GitHub lists the root at contents/ (an empty path), which the
		// schema's required path parameter does not allow: ask for ".".
		escaped = strings.TrimSuffix(escaped, "/") + "/."
	}
	vbody := body
	if string(bytes.TrimSpace(body)) == "null" {
		// ghinstallation posts a JSON null to the token endpoint (a nil
		// options pointer); GitHub takes it as no body.
		vbody = nil
	}
	route, params, vreq, err := s.spec.findRoute(r, escaped, vbody)
	if err != nil {
		s.violate("%s %s: %v", r.Method, r.URL.Path, err)
		return errorResponse(http.StatusNotFound, "Not Found", ""), nil
	}
	c := &call{r: r, op: route.Operation.OperationID, route: route, params: params, body: vbody, vreq: vreq}
	s.setOp(rec, c.op)
	if resp := s.validateRequest(c); resp != nil {
		return resp, c
	}
	s.runHook(r, c.op, body)
	fault := s.takeFault(r.Method, c.op, escaped, body)
	if fault != nil && !fault.afterHandling {
		return fault, c
	}
	if resp := s.authenticate(c); resp != nil {
		return resp, c
	}
	h := handlers[c.op]
	if h == nil {
		s.violate("%s %s: operation %s is not implemented by the fake", r.Method, r.URL.Path, c.op)
		return errorResponse(http.StatusNotImplemented, "operation not implemented by githubfake", ""), c
	}
	resp := h(s, c)
	if resp.status == http.StatusUnprocessableEntity || resp.status == http.StatusBadRequest {
		s.violate("%s %s (%s): GitHub would refuse it: %s", r.Method, r.URL.Path, c.op, messageOf(resp))
	}
	if fault != nil {
		return fault, c // carried out, answered with the fault
	}
	if resp.json != nil && !resp.novalidate {
		resp.json = fill(resp.json, responseSchema(route.Operation, resp.status))
	}
	return resp, c
}

func messageOf(resp *response) string {
	b, _ := json.Marshal(resp.json)
	return string(b)
}

func (s *Server) setOp(rec *Recorded, op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.OperationID = op
	s.counts[op]++
}

func (s *Server) runHook(r *http.Request, op string, body []byte) {
	s.mu.Lock()
	h := s.hook
	s.mu.Unlock()
	if h != nil {
		// The hook may read the body (it was read already).
		r.Body = nopCloser(body)
		h(r, op)
	}
}

// takeFault returns the response of the first fault matching, if any.
func (s *Server) takeFault(method, op, path string, body []byte) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.left <= 0 {
			continue
		}
		m := f.match
		if (m.Method == "" || strings.EqualFold(m.Method, method)) &&
			(m.OperationID == "" || m.OperationID == op) &&
			(m.PathPrefix == "" || strings.HasPrefix(path, m.PathPrefix)) &&
			(m.BodyContains == "" || bytes.Contains(body, []byte(m.BodyContains))) {
			f.left--
			h := f.resp.Header.Clone()
			if h == nil {
				h = http.Header{}
			}
			if h.Get("Content-Type") == "" && f.resp.Body != "" {
				h.Set("Content-Type", "application/json; charset=utf-8")
			}
			return &response{status: f.resp.Status, header: h, raw: []byte(f.resp.Body), novalidate: true, afterHandling: f.resp.AfterHandling}
		}
	}
	return nil
}

// validateRequest checks the request against the OpenAPI operation.
func (s *Server) validateRequest(c *call) *response {
	in := &openapi3filter.RequestValidationInput{
		Request:    c.vreq,
		PathParams: c.params,
		Route:      c.route,
		Options: &openapi3filter.Options{
			MultiError:         true,
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		},
	}
	err := openapi3filter.ValidateRequest(context.WithoutCancel(c.r.Context()), in)
	if err == nil {
		return nil
	}
	docURL := ""
	if c.route.Operation.ExternalDocs != nil {
		docURL = c.route.Operation.ExternalDocs.URL
	}
	s.violate("%s %s (%s): request does not match GitHub's schema: %v", c.r.Method, c.r.URL.Path, c.op, err)
	if len(c.body) > 0 && !json.Valid(c.body) {
		return errorResponse(http.StatusBadRequest, "Problems parsing JSON", docURL)
	}
	return errorResponse(http.StatusUnprocessableEntity, "Invalid request.\n\n"+err.Error(), docURL)
}

// finish renders resp with GitHub's usual headers: request ID, API
// version, media type, rate limits of the credential used.
func (s *Server) finish(c *call, resp *response) (http.Header, []byte) {
	h := http.Header{}
	h.Set("X-GitHub-Request-Id", requestID())
	h.Set("Date", s.now().UTC().Format(http.TimeFormat))
	if c == nil || c.op != "codeload" {
		h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
		h.Set("X-GitHub-Media-Type", "github.v3; format=json")
		s.rateHeaders(c, h)
	}
	for k, vs := range resp.header {
		h[k] = vs
	}
	body := resp.raw
	if resp.json != nil {
		var err error
		body, err = json.Marshal(resp.json)
		if err != nil {
			s.violate("githubfake bug: marshal response: %v", err)
			resp.status = http.StatusInternalServerError
		}
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", "application/json; charset=utf-8")
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return h, body
}

// validateResponse checks a handler's answer against the schema; a
// mismatch is a bug of the fake and recorded as a violation.
func (s *Server) validateResponse(c *call, resp *response, header http.Header, body []byte) {
	if c.route == nil || resp.novalidate {
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: c.vreq, PathParams: c.params, Route: c.route},
		Status:                 resp.status,
		Header:                 header,
		Options:                &openapi3filter.Options{MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		s.violate("githubfake bug: response to %s %s (%s) does not match GitHub's schema: %v", c.r.Method, c.r.URL.Path, c.op, err)
	}
}

func requestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	x := strings.ToUpper(hex.EncodeToString(b[:]))
	return x[0:4] + ":" + x[4:8] + ":" + x[8:14] + ":" + x[14:20] + ":" + "65A1B2C3"
}

func nopCloser(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }
