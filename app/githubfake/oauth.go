package githubfake

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GitHub's web flow for a GitHub App's users, and the two REST operations
// a signed-in user's token is used for, served outside the OpenAPI subset:
//
//   - GET and POST /login/oauth/authorize, POST /login/oauth/access_token:
//     GitHub's OAuth endpoints live on its web side (github.com, or a GHES
//     host's root), not in the REST API, so GitHub's OpenAPI description
//     has no operation for them. They are served here the way GitHub's
//     docs describe them ("Generating a user access token for a GitHub
//     App"): the authorize page asks the signed-in user to authorize the
//     app and redirects to redirect_uri with a code and the state; the
//     code is exchanged once, within ten minutes, with the app's client ID
//     and secret; a refused exchange is answered 200 with an "error" field,
//     as GitHub does.
//   - GET /user and GET /user/installations ("users/get-authenticated",
//     "apps/list-installations-for-authenticated-user"): REST operations,
//     but not in testdata's subset, and GitHub's OpenAPI description could
//     not be sourced here to copy them from. They are served by hand with
//     the shapes GitHub's REST docs give: the user (a simple-user), and
//     {"total_count", "installations": [installation…]} paged like every
//     list. They take user access tokens only: an installation token gets
//     GitHub's 403 "Resource not accessible by integration".
//
// These requests are recorded like any other, with the operation IDs
// above ("oauth/authorize", "oauth/access-token" for the web side).

// User is a GitHub user who can sign in to the app (AddUser).
type User struct {
	// Login is the user's login.
	Login string
	// ID is the user's ID (default: derived from the login).
	ID int64
	// Installations are the installations of the app the user can access
	// (as an organization's member, or its own).
	Installations []int64
}

// oauthCodeTTL is how long an authorization code can be exchanged
// (GitHub: ten minutes).
const oauthCodeTTL = 10 * time.Minute

// userTokenTTL is how long a user access token lasts (GitHub Apps with
// expiring user tokens: eight hours).
const userTokenTTL = 8 * time.Hour

type oauthCode struct {
	login, clientID, redirectURI string
	expires                      time.Time
}

type userToken struct {
	login   string
	expires time.Time
}

// AddUser adds (or replaces) a user who can sign in through the web flow.
func (s *Server) AddUser(u User) {
	if u.Login == "" {
		panic("githubfake: AddUser needs Login")
	}
	if u.ID == 0 {
		u.ID = loginID(u.Login)
	}
	u.Installations = slices.Clone(u.Installations)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[key(u.Login)] = &u
}

// ClientID and ClientSecret are the fake app's OAuth credentials, the
// ones GET /app and installations report (codes registered with
// AddManifestCode hand out credentials of their own, accepted too).
func (s *Server) ClientID() string { return "Iv1.fake" + strconv.FormatInt(s.opts.AppID, 10) }

// ClientSecret is the fake app's OAuth client secret (see ClientID).
func (s *Server) ClientSecret() string {
	return "fake-client-secret-" + strconv.FormatInt(s.opts.AppID, 10)
}

// SetCallbackURL registers the app's callback URL: afterwards the web
// flow refuses a redirect_uri not under it, as GitHub does. Empty accepts
// any http(s) redirect_uri.
func (s *Server) SetCallbackURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callbackURL = u
}

// clientSecretLocked is the secret of a known client ID; callers hold
// s.mu.
func (s *Server) clientSecretLocked(clientID string) (string, bool) {
	if clientID == s.ClientID() {
		return s.ClientSecret(), true
	}
	secret, ok := s.clientSecrets[clientID]
	return secret, ok
}

// answerOffSpec answers the requests served outside the OpenAPI subset;
// ok is false for every other request.
func (s *Server) answerOffSpec(r *http.Request, body []byte, rec *Recorded, path string, web bool) (resp *response, ok bool) {
	var op string
	switch {
	case web && path == "/login/oauth/authorize" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		op = "oauth/authorize"
	case web && path == "/login/oauth/access_token" && r.Method == http.MethodPost:
		op = "oauth/access-token"
	case path == "/user" && r.Method == http.MethodGet:
		op = "users/get-authenticated"
	case path == "/user/installations" && r.Method == http.MethodGet:
		op = "apps/list-installations-for-authenticated-user"
	case web && path == "/favicon.ico" && r.Method == http.MethodGet:
		// A browser on the authorize page asks for it.
		s.setOp(rec, "web/favicon")
		return &response{status: http.StatusNoContent, header: http.Header{}, novalidate: true}, true
	default:
		return nil, false
	}
	s.setOp(rec, op)
	s.runHook(r, op, body)
	if f := s.takeFault(r.Method, op, path, body); f != nil {
		return f, true
	}
	switch op {
	case "oauth/authorize":
		if r.Method == http.MethodGet {
			return s.authorizePage(r), true
		}
		return s.authorize(body), true
	case "oauth/access-token":
		return s.accessToken(r, body), true
	case "users/get-authenticated":
		return s.getUser(r), true
	}
	return s.listUserInstallations(r), true
}

