package checks

import (
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/coderready/coderready/devcontainer"
)

// This file holds the devcontainer.json rules about what the config
// references: the image it runs (CR217), the features it names in a form
// envbuilder cannot fetch (CR218), the paths and image that hold variables
// envbuilder does not substitute (CR219), and the feature install order envbuilder
// applies instead of overrideFeatureInstallOrder (CR211's reading).

func init() {
	Register(&Rule{
		ID: "CR217", Title: "Dev Container image not pinned", Severity: SeverityWarning, Family: FamilyDevcontainer,
		What: "The devcontainer's `image` (for a Docker Compose config, the image of the service it runs, when the " +
			"service is not built) has neither a digest nor a tag other than `latest`, a variant's `…-latest`, a branch's " +
			"(`main`, `master`, `develop`, `nightly`, `edge`, …), the Dev Containers images' `dev` channel (`dev-1.26-bookworm`; not a Node.js line or Debian release it no longer builds, `python:dev-3.13-bullseye`, which stopped moving) or a Dev Containers image's distribution name or codename alone (which moves to each new release of the image): `ubuntu`, `rust:bookworm`, " +
			"`mcr.microsoft.com/devcontainers/base:latest`, `ghcr.io/homebrew/brew:main`, " +
			"`quay.io/devfile/universal-developer-image:ubi9-latest`, `mcr.microsoft.com/devcontainers/base:ubuntu`. An image that still holds a variable or a " +
			"`${templateOption:…}` placeholder is not judged, nor, in an image definition the repository's build files build with the Dev Containers CLI, an image they tag " +
			"(the pipeline makes it first; a dev container a developer opens pulls its image, the repository's own too), nor an image under `localhost/` " +
			"a build file of the repository tags (`docker build -t localhost/postiz-devcontainer`: never pulled, the local build is used), nor a Compose image whose variable the project's `.env` does " +
			"not set (`…:${VERSION:-latest}`), which the environment Compose runs in chooses.",
		Why: "Golden images must be reproducible: `latest` (or no tag) changes under the workspace, so two builds of the " +
			"same commit can differ in tools, users and libc. envbuilder and the Dev Containers CLI pull the reference " +
			"as written, so each rebuild may start from a different image." + cite("seed", "spec"),
		HowToFix: "Pin a version tag, and for golden images a digest too: " +
			"`\"image\": \"mcr.microsoft.com/devcontainers/base:1-bookworm@sha256:<digest>\"` " +
			"(`docker buildx imagetools inspect <image>:<tag>` prints the digest).",
		Sources:      []string{"seed", "spec"},
		Devcontainer: checkCR217,
	})
	Register(&Rule{
		ID: "CR218", Title: "Legacy feature ID envbuilder cannot fetch", Severity: SeverityError, Family: FamilyDevcontainer,
		Builders: []Builder{BuilderEnvbuilder},
		What: "A feature is named by a short ID without a registry path (`\"docker-in-docker\": \"latest\"`, " +
			"`\"common\": {}`), the form of the retired microsoft/vscode-dev-containers features. Local features " +
			"(`./name`) are not reported, nor is a Docker Compose config, which envbuilder cannot build at all (CR202).",
		Why: "envbuilder fetches every feature that is not `./local` as an OCI image: it parses the key as an image " +
			"reference, so `docker-in-docker` becomes `docker.io/library/docker-in-docker:latest`, which is not a feature " +
			"(the fetch fails, or the image has no feature layer), and the build stops. Only the Dev Containers CLI " +
			"still maps the old IDs, to `ghcr.io/devcontainers/features/<id>:1` (`golang` to `go`, `common` to " +
			"`common-utils`; `gradle`, `maven` and `jupyterlab` became options of `java` and `python`)." +
			cite("envbuilder-features", "cli-features"),
		HowToFix: "Use the feature's OCI reference: the fix renames the key to what the Dev Containers CLI resolves it to, " +
			"e.g. `\"ghcr.io/devcontainers/features/docker-in-docker:1\": \"latest\"` (the value, its options, stays).",
		Sources:      []string{"envbuilder-features", "cli-features"},
		Devcontainer: checkCR218,
	})
	Register(&Rule{
		ID: "CR219", Title: "Variable envbuilder does not substitute", Severity: SeverityError, Family: FamilyDevcontainer,
		Builders: []Builder{BuilderEnvbuilder},
		What: "The devcontainer's `image`, `build.dockerfile` or `build.context` (or the older `dockerFile` and " +
			"`context`), or a lifecycle command envbuilder runs (`onCreateCommand`, `updateContentCommand`, " +
			"`postCreateCommand`, `postStartCommand`), holds a variable: `${localWorkspaceFolder}`, " +
			"`${containerWorkspaceFolder}`, `${localEnv:…}`, `${containerEnv:…}`, `${devcontainerId}` (in a lifecycle command a warning: " +
			"what the command then does depends on the command). A Dev Container " +
			"Template's `${templateOption:…}` is CR210's and CR220's. A Docker Compose config is not reported: envbuilder cannot build one at all (CR202).",
		Why: "envbuilder substitutes variables only in `build.args`, `containerEnv` and `remoteEnv`. It joins " +
			"`build.dockerfile` and `build.context` to the config's folder as written and writes `image` into " +
			"`FROM` as written, so it looks for a file literally named `${localWorkspaceFolder}/…` (\"compile " +
			"devcontainer.json: open dockerfile\") or hands the builder a `FROM` it cannot parse, and the workspace " +
			"does not build. It runs a lifecycle command with `/bin/sh -c` as written (`LifecycleScript.Execute`), so the " +
			"shell expands `${containerWorkspaceFolder}` to nothing and stops at `${containerEnv:HOME}`. The Dev Containers " +
			"CLI, and so Coder's native integration, substitutes them." +
			cite("envbuilder-vars", "spec"),
		HowToFix: "Write the path relative to the devcontainer.json's folder (`\"dockerfile\": \"../docker/Dockerfile\"`, " +
			"`\"context\": \"..\"`), which every builder reads the same way; the fix rewrites a path that starts " +
			"with `${localWorkspaceFolder}`. Pass a value from the environment as a build arg instead of in `image`.",
		Sources:      []string{"envbuilder-vars", "spec"},
		Devcontainer: checkCR219,
	})
}

