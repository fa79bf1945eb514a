package scan

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/checks"
)

// TestCheckProbesBuiltImages: check runs each built image the way a Coder
// template does; a RUN that removed curl's library is an error on that
// line, a ready image gets the success line, and config probe: off skips
// it with a note.
func TestCheckProbesBuiltImages(t *testing.T) {
	bases := engineBases(t)
	b := EngineBuilder(context.Background(), "")
	if b == nil {
		t.Fatal("the engine answered for images but not for builds")
	}
	defer func() { _ = b.Close() }()
	root := writeTree(t, map[string]string{
		"ready/Dockerfile": "FROM coderready-test/coder-ready:bookworm\nUSER root\nRUN echo built > /etc/motd\nUSER coder\n",
		"nolib/Dockerfile": "FROM coderready-test/coder-ready:bookworm\nUSER root\nRUN rm -f /usr/lib/*/libcurl.so.4*\nUSER coder\n",
	})
	run := func(cfg *checks.Config) map[string]TargetReport {
		t.Helper()
		rep, err := Run(context.Background(), root, Options{Config: cfg, Bases: bases, Builder: b, Build: build.Settings{Network: build.NetworkHost}, RootRelative: true})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]TargetReport{}
		for _, tr := range rep.Targets {
			out[tr.Path] = tr
		}
		return out
	}
	got := run(checks.DefaultConfig())

	ready := got["ready/Dockerfile"]
	if ready.Probe == nil || !ready.Probe.OK || !strings.HasPrefix(ready.Probe.String(), "agent bootstrap: downloaded with curl, started as coder (1000) in ") {
		t.Errorf("ready image: probe %+v (%s)", ready.Probe, ready.Probe)
	}
	if slices.ContainsFunc(ready.Findings, func(f checks.Finding) bool { return strings.HasPrefix(f.RuleID, "CR4") }) {
		t.Errorf("ready image has runtime findings: %+v", ready.Findings)
	}
	if ready.Timings == nil || ready.Timings.Probe <= 0 {
		t.Errorf("the probe's time is not in the timings: %+v", ready.Timings)
	}
	t.Logf("probe of the ready image: %.2fs of the target's %.2fs", ready.Timings.Probe, ready.Timings.Total)

	nolib := got["nolib/Dockerfile"]
	i := slices.IndexFunc(nolib.Findings, func(f checks.Finding) bool { return f.RuleID == "CR400" })
	if i < 0 {
		t.Fatalf("curl's library removed: no CR400 in %+v (probe %s)", nolib.Findings, nolib.Probe)
	}
	f := nolib.Findings[i]
	if f.Severity != checks.SeverityError || f.Evidence != checks.EvidenceImage || f.Location.StartLine != 3 ||
		!strings.Contains(f.Message, "curl") || !strings.Contains(f.Message, "libcurl.so.4") {
		t.Errorf("CR400 %+v: want an error on line 3 naming curl and libcurl.so.4", f)
	}

	off := checks.DefaultConfig()
	off.Probe.Off = true
	for path, tr := range run(off) {
		if tr.Probe == nil || tr.Probe.Skipped != "config probe: off" {
			t.Errorf("%s with probe: off: probe %+v", path, tr.Probe)
		}
	}
}
