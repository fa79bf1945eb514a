package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/coderready/coderready/app/ghtransport"
)

// OAuth is GitHub's web flow for a GitHub App's users ("Generating a user
// access token for a GitHub App"): the browser is sent to
// {WebURL}/login/oauth/authorize with the app's client ID and a state,
// GitHub sends it back with a code, and the code is exchanged at
// {WebURL}/login/oauth/access_token for a user access token. With it
// GET /user names the user and GET /user/installations lists the
// installations of this app the user can access.
type OAuth struct {
	// WebURL is GitHub's web address (https://github.com, or a GitHub
	// Enterprise Server); APIURL its REST API.
	WebURL, APIURL string
	// ClientID and ClientSecret are the GitHub App's OAuth credentials
	// (returned by the manifest conversion, or shown in the app's
	// settings).
	ClientID, ClientSecret string
	// Transport carries every request; nil is http.DefaultTransport.
	Transport http.RoundTripper
}

// Configured reports whether the app's OAuth credentials are known.
func (o OAuth) Configured() bool { return o.ClientID != "" && o.ClientSecret != "" }

// AuthorizeURL is where the browser goes to sign in: GitHub asks the user
// to authorize the app, then redirects to redirectURI with a code and
// state.
func (o OAuth) AuthorizeURL(state, redirectURI string) string {
	q := url.Values{"client_id": {o.ClientID}, "state": {state}, "redirect_uri": {redirectURI}}
	return strings.TrimRight(o.WebURL, "/") + "/login/oauth/authorize?" + q.Encode()
}

// maxTokenResponse bounds the access-token response read.
const maxTokenResponse = 64 << 10

// Exchange trades the code GitHub sent back for a user access token.
// GitHub answers a refused code with 200 and an error field, which is
// returned as an error.
func (o OAuth) Exchange(ctx context.Context, code, redirectURI string) (string, error) {
	form := url.Values{"client_id": {o.ClientID}, "client_secret": {o.ClientSecret}, "code": {code}, "redirect_uri": {redirectURI}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(o.WebURL, "/")+"/login/oauth/access_token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("exchange the sign-in code: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := o.client().Do(req)
	if err != nil {
		return "", fmt.Errorf("exchange the sign-in code: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse))
	if err != nil {
		return "", fmt.Errorf("exchange the sign-in code: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("exchange the sign-in code: GitHub answered %s", resp.Status)
	}
	var v struct {
		AccessToken      string `json:"access_token"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return "", fmt.Errorf("exchange the sign-in code: %w", err)
	}
	if v.Error != "" {
		return "", fmt.Errorf("exchange the sign-in code: GitHub refused it: %s (%s)", v.Error, v.ErrorDescription)
	}
	if v.AccessToken == "" {
		return "", errors.New("exchange the sign-in code: GitHub returned no access token")
	}
	return v.AccessToken, nil
}

// maxInstallationPages bounds the pages of /user/installations read (100
// installations each).
const maxInstallationPages = 10

// Identify returns the login of the user token belongs to and the
// installations of the app the user can access on GitHub.
func (o OAuth) Identify(ctx context.Context, token string) (string, []Grant, error) {
	gh, err := ghtransport.NewClient(o.transport(), o.APIURL)
	if err != nil {
		return "", nil, err
	}
	gh = gh.WithAuthToken(token)
	u, _, err := gh.Users.Get(ctx, "")
	if err != nil {
		return "", nil, fmt.Errorf("who signed in (GET /user): %w", err)
	}
	var grants []Grant
	opts := &github.ListOptions{PerPage: 100}
	for range maxInstallationPages {
		list, resp, err := gh.Apps.ListUserInstallations(ctx, opts)
		if err != nil {
			return "", nil, fmt.Errorf("installations %s can access (GET /user/installations): %w", u.GetLogin(), err)
		}
		for _, in := range list {
			grants = append(grants, Grant{ID: in.GetID(), Account: in.GetAccount().GetLogin()})
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return u.GetLogin(), grants, nil
}

func (o OAuth) transport() http.RoundTripper {
	if o.Transport != nil {
		return o.Transport
	}
	return http.DefaultTransport
}

func (o OAuth) client() *http.Client {
	return &http.Client{Transport: o.transport(), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
