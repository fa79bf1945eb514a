package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/coderready/coderready/app/ghtransport"
	"github.com/coderready/coderready/app/review"
	"github.com/coderready/coderready/app/source"
	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/scan"
	"github.com/coderready/coderready/store"
)

// checkRunPrefix starts the name of every check run the app creates; the
// rest is the target's path.
const checkRunPrefix = "coderready / "

// Check run action identifiers (at most 20 characters).
const (
	actionRerun   = "rerun"
	actionSuggest = "suggest"
)

// maxPullFiles is where GitHub's pull request files API stops.
const maxPullFiles = 3000

// errSuperseded ends a job whose head SHA is no longer its pull request's.
var errSuperseded = errors.New("superseded by a newer commit")

// checkWorker runs check jobs.
type checkWorker struct {
	river.WorkerDefaults[checkArgs]
	app *App
}

// Timeout bounds one check job, builds included.
func (w *checkWorker) Timeout(*river.Job[checkArgs]) time.Duration { return w.app.opts.JobTimeout }

// NextRetry backs off from 10 s, doubling, up to 10 minutes.
func (w *checkWorker) NextRetry(job *river.Job[checkArgs]) time.Time {
	d := 10 * time.Second << min(job.Attempt-1, 6)
	return time.Now().Add(min(d, 10*time.Minute))
}

// Work runs one check job. Rate limits snooze it until GitHub allows
// calls again; other errors are retried with backoff; on the last attempt
// the job's open check runs are completed, so none stays in progress.
func (w *checkWorker) Work(ctx context.Context, job *river.Job[checkArgs]) error {
	a := w.app
	args := job.Args
	log := a.log.With(logAttrs(args.DeliveryID, args.fullName(), args.PR, args.HeadSHA)...).With("job", job.ID, "attempt", job.Attempt)
	start := time.Now()
	// Time waiting in the queue: since the job became available (its
	// retry's time on a later attempt).
	queued := max(0, start.Sub(job.ScheduledAt))
	err := a.runCheck(ctx, log, args, jobRun{attempt: job.Attempt, queued: queued})
	state := "completed"
	defer func() {
		a.metrics.jobs.WithLabelValues(args.Kind(), state).Inc()
		a.metrics.jobSeconds.WithLabelValues(args.Kind()).Observe(time.Since(start).Seconds())
	}()
	if err == nil {
		log.Info("check job done", "seconds", time.Since(start).Seconds())
		return nil
	}
	if errors.Is(err, errSuperseded) {
		state = "cancelled"
		log.Info("check job superseded")
		return river.JobCancel(err)
	}
	if wait, ok := ghtransport.Wait(err); ok {
		state = "snoozed"
		log.Warn("GitHub rate limit: job snoozed", "wait_seconds", wait.Seconds(), "err", err)
		return river.JobSnooze(wait)
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		state = "cancelled"
		log.Info("check job cancelled", "err", err)
		return err
	}
	if job.Attempt >= job.MaxAttempts {
		state = "failed"
		log.Error("check job failed for good", "err", err)
		a.failCheckRuns(context.WithoutCancel(ctx), args, err)
		return err
	}
	state = "retry"
	log.Warn("check job failed; will retry", "err", err)
	return err
}

// jobErrors logs panics in workers (River retries them like errors).
type jobErrors struct{ app *App }

// HandleError is called for job errors; Work logs those itself.
func (h *jobErrors) HandleError(context.Context, *rivertype.JobRow, error) *river.ErrorHandlerResult {
	return nil
}

// HandlePanic logs a worker panic with its stack.
func (h *jobErrors) HandlePanic(_ context.Context, job *rivertype.JobRow, v any, trace string) *river.ErrorHandlerResult {
	h.app.log.Error("job panicked", "job", job.ID, "kind", job.Kind, "panic", fmt.Sprint(v), "trace", trace)
	return nil
}

func unmarshalArgs(j *rivertype.JobRow, v any) error {
	return json.Unmarshal(j.EncodedArgs, v)
}

