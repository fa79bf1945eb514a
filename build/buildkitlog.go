package build

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/coderready/coderready/dockerfile"
)

// BuildKit's plain progress output (what `docker build` prints with
// DOCKER_BUILDKIT=1 when not on a terminal) names each step as a vertex:
//
//	#10 [stage-name 2/3] RUN echo one   && false
//	#10 0.392 one
//	#10 ERROR: executor failed running [/bin/sh -c echo one   && false]: exit code: 1
//
// where "2/3" counts, in the stage, the instructions that make a vertex: the
// FROM of an image (not of an earlier stage, not scratch), RUN, COPY, ADD
// and WORKDIR. An unnamed stage is "stage-N" (N its index) when the file
// has several stages, and has no name when it is the only one.
var (
	bkVertexRE = regexp.MustCompile(`^#(\d+) \[([^\]]*)\] (.*)$`)
	bkErrorRE  = regexp.MustCompile(`^#(\d+) ERROR:? (.*)$`)
	bkPlainRE  = regexp.MustCompile(`^#(\d+) ([^\d\[].*)$`)
	bkEndRE    = regexp.MustCompile(`^#(\d+) (?:DONE|CACHED|CANCELED|ERROR)\b`)
	bkStepRE   = regexp.MustCompile(`^(?:(.*\S)\s+)?(\d+)/(\d+)$`)
	// cliStampRE is the timestamp the Dev Containers CLI puts before lines
	// it relays.
	cliStampRE = regexp.MustCompile(`^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] ?`)
)

// bkVertex is one step of a BuildKit build.
type bkVertex struct {
	stage string // the stage name in the brackets ("" for none)
	index int    // k of k/n (0 for vertices without a count, e.g. [internal])
	total int    // n of k/n
	text  string // the instruction as BuildKit prints it
	bare  string // the bracket text when it is no stage step ("internal", ...)
}

// bkLog follows BuildKit plain progress output line by line.
type bkLog struct {
	vertices map[int]*bkVertex
	// failed is the vertex of the first ERROR line, errMsg its message;
	// started the stage steps in the order they started, ended those that
	// finished (DONE, CACHED, ERROR, CANCELED).
	failed  int
	started []int
	ended   map[int]bool
	errMsg  string
	split   lines
}

// Write feeds output; lines may be split across writes.
func (l *bkLog) Write(p []byte) (int, error) {
	l.split.feed(string(p), l.line)
	return len(p), nil
}

func (l *bkLog) line(line string) {
	line = cliStampRE.ReplaceAllString(line, "")
	if dockerRunRE.MatchString(line) && l.failed == 0 {
		// The Dev Containers CLI runs several builds in one log (the
		// features' content, then the image), and each numbers its vertices
		// from #1: an earlier build's #5 must not stand for this one's.
		l.vertices, l.started, l.ended = nil, nil, nil
		return
	}
	if m := bkEndRE.FindStringSubmatch(line); m != nil {
		n, _ := strconv.Atoi(m[1])
		if l.ended == nil {
			l.ended = map[int]bool{}
		}
		l.ended[n] = true
	}
	if m := bkErrorRE.FindStringSubmatch(line); m != nil {
		if l.failed == 0 {
			l.failed, _ = strconv.Atoi(m[1])
			l.errMsg = strings.TrimSpace(m[2])
		}
		return
	}
	m := bkVertexRE.FindStringSubmatch(line)
	if m == nil {
		// A vertex without brackets ("#3 resolve image config for ...")
		// is named by its first line.
		if pm := bkPlainRE.FindStringSubmatch(line); pm != nil {
			n, _ := strconv.Atoi(pm[1])
			if _, seen := l.vertices[n]; !seen {
				if l.vertices == nil {
					l.vertices = map[int]*bkVertex{}
				}
				l.vertices[n] = &bkVertex{text: pm[2]}
			}
		}
		return
	}
	n, _ := strconv.Atoi(m[1])
	v := &bkVertex{text: m[3]}
	if sm := bkStepRE.FindStringSubmatch(strings.TrimSpace(m[2])); sm != nil {
		v.index, _ = strconv.Atoi(sm[2])
		v.total, _ = strconv.Atoi(sm[3])
		// A platform may come first ("linux/amd64 base 2/3").
		if f := strings.Fields(sm[1]); len(f) > 0 {
			v.stage = f[len(f)-1]
			if strings.Contains(v.stage, "/") && len(f) == 1 {
				v.stage = ""
			}
		}
	} else {
		v.bare = m[2]
	}
	if l.vertices == nil {
		l.vertices = map[int]*bkVertex{}
	}
	if _, seen := l.vertices[n]; !seen {
		l.vertices[n] = v
		if v.index > 0 {
			l.started = append(l.started, n)
		}
	}
}

