package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/internal/testenv"
	"github.com/coderready/coderready/scan"
)

func TestCheckBuilderFlag(t *testing.T) {
	tests := []struct {
		args      []string
		code      int
		stderrHas string
	}{
		{[]string{"check", "--builder", "kaniko", "../../examples/golden"}, exitError, `--builder "kaniko": want auto, docker or devcontainer-cli`},
		{[]string{"check", "--builder", "docker", "../../examples/golden"}, exitOK, ""},
		{[]string{"check", "--builder", "devcontainer-cli", "../../examples/golden"}, exitOK, ""},
		{[]string{"check", "--builder", "auto", "../../examples/golden"}, exitOK, ""},
		{[]string{"check", "--build-engine", "buildx", "../../examples/golden"}, exitError, `build engine "buildx": want auto, buildkit or classic`},
		{[]string{"check", "--build-network", "bridge", "../../examples/golden"}, exitError, `build network "bridge": want default, none or host`},
		{[]string{"check", "--build-memory", "lots", "../../examples/golden"}, exitError, `build memory "lots"`},
		{[]string{"check", "--build-cpus", "-2", "../../examples/golden"}, exitError, `build CPUs "-2"`},
		{[]string{"check", "--build-pids", "1.5", "../../examples/golden"}, exitError, `build pids "1.5"`},
		{[]string{"check", "--build-engine", "buildkit", "--build-memory", "1g", "../../examples/golden"}, exitError, "BuildKit through the Engine API applies no limits"},
		{[]string{"check", "--build-engine", "classic", "--build-memory", "1g", "--build-cpus", "1", "--build-pids", "512", "--no-build", "../../examples/golden"}, exitOK, ""},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.stderrHas) {
			t.Errorf("%q: exit %d, stderr %q, want %d and %q\n%s", tt.args, code, stderr, tt.code, tt.stderrHas, stdout)
		}
	}
}

