package devcontainer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/tailscale/hujson"

	"github.com/coderready/coderready/internal/rootfs"
)

// maxFeatureBytes bounds the content of the local features copied for a
// build.
const maxFeatureBytes int64 = 256 << 20

// CopyOptions say how PrepareCopy writes a workspace copy.
type CopyOptions struct {
	// Workspace is the user's workspace folder (absolute, inside the
	// repository): the folder holding `.devcontainer/` (or
	// `.devcontainer.json`). Every path the config names must lie in it.
	Workspace string
	// Dir is the folder the copy is written under, a fresh one the caller
	// removes afterwards.
	Dir string
	// Network is the network of the build's RUN instructions: "" for the
	// engine's default, "none" or "host" (already checked by the caller;
	// anything else is refused).
	Network string
	// Platform is "os/arch[/variant]" ("" for the engine's own; already
	// checked by the caller).
	Platform string
	// ProjectName names the copy's folder for a Docker Compose config: the
	// CLI names the Compose project, and the images Compose tags, after
	// it, so it must be unique. Other configs keep the workspace folder's
	// name, which the CLI derives `${containerWorkspaceFolder}` from.
	ProjectName string
}

// Copy is a workspace copy written for the Dev Containers CLI: the user's
// devcontainer.json patched (the build network and platform as the only
// build options, absolute Dockerfile and context, an image turned into a
// one-line Dockerfile), patched copies of its Compose files, and its local
// features and lockfile. The user's files are never written.
type Copy struct {
	// Dir is the workspace folder to give the CLI; Config the patched
	// devcontainer.json in it.
	Dir, Config string
	// Dockerfile is the Dockerfile the build starts from and Context its
	// build context, absolute with links resolved ("" for an image-based
	// config; for a Compose service's image built through a one-line
	// Dockerfile, that Dockerfile's, under Dir's parent).
	Dockerfile, Context string
	// Features are the config's feature references, in file order.
	Features []string
	// Compose is set for a Docker Compose config, Service its service.
	Compose bool
	Service string
}

// Load reads and parses the devcontainer.json of the workspace folder ws
// (absolute, inside root) beneath root: config (relative to ws, or
// absolute inside it), or when it is "" `.devcontainer.json` if there is
// one, else `.devcontainer/devcontainer.json`. The Config's Path is
// relative to root.
func Load(root *rootfs.Root, ws, config string) (*Config, error) {
	user := &userFiles{root: root, ws: ws}
	cfgPath := config
	if cfgPath == "" {
		cfgPath = filepath.Join(".devcontainer", "devcontainer.json")
		if _, err := user.read(filepath.Join(ws, ".devcontainer.json")); err == nil {
			cfgPath = ".devcontainer.json"
		}
	}
	if !filepath.IsAbs(cfgPath) {
		cfgPath = filepath.Join(ws, cfgPath)
	}
	if _, err := workspaceRel(ws, "devcontainer.json "+cfgPath, cfgPath); err != nil {
		return nil, err
	}
	src, err := user.read(cfgPath)
	if err != nil {
		if rootfs.Refused(err) {
			return nil, rootfs.Refusal("devcontainer.json", err)
		}
		return nil, fmt.Errorf("devcontainer.json: %w", err)
	}
	rel, _ := root.Rel(cfgPath) // read above: it lies inside
	cfg, err := Parse(rel, src)
	if err != nil {
		return nil, fmt.Errorf("devcontainer.json: %w", err)
	}
	return cfg, nil
}

