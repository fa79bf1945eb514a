package scan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/image"
)

// TestBaseUnreadNote: a target whose image cannot be read, and that the
// table of well-known images does not know, gets one CR327 note on the
// line naming the image, saying why; a table image, a built-from ARG
// without a value and a template get none.
func TestBaseUnreadNote(t *testing.T) {
	root := writeTree(t, map[string]string{
		"unknown/Dockerfile":                   "FROM quay.io/acme/base:1 AS build\nRUN make\nFROM build\nUSER 1000\n",
		"table/Dockerfile":                     "FROM debian:12\n",
		"noarg/Dockerfile":                     "ARG BASE\nFROM ${BASE}\n",
		"dc/.devcontainer/devcontainer.json":   "{\n  \"name\": \"x\",\n  \"image\": \"ghcr.io/acme/dev:2\"\n}\n",
		"dcok/.devcontainer/devcontainer.json": "{\n  \"image\": \"mcr.microsoft.com/devcontainers/base:bookworm\"\n}\n",
		"tmpl/Dockerfile.tt":                   "FROM quay.io/acme/<%= base %>\n",
		"images/sibbase/Dockerfile":            "FROM debian:12\nUSER 1000\n",
		"images/child/Dockerfile":              "FROM quay.io/acme/sibbase:1\nRUN make\n",
	})
	notes := func(opts Options) []string {
		opts.RootRelative = true
		rep, err := Run(context.Background(), root, opts)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tr := range rep.Targets {
			for _, f := range tr.Findings {
				if f.RuleID == checks.RuleBaseUnread {
					out = append(out, fmt.Sprintf("%s:%d %s", f.Location.Path, f.Location.StartLine, f.Message))
				}
			}
		}
		slices.Sort(out)
		return out
	}
	n := len(checks.SkippedImageChecks(checks.DefaultConfig(), false))
	want := []string{
		fmt.Sprintf("dc/.devcontainer/devcontainer.json:3 could not read `ghcr.io/acme/dev:2`: %d image checks skipped (offline)", n+1),
		fmt.Sprintf("images/child/Dockerfile:1 could not read `quay.io/acme/sibbase:1`: %d image checks skipped (offline; the repository builds it from `images/sibbase/Dockerfile`, which the other rules read instead)", n),
		fmt.Sprintf("unknown/Dockerfile:1 could not read `quay.io/acme/base:1`: %d image checks skipped (offline)", n),
	}
	if got := notes(Options{Offline: true}); !slices.Equal(got, want) {
		t.Errorf("offline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	got := notes(Options{NoBuild: true, Bases: noBases{}})
	if len(got) != 3 || !strings.HasSuffix(got[2], "(no bases in this test)") {
		t.Errorf("with a reader that fails: %v", got)
	}
}

func TestUnreadWhy(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("read base x: %w", &transport.Error{StatusCode: 401}), "the registry refused access: a private image needs `docker login`"},
		{fmt.Errorf("read base x: %w", &transport.Error{StatusCode: 404}), "not found in its registry"},
		{fmt.Errorf("read base x: %w", &transport.Error{StatusCode: 502}), "the registry answered 502"},
		{fmt.Errorf("read base x: %w", &net.DNSError{Err: "no such host", Name: "quay.io"}), "registry unreachable"},
		{fmt.Errorf("read base x: %w", context.DeadlineExceeded), "the read timed out"},
		{fmt.Errorf("read base x: %w", image.ErrLimit), "the image is over the read limits"},
		{fmt.Errorf("read base x: %w (engine: %w)", errors.New("bad manifest"), errors.New("no such image")), "read base x: bad manifest"},
	}
	for _, tc := range tests {
		if got := unreadWhy(tc.err); got != tc.want {
			t.Errorf("unreadWhy(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
