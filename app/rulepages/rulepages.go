// Package rulepages serves the rule documentation as HTML: /rules lists
// every rule and /rules/CRnnn shows one, rendered from the registry's text,
// the same that docs/rules.md is generated from. Check runs a server posts
// link here, so the links work where the public docs cannot be reached
// (GitHub Enterprise Server, air-gapped installs).
package rulepages

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/coderready/coderready/checks"
)

// Prefix is the path the pages are served under.
const Prefix = "/rules"

// URL returns the page of rule id on a server whose public address is
// base ("https://coderready.example.com").
func URL(base, id string) string {
	return strings.TrimSuffix(base, "/") + Prefix + "/" + id
}

// Handler serves the pages. They are rendered once, here: the registry
// does not change while the process runs, so a request costs a map
// lookup.
func Handler(version string) (http.Handler, error) {
	md := goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))
	h := &handler{pages: map[string][]byte{}}
	var rows []indexRow
	for _, r := range checks.Rules() {
		var body bytes.Buffer
		// Raw HTML in the docs is not rendered (goldmark's default): the
		// page shows the registry's Markdown, nothing more.
		if err := md.Convert([]byte(checks.RuleDocMarkdown(r, checks.ConfigDocURL)), &body); err != nil {
			return nil, fmt.Errorf("render rule %s: %w", r.ID, err)
		}
		var page bytes.Buffer
		err := rulePage.Execute(&page, map[string]any{
			"ID": r.ID, "Title": r.Title, "Body": template.HTML(body.String()), //nolint:gosec // goldmark escapes; raw HTML is off
			"Version": version,
		})
		if err != nil {
			return nil, fmt.Errorf("render rule %s: %w", r.ID, err)
		}
		h.pages[r.ID] = page.Bytes()
		rows = append(rows, indexRow{ID: r.ID, Title: r.Title, Severity: r.Severity.String(), Family: checks.FamilyName(r.Family)})
	}
	var index bytes.Buffer
	if err := indexPage.Execute(&index, map[string]any{"Rules": rows, "Version": version}); err != nil {
		return nil, fmt.Errorf("render rule index: %w", err)
	}
	h.index = index.Bytes()
	return h, nil
}

type indexRow struct{ ID, Title, Severity, Family string }

type handler struct {
	index []byte
	pages map[string][]byte
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, Prefix)
	var page []byte
	switch rest {
	case "":
		page = h.index
	case "/":
		// The index's links are relative to /rules: send /rules/ there
		// (relative too, so a path prefix at a proxy is kept).
		// (http.Redirect would make it absolute.)
		w.Header().Set("Location", "../rules")
		w.WriteHeader(http.StatusMovedPermanently)
		return
	default:
		// Rule IDs are upper case; a link typed in lower case still works.
		page = h.pages[strings.ToUpper(strings.TrimPrefix(rest, "/"))]
	}
	if page == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Static text: no script, no frames, no outside fetches.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(page)
}

const style = `<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1f2328}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;border-radius:4px}
code{padding:.1em .3em}pre{padding:.8em;overflow:auto}pre code{padding:0}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.3em .6em;text-align:left}
blockquote{margin:0;padding:0 1em;color:#59636e;border-left:.25em solid #d0d7de}
nav,footer{color:#59636e;font-size:.9em}
</style>`

var rulePage = template.Must(template.New("rule").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.ID}}: {{.Title}} · coderready</title>` + style + `</head><body>
<nav><a href="../rules">All rules</a></nav>
<h1>{{.ID}} — {{.Title}}</h1>
{{.Body}}
<footer><p>coderready {{.Version}}</p></footer>
</body></html>
`))

var indexPage = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Rules · coderready</title>` + style + `</head><body>
<h1>coderready rules</h1>
<p>Each rule has a stable ID. The severity is the default; a repository's <code>.coderready.yaml</code> can change it or turn the rule off.</p>
<table><thead><tr><th>ID</th><th>Title</th><th>Default severity</th><th>Reads</th></tr></thead><tbody>
{{range .Rules}}<tr><td><a href="rules/{{.ID}}">{{.ID}}</a></td><td>{{.Title}}</td><td>{{.Severity}}</td><td>{{.Family}}</td></tr>
{{end}}</tbody></table>
<footer><p>coderready {{.Version}}</p></footer>
</body></html>
`))
