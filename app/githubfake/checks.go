package githubfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// checkRunRequest is the body of checks/create and checks/update.
type checkRunRequest struct {
	Name        *string    `json:"name"`
	HeadSHA     string     `json:"head_sha"`
	DetailsURL  *string    `json:"details_url"`
	ExternalID  *string    `json:"external_id"`
	Status      *string    `json:"status"`
	Conclusion  *string    `json:"conclusion"`
	StartedAt   *time.Time `json:"started_at"`
	CompletedAt *time.Time `json:"completed_at"`
	Output      *struct {
		Title       *string      `json:"title"`
		Summary     *string      `json:"summary"`
		Text        *string      `json:"text"`
		Annotations []Annotation `json:"annotations"`
	} `json:"output"`
	Actions []Action `json:"actions"`
}

// Limits GitHub documents outside the schema.
const (
	maxAnnotationTitle   = 255
	maxAnnotationMessage = 64 * 1024
)

func (s *Server) createCheckRun(c *call) *response {
	var req checkRunRequest
	if err := json.Unmarshal(c.body, &req); err != nil {
		return errorResponse(http.StatusBadRequest, "Problems parsing JSON", docURL(c))
	}
	if resp := checkAnnotations(c, req); resp != nil {
		return resp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.resolveLocked(c.repo, req.HeadSHA) == nil || len(req.HeadSHA) != 40 {
		return validationFailed(c, "No commit found for SHA: "+req.HeadSHA)
	}
	now := s.now()
	cr := &CheckRun{
		ID:        s.id(),
		Repo:      c.repo.FullName(),
		HeadSHA:   req.HeadSHA,
		Status:    "queued",
		StartedAt: now,
	}
	suiteKey := key(cr.Repo) + "@" + cr.HeadSHA
	if s.suites[suiteKey] == 0 {
		s.suites[suiteKey] = s.id()
	}
	cr.CheckSuiteID = s.suites[suiteKey]
	applyCheckRun(cr, req, now)
	cr.History = append(cr.History, version(cr, "checks/create", c.body, now, req))
	s.checkRuns[cr.ID] = cr
	s.checkRunOrder = append(s.checkRunOrder, cr.ID)
	return jsonResponse(http.StatusCreated, s.checkRunJSON(cr))
}

func (s *Server) updateCheckRun(c *call) *response {
	var req checkRunRequest
	if err := json.Unmarshal(c.body, &req); err != nil {
		return errorResponse(http.StatusBadRequest, "Problems parsing JSON", docURL(c))
	}
	if resp := checkAnnotations(c, req); resp != nil {
		return resp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cr := s.checkRunParamLocked(c)
	if cr == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	now := s.now()
	applyCheckRun(cr, req, now)
	cr.History = append(cr.History, version(cr, "checks/update", c.body, now, req))
	return jsonResponse(http.StatusOK, s.checkRunJSON(cr))
}

func (s *Server) getCheckRun(c *call) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	cr := s.checkRunParamLocked(c)
	if cr == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	return jsonResponse(http.StatusOK, s.checkRunJSON(cr))
}

func (s *Server) checkRunParamLocked(c *call) *CheckRun {
	id, err := strconv.ParseInt(c.params["check_run_id"], 10, 64)
	if err != nil {
		return nil
	}
	cr := s.checkRuns[id]
	if cr == nil || key(cr.Repo) != key(c.repo.FullName()) {
		return nil
	}
	return cr
}

// applyCheckRun applies a create or update request the way GitHub does:
// a conclusion completes the run, annotations accumulate, output and
// actions are replaced when given.
func applyCheckRun(cr *CheckRun, req checkRunRequest, now time.Time) {
	if req.Name != nil {
		cr.Name = *req.Name
	}
	if req.DetailsURL != nil {
		cr.DetailsURL = *req.DetailsURL
	}
	if req.ExternalID != nil {
		cr.ExternalID = *req.ExternalID
	}
	if req.StartedAt != nil {
		cr.StartedAt = *req.StartedAt
	}
	if req.Status != nil {
		cr.Status = *req.Status
		if cr.Status != "completed" {
			cr.Conclusion = ""
			cr.CompletedAt = time.Time{}
		}
	}
	if req.Conclusion != nil {
		cr.Conclusion = *req.Conclusion
		cr.Status = "completed"
	}
	if req.CompletedAt != nil {
		cr.CompletedAt = *req.CompletedAt
	}
	if cr.Status == "completed" && cr.CompletedAt.IsZero() {
		cr.CompletedAt = now
	}
	if o := req.Output; o != nil {
		if o.Title != nil {
			cr.Output.Title = *o.Title
		}
		if o.Summary != nil {
			cr.Output.Summary = *o.Summary
		}
		if o.Text != nil {
			cr.Output.Text = *o.Text
		}
		cr.Annotations = append(cr.Annotations, o.Annotations...)
	}
	if req.Actions != nil {
		cr.Actions = slices.Clone(req.Actions)
	}
}

func version(cr *CheckRun, op string, body []byte, now time.Time, req checkRunRequest) CheckRunVersion {
	v := CheckRunVersion{
		Operation:  op,
		Body:       slices.Clone(body),
		At:         now,
		Status:     cr.Status,
		Conclusion: cr.Conclusion,
		Name:       cr.Name,
		Output:     cr.Output,
		Actions:    slices.Clone(cr.Actions),
	}
	if req.Output != nil {
		v.Annotations = slices.Clone(req.Output.Annotations)
	}
	return v
}

// checkAnnotations enforces GitHub's annotation rules the schema does not
// carry.
func checkAnnotations(c *call, req checkRunRequest) *response {
	if req.Output == nil {
		return nil
	}
	for i, a := range req.Output.Annotations {
		switch {
		case a.StartLine < 1 || a.EndLine < a.StartLine:
			return validationFailed(c, fmt.Sprintf("annotation %d: start_line %d and end_line %d are not a line range", i, a.StartLine, a.EndLine))
		case (a.StartColumn != nil || a.EndColumn != nil) && a.StartLine != a.EndLine:
			return validationFailed(c, fmt.Sprintf("annotation %d: start_column and end_column need start_line == end_line", i))
		case utf8.RuneCountInString(a.Title) > maxAnnotationTitle:
			return validationFailed(c, fmt.Sprintf("annotation %d: title is longer than %d characters", i, maxAnnotationTitle))
		case len(a.Message) > maxAnnotationMessage || len(a.RawDetails) > maxAnnotationMessage:
			return validationFailed(c, fmt.Sprintf("annotation %d: message or raw_details is larger than 64 KB", i))
		case a.Path == "" || strings.HasPrefix(a.Path, "/"):
			return validationFailed(c, fmt.Sprintf("annotation %d: path %q is not a repository path", i, a.Path))
		}
	}
	return nil
}

// validationFailed is GitHub's 422.
func validationFailed(c *call, msg string) *response {
	return jsonResponse(http.StatusUnprocessableEntity, obj{
		"message":           msg,
		"documentation_url": docURL(c),
		"status":            "422",
	})
}

func strOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// checkRunJSON is a check-run; callers hold s.mu.
func (s *Server) checkRunJSON(cr *CheckRun) obj {
	api := fmt.Sprintf("%s/repos/%s/check-runs/%d", s.URL, cr.Repo, cr.ID)
	var open []*PullRequest
	for _, pr := range s.prs {
		if key(pr.Repo) == key(cr.Repo) && key(pr.Head.Repo) == key(cr.Repo) && pr.Head.SHA == cr.HeadSHA && pr.State == "open" {
			open = append(open, pr)
		}
	}
	slices.SortFunc(open, func(a, b *PullRequest) int { return a.Number - b.Number })
	prs := []any{}
	for _, pr := range open {
		prs = append(prs, s.prMinimalJSON(pr))
	}
	conclusion := strOrNil(cr.Conclusion)
	return obj{
		"id":           cr.ID,
		"head_sha":     cr.HeadSHA,
		"node_id":      nodeID("CheckRun", cr.ID),
		"external_id":  cr.ExternalID,
		"url":          api,
		"html_url":     fmt.Sprintf("%s/%s/runs/%d", s.URL, cr.Repo, cr.ID),
		"details_url":  strOrNil(cr.DetailsURL),
		"status":       cr.Status,
		"conclusion":   conclusion,
		"started_at":   ts(cr.StartedAt),
		"completed_at": ts(cr.CompletedAt),
		"output": obj{
			"title":             strOrNil(cr.Output.Title),
			"summary":           strOrNil(cr.Output.Summary),
			"text":              strOrNil(cr.Output.Text),
			"annotations_count": len(cr.Annotations),
			"annotations_url":   api + "/annotations",
		},
		"name":          cr.Name,
		"check_suite":   obj{"id": cr.CheckSuiteID},
		"app":           s.appJSON(),
		"pull_requests": prs,
	}
}

func (s *Server) listCheckRuns(c *call) *response {
	q := c.r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	cm := s.resolveLocked(c.repo, c.params["ref"])
	if cm == nil {
		return validationFailed(c, "No commit found for SHA: "+c.params["ref"])
	}
	var runs []*CheckRun
	for _, id := range s.checkRunOrder {
		cr := s.checkRuns[id]
		if key(cr.Repo) != key(c.repo.FullName()) || cr.HeadSHA != cm.sha {
			continue
		}
		if n := q.Get("check_name"); n != "" && cr.Name != n {
			continue
		}
		if st := q.Get("status"); st != "" && cr.Status != st {
			continue
		}
		if a := q.Get("app_id"); a != "" && a != strconv.FormatInt(s.opts.AppID, 10) {
			continue
		}
		runs = append(runs, cr)
	}
	// Newest first, as GitHub lists them.
	slices.Reverse(runs)
	if q.Get("filter") != "all" {
		seen := map[string]bool{}
		latest := runs[:0]
		for _, cr := range runs {
			if !seen[cr.Name] {
				seen[cr.Name] = true
				latest = append(latest, cr)
			}
		}
		runs = latest
	}
	page, perPage := pageParams(q)
	from, to, last := pageBounds(len(runs), page, perPage)
	list := make([]any, 0, to-from)
	for _, cr := range runs[from:to] {
		list = append(list, s.checkRunJSON(cr))
	}
	resp := jsonResponse(http.StatusOK, obj{"total_count": len(runs), "check_runs": list})
	resp.header = linkHeader(fmt.Sprintf("%s/repositories/%d/commits/%s/check-runs", s.URL, c.repo.ID, url.PathEscape(c.params["ref"])), q, page, last)
	return resp
}

// pageParams reads page and per_page (GitHub's default 30, at most 100).
func pageParams(q url.Values) (page, perPage int) {
	const def = 30
	page, _ = strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	perPage, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || perPage < 1 {
		perPage = def
	}
	return page, min(perPage, 100)
}

// pageBounds returns the slice of a page of n items, and the last page.
func pageBounds(n, page, perPage int) (from, to, last int) {
	last = max((n+perPage-1)/perPage, 1)
	from = min((page-1)*perPage, n)
	to = min(from+perPage, n)
	return from, to, last
}

// linkHeader is GitHub's Link header: prev, next, last, first, each only
// when it applies, with the query's other parameters kept.
func linkHeader(base string, q url.Values, page, last int) http.Header {
	if last <= 1 {
		return nil
	}
	link := func(p int, rel string) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "page" {
				v[k] = vs
			}
		}
		v.Set("page", strconv.Itoa(p))
		return fmt.Sprintf("<%s?%s>; rel=%q", base, encodeGitHubQuery(v), rel)
	}
	var parts []string
	if page > 1 {
		parts = append(parts, link(min(page-1, last), "prev"))
	}
	if page < last {
		parts = append(parts, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		parts = append(parts, link(1, "first"))
	}
	if len(parts) == 0 {
		return nil
	}
	return http.Header{"Link": {strings.Join(parts, ", ")}}
}

// encodeGitHubQuery encodes a query with per_page before page, as in
// GitHub's links.
func encodeGitHubQuery(v url.Values) string {
	page := v.Get("page")
	v.Del("page")
	s := v.Encode()
	if s != "" {
		s += "&"
	}
	return s + "page=" + url.QueryEscape(page)
}
