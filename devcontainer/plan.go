package devcontainer

import (
	"encoding/json"
	"errors"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/tailscale/hujson"

	"github.com/coderready/coderready/internal/rootfs"
)

// Kind is what a devcontainer.json builds.
type Kind string

// The kinds of build a devcontainer.json describes.
const (
	// KindNone: none of image, build.dockerfile, dockerFile or
	// dockerComposeFile is set (CR201).
	KindNone       Kind = ""
	KindImage      Kind = "image"
	KindDockerfile Kind = "dockerfile"
	KindCompose    Kind = "compose"
)

// Existence says what is known of a referenced path on disk.
type Existence int

// The states of a referenced path.
const (
	// PathUnchecked: no file system was given, the path holds a
	// ${variable}, or it could not be checked (permissions).
	PathUnchecked Existence = iota
	PathExists
	PathMissing
	// PathOutside: the path leaves the scanned root (or is absolute), so
	// the file system given to Plan cannot tell.
	PathOutside
)

// PathRef is a path the config references, resolved.
type PathRef struct {
	// Ptr is the JSON pointer of the property naming the path ("" for a
	// default, such as the build context when `context` is not set) and
	// Pos its key's position.
	Ptr string
	Pos Pos
	// Raw is the value as written.
	Raw string
	// Path is the path resolved against the devcontainer.json's folder,
	// cleaned, slash-separated and relative to the scanned root; it starts
	// with "../" when it leaves the root.
	Path  string
	State Existence
	// IsDir is set when the path exists and is a directory.
	IsDir bool
}

// BuildArg is one `build.args` entry.
type BuildArg struct {
	Name, Value string
}

// FeatureRef is one `features` entry, resolved.
type FeatureRef struct {
	// Ref is the reference as written (the member name); Ptr and Pos
	// locate it.
	Ref string
	Ptr string
	Pos Pos
	// ID is Ref without its version tag or digest; Version and Digest are
	// those parts ("" when absent).
	ID, Version, Digest string
	// Local is set for `./name` and `../name` features: the folder,
	// resolved against the devcontainer.json's folder, and whether it
	// holds a devcontainer-feature.json (Manifest).
	Local    *PathRef
	Manifest Existence
	// Options are the feature's options: the object's members, or
	// {"version": s} for the string shorthand.
	Options map[string]any
}

// Plan is what a devcontainer.json asks a builder to do, with every path
// resolved the way the spec says: `build.dockerfile`, `build.context` (or
// the legacy `dockerFile`, `context`), `dockerComposeFile` entries and
// local features are relative to the folder holding devcontainer.json; the
// context defaults to that folder.
type Plan struct {
	// Kind follows the Dev Containers CLI: Compose when dockerComposeFile
	// is set, else a Dockerfile when one is named, else an image.
	// envbuilder differs when both `image` and a Dockerfile are set: it
	// builds `image` and ignores the Dockerfile.
	Kind Kind
	// ConfigPath is the devcontainer.json; Dir its folder (both relative
	// to the scanned root).
	ConfigPath, Dir string
	Image           string
	// Dockerfile and Context are set for KindDockerfile (and when a
	// Dockerfile is named alongside an image).
	Dockerfile, Context *PathRef
	// Args are `build.args` in file order (string values only).
	Args   []BuildArg
	Target string
	// ComposeFiles, Service and RunServices are the Compose setup.
	ComposeFiles []PathRef
	Service      string
	RunServices  []string
	// Features in file order.
	Features []FeatureRef
	// ContainerUser and RemoteUser are as written ("" when unset).
	ContainerUser, RemoteUser string
}

