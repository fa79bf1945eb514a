package scan

import (
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/coderready/coderready/internal/rootfs"
)

// A GitHub workflow that calls a reusable workflow of the repository
// (`uses: ./.github/workflows/image_app.yml`) builds what that workflow's
// steps build, with the inputs the call hands it: one call per matrix
// combination (`include: [{name: opera, platforms: linux/amd64}]`). The
// called workflow alone names its Dockerfiles and platforms only through
// `${{ inputs.x }}`, which the line reader leaves out.

// maxCalls bounds the matrix combinations read for one calling job.
const maxCalls = 64

// workflowFile is the part of a workflow file the calls are read from.
type workflowFile struct {
	On   yaml.Node              `yaml:"on"`
	Jobs map[string]workflowJob `yaml:"jobs"`
}

// workflowJob is one job: a call of another workflow (Uses, With, its
// matrix), or steps.
type workflowJob struct {
	Uses     string            `yaml:"uses"`
	With     map[string]string `yaml:"with"`
	Strategy struct {
		Matrix yaml.Node `yaml:"matrix"`
	} `yaml:"strategy"`
	Steps []struct {
		With map[string]string `yaml:"with"`
	} `yaml:"steps"`
}

// reusableCalls records, for each job of the workflow b that calls a
// reusable workflow of the same repository, the Dockerfiles the called
// workflow's steps build and the platforms they build them for, with the
// call's inputs (per matrix combination) in place of `${{ inputs.x }}`.
// A Dockerfile several calls build is built for every platform they name.
func reusableCalls(repo *rootfs.Root, b []byte, f *buildFile) {
	var caller workflowFile
	if yaml.Unmarshal(b, &caller) != nil {
		return
	}
	built := map[string][]string{}
	var order []string
	for _, id := range slices.Sorted(maps.Keys(caller.Jobs)) {
		job := caller.Jobs[id]
		rel, ok := strings.CutPrefix(job.Uses, "./")
		if !ok || !strings.HasPrefix(rel, ".github/workflows/") {
			continue
		}
		called, err := rootfs.ReadFile(repo.FS(), path.Clean(rel), maxBuildFileBytes)
		if err != nil {
			continue
		}
		var wf workflowFile
		if yaml.Unmarshal(called, &wf) != nil {
			continue
		}
		defaults := inputDefaults(wf.On)
		for _, combo := range matrixCombos(&job.Strategy.Matrix) {
			inputs := maps.Clone(defaults)
			for k, v := range job.With {
				inputs[k] = matrixRef.ReplaceAllStringFunc(v, func(m string) string {
					return combo[matrixRef.FindStringSubmatch(m)[1]] // a key the combination lacks is ''
				})
			}
			for _, steps := range slices.Sorted(maps.Keys(wf.Jobs)) {
				for _, st := range wf.Jobs[steps].Steps {
					df, plat := stepBuild(st.With, inputs)
					if df == "" || plat == "" {
						continue
					}
					if _, seen := built[df]; !seen {
						order = append(order, df)
					}
					for _, p := range strings.Split(plat, ",") {
						built[df] = appendNew(built[df], strings.TrimSpace(p))
					}
				}
			}
		}
	}
	for _, df := range order {
		f.dfPlatform(df, strings.Join(built[df], ","))
	}
}

// stepBuild is the Dockerfile a called workflow's step builds
// (docker/build-push-action's `file:`, else its `context:`'s Dockerfile)
// and its `platforms:`, with the inputs in place; "" where the step names
// none or something stays unknown.
func stepBuild(with map[string]string, inputs map[string]string) (df, plat string) {
	file, ok := evalInputs(with["file"], inputs)
	if !ok {
		return "", ""
	}
	if file == "" {
		ctx, ok := evalInputs(with["context"], inputs)
		if !ok || ctx == "" || strings.Contains(ctx, "://") {
			return "", ""
		}
		file = path.Join(ctx, "Dockerfile")
	}
	plat, ok = evalInputs(with["platforms"], inputs)
	if !ok {
		return "", ""
	}
	return path.Clean(strings.TrimPrefix(file, "./")), strings.TrimSpace(plat)
}