// checkCR219 reports variables in the properties envbuilder reads as
// written: the image, the Dockerfile and the build context.
func checkCR219(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	// envbuilder cannot build a Docker Compose config at all (CR202); the
	// Dev Containers CLI, which can, substitutes the variables.
	if c.Has("/dockerComposeFile") {
		return nil
	}
	var out []Finding
	for _, p := range []struct{ ptr, name string }{
		{"/image", "image"}, {"/build/dockerfile", "build.dockerfile"}, {"/dockerFile", "dockerFile"},
		{"/build/context", "build.context"}, {"/context", "context"},
	} {
		raw, ok := c.StringOK(p.ptr)
		if !ok {
			continue
		}
		m := devVariable.FindStringSubmatch(raw)
		if m == nil {
			continue
		}
		what := "looks for a file literally named so and the build fails"
		if p.ptr == "/image" {
			what = "writes it into `FROM` as it is, which the builder cannot parse"
		}
		f := dcAt(c, p.ptr, fmt.Sprintf("`%s` is `%s`: envbuilder does not substitute `%s` there (only in build.args, "+
			"containerEnv and remoteEnv), so it %s", p.name, raw, m[0], what))
		if rel, ok := workspaceRelative(c, raw); ok {
			f.Fix = &Fix{Description: fmt.Sprintf("write it relative to the config's folder: `%s`", rel)}
			if e, ok := dcLineEdit(c, c.Pos(p.ptr).Line, strconvQuote(raw), strconvQuote(rel)); ok {
				f.Fix.Edits = []Edit{e}
			}
		}
		out = append(out, f)
	}
	// envbuilder runs the lifecycle commands as written (`/bin/sh -c
	// COMMAND`, or the array exec'd): a variable there is the shell's, an
	// empty one, or a `${containerEnv:X}` the shell cannot parse.
	for _, name := range envbuilderLifecycle {
		cmd := c.Command(name)
		for _, part := range commandParts(cmd) {
			m := devVariable.FindStringSubmatch(part.script)
			if m == nil {
				continue
			}
			what := "the shell expands it to an empty string"
			switch {
			case part.exec:
				// An array is exec'd: no shell reads the text.
				what = "the program gets the text `" + m[0] + "` as it is, with no shell to expand it"
			case strings.Contains(m[1], ":"):
				what = "`/bin/sh` stops at it (bad substitution)"
			}
			f := dcAt(c, "/"+name, fmt.Sprintf("`%s` uses `%s`: envbuilder runs the command as written, without substituting "+
				"variables, so %s", name, m[0], what))
			f.Fix = &Fix{Description: "set the value in `containerEnv` (`\"WORKSPACE\": \"" + m[0] + "\"`), which envbuilder " +
				"substitutes and exports, and use `$WORKSPACE` in the command"}
			// What the command then does depends on the command: a
			// warning, not the error a build that cannot start is.
			f.Severity = SeverityWarning
			out = append(out, f)
			break
		}
	}
	return out
}

