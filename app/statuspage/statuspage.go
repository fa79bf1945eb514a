// Package statuspage renders the app server's pages for admins: the
// sign-in page an anonymous visitor sees, and the status page a signed-in
// admin sees (installations and their repositories, recent deliveries and
// check runs, the queue, the builder, the last errors, the install link).
// It only renders: what a page holds, and who may see it, is decided by
// its caller.
package statuspage

import (
	"fmt"
	"html/template"
	"io"
	"time"
)

// Header values every page is served with: nothing of the page may be
// framed or cached, or leak its address to another site in a Referer (the
// sign-in callback's carries a code); no script runs. The referrer policy
// is same-origin, not no-referrer: under no-referrer browsers send the
// page's own form posts with "Origin: null", which the server refuses.
const (
	ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	CacheControl          = "no-store"
	ReferrerPolicy        = "same-origin"
)

// SignIn is the page an anonymous visitor sees: ways to sign in, and no
// installation's data.
type SignIn struct {
	// GitHub: "Sign in with GitHub" is offered (the app's OAuth
	// credentials are known); GitHubURL is where.
	GitHub    bool
	GitHubURL string
	// Token: the admin token form is offered; CSRF is its form's token.
	Token bool
	CSRF  string
	// Message says why the visitor is here again (a refused sign-in).
	Message string
	// Missing names the settings the server still lacks (not set up).
	Missing []string
}

// Page is the status page of a signed-in admin.
type Page struct {
	// Who signed in ("octocat", "admin token"); Admin: with the admin
	// token, seeing every installation.
	Who   string
	Admin bool
	// Hidden: the user could access more installations than a session
	// holds; those are not shown.
	Hidden bool
	// CSRF is the sign-out form's token.
	CSRF string

	Version, GitHubURL, Database string
	AppID                        int64
	// InstallURL is where the app is installed on more accounts or
	// repositories ("" before setup).
	InstallURL string
	// Missing names the settings the server still lacks.
	Missing []string
	// LocalBuilds warns that pull requests build on this machine.
	LocalBuilds string

	Builder       Builder
	Queue         Queue
	Installations []Installation
	Deliveries    []Delivery
	CheckRuns     []CheckRun
	Errors        []Error
	// Problems are parts of the page that could not be gathered.
	Problems []string
	// Now is when the page was made.
	Now time.Time
}

// Builder is the builder's health.
type Builder struct {
	// Configured: the server builds; Up: the builder answered when last
	// asked; Local: it is this machine's engine.
	Configured, Up, Local bool
	// Error is why it did not answer.
	Error string
	// Checked is when it was last asked; Since when Up last changed.
	Checked, Since time.Time
}

// Queue is the job queue's depth and its oldest waiting job.
type Queue struct {
	// Available, Scheduled, Retryable, Running and Pending count the jobs
	// in each state that is not final.
	Available, Scheduled, Retryable, Running, Pending int64
	// Oldest is the oldest job not finished (nil when there is none).
	Oldest *Job
}

// Waiting is the jobs not yet running.
func (q Queue) Waiting() int64 { return q.Available + q.Scheduled + q.Retryable + q.Pending }

// Job is one queued job.
type Job struct {
	Kind, State string
	CreatedAt   time.Time
	Attempt     int
}

// Installation is an installation of the app and its repositories.
type Installation struct {
	ID        int64
	Account   string
	Suspended bool
	// Repos are the repositories it reaches ("owner/name"); ReposError
	// says why they are unknown.
	Repos      []string
	ReposTotal int
	ReposError string
}

// Delivery is a webhook delivery and what routing it did.
type Delivery struct {
	ID, Event, Action, Repo, Result string
	InstallationID                  int64
	ReceivedAt, RoutedAt            time.Time
}

// CheckRun is a check run the app reported.
type CheckRun struct {
	Repo, HeadSHA, Name, Status, Conclusion, URL string
	Duration                                     time.Duration
	UpdatedAt                                    time.Time
}

// Error is one failed attempt of a job.
type Error struct {
	At      time.Time
	Kind    string
	Repo    string
	Attempt int
	Message string
	// Final: the job gave up (discarded or cancelled); Recovered: a later
	// attempt succeeded; neither: it is retried.
	Final, Recovered bool
}

var funcs = template.FuncMap{
	"ago":   ago,
	"stamp": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"dur":   dur,
	"short": func(sha string) string { return sha[:min(len(sha), 7)] },
}

