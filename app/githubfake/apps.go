package githubfake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// handler answers one operation.
type handler func(s *Server, c *call) *response

// handlers maps operation IDs to their handlers.
var handlers = map[string]handler{
	"apps/create-from-manifest":                  (*Server).manifestConversion,
	"apps/get-installation":                      (*Server).getInstallation,
	"apps/list-installations":                    (*Server).listInstallations,
	"apps/get-authenticated":                     (*Server).getApp,
	"apps/list-repos-accessible-to-installation": (*Server).listInstallationRepos,
	"apps/create-installation-access-token":      (*Server).createToken,
	"apps/get-repo-installation":                 (*Server).repoInstallation,
	"checks/create":                              (*Server).createCheckRun,
	"checks/get":                                 (*Server).getCheckRun,
	"checks/update":                              (*Server).updateCheckRun,
	"checks/list-for-ref":                        (*Server).listCheckRuns,
	"checks/list-annotations":                    (*Server).listAnnotations,
	"repos/get-content":                          (*Server).getContent,
	"repos/download-tarball-archive":             (*Server).tarball,
	"git/get-tree":                               (*Server).getTree,
	"pulls/get":                                  (*Server).getPull,
	"pulls/list-files":                           (*Server).listFiles,
	"pulls/create-review":                        (*Server).createReview,
	"pulls/create-review-comment":                (*Server).createReviewComment,
	"pulls/list-reviews":                         (*Server).listReviews,
	"pulls/list-review-comments":                 (*Server).listReviewComments,
	"pulls/update-review-comment":                (*Server).updateReviewComment,
	"pulls/delete-review-comment":                (*Server).deleteReviewComment,
}

func (s *Server) manifestConversion(c *call) *response {
	code := c.params["code"]
	s.mu.Lock()
	m := s.manifests[code]
	delete(s.manifests, code)
	s.mu.Unlock()
	if m == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	out := s.appJSON()
	out["client_id"] = m.ClientID
	out["client_secret"] = m.ClientSecret
	out["webhook_secret"] = m.WebhookSecret
	out["pem"] = m.PEM
	return jsonResponse(http.StatusCreated, out)
}

func (s *Server) installationParam(c *call) *Installation {
	id, err := strconv.ParseInt(c.params["installation_id"], 10, 64)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.installations[id]
}

func (s *Server) getInstallation(c *call) *response {
	inst := s.installationParam(c)
	if inst == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	return jsonResponse(http.StatusOK, s.installationJSON(inst))
}

func (s *Server) repoInstallation(c *call) *response {
	s.mu.Lock()
	inst := s.installationForLocked(c.repo)
	s.mu.Unlock()
	if inst == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	return jsonResponse(http.StatusOK, s.installationJSON(inst))
}

func (s *Server) createToken(c *call) *response {
	inst := s.installationParam(c)
	if inst == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	if inst.Suspended {
		return errorResponse(http.StatusForbidden, "This installation has been suspended", docURL(c))
	}
	var req struct {
		Repositories  []string        `json:"repositories"`
		RepositoryIDs []int64         `json:"repository_ids"`
		Permissions   json.RawMessage `json:"permissions"`
	}
	if len(c.body) > 0 {
		if err := json.Unmarshal(c.body, &req); err != nil {
			return errorResponse(http.StatusBadRequest, "Problems parsing JSON", docURL(c))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &token{inst: inst.ID, expires: s.now().Add(s.opts.TokenTTL).Truncate(time.Second)}
	var repos []any
	if len(req.Repositories) > 0 || len(req.RepositoryIDs) > 0 {
		t.repos = map[string]bool{}
		for _, name := range req.Repositories {
			rs := s.repos[key(inst.Account+"/"+name)]
			if rs == nil || s.installationForLocked(rs) != inst {
				return jsonResponse(http.StatusUnprocessableEntity, obj{
					"message":           "There is at least one repository that does not exist or is not accessible to the parent installation.",
					"documentation_url": docURL(c),
					"status":            "422",
				})
			}
			t.repos[key(rs.FullName())] = true
			repos = append(repos, s.repoJSON(rs))
		}
		for _, id := range req.RepositoryIDs {
			rs := s.reposByID[id]
			if rs == nil || s.installationForLocked(rs) != inst {
				return jsonResponse(http.StatusUnprocessableEntity, obj{
					"message":           "There is at least one repository that does not exist or is not accessible to the parent installation.",
					"documentation_url": docURL(c),
					"status":            "422",
				})
			}
			t.repos[key(rs.FullName())] = true
			repos = append(repos, s.repoJSON(rs))
		}
	}
	tok := newToken()
	s.tokens[tok] = t
	out := obj{
		"token":                tok,
		"expires_at":           t.expires.UTC().Format(time.RFC3339),
		"permissions":          appPermissions(),
		"repository_selection": "all",
	}
	if t.repos != nil {
		out["repository_selection"] = "selected"
		out["repositories"] = repos
	}
	return jsonResponse(http.StatusCreated, out)
}

// rewriteRepositoryID maps /repositories/{id}/... (the form of GitHub's
// pagination links) to /repos/{owner}/{repo}/....
func (s *Server) rewriteRepositoryID(escaped string) string {
	rest, ok := strings.CutPrefix(escaped, "/repositories/")
	if !ok {
		return escaped
	}
	idStr, tail, _ := strings.Cut(rest, "/")
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil {
		return escaped
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.reposByID[id]
	if rs == nil {
		return escaped
	}
	return "/repos/" + rs.FullName() + "/" + tail
}

// listInstallations is GET /app/installations: every installation, by ID,
// paged.
func (s *Server) listInstallations(c *call) *response {
	q := c.r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, 0, len(s.installations))
	for id := range s.installations {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	page, perPage := pageParams(q)
	from, to, last := pageBounds(len(ids), page, perPage)
	list := make([]any, 0, to-from)
	for _, id := range ids[from:to] {
		list = append(list, s.installationJSON(s.installations[id]))
	}
	resp := jsonResponse(http.StatusOK, list)
	resp.header = linkHeader(s.URL+"/app/installations", q, page, last)
	return resp
}

// listInstallationRepos is GET /installation/repositories: the
// repositories the token's installation reaches (those of its account, or
// assigned to it), by full name, paged.
func (s *Server) listInstallationRepos(c *call) *response {
	q := c.r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	var repos []*repoState
	for _, rs := range s.repos {
		if inst := s.installationForLocked(rs); inst != nil && inst.ID == c.inst {
			repos = append(repos, rs)
		}
	}
	slices.SortFunc(repos, func(a, b *repoState) int { return strings.Compare(key(a.FullName()), key(b.FullName())) })
	page, perPage := pageParams(q)
	from, to, last := pageBounds(len(repos), page, perPage)
	list := make([]any, 0, to-from)
	for _, rs := range repos[from:to] {
		list = append(list, s.repoJSON(rs))
	}
	resp := jsonResponse(http.StatusOK, obj{"total_count": len(repos), "repositories": list, "repository_selection": "all"})
	resp.header = linkHeader(s.URL+"/installation/repositories", q, page, last)
	return resp
}

// getApp is GET /app: the app itself.
func (s *Server) getApp(*call) *response { return jsonResponse(http.StatusOK, s.appJSON()) }
