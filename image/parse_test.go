package image

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"
)

func TestParseReference(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Reference
		err  bool
	}{
		{"debian:12", Reference{Transport: TransportRegistry, Name: "debian:12"}, false},
		{"docker://ghcr.io/coder/img@sha256:abc", Reference{Transport: TransportRegistry, Name: "ghcr.io/coder/img@sha256:abc"}, false},
		{"localhost:5000/x:1", Reference{Transport: TransportRegistry, Name: "localhost:5000/x:1"}, false},
		{"docker-daemon:local/busybox:static", Reference{Transport: TransportDaemon, Name: "local/busybox:static"}, false},
		{"docker-archive:/tmp/x.tar", Reference{Transport: TransportArchive, Path: "/tmp/x.tar"}, false},
		{"docker-archive:x.tar:busybox:latest", Reference{Transport: TransportArchive, Path: "x.tar", Tag: "busybox:latest"}, false},
		{"oci:/tmp/layout", Reference{Transport: TransportLayout, Path: "/tmp/layout"}, false},
		{"oci:/tmp/layout:v1", Reference{Transport: TransportLayout, Path: "/tmp/layout", Tag: "v1"}, false},
		{"", Reference{}, true},
		{"docker://", Reference{}, true},
		{"docker-daemon:", Reference{}, true},
		{"oci:", Reference{}, true},
		{"oci-archive:/x.tar", Reference{}, true},
		{"containers-storage:x", Reference{}, true},
	} {
		got, err := ParseReference(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("ParseReference(%q) = %+v, %v; want %+v err=%v", c.in, got, err, c.want, c.err)
			continue
		}
		if err == nil {
			if back, err := ParseReference(got.String()); err != nil || back != got {
				t.Errorf("round trip of %q: %+v %v", c.in, back, err)
			}
		}
	}
}

func TestParseOSRelease(t *testing.T) {
	kv := parseOSRelease([]byte("# comment\nNAME='Red Hat Enterprise Linux'\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.4\"\nPRETTY_NAME=\"Say \\\"hi\\\" \\$x\"\nX=a\\ b # trailing\nBROKEN\n"))
	want := map[string]string{"NAME": "Red Hat Enterprise Linux", "ID": "rhel", "ID_LIKE": "fedora", "VERSION_ID": "9.4", "PRETTY_NAME": `Say "hi" $x`, "X": "a b"}
	for k, v := range want {
		if kv[k] != v {
			t.Errorf("%s = %q; want %q", k, kv[k], v)
		}
	}
	if len(kv) != len(want) {
		t.Errorf("got %v", kv)
	}
}

func TestParsePasswdAndGroup(t *testing.T) {
	var bad []int
	users := parsePasswd([]byte("root:x:0:0:root:/root:/bin/bash\n# comment\nbroken line\nu:x:notanumber:1::/:/bin/sh\n\ncoder:x:1000:1000::/home/coder:\n"), func(n int) { bad = append(bad, n) })
	if len(users) != 2 || users[1].Name != "coder" || users[1].Shell != "" || len(bad) != 2 || bad[0] != 3 || bad[1] != 4 {
		t.Errorf("users %+v bad lines %v", users, bad)
	}
	groups := parseGroup([]byte("docker:x:999:coder, alice\nempty:x:5:\n"), func(int) {})
	if len(groups) != 2 || strings.Join(groups[0].Members, ",") != "coder,alice" || groups[1].Members != nil {
		t.Errorf("groups %+v", groups)
	}
}

func TestParseSudoers(t *testing.T) {
	rules := parseSudoers("/etc/sudoers", []byte(`Defaults env_reset
Defaults:coder !requiretty
User_Alias ADMINS = alice, bob
#1000 ALL=(ALL) NOPASSWD: ALL
# a comment
%wheel ALL=(ALL:ALL) ALL
alice,bob ALL=(root) NOPASSWD: /usr/bin/apt-get, /usr/bin/dpkg
carol ALL=(ALL) NOPASSWD: SETENV: ALL
dave ALL=(ALL) NOPASSWD: PASSWD: ALL
erin ALL = (ALL) \
   NOPASSWD:ALL
@includedir /etc/sudoers.d
#includedir /etc/sudoers.d
`))
	type r struct {
		who       string
		line      int
		nopw, all bool
	}
	want := []r{{"#1000", 4, true, true}, {"%wheel", 6, false, true}, {"alice", 7, true, false}, {"bob", 7, true, false},
		{"carol", 8, true, true}, {"dave", 9, false, true}, {"erin", 10, true, true}}
	if len(rules) != len(want) {
		t.Fatalf("rules %+v", rules)
	}
	for i, w := range want {
		g := rules[i]
		if g.Who != w.who || g.Line != w.line || g.NoPasswd != w.nopw || g.AllCommands != w.all {
			t.Errorf("rule %d = %+v; want %+v", i, g, w)
		}
	}
	f := &Facts{Sudoers: rules, Groups: []Group{{Name: "wheel", GID: 10}, {Name: "ops", GID: 20}}}
	f.Sudoers = append(f.Sudoers, SudoRule{Who: "%ops", NoPasswd: true, AllCommands: true})
	for _, c := range []struct {
		u    User
		want bool
	}{
		{User{Name: "x", UID: 1000}, true},
		{User{Name: "carol", UID: 5}, true},
		{User{Name: "dave", UID: 6}, false},
		{User{Name: "alice", UID: 7}, false},
		{User{Name: "w", UID: 8, GID: 10}, false},
		{User{Name: "o", UID: 9, GID: 20}, true},
	} {
		if got := f.PasswordlessSudo(c.u); got != c.want {
			t.Errorf("PasswordlessSudo(%s) = %v", c.u.Name, got)
		}
	}
}

