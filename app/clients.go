package app

import (
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"

	"github.com/coderready/coderready/app/ghtransport"
)

// clients makes GitHub API clients: one per installation, all on one
// transport (ghtransport: retries, rate limits, metrics). ghinstallation
// refreshes installation tokens itself (they last an hour); no token string
// is ever kept here.
type clients struct {
	apiURL string
	base   http.RoundTripper
	app    *ghinstallation.AppsTransport

	mu   sync.Mutex
	inst map[int64]*github.Client
}

// errNotConfigured is returned when the app has no credentials yet.
var errNotConfigured = errors.New("the GitHub App is not configured (see /setup)")

func newClients(s Settings, base http.RoundTripper) (*clients, error) {
	c := &clients{apiURL: s.GitHubAPIURL, base: base, inst: map[int64]*github.Client{}}
	if s.AppID == 0 || len(s.PrivateKey) == 0 {
		return c, nil
	}
	app, err := ghtransport.NewAppTransport(base, s.GitHubAPIURL, s.AppID, s.PrivateKey)
	if err != nil {
		return c, err
	}
	c.app = app
	return c, nil
}

// plain returns an unauthenticated client (the manifest conversion needs no
// credentials).
func (c *clients) plain() (*github.Client, error) {
	return ghtransport.NewClient(c.base, c.apiURL)
}

// appClient returns a client acting as the app itself (its JWT).
func (c *clients) appClient() (*github.Client, error) {
	if c.app == nil {
		return nil, errNotConfigured
	}
	return ghtransport.NewAppClient(c.app)
}

// installation returns the client acting as one installation.
func (c *clients) installation(id int64) (*github.Client, error) {
	if c.app == nil {
		return nil, errNotConfigured
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gc, ok := c.inst[id]; ok {
		return gc, nil
	}
	gc, err := ghtransport.NewInstallationClient(c.app, id)
	if err != nil {
		return nil, fmt.Errorf("installation %d: %w", id, err)
	}
	c.inst[id] = gc
	return gc, nil
}

// setClients (re)builds the GitHub clients from the current settings.
func (a *App) setClients() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, err := newClients(a.settings, a.transport)
	a.gh = c
	return err
}

// installationClient returns the client for an installation.
func (a *App) installationClient(id int64) (*github.Client, error) {
	a.mu.RLock()
	c := a.gh
	a.mu.RUnlock()
	if c == nil {
		return nil, errNotConfigured
	}
	return c.installation(id)
}

// appID is our GitHub App's ID (0 before setup).
func (a *App) appID() int64 {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.settings.AppID
}

// appClient returns the client acting as the app itself.
func (a *App) appClient() (*github.Client, error) {
	a.mu.RLock()
	c := a.gh
	a.mu.RUnlock()
	if c == nil {
		return nil, errNotConfigured
	}
	return c.appClient()
}
