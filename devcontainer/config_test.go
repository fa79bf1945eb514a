package devcontainer

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

const sample = `// A comment before the object.
{
	"name": "demo", // trailing comment
	"build": {
		"dockerfile": "../docker/Dockerfile",
		"context": "..",
		"args": { "VARIANT": "bookworm", },
		"target": "dev"
	},
	/* block */
	"features": {
		"ghcr.io/devcontainers/features/go:1": {},
		"./local-feature": { "x": 1 }
	},
	"remoteUser": "vscode",
	"forwardPorts": [3000, "db:5432",],
}
`

func TestParsePositions(t *testing.T) {
	c, err := Parse(".devcontainer/devcontainer.json", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ptr  string
		want Pos
	}{
		{"/name", Pos{3, 2}},
		{"/build", Pos{4, 2}},
		{"/build/dockerfile", Pos{5, 3}},
		{"/build/args/VARIANT", Pos{7, 13}},
		{"/features/ghcr.io~1devcontainers~1features~1go:1", Pos{12, 3}},
		{"/forwardPorts/1", Pos{16, 25}},
		{"/missing", Pos{}},
	}
	for _, tt := range tests {
		if got := c.Pos(tt.ptr); got != tt.want {
			t.Errorf("Pos(%q) = %+v, want %+v", tt.ptr, got, tt.want)
		}
	}
	if n := c.Node("/build"); n.End.Line != 9 {
		t.Errorf("build ends on line %d, want 9", n.End.Line)
	}
	if got := c.Keys; !slices.Equal(got, []string{"name", "build", "features", "remoteUser", "forwardPorts"}) {
		t.Errorf("Keys = %q", got)
	}
	wantCommas := []Pos{{7, 34}, {16, 34}, {16, 36}}
	if !slices.Equal(c.TrailingCommas, wantCommas) {
		t.Errorf("TrailingCommas = %+v, want %+v", c.TrailingCommas, wantCommas)
	}
	if len(c.Comments) != 3 || !c.Comments[1].Trailing || c.Comments[1].Line != 3 || c.Comments[2].Text != "block" {
		t.Errorf("Comments = %+v", c.Comments)
	}
}

func TestBuildPlan(t *testing.T) {
	c, err := Parse("app/.devcontainer/devcontainer.json", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.DockerfilePath(); got != "app/docker/Dockerfile" {
		t.Errorf("DockerfilePath = %q", got)
	}
	if got := c.ContextPath(); got != "app" {
		t.Errorf("ContextPath = %q", got)
	}
	if got := c.BuildArgs(); got["VARIANT"] != "bookworm" || len(got) != 1 {
		t.Errorf("BuildArgs = %v", got)
	}
	if c.BuildTarget() != "dev" {
		t.Errorf("BuildTarget = %q", c.BuildTarget())
	}
	if u, set := c.User(); u != "vscode" || !set {
		t.Errorf("User = %q %v", u, set)
	}
	if got := c.Features(); len(got) != 2 || got[1] != "./local-feature" {
		t.Errorf("Features = %q", got)
	}

	legacy, err := Parse(".devcontainer.json", []byte(`{"dockerFile": "Dockerfile", "image": "x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if legacy.DockerfilePath() != "Dockerfile" || legacy.ContextPath() != "." || legacy.Image() != "x" {
		t.Errorf("legacy: %q %q %q", legacy.DockerfilePath(), legacy.ContextPath(), legacy.Image())
	}
	compose, err := Parse(".devcontainer/devcontainer.json", []byte(`{"dockerComposeFile": ["../a.yml", "b.yml"], "service": "app"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := compose.ComposeFiles(); !slices.Equal(got, []string{"a.yml", ".devcontainer/b.yml"}) {
		t.Errorf("ComposeFiles = %q", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"empty", "", 1, 1, "empty file"},
		{"blank", "  \n\t\n", 1, 1, "empty file"},
		{"missing comma", "{\n  \"a\": 1\n  \"b\": 2\n}", 2, 9, "a comma is missing after the value that ends here: the next one starts on line 3"},
		{"missing comma, comments between", "{\n  \"mounts\": [\n    \"x\"\n  ]\n\n  // \"features\": {},\n  /* \"a\": \"}\" */\n  \"remoteUser\": \"u\"\n}", 4, 4, "the next one starts on line 8"},
		{"missing comma in an array", "{\"a\": [\"x\" // one\n \"y\"]}", 1, 11, "(invalid character"},
		{"unclosed", "{\n  \"a\": [1, 2\n", 3, 1, ""},
		{"array at top", "[1]", 1, 1, "must be a JSON object"},
		{"binary", "{\"a\": \"\xff\xfe\"}", 1, 8, "not UTF-8"},
		{"deep", strings.Repeat("[", MaxDepth+1), 1, MaxDepth + 1, "nested deeper"},
		{"deep in object", "{\"a\": " + strings.Repeat("{\"b\": ", MaxDepth) + "1" + strings.Repeat("}", MaxDepth+1), 1, 6 + 6*(MaxDepth-1) + 1, "nested deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x/devcontainer.json", []byte(tt.src))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("want *SyntaxError, got %T %v", err, err)
			}
			if se.Line != tt.line || se.Col != tt.col || !strings.Contains(se.Msg, tt.msg) || se.Path != "x/devcontainer.json" {
				t.Errorf("got %v (line %d col %d), want %d:%d %q", se, se.Line, se.Col, tt.line, tt.col, tt.msg)
			}
		})
	}
	big := make([]byte, MaxFileSize+1)
	if _, err := Parse("big.json", big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized: %v", err)
	}
}

func TestParseCorpus(t *testing.T) {
	for _, name := range corpusFiles(t) {
		if _, err := Parse(name, readCorpus(t, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestParseLargeInputBounded: a file at the value limit parses in linear
// time, and one past it is refused before hujson builds a tree.
func TestParseLargeInputBounded(t *testing.T) {
	many := func(n int) []byte {
		var b strings.Builder
		b.WriteString("{\"forwardPorts\": [")
		for i := range n {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString("1")
		}
		b.WriteString("]}")
		return []byte(b.String())
	}
	start := time.Now()
	c, err := Parse("x.json", many(MaxValues-10))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Pos(fmt.Sprintf("/forwardPorts/%d", MaxValues-11)); got != (Pos{MaxValues - 10, 1}) {
		t.Errorf("last element at %+v", got)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("parsing %d values took %v: positions must not be quadratic", MaxValues, d)
	}
	_, err = Parse("x.json", many(MaxValues+10))
	var se *SyntaxError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "more than") || se.Line < MaxValues-10 {
		t.Errorf("past the limit: %v", err)
	}
}
