package scan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/internal/testenv"
)

// devcontainerCLI returns the Dev Containers CLI builder
// (testenv.RequireDevcontainerCLI).
func devcontainerCLI(t *testing.T) *build.DevcontainerCLI {
	t.Helper()
	testenv.RequireDevcontainerCLI(t)
	cli, err := build.NewDevcontainerCLI(context.Background())
	if err != nil {
		t.Fatalf("Dev Containers CLI: %v", err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

// localFeature writes /etc/local-feature-installed and adds a user.
var localFeature = map[string]string{
	"devcontainer-feature.json": `{"id": "local-feature", "version": "1.0.0", "name": "Local feature", "options": {"greeting": {"type": "string", "default": "hello"}}}`,
	"install.sh":                "#!/bin/sh\nset -e\necho \"$GREETING\" > /etc/local-feature-installed\necho 'feature:x:1234:1234::/tmp:/bin/sh' >> /etc/passwd\n",
}

// withFeature adds the local feature under dir.
func withFeature(files map[string]string, dir string) map[string]string {
	for name, content := range localFeature {
		files[dir+"/"+name] = content
	}
	return files
}

// busyboxUser makes a non-root user on the busybox image.
const busyboxUser = "RUN echo 'coder:x:1000:1000::/tmp:/bin/sh' >> /etc/passwd\nUSER coder\n"

// TestBuildDevcontainers builds every kind of devcontainer.json in the
// engine, through the build path each needs, and checks the built image.
func TestBuildDevcontainers(t *testing.T) {
	bases := engineBases(t)
	cli := devcontainerCLI(t)
	b := EngineBuilder(context.Background(), "")
	if b == nil {
		t.Fatal("the engine answered for images but not for builds")
	}
	defer func() { _ = b.Close() }()
	root := writeTree(t, withFeature(withFeature(withFeature(map[string]string{
		// build.dockerfile, no features: the Docker builder.
		"docker/.devcontainer/devcontainer.json": `{"build": {"dockerfile": "Dockerfile", "args": {"WHO": "docker"}}}`,
		"docker/.devcontainer/Dockerfile":        "FROM coderready-test/busybox:static\nARG WHO\nRUN echo $WHO > /etc/built-by\n" + busyboxUser,
		// A local feature: the Dev Containers CLI.
		"feature/.devcontainer/devcontainer.json": "{\n  \"build\": {\"dockerfile\": \"Dockerfile\"},\n  \"features\": {\n    \"./local-feature\": {\"greeting\": \"hi\"}\n  }\n}\n",
		"feature/.devcontainer/Dockerfile":        "FROM coderready-test/busybox:static\n" + busyboxUser,
		// A feature from a registry, which cannot be fetched here.
		"oci/.devcontainer/devcontainer.json": "{\n  \"image\": \"coderready-test/busybox:static\",\n  \"features\": {\n    \"ghcr.io/devcontainers/features/git:1\": {}\n  }\n}\n",
		// A failing RUN, with the Docker builder and with the CLI.
		"fail-docker/.devcontainer/devcontainer.json":  `{"build": {"dockerfile": "Dockerfile"}}`,
		"fail-docker/.devcontainer/Dockerfile":         "FROM coderready-test/busybox:static\nRUN true\nRUN echo about to fail && false\n",
		"fail-feature/.devcontainer/devcontainer.json": `{"build": {"dockerfile": "Dockerfile"}, "features": {"./local-feature": {}}}`,
		"fail-feature/.devcontainer/Dockerfile":        "FROM coderready-test/busybox:static\nRUN true\nRUN echo about to fail && false\n",
		// Compose: a built service and an image service.
		"compose/.devcontainer/devcontainer.json":       `{"dockerComposeFile": ["../docker-compose.yml"], "service": "dev", "workspaceFolder": "/src"}`,
		"compose/docker-compose.yml":                    "services:\n  dev:\n    build:\n      context: .\n      dockerfile: docker/dev.Dockerfile\n      args:\n        WHO: ${WHO:-compose}\n  db:\n    image: postgres:16\n",
		"compose/docker/dev.Dockerfile":                 "FROM coderready-test/busybox:static\nARG WHO\nRUN echo $WHO > /etc/built-by\n" + busyboxUser,
		"compose-image/.devcontainer/devcontainer.json": `{"dockerComposeFile": "compose.yml", "service": "app"}`,
		"compose-image/.devcontainer/compose.yml":       "services:\n  app:\n    image: coderready-test/busybox:static-nonroot\n",
		// A Compose service with a feature: the CLI, through Compose.
		"compose-feature/.devcontainer/devcontainer.json": "{\n  \"dockerComposeFile\": \"compose.yml\",\n  \"service\": \"dev\",\n  \"features\": {\"./local-feature\": {}}\n}\n",
		"compose-feature/.devcontainer/compose.yml":       "services:\n  dev:\n    build: .\n",
		"compose-feature/.devcontainer/Dockerfile":        "FROM coderready-test/busybox:static\nRUN echo compose > /etc/built-by\n" + busyboxUser,
	}, "feature/.devcontainer/local-feature"), "fail-feature/.devcontainer/local-feature"), "compose-feature/.devcontainer/local-feature"))

	var mu sync.Mutex
	stages := map[string][]string{}
	start := time.Now()
	rep, err := Run(context.Background(), root, Options{
		Config: checks.DefaultConfig(), Bases: bases, Builder: b, DevcontainerBuilder: cli, Build: build.Settings{Network: build.NetworkHost},
		Progress: func(target, stage string) {
			mu.Lock()
			defer mu.Unlock()
			stages[target] = append(stages[target], stage)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("scan of %d targets in %s", len(rep.Targets), time.Since(start).Round(time.Millisecond))
	got := map[string]TargetReport{}
	for _, tr := range rep.Targets {
		rel := strings.TrimPrefix(tr.Path, root+"/")
		got[strings.SplitN(rel, "/", 2)[0]] = tr
		t.Logf("%s: build %+v", rel, *tr.Build)
	}
	find := func(dir, id string) *checks.Finding {
		for i, f := range got[dir].Findings {
			if f.RuleID == id {
				return &got[dir].Findings[i]
			}
		}
		return nil
	}
	hasFile := func(dir, p string) bool {
		f := got[dir].Facts
		if f == nil {
			return false
		}
		_, ok := f.Stat(p)
		return ok
	}

	tests := []struct {
		dir      string
		path     string
		files    []string // in the image read
		noFacts  bool
		cr300    string // substring of the CR300 message ("" for none)
		cr300At  string // path suffix:line of the CR300 finding
		cr300Log string
	}{
		{dir: "docker", path: BuildPathDocker, files: []string{"/etc/built-by"}},
		{dir: "feature", path: BuildPathDevcontainerCLI, files: []string{"/etc/local-feature-installed"}},
		{dir: "oci", path: BuildPathDevcontainerCLI, cr300: "feature ghcr.io/devcontainers/features/git:1 could not be fetched: ", cr300At: "oci/.devcontainer/devcontainer.json:4"},
		{dir: "fail-docker", path: BuildPathDocker, cr300: "the image does not build", cr300At: "fail-docker/.devcontainer/Dockerfile:3", cr300Log: "about to fail"},
		{dir: "fail-feature", path: BuildPathDevcontainerCLI, cr300: "the image does not build", cr300At: "fail-feature/.devcontainer/Dockerfile:3", cr300Log: "about to fail"},
		{dir: "compose", path: BuildPathCompose, files: []string{"/etc/built-by"}},
		{dir: "compose-image", path: BuildPathImage, files: []string{"/bin/busybox"}},
		{dir: "compose-feature", path: BuildPathDevcontainerCLI, files: []string{"/etc/built-by", "/etc/local-feature-installed"}},
	}
	for _, tt := range tests {
		tr, ok := got[tt.dir]
		if !ok {
			t.Errorf("%s: not checked", tt.dir)
			continue
		}
		if tr.Build == nil || tr.Build.Path != tt.path {
			t.Errorf("%s: build %+v, want path %s", tt.dir, tr.Build, tt.path)
		}
		if tt.path != BuildPathImage && (tr.Build == nil || tr.Build.Seconds <= 0) {
			t.Errorf("%s: no build duration: %+v", tt.dir, tr.Build)
		}
		for _, p := range tt.files {
			if !hasFile(tt.dir, p) {
				t.Errorf("%s: the image read lacks %s (facts %v)", tt.dir, p, tr.Facts != nil)
			}
		}
		f := find(tt.dir, "CR300")
		switch {
		case tt.cr300 == "" && f != nil:
			t.Errorf("%s: unexpected CR300 %s at %+v\n%s", tt.dir, f.Message, f.Location, f.Details)
		case tt.cr300 != "" && f == nil:
			t.Errorf("%s: no CR300; findings %+v", tt.dir, tr.Findings)
		case tt.cr300 != "":
			at := strings.TrimPrefix(f.Location.Path, root+"/") + ":" + strconv.Itoa(f.Location.StartLine)
			if !strings.Contains(f.Message, tt.cr300) || at != tt.cr300At || f.Severity != checks.SeverityError || !strings.Contains(f.Details, tt.cr300Log) {
				t.Errorf("%s: CR300 %q at %s (%s), want %q at %s with %q in\n%s", tt.dir, f.Message, at, f.Severity, tt.cr300, tt.cr300At, tt.cr300Log, f.Details)
			}
		}
		if s := stages[strings.TrimPrefix(tr.Path, root+"/")]; len(s) < 3 || s[0] != "planning" || s[len(s)-1] != "done" {
			t.Errorf("%s: stages %q", tt.dir, s)
		}
	}
	// The feature's option and user are in the image the CLI built.
	if tr := got["feature"]; tr.Facts != nil {
		var user bool
		for _, u := range tr.Facts.Users {
			user = user || u.Name == "feature"
		}
		if !user {
			t.Errorf("feature: the feature's user is not in the image: %+v", tr.Facts.Users)
		}
		if tr.Image == nil || !strings.Contains(tr.Image.Ref, "built") {
			t.Errorf("feature: summary %+v", tr.Image)
		}
	}
	if tr := got["compose"]; tr.Dockerfile == "" || !strings.HasSuffix(tr.Dockerfile, "compose/docker/dev.Dockerfile") {
		t.Errorf("compose: the service's Dockerfile should be the target's: %q", tr.Dockerfile)
	}
	// Busybox images pass the agent download rule after the build.
	for _, dir := range []string{"docker", "feature", "compose"} {
		if f := find(dir, "CR301"); f != nil {
			t.Errorf("%s: CR301 on a busybox image: %s", dir, f.Message)
		}
	}
}

// TestFeaturesNotApplied: a config with features built without the CLI
// says so, on its `features` line, and the image is built without them.
func TestFeaturesNotApplied(t *testing.T) {
	bases := engineBases(t)
	b := EngineBuilder(context.Background(), "")
	if b == nil {
		t.Fatal("the engine answered for images but not for builds")
	}
	defer func() { _ = b.Close() }()
	root := writeTree(t, withFeature(map[string]string{
		".devcontainer/devcontainer.json": "{\n  \"build\": {\"dockerfile\": \"Dockerfile\"},\n  \"features\": {\"./local-feature\": {}}\n}\n",
		".devcontainer/Dockerfile":        "FROM coderready-test/busybox:static\n" + busyboxUser,
	}, ".devcontainer/local-feature"))
	tests := []struct {
		name      string
		buildWith string
		noCLI     bool
		want      string
	}{
		{"--builder docker", BuildWithDocker, false, "built with the Docker builder, --builder docker"},
		{"no CLI installed", BuildWithAuto, true, "the Dev Containers CLI is not installed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.noCLI {
				t.Setenv("PATH", t.TempDir())
			}
			rep, err := Run(context.Background(), root, Options{Config: checks.DefaultConfig(), Bases: bases, Builder: b, Build: build.Settings{Network: build.NetworkHost}, BuildWith: tt.buildWith})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Targets) != 1 {
				t.Fatalf("targets %+v", rep.Targets)
			}
			tr := rep.Targets[0]
			if tr.Build == nil || tr.Build.Path != BuildPathDocker || tr.Facts == nil {
				t.Errorf("build %+v facts %v: want the Docker build read", tr.Build, tr.Facts != nil)
			}
			if tr.Facts != nil {
				if _, ok := tr.Facts.Stat("/etc/local-feature-installed"); ok {
					t.Error("the feature was applied")
				}
			}
			var note *checks.Finding
			for i, f := range tr.Findings {
				if f.RuleID == "CR300" {
					note = &tr.Findings[i]
				}
			}
			if note == nil || note.Severity != checks.SeverityWarning || note.Location.StartLine != 3 ||
				!strings.Contains(note.Message, "features were not applied") || !strings.Contains(note.Message, tt.want) {
				t.Errorf("want a CR300 warning on line 3 saying %q, got %+v", tt.want, note)
			}
		})
	}
	// --builder devcontainer-cli without the CLI is an error, not a silent fallback.
	t.Setenv("PATH", t.TempDir())
	_, err := Run(context.Background(), root, Options{Config: checks.DefaultConfig(), Bases: bases, Builder: b, BuildWith: BuildWithDevcontainerCLI})
	if !errors.Is(err, build.ErrNoDevcontainerCLI) {
		t.Errorf("--builder devcontainer-cli without the CLI: %v", err)
	}
}

// TestComposeServiceImagePinned: the image of the Compose service a
// config runs reaches CR217, named with its Compose file; a service that
// is built does not.
func TestComposeServiceImagePinned(t *testing.T) {
	root := writeTree(t, map[string]string{
		".devcontainer/devcontainer.json":       "{\n  \"dockerComposeFile\": \"compose.yml\",\n  \"service\": \"app\",\n  \"remoteUser\": \"dev\"\n}\n",
		".devcontainer/compose.yml":             "services:\n  app:\n    image: docker.io/frappe/bench:latest\n  db:\n    image: postgres:latest\n",
		"built/.devcontainer/devcontainer.json": "{\"dockerComposeFile\": \"compose.yml\", \"service\": \"app\", \"remoteUser\": \"dev\"}\n",
		"built/.devcontainer/compose.yml":       "services:\n  app:\n    image: app:latest\n    build: .\n",
		"built/.devcontainer/Dockerfile":        "FROM debian:12\n",
	})
	got := offlineFindings(t, root, "CR217")
	want := []string{".devcontainer/devcontainer.json:3 the Compose service `app` (.devcontainer/compose.yml): `docker.io/frappe/bench:latest` uses the `latest` tag, which changes over time"}
	if !slices.Equal(got, want) {
		t.Errorf("CR217:\n%q\nwant\n%q", got, want)
	}
}

// TestComposeServicePrivileges: a Compose Dev Container's service asks for
// privileges in its Compose files (merged across them), and CR206 says so
// on the Compose file's lines.
func TestComposeServicePrivileges(t *testing.T) {
	root := writeTree(t, map[string]string{
		".devcontainer/devcontainer.json":       "{\"dockerComposeFile\": [\"compose.yml\", \"compose.debug.yml\"], \"service\": \"app\", \"remoteUser\": \"dev\"}\n",
		".devcontainer/compose.yml":             "services:\n  app:\n    image: debian:12\n    cap_add:\n      - SYS_PTRACE\n    security_opt:\n      - seccomp:unconfined\n  db:\n    image: postgres:16\n    privileged: true\n",
		".devcontainer/compose.debug.yml":       "services:\n  app:\n    privileged: true\n    devices:\n      - /dev/ttyS0:/dev/ttyS0\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - driver: nvidia\n              count: all\n              capabilities: [gpu]\n",
		"plain/.devcontainer/devcontainer.json": "{\"dockerComposeFile\": \"compose.yml\", \"service\": \"app\", \"remoteUser\": \"dev\"}\n",
		"plain/.devcontainer/compose.yml":       "services:\n  app:\n    image: debian:12\n",
	})
	got := offlineFindings(t, root, "CR206")
	want := []string{
		".devcontainer/compose.debug.yml:12 the Compose service `app` sets a GPU reservation (`deploy.resources.reservations.devices` with `capabilities: [gpu]`, Compose's `--gpus`): Coder workspaces usually cannot grant it",
		".devcontainer/compose.debug.yml:3 the Compose service `app` sets `privileged: true`: Coder workspaces usually cannot grant it",
		".devcontainer/compose.debug.yml:5 the Compose service `app` sets `devices: /dev/ttyS0:/dev/ttyS0`: Coder workspaces usually cannot grant it",
		".devcontainer/compose.yml:5 the Compose service `app` sets `cap_add: SYS_PTRACE`: Coder workspaces usually cannot grant it",
		".devcontainer/compose.yml:7 the Compose service `app` sets `security_opt: seccomp:unconfined`: Coder workspaces usually cannot grant it",
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("CR206:\n%q\nwant\n%q", got, want)
	}
}

// offlineFindings checks root offline and returns rule id's findings as
// "path:line message".
func offlineFindings(t *testing.T, root, id string) []string {
	t.Helper()
	var got []string
	for _, f := range offlineRuleFindings(t, root, id, checks.DefaultConfig()) {
		got = append(got, fmt.Sprintf("%s:%d %s", f.Location.Path, f.Location.StartLine, f.Message))
	}
	return got
}

// offlineRuleFindings checks root offline with cfg and returns rule id's
// findings.
func offlineRuleFindings(t *testing.T, root, id string, cfg *checks.Config) []checks.Finding {
	t.Helper()
	rep, err := Run(context.Background(), root, Options{Config: cfg, Bases: noBases{}, RootRelative: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []checks.Finding
	for _, tr := range rep.Targets {
		for _, f := range tr.Findings {
			if f.RuleID == id {
				got = append(got, f)
			}
		}
	}
	return got
}

// TestMissingCopySource: a COPY source missing from a devcontainer.json's
// build context is CR124's, in the context the config names (the
// repository root here); when an initializeCommand runs first, only for
// envbuilder, which never runs it; not when the repository has
// submodules, and not for a Dockerfile built on its own.
func TestMissingCopySource(t *testing.T) {
	config := `{"build": {"dockerfile": "Dockerfile", "context": ".."}}`
	dockerfile := "FROM debian:12\nCOPY requirements.txt .devcontainer/setup.sh /tmp/\nCOPY .env /app/.env\nUSER 1000\n"
	files := map[string]string{
		"a/.devcontainer/devcontainer.json": config, "a/.devcontainer/Dockerfile": dockerfile,
		"a/.devcontainer/setup.sh": "#!/bin/sh\n", "a/requirements.txt": "x\n",
		"b/.devcontainer/devcontainer.json": `{"build": {"dockerfile": "Dockerfile", "context": ".."}, "initializeCommand": "cp .env.example .env"}`,
		"b/.devcontainer/Dockerfile":        dockerfile, "b/requirements.txt": "x\n", "b/.devcontainer/setup.sh": "#!/bin/sh\n",
		"c/Dockerfile": dockerfile,
	}
	got := offlineFindings(t, writeTree(t, files), "CR124")
	want := []string{"a/.devcontainer/Dockerfile:3 `.env` is not in the build context (`a`, the devcontainer.json's `build.context`): " +
		"the build fails with `\"/.env\": not found`, and the workspace does not start",
		"b/.devcontainer/Dockerfile:3 `.env` is not in the build context (`b`): the config's `initializeCommand` may make it before a " +
			"Dev Containers CLI build, but envbuilder never runs `initializeCommand`, so under envbuilder the build fails with " +
			"`\"/.env\": not found` and the workspace does not start"}
	if !slices.Equal(got, want) {
		t.Errorf("CR124:\n%q\nwant\n%q", got, want)
	}
	files[".gitmodules"] = "[submodule \"vendor/lib\"]\n\tpath = vendor/lib\n\turl = https://example.org/lib.git\n"
	if got := offlineFindings(t, writeTree(t, files), "CR124"); len(got) != 0 {
		t.Errorf("with submodules: %q", got)
	}
}

// TestMissingCopySourceByBuilder: a config that sets no `build.context`
// and builds a Dockerfile from another folder is built by envbuilder
// from its own folder and by the Dev Containers CLI from the Dockerfile's
// (astro's `"dockerfile": "../examples.Dockerfile"`). A source only one of
// them lacks is reported for that builder, and not when config picks the
// other.
func TestMissingCopySourceByBuilder(t *testing.T) {
	root := writeTree(t, map[string]string{
		".devcontainer/examples.Dockerfile":      "FROM debian:12\nCOPY welcome.txt /w\nCOPY only-here.txt /o\nCOPY nowhere.txt /n\nUSER 1000\n",
		".devcontainer/welcome.txt":              "hi\n",
		".devcontainer/basics/devcontainer.json": `{"build": {"dockerfile": "../examples.Dockerfile"}}`,
		".devcontainer/basics/only-here.txt":     "x\n",
	})
	run := func(b checks.ConfigBuilder) []string {
		cfg := checks.DefaultConfig()
		cfg.Builder = b
		var got []string
		for _, f := range offlineRuleFindings(t, root, "CR124", cfg) {
			who := "both"
			switch {
			case strings.Contains(f.Message, "under envbuilder"):
				who = "envbuilder"
			case strings.Contains(f.Message, "under the CLI"):
				who = "cli"
			}
			got = append(got, fmt.Sprintf("%d %s", f.Location.StartLine, who))
		}
		slices.Sort(got)
		return got
	}
	for _, tc := range []struct {
		builder checks.ConfigBuilder
		want    []string
	}{
		{checks.ConfigBuilderBoth, []string{"2 envbuilder", "3 cli", "4 both"}},
		{checks.ConfigBuilderNative, []string{"3 cli", "4 both"}},
		{checks.ConfigBuilderEnvbuilder, []string{"2 envbuilder", "4 both"}},
	} {
		if got := run(tc.builder); !slices.Equal(got, tc.want) {
			t.Errorf("builder %q: %q, want %q", tc.builder, got, tc.want)
		}
	}
}

// TestComposeSidecarEntrypoint: a Dockerfile that only a Dev Container's
// other Compose services build (a desktop in runServices) keeps its
// command under Compose, so CR106 does not judge it; the same file built
// by nothing is judged.
func TestComposeSidecarEntrypoint(t *testing.T) {
	df := "FROM debian:12\nUSER 1000\nENTRYPOINT [\"/usr/local/bin/desktop-entrypoint.sh\"]\nCMD [\"/init\"]\n"
	files := map[string]string{
		".devcontainer/devcontainer.json": `{"dockerComposeFile": ["compose.yml", "../services/desk/compose.desk.yml"], "service": "dev", "runServices": ["desk"]}`,
		".devcontainer/compose.yml":       "services:\n  dev:\n    build:\n      context: .\n      dockerfile: Dockerfile\n",
		".devcontainer/Dockerfile":        "FROM debian:12\nUSER 1000\n",
		"services/desk/compose.desk.yml":  "services:\n  desk:\n    build:\n      context: ../..\n      dockerfile: services/desk/Dockerfile\n",
		"services/desk/Dockerfile":        df,
		"other/Dockerfile":                df,
	}
	got := offlineFindings(t, writeTree(t, files), "CR106")
	if len(got) == 0 || slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "services/") }) ||
		!slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "other/Dockerfile:3 ") }) {
		t.Errorf("CR106 %q, want other/Dockerfile only", got)
	}
	// Nor does CR101 judge its user: a proxy or worker runs as Compose
	// starts it, not as a workspace.
	files["services/desk/Dockerfile"] = "FROM debian:12\nRUN apt-get update\n"
	files["other/Dockerfile"] = "FROM debian:12\nRUN apt-get update\n"
	got = offlineFindings(t, writeTree(t, files), "CR101")
	if len(got) != 1 || !strings.HasPrefix(got[0], "other/Dockerfile:1 ") {
		t.Errorf("CR101 %q, want other/Dockerfile only", got)
	}
}
