package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coderready/coderready/app/githubfake"
)

// TestCauseInsideTheDiff: a pull request that removes the USER line makes
// the image run as root, a warning reported on the FROM line far above
// the diff; it is reported once more where USER was removed, so "Files
// changed" shows it.
func TestCauseInsideTheDiff(t *testing.T) {
	var body strings.Builder
	body.WriteString("FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl git\nRUN useradd -m coder\n")
	for i := range 10 {
		fmt.Fprintf(&body, "ENV SETTING_%d=%d\n", i, i)
	}
	baseDF := body.String() + "USER coder\nCMD [\"bash\"]\n"
	headDF := body.String() + "CMD [\"bash\"]\n"
	fake := githubfake.Start(t, githubfake.Options{})
	helloWorld(t, fake, map[string]string{"Dockerfile": headDF})
	fake.AddCommit(fixtureRepo, fixtureBase, map[string]string{"README.md": "# Hello World\n", "Dockerfile": baseDF})
	a := startApp(t, fake, testAppOptions{})
	mustAccept(t, deliver(t, a.Handler(), "pull_request", "d", readFixture(t, "pull_request.opened.json")))
	waitFor(t, 30*time.Second, "the check run", completed(fake, 1))
	waitIdle(t, a)
	cr := targetRuns(fake)[0]
	var at []string
	for _, an := range cr.Annotations {
		if strings.HasPrefix(an.Title, "CR101") {
			at = append(at, fmt.Sprintf("%d:%s", an.StartLine, an.AnnotationLevel))
			if an.StartLine != 1 && !strings.Contains(an.Message, `Removing "USER coder" here likely causes this (reported on line 1)`) {
				t.Errorf("the cause annotation does not say what it is: %q", an.Message)
			}
		}
	}
	// USER stood on line 14; CMD stands there now.
	if strings.Join(at, " ") != "1:warning 14:warning" {
		t.Errorf("CR101 annotated at %v, want on line 1 and where USER was removed (14)", at)
	}
	if !strings.HasPrefix(cr.Output.Title, "Final stage runs as root") {
		t.Errorf("title %q", cr.Output.Title)
	}
}