// checkJob is the state of one running check job.
type checkJob struct {
	app  *App
	log  *slog.Logger
	gh   *github.Client
	args checkArgs
	// attempt is the job's attempt, from 1.
	attempt int
	// phases are how long the job's own parts took (queued, source,
	// report), for the summaries.
	phases map[string]time.Duration

	pr    *github.PullRequest
	cfg   *checks.Config
	files []*github.CommitFile
	root  string // head source
	// plan is the head's targets, those to check selected (open until
	// the job ends).
	plan    *scan.Planned
	targets []scan.Target
	runs    map[string]*store.CheckRun // by target path
	// aggregate is the head's "coderready" run (nil in suggest mode).
	aggregate *store.CheckRun
	// diff is each changed file's diff, parsed (hunks).
	diff map[string]*review.Hunks
	// applied are the edits of the review's suggestions, posted now or
	// before: the summaries' patch is made on top of them.
	applied []checks.Edit
	// titles are the titles of the check runs this job completed, by
	// target path, for the aggregate run's.
	titles map[string]string
	// bases reads base images once for the head's and the base's scans.
	bases *scan.ImageBases
}

// jobRun is what the queue tells of a job's run.
type jobRun struct {
	// attempt is the job's attempt, from 1.
	attempt int
	// queued is how long it waited to run.
	queued time.Duration
}

// runCheck is the job: prepare, create check runs, scan, compare with the
// base branch, suggest, report.
func (a *App) runCheck(ctx context.Context, log *slog.Logger, args checkArgs, run jobRun) error {
	if args.Mode == "" && len(args.Targets) == 0 {
		// Deliveries for a head come again (opened, reopened, a
		// redelivery under a new ID): a head checked once keeps its check
		// runs; only a re-run makes new ones.
		done, err := a.headChecked(ctx, args)
		if err != nil {
			return err
		}
		if done {
			log.Info("this head was checked already; its check runs stand")
			return nil
		}
	}
	gh, err := a.installationClient(args.InstallationID)
	if err != nil {
		return err
	}
	s := a.Settings()
	j := &checkJob{app: a, log: log, gh: gh, args: args, attempt: run.attempt, phases: map[string]time.Duration{}, runs: map[string]*store.CheckRun{}, titles: map[string]string{},
		bases: newBases(filepath.Join(s.DataDir, "image-cache"), s)}
	work, err := os.MkdirTemp(a.workDir(), "job-")
	if err != nil {
		return fmt.Errorf("work dir: %w", err)
	}
	defer func() { _ = os.RemoveAll(work) }()
	j.phase("queued", run.queued)

	if err := j.superseded(ctx); err != nil {
		return err
	}
	if err := j.loadPull(ctx); err != nil {
		return err
	}
	if args.Mode != modeSuggest {
		// First, so a required check is pending while the job runs.
		if err := j.startAggregate(ctx); err != nil {
			return err
		}
	}
	if err := j.check(ctx, work); err != nil {
		return err
	}
	return j.completeAggregate(ctx)
}

// check is the job once its pull request is loaded: config, files,
// source, targets, their check runs, scans, report.
func (j *checkJob) check(ctx context.Context, work string) error {
	a, args, log := j.app, j.args, j.log
	cfg, cfgErr, err := a.repoConfig(ctx, j.gh, args.Owner, args.Repo, j.pr.GetBase().GetSHA())
	if err != nil {
		return err
	}
	if cfgErr != nil {
		return j.reportConfigError(ctx, cfgErr)
	}
	j.cfg = cfg
	if err := j.loadFiles(ctx); err != nil {
		return err
	}
	j.root = filepath.Join(work, "head")
	fetched := time.Now()
	err = j.fetchSource(ctx, args.HeadSHA, j.root)
	j.phase("source", time.Since(fetched))
	if err != nil {
		if errors.Is(err, source.ErrLimit) || errors.Is(err, source.ErrRefused) {
			// No retry can change the snapshot: say so on the pull
			// request instead of failing quietly.
			return j.reportSourceError(ctx, err)
		}
		return err
	}
	if err := j.pickTargets(); err != nil {
		return err
	}
	defer func() { _ = j.plan.Close() }()
	if len(j.targets) == 0 {
		log.Info("no Dockerfile or devcontainer.json changed; nothing to check", "files", len(j.files))
		return nil
	}
	if err := j.startCheckRuns(ctx); err != nil {
		return err
	}
	rep, err := j.scan(ctx, scanRun{plan: j.plan, rev: args.HeadSHA, progress: true})
	if err != nil {
		return err
	}
	for _, t := range rep.Targets {
		j.observeTarget(t.Timings)
	}
	cmp := j.prepareBase(ctx, work, rep)
	defer cmp.close()
	if err := j.superseded(ctx); err != nil {
		return err
	}
	return j.report(ctx, rep, cmp)
}

