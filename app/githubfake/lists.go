package githubfake

import (
	"fmt"
	"net/http"
)

// The list operations a client needs to find out what an earlier request
// whose answer it lost made: a check run's annotations, a pull request's
// reviews and review comments. They page like GitHub (per_page at most
// 100, a Link header).

func (s *Server) listAnnotations(c *call) *response {
	q := c.r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	cr := s.checkRunParamLocked(c)
	if cr == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	page, perPage := pageParams(q)
	from, to, last := pageBounds(len(cr.Annotations), page, perPage)
	list := make([]any, 0, to-from)
	for _, a := range cr.Annotations[from:to] {
		list = append(list, s.annotationJSON(cr, a))
	}
	resp := jsonResponse(http.StatusOK, list)
	resp.header = linkHeader(fmt.Sprintf("%s/repositories/%d/check-runs/%d/annotations", s.URL, c.repo.ID, cr.ID), q, page, last)
	return resp
}

// annotationJSON is a check-annotation; callers hold s.mu.
func (s *Server) annotationJSON(cr *CheckRun, a Annotation) obj {
	intOrNil := func(p *int) any {
		if p == nil {
			return nil
		}
		return *p
	}
	return obj{
		"path":             a.Path,
		"blob_href":        fmt.Sprintf("%s/%s/blob/%s/%s", s.URL, cr.Repo, cr.HeadSHA, a.Path),
		"start_line":       a.StartLine,
		"end_line":         a.EndLine,
		"start_column":     intOrNil(a.StartColumn),
		"end_column":       intOrNil(a.EndColumn),
		"annotation_level": strOrNil(a.AnnotationLevel),
		"title":            strOrNil(a.Title),
		"message":          strOrNil(a.Message),
		"raw_details":      strOrNil(a.RawDetails),
	}
}

func (s *Server) listReviews(c *call) *response {
	q := c.r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := s.prParamLocked(c)
	if pr == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	reviews := s.reviews[prKey(pr.Repo, pr.Number)]
	page, perPage := pageParams(q)
	from, to, last := pageBounds(len(reviews), page, perPage)
	list := make([]any, 0, to-from)
	for _, rv := range reviews[from:to] {
		list = append(list, s.reviewJSON(pr, rv))
	}
	resp := jsonResponse(http.StatusOK, list)
	resp.header = linkHeader(fmt.Sprintf("%s/repositories/%d/pulls/%d/reviews", s.URL, c.repo.ID, pr.Number), q, page, last)
	return resp
}

// listReviewComments lists a pull request's review comments in creation
// order (sort and since are not applied: the order is GitHub's default).
func (s *Server) listReviewComments(c *call) *response {
	q := c.r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := s.prParamLocked(c)
	if pr == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	comments := s.comments[prKey(pr.Repo, pr.Number)]
	page, perPage := pageParams(q)
	from, to, last := pageBounds(len(comments), page, perPage)
	list := make([]any, 0, to-from)
	for _, rc := range comments[from:to] {
		list = append(list, s.reviewCommentJSON(pr, rc, rc.hunk))
	}
	resp := jsonResponse(http.StatusOK, list)
	resp.header = linkHeader(fmt.Sprintf("%s/repositories/%d/pulls/%d/comments", s.URL, c.repo.ID, pr.Number), q, page, last)
	return resp
}
