package testenv

import (
	"bytes"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemas caches compiled schemas by path: the SARIF schema takes a
// while to compile and many tests validate against it.
var (
	schemaMu sync.Mutex
	schemas  = map[string]*jsonschema.Schema{}
)

// ValidateJSON validates doc against the JSON schema at schema (a path
// under the repository's testdata, as for Testdata), with format
// assertions on. It returns the validation error (nil when doc is
// valid); a schema that cannot be read or compiled, or a doc that is not
// JSON, fails tb.
func ValidateJSON(tb testing.TB, schema string, doc []byte) error {
	tb.Helper()
	sch, err := compileSchema(Testdata(tb, schema))
	if err != nil {
		tb.Fatalf("schema %s: %v", schema, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		tb.Fatalf("the document to validate against %s is not JSON: %v", schema, err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("not valid against testdata/%s: %w", schema, err)
	}
	return nil
}

func compileSchema(path string) (*jsonschema.Schema, error) {
	schemaMu.Lock()
	defer schemaMu.Unlock()
	if s, ok := schemas[path]; ok {
		return s, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	// The schema's own "id" names where it is published; it is loaded from
	// the file only, never fetched.
	if err := c.AddResource(path, doc); err != nil {
		return nil, fmt.Errorf("add: %w", err)
	}
	s, err := c.Compile(path)
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	schemas[path] = s
	return s, nil
}
