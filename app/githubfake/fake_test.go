package githubfake_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"

	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/internal/testenv"
)

const (
	instID = int64(7)
	repo   = "acme/widgets"
)

// fixture is a fake with one installation, one repository and one pull
// request that changes a Dockerfile.
type fixture struct {
	fake       *githubfake.Server
	gh         *github.Client
	base, head string
}

const baseDockerfile = "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\nUSER root\nWORKDIR /src\nCOPY . .\nCMD [\"sh\"]\n"

const headDockerfile = "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl git\nUSER root\nWORKDIR /src\nCOPY . .\nCMD [\"bash\"]\n"

func newFixture(t *testing.T, opts githubfake.Options) *fixture {
	t.Helper()
	fake := githubfake.Start(t, opts)
	fake.AddInstallation(githubfake.Installation{ID: instID, Account: "acme"})
	base := fake.AddCommit(repo, "", map[string]string{
		"Dockerfile":              baseDockerfile,
		".github/coderready.yaml": "rules:\n  CR301: error\n",
		"README.md":               "# widgets\n",
	})
	head := fake.AddCommit(repo, "", map[string]string{
		"Dockerfile":                      headDockerfile,
		".github/coderready.yaml":         "rules:\n  CR301: error\n",
		"README.md":                       "# widgets\n",
		".devcontainer/devcontainer.json": "{\n  \"image\": \"debian:12\"\n}\n",
	})
	fake.SetBranch(repo, "feature/git", head)
	fake.AddPullRequest(githubfake.PullRequest{
		Repo:   repo,
		Number: 1,
		Head:   githubfake.PRRef{Ref: "feature/git", SHA: head},
		Base:   githubfake.PRRef{Ref: "main", SHA: base},
	})
	return &fixture{fake: fake, gh: installationClient(t, fake, instID), base: base, head: head}
}

