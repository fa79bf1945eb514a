package scan

import (
	"os"
	"path/filepath"
	"testing"
)

func TestInputsDigest(t *testing.T) {
	base := map[string]string{
		"Dockerfile":       "FROM debian:12\nCOPY tools/ /opt/tools/\nCOPY setup.sh /setup.sh\n",
		"tools/a.sh":       "echo a\n",
		"tools/sub/b.sh":   "echo b\n",
		"setup.sh":         "echo setup\n",
		"README.md":        "not an input\n",
		".dockerignore":    "*.md\n",
		"other/Dockerfile": "FROM alpine:3\n",
	}
	digest := func(t *testing.T, edit func(root string)) string {
		t.Helper()
		root := writeTree(t, base)
		if edit != nil {
			edit(root)
		}
		p, err := Plan(root, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = p.Close() }()
		for _, tg := range p.Targets {
			if tg.Path == "Dockerfile" {
				d, err := p.InputsDigest(tg)
				if err != nil {
					t.Fatal(err)
				}
				return d
			}
		}
		t.Fatal("no Dockerfile target")
		return ""
	}
	write := func(rel, content string) func(string) {
		return func(root string) {
			p := filepath.Join(root, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	same := digest(t, nil)
	if again := digest(t, nil); again != same {
		t.Fatalf("two copies of one tree digest differently: %s, %s", same, again)
	}
	for _, tc := range []struct {
		name    string
		edit    func(string)
		changes bool
	}{
		{"a file outside the inputs", write("README.md", "edited\n"), false},
		{"another target's Dockerfile", write("other/Dockerfile", "FROM alpine:3.20\n"), false},
		{"the Dockerfile", write("Dockerfile", base["Dockerfile"]+"USER 1000\n"), true},
		{"a file in a copied folder", write("tools/sub/b.sh", "echo B\n"), true},
		{"a new file in a copied folder", write("tools/c.sh", "echo c\n"), true},
		{"a copied file", write("setup.sh", "echo other\n"), true},
		{"the .dockerignore", write(".dockerignore", "*.txt\n"), true},
		{"a copied file's mode", func(root string) {
			if err := os.Chmod(filepath.Join(root, "setup.sh"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"a copied file made a symlink", func(root string) {
			p := filepath.Join(root, "setup.sh")
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("tools/a.sh", p); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"a copied file removed", func(root string) {
			if err := os.Remove(filepath.Join(root, "setup.sh")); err != nil {
				t.Fatal(err)
			}
		}, true},
	} {
		got := digest(t, tc.edit)
		if (got != same) != tc.changes {
			t.Errorf("%s: digest changed %v, want %v", tc.name, got != same, tc.changes)
		}
	}
}
