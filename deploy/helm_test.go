package deploy_test

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/release"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/intstr"
	kyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// chartDir is the Helm chart under test.
const chartDir = "helm/coderready"

// The release every case renders, on the oldest Kubernetes the chart
// supports (Chart.yaml's kubeVersion).
const (
	releaseName = "coderready"
	releaseNS   = "coderready"
	kubeVersion = "v1.27.0"
)

// strictCodec decodes the kinds the chart may render, failing on any field
// the Kubernetes types do not have (and on duplicate fields).
var strictCodec = func() runtime.Decoder {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, networkingv1.AddToScheme, policyv1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, s, s, kjson.SerializerOptions{Yaml: true, Strict: true})
}()

// rendered is one release's objects, decoded.
type rendered struct {
	objs  []runtime.Object
	notes string
}

// of returns the rendered objects of type T.
func of[T runtime.Object](r *rendered) []T {
	var out []T
	for _, o := range r.objs {
		if v, ok := o.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// one returns the one object of type T named name.
func one[T interface {
	runtime.Object
	GetName() string
}](t *testing.T, r *rendered, name string) T {
	t.Helper()
	for _, o := range of[T](r) {
		if o.GetName() == name {
			return o
		}
	}
	var zero T
	t.Fatalf("no %T named %q rendered", zero, name)
	return zero
}

// kinds counts the rendered objects by kind.
func (r *rendered) kinds() map[string]int {
	m := map[string]int{}
	for _, o := range r.objs {
		m[o.GetObjectKind().GroupVersionKind().Kind]++
	}
	return m
}

// renderChart renders the chart as `helm template` does (client-only dry
// run, the chart's schema applied) with values over its defaults.
func renderChart(values string) (*rendered, error) {
	ch, err := loader.Load(chartDir)
	if err != nil {
		return nil, fmt.Errorf("load chart: %w", err)
	}
	vals, err := loader.LoadValues(strings.NewReader(values))
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(slog.DiscardHandler))
	install := action.NewInstall(cfg)
	install.DryRunStrategy = action.DryRunClient
	install.ReleaseName, install.Namespace = releaseName, releaseNS
	install.Replace = true
	if install.KubeVersion, err = common.ParseKubeVersion(kubeVersion); err != nil {
		return nil, fmt.Errorf("kube version: %w", err)
	}
	rel, err := install.Run(ch, vals)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	acc, err := release.NewAccessor(rel)
	if err != nil {
		return nil, fmt.Errorf("release: %w", err)
	}
	r := &rendered{notes: acc.Notes()}
	rd := kyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(acc.Manifest())))
	for {
		doc, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return r, nil
		}
		if err != nil {
			return nil, fmt.Errorf("split manifest: %w", err)
		}
		if isBlankYAML(doc) {
			continue
		}
		obj, _, err := strictCodec.Decode(doc, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("decode strictly: %w\n%s", err, doc)
		}
		r.objs = append(r.objs, obj)
	}
}

