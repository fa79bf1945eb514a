package githubfake

import (
	"net/http"
	"time"
)

// Installation is an installation of the fake's GitHub App on an account.
type Installation struct {
	// ID is the installation ID (webhook payloads' installation.id).
	ID int64
	// Account is the login of the user or organization it is installed on.
	Account string
	// AccountID is the account's numeric ID (default: derived from ID).
	AccountID int64
	// AccountType is "Organization" (default) or "User".
	AccountType string
	// Suspended makes token requests fail with 403, as for a suspended
	// installation.
	Suspended bool
}

// Repo is a repository.
type Repo struct {
	// Owner and Name make the full name "owner/name".
	Owner, Name string
	// ID is the repository ID (default: assigned).
	ID int64
	// DefaultBranch defaults to "main".
	DefaultBranch string
	// Private marks the repository private.
	Private bool
	// Parent is the full name of the repository this one is a fork of;
	// commits of a fork are reachable through its parent (as GitHub's
	// fork network makes them).
	Parent string
	// InstallationID is the installation that may read the repository;
	// default: the installation on Owner's account.
	InstallationID int64
}

// FullName returns "owner/name".
func (r Repo) FullName() string { return r.Owner + "/" + r.Name }

// PRRef is one side of a pull request.
type PRRef struct {
	// Repo is the repository of the branch, "owner/name"; empty means the
	// pull request's repository. A head in another repository is a fork.
	Repo string
	// Ref is the branch name.
	Ref string
	// SHA is the commit.
	SHA string
}

// PRFile is one changed file of a pull request as the files API lists it.
type PRFile struct {
	// Filename is the path in the head commit.
	Filename string
	// Status is added, removed, modified, renamed, copied, changed or
	// unchanged (default: modified).
	Status string
	// Patch is the unified diff; empty for binary or huge files.
	Patch string
	// PreviousFilename is the old path of a renamed file.
	PreviousFilename string
	// Additions and Deletions count lines (default: counted from Patch).
	Additions, Deletions int
	// SHA is the blob SHA (default: derived).
	SHA string
}

// PullRequest is a pull request.
type PullRequest struct {
	// Repo is the base repository, "owner/name".
	Repo string
	// Number is the pull request number.
	Number int
	// ID is its global ID (default: assigned).
	ID int64
	// Title, Body and User (the author's login) describe it.
	Title, Body, User string
	// State is "open" (default) or "closed".
	State string
	// Draft marks a draft pull request.
	Draft bool
	// Head is the branch with the changes; Base the branch they go into.
	Head, Base PRRef
	// Files, when not nil, are the changed files as given. When nil they
	// are computed from the Base.SHA and Head.SHA commits (added with
	// AddCommit) with a unified diff.
	Files []PRFile
}

// Annotation is a check run annotation.
type Annotation struct {
	Path            string `json:"path"`
	StartLine       int    `json:"start_line"`
	EndLine         int    `json:"end_line"`
	StartColumn     *int   `json:"start_column,omitempty"`
	EndColumn       *int   `json:"end_column,omitempty"`
	AnnotationLevel string `json:"annotation_level"`
	Message         string `json:"message"`
	Title           string `json:"title,omitempty"`
	RawDetails      string `json:"raw_details,omitempty"`
}

// Action is a check run button.
type Action struct {
	Label       string `json:"label"`
	Description string `json:"description"`
	Identifier  string `json:"identifier"`
}

// CheckRunOutput is a check run's output text.
type CheckRunOutput struct {
	Title   string
	Summary string
	Text    string
}

// CheckRun is a check run with everything ever sent for it.
type CheckRun struct {
	ID          int64
	Repo        string
	Name        string
	HeadSHA     string
	ExternalID  string
	DetailsURL  string
	Status      string
	Conclusion  string
	StartedAt   time.Time
	CompletedAt time.Time
	Output      CheckRunOutput
	// Annotations accumulate over every request, as on GitHub.
	Annotations []Annotation
	// Actions are the buttons of the latest request that set them.
	Actions []Action
	// CheckSuiteID groups the runs of one head SHA.
	CheckSuiteID int64
	// History has one entry per create or update request, oldest first.
	History []CheckRunVersion
}

// CheckRunVersion is the state of a check run after one request.
type CheckRunVersion struct {
	// Operation is "checks/create" or "checks/update".
	Operation string
	// Body is the request body as sent.
	Body []byte
	// At is when the request arrived.
	At time.Time
	// Status, Conclusion, Name and Output are the state after the request.
	Status, Conclusion, Name string
	Output                   CheckRunOutput
	// Annotations are the annotations this request added.
	Annotations []Annotation
	// Actions are the run's actions after the request.
	Actions []Action
}

// Review is a pull request review.
type Review struct {
	ID       int64
	Repo     string
	PR       int
	CommitID string
	Body     string
	// Event is as sent: APPROVE, REQUEST_CHANGES, COMMENT or "" (pending).
	Event string
	// State is APPROVED, CHANGES_REQUESTED, COMMENTED or PENDING.
	State       string
	Comments    []ReviewComment
	SubmittedAt time.Time
}

// ReviewComment is a review comment on a line of a pull request's diff.
type ReviewComment struct {
	ID        int64
	ReviewID  int64
	Path      string
	Body      string
	CommitID  string
	Line      int
	Side      string
	StartLine int
	StartSide string
	Position  int
	InReplyTo int64
	// User is the author's login; empty for the app's bot (what the app
	// posts). AddReviewComment makes comments of people.
	User string
	// Edits counts the updates of the body carried out (PATCH).
	Edits int
	// hunk is the diff hunk GitHub shows with the comment.
	hunk string
}

// Recorded is one request the fake received.
type Recorded struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
	// OperationID is the matched operation ("checks/create"), "codeload"
	// for tarball downloads, or "" when nothing matched.
	OperationID string
	// Status is the status code answered.
	Status int
	At     time.Time
}

// ManifestApp is what the manifest code conversion returns: the app's
// credentials. They are the fake's own app, so a client configured from
// them authenticates against the fake.
type ManifestApp struct {
	ID            int64
	Slug          string
	Name          string
	ClientID      string
	ClientSecret  string
	WebhookSecret string
	PEM           string
}

// Matcher selects requests for fault injection. Empty fields match
// anything.
type Matcher struct {
	// Method is the HTTP method.
	Method string
	// OperationID is the operation, e.g. "checks/update", or "codeload".
	OperationID string
	// PathPrefix matches the request path (without an /api/v3 prefix).
	PathPrefix string
	// BodyContains matches requests whose body contains it, e.g.
	// `"annotations"` for the check run updates that carry annotations.
	BodyContains string
}

// FaultResponse is the answer an injected fault gives.
type FaultResponse struct {
	Status int
	Header http.Header
	Body   string
	// AfterHandling carries the request out before answering with the
	// fault: GitHub's edge timing out (502, 504) while the request went
	// through, so a client that retries a POST does it twice.
	AfterHandling bool
}
