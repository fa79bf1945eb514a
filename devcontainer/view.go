package devcontainer

import (
	"errors"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/tailscale/hujson"

	"github.com/coderready/coderready/internal/rootfs"
)

// Property is a top-level property with the position of its key.
type Property struct {
	Name string
	// Pointer is the property's JSON pointer ("/build").
	Pointer string
	Key     Pos
	// End is the position of the value's last byte.
	End Pos
}

// Properties are the top-level properties in file order.
func (c *Config) Properties() []Property {
	out := make([]Property, 0, len(c.Keys))
	for _, k := range c.Keys {
		p := "/" + escapePointer(k)
		n := c.nodes[p]
		out = append(out, Property{Name: k, Pointer: p, Key: n.Key, End: n.End})
	}
	return out
}

// Feature is one entry of `features`.
type Feature struct {
	// Ref is the feature reference (the member name), version included.
	Ref string
	// Pointer is the entry's JSON pointer.
	Pointer string
	// Key is where the reference sits.
	Key Pos
}

// FeatureList is `features` in file order, with positions.
func (c *Config) FeatureList() []Feature {
	var out []Feature
	for _, ref := range c.Features() {
		p := FeaturePointer(ref)
		out = append(out, Feature{Ref: ref, Pointer: p, Key: c.Pos(p)})
	}
	return out
}

// LifecycleCommands are the lifecycle properties in the order the spec runs
// them.
var LifecycleCommands = []string{"initializeCommand", "onCreateCommand", "updateContentCommand", "postCreateCommand", "postStartCommand", "postAttachCommand"}

// CommandKind is the form a lifecycle command takes.
type CommandKind int

// The forms of a lifecycle command (spec: string run by a shell, array run
// directly, object of named commands run in parallel).
const (
	CommandInvalid CommandKind = iota
	CommandString
	CommandArray
	CommandObject
)

// Command is one lifecycle command.
type Command struct {
	// Name is the property ("postCreateCommand") or, for an entry of the
	// object form, the entry's name.
	Name    string
	Pointer string
	Kind    CommandKind
	// Shell is the string form's command line.
	Shell string
	// Args is the array form (non-string elements are skipped).
	Args []string
	// Parallel are the object form's entries, each a string or array
	// command, in file order.
	Parallel []Command
}

// Command returns the lifecycle command of a property, or nil when the
// property is absent.
func (c *Config) Command(name string) *Command {
	return c.command(name, "/"+escapePointer(name))
}

func (c *Config) command(name, ptr string) *Command {
	n := c.nodes[ptr]
	if n == nil {
		return nil
	}
	cmd := &Command{Name: name, Pointer: ptr}
	switch v := n.Value.Value.(type) {
	case hujson.Literal:
		if v.Kind() == '"' {
			cmd.Kind, cmd.Shell = CommandString, v.String()
		}
	case *hujson.Array:
		cmd.Kind = CommandArray
		for i := range v.Elements {
			if s, ok := c.StringOK(ptr + "/" + strconv.Itoa(i)); ok {
				cmd.Args = append(cmd.Args, s)
			}
		}
	case *hujson.Object:
		cmd.Kind = CommandObject
		for _, m := range c.Members(ptr) {
			if sub := c.command(m, ptr+"/"+escapePointer(m)); sub != nil && sub.Kind != CommandObject {
				cmd.Parallel = append(cmd.Parallel, *sub)
			}
		}
	}
	return cmd
}

// Program is the program an array command runs ("" for other forms).
func (cmd *Command) Program() string {
	if cmd.Kind != CommandArray || len(cmd.Args) == 0 {
		return ""
	}
	return cmd.Args[0]
}

// BuildOptions are `build.options` (extra `docker build` flags).
func (c *Config) BuildOptions() []string { return c.Strings("/build/options") }

// Service is the Compose `service`.
func (c *Config) Service() string { return c.String("/service") }

// RunServices are the Compose `runServices`.
func (c *Config) RunServices() []string { return c.Strings("/runServices") }

// Privileged is `privileged`.
func (c *Config) Privileged() bool { return c.Bool("/privileged") }

// CapAdd is `capAdd`.
func (c *Config) CapAdd() []string { return c.Strings("/capAdd") }

// SecurityOpt is `securityOpt`.
func (c *Config) SecurityOpt() []string { return c.Strings("/securityOpt") }

// RunArgs is `runArgs`.
func (c *Config) RunArgs() []string { return c.Strings("/runArgs") }

// OverrideFeatureInstallOrder is `overrideFeatureInstallOrder`.
func (c *Config) OverrideFeatureInstallOrder() []string {
	return c.Strings("/overrideFeatureInstallOrder")
}