func TestBuildLines(t *testing.T) {
	tests := []struct {
		name string
		in   []scan.TargetReport
		want string
	}{
		{"none", nil, ""},
		{"all off", []scan.TargetReport{
			target("a/Dockerfile", &checks.BuildRecord{Path: scan.BuildPathNone, Skipped: "builds are off"}),
			target("b/Dockerfile", &checks.BuildRecord{Path: scan.BuildPathNone, Skipped: "builds are off"}),
		}, "2 targets not built: builds are off\n\n"},
		{"one off", []scan.TargetReport{
			target("Dockerfile", &checks.BuildRecord{Path: scan.BuildPathNone, Skipped: "no Docker engine answers"}),
		}, "Dockerfile: not built: no Docker engine answers\n\n"},
		{"mixed", []scan.TargetReport{
			target(".devcontainer/devcontainer.json", &checks.BuildRecord{Path: scan.BuildPathDevcontainerCLI, Seconds: 41.234}),
			target("Dockerfile", &checks.BuildRecord{Path: scan.BuildPathDocker, Engine: "buildkit", Seconds: 3, Failed: true}),
			target("b/Dockerfile", &checks.BuildRecord{Path: scan.BuildPathDocker, Engine: "classic", Seconds: 1.5}),
			target("c/.devcontainer.json", &checks.BuildRecord{Path: scan.BuildPathCompose, Engine: "buildkit", Seconds: 2}),
			target("i/.devcontainer.json", &checks.BuildRecord{Path: scan.BuildPathImage, Ref: "debian:12"}),
			target("x/Dockerfile", &checks.BuildRecord{Path: scan.BuildPathNone, Skipped: "nothing to build"}),
		}, ".devcontainer/devcontainer.json: built with the Dev Containers CLI in 41.2s\n" +
			"Dockerfile: the Docker build (BuildKit) failed after 3s\n" +
			"b/Dockerfile: built with the Docker builder (classic builder) in 1.5s\n" +
			"c/.devcontainer.json: built from its Docker Compose service (BuildKit) in 2s\n" +
			"i/.devcontainer.json: not built: the image debian:12 was read as it is\n" +
			"x/Dockerfile: not built: nothing to build\n\n"},
	}
	for _, tt := range tests {
		if got := buildLines(tt.in); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func target(p string, b *checks.BuildRecord) scan.TargetReport {
	tr := scan.TargetReport{}
	tr.Path, tr.Build = p, b
	return tr
}

// TestCheckBuildsDevcontainer runs `check` on a devcontainer with a local
// feature in the engine: with the Dev Containers CLI the feature is applied
// (it installs a git, so CR305 is quiet); with --builder docker it is not,
// and a CR300 warning says so.
func TestCheckBuildsDevcontainer(t *testing.T) {
	testenv.RequireDevcontainerCLI(t)
	t.Setenv("CODERREADY_DATA_DIR", t.TempDir())
	dir := t.TempDir()
	files := map[string]string{
		".devcontainer/devcontainer.json":                      "{\n  \"build\": {\"dockerfile\": \"Dockerfile\"},\n  \"features\": {\"./user\": {}},\n  \"remoteUser\": \"dev\"\n}\n",
		".devcontainer/Dockerfile":                             "FROM coderready-test/busybox:static\n",
		".devcontainer/user/devcontainer-feature.json":         `{"id": "user", "version": "1.0.0"}`,
		".devcontainer/user/install.sh":                        "#!/bin/sh\nset -e\nprintf '#!/bin/sh\\necho git version 2.0\\n' > /bin/git\nchmod 755 /bin/git\n",
		".devcontainer/user/README.md":                         "a local feature\n",
		".devcontainer/user/nested/ignored-by-the-feature.txt": "x\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, builder string
		extra         []string
		has           []string
		lacks         []string
	}{
		{"auto", "auto", nil, []string{"devcontainer.json: built with the Dev Containers CLI in "}, []string{"CR300", "CR305"}},
		{"docker", "docker", nil, []string{"devcontainer.json: built with the Docker builder (BuildKit) in ", "warning CR300 features were not applied", "CR305"}, nil},
		// Limits the CLI cannot apply: the engine's classic builder, which
		// applies them, and a warning that the features were left out.
		{"limits", "auto", []string{"--build-memory", "512m", "--build-pids", "256"}, []string{
			"devcontainer.json: built with the Docker builder (classic builder) in ",
			"warning CR300 features were not applied: the Dev Containers CLI cannot apply the build limits (memory 512MiB, 256 processes)", "CR305",
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			start := time.Now()
			args := append([]string{"check", dir, "--builder", tt.builder, "--build-network", "host", "--fail-on", "never", "--color", "never"}, tt.extra...)
			code := run(context.Background(), args, &stdout, &stderr)
			t.Logf("check --builder %s in %s", tt.builder, time.Since(start).Round(time.Millisecond))
			if code != exitOK {
				t.Fatalf("exit %d: %s\n%s", code, stderr.String(), stdout.String())
			}
			out := stdout.String()
			if !strings.HasPrefix(out, dir+"/.devcontainer/devcontainer.json: ") {
				t.Errorf("the build line should come first:\n%s", out)
			}
			for _, s := range tt.has {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tt.lacks {
				if strings.Contains(out, s) {
					t.Errorf("output has %q:\n%s", s, out)
				}
			}
		})
	}
}

func TestCheckProgress(t *testing.T) {
	code, stdout, stderr := runCLI(t, "check", "--offline", "--progress", "plain", "../../examples/golden")
	if code != exitOK {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	if !regexp.MustCompile(`(?m)^coderready: \S*examples/golden/Dockerfile: done in \d`).MatchString(stderr) {
		t.Errorf("stderr lacks the done line:\n%s", stderr)
	}
	if strings.Contains(stdout, "coderready: ") {
		t.Errorf("progress went to stdout:\n%s", stdout)
	}
	// Not a terminal: auto prints nothing.
	if _, _, stderr := runCLI(t, "check", "--offline", "../../examples/golden"); strings.Contains(stderr, "done in") {
		t.Errorf("auto printed progress to a pipe:\n%s", stderr)
	}
	if code, _, stderr := runCLI(t, "check", "--progress", "fancy", "../../examples/golden"); code != exitError || !strings.Contains(stderr, `--progress "fancy"`) {
		t.Errorf("bad --progress: exit %d, %s", code, stderr)
	}
}
