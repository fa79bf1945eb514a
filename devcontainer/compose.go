package devcontainer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/coderready/coderready/internal/rootfs"
)

// maxComposeBytes bounds a Compose file read.
const maxComposeBytes = 10 << 20

// ComposeService is the service a Compose-based devcontainer.json runs, as
// its Compose files define it.
type ComposeService struct {
	// Name is the `service` the devcontainer.json names.
	Name string
	// Image is the service's `image` ("" when unset). When Build is set too,
	// Compose builds and tags the image with this name.
	Image string
	// Build is set when the service is built from a Dockerfile.
	Build *ComposeBuild
	// File is the Compose file that defines the service (the last one when
	// several do), relative to the scanned root.
	File string
	// ImageFromHost is set when Image holds a variable the project's
	// `.env` does not set (`…:${VERSION:-latest}`): the environment
	// Compose runs in chooses it, and Image has the default.
	ImageFromHost bool
	// EnvFile is the project's `.env` file used for `${VAR}` interpolation
	// ("" when there is none).
	EnvFile string
	// Privileges are what the service asks of the engine beyond a plain
	// container: `privileged: true`, each `cap_add`, `security_opt` and
	// `devices` entry, in the order of the files and their lines.
	Privileges []ComposePrivilege
	// User is the service's `user` (`${UID:-kitsune}` interpolated: the
	// container runs as it), "" when unset.
	User string
}

// ComposePrivilege is one privilege a Compose service asks for.
type ComposePrivilege struct {
	// Key is the service's key (`privileged`, `cap_add`, `security_opt`,
	// `devices`);
	// Value the entry (`SYS_PTRACE`, `seccomp:unconfined`, `true`).
	Key, Value string
	// File is the Compose file (relative to the scanned root) and Line
	// the entry's line in it (1-based).
	File string
	Line int
}

// privileges lists what a service's node asks for beyond a plain
// container (see ComposeService.Privileges).
func privileges(file string, svc *yaml.Node) []ComposePrivilege {
	var out []ComposePrivilege
	if svc.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(svc.Content); i += 2 {
		k, v := svc.Content[i], svc.Content[i+1]
		switch k.Value {
		case "privileged":
			if v.Kind == yaml.ScalarNode && (v.Value == "true" || v.Value == "True" || v.Value == "yes") {
				out = append(out, ComposePrivilege{Key: k.Value, Value: v.Value, File: file, Line: v.Line})
			}
		case "deploy":
			// `deploy.resources.reservations.devices` with `capabilities:
			// [gpu]`: the Compose form of `--gpus all`.
			if n := gpuReservation(v); n != nil {
				out = append(out, ComposePrivilege{Key: "deploy.resources.reservations.devices", Value: "capabilities: [gpu]", File: file, Line: n.Line})
			}
		case "cap_add", "security_opt", "devices":
			if v.Kind != yaml.SequenceNode {
				continue
			}
			for _, e := range v.Content {
				if e.Kind == yaml.ScalarNode && e.Value != "" {
					out = append(out, ComposePrivilege{Key: k.Value, Value: e.Value, File: file, Line: e.Line})
				}
			}
		}
	}
	return out
}

// gpuReservation returns the `capabilities` entry of a service's `deploy`
// section that reserves GPUs, nil when none does.
func gpuReservation(deploy *yaml.Node) *yaml.Node {
	devs := mapValue(mapValue(mapValue(deploy, "resources"), "reservations"), "devices")
	if devs == nil || devs.Kind != yaml.SequenceNode {
		return nil
	}
	for _, d := range devs.Content {
		caps := mapValue(d, "capabilities")
		if caps == nil || caps.Kind != yaml.SequenceNode {
			continue
		}
		for _, c := range caps.Content {
			if c.Value == "gpu" {
				return c
			}
		}
	}
	return nil
}

// ComposeBuild is a service's `build` section with paths resolved.
type ComposeBuild struct {
	// Context and Dockerfile are relative to the scanned root, cleaned and
	// slash-separated (starting with "../" when they leave it).
	Context, Dockerfile string
	// Args are the build arguments (an argument listed without a value
	// is left out: it would come from the host's environment).
	Args map[string]string
	// Target is the stage to build ("" for the last).
	Target string
}

