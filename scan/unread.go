package scan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/image"
)

// noteUnread reports, once for the target, that its image ref could not
// be read and nothing was built (checks.BaseUnread, CR327): the image
// checks were skipped, not guessed. Nothing is reported when the table of
// well-known images knows ref.
func (s *checker) noteUnread(ts *targetState, ref, why string, loc checks.Location, devcontainerBuild bool) {
	// An image the repository builds itself: its Dockerfile, not the
	// image, told the other rules its user.
	if p := s.plan.siblings.BuiltBy(ref); p != "" {
		why += "; the repository builds it from `" + p + "`, which the other rules read instead"
	}
	if f, ok := checks.BaseUnread(s.cfg, ref, why, loc, devcontainerBuild); ok {
		ts.own = append(ts.own, f)
	}
}

// unreadWhy says in a few words why an image could not be read: the
// registry unreachable, refusing access, not holding it, a limit, or the
// error's own first words.
func unreadWhy(err error) string {
	var terr *transport.Error
	var nerr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "the read timed out"
	case errors.Is(err, context.Canceled):
		return "the read was cancelled"
	case errors.Is(err, image.ErrLimit):
		return "the image is over the read limits"
	case errors.As(err, &terr):
		switch terr.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return "the registry refused access: a private image needs `docker login`"
		case http.StatusNotFound:
			return "not found in its registry"
		case http.StatusTooManyRequests:
			return "the registry's rate limit"
		}
		return fmt.Sprintf("the registry answered %d", terr.StatusCode)
	case errors.As(err, &nerr):
		return "registry unreachable"
	}
	msg := err.Error()
	if i := strings.Index(msg, " (engine: "); i > 0 {
		msg = msg[:i]
	}
	if len(msg) > 160 {
		msg = msg[:160] + "…"
	}
	return msg
}