// headChecked reports whether a check of the job's head completed: the
// store holds check runs for it, all completed, none cancelled (a closed
// and reopened pull request is checked again).
func (a *App) headChecked(ctx context.Context, args checkArgs) (bool, error) {
	runs, err := a.store.CheckRuns(ctx, args.fullName(), args.HeadSHA)
	if err != nil {
		return false, fmt.Errorf("check runs of %s: %w", args.HeadSHA, err)
	}
	for _, cr := range runs {
		if cr.Status != statusCompleted || cr.Conclusion == "cancelled" {
			return false, nil
		}
	}
	return len(runs) > 0, nil
}

// superseded reports errSuperseded when the pull request's head moved on.
func (j *checkJob) superseded(ctx context.Context) error {
	if j.args.PR == 0 {
		return nil
	}
	prs, err := j.app.store.PullsForHead(ctx, j.args.fullName(), j.args.HeadSHA)
	if err != nil {
		return fmt.Errorf("pull requests of %s: %w", j.args.HeadSHA, err)
	}
	if len(prs) > 0 && !slices.Contains(prs, j.args.PR) {
		return errSuperseded
	}
	if len(prs) == 0 {
		// Not recorded (a re-run of an old commit, or a store restored
		// from a backup): the pull request itself says.
		if j.pr != nil && j.pr.GetHead().GetSHA() != j.args.HeadSHA {
			return errSuperseded
		}
	}
	return nil
}

func (j *checkJob) loadPull(ctx context.Context) error {
	pr, _, err := j.gh.PullRequests.Get(ctx, j.args.Owner, j.args.Repo, j.args.PR)
	if err != nil {
		return fmt.Errorf("get pull request #%d: %w", j.args.PR, err)
	}
	j.pr = pr
	if pr.GetState() == "closed" {
		return errSuperseded
	}
	return nil
}

// fork reports whether the pull request's head lives in another repository.
func (j *checkJob) fork() bool {
	head := j.pr.GetHead().GetRepo()
	return head == nil || head.GetFork() || !strings.EqualFold(head.GetFullName(), j.pr.GetBase().GetRepo().GetFullName())
}

// loadFiles lists the pull request's changed files (GitHub stops at 3000).
func (j *checkJob) loadFiles(ctx context.Context) error {
	opt := &github.ListOptions{PerPage: 100}
	for {
		fs, resp, err := j.gh.PullRequests.ListFiles(ctx, j.args.Owner, j.args.Repo, j.args.PR, opt)
		if err != nil {
			return fmt.Errorf("list files of #%d (page %d): %w", j.args.PR, max(opt.Page, 1), err)
		}
		j.files = append(j.files, fs...)
		if resp.NextPage == 0 || len(j.files) >= maxPullFiles {
			break
		}
		opt.Page = resp.NextPage
	}
	if len(j.files) >= maxPullFiles {
		j.log.Warn("the pull request changes 3000 files or more; GitHub lists only the first 3000")
	}
	return nil
}

// fetchSource downloads the tarball of ref and extracts it safely. The link
// GitHub returns expires within minutes: it is followed at once.
func (j *checkJob) fetchSource(ctx context.Context, ref, dst string) error {
	u, _, err := j.gh.Repositories.GetArchiveLink(ctx, j.args.Owner, j.args.Repo, github.Tarball, &github.RepositoryContentGetOptions{Ref: ref}, 1)
	if err != nil {
		return fmt.Errorf("tarball link of %s: %w", ref, err)
	}
	if err := os.MkdirAll(dst, 0o750); err != nil {
		return fmt.Errorf("source dir: %w", err)
	}
	st, err := source.Fetch(ctx, j.app.http, u.String(), dst, j.app.Settings().SourceLimits)
	if err != nil {
		return fmt.Errorf("source of %s: %w", ref, err)
	}
	j.log.Debug("source extracted", "ref", ref, "files", st.Files, "bytes", st.Bytes)
	if st.LinksOutside+st.LinksLooping > 0 {
		j.log.Info("the snapshot holds symlinks no reader follows (kept as links)", "ref", ref, "outside", st.LinksOutside, "looping", st.LinksLooping)
	}
	return nil
}

