package build

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coderready/coderready/internal/testenv"
)

// BenchmarkDockerBuild builds the same small project with the engine's
// classic builder (the baseline) and with its BuildKit: a 200-file context,
// COPY, a RUN, then inspect and remove. Each iteration changes one file so
// that the COPY and the RUN run again rather than come from the cache.
func BenchmarkDockerBuild(b *testing.B) {
	testenv.RequireEngine(b)
	d, err := NewDocker()
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	dir := b.TempDir()
	files := map[string]string{"Dockerfile": "FROM coderready-test/busybox:static\nCOPY . /src/\nRUN find /src -type f | wc -l > /count && cat /src/stamp\n"}
	for i := range 200 {
		files[fmt.Sprintf("pkg%02d/file%03d.go", i%20, i)] = strings.Repeat("// source\n", 100)
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for _, engine := range []string{EngineClassic, EngineBuildKit} {
		b.Run(engine, func(b *testing.B) {
			d.Engine = engine
			ctx := context.Background()
			i := 0
			for b.Loop() {
				i++
				if err := os.WriteFile(filepath.Join(dir, "stamp"), []byte(fmt.Sprintf("%s %d %d\n", engine, i, time.Now().UnixNano())), 0o644); err != nil {
					b.Fatal(err)
				}
				res, err := d.Build(ctx, Spec{ContextDir: dir, Network: NetworkHost, Timeout: 2 * time.Minute})
				if err != nil {
					b.Fatalf("build: %v%s", err, failureTail(err))
				}
				if res.Engine != engine {
					b.Fatalf("built with %q", res.Engine)
				}
				if err := d.Remove(ctx, res.Ref); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
