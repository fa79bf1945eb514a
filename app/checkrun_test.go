package app

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/coderready/coderready/app/ghtransport"
)

// TestAnswerLost: which errors leave a write's fate unknown (list what
// GitHub holds, then send what is missing) and which do not (a refusal, a
// rate limit: the job waits or fails).
func TestAnswerLost(t *testing.T) {
	status := func(code int) error {
		return &github.ErrorResponse{Response: &http.Response{StatusCode: code}, Message: http.StatusText(code)}
	}
	viaTransport := func(err error) error {
		return fmt.Errorf("edit comment: %w", &url.Error{Op: "Patch", URL: "https://api.github.com/repos/o/r/pulls/comments/1", Err: err})
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"502", status(http.StatusBadGateway), true},
		{"504", status(http.StatusGatewayTimeout), true},
		{"503", status(http.StatusServiceUnavailable), true},
		{"404", status(http.StatusNotFound), false},
		{"422", status(http.StatusUnprocessableEntity), false},
		{"primary rate limit from the transport", viaTransport(&ghtransport.RateLimitError{Status: 403, Primary: true, Until: time.Now().Add(time.Minute)}), false},
		{"secondary rate limit from the transport", viaTransport(&ghtransport.RateLimitError{Status: 429, Until: time.Now().Add(time.Minute)}), false},
		{"go-github's rate limit", &github.RateLimitError{Response: &http.Response{StatusCode: 403}}, false},
		{"connection reset after sending", viaTransport(&net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}), true},
		{"refused connection", viaTransport(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}), true},
		{"timeout", viaTransport(os.ErrDeadlineExceeded), true},
		{"anything else", errors.New("boom"), false},
	}
	for _, tt := range tests {
		if got := answerLost(tt.err); got != tt.want {
			t.Errorf("%s: answerLost(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
