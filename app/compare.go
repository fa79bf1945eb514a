package app

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/coderready/coderready/app/basecache"
	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/scan"
)

// baseComparison is what a job knows of the base branch's results for its
// targets. A target's base result is known at once when the base does not
// have the target (all is new) or when an earlier job checked the same
// inputs (the base results cache); the others are pending: they are
// checked after the head's runs complete, and each run is updated with its
// comparison as soon as its own base is done, never waiting for another
// target's base build.
type baseComparison struct {
	sha string
	// plan is the base tree's targets; closed by close.
	plan *scan.Planned
	// known are base results by target path; a nil value is a target the
	// base does not have.
	known map[string]*scan.TargetReport
	// reused are the base commits of the known results taken from the
	// cache, by target path.
	reused map[string]string
	// keys are the cache keys of the pending targets, by path.
	keys map[string]string
	// pending are the targets whose base must be checked, in the head's
	// order.
	pending []string
	// static is the pending targets' base scanned without builds: enough
	// to tell which findings read from the files alone are already on the
	// base before the base's image is built.
	static map[string]*scan.TargetReport
}

func (c *baseComparison) close() {
	if c != nil && c.plan != nil {
		_ = c.plan.Close()
	}
}

// targetBase is the base side of one target's report.
type targetBase struct {
	// result is the base branch's result for the target; nil when there
	// is none (no comparison, or the base does not have the target):
	// every finding is then new.
	result *scan.TargetReport
	// pending marks a result that is the base's static scan while its
	// image is built: only findings read from the files (evidence file)
	// are matched against it, and no image comparison is made.
	pending bool
	// compared is set when a comparison was made (result may still be
	// nil: the target is new).
	compared bool
	// reusedFrom is the base commit whose check gave result, when it was
	// reused from the cache.
	reusedFrom string
}

// prepareBase reads the base branch's tree and finds what is known of each
// head target's base. It returns nil when there is no comparison (turned
// off, or the base tree could not be read: every finding then counts as
// new, and the log says why).
func (j *checkJob) prepareBase(ctx context.Context, work string, head *scan.Report) *baseComparison {
	if !j.app.Settings().CompareBase || len(head.Targets) == 0 {
		return nil
	}
	start := time.Now()
	defer func() { j.app.metrics.phaseSeconds.WithLabelValues("compare").Observe(time.Since(start).Seconds()) }()
	sha := j.pr.GetBase().GetSHA()
	baseRoot := filepath.Join(work, "base")
	if err := j.fetchSource(ctx, sha, baseRoot); err != nil {
		j.log.Warn("base branch source not read; no comparison", "err", err)
		return nil
	}
	plan, err := scan.Plan(baseRoot, j.cfg)
	if err != nil {
		j.log.Warn("base branch source not read; no comparison", "err", err)
		return nil
	}
	plan.Repository = j.args.fullName()
	c := &baseComparison{sha: sha, plan: plan, known: map[string]*scan.TargetReport{}, keys: map[string]string{}, reused: map[string]string{}, static: map[string]*scan.TargetReport{}}
	byPath := map[string]scan.Target{}
	for _, t := range plan.Targets {
		byPath[t.Path] = t
	}
	cache := j.app.baseResults
	for _, h := range head.Targets {
		t, ok := byPath[h.Path]
		if !ok {
			c.known[h.Path] = nil // the pull request adds it: all is new
			continue
		}
		key, err := j.baseKey(plan, t)
		if err != nil {
			j.log.Warn("base result key not made; checking the base", "target", h.Path, "err", err)
		} else if cache != nil {
			e, hit, err := cache.Get(key)
			if err != nil {
				j.log.Warn("base results cache", "err", err)
			}
			if hit {
				j.app.metrics.baseResults.WithLabelValues("hit").Inc()
				j.log.Info("base branch result reused", "target", h.Path, "checked_at", e.At, "base_sha", e.BaseSHA)
				c.known[h.Path] = &scan.TargetReport{TargetResult: e.Result, Duration: e.Took, Side: e.Side}
				c.reused[h.Path] = e.BaseSHA
				continue
			}
			j.app.metrics.baseResults.WithLabelValues("miss").Inc()
		}
		c.keys[h.Path] = key
		c.pending = append(c.pending, h.Path)
	}
	plan.Select(func(t scan.Target) bool { return slices.Contains(c.pending, t.Path) })
	if len(c.pending) == 0 {
		return c
	}
	// A pass without builds takes seconds (base images are read once per
	// job, and cached): the head's runs complete with what it can tell.
	static, err := j.scan(ctx, scanRun{plan: plan, rev: sha, static: true})
	if err != nil {
		j.log.Warn("base branch static scan failed; the first conclusion counts every finding as new", "err", err)
		return c
	}
	final := j.noBuildReason() != ""
	for i := range static.Targets {
		t := &static.Targets[i]
		if final {
			// Nothing is built in this job: the pass is the base's result.
			j.keepBase(c, *t)
			c.known[t.Path] = t
			continue
		}
		c.static[t.Path] = t
	}
	if final {
		c.pending = nil
	}
	return c
}

