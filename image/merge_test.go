package image

import (
	"context"
	"sort"
	"strings"
	"testing"
)

// mergeLayers reads tar layers with the real reader and merges them.
func mergeLayers(t *testing.T, layers ...[]ent) *Facts {
	t.Helper()
	ws, err := compileWants(DefaultWants(), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	b := newBudget(DefaultLimits)
	tr := newTree(0)
	for i, l := range layers {
		raw := tarBytes(t, l...)
		li, err := readLayer(context.Background(), strings.NewReader(string(raw)), ws, b, expected{diffID: sha256Of(raw)})
		if err != nil {
			t.Fatal(err)
		}
		tr.apply(i, li)
	}
	warnings := tr.warnings
	files, _ := tr.flatten()
	return &Facts{Files: files, Warnings: warnings}
}

func paths(f *Facts) string {
	var out []string
	for p, file := range f.Files.All() {
		if p == "/" {
			continue
		}
		s := p
		switch file.Type {
		case TypeDir:
			s += "/"
		case TypeSymlink:
			s += "->" + file.Link
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestMerge(t *testing.T) {
	cases := []struct {
		name   string
		layers [][]ent
		want   string
	}{
		{"implicit parents", [][]ent{{file("a/b/c", "x")}}, "/a/ /a/b/ /a/b/c"},
		{"whiteout file", [][]ent{{file("a/x", ""), file("a/y", "")}, {whiteout("a/x")}}, "/a/ /a/y"},
		{"whiteout directory takes its subtree", [][]ent{{file("a/b/c", ""), file("a/d", "")}, {whiteout("a/b")}}, "/a/ /a/d"},
		{"whiteout then re-add in the same layer", [][]ent{{file("a/x", "old")}, {whiteout("a/x"), file("a/x", "new")}}, "/a/ /a/x"},
		{"whiteout only hides lower layers", [][]ent{{file("a/y", "")}, {file("a/x", ""), whiteout("a/x")}}, "/a/ /a/x /a/y"},
		{"whiteout of a missing path", [][]ent{{file("a/y", "")}, {whiteout("nope/x"), whiteout("a/z")}}, "/a/ /a/y"},
		{"opaque directory", [][]ent{{file("a/x", ""), file("a/s/t", ""), file("b", "")}, {opaque("a"), file("a/new", "")}}, "/a/ /a/new /b"},
		{"opaque keeps the same layer's entries listed before it", [][]ent{{file("a/x", "")}, {dir("a/"), file("a/new", ""), opaque("a")}}, "/a/ /a/new"},
		{"file replaces directory", [][]ent{{file("a/b/c", "")}, {file("a/b", "now a file")}}, "/a/ /a/b"},
		{"directory replaces file", [][]ent{{file("a/b", "")}, {file("a/b/c", "")}}, "/a/ /a/b/ /a/b/c"},
		{"directory over directory merges", [][]ent{{file("a/x", "")}, {dir("a/"), file("a/y", "")}}, "/a/ /a/x /a/y"},
		{"symlink replaced", [][]ent{{symlink("l", "a")}, {symlink("l", "b")}}, "/l->b"},
		{"aufs metadata ignored", [][]ent{{file(".wh..wh.plnk/123", ""), file(".wh..wh.aufs", ""), file("x", "")}}, "/x"},
		{"dot-slash and absolute names", [][]ent{{file("./a", ""), file("/b", ""), dir("./"), dir("c//d/")}}, "/a /b /c/ /c/d/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := paths(mergeLayers(t, c.layers...)); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestMergeAttributes(t *testing.T) {
	f := mergeLayers(t,
		[]ent{exe("bin/tool", "12345"), {name: "home/u/", typ: '5', mode: 0o700, uid: 1000, gid: 1000}},
		[]ent{hardlink("bin/tool2", "bin/tool"), dir("home/u/"), hardlink("bin/dangling", "bin/none")},
	)
	if got, _ := f.Files.Get("/bin/tool2"); got.Type != TypeFile || got.Size != 5 || got.HardLink != "/bin/tool" || got.Layer != 1 || !got.Executable() {
		t.Errorf("hard link across layers %+v", got)
	}
	if got, _ := f.Files.Get("/home/u"); got.Mode != 0o755 || got.UID != 0 || got.Layer != 1 {
		t.Errorf("a directory entry in a higher layer sets its attributes: %+v", got)
	}
	if got, _ := f.Files.Get("/bin/dangling"); got.Type != TypeHardlink || len(f.Warnings) == 0 {
		t.Errorf("dangling hard link %+v, warnings %v", got, f.Warnings)
	}
}

func TestResolve(t *testing.T) {
	f := mergeLayers(t, []ent{
		symlink("bin", "usr/bin"), dir("usr/bin/"), exe("usr/bin/busybox", busyboxBlob),
		symlink("usr/bin/sh", "busybox"), symlink("usr/bin/abs", "/usr/bin/busybox"),
		symlink("usr/bin/up", "../../usr/bin/./busybox"), symlink("usr/bin/rootup", "../../../../../usr/bin/busybox"),
		symlink("usr/bin/chain1", "chain2"), symlink("usr/bin/chain2", "/bin/chain3"), symlink("usr/bin/chain3", "sh"),
		symlink("usr/bin/loop", "loop"), symlink("usr/bin/dangling", "nothing"),
		dir("a/b/"), symlink("a/link", "b"), file("a/x", "x"),
		symlink("a/b/dotdot", "../x"), dir("a/b/c/"), file("a/b/x", "bx"), symlink("a/deep", "b/c"),
		file("notdir", "x"),
		symlink("usr/bin/empty", ""),
	})
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"/bin/sh", "/usr/bin/busybox", true},
		{"/bin/abs", "/usr/bin/busybox", true},
		{"/bin/up", "/usr/bin/busybox", true},
		{"/bin/rootup", "/usr/bin/busybox", true},
		{"/bin/chain1", "/usr/bin/busybox", true},
		{"/bin/loop", "", false},
		{"/bin/dangling", "", false},
		{"/a/link/dotdot", "/a/x", true},
		{"/a/link/../x", "/a/x", true},
		{"/a/deep/../x", "/a/b/x", true}, // ".." after a link goes to the target's real parent
		{"/notdir/x", "", false},
		{"/bin/empty", "", false},
		{"/", "/", true},
		{"/bin/", "/usr/bin", true},
	} {
		got, _, err := f.Resolve(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("Resolve(%q) = %q, %v; want %q ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
	if fl, ok := f.Lstat("/bin/sh"); !ok || fl.Type != TypeSymlink {
		t.Errorf("Lstat(/bin/sh) = %+v %v", fl, ok)
	}
	if names, ok := f.ReadDir("/a"); !ok || strings.Join(names, ",") != "b,deep,link,x" {
		t.Errorf("ReadDir(/a) = %v", names)
	}
}

func TestLookPathPATH(t *testing.T) {
	f := mergeLayers(t, []ent{exe("opt/tools/a", "a"), exe("work/b", "b"), exe("usr/bin/c", "c"), exe("bin/c", "c2"), file("usr/bin/d", "d"), exe("bin/d", "d")})
	f.Config = Config{Env: []string{"PATH=/opt/tools::/usr/bin:/bin"}, WorkingDir: "/work"}
	for _, c := range []struct{ name, want string }{
		{"a", "/opt/tools/a"},
		{"b", "/work/b"}, // the empty PATH element is the working directory
		{"c", "/usr/bin/c"},
		{"d", "/bin/d"}, // /usr/bin/d is not executable
		{"./b", "/work/b"},
		{"/usr/bin/c", "/usr/bin/c"},
		{"nope", ""},
		{"", ""},
	} {
		if got, _ := f.LookPath(c.name); got != c.want {
			t.Errorf("LookPath(%q) = %q; want %q", c.name, got, c.want)
		}
	}
}