// ago is how long before now t was, roughly ("42s", "5m", "3h", "2d").
func ago(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(0, int(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// dur is a duration for the page ("850ms", "12.3s", "4m05s"); "" for 0.
func dur(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

const style = `<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:72em;margin:1.5em auto;padding:0 1em;color:#1f2328}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.4em 0 .4em;border-bottom:1px solid #d8dee4;padding-bottom:.2em}
code{background:#f3f3f3;padding:0 .2em}table{border-collapse:collapse;width:100%}td,th{padding:.25em .6em;text-align:left;vertical-align:top;border-bottom:1px solid #eef0f2}
th{font-weight:600;background:#f6f8fa}.warn{background:#fff4e5;border:1px solid #f0b35a;padding:.6em 1em}.bad{color:#b3261e;font-weight:600}.ok{color:#1a7f37;font-weight:600}
.muted{color:#656d76}.top{display:flex;justify-content:space-between;align-items:center;gap:1em}form.inline{display:inline}
.card{border:1px solid #d8dee4;border-radius:6px;padding:1em 1.2em;margin:1em 0;max-width:34em}button,.button{font:inherit;padding:.35em .9em;border:1px solid #1f2328;border-radius:6px;background:#f6f8fa;color:#1f2328;text-decoration:none;cursor:pointer}
input[type=password]{font:inherit;padding:.3em;width:100%;box-sizing:border-box;margin:.3em 0 .6em}
</style>`

var signInTmpl = template.Must(template.New("signin").Funcs(funcs).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>coderready: sign in</title>` + style + `</head><body>
<h1>coderready</h1>
<p class="muted">The status of this coderready server is for its admins. Sign in to see the installations you administer.</p>
{{if .Message}}<p class="warn" id="message">{{.Message}}</p>{{end}}
{{if .Missing}}<p class="warn" id="not-set-up">Not set up: missing {{range $i, $m := .Missing}}{{if $i}}, {{end}}<code>{{$m}}</code>{{end}}. <a href="/setup">Set up the GitHub App</a>.</p>{{end}}
{{if .GitHub}}<div class="card" id="sign-in-github"><p>Members of the organizations the app is installed on sign in with their GitHub account and see those installations only.</p>
<p><a class="button" id="github-sign-in" href="/auth/github">Sign in with GitHub</a></p></div>{{end}}
{{if .Token}}<div class="card" id="sign-in-token"><form method="post" action="/auth/token">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="token">Admin token (sees every installation)</label>
<input type="password" id="token" name="token" autocomplete="off" required>
<button type="submit" id="token-sign-in">Sign in with the admin token</button></form></div>{{end}}
{{if not (or .GitHub .Token)}}<p class="warn" id="no-sign-in">No way to sign in is configured: set the GitHub App's OAuth credentials (stored by <a href="/setup">/setup</a>, or <code>CODERREADY_CLIENT_ID</code> and <code>CODERREADY_CLIENT_SECRET_FILE</code>) or an admin token (<code>--admin-token-file</code>). See docs/app.md.</p>{{end}}
<p class="muted"><a href="/healthz">/healthz</a> · <a href="/readyz">/readyz</a></p>
</body></html>`))

var pageTmpl = template.Must(template.New("status").Funcs(funcs).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>coderready status</title>` + style + `</head><body>
<div class="top"><h1>coderready</h1>
<div id="who">Signed in as <strong>{{.Who}}</strong>{{if not .Admin}} (the installations you can access){{end}}
<form class="inline" method="post" action="/auth/signout"><input type="hidden" name="csrf" value="{{.CSRF}}"> <button type="submit" id="sign-out">Sign out</button></form></div></div>
{{if .LocalBuilds}}<p class="warn" id="local-builds"><strong>Warning:</strong> {{.LocalBuilds}}.</p>{{end}}
{{if .Missing}}<p class="warn" id="not-set-up">Not set up: missing {{range $i, $m := .Missing}}{{if $i}}, {{end}}<code>{{$m}}</code>{{end}}. <a href="/setup">Set up the GitHub App</a>.</p>{{end}}
{{range .Problems}}<p class="warn problem">{{.}}</p>{{end}}
{{if .Hidden}}<p class="warn" id="hidden">You can access more installations than one session holds: some are not shown.</p>{{end}}

<h2>Server</h2>
<table id="server">
<tr><th>GitHub</th><td>{{.GitHubURL}}</td></tr>
<tr><th>App ID</th><td>{{if .AppID}}{{.AppID}}{{else}}none yet{{end}}</td></tr>
<tr><th>Install</th><td id="install">{{if .InstallURL}}<a href="{{.InstallURL}}">Install the app on more accounts or repositories</a>{{else}}<span class="muted">known after <a href="/setup">setup</a></span>{{end}}</td></tr>
<tr><th>Database</th><td>{{.Database}}</td></tr>
<tr><th>Version</th><td>{{.Version}}</td></tr>
</table>

<h2>Builder</h2>
<p id="builder">{{with .Builder}}{{if .Configured}}Docker engine {{if .Local}}on this machine{{else}}on another machine{{end}}: {{if .Up}}<span class="ok">answers</span>{{else}}<span class="bad">does not answer</span>{{with .Error}} ({{.}}){{end}}; jobs run without builds until it does{{end}}{{if not .Checked.IsZero}}, checked {{ago $.Now .Checked}} ago{{end}}{{if not .Since.IsZero}}, {{if .Up}}up{{else}}down{{end}} for {{ago $.Now .Since}}{{end}}.{{else}}None: static and base-image checks only.{{end}}{{end}}</p>

<h2>Queue</h2>
<p id="queue">{{with .Queue}}<strong>{{.Waiting}}</strong> waiting ({{.Available}} available, {{.Retryable}} to retry, {{.Scheduled}} scheduled{{if .Pending}}, {{.Pending}} pending{{end}}), <strong>{{.Running}}</strong> running.
{{with .Oldest}}Oldest: a <code>{{.Kind}}</code> job, {{.State}}, queued {{ago $.Now .CreatedAt}} ago{{if gt .Attempt 1}} (attempt {{.Attempt}}){{end}}.{{else}}Nothing queued.{{end}}{{end}}</p>

<h2>Installations</h2>
{{if .Installations}}<table id="installations"><tr><th>Account</th><th>ID</th><th>Repositories</th></tr>
{{range .Installations}}<tr data-installation="{{.ID}}"><td>{{.Account}}{{if .Suspended}} <span class="bad">suspended</span>{{end}}</td><td>{{.ID}}</td>
<td>{{if .ReposError}}<span class="bad">{{.ReposError}}</span>{{else}}{{range $i, $r := .Repos}}{{if $i}}, {{end}}<span class="repo">{{$r}}</span>{{else}}<span class="muted">none</span>{{end}}{{if gt .ReposTotal (len .Repos)}} <span class="muted">and {{.ReposTotal}} in all</span>{{end}}{{end}}</td></tr>
{{end}}</table>{{else}}<p id="installations" class="muted">No installations{{if not .Admin}} that you can access{{end}}.</p>{{end}}

<h2>Recent deliveries</h2>
{{if .Deliveries}}<table id="deliveries"><tr><th>Received</th><th>Event</th><th>Repository</th><th>Result</th><th>Delivery</th></tr>
{{range .Deliveries}}<tr data-installation="{{.InstallationID}}"><td title="{{stamp .ReceivedAt}}">{{ago $.Now .ReceivedAt}} ago</td><td>{{.Event}}{{with .Action}}.{{.}}{{end}}</td><td>{{.Repo}}</td>
<td>{{if .Result}}{{.Result}}{{else}}<span class="muted">waiting to be routed</span>{{end}}</td><td><code>{{.ID}}</code></td></tr>
{{end}}</table>{{else}}<p id="deliveries" class="muted">No deliveries yet.</p>{{end}}

<h2>Recent check runs</h2>
{{if .CheckRuns}}<table id="check-runs"><tr><th>Updated</th><th>Repository</th><th>Head</th><th>Check run</th><th>Conclusion</th><th>Duration</th></tr>
{{range .CheckRuns}}<tr><td title="{{stamp .UpdatedAt}}">{{ago $.Now .UpdatedAt}} ago</td><td>{{.Repo}}</td><td><code>{{short .HeadSHA}}</code></td>
<td>{{if .URL}}<a href="{{.URL}}">{{.Name}}</a>{{else}}{{.Name}}{{end}}</td>
<td class="conclusion">{{if eq .Status "completed"}}<span class="{{if eq .Conclusion "success"}}ok{{else if eq .Conclusion "failure"}}bad{{end}}">{{.Conclusion}}</span>{{else}}<span class="muted">{{.Status}}</span>{{end}}</td><td class="duration">{{dur .Duration}}</td></tr>
{{end}}</table>{{else}}<p id="check-runs" class="muted">No check runs yet.</p>{{end}}

<h2>Last errors</h2>
{{if .Errors}}<table id="errors"><tr><th>When</th><th>Job</th><th>Repository</th><th>Error</th></tr>
{{range .Errors}}<tr><td title="{{stamp .At}}">{{ago $.Now .At}} ago</td><td><code>{{.Kind}}</code>, attempt {{.Attempt}}{{if .Final}} <span class="bad">gave up</span>{{else if .Recovered}} <span class="muted">succeeded later</span>{{else}} <span class="muted">will retry</span>{{end}}</td><td>{{.Repo}}</td><td>{{.Message}}</td></tr>
{{end}}</table>{{else}}<p id="errors" class="muted">No errors.</p>{{end}}

<p class="muted">Made {{stamp .Now}} · <a href="/readyz">/readyz</a> · <a href="/metrics">/metrics</a> · <a href="/setup">/setup</a></p>
</body></html>`))

// RenderSignIn writes the sign-in page.
func RenderSignIn(w io.Writer, s SignIn) error {
	if err := signInTmpl.Execute(w, s); err != nil {
		return fmt.Errorf("render the sign-in page: %w", err)
	}
	return nil
}

// RenderPage writes the status page.
func RenderPage(w io.Writer, p Page) error {
	if p.Now.IsZero() {
		p.Now = time.Now()
	}
	if err := pageTmpl.Execute(w, p); err != nil {
		return fmt.Errorf("render the status page: %w", err)
	}
	return nil
}
