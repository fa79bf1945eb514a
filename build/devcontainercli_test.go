package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/coderready/coderready/devcontainer"
	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/image"
	"github.com/coderready/coderready/internal/testenv"
)

// devcontainerCLI returns the Dev Containers CLI builder
// (testenv.RequireDevcontainerCLI).
func devcontainerCLI(t *testing.T) *DevcontainerCLI {
	t.Helper()
	testenv.RequireDevcontainerCLI(t)
	d, err := NewDevcontainerCLI(context.Background())
	if err != nil {
		t.Fatalf("Dev Containers CLI: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// localFeature is a Dev Container feature that writes its option to a file
// and adds a user.
var localFeature = map[string]string{
	".devcontainer/local-feature/devcontainer-feature.json": `{"id": "local-feature", "version": "1.0.0", "name": "Local feature",
  "options": {"greeting": {"type": "string", "default": "hello"}}}`,
	".devcontainer/local-feature/install.sh": "#!/bin/sh\nset -e\necho \"$GREETING\" > /etc/local-feature-installed\necho 'feature:x:1234:1234::/tmp:/bin/sh' >> /etc/passwd\n",
}

func withFiles(base map[string]string, more map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// TestDevcontainerCLIBuild builds configs with a local feature through the
// CLI: one from a Dockerfile, one from an image. The feature's effect is in
// the image; the user's folder is left as it was; the feature content image
// the CLI tags is gone afterwards.
func TestDevcontainerCLIBuild(t *testing.T) {
	d := devcontainerCLI(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		config string
		extra  map[string]string
		want   []string // files the image must hold
	}{
		{
			name: "dockerfile",
			config: `{
  // JSONC, with a comment and a trailing comma
  "build": {"dockerfile": "Dockerfile", "context": ".."},
  "features": {"./local-feature": {"greeting": "hi"}},
}`,
			extra: map[string]string{
				".devcontainer/Dockerfile": "FROM coderready-test/busybox:static\nCOPY marker.txt /etc/marker.txt\nRUN echo built > /etc/from-dockerfile\n",
				"marker.txt":               "context\n",
			},
			want: []string{"/etc/local-feature-installed", "/etc/from-dockerfile", "/etc/marker.txt"},
		},
		{
			name:   "image",
			config: `{"image": "coderready-test/busybox:static", "features": {"./local-feature": {}}}`,
			want:   []string{"/etc/local-feature-installed"},
		},
		{
			// The service's build (relative context, env file, a .env for
			// interpolation, another service that is not built), features
			// on top.
			name:   "compose build",
			config: `{"dockerComposeFile": ["compose.yml"], "service": "dev", "workspaceFolder": "/w", "features": {"./local-feature": {}}}`,
			extra: map[string]string{
				".devcontainer/compose.yml": "services:\n  dev:\n    build:\n      context: ..\n      dockerfile: .devcontainer/Dockerfile\n      args:\n        MARK: ${MARK}\n    env_file: dev.env\n  db:\n    image: coderready-test/no-such-db:1\n",
				".devcontainer/.env":        "MARK=from-dotenv\n",
				".devcontainer/dev.env":     "X=1\n",
				".devcontainer/Dockerfile":  "FROM coderready-test/busybox:static\nARG MARK\nCOPY marker.txt /etc/marker.txt\nRUN echo \"$MARK\" > /etc/from-dockerfile && test \"$MARK\" = from-dotenv\n",
				"marker.txt":                "context\n",
			},
			want: []string{"/etc/local-feature-installed", "/etc/from-dockerfile", "/etc/marker.txt"},
		},
		{
			name:   "compose image",
			config: `{"dockerComposeFile": "compose.yml", "service": "dev", "features": {"./local-feature": {}}}`,
			extra:  map[string]string{".devcontainer/compose.yml": "services:\n  dev:\n    image: coderready-test/busybox:static\n"},
			want:   []string{"/etc/local-feature-installed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, withFiles(withFiles(localFeature, tt.extra), map[string]string{".devcontainer/devcontainer.json": tt.config}))
			before := listFiles(t, dir)
			start := time.Now()
			res, err := d.BuildDevcontainer(ctx, DevcontainerSpec{WorkspaceDir: dir, Config: ".devcontainer/devcontainer.json", Network: NetworkHost, Timeout: 5 * time.Minute})
			if err != nil {
				t.Fatalf("build: %v%s", err, failureTail(err))
			}
			t.Logf("built %s in %s", res.Ref, time.Since(start).Round(time.Millisecond))
			defer func() { _ = d.Remove(ctx, res.Ref) }()
			if after := listFiles(t, dir); !slices.Equal(before, after) {
				t.Errorf("the build changed the user's folder: %q → %q", before, after)
			}
			if !strings.HasPrefix(tt.name, "compose") && !strings.Contains(string(res.Log), "--network=host") {
				t.Errorf("the build did not get the host network:\n%s", res.Log)
			}
			checkNoFeatureContent(t, d)
			checkNoComposeImages(t)
			facts, err := image.Inspect(ctx, "docker-daemon:"+res.Ref, image.Options{})
			if err != nil {
				t.Fatalf("inspect: %v", err)
			}
			for _, p := range tt.want {
				if _, ok := facts.Stat(p); !ok {
					t.Errorf("the image lacks %s", p)
				}
			}
			if !slices.ContainsFunc(facts.Users, func(u image.User) bool { return u.Name == "feature" }) {
				t.Errorf("the feature's user is missing: %+v", facts.Users)
			}
			if err := d.Remove(ctx, res.Ref); err != nil {
				t.Fatal(err)
			}
			if d.imageID(ctx, res.Ref) != "" {
				t.Errorf("%s is still there after Remove", res.Ref)
			}
		})
	}
}

// checkNoComposeImages fails t when a Compose service image of a
// workspace copy is left.
func checkNoComposeImages(t *testing.T) {
	t.Helper()
	c, err := client.New(client.FromEnv)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	imgs, err := c.ImageList(context.Background(), client.ImageListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range imgs.Items {
		for _, tag := range img.RepoTags {
			if strings.HasPrefix(tag, "coderready") && strings.Contains(tag, "devcontainer") {
				t.Errorf("Compose image %s left behind", tag)
			}
		}
	}
}

// TestDevcontainerCLIFailures: failures are *Failure values that say where:
// the user's Dockerfile line, or the feature.
func TestDevcontainerCLIFailures(t *testing.T) {
	d := devcontainerCLI(t)
	ctx := context.Background()
	failing := `{"build": {"dockerfile": "Dockerfile"}, "features": {"./local-feature": {}}}`
	tests := []struct {
		name        string
		files       map[string]string
		timeout     time.Duration
		wantLine    int
		wantFeature string
		wantMsg     string
		wantTail    string
		wantTimeout bool
	}{
		{
			name: "RUN fails in a multi-stage Dockerfile",
			files: withFiles(localFeature, map[string]string{
				".devcontainer/devcontainer.json": failing,
				".devcontainer/Dockerfile":        "FROM coderready-test/busybox:static AS base\nENV WHO=world\nWORKDIR /work\nRUN echo base\n\nFROM base\nUSER root\nRUN echo one \\\n  && echo about to fail $WHO && false\nRUN echo never\n",
			}),
			wantLine: 8, wantMsg: "exit code: 1", wantTail: "about to fail world",
		},
		{
			name: "RUN fails in a Compose service's Dockerfile",
			files: withFiles(localFeature, map[string]string{
				".devcontainer/devcontainer.json": `{"dockerComposeFile": "compose.yml", "service": "app", "features": {"./local-feature": {}}}`,
				".devcontainer/compose.yml":       "services:\n  app:\n    build: .\n",
				".devcontainer/Dockerfile":        "FROM coderready-test/busybox:static\nRUN echo fine\nRUN echo compose step fails && exit 4\n",
			}),
			wantLine: 3, wantMsg: "exit code: 4", wantTail: "compose step fails",
		},
		{
			name: "feature from a registry",
			files: map[string]string{
				".devcontainer/devcontainer.json": `{"image": "coderready-test/busybox:static", "features": {"ghcr.io/devcontainers/features/git:1": {}}}`,
			},
			wantFeature: "ghcr.io/devcontainers/features/git:1", wantMsg: "feature ghcr.io/devcontainers/features/git:1 could not be fetched: ",
		},
		{
			name: "feature install fails",
			files: map[string]string{
				".devcontainer/devcontainer.json":                        `{"image": "coderready-test/busybox:static", "features": {"./broken": {}}}`,
				".devcontainer/broken/devcontainer-feature.json":         `{"id": "broken", "version": "1.0.0"}`,
				".devcontainer/broken/install.sh":                        "#!/bin/sh\necho feature going down\nexit 3\n",
				".devcontainer/broken/unused/deep/file.txt":              "x",
				".devcontainer/broken/unused/deep/another-file-here.txt": "y",
			},
			wantFeature: "./broken", wantMsg: "feature ./broken could not be installed", wantTail: "feature going down",
		},
		{
			name: "timeout",
			files: withFiles(localFeature, map[string]string{
				".devcontainer/devcontainer.json": failing,
				".devcontainer/Dockerfile":        "FROM coderready-test/busybox:static\nRUN sleep 120\n",
			}),
			// Long enough for the FROM to be done on a busy machine (vfs
			// storage), so the RUN is what the time runs out on.
			timeout: 20 * time.Second, wantLine: 2, wantTimeout: true, wantMsg: "time limit",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 5 * time.Minute
			}
			start := time.Now()
			res, err := d.BuildDevcontainer(ctx, DevcontainerSpec{WorkspaceDir: dir, Network: NetworkHost, Timeout: timeout})
			elapsed := time.Since(start)
			if err == nil {
				_ = d.Remove(ctx, res.Ref)
				t.Fatal("the build succeeded")
			}
			var f *Failure
			if !errors.As(err, &f) {
				t.Fatalf("want a *Failure, got %T %v", err, err)
			}
			t.Logf("failed in %s: %v", elapsed.Round(time.Millisecond), f)
			if f.Line != tt.wantLine || f.Feature != tt.wantFeature || f.Timeout != tt.wantTimeout {
				t.Errorf("line %d feature %q timeout %v, want %d %q %v; log tail:\n%s", f.Line, f.Feature, f.Timeout, tt.wantLine, tt.wantFeature, tt.wantTimeout, f.LogTail)
			}
			if !strings.Contains(f.Message, tt.wantMsg) {
				t.Errorf("message %q lacks %q", f.Message, tt.wantMsg)
			}
			if !strings.Contains(f.LogTail, tt.wantTail) {
				t.Errorf("log tail lacks %q:\n%s", tt.wantTail, f.LogTail)
			}
			if tt.wantTimeout && elapsed > timeout+30*time.Second {
				t.Errorf("the timed-out build took %s", elapsed)
			}
			checkNoFeatureContent(t, d)
		})
	}
}

// TestPrepareWorkspace: what build adds to the copy devcontainer writes
// (devcontainer's TestPrepareCopy and TestPrepareComposeCopy test the copy
// itself). The settings are checked before anything is read; a parsed
// config in the spec is built as given, without reading the file again;
// a spec naming one file and holding another is refused; each Compose copy
// gets a project of its own.
func TestPrepareWorkspace(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		".devcontainer/devcontainer.json":     `{"image": "coderready-test/on-disk:1"}`,
		"app/.devcontainer/devcontainer.json": `{"dockerComposeFile": "compose.yml", "service": "dev"}`,
		"app/.devcontainer/compose.yml":       "services:\n  dev:\n    image: coderready-test/busybox:static\n",
	})
	parsed, err := devcontainer.Parse(".devcontainer/devcontainer.json", []byte(`{"image": "coderready-test/parsed:1"}`))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("settings", func(t *testing.T) {
		for _, tc := range []struct {
			spec DevcontainerSpec
			want string
		}{
			{DevcontainerSpec{Network: "bridge"}, `build network "bridge": want "default", "none" or "host"`},
			{DevcontainerSpec{Network: "host --secret id=k,src=/etc/shadow"}, `build network "host --secret id=k,src=/etc/shadow"`},
			{DevcontainerSpec{Platform: "linux"}, `build platform "linux": want os/arch[/variant]`},
		} {
			tc.spec.WorkspaceDir = filepath.Join(dir, "missing") // never reached: the settings come first
			if _, err := prepareWorkspace(tc.spec, t.TempDir()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%+v: error %v, want %q", tc.spec, err, tc.want)
			}
		}
	})

	t.Run("the parsed config is built, not the file read again", func(t *testing.T) {
		ws, err := prepareWorkspace(DevcontainerSpec{Root: dir, WorkspaceDir: dir, Config: filepath.FromSlash(".devcontainer/devcontainer.json"),
			Devcontainer: parsed, Network: NetworkHost}, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer ws.close()
		cfg, err := os.ReadFile(ws.Config)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(cfg), "--network=host") {
			t.Errorf("the copy lacks the build network:\n%s", cfg)
		}
		// The image became a one-line Dockerfile beside the copy.
		df, err := os.ReadFile(filepath.Join(filepath.Dir(filepath.Dir(ws.Dir)), "image", "Dockerfile"))
		if err != nil || string(df) != "FROM coderready-test/parsed:1\n" {
			t.Errorf("one-line Dockerfile %q, %v: want the parsed config's image, not the file's", df, err)
		}
	})

	t.Run("a spec naming another file", func(t *testing.T) {
		_, err := prepareWorkspace(DevcontainerSpec{WorkspaceDir: dir, Config: filepath.FromSlash("app/.devcontainer/devcontainer.json"), Devcontainer: parsed}, t.TempDir())
		if want := "devcontainer.json: the spec names " + filepath.FromSlash("app/.devcontainer/devcontainer.json") + " but holds .devcontainer/devcontainer.json"; err == nil || err.Error() != want {
			t.Errorf("error %v, want %q", err, want)
		}
	})

	t.Run("each Compose copy is a project of its own", func(t *testing.T) {
		var names []string
		for range 2 {
			ws, err := prepareWorkspace(DevcontainerSpec{Root: dir, WorkspaceDir: filepath.Join(dir, "app")}, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			ws.close()
			if !ws.Compose || !strings.HasPrefix(filepath.Base(ws.Dir), "coderready") {
				t.Errorf("Compose copy %s: want a coderready… project", ws.Dir)
			}
			names = append(names, filepath.Base(ws.Dir))
		}
		if names[0] == names[1] {
			t.Errorf("two copies share the project %s", names[0])
		}
	})
}

// TestBuildKitLogLines maps BuildKit's steps (recorded from docker 20.10
// with the Dev Containers CLI) to Dockerfile lines.
func TestBuildKitLogLines(t *testing.T) {
	src := "FROM coderready-test/busybox:static AS base\nENV FOO=bar\nWORKDIR /work\nARG X=1\nRUN echo $FOO > /etc/foo\nFROM base\nCOPY devcontainer.json /tmp/\nUSER root\nRUN echo one \\\n  && echo about to fail $FOO && false\nRUN echo never\n"
	f, err := dockerfile.Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	log := `[2026-11-29T01:46:41.088Z] #1 [internal] load build definition from Dockerfile-with-features
#5 [base 1/3] FROM docker.io/coderready-test/busybox:static
#6 [base 2/3] WORKDIR /work
[2026-11-29T01:46:41.341Z] #7 [base 3/3] RUN echo bar > /etc/foo
#9 [dev_container_auto_added_stage_label 1/3] COPY devcontainer.json /tmp/
#10 [dev_container_auto_added_stage_label 2/3] RUN echo one   && echo about to fail bar && false
[2026-11-29T01:46:42.398Z] #10 0.392 one
[2026-11-29T01:46:42.424Z] #10 ERROR: executor failed running [/bin/sh -c echo one   && echo about to fail $FOO && false]: exit code: 1
`
	var l bkLog
	for _, chunk := range []string{log[:100], log[100:333], log[333:]} {
		_, _ = l.Write([]byte(chunk))
	}
	want := map[int]int{5: 1, 6: 3, 7: 5, 9: 7, 10: 9}
	for n, line := range want {
		if got := l.vertices[n].lineOf(f); got != line {
			t.Errorf("vertex #%d (%s) → line %d, want %d", n, l.vertices[n].step(), got, line)
		}
	}
	v := l.failedVertex()
	if v == nil || v.lineOf(f) != 9 || !strings.HasSuffix(l.errMsg, "exit code: 1") {
		t.Errorf("failed vertex %+v, message %q", v, l.errMsg)
	}
	if got := v.step(); got != "[dev_container_auto_added_stage_label 2/3] RUN echo one   && echo about to fail bar && false" {
		t.Errorf("step %q", got)
	}
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel+" "+info.ModTime().String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkNoFeatureContent fails when the CLI's feature content image is
// there, looking under the build lock so that no other build is running.
func checkNoFeatureContent(t *testing.T, d *DevcontainerCLI) {
	t.Helper()
	unlock, err := d.lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if d.imageID(context.Background(), featureContentImage) != "" {
		t.Errorf("%s was left behind", featureContentImage)
	}
}