// reportSourceError completes a neutral check run saying why the pull
// request's snapshot was not checked: it is over a limit, or has a shape
// no git tree has.
func (j *checkJob) reportSourceError(ctx context.Context, err error) error {
	title := "Not checked: the snapshot was refused"
	why := "Its archive has a shape no git tree has, so nothing of it was read."
	if errors.Is(err, source.ErrLimit) {
		lim := j.app.Settings().SourceLimits.WithDefaults()
		title = "Not checked: the repository is over a size limit"
		why = fmt.Sprintf("This server extracts at most %d entries, %d MiB in all and %d MiB per file (its admin sets these with --source-max-files and --source-max-mib).",
			lim.MaxFiles, lim.MaxBytes>>20, lim.MaxFileBytes>>20)
	}
	summary := fmt.Sprintf("coderready did not check commit %s.\n\n%s\n\n- `%s`\n", j.args.HeadSHA, why, strings.ReplaceAll(err.Error(), "`", "'"))
	output := &github.CheckRunOutput{Title: github.String(title), Summary: github.String(clip(summary, 65000))}
	if perr := j.postCompleted(ctx, checkRunPrefix+"source", "source@"+j.args.HeadSHA, "neutral", output); perr != nil {
		return fmt.Errorf("report the unchecked source: %w", errors.Join(perr, err))
	}
	j.log.Warn("source not checked; reported as a neutral check run", "err", err)
	return nil
}

// pickTargets plans the head and keeps what to check: the job's named
// targets, else every target whose inputs (devcontainer.json, Dockerfile,
// build context, compose files) the pull request changed.
func (j *checkJob) pickTargets() error {
	p, err := scan.Plan(j.root, j.cfg)
	if err != nil {
		return fmt.Errorf("find targets: %w", err)
	}
	j.plan = p
	// GitHub's own variables in the repository's build files name it.
	p.Repository = j.args.fullName()
	if len(j.args.Targets) > 0 {
		p.Select(func(t scan.Target) bool { return slices.Contains(j.args.Targets, t.Path) })
	} else {
		changed := make([]string, 0, len(j.files))
		for _, f := range j.files {
			changed = append(changed, f.GetFilename())
			if f.GetPreviousFilename() != "" {
				changed = append(changed, f.GetPreviousFilename())
			}
		}
		p.Select(func(t scan.Target) bool { return touches(t.Inputs, changed) })
	}
	j.targets = p.Targets
	return nil
}

// touches reports whether a changed file is one of inputs or lies inside
// an input folder.
func touches(inputs, changed []string) bool {
	for _, in := range inputs {
		in = strings.TrimSuffix(path.Clean(in), "/")
		for _, c := range changed {
			if c == in || in == "." || strings.HasPrefix(c, in+"/") {
				return true
			}
		}
	}
	return false
}

// scanRun is one scan of a job.
type scanRun struct {
	plan *scan.Planned
	// rev is the commit the plan's tree is at.
	rev string
	// progress updates the head's check runs as the scan moves on.
	progress bool
	// static builds nothing (the base's first pass).
	static bool
	// onTarget, when set, is given each target's report as soon as it is
	// made, from the scan's goroutines.
	onTarget func(scan.TargetReport)
}

// noBuildReason says why this job builds nothing ("" when it builds):
// the server builds nothing, has no builder that answers, or the pull
// request comes from a fork whose builds config does not allow.
func (j *checkJob) noBuildReason() string {
	a := j.app
	switch {
	case a.Settings().NoBuild:
		return "this server builds no images (serve --no-build)"
	case a.builders.current() == nil && a.builders.configured:
		return "the builder does not answer: " + a.builders.status().Error
	case a.builders.current() == nil:
		return "this server has no builder"
	case j.fork() && !j.cfg.App.BuildForks:
		return "a fork's pull request (config app.build-forks is off)"
	}
	return ""
}

