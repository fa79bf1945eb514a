package githubfake

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha1" //nolint:gosec // git object IDs are SHA-1
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"
)

// archiveTime is the modification time of tarball entries.
var archiveTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func (s *Server) getContent(c *call) *response {
	p := cleanPath(c.params["path"])
	ref := c.r.URL.Query().Get("ref")
	s.mu.Lock()
	defer s.mu.Unlock()
	cm := s.resolveLocked(c.repo, ref)
	if cm == nil {
		return errorResponse(http.StatusNotFound, "No commit found for the ref "+ref, docURL(c))
	}
	if ref == "" {
		ref = c.repo.DefaultBranch
	}
	if f, ok := cm.files[p]; ok {
		if mt := rawMediaType(c.r.Header.Get("Accept")); mt != "" {
			return &response{
				status:     http.StatusOK,
				header:     http.Header{"Content-Type": {mt + "; charset=utf-8"}},
				raw:        f.data,
				novalidate: true,
			}
		}
		return jsonResponse(http.StatusOK, s.contentJSON(c.repo, ref, p, f, true))
	}
	var list []any
	seen := map[string]bool{}
	prefix := p + "/"
	if p == "" || p == "." {
		prefix = ""
	}
	names := make([]string, 0, len(cm.files))
	for name := range cm.files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		if dir, _, isDir := strings.Cut(rest, "/"); isDir {
			if !seen[dir] {
				seen[dir] = true
				list = append(list, s.dirEntryJSON(c.repo, ref, prefix+dir, cm))
			}
			continue
		}
		list = append(list, s.contentJSON(c.repo, ref, name, cm.files[name], false))
	}
	if len(list) == 0 {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	return jsonResponse(http.StatusOK, list)
}

// rawMediaType returns the raw media type asked for, if any.
func rawMediaType(accept string) string {
	for _, mt := range strings.Split(accept, ",") {
		mt = strings.TrimSpace(strings.SplitN(mt, ";", 2)[0])
		if strings.HasPrefix(mt, "application/vnd.github.") && strings.HasSuffix(mt, ".raw") {
			return mt
		}
	}
	return ""
}

// contentJSON is a content-file (withContent: the single-file answer).
func (s *Server) contentJSON(rs *repoState, ref, p string, f file, withContent bool) obj {
	sha := blobSHA(f.data)
	self := fmt.Sprintf("%s/repos/%s/contents/%s?ref=%s", s.URL, rs.FullName(), p, url.QueryEscape(ref))
	git := fmt.Sprintf("%s/repos/%s/git/blobs/%s", s.URL, rs.FullName(), sha)
	html := fmt.Sprintf("%s/%s/blob/%s/%s", s.URL, rs.FullName(), ref, p)
	o := obj{
		"type":         "file",
		"size":         len(f.data),
		"name":         path.Base(p),
		"path":         p,
		"sha":          sha,
		"url":          self,
		"git_url":      git,
		"html_url":     html,
		"download_url": fmt.Sprintf("%s/_raw/%s/%s/%s", s.URL, rs.FullName(), ref, p),
		"_links":       obj{"self": self, "git": git, "html": html},
	}
	if withContent {
		o["encoding"] = "base64"
		o["content"] = wrapBase64(f.data)
	}
	return o
}

func (s *Server) dirEntryJSON(rs *repoState, ref, p string, cm *commit) obj {
	sha := s.treeSHALocked(rs, cm.sha, p)
	self := fmt.Sprintf("%s/repos/%s/contents/%s?ref=%s", s.URL, rs.FullName(), p, url.QueryEscape(ref))
	git := fmt.Sprintf("%s/repos/%s/git/trees/%s", s.URL, rs.FullName(), sha)
	html := fmt.Sprintf("%s/%s/tree/%s/%s", s.URL, rs.FullName(), ref, p)
	return obj{
		"type":         "dir",
		"size":         0,
		"name":         path.Base(p),
		"path":         p,
		"sha":          sha,
		"url":          self,
		"git_url":      git,
		"html_url":     html,
		"download_url": nil,
		"_links":       obj{"self": self, "git": git, "html": html},
	}
}