func TestLookupUser(t *testing.T) {
	f := &Facts{Users: []User{{Name: "root"}, {Name: "coder", UID: 1000, GID: 1000}}}
	for _, c := range []struct {
		spec string
		want string
		ok   bool
	}{{"", "root", true}, {"0", "root", true}, {"coder", "coder", true}, {"1000:1000", "coder", true}, {"coder:docker", "coder", true}, {"1001", "", false}, {"nobody", "", false}} {
		u, ok := f.LookupUser(c.spec)
		if ok != c.ok || u.Name != c.want {
			t.Errorf("LookupUser(%q) = %+v %v", c.spec, u, ok)
		}
	}
}

func TestScanMarkersAcrossChunks(t *testing.T) {
	res := []*regexp.Regexp{regexp.MustCompile(markerGlibc), regexp.MustCompile(markerGlibcxx)}
	// Put markers exactly across the 256 KiB chunk boundaries.
	data := bytes.Repeat([]byte{0}, 3<<18)
	put := func(at int, s string) { copy(data[at:], s) }
	put(256<<10-20, "GNU C Library (Ubuntu GLIBC 2.39-0ubuntu8) stable release version 2.39.")
	put(512<<10-3, "GLIBCXX_3.4.33")
	put(len(data)-14, "GLIBCXX_3.4.1")
	got, err := scanMarkers(bytes.NewReader(data), res)
	if err != nil {
		t.Fatal(err)
	}
	want := "GLIBCXX_3.4.1,GLIBCXX_3.4.33,GNU C Library (Ubuntu GLIBC 2.39-0ubuntu8) stable release version 2.39"
	if strings.Join(got, ",") != want {
		t.Errorf("markers %q", got)
	}
}

func TestCaptureLimits(t *testing.T) {
	c, err := capture(strings.NewReader(strings.Repeat("a", 100)), 100, wantMatch{keep: true, max: 10})
	if err != nil || string(c.Data) != "aaaaaaaaaa" || !c.Truncated || c.Size != 100 {
		t.Errorf("capture %+v %v", c, err)
	}
	ws, _ := compileWants([]Want{{Pattern: "/etc/x", Keep: true, MaxBytes: 1 << 30}}, Limits{MaxFileRead: 64})
	if m, ok := ws.match("/etc/x"); !ok || m.max != 64 {
		t.Errorf("Limits.MaxFileRead should cap a want: %+v", m)
	}
	if _, err := compileWants([]Want{{Pattern: "etc/x"}}, Limits{MaxFileRead: 1}); err == nil {
		t.Errorf("a relative pattern should be an error")
	}
	if _, err := compileWants([]Want{{Pattern: "/x", Markers: []string{"("}}}, Limits{MaxFileRead: 1}); err == nil {
		t.Errorf("a bad marker should be an error")
	}
}

func TestWantMatching(t *testing.T) {
	ws, err := compileWants(DefaultWants(), Limits{MaxFileRead: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		keep bool
		ok   bool
	}{
		{"/etc/passwd", true, true},
		{"/etc/sudoers.d/coder", true, true},
		{"/etc/sudoers.d/a/b", false, false},
		{"/etc/ssl/certs/ca-certificates.crt", true, true},
		{"/etc/ssl/certs/java/cacerts", false, false},
		{"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", true, true},
		{"/usr/lib/x86_64-linux-gnu/libc.so.6", false, true},
		{"/lib64/libc.so.6", false, true},
		{"/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30", false, true},
		{"/usr/share/gdb/auto-load/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30-gdb.py", false, false},
		{"/bin/busybox", false, true},
		{"/usr/share/doc/passwd", false, false},
	} {
		m, ok := ws.match(c.path)
		if ok != c.ok || m.keep != c.keep {
			t.Errorf("match(%s) = %+v %v", c.path, m, ok)
		}
	}
}

func TestModeJSON(t *testing.T) {
	b, _ := json.Marshal(File{Type: TypeDir, Mode: 0o1777})
	if !strings.Contains(string(b), `"mode":"1777"`) {
		t.Errorf("%s", b)
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil || f.Mode != 0o1777 {
		t.Errorf("%+v %v", f, err)
	}
	if err := json.Unmarshal([]byte(`{"mode":493}`), &f); err != nil || f.Mode != 0o755 {
		t.Errorf("numeric mode: %+v %v", f, err)
	}
	if err := json.Unmarshal([]byte(`{"mode":"9"}`), &f); err == nil {
		t.Errorf("a bad mode should be an error")
	}
}

func TestFactsJSONRoundTrip(t *testing.T) {
	f := mergeLayers(t, []ent{exe("bin/sh", "x"), symlink("bin/bash", "sh")})
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var back Facts
	if err := json.NewDecoder(io.Reader(bytes.NewReader(b))).Decode(&back); err != nil {
		t.Fatal(err)
	}
	if p, ok := back.LookPath("bash"); !ok || p != "/bin/bash" {
		t.Errorf("LookPath after a JSON round trip: %q %v", p, ok)
	}
}

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"2.28", "2.28", 0}, {"2.9", "2.28", -1}, {"2.31", "2.28", 1}, {"3.4.25", "3.4", 1}, {"3.4", "3.4.0", 0}} {
		if got := CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%s, %s) = %d", c.a, c.b, got)
		}
	}
}
