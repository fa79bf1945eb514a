package githubfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// maxPRFiles is where GitHub's pull request files API stops.
const maxPRFiles = 3000

func (s *Server) prParamLocked(c *call) *PullRequest {
	n, err := strconv.Atoi(c.params["pull_number"])
	if err != nil {
		return nil
	}
	return s.prs[prKey(c.repo.FullName(), n)]
}

func (s *Server) getPull(c *call) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := s.prParamLocked(c)
	if pr == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	return jsonResponse(http.StatusOK, s.prJSON(pr))
}

func (s *Server) listFiles(c *call) *response {
	q := c.r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := s.prParamLocked(c)
	if pr == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	files := s.prFilesLocked(pr)
	if len(files) > maxPRFiles {
		files = files[:maxPRFiles]
	}
	page, perPage := pageParams(q)
	from, to, last := pageBounds(len(files), page, perPage)
	list := make([]any, 0, to-from)
	for _, f := range files[from:to] {
		list = append(list, s.diffEntryJSON(pr, f))
	}
	resp := jsonResponse(http.StatusOK, list)
	resp.header = linkHeader(fmt.Sprintf("%s/repositories/%d/pulls/%d/files", s.URL, c.repo.ID, pr.Number), q, page, last)
	return resp
}

// prFilesLocked returns the changed files of a pull request: as given, or
// computed from its base and head commits.
func (s *Server) prFilesLocked(pr *PullRequest) []PRFile {
	if pr.Files != nil {
		out := make([]PRFile, len(pr.Files))
		for i, f := range pr.Files {
			if f.Status == "" {
				f.Status = "modified"
			}
			if f.Additions == 0 && f.Deletions == 0 && f.Patch != "" {
				for _, l := range strings.Split(f.Patch, "\n") {
					switch {
					case strings.HasPrefix(l, "+"):
						f.Additions++
					case strings.HasPrefix(l, "-"):
						f.Deletions++
					}
				}
			}
			if f.SHA == "" {
				f.SHA = blobSHA([]byte(f.Filename + "\x00" + f.Patch))
			}
			out[i] = f
		}
		return out
	}
	base := s.repoLocked(pr.Repo, false)
	var oldFiles, newFiles map[string]file
	if base != nil {
		if cm := s.resolveLocked(base, pr.Base.SHA); cm != nil && pr.Base.SHA != "" {
			oldFiles = cm.files
		}
		if cm := s.resolveLocked(base, pr.Head.SHA); cm != nil && pr.Head.SHA != "" {
			newFiles = cm.files
		}
	}
	paths := map[string]bool{}
	for p := range oldFiles {
		paths[p] = true
	}
	for p := range newFiles {
		paths[p] = true
	}
	names := make([]string, 0, len(paths))
	for p := range paths {
		names = append(names, p)
	}
	sort.Strings(names)
	var out []PRFile
	for _, p := range names {
		o, inOld := oldFiles[p]
		n, inNew := newFiles[p]
		if inOld && inNew && bytes.Equal(o.data, n.data) && o.mode == n.mode {
			continue
		}
		f := PRFile{Filename: p, Status: "modified"}
		switch {
		case !inOld:
			f.Status = "added"
		case !inNew:
			f.Status = "removed"
		}
		if inNew {
			f.SHA = blobSHA(n.data)
		} else {
			f.SHA = blobSHA(o.data)
		}
		if !bytes.Contains(o.data, []byte{0}) && !bytes.Contains(n.data, []byte{0}) {
			f.Patch, f.Additions, f.Deletions = unifiedDiff(string(o.data), string(n.data))
		}
		out = append(out, f)
	}
	return out
}

func (s *Server) diffEntryJSON(pr *PullRequest, f PRFile) obj {
	full := pr.Repo
	sha := pr.Head.SHA
	e := obj{
		"sha":          f.SHA,
		"filename":     f.Filename,
		"status":       f.Status,
		"additions":    f.Additions,
		"deletions":    f.Deletions,
		"changes":      f.Additions + f.Deletions,
		"blob_url":     fmt.Sprintf("%s/%s/blob/%s/%s", s.URL, full, sha, f.Filename),
		"raw_url":      fmt.Sprintf("%s/%s/raw/%s/%s", s.URL, full, sha, f.Filename),
		"contents_url": fmt.Sprintf("%s/repos/%s/contents/%s?ref=%s", s.URL, full, f.Filename, sha),
	}
	if f.Patch != "" {
		e["patch"] = f.Patch
	}
	if f.PreviousFilename != "" {
		e["previous_filename"] = f.PreviousFilename
	}
	return e
}