// wrapBase64 encodes like GitHub: lines of 60 characters, each ending in
// a newline.
func wrapBase64(data []byte) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > 60 {
		b.WriteString(enc[:60])
		b.WriteByte('\n')
		enc = enc[60:]
	}
	b.WriteString(enc)
	b.WriteByte('\n')
	return b.String()
}

func (s *Server) tarball(c *call) *response {
	ref := c.params["ref"]
	s.mu.Lock()
	defer s.mu.Unlock()
	cm := s.resolveLocked(c.repo, ref)
	if cm == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	tok := newToken()[4:]
	s.tarballs[tok] = &tarballLink{repo: c.repo, sha: cm.sha, expires: s.now().Add(s.opts.TarballTTL)}
	loc := fmt.Sprintf("%s/_codeload/%s/legacy.tar.gz/%s?token=%s", s.URL, c.repo.FullName(), ref, tok)
	return &response{
		status: http.StatusFound,
		header: http.Header{"Location": {loc}, "Content-Type": {"text/html;charset=utf-8"}},
		raw:    nil,
	}
}

// codeload serves the tarball a redirect points to, while its token
// lasts.
func (s *Server) codeload(c *call, escaped string) *response {
	notFound := &response{status: http.StatusNotFound, header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, raw: []byte("404: Not Found"), novalidate: true}
	if c.r.Method != http.MethodGet {
		s.violate("%s %s: codeload only answers GET", c.r.Method, escaped)
		return notFound
	}
	s.mu.Lock()
	link := s.tarballs[c.r.URL.Query().Get("token")]
	var cm *commit
	if link != nil && s.now().Before(link.expires) {
		cm = s.resolveLocked(link.repo, link.sha)
	}
	s.mu.Unlock()
	if cm == nil {
		return notFound
	}
	root := fmt.Sprintf("%s-%s-%s", link.repo.Owner, link.repo.Name, cm.sha[:7])
	data, err := tarGz(root, cm)
	if err != nil {
		s.violate("githubfake bug: tarball: %v", err)
		return &response{status: http.StatusInternalServerError, raw: []byte(err.Error()), novalidate: true}
	}
	return &response{
		status: http.StatusOK,
		header: http.Header{
			"Content-Type":        {"application/x-gzip"},
			"Content-Disposition": {"attachment; filename=" + root + ".tar.gz"},
		},
		raw:        data,
		novalidate: true,
	}
}

// tarGz builds a tarball shaped like GitHub's (git archive): a pax global
// header carrying the commit SHA, then everything under one top-level
// directory owner-repo-sha7/.
func tarGz(root string, cm *commit) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{
		Typeflag:   tar.TypeXGlobalHeader,
		Name:       "pax_global_header",
		PAXRecords: map[string]string{"comment": cm.sha},
		Format:     tar.FormatPAX,
	}); err != nil {
		return nil, fmt.Errorf("pax header: %w", err)
	}
	names := make([]string, 0, len(cm.files))
	for p := range cm.files {
		names = append(names, p)
	}
	sort.Strings(names)
	dirs := map[string]bool{}
	writeDir := func(d string) error {
		if dirs[d] {
			return nil
		}
		dirs[d] = true
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o775, ModTime: archiveTime, Format: tar.FormatPAX})
	}
	if err := writeDir(root); err != nil {
		return nil, err
	}
	for _, p := range names {
		f := cm.files[p]
		parts := strings.Split(p, "/")
		for i := 1; i < len(parts); i++ {
			if err := writeDir(root + "/" + strings.Join(parts[:i], "/")); err != nil {
				return nil, err
			}
		}
		if f.mode&fs.ModeSymlink != 0 {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: root + "/" + p, Linkname: string(f.data), Mode: 0o777, ModTime: archiveTime, Format: tar.FormatPAX}); err != nil {
				return nil, err
			}
			continue
		}
		mode := int64(0o664)
		if f.mode&0o111 != 0 {
			mode = 0o775
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: root + "/" + p, Mode: mode, Size: int64(len(f.data)), ModTime: archiveTime, Format: tar.FormatPAX}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// treeSHALocked names the tree of dir in a commit, and remembers it.
func (s *Server) treeSHALocked(rs *repoState, commitSHA, dir string) string {
	h := sha1.New() //nolint:gosec // an ID
	_, _ = fmt.Fprintf(h, "tree\x00%s\x00%s", commitSHA, dir)
	sha := hex.EncodeToString(h.Sum(nil))
	s.trees[sha] = treeRef{repo: key(rs.FullName()), sha: commitSHA, dir: dir}
	return sha
}

