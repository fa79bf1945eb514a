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
	"github.com/tailscale/hujson"

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

// TestPrepareWorkspace checks the config copy: network and platform in
// build.options, absolute Dockerfile and context, an image turned into a
// Dockerfile, comments kept, local features copied, the user's workspace
// variables kept.
func TestPrepareWorkspace(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		config  string
		spec    DevcontainerSpec
		check   func(t *testing.T, ws *workspace, v hujson.Value, root string)
		wantErr string
	}{
		{
			name: "dockerfile with options",
			files: map[string]string{
				".devcontainer/devcontainer.json":           "{\n  // keep me\n  \"build\": {\"dockerfile\": \"Dockerfile\", \"context\": \"..\", \"options\": [\"--secret\", \"id=k,src=/etc/shadow\", \"--ssh=default\"], \"args\": {\"D\": \"${localWorkspaceFolderBasename}\", \"P\": \"${localEnv:HTTPS_PROXY}\", \"Q\": \"${localEnv:NOPE:fallback}\"}},\n  \"features\": {\"./f\": {}, \"ghcr.io/x/y:1\": {}},\n}\n",
				".devcontainer/f/devcontainer-feature.json": `{"id": "f"}`,
				".devcontainer/f/install.sh":                "true\n",
				".devcontainer/devcontainer-lock.json":      "{}\n",
			},
			spec: DevcontainerSpec{Network: NetworkHost, Platform: "linux/amd64"},
			check: func(t *testing.T, ws *workspace, v hujson.Value, root string) {
				if got := stringAt(&v, "/build/dockerfile"); got != filepath.Join(root, ".devcontainer", "Dockerfile") {
					t.Errorf("dockerfile %q", got)
				}
				if got := stringAt(&v, "/build/context"); got != root {
					t.Errorf("context %q, want %q", got, root)
				}
				if got := strings.TrimSpace(string(v.Find("/build/options").Pack())); got != `["--network=host","--platform=linux/amd64"]` {
					t.Errorf("options %s: the user's own must not be passed on (they reach the server's files)", got)
				}
				if got := stringAt(&v, "/build/args/D"); got != filepath.Base(root) {
					t.Errorf("arg %q, want the user's folder name", got)
				}
				if p, q := stringAt(&v, "/build/args/P"), stringAt(&v, "/build/args/Q"); p != "" || q != "fallback" {
					t.Errorf("${localEnv:…} args %q %q: the server's environment must not reach the build", p, q)
				}
				if !strings.Contains(string(v.Pack()), "// keep me") {
					t.Error("the comment was lost")
				}
				for _, p := range []string{".devcontainer/f/install.sh", ".devcontainer/devcontainer-lock.json"} {
					if _, err := os.Stat(filepath.Join(ws.dir, p)); err != nil {
						t.Errorf("%s not copied: %v", p, err)
					}
				}
				if !slices.Equal(ws.features, []string{"./f", "ghcr.io/x/y:1"}) {
					t.Errorf("features %q", ws.features)
				}
				if filepath.Base(ws.dir) != filepath.Base(root) {
					t.Errorf("workspace copy %s should keep the folder's name %s", ws.dir, filepath.Base(root))
				}
			},
		},
		{
			name: "legacy dockerFile, no network",
			files: map[string]string{
				".devcontainer.json": `{"dockerFile": "docker/Dockerfile", "context": "docker"}`,
			},
			check: func(t *testing.T, ws *workspace, v hujson.Value, root string) {
				if v.Find("/dockerFile") != nil || v.Find("/context") != nil || v.Find("/build/options") != nil {
					t.Errorf("config %s", v.Pack())
				}
				if got := stringAt(&v, "/build/context"); got != filepath.Join(root, "docker") {
					t.Errorf("context %q", got)
				}
				if ws.config != filepath.Join(ws.dir, ".devcontainer.json") {
					t.Errorf("config at %s", ws.config)
				}
			},
		},
		{
			name:  "image",
			files: map[string]string{".devcontainer/devcontainer.json": `{"image": "coderready-test/debian:bookworm", "build": {"options": ["--pull=false"]}}`},
			spec:  DevcontainerSpec{Network: NetworkNone},
			check: func(t *testing.T, ws *workspace, v hujson.Value, _ string) {
				if v.Find("/image") != nil {
					t.Error("image kept")
				}
				b, err := os.ReadFile(stringAt(&v, "/build/dockerfile"))
				if err != nil || string(b) != "FROM coderready-test/debian:bookworm\n" {
					t.Errorf("generated Dockerfile %q %v", b, err)
				}
				if got := strings.TrimSpace(string(v.Find("/build/options").Pack())); got != `["--network=none"]` {
					t.Errorf("options %s", got)
				}
				if ws.dockerfile != "" {
					t.Errorf("no user Dockerfile expected, got %s", ws.dockerfile)
				}
			},
		},
		{
			name:    "dockerfile outside the workspace",
			files:   map[string]string{".devcontainer/devcontainer.json": `{"build": {"dockerfile": "/etc/shadow"}}`},
			wantErr: "the Dockerfile /etc/shadow lies outside the workspace folder",
		},
		{
			name:    "context outside the workspace",
			files:   map[string]string{".devcontainer/devcontainer.json": `{"build": {"dockerfile": "Dockerfile", "context": "../../.."}}`},
			wantErr: "the build context",
		},
		{
			name:    "missing compose file",
			files:   map[string]string{".devcontainer/devcontainer.json": `{"dockerComposeFile": "c.yml", "service": "a"}`},
			wantErr: "compose file c.yml",
		},
		{
			name: "feature outside",
			files: map[string]string{
				"ws/.devcontainer/devcontainer.json": `{"image": "x", "features": {"../../f": {}}}`,
				"f/devcontainer-feature.json":        `{}`,
			},
			wantErr: "outside the workspace",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeFiles(t, tt.files)
			spec := tt.spec
			spec.WorkspaceDir = root
			if strings.HasPrefix(tt.name, "feature outside") {
				spec.WorkspaceDir = filepath.Join(root, "ws")
			}
			ws, err := prepareWorkspace(spec, t.TempDir())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(ws.config)
			if err != nil {
				t.Fatal(err)
			}
			v, err := hujson.Parse(b)
			if err != nil {
				t.Fatalf("the copy does not parse: %v\n%s", err, b)
			}
			tt.check(t, ws, v, root)
		})
	}
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

