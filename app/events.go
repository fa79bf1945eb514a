package app

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/coderready/coderready/store"
)

// deliveryWorker routes a queued delivery to its event's handler.
type deliveryWorker struct {
	river.WorkerDefaults[deliveryArgs]
	app *App
}

// Timeout bounds routing one delivery (a few API calls at most).
func (w *deliveryWorker) Timeout(*river.Job[deliveryArgs]) time.Duration { return 2 * time.Minute }

// Work parses the payload and hands it to the event's handler.
func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[deliveryArgs]) error {
	a := w.app
	d := job.Args
	payload := []byte(d.Payload)
	if len(payload) == 0 {
		var err error
		if payload, err = a.store.DeliveryPayload(ctx, d.DeliveryID); err != nil {
			if errors.Is(err, store.ErrNoPayload) {
				a.log.Warn("delivery has no payload (routed already?); nothing to do", "delivery", d.DeliveryID)
				return nil
			}
			return err
		}
	}
	if err := w.route(ctx, d, payload); err != nil {
		return err
	}
	if err := a.store.ClearDeliveryPayload(ctx, d.DeliveryID); err != nil {
		a.log.Warn("routed delivery's payload not cleared", "delivery", d.DeliveryID, "err", err)
	}
	return nil
}

// route parses the payload, hands it to the event's handler and records
// what that did beside the delivery, with the installation and repository
// the payload names (the status page's recent deliveries).
func (w *deliveryWorker) route(ctx context.Context, d deliveryArgs, payload []byte) error {
	a := w.app
	ev, err := github.ParseWebHook(d.Event, payload)
	if err != nil {
		// A payload GitHub signed but we cannot parse will not parse on
		// retry either.
		a.log.Error("delivery payload does not parse; dropped", "delivery", d.DeliveryID, "event", d.Event, "err", err)
		a.noteRoute(ctx, d.DeliveryID, 0, "", "dropped: the payload does not parse")
		return river.JobCancel(fmt.Errorf("parse %s payload: %w", d.Event, err))
	}
	inst, repo := deliveryOrigin(ev)
	result, err := w.dispatch(ctx, d, ev)
	if err != nil {
		result = "failed, will retry: " + err.Error()
	}
	a.noteRoute(ctx, d.DeliveryID, inst, repo, result)
	return err
}

// dispatch hands a parsed event to its handler and says in a few words
// what became of it.
func (w *deliveryWorker) dispatch(ctx context.Context, d deliveryArgs, ev any) (string, error) {
	a := w.app
	switch e := ev.(type) {
	case *github.PullRequestEvent:
		return "handled", a.onPullRequest(ctx, d.DeliveryID, e)
	case *github.CheckSuiteEvent:
		return "handled", a.onCheckSuite(ctx, d.DeliveryID, e)
	case *github.CheckRunEvent:
		return "handled", a.onCheckRun(ctx, d.DeliveryID, e)
	case *github.InstallationEvent:
		return "installation " + e.GetAction(), a.onInstallation(ctx, d.DeliveryID, e)
	case *github.InstallationRepositoriesEvent:
		a.log.Info("installation repositories changed", "delivery", d.DeliveryID, "installation", e.GetInstallation().GetID(),
			"added", len(e.RepositoriesAdded), "removed", len(e.RepositoriesRemoved))
		return fmt.Sprintf("repositories changed: %d added, %d removed", len(e.RepositoriesAdded), len(e.RepositoriesRemoved)), nil
	}
	a.log.Info("event not handled", "delivery", d.DeliveryID, "event", d.Event)
	return "ignored: no handler for " + d.Event, nil
}

// deliveryOrigin is the installation and repository ("owner/name") an
// event names; 0 and "" when it names none.
func deliveryOrigin(ev any) (int64, string) {
	var inst int64
	if e, ok := ev.(interface{ GetInstallation() *github.Installation }); ok {
		inst = e.GetInstallation().GetID()
	}
	var repo string
	if e, ok := ev.(interface{ GetRepo() *github.Repository }); ok {
		repo = e.GetRepo().GetFullName()
	}
	return inst, repo
}

