package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/store"
)

// orgConfigNames are where an organisation's defaults live in its `.github`
// repository.
var orgConfigNames = []string{"coderready.yaml", "coderready.yml", ".github/coderready.yaml", ".github/coderready.yml"}

// configFailure is a config file that does not parse: the job reports it
// as a failing check run instead of checking with a policy nobody wrote.
type configFailure struct {
	repo string // "owner/repo" the file is in
	path string
	errs checks.ConfigErrors
	err  error
}

// repoConfig reads the policy for a pull request: the repository's config
// from the base commit (a pull request cannot switch its own checks off),
// over the organisation's defaults from its `.github` repository.
func (a *App) repoConfig(ctx context.Context, gh *github.Client, owner, repo, baseSHA string) (*checks.Config, *configFailure, error) {
	base := checks.DefaultConfig()
	if !strings.EqualFold(repo, ".github") {
		src, name, err := firstFile(ctx, gh, owner, ".github", "", orgConfigNames)
		if err != nil {
			return nil, nil, err
		}
		if src != nil {
			cfg, err := checks.ParseConfig(owner+"/.github:"+name, src)
			if err != nil {
				return nil, newConfigFailure(owner+"/.github", name, err), nil
			}
			base = cfg
		}
	}
	src, name, err := firstFile(ctx, gh, owner, repo, baseSHA, checks.ConfigFileNames)
	if err != nil {
		return nil, nil, err
	}
	if src == nil {
		return base, nil, nil
	}
	cfg, err := checks.ParseConfigOver(base, name, src)
	if err != nil {
		return nil, newConfigFailure(owner+"/"+repo, name, err), nil
	}
	return cfg, nil, nil
}

func newConfigFailure(repo, path string, err error) *configFailure {
	cf := &configFailure{repo: repo, path: path, err: err}
	_ = errors.As(err, &cf.errs)
	return cf
}

// firstFile returns the first of names that exists in the repository at
// ref ("" for the default branch); nil when none does.
func firstFile(ctx context.Context, gh *github.Client, owner, repo, ref string, names []string) ([]byte, string, error) {
	for _, name := range names {
		fc, _, resp, err := gh.Repositories.GetContents(ctx, owner, repo, name, &github.RepositoryContentGetOptions{Ref: ref})
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("read %s/%s:%s: %w", owner, repo, name, err)
		}
		if fc == nil {
			continue // a directory of that name
		}
		if fc.GetSize() > checks.MaxConfigSize {
			return []byte(strings.Repeat(" ", checks.MaxConfigSize+1)), name, nil
		}
		s, err := fc.GetContent()
		if err != nil {
			return nil, "", fmt.Errorf("read %s/%s:%s: %w", owner, repo, name, err)
		}
		return []byte(s), name, nil
	}
	return nil, "", nil
}

// reportConfigError completes a failing check run for an invalid config,
// annotated at each bad line (when the file is in this repository).
func (j *checkJob) reportConfigError(ctx context.Context, cf *configFailure) error {
	name := checkRunPrefix + cf.path
	if cf.repo != j.args.fullName() {
		name = checkRunPrefix + cf.repo + ":" + cf.path
	}
	var b strings.Builder
	fmt.Fprintf(&b, "coderready did not check this pull request: the config `%s` in %s does not parse.\n\n", cf.path, cf.repo)
	var annotations []*github.CheckRunAnnotation
	if len(cf.errs) > 0 {
		for _, e := range cf.errs {
			fmt.Fprintf(&b, "- `%s`\n", strings.ReplaceAll(e.Error(), "`", "'"))
			if cf.repo == j.args.fullName() {
				line := max(e.Line, 1)
				annotations = append(annotations, &github.CheckRunAnnotation{
					Path: github.String(cf.path), StartLine: github.Int(line), EndLine: github.Int(line),
					AnnotationLevel: github.String("failure"), Title: github.String("Invalid coderready config"), Message: github.String(e.Msg),
				})
			}
		}
	} else {
		fmt.Fprintf(&b, "- %s\n", cf.err)
	}
	b.WriteString("\nThe config is read from the base branch, so fix it there (see docs/config.md).")
	if len(annotations) > maxAnnotationsPerRequest {
		annotations = annotations[:maxAnnotationsPerRequest]
	}
	output := &github.CheckRunOutput{
		Title:       github.String("Invalid coderready config"),
		Summary:     github.String(clip(b.String(), 65000)),
		Annotations: annotations,
	}
	if err := j.postCompleted(ctx, name, "config@"+j.args.HeadSHA, "failure", output); err != nil {
		return fmt.Errorf("config check run: %w", err)
	}
	j.log.Warn("invalid config; reported as a failing check run", "config", cf.repo+":"+cf.path, "err", cf.err)
	return nil
}

// postCompleted posts a check run that is complete from the start (the
// job could not check anything and says why), once: a retried job adopts
// the run an earlier attempt made, and the store records it.
func (j *checkJob) postCompleted(ctx context.Context, name, externalID, conclusion string, output *github.CheckRunOutput) error {
	now := github.Timestamp{Time: time.Now()}
	existing, err := j.app.store.CheckRuns(ctx, j.args.fullName(), j.args.HeadSHA)
	if err != nil {
		return fmt.Errorf("check runs of %s: %w", j.args.HeadSHA, err)
	}
	known := make([]int64, 0, len(existing))
	for _, cr := range existing {
		if cr.Name == name && cr.Status == statusCompleted {
			// An earlier attempt, or job, for this commit said it
			// already: nothing is posted twice.
			return nil
		}
		known = append(known, cr.ID)
	}
	created, err := j.createCheckRun(ctx, github.CreateCheckRunOptions{
		Name:        name,
		HeadSHA:     j.args.HeadSHA,
		ExternalID:  github.String(externalID),
		Status:      github.String(statusCompleted),
		Conclusion:  github.String(conclusion),
		StartedAt:   &now,
		CompletedAt: &now,
		Output:      output,
	}, known)
	if err != nil {
		return err
	}
	return j.app.store.SaveCheckRun(ctx, store.CheckRun{Repo: j.args.fullName(), HeadSHA: j.args.HeadSHA, Name: name, ID: created.GetID(), Status: statusCompleted, Conclusion: conclusion, HTMLURL: created.GetHTMLURL()})
}
