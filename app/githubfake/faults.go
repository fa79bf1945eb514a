package githubfake

import (
	"net/http"
	"strconv"
	"time"
)

// BadGateway is GitHub's 502 (an HTML page from its edge).
func BadGateway() FaultResponse {
	return FaultResponse{
		Status: http.StatusBadGateway,
		Header: http.Header{"Content-Type": {"text/html"}},
		Body:   "<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n",
	}
}

// AfterHandling is f answered after the request was carried out.
func AfterHandling(f FaultResponse) FaultResponse {
	f.AfterHandling = true
	return f
}

// SecondaryRateLimit is GitHub's secondary rate limit answer with status
// 403 or 429; a positive retryAfter adds the Retry-After header (in whole
// seconds), zero leaves it out (the client must then wait at least a
// minute).
func SecondaryRateLimit(status int, retryAfter time.Duration) FaultResponse {
	h := http.Header{
		"Content-Type":          {"application/json; charset=utf-8"},
		"X-Ratelimit-Limit":     {"5000"},
		"X-Ratelimit-Remaining": {"4990"},
		"X-Ratelimit-Used":      {"10"},
		"X-Ratelimit-Resource":  {"core"},
		"X-Ratelimit-Reset":     {strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)},
	}
	if retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
	}
	return FaultResponse{
		Status: status,
		Header: h,
		Body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ` +
			`If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.",` +
			`"documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"` +
			strconv.Itoa(status) + `"}`,
	}
}

// PrimaryRateLimit is GitHub's answer once the hourly limit is spent:
// status 403 or 429, x-ratelimit-remaining 0 and the reset time.
func PrimaryRateLimit(status int, reset time.Time) FaultResponse {
	return FaultResponse{
		Status: status,
		Header: http.Header{
			"Content-Type":          {"application/json; charset=utf-8"},
			"X-Ratelimit-Limit":     {"5000"},
			"X-Ratelimit-Remaining": {"0"},
			"X-Ratelimit-Used":      {"5000"},
			"X-Ratelimit-Resource":  {"core"},
			"X-Ratelimit-Reset":     {strconv.FormatInt(reset.Unix(), 10)},
		},
		Body: `{"message":"API rate limit exceeded for installation ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api","status":"` +
			strconv.Itoa(status) + `"}`,
	}
}