// scan checks a plan's targets, building them unless noBuildReason says
// why not.
func (j *checkJob) scan(ctx context.Context, r scanRun) (*scan.Report, error) {
	a := j.app
	s := a.Settings()
	builder := a.builders.current()
	noBuild := j.noBuildReason()
	if noBuild != "" && r.progress {
		j.log.Info("not building", "why", noBuild)
	}
	if r.static && noBuild == "" {
		noBuild = "the base branch's first pass, without builds"
	}
	opts := scan.Options{
		NoBuild:       noBuild != "",
		NoBuildReason: noBuild,
		Builder:       builder,
		Build:         s.Build,
		CacheDir:      filepath.Join(s.DataDir, "image-cache"),
		Bases:         j.bases,
		RootRelative:  true,
		Revision:      r.rev,
		NoProbe:       s.NoProbe,
		OnTarget:      r.onTarget,
	}
	if r.progress {
		opts.Progress = j.progress(ctx)
	}
	rep, err := scan.Check(ctx, r.plan, opts)
	if err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	for _, t := range rep.Targets {
		if t.Build.Built() && t.Build.Seconds > 0 {
			outcome := "built"
			if t.Build.Failed {
				outcome = "failed"
			}
			a.metrics.buildSeconds.WithLabelValues(t.Build.Path, outcome).Observe(t.Build.Seconds)
		}
	}
	return rep, nil
}

// progress updates a target's check run text as the scan moves on, at most
// every few seconds per target.
func (j *checkJob) progress(ctx context.Context) func(target, stage string) {
	var mu sync.Mutex
	last := map[string]time.Time{}
	return func(target, stage string) {
		mu.Lock()
		cr := j.runs[target]
		if cr == nil || (time.Since(last[target]) < 3*time.Second && stage != "building") {
			mu.Unlock()
			return
		}
		last[target] = time.Now()
		mu.Unlock()
		_, _, err := j.gh.Checks.UpdateCheckRun(ctx, j.args.Owner, j.args.Repo, cr.ID, github.UpdateCheckRunOptions{
			Name: cr.Name,
			Output: &github.CheckRunOutput{
				Title:   github.String("Checking: " + stage),
				Summary: github.String(fmt.Sprintf("coderready is checking `%s` at %s: %s.", target, shortSHA(j.args.HeadSHA), stage)),
			},
		})
		if err != nil {
			j.log.Warn("progress update failed", "target", target, "err", err)
		}
	}
}

// phase adds d to the job's phase name (shown in the summaries) and
// observes it in coderready_phase_seconds.
func (j *checkJob) phase(name string, d time.Duration) {
	j.phases[name] += d
	j.app.metrics.phaseSeconds.WithLabelValues(name).Observe(d.Seconds())
}

// observeTarget observes a target's own phases in coderready_phase_seconds.
func (j *checkJob) observeTarget(t *checks.Timings) {
	for _, p := range checks.TargetPhases(t) {
		j.app.metrics.phaseSeconds.WithLabelValues(strings.ReplaceAll(p.Name, " ", "_")).Observe(p.Seconds)
	}
}

// summaryPhases are target t's phases in its summary: the job's queue
// wait and source fetch, the target's own, and its base branch's check
// when it ran in this job.
func (j *checkJob) summaryPhases(t scan.TargetReport, base targetBase) []checks.Phase {
	var out []checks.Phase
	for _, name := range []string{"queued", "source"} {
		if d := j.phases[name]; d > 0 {
			out = append(out, checks.Phase{Name: name, Seconds: d.Seconds()})
		}
	}
	out = append(out, checks.TargetPhases(t.Timings)...)
	if r := base.result; r != nil && !base.pending && base.reusedFrom == "" && r.Duration > 0 {
		out = append(out, checks.Phase{Name: "base branch", Seconds: r.Duration.Seconds()})
	}
	return out
}

// newBases reads a job's base images with the layer cache in cacheDir.
// Unless the app never builds, the image built on a base is read next,
// so the base's layers cross by push once (image.Options.BuildOnTop).
func newBases(cacheDir string, s Settings) *scan.ImageBases {
	b := scan.NewImageBases(cacheDir, s.NoRegistry)
	b.Options.BuildOnTop = !s.NoBuild
	return b
}