// PrepareCopy writes the workspace copy of cfg (parsed from root, its Path
// relative to root) under opts.Dir, for the Dev Containers CLI to build
// from. It is the one place that writes devcontainer.json and Compose
// files, and it writes only copies; what it carries over is hardened
// against a hostile pull request:
//
//   - the user's `build.options` are dropped (`--secret src=…`, `--ssh`,
//     `--build-context`, `--cache-to` would reach the build server's files);
//     only the network and platform are set;
//   - `${localEnv:NAME}` becomes its default or nothing, so the server's
//     environment (proxy credentials, the engine's address) stays out;
//   - `initializeCommand`, which runs on the host, is not carried;
//   - the Dockerfile, contexts, Compose files, env files and local features
//     must lie in the workspace folder and resolve inside the repository
//     (every read goes through root, an os.Root), and the CLI and Compose
//     get their paths with links resolved;
//   - Compose builds lose `secrets`, `ssh`, `additional_contexts`,
//     `cache_from`, `cache_to` and `network` (the network is ours), and a
//     service may not `extends` another file.
func PrepareCopy(root *rootfs.Root, cfg *Config, opts CopyOptions) (*Copy, error) {
	switch opts.Network {
	case "", "none", "host":
	default:
		return nil, fmt.Errorf("build network %q: want \"\", \"none\" or \"host\"", opts.Network)
	}
	if strings.ContainsAny(opts.Platform, " \t\n\r") {
		return nil, fmt.Errorf("build platform %q: holds a space", opts.Platform)
	}
	user := &userFiles{root: root, ws: opts.Workspace}
	cfgPath := filepath.Join(root.Dir(), filepath.FromSlash(cfg.Path))
	rel, err := workspaceRel(opts.Workspace, "devcontainer.json "+cfgPath, cfgPath)
	if err != nil {
		return nil, err
	}
	v := cfg.Root.Clone()
	// The CLI would substitute the copy's folder; keep the user's.
	// ${localEnv:NAME} would put the build server's environment (proxy
	// credentials, the engine's address) into the build: it becomes its
	// default, or nothing.
	substitute(&v, strings.NewReplacer(
		"${localWorkspaceFolder}", opts.Workspace,
		"${localWorkspaceFolderBasename}", filepath.Base(opts.Workspace),
	))
	// initializeCommand runs on the host. `devcontainer build` does not
	// run it today; the copy does not carry it, so no version ever will.
	if v.Find("/initializeCommand") != nil {
		if err := v.Patch([]byte(`[{"op": "remove", "path": "/initializeCommand"}]`)); err != nil {
			return nil, fmt.Errorf("devcontainer.json patch: %w", err)
		}
	}
	compose := v.Find("/dockerComposeFile") != nil

	name := filepath.Base(opts.Workspace)
	if compose {
		if opts.ProjectName == "" || !filepath.IsLocal(opts.ProjectName) || strings.ContainsAny(opts.ProjectName, `/\`) {
			return nil, fmt.Errorf("compose project name %q: want a folder name", opts.ProjectName)
		}
		name = opts.ProjectName
	}
	ws := &workspace{Copy: Copy{Dir: filepath.Join(opts.Dir, "workspace", name), Compose: compose, Service: stringAt(&v, "/service")}, user: user}
	ws.Config = filepath.Join(ws.Dir, rel)
	if err := os.MkdirAll(filepath.Dir(ws.Config), 0o700); err != nil {
		return nil, fmt.Errorf("workspace copy: %w", err)
	}
	cfgDir := filepath.Dir(cfgPath)
	if compose {
		if err := prepareCompose(&v, opts, cfgDir, ws); err != nil {
			return nil, err
		}
		if err := os.WriteFile(ws.Config, v.Pack(), 0o600); err != nil {
			return nil, fmt.Errorf("workspace copy: %w", err)
		}
		return &ws.Copy, copyFeatures(&v, opts.Workspace, cfgPath, cfgDir, ws)
	}

	var ops []map[string]any
	add := func(ptr string, val any) { ops = append(ops, map[string]any{"op": "add", "path": ptr, "value": val}) }
	remove := func(ptr string) {
		if v.Find(ptr) != nil {
			ops = append(ops, map[string]any{"op": "remove", "path": ptr})
		}
	}
	ensureBuild := func() error {
		b := v.Find("/build")
		if b == nil {
			add("/build", map[string]any{})
			return nil
		}
		if _, ok := b.Value.(*hujson.Object); !ok {
			return errors.New("devcontainer.json: `build` is not an object")
		}
		return nil
	}

	df := stringAt(&v, "/build/dockerfile")
	if df == "" {
		df = stringAt(&v, "/dockerFile")
	}
	switch {
	case df != "":
		ctxDir := stringAt(&v, "/build/context")
		if ctxDir == "" {
			ctxDir = stringAt(&v, "/context")
		}
		if ctxDir == "" {
			ctxDir = "."
		}
		// The CLI opens both by name: it gets them with their links
		// resolved, once they are known to stay in the repository.
		if ws.Dockerfile, err = user.path("the Dockerfile "+df, resolveFrom(cfgDir, df)); err != nil {
			return nil, err
		}
		if ws.Context, err = user.path("the build context "+ctxDir, resolveFrom(cfgDir, ctxDir)); err != nil {
			return nil, err
		}
		remove("/dockerFile")
		remove("/context")
		if err := ensureBuild(); err != nil {
			return nil, err
		}
		add("/build/dockerfile", ws.Dockerfile)
		add("/build/context", ws.Context)
	case stringAt(&v, "/image") != "":
		// The CLI takes build options only when it builds a Dockerfile, so
		// an image becomes a one-line one.
		dir := filepath.Join(opts.Dir, "image")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("workspace copy: %w", err)
		}
		img := stringAt(&v, "/image")
		if strings.ContainsAny(img, "\n\r") {
			return nil, errors.New("devcontainer.json: `image` holds a line break")
		}
		if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM "+img+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("workspace copy: %w", err)
		}
		remove("/image")
		if err := ensureBuild(); err != nil {
			return nil, err
		}
		add("/build/dockerfile", filepath.Join(dir, "Dockerfile"))
		add("/build/context", dir)
	default:
		return nil, errors.New("devcontainer.json: neither `image` nor a Dockerfile is set")
	}

	// The user's own build options are not passed on: `--secret src=…`,
	// `--ssh`, `--build-context` or `--cache-to` would let a pull request
	// read the build server's files or write to it. Only ours are set.
	remove("/build/options")
	var options []string
	if opts.Network != "" {
		options = append(options, "--network="+opts.Network)
	}
	if opts.Platform != "" {
		options = append(options, "--platform="+opts.Platform)
	}
	if len(options) > 0 {
		add("/build/options", options)
	}

	if len(ops) > 0 {
		patch, err := json.Marshal(ops)
		if err != nil {
			return nil, fmt.Errorf("devcontainer.json patch: %w", err)
		}
		if err := v.Patch(patch); err != nil {
			return nil, fmt.Errorf("devcontainer.json patch: %w", err)
		}
	}
	if err := os.WriteFile(ws.Config, v.Pack(), 0o600); err != nil {
		return nil, fmt.Errorf("workspace copy: %w", err)
	}
	return &ws.Copy, copyFeatures(&v, opts.Workspace, cfgPath, cfgDir, ws)
}

// workspace is a Copy being written, with the user's files it reads.
type workspace struct {
	Copy
	user *userFiles
}

// userFiles opens the user's files for the workspace copy: every path lies
// in the workspace folder as written and is read beneath the repository's
// root (os.Root), so neither `..` nor a symlink leads a pull request's
// config to the build server's files.
type userFiles struct {
	root *rootfs.Root
	ws   string // the workspace folder, absolute
}

// path checks p (absolute) for a program that opens it by name (the CLI,
// Docker Compose): it must lie in the workspace folder as written and
// resolve inside the repository. It returns the path with every symlink
// resolved, so the program is not led elsewhere by one; p itself when it
// does not exist (the program then fails to find it, and reads nothing
// else). what names the path in errors.
func (u *userFiles) path(what, p string) (string, error) {
	if _, err := workspaceRel(u.ws, what, p); err != nil {
		return "", err
	}
	rel, err := u.root.Rel(p)
	if err != nil {
		return "", fmt.Errorf("%s %w", what, rootfs.ErrOutside)
	}
	real, err := u.root.Resolve(rel)
	switch {
	case err == nil:
		return real, nil
	case errors.Is(err, fs.ErrNotExist):
		return p, nil
	case rootfs.Refused(err):
		return "", rootfs.Refusal(what, err)
	}
	return "", fmt.Errorf("%s: %w", what, err)
}

// read reads a config-sized file (at most MaxFileSize) at p (absolute)
// beneath the repository's root.
func (u *userFiles) read(p string) ([]byte, error) {
	rel, err := u.root.Rel(p)
	if err != nil {
		return nil, err
	}
	return u.root.ReadFile(rel, MaxFileSize)
}

// substitute applies r to every string of v — property names and values —
// and replaces each `${localEnv:NAME}` and `${localEnv:NAME:default}` with
// its default, or nothing. It works on the strings' decoded values, as the
// CLI reads them: a variable spelt with escapes is found, and a path with
// a quote or a backslash stays one string.
func substitute(v *hujson.Value, r *strings.Replacer) {
	sub := func(lit *hujson.Value) {
		l, ok := lit.Value.(hujson.Literal)
		if !ok || l.Kind() != '"' || (!bytes.Contains(l, []byte("${")) && !bytes.Contains(l, []byte(`\u`))) {
			// No variable, even one spelt with escapes (`\u0024{`), which
			// the CLI would decode and substitute.
			return
		}
		s := l.String()
		out := localEnvRE.ReplaceAllString(r.Replace(s), "$2")
		if out != s {
			lit.Value = hujson.String(out)
		}
	}
	switch t := v.Value.(type) {
	case *hujson.Object:
		for i := range t.Members {
			sub(&t.Members[i].Name)
			substitute(&t.Members[i].Value, r)
		}
	case *hujson.Array:
		for i := range t.Elements {
			substitute(&t.Elements[i], r)
		}
	default:
		sub(v)
	}
}

// copyFeatures copies the config's local features and its lockfile, which
// sit next to it, into the workspace copy, and lists its features.
func copyFeatures(v *hujson.Value, origWS, cfgPath, cfgDir string, ws *workspace) error {
	budget := maxFeatureBytes
	if f := v.Find("/features"); f != nil {
		if obj, ok := f.Value.(*hujson.Object); ok {
			for _, m := range obj.Members {
				ref := m.Name.Value.(hujson.Literal).String()
				ws.Features = append(ws.Features, ref)
				if !strings.HasPrefix(ref, "./") && !strings.HasPrefix(ref, "../") {
					continue
				}
				from := filepath.Join(cfgDir, filepath.FromSlash(ref))
				r, err := workspaceRel(origWS, "local feature "+ref, from)
				if err != nil {
					return err
				}
				if err := ws.user.copyTree(from, filepath.Join(ws.Dir, r), &budget); err != nil {
					if rootfs.Refused(err) {
						return rootfs.Refusal("local feature "+ref, err)
					}
					return fmt.Errorf("local feature %s: %w", ref, err)
				}
			}
		}
	}
	lock := "devcontainer-lock.json"
	if filepath.Base(cfgPath) == ".devcontainer.json" {
		lock = ".devcontainer-lock.json"
	}
	if b, err := ws.user.read(filepath.Join(cfgDir, lock)); err == nil {
		if err := os.WriteFile(filepath.Join(filepath.Dir(ws.Config), lock), b, 0o600); err != nil {
			return fmt.Errorf("workspace copy: %w", err)
		}
	}
	return nil
}

// localEnvRE matches ${localEnv:NAME} and ${localEnv:NAME:default}.
var localEnvRE = regexp.MustCompile(`\$\{localEnv:([^}:]*)(?::([^}]*))?\}`)

// workspaceRel returns p relative to the workspace folder ws, refusing a
// path outside it (what names it in the error): a build reads nothing from
// the server but the workspace.
func workspaceRel(ws, what, p string) (string, error) {
	rel, err := filepath.Rel(ws, p)
	if err != nil || (rel != "." && !filepath.IsLocal(rel)) {
		return "", fmt.Errorf("%s lies outside the workspace folder", what)
	}
	return rel, nil
}

// stringAt returns the string at a JSON pointer, or "".
func stringAt(v *hujson.Value, ptr string) string {
	f := v.Find(ptr)
	if f == nil {
		return ""
	}
	if lit, ok := f.Value.(hujson.Literal); ok && lit.Kind() == '"' {
		return lit.String()
	}
	return ""
}

// resolveFrom resolves a config path against the config's folder.
func resolveFrom(dir, p string) string {
	p = filepath.FromSlash(p)
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

// copyTree copies the regular files and folders under from (absolute) to
// to, reading beneath the repository's root. Symlinks and special files
// are left out, so nothing outside from is read.
func (u *userFiles) copyTree(from, to string, budget *int64) error {
	rel, err := u.root.Rel(from)
	if err != nil {
		return err
	}
	if fi, err := u.root.Stat(rel); err != nil {
		return err
	} else if !fi.IsDir() {
		return fmt.Errorf("%s is not a folder", from)
	}
	src, err := u.root.OpenRoot(rel)
	if err != nil {
		return err
	}
	defer func() { _ = src.Close() }()
	return fs.WalkDir(src.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(to, filepath.FromSlash(p))
		switch {
		case d.IsDir():
			return os.MkdirAll(dst, 0o700)
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			if *budget -= info.Size(); *budget < 0 {
				return fmt.Errorf("more than %d MiB of files", maxFeatureBytes>>20)
			}
			return copyPlainFile(src.OS(), p, dst, info.Mode().Perm()|0o600)
		}
		return nil
	})
}

// copyPlainFile copies the file from (inside root) to to.
func copyPlainFile(root *os.Root, from, to string, mode fs.FileMode) error {
	in, err := root.Open(filepath.FromSlash(from))
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
