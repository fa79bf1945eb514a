package scan

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/internal/golden"
	"github.com/coderready/coderready/internal/testenv"
)

var atSuffix = regexp.MustCompile(`__at-[0-9a-f]+$`)

// corpusTrees lays the corpus out as one folder per repository, each file at
// its real path, and returns repo name → folder.
func corpusTrees(t testing.TB) map[string]string {
	t.Helper()
	// The corpus holds real-world Dockerfiles and devcontainer.json files
	// named owner__repo__path__with__slashes (see its SOURCES.md).
	corpusDir := testenv.Testdata(t, "corpus")
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Fatalf("the corpus: %v", err)
	}
	base := t.TempDir()
	trees := map[string]string{}
	for _, e := range entries {
		parts := strings.Split(atSuffix.ReplaceAllString(e.Name(), ""), "__")
		if len(parts) < 3 {
			continue
		}
		repo := parts[0] + "__" + parts[1]
		dir := filepath.Join(base, repo)
		trees[repo] = dir
		dst := filepath.Join(dir, filepath.Join(parts[2:]...))
		src, err := os.ReadFile(filepath.Join(corpusDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if len(trees) == 0 {
		t.Fatalf("no corpus files in %s", corpusDir)
	}
	return trees
}

// TestCorpusGolden checks every corpus repository and compares the text
// report with a golden file reviewed by hand (go test ./scan -update to
// rewrite after a deliberate change, then review the diff).
func TestCorpusGolden(t *testing.T) {
	trees := corpusTrees(t)
	names := make([]string, 0, len(trees))
	for n := range trees {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			// The corpus keeps each repository's build files, not every
			// file a context holds: a COPY source missing from the copy
			// (CR124) says nothing of the repository.
			cfg := checks.DefaultConfig()
			cfg.Rules["CR124"] = checks.RuleConfig{Severity: checks.SeverityOff}
			rep, err := Run(context.Background(), trees[name], Options{Config: cfg, NoBuild: true, Offline: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Result.Targets) == 0 {
				t.Fatal("no targets found")
			}
			// Paths in the report are prefixed with the temporary root; make
			// them relative so the golden file is stable.
			res := rep.Result
			var buf bytes.Buffer
			if err := checks.RenderText(&buf, &res, checks.TextOptions{}); err != nil {
				t.Fatal(err)
			}
			got := strings.ReplaceAll(buf.String(), filepath.ToSlash(trees[name])+"/", "")
			golden.Check(t, filepath.Join("testdata", "corpus", name+".golden"), []byte(got))
		})
	}
}

// BenchmarkCheckCorpus checks every corpus repository; the per-file metric
// is what the goal (under 5 ms per file) is measured against.
func BenchmarkCheckCorpus(b *testing.B) {
	trees := corpusTrees(b)
	files := 0
	for _, dir := range trees {
		found, err := Discover(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		files += len(found)
	}
	opts := Options{Config: checks.DefaultConfig(), NoBuild: true, Offline: true, Workers: 1}
	b.ResetTimer()
	for b.Loop() {
		for _, dir := range trees {
			if _, err := Run(context.Background(), dir, opts); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(files)/1e6, "ms/file")
}
