package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	controlapi "github.com/moby/buildkit/api/services/control"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/filesync"
	"github.com/tonistiigi/fsutil"
	fstypes "github.com/tonistiigi/fsutil/types"

	"github.com/coderready/coderready/dockerfile"
)

// BuildKit through the Engine API: the engine pulls the build context from
// a client session (gRPC over a connection hijacked from POST /session)
// instead of reading a tar stream, and reports progress as
// "moby.buildkit.trace" messages whose aux field holds a protobuf
// controlapi.StatusResponse. The session here offers only file sync of the
// planned context and the Dockerfile: no registry credentials, no secrets,
// no SSH agent.

// bkSession is a running BuildKit client session.
type bkSession struct {
	sess  *session.Session
	roots []*os.Root
	// stopped is closed when the session's Run returns, with err its
	// error.
	stopped chan struct{}
	err     error
}

// startSession starts a session that serves bc's planned entries as the
// "context" directory and the Dockerfile as the "dockerfile" directory,
// dialling the engine with dial. Close it when the build is over.
func startSession(ctx context.Context, bc *buildContext, dial session.Dialer) (*bkSession, error) {
	// The shared key lets the engine reuse what it already synced from the
	// same directory.
	sum := sha256.Sum256([]byte(bc.name))
	sess, err := session.NewSession(ctx, hex.EncodeToString(sum[:]))
	if err != nil {
		return nil, fmt.Errorf("buildkit session: %w", err)
	}
	dirs, roots, err := bc.sessionDirs()
	if err != nil {
		_ = sess.Close()
		return nil, err
	}
	sess.Allow(filesync.NewFSSyncProvider(dirs))
	s := &bkSession{sess: sess, roots: roots, stopped: make(chan struct{})}
	go func() {
		s.err = sess.Run(ctx, dial)
		close(s.stopped)
	}()
	return s, nil
}

// watch cancels the build (through cancel) when the session stops with
// an error while the build runs: the engine would otherwise wait for a
// session that never comes, then fail without saying why.
func (s *bkSession) watch(done <-chan struct{}, cancel context.CancelCauseFunc) {
	select {
	case <-s.stopped:
		if s.err != nil {
			cancel(fmt.Errorf("buildkit session: %w", s.err))
		}
	case <-done:
	}
}

// Close ends the session and waits for it to stop.
func (s *bkSession) Close() error {
	err := s.sess.Close()
	<-s.stopped
	if s.err != nil && err == nil && !errors.Is(s.err, context.Canceled) {
		// Run ends with the connection closing under it, which is no
		// error of the build's; report anything else.
		err = s.err
	}
	for _, r := range s.roots {
		_ = r.Close()
	}
	if err != nil {
		return fmt.Errorf("buildkit session: %w", err)
	}
	return nil
}

// ID is the session's ID, for the build request.
func (s *bkSession) ID() string { return s.sess.ID() }

// sessionDirs returns the directories a session serves: "context", the
// planned entries, and "dockerfile", the Dockerfile's directory offering
// only the Dockerfile and its own ignore file; and the roots to close
// when the session is over. Both read through os.Root, so a symlink
// swapped in cannot lead a read out of the context.
func (bc *buildContext) sessionDirs() (filesync.StaticDirSource, []*os.Root, error) {
	bc.indexEntries()
	// A handle of the session's own, closed when the session ends.
	root, err := bc.root.OS().OpenRoot(".")
	if err != nil {
		return nil, nil, fmt.Errorf("build context: %w", err)
	}
	roots := []*os.Root{root}
	fail := func(err error) (filesync.StaticDirSource, []*os.Root, error) {
		for _, r := range roots {
			_ = r.Close()
		}
		return nil, nil, fmt.Errorf("build context: %w", err)
	}
	ctxFS, err := fsutil.NewFilterFS(fsutil.NewRootFS(fsutil.NewRoot(root)), &fsutil.FilterOpt{Map: bc.mapEntry})
	if err != nil {
		return fail(err)
	}
	dfDir, dfName := path.Split(bc.dockerfile)
	dfRoot := root
	if dfDir != "" {
		if dfRoot, err = root.OpenRoot(filepath.FromSlash(strings.TrimSuffix(dfDir, "/"))); err != nil {
			return fail(err)
		}
		roots = append(roots, dfRoot)
	}
	dfFS, err := fsutil.NewFilterFS(fsutil.NewRootFS(fsutil.NewRoot(dfRoot)), &fsutil.FilterOpt{
		IncludePatterns: []string{dfName, dfName + ".dockerignore"},
		Map: func(p string, st *fstypes.Stat) fsutil.MapResult {
			return bc.mapEntry(path.Join(dfDir, filepath.ToSlash(p)), st)
		},
	})
	if err != nil {
		return fail(err)
	}
	return filesync.StaticDirSource{"context": ctxFS, "dockerfile": dfFS}, roots, nil
}