var authorizeTmpl = template.Must(template.New("authorize").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {{.App}}</title><link rel="icon" href="data:,"></head><body>
<h1>Authorize {{.App}}</h1>
<p>The fake GitHub: choose who is signed in. Authorizing redirects to <code>{{.RedirectURI}}</code>.</p>
{{range .Users}}<form method="post" action="/login/oauth/authorize">
<input type="hidden" name="client_id" value="{{$.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{$.RedirectURI}}">
<input type="hidden" name="state" value="{{$.State}}">
<button type="submit" name="login" value="{{.}}" id="authorize-{{.}}">Authorize as {{.}}</button>
</form>
{{else}}<p>No users (githubfake.AddUser).</p>{{end}}
</body></html>`))

// checkAuthorize validates the authorize parameters; a non-nil response
// is GitHub's refusal.
func (s *Server) checkAuthorize(clientID, redirectURI string) *response {
	s.mu.Lock()
	_, known := s.clientSecretLocked(clientID)
	cb := s.callbackURL
	s.mu.Unlock()
	if !known {
		s.violate("oauth/authorize: unknown client_id %q", clientID)
		return htmlResponse(http.StatusNotFound, "<!doctype html><title>404</title><p>Not Found: no application has this client ID.")
	}
	u, err := url.Parse(redirectURI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		s.violate("oauth/authorize: redirect_uri %q is not an absolute http(s) URL", redirectURI)
		return htmlResponse(http.StatusBadRequest, "<!doctype html><title>Bad redirect</title><p>The redirect_uri is not valid.")
	}
	if cb != "" && redirectURI != cb && !strings.HasPrefix(redirectURI, strings.TrimSuffix(cb, "/")+"/") {
		s.violate("oauth/authorize: redirect_uri %q is not under the app's callback URL %q", redirectURI, cb)
		return htmlResponse(http.StatusBadRequest, "<!doctype html><title>Redirect URI mismatch</title><p>The redirect_uri MUST match the registered callback URL for this application.")
	}
	return nil
}

func (s *Server) authorizePage(r *http.Request) *response {
	q := r.URL.Query()
	if resp := s.checkAuthorize(q.Get("client_id"), q.Get("redirect_uri")); resp != nil {
		return resp
	}
	s.mu.Lock()
	var logins []string
	for _, u := range s.users {
		logins = append(logins, u.Login)
	}
	s.mu.Unlock()
	slices.Sort(logins)
	var b strings.Builder
	err := authorizeTmpl.Execute(&b, map[string]any{
		"App": appSlug, "ClientID": q.Get("client_id"), "RedirectURI": q.Get("redirect_uri"), "State": q.Get("state"), "Users": logins,
	})
	if err != nil {
		s.violate("githubfake bug: authorize page: %v", err)
	}
	return htmlResponse(http.StatusOK, b.String())
}

func (s *Server) authorize(body []byte) *response {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return htmlResponse(http.StatusBadRequest, "bad form")
	}
	clientID, redirectURI := form.Get("client_id"), form.Get("redirect_uri")
	if resp := s.checkAuthorize(clientID, redirectURI); resp != nil {
		return resp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[key(form.Get("login"))]
	if u == nil {
		return htmlResponse(http.StatusNotFound, "no such user")
	}
	code := strings.TrimPrefix(newToken(), "ghs_")[:20]
	s.oauthCodes[code] = &oauthCode{login: u.Login, clientID: clientID, redirectURI: redirectURI, expires: s.now().Add(oauthCodeTTL)}
	to, _ := url.Parse(redirectURI)
	q := to.Query()
	q.Set("code", code)
	if st := form.Get("state"); st != "" {
		q.Set("state", st)
	}
	to.RawQuery = q.Encode()
	resp := htmlResponse(http.StatusFound, "")
	resp.header.Set("Location", to.String())
	return resp
}

// accessToken exchanges a code. GitHub answers refusals with 200 and an
// error object.
func (s *Server) accessToken(r *http.Request, body []byte) *response {
	params := url.Values{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var v map[string]string
		if err := json.Unmarshal(body, &v); err != nil {
			return errorResponse(http.StatusBadRequest, "Problems parsing JSON", "")
		}
		for k, x := range v {
			params.Set(k, x)
		}
	} else {
		var err error
		if params, err = url.ParseQuery(string(body)); err != nil {
			return errorResponse(http.StatusBadRequest, "Problems parsing the form", "")
		}
	}
	for k, vs := range r.URL.Query() { // GitHub also takes them in the query
		if !params.Has(k) {
			params[k] = vs
		}
	}
	oauthErr := func(code, desc string) *response {
		return s.oauthAnswer(r, obj{"error": code, "error_description": desc,
			"error_uri": "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#" + strings.ReplaceAll(code, "_", "-")})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	secret, ok := s.clientSecretLocked(params.Get("client_id"))
	if !ok || params.Get("client_secret") != secret {
		return oauthErr("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.")
	}
	c := s.oauthCodes[params.Get("code")]
	delete(s.oauthCodes, params.Get("code"))
	if c == nil || !s.now().Before(c.expires) || c.clientID != params.Get("client_id") {
		return oauthErr("bad_verification_code", "The code passed is incorrect or expired.")
	}
	if ru := params.Get("redirect_uri"); ru != "" && ru != c.redirectURI {
		return oauthErr("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.")
	}
	tok := "ghu_" + strings.TrimPrefix(newToken(), "ghs_")
	s.userTokens[tok] = &userToken{login: c.login, expires: s.now().Add(userTokenTTL)}
	return s.oauthAnswer(r, obj{
		"access_token": tok, "token_type": "bearer", "scope": "",
		"expires_in": int(userTokenTTL.Seconds()), "refresh_token": "ghr_" + strings.TrimPrefix(newToken(), "ghs_"), "refresh_token_expires_in": 15811200,
	})
}

// oauthAnswer is JSON when the client accepts it, else a form, as GitHub
// answers the token endpoint.
func (s *Server) oauthAnswer(r *http.Request, v obj) *response {
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		resp := jsonResponse(http.StatusOK, v)
		resp.novalidate = true
		return resp
	}
	form := url.Values{}
	for k, x := range v {
		form.Set(k, fmt.Sprint(x))
	}
	resp := &response{status: http.StatusOK, header: http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}, raw: []byte(form.Encode()), novalidate: true}
	return resp
}

// userFor authenticates a user access token; a non-nil response is
// GitHub's refusal.
func (s *Server) userFor(r *http.Request) (*User, *response) {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if cred == "" || (!strings.EqualFold(scheme, "token") && !strings.EqualFold(scheme, "Bearer")) {
		return nil, errorResponse(http.StatusUnauthorized, "Requires authentication", "https://docs.github.com/rest/users/users#get-the-authenticated-user")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens[cred] != nil {
		return nil, errorResponse(http.StatusForbidden, "Resource not accessible by integration", "https://docs.github.com/rest/users/users#get-the-authenticated-user")
	}
	t := s.userTokens[cred]
	if t == nil || !s.now().Before(t.expires) {
		return nil, errorResponse(http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
	}
	u := s.users[key(t.login)]
	if u == nil {
		return nil, errorResponse(http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
	}
	return u, nil
}

func (s *Server) getUser(r *http.Request) *response {
	u, refused := s.userFor(r)
	if refused != nil {
		return refused
	}
	out := s.userJSON(u.Login, u.ID, "User")
	out["name"] = u.Login
	return jsonResponse(http.StatusOK, out)
}

func (s *Server) listUserInstallations(r *http.Request) *response {
	u, refused := s.userFor(r)
	if refused != nil {
		return refused
	}
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*Installation
	for _, id := range u.Installations {
		if inst := s.installations[id]; inst != nil {
			list = append(list, inst)
		}
	}
	slices.SortFunc(list, func(a, b *Installation) int { return int(a.ID - b.ID) })
	page, perPage := pageParams(q)
	from, to, last := pageBounds(len(list), page, perPage)
	out := make([]any, 0, to-from)
	for _, inst := range list[from:to] {
		out = append(out, s.installationJSON(inst))
	}
	resp := jsonResponse(http.StatusOK, obj{"total_count": len(list), "installations": out})
	resp.header = linkHeader(s.URL+"/user/installations", q, page, last)
	return resp
}

func htmlResponse(status int, body string) *response {
	return &response{status: status, header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}, raw: []byte(body), novalidate: true}
}
