package build

import (
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

// maxConfigBytes bounds the devcontainer.json read.
const maxConfigBytes = 10 << 20

// maxFeatureBytes bounds the content of the local features copied for a
// build.
const maxFeatureBytes int64 = 256 << 20

// workspace is the copy of a Dev Container workspace the CLI builds from:
// the user's devcontainer.json patched (build network, absolute Dockerfile
// and context, an image turned into a one-line Dockerfile) and its local
// features, in a temporary folder. The user's files are never written.
type workspace struct {
	// dir is the workspace folder given to the CLI; config the patched
	// devcontainer.json in it; orig the user's workspace folder.
	dir, config, orig string
	// dockerfile is the user's Dockerfile the build starts from and
	// context its build context (absolute; "" for an image-based config).
	dockerfile, context string
	// features are the config's feature references, in file order.
	features []string
	// compose is set for a Docker Compose config, service its service.
	compose bool
	service string
	// user reads the user's files, never one outside the repository.
	user *userFiles
}

// close releases the user's files.
func (ws *workspace) close() { _ = ws.user.root.Close() }

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

// read reads a config-sized file (at most maxConfigBytes) at p (absolute)
// beneath the repository's root.
func (u *userFiles) read(p string) ([]byte, error) {
	rel, err := u.root.Rel(p)
	if err != nil {
		return nil, err
	}
	return u.root.ReadFile(rel, maxConfigBytes)
}

// prepareWorkspace writes the workspace copy under tmp.
func prepareWorkspace(spec DevcontainerSpec, tmp string) (*workspace, error) {
	origWS, err := filepath.Abs(spec.WorkspaceDir)
	if err != nil {
		return nil, fmt.Errorf("workspace folder: %w", err)
	}
	within := spec.Root
	if within == "" {
		within = origWS
	}
	root, err := rootfs.Open(within)
	if err != nil {
		return nil, fmt.Errorf("workspace folder: %w", err)
	}
	user := &userFiles{root: root, ws: origWS}
	ws, err := prepareCopy(spec, tmp, origWS, user)
	if err != nil {
		_ = root.Close()
		return nil, err
	}
	return ws, nil
}

// prepareCopy is prepareWorkspace once the user's files are open.
func prepareCopy(spec DevcontainerSpec, tmp, origWS string, user *userFiles) (*workspace, error) {
	cfgPath := spec.Config
	if cfgPath == "" {
		cfgPath = filepath.Join(".devcontainer", "devcontainer.json")
		if _, err := user.read(filepath.Join(origWS, ".devcontainer.json")); err == nil {
			cfgPath = ".devcontainer.json"
		}
	}
	if !filepath.IsAbs(cfgPath) {
		cfgPath = filepath.Join(origWS, cfgPath)
	}
	rel, err := workspaceRel(origWS, "devcontainer.json "+cfgPath, cfgPath)
	if err != nil {
		return nil, err
	}
	src, err := user.read(cfgPath)
	if err != nil {
		if rootfs.Refused(err) {
			return nil, rootfs.Refusal("devcontainer.json", err)
		}
		return nil, fmt.Errorf("devcontainer.json: %w", err)
	}
	// The CLI would substitute the copy's folder; keep the user's.
	src = []byte(strings.NewReplacer(
		"${localWorkspaceFolder}", jsonText(origWS),
		"${localWorkspaceFolderBasename}", jsonText(filepath.Base(origWS)),
	).Replace(string(src)))
	// ${localEnv:NAME} would put the build server's environment (proxy
	// credentials, the engine's address) into the build: it becomes its
	// default, or nothing.
	src = localEnvRE.ReplaceAllFunc(src, func(m []byte) []byte {
		return localEnvRE.FindSubmatch(m)[2]
	})
	v, err := hujson.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("devcontainer.json: %w", err)
	}
	if _, ok := v.Value.(*hujson.Object); !ok {
		return nil, errors.New("devcontainer.json: the top level is not an object")
	}
	// initializeCommand runs on the host. `devcontainer build` does not
	// run it today; the copy does not carry it, so no version ever will.
	if v.Find("/initializeCommand") != nil {
		if err := v.Patch([]byte(`[{"op": "remove", "path": "/initializeCommand"}]`)); err != nil {
			return nil, fmt.Errorf("devcontainer.json patch: %w", err)
		}
	}
	compose := v.Find("/dockerComposeFile") != nil

	// The copy keeps the workspace folder's name, which the CLI derives
	// names from (`${containerWorkspaceFolder}`); a Compose config's gets
	// a unique one, since the CLI names the Compose project (and the
	// images Compose tags) after it.
	name := filepath.Base(origWS)
	if compose {
		if name, err = composeProjectName(); err != nil {
			return nil, err
		}
	}
	ws := &workspace{dir: filepath.Join(tmp, "workspace", name), orig: origWS, compose: compose, service: stringAt(&v, "/service"), user: user}
	ws.config = filepath.Join(ws.dir, rel)
	if err := os.MkdirAll(filepath.Dir(ws.config), 0o700); err != nil {
		return nil, fmt.Errorf("workspace copy: %w", err)
	}
	cfgDir := filepath.Dir(cfgPath)
	if compose {
		if err := prepareCompose(&v, spec, origWS, cfgDir, tmp, ws); err != nil {
			return nil, err
		}
		if err := os.WriteFile(ws.config, v.Pack(), 0o600); err != nil {
			return nil, fmt.Errorf("workspace copy: %w", err)
		}
		return ws, copyFeatures(&v, origWS, cfgPath, cfgDir, ws)
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
		if ws.dockerfile, err = user.path("the Dockerfile "+df, resolveFrom(cfgDir, df)); err != nil {
			return nil, err
		}
		if ws.context, err = user.path("the build context "+ctxDir, resolveFrom(cfgDir, ctxDir)); err != nil {
			return nil, err
		}
		remove("/dockerFile")
		remove("/context")
		if err := ensureBuild(); err != nil {
			return nil, err
		}
		add("/build/dockerfile", ws.dockerfile)
		add("/build/context", ws.context)
	case stringAt(&v, "/image") != "":
		// The CLI takes build options only when it builds a Dockerfile, so
		// an image becomes a one-line one.
		dir := filepath.Join(tmp, "image")
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
	if v.Find("/build/options") != nil {
		remove("/build/options")
	}
	var options []string
	switch spec.Network {
	case NetworkHost, NetworkNone:
		options = append(options, "--network="+spec.Network)
	case "", NetworkDefault:
	default:
		return nil, fmt.Errorf("build network %q: want %q, %q or %q", spec.Network, NetworkDefault, NetworkNone, NetworkHost)
	}
	if spec.Platform != "" {
		if _, err := parsePlatform(spec.Platform); err != nil {
			return nil, err
		}
		options = append(options, "--platform="+spec.Platform)
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
	if err := os.WriteFile(ws.config, v.Pack(), 0o600); err != nil {
		return nil, fmt.Errorf("workspace copy: %w", err)
	}
	return ws, copyFeatures(&v, origWS, cfgPath, cfgDir, ws)
}

// copyFeatures copies the config's local features and its lockfile, which
// sit next to it, into the workspace copy, and lists its features.
func copyFeatures(v *hujson.Value, origWS, cfgPath, cfgDir string, ws *workspace) error {
	budget := maxFeatureBytes
	if f := v.Find("/features"); f != nil {
		if obj, ok := f.Value.(*hujson.Object); ok {
			for _, m := range obj.Members {
				ref := m.Name.Value.(hujson.Literal).String()
				ws.features = append(ws.features, ref)
				if !strings.HasPrefix(ref, "./") && !strings.HasPrefix(ref, "../") {
					continue
				}
				from := filepath.Join(cfgDir, filepath.FromSlash(ref))
				r, err := workspaceRel(origWS, "local feature "+ref, from)
				if err != nil {
					return err
				}
				if err := ws.user.copyTree(from, filepath.Join(ws.dir, r), &budget); err != nil {
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
		if err := os.WriteFile(filepath.Join(filepath.Dir(ws.config), lock), b, 0o600); err != nil {
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

// jsonText is s escaped for use inside a JSON string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
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
