package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/coderready/coderready/store"
)

// aggregateName is the one check run every pull request the app sees gets,
// whatever it changes: the name branch protection can require (the
// per-target names change with the paths).
const aggregateName = "coderready"

// conclusionRank orders conclusions from best to worst; the aggregate run
// takes its targets' worst.
var conclusionRank = []string{"skipped", "success", "neutral", "stale", "cancelled", "timed_out", "action_required", "failure"}

func worse(a, b string) string {
	if slices.Index(conclusionRank, b) > slices.Index(conclusionRank, a) {
		return b
	}
	return a
}

// startAggregate puts the aggregate run of the job's head in progress:
// created once per head (adopting one an earlier attempt made but did not
// record), or taken back into progress by a re-run, so a required check
// never passes while a target is being checked.
func (j *checkJob) startAggregate(ctx context.Context) error {
	existing, err := j.app.store.CheckRuns(ctx, j.args.fullName(), j.args.HeadSHA)
	if err != nil {
		return fmt.Errorf("check runs of %s: %w", j.args.HeadSHA, err)
	}
	known := make([]int64, 0, len(existing))
	output := &github.CheckRunOutput{Title: github.String("Checking"), Summary: github.String(
		fmt.Sprintf("coderready is checking the Dockerfiles and devcontainer.json files this pull request changes, at %s.", shortSHA(j.args.HeadSHA)))}
	for _, cr := range existing {
		known = append(known, cr.ID)
		if cr.Name != aggregateName || cr.Conclusion == "cancelled" {
			continue
		}
		j.aggregate = &cr
		if cr.Status == statusCompleted && j.args.Mode == "" {
			return nil
		}
		_, _, err := j.gh.Checks.UpdateCheckRun(ctx, j.args.Owner, j.args.Repo, cr.ID, github.UpdateCheckRunOptions{
			Name: aggregateName, Status: github.String(statusInProgress), Output: output,
		})
		if err != nil {
			return fmt.Errorf("resume check run %s: %w", aggregateName, err)
		}
		cr.Status = statusInProgress
		return j.app.store.SaveCheckRun(ctx, cr)
	}
	created, err := j.createCheckRun(ctx, github.CreateCheckRunOptions{
		Name:       aggregateName,
		HeadSHA:    j.args.HeadSHA,
		Status:     github.String(statusInProgress),
		StartedAt:  &github.Timestamp{Time: time.Now()},
		ExternalID: github.String(aggregateName + "@" + j.args.HeadSHA),
		Output:     output,
	}, known)
	if err != nil {
		return err
	}
	cr := store.CheckRun{Repo: j.args.fullName(), HeadSHA: j.args.HeadSHA, Name: aggregateName, ID: created.GetID(), Status: statusInProgress, HTMLURL: created.GetHTMLURL()}
	if err := j.app.store.SaveCheckRun(ctx, cr); err != nil {
		return fmt.Errorf("save check run %s: %w", aggregateName, err)
	}
	j.aggregate = &cr
	return nil
}

// completeAggregate completes the aggregate run with the worst conclusion
// of the head's other check runs, listing them with links; a head with
// none changed no Dockerfile or devcontainer.json and succeeds.
func (j *checkJob) completeAggregate(ctx context.Context) error {
	if j.aggregate == nil {
		return nil
	}
	runs, err := j.app.store.CheckRuns(ctx, j.args.fullName(), j.args.HeadSHA)
	if err != nil {
		return fmt.Errorf("check runs of %s: %w", j.args.HeadSHA, err)
	}
	runs = slices.DeleteFunc(runs, func(cr store.CheckRun) bool { return cr.Name == aggregateName })
	title, summary, conclusion := aggregateOutput(runs, j.pr.GetHTMLURL(), j.titles)
	_, _, err = j.gh.Checks.UpdateCheckRun(ctx, j.args.Owner, j.args.Repo, j.aggregate.ID, github.UpdateCheckRunOptions{
		Name:        aggregateName,
		Status:      github.String(statusCompleted),
		Conclusion:  github.String(conclusion),
		CompletedAt: &github.Timestamp{Time: time.Now()},
		Output:      &github.CheckRunOutput{Title: github.String(title), Summary: github.String(clip(summary, 65000))},
		Actions:     []*github.CheckRunAction{rerunAction},
	})
	if err != nil {
		return fmt.Errorf("complete check run %s: %w", aggregateName, err)
	}
	if err := j.app.store.SetCheckRunStatus(ctx, j.args.fullName(), j.aggregate.ID, statusCompleted, conclusion); err != nil {
		return fmt.Errorf("record check run %s: %w", aggregateName, err)
	}
	j.app.metrics.checkRuns.WithLabelValues(conclusion).Inc()
	j.log.Info("aggregate check run completed", "conclusion", conclusion, "targets", len(runs))
	return nil
}

