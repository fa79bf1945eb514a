package app

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coderready/coderready/app/githubfake"
	"github.com/coderready/coderready/checks"
)

// TestNewOrExisting: a pull request that fixes one problem of the base
// branch's Dockerfile and adds another is judged on what it adds; what
// the base branch has too is listed apart and annotated as config
// app.existing says, and counts only with app.fail-on-existing.
func TestNewOrExisting(t *testing.T) {
	const download = "RUN curl -fsSLo /usr/local/bin/tool https://example.com/tool-linux-amd64\n"
	tests := []struct {
		name   string
		config string
		head   string
		// rule@line:level of each annotation, sorted
		annotations []string
		conclusion  string
		title       string
	}{
		{
			name: "fixes the root user, adds a hard-coded architecture",
			// USER fixes CR101; the download adds CR112; CR104 and CR105
			// stay (notices, already on master).
			head:        rootDockerfile + download + "USER 1000\n",
			annotations: []string{"CR104@1:notice", "CR105@1:notice", "CR112@4:warning"},
			conclusion:  "neutral",
			title:       "Architecture hard-coded in a download (2 already on master)",
		},
		{
			name: "moves the lines of a warning the base has",
			// CR101 is a warning, on line 2 now: still the base's.
			head:        "# the workspace image\n" + rootDockerfile,
			annotations: []string{"CR101@2:notice", "CR104@2:notice", "CR105@2:notice"},
			conclusion:  "success",
			title:       "No new findings (3 already on master)",
		},
		{
			name:        "fail-on-existing, annotate",
			config:      "app:\n  existing: annotate\n  fail-on-existing: true\n",
			head:        "# the workspace image\n" + rootDockerfile,
			annotations: []string{"CR101@2:warning", "CR104@2:notice", "CR105@2:notice"},
			conclusion:  "neutral",
			title:       "No new findings (3 already on master)",
		},
		{
			name:       "hide",
			config:     "app:\n  existing: hide\n",
			head:       rootDockerfile + download + "USER 1000\n",
			conclusion: "neutral", annotations: []string{"CR112@4:warning"},
			title: "Architecture hard-coded in a download (2 already on master)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := githubfake.Start(t, githubfake.Options{})
			helloWorld(t, fake, map[string]string{"Dockerfile": tt.head})
			base := map[string]string{"README.md": "# Hello World\n", "Dockerfile": rootDockerfile}
			if tt.config != "" {
				base[".github/coderready.yaml"] = tt.config
			}
			fake.AddCommit(fixtureRepo, fixtureBase, base)
			a := startApp(t, fake, testAppOptions{})
			mustAccept(t, deliver(t, a.Handler(), "pull_request", "d", readFixture(t, "pull_request.opened.json")))
			waitFor(t, 30*time.Second, "the check run", completed(fake, 1))
			waitIdle(t, a)
			cr := targetRuns(fake)[0]
			var got []string
			for _, an := range cr.Annotations {
				rule, _, _ := strings.Cut(an.Title, ":")
				got = append(got, rule+"@"+itoa(an.StartLine)+":"+an.AnnotationLevel)
				if an.AnnotationLevel == "notice" && rule != "CR112" && !strings.HasSuffix(an.Message, "(already on master)") {
					t.Errorf("%s: an existing finding's annotation does not say so: %q", rule, an.Message)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.annotations) {
				t.Errorf("annotations %v, want %v", got, tt.annotations)
			}
			if cr.Conclusion != tt.conclusion || cr.Output.Title != tt.title {
				t.Errorf("conclusion %q, title %q; want %q, %q", cr.Conclusion, cr.Output.Title, tt.conclusion, tt.title)
			}
			sum := cr.Output.Summary
			newAt, oldAt := strings.Index(sum, "### New in this pull request"), strings.Index(sum, "### Already on `master`")
			if oldAt < 0 || (!strings.HasPrefix(tt.title, "No new") && (newAt < 0 || newAt > oldAt)) {
				t.Errorf("the summary does not list new findings, then those already on master:\n%s", sum)
			}
			if agg := aggregateRuns(fake); len(agg) != 1 || agg[0].Conclusion != tt.conclusion {
				t.Errorf("aggregate %+v, want %s", agg, tt.conclusion)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestMatchTarget: a finding matches the base's by rule, file and message
// whatever its line (also a line named in the message); each base finding
// matches once; with a filter (the base's static pass), only the findings
// it keeps are matched.
func TestMatchTarget(t *testing.T) {
	f := func(rule, path string, line int, msg string, ev checks.Evidence) checks.Finding {
		return checks.Finding{RuleID: rule, Message: msg, Location: checks.Location{Path: path, StartLine: line, EndLine: line}, Evidence: ev}
	}
	base := []checks.Finding{
		f("CR113", "Dockerfile", 4, "ARG V is used in FROM on line 4 but has no default", checks.EvidenceFile),
		f("CR112", "Dockerfile", 9, "`x-amd64` hard-codes the amd64 architecture", checks.EvidenceFile),
		f("CR104", "Dockerfile", 1, "no curl", checks.EvidenceImage),
	}
	moved := f("CR113", "Dockerfile", 6, "ARG V is used in FROM on line 6 but has no default", checks.EvidenceFile)
	again := f("CR112", "Dockerfile", 12, "`x-amd64` hard-codes the amd64 architecture", checks.EvidenceFile)
	twice := f("CR112", "Dockerfile", 13, "`x-amd64` hard-codes the amd64 architecture", checks.EvidenceFile)
	image := f("CR104", "Dockerfile", 1, "no curl", checks.EvidenceImage)
	head := []checks.Finding{moved, again, twice, image}
	old := matchTarget(head, base, nil)
	var fresh []checks.Finding
	for _, h := range head {
		if !old[findingKey(h)] {
			fresh = append(fresh, h)
		}
	}
	if len(old) != 3 || len(fresh) != 1 || fresh[0].Location.StartLine != 13 {
		t.Errorf("new %v, %d existing; want the second copy of CR112 new, the rest existing", fresh, len(old))
	}
	if files := matchTarget(head, base, fromFiles); len(files) != 2 || files[findingKey(image)] {
		t.Errorf("matched from the files only: %v, want CR113 and one CR112, not the image's CR104", files)
	}
	if len(matchTarget(head, nil, nil)) != 0 {
		t.Error("without base findings, something is existing")
	}
}
