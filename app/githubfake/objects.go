package githubfake

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// JSON builders for GitHub's objects. They set the fields that carry
// meaning; fill adds the other required ones from the schema.

// obj is a JSON object.
type obj = map[string]any

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func nodeID(kind string, id int64) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "0%s%d", kind, id))
}

// userJSON is a simple-user.
func (s *Server) userJSON(login string, id int64, typ string) obj {
	if typ == "" {
		typ = "User"
	}
	api, html := s.URL+"/users/"+login, s.URL+"/"+login
	if typ == "Organization" {
		api = s.URL + "/orgs/" + login
	}
	return obj{
		"login":               login,
		"id":                  id,
		"node_id":             nodeID("User", id),
		"avatar_url":          s.URL + "/_avatars/u/" + strconv.FormatInt(id, 10) + "?v=4",
		"gravatar_id":         "",
		"url":                 api,
		"html_url":            html,
		"followers_url":       api + "/followers",
		"following_url":       api + "/following{/other_user}",
		"gists_url":           api + "/gists{/gist_id}",
		"starred_url":         api + "/starred{/owner}{/repo}",
		"subscriptions_url":   api + "/subscriptions",
		"organizations_url":   api + "/orgs",
		"repos_url":           api + "/repos",
		"events_url":          api + "/events{/privacy}",
		"received_events_url": api + "/received_events",
		"type":                typ,
		"user_view_type":      "public",
		"site_admin":          false,
	}
}

// loginID derives a stable user ID from a login.
func loginID(login string) int64 {
	var h int64 = 7
	for _, c := range strings.ToLower(login) {
		h = (h*31 + int64(c)) % 90_000_000
	}
	return 10_000_000 + h
}

// repoJSON is a repository.
func (s *Server) repoJSON(rs *repoState) obj {
	full := rs.FullName()
	api := s.URL + "/repos/" + full
	ownerType := "User"
	for _, inst := range s.installations {
		if strings.EqualFold(inst.Account, rs.Owner) {
			ownerType = inst.AccountType
		}
	}
	r := obj{
		"id":                rs.ID,
		"node_id":           nodeID("Repository", rs.ID),
		"name":              rs.Name,
		"full_name":         full,
		"owner":             s.userJSON(rs.Owner, loginID(rs.Owner), ownerType),
		"private":           rs.Private,
		"visibility":        map[bool]string{true: "private", false: "public"}[rs.Private],
		"html_url":          s.URL + "/" + full,
		"description":       nil,
		"fork":              rs.Parent != "",
		"url":               api,
		"default_branch":    rs.DefaultBranch,
		"clone_url":         s.URL + "/" + full + ".git",
		"git_url":           "git://" + strings.TrimPrefix(strings.TrimPrefix(s.URL, "http://"), "https://") + "/" + full + ".git",
		"ssh_url":           "git@" + strings.TrimPrefix(strings.TrimPrefix(s.URL, "http://"), "https://") + ":" + full + ".git",
		"svn_url":           s.URL + "/" + full,
		"homepage":          nil,
		"language":          nil,
		"mirror_url":        nil,
		"license":           nil,
		"archived":          false,
		"disabled":          false,
		"has_issues":        true,
		"has_projects":      true,
		"has_wiki":          true,
		"has_pages":         false,
		"has_downloads":     true,
		"created_at":        ts(rs.created),
		"updated_at":        ts(rs.created),
		"pushed_at":         ts(rs.created),
		"archive_url":       api + "/{archive_format}{/ref}",
		"assignees_url":     api + "/assignees{/user}",
		"blobs_url":         api + "/git/blobs{/sha}",
		"branches_url":      api + "/branches{/branch}",
		"collaborators_url": api + "/collaborators{/collaborator}",
		"comments_url":      api + "/comments{/number}",
		"commits_url":       api + "/commits{/sha}",
		"compare_url":       api + "/compare/{base}...{head}",
		"contents_url":      api + "/contents/{+path}",
		"contributors_url":  api + "/contributors",
		"deployments_url":   api + "/deployments",
		"downloads_url":     api + "/downloads",
		"events_url":        api + "/events",
		"forks_url":         api + "/forks",
		"git_commits_url":   api + "/git/commits{/sha}",
		"git_refs_url":      api + "/git/refs{/sha}",
		"git_tags_url":      api + "/git/tags{/sha}",
		"hooks_url":         api + "/hooks",
		"issue_comment_url": api + "/issues/comments{/number}",
		"issue_events_url":  api + "/issues/events{/number}",
		"issues_url":        api + "/issues{/number}",
		"keys_url":          api + "/keys{/key_id}",
		"labels_url":        api + "/labels{/name}",
		"languages_url":     api + "/languages",
		"merges_url":        api + "/merges",
		"milestones_url":    api + "/milestones{/number}",
		"notifications_url": api + "/notifications{?since,all,participating}",
		"pulls_url":         api + "/pulls{/number}",
		"releases_url":      api + "/releases{/id}",
		"stargazers_url":    api + "/stargazers",
		"statuses_url":      api + "/statuses/{sha}",
		"subscribers_url":   api + "/subscribers",
		"subscription_url":  api + "/subscription",
		"tags_url":          api + "/tags",
		"teams_url":         api + "/teams",
		"trees_url":         api + "/git/trees{/sha}",
	}
	return r
}

// appPermissions are the permissions of app.yml.
func appPermissions() obj {
	return obj{"checks": "write", "contents": "read", "metadata": "read", "pull_requests": "write"}
}

var appEvents = []any{"check_run", "check_suite", "pull_request"}

// appJSON is the fake app (integration).
func (s *Server) appJSON() obj {
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	return obj{
		"id":           s.opts.AppID,
		"slug":         appSlug,
		"node_id":      nodeID("Integration", s.opts.AppID),
		"client_id":    "Iv1.fake" + strconv.FormatInt(s.opts.AppID, 10),
		"owner":        s.userJSON("coderready", loginID("coderready"), "Organization"),
		"name":         appSlug,
		"description":  "Is this workspace image ready for Coder?",
		"external_url": s.URL + "/_app",
		"html_url":     s.URL + "/apps/" + appSlug,
		"created_at":   ts(created),
		"updated_at":   ts(created),
		"permissions":  appPermissions(),
		"events":       appEvents,
	}
}

// installationJSON is an installation.
func (s *Server) installationJSON(inst *Installation) obj {
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	return obj{
		"id":                        inst.ID,
		"account":                   s.userJSON(inst.Account, inst.AccountID, inst.AccountType),
		"repository_selection":      "all",
		"access_tokens_url":         fmt.Sprintf("%s/app/installations/%d/access_tokens", s.URL, inst.ID),
		"repositories_url":          s.URL + "/installation/repositories",
		"html_url":                  fmt.Sprintf("%s/organizations/%s/settings/installations/%d", s.URL, inst.Account, inst.ID),
		"app_id":                    s.opts.AppID,
		"app_slug":                  appSlug,
		"client_id":                 "Iv1.fake" + strconv.FormatInt(s.opts.AppID, 10),
		"target_id":                 inst.AccountID,
		"target_type":               inst.AccountType,
		"permissions":               appPermissions(),
		"events":                    appEvents,
		"created_at":                ts(created),
		"updated_at":                ts(created),
		"single_file_name":          nil,
		"has_multiple_single_files": false,
		"single_file_paths":         []any{},
		"suspended_by":              nil,
		"suspended_at":              nil,
	}
}