// TestPrepareComposeWorkspace checks the Compose file copies: contexts and
// env files point at the user's folder, the service gets the build network
// and platform, an image-only service is built from a one-line Dockerfile
// when a network must be set, .env is copied, the copy's folder name is
// unique, and bad setups are refused.
func TestPrepareComposeWorkspace(t *testing.T) {
	dir := writeFiles(t, withFiles(localFeature, map[string]string{
		".devcontainer/devcontainer.json":    `{"dockerComposeFile": ["compose.yml", "compose.override.yml"], "service": "dev", "initializeCommand": "touch /tmp/x", "features": {"./local-feature": {}}}`,
		".devcontainer/compose.yml":          "# the app\nservices:\n  dev:\n    build:\n      context: ..\n      dockerfile: .devcontainer/Dockerfile\n      network: host\n      ssh: [default]\n      secrets: [k]\n      additional_contexts: {root: /}\n      cache_to: [type=local,dest=/]\n    env_file: [dev.env, {path: opt.env, required: false}]\n  cache:\n    image: coderready-test/busybox:static\n    build: ./cache\n",
		".devcontainer/compose.override.yml": "services:\n  dev:\n    environment: [A=1]\n",
		".devcontainer/.env":                 "X=1\n",
		".devcontainer/Dockerfile":           "FROM scratch\n",
	}))
	tmp := t.TempDir()
	ws, err := prepareWorkspace(DevcontainerSpec{WorkspaceDir: dir, Network: NetworkHost, Platform: "linux/amd64"}, tmp)
	if err != nil {
		t.Fatal(err)
	}
	if !ws.compose || ws.service != "dev" || !strings.HasPrefix(filepath.Base(ws.dir), "coderready") {
		t.Errorf("workspace %+v", ws)
	}
	if cfg, _ := os.ReadFile(ws.config); strings.Contains(string(cfg), "initializeCommand") {
		t.Errorf("the copy keeps initializeCommand, which runs on the host:\n%s", cfg)
	}
	if ws.context != dir || ws.dockerfile != filepath.Join(dir, ".devcontainer", "Dockerfile") {
		t.Errorf("context %q dockerfile %q", ws.context, ws.dockerfile)
	}
	b, err := os.ReadFile(filepath.Join(ws.dir, ".devcontainer", "compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{
		"context: " + dir + "\n", "network: host", "platform: linux/amd64",
		"[" + filepath.Join(dir, ".devcontainer", "dev.env") + ", ", "path: " + filepath.Join(dir, ".devcontainer", "opt.env"),
		"context: " + filepath.Join(dir, ".devcontainer", "cache"), "# the app",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("compose.yml copy lacks %q:\n%s", want, got)
		}
	}
	for _, k := range []string{"ssh:", "secrets:", "additional_contexts:", "cache_to:"} {
		if strings.Contains(got, k) {
			t.Errorf("compose.yml copy keeps %s:\n%s", k, got)
		}
	}
	if strings.Count(got, "network: host") != 1 {
		t.Errorf("only the devcontainer's service gets the build network:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(ws.dir, ".devcontainer", "compose.override.yml")); err != nil {
		t.Errorf("override copy: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(ws.dir, ".devcontainer", ".env")); err != nil || string(b) != "X=1\n" {
		t.Errorf(".env copy %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(ws.dir, ".devcontainer", "local-feature", "install.sh")); err != nil {
		t.Errorf("local feature copy: %v", err)
	}

	// An image-only service, with a network to set.
	dir2 := writeFiles(t, map[string]string{
		".devcontainer/devcontainer.json": `{"dockerComposeFile": "compose.yml", "service": "dev"}`,
		".devcontainer/compose.yml":       "services:\n  dev:\n    image: coderready-test/busybox:static\n",
	})
	ws2, err := prepareWorkspace(DevcontainerSpec{WorkspaceDir: dir2, Network: NetworkNone}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(filepath.Join(ws2.dir, ".devcontainer", "compose.yml"))
	if strings.Contains(string(b), "image:") || !strings.Contains(string(b), "network: none") {
		t.Errorf("image-only service copy:\n%s", b)
	}
	if df, err := os.ReadFile(ws2.dockerfile); err != nil || string(df) != "FROM coderready-test/busybox:static\n" {
		t.Errorf("one-line Dockerfile %q, %v", df, err)
	}
	// With the default network it is left an image.
	ws3, err := prepareWorkspace(DevcontainerSpec{WorkspaceDir: dir2}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(ws3.dir, ".devcontainer", "compose.yml")); !strings.Contains(string(b), "image: coderready-test/busybox:static") || ws3.dockerfile != "" {
		t.Errorf("default network: copy\n%s\ndockerfile %q", b, ws3.dockerfile)
	}

	for name, files := range map[string]map[string]string{
		"service not defined": {
			".devcontainer/devcontainer.json": `{"dockerComposeFile": "compose.yml", "service": "api"}`,
			".devcontainer/compose.yml":       "services:\n  dev:\n    image: x\n",
		},
		"compose file outside": {
			".devcontainer/devcontainer.json": `{"dockerComposeFile": "../../elsewhere.yml", "service": "dev"}`,
		},
		"no service": {
			".devcontainer/devcontainer.json": `{"dockerComposeFile": "compose.yml"}`,
			".devcontainer/compose.yml":       "services: {}\n",
		},
		"context outside": {
			".devcontainer/devcontainer.json": `{"dockerComposeFile": "compose.yml", "service": "dev"}`,
			".devcontainer/compose.yml":       "services:\n  dev:\n    build: /\n",
		},
		"dockerfile outside": {
			".devcontainer/devcontainer.json": `{"dockerComposeFile": "compose.yml", "service": "dev"}`,
			".devcontainer/compose.yml":       "services:\n  dev:\n    build:\n      context: .\n      dockerfile: ../../../../etc/shadow\n",
		},
		"env file outside, another service": {
			".devcontainer/devcontainer.json": `{"dockerComposeFile": "compose.yml", "service": "dev"}`,
			".devcontainer/compose.yml":       "services:\n  dev:\n    build: .\n  db:\n    image: x\n    env_file: /root/.env\n",
		},
		"extends a file": {
			".devcontainer/devcontainer.json": `{"dockerComposeFile": "compose.yml", "service": "dev"}`,
			".devcontainer/compose.yml":       "services:\n  dev:\n    extends: {file: /etc/compose.yml, service: x}\n",
		},
		"bad YAML": {
			".devcontainer/devcontainer.json": `{"dockerComposeFile": "compose.yml", "service": "dev"}`,
			".devcontainer/compose.yml":       "services: [\n",
		},
	} {
		if _, err := prepareWorkspace(DevcontainerSpec{WorkspaceDir: writeFiles(t, files)}, t.TempDir()); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