func installationClient(t *testing.T, fake *githubfake.Server, id int64) *github.Client {
	t.Helper()
	tr, err := ghinstallation.New(http.DefaultTransport, fake.AppID(), id, fake.AppKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	tr.BaseURL = fake.URL
	return client(t, fake, tr)
}

func client(t *testing.T, fake *githubfake.Server, rt http.RoundTripper) *github.Client {
	t.Helper()
	gh := github.NewClient(&http.Client{Transport: rt})
	u, err := url.Parse(fake.APIURL())
	if err != nil {
		t.Fatal(err)
	}
	gh.BaseURL = u
	return gh
}

func TestNewFailsWithoutSubset(t *testing.T) {
	t.Setenv(testenv.TestdataDirEnv, t.TempDir())
	if _, err := githubfake.New(githubfake.Options{}); err == nil || !strings.Contains(err.Error(), "github-app-subset.json") {
		t.Fatalf("New without the OpenAPI subset: %v, want an error naming it", err)
	}
}

// endRecorder is a testing.TB whose cleanups run when the test says, and
// whose errors are recorded instead of failing the real test.
type endRecorder struct {
	testing.TB
	cleanups []func()
	errors   []string
}

func (r *endRecorder) Helper()           {}
func (r *endRecorder) Cleanup(fn func()) { r.cleanups = append(r.cleanups, fn) }
func (r *endRecorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// end runs the cleanups as the testing package does: last first.
func (r *endRecorder) end() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// TestUntakenViolationsFailTheTest: a request GitHub would refuse fails
// the test that made it when it ends, unless the test took it.
func TestUntakenViolationsFailTheTest(t *testing.T) {
	send := func(t *testing.T, fake *githubfake.Server) {
		resp, err := http.Get(fake.URL + "/no/such/operation")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}

	untaken := &endRecorder{TB: t}
	send(t, githubfake.Start(untaken, githubfake.Options{}))
	untaken.end()
	if len(untaken.errors) != 1 || !strings.Contains(untaken.errors[0], "/no/such/operation") {
		t.Errorf("untaken violation: the test's errors are %q, want one naming the request", untaken.errors)
	}

	taken := &endRecorder{TB: t}
	fake := githubfake.Start(taken, githubfake.Options{})
	send(t, fake)
	if v := fake.TakeViolations(); len(v) != 1 {
		t.Errorf("TakeViolations = %q, want the one request", v)
	}
	taken.end()
	if len(taken.errors) != 0 {
		t.Errorf("taken violation: the test's errors are %q, want none", taken.errors)
	}
}

func TestPullRequestFlow(t *testing.T) {
	f := newFixture(t, githubfake.Options{})
	ctx := context.Background()

	pr, _, err := f.gh.PullRequests.Get(ctx, "acme", "widgets", 1)
	if err != nil {
		t.Fatal(err)
	}
	if pr.GetHead().GetSHA() != f.head || pr.GetBase().GetSHA() != f.base || pr.GetHead().GetRef() != "feature/git" {
		t.Errorf("pull request head/base = %s@%s / %s", pr.GetHead().GetRef(), pr.GetHead().GetSHA(), pr.GetBase().GetSHA())
	}
	if pr.GetHead().GetRepo().GetFullName() != repo || pr.GetChangedFiles() != 2 {
		t.Errorf("head repo %q, changed files %d", pr.GetHead().GetRepo().GetFullName(), pr.GetChangedFiles())
	}

	files, _, err := f.gh.PullRequests.ListFiles(ctx, "acme", "widgets", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fl := range files {
		names = append(names, fl.GetFilename()+":"+fl.GetStatus())
	}
	if want := []string{".devcontainer/devcontainer.json:added", "Dockerfile:modified"}; !slices.Equal(names, want) {
		t.Errorf("files = %v, want %v", names, want)
	}
	wantPatch := "@@ -1,7 +1,7 @@\n FROM debian:12\n RUN apt-get update\n-RUN apt-get install -y curl\n+RUN apt-get install -y curl git\n USER root\n WORKDIR /src\n COPY . .\n-CMD [\"sh\"]\n+CMD [\"bash\"]"
	if got := files[1].GetPatch(); got != wantPatch {
		t.Errorf("patch:\n%s\nwant:\n%s", got, wantPatch)
	}

	// Contents: JSON (base64) and raw, at the base ref; 404 when absent.
	fc, _, _, err := f.gh.Repositories.GetContents(ctx, "acme", "widgets", ".github/coderready.yaml", &github.RepositoryContentGetOptions{Ref: f.base})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := fc.GetContent(); err != nil || s != "rules:\n  CR301: error\n" {
		t.Errorf("content = %q, %v", s, err)
	}
	rc, _, err := f.gh.Repositories.DownloadContents(ctx, "acme", "widgets", "Dockerfile", &github.RepositoryContentGetOptions{Ref: "main"})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(rc)
	rc.Close()
	if string(raw) != baseDockerfile {
		t.Errorf("download = %q", raw)
	}
	req, _ := f.gh.NewRequest(http.MethodGet, "repos/acme/widgets/contents/Dockerfile?ref="+f.head, nil)
	req.Header.Set("Accept", "application/vnd.github.raw")
	var sb strings.Builder
	if _, err := f.gh.Do(ctx, req, &sb); err != nil || sb.String() != headDockerfile {
		t.Errorf("raw contents = %q, %v", sb.String(), err)
	}
	_, _, resp, err := f.gh.Repositories.GetContents(ctx, "acme", "widgets", "nope.txt", nil)
	if resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("absent file: %v", err)
	}
	_, dir, _, err := f.gh.Repositories.GetContents(ctx, "acme", "widgets", ".github", nil)
	if err != nil || len(dir) != 1 || dir[0].GetName() != "coderready.yaml" {
		t.Errorf("directory listing = %v, %v", dir, err)
	}

	// Tarball: a redirect, then GitHub's layout.
	link, _, err := f.gh.Repositories.GetArchiveLink(ctx, "acme", "widgets", github.Tarball, &github.RepositoryContentGetOptions{Ref: "feature/git"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	entries := readTarball(t, link.String())
	root := "acme-widgets-" + f.head[:7] + "/"
	want := []string{"pax_global_header", root, root + ".devcontainer/", root + ".devcontainer/devcontainer.json", root + ".github/", root + ".github/coderready.yaml", root + "Dockerfile", root + "README.md"}
	if !slices.Equal(entries, want) {
		t.Errorf("tarball entries = %v\nwant %v", entries, want)
	}

	// Trees.
	tree, _, err := f.gh.Git.GetTree(ctx, "acme", "widgets", f.head, true)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, e := range tree.Entries {
		paths = append(paths, e.GetType()+":"+e.GetPath())
	}
	if want := []string{"tree:.devcontainer", "blob:.devcontainer/devcontainer.json", "tree:.github", "blob:.github/coderready.yaml", "blob:Dockerfile", "blob:README.md"}; !slices.Equal(paths, want) {
		t.Errorf("tree = %v", paths)
	}
	sub, _, err := f.gh.Git.GetTree(ctx, "acme", "widgets", tree.Entries[2].GetSHA(), false)
	if err != nil || len(sub.Entries) != 1 || sub.Entries[0].GetPath() != "coderready.yaml" {
		t.Errorf("subtree = %v, %v", sub, err)
	}

	// Review with a suggestion on a line of the diff.
	_, _, err = f.gh.PullRequests.CreateReview(ctx, "acme", "widgets", 1, &github.PullRequestReviewRequest{
		CommitID: github.String(f.head),
		Event:    github.String("COMMENT"),
		Body:     github.String("coderready suggestions"),
		Comments: []*github.DraftReviewComment{{
			Path: github.String("Dockerfile"),
			Line: github.Int(3),
			Side: github.String("RIGHT"),
			Body: github.String("```suggestion\nRUN apt-get install -y curl git jq\n```"),
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	revs := f.fake.Reviews(repo, 1)
	if len(revs) != 1 || revs[0].State != "COMMENTED" || len(revs[0].Comments) != 1 || revs[0].Comments[0].Line != 3 {
		t.Errorf("reviews = %+v", revs)
	}
	cm, _, err := f.gh.PullRequests.CreateComment(ctx, "acme", "widgets", 1, &github.PullRequestComment{
		CommitID:  github.String(f.head),
		Path:      github.String("Dockerfile"),
		Body:      github.String("two lines"),
		StartLine: github.Int(6),
		Line:      github.Int(7),
		Side:      github.String("RIGHT"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(cm.GetDiffHunk(), "+CMD [\"bash\"]") {
		t.Errorf("diff hunk = %q", cm.GetDiffHunk())
	}
	if n := len(f.fake.ReviewComments(repo, 1)); n != 2 {
		t.Errorf("review comments = %d", n)
	}
}

func readTarball(t *testing.T, u string) []string {
	t.Helper()
	resp, err := http.Get(u) //nolint:noctx // test
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("tarball download: %s", resp.Status)
	}
	gz, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
}

func TestCheckRuns(t *testing.T) {
	f := newFixture(t, githubfake.Options{})
	ctx := context.Background()
	cr, _, err := f.gh.Checks.CreateCheckRun(ctx, "acme", "widgets", github.CreateCheckRunOptions{
		Name:       "coderready / Dockerfile",
		HeadSHA:    f.head,
		Status:     github.String("in_progress"),
		ExternalID: github.String("job-1"),
		Output:     &github.CheckRunOutput{Title: github.String("Building"), Summary: github.String("building the image")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cr.GetStatus() != "in_progress" || cr.GetApp().GetID() != f.fake.AppID() || len(cr.PullRequests) != 1 {
		t.Errorf("created = %+v", cr)
	}
	// 120 annotations in batches of 50, then completion.
	var all []*github.CheckRunAnnotation
	for i := range 120 {
		all = append(all, &github.CheckRunAnnotation{
			Path: github.String("Dockerfile"), StartLine: github.Int(1 + i%7), EndLine: github.Int(1 + i%7),
			AnnotationLevel: github.String("warning"), Message: github.String(fmt.Sprintf("finding %d", i)),
		})
	}
	for start := 0; start < len(all); start += 50 {
		batch := all[start:min(start+50, len(all))]
		_, _, err := f.gh.Checks.UpdateCheckRun(ctx, "acme", "widgets", cr.GetID(), github.UpdateCheckRunOptions{
			Name:   "coderready / Dockerfile",
			Output: &github.CheckRunOutput{Title: github.String("3 findings"), Summary: github.String("summary"), Annotations: batch},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	done, _, err := f.gh.Checks.UpdateCheckRun(ctx, "acme", "widgets", cr.GetID(), github.UpdateCheckRunOptions{
		Name:       "coderready / Dockerfile",
		Conclusion: github.String("failure"),
		Actions:    []*github.CheckRunAction{{Label: "Re-run", Description: "Build and check again", Identifier: "rerun"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if done.GetStatus() != "completed" || done.GetConclusion() != "failure" || done.GetOutput().GetAnnotationsCount() != 120 || done.CompletedAt == nil {
		t.Errorf("completed = status %s conclusion %s annotations %d", done.GetStatus(), done.GetConclusion(), done.GetOutput().GetAnnotationsCount())
	}
	runs := f.fake.CheckRuns(repo)
	if len(runs) != 1 {
		t.Fatalf("check runs = %d", len(runs))
	}
	got := runs[0]
	if len(got.Annotations) != 120 || len(got.History) != 5 || got.Output.Title != "3 findings" || len(got.Actions) != 1 || got.ExternalID != "job-1" {
		t.Errorf("recorded run: %d annotations, %d versions, title %q, actions %v", len(got.Annotations), len(got.History), got.Output.Title, got.Actions)
	}
	if n := len(got.History[3].Annotations); n != 20 {
		t.Errorf("third batch = %d annotations", n)
	}
	if got.History[0].Status != "in_progress" || got.History[4].Status != "completed" {
		t.Errorf("history statuses %s … %s", got.History[0].Status, got.History[4].Status)
	}

	// A second run with the same name: list-for-ref shows the latest.
	cr2, _, err := f.gh.Checks.CreateCheckRun(ctx, "acme", "widgets", github.CreateCheckRunOptions{
		Name: "coderready / Dockerfile", HeadSHA: f.head, Status: github.String("queued"),
	})
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := f.gh.Checks.ListCheckRunsForRef(ctx, "acme", "widgets", "feature/git", &github.ListCheckRunsOptions{AppID: github.Int64(f.fake.AppID())})
	if err != nil {
		t.Fatal(err)
	}
	if list.GetTotal() != 1 || list.CheckRuns[0].GetID() != cr2.GetID() {
		t.Errorf("latest runs = %d, first %d", list.GetTotal(), list.CheckRuns[0].GetID())
	}
	list, _, err = f.gh.Checks.ListCheckRunsForRef(ctx, "acme", "widgets", f.head, &github.ListCheckRunsOptions{Filter: github.String("all")})
	if err != nil || list.GetTotal() != 2 {
		t.Errorf("all runs = %d, %v", list.GetTotal(), err)
	}
	got2, _, err := f.gh.Checks.GetCheckRun(ctx, "acme", "widgets", cr.GetID())
	if err != nil || got2.GetConclusion() != "failure" {
		t.Errorf("get = %v, %v", got2, err)
	}
	if c := f.fake.Count("checks/update"); c != 4 {
		t.Errorf("checks/update count = %d", c)
	}
}

func TestAppEndpoints(t *testing.T) {
	f := newFixture(t, githubfake.Options{})
	ctx := context.Background()
	atr, err := ghinstallation.NewAppsTransport(http.DefaultTransport, f.fake.AppID(), f.fake.AppKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	atr.BaseURL = f.fake.URL
	app := client(t, f.fake, atr)
	inst, _, err := app.Apps.GetInstallation(ctx, instID)
	if err != nil || inst.GetAccount().GetLogin() != "acme" || inst.GetAppID() != f.fake.AppID() {
		t.Fatalf("installation = %v, %v", inst, err)
	}
	inst, _, err = app.Apps.FindRepositoryInstallation(ctx, "acme", "widgets")
	if err != nil || inst.GetID() != instID {
		t.Fatalf("repository installation = %v, %v", inst, err)
	}
	tok, _, err := app.Apps.CreateInstallationToken(ctx, instID, &github.InstallationTokenOptions{Repositories: []string{"widgets"}})
	if err != nil || !strings.HasPrefix(tok.GetToken(), "ghs_") || len(tok.Repositories) != 1 {
		t.Fatalf("token = %v, %v", tok, err)
	}

	creds := f.fake.AddManifestCode("abc123")
	plain := client(t, f.fake, http.DefaultTransport)
	cfg, _, err := plain.Apps.CompleteAppManifest(ctx, "abc123")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GetID() != f.fake.AppID() || cfg.GetPEM() != string(f.fake.AppKeyPEM()) || cfg.GetWebhookSecret() != creds.WebhookSecret || cfg.GetClientSecret() == "" {
		t.Errorf("conversion = %+v", cfg)
	}
	if _, resp, err := plain.Apps.CompleteAppManifest(ctx, "abc123"); err == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("second conversion of a code: %v", err)
	}
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t, githubfake.Options{})
	ctx := context.Background()
	plain := client(t, f.fake, http.DefaultTransport)
	if _, resp, err := plain.PullRequests.Get(ctx, "acme", "widgets", 1); err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no credentials: %v", err)
	}
	// The app JWT is not an installation token.
	atr, _ := ghinstallation.NewAppsTransport(http.DefaultTransport, f.fake.AppID(), f.fake.AppKeyPEM())
	atr.BaseURL = f.fake.URL
	if _, resp, err := client(t, f.fake, atr).PullRequests.Get(ctx, "acme", "widgets", 1); err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("JWT on a repository: %v", err)
	}
	// Another installation's token.
	f.fake.AddInstallation(githubfake.Installation{ID: 8, Account: "other"})
	if _, resp, err := installationClient(t, f.fake, 8).PullRequests.Get(ctx, "acme", "widgets", 1); err == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("other installation: %v", err)
	}
	if v := f.fake.TakeViolations(); len(v) != 3 {
		t.Errorf("violations = %q", v)
	}
}

func TestAuthenticationWrongKey(t *testing.T) {
	key := strings.ReplaceAll(string(otherKeyPEM(t)), "\r", "")
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddInstallation(githubfake.Installation{ID: instID, Account: "acme"})
	tr, err := ghinstallation.New(http.DefaultTransport, fake.AppID(), instID, []byte(key))
	if err != nil {
		t.Fatal(err)
	}
	tr.BaseURL = fake.URL
	fake.AddCommit(repo, "", map[string]string{"a": "b"})
	_, _, _, err = client(t, fake, tr).Repositories.GetContents(context.Background(), "acme", "widgets", "a", nil)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("JWT signed by another key: %v", err)
	}
	if v := fake.TakeViolations(); len(v) != 1 || !strings.Contains(v[0], "not signed with the app's key") {
		t.Errorf("violations = %q", v)
	}
}

func TestTokenExpiry(t *testing.T) {
	clk := &clock{t: time.Now()}
	f := newFixture(t, githubfake.Options{TokenTTL: 2 * time.Hour, Now: clk.Now})
	ctx := context.Background()
	if _, _, err := f.gh.PullRequests.Get(ctx, "acme", "widgets", 1); err != nil {
		t.Fatal(err)
	}
	// The fake's clock runs ahead of the client's: the cached token has
	// expired on the server and the client does not know.
	clk.Add(3 * time.Hour)
	_, resp, err := f.gh.PullRequests.Get(ctx, "acme", "widgets", 1)
	if err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired token: %v", err)
	}
	if v := f.fake.TakeViolations(); len(v) != 1 || !strings.Contains(v[0], "expired") {
		t.Errorf("violations = %q", v)
	}
}

func TestTarballLinkExpires(t *testing.T) {
	clk := &clock{t: time.Now()}
	f := newFixture(t, githubfake.Options{TarballTTL: time.Minute, Now: clk.Now})
	link, _, err := f.gh.Repositories.GetArchiveLink(context.Background(), "acme", "widgets", github.Tarball, &github.RepositoryContentGetOptions{Ref: f.head}, 0)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Minute)
	resp, err := http.Get(link.String()) //nolint:noctx // test
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("expired tarball link: %s", resp.Status)
	}
	if f.fake.Count("codeload") != 1 || f.fake.Count("repos/download-tarball-archive") != 1 {
		t.Errorf("counts = %v", f.fake.Counts())
	}
}

func otherKeyPEM(t *testing.T) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

// do sends a raw JSON request with the installation client.
func (f *fixture) do(t *testing.T, method, path string, body any) (*github.Response, error) {
	t.Helper()
	req, err := f.gh.NewRequest(method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return f.gh.Do(context.Background(), req, nil)
}

func TestViolations(t *testing.T) {
	longSummary := strings.Repeat("x", 65536)
	annotations := func(n int) []map[string]any {
		var out []map[string]any
		for range n {
			out = append(out, map[string]any{"path": "Dockerfile", "start_line": 1, "end_line": 1, "annotation_level": "notice", "message": "m"})
		}
		return out
	}
	tests := []struct {
		name       string
		method     string
		path       string
		body       func(f *fixture) any
		wantStatus int
		wantIn     string // in the violation
	}{
		{
			name: "check run without status", method: "POST", path: "repos/acme/widgets/check-runs",
			body:       func(f *fixture) any { return map[string]any{"name": "x", "head_sha": f.head} },
			wantStatus: 422, wantIn: "discriminator",
		},
		{
			name: "51 annotations", method: "POST", path: "repos/acme/widgets/check-runs",
			body: func(f *fixture) any {
				return map[string]any{"name": "x", "head_sha": f.head, "status": "in_progress", "output": map[string]any{"title": "t", "summary": "s", "annotations": annotations(51)}}
			},
			wantStatus: 422, wantIn: "maximum number of items",
		},
		{
			name: "summary over 65535 characters", method: "POST", path: "repos/acme/widgets/check-runs",
			body: func(f *fixture) any {
				return map[string]any{"name": "x", "head_sha": f.head, "status": "in_progress", "output": map[string]any{"title": "t", "summary": longSummary}}
			},
			wantStatus: 422, wantIn: "maximum string length",
		},
		{
			name: "completed without conclusion", method: "POST", path: "repos/acme/widgets/check-runs",
			body:       func(f *fixture) any { return map[string]any{"name": "x", "head_sha": f.head, "status": "completed"} },
			wantStatus: 422, wantIn: "conclusion",
		},
		{
			name: "four actions", method: "POST", path: "repos/acme/widgets/check-runs",
			body: func(f *fixture) any {
				a := map[string]any{"label": "l", "description": "d", "identifier": "i"}
				return map[string]any{"name": "x", "head_sha": f.head, "status": "queued", "actions": []any{a, a, a, a}}
			},
			wantStatus: 422, wantIn: "maximum number of items",
		},
		{
			name: "unknown head SHA", method: "POST", path: "repos/acme/widgets/check-runs",
			body: func(*fixture) any {
				return map[string]any{"name": "x", "head_sha": strings.Repeat("0", 40), "status": "queued"}
			},
			wantStatus: 422, wantIn: "No commit found",
		},
		{
			name: "columns on a multi-line annotation", method: "POST", path: "repos/acme/widgets/check-runs",
			body: func(f *fixture) any {
				a := map[string]any{"path": "Dockerfile", "start_line": 1, "end_line": 2, "start_column": 1, "end_column": 3, "annotation_level": "failure", "message": "m"}
				return map[string]any{"name": "x", "head_sha": f.head, "status": "in_progress", "output": map[string]any{"title": "t", "summary": "s", "annotations": []any{a}}}
			},
			wantStatus: 422, wantIn: "start_line == end_line",
		},
		{
			name: "operation outside the subset", method: "GET", path: "repos/acme/widgets/issues",
			wantStatus: 404, wantIn: "no operation",
		},
		{
			name: "method outside the subset", method: "DELETE", path: "repos/acme/widgets/check-runs/5",
			wantStatus: 404, wantIn: "no operation",
		},
		{
			name: "review comment on an unchanged file", method: "POST", path: "repos/acme/widgets/pulls/1/reviews",
			body: func(*fixture) any {
				return map[string]any{"event": "COMMENT", "body": "b", "comments": []any{map[string]any{"path": "README.md", "line": 1, "body": "x"}}}
			},
			wantStatus: 422, wantIn: "Path could not be resolved",
		},
		{
			name: "review comment outside the hunks", method: "POST", path: "repos/acme/widgets/pulls/1/reviews",
			body: func(*fixture) any {
				return map[string]any{"event": "COMMENT", "body": "b", "comments": []any{
					map[string]any{"path": "Dockerfile", "line": 3, "body": "fine"},
					map[string]any{"path": "Dockerfile", "line": 30, "body": "outside"},
				}}
			},
			wantStatus: 422, wantIn: "Line could not be resolved",
		},
		{
			name: "review event outside the enum", method: "POST", path: "repos/acme/widgets/pulls/1/reviews",
			body:       func(*fixture) any { return map[string]any{"event": "DISMISS", "body": "b"} },
			wantStatus: 422, wantIn: "allowed values",
		},
		{
			name: "review comment without commit_id", method: "POST", path: "repos/acme/widgets/pulls/1/comments",
			body:       func(*fixture) any { return map[string]any{"path": "Dockerfile", "line": 3, "body": "x"} },
			wantStatus: 422, wantIn: "commit_id",
		},
		{
			name: "review comment update without a body", method: "PATCH", path: "repos/acme/widgets/pulls/comments/1",
			body:       func(*fixture) any { return map[string]any{"text": "x"} },
			wantStatus: 422, wantIn: "body",
		},
		{
			name: "review comment update with a comment ID that is no number", method: "PATCH", path: "repos/acme/widgets/pulls/comments/first",
			body:       func(*fixture) any { return map[string]any{"body": "x"} },
			wantStatus: 422, wantIn: "comment_id",
		},
		{
			name: "review comment delete with a comment ID that is no number", method: "DELETE", path: "repos/acme/widgets/pulls/comments/first",
			wantStatus: 422, wantIn: "comment_id",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, githubfake.Options{})
			var body any
			if tt.body != nil {
				body = tt.body(f)
			}
			resp, err := f.do(t, tt.method, tt.path, body)
			if err == nil || resp == nil || resp.StatusCode != tt.wantStatus {
				t.Fatalf("answer %v, %v; want %d", resp, err, tt.wantStatus)
			}
			v := f.fake.TakeViolations()
			if len(v) != 1 || !strings.Contains(v[0], tt.wantIn) {
				t.Errorf("violations = %q, want one with %q", v, tt.wantIn)
			}
			if len(f.fake.CheckRuns(repo)) != 0 || len(f.fake.Reviews(repo, 1)) != 0 {
				t.Error("a refused request changed the state")
			}
		})
	}
}

func manyFiles(n int) []githubfake.PRFile {
	files := make([]githubfake.PRFile, n)
	for i := range files {
		files[i] = githubfake.PRFile{Filename: fmt.Sprintf("dir/file%04d.txt", i), Status: "added", Patch: "@@ -0,0 +1 @@\n+x"}
	}
	return files
}

func TestListFilesPagination(t *testing.T) {
	f := newFixture(t, githubfake.Options{})
	ctx := context.Background()
	f.fake.AddPullRequest(githubfake.PullRequest{Repo: repo, Number: 2, Head: githubfake.PRRef{Ref: "big", SHA: f.head}, Base: githubfake.PRRef{SHA: f.base}, Files: manyFiles(250)})
	f.fake.AddPullRequest(githubfake.PullRequest{Repo: repo, Number: 3, Head: githubfake.PRRef{Ref: "huge", SHA: f.head}, Base: githubfake.PRRef{SHA: f.base}, Files: manyFiles(3500)})

	files, resp, err := f.gh.PullRequests.ListFiles(ctx, "acme", "widgets", 2, &github.ListOptions{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := f.fake.Repo(repo)
	id := r.ID
	wantLink := fmt.Sprintf(`<%[1]s/repositories/%[2]d/pulls/2/files?per_page=100&page=2>; rel="next", <%[1]s/repositories/%[2]d/pulls/2/files?per_page=100&page=3>; rel="last"`, f.fake.URL, id)
	if got := resp.Header.Get("Link"); got != wantLink || len(files) != 100 || resp.NextPage != 2 || resp.LastPage != 3 {
		t.Errorf("page 1: %d files, Link %s\nwant %s", len(files), got, wantLink)
	}
	// Follow GitHub's link as given: /repositories/{id}/….
	req, _ := f.gh.NewRequest("GET", fmt.Sprintf("%s/repositories/%d/pulls/2/files?per_page=100&page=2", f.fake.URL, id), nil)
	var page2 []*github.CommitFile
	resp, err = f.gh.Do(ctx, req, &page2)
	if err != nil || len(page2) != 100 || page2[0].GetFilename() != "dir/file0100.txt" {
		t.Fatalf("page 2: %d files, %v", len(page2), err)
	}
	wantLink = fmt.Sprintf(`<%[1]s/repositories/%[2]d/pulls/2/files?per_page=100&page=1>; rel="prev", <%[1]s/repositories/%[2]d/pulls/2/files?per_page=100&page=3>; rel="next", <%[1]s/repositories/%[2]d/pulls/2/files?per_page=100&page=3>; rel="last", <%[1]s/repositories/%[2]d/pulls/2/files?per_page=100&page=1>; rel="first"`, f.fake.URL, id)
	if got := resp.Header.Get("Link"); got != wantLink {
		t.Errorf("page 2 Link %s\nwant %s", got, wantLink)
	}

	// GitHub stops at 3000 files.
	var all []*github.CommitFile
	opt := &github.ListOptions{PerPage: 100}
	for {
		page, resp, err := f.gh.PullRequests.ListFiles(ctx, "acme", "widgets", 3, opt)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	if len(all) != 3000 {
		t.Errorf("files of a 3500-file pull request = %d, want 3000", len(all))
	}
	// per_page above 100 is cut to 100; the default is 30.
	if files, _, _ := f.gh.PullRequests.ListFiles(ctx, "acme", "widgets", 2, &github.ListOptions{PerPage: 500}); len(files) != 100 {
		t.Errorf("per_page=500 gave %d files", len(files))
	}
	if files, _, _ := f.gh.PullRequests.ListFiles(ctx, "acme", "widgets", 2, nil); len(files) != 30 {
		t.Errorf("default page = %d files", len(files))
	}
}

func TestFaultsAndHook(t *testing.T) {
	f := newFixture(t, githubfake.Options{})
	ctx := context.Background()
	var mu sync.Mutex
	var seen []string
	f.fake.OnRequest(func(_ *http.Request, op string) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, op)
	})
	f.fake.Fail(githubfake.Matcher{Method: "GET", PathPrefix: "/repos/acme/widgets/pulls/1"}, 2, githubfake.BadGateway())
	for _, want := range []int{502, 502, 200} {
		_, resp, err := f.gh.PullRequests.Get(ctx, "acme", "widgets", 1)
		if resp == nil || resp.StatusCode != want {
			t.Errorf("answer %v, %v; want %d", resp, err, want)
		}
	}
	// go-github remembers a rate limit and refuses further calls itself
	// until it passes: a fresh client for each.
	f.fake.Fail(githubfake.Matcher{OperationID: "pulls/list-files"}, 1, githubfake.SecondaryRateLimit(403, 30*time.Second))
	_, _, err := f.gh.PullRequests.ListFiles(ctx, "acme", "widgets", 1, nil)
	var abuse *github.AbuseRateLimitError
	if !errors.As(err, &abuse) || abuse.GetRetryAfter() != 30*time.Second {
		t.Errorf("secondary rate limit through go-github: %v", err)
	}
	reset := time.Now().Add(time.Hour).Truncate(time.Second)
	f.fake.Fail(githubfake.Matcher{OperationID: "pulls/list-files"}, 1, githubfake.PrimaryRateLimit(403, reset))
	_, _, err = installationClient(t, f.fake, instID).PullRequests.ListFiles(ctx, "acme", "widgets", 1, nil)
	var rle *github.RateLimitError
	if !errors.As(err, &rle) || !rle.Rate.Reset.Time.Equal(reset) {
		t.Errorf("primary rate limit through go-github: %v", err)
	}
	if n := f.fake.Count("pulls/get"); n != 3 {
		t.Errorf("pulls/get count = %d", n)
	}
	mu.Lock()
	if want := []string{"apps/create-installation-access-token", "pulls/get", "pulls/get", "pulls/get", "pulls/list-files", "apps/create-installation-access-token", "pulls/list-files"}; !slices.Equal(seen, want) {
		t.Errorf("hook saw %v", seen)
	}
	mu.Unlock()
	// A fault by body: only the request that carries annotations fails
	// (after it was carried out).
	gh := installationClient(t, f.fake, instID)
	cr, _, err := gh.Checks.CreateCheckRun(ctx, "acme", "widgets", github.CreateCheckRunOptions{Name: "n", HeadSHA: f.head, Status: github.String("in_progress")})
	if err != nil {
		t.Fatal(err)
	}
	f.fake.Fail(githubfake.Matcher{OperationID: "checks/update", BodyContains: `"annotations"`}, 1, githubfake.AfterHandling(githubfake.BadGateway()))
	if _, _, err := gh.Checks.UpdateCheckRun(ctx, "acme", "widgets", cr.GetID(), github.UpdateCheckRunOptions{Name: "n"}); err != nil {
		t.Errorf("an update without annotations failed: %v", err)
	}
	_, resp, _ := gh.Checks.UpdateCheckRun(ctx, "acme", "widgets", cr.GetID(), github.UpdateCheckRunOptions{Name: "n", Output: &github.CheckRunOutput{
		Title: github.String("t"), Summary: github.String("s"), Annotations: []*github.CheckRunAnnotation{{Path: github.String("Dockerfile"),
			StartLine: github.Int(1), EndLine: github.Int(1), AnnotationLevel: github.String("notice"), Message: github.String("m")}}}})
	if resp == nil || resp.StatusCode != 502 || len(f.fake.CheckRuns(repo)[0].Annotations) != 1 {
		t.Errorf("the update with annotations: %v; want 502 after it was applied", resp)
	}
	f.fake.OnRequest(nil)
	recs := f.fake.Requests()
	recs = slices.DeleteFunc(recs, func(r githubfake.Recorded) bool {
		return strings.HasPrefix(r.OperationID, "checks/") || r.OperationID == "apps/create-installation-access-token"
	})
	if last := recs[len(recs)-1]; last.OperationID != "pulls/list-files" || last.Status != 403 || !strings.HasPrefix(last.Header.Get("Authorization"), "token ghs_") {
		t.Errorf("last request = %+v", last)
	}
}

func TestEnterprisePrefixAndForks(t *testing.T) {
	fake := githubfake.Start(t, githubfake.Options{})
	fake.AddInstallation(githubfake.Installation{ID: instID, Account: "acme"})
	base := fake.AddCommit(repo, "", map[string]string{"Dockerfile": "FROM alpine\n"})
	fsys := fstest.MapFS{
		"Dockerfile":     {Data: []byte("FROM alpine\nRUN apk add git\n")},
		"scripts/run.sh": {Data: []byte("#!/bin/sh\n"), Mode: 0o755},
	}
	head, err := fake.AddCommitFS("forker/widgets", "", fsys)
	if err != nil {
		t.Fatal(err)
	}
	fake.AddPullRequest(githubfake.PullRequest{Repo: repo, Number: 9, Head: githubfake.PRRef{Repo: "forker/widgets", Ref: "main", SHA: head}, Base: githubfake.PRRef{SHA: base}})
	fake.AddOrgConfig("acme", map[string]string{"coderready.yaml": "app:\n  build-forks: false\n"})

	// GitHub Enterprise Server layout: the API under /api/v3.
	tr, err := ghinstallation.New(http.DefaultTransport, fake.AppID(), instID, fake.AppKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	tr.BaseURL = fake.URL + "/api/v3"
	gh := github.NewClient(&http.Client{Transport: tr})
	gh, err = gh.WithEnterpriseURLs(fake.URL, fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pr, _, err := gh.PullRequests.Get(ctx, "acme", "widgets", 9)
	if err != nil {
		t.Fatal(err)
	}
	if !pr.GetHead().GetRepo().GetFork() || pr.GetHead().GetRepo().GetFullName() != "forker/widgets" || pr.GetBase().GetRepo().GetFork() {
		t.Errorf("fork head repo = %+v", pr.GetHead().GetRepo())
	}
	files, _, err := gh.PullRequests.ListFiles(ctx, "acme", "widgets", 9, nil)
	if err != nil || len(files) != 2 || files[1].GetFilename() != "scripts/run.sh" || files[1].GetStatus() != "added" {
		t.Errorf("fork files = %v, %v", files, err)
	}
	// The fork's head commit is reachable through the base repository.
	if _, _, err := gh.Checks.CreateCheckRun(ctx, "acme", "widgets", github.CreateCheckRunOptions{Name: "c", HeadSHA: head, Status: github.String("queued")}); err != nil {
		t.Errorf("check run on a fork's head: %v", err)
	}
	tree, _, err := gh.Git.GetTree(ctx, "acme", "widgets", head, true)
	if err != nil || tree.Entries[2].GetMode() != "100755" {
		t.Errorf("tree = %v, %v", tree, err)
	}
	fc, _, _, err := gh.Repositories.GetContents(ctx, "acme", ".github", "coderready.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := fc.GetContent(); s != "app:\n  build-forks: false\n" {
		t.Errorf("org config = %q", s)
	}
}

func TestPrimaryRateLimitExhausted(t *testing.T) {
	f := newFixture(t, githubfake.Options{RateLimit: 2})
	ctx := context.Background()
	for range 2 {
		if _, _, err := f.gh.PullRequests.Get(ctx, "acme", "widgets", 1); err != nil {
			t.Fatal(err)
		}
	}
	// go-github saw x-ratelimit-remaining: 0 and refuses by itself; a
	// fresh client asks and gets GitHub's 403.
	_, resp, err := installationClient(t, f.fake, instID).PullRequests.Get(ctx, "acme", "widgets", 1)
	var rle *github.RateLimitError
	if !errors.As(err, &rle) || resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Ratelimit-Remaining") != "0" {
		t.Errorf("third call: %v", err)
	}
}

// TestResponsesHaveFixtureShape checks that the fake's answers carry every
// field of GitHub's recorded answers in testdata/fixtures/github-api.
func TestResponsesHaveFixtureShape(t *testing.T) {
	f := newFixture(t, githubfake.Options{})
	shared := testenv.Testdata(t, "fixtures")
	tests := []struct {
		fixture string
		method  string
		path    string
		body    any
		first   bool // the fixture and the answer are arrays: compare the first items
	}{
		{fixture: "docs-example.checks-create.201.json", method: "POST", path: "repos/acme/widgets/check-runs",
			body: map[string]any{"name": "n", "head_sha": f.head, "status": "in_progress", "external_id": "42", "details_url": "https://example.com",
				"output": map[string]any{"title": "t", "summary": "s", "text": "x"}}},
		{fixture: "octokit.rb.pulls-list-files.200.json", method: "GET", path: "repos/acme/widgets/pulls/1/files", first: true},
		{fixture: "octokit.rb.repos-get-content.file.200.json", method: "GET", path: "repos/acme/widgets/contents/Dockerfile"},
		{fixture: "octokit.rb.pulls-create-review-comment.201.json", method: "POST", path: "repos/acme/widgets/pulls/1/comments",
			body: map[string]any{"body": "b", "commit_id": f.head, "path": "Dockerfile", "line": 3, "side": "RIGHT"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(shared, "github-api", tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			var want any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			req, err := f.gh.NewRequest(tt.method, tt.path, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			var got any
			if _, err := f.gh.Do(context.Background(), req, &got); err != nil {
				t.Fatal(err)
			}
			if tt.first {
				want, got = want.([]any)[0], got.([]any)[0]
			}
			for _, missing := range missingKeys("", want, got) {
				t.Errorf("answer lacks %s", missing)
			}
		})
	}
}

// missingKeys lists the object keys of want (recursively, first array
// items; not inside permissions) that got lacks.
func missingKeys(at string, want, got any) []string {
	var out []string
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{at + " (not an object)"}
		}
		for k, v := range w {
			gv, ok := g[k]
			if !ok {
				out = append(out, at+"."+k)
				continue
			}
			// An app's permissions are its own, not a shape.
			if gv != nil && k != "permissions" {
				out = append(out, missingKeys(at+"."+k, v, gv)...)
			}
		}
	case []any:
		if g, ok := got.([]any); ok && len(w) > 0 && len(g) > 0 {
			out = append(out, missingKeys(at+"[0]", w[0], g[0])...)
		}
	}
	return out
}

// TestListsOfWhatWasMade: the list operations a client uses to find what
// a request whose answer it lost made answer every item, paged, in
// GitHub's shapes (the fake validates each answer against the schema).
func TestListsOfWhatWasMade(t *testing.T) {
	f := newFixture(t, githubfake.Options{})
	ctx := context.Background()
	cr, _, err := f.gh.Checks.CreateCheckRun(ctx, "acme", "widgets", github.CreateCheckRunOptions{
		Name: "n", HeadSHA: f.head, Status: github.String("in_progress"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var sent []*github.CheckRunAnnotation
	for i := range 70 {
		a := &github.CheckRunAnnotation{Path: github.String("Dockerfile"), StartLine: github.Int(1), EndLine: github.Int(1),
			AnnotationLevel: github.String("notice"), Message: github.String(fmt.Sprintf("m%d", i))}
		if i == 0 {
			a.StartColumn, a.EndColumn, a.Title = github.Int(2), github.Int(4), github.String("t")
		}
		sent = append(sent, a)
	}
	for lo := 0; lo < len(sent); lo += 50 {
		if _, _, err := f.gh.Checks.UpdateCheckRun(ctx, "acme", "widgets", cr.GetID(), github.UpdateCheckRunOptions{
			Name: "n", Output: &github.CheckRunOutput{Title: github.String("t"), Summary: github.String("s"), Annotations: sent[lo:min(lo+50, len(sent))]},
		}); err != nil {
			t.Fatal(err)
		}
	}
	var got []*github.CheckRunAnnotation
	opt := &github.ListOptions{PerPage: 30}
	pages := 0
	for {
		as, resp, err := f.gh.Checks.ListCheckRunAnnotations(ctx, "acme", "widgets", cr.GetID(), opt)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, as...)
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	if len(got) != 70 || pages != 3 || got[0].GetStartColumn() != 2 || got[0].GetTitle() != "t" || got[69].GetMessage() != "m69" {
		t.Errorf("listed %d annotations in %d pages; first %+v", len(got), pages, got[0])
	}

	_, _, err = f.gh.PullRequests.CreateReview(ctx, "acme", "widgets", 1, &github.PullRequestReviewRequest{
		CommitID: github.String(f.head), Body: github.String("marker"), Event: github.String("COMMENT"),
		Comments: []*github.DraftReviewComment{
			{Path: github.String("Dockerfile"), Line: github.Int(3), Side: github.String("RIGHT"), Body: github.String("one")},
			{Path: github.String("Dockerfile"), Line: github.Int(7), Side: github.String("RIGHT"), Body: github.String("two")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	reviews, _, err := f.gh.PullRequests.ListReviews(ctx, "acme", "widgets", 1, nil)
	if err != nil || len(reviews) != 1 || reviews[0].GetBody() != "marker" || reviews[0].GetUser().GetType() != "Bot" {
		t.Fatalf("reviews %+v, %v", reviews, err)
	}
	comments, _, err := f.gh.PullRequests.ListComments(ctx, "acme", "widgets", 1, &github.PullRequestListCommentsOptions{Sort: "created", Direction: "asc"})
	if err != nil || len(comments) != 2 || comments[1].GetBody() != "two" || comments[1].GetPullRequestReviewID() != reviews[0].GetID() || comments[0].GetDiffHunk() == "" {
		t.Fatalf("comments %+v, %v", comments, err)
	}
	if !f.fake.DeleteReviewComment(repo, 1, comments[0].GetID()) || f.fake.DeleteReviewComment(repo, 1, comments[0].GetID()) {
		t.Error("a comment is deleted once")
	}
	comments, _, err = f.gh.PullRequests.ListComments(ctx, "acme", "widgets", 1, nil)
	if err != nil || len(comments) != 1 || comments[0].GetBody() != "two" {
		t.Errorf("after the delete: %+v, %v", comments, err)
	}
	if rv := f.fake.Reviews(repo, 1)[0]; len(rv.Comments) != 1 || rv.Comments[0].Body != "two" {
		t.Errorf("the review keeps %+v", rv.Comments)
	}
}

// TestReviewCommentEditsAndDeletes: the app edits and deletes its review
// comments through the schema-validated operations; people's comments and
// replies list as theirs.
func TestReviewCommentEditsAndDeletes(t *testing.T) {
	f := newFixture(t, githubfake.Options{})
	ctx := context.Background()
	_, _, err := f.gh.PullRequests.CreateReview(ctx, "acme", "widgets", 1, &github.PullRequestReviewRequest{
		CommitID: github.String(f.head), Body: github.String("r"), Event: github.String("COMMENT"),
		Comments: []*github.DraftReviewComment{
			{Path: github.String("Dockerfile"), Line: github.Int(3), Side: github.String("RIGHT"), Body: github.String("one")},
			{Path: github.String("Dockerfile"), Line: github.Int(7), Side: github.String("RIGHT"), Body: github.String("two")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mine := f.fake.ReviewComments(repo, 1)
	human := f.fake.AddReviewComment(repo, 1, githubfake.ReviewComment{Path: "Dockerfile", Line: 3, Body: "one"})
	reply := f.fake.AddReviewComment(repo, 1, githubfake.ReviewComment{User: "hubot", InReplyTo: mine[0].ID, Body: "thanks"})
	if reply.Line != 3 || reply.Path != "Dockerfile" || human.ReviewID == mine[0].ReviewID || reply.ReviewID == human.ReviewID {
		t.Errorf("human comment %+v, reply %+v: want each in a review of its own, the reply on its parent's line", human, reply)
	}

	edited, _, err := f.gh.PullRequests.EditComment(ctx, "acme", "widgets", mine[0].ID, &github.PullRequestComment{Body: github.String("one, fixed")})
	if err != nil || edited.GetBody() != "one, fixed" || edited.GetID() != mine[0].ID || edited.GetUser().GetType() != "Bot" {
		t.Fatalf("edit: %+v, %v", edited, err)
	}
	if resp, err := f.gh.PullRequests.DeleteComment(ctx, "acme", "widgets", mine[1].ID); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %v, %v", resp, err)
	}
	for _, tt := range []struct {
		name string
		call func() (*github.Response, error)
	}{
		{"delete a deleted comment", func() (*github.Response, error) {
			return f.gh.PullRequests.DeleteComment(ctx, "acme", "widgets", mine[1].ID)
		}},
		{"edit a deleted comment", func() (*github.Response, error) {
			_, resp, err := f.gh.PullRequests.EditComment(ctx, "acme", "widgets", mine[1].ID, &github.PullRequestComment{Body: github.String("x")})
			return resp, err
		}},
		{"edit a comment of another repository's", func() (*github.Response, error) {
			f.fake.AddRepo(githubfake.Repo{Owner: "acme", Name: "other"})
			_, resp, err := f.gh.PullRequests.EditComment(ctx, "acme", "other", mine[0].ID, &github.PullRequestComment{Body: github.String("x")})
			return resp, err
		}},
	} {
		if resp, err := tt.call(); err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %v, %v; want 404", tt.name, resp, err)
		}
	}

	listed, _, err := f.gh.PullRequests.ListComments(ctx, "acme", "widgets", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range listed {
		got = append(got, fmt.Sprintf("%s:%s:%s:%d", c.GetUser().GetLogin(), c.GetUser().GetType(), c.GetBody(), c.GetInReplyTo()))
	}
	want := []string{
		"coderready[bot]:Bot:one, fixed:0",
		"octocat:User:one:0",
		fmt.Sprintf("hubot:User:thanks:%d", mine[0].ID),
	}
	if !slices.Equal(got, want) {
		t.Errorf("listed %q, want %q", got, want)
	}
	rv := f.fake.Reviews(repo, 1)[0]
	if len(rv.Comments) != 1 || rv.Comments[0].Body != "one, fixed" || rv.Comments[0].Edits != 1 {
		t.Errorf("the review holds %+v; want the edited comment alone", rv.Comments)
	}
	if cs := f.fake.ReviewComments(repo, 1); cs[0].Edits != 1 || cs[1].Edits != 0 || cs[1].User != "octocat" {
		t.Errorf("comments %+v: want the app's edited once, the person's untouched", cs)
	}
	// Every request and answer matched the schema (Start fails the test
	// on a violation left).
}
