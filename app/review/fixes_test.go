package review

import (
	"context"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/image"
	"github.com/coderready/coderready/internal/golden"
	"github.com/coderready/coderready/internal/testenv"
	"github.com/coderready/coderready/scan"
)

// TestFixesApplyEndToEnd is what a maintainer does with a review: a pull
// request changes a workspace Dockerfile (testdata/fixes: base.Dockerfile,
// then Dockerfile) whose fixes meet (CR104 and CR105 on one install line,
// two CR112 fixes that need one ARG TARGETARCH, inside the diff and out of
// it, CR101 far below the diff). Every suggestion is committed as GitHub
// does, then the summary's patch goes through `git apply`; the result
// (testdata/fixes/fixed.golden.Dockerfile) has none of the findings
// fixed. With an engine (always under CI=true) it is built, on the offline
// test base, and the image rules find none of them in the image either.
func TestFixesApplyEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		testenv.Unavailable(t, "git is not installed: cannot commit the suggestions and apply the patch")
	}
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base, head := fixture(t, "base.Dockerfile"), fixture(t, "Dockerfile")

	// The pull request: its diff as the files API gives it (hunks only).
	git("init", "-q")
	write(base)
	git("add", "Dockerfile")
	git("commit", "-q", "-m", "base")
	write(head)
	git("commit", "-q", "-am", "the pull request")
	diff := git("diff", "-U3", "HEAD~1", "HEAD", "--", "Dockerfile")
	_, hunksOnly, ok := strings.Cut(diff, "\n@@")
	if !ok {
		t.Fatalf("the pull request's diff has no hunk:\n%s", diff)
	}
	hunks, err := ParsePatch("@@" + hunksOnly)
	if err != nil {
		t.Fatal(err)
	}

	findings := scanFixes(t, dir)
	fixed := map[string]bool{}
	var withFix []checks.Finding
	for _, f := range findings {
		if f.Fix != nil && len(f.Fix.Edits) > 0 {
			fixed[f.RuleID] = true
			withFix = append(withFix, f)
		}
	}
	if got, want := slices.Sorted(maps.Keys(fixed)), []string{"CR101", "CR104", "CR105", "CR112"}; !slices.Equal(got, want) {
		t.Fatalf("rules with fixes %v, want %v: the fixture no longer shows what this test is about", got, want)
	}
	plan := MakePlan(withFix, map[string]*Hunks{"Dockerfile": hunks}, nil)
	var where, outside []string
	for _, c := range plan.Comments {
		where = append(where, c.Path+":"+strconv.Itoa(c.StartLine)+"-"+strconv.Itoa(c.Line))
	}
	for _, f := range plan.Outside {
		outside = append(outside, f.RuleID+"@"+strconv.Itoa(f.Location.StartLine))
	}
	// CR104 and CR105 as one suggestion on the install line, the first
	// CR112 with the ARG above its line; CR101 and the second CR112 (whose
	// ARG the first's suggestion makes) outside the diff.
	if want := []string{"Dockerfile:0-7", "Dockerfile:0-11"}; !slices.Equal(where, want) {
		t.Errorf("suggestions on %v, want %v", where, want)
	}
	if want := []string{"CR101@3", "CR112@19"}; !slices.Equal(outside, want) {
		t.Errorf("outside the diff %v, want %v", outside, want)
	}

	// Commit every suggestion, as the "Commit suggestion" button does.
	lines := strings.Split(strings.TrimSuffix(head, "\n"), "\n")
	for _, c := range slices.Backward(plan.Comments) {
		start := c.Line
		if c.StartLine > 0 {
			start = c.StartLine
		}
		lines = slices.Replace(lines, start-1, c.Line, strings.Split(suggested(t, c.Body), "\n")...)
	}
	write(strings.Join(lines, "\n") + "\n")
	git("commit", "-q", "-am", "Apply suggestions from code review")

	// Then the summary's patch, made from the head's file.
	patch, err := FormatPatch(plan.Outside, plan.Applied, func(p string) ([]byte, error) {
		if p != "Dockerfile" {
			t.Fatalf("patch reads %s", p)
		}
		return []byte(head), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if patch.Diff == "" || !patch.OnSuggestions {
		t.Fatalf("patch %+v: want one made on top of the suggestions", patch)
	}
	patchFile := filepath.Join(t.TempDir(), "fixes.patch")
	if err := os.WriteFile(patchFile, []byte(patch.Diff), 0o644); err != nil {
		t.Fatal(err)
	}
	git("apply", "--check", patchFile)
	git("apply", patchFile)
	got, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "fixes", "fixed.golden.Dockerfile"), got)

	// Checked again: nothing the fixes fix is left.
	for _, f := range scanFixes(t, dir) {
		if fixed[f.RuleID] || f.Fix != nil && len(f.Fix.Edits) > 0 {
			t.Errorf("after the fixes: %s line %d: %s", f.RuleID, f.Location.StartLine, f.Message)
		}
	}

	t.Run("rebuild", func(t *testing.T) {
		if testing.Short() {
			t.Skip("-short: the fixed Dockerfile is not built")
		}
		rebuild(t, dir, got)
	})
}

