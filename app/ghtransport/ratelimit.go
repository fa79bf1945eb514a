package ghtransport

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-github/v62/github"
)

// MinWait is the shortest wait Wait returns for a rate limit: a reset
// time already past (clock skew) still waits a little.
const MinWait = time.Second

// RateLimitError is a GitHub rate limit: no call to the API (primary) or
// to this kind of endpoint (secondary) should be made before Until.
type RateLimitError struct {
	// Status is the HTTP status of the answer: 403 or 429.
	Status int
	// Primary is set for the hourly limit (x-ratelimit-remaining: 0);
	// otherwise it is a secondary rate limit.
	Primary bool
	// Until is when calls may resume: x-ratelimit-reset for the primary
	// limit, now + Retry-After for a secondary one, now + one minute when
	// GitHub gave no time.
	Until time.Time
	// Resource is x-ratelimit-resource (core, search, graphql, …).
	Resource string
	// Message is GitHub's message.
	Message string
	// Method and Path name the request (no query: it may hold a token).
	Method, Path string
}

// Error describes the limit.
func (e *RateLimitError) Error() string {
	kind := "secondary"
	if e.Primary {
		kind = "primary"
	}
	msg := ""
	if e.Message != "" {
		msg = ": " + e.Message
	}
	return fmt.Sprintf("github %s %s: %s rate limit (%d) until %s%s", e.Method, e.Path, kind, e.Status, e.Until.UTC().Format(time.RFC3339), msg)
}

// AsRateLimit finds a rate limit in err's chain: a *RateLimitError from
// Transport (also through *url.Error and ghinstallation's errors), or
// go-github's *github.RateLimitError and *github.AbuseRateLimitError,
// converted.
func AsRateLimit(err error) (*RateLimitError, bool) {
	return asRateLimit(err, time.Now())
}

func asRateLimit(err error, now time.Time) (*RateLimitError, bool) {
	if err == nil {
		return nil, false
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return rl, true
	}
	var primary *github.RateLimitError
	if errors.As(err, &primary) {
		out := &RateLimitError{Status: http.StatusForbidden, Primary: true, Until: primary.Rate.Reset.Time, Message: primary.Message}
		if r := primary.Response; r != nil {
			out.Status = r.StatusCode
			out.Resource = r.Header.Get("X-Ratelimit-Resource")
			if r.Request != nil {
				out.Method, out.Path = r.Request.Method, r.Request.URL.Path
			}
		}
		if out.Until.IsZero() {
			out.Until = now.Add(SecondaryWait)
		}
		return out, true
	}
	var abuse *github.AbuseRateLimitError
	if errors.As(err, &abuse) {
		out := &RateLimitError{Status: http.StatusForbidden, Until: now.Add(SecondaryWait), Message: abuse.Message}
		if abuse.RetryAfter != nil {
			out.Until = now.Add(*abuse.RetryAfter)
		}
		if r := abuse.Response; r != nil {
			out.Status = r.StatusCode
			if r.Request != nil {
				out.Method, out.Path = r.Request.Method, r.Request.URL.Path
			}
		}
		return out, true
	}
	return nil, false
}

// Wait returns how long to snooze a job that failed with err, when err is
// a rate limit (at least MinWait).
func Wait(err error) (time.Duration, bool) {
	return wait(err, time.Now())
}

func wait(err error, now time.Time) (time.Duration, bool) {
	rl, ok := asRateLimit(err, now)
	if !ok {
		return 0, false
	}
	return max(rl.Until.Sub(now), MinWait), true
}