// mapEntry keeps exactly the planned entries (what .dockerignore and the
// size limit let through), owned by root as in the classic builder's tar. A
// file that grew since it was planned is left out rather than let past the
// context size limit.
func (bc *buildContext) mapEntry(p string, st *fstypes.Stat) fsutil.MapResult {
	rel := filepath.ToSlash(p)
	e, ok := bc.planned[rel]
	if !ok {
		if bc.parents[rel] {
			st.Uid, st.Gid = 0, 0
			return fsutil.MapResultKeep
		}
		if os.FileMode(st.Mode).IsDir() {
			return fsutil.MapResultSkipDir
		}
		return fsutil.MapResultExclude
	}
	if e.info.Mode().IsRegular() && st.Size > e.info.Size() {
		return fsutil.MapResultExclude
	}
	st.Uid, st.Gid = 0, 0
	return fsutil.MapResultKeep
}

// indexEntries fills the lookups mapEntry uses (before any walk starts:
// the context and the Dockerfile directory may be walked at once): the planned entries by
// path, and every parent directory of one (which an ignore file with
// exceptions may have left out of the plan itself).
func (bc *buildContext) indexEntries() {
	bc.planned = make(map[string]contextEntry, len(bc.entries))
	bc.parents = map[string]bool{}
	for _, e := range bc.entries {
		bc.planned[e.rel] = e
		for d := path.Dir(e.rel); d != "." && !bc.parents[d]; d = path.Dir(d) {
			bc.parents[d] = true
		}
	}
}

// bkTrace renders BuildKit status updates as BuildKit's plain progress
// output ("#N [stage k/n] RUN ...", "#N 0.123 output", "#N ERROR: ...",
// "#N DONE 1.2s"), which bkLog follows and the kept log shows.
type bkTrace struct {
	out      io.Writer
	vertices map[string]*traceVertex // by digest
	printed  int                     // vertices numbered so far
}

// traceVertex is what the trace knows of one vertex.
type traceVertex struct {
	num     int // #N, given when it is first written (0 before)
	name    string
	started *time.Time
	shown   bool // its header was written
	ended   bool // DONE, CACHED, ERROR or CANCELED was written
	out     lines
	at      string // when out's unterminated line began ("0.250 ")
}

func newBKTrace(out io.Writer) *bkTrace {
	return &bkTrace{out: out, vertices: map[string]*traceVertex{}}
}

// vertex returns the state of digest d.
func (t *bkTrace) vertex(d string) *traceVertex {
	v := t.vertices[d]
	if v == nil {
		v = &traceVertex{}
		t.vertices[d] = v
	}
	return v
}

// feed renders one status update (the protobuf bytes of a
// controlapi.StatusResponse).
func (t *bkTrace) feed(dt []byte) error {
	var resp controlapi.StatusResponse
	if err := resp.UnmarshalVT(dt); err != nil {
		return fmt.Errorf("buildkit status: %w", err)
	}
	for _, s := range resp.Vertexes {
		v := t.vertex(s.Digest)
		if s.Name != "" {
			v.name = s.Name
		}
		if s.Started != nil {
			at := s.Started.AsTime()
			v.started = &at
		}
		if s.Started == nil && !s.Cached && s.Error == "" {
			continue
		}
		t.header(v, s.Digest)
		if v.ended {
			continue
		}
		switch {
		case s.Error != "" && strings.Contains(s.Error, context.Canceled.Error()):
			t.printf(v, "CANCELED")
		case s.Error != "":
			t.flush(v)
			t.printf(v, "ERROR: %s", s.Error)
		case s.Cached:
			t.printf(v, "CACHED")
		case s.Completed != nil:
			t.flush(v)
			t.printf(v, "DONE %.1fs", s.Completed.AsTime().Sub(s.Started.AsTime()).Seconds())
		default:
			continue
		}
		v.ended = true
	}
	for _, l := range resp.Logs {
		v := t.vertex(l.Vertex)
		t.header(v, l.Vertex)
		at := "0.000 "
		if v.started != nil && l.Timestamp != nil {
			at = fmt.Sprintf("%.3f ", l.Timestamp.AsTime().Sub(*v.started).Seconds())
		}
		// A line is stamped with the time it began.
		if v.out.partial == "" {
			v.at = at
		}
		v.out.feed(string(l.Msg), func(line string) {
			t.printf(v, "%s%s", v.at, line)
			v.at = at
		})
	}
	for _, w := range resp.Warnings {
		v := t.vertex(w.Vertex)
		t.header(v, w.Vertex)
		t.printf(v, "WARN: %s", strings.TrimSpace(string(w.Short)))
	}
	return nil
}