// rebuild builds the fixed Dockerfile in dir on the offline test base
// and looks in the image for what the fixes fixed: it has curl, git and
// CA certificates, runs as a user, and its JDK paths name the build's
// architecture.
func rebuild(t *testing.T, dir string, src []byte) {
	t.Helper()
	testenv.RequireEngine(t)
	d, err := build.NewDocker()
	if err != nil {
		t.Fatalf("docker builder: %v", err)
	}
	defer func() { _ = d.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	res, err := d.Build(ctx, build.Spec{ContextDir: dir, Network: build.NetworkHost, Timeout: 10 * time.Minute,
		Args: map[string]string{"BASE": "coderready-test/debian:bookworm"}})
	if err != nil {
		if f := (*build.Failure)(nil); errors.As(err, &f) {
			t.Fatalf("build of the fixed Dockerfile: %v\n%s", err, f.LogTail)
		}
		t.Fatalf("build of the fixed Dockerfile: %v", err)
	}
	defer func() { _ = d.Remove(context.Background(), res.Ref) }()
	facts, err := image.Inspect(ctx, "docker-daemon:"+res.Ref, image.Options{})
	if err != nil {
		t.Fatalf("read the built image: %v", err)
	}
	df, err := dockerfile.Parse("Dockerfile", src)
	if err != nil {
		t.Fatal(err)
	}
	// The image rules that judge in the image what CR104, CR105 and CR101
	// judge in the file: a download tool, git, CA certificates, a user.
	for _, f := range checks.CheckImage(&checks.ImageInput{Facts: facts, Ref: res.Ref, Dockerfile: df}) {
		if slices.Contains([]string{"CR301", "CR305", "CR306", "CR308"}, f.RuleID) {
			t.Errorf("the built image: %s: %s", f.RuleID, f.Message)
		}
	}
	// CR112's: the ARG declared above the ENV, the build's architecture
	// is in the path.
	for _, key := range []string{"JAVA_HOME", "JDK_LIB"} {
		if v, _ := facts.Config.Getenv(key); !strings.Contains(v, "-openjdk-"+facts.Platform.Architecture) {
			t.Errorf("the built image's %s=%q lacks its architecture %q", key, v, facts.Platform.Architecture)
		}
	}
}

// scanFixes checks the Dockerfile in dir as the app does, without
// building or reading images (the table of well-known images judges the
// base): the fixes come out of the scan one consistent change.
func scanFixes(t *testing.T, dir string) []checks.Finding {
	t.Helper()
	p, err := scan.Plan(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Close() }()
	rep, err := scan.Check(context.Background(), p, scan.Options{NoBuild: true, Offline: true, RootRelative: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []checks.Finding
	for _, tr := range rep.Targets {
		out = append(out, tr.Findings...)
	}
	return out
}

// fixture reads a file of testdata/fixes.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fixes", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