// of returns what is known of target's base now.
func (c *baseComparison) of(target string) targetBase {
	if c == nil {
		return targetBase{}
	}
	if r, ok := c.known[target]; ok {
		return targetBase{result: r, compared: true, reusedFrom: c.reused[target]}
	}
	return targetBase{result: c.static[target], pending: true}
}

// checkPending checks the pending targets' base and calls done with each
// one's base side as soon as that target is checked; results are cached.
// A target whose base could not be checked gets done with no result, so
// its run is completed without a comparison rather than left saying one
// is coming.
func (j *checkJob) checkPending(ctx context.Context, c *baseComparison, done func(target string, b targetBase) error) error {
	if c == nil || len(c.pending) == 0 {
		return nil
	}
	start := time.Now()
	defer func() { j.app.metrics.phaseSeconds.WithLabelValues("compare").Observe(time.Since(start).Seconds()) }()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	reports := make(chan scan.TargetReport)
	var scanErr error
	go func() {
		defer close(reports)
		_, scanErr = j.scan(ctx, scanRun{plan: c.plan, rev: c.sha, onTarget: func(t scan.TargetReport) {
			select {
			case reports <- t:
			case <-ctx.Done():
			}
		}})
	}()
	left := slices.Clone(c.pending)
	var err error
	for t := range reports {
		if err != nil {
			continue // drain: the scan stops at the cancel
		}
		j.keepBase(c, t)
		left = slices.DeleteFunc(left, func(p string) bool { return p == t.Path })
		if err = done(t.Path, targetBase{result: &t, compared: true}); err != nil {
			cancel()
		}
	}
	if err != nil {
		return err
	}
	if scanErr != nil {
		j.log.Warn("base branch scan failed; no comparison for its targets", "targets", left, "err", scanErr)
	}
	for _, p := range left {
		if err := done(p, targetBase{}); err != nil {
			return err
		}
	}
	return nil
}

// keepBase caches a target's base result, unless its build failed (that
// may not be the base's fault: the next job tries again).
func (j *checkJob) keepBase(c *baseComparison, t scan.TargetReport) {
	cache, key := j.app.baseResults, c.keys[t.Path]
	if cache == nil || key == "" || (t.Build != nil && t.Build.Failed) {
		return
	}
	e := &basecache.Entry{Repo: j.args.fullName(), BaseSHA: c.sha, Target: t.Path, Result: t.TargetResult, Side: t.Side, Took: t.Duration, At: time.Now()}
	if err := cache.Put(key, e); err != nil {
		j.log.Warn("base result not cached", "target", t.Path, "err", err)
	}
}

// baseKey is the cache key of target t's base result: everything the
// result depends on: the repository, the target and a digest of its input
// files, the config, whether and how it is built, and this version.
func (j *checkJob) baseKey(plan *scan.Planned, t scan.Target) (string, error) {
	digest, err := plan.InputsDigest(t)
	if err != nil {
		return "", err
	}
	cfg, err := json.Marshal(j.cfg)
	if err != nil {
		return "", fmt.Errorf("config: %w", err)
	}
	s := j.app.Settings()
	mode := "static"
	if j.noBuildReason() == "" {
		mode = fmt.Sprintf("built %+v", s.Build)
	}
	return basecache.Key("coderready base result v1", s.Version, j.args.fullName(), t.Path, digest, string(cfg), mode), nil
}

// matchTarget returns the keys (findingKey) of head's findings that base
// has too, by fingerprint, each base finding matching at most one head
// finding (a pull request that adds a second copy of a problem adds a new
// finding). With only set, only findings it keeps are matched.
func matchTarget(head, base []checks.Finding, only func(checks.Finding) bool) map[string]bool {
	left := map[string]int{}
	for _, f := range base {
		if only == nil || only(f) {
			left[fingerprint(f)]++
		}
	}
	set := map[string]bool{}
	for _, f := range head {
		if only != nil && !only(f) {
			continue
		}
		if fp := fingerprint(f); left[fp] > 0 {
			left[fp]--
			set[findingKey(f)] = true
		}
	}
	return set
}

// fromFiles keeps findings read from the files alone, whose base
// counterparts a scan without builds finds too.
func fromFiles(f checks.Finding) bool { return f.Evidence == checks.EvidenceFile }
