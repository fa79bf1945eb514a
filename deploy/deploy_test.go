// Package deploy_test checks the deployment files in this folder: the
// server image (deploy/Dockerfile), the compose file and the Kubernetes
// manifests. There is no Go code to deploy here, only tests.
package deploy_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // npm's shasum field is SHA-1
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"maps"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	composecli "github.com/compose-spec/compose-go/v2/cli"
	composetypes "github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"go.yaml.in/yaml/v3"

	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/image"
	"github.com/coderready/coderready/internal/testenv"
)

// settingsRE finds the CODERREADY_* variables the code reads.
var settingsRE = regexp.MustCompile(`"(CODERREADY_[A-Z_]+)"`)

// knownSettings returns every CODERREADY_* variable named in the server's
// and the CLI's sources.
func knownSettings(t *testing.T) map[string]bool {
	t.Helper()
	known := map[string]bool{}
	for _, glob := range []string{"../app/*.go", "../cmd/coderready/*.go"} {
		files, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range settingsRE.FindAllStringSubmatch(string(b), -1) {
				known[m[1]] = true
			}
		}
	}
	if len(known) < 10 {
		t.Fatalf("found only %d settings in the sources: %v", len(known), known)
	}
	return known
}

// docs decodes every YAML document in a file.
func docs(t *testing.T, name string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, d)
	}
}

// dig walks maps and lists by key or index path.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// dockerfileEnv returns the ENV values deploy/Dockerfile sets.
func dockerfileEnv(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, m := range regexp.MustCompile(`(CODERREADY_[A-Z_]+)=(\S+)`).FindAllStringSubmatch(string(b), -1) {
		env[m[1]] = m[2]
	}
	return env
}

// loadCompose loads compose.yaml as Docker Compose v2 does
// (compose-go: interpolation, normalization, validation against the
// Compose specification's schema), with every profile and an empty
// environment.
func loadCompose(t *testing.T) *composetypes.Project {
	t.Helper()
	opts, err := composecli.NewProjectOptions([]string{"compose.yaml"},
		composecli.WithWorkingDirectory("."), composecli.WithEnv([]string{}), composecli.WithProfiles([]string{"*"}))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return p
}

