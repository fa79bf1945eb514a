package checks

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func sampleSummary() *ImageSummary {
	return &ImageSummary{
		Ref: "docker-daemon:coderready-build/abc:latest", Platform: "linux/amd64", OS: "Debian GNU/Linux 12 (bookworm)",
		PackageManager: "apt", Libc: "glibc 2.36", User: "coder", DownloadTool: "/usr/bin/curl",
		Tools:          map[string]string{"sh": "/bin/sh", "bash": "/bin/bash", "git": "/usr/bin/git"},
		CACertificates: 140, CABundle: "/etc/ssl/certs/ca-certificates.crt", Size: 342 << 20,
		Layers: []ImageLayer{{DiffID: "sha256:a", Size: 117 << 20}, {DiffID: "sha256:b", Size: 225 << 20, CreatedBy: "RUN apt-get install -y curl git"}},
	}
}

func TestRenderMarkdownGolden(t *testing.T) {
	res := sampleResult()
	var withFindings, clean *TargetResult
	for i := range res.Targets {
		switch {
		case len(res.Targets[i].Findings) > 2 && withFindings == nil:
			withFindings = &res.Targets[i]
		case len(res.Targets[i].Findings) == 0:
			clean = &res.Targets[i]
		}
	}
	old := sampleSummary()
	old.Size, old.User, old.DownloadTool = 117<<20, "", ""
	old.Layers = old.Layers[:1]
	old.Tools = map[string]string{"sh": "/bin/sh", "bash": "/bin/bash"}
	diff := &ImageDiff{Old: old, New: sampleSummary(), SizeDelta: 225 << 20, LayersAdded: sampleSummary().Layers[1:],
		ToolsGained: []string{"curl", "git"}, UserChanged: true}
	patch := "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,1 +1,2 @@\n FROM debian:bookworm\n+RUN apt-get update\n"

	tests := []struct {
		name string
		t    *TargetResult
		opts MarkdownOptions
	}{
		{"findings", withFindings, MarkdownOptions{}},
		{"findings-image-diff-patch", withImage(withFindings), MarkdownOptions{Diff: diff, BaseRef: "main", BuildPath: "docker", BuildDuration: 83*time.Second + 420*time.Millisecond, Patch: patch}},
		{"clean", withImage(clean), MarkdownOptions{BuildPath: "devcontainer-cli", BuildDuration: 12 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RenderMarkdown(tt.t, tt.opts)
			golden(t, "markdown_"+tt.name+".golden.md", []byte(got))
			checkFences(t, got)
		})
	}
}

func withImage(t *TargetResult) *TargetResult {
	c := *t
	c.Image = sampleSummary()
	return &c
}

func TestMarkdownTitle(t *testing.T) {
	f := func(s Severity) Finding { return Finding{Severity: s} }
	tests := []struct {
		fs   []Finding
		want string
	}{
		{nil, "Ready for Coder"},
		{[]Finding{f(SeverityError)}, "1 error"},
		{[]Finding{f(SeverityError), f(SeverityError), f(SeverityWarning), f(SeverityInfo), f(SeverityInfo)}, "2 errors, 1 warning, 2 notes"},
		{[]Finding{f(SeverityInfo)}, "1 note"},
	}
	for _, tt := range tests {
		if got := MarkdownTitle(&TargetResult{Findings: tt.fs}); got != tt.want {
			t.Errorf("MarkdownTitle = %q, want %q", got, tt.want)
		}
	}
}

func TestRenderMarkdownTruncates(t *testing.T) {
	// About 70 KB of findings plus a patch: far over GitHub's 65535.
	var fs []Finding
	for i := range 400 {
		fs = append(fs, Finding{RuleID: "CR313", Severity: SeverityWarning,
			Message:  fmt.Sprintf("tool %d is missing from the image — ünïcödé text so a cut could split a rune %s", i, strings.Repeat("é", 60)),
			Location: Location{Path: "Dockerfile", StartLine: i + 1}})
	}
	tr := &TargetResult{Path: "Dockerfile", Kind: KindDockerfile, Findings: fs, Image: sampleSummary()}
	patch := strings.Repeat("+RUN echo padding padding padding\n", 2000)
	got := RenderMarkdown(tr, MarkdownOptions{Patch: patch, BuildPath: "docker", BuildDuration: time.Second})
	if len(got) > MaxMarkdownBytes {
		t.Fatalf("summary is %d bytes, over %d", len(got), MaxMarkdownBytes)
	}
	if len(got) < MaxMarkdownBytes-2000 {
		t.Errorf("summary is %d bytes: truncated far more than needed", len(got))
	}
	if !utf8.ValidString(got) {
		t.Error("summary is not valid UTF-8 (a rune was cut)")
	}
	checkFences(t, got)
	if !strings.Contains(got, "more findings (see the annotations)") {
		t.Error("no line says findings were left out")
	}
	if !strings.Contains(got, "### The image") {
		t.Error("the image facts were dropped; rows should go first")
	}
	if strings.Contains(got, "+RUN echo padding") {
		t.Error("the patch should be dropped before findings")
	}
	// A small limit still yields a valid, bounded summary.
	small := RenderMarkdown(tr, MarkdownOptions{MaxBytes: 300})
	if len(small) > 300 || !utf8.ValidString(small) {
		t.Errorf("MaxBytes 300: %d bytes, valid UTF-8 %v", len(small), utf8.ValidString(small))
	}
}

func TestRenderMarkdownEscapes(t *testing.T) {
	tr := &TargetResult{Path: "Dockerfile", Findings: []Finding{{RuleID: "CR100", Severity: SeverityError,
		Message: "a | pipe, <script>alert(1)</script>\nand a newline", Location: Location{Path: "Docker`file", StartLine: 3}}}}
	got := RenderMarkdown(tr, MarkdownOptions{})
	for _, bad := range []string{"<script>", "a | pipe", "Docker`file"} {
		if strings.Contains(got, bad) {
			t.Errorf("summary contains %q unescaped:\n%s", bad, got)
		}
	}
}

// checkFences fails when a code fence is left open.
func checkFences(t *testing.T, s string) {
	t.Helper()
	open := ""
	for _, line := range strings.Split(s, "\n") {
		trimmed := strings.TrimSpace(line)
		if !strings.HasPrefix(trimmed, "```") {
			continue
		}
		ticks := trimmed[:len(trimmed)-len(strings.TrimLeft(trimmed, "`"))]
		switch {
		case open == "":
			open = ticks
		case ticks == open && strings.Trim(trimmed, "`") == "":
			open = ""
		}
	}
	if open != "" {
		t.Errorf("a %s code fence is left open", open)
	}
}
