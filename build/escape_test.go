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
