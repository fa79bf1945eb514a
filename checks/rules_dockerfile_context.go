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
			"the Dockerfile, with nothing run before the build that could add files (no git " +
			"submodules, whose folders a checkout may leave empty; with an `initializeCommand`, which may make it before a Dev Containers CLI build, only for envbuilder, which never runs it). Where the config sets no `build.context` and the " +
			"Dockerfile is in another folder (`\"dockerfile\": \"../examples.Dockerfile\"`), the builders differ: envbuilder " +
			"builds from the devcontainer.json's folder, the Dev Containers CLI from the Dockerfile's, and the finding names " +
			"the builder whose context lacks the source (none when config `devcontainer.builder` picks the other). Sources from another stage or image (`--from`), URLs, " +
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
				if f, ok := missingSource(in, src, rel); ok {
					f.Location = v.instLoc(ins)
					out = append(out, f)
				}
			}
		}
	}
	return out
}

// missingSource is CR124's finding for the source src (rel in the
// context) when a builder's context lacks it. Where the config sets no
// `build.context` and the Dockerfile is in another folder, envbuilder
// builds from the config's folder and the Dev Containers CLI from the
// Dockerfile's: a source only one of them lacks fails that builder's
// build, unless config picks the other builder.
func missingSource(in *DockerfileInput, src, rel string) (Finding, bool) {
	missing := func(ctx fs.FS) bool {
		_, err := fs.Lstat(ctx, rel)
		return errors.Is(err, fs.ErrNotExist)
	}
	eb := missing(in.Context)
	if in.InitAdds {
		// The Dev Containers CLI runs initializeCommand first, which may
		// make the file (a download kept out of Git); envbuilder never
		// runs it, so a file its context lacks is missing there.
		if !eb || in.Config.builder() == ConfigBuilderNative {
			return Finding{}, false
		}
		return Finding{
			Message: fmt.Sprintf("`%s` is not in the build context (`%s`): the config's `initializeCommand` may make it before a "+
				"Dev Containers CLI build, but envbuilder never runs `initializeCommand`, so under envbuilder the build fails "+
				"with `\"/%s\": not found` and the workspace does not start", src, in.ExactContext, rel),
			Evidence: EvidenceFile,
			Fix: &Fix{Description: fmt.Sprintf("commit `%s` under `%s` (a placeholder will do when the step that needs it is optional), "+
				"or make it in a RUN of the Dockerfile instead of in `initializeCommand`", rel, in.ExactContext)},
		}, true
	}
	if in.CLIContext == nil {
		if !eb {
			return Finding{}, false
		}
		whose := "the devcontainer.json's `build.context`"
		if in.Devcontainer != nil && in.Devcontainer.Has("/dockerComposeFile") {
			whose = "the build context of its Compose service"
		}
		return Finding{
			Message: fmt.Sprintf("`%s` is not in the build context (`%s`, %s): "+
				"the build fails with `\"/%s\": not found`, and the workspace does not start", src, in.ExactContext, whose, rel),
			Evidence: EvidenceFile,
			Fix:      &Fix{Description: fmt.Sprintf("commit `%s` under `%s`, or name the path it has in the context", rel, in.ExactContext)},
		}, true
	}
	cli := missing(in.CLIContext)
	fix := &Fix{Description: "set `build.context` in devcontainer.json, so that both builders build from the folder that holds it " +
		"(paths in the Dockerfile are relative to the context)"}
	found := func(msg string) (Finding, bool) {
		return Finding{Message: msg, Evidence: EvidenceFile, Fix: fix}, true
	}
	switch b := in.Config.builder(); {
	case eb && cli:
		return found(fmt.Sprintf("`%s` is in neither build context: not in `%s`, the devcontainer.json's folder envbuilder builds "+
			"from, nor in `%s`, the Dockerfile's folder the Dev Containers CLI builds from (the config sets no `build.context`): "+
			"the build fails with `\"/%s\": not found`, and the workspace does not start", src, in.ExactContext, in.CLIExactContext, rel))
	case eb && b != ConfigBuilderNative:
		return found(fmt.Sprintf("`%s` is not in `%s`, the devcontainer.json's folder, which envbuilder builds from when the "+
			"config sets no `build.context` (the Dev Containers CLI builds from the Dockerfile's folder, `%s`, which has it): "+
			"under envbuilder the build fails with `\"/%s\": not found`, and the workspace does not start", src, in.ExactContext, in.CLIExactContext, rel))
	case cli && b != ConfigBuilderEnvbuilder:
		return found(fmt.Sprintf("`%s` is not in `%s`, the Dockerfile's folder, which the Dev Containers CLI (Coder's native "+
			"integration) builds from when the config sets no `build.context` (envbuilder builds from the devcontainer.json's "+
			"folder, `%s`, which has it): under the CLI the build fails with `\"/%s\": not found`", src, in.CLIExactContext, in.ExactContext, rel))
	}
	return Finding{}, false
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