// envbuilderLifecycle are the lifecycle commands envbuilder runs.
var envbuilderLifecycle = []string{"onCreateCommand", "updateContentCommand", "postCreateCommand", "postStartCommand"}

// devVariable matches a devcontainer.json variable other than a Template's
// option.
var devVariable = regexp.MustCompile(`\$\{(localWorkspaceFolder(Basename)?|containerWorkspaceFolder(Basename)?|localEnv:[^}]*|containerEnv:[^}]*|env:[^}]*|devcontainerId)\}`)

// workspaceRelative rewrites a path that starts with ${localWorkspaceFolder}
// (the folder that holds .devcontainer, or .devcontainer.json) relative to
// the config's own folder.
func workspaceRelative(c *devcontainer.Config, raw string) (string, bool) {
	rest, ok := strings.CutPrefix(raw, "${localWorkspaceFolder}")
	if !ok || strings.Contains(rest, "${") || rest != "" && !strings.HasPrefix(rest, "/") {
		return "", false
	}
	dir := path.Dir(c.Path)
	rel, err := filepath.Rel(dir, path.Join(configRoot(c), rest))
	if err != nil {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// strconvQuote is a JSON string literal of s.
func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// localRegistry reports whether a reference's registry is the machine's
// own (`localhost`, `localhost:5000`, `127.0.0.1:5000`).
func localRegistry(host string) bool {
	h, _, _ := strings.Cut(host, ":")
	return h == "localhost" || h == "127.0.0.1"
}

// checkCR217 reports a devcontainer image without a tag, or tagged latest.
func checkCR217(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	img, ok := c.StringOK("/image")
	at, what := "/image", ""
	if c.Has("/dockerComposeFile") {
		// A Compose config runs its service's image.
		img, ok, at = in.ComposeImage, in.ComposeImage != "", "/service"
		what = fmt.Sprintf("the Compose service `%s`: ", c.String("/service"))
		if in.ComposeFile != "" {
			what = fmt.Sprintf("the Compose service `%s` (%s): ", c.String("/service"), in.ComposeFile)
		}
	}
	// An image definition the repository's pipeline builds with the Dev
	// Containers CLI, on an image the same pipeline tags first (a
	// Makefile's layered `…/base`), uses that build. A dev container a
	// developer opens pulls its image, the repository's own published one
	// too: that one is judged.
	if !ok || img == "" || strings.Contains(img, "$") || isPlaceholderImage(img) || strings.ContainsAny(img, " \t") || in.ComposeImageFromHost ||
		in.BuiltByCLI != "" && in.BuiltImage != nil && in.BuiltImage(img) {
		return nil
	}
	r := ParseImageRef(img)
	// An image under `localhost/` that a build file of the repository
	// tags (postiz's `docker build -t localhost/postiz-devcontainer`) is
	// never pulled: it is the one that build left on the machine.
	if localRegistry(r.Registry) && in.BuiltImage != nil && in.BuiltImage(img) {
		return nil
	}
	msg := floatingTag(img, r)
	if msg == "" {
		return nil
	}
	f := dcAt(c, at, what+msg)
	f.Fix = &Fix{Description: fmt.Sprintf("pin a version tag and a digest: `%s:<version>@sha256:<digest>`", r.Name())}
	return []Finding{f}
}

// branchTags are tags that follow a branch or a nightly build.
var branchTags = []string{"main", "master", "develop", "dev", "nightly", "edge", "head", "trunk"}

// legacyFeatures maps the short IDs of the retired
// microsoft/vscode-dev-containers features to what the Dev Containers CLI
// resolves them to (getBackwardCompatibleFeatureId): "" when it turns them
// into an option of another feature.
var legacyFeatures = map[string]string{
	"aws-cli": "aws-cli", "azure-cli": "azure-cli", "desktop-lite": "desktop-lite", "docker-in-docker": "docker-in-docker",
	"docker-from-docker": "docker-from-docker", "dotnet": "dotnet", "git": "git", "git-lfs": "git-lfs",
	"github-cli": "github-cli", "java": "java", "kubectl-helm-minikube": "kubectl-helm-minikube", "node": "node",
	"powershell": "powershell", "python": "python", "ruby": "ruby", "rust": "rust", "sshd": "sshd", "terraform": "terraform",
	"golang": "go", "common": "common-utils",
	"gradle": "", "maven": "", "jupyterlab": "",
}

// legacyOptionOf names the feature a legacy ID became an option of.
var legacyOptionOf = map[string]string{"gradle": "java", "maven": "java", "jupyterlab": "python"}

// isLegacyFeatureID reports whether a feature reference is a short ID
// with no registry path: not local, not a URL, no slash.
func isLegacyFeatureID(ref string) bool {
	return ref != "" && !strings.HasPrefix(ref, ".") && !strings.Contains(ref, "/")
}

// checkCR218 reports features named by a legacy short ID.
func checkCR218(in *DevcontainerInput) []Finding {
	c := in.Devcontainer
	// envbuilder cannot build a Docker Compose config at all (CR202); the
	// Dev Containers CLI, which can, maps the old IDs.
	if c.Has("/dockerComposeFile") {
		return nil
	}
	var out []Finding
	for _, ref := range c.Features() {
		if !isLegacyFeatureID(ref) {
			continue
		}
		id, _, _ := strings.Cut(ref, ":")
		p := devcontainer.FeaturePointer(ref)
		msg := fmt.Sprintf("feature `%s` has no registry path: envbuilder fetches it as the image `docker.io/library/%s`, "+
			"which is not a feature, and the build fails", ref, imageWithTag(ref))
		f := dcAt(c, p, msg)
		newID, known := legacyFeatures[strings.ToLower(id)]
		switch {
		case known && newID != "":
			to := "ghcr.io/devcontainers/features/" + newID + ":1"
			f.Message += fmt.Sprintf(" (the Dev Containers CLI maps it to `%s`)", to)
			f.Fix = &Fix{Description: fmt.Sprintf("rename it to `%s`", to)}
			if e, ok := dcLineEdit(c, c.Pos(p).Line, quotedKey(ref), quotedKey(to)); ok {
				f.Fix.Edits = []Edit{e}
			}
		case known:
			f.Fix = &Fix{Description: fmt.Sprintf("use `ghcr.io/devcontainers/features/%s:1`, which has `%s` as an option",
				legacyOptionOf[strings.ToLower(id)], id)}
		default:
			f.Fix = &Fix{Description: "reference the feature by its OCI address (`ghcr.io/<owner>/<repo>/<id>:<major>`) " +
				"or copy it into the repository and name it `./<folder>`"}
		}
		out = append(out, f)
	}
	return out
}

// imageWithTag is a short reference as go-containerregistry completes it:
// `:latest` when it has no tag.
func imageWithTag(ref string) string {
	if strings.Contains(ref, ":") || strings.Contains(ref, "@") {
		return ref
	}
	return ref + ":latest"
}

// featureOrderIgnored says how envbuilder's install order departs from the
// one `overrideFeatureInstallOrder` asks for ("" when it does not, or when
// the list names no feature the config uses). envbuilder ignores the
// property and installs every feature in the byte order of its reference
// as written (local `./` features sort before any registry reference); the
// spec installs the listed features first, in the listed order.
func featureOrderIgnored(c *devcontainer.Config) string {
	refs := c.Features()
	var listed []string
	for _, entry := range c.Strings("/overrideFeatureInstallOrder") {
		for _, ref := range refs {
			if (strings.EqualFold(ref, entry) || strings.EqualFold(featureID(ref), featureID(entry))) && !slices.Contains(listed, ref) {
				listed = append(listed, ref)
			}
		}
	}
	if len(listed) == 0 {
		return ""
	}
	order := slices.Clone(refs)
	slices.Sort(order)
	for i, ref := range listed {
		if order[i] != ref {
			return fmt.Sprintf("`overrideFeatureInstallOrder` installs `%s` %s, but envbuilder ignores it and installs features in "+
				"sorted order of their references: `%s` is installed %s instead", featureID(ref), ordinal(i), featureID(order[i]), ordinal(i))
		}
	}
	return ""
}

// ordinal says where in the install order position i is.
func ordinal(i int) string {
	if i == 0 {
		return "first"
	}
	return fmt.Sprintf("at position %d", i+1)
}

// featureID is a feature reference without its version or digest, as
// overrideFeatureInstallOrder names features.
func featureID(ref string) string {
	if i := strings.Index(ref, "@"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return featureName(ref)
}
