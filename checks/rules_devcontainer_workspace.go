package checks

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"github.com/coderready/coderready/devcontainer"
	"github.com/coderready/coderready/dockerfile"
)

// This file holds CR224: a lifecycle command that reaches the repository's
// files at the path `workspaceMount` mounts it on, which envbuilder does
// not use.

func init() {
	Register(&Rule{
		ID: "CR224", Title: "Lifecycle command uses the workspace mount's path", Severity: SeverityWarning, Family: FamilyDevcontainer,
		Builders: []Builder{BuilderEnvbuilder},
		What: "A lifecycle command envbuilder runs (`onCreateCommand`, `updateContentCommand`, `postCreateCommand`, " +
			"`postStartCommand`) names a file of the repository by the absolute path the config's `workspaceMount` " +
			"mounts the repository on (`\"workspaceMount\": \"source=${localWorkspaceFolder},target=/app,type=bind\"` and " +
			"`\"postCreateCommand\": \"bash /app/.devcontainer/setup.sh\"`, with `.devcontainer/setup.sh` in the repository). " +
			"A target under `/workspaces` is not reported, nor a path the Dockerfile copies into the image (a `COPY . /app`, " +
			"or a source that holds the file), nor a command that clones the repository itself, nor a Docker Compose config, which envbuilder cannot build at all (CR202).",
		Why: "envbuilder ignores `workspaceMount` and `workspaceFolder` (CR207): it clones the repository into " +
			"`/workspaces/<repository name>` (its `ENVBUILDER_WORKSPACE_FOLDER` default), changes into that folder and " +
			"runs the lifecycle commands there with `/bin/sh -c`. Nothing is at the mount's path, so the command stops " +
			"with \"No such file or directory\" and the Dev Container's setup is lost. The Dev Containers CLI, and so " +
			"Coder's native integration, mounts the repository where the config says." + cite("envbuilder-workspace", "envbuilder"),
		HowToFix: "Name the file relative to the workspace folder, where both builders run the command " +
			"(`bash .devcontainer/setup.sh`), or through `${containerWorkspaceFolder}` set in `containerEnv`.",
		Sources:      []string{"envbuilder-workspace", "envbuilder"},
		Devcontainer: checkCR224,
	})
}

// checkCR224 reports lifecycle commands that name the repository's files
// at the path workspaceMount mounts it on.
func checkCR224(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	if c.Has("/dockerComposeFile") || in.Files == nil {
		return nil
	}
	target, sub, ok := workspaceMountTarget(c)
	if !ok {
		return nil
	}
	// The image may be one the repository builds with its own files in
	// it: not known, so not judged.
	if img := c.String("/image"); img != "" && in.BuiltImage != nil && in.BuiltImage(img) {
		return nil
	}
	root := path.Join(configRoot(c), sub)
	if strings.HasPrefix(root, "../") || root == ".." {
		return nil
	}
	var out []Finding
	for _, name := range envbuilderLifecycle {
		for _, part := range commandParts(c.Command(name)) {
			if strings.Contains(part.script, "git clone") {
				continue
			}
			abs, rel := mountedFile(part.script, target, root, in.Files)
			if abs == "" || copiedIntoImage(in.Dockerfile, rel) {
				continue
			}
			f := dcAt(c, "/"+name, fmt.Sprintf("`%s` runs `%s`, the repository's `%s` where `workspaceMount` mounts it (`%s`): "+
				"envbuilder ignores `workspaceMount` and clones the repository into `/workspaces/<repository name>`, so "+
				"nothing is at `%s` and the command fails", name, abs, rel, target, abs))
			f.Evidence = EvidenceFile
			relToWS, _ := strings.CutPrefix(abs, target+"/")
			f.Fix = &Fix{Description: fmt.Sprintf("name it relative to the workspace folder, where envbuilder and the Dev Containers CLI run the command: `%s`", relToWS)}
			// The Dev Containers CLI runs the command in workspaceFolder:
			// a path relative to it serves both only when that is the
			// mount's target.
			if wf := c.String("/workspaceFolder"); (wf == "" || path.Clean(wf) == target) && c.Pos("/"+name).Line == c.Node("/"+name).End.Line {
				if e, ok := dcLineEdit(c, c.Pos("/"+name).Line, abs, relToWS); ok {
					e.Text = strings.ReplaceAll(e.Text, abs, relToWS)
					f.Fix.Edits = []Edit{e}
				}
			}
			out = append(out, f)
			break
		}
	}
	return out
}