// ComposeService resolves the devcontainer's Compose service from the
// Compose files in fsys (rooted at the scanned root). Relative paths are
// resolved against the folder of the first Compose file (Compose's project
// folder). `${VAR}` references are interpolated from the project's `.env`
// file and their defaults only: nothing comes from this machine's
// environment.
func (p *Plan) ComposeService(fsys fs.FS) (*ComposeService, error) {
	if p.Kind != KindCompose {
		return nil, errors.New("not a Docker Compose config")
	}
	if p.Service == "" {
		return nil, errors.New("`service` is not set: it names the Compose service to run")
	}
	if len(p.ComposeFiles) == 0 {
		return nil, errors.New("`dockerComposeFile` names no file")
	}
	project := path.Dir(p.ComposeFiles[0].Path)
	svc := &ComposeService{Name: p.Service}
	env := map[string]string{}
	if fsys != nil && fs.ValidPath(path.Join(project, ".env")) {
		if b, err := readFS(fsys, path.Join(project, ".env")); err == nil {
			env = parseDotEnv(b)
			svc.EnvFile = path.Join(project, ".env")
		}
	}
	var (
		build  map[string]any
		hasSvc bool
	)
	for _, cf := range p.ComposeFiles {
		if !fs.ValidPath(cf.Path) {
			return nil, fmt.Errorf("the Compose file %s lies outside the scanned folder", cf.Raw)
		}
		if cf.State == PathOutside {
			return nil, fmt.Errorf("the Compose file %s %w", cf.Raw, rootfs.ErrOutside)
		}
		if fsys == nil {
			return nil, fmt.Errorf("the Compose file %s cannot be read", cf.Path)
		}
		b, err := readFS(fsys, cf.Path)
		if err != nil {
			return nil, fmt.Errorf("the Compose file %s: %w", cf.Path, err)
		}
		var doc struct {
			Services map[string]yaml.Node `yaml:"services"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("the Compose file %s: %w", cf.Path, err)
		}
		node, ok := doc.Services[p.Service]
		if !ok {
			continue
		}
		var s map[string]any
		if err := node.Decode(&s); err != nil {
			return nil, fmt.Errorf("the Compose file %s: service %s: %w", cf.Path, p.Service, err)
		}
		hasSvc = true
		svc.File = cf.Path
		// Compose merges the lists of all the files that define it.
		svc.Privileges = append(svc.Privileges, privileges(cf.Path, &node)...)
		if img, ok := s["image"].(string); ok {
			svc.Image = interpolate(img, env)
			svc.ImageFromHost = unsetVariable(img, env)
		}
		switch u := s["user"].(type) {
		case string:
			svc.User = interpolate(u, env)
		case int:
			svc.User = strconv.Itoa(u)
		}
		switch b := s["build"].(type) {
		case string:
			build = map[string]any{"context": b}
		case map[string]any:
			if build == nil {
				build = map[string]any{}
			}
			for k, v := range b {
				build[k] = v
			}
		case nil:
		default:
			return nil, fmt.Errorf("the Compose file %s: service %s: `build` is neither a path nor a mapping", cf.Path, p.Service)
		}
	}
	if !hasSvc {
		return nil, fmt.Errorf("no Compose file defines the service %q", p.Service)
	}
	if build == nil {
		if svc.Image == "" {
			return nil, fmt.Errorf("the Compose service %q has neither `build` nor `image`", p.Service)
		}
		return svc, nil
	}
	cb := &ComposeBuild{}
	ctx, _ := build["context"].(string)
	ctx = interpolate(ctx, env)
	if ctx == "" {
		ctx = "."
	}
	if strings.Contains(ctx, "://") || strings.HasPrefix(ctx, "git@") {
		return nil, fmt.Errorf("the Compose service %q builds from %s: remote build contexts are not built", p.Service, ctx)
	}
	if path.IsAbs(ctx) {
		return nil, fmt.Errorf("the Compose service %q builds from the absolute path %s, outside the scanned folder", p.Service, ctx)
	}
	cb.Context = path.Join(project, ctx)
	if _, ok := build["dockerfile_inline"]; ok {
		return nil, fmt.Errorf("the Compose service %q uses `dockerfile_inline`, which is not built", p.Service)
	}
	df, _ := build["dockerfile"].(string)
	df = interpolate(df, env)
	if df == "" {
		df = "Dockerfile"
	}
	if path.IsAbs(df) {
		return nil, fmt.Errorf("the Compose service %q names the absolute Dockerfile %s, outside the scanned folder", p.Service, df)
	}
	cb.Dockerfile = path.Join(cb.Context, df)
	// A context or Dockerfile that a link leads out of the folder is not
	// read, and not built.
	for _, c := range []struct{ what, rel string }{{"build context", cb.Context}, {"Dockerfile", cb.Dockerfile}} {
		if !fs.ValidPath(c.rel) {
			return nil, fmt.Errorf("the Compose service %q's %s %s lies outside the scanned folder", p.Service, c.what, c.rel)
		}
		if _, err := fs.Stat(fsys, c.rel); rootfs.Refused(err) {
			return nil, fmt.Errorf("the Compose service %q's %s %s %s", p.Service, c.what, c.rel, rootfs.Why(err))
		}
	}
	if t, ok := build["target"].(string); ok {
		cb.Target = interpolate(t, env)
	}
	args, err := composeArgs(build["args"], env)
	if err != nil {
		return nil, fmt.Errorf("the Compose service %q: %w", p.Service, err)
	}
	cb.Args = args
	svc.Build = cb
	return svc, nil
}

// composeArgs reads `build.args`: a mapping or a list of NAME=value.
func composeArgs(v any, env map[string]string) (map[string]string, error) {
	out := map[string]string{}
	switch a := v.(type) {
	case nil:
	case map[string]any:
		for k, val := range a {
			if val == nil {
				continue // from the host's environment: not passed
			}
			out[k] = interpolate(fmt.Sprint(val), env)
		}
	case []any:
		for _, e := range a {
			s, ok := e.(string)
			if !ok {
				return nil, errors.New("`build.args` lists a value that is not a string")
			}
			k, val, ok := strings.Cut(s, "=")
			if !ok {
				continue
			}
			out[k] = interpolate(val, env)
		}
	default:
		return nil, errors.New("`build.args` is neither a mapping nor a list")
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

var interpRE = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^}])*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// interpolate substitutes Compose's `${VAR}`, `${VAR:-default}`,
// `${VAR-default}`, `${VAR:+alt}`, `${VAR:?err}` and `$VAR` from env, and
// `$$` with `$`.
func interpolate(s string, env map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	return interpRE.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		sm := interpRE.FindStringSubmatch(m)
		name, op, arg := sm[1], sm[2], sm[3]
		if name == "" {
			name = sm[4]
		}
		val, set := env[name]
		switch op {
		case ":-":
			if val == "" {
				return arg
			}
		case "-":
			if !set {
				return arg
			}
		case ":+":
			if val != "" {
				return arg
			}
			return ""
		case "+":
			if set {
				return arg
			}
			return ""
		}
		return val
	})
}

// unsetVariable reports whether s names a variable env does not set.
func unsetVariable(s string, env map[string]string) bool {
	for _, m := range interpRE.FindAllStringSubmatch(s, -1) {
		name := m[1] + m[4]
		if _, ok := env[name]; name != "" && !ok {
			return true
		}
	}
	return false
}

// parseDotEnv reads KEY=value lines (comments, `export`, quotes).
func parseDotEnv(b []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		} else if i := strings.Index(v, " #"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		out[k] = v
	}
	return out
}

// readFS reads a file of at most maxComposeBytes.
func readFS(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	b, err := io.ReadAll(io.LimitReader(f, maxComposeBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxComposeBytes {
		return nil, fmt.Errorf("larger than %d MiB", maxComposeBytes>>20)
	}
	return b, nil
}
