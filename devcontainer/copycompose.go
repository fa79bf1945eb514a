package devcontainer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tailscale/hujson"
	"go.yaml.in/yaml/v3"

	"github.com/coderready/coderready/internal/rootfs"
)

// A Docker Compose devcontainer.json is built by the Dev Containers CLI
// through Compose: the service's image (its build, or its image) with the
// features on top. The workspace copy carries patched copies of the
// Compose files: build contexts and env files made absolute (they point at
// the user's folder, not the copy), the build network and platform set on
// the service, and an image-only service turned into a one-line Dockerfile
// build when a network must be set (Compose takes a build network only in
// a `build` section).

// composeFiles returns the config's dockerComposeFile entries.
func composeFiles(v *hujson.Value) ([]string, error) {
	f := v.Find("/dockerComposeFile")
	if f == nil {
		return nil, nil
	}
	switch val := f.Value.(type) {
	case hujson.Literal:
		if val.Kind() == '"' {
			return []string{val.String()}, nil
		}
	case *hujson.Array:
		var out []string
		for _, e := range val.Elements {
			lit, ok := e.Value.(hujson.Literal)
			if !ok || lit.Kind() != '"' {
				return nil, errors.New("devcontainer.json: `dockerComposeFile` holds a non-string")
			}
			out = append(out, lit.String())
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	return nil, errors.New("devcontainer.json: `dockerComposeFile` is neither a path nor a list of paths")
}

// prepareCompose writes patched copies of the config's Compose files into
// the workspace copy and records the service's Dockerfile and context.
func prepareCompose(v *hujson.Value, opts CopyOptions, cfgDir string, ws *workspace) error {
	files, err := composeFiles(v)
	if err != nil {
		return err
	}
	service := stringAt(v, "/service")
	if service == "" {
		return errors.New("devcontainer.json: `service` is not set")
	}
	origWS := opts.Workspace
	// Compose resolves relative paths against the project folder: the
	// first file's.
	project := filepath.Dir(resolveFrom(cfgDir, files[0]))
	// Compose would fill `${VAR}` from its own environment, the build
	// server's (proxy credentials, the engine's address), before the
	// project's .env: the copy is interpolated here from the .env alone,
	// as the scan resolves the service.
	env := map[string]string{}
	if b, err := ws.user.read(filepath.Join(project, ".env")); err == nil {
		env = parseDotEnv(b)
	}
	found := false
	for _, f := range files {
		abs := resolveFrom(cfgDir, f)
		rel, err := workspaceRel(origWS, "compose file "+f, abs)
		if err != nil {
			return err
		}
		src, err := ws.user.read(abs)
		if err != nil {
			if rootfs.Refused(err) {
				return rootfs.Refusal("compose file "+f, err)
			}
			return fmt.Errorf("compose file %s: %w", f, err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(src, &doc); err != nil {
			return fmt.Errorf("compose file %s: %w", f, err)
		}
		interpolateNode(&doc, env)
		has, err := patchCompose(&doc, service, project, opts.Network, opts.Platform, opts.Dir, ws)
		if err != nil {
			return fmt.Errorf("compose file %s: %w", f, err)
		}
		found = found || has
		var out bytes.Buffer
		enc := yaml.NewEncoder(&out)
		enc.SetIndent(2)
		if err := enc.Encode(&doc); err != nil {
			return fmt.Errorf("compose file %s: %w", f, err)
		}
		dst := filepath.Join(ws.Dir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return fmt.Errorf("workspace copy: %w", err)
		}
		if err := os.WriteFile(dst, out.Bytes(), 0o600); err != nil {
			return fmt.Errorf("workspace copy: %w", err)
		}
	}
	if !found {
		return fmt.Errorf("no Compose file defines the service %q", service)
	}
	// `${VAR}` in the Compose files comes from the project's .env.
	if b, err := ws.user.read(filepath.Join(project, ".env")); err == nil {
		if rel, err := workspaceRel(origWS, "the Compose project", project); err == nil {
			if err := os.WriteFile(filepath.Join(ws.Dir, rel, ".env"), b, 0o600); err != nil {
				return fmt.Errorf("workspace copy: %w", err)
			}
		}
	}
	return nil
}

// patchCompose rewrites one Compose document; it reports whether the
// document defines service.
func patchCompose(doc *yaml.Node, service, project, network, platform, tmp string, ws *workspace) (bool, error) {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return false, nil
	}
	root := doc.Content[0]
	services := mapValue(root, "services")
	if services == nil || services.Kind != yaml.MappingNode {
		return false, nil
	}
	found := false
	for i := 0; i+1 < len(services.Content); i += 2 {
		name, svc := services.Content[i].Value, services.Content[i+1]
		if svc.Kind != yaml.MappingNode {
			continue
		}
		absolutizeService(svc, project)
		if err := serviceInsideWorkspace(svc, ws.user); err != nil {
			return false, fmt.Errorf("service %s: %w", name, err)
		}
		if name != service {
			continue
		}
		found = true
		build := mapValue(svc, "build")
		if build == nil && network != "" {
			// Compose takes a build network only in a build: build the
			// image through a one-line Dockerfile.
			img := mapValue(svc, "image")
			if img == nil || img.Kind != yaml.ScalarNode || img.Value == "" || strings.ContainsAny(img.Value, "\n\r") {
				continue
			}
			dir := filepath.Join(tmp, "compose-image")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return false, fmt.Errorf("workspace copy: %w", err)
			}
			if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM "+img.Value+"\n"), 0o600); err != nil {
				return false, fmt.Errorf("workspace copy: %w", err)
			}
			removeKey(svc, "image")
			build = &yaml.Node{Kind: yaml.MappingNode}
			setKey(build, "context", dir)
			svc.Content = append(svc.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "build"}, build)
		}
		if build != nil {
			// What would reach the build server's files or network beyond
			// the build's own: secrets and SSH from the server, extra
			// contexts, cache import and export; and the network is ours.
			for _, k := range []string{"secrets", "ssh", "additional_contexts", "cache_from", "cache_to", "network"} {
				removeKey(build, k)
			}
			dropHostArgs(build)
			if ctx := mapValue(build, "context"); ctx != nil && ws.Context == "" {
				ws.Context = ctx.Value
				df := "Dockerfile"
				if d := mapValue(build, "dockerfile"); d != nil && d.Value != "" {
					df = d.Value
				}
				ws.Dockerfile = resolveFrom(ctx.Value, df)
			}
			if network != "" {
				setKey(build, "network", network)
			}
		}
		if platform != "" {
			setKey(svc, "platform", platform)
		}
	}
	return found, nil
}

