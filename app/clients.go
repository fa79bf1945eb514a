//go:build appwip

package app

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"
)

// clients makes GitHub API clients: one app client (JWT) and one per
// installation. ghinstallation refreshes installation tokens itself (they
// last an hour); no token string is ever kept here.
type clients struct {
	apiURL *url.URL
	appTr  *ghinstallation.AppsTransport
	base   http.RoundTripper
	appID  int64
	key    []byte

	mu   sync.Mutex
	inst map[int64]*github.Client
}

// errNotConfigured is returned when the app has no credentials yet.
var errNotConfigured = errors.New("the GitHub App is not configured (see /setup)")

func newClients(s Settings, base http.RoundTripper) (*clients, error) {
	if base == nil {
		base = http.DefaultTransport
	}
	u, err := url.Parse(s.GitHubAPIURL)
	if err != nil {
		return nil, fmt.Errorf("github api url %q: %w", s.GitHubAPIURL, err)
	}
	c := &clients{apiURL: u, base: base, appID: s.AppID, key: s.PrivateKey, inst: map[int64]*github.Client{}}
	if s.AppID == 0 || len(s.PrivateKey) == 0 {
		return c, nil
	}
	tr, err := ghinstallation.NewAppsTransport(base, s.AppID, s.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("github app key: %w", err)
	}
	tr.BaseURL = trimSlash(s.GitHubAPIURL)
	c.appTr = tr
	return c, nil
}

// plain returns an unauthenticated client (the manifest conversion needs no
// credentials).
func (c *clients) plain() *github.Client {
	gc := github.NewClient(&http.Client{Transport: c.base})
	gc.BaseURL = c.apiURL
	return gc
}

// installation returns the client acting as one installation.
func (c *clients) installation(id int64) (*github.Client, error) {
	if c.appTr == nil {
		return nil, errNotConfigured
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gc, ok := c.inst[id]; ok {
		return gc, nil
	}
	tr := ghinstallation.NewFromAppsTransport(c.appTr, id)
	tr.BaseURL = trimSlash(c.apiURL.String())
	gc := github.NewClient(&http.Client{Transport: tr})
	gc.BaseURL = c.apiURL
	c.inst[id] = gc
	return gc, nil
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

// setClients (re)builds the GitHub clients from the current settings.
func (a *App) setClients() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, err := newClients(a.settings, a.opts.GitHubTransport)
	if err != nil {
		a.gh, _ = newClients(Settings{GitHubAPIURL: a.settings.GitHubAPIURL}, a.opts.GitHubTransport)
		return err
	}
	a.gh = c
	return nil
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