// failedVertex returns the vertex that failed, or nil.
func (l *bkLog) failedVertex() *bkVertex {
	if l.failed == 0 {
		return nil
	}
	return l.vertices[l.failed]
}

// explain fills f's step, line and message from the vertex that failed,
// mapped to df's lines (an image that could not be resolved maps to its
// FROM, a frontend that could not be fetched to its `# syntax=` line);
// false when no vertex failed.
func (l *bkLog) explain(f *Failure, df *dockerfile.File) bool {
	v := l.failedVertex()
	if v == nil {
		return false
	}
	f.Step = v.step()
	f.Line = v.lineOf(df)
	if f.Line == 0 && v.bare == "internal" && strings.HasPrefix(v.text, "load metadata for ") {
		f.Line = fromLine(df, strings.TrimPrefix(v.text, "load metadata for "))
	}
	if l.errMsg != "" {
		f.Message = l.errMsg
	}
	if ref, line := syntaxDirective(df); ref != "" && l.failedFrontend(ref) {
		// BuildKit fetches the frontend a `# syntax=` line names before
		// it reads the Dockerfile itself.
		f.Line = line
		f.Message = fmt.Sprintf("the Dockerfile frontend %s that the `# syntax=` directive names could not be fetched: %s", ref, f.Message)
	}
	return true
}

// blamedVertex returns the step a stopped build was busy with: the stage
// step that has been running longest (parallel stages may have started
// since), else the one that started last; nil when none started.
func (l *bkLog) blamedVertex() *bkVertex {
	for _, n := range l.started {
		if !l.ended[n] {
			return l.vertices[n]
		}
	}
	if len(l.started) == 0 {
		return nil
	}
	return l.vertices[l.started[len(l.started)-1]]
}

// vertexCmds are the instructions that make a BuildKit vertex (besides the
// FROM of an image).
var vertexCmds = map[string]bool{"run": true, "copy": true, "add": true, "workdir": true}

// lineOf maps a stage step to the line of its instruction in f, or 0. The
// stage the Dev Containers CLI names autoStageName is f's last.
func (v *bkVertex) lineOf(f *dockerfile.File) int {
	if f == nil || v == nil || v.index == 0 || len(f.Stages) == 0 {
		return 0
	}
	var st *dockerfile.Stage
	switch {
	case v.stage == "" && len(f.Stages) == 1:
		st = f.Stages[0]
	case v.stage == "":
		st = f.Stages[len(f.Stages)-1]
	case v.stage == autoStageName:
		st = f.Stages[len(f.Stages)-1]
	default:
		for _, s := range f.Stages {
			if s.Name == strings.ToLower(v.stage) {
				st = s
				break
			}
		}
		if st == nil && strings.HasPrefix(v.stage, "stage-") {
			if i, err := strconv.Atoi(strings.TrimPrefix(v.stage, "stage-")); err == nil && i >= 0 && i < len(f.Stages) {
				st = f.Stages[i]
			}
		}
	}
	if st == nil {
		return 0
	}
	var steps []*dockerfile.Instruction
	if st.BaseStage == nil && !strings.EqualFold(st.Base, "scratch") {
		steps = append(steps, st.From)
	}
	for _, in := range st.Instructions {
		if vertexCmds[in.Cmd] {
			steps = append(steps, in)
		}
	}
	keyword := strings.ToLower(strings.SplitN(strings.TrimSpace(v.text), " ", 2)[0])
	if len(steps) == v.total && v.index <= len(steps) && steps[v.index-1].Cmd == keyword {
		return steps[v.index-1].StartLine
	}
	// The count did not match this parser's idea of the stage: fall back to
	// the instruction whose text BuildKit printed.
	want := squeeze(v.text)
	for _, in := range steps {
		if squeeze(in.Original) == want {
			return in.StartLine
		}
	}
	if v.index <= len(steps) && steps[v.index-1].Cmd == keyword {
		return steps[v.index-1].StartLine
	}
	return 0
}

// squeeze collapses runs of white space and upper-cases the keyword, for
// comparing instruction texts.
func squeeze(s string) string {
	f := strings.Fields(s)
	if len(f) > 0 {
		f[0] = strings.ToUpper(f[0])
	}
	return strings.Join(f, " ")
}