// serviceInsideWorkspace refuses a service whose build context,
// Dockerfile, env files or extended file lie outside the workspace folder
// or resolve outside the repository (paths already made absolute): Compose
// would read them from the build server. The paths left are replaced by
// their resolved form, so Compose follows no link out.
func serviceInsideWorkspace(svc *yaml.Node, user *userFiles) error {
	if b := mapValue(svc, "build"); b != nil {
		if c := mapValue(b, "context"); c != nil && !remoteContext(c.Value) {
			given := c.Value
			ctx, err := user.path("the build context "+given, given)
			if err != nil {
				return err
			}
			// Compose reads the Dockerfile by name: name it, resolved,
			// even when it is the default one.
			name := "Dockerfile"
			if d := mapValue(b, "dockerfile"); d != nil && d.Value != "" {
				name = d.Value
			}
			df, err := user.path("the Dockerfile "+name, resolveFrom(given, name))
			if err != nil {
				return err
			}
			setKey(b, "dockerfile", df)
			c.Value = ctx
		}
	}
	for _, f := range envFiles(svc) {
		p, err := user.path("the env file "+f.Value, f.Value)
		if err != nil {
			return err
		}
		f.Value = p
	}
	if mapValue(mapValue(svc, "extends"), "file") != nil {
		return errors.New("`extends` with a file is not built here")
	}
	return nil
}

// absolutizeService makes a service's build context and env files absolute
// against the project folder, so the copies point at the user's files.
func absolutizeService(svc *yaml.Node, project string) {
	if b := mapValue(svc, "build"); b != nil {
		switch b.Kind {
		case yaml.ScalarNode:
			// `build: ./dir` is the context alone.
			ctx := resolveFrom(project, b.Value)
			*b = yaml.Node{Kind: yaml.MappingNode}
			setKey(b, "context", ctx)
		case yaml.MappingNode:
			ctx := "."
			if c := mapValue(b, "context"); c != nil && c.Value != "" {
				ctx = c.Value
			}
			if !remoteContext(ctx) {
				setKey(b, "context", resolveFrom(project, ctx))
			}
		}
	}
	for _, f := range envFiles(svc) {
		f.Value = resolveFrom(project, f.Value)
	}
}

// envFiles returns the nodes of a service's env file paths (`env_file: a`,
// `[a, b]` or `[{path: a}]`).
func envFiles(svc *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	switch ef := mapValue(svc, "env_file"); {
	case ef == nil:
	case ef.Kind == yaml.ScalarNode:
		out = append(out, ef)
	case ef.Kind == yaml.SequenceNode:
		for _, e := range ef.Content {
			if e.Kind == yaml.ScalarNode {
				out = append(out, e)
			} else if p := mapValue(e, "path"); p != nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// remoteContext reports whether a build context is a URL or a Git remote
// rather than a folder.
func remoteContext(ctx string) bool {
	return strings.Contains(ctx, "://") || strings.HasPrefix(ctx, "git@")
}

// mapValue returns the value of key in a mapping node, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// setKey sets key to a string value in a mapping node.
func setKey(m *yaml.Node, key, value string) {
	if v := mapValue(m, key); v != nil {
		*v = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}
		return
	}
	m.Content = append(m.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value})
}

// removeKey removes key from a mapping node.
func removeKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// interpolateNode substitutes `${VAR}` in every value of a Compose
// document from env (the project's .env), and writes each `$` left as
// `$$`, so Compose takes the values as they are and adds nothing from its
// environment. A plain value is written plain again (`${PORT}` may be a
// number); an empty one (or one reading "null") stays a quoted string,
// which Compose passes as is — a null build argument would mean "from
// Compose's environment".
func interpolateNode(n *yaml.Node, env map[string]string) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			interpolateNode(c, env)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			interpolateNode(n.Content[i+1], env) // Compose interpolates values, not keys
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "$") {
			return
		}
		v := interpolate(n.Value, env)
		n.Value = strings.ReplaceAll(v, "$", "$$")
		switch v {
		case "", "~", "null", "Null", "NULL":
			n.Tag = "!!str" // quoted: never null
		default:
			if n.Style == 0 {
				n.Tag = ""
			} else {
				n.Tag = "!!str"
			}
		}
	}
}

// dropHostArgs removes the build arguments listed without a value, which
// Compose takes from its environment: the build server's.
func dropHostArgs(build *yaml.Node) {
	args := mapValue(build, "args")
	if args == nil {
		return
	}
	switch args.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(args.Content); {
			if v := args.Content[i+1]; v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				args.Content = append(args.Content[:i], args.Content[i+2:]...)
				continue
			}
			i += 2
		}
	case yaml.SequenceNode:
		kept := args.Content[:0]
		for _, e := range args.Content {
			if e.Kind != yaml.ScalarNode || strings.Contains(e.Value, "=") {
				kept = append(kept, e)
			}
		}
		args.Content = kept
	}
}
