package devcontainer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tailscale/hujson"

	"github.com/coderready/coderready/internal/rootfs"
)

// The workspace copy the Dev Containers CLI builds from (PrepareCopy),
// and its hardening: these tests moved here from build with the code.

// prepare loads the devcontainer.json of the workspace folder ws beneath
// root and writes its copy into a temporary folder, as build does.
func prepare(t *testing.T, root, ws string, opts CopyOptions) (*Copy, error) {
	t.Helper()
	r, err := rootfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	cfg, err := Load(r, ws, "")
	if err != nil {
		return nil, err
	}
	opts.Workspace = ws
	opts.Dir = t.TempDir()
	if opts.ProjectName == "" {
		opts.ProjectName = "coderreadytest"
	}
	return PrepareCopy(r, cfg, opts)
}

// writeFiles writes files (slash path → content) under a new temporary
// folder and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// linkedRepo writes files under top/repo beside top/secret/key.pem and
// makes links (path → target, $SECRET for top/secret) in the repository;
// it returns the repository's folder.
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

// localFeature is a Dev Container feature folder.
var localFeature = map[string]string{
	".devcontainer/local-feature/devcontainer-feature.json": `{"id": "local-feature", "version": "1.0.0"}`,
	".devcontainer/local-feature/install.sh":                "#!/bin/sh\ntrue\n",
}