// noteRoute records a delivery's route for the status page; failing to is
// logged, not a reason to route it again.
func (a *App) noteRoute(ctx context.Context, delivery string, inst int64, repo, result string) {
	const maxResult = 500
	if len(result) > maxResult {
		result = strings.ToValidUTF8(result[:maxResult], "") + "…"
	}
	if err := a.store.SetDeliveryRoute(ctx, delivery, inst, repo, result); err != nil {
		a.log.Warn("delivery's route not recorded", "delivery", delivery, "err", err)
	}
}

// checkArgs is one check job: a repository at a head SHA, for a pull
// request. At most one job per (repository, head SHA, targets, mode) waits
// or runs at a time.
type checkArgs struct {
	InstallationID int64  `json:"installation_id"`
	Owner          string `json:"owner" river:"unique"`
	Repo           string `json:"repo" river:"unique"`
	HeadSHA        string `json:"head_sha" river:"unique"`
	PR             int    `json:"pr"`
	// Targets limits the job to these target paths; empty: the targets
	// the pull request changes.
	Targets []string `json:"targets,omitempty" river:"unique"`
	// Mode is "" (check, reusing check runs a crashed attempt created),
	// "rerun" (new check runs with the same names) or "suggest" (check
	// again and post every inline suggestion, even ones posted before).
	Mode       string `json:"mode,omitempty" river:"unique"`
	Reason     string `json:"reason,omitempty"`
	DeliveryID string `json:"delivery_id,omitempty"`
}

// Job modes.
const (
	modeRerun   = "rerun"
	modeSuggest = "suggest"
)

// Kind names the job kind in the queue.
func (checkArgs) Kind() string { return "coderready_check" }

// InsertOpts makes a check job unique while it waits or runs, and tags it
// with its head so that superseding it finds it without listing every job.
func (c checkArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       queueChecks,
		MaxAttempts: 8,
		Tags:        []string{headTag(c.fullName(), c.HeadSHA)},
		UniqueOpts: river.UniqueOpts{
			ByArgs: true,
			ByState: []rivertype.JobState{
				rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
				rivertype.JobStateRetryable, rivertype.JobStateScheduled,
			},
		},
	}
}

func (c checkArgs) fullName() string { return c.Owner + "/" + c.Repo }

// headTag names a (repository, head SHA) as a River job tag (tags allow
// only word characters and dashes).
func headTag(repo, sha string) string {
	h := sha256.Sum256([]byte(repo + "@" + sha))
	return "head-" + hex.EncodeToString(h[:16])
}

// pullRequestActions start a check; closed cancels one.
var pullRequestActions = []string{"opened", "synchronize", "reopened", "ready_for_review"}

func (a *App) onPullRequest(ctx context.Context, delivery string, e *github.PullRequestEvent) error {
	pr := e.GetPullRequest()
	repo := e.GetRepo()
	owner, name := repo.GetOwner().GetLogin(), repo.GetName()
	full := owner + "/" + name
	sha := pr.GetHead().GetSHA()
	log := a.log.With(logAttrs(delivery, full, pr.GetNumber(), sha)...).With("action", e.GetAction())
	inst := e.GetInstallation().GetID()
	if inst == 0 {
		log.Warn("pull_request without an installation (a repository webhook, not the app's); ignored")
		return nil
	}
	switch {
	case e.GetAction() == "closed":
		log.Info("pull request closed; cancelling its checks")
		return a.supersede(ctx, inst, owner, name, sha, "the pull request was closed")
	case !slices.Contains(pullRequestActions, e.GetAction()):
		log.Debug("pull_request action ignored")
		return nil
	}
	args := checkArgs{InstallationID: inst, Owner: owner, Repo: name, HeadSHA: sha, PR: pr.GetNumber(), Reason: e.GetAction(), DeliveryID: delivery}
	var previous string
	err := a.store.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		previous, err = a.store.SetPullHead(ctx, tx, full, pr.GetNumber(), sha)
		if err != nil {
			return err
		}
		res, err := a.river.InsertTx(ctx, tx, args, nil)
		if err == nil && res.UniqueSkippedAsDuplicate {
			log.Info("a check of this head is already queued or running")
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("queue check of %s@%s: %w", full, sha, err)
	}
	log.Info("check queued", "previous_head", previous)
	if previous != "" && previous != sha {
		return a.supersede(ctx, inst, owner, name, previous, "superseded by "+shortSHA(sha))
	}
	return nil
}

