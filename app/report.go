package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/coderready/coderready/app/review"
	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/internal/rootfs"
	"github.com/coderready/coderready/scan"
	"github.com/coderready/coderready/store"
)

// rerunAction is the check run button that builds and checks again.
var rerunAction = &github.CheckRunAction{Label: "Re-run", Description: "Build and check this image again", Identifier: actionRerun}

// maxAnnotationsPerRequest is GitHub's limit on one check run update.
const maxAnnotationsPerRequest = 50

// Check run statuses and conclusions.
const (
	statusInProgress = "in_progress"
	statusCompleted  = "completed"
)

// startCheckRuns creates one in-progress check run per target, or takes
// over the ones an earlier attempt or job for this head created (their IDs
// live in the store), so a resumed job completes the same check runs.
func (j *checkJob) startCheckRuns(ctx context.Context) error {
	existing, err := j.app.store.CheckRuns(ctx, j.args.fullName(), j.args.HeadSHA)
	if err != nil {
		return fmt.Errorf("check runs of %s: %w", j.args.HeadSHA, err)
	}
	byName := map[string]store.CheckRun{}
	known := make([]int64, 0, len(existing))
	for _, cr := range existing {
		byName[cr.Name] = cr
		known = append(known, cr.ID)
	}
	now := github.Timestamp{Time: time.Now()}
	for _, t := range j.targets {
		name := checkRunPrefix + t.Path
		// A check (mode "") takes over its head's run, even one completed
		// before a crash ended the job: one set of check runs per head. A
		// cancelled one belongs to a closed pull request's check.
		if cr, ok := byName[name]; ok && (j.args.Mode == modeSuggest || (j.args.Mode == "" && cr.Conclusion != "cancelled")) {
			cr := cr
			j.runs[t.Path] = &cr
			_, _, err := j.gh.Checks.UpdateCheckRun(ctx, j.args.Owner, j.args.Repo, cr.ID, github.UpdateCheckRunOptions{
				Name:   name,
				Status: github.String(statusInProgress),
				Output: &github.CheckRunOutput{Title: github.String("Checking"), Summary: github.String(queuedSummary(t.Path, j.args.HeadSHA))},
			})
			if err != nil {
				return fmt.Errorf("resume check run %s: %w", name, err)
			}
			continue
		}
		created, err := j.createCheckRun(ctx, github.CreateCheckRunOptions{
			Name:       name,
			HeadSHA:    j.args.HeadSHA,
			Status:     github.String(statusInProgress),
			StartedAt:  &now,
			ExternalID: github.String(fmt.Sprintf("%s@%s", t.Path, j.args.HeadSHA)),
			Output:     &github.CheckRunOutput{Title: github.String("Checking"), Summary: github.String(queuedSummary(t.Path, j.args.HeadSHA))},
		}, known)
		if err != nil {
			return err
		}
		cr := store.CheckRun{Repo: j.args.fullName(), HeadSHA: j.args.HeadSHA, Name: name, Target: t.Path, ID: created.GetID(), Status: statusInProgress, HTMLURL: created.GetHTMLURL()}
		if err := j.app.store.SaveCheckRun(ctx, cr); err != nil {
			return fmt.Errorf("save check run %s: %w", name, err)
		}
		j.runs[t.Path] = &cr
	}
	return nil
}

func queuedSummary(target, sha string) string {
	return fmt.Sprintf("coderready is building and checking `%s` at %s.", target, shortSHA(sha))
}

