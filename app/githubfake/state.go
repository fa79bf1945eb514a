package githubfake

import (
	"crypto/sha1" //nolint:gosec // git object IDs are SHA-1
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// repoState is a repository with its commits and branches.
type repoState struct {
	Repo
	branches map[string]string  // branch → commit SHA
	commits  map[string]*commit // SHA → commit
	created  time.Time
}

// commit is a snapshot of a repository's files.
type commit struct {
	sha   string
	files map[string]file
}

type file struct {
	data []byte      // the content; a symlink's target
	mode fs.FileMode // 0o644 or 0o755; fs.ModeSymlink for a symlink
}

type token struct {
	inst    int64
	expires time.Time
	repos   map[string]bool // lower-case full names; nil: every repository
}

type tarballLink struct {
	repo    *repoState
	sha     string
	expires time.Time
}

type treeRef struct {
	repo string
	sha  string // commit
	dir  string // "" for the root
}

func key(fullName string) string { return strings.ToLower(fullName) }

func splitFullName(fullName string) (owner, name string) {
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		panic(fmt.Sprintf("githubfake: repository %q is not owner/name", fullName))
	}
	return owner, name
}

// AddInstallation adds an installation of the app. Installing again on
// the same ID replaces it.
func (s *Server) AddInstallation(inst Installation) {
	if inst.ID == 0 || inst.Account == "" {
		panic("githubfake: AddInstallation needs ID and Account")
	}
	if inst.AccountType == "" {
		inst.AccountType = "Organization"
	}
	if inst.AccountID == 0 {
		inst.AccountID = 100000 + inst.ID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.installations[inst.ID] = &inst
}

// AddRepo adds (or replaces) a repository and returns it with its
// defaults filled in.
func (s *Server) AddRepo(r Repo) Repo {
	if r.Owner == "" || r.Name == "" {
		panic("githubfake: AddRepo needs Owner and Name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addRepoLocked(r).Repo
}

func (s *Server) addRepoLocked(r Repo) *repoState {
	if r.DefaultBranch == "" {
		r.DefaultBranch = "main"
	}
	if r.ID == 0 {
		r.ID = s.id()
	}
	rs := &repoState{Repo: r, branches: map[string]string{}, commits: map[string]*commit{}, created: s.now()}
	if old := s.repos[key(r.FullName())]; old != nil {
		rs.branches, rs.commits = old.branches, old.commits
		delete(s.reposByID, old.ID)
	}
	s.repos[key(r.FullName())] = rs
	s.reposByID[r.ID] = rs
	return rs
}

// Repo returns a repository by full name.
func (s *Server) Repo(fullName string) (Repo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.repos[key(fullName)]
	if rs == nil {
		return Repo{}, false
	}
	return rs.Repo, true
}

// repoLocked returns the repository, creating it when create is set.
func (s *Server) repoLocked(fullName string, create bool) *repoState {
	if rs := s.repos[key(fullName)]; rs != nil || !create {
		return rs
	}
	owner, name := splitFullName(fullName)
	return s.addRepoLocked(Repo{Owner: owner, Name: name})
}

// AddCommit adds a commit with the given files (path → content) to a
// repository, creating the repository if needed, and returns its SHA
// (computed from the files when sha is empty). The first commit of a
// repository becomes the head of its default branch.
func (s *Server) AddCommit(repo, sha string, files map[string]string) string {
	fs := make(map[string]file, len(files))
	for p, c := range files {
		fs[cleanPath(p)] = file{data: []byte(c), mode: 0o644}
	}
	return s.addCommit(repo, sha, fs)
}

// AddCommitLinks is AddCommit with symlinks too (path → target, as git
// stores them): the tarball carries them as symlink entries, as GitHub's
// does, and the tree lists them with mode 120000.
func (s *Server) AddCommitLinks(repo, sha string, files, links map[string]string) string {
	all := make(map[string]file, len(files)+len(links))
	for p, c := range files {
		all[cleanPath(p)] = file{data: []byte(c), mode: 0o644}
	}
	for p, target := range links {
		all[cleanPath(p)] = file{data: []byte(target), mode: fs.ModeSymlink | 0o777}
	}
	return s.addCommit(repo, sha, all)
}

// AddCommitFS is AddCommit with the regular files of fsys (executable
// bits kept).
func (s *Server) AddCommitFS(repo, sha string, fsys fs.FS) (string, error) {
	files := map[string]file{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if info, err := d.Info(); err == nil && info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		files[p] = file{data: data, mode: mode}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("githubfake: read commit files for %s: %w", repo, err)
	}
	return s.addCommit(repo, sha, files), nil
}

func (s *Server) addCommit(repo, sha string, files map[string]file) string {
	if sha == "" {
		sha = commitSHA(files)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.repoLocked(repo, true)
	rs.commits[sha] = &commit{sha: sha, files: files}
	if _, ok := rs.branches[rs.DefaultBranch]; !ok {
		rs.branches[rs.DefaultBranch] = sha
	}
	return sha
}

// SetBranch points a branch of a repository at a commit.
func (s *Server) SetBranch(repo, branch, sha string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repoLocked(repo, true).branches[branch] = sha
}

// AddOrgConfig puts files (path → content) in the organization's
// ".github" repository, on a new commit at the head of its default branch,
// where GitHub Apps read organization-wide configuration from.
func (s *Server) AddOrgConfig(org string, files map[string]string) string {
	repo := org + "/.github"
	sha := s.AddCommit(repo, "", files)
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.repoLocked(repo, false)
	rs.branches[rs.DefaultBranch] = sha
	return sha
}

// AddPullRequest adds (or replaces) a pull request. Its repository is
// created if needed; a head in another repository (a fork) too, with
// Parent set.
func (s *Server) AddPullRequest(pr PullRequest) {
	if pr.Repo == "" || pr.Number == 0 {
		panic("githubfake: AddPullRequest needs Repo and Number")
	}
	if pr.State == "" {
		pr.State = "open"
	}
	if pr.User == "" {
		pr.User = "octocat"
	}
	if pr.Title == "" {
		pr.Title = "Pull request " + strconv.Itoa(pr.Number)
	}
	if pr.Head.Repo == "" {
		pr.Head.Repo = pr.Repo
	}
	if pr.Base.Repo == "" {
		pr.Base.Repo = pr.Repo
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if pr.ID == 0 {
		pr.ID = s.id()
	}
	base := s.repoLocked(pr.Repo, true)
	if pr.Base.Ref == "" {
		pr.Base.Ref = base.DefaultBranch
	}
	if key(pr.Head.Repo) != key(pr.Repo) {
		// A head in another repository is a fork of the base.
		if head := s.repoLocked(pr.Head.Repo, false); head == nil {
			owner, name := splitFullName(pr.Head.Repo)
			s.addRepoLocked(Repo{Owner: owner, Name: name, Parent: base.FullName()})
		} else if head.Parent == "" {
			head.Parent = base.FullName()
		}
	}
	p := pr
	p.Files = slices.Clone(pr.Files)
	s.prs[prKey(pr.Repo, pr.Number)] = &p
}

func prKey(repo string, n int) string { return key(repo) + "#" + strconv.Itoa(n) }

// AddManifestCode registers a code of the GitHub App manifest flow; its
// conversion (once, like GitHub's) returns the returned credentials,
// which are the fake's own app.
func (s *Server) AddManifestCode(code string) ManifestApp {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &ManifestApp{
		ID:            s.opts.AppID,
		Slug:          appSlug,
		Name:          appSlug,
		ClientID:      "Iv1." + hex.EncodeToString([]byte(code))[:min(16, 2*len(code))],
		ClientSecret:  "fake-client-secret-" + code,
		WebhookSecret: "fake-webhook-secret-" + code,
		PEM:           string(s.keyPEM),
	}
	s.manifests[code] = m
	s.clientSecrets[m.ClientID] = m.ClientSecret
	return *m
}

// Tokens returns how many installation tokens were issued.
func (s *Server) Tokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tokens)
}

// CheckRuns returns the check runs of a repository, in creation order.
func (s *Server) CheckRuns(repo string) []CheckRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CheckRun
	for _, id := range s.checkRunOrder {
		if cr := s.checkRuns[id]; key(cr.Repo) == key(repo) {
			out = append(out, cloneCheckRun(cr))
		}
	}
	return out
}

func cloneCheckRun(cr *CheckRun) CheckRun {
	c := *cr
	c.Annotations = slices.Clone(cr.Annotations)
	c.Actions = slices.Clone(cr.Actions)
	c.History = make([]CheckRunVersion, len(cr.History))
	for i, v := range cr.History {
		v.Body = slices.Clone(v.Body)
		v.Annotations = slices.Clone(v.Annotations)
		v.Actions = slices.Clone(v.Actions)
		c.History[i] = v
	}
	return c
}

// Reviews returns the reviews posted on a pull request, oldest first.
func (s *Server) Reviews(repo string, pr int) []Review {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Review
	for _, r := range s.reviews[prKey(repo, pr)] {
		c := *r
		c.Comments = slices.Clone(r.Comments)
		out = append(out, c)
	}
	return out
}

// ReviewComments returns every review comment of a pull request, those
// posted inside reviews and alone, oldest first.
func (s *Server) ReviewComments(repo string, pr int) []ReviewComment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ReviewComment, 0, len(s.comments[prKey(repo, pr)]))
	for _, c := range s.comments[prKey(repo, pr)] {
		out = append(out, *c)
	}
	return out
}

