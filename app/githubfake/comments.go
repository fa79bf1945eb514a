package githubfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Review comments change after they are made: their author edits or
// deletes them (PATCH and DELETE /repos/{owner}/{repo}/pulls/comments/{id}),
// people reply to them (AddReviewComment).

// commentParamLocked returns the review comment the call's comment_id
// names in the call's repository, with the key of its pull request.
func (s *Server) commentParamLocked(c *call) (string, *ReviewComment) {
	id, err := strconv.ParseInt(c.params["comment_id"], 10, 64)
	if err != nil {
		return "", nil
	}
	prefix := key(c.repo.FullName()) + "#"
	for k, cs := range s.comments {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		for _, rc := range cs {
			if rc.ID == id {
				return k, rc
			}
		}
	}
	return "", nil
}

func (s *Server) updateReviewComment(c *call) *response {
	var req struct {
		Body string `json:"body"`
	}
	if err := json.Unmarshal(c.body, &req); err != nil {
		return errorResponse(http.StatusBadRequest, "Problems parsing JSON", docURL(c))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, rc := s.commentParamLocked(c)
	if rc == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	rc.Body = req.Body
	rc.Edits++
	for _, rv := range s.reviews[k] {
		// The review may hold a copy (after a delete cloned its list).
		for i := range rv.Comments {
			if rv.Comments[i].ID == rc.ID {
				rv.Comments[i].Body, rv.Comments[i].Edits = rc.Body, rc.Edits
			}
		}
	}
	return jsonResponse(http.StatusOK, s.reviewCommentJSON(s.prs[k], rc, rc.hunk))
}

func (s *Server) deleteReviewComment(c *call) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, rc := s.commentParamLocked(c)
	if rc == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	s.deleteCommentLocked(k, rc.ID)
	return &response{status: http.StatusNoContent}
}

// deleteCommentLocked removes comment id from pull request k and its
// review; it reports whether there was one. Replies stay, as on GitHub.
func (s *Server) deleteCommentLocked(k string, id int64) bool {
	i := slices.IndexFunc(s.comments[k], func(c *ReviewComment) bool { return c.ID == id })
	if i < 0 {
		return false
	}
	s.comments[k] = slices.Delete(s.comments[k], i, i+1)
	for _, rv := range s.reviews[k] {
		// A copy: s.comments points into the review's array.
		rv.Comments = slices.DeleteFunc(slices.Clone(rv.Comments), func(c ReviewComment) bool { return c.ID == id })
	}
	return true
}

// DeleteReviewComment removes a review comment from a pull request, as a
// person deleting it on GitHub does; it reports whether there was one.
func (s *Server) DeleteReviewComment(repo string, pr int, id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleteCommentLocked(prKey(repo, pr), id)
}

// AddReviewComment adds a review comment as a person makes it on GitHub,
// in a review of their own: rc.User (default "octocat") comments rc.Body on
// line rc.Line (and from rc.StartLine) of rc.Path on the RIGHT side of the
// pull request's diff at its head, or replies to comment rc.InReplyTo. It
// returns the comment as listed; it panics when the pull request or the
// line is not there.
func (s *Server) AddReviewComment(repo string, pr int, rc ReviewComment) ReviewComment {
	if rc.User == "" {
		rc.User = "octocat"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := prKey(repo, pr)
	p := s.prs[k]
	if p == nil {
		panic(fmt.Sprintf("githubfake: AddReviewComment: no pull request %s#%d", repo, pr))
	}
	placed := ReviewComment{}
	hunk := ""
	if rc.InReplyTo != 0 {
		i := slices.IndexFunc(s.comments[k], func(c *ReviewComment) bool { return c.ID == rc.InReplyTo })
		if i < 0 {
			panic(fmt.Sprintf("githubfake: AddReviewComment: no comment %d to reply to", rc.InReplyTo))
		}
		parent := s.comments[k][i]
		placed, hunk = *parent, parent.hunk
		placed.InReplyTo = parent.ID
		placed.CommitID = p.Head.SHA
	} else {
		cr := commentRequest{Path: rc.Path, Body: rc.Body, CommitID: p.Head.SHA, Line: &rc.Line, Side: "RIGHT"}
		if rc.StartLine != 0 {
			cr.StartLine = &rc.StartLine
		}
		var err error
		if placed, hunk, err = s.locateLocked(p, cr); err != nil {
			panic(fmt.Sprintf("githubfake: AddReviewComment: %v", err))
		}
	}
	placed.Body, placed.User, placed.Edits = rc.Body, rc.User, 0
	placed.ID, placed.ReviewID = s.id(), s.id()
	placed.hunk = hunk
	s.comments[k] = append(s.comments[k], &placed)
	return placed
}