// prJSON is a pull-request; callers hold s.mu.
func (s *Server) prJSON(pr *PullRequest) obj {
	api := fmt.Sprintf("%s/repos/%s/pulls/%d", s.URL, pr.Repo, pr.Number)
	html := fmt.Sprintf("%s/%s/pull/%d", s.URL, pr.Repo, pr.Number)
	issue := fmt.Sprintf("%s/repos/%s/issues/%d", s.URL, pr.Repo, pr.Number)
	statuses := fmt.Sprintf("%s/repos/%s/statuses/%s", s.URL, pr.Repo, pr.Head.SHA)
	files := s.prFilesLocked(pr)
	adds, dels := 0, 0
	for _, f := range files {
		adds += f.Additions
		dels += f.Deletions
	}
	href := func(u string) obj { return obj{"href": u} }
	return obj{
		"url":                 api,
		"id":                  pr.ID,
		"node_id":             nodeID("PullRequest", pr.ID),
		"html_url":            html,
		"diff_url":            html + ".diff",
		"patch_url":           html + ".patch",
		"issue_url":           issue,
		"commits_url":         api + "/commits",
		"review_comments_url": api + "/comments",
		"review_comment_url":  fmt.Sprintf("%s/repos/%s/pulls/comments{/number}", s.URL, pr.Repo),
		"comments_url":        issue + "/comments",
		"statuses_url":        statuses,
		"number":              pr.Number,
		"state":               pr.State,
		"locked":              false,
		"title":               pr.Title,
		"user":                s.userJSON(pr.User, loginID(pr.User), "User"),
		"body":                strOrNil(pr.Body),
		"labels":              []any{},
		"milestone":           nil,
		"active_lock_reason":  nil,
		"created_at":          fillTime,
		"updated_at":          fillTime,
		"closed_at":           nil,
		"merged_at":           nil,
		"merge_commit_sha":    nil,
		"assignee":            nil,
		"assignees":           []any{},
		"requested_reviewers": []any{},
		"requested_teams":     []any{},
		"head":                s.prRefJSON(pr.Head),
		"base":                s.prRefJSON(pr.Base),
		"_links": obj{
			"self":            href(api),
			"html":            href(html),
			"issue":           href(issue),
			"comments":        href(issue + "/comments"),
			"review_comments": href(api + "/comments"),
			"review_comment":  href(fmt.Sprintf("%s/repos/%s/pulls/comments{/number}", s.URL, pr.Repo)),
			"commits":         href(api + "/commits"),
			"statuses":        href(statuses),
		},
		"author_association":    "CONTRIBUTOR",
		"auto_merge":            nil,
		"draft":                 pr.Draft,
		"merged":                false,
		"mergeable":             true,
		"rebaseable":            true,
		"mergeable_state":       "clean",
		"merged_by":             nil,
		"comments":              0,
		"review_comments":       len(s.comments[prKey(pr.Repo, pr.Number)]),
		"maintainer_can_modify": false,
		"commits":               1,
		"additions":             adds,
		"deletions":             dels,
		"changed_files":         len(files),
	}
}

func (s *Server) prRefJSON(ref PRRef) obj {
	rs := s.repoLocked(ref.Repo, false)
	owner, _ := splitFullName(ref.Repo)
	out := obj{
		"label": owner + ":" + ref.Ref,
		"ref":   ref.Ref,
		"sha":   ref.SHA,
		"user":  s.userJSON(owner, loginID(owner), "User"),
	}
	if rs != nil {
		out["repo"] = s.repoJSON(rs)
		out["user"] = out["repo"].(obj)["owner"]
	}
	return out
}

// prMinimalJSON is a pull-request-minimal (in check runs).
func (s *Server) prMinimalJSON(pr *PullRequest) obj {
	side := func(ref PRRef) obj {
		o := obj{"ref": ref.Ref, "sha": ref.SHA, "repo": obj{"id": 0, "url": s.URL + "/repos/" + ref.Repo, "name": ""}}
		if rs := s.repoLocked(ref.Repo, false); rs != nil {
			o["repo"] = obj{"id": rs.ID, "url": s.URL + "/repos/" + rs.FullName(), "name": rs.Name}
		}
		return o
	}
	return obj{
		"id":     pr.ID,
		"number": pr.Number,
		"url":    fmt.Sprintf("%s/repos/%s/pulls/%d", s.URL, pr.Repo, pr.Number),
		"head":   side(pr.Head),
		"base":   side(pr.Base),
	}
}

// commentRequest is one review comment, alone or in a review.
type commentRequest struct {
	Path        string `json:"path"`
	Body        string `json:"body"`
	CommitID    string `json:"commit_id"`
	Position    *int   `json:"position"`
	Line        *int   `json:"line"`
	Side        string `json:"side"`
	StartLine   *int   `json:"start_line"`
	StartSide   string `json:"start_side"`
	InReplyTo   int64  `json:"in_reply_to"`
	SubjectType string `json:"subject_type"`
}

