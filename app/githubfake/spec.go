package githubfake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// subsetPath is the OpenAPI subset, relative to the testdata directory.
var subsetPath = filepath.Join("fixtures", "github-openapi", "github-app-subset.json")

// spec is the loaded OpenAPI subset with its router.
type spec struct {
	doc    *openapi3.T
	router routers.Router
	multi  []multiRoute
}

// multiRoute re-encodes one x-multi-segment path parameter: the router
// only matches it when the slashes inside it are %2F.
type multiRoute struct {
	re    *regexp.Regexp
	group int // submatch index of the multi-segment parameter
}

var (
	specMu    sync.Mutex
	specCache = map[string]*spec{}
)

// loadSpec loads (once per process and path) the OpenAPI subset.
func loadSpec(path string) (*spec, error) {
	specMu.Lock()
	defer specMu.Unlock()
	if s, ok := specCache[path]; ok {
		return s, nil
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("githubfake: load %s: %w", path, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("githubfake: validate %s: %w", path, err)
	}
	// Route on the path alone: the fake answers on any host.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("githubfake: router: %w", err)
	}
	s := &spec{doc: doc, router: router}
	for p, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, pr := range op.Parameters {
				if pr.Value == nil || pr.Value.In != openapi3.ParameterInPath || pr.Value.Extensions["x-multi-segment"] != true {
					continue
				}
				s.multi = append(s.multi, compileMulti(p, pr.Value.Name))
			}
		}
	}
	specCache[path] = s
	return s, nil
}

// compileMulti turns a path template into a regexp where the named
// parameter spans slashes and the others do not.
func compileMulti(template, multi string) multiRoute {
	var b strings.Builder
	b.WriteString("^")
	group, n := 0, 0
	rest := template
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(regexp.QuoteMeta(rest))
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		b.WriteString(regexp.QuoteMeta(rest[:i]))
		name := rest[i+1 : i+j]
		n++
		if name == multi {
			group = n
			b.WriteString("(.+)")
		} else {
			b.WriteString("([^/]+)")
		}
		rest = rest[i+j+1:]
	}
	b.WriteString("$")
	return multiRoute{re: regexp.MustCompile(b.String()), group: group}
}

// encodeMulti returns the escaped path with the slashes inside an
// x-multi-segment parameter written as %2F (see SOURCES.md).
func (s *spec) encodeMulti(escaped string) string {
	for _, m := range s.multi {
		loc := m.re.FindStringSubmatchIndex(escaped)
		if loc == nil {
			continue
		}
		a, b := loc[2*m.group], loc[2*m.group+1]
		return escaped[:a] + strings.ReplaceAll(escaped[a:b], "/", "%2F") + escaped[b:]
	}
	return escaped
}

// errNoOperation is returned by findRoute when no operation matches.
var errNoOperation = errors.New("no operation in the GitHub OpenAPI subset matches")

// findRoute finds the operation for method and escaped path. The returned
// request is what kin-openapi validates (its path has %2F inside
// multi-segment parameters); params are unescaped.
func (s *spec) findRoute(r *http.Request, escapedPath string, body []byte) (*routers.Route, map[string]string, *http.Request, error) {
	enc := s.encodeMulti(escapedPath)
	vr := r.Clone(r.Context())
	u := *r.URL
	// The legacy router matches URL.Path; keep %2F there literally so a
	// parameter holding a slash stays one segment.
	u.Path = enc
	u.RawPath = ""
	vr.URL = &u
	vr.Body = http.NoBody
	if len(body) > 0 {
		vr.Body = nopCloser(body)
		vr.ContentLength = int64(len(body))
	}
	route, params, err := s.router.FindRoute(vr)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w %s %s: %w", errNoOperation, r.Method, escapedPath, err)
	}
	for k, v := range params {
		if un, err := url.PathUnescape(v); err == nil {
			params[k] = un
		}
	}
	return route, params, vr, nil
}

// responseSchema returns the JSON schema of an operation's response.
func responseSchema(op *openapi3.Operation, status int) *openapi3.Schema {
	if op == nil || op.Responses == nil {
		return nil
	}
	rr := op.Responses.Status(status)
	if rr == nil || rr.Value == nil {
		return nil
	}
	mt := rr.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}