// aggregateOutput is the aggregate run's title, summary and conclusion
// for the head's other check runs. The title names the worst target's
// problem when this job checked it (titles, by target path), else counts.
func aggregateOutput(runs []store.CheckRun, pullURL string, titles map[string]string) (title, summary, conclusion string) {
	if len(runs) == 0 {
		return "No Dockerfile or devcontainer.json changed",
			"This pull request changes no Dockerfile or devcontainer.json, nor a file one of them builds from: there is nothing for coderready to check.",
			"success"
	}
	conclusion = "success"
	counts := map[string]int{}
	for _, cr := range runs {
		c := cr.Conclusion
		if cr.Status != statusCompleted {
			c = "failure" // never left open by a finished job; say so if it is
		}
		counts[c]++
		conclusion = worse(conclusion, c)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "coderready checked %d target%s of this pull request:\n\n| check | result |\n| --- | --- |\n", len(runs), plural(len(runs), "", "s"))
	for _, cr := range runs {
		name := strings.TrimPrefix(cr.Name, checkRunPrefix)
		link := cr.HTMLURL
		if link == "" && pullURL != "" {
			link = pullURL + "/checks"
		}
		if link != "" {
			name = fmt.Sprintf("[`%s`](%s)", name, link)
		} else {
			name = "`" + name + "`"
		}
		fmt.Fprintf(&b, "| %s | %s |\n", name, resultWords(cr))
	}
	b.WriteString("\nThis check is the worst of those above; require it in branch protection to hold pull requests that break a workspace image.")
	for _, cr := range runs {
		if t := titles[cr.Target]; t != "" && cr.Target != "" && cr.Conclusion == conclusion && conclusion != "success" {
			title = strings.TrimPrefix(cr.Name, checkRunPrefix) + ": " + t
			if len(runs) > 1 {
				title += fmt.Sprintf(", and %d other target%s", len(runs)-1, plural(len(runs)-1, "", "s"))
			}
			return clip(title, 255), b.String(), conclusion
		}
	}
	switch {
	case counts["failure"] > 0:
		title = fmt.Sprintf("%d of %d target%s fail%s", counts["failure"], len(runs), plural(len(runs), "", "s"), plural(counts["failure"], "s", ""))
	case conclusion == "neutral":
		title = fmt.Sprintf("%d of %d target%s with warnings", counts["neutral"], len(runs), plural(len(runs), "", "s"))
	case conclusion == "success":
		title = fmt.Sprintf("%d target%s pass%s", len(runs), plural(len(runs), "", "s"), plural(len(runs), "es", ""))
	default:
		title = fmt.Sprintf("%d target%s: %s", len(runs), plural(len(runs), "", "s"), conclusion)
	}
	return title, b.String(), conclusion
}

func resultWords(cr store.CheckRun) string {
	if cr.Status != statusCompleted {
		return "not finished"
	}
	switch cr.Conclusion {
	case "success":
		return "passes"
	case "neutral":
		return "warnings"
	case "failure":
		return "**fails**"
	}
	return cr.Conclusion
}
