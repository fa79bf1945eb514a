package ghtransport

import (
	"net/url"
	"strings"
)

// Route names the operation family of a GitHub API URL, the metrics'
// route label: a short fixed set ("check-runs", "pull-files", "contents",
// …, "other") so the label's cardinality stays low.
func Route(u *url.URL) string {
	if strings.HasPrefix(u.Host, "codeload.") || strings.Contains(u.Path, "/legacy.tar.gz/") || strings.HasPrefix(u.Path, "/_codeload/") {
		return "codeload"
	}
	p := strings.TrimPrefix(u.Path, "/api/v3")
	seg := strings.Split(strings.Trim(p, "/"), "/")
	switch {
	case len(seg) >= 1 && seg[0] == "app-manifests":
		return "app-manifests"
	case len(seg) >= 4 && seg[0] == "app" && seg[1] == "installations" && seg[3] == "access_tokens":
		return "installation-token"
	case len(seg) >= 1 && seg[0] == "app":
		return "app"
	case len(seg) >= 3 && seg[0] == "repos":
		return repoRoute(seg[3:])
	case len(seg) >= 2 && seg[0] == "repositories":
		return repoRoute(seg[2:])
	}
	return "other"
}

// repoRoute names the family of the path after /repos/{owner}/{repo}.
func repoRoute(rest []string) string {
	if len(rest) == 0 {
		return "repos"
	}
	switch rest[0] {
	case "check-runs", "check-suites", "contents", "installation", "git":
		return rest[0]
	case "tarball", "zipball":
		return "archive"
	case "commits":
		if len(rest) >= 3 && (rest[len(rest)-1] == "check-runs" || rest[len(rest)-1] == "check-suites") {
			return rest[len(rest)-1]
		}
		return "commits"
	case "pulls":
		if len(rest) >= 3 {
			switch rest[2] {
			case "files":
				return "pull-files"
			case "reviews":
				return "pull-reviews"
			case "comments":
				return "pull-comments"
			}
		}
		return "pulls"
	}
	return "repos-other"
}