// locateLocked checks a comment lies on the pull request's diff, as
// GitHub requires, and returns it placed, with its diff hunk.
func (s *Server) locateLocked(pr *PullRequest, cr commentRequest) (ReviewComment, string, error) {
	rc := ReviewComment{Path: cr.Path, Body: cr.Body, CommitID: cr.CommitID, Side: cr.Side, StartSide: cr.StartSide}
	var f *PRFile
	files := s.prFilesLocked(pr)
	for i := range files {
		if files[i].Filename == cr.Path {
			f = &files[i]
		}
	}
	if f == nil {
		return rc, "", fmt.Errorf("Path could not be resolved") //nolint:staticcheck // GitHub's message
	}
	if cr.SubjectType == "file" {
		return rc, "", nil
	}
	d, err := parsePatch(f.Patch)
	if err != nil {
		return rc, "", fmt.Errorf("patch of %s: %w", f.Filename, err)
	}
	if cr.Position != nil {
		at, ok := d.pos[*cr.Position]
		if !ok {
			return rc, "", fmt.Errorf("Position could not be resolved") //nolint:staticcheck // GitHub's message
		}
		rc.Position = *cr.Position
		return rc, d.hunkUpTo(at), nil
	}
	if cr.Line == nil {
		return rc, "", fmt.Errorf("Line could not be resolved") //nolint:staticcheck // GitHub's message
	}
	if rc.Side == "" {
		rc.Side = "RIGHT"
	}
	side := d.right
	if rc.Side == "LEFT" {
		side = d.left
	}
	at, ok := side[*cr.Line]
	if !ok {
		return rc, "", fmt.Errorf("Line could not be resolved") //nolint:staticcheck // GitHub's message
	}
	rc.Line = *cr.Line
	rc.Position = at.idx
	if cr.StartLine != nil {
		if rc.StartSide == "" {
			rc.StartSide = rc.Side
		}
		startSide := d.right
		if rc.StartSide == "LEFT" {
			startSide = d.left
		}
		st, ok := startSide[*cr.StartLine]
		if !ok || st.hunk != at.hunk || st.idx >= at.idx {
			return rc, "", fmt.Errorf("Start line could not be resolved") //nolint:staticcheck // GitHub's message
		}
		rc.StartLine = *cr.StartLine
	}
	return rc, d.hunkUpTo(at), nil
}

// unresolved is GitHub's 422 for review comments off the diff.
func unresolved(c *call, err error) *response {
	return jsonResponse(http.StatusUnprocessableEntity, obj{
		"message":           "Unprocessable Entity",
		"errors":            []any{err.Error()},
		"documentation_url": docURL(c),
		"status":            "422",
	})
}