// TestComposeFile: the compose file is valid Compose, names only settings
// the server reads, mounts the data volume where the image keeps its data,
// publishes the port it listens on, keeps the database off the builds'
// network, and bounds the builder's storage (BuildKit's garbage collection,
// the pruner).
func TestComposeFile(t *testing.T) {
	known := knownSettings(t)
	env := dockerfileEnv(t)
	p := loadCompose(t)
	if p.Name != "coderready" {
		t.Errorf("project %q", p.Name)
	}
	app, err := p.GetService("coderready")
	if err != nil {
		t.Fatal(err)
	}
	for k := range app.Environment {
		if strings.HasPrefix(k, "CODERREADY_") && !known[k] {
			t.Errorf("compose.yaml sets %s, which coderready does not read", k)
		}
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if app.Build == nil || app.Build.Context != root || app.Build.Dockerfile != "deploy/Dockerfile" {
		t.Errorf("build %+v, want the repository with deploy/Dockerfile", app.Build)
	}
	if len(app.Volumes) != 1 || app.Volumes[0].Source != "data" || app.Volumes[0].Target != env["CODERREADY_DATA_DIR"] {
		t.Errorf("volumes %+v, want data at %s", app.Volumes, env["CODERREADY_DATA_DIR"])
	}
	if len(app.Ports) != 1 || app.Ports[0].Published != "8080" || ":"+strconv.Itoa(int(app.Ports[0].Target)) != env["CODERREADY_LISTEN"] {
		t.Errorf("ports %+v, want 8080 to %s", app.Ports, env["CODERREADY_LISTEN"])
	}
	if h := app.Environment["DOCKER_HOST"]; h == nil || *h != "tcp://builder:2375" {
		t.Errorf("DOCKER_HOST %v", h)
	}

	builder, err := p.GetService("builder")
	if err != nil {
		t.Fatal(err)
	}
	db, err := p.GetService("postgres")
	if err != nil {
		t.Fatal(err)
	}
	for n := range db.Networks {
		if _, ok := builder.Networks[n]; ok {
			t.Errorf("the database shares network %s with the builder", n)
		}
	}
	if !p.Networks["db"].Internal {
		t.Error("the db network should be internal")
	}

	// BuildKit's garbage collection, from the config file dockerd is told
	// to read.
	var cfgPath string
	for _, a := range builder.Command {
		if v, ok := strings.CutPrefix(a, "--config-file="); ok {
			cfgPath = v
		}
	}
	var cfgSource string
	for _, v := range builder.Volumes {
		if v.Target == cfgPath && v.Type == composetypes.VolumeTypeBind && v.ReadOnly {
			cfgSource = v.Source
		}
	}
	if cfgPath == "" || cfgSource == "" {
		t.Fatalf("builder command %q, volumes %+v: want --config-file on a read-only bind mount", builder.Command, builder.Volumes)
	}
	b, err := os.ReadFile(cfgSource)
	if err != nil {
		t.Fatal(err)
	}
	var daemon builderDaemonConfig
	if err := json.Unmarshal(b, &daemon); err != nil {
		t.Fatalf("%s: %v", cfgSource, err)
	}
	if gc := daemon.Builder.GC; !gc.Enabled || len(gc.Policy) == 0 || !gc.Policy[len(gc.Policy)-1].All || gc.Policy[len(gc.Policy)-1].KeepStorage == "" {
		t.Errorf("builder gc %+v: want it on, with a limit on all the cache", gc)
	}

	pruner, err := p.GetService("builder-pruner")
	if err != nil {
		t.Fatal(err)
	}
	script := strings.Join(pruner.Command, " ")
	if !strings.Contains(script, `docker image prune --all --force --filter "until=$PRUNE_UNTIL"`) || pruner.Environment["PRUNE_UNTIL"] == nil {
		t.Errorf("pruner command %q env %v", script, pruner.Environment)
	}
	if _, ok := pruner.Networks["builds"]; !ok || len(pruner.Networks) != 1 || !pruner.ReadOnly || pruner.User == "" || strings.HasPrefix(pruner.User, "0") {
		t.Errorf("pruner %+v: want a non-root, read-only service on the builds network only", pruner)
	}
	for _, s := range []composetypes.ServiceConfig{builder, pruner} {
		if !regexp.MustCompile(`:[0-9]+\.[0-9]+\.[0-9]+`).MatchString(s.Image) {
			t.Errorf("%s: image %q is not pinned to a version", s.Name, s.Image)
		}
	}
}

// TestKubernetesManifests: every object decodes strictly into its
// Kubernetes type, every setting is one the server reads, secrets
// come from secretKeyRef, probes hit the server's own endpoints, the data
// and temporary folders are writable under a read-only root.
func TestKubernetesManifests(t *testing.T) {
	known := knownSettings(t)
	appSrc, err := os.ReadFile("../app/app.go")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("kubernetes/coderready.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range strings.Split(string(raw), "\n---\n") {
		if _, _, err := strictCodec.Decode([]byte(doc), nil, nil); err != nil {
			t.Errorf("kubernetes/coderready.yaml: %v", err)
		}
	}
	kinds := map[string]bool{}
	for _, d := range docs(t, "kubernetes/coderready.yaml") {
		kind, _ := d["kind"].(string)
		kinds[kind] = true
		if kind != "Deployment" {
			continue
		}
		c := dig(d, "spec", "template", "spec", "containers", 0)
		envs, _ := dig(c, "env").([]any)
		vars := map[string]any{}
		for _, e := range envs {
			name, _ := dig(e, "name").(string)
			if strings.HasPrefix(name, "CODERREADY_") && !known[name] {
				t.Errorf("%s is not a setting coderready reads", name)
			}
			vars[name] = e
		}
		for _, secret := range []string{"CODERREADY_WEBHOOK_SECRET", "CODERREADY_APP_ID", "CODERREADY_DATABASE_URL"} {
			if dig(vars[secret], "valueFrom", "secretKeyRef", "name") != "coderready" {
				t.Errorf("%s should come from the coderready secret: %v", secret, vars[secret])
			}
		}
		for _, probe := range []string{"readinessProbe", "livenessProbe"} {
			p, _ := dig(c, probe, "httpGet", "path").(string)
			if p == "" || !strings.Contains(string(appSrc), `mux.HandleFunc("`+p+`"`) {
				t.Errorf("%s path %q is not served by the app", probe, p)
			}
		}
		mounts := map[string]bool{}
		ms, _ := dig(c, "volumeMounts").([]any)
		for _, m := range ms {
			p, _ := dig(m, "mountPath").(string)
			mounts[p] = true
		}
		dataDir, _ := dig(vars["CODERREADY_DATA_DIR"], "value").(string)
		keyFile, _ := dig(vars["CODERREADY_PRIVATE_KEY_FILE"], "value").(string)
		for _, p := range []string{dataDir, "/tmp", keyFile} {
			if !mounts[p] {
				t.Errorf("no volume mounted at %q (mounts %v)", p, mounts)
			}
		}
		if dig(c, "securityContext", "readOnlyRootFilesystem") != true || dig(d, "spec", "template", "spec", "securityContext", "runAsNonRoot") != true {
			t.Error("want a non-root container with a read-only root filesystem")
		}
	}
	if !kinds["Deployment"] || !kinds["Service"] {
		t.Errorf("kinds %v, want a Deployment and a Service", kinds)
	}
}

// engine returns a Docker builder on the test engine
// (testenv.RequireEngine).
func engine(t *testing.T) *build.Docker {
	t.Helper()
	testenv.RequireEngine(t)
	d, err := build.NewDocker()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// binaryImage builds coderready here and puts it in an image at
// /out/coderready, for the Dockerfile's BINARY argument (no Go image can
// be pulled offline, so the build stage is replaced).
func binaryImage(t *testing.T, d *build.Docker) string {
	t.Helper()
	ctx := context.Background()
	bin := t.TempDir()
	cmd := exec.CommandContext(ctx, "go", "build", "-ldflags", "-X main.version=deploy-test", "-o", filepath.Join(bin, "coderready"), "../cmd/coderready")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(bin, "probe-agents", "coderready-probe-linux-"+arch), "../cmd/coderready-probe")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build the probe agent for %s: %v\n%s", arch, err, out)
		}
	}
	if err := os.WriteFile(filepath.Join(bin, "Dockerfile"), []byte("FROM scratch\nCOPY coderready /out/coderready\nCOPY probe-agents /out/probe-agents\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := d.Build(ctx, build.Spec{ContextDir: bin, Network: build.NetworkNone, Timeout: 5 * time.Minute})
	if err != nil {
		t.Fatalf("binary image: %v", err)
	}
	t.Cleanup(func() { _ = d.Remove(context.WithoutCancel(ctx), img.Ref) })
	return img.Ref
}

// The fake package the test npm registry serves as the Dev Containers CLI.
const fakeCLIVersion = "0.89.0"

// npmRegistry is an npm registry on loopback over HTTPS, its certificate
// signed by a CA of its own (as behind a TLS-intercepting proxy), serving
// one package: a stand-in @devcontainers/cli whose `devcontainer` prints
// its version.
type npmRegistry struct {
	URL   string
	CAPEM []byte
	// CA is the CA certificate's SHA-256 fingerprint, hex.
	CA string
	mu sync.Mutex
	// hits are the paths requested.
	hits []string
}

// newNPMRegistry starts the registry for the test's lifetime.
func newNPMRegistry(t *testing.T) *npmRegistry {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "coderready test proxy CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(caDER)
	reg := &npmRegistry{CAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), CA: hex.EncodeToString(sum[:])}

	tgz := fakeCLITarball(t)
	sha512sum, sha1sum := sha512.Sum512(tgz), sha1.Sum(tgz)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reg.mu.Lock()
		reg.hits = append(reg.hits, r.URL.EscapedPath())
		reg.mu.Unlock()
		switch strings.ToLower(r.URL.EscapedPath()) {
		case "/@devcontainers%2fcli":
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{
				"name":      "@devcontainers/cli",
				"dist-tags": map[string]string{"latest": fakeCLIVersion},
				"versions": map[string]any{fakeCLIVersion: map[string]any{
					"name": "@devcontainers/cli", "version": fakeCLIVersion,
					"bin": map[string]string{"devcontainer": "devcontainer.js"},
					"dist": map[string]string{
						"tarball":   reg.URL + "/@devcontainers/cli/-/cli-" + fakeCLIVersion + ".tgz",
						"integrity": "sha512-" + base64.StdEncoding.EncodeToString(sha512sum[:]),
						"shasum":    hex.EncodeToString(sha1sum[:]),
					},
				}},
			})
		case "/@devcontainers/cli/-/cli-" + fakeCLIVersion + ".tgz":
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(tgz)
		default:
			http.NotFound(w, r)
		}
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER, caDER}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	reg.URL = srv.URL
	return reg
}