// header writes "#N name" the first time a vertex shows.
func (t *bkTrace) header(v *traceVertex, digest string) {
	if v.shown {
		return
	}
	v.shown = true
	name := v.name
	if name == "" {
		name = "[internal] " + digest
	}
	t.printf(v, "%s", name)
}

// flush writes a vertex's unterminated last output line.
func (t *bkTrace) flush(v *traceVertex) {
	if v.out.partial != "" {
		t.printf(v, "%s%s", v.at, v.out.partial)
		v.out.partial = ""
	}
}

func (t *bkTrace) printf(v *traceVertex, format string, a ...any) {
	if v.num == 0 {
		t.printed++
		v.num = t.printed
	}
	_, _ = fmt.Fprintf(t.out, "#%d "+format+"\n", append([]any{v.num}, a...)...)
}

// syntaxDirective returns the frontend image a `# syntax=IMAGE` parser
// directive of f names and its line, or "" when there is none (or no f).
// Directives are the `# key=value` comments at the very top of the file.
func syntaxDirective(f *dockerfile.File) (string, int) {
	if f == nil {
		return "", 0
	}
	for i, line := range f.Lines {
		line = strings.TrimSpace(line)
		body, ok := strings.CutPrefix(line, "#")
		if !ok {
			return "", 0
		}
		key, value, ok := strings.Cut(body, "=")
		if !ok {
			return "", 0
		}
		if strings.EqualFold(strings.TrimSpace(key), "syntax") {
			return strings.TrimSpace(value), i + 1
		}
	}
	return "", 0
}

// failedFrontend reports whether the failed step is BuildKit fetching the
// frontend image ref ("resolve image config for docker.io/docker/dockerfile:1").
func (l *bkLog) failedFrontend(ref string) bool {
	v := l.failedVertex()
	if v == nil || v.index != 0 {
		return false
	}
	got, ok := strings.CutPrefix(v.step(), "resolve image config for ")
	if !ok {
		return false
	}
	return shortRef(got) == shortRef(ref)
}

// solvePrefixes are the wrappers BuildKit puts before the error that
// matters.
var solvePrefixes = []string{
	"failed to solve with frontend dockerfile.v0: ",
	"failed to solve with frontend gateway.v0: ",
	"failed to solve: ",
	"failed to create LLB definition: ",
	"failed to build LLB: ",
	"rpc error: code = Unknown desc = ",
}

// trimSolvePrefixes drops BuildKit's wrappers from the front of msg.
func trimSolvePrefixes(msg string) string {
	for again := true; again; {
		again = false
		for _, p := range solvePrefixes {
			if rest, ok := strings.CutPrefix(msg, p); ok && rest != "" {
				msg, again = rest, true
			}
		}
	}
	return msg
}

// parseErrorLineRE finds the Dockerfile line in BuildKit's parse and
// LLB-conversion errors: "dockerfile parse error line 3: unknown
// instruction: FOO", "dockerfile parse error on line 3: ...",
// "Dockerfile:3", "failed to process \"$X\": ... line 3".
var parseErrorLineRE = regexp.MustCompile(`(?i)(?:parse error (?:on )?line|dockerfile:)\s*(\d+)`)

// errorLine returns the Dockerfile line a BuildKit error message names, or 0.
func errorLine(msg string) int {
	if m := parseErrorLineRE.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// errNoSession is returned by the Docker builder when it was asked for
// BuildKit but the client cannot open a session.
var errNoSession = errors.New("the Docker client cannot open a BuildKit session (no DialHijack)")