// workspaceMountTarget is the folder the config's workspaceMount binds
// `${localWorkspaceFolder}` (or a folder under it, sub) on; ok is false
// for none, a target under /workspaces (where envbuilder clones too) or
// one that holds a variable.
func workspaceMountTarget(c *devcontainer.Config) (target, sub string, ok bool) {
	s := c.String("/workspaceMount")
	if s == "" {
		return "", "", false
	}
	typ, src := mountParts(s, nil)
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		if k = strings.TrimSpace(k); k == "target" || k == "dst" || k == "destination" {
			target = strings.TrimSpace(v)
		}
	}
	rest, isWS := strings.CutPrefix(src, "${localWorkspaceFolder}")
	target = path.Clean(target)
	if typ != "bind" || !isWS || strings.Contains(rest, "$") || rest != "" && !strings.HasPrefix(rest, "/") ||
		!strings.HasPrefix(target, "/") || target == "/" || strings.Contains(target, "$") ||
		target == "/workspaces" || strings.HasPrefix(target, "/workspaces/") {
		return "", "", false
	}
	return target, strings.TrimPrefix(rest, "/"), true
}

// configRoot is the folder `${localWorkspaceFolder}` is for a config: the
// one that holds its `.devcontainer` folder (or `.devcontainer.json`).
func configRoot(c *devcontainer.Config) string {
	dir := path.Dir(c.Path)
	if i := strings.Index("/"+dir+"/", "/.devcontainer/"); i >= 0 {
		root := strings.TrimPrefix(path.Clean("/" + dir)[:i], "/")
		if root == "" {
			return "."
		}
		return root
	}
	return dir
}

// mountPath matches an absolute path word in a command.
var mountPath = regexp.MustCompile(`(?:^|[\s"'=;&|(])(/[A-Za-z0-9_.@+/-]+)`)

// mountedFile finds in a command a path under target that names a file of
// the repository (folder root, relative to the scanned root): the path as
// written, and the file relative to the repository.
func mountedFile(script, target, root string, files fs.FS) (abs, rel string) {
	for _, m := range mountPath.FindAllStringSubmatch(script, -1) {
		p := strings.TrimRight(m[1], "/.")
		r, ok := strings.CutPrefix(p, target+"/")
		if !ok || r == "" {
			continue
		}
		file := path.Join(root, path.Clean(r))
		if strings.HasPrefix(file, "../") {
			continue
		}
		if st, err := fs.Stat(files, file); err == nil && !st.IsDir() {
			return p, path.Clean(r)
		}
	}
	return "", ""
}

// copiedIntoImage reports whether the Dockerfile copies the repository's
// file rel (relative to the workspace) into the image from its context:
// a COPY or ADD of `.`, of a folder that holds it, of the file itself or
// of a pattern. Which context folder the source is read from is not
// worked out: any such source counts.
func copiedIntoImage(f *dockerfile.File, rel string) bool {
	if f == nil {
		return false
	}
	for _, s := range f.Stages {
		for _, ins := range s.Instructions {
			if ins.Cmd != "copy" && ins.Cmd != "add" || len(ins.Args) < 2 || copiesFromElsewhere(ins) {
				continue
			}
			for _, src := range ins.Args[:len(ins.Args)-1] {
				src = path.Clean(strings.TrimPrefix(strings.Trim(src, `"'`), "/"))
				if src == "." || strings.ContainsAny(src, "*?[$") || rel == src || strings.HasPrefix(rel, src+"/") ||
					strings.HasSuffix(rel, "/"+src) || strings.Contains(rel, "/"+src+"/") {
					return true
				}
			}
		}
	}
	return false
}