// inputExpr is one `${{ … }}` expression.
var inputExpr = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// inputOperand is one operand of an expression: `inputs.name` or a
// quoted literal.
var inputOperand = regexp.MustCompile(`^(?:inputs\.([A-Za-z_][A-Za-z0-9_-]*)|'([^']*)')$`)

// evalInputs puts the inputs in place of the expressions of s: an input
// (`inputs.name`), a literal, or a choice of them (`inputs.x || 'Dockerfile'`,
// the first that is not empty). ok is false where an expression is
// anything else or a value stays a variable.
func evalInputs(s string, inputs map[string]string) (string, bool) {
	ok := true
	out := inputExpr.ReplaceAllStringFunc(s, func(m string) string {
		v := ""
		for _, op := range strings.Split(inputExpr.FindStringSubmatch(m)[1], "||") {
			o := inputOperand.FindStringSubmatch(strings.TrimSpace(op))
			if o == nil {
				ok = false
				return ""
			}
			if v = o[2]; o[1] != "" {
				v = inputs[o[1]]
			}
			if v != "" {
				break
			}
		}
		return v
	})
	return out, ok && !strings.Contains(out, "$")
}

// inputDefaults are the defaults a reusable workflow gives its inputs
// (`on: workflow_call: inputs: platforms: default: linux/amd64`).
func inputDefaults(on yaml.Node) map[string]string {
	var spec struct {
		Call struct {
			Inputs map[string]struct {
				Default string `yaml:"default"`
			} `yaml:"inputs"`
		} `yaml:"workflow_call"`
	}
	out := map[string]string{}
	if on.Kind != yaml.MappingNode || on.Decode(&spec) != nil {
		return out
	}
	for k, in := range spec.Call.Inputs {
		out[k] = in.Default
	}
	return out
}

// matrixCombos are a job's matrix combinations as GitHub makes them: every
// combination of the keys' lists less those an `exclude` entry matches,
// then each `include` entry added to the combinations whose listed values
// it keeps (or as a combination of its own where it keeps none). A job
// with no matrix is one empty combination; nil where the matrix is an
// expression (`fromJSON(…)`).
func matrixCombos(n *yaml.Node) []map[string]string {
	if n.Kind == 0 {
		return []map[string]string{{}}
	}
	var m map[string]yaml.Node
	if n.Decode(&m) != nil {
		return nil
	}
	var includes, excludes []map[string]string
	for k, v := range map[string]*[]map[string]string{"include": &includes, "exclude": &excludes} {
		if node, ok := m[k]; ok && node.Decode(v) != nil {
			return nil
		}
	}
	lists := map[string][]string{}
	for k, node := range m {
		if k == "include" || k == "exclude" {
			continue
		}
		var vals []string
		if node.Decode(&vals) != nil || len(vals) == 0 {
			return nil
		}
		lists[k] = vals
	}
	var combos []map[string]string
	if len(lists) > 0 {
		combos = []map[string]string{{}}
		for _, k := range slices.Sorted(maps.Keys(lists)) {
			var next []map[string]string
			for _, c := range combos {
				for _, v := range lists[k] {
					if len(next) < maxCalls {
						next = append(next, with(c, map[string]string{k: v}))
					}
				}
			}
			combos = next
		}
	}
	combos = slices.DeleteFunc(combos, func(c map[string]string) bool {
		return slices.ContainsFunc(excludes, func(x map[string]string) bool { return matches(c, x, nil) })
	})
	listed := len(combos)
	for _, inc := range includes {
		added := false
		for i := range listed {
			if matches(combos[i], inc, lists) {
				combos[i], added = with(combos[i], inc), true
			}
		}
		if !added && len(combos) < maxCalls {
			combos = append(combos, inc)
		}
	}
	return combos
}

// matches reports whether the combination has entry's values: all of
// them, or (with lists) those of the keys the matrix lists.
func matches(combo, entry map[string]string, lists map[string][]string) bool {
	for k, v := range entry {
		if _, listed := lists[k]; (lists == nil || listed) && combo[k] != v {
			return false
		}
	}
	return true
}

// with is a copy of combo with more's values set.
func with(combo, more map[string]string) map[string]string {
	out := maps.Clone(combo)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, more)
	return out
}