func (a *App) onCheckSuite(ctx context.Context, delivery string, e *github.CheckSuiteEvent) error {
	if e.GetAction() != "rerequested" {
		return nil
	}
	cs := e.GetCheckSuite()
	if cs.GetApp().GetID() != a.appID() {
		return nil // another app's suite
	}
	owner, name := e.GetRepo().GetOwner().GetLogin(), e.GetRepo().GetName()
	prs, err := a.pullsFor(ctx, owner+"/"+name, cs.GetHeadSHA(), cs.PullRequests)
	if err != nil {
		return err
	}
	for _, n := range prs {
		args := checkArgs{InstallationID: e.GetInstallation().GetID(), Owner: owner, Repo: name, HeadSHA: cs.GetHeadSHA(), PR: n, Mode: modeRerun, Reason: "check_suite.rerequested", DeliveryID: delivery}
		if err := a.insertCheck(ctx, args); err != nil {
			return err
		}
	}
	a.log.Info("re-run of all checks queued", append(logAttrs(delivery, owner+"/"+name, firstOr(prs, 0), cs.GetHeadSHA()), "pull_requests", prs)...)
	return nil
}

func (a *App) onCheckRun(ctx context.Context, delivery string, e *github.CheckRunEvent) error {
	cr := e.GetCheckRun()
	if cr.GetApp().GetID() != a.appID() {
		return nil // every app with checks:write receives every app's check runs
	}
	var mode string
	switch e.GetAction() {
	case "rerequested":
		mode = modeRerun
	case "requested_action":
		switch id := e.GetRequestedAction().Identifier; id {
		case actionRerun:
			mode = modeRerun
		case actionSuggest:
			mode = modeSuggest
		default:
			a.log.Warn("unknown check run action", "delivery", delivery, "identifier", id)
			return nil
		}
	default:
		return nil
	}
	var targets []string
	switch target, ok := strings.CutPrefix(cr.GetName(), checkRunPrefix); {
	case cr.GetName() == aggregateName:
		// Re-running the aggregate re-runs every target.
		if mode != modeRerun {
			return nil
		}
	case ok:
		targets = []string{target}
	default:
		return nil
	}
	owner, name := e.GetRepo().GetOwner().GetLogin(), e.GetRepo().GetName()
	prs, err := a.pullsFor(ctx, owner+"/"+name, cr.GetHeadSHA(), cr.PullRequests)
	if err != nil {
		return err
	}
	for _, n := range prs {
		args := checkArgs{InstallationID: e.GetInstallation().GetID(), Owner: owner, Repo: name, HeadSHA: cr.GetHeadSHA(), PR: n, Targets: targets, Mode: mode, Reason: "check_run." + e.GetAction(), DeliveryID: delivery}
		if err := a.insertCheck(ctx, args); err != nil {
			return err
		}
	}
	a.log.Info("check run action queued", append(logAttrs(delivery, owner+"/"+name, firstOr(prs, 0), cr.GetHeadSHA()), "targets", targets, "mode", mode)...)
	return nil
}