// isBlankYAML reports whether a document holds only comments and space.
func isBlankYAML(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		if l := strings.TrimSpace(line); l != "" && l != "---" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

// mustRender renders values or fails the test.
func mustRender(t *testing.T, values string) *rendered {
	t.Helper()
	r, err := renderChart(values)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// envOf returns a container's environment by name.
func envOf(c corev1.Container) map[string]corev1.EnvVar {
	m := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		m[e.Name] = e
	}
	return m
}

// mountOf returns the volume mounted at path, if any.
func mountOf(c corev1.Container, path string) (corev1.VolumeMount, bool) {
	for _, m := range c.VolumeMounts {
		if m.MountPath == path {
			return m, true
		}
	}
	return corev1.VolumeMount{}, false
}

// volumeOf returns the pod's volume named name.
func volumeOf(spec corev1.PodSpec, name string) (corev1.Volume, bool) {
	for _, v := range spec.Volumes {
		if v.Name == name {
			return v, true
		}
	}
	return corev1.Volume{}, false
}

// isTrue reports whether p is set and true.
func isTrue(p *bool) bool { return p != nil && *p }

// checkServer asserts what every render's server Deployment must be:
// non-root, read-only root, no token, probes on the app's own endpoints,
// scratch space in emptyDirs (or the SQLite volume) with ephemeral storage
// requested, settings the server reads, secrets from Secrets.
func checkServer(t *testing.T, r *rendered) appsv1.Deployment {
	t.Helper()
	d := *one[*appsv1.Deployment](t, r, releaseName)
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	if psc := pod.SecurityContext; psc == nil || !isTrue(psc.RunAsNonRoot) || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Errorf("pod securityContext %+v: want runAsNonRoot and a non-zero runAsUser", psc)
	}
	if sc := c.SecurityContext; sc == nil || !isTrue(sc.ReadOnlyRootFilesystem) || !isTrue(sc.RunAsNonRoot) ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || isTrue(sc.Privileged) ||
		sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("container securityContext %+v: want non-root, read-only root, no escalation, all capabilities dropped", sc)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the server pod mounts a service account token")
	}
	appSrc, err := os.ReadFile("../app/app.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		want  string
	}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}, {"startup", c.StartupProbe, "/healthz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("%s probe: none over HTTP", p.name)
			continue
		}
		if p.probe.HTTPGet.Path != p.want || p.probe.HTTPGet.Port != intstr.FromString("http") {
			t.Errorf("%s probe %s on %v, want %s on http", p.name, p.probe.HTTPGet.Path, p.probe.HTTPGet.Port.String(), p.want)
		}
		if !strings.Contains(string(appSrc), `mux.HandleFunc("`+p.want+`"`) {
			t.Errorf("%s probe path %s is not served by the app", p.name, p.want)
		}
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("ports %+v, want http 8080", c.Ports)
	}
	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
		if _, ok := c.Resources.Requests[res]; !ok {
			t.Errorf("no %s request", res)
		}
	}
	if _, ok := c.Resources.Limits[corev1.ResourceEphemeralStorage]; !ok {
		t.Error("no ephemeral-storage limit")
	}

	known := knownSettings(t)
	env := envOf(c)
	for name := range env {
		if strings.HasPrefix(name, "CODERREADY_") && !known[name] {
			t.Errorf("%s is not a setting coderready reads", name)
		}
	}
	for _, secret := range []string{"CODERREADY_WEBHOOK_SECRET", "CODERREADY_APP_ID", "PGPASSWORD"} {
		if e, ok := env[secret]; ok && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
			t.Errorf("%s should come from a Secret: %+v", secret, e)
		}
	}
	if e, ok := env["CODERREADY_DATABASE_URL"]; ok && e.ValueFrom == nil && strings.Contains(e.Value, ":@") {
		t.Errorf("a password in the database URL: %q", e.Value)
	}
	if e := env["CODERREADY_DATABASE_URL"]; e.Value != "" {
		if u, err := url.Parse(e.Value); err != nil || u.User == nil {
			t.Errorf("database URL %q: %v", e.Value, err)
		} else if _, ok := u.User.Password(); ok {
			t.Errorf("a password in the database URL %q", e.Value)
		}
	}

	// Writable places under the read-only root: the data dir and /tmp
	// (with the work dir inside it), each a volume.
	dataDir, workDir := env["CODERREADY_DATA_DIR"].Value, env["CODERREADY_WORK_DIR"].Value
	if dataDir != dockerfileEnv(t)["CODERREADY_DATA_DIR"] {
		t.Errorf("data dir %q, want the image's %q", dataDir, dockerfileEnv(t)["CODERREADY_DATA_DIR"])
	}
	if !strings.HasPrefix(workDir, "/tmp/") {
		t.Errorf("work dir %q, want it under /tmp", workDir)
	}
	for _, p := range []string{dataDir, "/tmp"} {
		m, ok := mountOf(c, p)
		if !ok || m.ReadOnly {
			t.Errorf("no writable volume at %s", p)
			continue
		}
		v, _ := volumeOf(pod, m.Name)
		switch {
		case v.EmptyDir != nil:
			if v.EmptyDir.SizeLimit == nil {
				t.Errorf("emptyDir %s has no size limit", v.Name)
			}
		case v.PersistentVolumeClaim != nil && p == dataDir:
		default:
			t.Errorf("%s is on volume %+v, want an emptyDir", p, v)
		}
	}
	if kf := env["CODERREADY_PRIVATE_KEY_FILE"].Value; kf != "" {
		m, ok := mountOf(c, kf[:strings.LastIndex(kf, "/")])
		v, _ := volumeOf(pod, m.Name)
		if !ok || !m.ReadOnly || v.Secret == nil {
			t.Errorf("private key %s: mount %+v, volume %+v, want a read-only Secret", kf, m, v)
		}
	}

	// One session key for every replica: a sign-in on one pod holds on
	// the others.
	sk := secretFileVolume(t, &d, c, "CODERREADY_SESSION_KEY_FILE")
	if sk.SecretName == releaseName+"-session" {
		sec := one[*corev1.Secret](t, r, releaseName+"-session")
		if len(sec.Data["session.key"]) < 32 {
			t.Errorf("the chart's session key is %d bytes, want 32 or more", len(sec.Data["session.key"]))
		}
	}

	for _, sa := range of[*corev1.ServiceAccount](r) {
		if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
			t.Errorf("ServiceAccount %s automounts its token", sa.Name)
		}
	}
	for _, o := range r.objs {
		if m, ok := o.(interface{ GetNamespace() string }); ok && m.GetNamespace() == "" {
			t.Errorf("%T without a namespace", o)
		}
	}
	svc := one[*corev1.Service](t, r, releaseName)
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("the Service selects %s=%s, which the pods lack", k, v)
		}
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort != intstr.FromString("http") {
		t.Errorf("service ports %+v", svc.Spec.Ports)
	}
	return d
}

