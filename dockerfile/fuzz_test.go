package dockerfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/coderready/coderready/internal/testenv"
)

// corpusFiles returns the real-world Dockerfiles of the repository's
// corpus (testdata/corpus, with its SOURCES.md); none is a failure.
func corpusFiles(tb testing.TB) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	for _, p := range testenv.Glob(tb, "corpus/*Dockerfile*") {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

// FuzzParse checks that Parse and everything built on it (commands,
// installs, fix edits, base resolution) never panic and that every error is
// a *SyntaxError on a line of the file.
func FuzzParse(f *testing.F) {
	for _, b := range corpusFiles(f) {
		f.Add(b)
	}
	for _, s := range []string{
		"", "FROM", "FROM a\nRUN <<EOF\nx\nEOF\n", "# escape=`\nFROM a\nRUN a `\n b\n",
		"ARG A\nFROM ${A:-x}:$B AS c\nFROM c\n", "FROM a\nRUN a && \\\n && b\n",
		"FROM a\nRUN [\"sh\",\"-c\",\"su x -c 'sudo -u y bash -c \\\"apt-get install -y z\\\"'\"]\n",
		"FROM a\nRUN cat <<A <<-B\nx\nA\n\tb\n\tB\n", "FROM a\nONBUILD RUN apt-get install x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse("Dockerfile", src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Line < 1 {
				t.Fatalf("bad error %T %v", err, err)
			}
			return
		}
		_ = file.ResolveBase(map[string]string{"A": "x", "B": "${A}"})
		for _, in := range file.All() {
			if in.StartLine < 1 || in.StartLine > in.HeaderEndLine || in.HeaderEndLine > in.EndLine || in.EndLine > len(file.Lines) {
				t.Fatalf("%s: bad lines %d-%d-%d of %d", in.Cmd, in.StartLine, in.HeaderEndLine, in.EndLine, len(file.Lines))
			}
			if _, err := in.Commands(); err != nil {
				var se *SyntaxError
				if !errors.As(err, &se) || se.Line < in.StartLine || se.Line > in.EndLine {
					t.Fatalf("bad command error %T %v for lines %d-%d", err, err, in.StartLine, in.EndLine)
				}
			}
			for _, inst := range in.Installs() {
				if e, ok := in.AddPackages(inst, "curl"); ok && (e.StartLine < in.StartLine || e.EndLine > in.EndLine) {
					t.Fatalf("edit %d-%d outside %d-%d", e.StartLine, e.EndLine, in.StartLine, in.EndLine)
				}
			}
		}
	})
}

// BenchmarkParse parses every corpus Dockerfile and the shell commands of
// every instruction.
func BenchmarkParse(b *testing.B) {
	files := corpusFiles(b)
	b.ReportAllocs()
	for b.Loop() {
		for name, src := range files {
			f, err := Parse(name, src)
			if err != nil {
				b.Fatal(err)
			}
			for _, in := range f.All() {
				_ = in.Installs()
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(files)), "ns/file")
}
