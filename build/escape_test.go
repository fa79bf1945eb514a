package build

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coderready/coderready/internal/rootfs"
)

// linkedRepo writes files under top/repo beside top/secret/key.pem and
// makes links (path → target) in the repository; it returns the
// repository's folder.
func linkedRepo(t *testing.T, files, links map[string]string) string {
	t.Helper()
	top := t.TempDir()
	if err := os.MkdirAll(filepath.Join(top, "secret"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(top, "secret", "key.pem"), []byte("PRIVATE KEY"), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(top, "repo")
	for name, content := range files {
		p := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range links {
		p := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(strings.ReplaceAll(target, "$SECRET", filepath.Join(top, "secret")), p); err != nil {
			t.Fatal(err)
		}
	}
	return repo
}

// TestPlanContextStaysInside: the context folder, the Dockerfile and the
// ignore file are opened beneath the repository; a link out of it (or a
// chain of links too long to follow) is refused with the path and "not
// read", and links inside the context are planned as links.
func TestPlanContextStaysInside(t *testing.T) {
	chain := map[string]string{"c45": ".."}
	for i := 0; i < 45; i++ {
		chain[fmt.Sprintf("c%d", i)] = fmt.Sprintf("c%d", i+1)
	}
	for _, tc := range []struct {
		name         string
		files, links map[string]string
		context, df  string
		want         error
		wantText     string
	}{
		{name: "context a link to the parent", links: map[string]string{"up": ".."}, context: "up", df: "up/repo/Dockerfile",
			files: map[string]string{"Dockerfile": "FROM x\n"}, want: rootfs.ErrOutside, wantText: "the build context up resolves outside the repository: not read"},
		{name: "context through an absolute link", links: map[string]string{"s": "$SECRET"}, context: "s", df: "s/Dockerfile",
			want: rootfs.ErrOutside},
		{name: "context through 46 links", links: chain, context: "c0/secret", df: "c0/secret/Dockerfile", want: rootfs.ErrLoop,
			wantText: "the build context c0/secret is a symlink loop or too long a chain of symlinks: not read"},
		{name: "context lexically outside", files: map[string]string{"x": ""}, context: "..", df: "../Dockerfile", want: rootfs.ErrOutside},
		{name: "dockerfile a link out", files: map[string]string{"x": ""}, links: map[string]string{"Dockerfile": "$SECRET/key.pem"},
			context: ".", df: "Dockerfile", wantText: "the Dockerfile Dockerfile resolves outside the repository: not read"},
		{name: "ignore file a link out", files: map[string]string{"Dockerfile": "FROM x\n"}, links: map[string]string{".dockerignore": "$SECRET/key.pem"},
			context: ".", df: "Dockerfile", want: rootfs.ErrOutside, wantText: "the ignore file .dockerignore resolves outside the repository: not read"},
		{name: "Dockerfile's own ignore file a link out", files: map[string]string{"Dockerfile": "FROM x\n"}, links: map[string]string{"Dockerfile.dockerignore": "$SECRET/key.pem"},
			context: ".", df: "Dockerfile", want: rootfs.ErrOutside},
		{name: "links inside travel as links", files: map[string]string{"sub/Dockerfile": "FROM x\n", "data/a": "a"},
			links: map[string]string{"sub/out": "../../../secret", "sub/in": "../data"}, context: "sub", df: "sub/Dockerfile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := linkedRepo(t, tc.files, tc.links)
			bc, err := planContext(repo, filepath.Join(repo, tc.context), filepath.Join(repo, filepath.FromSlash(tc.df)), DefaultMaxContextBytes)
			if err == nil {
				defer bc.close()
				_, err = bc.readDockerfile()
			}
			if tc.want == nil && tc.wantText == "" {
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]string{}
				for _, e := range bc.entries {
					got[e.rel] = e.link
				}
				if got["out"] != "../../../secret" || got["in"] != "../data" {
					t.Fatalf("links not planned as links: %+v", got)
				}
				for rel := range got {
					if strings.HasPrefix(rel, "out/") || strings.HasPrefix(rel, "in/") {
						t.Fatalf("planned through a link: %s", rel)
					}
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.wantText != "" && err.Error() != tc.wantText {
				t.Fatalf("err = %q\nwant  %q", err, tc.wantText)
			}
			if strings.Contains(err.Error(), "PRIVATE") {
				t.Fatal("the error quotes the file outside")
			}
		})
	}
}

// TestPrepareWorkspaceStaysInside: the Dev Containers CLI's copy reads
// nothing that a link leads out of the repository, and hands the CLI and
// Compose only paths that resolve inside it.
func TestPrepareWorkspaceStaysInside(t *testing.T) {
	for name, tc := range map[string]struct {
		files, links map[string]string
		want         string
	}{
		"context a link to the parent (issue 9, attack 2)": {
			files: map[string]string{".devcontainer/devcontainer.json": `{"build": {"dockerfile": "Dockerfile", "context": "../up"}, "features": {"./f": {}}}`,
				".devcontainer/Dockerfile": "FROM x\n"},
			links: map[string]string{"up": ".."},
			want:  "the build context ../up resolves outside the repository: not read"},
		"dockerfile a link out": {
			files: map[string]string{".devcontainer/devcontainer.json": `{"build": {"dockerfile": "Dockerfile"}}`},
			links: map[string]string{".devcontainer/Dockerfile": "$SECRET/key.pem"},
			want:  "the Dockerfile Dockerfile resolves outside the repository: not read"},
		"devcontainer.json a link out": {
			links: map[string]string{".devcontainer/devcontainer.json": "$SECRET/key.pem"},
			want:  "devcontainer.json resolves outside the repository: not read"},
		"local feature a link out": {
			files: map[string]string{".devcontainer/devcontainer.json": `{"image": "x", "features": {"./f": {}}}`},
			links: map[string]string{".devcontainer/f": "$SECRET"},
			want:  "local feature ./f resolves outside the repository: not read"},
		"compose file a link out": {
			files: map[string]string{".devcontainer/devcontainer.json": `{"dockerComposeFile": "c.yml", "service": "dev"}`},
			links: map[string]string{".devcontainer/c.yml": "$SECRET/key.pem"},
			want:  "compose file c.yml resolves outside the repository: not read"},
		"compose context through a link": {
			files: map[string]string{".devcontainer/devcontainer.json": `{"dockerComposeFile": "c.yml", "service": "dev"}`,
				".devcontainer/c.yml": "services:\n  dev:\n    build:\n      context: ../up\n"},
			links: map[string]string{"up": ".."},
			want:  "the build context "},
		"compose env file a link out": {
			files: map[string]string{".devcontainer/devcontainer.json": `{"dockerComposeFile": "c.yml", "service": "dev"}`,
				".devcontainer/c.yml": "services:\n  dev:\n    image: x\n    env_file: e.env\n"},
			links: map[string]string{".devcontainer/e.env": "$SECRET/key.pem"},
			want:  "the env file "},
		"compose default Dockerfile a link out": {
			files: map[string]string{".devcontainer/devcontainer.json": `{"dockerComposeFile": "c.yml", "service": "dev"}`,
				".devcontainer/c.yml": "services:\n  dev:\n    build: .\n"},
			links: map[string]string{".devcontainer/Dockerfile": "$SECRET/key.pem"},
			want:  "the Dockerfile Dockerfile resolves outside the repository: not read"},
	} {
		t.Run(name, func(t *testing.T) {
			repo := linkedRepo(t, tc.files, tc.links)
			ws, err := prepareWorkspace(DevcontainerSpec{Root: repo, WorkspaceDir: repo}, t.TempDir())
			if err == nil {
				ws.close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "resolves outside the repository: not read") {
				t.Fatalf("err = %q, want it to say %q … resolves outside the repository: not read", err, tc.want)
			}
			if strings.Contains(err.Error(), "PRIVATE") {
				t.Fatal("the error quotes the file outside")
			}
		})
	}
}

// TestPrepareWorkspaceResolvesLinksInside: paths handed to the CLI have
// their in-repository links resolved, so the CLI is not led by them.
func TestPrepareWorkspaceResolvesLinksInside(t *testing.T) {
	repo := linkedRepo(t, map[string]string{
		".devcontainer/devcontainer.json": `{"build": {"dockerfile": "../app/Dockerfile", "context": "../app"}}`,
		"src/Dockerfile":                  "FROM x\n",
	}, map[string]string{"app": "src"})
	ws, err := prepareWorkspace(DevcontainerSpec{Root: repo, WorkspaceDir: repo}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer ws.close()
	real, _ := filepath.EvalSymlinks(filepath.Join(repo, "src"))
	if ws.context != real || ws.dockerfile != filepath.Join(real, "Dockerfile") {
		t.Fatalf("context %s, dockerfile %s; want both under %s", ws.context, ws.dockerfile, real)
	}
}
