package build

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	controlapi "github.com/moby/buildkit/api/services/control"
	buildtypes "github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
	fstypes "github.com/tonistiigi/fsutil/types"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/coderready/coderready/dockerfile"
)

func TestAutoEngine(t *testing.T) {
	for _, tc := range []struct {
		ping client.PingResult
		want string
	}{
		{client.PingResult{BuilderVersion: buildtypes.BuilderBuildKit, OSType: "linux", APIVersion: "1.51"}, EngineBuildKit},
		{client.PingResult{BuilderVersion: buildtypes.BuilderV1, OSType: "linux", APIVersion: "1.51"}, EngineClassic},
		// Docker 18.09 to 22.10 name no builder; BuildKit is there.
		{client.PingResult{OSType: "linux", APIVersion: "1.41"}, EngineBuildKit},
		{client.PingResult{OSType: "linux", APIVersion: "1.39"}, EngineBuildKit},
		{client.PingResult{OSType: "linux", APIVersion: "1.38"}, EngineClassic},
		{client.PingResult{OSType: "windows", APIVersion: "1.41"}, EngineClassic},
		{client.PingResult{OSType: "linux", APIVersion: "garbage"}, EngineClassic},
		{client.PingResult{OSType: "linux", APIVersion: "2.0"}, EngineBuildKit},
	} {
		if got := autoEngine(tc.ping); got != tc.want {
			t.Errorf("autoEngine(%+v) = %q, want %q", tc.ping, got, tc.want)
		}
	}
}

func TestEngineFromEnv(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"1", EngineBuildKit}, {"true", EngineBuildKit}, {"0", EngineClassic}, {"false", EngineClassic}, {"maybe", EngineAuto},
	} {
		t.Setenv("DOCKER_BUILDKIT", tc.env)
		if got := EngineFromEnv(); got != tc.want {
			t.Errorf("DOCKER_BUILDKIT=%s: %q, want %q", tc.env, got, tc.want)
		}
	}
	if err := os.Unsetenv("DOCKER_BUILDKIT"); err != nil {
		t.Fatal(err)
	}
	if got := EngineFromEnv(); got != EngineAuto {
		t.Errorf("DOCKER_BUILDKIT unset: %q, want auto", got)
	}
	for _, s := range []string{"", "auto", "buildkit", "classic"} {
		if _, err := ParseEngine(s); err != nil {
			t.Errorf("ParseEngine(%q): %v", s, err)
		}
	}
	if _, err := ParseEngine("buildx"); err == nil || !strings.Contains(err.Error(), "auto, buildkit or classic") {
		t.Errorf("ParseEngine(buildx): %v", err)
	}
}

// plainClient is a DockerClient that cannot open sessions.
type plainClient struct{ DockerClient }

func TestEngineForWithoutSessions(t *testing.T) {
	d := &Docker{Client: plainClient{}}
	got, err := d.engineFor(context.Background(), Spec{})
	if err != nil || got != EngineClassic {
		t.Errorf("auto without sessions: %q, %v; want classic", got, err)
	}
	d.Engine = EngineBuildKit
	if _, err := d.engineFor(context.Background(), Spec{}); err == nil {
		t.Error("BuildKit without sessions: no error")
	}
	d.Engine = "docker"
	if _, err := d.engineFor(context.Background(), Spec{}); err == nil {
		t.Error("unknown engine: no error")
	}
}

