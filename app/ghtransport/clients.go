package ghtransport

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"
)

// DefaultAPIURL is GitHub.com's REST API.
const DefaultAPIURL = "https://api.github.com"

// NewAppTransport returns the transport that authenticates as the GitHub
// App (a fresh RS256 JWT per request) against the REST API at baseURL
// ("https://api.github.com", "https://ghe.example.com/api/v3", a test
// server; empty means DefaultAPIURL). base carries the requests: pass a
// *Transport so token requests are retried and counted.
func NewAppTransport(base http.RoundTripper, baseURL string, appID int64, keyPEM []byte) (*ghinstallation.AppsTransport, error) {
	if base == nil {
		base = http.DefaultTransport
	}
	api, err := apiBase(baseURL)
	if err != nil {
		return nil, err
	}
	tr, err := ghinstallation.NewAppsTransport(base, appID, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("github app %d: private key: %w", appID, err)
	}
	tr.BaseURL = strings.TrimSuffix(api.String(), "/")
	return tr, nil
}

// NewInstallationTransport returns the transport that authenticates as one
// installation of the app. ghinstallation fetches its token on first use
// and again a minute before it expires; nothing else should keep a token.
func NewInstallationTransport(app *ghinstallation.AppsTransport, installationID int64) *ghinstallation.Transport {
	tr := ghinstallation.NewFromAppsTransport(app, installationID)
	tr.BaseURL = app.BaseURL
	return tr
}

// NewClient returns a go-github client for the REST API at baseURL (empty
// means DefaultAPIURL) sending through rt.
func NewClient(rt http.RoundTripper, baseURL string) (*github.Client, error) {
	api, err := apiBase(baseURL)
	if err != nil {
		return nil, err
	}
	gh := github.NewClient(&http.Client{Transport: rt})
	gh.BaseURL = api
	upload := *api
	gh.UploadURL = &upload
	return gh, nil
}

// NewAppClient returns a go-github client acting as the app itself (for
// installations and the app's own endpoints).
func NewAppClient(app *ghinstallation.AppsTransport) (*github.Client, error) {
	return NewClient(app, app.BaseURL)
}

// NewInstallationClient returns a go-github client acting as one
// installation, on the app's API URL.
func NewInstallationClient(app *ghinstallation.AppsTransport, installationID int64) (*github.Client, error) {
	return NewClient(NewInstallationTransport(app, installationID), app.BaseURL)
}

// apiBase parses an API base URL and gives it the trailing slash go-github
// needs.
func apiBase(baseURL string) (*url.URL, error) {
	if baseURL == "" {
		baseURL = DefaultAPIURL
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("github api url %q: %w", baseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("github api url %q: want http(s)://host[/path]", baseURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}
