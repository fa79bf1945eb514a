// Package ghtransport is the one http.RoundTripper every GitHub call of
// coderready goes through. It retries what is worth retrying (5xx answers
// and connection errors, with exponential backoff), turns GitHub's rate
// limit answers — primary and secondary, on 403 and on 429, which go-github
// v62 does not recognise — into a typed *RateLimitError the job runner can
// snooze on (Wait), and counts every call and the remaining rate limit in
// Prometheus metrics.
//
// Place it under ghinstallation, so that installation token requests are
// retried and counted too:
//
//	tr := &ghtransport.Transport{Metrics: ghtransport.NewMetrics(reg)}
//	app, err := ghtransport.NewAppTransport(tr, apiURL, appID, keyPEM)
//	gh, err := ghtransport.NewInstallationClient(app, installationID)
package ghtransport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Defaults of a zero Transport.
const (
	// DefaultMaxRetries is how often a 5xx answer or a connection error is
	// retried.
	DefaultMaxRetries = 3
	// DefaultInlineWait is the longest secondary rate limit wait slept
	// inside RoundTrip (once per request); longer waits are returned as a
	// *RateLimitError.
	DefaultInlineWait = 5 * time.Second
	// SecondaryWait is the wait after a secondary rate limit without a
	// Retry-After header: GitHub's docs say to wait at least a minute.
	SecondaryWait = time.Minute
	// maxPeek bounds how much of a 403 body is read to recognise a
	// secondary rate limit.
	maxPeek = 64 << 10
)

// Transport is an http.RoundTripper for the GitHub API: retries, rate
// limits, metrics. The zero value is ready to use; it is safe for
// concurrent use once in use.
type Transport struct {
	// Base makes the requests; nil uses http.DefaultTransport.
	Base http.RoundTripper
	// Metrics, when not nil, counts calls and rate limits.
	Metrics *Metrics
	// Clock is the time (default time.Now); tests set it.
	Clock func() time.Time
	// MaxRetries is how often a request answered 502, 503 or 504, or
	// failed to connect, is retried: 0 means DefaultMaxRetries, a negative
	// number never. A request marked WithoutReplay is not sent again when
	// GitHub may have carried it out.
	MaxRetries int
	// Backoff is the wait before retry n (1-based); default 1s, 2s, 4s, …
	Backoff func(n int) time.Duration
	// Sleep waits d or until ctx ends; tests make it instant. Default: a
	// timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// InlineWait is the longest secondary rate limit wait slept inline
	// (once per request); 0 means DefaultInlineWait, negative never.
	InlineWait time.Duration
}

// RoundTrip sends req, retrying 5xx answers and connection errors, and
// returns a *RateLimitError (wrapped by http.Client in a *url.Error) when
// GitHub answers with a rate limit that does not pass soon.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	route := Route(req.URL)
	retries, inlineWaited := 0, false
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 {
			var err error
			if r, err = rewind(req); err != nil {
				return nil, err
			}
		}
		resp, err := t.base().RoundTrip(r)
		if err != nil {
			t.Metrics.call(req.Method, route, "error")
			safe := replayable(req) || notSent(err)
			if ctx.Err() != nil || !t.mayRetry(req, retries) || !safe {
				return nil, err
			}
			retries++
			t.Metrics.retry(route, "connection")
			if serr := t.sleep(ctx, t.backoff(retries)); serr != nil {
				return nil, fmt.Errorf("github %s %s: %w (waiting to retry after: %w)", req.Method, req.URL.Path, serr, err)
			}
			continue
		}
		t.Metrics.call(req.Method, route, strconv.Itoa(resp.StatusCode))
		t.Metrics.rateLimit(resp.Header)
		switch resp.StatusCode {
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			// A 502 or 504 may come from GitHub's edge after the request
			// went through: one marked WithoutReplay is not sent twice
			// (its caller looks for what it made). A 503 was not served.
			if !t.mayRetry(req, retries) || (resp.StatusCode != http.StatusServiceUnavailable && !replayable(req)) {
				return resp, nil
			}
			discard(resp)
			retries++
			t.Metrics.retry(route, "server_error")
			if err := t.sleep(ctx, t.backoff(retries)); err != nil {
				return nil, fmt.Errorf("github %s %s: %d, then: %w", req.Method, req.URL.Path, resp.StatusCode, err)
			}
			continue
		case http.StatusForbidden, http.StatusTooManyRequests:
			rl := t.classify(req, resp)
			if rl == nil {
				return resp, nil
			}
			t.Metrics.limited(rl.Primary)
			wait := rl.Until.Sub(t.now())
			if !rl.Primary && !inlineWaited && wait <= t.inlineWait() && rewindable(req) {
				inlineWaited = true
				t.Metrics.retry(route, "secondary_rate_limit")
				if err := t.sleep(ctx, max(wait, 0)); err != nil {
					return nil, fmt.Errorf("%w (waiting: %w)", rl, err)
				}
				continue
			}
			return nil, rl
		}
		return resp, nil
	}
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

