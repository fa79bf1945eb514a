package checks

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coderready/coderready/dockerfile"
)

func TestBaseUnread(t *testing.T) {
	all := SkippedImageChecks(DefaultConfig(), false)
	if len(all) == 0 || slices.Contains(all, "CR300") || slices.Contains(all, RuleBaseUnread) || slices.Contains(all, "CR307") || slices.Contains(all, "CR325") {
		t.Fatalf("default image checks: %v", all)
	}
	off := DefaultConfig()
	off.Rules["CR305"] = RuleConfig{Severity: SeverityOff}
	withCA := DefaultConfig()
	withCA.OrgCAs = []OrgCA{{Name: "Acme", SHA256: strings.Repeat("0", 64)}}
	loc := Location{Path: "Dockerfile", StartLine: 1}
	tests := []struct {
		name         string
		cfg          *Config
		ref, why     string
		devcontainer bool
		want         int // image checks skipped; 0: no note
	}{
		{name: "unknown image", cfg: DefaultConfig(), ref: "quay.io/jupyter/base-notebook", why: "offline", want: len(all)},
		{name: "the table knows it", cfg: DefaultConfig(), ref: "debian:12", why: "offline"},
		{name: "the table knows its user", cfg: DefaultConfig(), ref: "mcr.microsoft.com/devcontainers/base:bookworm", why: "offline"},
		{name: "a rule turned off is not skipped", cfg: off, ref: "ghcr.io/acme/img:1", why: "registry unreachable", want: len(all) - 1},
		{name: "config gives a config-only rule its input", cfg: withCA, ref: "ghcr.io/acme/img:1", why: "offline", want: len(all) + 1},
		{name: "a devcontainer's image", cfg: DefaultConfig(), ref: "ghcr.io/acme/img:1", why: "offline", devcontainer: true, want: len(all) + 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := BaseUnread(tc.cfg, tc.ref, tc.why, loc, tc.devcontainer)
			if tc.want == 0 {
				if ok {
					t.Fatalf("noted: %+v", f)
				}
				return
			}
			if !ok {
				t.Fatal("not noted")
			}
			want := "could not read `" + tc.ref + "`: " + strconv.Itoa(tc.want) + " image checks skipped (" + tc.why + ")"
			if f.Message != want || f.RuleID != RuleBaseUnread || f.Severity != SeverityInfo || f.Location != loc {
				t.Fatalf("got %s %s %q at %+v, want %q", f.RuleID, f.Severity, f.Message, f.Location, want)
			}
		})
	}
}

func TestFinalBaseLocation(t *testing.T) {
	src := "ARG BASE=quay.io/acme/base:1\nFROM ${BASE} AS build\nRUN make\nFROM build\nUSER 1000\n"
	f, err := dockerfile.Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	in := &DockerfileInput{File: f}
	if loc := FinalBaseLocation(in); loc.Path != "Dockerfile" || loc.StartLine != 2 {
		t.Fatalf("got %+v, want line 2", loc)
	}
	if ref := FinalBaseRef(in); ref != "quay.io/acme/base:1" {
		t.Fatalf("final base %q", ref)
	}
}
