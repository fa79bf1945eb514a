package scan

import (
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
)

// Discovery finds devcontainer.json files where the Dev Container spec puts
// them (IsDevcontainerPath). envbuilder can be pointed anywhere, and two
// kinds of repositories do so: a Coder template in the repository that sets
// ENVBUILDER_DEVCONTAINER_DIR (and maybe ENVBUILDER_DEVCONTAINER_JSON_PATH)
// to a folder of it, and example folders that hold a devcontainer.json
// beside the Dockerfile it builds (coder/envbuilder's examples/docker/*/).
// extraConfigs collects what the walk sees and names those configs, so they
// are checked as devcontainer targets too.

// maxTemplateBytes bounds the Terraform files read for envbuilder settings.
const maxTemplateBytes = 1 << 20

// extraConfigs is what discovery's walk saw that may point at a
// devcontainer.json outside the spec's places.
type extraConfigs struct {
	// tf are the Terraform files (*.tf), jsons the `*.json` files not in a
	// spec place, and dockerDirs the folders that hold a Dockerfile.
	tf, jsons  []string
	dockerDirs map[string]bool
}

// see records a file the walk found (rel is slash-separated).
func (x *extraConfigs) see(rel string, spec bool) {
	name := path.Base(rel)
	switch {
	case strings.HasSuffix(name, ".tf"):
		x.tf = append(x.tf, rel)
	case strings.HasSuffix(name, ".json") && !spec:
		x.jsons = append(x.jsons, rel)
	case IsDockerfileName(name):
		if x.dockerDirs == nil {
			x.dockerDirs = map[string]bool{}
		}
		x.dockerDirs[path.Dir(rel)] = true
	}
}

// envbuilderSetting matches an ENVBUILDER_DEVCONTAINER_DIR or
// ENVBUILDER_DEVCONTAINER_JSON_PATH setting in a Terraform file in the
// forms templates write it: a map entry (`ENVBUILDER_DEVCONTAINER_DIR =
// "x"`, also quoted as a key or with `:`), an env list item
// (`"ENVBUILDER_DEVCONTAINER_DIR=x"`) or a Kubernetes env block (`name =
// "ENVBUILDER_DEVCONTAINER_DIR"` then `value = "x"`).
var envbuilderSetting = regexp.MustCompile(`(ENVBUILDER_DEVCONTAINER_(?:DIR|JSON_PATH))"?\s*(?:[=:]\s*"([^"]*)"|=([^"\s]*)"|"\s*\n\s*value\s*=\s*"([^"]*)")`)

// configs returns the devcontainer.json files found neither by name nor by
// place that envbuilder is pointed at: those a Terraform file of the
// repository names, a `devcontainer.json` at the root (envbuilder's second
// default place), and a `devcontainer.json` beside a Dockerfile in a
// folder under an `examples` folder. ignore drops paths as discovery does.
func (x *extraConfigs) configs(fsys fs.FS, ignore func(string) bool) []Found {
	want := map[string]bool{}
	for _, tf := range x.tf {
		for _, p := range templateConfigs(fsys, tf) {
			want[p] = true
		}
	}
	for _, j := range x.jsons {
		// envbuilder's own lookup takes a `devcontainer.json` at the
		// repository root when `.devcontainer/devcontainer.json` is absent.
		if j == "devcontainer.json" || path.Base(j) == "devcontainer.json" && x.dockerDirs[path.Dir(j)] && underExamples(j) {
			want[j] = true
		}
	}
	var out []Found
	for _, j := range x.jsons {
		if want[j] && (ignore == nil || !ignore(j)) {
			out = append(out, Found{Path: j, Devcontainer: true})
		}
	}
	return out
}

// underExamples reports whether a path lies in a folder named `examples`.
func underExamples(rel string) bool {
	return slices.Contains(strings.Split(path.Dir(rel), "/"), "examples")
}

// templateConfigs returns the devcontainer.json paths (relative to the
// root) a Terraform file points envbuilder at: ENVBUILDER_DEVCONTAINER_DIR
// relative to the repository (envbuilder's workspace folder), with
// ENVBUILDER_DEVCONTAINER_JSON_PATH's file name when the file sets one.
// Values with Terraform interpolation or absolute paths are not followed.
func templateConfigs(fsys fs.FS, tf string) []string {
	fi, err := fs.Stat(fsys, tf)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxTemplateBytes {
		return nil
	}
	src, err := fs.ReadFile(fsys, tf)
	if err != nil {
		return nil
	}
	var dirs []string
	name := "devcontainer.json"
	for _, m := range envbuilderSetting.FindAllStringSubmatch(string(src), -1) {
		v := m[2] + m[3] + m[4]
		if v == "" || strings.Contains(v, "${") || strings.HasPrefix(v, "/") {
			continue
		}
		if m[1] == "ENVBUILDER_DEVCONTAINER_DIR" {
			dirs = append(dirs, v)
		} else if !strings.Contains(v, "/") {
			name = v
		}
	}
	var out []string
	for _, d := range dirs {
		p := path.Join(path.Clean(d), name)
		if fs.ValidPath(p) {
			out = append(out, p)
		}
	}
	return out
}
