package app

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// BuildsOnThisHost reports whether dockerHost (DOCKER_HOST) names a Docker
// engine on the machine it is read on: unset (the default local socket), a
// unix socket or Windows named pipe, or a TCP address on loopback. A build
// there that escapes its container is on the host that holds the app's
// private key, webhook secret and database.
func BuildsOnThisHost(dockerHost string) bool {
	h := strings.TrimSpace(dockerHost)
	if h == "" {
		return true
	}
	u, err := url.Parse(h)
	if err != nil {
		return true // the engine client refuses it too; assume the worst
	}
	switch u.Scheme {
	case "unix", "npipe", "fd":
		return true
	case "tcp", "http", "https":
		host := u.Hostname()
		if host == "" || strings.EqualFold(host, "localhost") {
			return true
		}
		ip := net.ParseIP(host)
		return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
	}
	return false // ssh:// and the like reach another machine
}

// localBuildsWarning is said at start, on the status page and in /readyz
// while pull requests build on this machine.
const localBuildsWarning = "pull requests build on this machine's Docker engine (DOCKER_HOST is unset or local): " +
	"the host that holds the app's private key, webhook secret and database, " +
	"so a build that escapes its container reaches them. " +
	"Build on a separate engine: deploy/compose.yaml (a builder of its own) or deploy/kubernetes/coderready.yaml " +
	"(a build machine over TLS); see docs/app.md, Install"

// localBuilds returns localBuildsWarning when this server builds and its
// engine is on this machine, else "".
func (a *App) localBuilds() string {
	if !a.builders.configured || !BuildsOnThisHost(a.Settings().DockerHost) {
		return ""
	}
	return localBuildsWarning
}

// warnLocalBuilds logs localBuildsWarning at start when it applies.
func (a *App) warnLocalBuilds() {
	if w := a.localBuilds(); w != "" {
		s := a.Settings()
		a.log.Warn(w, "docker_host", s.DockerHost, "require_remote_builder", s.RequireRemoteBuilder)
	}
}

// serveHealthz answers 200 while the process serves HTTP (the liveness
// probe), with the builder's last known state as details: it says nothing
// of readiness and asks nothing of the database or the builder.
func (a *App) serveHealthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\nbuilder: " + a.builders.status().String() + "\n"))
}

// readiness is /readyz's body.
type readiness struct {
	Ready    bool              `json:"ready"`
	Checks   map[string]string `json:"checks"`
	Missing  []string          `json:"missing,omitempty"`
	Database string            `json:"database"`
	// Builder is the builder's state, for information: it does not decide
	// readiness (a builder outage must not stop the webhook).
	Builder builderStatus `json:"builder"`
	// Warnings are conditions that do not make the server unready but an
	// operator should fix (builds on this machine).
	Warnings []string `json:"warnings,omitempty"`
}

// serveReadyz answers 200 when the server can take webhooks: it is set up
// (app ID, key, webhook secret) and its database answers; 503 otherwise,
// with what failed. The builder's state is reported, never a reason to be
// unready: jobs run without builds while it is down, and a pod taken out
// of its Service would make GitHub's deliveries fail instead. Builds on
// this machine are a warning, and a failed check (builder_host) only when
// RequireRemoteBuilder is set.
func (a *App) serveReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	a.adoptCredentials(ctx)
	rd := readiness{Ready: true, Checks: map[string]string{}, Missing: a.missing(), Database: a.store.Dialect(), Builder: a.builders.status()}
	if err := a.store.Ping(ctx); err != nil {
		rd.Ready = false
		rd.Checks["database"] = err.Error()
	} else {
		rd.Checks["database"] = "ok"
	}
	if len(rd.Missing) > 0 {
		rd.Ready = false
		rd.Checks["setup"] = "not set up: missing " + strings.Join(rd.Missing, ", ") + " (open /setup, or set them; see docs/app.md)"
	} else {
		rd.Checks["setup"] = "ok"
	}
	if w := a.localBuilds(); w != "" {
		rd.Warnings = append(rd.Warnings, w)
		if a.Settings().RequireRemoteBuilder {
			rd.Ready = false
			rd.Checks["builder_host"] = "refused (" + EnvRequireRemoteBuilder + "): " + w
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if !rd.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(rd)
}
