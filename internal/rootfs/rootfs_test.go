package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostile lays out a repository beside a "secret" folder the repository
// must never reach, with every way out we know of.
func hostile(t *testing.T) (repo, secret string) {
	t.Helper()
	top := t.TempDir()
	secret = filepath.Join(top, "secret")
	repo = filepath.Join(top, "repo")
	for _, d := range []string{secret, repo, filepath.Join(repo, "sub", "deep")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(secret, "key.pem"), "PRIVATE KEY")
	write(t, filepath.Join(repo, "Dockerfile"), "FROM scratch\n")
	write(t, filepath.Join(repo, "sub", "deep", "file"), "inside")
	links := map[string]string{
		"up":          "..",                              // the parent of the repository
		"abs":         filepath.Join(secret, "key.pem"),  // absolute, outside
		"absinside":   filepath.Join(repo, "Dockerfile"), // absolute, even though inside
		"shadow":      "/etc/shadow",                     // attack 6
		"loop1":       "loop2",                           // a loop
		"loop2":       "loop1",                           //
		"ok":          "sub/deep/file",                   // in-tree link: followed
		"sub/updir":   "../..",                           // leaves through a folder link
		"sub/deep/bk": "../../Dockerfile",                // in-tree, through ..
		"via":         "sub/updir/secret/key.pem",        // a chain through a link that leaves
		"ctx":         "up/secret",                       // attack 2: a context named through a link
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(repo, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	// Attack 1's chain: 45 in-tree links, the last of which leaves.
	if err := os.Symlink("..", filepath.Join(repo, "c45")); err != nil {
		t.Fatal(err)
	}
	for i := 44; i >= 0; i-- {
		if err := os.Symlink(fmt.Sprintf("c%d", i+1), filepath.Join(repo, fmt.Sprintf("c%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	return repo, secret
}

func write(t *testing.T, name, s string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadFileStaysInside(t *testing.T) {
	repo, _ := hostile(t)
	r, err := Open(repo)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	for _, tc := range []struct {
		path string
		want error // nil: read, with content "inside" or the Dockerfile's
	}{
		{"Dockerfile", nil},
		{"ok", nil},
		{"sub/deep/bk", nil},
		{"up/secret/key.pem", ErrOutside},
		{"abs", ErrOutside},
		{"absinside", ErrOutside},
		{"shadow", ErrOutside},
		{"via", ErrOutside},
		{"ctx/key.pem", ErrOutside},
		{"../secret/key.pem", ErrOutside},
		{"c0/secret/key.pem", ErrLoop}, // 46 hops: more than os.Root follows
		{"c40/secret/key.pem", ErrOutside},
		{"loop1", ErrLoop},
	} {
		t.Run(tc.path, func(t *testing.T) {
			b, err := r.ReadFile(tc.path, 1<<20)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("read: %v", err)
				}
				if strings.Contains(string(b), "PRIVATE") {
					t.Fatalf("read the secret")
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !Refused(err) || Why(err) == "" {
				t.Fatalf("Refused/Why do not recognise %v", err)
			}
			if strings.Contains(string(b), "PRIVATE") {
				t.Fatalf("read the secret")
			}
		})
	}
}

// TestEscapeIsOutside pins the os.Root message Explain recognises: if a Go
// release changes it, this fails rather than refusals turning into plain
// read errors.
func TestEscapeIsOutside(t *testing.T) {
	r, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	_, err = r.Open("../x")
	if !errors.Is(Explain(err), ErrOutside) {
		t.Fatalf("os.Root's escape error %v is not recognised", err)
	}
}

func TestOpenRootAndResolve(t *testing.T) {
	repo, secret := hostile(t)
	r, err := Open(repo)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	if _, err := r.OpenRoot("up"); !errors.Is(err, ErrOutside) {
		t.Fatalf("OpenRoot(up) = %v, want ErrOutside", err)
	}
	if _, err := r.OpenRoot("ctx"); !errors.Is(err, ErrOutside) {
		t.Fatalf("OpenRoot(ctx) = %v, want ErrOutside", err)
	}
	sub, err := r.OpenRoot("sub")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Close() }()
	// Inside sub, its own root: updir leaves it.
	if _, err := sub.ReadFile("updir/Dockerfile", 100); !errors.Is(err, ErrOutside) {
		t.Fatalf("sub root read through updir = %v, want ErrOutside", err)
	}
	if _, err := r.Resolve("up"); !errors.Is(err, ErrOutside) {
		t.Fatalf("Resolve(up) = %v", err)
	}
	got, err := r.Resolve("ok")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(filepath.Join(repo, "sub", "deep", "file"))
	if got != want {
		t.Fatalf("Resolve(ok) = %s, want %s", got, want)
	}
	if strings.HasPrefix(got, secret) {
		t.Fatal("resolved into the secret")
	}
}

func TestRel(t *testing.T) {
	r, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	for in, want := range map[string]string{
		".":                                 ".",
		"a/b/../c":                          "a/c",
		filepath.Join(r.Dir(), "x", "y"):    "x/y",
		"../x":                              "",
		filepath.Join(r.Dir(), "..", "sib"): "",
		"/etc/passwd":                       "",
	} {
		got, err := r.Rel(in)
		if want == "" {
			if !errors.Is(err, ErrOutside) {
				t.Errorf("Rel(%q) = %q, %v; want ErrOutside", in, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("Rel(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestReadFileLimitsAndKinds(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "big"), strings.Repeat("x", 101))
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	if _, err := r.ReadFile("big", 100); err == nil || !strings.Contains(err.Error(), "larger than 100 bytes") {
		t.Fatalf("big: %v", err)
	}
	if b, err := r.ReadFile("big", 101); err != nil || len(b) != 101 {
		t.Fatalf("big at its size: %d, %v", len(b), err)
	}
	if _, err := r.ReadFile("d", 100); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("dir: %v", err)
	}
	if _, err := r.ReadFile("none", 100); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
}

// TestWalkDoesNotFollowOut: fs.WalkDir over the root lists links as links
// and never descends through one.
func TestWalkDoesNotFollowOut(t *testing.T) {
	repo, _ := hostile(t)
	r, err := Open(repo)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	var seen []string
	err = fs.WalkDir(r.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		seen = append(seen, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range seen {
		if strings.Contains(p, "key.pem") || strings.HasPrefix(p, "up/") {
			t.Fatalf("walk went through a link: %s", p)
		}
	}
}
