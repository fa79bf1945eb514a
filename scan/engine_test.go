package scan

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/image"
	"github.com/coderready/coderready/internal/testenv"
)

// engineBases returns a base reader on the test engine
// (testenv.RequireEngine).
func engineBases(t *testing.T) *ImageBases {
	t.Helper()
	testenv.RequireEngine(t)
	b := &ImageBases{NoRegistry: true, Options: image.Options{CacheDir: t.TempDir()}}
	if _, err := b.ReadBase(context.Background(), "coderready-test/busybox:static"); err != nil {
		t.Fatalf("reading a test image from the engine: %v", err)
	}
	return b
}

// TestBaseFactsFromEngine: with the base image readable, the Dockerfile
// rules judge from its real contents, not from its name.
func TestBaseFactsFromEngine(t *testing.T) {
	bases := engineBases(t)
	root := writeTree(t, map[string]string{
		// Not in the table of well-known images: only the image tells it
		// has no curl and uses apt.
		"bare/Dockerfile": "FROM coderready-test/debian:bookworm\nRUN useradd -m dev\nUSER dev\n",
		// Has curl, git and a non-root user: nothing to say.
		"ready/Dockerfile": "FROM coderready-test/coder-ready:bookworm\nRUN true\n",
	})
	run := func(opts Options) map[string][]checks.Finding {
		opts.Config = checks.DefaultConfig()
		rep, err := Run(context.Background(), root, opts)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]checks.Finding{}
		for _, tr := range rep.Result.Targets {
			rel := strings.TrimPrefix(tr.Path, root+"/")
			out[rel] = tr.Findings
			if tr.Image == nil && opts.Bases != nil {
				t.Errorf("%s: no image summary", rel)
			}
		}
		return out
	}
	has := func(fs []checks.Finding, id string) *checks.Finding {
		for i := range fs {
			if fs[i].RuleID == id {
				return &fs[i]
			}
		}
		return nil
	}

	offline := run(Options{Offline: true})
	if f := has(offline["bare/Dockerfile"], "CR104"); f != nil {
		t.Errorf("offline, the unknown base cannot be judged, yet CR104 fired: %+v", f)
	}

	online := run(Options{Bases: bases, NoBuild: true})
	// The image rule settles what the static CR104 guesses at.
	if f := has(online["bare/Dockerfile"], "CR104"); f != nil {
		t.Errorf("with the base read, CR301 replaces CR104: %+v", f)
	}
	f := has(online["bare/Dockerfile"], "CR301")
	if f == nil {
		t.Fatalf("CR301 should fire on a base without curl, wget or busybox: %+v", online["bare/Dockerfile"])
	}
	if f.Location.StartLine != 1 || f.Fix == nil || len(f.Fix.Edits) == 0 || !strings.Contains(f.Fix.Edits[0].Text, "apt-get install") {
		t.Errorf("CR301 should sit on the FROM with an apt fix: %+v %+v", f, f.Fix)
	}
	for _, id := range []string{"CR306", "CR305"} {
		if has(online["bare/Dockerfile"], id) == nil {
			t.Errorf("bare/Dockerfile: %s should fire on the minbase image", id)
		}
	}
	for _, id := range []string{"CR101", "CR104", "CR105", "CR301", "CR305", "CR306", "CR309"} {
		if f := has(online["ready/Dockerfile"], id); f != nil {
			t.Errorf("ready/Dockerfile: unexpected %s: %+v", id, *f)
		}
	}
}