// report posts the review suggestions, then completes each target's check
// run with its summary, annotations (in batches of 50) and actions.
//
// Findings the base branch has too are listed apart, annotated as config
// app.existing says, and count toward the conclusion only with
// app.fail-on-existing. A run whose base result is known (from the cache,
// or a target the base does not have) is completed once, with its
// comparison. The others are completed at once with what the base's
// static pass tells, then updated with the comparison as soon as their own
// base is checked: a run never waits for another target's base build.
func (j *checkJob) report(ctx context.Context, rep *scan.Report, cmp *baseComparison) error {
	start := time.Now()
	defer func() { j.app.metrics.phaseSeconds.WithLabelValues("report").Observe(time.Since(start).Seconds()) }()
	var all []checks.Finding
	heads := map[string]scan.TargetReport{}
	for _, t := range rep.Targets {
		all = append(all, t.Findings...)
		heads[t.Path] = t
	}
	outside, err := j.suggest(ctx, all)
	if err != nil {
		return err
	}
	for _, t := range rep.Targets {
		cr := j.runs[t.Path]
		if cr == nil {
			continue
		}
		if err := j.completeTarget(ctx, cr, t, cmp.of(t.Path), outside); err != nil {
			return err
		}
	}
	err = j.checkPending(ctx, cmp, func(target string, b targetBase) error {
		cr := j.runs[target]
		if cr == nil {
			return nil
		}
		return j.completeTarget(ctx, cr, heads[target], b, outside)
	})
	if err != nil {
		return err
	}
	// Before the aggregate run completes: a crash until then runs the
	// job again, which queues it again.
	return j.queueCleanup(ctx, rep)
}

// suggest posts one review with a suggestion for each fix that lies inside
// the pull request's diff and was not posted before; it returns the
// findings whose fixes go into the summary as a patch instead.
func (j *checkJob) suggest(ctx context.Context, findings []checks.Finding) (map[string]bool, error) {
	withFix := withFixes(findings)
	outside := map[string]bool{}
	markAll := func(fs []checks.Finding) {
		for _, f := range fs {
			outside[findingKey(f)] = true
		}
	}
	if len(withFix) == 0 {
		return outside, nil
	}
	if !j.cfg.App.Suggestions || j.args.PR == 0 {
		markAll(withFix)
		return outside, nil
	}
	hunks := j.hunks()
	// What an earlier attempt was about to post is settled first, so its
	// suggestions count as posted if GitHub holds them.
	if err := j.settleReviews(ctx); err != nil {
		return nil, err
	}
	var posted map[string]bool
	var err error
	if j.args.Mode == modeSuggest {
		// "Suggest fixes" posts what the pull request does not show,
		// whatever was posted before.
		posted, err = j.suggestionsOnPull(ctx)
	} else {
		posted, err = j.app.store.PostedSuggestions(ctx, j.args.fullName(), j.args.PR)
	}
	if err != nil {
		return nil, fmt.Errorf("posted suggestions: %w", err)
	}
	plan := review.MakePlan(withFix, hunks, posted)
	markAll(plan.Outside)
	j.applied = plan.Applied
	if len(plan.Comments) == 0 {
		return outside, nil
	}
	plan.Comments = withFindingMarkers(plan.Comments, withFix)
	comments := make([]*github.DraftReviewComment, 0, len(plan.Comments))
	for _, c := range plan.Comments {
		dc := &github.DraftReviewComment{Path: github.String(c.Path), Line: github.Int(c.Line), Side: github.String("RIGHT"), Body: github.String(c.Body)}
		if c.StartLine > 0 && c.StartLine < c.Line {
			dc.StartLine = github.Int(c.StartLine)
			dc.StartSide = github.String("RIGHT")
		}
		comments = append(comments, dc)
	}
	body := fmt.Sprintf("coderready suggests %d fix%s for Coder compatibility. Each can be committed from here.", len(comments), plural(len(comments), "", "es"))
	ok, err := j.postReview(ctx, &github.PullRequestReviewRequest{
		CommitID: github.String(j.args.HeadSHA),
		Body:     github.String(body),
		Event:    github.String("COMMENT"),
		Comments: comments,
	}, plan.Fingerprints)
	if err != nil {
		return nil, err
	}
	if !ok {
		// GitHub rejects the whole review when one comment misses the
		// diff: keep every fix in the summary instead of losing them.
		j.log.Warn("review rejected (422); fixes go into the summary")
		markAll(withFix)
		j.applied = nil
		return outside, nil
	}
	j.log.Info("review with suggestions posted", "suggestions", len(comments))
	return outside, nil
}