// Plan resolves what the config builds. fsys, rooted at the scanned root
// (e.g. os.DirFS(root)), is used to tell whether referenced paths exist;
// nil leaves every path PathUnchecked.
func (c *Config) Plan(fsys fs.FS) *Plan {
	p := &Plan{ConfigPath: c.Path, Dir: c.dir(), Image: c.Image(), Target: c.BuildTarget(), Service: c.Service(), RunServices: c.RunServices()}
	p.ContainerUser, p.RemoteUser = c.String("/containerUser"), c.String("/remoteUser")
	if ptr := c.dockerfileProp(); ptr != "" {
		if raw, ok := c.StringOK(ptr); ok && raw != "" {
			p.Dockerfile = c.pathRef(fsys, ptr, raw)
			ctx := c.pathRef(fsys, "", ".")
			for _, cp := range []string{"/build/context", "/context"} {
				if raw, ok := c.StringOK(cp); ok {
					ctx = c.pathRef(fsys, cp, raw)
					break
				}
			}
			p.Context = ctx
		}
	}
	for _, name := range c.Members("/build/args") {
		p.Args = append(p.Args, BuildArg{Name: name, Value: c.String("/build/args/" + escapePointer(name))})
	}
	if raw, ok := c.StringOK("/dockerComposeFile"); ok {
		p.ComposeFiles = append(p.ComposeFiles, *c.pathRef(fsys, "/dockerComposeFile", raw))
	}
	for i := 0; i < c.Len("/dockerComposeFile"); i++ {
		ptr := "/dockerComposeFile/" + strconv.Itoa(i)
		if raw, ok := c.StringOK(ptr); ok {
			p.ComposeFiles = append(p.ComposeFiles, *c.pathRef(fsys, ptr, raw))
		}
	}
	switch {
	case c.Has("/dockerComposeFile"):
		p.Kind = KindCompose
	case p.Dockerfile != nil:
		p.Kind = KindDockerfile
	case c.Has("/image"):
		p.Kind = KindImage
	}
	for _, ref := range c.Features() {
		p.Features = append(p.Features, c.featureRef(fsys, ref))
	}
	return p
}

// pathRef resolves raw against the devcontainer.json's folder and checks it.
func (c *Config) pathRef(fsys fs.FS, ptr, raw string) *PathRef {
	r := &PathRef{Ptr: ptr, Pos: c.Pos(ptr), Raw: raw, Path: path.Join(c.dir(), raw)}
	if ptr == "" {
		r.Pos = Pos{}
	}
	switch {
	case strings.Contains(raw, "${"):
		r.State = PathUnchecked
	case path.IsAbs(raw) || !fs.ValidPath(r.Path):
		r.State = PathOutside
	case fsys == nil:
		r.State = PathUnchecked
	default:
		fi, err := fs.Stat(fsys, r.Path)
		switch {
		case err == nil:
			r.State, r.IsDir = PathExists, fi.IsDir()
		case errors.Is(err, fs.ErrNotExist):
			r.State = PathMissing
		case rootfs.Refused(err):
			// A symlink that leads out of the root: as good as outside.
			r.State = PathOutside
		}
	}
	return r
}

// featureRef resolves one feature entry.
func (c *Config) featureRef(fsys fs.FS, ref string) FeatureRef {
	ptr := FeaturePointer(ref)
	f := FeatureRef{Ref: ref, Ptr: ptr, Pos: c.Pos(ptr), ID: ref}
	switch {
	case strings.HasPrefix(ref, "./") || strings.HasPrefix(ref, "../"):
		f.Local = c.pathRef(fsys, ptr, ref)
		if f.Local.State == PathExists && f.Local.IsDir {
			f.Manifest = c.pathRef(fsys, ptr, ref+"/devcontainer-feature.json").State
		}
	case strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://"):
		// a tarball URL: no version of its own
	default:
		if i := strings.LastIndex(ref, "@"); i > strings.LastIndex(ref, "/") {
			f.ID, f.Digest = ref[:i], ref[i+1:]
		} else if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
			f.ID, f.Version = ref[:i], ref[i+1:]
		}
	}
	if n := c.nodes[ptr]; n != nil {
		f.Options = featureOptions(n.Value)
	}
	return f
}

// featureOptions decodes a feature's value: an object's members, or the
// string shorthand for the `version` option.
func featureOptions(v *hujson.Value) map[string]any {
	switch t := v.Value.(type) {
	case hujson.Literal:
		if t.Kind() == '"' {
			return map[string]any{"version": t.String()}
		}
	case *hujson.Object:
		std := v.Clone()
		std.Standardize()
		var m map[string]any
		if json.Unmarshal(std.Pack(), &m) == nil {
			return m
		}
	}
	return nil
}
