package checks

import (
	"regexp"
	"slices"
	"strings"

	"github.com/coderready/coderready/devcontainer"
)

// This file holds what the devcontainer.json rules (CR200–CR216) share;
// the rules are in rules_devcontainer_*.go.

// dcAt is a finding on the property at a JSON pointer: its key's line and
// column, through the last line of its value.
func dcAt(c *devcontainer.Config, ptr, msg string) Finding {
	n := c.Node(ptr)
	loc := Location{Path: c.Path, StartLine: 1}
	if n != nil {
		p := c.Pos(ptr)
		loc = Location{Path: c.Path, StartLine: p.Line, StartCol: p.Col, EndLine: n.End.Line}
	}
	return Finding{Message: msg, Location: loc}
}

// ptr makes a JSON pointer from property names.
func ptr(names ...string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString("/")
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(n, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// dcLineEdit replaces one substring on the line of a property.
func dcLineEdit(c *devcontainer.Config, line int, old, repl string) (Edit, bool) {
	if line < 1 || line > len(c.Lines) {
		return Edit{}, false
	}
	text := strings.TrimSuffix(c.Lines[line-1], "\r")
	i := strings.Index(text, old)
	if i < 0 {
		return Edit{}, false
	}
	return Edit{Path: c.Path, StartLine: line, EndLine: line, Text: text[:i] + repl + text[i+len(old):]}, true
}

// dcBase returns what is known of the image a devcontainer runs: its
// `image`, or the base of its Dockerfile's final stage.
func dcBase(in *DevcontainerInput) BaseFacts {
	if img := in.Devcontainer.Image(); img != "" && !strings.Contains(img, "${") {
		return dcBases(in, img).BaseFacts(img)
	}
	// A Compose config runs its service's image when Compose does not
	// build it; one the environment picks (`${TAG:-latest}`) is not known.
	if img := in.ComposeImage; in.Devcontainer.Has("/dockerComposeFile") && img != "" && !in.ComposeImageFromHost {
		return dcBases(in, img).BaseFacts(img)
	}
	if in.Dockerfile != nil {
		if v := dcView(in); v != nil {
			// A tag left to a build arg still names the image.
			ref := v.rootRef(v.final)
			return dcBases(in, ref).BaseFacts(ref)
		}
	}
	return BaseFacts{}
}

// dcBases is the resolver for ref: in.Bases (which knows the images the
// repository's own Dockerfiles build, matched by name) for a reference
// without a registry host of its own or with one left to a variable;
// the table alone for one that names a registry, whose images a folder
// of the same name here does not make (`…/azure-functions/java` is not
// built by `containers/java/`), unless the repository's build files tag
// it (DevcontainerInput.BuiltImage).
func dcBases(in *DevcontainerInput, ref string) BaseResolver {
	if in.Bases == nil {
		return StaticBases
	}
	if r := ParseImageRef(ref).Registry; r != "" && !strings.Contains(r, "$") && (in.BuiltImage == nil || !in.BuiltImage(ref)) {
		return StaticBases
	}
	return in.Bases
}

// dcView is the view of the devcontainer's Dockerfile as it is built:
// with the build args and target the scan resolved (a Compose service's
// `target: dev`), else the config's own.
func dcView(in *DevcontainerInput) *dfView {
	args, target := in.BuildArgs, in.Target
	if args == nil && target == "" {
		args, target = in.Devcontainer.BuildArgs(), in.Devcontainer.BuildTarget()
	}
	return newView(&DockerfileInput{File: in.Dockerfile, BuildArgs: args, Target: target})
}

// dcFinalUser returns the last USER of the devcontainer's Dockerfile's final
// stage and whether there is one.
func dcFinalUser(in *DevcontainerInput) (string, bool) {
	if in.Dockerfile == nil {
		return "", false
	}
	v := dcView(in)
	if v == nil {
		return "", false
	}
	user, found := "", false
	for _, ins := range v.instructions(v.final) {
		if ins.Cmd == "user" && len(ins.Args) > 0 {
			user, found = ins.Args[0], true
		}
	}
	return user, found
}

// knownProperties are the top-level properties of the Dev Container spec
// (devContainer.base.schema.json), with the legacy `extensions`,
// `settings` and `devPort` that older configs still carry.
var knownProperties = []string{
	"$schema", "name", "image", "build", "dockerFile", "context", "dockerComposeFile", "service", "runServices",
	"workspaceFolder", "workspaceMount", "forwardPorts", "portsAttributes", "otherPortsAttributes", "appPort",
	"updateRemoteUserUID", "containerEnv", "containerUser", "remoteEnv", "remoteUser", "mounts", "init",
	"privileged", "capAdd", "securityOpt", "runArgs", "overrideCommand", "shutdownAction", "userEnvProbe",
	"initializeCommand", "onCreateCommand", "updateContentCommand", "postCreateCommand", "postStartCommand",
	"postAttachCommand", "waitFor", "hostRequirements", "customizations", "features", "overrideFeatureInstallOrder",
	"secrets", "extensions", "settings", "devPort",
}

var featureVersion = regexp.MustCompile(`:[^/]+$`)

// featureUnpinned says why a feature reference floats, or "".
func featureUnpinned(ref string) string {
	switch {
	case strings.HasPrefix(ref, "./"), strings.HasPrefix(ref, "../"), strings.HasPrefix(ref, "http://"), strings.HasPrefix(ref, "https://"):
		return ""
	case strings.Contains(ref, "@sha256:"):
		return ""
	case strings.HasSuffix(ref, ":latest"):
		return "`:latest`"
	case !featureVersion.MatchString(ref):
		return "no version"
	}
	return ""
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

var templateOption = regexp.MustCompile(`\$\{templateOption:[^}]*\}`)
