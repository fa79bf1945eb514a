package checks

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/coderready/coderready/internal/testenv"
)

// sarifSchema is the official SARIF 2.1.0 schema (see its SOURCES.md).
const sarifSchema = "sarif/sarif-schema-2.1.0.json"

// TestSARIFSchemaRejects: the schema check can fail. Documents the
// renderer must never write are refused, each for its reason.
func TestSARIFSchemaRejects(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderSARIF(&buf, sampleResult(), "1.2.3"); err != nil {
		t.Fatal(err)
	}
	if err := testenv.ValidateJSON(t, sarifSchema, buf.Bytes()); err != nil {
		t.Fatalf("the renderer's output: %v", err)
	}
	tests := []struct {
		name   string
		edit   func(log map[string]any)
		wantIn string
	}{
		{"no version", func(log map[string]any) { delete(log, "version") }, "version"},
		{"another version", func(log map[string]any) { log["version"] = "2.0.0" }, "2.1.0"},
		{"a level SARIF does not know", func(log map[string]any) {
			firstResult(t, log)["level"] = "critical"
		}, "level"},
		{"a region starting on line 0", func(log map[string]any) {
			loc := firstResult(t, log)["locations"].([]any)[0].(map[string]any)
			loc["physicalLocation"].(map[string]any)["region"] = map[string]any{"startLine": 0}
		}, "startLine"},
		{"a result without a message", func(log map[string]any) {
			delete(firstResult(t, log), "message")
		}, "message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log map[string]any
			if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
				t.Fatal(err)
			}
			tt.edit(log)
			b, err := json.Marshal(log)
			if err != nil {
				t.Fatal(err)
			}
			err = testenv.ValidateJSON(t, sarifSchema, b)
			if err == nil || !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("validation = %v, want an error naming %q", err, tt.wantIn)
			}
		})
	}
}

// firstResult returns the first result of the first run with a location.
func firstResult(t *testing.T, log map[string]any) map[string]any {
	t.Helper()
	for _, r := range log["runs"].([]any)[0].(map[string]any)["results"].([]any) {
		res := r.(map[string]any)
		if locs, ok := res["locations"].([]any); ok && len(locs) > 0 {
			return res
		}
	}
	t.Fatal("the sample has no result with a location")
	return nil
}
