package build

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/coderready/coderready/devcontainer"
	"github.com/coderready/coderready/internal/rootfs"
)

// workspace is the copy of a Dev Container workspace the CLI builds from,
// written by devcontainer.PrepareCopy (the one reader and writer of
// devcontainer.json and Compose files), with the repository's root its
// user files are read beneath.
type workspace struct {
	*devcontainer.Copy
	root *rootfs.Root
}

// close releases the repository's root.
func (ws *workspace) close() { _ = ws.root.Close() }

// readDockerfile reads the user's Dockerfile beneath the repository's root
// (for mapping a failed step to its line).
func (ws *workspace) readDockerfile() ([]byte, error) {
	rel, err := ws.root.Rel(ws.Dockerfile)
	if err != nil {
		return nil, err
	}
	return ws.root.ReadFile(rel, maxDockerfileBytes)
}

// prepareWorkspace checks the build settings, opens the repository's root,
// takes the parsed devcontainer.json (reading it when the spec has none)
// and has the copy written under tmp.
func prepareWorkspace(spec DevcontainerSpec, tmp string) (*workspace, error) {
	var network string
	switch spec.Network {
	case NetworkHost, NetworkNone:
		network = spec.Network
	case "", NetworkDefault:
	default:
		return nil, fmt.Errorf("build network %q: want %q, %q or %q", spec.Network, NetworkDefault, NetworkNone, NetworkHost)
	}
	if spec.Platform != "" {
		if _, err := parsePlatform(spec.Platform); err != nil {
			return nil, err
		}
	}
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
	ws, err := prepareCopy(spec, root, origWS, tmp, network)
	if err != nil {
		_ = root.Close()
		return nil, err
	}
	return ws, nil
}

// prepareCopy is prepareWorkspace once the repository's root is open.
func prepareCopy(spec DevcontainerSpec, root *rootfs.Root, origWS, tmp, network string) (*workspace, error) {
	cfg := spec.Devcontainer
	if cfg == nil {
		var err error
		if cfg, err = devcontainer.Load(root, origWS, spec.Config); err != nil {
			return nil, err
		}
	} else if spec.Config != "" {
		// Two names for one file must agree, or the build would
		// describe one config and build another.
		p := spec.Config
		if !filepath.IsAbs(p) {
			p = filepath.Join(origWS, p)
		}
		if rel, err := root.Rel(p); err != nil || rel != cfg.Path {
			return nil, fmt.Errorf("devcontainer.json: the spec names %s but holds %s", spec.Config, cfg.Path)
		}
	}
	var name string
	if cfg.Has("/dockerComposeFile") {
		var err error
		if name, err = composeProjectName(); err != nil {
			return nil, err
		}
	}
	c, err := devcontainer.PrepareCopy(root, cfg, devcontainer.CopyOptions{
		Workspace: origWS, Dir: tmp, Network: network, Platform: spec.Platform, ProjectName: name,
	})
	if err != nil {
		return nil, err
	}
	return &workspace{Copy: c, root: root}, nil
}

// composeProjectName returns a unique folder name for a Compose workspace
// copy: the CLI names the Compose project, and so the images Compose tags,
// after it, which must not be a user's own project.
func composeProjectName() (string, error) {
	h, err := randomHex(6)
	if err != nil {
		return "", fmt.Errorf("project name: %w", err)
	}
	return "coderready" + h, nil
}

// composeNameRE matches what Compose v1 drops from project names.
var composeNameRE = regexp.MustCompile(`[^-_a-z0-9]`)

// composeImageNames are the names Compose (v1 and v2) gives the image it
// builds for service in the project of workspace folder dir.
func composeImageNames(dir, service string) []string {
	project := strings.ToLower(filepath.Base(dir)) + "_devcontainer"
	v1 := composeNameRE.ReplaceAllString(project, "")
	return []string{v1 + "_" + service, v1 + "-" + strings.ToLower(service)}
}