func (s *Server) getTree(c *call) *response {
	ref := c.params["tree_sha"]
	_, recursive := c.r.URL.Query()["recursive"]
	s.mu.Lock()
	defer s.mu.Unlock()
	var cm *commit
	dir := ""
	if t, ok := s.trees[ref]; ok && t.repo == key(c.repo.FullName()) {
		cm = s.resolveLocked(c.repo, t.sha)
		dir = t.dir
	} else {
		cm = s.resolveLocked(c.repo, ref)
	}
	if cm == nil {
		return errorResponse(http.StatusNotFound, "Not Found", docURL(c))
	}
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	names := make([]string, 0, len(cm.files))
	for p := range cm.files {
		if strings.HasPrefix(p, prefix) {
			names = append(names, strings.TrimPrefix(p, prefix))
		}
	}
	sort.Strings(names)
	var entries []any
	seen := map[string]bool{}
	for _, rel := range names {
		parts := strings.Split(rel, "/")
		depth := len(parts)
		if !recursive {
			depth = 1
		}
		for i := 1; i < min(depth+1, len(parts)); i++ {
			sub := strings.Join(parts[:i], "/")
			if seen[sub] {
				continue
			}
			seen[sub] = true
			sha := s.treeSHALocked(c.repo, cm.sha, prefix+sub)
			entries = append(entries, obj{"path": sub, "mode": "040000", "type": "tree", "sha": sha, "url": fmt.Sprintf("%s/repos/%s/git/trees/%s", s.URL, c.repo.FullName(), sha)})
		}
		if !recursive && len(parts) > 1 {
			continue
		}
		f := cm.files[prefix+rel]
		mode := "100644"
		switch {
		case f.mode&fs.ModeSymlink != 0:
			mode = "120000"
		case f.mode&0o111 != 0:
			mode = "100755"
		}
		sha := blobSHA(f.data)
		entries = append(entries, obj{"path": rel, "mode": mode, "type": "blob", "sha": sha, "size": len(f.data), "url": fmt.Sprintf("%s/repos/%s/git/blobs/%s", s.URL, c.repo.FullName(), sha)})
	}
	sha := s.treeSHALocked(c.repo, cm.sha, dir)
	if entries == nil {
		entries = []any{}
	}
	return jsonResponse(http.StatusOK, obj{
		"sha":       sha,
		"url":       fmt.Sprintf("%s/repos/%s/git/trees/%s", s.URL, c.repo.FullName(), sha),
		"tree":      entries,
		"truncated": false,
	})
}

// rawFile serves a download_url (/_raw/owner/repo/ref/path, like
// raw.githubusercontent.com); the ref may hold slashes.
func (s *Server) rawFile(c *call, escaped string) *response {
	notFound := &response{status: http.StatusNotFound, header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, raw: []byte("404: Not Found"), novalidate: true}
	if c.r.Method != http.MethodGet {
		s.violate("%s %s: raw downloads only answer GET", c.r.Method, escaped)
		return notFound
	}
	unescaped, err := url.PathUnescape(strings.TrimPrefix(escaped, "/_raw/"))
	if err != nil {
		return notFound
	}
	parts := strings.Split(unescaped, "/")
	if len(parts) < 4 {
		return notFound
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.repos[key(parts[0]+"/"+parts[1])]
	if rs == nil {
		return notFound
	}
	for i := 3; i < len(parts); i++ {
		cm := s.resolveLocked(rs, strings.Join(parts[2:i], "/"))
		if cm == nil {
			continue
		}
		if f, ok := cm.files[strings.Join(parts[i:], "/")]; ok {
			return &response{status: http.StatusOK, header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, raw: f.data, novalidate: true}
		}
	}
	return notFound
}