func (a *App) onInstallation(ctx context.Context, delivery string, e *github.InstallationEvent) error {
	inst := e.GetInstallation()
	account := inst.GetAccount().GetLogin()
	var err error
	switch e.GetAction() {
	case "deleted":
		err = a.store.DeleteInstallation(ctx, inst.GetID())
	case "suspend":
		err = a.store.SetInstallation(ctx, inst.GetID(), account, true)
	default: // created, unsuspend, new_permissions_accepted
		err = a.store.SetInstallation(ctx, inst.GetID(), account, false)
	}
	if err != nil {
		return fmt.Errorf("installation %d: %w", inst.GetID(), err)
	}
	a.log.Info("installation "+e.GetAction(), "delivery", delivery, "installation", inst.GetID(), "account", account)
	return nil
}

// pullsFor returns the pull requests of a head SHA: from the payload when it
// lists them, else from our own head → PR record (check suites of fork pull
// requests list none).
func (a *App) pullsFor(ctx context.Context, repo, sha string, inPayload []*github.PullRequest) ([]int, error) {
	var out []int
	for _, p := range inPayload {
		if p.GetHead().GetSHA() == "" || p.GetHead().GetSHA() == sha {
			out = append(out, p.GetNumber())
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	prs, err := a.store.PullsForHead(ctx, repo, sha)
	if err != nil {
		return nil, fmt.Errorf("pull requests of %s@%s: %w", repo, sha, err)
	}
	return prs, nil
}

func (a *App) insertCheck(ctx context.Context, args checkArgs) error {
	if _, err := a.river.Insert(ctx, args, nil); err != nil {
		return fmt.Errorf("queue check of %s@%s: %w", args.fullName(), args.HeadSHA, err)
	}
	return nil
}

// supersede cancels the queued and running check jobs of a head SHA and
// completes its open check runs as cancelled.
func (a *App) supersede(ctx context.Context, inst int64, owner, name, sha, why string) error {
	full := owner + "/" + name
	jobs, err := a.river.JobList(ctx, river.NewJobListParams().Kinds(checkArgs{}.Kind()).
		States(rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled, rivertype.JobStatePending).
		TagsAny(headTag(full, sha)).First(100))
	if err != nil {
		return fmt.Errorf("list jobs: %w", err)
	}
	for _, j := range jobs.Jobs {
		var args checkArgs
		if err := unmarshalArgs(j, &args); err != nil || args.fullName() != full || args.HeadSHA != sha {
			continue
		}
		if _, err := a.river.JobCancel(ctx, j.ID); err != nil {
			return fmt.Errorf("cancel job %d: %w", j.ID, err)
		}
	}
	return a.cancelCheckRuns(ctx, inst, owner, name, sha, why)
}

func shortSHA(s string) string {
	if len(s) > 7 {
		return s[:7]
	}
	return s
}

func firstOr(xs []int, d int) int {
	if len(xs) > 0 {
		return xs[0]
	}
	return d
}

// deliveryRetention is how long delivery IDs are kept for deduplication:
// GitHub lets a delivery be redelivered for a few days; a month is ample.
const deliveryRetention = 30 * 24 * time.Hour

// pruneArgs is the daily clean-up of old delivery IDs.
type pruneArgs struct{}

// Kind names the job kind in the queue.
func (pruneArgs) Kind() string { return "coderready_prune" }

// InsertOpts runs the clean-up on the deliveries queue, once at a time.
func (pruneArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueDeliveries, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

type pruneWorker struct {
	river.WorkerDefaults[pruneArgs]
	app *App
}

// Work deletes delivery IDs older than the retention.
func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[pruneArgs]) error {
	n, err := w.app.store.PruneDeliveries(ctx, deliveryRetention)
	if err != nil {
		return fmt.Errorf("prune deliveries: %w", err)
	}
	w.app.log.Info("old delivery IDs pruned", "deleted", n)
	return nil
}