func (t *Transport) now() time.Time {
	if t.Clock != nil {
		return t.Clock()
	}
	return time.Now()
}

func (t *Transport) maxRetries() int {
	switch {
	case t.MaxRetries == 0:
		return DefaultMaxRetries
	case t.MaxRetries < 0:
		return 0
	}
	return t.MaxRetries
}

func (t *Transport) mayRetry(req *http.Request, retries int) bool {
	return retries < t.maxRetries() && rewindable(req)
}

// noReplayKey marks a request context: see WithoutReplay.
type noReplayKey struct{}

// WithoutReplay marks requests made with ctx as not to be sent again when
// GitHub may have carried them out: a 502 or 504 (GitHub's edge may answer
// so after the work was done) or a connection lost after sending is
// returned to the caller instead of retried. Callers that can find out
// what a lost request made (a check run by its external ID) use it, so
// nothing is made twice; a 503 or a refused connection is still retried.
func WithoutReplay(ctx context.Context) context.Context {
	return context.WithValue(ctx, noReplayKey{}, true)
}

// replayable reports whether req may be sent again after GitHub may have
// carried it out.
func replayable(req *http.Request) bool {
	no, _ := req.Context().Value(noReplayKey{}).(bool)
	return !no
}

// notSent reports whether a transport error happened before the request
// could reach GitHub (no connection was made), so even a POST may be sent
// again.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func (t *Transport) backoff(n int) time.Duration {
	if t.Backoff != nil {
		return t.Backoff(n)
	}
	return time.Second << min(n-1, 6)
}

func (t *Transport) inlineWait() time.Duration {
	switch {
	case t.InlineWait == 0:
		return DefaultInlineWait
	case t.InlineWait < 0:
		return -1
	}
	return t.InlineWait
}

func (t *Transport) sleep(ctx context.Context, d time.Duration) error {
	if t.Sleep != nil {
		return t.Sleep(ctx, d)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// rewindable reports whether req can be sent again.
func rewindable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// rewind returns a copy of req with a fresh body.
func rewind(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.Body == nil || req.Body == http.NoBody {
		return r, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("github %s %s: rewind body for retry: %w", req.Method, req.URL.Path, err)
	}
	r.Body = body
	return r, nil
}

// discard drains (a little of) a response body and closes it, so the
// connection can be reused.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	_ = resp.Body.Close()
}

// classify returns the rate limit a 403 or 429 answer means, or nil (and
// resp intact) when it is not one. It closes resp when it returns an
// error.
func (t *Transport) classify(req *http.Request, resp *http.Response) *RateLimitError {
	h := resp.Header
	now := t.now()
	rl := &RateLimitError{
		Status:   resp.StatusCode,
		Method:   req.Method,
		Path:     req.URL.Path,
		Resource: h.Get("X-Ratelimit-Resource"),
	}
	retryAfter, hasRetryAfter := parseRetryAfter(h.Get("Retry-After"), now)
	switch {
	case h.Get("X-Ratelimit-Remaining") == "0":
		rl.Primary = true
		rl.Until = now.Add(SecondaryWait)
		if reset, err := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
			rl.Until = time.Unix(reset, 0).UTC()
		}
		if hasRetryAfter {
			rl.Until = now.Add(retryAfter)
		}
	case hasRetryAfter:
		rl.Until = now.Add(retryAfter)
	case resp.StatusCode == http.StatusTooManyRequests:
		rl.Until = now.Add(SecondaryWait)
	default:
		// A 403 is a secondary rate limit only when its body says so;
		// others (permissions) go back to the caller untouched.
		peek, err := io.ReadAll(io.LimitReader(resp.Body, maxPeek))
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(peek), resp.Body), resp.Body}
		if err != nil || !isSecondaryBody(peek) {
			return nil
		}
		rl.Until = now.Add(SecondaryWait)
	}
	rl.Message = message(resp)
	discard(resp)
	return rl
}

// isSecondaryBody recognises GitHub's secondary rate limit messages.
func isSecondaryBody(b []byte) bool {
	s := strings.ToLower(string(b))
	return strings.Contains(s, "secondary rate limit") || strings.Contains(s, "abuse detection")
}

// message returns GitHub's error message from a JSON body, if any.
func message(resp *http.Response) string {
	var body struct {
		Message string `json:"message"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, maxPeek)).Decode(&body)
	return body.Message
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

var _ http.RoundTripper = (*Transport)(nil)