// hunks parses the diff of each changed file (once per job).
func (j *checkJob) hunks() map[string]*review.Hunks {
	if j.diff != nil {
		return j.diff
	}
	j.diff = map[string]*review.Hunks{}
	for _, f := range j.files {
		if f.GetPatch() == "" {
			continue
		}
		h, err := review.ParsePatch(f.GetPatch())
		if err != nil {
			j.log.Warn("diff of a file does not parse; no suggestions or causes on it", "file", f.GetFilename(), "err", err)
			continue
		}
		j.diff[f.GetFilename()] = h
	}
	return j.diff
}

// findingKey identifies a finding within one job.
func findingKey(f checks.Finding) string {
	return fmt.Sprintf("%s|%s|%d|%d|%s", f.RuleID, f.Location.Path, f.Location.StartLine, f.Location.EndLine, f.Message)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// completeTarget writes a target's result to its check run.
func (j *checkJob) completeTarget(ctx context.Context, cr *store.CheckRun, t scan.TargetReport, base targetBase, outside map[string]bool) error {
	current, err := j.app.store.CheckRuns(ctx, j.args.fullName(), j.args.HeadSHA)
	if err != nil {
		return fmt.Errorf("check runs: %w", err)
	}
	for _, c := range current {
		if c.ID == cr.ID && c.Status == statusCompleted && c.Conclusion == "cancelled" {
			return errSuperseded
		}
	}
	var patchFindings []checks.Finding
	for _, f := range t.Findings {
		if f.Fix != nil && outside[findingKey(f)] {
			patchFindings = append(patchFindings, f)
		}
	}
	var patch review.Patch
	if len(patchFindings) > 0 {
		p, err := review.FormatPatch(patchFindings, j.applied, func(p string) ([]byte, error) {
			// The checkout is the pull request's: read inside it only.
			repo, err := rootfs.Open(j.root)
			if err != nil {
				return nil, err
			}
			defer func() { _ = repo.Close() }()
			return repo.ReadFile(p, scan.MaxFileSize)
		})
		if err != nil {
			j.log.Warn("patch of the fixes not made", "target", t.Path, "err", err)
		} else {
			patch = p
		}
	}
	baseRef := j.pr.GetBase().GetRef()
	var diff *checks.ImageDiff
	old := map[string]bool{}
	if r := base.result; r != nil {
		var only func(checks.Finding) bool
		if base.pending {
			only = fromFiles
		}
		old = matchTarget(t.Findings, r.Findings, only)
		// Both sides read one base image when the head was not built:
		// there is nothing built to compare.
		if !base.pending && r.Side != nil && t.Side != nil && t.Build.Built() {
			diff = checks.DiffSides(r.Side, t.Side)
		}
	}
	isOld := func(f checks.Finding) bool { return old[findingKey(f)] }
	var fresh, existing []checks.Finding
	for _, f := range t.Findings {
		if isOld(f) {
			existing = append(existing, f)
		} else {
			fresh = append(fresh, f)
		}
	}
	const pendingNote = "\n_The base branch's image is being built for the comparison: this run is updated when it is done. Until then only findings read from the files are told apart from the base branch's._\n"
	mo := checks.MarkdownOptions{Diff: diff, BaseRef: baseRef, Patch: patch.Diff, PatchOnSuggestions: patch.OnSuggestions, RuleURL: j.app.Settings().RuleURL, Phases: j.summaryPhases(t, base)}
	if base.pending || base.reusedFrom != "" {
		mo.MaxBytes = checks.MaxMarkdownBytes - len(pendingNote)
	}
	if web := j.pr.GetHead().GetRepo().GetHTMLURL(); web != "" {
		mo.LineURL = func(p string, line int) string {
			return fmt.Sprintf("%s/blob/%s/%s#L%d", web, j.args.HeadSHA, p, line)
		}
	}
	if len(existing) > 0 {
		mo.Existing = isOld
	}
	title := checkTitle(fresh, len(existing), baseRef)
	summary := checks.RenderMarkdown(&t.TargetResult, mo)
	if base.pending {
		title = clip(title+" (comparing with "+baseRef+")", 255)
		summary += pendingNote
	}
	if base.reusedFrom != "" {
		// Shorter than pendingNote, whose room RenderMarkdown left.
		summary += "\n_The base branch's side is reused from the check of " + shortSHA(base.reusedFrom) + " (same inputs)._\n"
	}
	j.titles[t.Path] = title
	counted := fresh
	if j.cfg.App.FailOnExisting {
		counted = t.Findings
	}
	conclusion := j.cfg.App.Conclusion(checks.MaxSeverity(counted))
	// While the comparison is pending, only annotations that it cannot
	// change are sent (GitHub keeps every annotation sent to a run, so a
	// finding later found on the base would show twice): those read from
	// the files. The update sends the rest.
	annotated := fresh
	if base.pending {
		annotated = slices.DeleteFunc(slices.Clone(fresh), func(f checks.Finding) bool { return !fromFiles(f) })
	}
	annotations := annotationsFor(annotated)
	if j.args.PR != 0 {
		annotations = append(annotations, causeAnnotations(annotated, j.hunks())...)
	}
	if j.cfg.App.Existing != checks.ExistingHide {
		for _, a := range annotationsFor(existing) {
			// Plain text: annotations render no Markdown.
			a.Message = github.String(clip(a.GetMessage()+" (already on "+baseRef+")", 64<<10))
			if j.cfg.App.Existing != checks.ExistingAnnotate {
				a.AnnotationLevel = github.String("notice")
			}
			annotations = append(annotations, a)
		}
	}
	actions := []*github.CheckRunAction{rerunAction}
	if len(withFixes(t.Findings)) > 0 && j.args.PR != 0 && j.cfg.App.Suggestions {
		actions = append(actions, &github.CheckRunAction{Label: "Suggest fixes", Description: "Post the fixes as review suggestions", Identifier: actionSuggest})
	}
	if err := j.finishRun(ctx, cr, runUpdate{title: title, summary: summary, conclusion: conclusion, actions: actions, annotations: annotations}); err != nil {
		return err
	}
	if err := j.app.store.SetCheckRunStatus(ctx, j.args.fullName(), cr.ID, statusCompleted, conclusion); err != nil {
		return fmt.Errorf("record check run %s: %w", cr.Name, err)
	}
	j.app.metrics.checkRuns.WithLabelValues(conclusion).Inc()
	comparison := "none"
	switch {
	case base.pending:
		comparison = "pending"
	case base.compared:
		comparison = "done"
	}
	j.log.Info("check run completed", "target", t.Path, "conclusion", conclusion, "findings", len(t.Findings), "annotations", len(annotations), "comparison", comparison)
	return nil
}

// withFixes returns the findings whose fix can be written as edits.
func withFixes(fs []checks.Finding) []checks.Finding {
	var out []checks.Finding
	for _, f := range fs {
		if f.Fix != nil && len(f.Fix.Edits) > 0 {
			out = append(out, f)
		}
	}
	return out
}

// annotationsFor turns findings into check run annotations on their lines.
func annotationsFor(fs []checks.Finding) []*github.CheckRunAnnotation {
	out := make([]*github.CheckRunAnnotation, 0, len(fs))
	for _, f := range fs {
		if f.Location.Path == "" {
			continue
		}
		start := max(f.Location.StartLine, 1)
		end := max(f.Location.EndLine, start)
		a := &github.CheckRunAnnotation{
			Path:            github.String(f.Location.Path),
			StartLine:       github.Int(start),
			EndLine:         github.Int(end),
			AnnotationLevel: github.String(annotationLevel(f.Severity)),
			Message:         github.String(clip(annotationMessage(f), 64<<10)),
			Title:           github.String(clip(annotationTitle(f), 255)),
		}
		if start == end && f.Location.StartCol > 0 && f.Location.EndCol >= f.Location.StartCol {
			a.StartColumn = github.Int(f.Location.StartCol)
			a.EndColumn = github.Int(f.Location.EndCol)
		}
		var details []string
		if f.Fix != nil && f.Fix.Description != "" {
			details = append(details, "Fix: "+checks.PlainText(f.Fix.Description))
		}
		if f.Details != "" {
			details = append(details, f.Details)
		}
		if len(details) > 0 {
			a.RawDetails = github.String(clip(strings.Join(details, "\n\n"), 64<<10))
		}
		out = append(out, a)
	}
	return out
}

// annotationMessage is the finding's message, with what it stands on when
// that is not a fact, as plain text: annotations render no Markdown.
func annotationMessage(f checks.Finding) string {
	if n := f.EvidenceNote(); n != "" {
		return checks.PlainText(f.Message + " (" + n + ")")
	}
	return checks.PlainText(f.Message)
}

// annotationTitle is the rule's ID and title, as plain text.
func annotationTitle(f checks.Finding) string {
	if r := checks.Lookup(f.RuleID); r != nil {
		return f.RuleID + ": " + checks.PlainText(r.Title)
	}
	return f.RuleID
}

func annotationLevel(s checks.Severity) string {
	switch s {
	case checks.SeverityError:
		return "failure"
	case checks.SeverityWarning:
		return "warning"
	}
	return "notice"
}

// clip shortens s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return checks.TruncateRunes(s, n-3) + "..."
}