// requested reports whether path was requested.
func (r *npmRegistry) requested(path string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.ContainsFunc(r.hits, func(h string) bool { return strings.EqualFold(h, path) })
}

// fakeCLITarball is the package tarball of the stand-in CLI.
func fakeCLITarball(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []struct {
		name, body string
		mode       int64
	}{
		{"package/package.json", `{"name":"@devcontainers/cli","version":"` + fakeCLIVersion + `","bin":{"devcontainer":"devcontainer.js"}}`, 0o644},
		{"package/devcontainer.js", "#!/usr/bin/env node\nconsole.log('" + fakeCLIVersion + "');\n", 0o755},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestServerImage builds deploy/Dockerfile on the local Debian test image
// (BASE_IMAGE) with a binary built here (BINARY), reads the image and runs
// `coderready version` in it: once without the Dev Containers CLI, and
// once with it, installed from an npm registry (NPM_REGISTRY) whose TLS
// certificate only the extra CA given as EXTRA_CA_CERTS vouches for, as
// behind a TLS-intercepting proxy.
func TestServerImage(t *testing.T) {
	d := engine(t)
	d.Engine = build.EngineBuildKit // only BuildKit skips the unused build stages
	binImg := binaryImage(t, d)
	reg := newNPMRegistry(t)
	cases := []struct {
		name string
		args map[string]string
		cli  bool
	}{
		{name: "without the Dev Containers CLI", args: map[string]string{"WITH_DEVCONTAINER_CLI": "0"}},
		{
			name: "with the Dev Containers CLI from a registry behind an extra CA",
			args: map[string]string{"WITH_DEVCONTAINER_CLI": "1", "NPM_REGISTRY": reg.URL + "/", "EXTRA_CA_CERTS": string(reg.CAPEM), "DEVCONTAINER_CLI_VERSION": fakeCLIVersion},
			cli:  true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			args := map[string]string{"BINARY": binImg, "BASE_IMAGE": "coderready-test/debian:bookworm"}
			maps.Copy(args, tc.args)
			start := time.Now()
			res, err := d.Build(ctx, build.Spec{ContextDir: "..", Dockerfile: "deploy/Dockerfile", Network: build.NetworkHost, Timeout: 15 * time.Minute, Args: args})
			if err != nil {
				var f *build.Failure
				if errors.As(err, &f) {
					t.Fatalf("deploy/Dockerfile: %v\n%s", err, f.LogTail)
				}
				t.Fatalf("deploy/Dockerfile: %v", err)
			}
			defer func() { _ = d.Remove(context.WithoutCancel(ctx), res.Ref) }()
			t.Logf("server image built in %s", time.Since(start).Round(100*time.Millisecond))

			facts, err := image.Inspect(ctx, "docker-daemon:"+res.Ref, image.Options{})
			if err != nil {
				t.Fatal(err)
			}
			env := dockerfileEnv(t)
			u, ok := facts.LookupUser(facts.Config.User)
			if facts.Config.User != "coderready" || !ok || u.UID != 10001 || u.Home != env["CODERREADY_DATA_DIR"] {
				t.Errorf("user %q %+v, want coderready (10001) at home in %s", facts.Config.User, u, env["CODERREADY_DATA_DIR"])
			}
			if p, ok := facts.LookPath("coderready"); !ok || p != "/usr/local/bin/coderready" {
				t.Errorf("coderready on PATH at %q (%v)", p, ok)
			}
			// The probe's stand-in agents, where CODERREADY_PROBE_AGENTS
			// says.
			if !slices.Contains(facts.Config.Env, "CODERREADY_PROBE_AGENTS=/usr/local/lib/coderready") {
				t.Errorf("the image's environment %q does not name the probe agents' folder", facts.Config.Env)
			}
			for _, arch := range []string{"amd64", "arm64"} {
				p := "/usr/local/lib/coderready/coderready-probe-linux-" + arch
				if f, ok := facts.Stat(p); !ok || f.Mode&0o111 == 0 || f.Size < 1<<20 {
					t.Errorf("%s: %+v (%v), want an executable agent", p, f, ok)
				}
			}
			if len(facts.CA.Certificates) < 50 {
				t.Errorf("%d CA certificates: GitHub's TLS needs the system bundle", len(facts.CA.Certificates))
			}
			if !slices.Equal(facts.Config.Entrypoint, []string{"/usr/local/bin/coderready"}) || !slices.Equal(facts.Config.Cmd, []string{"serve"}) {
				t.Errorf("entrypoint %q cmd %q", facts.Config.Entrypoint, facts.Config.Cmd)
			}
			for _, tool := range []string{"devcontainer", "docker", "docker-compose", "node"} {
				if _, ok := facts.LookPath(tool); ok != tc.cli {
					t.Errorf("%s on PATH: %v, want %v", tool, ok, tc.cli)
				}
			}
			if tc.cli {
				// The extra CA is trusted by the server too, and npm
				// fetched the package from the registry named.
				if !facts.HasCertificate(reg.CA) {
					t.Error("the extra CA is not in the image's trust store")
				}
				for _, p := range []string{"/@devcontainers%2fcli", "/@devcontainers/cli/-/cli-" + fakeCLIVersion + ".tgz"} {
					if !reg.requested(p) {
						t.Errorf("the registry was not asked for %s", p)
					}
				}
			}

			out := run(t, d.Client.(*client.Client), res.Ref, "version")
			if !strings.Contains(out, "deploy-test") {
				t.Errorf("coderready version in the image printed %q", out)
			}
		})
	}
}

// run runs the image with args (no network) and returns its output.
func run(t *testing.T, c *client.Client, ref string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	created, err := c.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config:     &container.Config{Image: ref, Cmd: args, Tty: true},
		HostConfig: &container.HostConfig{NetworkMode: "none"},
	})
	if err != nil {
		t.Fatalf("create container: %v", err)
	}
	defer func() {
		_, _ = c.ContainerRemove(context.WithoutCancel(ctx), created.ID, client.ContainerRemoveOptions{Force: true})
	}()
	if _, err := c.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatalf("start container: %v", err)
	}
	wait := c.ContainerWait(ctx, created.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case r := <-wait.Result:
		if r.StatusCode != 0 {
			t.Errorf("exit status %d", r.StatusCode)
		}
	case err := <-wait.Error:
		t.Fatalf("wait: %v", err)
	}
	logs, err := c.ContainerLogs(ctx, created.ID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatalf("logs: %v", err)
	}
	defer func() { _ = logs.Close() }()
	b, err := io.ReadAll(logs)
	if err != nil {
		t.Fatalf("logs: %v", err)
	}
	return string(b)
}

// builderDaemonConfig is the part of a builder's daemon.json the deploy
// tests read: BuildKit's cache garbage collection.
type builderDaemonConfig struct {
	Builder struct {
		GC struct {
			Enabled            bool   `json:"enabled"`
			DefaultKeepStorage string `json:"defaultKeepStorage"`
			Policy             []struct {
				KeepStorage string   `json:"keepStorage"`
				Filter      []string `json:"filter"`
				All         bool     `json:"all"`
			} `json:"policy"`
		} `json:"gc"`
	} `json:"builder"`
}
