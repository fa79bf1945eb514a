package checks

import (
	"errors"
	"fmt"
	"path"

	"github.com/coderready/coderready/devcontainer"
)

func init() {
	Register(&Rule{
		ID: "CR200", Title: "devcontainer.json does not parse", Severity: SeverityError, Family: FamilyDevcontainer,
		What: "The file is not valid JSONC (JSON with comments and trailing commas), so no tool can read it.",
		Why: "Coder's builders (envbuilder, and the Dev Containers CLI behind the native integration) parse " +
			"devcontainer.json as JSONC and stop at the first error; the workspace fails to build.",
		HowToFix: "Fix the syntax at the reported line and column.",
		Sources:  []string{"spec", "envbuilder"},
		Devcontainer: func(in *DevcontainerInput) []Finding {
			if in.ParseErr == nil {
				return nil
			}
			var se *devcontainer.SyntaxError
			if errors.As(in.ParseErr, &se) {
				return []Finding{{Message: "not valid JSONC: " + se.Msg, Location: Location{Path: se.Path, StartLine: se.Line, StartCol: se.Col}}}
			}
			return []Finding{{Message: in.ParseErr.Error()}}
		},
	})
	Register(&Rule{
		ID: "CR201", Title: "Nothing to build or run", Severity: SeverityError, Family: FamilyDevcontainer,
		What:     "None of `image`, `build.dockerfile`, `dockerFile` or `dockerComposeFile` is set.",
		Why:      "The Dev Container spec needs one of them to know what container to create; without it the build fails.",
		HowToFix: "Add `\"image\": \"<reference>\"` or `\"build\": {\"dockerfile\": \"Dockerfile\"}`.",
		Sources:  []string{"spec"},
		Devcontainer: func(in *DevcontainerInput) []Finding {
			c := in.Devcontainer
			if c == nil || c.Has("/image") || c.Has("/build/dockerfile") || c.Has("/dockerFile") || c.Has("/dockerComposeFile") {
				return nil
			}
			f := dcAt(c, "", "none of `image`, `build.dockerfile`, `dockerFile` or `dockerComposeFile` is set: there is nothing to build or run")
			f.Fix = &Fix{Description: "add `\"image\"` or `\"build\": {\"dockerfile\": ...}`"}
			return []Finding{f}
		},
	})
	Register(&Rule{
		ID: "CR202", Title: "Compose setup envbuilder cannot build", Severity: SeverityWarning, Family: FamilyDevcontainer,
		Builders: []Builder{BuilderEnvbuilder},
		What:     "The config uses `dockerComposeFile` (with `service`, `runServices`).",
		Why:      "envbuilder builds a single image from `image` or a Dockerfile; it does not support Docker Compose, so the workspace fails to build.",
		HowToFix: "Build the service's image from a single Dockerfile (`build.dockerfile`), or use Coder's native Dev Containers integration.",
		Sources:  []string{"envbuilder"},
		Devcontainer: func(in *DevcontainerInput) []Finding {
			c := in.Devcontainer
			if c == nil || !c.Has("/dockerComposeFile") {
				return nil
			}
			return []Finding{dcAt(c, "/dockerComposeFile", "envbuilder does not build Docker Compose setups: `dockerComposeFile` cannot be used with it")}
		},
	})
	Register(&Rule{
		ID: "CR203", Title: "Referenced Dockerfile or context missing", Severity: SeverityError, Family: FamilyDevcontainer,
		What: "`build.dockerfile`/`dockerFile`, `build.context`/`context` or a `dockerComposeFile` names a path that does not exist. " +
			"Paths are relative to the devcontainer.json's folder.",
		Why:      "The spec resolves these paths relative to devcontainer.json; a wrong path fails the build before it starts.",
		HowToFix: "Fix the path (relative to the folder holding devcontainer.json).",
		Sources:  []string{"spec"},
		Devcontainer: func(in *DevcontainerInput) []Finding {
			c := in.Devcontainer
			if c == nil {
				return nil
			}
			var out []Finding
			for _, m := range c.Missing(in.Root) {
				if m.What == "local feature" {
					continue // CR208
				}
				out = append(out, dcAt(c, m.Pointer, fmt.Sprintf("the %s `%s` does not exist (paths are relative to %s)", m.What, m.Path, path.Dir(c.Path)+"/")))
			}
			return out
		},
	})
	Register(&Rule{
		ID: "CR210", Title: "Unresolved template placeholder", Severity: SeverityError, Family: FamilyDevcontainer,
		What: "A `${templateOption:...}` placeholder, left from copying a Dev Container Template, remains in devcontainer.json or the Dockerfile it builds.",
		Why: "Templates are meant to be applied by a tool that substitutes the options; copied by hand, the placeholder reaches the " +
			"build as literal text (an image reference like `mcr.microsoft.com/devcontainers/base:${templateOption:imageVariant}` cannot be pulled).",
		HowToFix: "Replace the placeholder with the value you want (the template's devcontainer-template.json lists the options and defaults).",
		Sources:  []string{"spec"},
		Devcontainer: func(in *DevcontainerInput) []Finding {
			var out []Finding
			if c := in.Devcontainer; c != nil {
				out = append(out, placeholders(c.Path, c.Lines)...)
			}
			if f := in.Dockerfile; f != nil {
				out = append(out, placeholders(f.Path, f.Lines)...)
			}
			return out
		},
	})
	Register(&Rule{
		ID: "CR215", Title: "Config envbuilder will not find", Severity: SeverityWarning, Family: FamilyDevcontainer,
		Builders: []Builder{BuilderEnvbuilder},
		What: "A root `.devcontainer.json`, or a `.devcontainer/<name>/devcontainer.json`: envbuilder reads " +
			"`.devcontainer/devcontainer.json` (its devcontainer dir defaults to `.devcontainer`) unless told otherwise.",
		Why: "envbuilder looks for `devcontainer.json` in `ENVBUILDER_DEVCONTAINER_DIR` (default `.devcontainer`) and otherwise " +
			"falls back to building `ENVBUILDER_FALLBACK_IMAGE`: this config is silently not used.",
		HowToFix: "Move the file to `.devcontainer/devcontainer.json`, or set `ENVBUILDER_DEVCONTAINER_DIR` (and " +
			"`ENVBUILDER_DEVCONTAINER_JSON_PATH`) in the template to point at it.",
		Sources: []string{"envbuilder"},
		Devcontainer: func(in *DevcontainerInput) []Finding {
			c := in.Devcontainer
			if c == nil {
				return nil
			}
			base, dir := path.Base(c.Path), path.Dir(c.Path)
			var msg string
			switch {
			case base == ".devcontainer.json":
				msg = "envbuilder does not read a root `.devcontainer.json`: it looks in `.devcontainer/` unless ENVBUILDER_DEVCONTAINER_DIR says otherwise"
			case path.Base(dir) != ".devcontainer":
				def := path.Join(path.Dir(dir), "devcontainer.json")
				msg = fmt.Sprintf("envbuilder reads `%s` by default, not this one: set ENVBUILDER_DEVCONTAINER_DIR=%s in the template to use it", def, dir)
				if containsFold(in.Siblings, def) {
					msg = fmt.Sprintf("envbuilder builds `%s`, not this config, unless ENVBUILDER_DEVCONTAINER_DIR=%s is set", def, dir)
				}
			default:
				return nil
			}
			return []Finding{{Message: msg, Location: Location{Path: c.Path, StartLine: 1}}}
		},
	})
}

// placeholders reports each `${templateOption:...}` in a file's lines.
func placeholders(path string, lines []string) []Finding {
	var out []Finding
	for i, line := range lines {
		for _, m := range templateOption.FindAllStringIndex(line, -1) {
			out = append(out, Finding{
				Message:  fmt.Sprintf("unresolved template placeholder `%s`", line[m[0]:m[1]]),
				Location: Location{Path: path, StartLine: i + 1, StartCol: m[0] + 1, EndLine: i + 1, EndCol: m[1]},
			})
		}
	}
	return out
}