func withFiles(base, more map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// TestPrepareCopy checks the config copy: network and platform in
// build.options, absolute Dockerfile and context, an image turned into a
// Dockerfile, comments kept, local features copied, the user's workspace
// variables kept.
func TestPrepareCopy(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		config  string
		opts    CopyOptions
		check   func(t *testing.T, ws *Copy, v hujson.Value, root string)
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
			opts: CopyOptions{Network: "host", Platform: "linux/amd64"},
			check: func(t *testing.T, ws *Copy, v hujson.Value, root string) {
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
					if _, err := os.Stat(filepath.Join(ws.Dir, p)); err != nil {
						t.Errorf("%s not copied: %v", p, err)
					}
				}
				if !slices.Equal(ws.Features, []string{"./f", "ghcr.io/x/y:1"}) {
					t.Errorf("features %q", ws.Features)
				}
				if filepath.Base(ws.Dir) != filepath.Base(root) {
					t.Errorf("workspace copy %s should keep the folder's name %s", ws.Dir, filepath.Base(root))
				}
			},
		},
		{
			name: "legacy dockerFile, no network",
			files: map[string]string{
				".devcontainer.json": `{"dockerFile": "docker/Dockerfile", "context": "docker"}`,
			},
			check: func(t *testing.T, ws *Copy, v hujson.Value, root string) {
				if v.Find("/dockerFile") != nil || v.Find("/context") != nil || v.Find("/build/options") != nil {
					t.Errorf("config %s", v.Pack())
				}
				if got := stringAt(&v, "/build/context"); got != filepath.Join(root, "docker") {
					t.Errorf("context %q", got)
				}
				if ws.Config != filepath.Join(ws.Dir, ".devcontainer.json") {
					t.Errorf("config at %s", ws.Config)
				}
			},
		},
		{
			name:  "image",
			files: map[string]string{".devcontainer/devcontainer.json": `{"image": "coderready-test/debian:bookworm", "build": {"options": ["--pull=false"]}}`},
			opts:  CopyOptions{Network: "none"},
			check: func(t *testing.T, ws *Copy, v hujson.Value, _ string) {
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
				if ws.Dockerfile != "" {
					t.Errorf("no user Dockerfile expected, got %s", ws.Dockerfile)
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
			wsDir := root
			if strings.HasPrefix(tt.name, "feature outside") {
				wsDir = filepath.Join(root, "ws")
			}
			ws, err := prepare(t, wsDir, wsDir, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(ws.Config)
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

// TestPrepareComposeCopy checks the Compose file copies: contexts and
// env files point at the user's folder, the service gets the build network
// and platform, an image-only service is built from a one-line Dockerfile
// when a network must be set, .env is copied, the copy's folder is
// named after the project, and bad setups are refused.
func TestPrepareComposeCopy(t *testing.T) {
	dir := writeFiles(t, withFiles(localFeature, map[string]string{
		".devcontainer/devcontainer.json":    `{"dockerComposeFile": ["compose.yml", "compose.override.yml"], "service": "dev", "initializeCommand": "touch /tmp/x", "features": {"./local-feature": {}}}`,
		".devcontainer/compose.yml":          "# the app\nservices:\n  dev:\n    build:\n      context: ..\n      dockerfile: .devcontainer/Dockerfile\n      network: host\n      ssh: [default]\n      secrets: [k]\n      additional_contexts: {root: /}\n      cache_to: [type=local,dest=/]\n    env_file: [dev.env, {path: opt.env, required: false}]\n  cache:\n    image: coderready-test/busybox:static\n    build: ./cache\n",
		".devcontainer/compose.override.yml": "services:\n  dev:\n    environment: [A=1]\n",
		".devcontainer/.env":                 "X=1\n",
		".devcontainer/Dockerfile":           "FROM scratch\n",
	}))
	ws, err := prepare(t, dir, dir, CopyOptions{Network: "host", Platform: "linux/amd64", ProjectName: "coderready0a1b2c"})
	if err != nil {
		t.Fatal(err)
	}
	if !ws.Compose || ws.Service != "dev" || filepath.Base(ws.Dir) != "coderready0a1b2c" {
		t.Errorf("workspace %+v", ws)
	}
	if cfg, _ := os.ReadFile(ws.Config); strings.Contains(string(cfg), "initializeCommand") {
		t.Errorf("the copy keeps initializeCommand, which runs on the host:\n%s", cfg)
	}
	if ws.Context != dir || ws.Dockerfile != filepath.Join(dir, ".devcontainer", "Dockerfile") {
		t.Errorf("context %q dockerfile %q", ws.Context, ws.Dockerfile)
	}
	b, err := os.ReadFile(filepath.Join(ws.Dir, ".devcontainer", "compose.yml"))
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
	if _, err := os.Stat(filepath.Join(ws.Dir, ".devcontainer", "compose.override.yml")); err != nil {
		t.Errorf("override copy: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(ws.Dir, ".devcontainer", ".env")); err != nil || string(b) != "X=1\n" {
		t.Errorf(".env copy %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(ws.Dir, ".devcontainer", "local-feature", "install.sh")); err != nil {
		t.Errorf("local feature copy: %v", err)
	}

	// An image-only service, with a network to set.
	dir2 := writeFiles(t, map[string]string{
		".devcontainer/devcontainer.json": `{"dockerComposeFile": "compose.yml", "service": "dev"}`,
		".devcontainer/compose.yml":       "services:\n  dev:\n    image: coderready-test/busybox:static\n",
	})
	ws2, err := prepare(t, dir2, dir2, CopyOptions{Network: "none"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(filepath.Join(ws2.Dir, ".devcontainer", "compose.yml"))
	if strings.Contains(string(b), "image:") || !strings.Contains(string(b), "network: none") {
		t.Errorf("image-only service copy:\n%s", b)
	}
	if df, err := os.ReadFile(ws2.Dockerfile); err != nil || string(df) != "FROM coderready-test/busybox:static\n" {
		t.Errorf("one-line Dockerfile %q, %v", df, err)
	}
	// With the default network it is left an image.
	ws3, err := prepare(t, dir2, dir2, CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(ws3.Dir, ".devcontainer", "compose.yml")); !strings.Contains(string(b), "image: coderready-test/busybox:static") || ws3.Dockerfile != "" {
		t.Errorf("default network: copy\n%s\ndockerfile %q", b, ws3.Dockerfile)
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
		dir := writeFiles(t, files)
		if _, err := prepare(t, dir, dir, CopyOptions{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestPrepareCopyStaysInside: the Dev Containers CLI's copy reads
// nothing that a link leads out of the repository, and hands the CLI and
// Compose only paths that resolve inside it.
func TestPrepareCopyStaysInside(t *testing.T) {
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
			if _, err := prepare(t, repo, repo, CopyOptions{}); err == nil {
				t.Fatal("no error")
			} else if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "resolves outside the repository: not read") {
				t.Fatalf("err = %q, want it to say %q … resolves outside the repository: not read", err, tc.want)
			} else if strings.Contains(err.Error(), "PRIVATE") {
				t.Fatal("the error quotes the file outside")
			}
		})
	}
}

// TestPrepareCopyResolvesLinksInside: paths handed to the CLI have
// their in-repository links resolved, so the CLI is not led by them.
func TestPrepareCopyResolvesLinksInside(t *testing.T) {
	repo := linkedRepo(t, map[string]string{
		".devcontainer/devcontainer.json": `{"build": {"dockerfile": "../app/Dockerfile", "context": "../app"}}`,
		"src/Dockerfile":                  "FROM x\n",
	}, map[string]string{"app": "src"})
	ws, err := prepare(t, repo, repo, CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(filepath.Join(repo, "src"))
	if ws.Context != real || ws.Dockerfile != filepath.Join(real, "Dockerfile") {
		t.Fatalf("context %s, dockerfile %s; want both under %s", ws.Context, ws.Dockerfile, real)
	}
}

// TestPrepareCopySubstitutes: the workspace variables become the user's
// folder and ${localEnv:…} its default or nothing, in property names as in
// values, on the strings' decoded values: a variable spelt with JSON
// escapes (\u0024{localEnv:…}, which the CLI decodes and substitutes) is
// caught too, and a folder name with a quote stays one string. The parsed
// config the scan goes on checking is left as it was.
func TestPrepareCopySubstitutes(t *testing.T) {
	t.Setenv("CODERREADY_TEST_SECRET", "s3cret")
	top := t.TempDir()
	ws := filepath.Join(top, `we"ird`)
	src := `{
  // initializeCommand runs on the host: not carried
  "initializeCommand": "curl ${localEnv:CODERREADY_TEST_SECRET}",
  "image": "x",
  "containerEnv": {
    "${localEnv:CODERREADY_TEST_SECRET:K}": "${localEnv:CODERREADY_TEST_SECRET}",
    "W": "${localWorkspaceFolder}",
    "B": "${localWorkspaceFolderBasename}",
    "E": "\u0024{localEnv:CODERREADY_TEST_SECRET}",
    "F": "$\u007blocalEnv:CODERREADY_TEST_SECRET:fallback}"
  }
}`
	if err := os.MkdirAll(filepath.Join(ws, ".devcontainer"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, ".devcontainer", "devcontainer.json"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := rootfs.Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	cfg, err := Load(r, ws, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := PrepareCopy(r, cfg, CopyOptions{Workspace: ws, Dir: t.TempDir(), Network: "host"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "s3cret") {
		t.Errorf("the server's environment reached the copy:\n%s", b)
	}
	v, err := hujson.Parse(b)
	if err != nil {
		t.Fatalf("the copy does not parse: %v\n%s", err, b)
	}
	for ptr, want := range map[string]string{"/containerEnv/K": "", "/containerEnv/W": ws, "/containerEnv/B": `we"ird`,
		"/containerEnv/E": "", "/containerEnv/F": "fallback"} {
		if got := stringAt(&v, ptr); got != want {
			t.Errorf("%s = %q, want %q", ptr, got, want)
		}
	}
	if v.Find("/initializeCommand") != nil {
		t.Errorf("the copy keeps initializeCommand:\n%s", b)
	}
	if got := string(cfg.Root.Pack()); got != src {
		t.Errorf("PrepareCopy changed the parsed config:\n%s", got)
	}
	if !cfg.Has("/initializeCommand") || cfg.Has("/build/options") {
		t.Error("PrepareCopy changed the parsed config's index")
	}
}

// TestPrepareCopyRefusesSettings: a network or platform that could smuggle
// a build option is refused, whatever the caller checked.
func TestPrepareCopyRefusesSettings(t *testing.T) {
	dir := writeFiles(t, map[string]string{".devcontainer/devcontainer.json": `{"image": "x"}`})
	for _, opts := range []CopyOptions{
		{Network: "host --secret=id=k,src=/etc/shadow"},
		{Network: "default"},
		{Platform: "linux/amd64 --ssh=default"},
	} {
		_, err := prepare(t, dir, dir, opts)
		if err == nil || !strings.Contains(err.Error(), "build ") {
			t.Errorf("%+v: error %v, want the setting refused", opts, err)
		}
	}
}

// TestPrepareComposeCopyKeepsServerEnvOut: Compose would fill `${VAR}` and
// value-less build arguments from its own environment, the build
// server's. The copy is interpolated from the project's .env alone, `$`
// left over is escaped, and value-less arguments are dropped, so a pull
// request cannot read the server's proxy credentials into its build.
func TestPrepareComposeCopyKeepsServerEnvOut(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://user:s3cret@proxy:3128")
	dir := writeFiles(t, map[string]string{
		".devcontainer/devcontainer.json": `{"dockerComposeFile": "compose.yml", "service": "dev"}`,
		".devcontainer/.env":              "TAG=1.2\nPORT=3000\nNULLISH=null\n",
		".devcontainer/compose.yml": "services:\n  dev:\n    image: app:${TAG}\n    build:\n      context: .\n      args:\n" +
			"        P: ${HTTPS_PROXY}\n        Q: ${HTTPS_PROXY:-none}\n        R: $$HOME\n        N: ${NULLISH}\n        HTTPS_PROXY:\n        T: ~\n" +
			"    ports: [\"${PORT}:80\"]\n  db:\n    image: x\n    build:\n      context: .\n      args: [HTTPS_PROXY, \"K=$${HTTPS_PROXY}\"]\n",
	})
	c, err := prepare(t, dir, dir, CopyOptions{Network: "host"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(c.Dir, ".devcontainer", "compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	if strings.Contains(got, "s3cret") {
		t.Fatalf("the server's environment reached the copy:\n%s", got)
	}
	for _, want := range []string{
		"image: app:1.2", `P: ""`, "Q: none", "R: $$HOME", `N: "null"`, `"3000:80"`, "K=$${HTTPS_PROXY}",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("compose.yml copy lacks %q:\n%s", want, got)
		}
	}
	for _, gone := range []string{"HTTPS_PROXY:", "T:", "- HTTPS_PROXY\n", "${HTTPS_PROXY}\n", "${PORT}"} {
		if strings.Contains(got, gone) {
			t.Errorf("compose.yml copy keeps %q, which Compose fills from its environment:\n%s", gone, got)
		}
	}
}
