package devcontainer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/coderready/coderready/internal/rootfs"
)

const viewSample = `{
	"image": "debian:12",
	"features": {
		"ghcr.io/devcontainers/features/go:1": {},
		"./local": {}
	},
	// coderready:ignore=CR207, CR209 reason: the template sets it
	"build": {
		"options": ["--network=host"]
	},
	"mounts": [], // coderready:ignore=CR207
	"onCreateCommand": "make setup",
	"postCreateCommand": ["npm", "ci"],
	"postStartCommand": {"db": "pg_ctl start", "web": ["npm", "start"]},
	"runArgs": ["--privileged"],
	"dockerComposeFile": ["a.yml", "b.yml"]
}
`

func TestView(t *testing.T) {
	c, err := Parse(".devcontainer/devcontainer.json", []byte(viewSample))
	if err != nil {
		t.Fatal(err)
	}
	props := c.Properties()
	if len(props) != 9 || props[2].Name != "build" || props[2].Key != (Pos{8, 2}) || props[2].End.Line != 10 || props[2].Pointer != "/build" {
		t.Errorf("Properties = %+v", props)
	}
	fl := c.FeatureList()
	if len(fl) != 2 || fl[1].Ref != "./local" || fl[1].Key != (Pos{5, 3}) || fl[1].Pointer != "/features/.~1local" {
		t.Errorf("FeatureList = %+v", fl)
	}
	if got := c.BuildOptions(); !slices.Equal(got, []string{"--network=host"}) {
		t.Errorf("BuildOptions = %q", got)
	}
	if got := c.RunArgs(); !slices.Equal(got, []string{"--privileged"}) {
		t.Errorf("RunArgs = %q", got)
	}

	tests := []struct {
		name  string
		kind  CommandKind
		shell string
		prog  string
		par   int
	}{
		{"onCreateCommand", CommandString, "make setup", "", 0},
		{"postCreateCommand", CommandArray, "", "npm", 0},
		{"postStartCommand", CommandObject, "", "", 2},
	}
	for _, tt := range tests {
		cmd := c.Command(tt.name)
		if cmd == nil || cmd.Kind != tt.kind || cmd.Shell != tt.shell || cmd.Program() != tt.prog || len(cmd.Parallel) != tt.par {
			t.Errorf("Command(%s) = %+v", tt.name, cmd)
		}
	}
	if web := c.Command("postStartCommand").Parallel[1]; web.Name != "web" || web.Program() != "npm" || web.Pointer != "/postStartCommand/web" {
		t.Errorf("parallel entry = %+v", web)
	}
	if c.Command("initializeCommand") != nil {
		t.Error("absent command is not nil")
	}
}

func TestIgnores(t *testing.T) {
	c, err := Parse(".devcontainer/devcontainer.json", []byte(viewSample))
	if err != nil {
		t.Fatal(err)
	}
	want := []Ignore{
		{IDs: []string{"CR207", "CR209"}, Line: 7, StartLine: 8, EndLine: 10},
		{IDs: []string{"CR207"}, Line: 11, StartLine: 11, EndLine: 11},
	}
	if len(c.Ignores) != len(want) {
		t.Fatalf("Ignores = %+v", c.Ignores)
	}
	for i, w := range want {
		g := c.Ignores[i]
		if !slices.Equal(g.IDs, w.IDs) || g.Line != w.Line || g.StartLine != w.StartLine || g.EndLine != w.EndLine {
			t.Errorf("Ignores[%d] = %+v, want %+v", i, g, w)
		}
	}
	tests := []struct {
		id   string
		line int
		want bool
	}{
		{"CR207", 9, true},  // inside build, commented above it
		{"cr209", 8, true},  // case-insensitive
		{"CR206", 9, false}, // not named
		{"CR207", 11, true}, // trailing comment
		{"CR207", 12, false},
		{"CR207", 7, false},
	}
	for _, tt := range tests {
		if got := c.Ignored(tt.id, tt.line); got != tt.want {
			t.Errorf("Ignored(%s, %d) = %v, want %v", tt.id, tt.line, got, tt.want)
		}
	}
}

func TestMissing(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{".devcontainer/Dockerfile", ".devcontainer/a.yml"} {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// c.yml exists, but is a link out of the root.
	if err := os.Symlink("/etc/passwd", filepath.Join(root, ".devcontainer", "c.yml")); err != nil {
		t.Fatal(err)
	}
	src := `{"build": {"dockerfile": "Dockerfile", "context": "../app"},
		"dockerComposeFile": ["a.yml", "b.yml", "c.yml"],
		"features": {"./local": {}, "../common/${localEnv:X}": {}, "ghcr.io/x/y:1": {}}}`
	c, err := Parse(".devcontainer/devcontainer.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = fsys.Close() }()
	got := c.Missing(fsys.FS())
	want := []MissingPath{
		{Pointer: "/build/context", Path: "app", What: "build context"},
		{Pointer: "/dockerComposeFile/1", Path: ".devcontainer/b.yml", What: "Compose file"},
		{Pointer: "/dockerComposeFile/2", Path: ".devcontainer/c.yml", What: "Compose file", Outside: true, Why: "resolves outside the repository: not read"},
		{Pointer: "/features/.~1local", Path: ".devcontainer/local", What: "local feature"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Missing = %+v\nwant %+v", got, want)
	}
	if c.Missing(nil) != nil {
		t.Error("Missing(nil) checks the disk")
	}
}