// checkServerPolicy asserts the server's NetworkPolicy: in only to the web
// port; out only to DNS, HTTPS and the ports named.
func checkServerPolicy(t *testing.T, r *rendered, egressPorts ...int32) networkingv1.NetworkPolicy {
	t.Helper()
	np := *one[*networkingv1.NetworkPolicy](t, r, releaseName)
	if !slices.Equal(np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}) {
		t.Errorf("policy types %v", np.Spec.PolicyTypes)
	}
	if len(np.Spec.Ingress) != 1 || len(np.Spec.Ingress[0].Ports) != 1 || *np.Spec.Ingress[0].Ports[0].Port != intstr.FromString("http") {
		t.Errorf("ingress %+v, want the http port only", np.Spec.Ingress)
	}
	var got []int32
	for _, e := range np.Spec.Egress {
		if len(e.Ports) == 0 {
			t.Errorf("egress rule to %+v allows every port", e.To)
		}
		for _, p := range e.Ports {
			if p.Port == nil || p.Port.Type != intstr.Int {
				t.Errorf("egress port %+v is not a number", p.Port)
				continue
			}
			if !slices.Contains(got, p.Port.IntVal) {
				got = append(got, p.Port.IntVal)
			}
		}
	}
	want := append([]int32{53, 443}, egressPorts...)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("egress ports %v, want %v", got, want)
	}
	for k, v := range np.Spec.PodSelector.MatchLabels {
		if one[*appsv1.Deployment](t, r, releaseName).Spec.Template.Labels[k] != v {
			t.Errorf("the policy selects %s=%s, which the pods lack", k, v)
		}
	}
	return np
}

// secretData returns a rendered Secret's data.
func secretData(t *testing.T, r *rendered, name string) map[string][]byte {
	t.Helper()
	return one[*corev1.Secret](t, r, name).Data
}