// status marshals a StatusResponse as the engine sends it.
func status(t *testing.T, r *controlapi.StatusResponse) []byte {
	t.Helper()
	b, err := r.MarshalVT()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBKTraceRendersPlainProgress(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	ts := func(d time.Duration) *timestamppb.Timestamp { return timestamppb.New(t0.Add(d)) }
	var out bytes.Buffer
	bk := &bkLog{}
	tr := newBKTrace(multiWriter{&out, bk})
	updates := []*controlapi.StatusResponse{
		{Vertexes: []*controlapi.Vertex{
			{Digest: "sha256:a", Name: "[internal] load metadata for docker.io/library/debian:bookworm", Started: ts(0)},
			{Digest: "sha256:b", Name: "[tools 2/3] RUN make"}, // not started: not shown
		}},
		{Vertexes: []*controlapi.Vertex{
			{Digest: "sha256:a", Name: "[internal] load metadata for docker.io/library/debian:bookworm", Started: ts(0), Completed: ts(1500 * time.Millisecond)},
			{Digest: "sha256:c", Name: "[tools 1/3] FROM docker.io/library/debian:bookworm", Cached: true},
			{Digest: "sha256:b", Name: "[tools 2/3] RUN make", Started: ts(2 * time.Second)},
		}},
		{Logs: []*controlapi.VertexLog{
			{Vertex: "sha256:b", Timestamp: ts(2250 * time.Millisecond), Msg: []byte("cc -o app main.c\nmain.c:1: err")},
			{Vertex: "sha256:b", Timestamp: ts(2500 * time.Millisecond), Msg: []byte("or: no\n")},
		}},
		{Logs: []*controlapi.VertexLog{
			{Vertex: "sha256:b", Timestamp: ts(2600 * time.Millisecond), Msg: []byte("ERROR: looks like an error, is output")},
		}},
		{
			Vertexes: []*controlapi.Vertex{
				{Digest: "sha256:b", Name: "[tools 2/3] RUN make", Started: ts(2 * time.Second), Completed: ts(3 * time.Second), Error: "process \"/bin/sh -c make\" did not complete successfully: exit code: 2"},
				{Digest: "sha256:d", Name: "[other 2/2] RUN sleep 9", Started: ts(2 * time.Second), Completed: ts(3 * time.Second), Error: "context canceled"},
			},
			Warnings: []*controlapi.VertexWarning{{Vertex: "sha256:b", Short: []byte("something to know\n")}},
		},
	}
	for _, u := range updates {
		if err := tr.feed(status(t, u)); err != nil {
			t.Fatal(err)
		}
	}
	want := `#1 [internal] load metadata for docker.io/library/debian:bookworm
#1 DONE 1.5s
#2 [tools 1/3] FROM docker.io/library/debian:bookworm
#2 CACHED
#3 [tools 2/3] RUN make
#3 0.250 cc -o app main.c
#3 0.250 main.c:1: error: no
#3 0.600 ERROR: looks like an error, is output
#3 ERROR: process "/bin/sh -c make" did not complete successfully: exit code: 2
#4 [other 2/2] RUN sleep 9
#4 CANCELED
#3 WARN: something to know
`
	if out.String() != want {
		t.Errorf("rendered:\n%s\nwant:\n%s", out.String(), want)
	}
	v := bk.failedVertex()
	if v == nil || v.step() != "[tools 2/3] RUN make" || !strings.Contains(bk.errMsg, "exit code: 2") {
		t.Errorf("failed vertex %+v, message %q", v, bk.errMsg)
	}
	if err := tr.feed([]byte{0xff, 0xff, 0xff}); err == nil {
		t.Error("garbage status: no error")
	}
}

func TestErrorLine(t *testing.T) {
	for msg, want := range map[string]int{
		"failed to solve with frontend dockerfile.v0: failed to create LLB definition: dockerfile parse error line 5: unknown instruction: ECHO": 5,
		"failed to solve: dockerfile parse error on line 12: unknown instruction: FOO":                                                           12,
		"Dockerfile:7\n--------------------\n   7 | >>> RUN false":                                                                               7,
		"executor failed running [/bin/sh -c false]: exit code: 1":                                                                               0,
	} {
		if got := errorLine(msg); got != want {
			t.Errorf("errorLine(%q) = %d, want %d", msg, got, want)
		}
	}
}

// TestSessionServesPlannedEntries walks what the session offers as the
// "context" and "dockerfile" directories: exactly the planned entries (no
// ignored file, nothing under an ignored folder but its exceptions), owned
// by root; the Dockerfile's directory offers only the Dockerfile.
func TestSessionServesPlannedEntries(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"build/Dockerfile": "FROM scratch\n",
		"build/notes.txt":  "not the Dockerfile",
		".dockerignore":    "*.env\ncache\n!cache/keep\n",
		"app.go":           "package main",
		"secret.env":       "TOKEN=x",
		"cache/big":        "x",
		"cache/keep":       "k",
	})
	bc, err := planContext("", dir, "build/Dockerfile", DefaultMaxContextBytes)
	if err != nil {
		t.Fatal(err)
	}
	dirs, roots, err := bc.sessionDirs()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, r := range roots {
			_ = r.Close()
		}
	}()
	walk := func(name string) []string {
		fs, ok := dirs.LookupDir(name)
		if !ok {
			t.Fatalf("no %q directory", name)
		}
		var got []string
		err := fs.Walk(context.Background(), "", func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			st := info.Sys().(*fstypes.Stat)
			if st.Uid != 0 || st.Gid != 0 {
				t.Errorf("%s owned by %d:%d, want 0:0", p, st.Uid, st.Gid)
			}
			got = append(got, filepath.ToSlash(p))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	got := strings.Join(walk("context"), " ")
	if want := ".dockerignore app.go build build/Dockerfile build/notes.txt cache cache/keep"; got != want {
		t.Errorf("context offers %q, want %q", got, want)
	}
	if got := strings.Join(walk("dockerfile"), " "); got != "Dockerfile" {
		t.Errorf("dockerfile directory offers %q, want only Dockerfile", got)
	}
	ctxFS, _ := dirs.LookupDir("context")
	rc, err := ctxFS.Open("cache/keep")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	_ = rc.Close()
	if string(b) != "k" {
		t.Errorf("cache/keep reads %q", b)
	}
}

func TestParseLimits(t *testing.T) {
	for _, tc := range []struct {
		memory, cpus, pids string
		want               Limits
		str                string
	}{
		{"", "", "", Limits{}, "no limits"},
		{"0", "0", "0", Limits{}, "no limits"},
		{"512m", "", "", Limits{Memory: 512 << 20}, "memory 512MiB"},
		{"4g", "1.5", "1024", Limits{Memory: 4 << 30, NanoCPUs: 1.5e9, Pids: 1024}, "memory 4GiB, 1.5 CPUs, 1024 processes"},
		{"", "0.25", "", Limits{NanoCPUs: 2.5e8}, "0.25 CPUs"},
	} {
		got, err := ParseLimits(tc.memory, tc.cpus, tc.pids)
		if err != nil || got != tc.want || got.String() != tc.str {
			t.Errorf("ParseLimits(%q, %q, %q) = %+v %q, %v; want %+v %q", tc.memory, tc.cpus, tc.pids, got, got.String(), err, tc.want, tc.str)
		}
		var spec Spec
		got.Apply(&spec)
		if spec.Memory != tc.want.Memory || spec.NanoCPUs != tc.want.NanoCPUs || spec.PidsLimit != tc.want.Pids {
			t.Errorf("Apply: %+v", spec)
		}
	}
	for _, bad := range [][3]string{
		{"lots", "", ""}, {"1k", "", ""}, {"-1g", "", ""},
		{"", "two", ""}, {"", "-1", ""}, {"", "NaN", ""}, {"", "5000", ""},
		{"", "", "1.5"}, {"", "", "3"},
	} {
		if l, err := ParseLimits(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("ParseLimits(%q): %+v, no error", bad, l)
		}
	}
}

func TestSyntaxDirective(t *testing.T) {
	for src, want := range map[string]struct {
		ref  string
		line int
	}{
		"# syntax=docker/dockerfile:1\nFROM x\n":              {"docker/dockerfile:1", 1},
		"#escape=`\n#  SYNTAX = example.com/fe:2 \nFROM x\n":  {"example.com/fe:2", 2},
		"FROM x\n# syntax=docker/dockerfile:1\n":              {"", 0}, // not at the top
		"# a comment\n# syntax=docker/dockerfile:1\nFROM x\n": {"", 0}, // a comment ends the directives
		"": {"", 0},
	} {
		ref, line := syntaxDirective(&dockerfile.File{Lines: strings.Split(src, "\n")})
		if ref != want.ref || line != want.line {
			t.Errorf("syntaxDirective(%q) = %q, %d; want %q, %d", src, ref, line, want.ref, want.line)
		}
	}
	if ref, _ := syntaxDirective(nil); ref != "" {
		t.Errorf("no file: %q", ref)
	}
}

func TestTrimSolvePrefixes(t *testing.T) {
	for in, want := range map[string]string{
		"failed to solve with frontend dockerfile.v0: failed to create LLB definition: dockerfile parse error line 5: unknown instruction: ECHO": "dockerfile parse error line 5: unknown instruction: ECHO",
		"failed to solve: process \"/bin/sh -c false\" did not complete successfully: exit code: 1":                                              "process \"/bin/sh -c false\" did not complete successfully: exit code: 1",
		"executor failed running [/bin/sh -c false]: exit code: 1":                                                                               "executor failed running [/bin/sh -c false]: exit code: 1",
		"failed to solve: ": "failed to solve: ",
	} {
		if got := trimSolvePrefixes(in); got != want {
			t.Errorf("trimSolvePrefixes(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBKLogPlainVertex(t *testing.T) {
	bk := &bkLog{}
	_, _ = bk.Write([]byte("#1 [internal] load build definition from Dockerfile\n#1 DONE 0.0s\n#3 resolve image config for docker.io/docker/dockerfile:1\n#3 ERROR: no such host\n"))
	if v := bk.failedVertex(); v == nil || v.step() != "resolve image config for docker.io/docker/dockerfile:1" || !bk.failedFrontend("docker/dockerfile:1") || bk.failedFrontend("other/frontend:1") {
		t.Errorf("failed vertex %+v", v)
	}
}

// TestEndlessLineIsCut: output without a newline is cut into bounded lines,
// by the line splitter and by the BuildKit trace, instead of held whole.
func TestEndlessLineIsCut(t *testing.T) {
	var l lines
	var got []int
	chunk := strings.Repeat("x", 10000)
	for range 100 { // 1 MB, no newline
		l.feed(chunk, func(line string) { got = append(got, len(line)) })
	}
	if len(l.partial) > maxLineBytes || len(got) != 1000000/maxLineBytes {
		t.Errorf("held back %d bytes; lines %v", len(l.partial), got)
	}

	var out bytes.Buffer
	tr := newBKTrace(&out)
	for range 100 {
		err := tr.feed(status(t, &controlapi.StatusResponse{Logs: []*controlapi.VertexLog{{Vertex: "sha256:v", Msg: []byte(chunk)}}}))
		if err != nil {
			t.Fatal(err)
		}
	}
	if held := len(tr.vertices["sha256:v"].out.partial); held > maxLineBytes {
		t.Errorf("trace held back %d bytes", held)
	}
	if n := strings.Count(out.String(), "\n"); n != 1+1000000/maxLineBytes {
		t.Errorf("trace wrote %d lines, want the header and %d cut lines", n, 1000000/maxLineBytes)
	}
}

// TestBlamedVertex: a stopped build blames the step running longest, not a
// parallel stage's step that started after it.
func TestBlamedVertex(t *testing.T) {
	bk := &bkLog{}
	_, _ = bk.Write([]byte(`#4 [1/2] FROM docker.io/library/busybox
#4 DONE 0.1s
#5 [2/2] RUN sleep 120
#6 [features 1/1] FROM docker.io/library/feature_content
#7 [features 2/2] COPY . /f
#7 DONE 0.2s
`))
	if v := bk.blamedVertex(); v == nil || v.text != "RUN sleep 120" {
		t.Errorf("blamed %+v, want the RUN still running", v)
	}
	_, _ = bk.Write([]byte("#5 CANCELED\n#6 DONE 0.0s\n"))
	if v := bk.blamedVertex(); v == nil || v.text != "COPY . /f" {
		t.Errorf("all ended: blamed %+v, want the step that started last", v)
	}
	if (&bkLog{}).blamedVertex() != nil {
		t.Error("no steps: blamed one")
	}
}

// TestBlamedVertexSecondBuild: the Dev Containers CLI runs two builds in one
// log, each numbering its vertices from #1; a stopped second build blames
// its own step, not the first build's vertex of the same number (as the
// CLI printed it when a timed-out build was blamed on the wrong step).
func TestBlamedVertexSecondBuild(t *testing.T) {
	bk := &bkLog{}
	_, _ = bk.Write([]byte(`[2026-12-06T12:10:00.281Z] Start: Run: /usr/bin/docker build -t dev_container_feature_content_temp -f /tmp/x/Dockerfile.buildContent /tmp/x
#3 [internal] load build context
#3 DONE 0.0s
#4 [1/1] COPY . /tmp/build-features/
#4 DONE 0.0s
#5 exporting to image
#5 DONE 0.0s
[2026-12-06T12:10:00.449Z] Start: Run: /usr/bin/docker build -f /tmp/x/Dockerfile-with-features -t img --target dev_containers_target_stage /ws/.devcontainer
#4 [dev_container_auto_added_stage_label 1/2] FROM docker.io/coderready-test/busybox:static
#4 CACHED
#6 [dev_containers_feature_content_source 1/1] FROM docker.io/library/dev_container_feature_content_temp
#6 CACHED
#5 [dev_container_auto_added_stage_label 2/2] RUN sleep 120
#5 sha256:f87d18e6262c15b6754eda9d84c033e1bdb9e5713f6e43483c2e4de3817da020
`))
	v := bk.blamedVertex()
	if v == nil || v.text != "RUN sleep 120" {
		t.Fatalf("blamed %+v, want the second build's RUN", v)
	}
	df, err := dockerfile.Parse("Dockerfile", []byte("FROM coderready-test/busybox:static\nRUN sleep 120\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := v.lineOf(df); got != 2 {
		t.Errorf("line %d, want 2", got)
	}
}

// TestDockerfileSpecificIgnore: build/Dockerfile.dockerignore replaces the
// context's .dockerignore for that Dockerfile, as BuildKit reads it.
func TestDockerfileSpecificIgnore(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"build/Dockerfile":              "FROM scratch\n",
		"build/Dockerfile.dockerignore": "*.log\n",
		".dockerignore":                 "*.txt\n",
		"notes.txt":                     "sent: only the Dockerfile's own ignore file applies",
		"debug.log":                     "not sent",
	})
	bc, err := planContext("", dir, "build/Dockerfile", DefaultMaxContextBytes)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range bc.entries {
		got = append(got, e.rel)
	}
	if want := ".dockerignore build build/Dockerfile build/Dockerfile.dockerignore notes.txt"; strings.Join(got, " ") != want {
		t.Errorf("planned %q, want %q", strings.Join(got, " "), want)
	}
	// Another Dockerfile in the same context keeps the context's file.
	bc, err = planContext("", dir, "Dockerfile.other", DefaultMaxContextBytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range bc.entries {
		if e.rel == "notes.txt" {
			t.Error("notes.txt planned for a Dockerfile without its own ignore file")
		}
	}
}