// TestBuildAndCheck builds Dockerfiles in the engine and judges the built
// image: a good one has no image findings, a missing curl points at the
// FROM with an apt fix, a failing RUN is CR300 on its line with the log.
func TestBuildAndCheck(t *testing.T) {
	bases := engineBases(t)
	b := EngineBuilder(context.Background(), "")
	if b == nil {
		t.Fatal("the engine answered for images but not for builds")
	}
	defer func() { _ = b.Close() }()
	root := writeTree(t, map[string]string{
		"good/Dockerfile": "FROM coderready-test/coder-ready:bookworm\nUSER root\nRUN echo built > /etc/motd\nUSER coder\n",
		"bare/Dockerfile": "FROM coderready-test/debian:bookworm\nRUN useradd -m -u 1000 -s /bin/bash coder\nUSER coder\n",
		"fail/Dockerfile": "FROM coderready-test/debian:bookworm\nRUN true\nRUN echo about to fail && false\n",
		// No curl or wget: busybox's wget applet serves the agent download.
		"busybox/Dockerfile": "FROM coderready-test/busybox:static\nRUN echo 'coder:x:1000:1000::/tmp:/bin/sh' >> /etc/passwd\nUSER coder\n",
	})
	rep, err := Run(context.Background(), root, Options{Config: checks.DefaultConfig(), Bases: bases, Builder: b, Build: build.Settings{Network: build.NetworkHost}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range rep.Targets {
		rel := strings.TrimPrefix(tr.Path, root+"/")
		if tr.Build == nil || tr.Build.Path != BuildPathDocker || tr.Build.Seconds <= 0 {
			t.Errorf("%s: build info %+v, want the docker path with a duration", rel, tr.Build)
		}
		if r := tr.Build; r == nil || r.Path != BuildPathDocker || r.Seconds <= 0 || r.Failed != (rel == "fail/Dockerfile") {
			t.Errorf("%s: JSON build record %+v, want docker with seconds (failed only for fail/)", rel, r)
		} else if r.Engine != build.EngineBuildKit || tr.Build.Engine != build.EngineBuildKit || !strings.Contains(tr.Build.String(), "(BuildKit)") {
			// Every engine the tests run on offers BuildKit, and no limits are set.
			t.Errorf("%s: engine %q / %q (%s), want buildkit", rel, r.Engine, tr.Build.Engine, tr.Build)
		}
		if (tr.Facts != nil) != (rel != "fail/Dockerfile") && tr.Facts == nil {
			t.Errorf("%s: no image facts kept", rel)
		}
	}
	got := map[string][]checks.Finding{}
	for _, tr := range rep.Result.Targets {
		rel := strings.TrimPrefix(tr.Path, root+"/")
		got[rel] = tr.Findings
		if rel != "fail/Dockerfile" && (tr.Image == nil || !strings.Contains(tr.Image.Ref, "built")) {
			t.Errorf("%s: the summary should be of the built image: %+v", rel, tr.Image)
		}
	}
	for _, f := range got["good/Dockerfile"] {
		if f.Severity >= checks.SeverityWarning {
			t.Errorf("good/Dockerfile: unexpected %s %s", f.RuleID, f.Message)
		}
	}
	var cr301 *checks.Finding
	for i, f := range got["bare/Dockerfile"] {
		if f.RuleID == "CR301" {
			cr301 = &got["bare/Dockerfile"][i]
		}
	}
	if cr301 == nil || cr301.Location.StartLine != 1 || cr301.Fix == nil || len(cr301.Fix.Edits) == 0 || !strings.Contains(cr301.Fix.Edits[0].Text, "apt-get") {
		t.Errorf("bare/Dockerfile: want CR301 on line 1 with an apt fix, got %+v", got["bare/Dockerfile"])
	}
	for _, f := range got["busybox/Dockerfile"] {
		if f.RuleID == "CR301" || f.RuleID == "CR300" {
			t.Errorf("busybox/Dockerfile: want it built, with busybox serving the agent download; got %s %s", f.RuleID, f.Message)
		}
	}
	if len(got["busybox/Dockerfile"]) == 0 && got["busybox/Dockerfile"] == nil {
		t.Error("busybox/Dockerfile was not checked")
	}
	var cr300 *checks.Finding
	for i, f := range got["fail/Dockerfile"] {
		if f.RuleID == "CR300" {
			cr300 = &got["fail/Dockerfile"][i]
		}
	}
	if cr300 == nil || cr300.Location.StartLine != 3 || !strings.Contains(cr300.Details, "about to fail") {
		t.Errorf("fail/Dockerfile: want CR300 on line 3 with the log tail, got %+v", got["fail/Dockerfile"])
	}
}

// TestBuildRelativeRoot: a scan of a folder named relative to the working
// directory builds its Dockerfiles (the builder gets absolute paths, not
// ones it would read relative to the build context).
func TestBuildRelativeRoot(t *testing.T) {
	bases := engineBases(t)
	b := EngineBuilder(context.Background(), "")
	if b == nil {
		t.Fatal("the engine answered for images but not for builds")
	}
	defer func() { _ = b.Close() }()
	parent := writeTree(t, map[string]string{
		"proj/app/Dockerfile": "FROM coderready-test/busybox:static\nRUN echo 'coder:x:1000:1000::/tmp:/bin/sh' >> /etc/passwd\nUSER coder\n",
	})
	t.Chdir(parent)
	rep, err := Run(context.Background(), filepath.Join("proj", "app"), Options{Config: checks.DefaultConfig(), Bases: bases, Builder: b, Build: build.Settings{Network: build.NetworkHost}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Targets) != 1 {
		t.Fatalf("want one target, got %d", len(rep.Targets))
	}
	tr := rep.Targets[0]
	if tr.Build == nil || tr.Build.Failed || tr.Build.Path != BuildPathDocker {
		t.Errorf("build %+v, want a docker build that did not fail", tr.Build)
	}
	for _, f := range tr.Findings {
		if f.RuleID == "CR300" {
			t.Errorf("CR300 %s\n%s", f.Message, f.Details)
		}
	}
	if tr.Path != filepath.Join("proj", "app", "Dockerfile") {
		t.Errorf("target path %q, want it as the user named it", tr.Path)
	}
}
