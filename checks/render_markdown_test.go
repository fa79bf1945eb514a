package checks

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/coderready/coderready/internal/golden"
)

func sampleSummary() *ImageSummary {
	return &ImageSummary{
		Ref: "docker-daemon:coderready-build/abc:latest", Platform: "linux/amd64", OS: "Debian GNU/Linux 12 (bookworm)",
		PackageManager: "apt", Libc: "glibc 2.36", User: "coder", DownloadTool: "/usr/bin/curl",
		Tools:          map[string]string{"sh": "/bin/sh", "bash": "/bin/bash", "git": "/usr/bin/git", "jq": "/usr/bin/jq", "sudo": "/usr/bin/sudo"},
		CACertificates: 140, CABundle: "/etc/ssl/certs/ca-certificates.crt", Size: 342 << 20,
		Layers: []ImageLayer{{DiffID: "sha256:a", Size: 117 << 20}, {DiffID: "sha256:b", Size: 225 << 20, CreatedBy: "RUN /bin/sh -c apt-get install -y curl git jq sudo # buildkit"}},
	}
}

// markdownGolden compares a summary with testdata/markdown/name.md.
func markdownGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", "markdown", name+".md"), []byte(got))
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
	devcontainer := &res.Targets[2]
	old := sampleSummary()
	old.Size, old.User, old.DownloadTool = 117<<20, "", ""
	old.Layers = old.Layers[:1]
	old.Tools = map[string]string{"sh": "/bin/sh", "bash": "/bin/bash", "ssh": "/usr/bin/ssh"}
	old.CACertificates = 139
	// The old image had the install layer from the classic builder (so
	// it was rebuilt) and a COPY layer the new one drops.
	diff := &ImageDiff{Old: old, New: sampleSummary(), SizeDelta: 225 << 20, LayersAdded: sampleSummary().Layers[1:],
		LayersRemoved: []ImageLayer{
			{DiffID: "sha256:c", Size: 210 << 20, CreatedBy: "|1 DEBIAN_FRONTEND=noninteractive /bin/sh -c apt-get install -y curl git  jq sudo"},
			{DiffID: "sha256:d", Size: 72 << 10, CreatedBy: "/bin/sh -c #(nop) COPY file:4a1c in /etc/motd "},
		},
		ToolsGained: []string{"curl", "git", "jq", "sudo"}, ToolsLost: []string{"ssh"}, UserChanged: true,
		CAAdded: []string{"CN=Acme Internal Root"}, Changes: []string{"agent download tool: none → /usr/bin/curl"}}
	patch := "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,1 +1,2 @@\n FROM debian:bookworm\n+RUN apt-get update\n"
	lineURL := func(path string, line int) string {
		u := "https://github.com/acme/app/blob/0123abc/" + path
		if line > 0 {
			u += "#L" + strconv.Itoa(line)
		}
		return u
	}
	bare := sampleSummary()
	bare.User, bare.DownloadTool, bare.CACertificates, bare.CABundle = "", "", 0, ""
	bare.Tools = map[string]string{}
	hostile := &TargetResult{Path: "evil`|.Dockerfile", Kind: KindDockerfile, Findings: []Finding{
		{RuleID: "CR100", Severity: SeverityError, Location: Location{Path: "a|b/Docker`file", StartLine: 3},
			Message: "a | pipe, <script>alert(1)</script>, [a link](https://evil.example), ![img](x), **bold** _it_ ~~s~~ & a\nsecond line",
			Fix:     &Fix{Description: "use `FROM <image>|tag` (code keeps <, > and & as they are)"}},
		{RuleID: "CR101", Severity: SeverityWarning, Location: Location{Path: "Dockerfile"},
			Message: "an unmatched ` backtick and a ``double `tick` span`` and C:\\path"},
	}}

	tests := []struct {
		name string
		t    *TargetResult
		opts MarkdownOptions
	}{
		{"findings", withFindings, MarkdownOptions{}},
		{"findings-image-diff-patch", built(withImage(withFindings), &BuildRecord{Path: BuildPathDocker, Engine: "buildkit", Seconds: 83.42}), MarkdownOptions{Diff: diff, BaseRef: "main", Patch: patch, LineURL: lineURL}},
		// The patch is made on top of the review's suggestions: the
		// summary says to commit them first.
		{"findings-patch-on-suggestions", withFindings, MarkdownOptions{Patch: patch, PatchOnSuggestions: true}},
		{"devcontainer-notes", built(withImage(devcontainer), &BuildRecord{Path: BuildPathDevcontainerCLI, Seconds: 95}), MarkdownOptions{RuleURL: func(string) string { return "" }}},
		{"clean", built(withImage(clean), &BuildRecord{Path: BuildPathDevcontainerCLI, Seconds: 12}), MarkdownOptions{}},
		{"clean-bare-image-no-change", &TargetResult{Path: "Dockerfile", Kind: KindDockerfile, Image: bare, Build: &BuildRecord{Path: BuildPathImage}},
			MarkdownOptions{Diff: &ImageDiff{Old: bare, New: bare}}},
		{"escaping", hostile, MarkdownOptions{LineURL: lineURL}},
		{"truncated", built(withImage(withFindings), &BuildRecord{Path: BuildPathDocker, Seconds: 60}), MarkdownOptions{Diff: diff, BaseRef: "main", Patch: patch, MaxBytes: 1500}},
		// The findings of one rule are on the base branch too: listed
		// apart, after the new ones; the verdict counts the new ones.
		{"existing", withFindings, MarkdownOptions{BaseRef: "main", Existing: func(f Finding) bool { return f.RuleID == withFindings.Findings[0].RuleID }}},
		{"existing-only", withFindings, MarkdownOptions{BaseRef: "main", Existing: func(Finding) bool { return true }}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RenderMarkdown(tt.t, tt.opts)
			markdownGolden(t, tt.name, got)
			checkMarkdown(t, got, tt.opts.MaxBytes)
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
	many := make([]Finding, 0, 3000)
	for range 1000 {
		many = append(many, f(SeverityError), f(SeverityWarning), f(SeverityInfo))
	}
	tests := []struct {
		name string
		fs   []Finding
		want string
	}{
		{"none", nil, "Ready for Coder"},
		{"one error", []Finding{f(SeverityError)}, "1 error"},
		{"mixed", []Finding{f(SeverityError), f(SeverityError), f(SeverityWarning), f(SeverityInfo), f(SeverityInfo)}, "2 errors, 1 warning, 2 notes"},
		{"one note", []Finding{f(SeverityInfo)}, "1 note"},
		{"warnings", []Finding{f(SeverityWarning), f(SeverityWarning)}, "2 warnings"},
		{"many", many, "1000 errors, 1000 warnings, 1000 notes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MarkdownTitle(&TargetResult{Findings: tt.fs})
			if got != tt.want {
				t.Errorf("MarkdownTitle = %q, want %q", got, tt.want)
			}
			if len(got) > maxTitleBytes {
				t.Errorf("title is %d bytes, over GitHub's %d", len(got), maxTitleBytes)
			}
		})
	}
}