func (s *Server) createReview(c *call) *response {
	var req struct {
		CommitID string           `json:"commit_id"`
		Body     string           `json:"body"`
		Event    string           `json:"event"`
		Comments []commentRequest `json:"comments"`
	}
	if len(c.body) > 0 {
		if err := json.Unmarshal(c.body, &req); err != nil {
			return errorResponse(http.StatusBadRequest, "Problems parsing JSON", docURL(c))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := s.prParamLocked(c)
	if pr == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	if req.CommitID == "" {
		req.CommitID = pr.Head.SHA
	} else if s.resolveLocked(c.repo, req.CommitID) == nil {
		return unresolved(c, fmt.Errorf("Commit %s could not be resolved", req.CommitID)) //nolint:staticcheck // GitHub's message
	}
	if (req.Event == "REQUEST_CHANGES" || req.Event == "COMMENT") && req.Body == "" && len(req.Comments) == 0 {
		return unresolved(c, fmt.Errorf("Body is required for %s", req.Event)) //nolint:staticcheck // GitHub's message
	}
	rv := &Review{ID: s.id(), Repo: c.repo.FullName(), PR: pr.Number, CommitID: req.CommitID, Body: req.Body, Event: req.Event, SubmittedAt: s.now()}
	rv.State = map[string]string{"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED", "": "PENDING"}[req.Event]
	placed := make([]ReviewComment, 0, len(req.Comments))
	for _, cr := range req.Comments {
		cr.CommitID = req.CommitID
		rc, hunk, err := s.locateLocked(pr, cr)
		if err != nil {
			// One bad comment rejects the whole review.
			return unresolved(c, err)
		}
		rc.hunk = hunk
		rc.ID = s.id()
		rc.ReviewID = rv.ID
		placed = append(placed, rc)
	}
	rv.Comments = placed
	k := prKey(pr.Repo, pr.Number)
	s.reviews[k] = append(s.reviews[k], rv)
	for i := range placed {
		s.comments[k] = append(s.comments[k], &placed[i])
	}
	return jsonResponse(http.StatusOK, s.reviewJSON(pr, rv))
}

// botJSON is the app's bot user.
func (s *Server) botJSON() obj {
	u := s.userJSON(appSlug+"[bot]", 40_000_000+s.opts.AppID, "Bot")
	return u
}

func (s *Server) reviewJSON(pr *PullRequest, rv *Review) obj {
	html := fmt.Sprintf("%s/%s/pull/%d#pullrequestreview-%d", s.URL, pr.Repo, pr.Number, rv.ID)
	api := fmt.Sprintf("%s/repos/%s/pulls/%d", s.URL, pr.Repo, pr.Number)
	out := obj{
		"id":                 rv.ID,
		"node_id":            nodeID("PullRequestReview", rv.ID),
		"user":               s.botJSON(),
		"body":               rv.Body,
		"state":              rv.State,
		"html_url":           html,
		"pull_request_url":   api,
		"_links":             obj{"html": obj{"href": html}, "pull_request": obj{"href": api}},
		"commit_id":          rv.CommitID,
		"author_association": "NONE",
	}
	if rv.State != "PENDING" {
		out["submitted_at"] = ts(rv.SubmittedAt)
	}
	return out
}

func (s *Server) createReviewComment(c *call) *response {
	var cr commentRequest
	if err := json.Unmarshal(c.body, &cr); err != nil {
		return errorResponse(http.StatusBadRequest, "Problems parsing JSON", docURL(c))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := s.prParamLocked(c)
	if pr == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	if s.resolveLocked(c.repo, cr.CommitID) == nil {
		return unresolved(c, fmt.Errorf("Commit %s could not be resolved", cr.CommitID)) //nolint:staticcheck // GitHub's message
	}
	k := prKey(pr.Repo, pr.Number)
	var rc ReviewComment
	hunk := ""
	if cr.InReplyTo != 0 {
		var parent *ReviewComment
		for _, x := range s.comments[k] {
			if x.ID == cr.InReplyTo {
				parent = x
			}
		}
		if parent == nil {
			return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
		}
		rc = *parent
		rc.Body, rc.InReplyTo, rc.CommitID = cr.Body, parent.ID, cr.CommitID
		rc.User, rc.Edits = "", 0 // the app's own
	} else {
		var err error
		rc, hunk, err = s.locateLocked(pr, cr)
		if err != nil {
			return unresolved(c, err)
		}
	}
	rc.ID = s.id()
	rc.ReviewID = s.id()
	rc.hunk = hunk
	s.comments[k] = append(s.comments[k], &rc)
	return jsonResponse(http.StatusCreated, s.reviewCommentJSON(pr, &rc, hunk))
}

func (s *Server) reviewCommentJSON(pr *PullRequest, rc *ReviewComment, hunk string) obj {
	api := fmt.Sprintf("%s/repos/%s/pulls/comments/%d", s.URL, pr.Repo, rc.ID)
	html := fmt.Sprintf("%s/%s/pull/%d#discussion_r%d", s.URL, pr.Repo, pr.Number, rc.ID)
	prURL := fmt.Sprintf("%s/repos/%s/pulls/%d", s.URL, pr.Repo, pr.Number)
	intOrNil := func(n int) any {
		if n == 0 {
			return nil
		}
		return n
	}
	user, association := s.botJSON(), "NONE"
	if rc.User != "" {
		user, association = s.userJSON(rc.User, loginID(rc.User), "User"), "CONTRIBUTOR"
	}
	out := obj{
		"url":                    api,
		"pull_request_review_id": rc.ReviewID,
		"id":                     rc.ID,
		"node_id":                nodeID("PullRequestReviewComment", rc.ID),
		"diff_hunk":              hunk,
		"path":                   rc.Path,
		"position":               intOrNil(rc.Position),
		"original_position":      intOrNil(rc.Position),
		"commit_id":              rc.CommitID,
		"original_commit_id":     rc.CommitID,
		"user":                   user,
		"body":                   rc.Body,
		"created_at":             ts(s.now()),
		"updated_at":             ts(s.now()),
		"html_url":               html,
		"pull_request_url":       prURL,
		"author_association":     association,
		"_links":                 obj{"self": obj{"href": api}, "html": obj{"href": html}, "pull_request": obj{"href": prURL}},
		"start_line":             intOrNil(rc.StartLine),
		"original_start_line":    intOrNil(rc.StartLine),
		"start_side":             strOrNil(rc.StartSide),
		"line":                   intOrNil(rc.Line),
		"original_line":          intOrNil(rc.Line),
		"side":                   strOrNil(rc.Side),
		"subject_type":           "line",
	}
	if rc.InReplyTo != 0 {
		out["in_reply_to_id"] = rc.InReplyTo
	}
	if rc.Line == 0 && rc.Position == 0 {
		out["subject_type"] = "file"
	}
	return out
}
