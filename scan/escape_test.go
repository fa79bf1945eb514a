package scan

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/checks"
)

// secretMarker is the content of the file beside the scanned folder that
// no finding, log or summary may ever hold.
const secretMarker = "BEGIN PRIVATE KEY coderready-escape-test-3f9a"

// escapeTree lays out, beside a "secret" folder holding a key, a
// repository that names it every way we know: a link to the parent used
// as a build context (issue 9, attack 2), with the Dev Containers CLI and
// through a Compose service too; a chain of 45 in-tree links ending in
// `..` (attack 1); a Dockerfile that is a link to the key (attack 6); a
// Compose file that is one; a .dockerignore that is one.
func escapeTree(t *testing.T) string {
	t.Helper()
	top := t.TempDir()
	if err := os.MkdirAll(filepath.Join(top, "secret"), 0o755); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(top, "secret", "app.pem")
	if err := os.WriteFile(key, []byte(secretMarker+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Dockerfiles that print whatever the context gives them.
	leak := "FROM coderready-test/busybox:static\nCOPY secret/app.pem /leak\nRUN cat /leak && false\n"
	repo := filepath.Join(top, "repo")
	files := map[string]string{
		// attack 2: the context is `up`, a link to the repository's parent.
		"linked/.devcontainer/devcontainer.json": `{"build": {"dockerfile": "../up/repo/linked/.devcontainer/Dockerfile", "context": "../up"}}`,
		"linked/.devcontainer/Dockerfile":        leak,
		// the same through the Dev Containers CLI (a local feature makes
		// the scan use it).
		"cli/.devcontainer/devcontainer.json":                 `{"build": {"dockerfile": "../up/repo/cli/.devcontainer/Dockerfile", "context": "../up"}, "features": {"./feat": {}}}`,
		"cli/.devcontainer/Dockerfile":                        leak,
		"cli/.devcontainer/feat/devcontainer-feature.json":    `{"id": "feat", "version": "1.0.0"}`,
		"cli/.devcontainer/feat/install.sh":                   "#!/bin/sh\ncat /leak\n",
		"compose/.devcontainer/devcontainer.json":             `{"dockerComposeFile": "compose.yaml", "service": "app"}`,
		"compose/.devcontainer/compose.yaml":                  "services:\n  app:\n    build:\n      context: ../up\n      dockerfile: repo/compose/.devcontainer/Dockerfile\n",
		"compose/.devcontainer/Dockerfile":                    leak,
		"chain/.devcontainer/devcontainer.json":               `{"build": {"dockerfile": "Dockerfile", "context": "../c0"}}`,
		"chain/.devcontainer/Dockerfile":                      leak,
		"ignorelink/Dockerfile":                               "FROM coderready-test/busybox:static\nRUN true\n",
		"composelink/.devcontainer/devcontainer.json":         `{"dockerComposeFile": "compose.yaml", "service": "app"}`,
		"composelink/.devcontainer/unused-placeholder.txt":    "",
		"plain/Dockerfile":                                    "FROM coderready-test/busybox:static\nRUN echo 'coder:x:1000:1000::/tmp:/bin/sh' >> /etc/passwd\nUSER coder\n",
		"cli/.devcontainer/feat/unused-placeholder-for-mkdir": "",
	}
	for name, content := range files {
		p := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"linked/up":                              "../..",
		"cli/up":                                 "../..",
		"compose/up":                             "../..",
		"shadow/Dockerfile":                      key,
		"ignorelink/.dockerignore":               key,
		"composelink/.devcontainer/compose.yaml": key,
		"c45":                                    "..",
	}
	for i := 0; i < 45; i++ {
		links[fmt.Sprintf("c%d", i)] = fmt.Sprintf("c%d", i+1)
	}
	links["chain/c0"] = "../c0"
	for name, target := range links {
		p := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	return repo
}

// TestNothingOutsideTheRootIsRead: every way a repository names a file
// outside itself ends in a finding on the line (or file) that names it,
// saying it was not read; nothing of the file outside reaches a finding,
// a build log or the report. Statically always; with the real engine
// under CI, through the Docker builder (BuildKit), the Dev Containers CLI
// and a Compose service.
func TestNothingOutsideTheRootIsRead(t *testing.T) {
	repo := escapeTree(t)
	wantStatic := []string{
		"linked/.devcontainer/devcontainer.json CR203 warning: the build context `linked/up` resolves outside the repository: not read",
		"cli/.devcontainer/devcontainer.json CR203 warning: the build context `cli/up` resolves outside the repository: not read",
		"linked/.devcontainer/devcontainer.json CR203 warning: the Dockerfile `linked/up/repo/linked/.devcontainer/Dockerfile` resolves outside the repository: not read",
		"chain/.devcontainer/devcontainer.json CR203 warning: the build context `chain/c0` is a symlink loop or too long a chain of symlinks: not read",
		"shadow/Dockerfile CR100 warning: the file resolves outside the repository: not read",
		"composelink/.devcontainer/devcontainer.json CR203 warning: the Compose file `composelink/.devcontainer/compose.yaml` resolves outside the repository: not read",
	}
	t.Run("static", func(t *testing.T) {
		rep, err := Run(context.Background(), repo, Options{Config: checks.DefaultConfig(), NoBuild: true, Offline: true, RootRelative: true})
		if err != nil {
			t.Fatal(err)
		}
		out := reportText(t, rep)
		assertNoSecret(t, out)
		for _, w := range wantStatic {
			if !strings.Contains(out, w) {
				t.Errorf("no finding %q in:\n%s", w, out)
			}
		}
	})
	t.Run("built", func(t *testing.T) {
		bases := engineBases(t)
		cli := devcontainerCLI(t)
		b := EngineBuilder(context.Background(), "")
		if b == nil {
			t.Fatal("the engine answered for images but not for builds")
		}
		defer func() { _ = b.Close() }()
		rep, err := Run(context.Background(), repo, Options{Config: checks.DefaultConfig(), Bases: bases, Builder: b,
			DevcontainerBuilder: cli, Build: build.Settings{Network: build.NetworkHost}, RootRelative: true})
		if err != nil {
			t.Fatal(err)
		}
		out := reportText(t, rep)
		assertNoSecret(t, out)
		for _, w := range append(wantStatic,
			"compose/.devcontainer/devcontainer.json CR300 error: the Compose service cannot be built: the Compose service \"app\"'s build context compose/up resolves outside the repository: not read",
			"chain/.devcontainer/Dockerfile CR300 error: not built: the build context chain/c0 is a symlink loop or too long a chain of symlinks: not read",
			"composelink/.devcontainer/devcontainer.json CR300 error: the Compose service cannot be built: the Compose file compose.yaml resolves outside the repository: not read",
			"ignorelink/Dockerfile CR300 error: the image could not be built: the ignore file .dockerignore resolves outside the repository: not read",
		) {
			if !strings.Contains(out, w) {
				t.Errorf("no finding %q in:\n%s", w, out)
			}
		}
		// The plain Dockerfile beside them still builds.
		for _, tr := range rep.Targets {
			if tr.Path == "plain/Dockerfile" && (tr.Build == nil || tr.Build.Failed || tr.Build.Path != BuildPathDocker) {
				t.Errorf("plain/Dockerfile: build %+v, want built", tr.Build)
			}
		}
	})
}

// reportText is every finding of a report, one a line ("path ID severity:
// message" and its details), plus the JSON rendering, for searching.
func reportText(t *testing.T, rep *Report) string {
	t.Helper()
	var b strings.Builder
	for _, tr := range rep.Result.Targets {
		for _, f := range tr.Findings {
			fmt.Fprintf(&b, "%s %s %s: %s\n%s\n", f.Location.Path, f.RuleID, f.Severity, f.Message, f.Details)
		}
	}
	var js bytes.Buffer
	if err := checks.RenderJSON(&js, &rep.Result, "test"); err != nil {
		t.Fatal(err)
	}
	b.Write(js.Bytes())
	return b.String()
}

func assertNoSecret(t *testing.T, out string) {
	t.Helper()
	if strings.Contains(out, secretMarker) || strings.Contains(out, "PRIVATE KEY") {
		t.Fatalf("the file outside the root reached the report:\n%s", out)
	}
}
