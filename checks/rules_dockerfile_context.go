package checks

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// This file holds CR124: a COPY or ADD source the build context does not
// have, when the context is known exactly.

func init() {
	Register(&Rule{
		ID:       "CR124",
		Title:    "COPY source not in the build context",
		Severity: SeverityError,
		Family:   FamilyDockerfile,
		What: "A `COPY` or `ADD` of a stage the build runs names a source that is not in the build context, when the context " +
			"is known exactly: the `build.context` of the devcontainer.json (or of its Docker Compose service) that builds " +
			"the Dockerfile, with nothing run before the build that could add files (no `initializeCommand`, no git " +
			"submodules, whose folders a checkout may leave empty). Sources from another stage or image (`--from`), URLs, " +
			"here-documents, wildcards and sources that hold a variable the file does not set are not judged. A Dockerfile " +
			"built on its own is not judged: its context is whatever the build command names, and CI often makes files " +
			"(a binary, `dist/`) before it builds.",
		Why: "envbuilder and the Dev Containers CLI build from the repository as cloned, with the context the config names; " +
			"BuildKit and Kaniko refuse a source the context lacks (`failed to compute cache key: \"/x\": not found`), so " +
			"the image is not built and the workspace does not start. A file that exists only on the developer's machine " +
			"(a `.env` the repository ignores, a build output) is not in a workspace's fresh clone." + cite("dockerfile", "envbuilder"),
		HowToFix: "Commit the file, or point the source at where it is in the context (paths are relative to the context, " +
			"not to the Dockerfile), or widen `build.context` in devcontainer.json (`\"..\"` for the repository root).",
		Sources:    []string{"dockerfile", "envbuilder"},
		Dockerfile: checkCR124,
	})
}

// checkCR124 reports COPY and ADD sources missing from an exactly known
// build context.
func checkCR124(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil || in.Context == nil || in.ExactContext == "" {
		return nil
	}
	built := v.builtStages()
	var out []Finding
	for _, s := range v.f.Stages {
		if !built[s] {
			continue
		}
		for _, ins := range s.Instructions {
			if ins.Cmd != "copy" && ins.Cmd != "add" || len(ins.Args) < 2 || len(ins.Heredocs) > 0 {
				continue
			}
			if _, ok := ins.Flag("from"); ok {
				continue
			}
			vars := v.stageVars(s, ins)
			for _, src := range ins.Args[:len(ins.Args)-1] {
				rel, ok := contextSource(expandKnown(strings.Trim(src, `"'`), vars))
				if !ok {
					continue
				}
				if _, err := fs.Lstat(in.Context, rel); !errors.Is(err, fs.ErrNotExist) {
					continue
				}
				out = append(out, Finding{
					Message: fmt.Sprintf("`%s` is not in the build context (`%s`, the devcontainer.json's `build.context`): "+
						"the build fails with `\"/%s\": not found`, and the workspace does not start", src, in.ExactContext, rel),
					Location: v.instLoc(ins),
					Evidence: EvidenceFile,
					Fix: &Fix{Description: fmt.Sprintf("commit `%s` under `%s`, or name the path it has in the context", rel,
						in.ExactContext)},
				})
			}
		}
	}
	return out
}

// contextSource returns the path in the context a COPY or ADD source
// names, ok false when the source is not one to judge: a URL or git
// source, a wildcard, a variable left unset, a path that leaves the
// context.
func contextSource(src string) (string, bool) {
	if src == "" || hasVar(src) || strings.ContainsAny(src, "*?[") || strings.Contains(src, "://") ||
		strings.HasPrefix(src, "git@") || strings.HasPrefix(src, "<<") {
		return "", false
	}
	rel := path.Clean(strings.TrimPrefix(src, "/"))
	if rel == "." || rel == ".." || strings.HasPrefix(rel, "../") || !fs.ValidPath(rel) {
		return "", false
	}
	return rel, true
}