// network returns the repositories sharing commits with rs: its fork
// network.
func (s *Server) networkLocked(rs *repoState) []*repoState {
	root := rs
	for i := 0; root.Parent != "" && i < 16; i++ {
		p := s.repos[key(root.Parent)]
		if p == nil {
			break
		}
		root = p
	}
	out := []*repoState{rs}
	if root != rs {
		out = append(out, root)
	}
	names := make([]string, 0, len(s.repos))
	for k := range s.repos {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		r := s.repos[k]
		if r != rs && r != root && r.Parent != "" && key(r.Parent) == key(root.FullName()) {
			out = append(out, r)
		}
	}
	return out
}

// resolveLocked finds the commit a ref names in a repository: a branch
// (also as heads/x or refs/heads/x), a full SHA or an abbreviated one (at
// least 7 digits), looking through the fork network for SHAs.
func (s *Server) resolveLocked(rs *repoState, ref string) *commit {
	if ref == "" {
		ref = rs.DefaultBranch
	}
	b := strings.TrimPrefix(strings.TrimPrefix(ref, "refs/"), "heads/")
	if sha, ok := rs.branches[b]; ok {
		ref = sha
	}
	net := s.networkLocked(rs)
	for _, r := range net {
		if c := r.commits[ref]; c != nil {
			return c
		}
	}
	if len(ref) >= 7 && len(ref) < 40 {
		for _, r := range net {
			for sha, c := range r.commits {
				if strings.HasPrefix(sha, ref) {
					return c
				}
			}
		}
	}
	return nil
}

// installationForLocked is the installation that may read rs.
func (s *Server) installationForLocked(rs *repoState) *Installation {
	if rs.InstallationID != 0 {
		return s.installations[rs.InstallationID]
	}
	ids := make([]int64, 0, len(s.installations))
	for id := range s.installations {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if strings.EqualFold(s.installations[id].Account, rs.Owner) {
			return s.installations[id]
		}
	}
	return nil
}

// cleanPath normalizes a repository path.
func cleanPath(p string) string {
	return strings.TrimPrefix(path.Clean("/"+p), "/")
}

// blobSHA is git's object ID of a blob.
func blobSHA(data []byte) string {
	h := sha1.New() //nolint:gosec // git object IDs are SHA-1
	_, _ = fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// commitSHA derives a stable commit SHA from the files.
func commitSHA(files map[string]file) string {
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	sort.Strings(names)
	h := sha1.New() //nolint:gosec // an ID, not a signature
	for _, p := range names {
		_, _ = fmt.Fprintf(h, "%o %s %s\n", files[p].mode, p, blobSHA(files[p].data))
	}
	return hex.EncodeToString(h.Sum(nil))
}