// cancelCheckRuns completes a head SHA's open check runs as cancelled.
func (a *App) cancelCheckRuns(ctx context.Context, inst int64, owner, name, sha, why string) error {
	return a.completeOpenRuns(ctx, inst, owner, name, sha, "cancelled",
		&github.CheckRunOutput{Title: github.String("Cancelled"), Summary: github.String("This check was cancelled: " + why + ".")}, nil)
}

// failCheckRuns completes a job's open check runs when the job gives up, so
// none is left in progress; the summary says why and how to retry.
func (a *App) failCheckRuns(ctx context.Context, args checkArgs, cause error) {
	err := a.completeOpenRuns(ctx, args.InstallationID, args.Owner, args.Repo, args.HeadSHA, "failure", &github.CheckRunOutput{
		Title:   github.String("coderready could not finish"),
		Summary: github.String(clip("coderready could not finish this check: "+cause.Error()+"\n\nUse **Re-run** to try again.", 65000)),
	}, []*github.CheckRunAction{rerunAction})
	if err != nil {
		a.log.Error("could not fail the job's check runs", "err", err)
	}
}

// completeOpenRuns completes every check run of a head SHA that is not
// completed yet with conclusion and output, and records it.
func (a *App) completeOpenRuns(ctx context.Context, inst int64, owner, name, sha, conclusion string, output *github.CheckRunOutput, actions []*github.CheckRunAction) error {
	repo := owner + "/" + name
	runs, err := a.store.CheckRuns(ctx, repo, sha)
	if err != nil {
		return fmt.Errorf("check runs of %s: %w", sha, err)
	}
	var gh *github.Client
	var errs []error
	for _, cr := range runs {
		if cr.Status == statusCompleted {
			continue
		}
		if gh == nil {
			if gh, err = a.installationClient(inst); err != nil {
				return err
			}
		}
		_, _, err := gh.Checks.UpdateCheckRun(ctx, owner, name, cr.ID, github.UpdateCheckRunOptions{
			Name:        cr.Name,
			Status:      github.String(statusCompleted),
			Conclusion:  github.String(conclusion),
			CompletedAt: &github.Timestamp{Time: time.Now()},
			Output:      output,
			Actions:     actions,
		})
		if err == nil {
			err = a.store.SetCheckRunStatus(ctx, repo, cr.ID, statusCompleted, conclusion)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("complete check run %s as %s: %w", cr.Name, conclusion, err))
			continue
		}
		a.metrics.checkRuns.WithLabelValues(conclusion).Inc()
	}
	return errors.Join(errs...)
}
