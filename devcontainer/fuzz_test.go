package devcontainer

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"testing/fstest"

	"github.com/coderready/coderready/internal/testenv"
)

// corpusFiles names the real-world devcontainer.json files of the
// repository's corpus (testdata/corpus, with its SOURCES.md); none is a
// failure.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, p := range testenv.Glob(t, "corpus/*devcontainer.json") {
		out = append(out, filepath.Base(p))
	}
	return out
}

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.Testdata(t, "corpus/"+name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	fuzzFS      = fstest.MapFS{"f/.devcontainer/Dockerfile": {Data: []byte("FROM x")}}
	fuzzPattern = regexp.MustCompile(`\$\{[^}]*\}`)
)

// FuzzParse: no input makes Parse panic or hang, and every accessor works
// on what it accepts.
func FuzzParse(f *testing.F) {
	for _, name := range corpusFiles(f) {
		f.Add(readCorpus(f, name))
	}
	f.Add([]byte(sample))
	f.Add([]byte(`{"a": [1, 2,], /* c */ "b": {"c": "d",},}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := Parse("f/.devcontainer/devcontainer.json", src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error is %T, not *SyntaxError: %v", err, err)
			}
			return
		}
		_ = c.DockerfilePath()
		_ = c.ContextPath()
		_ = c.BuildArgs()
		_ = c.ComposeFiles()
		_ = c.FeatureList()
		for _, lc := range LifecycleCommands {
			_ = c.Command(lc)
		}
		for _, ig := range c.Ignores {
			if ig.StartLine > ig.EndLine {
				t.Fatalf("ignore span %+v", ig)
			}
		}
		for _, p := range c.Properties() {
			if p.Key.Line == 0 {
				t.Fatalf("key %q has no position", p.Name)
			}
		}
		_ = c.Plan(fuzzFS)
		for _, p := range c.Problems() {
			if p.Pos.Line == 0 {
				t.Fatalf("problem without a position: %+v", p)
			}
		}
		for _, m := range c.FindInStrings(fuzzPattern) {
			if m.Start.Line == 0 || m.End.Line < m.Start.Line {
				t.Fatalf("match %+v", m)
			}
		}
	})
}
