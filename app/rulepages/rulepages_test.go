package rulepages

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coderready/coderready/checks"
)

func get(t *testing.T, h http.Handler, method, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	res := rec.Result()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestPages(t *testing.T) {
	h, err := Handler("v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	rules := checks.Rules()
	if len(rules) < 30 {
		t.Fatalf("%d rules registered, want the whole registry", len(rules))
	}
	res, index := get(t, h, http.MethodGet, "/rules")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /rules: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, r := range rules {
		if !strings.Contains(index, `<a href="rules/`+r.ID+`">`+r.ID+`</a>`) {
			t.Errorf("the index does not link %s", r.ID)
		}
		res, page := get(t, h, http.MethodGet, "/rules/"+r.ID)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET /rules/%s: %d", r.ID, res.StatusCode)
			continue
		}
		// The page is the rule's doc section, rendered: headings and
		// sources as HTML, not Markdown left as text.
		for _, want := range []string{"<h1>" + r.ID + " — ", "<strong>What</strong>", "<strong>How to fix</strong>", "coderready v1.2.3"} {
			if !strings.Contains(page, want) {
				t.Errorf("/rules/%s lacks %q", r.ID, want)
			}
		}
		if strings.Contains(page, "**What**") {
			t.Errorf("/rules/%s shows Markdown unrendered", r.ID)
		}
		for _, k := range r.Sources {
			if s := checks.Sources[k]; !strings.Contains(page, `href="`+s.URL+`"`) {
				t.Errorf("/rules/%s does not link its source %s", r.ID, s.URL)
			}
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q: want default-src 'none'", csp)
	}
}

func TestPagesRefuse(t *testing.T) {
	h, err := Handler("dev")
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := get(t, h, http.MethodGet, "/rules/cr101"); res.StatusCode != http.StatusOK {
		t.Errorf("lower-case ID: %d, want 200", res.StatusCode)
	}
	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{http.MethodGet, "/rules/CR999", http.StatusNotFound},
		{http.MethodGet, "/rules/../setup", http.StatusNotFound},
		{http.MethodGet, "/rules/CR101/x", http.StatusNotFound},
		{http.MethodPost, "/rules/CR101", http.StatusMethodNotAllowed},
		{http.MethodGet, "/rules/", http.StatusMovedPermanently},
	} {
		if res, _ := get(t, h, tc.method, tc.path); res.StatusCode != tc.code {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, res.StatusCode, tc.code)
		}
	}
	if res, _ := get(t, h, http.MethodGet, "/rules/"); res.Header.Get("Location") != "../rules" {
		t.Errorf("/rules/ redirects to %q, want ../rules", res.Header.Get("Location"))
	}
}

func TestURL(t *testing.T) {
	if got := URL("https://cr.example.test/sub/", "CR101"); got != "https://cr.example.test/sub/rules/CR101" {
		t.Errorf("URL = %q", got)
	}
}