// parseCert parses the one PEM certificate in b.
func parseCert(t *testing.T, b []byte) *x509.Certificate {
	t.Helper()
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("no PEM in %q", b)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkBuilderTLS asserts that the server secret's certificate is valid for
// host (and localhost, for the pruner) and that the client's verifies
// against the same CA for client authentication.
func checkBuilderTLS(t *testing.T, r *rendered, serverSecret, clientSecret, host string) {
	t.Helper()
	srv, cli := secretData(t, r, serverSecret), secretData(t, r, clientSecret)
	if !bytes.Equal(srv["ca.crt"], cli["ca.crt"]) {
		t.Fatal("the builder's and the server's secrets hold different CAs")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(srv["ca.crt"]) {
		t.Fatal("no CA certificate")
	}
	for _, name := range []string{host, "localhost"} {
		if _, err := parseCert(t, srv["tls.crt"]).Verify(x509.VerifyOptions{DNSName: name, Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			t.Errorf("builder certificate for %s: %v", name, err)
		}
	}
	// The pruner presents the engine's own certificate as a client.
	for _, c := range [][]byte{cli["tls.crt"], srv["tls.crt"]} {
		if _, err := parseCert(t, c).Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("client certificate: %v", err)
		}
	}
	for _, s := range []map[string][]byte{srv, cli} {
		if blk, _ := pem.Decode(s["tls.key"]); blk == nil || !strings.Contains(blk.Type, "PRIVATE KEY") {
			t.Error("no private key in a TLS secret")
		}
	}
}

// checkBuilder asserts the builder StatefulSet: one engine on its own
// volume, TLS certificates where the image's entrypoint looks, the garbage
// collection config, a pruner, no token; and its policy.
func checkBuilder(t *testing.T, r *rendered, ns string, rootless bool) appsv1.StatefulSet {
	t.Helper()
	name := releaseName + "-builder"
	sts := *one[*appsv1.StatefulSet](t, r, name)
	if sts.Namespace != ns {
		t.Errorf("builder in namespace %q, want %q", sts.Namespace, ns)
	}
	if sts.Spec.Replicas == nil || *sts.Spec.Replicas != 1 {
		t.Errorf("builder replicas %v, want 1", sts.Spec.Replicas)
	}
	pod := sts.Spec.Template.Spec
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the builder pod mounts a service account token")
	}
	if len(sts.Spec.VolumeClaimTemplates) != 1 {
		t.Fatalf("builder volume claims %d", len(sts.Spec.VolumeClaimTemplates))
	}
	var dockerd, pruner corev1.Container
	for _, c := range pod.Containers {
		switch c.Name {
		case "dockerd":
			dockerd = c
		case "pruner":
			pruner = c
		}
	}
	wantImage, dataDir := "docker:27.5.1-dind", "/var/lib/docker"
	if rootless {
		wantImage, dataDir = "docker:27.5.1-dind-rootless", "/home/rootless/.local/share/docker"
		if sc := dockerd.SecurityContext; sc == nil || !isTrue(sc.RunAsNonRoot) || sc.RunAsUser == nil || *sc.RunAsUser != 1000 {
			t.Errorf("rootless engine securityContext %+v, want UID 1000", sc)
		}
	}
	if dockerd.Image != wantImage {
		t.Errorf("builder image %q, want %q", dockerd.Image, wantImage)
	}
	if m, ok := mountOf(dockerd, dataDir); !ok || m.Name != sts.Spec.VolumeClaimTemplates[0].Name {
		t.Errorf("engine data %s: mount %+v, want the claim's volume", dataDir, m)
	}
	if envOf(dockerd)["DOCKER_TLS_CERTDIR"].Value != "/certs" || !slices.Contains(dockerd.Args, "--config-file=/etc/coderready-builder/daemon.json") {
		t.Errorf("engine env %v args %v", dockerd.Env, dockerd.Args)
	}
	if !strings.HasPrefix(dockerd.Args[0], "-") {
		t.Errorf("args %v: the entrypoint adds the TLS listener only when the first is an option", dockerd.Args)
	}
	certs, ok := volumeOf(pod, "certs")
	if !ok || certs.Secret == nil {
		t.Fatal("no certs volume")
	}
	var paths []string
	for _, it := range certs.Secret.Items {
		paths = append(paths, it.Path)
	}
	slices.Sort(paths)
	// The CA's key is never there: the entrypoint then makes no
	// certificates of its own.
	if !slices.Equal(paths, []string{"ca/cert.pem", "server/ca.pem", "server/cert.pem", "server/key.pem"}) {
		t.Errorf("certs %v", paths)
	}
	if sc := pruner.SecurityContext; pruner.Name == "" || sc == nil || !isTrue(sc.ReadOnlyRootFilesystem) || !isTrue(sc.RunAsNonRoot) {
		t.Errorf("pruner %+v: want a non-root, read-only one", pruner)
	}
	if !strings.Contains(strings.Join(pruner.Args, " "), "docker image prune --all --force --filter \"until=$PRUNE_UNTIL\"") {
		t.Errorf("pruner args %q", pruner.Args)
	}

	cm := one[*corev1.ConfigMap](t, r, name)
	var daemon builderDaemonConfig
	var features struct {
		Features map[string]bool `json:"features"`
	}
	if err := json.Unmarshal([]byte(cm.Data["daemon.json"]), &features); err != nil || !features.Features["buildkit"] {
		t.Errorf("daemon.json features %v (%v)", features.Features, err)
	}
	if err := json.Unmarshal([]byte(cm.Data["daemon.json"]), &daemon); err != nil {
		t.Fatalf("daemon.json: %v", err)
	}
	gc := daemon.Builder.GC
	if !gc.Enabled || gc.DefaultKeepStorage == "" || len(gc.Policy) != 2 || !gc.Policy[1].All || !slices.Contains(gc.Policy[0].Filter, "unused-for=168h") {
		t.Errorf("builder gc %+v", gc)
	}

	svc := one[*corev1.Service](t, r, name)
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 2376 {
		t.Errorf("builder service ports %+v", svc.Spec.Ports)
	}
	np := one[*networkingv1.NetworkPolicy](t, r, name)
	if len(np.Spec.Ingress) != 1 || len(np.Spec.Ingress[0].From) != 1 || np.Spec.Ingress[0].From[0].PodSelector == nil ||
		np.Spec.Ingress[0].From[0].PodSelector.MatchLabels["app.kubernetes.io/component"] != "server" ||
		np.Spec.Ingress[0].From[0].NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != releaseNS {
		t.Errorf("builder ingress %+v, want the server's pods only", np.Spec.Ingress)
	}
	var blocked []string
	for _, e := range np.Spec.Egress {
		for _, to := range e.To {
			if to.IPBlock != nil {
				blocked = append(blocked, to.IPBlock.Except...)
			}
		}
	}
	for _, cidr := range []string{"10.0.0.0/8", "169.254.0.0/16", "192.168.0.0/16"} {
		if !slices.Contains(blocked, cidr) {
			t.Errorf("builds may reach %s", cidr)
		}
	}
	return sts
}

// TestHelmChart renders the chart with its defaults and with each optional
// part, decodes every object strictly into its Kubernetes type and checks
// what each must be.
func TestHelmChart(t *testing.T) {
	cases := []struct {
		name   string
		values string
		kinds  map[string]int
		check  func(t *testing.T, r *rendered)
	}{
		{
			name:  "defaults",
			kinds: map[string]int{"Deployment": 1, "Service": 1, "ServiceAccount": 1, "PodDisruptionBudget": 1, "NetworkPolicy": 1, "Secret": 1},
			check: func(t *testing.T, r *rendered) {
				d := checkServer(t, r)
				checkServerPolicy(t, r)
				if *d.Spec.Replicas != 2 {
					t.Errorf("replicas %d, want 2", *d.Spec.Replicas)
				}
				c := d.Spec.Template.Spec.Containers[0]
				if !slices.Contains(c.Args, "--no-build") {
					t.Errorf("args %v: no builder, so --no-build", c.Args)
				}
				env := envOf(c)
				for _, unset := range []string{"CODERREADY_APP_ID", "CODERREADY_PRIVATE_KEY_FILE", "CODERREADY_WEBHOOK_SECRET", "DOCKER_HOST"} {
					if _, ok := env[unset]; ok {
						t.Errorf("%s set without a value to give", unset)
					}
				}
				// Two replicas need the database: until one is named the
				// pods wait for it rather than run on SQLite each.
				if ref := env["CODERREADY_DATABASE_URL"].ValueFrom; ref == nil || ref.SecretKeyRef == nil || isTrue(ref.SecretKeyRef.Optional) {
					t.Errorf("database URL %+v, want a required secret key", env["CODERREADY_DATABASE_URL"])
				}
				for _, want := range []string{"NOT STARTING", "/setup", "--no-build"} {
					if !strings.Contains(r.notes, want) {
						t.Errorf("notes lack %q:\n%s", want, r.notes)
					}
				}
				pdb := one[*policyv1.PodDisruptionBudget](t, r, releaseName)
				if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 1 {
					t.Errorf("pdb minAvailable %v", pdb.Spec.MinAvailable)
				}
				if len(d.Spec.Template.Spec.TopologySpreadConstraints) != 1 {
					t.Error("replicas are not spread over nodes")
				}
			},
		},
		{
			name: "inline credentials, database URL, ingress, builder (rootless)",
			values: `
github:
  appId: "123456"
  webhookSecret: s3cret
  privateKey: |
    -----BEGIN RSA PRIVATE KEY-----
    MIIBOgIBAAJBAK
    -----END RSA PRIVATE KEY-----
database:
  url: postgres://coderready:pw@db.example.internal:5432/coderready?sslmode=verify-full
ingress:
  enabled: true
  className: nginx
  hosts: [coderready.example.com]
  tls: [{secretName: coderready-tls, hosts: [coderready.example.com]}]
builder:
  enabled: true
extraEnv:
  - {name: CODERREADY_WEBHOOK_MEMORY, value: 128m}
`,
			kinds: map[string]int{"Deployment": 1, "Service": 2, "ServiceAccount": 2, "PodDisruptionBudget": 1, "NetworkPolicy": 2,
				"Secret": 4, "Ingress": 1, "StatefulSet": 1, "ConfigMap": 1},
			check: func(t *testing.T, r *rendered) {
				d := checkServer(t, r)
				checkServerPolicy(t, r, 5432, 2376)
				c := d.Spec.Template.Spec.Containers[0]
				env := envOf(c)
				if slices.Contains(c.Args, "--no-build") {
					t.Error("--no-build with a builder")
				}
				if env["CODERREADY_PUBLIC_URL"].Value != "https://coderready.example.com" {
					t.Errorf("public URL %q", env["CODERREADY_PUBLIC_URL"].Value)
				}
				host := "coderready-builder.coderready.svc.cluster.local"
				if env["DOCKER_HOST"].Value != "tcp://"+host+":2376" || env["DOCKER_TLS_VERIFY"].Value != "1" || env["CODERREADY_REQUIRE_REMOTE_BUILDER"].Value != "true" {
					t.Errorf("builder env %v %v %v", env["DOCKER_HOST"], env["DOCKER_TLS_VERIFY"], env["CODERREADY_REQUIRE_REMOTE_BUILDER"])
				}
				tls, ok := mountOf(c, env["DOCKER_CERT_PATH"].Value)
				if v, _ := volumeOf(d.Spec.Template.Spec, tls.Name); !ok || v.Secret == nil || v.Secret.SecretName != "coderready-builder-client-tls" || len(v.Secret.Items) != 3 {
					t.Errorf("client certificate volume %+v", v)
				}
				data := secretData(t, r, releaseName)
				if string(data["app-id"]) != "123456" || string(data["webhook-secret"]) != "s3cret" || !bytes.Contains(data["private-key.pem"], []byte("BEGIN RSA")) ||
					!strings.HasPrefix(string(data["database-url"]), "postgres://") {
					t.Errorf("secret keys %v", slices.Sorted(maps.Keys(data)))
				}
				if d.Spec.Template.Annotations["checksum/secret"] == "" {
					t.Error("no checksum of the secret: a changed credential would not roll the pods")
				}
				checkBuilderTLS(t, r, "coderready-builder-tls", "coderready-builder-client-tls", host)
				checkBuilder(t, r, releaseNS, true)
				ing := one[*networkingv1.Ingress](t, r, releaseName)
				var paths []string
				for _, p := range ing.Spec.Rules[0].HTTP.Paths {
					paths = append(paths, p.Path)
					if p.Backend.Service.Name != releaseName || p.Backend.Service.Port.Number != 80 {
						t.Errorf("ingress backend %+v", p.Backend)
					}
				}
				if !slices.Contains(paths, "/webhook") || slices.Contains(paths, "/metrics") {
					t.Errorf("ingress paths %v", paths)
				}
				if *ing.Spec.IngressClassName != "nginx" || len(ing.Spec.TLS) != 1 {
					t.Errorf("ingress %+v", ing.Spec)
				}
			},
		},
		{
			name: "existing secrets, database parts, Docker in Docker in its own namespace with its certificates",
			values: `
github:
  existingSecret: my-app
  url: https://ghes.example.com
database:
  host: pg.example.internal
  port: 6432
  user: app
  passwordSecret: {name: pg-app, key: password}
  caSecret: {name: pg-ca, key: ca.crt}
  networkPolicyPeers: [{ipBlock: {cidr: 10.20.0.0/16}}]
builder:
  enabled: true
  rootless: false
  namespace: coderready-builds
  tls: {serverSecret: builder-cert, clientSecret: builder-client-cert}
networkPolicy:
  ingressFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]
statusPage:
  sessionKeySecret: coderready-session-of-mine
  adminTokenSecret: coderready-admin
`,
			kinds: map[string]int{"Deployment": 1, "Service": 2, "ServiceAccount": 2, "PodDisruptionBudget": 1, "NetworkPolicy": 2, "StatefulSet": 1, "ConfigMap": 1},
			check: func(t *testing.T, r *rendered) {
				d := checkServer(t, r)
				c := d.Spec.Template.Spec.Containers[0]
				if v := secretFileVolume(t, &d, c, "CODERREADY_SESSION_KEY_FILE"); v.SecretName != "coderready-session-of-mine" {
					t.Errorf("session key from %q, want the Secret named in values", v.SecretName)
				}
				if v := secretFileVolume(t, &d, c, "CODERREADY_ADMIN_TOKEN_FILE"); v.SecretName != "coderready-admin" {
					t.Errorf("admin token from %q", v.SecretName)
				}
				np := checkServerPolicy(t, r, 6432, 2376)
				if len(np.Spec.Ingress[0].From) != 1 {
					t.Errorf("ingress from %+v", np.Spec.Ingress[0].From)
				}
				c = d.Spec.Template.Spec.Containers[0]
				env := envOf(c)
				if env["CODERREADY_APP_ID"].ValueFrom.SecretKeyRef.Name != "my-app" || env["CODERREADY_GITHUB_URL"].Value != "https://ghes.example.com" {
					t.Errorf("app env %+v", env)
				}
				if got := env["CODERREADY_DATABASE_URL"].Value; got != "postgres://app@pg.example.internal:6432/coderready?sslmode=verify-full" {
					t.Errorf("database URL %q", got)
				}
				if env["PGPASSWORD"].ValueFrom.SecretKeyRef.Name != "pg-app" || env["PGSSLROOTCERT"].Value == "" {
					t.Errorf("database password/CA %+v %+v", env["PGPASSWORD"], env["PGSSLROOTCERT"])
				}
				if m, ok := mountOf(c, env["PGSSLROOTCERT"].Value[:strings.LastIndex(env["PGSSLROOTCERT"].Value, "/")]); !ok || !m.ReadOnly {
					t.Error("no database CA mounted")
				}
				if env["DOCKER_HOST"].Value != "tcp://coderready-builder.coderready-builds.svc.cluster.local:2376" {
					t.Errorf("DOCKER_HOST %q", env["DOCKER_HOST"].Value)
				}
				v, _ := volumeOf(d.Spec.Template.Spec, "builder-tls")
				if v.Secret == nil || v.Secret.SecretName != "builder-client-cert" {
					t.Errorf("client certificate volume %+v", v)
				}
				sts := checkBuilder(t, r, "coderready-builds", false)
				certs, _ := volumeOf(sts.Spec.Template.Spec, "certs")
				if certs.Secret.SecretName != "builder-cert" {
					t.Errorf("builder certificate %q", certs.Secret.SecretName)
				}
				var dockerd corev1.Container
				for _, c := range sts.Spec.Template.Spec.Containers {
					if c.Name == "dockerd" {
						dockerd = c
					}
				}
				if !isTrue(dockerd.SecurityContext.Privileged) {
					t.Error("Docker in Docker without privileges")
				}
				for _, o := range r.objs {
					if m, ok := o.(interface {
						GetNamespace() string
						GetName() string
					}); ok && strings.Contains(m.GetName(), "builder") && !strings.Contains(m.GetName(), "client") && m.GetNamespace() != "coderready-builds" {
						t.Errorf("%T %s in %s, want the builder's namespace", o, m.GetName(), m.GetNamespace())
					}
				}
				egress := one[*networkingv1.NetworkPolicy](t, r, releaseName).Spec.Egress
				var toBuilder bool
				for _, e := range egress {
					for _, to := range e.To {
						if to.NamespaceSelector != nil && to.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] == "coderready-builds" {
							toBuilder = true
						}
					}
				}
				if !toBuilder {
					t.Error("the server may not reach the builder's namespace")
				}
			},
		},
		{
			name: "external builder",
			values: `
database: {existingSecret: db, existingSecretKey: url}
externalBuilder:
  host: tcp://10.1.2.3:2376
  tlsSecret: builder-client
  networkPolicyPeers: [{ipBlock: {cidr: 10.1.2.3/32}}]
`,
			kinds: map[string]int{"Deployment": 1, "Service": 1, "ServiceAccount": 1, "PodDisruptionBudget": 1, "NetworkPolicy": 1, "Secret": 1},
			check: func(t *testing.T, r *rendered) {
				d := checkServer(t, r)
				checkServerPolicy(t, r, 5432, 2376)
				env := envOf(d.Spec.Template.Spec.Containers[0])
				if env["DOCKER_HOST"].Value != "tcp://10.1.2.3:2376" || env["CODERREADY_DATABASE_URL"].ValueFrom.SecretKeyRef.Key != "url" {
					t.Errorf("env %+v", env)
				}
				v, _ := volumeOf(d.Spec.Template.Spec, "builder-tls")
				if v.Secret == nil || v.Secret.SecretName != "builder-client" {
					t.Errorf("client certificate volume %+v", v)
				}
			},
		},
		{
			name: "one replica on SQLite, no network policy, no PDB",
			values: `
replicaCount: 1
persistence: {enabled: true, size: 5Gi}
networkPolicy: {enabled: false}
image: {repository: registry.example.com/coderready, digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
serve: {buildMemory: 4g, buildCPUs: "2", buildPids: "2048", noCompare: true}
`,
			kinds: map[string]int{"Deployment": 1, "Service": 1, "ServiceAccount": 1, "PersistentVolumeClaim": 1, "Secret": 1},
			check: func(t *testing.T, r *rendered) {
				d := checkServer(t, r)
				if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
					t.Errorf("strategy %q: one SQLite file, never two pods", d.Spec.Strategy.Type)
				}
				c := d.Spec.Template.Spec.Containers[0]
				env := envOf(c)
				if _, ok := env["CODERREADY_DATABASE_URL"]; ok {
					t.Error("a database URL for SQLite")
				}
				if env["CODERREADY_BUILD_MEMORY"].Value != "4g" || !slices.Contains(c.Args, "--no-compare") {
					t.Errorf("serve settings %v %v", env["CODERREADY_BUILD_MEMORY"], c.Args)
				}
				if c.Image != "registry.example.com/coderready@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" {
					t.Errorf("image %q", c.Image)
				}
				pvc := one[*corev1.PersistentVolumeClaim](t, r, releaseName+"-data")
				if q := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; q.String() != "5Gi" {
					t.Errorf("volume %s", q.String())
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := mustRender(t, tc.values)
			if got := r.kinds(); !maps.Equal(got, tc.kinds) {
				t.Errorf("kinds %v, want %v", got, tc.kinds)
			}
			tc.check(t, r)
		})
	}
}

