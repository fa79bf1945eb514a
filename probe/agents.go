package probe

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

// maxAgentSize bounds the stand-in agent read into memory.
const maxAgentSize = 64 << 20

// AgentFileName is the stand-in's file name for an architecture in an
// agents folder (CODERREADY_PROBE_AGENTS, the server image's
// /usr/local/lib/coderready).
func AgentFileName(arch string) string { return "coderready-probe-linux-" + arch }

// DirAgents finds the stand-in agents, built ahead (make probe-agents), in
// a folder.
type DirAgents string

// Agent returns the folder's binary for arch.
func (d DirAgents) Agent(_ context.Context, arch string) (string, error) {
	p := filepath.Join(string(d), AgentFileName(arch))
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("probe agent: %w", err)
	}
	return p, nil
}

// SourceAgents builds the stand-in from this module's source with the Go
// toolchain on PATH (static, for the wanted architecture) into Dir, once
// per process and architecture: what `go run` and the tests use, where
// no agent was built ahead.
type SourceAgents struct {
	// Dir receives the binaries.
	Dir string
	mu  sync.Mutex
	out map[string]string
}

// Agent builds (once) and returns the binary for arch.
func (s *SourceAgents) Agent(ctx context.Context, arch string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.out[arch]; ok {
		return p, nil
	}
	src, err := moduleDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return "", fmt.Errorf("probe agent: %w", err)
	}
	out := filepath.Join(s.Dir, AgentFileName(arch))
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./cmd/coderready-probe")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("probe agent: go build for linux/%s: %w: %s", arch, err, bytes.TrimSpace(b))
	}
	if s.out == nil {
		s.out = map[string]string{}
	}
	s.out[arch] = out
	return out, nil
}

// moduleDir is this module's source folder, when this binary was built
// from a checkout that is still there.
func moduleDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return "", errors.New("probe agent: this binary was built without its source (build the agents with make probe-agents and set CODERREADY_PROBE_AGENTS)")
	}
	dir := filepath.Dir(filepath.Dir(file))
	if _, err := os.Stat(filepath.Join(dir, "cmd", "coderready-probe", "main.go")); err != nil {
		return "", fmt.Errorf("probe agent: the source is gone (%w); build the agents with make probe-agents and set CODERREADY_PROBE_AGENTS", err)
	}
	if _, err := exec.LookPath("go"); err != nil {
		return "", errors.New("probe agent: no Go toolchain to build it; build the agents with make probe-agents and set CODERREADY_PROBE_AGENTS")
	}
	return dir, nil
}

// sourceAgents are the SourceAgents of this process, by folder: each
// builds an architecture's agent once per process, whoever asks.
var sourceAgents sync.Map

// DefaultAgents is CODERREADY_PROBE_AGENTS when set, else agents built
// from source into cacheDir (once per process).
func DefaultAgents(cacheDir string) Agents {
	if d := os.Getenv("CODERREADY_PROBE_AGENTS"); d != "" {
		return DirAgents(d)
	}
	dir := filepath.Join(cacheDir, "probe-agents")
	a, _ := sourceAgents.LoadOrStore(dir, &SourceAgents{Dir: dir})
	return a.(*SourceAgents)
}

// readAgent reads the stand-in binary.
func readAgent(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("probe agent: %w", err)
	}
	defer func() { _ = f.Close() }()
	var b bytes.Buffer
	if _, err := b.ReadFrom(io.LimitReader(f, maxAgentSize+1)); err != nil {
		return nil, fmt.Errorf("probe agent: %w", err)
	}
	if b.Len() > maxAgentSize {
		return nil, fmt.Errorf("probe agent %s: larger than %d MiB", path, maxAgentSize>>20)
	}
	return b.Bytes(), nil
}

// agentTar is a tar stream holding the agent at agentPath, owned by root,
// mode 0755 (readable and runnable by the sidecar's nobody).
func agentTar(bin []byte) *bytes.Reader {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	_ = tw.WriteHeader(&tar.Header{Name: filepath.Base(agentPath), Mode: 0o755, Size: int64(len(bin)), Typeflag: tar.TypeReg})
	_, _ = tw.Write(bin)
	_ = tw.Close()
	return bytes.NewReader(b.Bytes())
}