// Ignore is a `// coderready:ignore=ID,...` comment and the lines whose
// findings it silences: the property whose key is on the comment's line
// (a trailing comment) or on the line below it (a comment alone on its
// line), through the end of that property's value.
type Ignore struct {
	// IDs are the rule IDs named ("*" silences every rule).
	IDs []string
	// Line is the comment's line.
	Line int
	// StartLine and EndLine are the lines covered, inclusive.
	StartLine, EndLine int
}

const ignoreMarker = "coderready:ignore="

// parseIgnoreIDs reads the IDs after the marker: comma-separated, each ID
// one word; anything after the list (a reason) is skipped.
func parseIgnoreIDs(text string) []string {
	i := strings.Index(text, ignoreMarker)
	if i < 0 {
		return nil
	}
	var ids []string
	for part := range strings.SplitSeq(text[i+len(ignoreMarker):], ",") {
		f := strings.Fields(part)
		if len(f) == 0 {
			break
		}
		ids = append(ids, f[0])
		if len(f) > 1 {
			break // "CR207 reason": the list ends here
		}
	}
	return ids
}

// indexIgnores fills c.Ignores from the comments.
func (c *Config) indexIgnores() {
	keyEnd := map[int]int{} // key line → last line of the values keyed there
	for _, n := range c.nodes {
		if n.Key.Line > 0 {
			keyEnd[n.Key.Line] = max(keyEnd[n.Key.Line], n.End.Line)
		}
	}
	for _, cm := range c.Comments {
		ids := parseIgnoreIDs(cm.Text)
		if len(ids) == 0 {
			continue
		}
		target := cm.Line
		if !cm.Trailing {
			target = max(cm.EndLine, cm.Line) + 1
		}
		end := max(keyEnd[target], target)
		c.Ignores = append(c.Ignores, Ignore{IDs: ids, Line: cm.Line, StartLine: target, EndLine: end})
	}
}

// Ignored reports whether an ignore comment silences rule id for a finding
// starting on line.
func (c *Config) Ignored(id string, line int) bool {
	for _, ig := range c.Ignores {
		if line < ig.StartLine || line > ig.EndLine {
			continue
		}
		for _, x := range ig.IDs {
			if x == "*" || strings.EqualFold(x, id) {
				return true
			}
		}
	}
	return false
}

// MissingPath is a path the config references that does not exist.
type MissingPath struct {
	// Pointer is the JSON pointer of the property naming it.
	Pointer string
	// Path is the resolved path, slash-separated, relative to the root.
	Path string
	// What says what it is: "Dockerfile", "build context", "Compose file"
	// or "local feature".
	What string
	// Outside is set when the path exists but resolves outside the root
	// (through a symlink) or loops: it is not read, rather than missing.
	// Why then says which ("resolves outside the repository: not read").
	Outside bool
	Why     string
}

// Missing checks in fsys (the scanned root folder, opened so that nothing
// outside it is reached) every path the config references: the
// Dockerfile, the build context, the Compose files and local features. A
// path that resolves outside the root through a symlink is reported with
// Outside set. Paths holding a ${variable}, paths that leave the root as
// written (another rule's finding) and paths that cannot be checked
// (permissions) are skipped; a nil fsys checks nothing.
func (c *Config) Missing(fsys fs.FS) []MissingPath {
	if fsys == nil {
		return nil
	}
	var out []MissingPath
	check := func(ptr, rel, what string) {
		if rel == "" || strings.Contains(rel, "${") || !fs.ValidPath(rel) {
			return
		}
		_, err := fs.Stat(fsys, rel)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			out = append(out, MissingPath{Pointer: ptr, Path: rel, What: what})
		case rootfs.Refused(err):
			out = append(out, MissingPath{Pointer: ptr, Path: rel, What: what, Outside: true, Why: rootfs.Why(err)})
		}
	}
	if p := c.dockerfileProp(); p != "" {
		check(p, c.DockerfilePath(), "Dockerfile")
	}
	for _, p := range []string{"/build/context", "/context"} {
		if c.Has(p) {
			check(p, c.ContextPath(), "build context")
			break
		}
	}
	if f, ok := c.StringOK("/dockerComposeFile"); ok {
		check("/dockerComposeFile", path.Join(c.dir(), f), "Compose file")
	}
	for i := 0; i < c.Len("/dockerComposeFile"); i++ {
		p := "/dockerComposeFile/" + strconv.Itoa(i)
		if f, ok := c.StringOK(p); ok {
			check(p, path.Join(c.dir(), f), "Compose file")
		}
	}
	for _, f := range c.FeatureList() {
		if strings.HasPrefix(f.Ref, "./") || strings.HasPrefix(f.Ref, "../") {
			check(f.Pointer, path.Join(c.dir(), f.Ref), "local feature")
		}
	}
	return out
}