// TestHelmChartRefuses: values that cannot work fail to render, saying why.
func TestHelmChartRefuses(t *testing.T) {
	cases := []struct {
		name, values, want string
	}{
		{"two builders", "builder: {enabled: true}\nexternalBuilder: {host: tcp://b:2376, tlsSecret: x}", "choose one builder"},
		{"builder without TLS", "externalBuilder: {host: tcp://b:2375}", "over TLS only"},
		{"SQLite with replicas", "persistence: {enabled: true}", "replicaCount: 1"},
		{"two databases", "database: {url: postgres://a/b, host: db}", "one of url, existingSecret or host"},
		{"half the builder's certificates", "builder: {enabled: true, tls: {serverSecret: a}}", "both serverSecret and clientSecret"},
		{"credentials twice", "github: {existingSecret: a, appId: \"1\"}", "not both"},
		{"a typo", "replicas: 3", "additional properties 'replicas' not allowed"},
		{"a wrong type", "serve: {workers: many}", "workers"},
		{"ingress without hosts", "ingress: {enabled: true}", "ingress.hosts"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := renderChart(tc.values)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestHelmChartLint runs Helm's linter (chart file, values against the
// schema, templates) on the defaults: nothing to report.
func TestHelmChartLint(t *testing.T) {
	kv, err := common.ParseKubeVersion(kubeVersion)
	if err != nil {
		t.Fatal(err)
	}
	res := lint.RunAll(chartDir, nil, releaseNS, lint.WithKubeVersion(kv))
	for _, m := range res.Messages {
		if m.Severity > support.InfoSev {
			t.Error(m)
		}
	}
}

// secretFileVolume returns the Secret volume the file named by env var
// name lies on: mounted read-only, mode 0400, the key file its only item.
func secretFileVolume(t *testing.T, d *appsv1.Deployment, c corev1.Container, name string) *corev1.SecretVolumeSource {
	t.Helper()
	f := envOf(c)[name].Value
	if f == "" {
		t.Fatalf("%s is not set", name)
	}
	dir := f[:strings.LastIndex(f, "/")]
	m, ok := mountOf(c, dir)
	v, _ := volumeOf(d.Spec.Template.Spec, m.Name)
	if !ok || !m.ReadOnly || v.Secret == nil || v.Secret.DefaultMode == nil || *v.Secret.DefaultMode != 0o400 ||
		len(v.Secret.Items) != 1 || v.Secret.Items[0].Path != f[len(dir)+1:] {
		t.Fatalf("%s=%s: mount %+v, volume %+v; want a read-only Secret, mode 0400, holding the file", name, f, m, v)
	}
	return v.Secret
}