// manyFindings returns n findings of about 180 bytes each, with multi-byte
// runes everywhere a cut could fall.
func manyFindings(n int) []Finding {
	var fs []Finding
	for i := range n {
		sev := []Severity{SeverityError, SeverityWarning, SeverityInfo}[i%3]
		fs = append(fs, Finding{RuleID: "CR313", Severity: sev,
			Message:  fmt.Sprintf("tool %d is missing from the image — ünïcödé text so a cut could split a rune %s", i, strings.Repeat("é", 60)),
			Details:  fmt.Sprintf("build log of %d\n```\nnot a fence of ours\n", i),
			Location: Location{Path: "Dockerfile", StartLine: i + 1}})
	}
	return fs
}

var moreFindingsRE = regexp.MustCompile(`…and (\d+) more findings? \(see annotations\)`)

func TestRenderMarkdownTruncates(t *testing.T) {
	// 400 findings: about 70 KB of table rows alone, plus details and a
	// 70 KB patch: far over GitHub's 65535.
	fs := manyFindings(400)
	tr := &TargetResult{Path: "Dockerfile", Kind: KindDockerfile, Findings: fs, Image: sampleSummary(), Build: &BuildRecord{Path: BuildPathDocker, Seconds: 1}}
	patch := "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,2000 +1,4000 @@\n" + strings.Repeat("+RUN echo padding ```` padding padding\n", 2000)
	full := RenderMarkdown(tr, MarkdownOptions{Patch: patch, MaxBytes: 1 << 30})
	if len(full) < 140_000 {
		t.Fatalf("untruncated summary is only %d bytes: the test does not overflow", len(full))
	}

	got := RenderMarkdown(tr, MarkdownOptions{Patch: patch})
	checkMarkdown(t, got, MaxMarkdownBytes)
	if len(got) < MaxMarkdownBytes-1000 {
		t.Errorf("summary is %d bytes: truncated far more than needed", len(got))
	}
	m := moreFindingsRE.FindStringSubmatch(got)
	if m == nil {
		t.Fatal("no line says findings were left out")
	}
	left, _ := strconv.Atoi(m[1])
	rows := strings.Count(got, "| [CR313](")
	if rows+left != len(fs) || rows == 0 {
		t.Errorf("%d rows shown and %d said left out; want %d in all", rows, left, len(fs))
	}
	// The least severe go first: every error is still in the table.
	if errs := strings.Count(got, "| ❌ error |"); errs != (len(fs)+2)/3 {
		t.Errorf("%d error rows kept, want all %d", errs, (len(fs)+2)/3)
	}
	for _, want := range []string{"### The image", "Built with the Docker engine", "The patch is too long for this summary", "details are in their annotations"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	for _, dropped := range []string{"+RUN echo padding", "<details>"} {
		if strings.Contains(got, dropped) {
			t.Errorf("summary still has %q: the patch and details go before findings", dropped)
		}
	}

	// Findings that fit with the details but not the patch keep the details.
	few := &TargetResult{Path: "Dockerfile", Kind: KindDockerfile, Findings: manyFindings(5)}
	got = RenderMarkdown(few, MarkdownOptions{Patch: patch})
	checkMarkdown(t, got, MaxMarkdownBytes)
	if !strings.Contains(got, "<details>") || strings.Contains(got, "+RUN echo padding") || moreFindingsRE.MatchString(got) {
		t.Errorf("5 findings and a long patch: want details and every row, no patch:\n%s", got)
	}
}

func TestRenderMarkdownLimits(t *testing.T) {
	tr := &TargetResult{Path: "Dockerfile", Kind: KindDockerfile, Findings: manyFindings(60), Image: sampleSummary()}
	patch := "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1 +1 @@\n-FROM x\n+FROM é\n"
	for limit := 1; limit < 20_000; limit = limit*5/4 + 7 {
		got := RenderMarkdown(tr, MarkdownOptions{Patch: patch, MaxBytes: limit})
		t.Run(strconv.Itoa(limit), func(t *testing.T) { checkMarkdown(t, got, limit) })
	}
}

func TestMarkdownEscape(t *testing.T) {
	tests := []struct {
		in, want, cell string
	}{
		{"plain text", "plain text", ""},
		{"a | b", `a \| b`, ""},
		{"<script>x</script>", "&lt;script&gt;x&lt;/script&gt;", ""},
		{"[x](http://e) ![i](y)", `\[x\](http://e) !\[i\](y)`, ""},
		{"**b** _i_ ~s~ C:\\x", `\*\*b\*\* \_i\_ \~s\~ C:\\x`, ""},
		{"a && b", "a &amp;&amp; b", ""},
		{"run `apt-get install <pkg> && x` now", "run `apt-get install <pkg> && x` now", ""},
		{"`a|b` and a|b", "`a|b` and a\\|b", "`a\\|b` and a\\|b"},
		{"one\ntwo `x\ny`", "one<br>two `x y`", ""},
		{"unmatched ` tick", "unmatched \\` tick", ""},
		{"``a ` b`` c", "``a ` b`` c", ""},
		{"ünï<cödé>", "ünï&lt;cödé&gt;", ""},
	}
	for _, tt := range tests {
		if got := MarkdownEscape(tt.in); got != tt.want {
			t.Errorf("MarkdownEscape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		wantCell := tt.cell
		if wantCell == "" {
			wantCell = tt.want
		}
		if got := mdEscape(tt.in, true); got != wantCell {
			t.Errorf("mdEscape(%q, cell) = %q, want %q", tt.in, got, wantCell)
		}
	}
}

func TestTruncateRunes(t *testing.T) {
	s := "aé€😀"
	for n := range len(s) + 2 {
		got := TruncateRunes(s, n)
		if len(got) > n || !utf8.ValidString(got) || !strings.HasPrefix(s, got) {
			t.Errorf("TruncateRunes(%q, %d) = %q", s, n, got)
		}
		if n >= len(s) && got != s {
			t.Errorf("TruncateRunes(%q, %d) = %q, want it whole", s, n, got)
		}
	}
}

// checkMarkdown fails when a summary is over limit bytes (GitHub's limit
// when limit is 0), is not valid UTF-8, or leaves a code fence open.
func checkMarkdown(t *testing.T, s string, limit int) {
	t.Helper()
	if limit <= 0 {
		limit = MaxMarkdownBytes
	}
	if len(s) > limit {
		t.Errorf("summary is %d bytes, over %d", len(s), limit)
	}
	if !utf8.ValidString(s) {
		t.Error("summary is not valid UTF-8 (a rune was cut)")
	}
	checkFences(t, s)
}

// checkFences fails when a code fence is left open. It follows CommonMark:
// a fence closes on a line of at least as many backticks and nothing else.
func checkFences(t *testing.T, s string) {
	t.Helper()
	open := 0
	for _, line := range strings.Split(s, "\n") {
		trimmed := strings.TrimSpace(line)
		n := backticks(trimmed)
		if n < 3 {
			continue
		}
		switch {
		case open == 0:
			open = n
		case n >= open && n == len(trimmed):
			open = 0
		}
	}
	if open != 0 {
		t.Errorf("a %s code fence is left open", strings.Repeat("`", open))
	}
}

// built is t with its build record.
func built(t *TargetResult, b *BuildRecord) *TargetResult {
	c := *t
	c.Build = b
	return &c
}

func TestLayerInstruction(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"RUN /bin/sh -c apt-get install -y curl # buildkit", "RUN apt-get install -y curl"},
		{"RUN |2 A=1 B= /bin/sh -c make   install # buildkit", "RUN make install"},
		{"COPY ./entrypoint.sh /usr/local/bin/ # buildkit", "COPY ./entrypoint.sh /usr/local/bin/"},
		{"/bin/sh -c apt-get update", "RUN apt-get update"},
		{"|1 V=2 /bin/sh -c echo $V", "RUN echo $V"},
		{"/bin/sh -c #(nop)  CMD [\"bash\"]", `CMD ["bash"]`},
		{"/bin/sh -c #(nop) ADD file:1234 in / ", "ADD file:1234 in /"},
		{"RUN /bin/bash -c set -e; make # buildkit", "RUN set -e; make"},
		{"USER coder", "USER coder"},
		{"", ""},
	} {
		if got := LayerInstruction(tc.in); got != tc.want {
			t.Errorf("LayerInstruction(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLayerChanges(t *testing.T) {
	l := func(id string, size int64, by string) ImageLayer {
		return ImageLayer{DiffID: id, Size: size, CreatedBy: by}
	}
	added := []ImageLayer{
		l("sha256:a2", 200, "RUN /bin/sh -c apt-get install -y git # buildkit"),
		l("sha256:n1", 10, "RUN /bin/sh -c touch /x # buildkit"),
		l("sha256:n2", 30, ""),
	}
	removed := []ImageLayer{
		l("sha256:o1", 5, "/bin/sh -c #(nop) COPY file:1 in /y "),
		l("sha256:a1", 210, "/bin/sh -c apt-get install -y git"),
	}
	var got []string
	for _, c := range layerChanges(added, removed, 0) {
		got = append(got, c.describe(100, func(s string) string { return "<" + s + ">" }))
	}
	want := []string{
		"rebuilt <RUN apt-get install -y git>: 210 B → 200 B (−10 B)",
		"added <sha256:n2>: +30 B",
		"added <RUN touch /x>: +10 B",
		"removed <COPY file:1 in /y>: −5 B",
	}
	if !slices.Equal(got, want) {
		t.Errorf("layerChanges:\n got %q\nwant %q", got, want)
	}
	var limited []string
	for _, c := range layerChanges(added, removed, 1) {
		limited = append(limited, c.describe(100, func(s string) string { return s }))
	}
	if want := "…and 1 more added"; !slices.Contains(limited, want) || len(limited) != 4 {
		t.Errorf("limit 1: got %q, want 4 lines with %q", limited, want)
	}
}

func TestMarkdownPhases(t *testing.T) {
	tr := &TargetResult{Path: "Dockerfile", Kind: KindDockerfile,
		Timings: &Timings{BaseRead: 1.23, Build: 9.81, ImageRead: 0.04, Total: 11.1}}
	if got, want := RenderMarkdown(tr, MarkdownOptions{}), "\nTime: base images 1.2s · build 9.8s · image read 40ms.\n"; !strings.HasSuffix(got, want) {
		t.Errorf("target timings: summary ends %q, want %q", got[max(0, len(got)-80):], want)
	}
	job := []Phase{{"queued", 0.2}, {"source", 0.5}, {"build", 61.04}}
	if got, want := RenderMarkdown(tr, MarkdownOptions{Phases: job}), "\nTime: queued 200ms · source 500ms · build 1m1s.\n"; !strings.HasSuffix(got, want) {
		t.Errorf("job phases: summary ends %q, want %q", got[max(0, len(got)-80):], want)
	}
	if got := RenderMarkdown(&TargetResult{Path: "Dockerfile"}, MarkdownOptions{}); strings.Contains(got, "Time:") {
		t.Errorf("no timings, yet a Time line:\n%s", got)
	}
}
