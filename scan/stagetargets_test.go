package scan

import (
	"fmt"
	"slices"
	"testing"
)

// TestTargetStages: a stage other than the last, named for working in,
// that the repository's build files build as an image of its own (a workflow step's `target:`,
// also through its job's matrix list; a build command's `--target`; a
// Compose service's `build.target`) is judged as that image, and says
// which stage and file; the last stage, a stage no file names, one named
// for something else (`runtime`), a name
// that is no stage and a target still holding a variable add nothing, and
// a finding the last stage already has is not repeated.
func TestTargetStages(t *testing.T) {
	df := "FROM debian:12 AS base\nRUN apt-get update\n" +
		"FROM base AS lab\nRUN apt-get install -y git\n" +
		"FROM base AS server\nRUN useradd -m app\nUSER app\n"
	lab := "Dockerfile:3 the image runs as root: there is no USER and `debian:12` runs as root (stage `lab`, which %s builds as an image of its own)"
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"a workflow matrix list of targets", map[string]string{"Dockerfile": df,
			".github/workflows/images.yaml": "jobs:\n  build:\n    strategy:\n      matrix:\n        stage:\n          - lab\n          - server\n" +
				"    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          file: Dockerfile\n          target: ${{ matrix.stage }}\n"},
			[]string{fmt.Sprintf(lab, ".github/workflows/images.yaml")}},
		{"a build command's --target", map[string]string{"Dockerfile": df,
			"Makefile": "lab:\n\tdocker build --target lab -t acme/lab:dev .\n"},
			[]string{fmt.Sprintf(lab, "Makefile")}},
		{"a Compose service's build target", map[string]string{"Dockerfile": df,
			"compose.yaml": "services:\n  lab:\n    build:\n      context: .\n      target: lab\n"},
			[]string{fmt.Sprintf(lab, "compose.yaml")}},
		{"the last stage as the target", map[string]string{"Dockerfile": df,
			"Makefile": "server:\n\tdocker build --target server -f Dockerfile .\n"}, nil},
		{"a name that is no stage", map[string]string{"Dockerfile": df,
			"Makefile": "x:\n\tdocker build --target notebook -f Dockerfile .\n"}, nil},
		{"a target left to a variable", map[string]string{"Dockerfile": df,
			"Makefile": "x:\n\tdocker build --target $(STAGE) -f Dockerfile .\n"}, nil},
		{"a stage that makes no workspace", map[string]string{"Dockerfile": "FROM debian:12 AS runtime\nRUN apt-get update\nFROM runtime AS final\nUSER 1000\n",
			"Makefile": "x:\n\tdocker build --target runtime -f Dockerfile .\n"}, nil},
		{"no target", map[string]string{"Dockerfile": df, "Makefile": "x:\n\tdocker build -t acme/server -f Dockerfile .\n"}, nil},
		{"the same USER for both: its finding once", map[string]string{"Dockerfile": "FROM debian:12 AS dev\nUSER root\nFROM dev AS app\n",
			"Makefile": "x:\n\tdocker build --target dev -f Dockerfile .\n"},
			[]string{"Dockerfile:2 the image ends as root: the last USER is `root`"}},
		{"a root stage under a root last stage: each image", map[string]string{"Dockerfile": "FROM debian:12 AS devel\nRUN apt-get update\nFROM devel AS app\n",
			"Makefile": "x:\n\tdocker build --target devel -f Dockerfile .\n"},
			[]string{"Dockerfile:1 the image runs as root: there is no USER and `debian:12` runs as root (stage `devel`, which Makefile builds as an image of its own)",
				"Dockerfile:3 the image runs as root: there is no USER and `debian:12` runs as root"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := offlineFindings(t, writeTree(t, tc.files), "CR101")
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
