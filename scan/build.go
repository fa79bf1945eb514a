package scan

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"time"

	"github.com/moby/moby/client"

	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/image"
)

// EngineBuilder returns a Docker builder when an engine answers within a
// couple of seconds, or nil: `check` builds by default only when it can.
func EngineBuilder(ctx context.Context) *build.Docker {
	c, err := client.New(client.FromEnv)
	if err != nil {
		return nil
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := c.Ping(pctx, client.PingOptions{}); err != nil {
		_ = c.Close()
		return nil
	}
	return &build.Docker{Client: c}
}

// buildTarget is what a target asks to build.
type buildTarget struct {
	dockerfile string // relative to the root
	context    string // relative to the root
	target     string
	args       map[string]string
}

// buildAndCheck builds the target's image, reads it and runs the image rules
// on it. A failed build is a CR300 finding on the failing line with the end
// of the log. The built image is removed afterwards.
func (s *scanner) buildAndCheck(bt buildTarget, f *dockerfile.File, devcontainerBuild bool, ts *targetState) (_ []checks.Finding, built bool) {
	if !localPath(bt.context) {
		return []checks.Finding{buildFinding(bt.dockerfile, 0, fmt.Sprintf("not built: the build context %s lies outside the scanned folder", bt.context), "")}, false
	}
	spec := build.Spec{
		ContextDir: filepath.Join(s.root, filepath.FromSlash(bt.context)),
		Dockerfile: filepath.Join(s.root, filepath.FromSlash(bt.dockerfile)),
		Target:     bt.target,
		Args:       bt.args,
		Network:    s.opts.BuildNetwork,
		Timeout:    s.opts.BuildTimeout,
	}
	s.progress(ts.cur, "building")
	start := time.Now()
	out, err := s.opts.Builder.Build(s.ctx, spec)
	ts.build = &BuildInfo{Path: BuildPathDocker, Duration: time.Since(start)}
	if err != nil {
		var fail *build.Failure
		if errors.As(err, &fail) {
			msg := "the image does not build: " + fail.Message
			if fail.Timeout {
				msg = fmt.Sprintf("the build timed out after %s", spec.Timeout)
			}
			return []checks.Finding{buildFinding(bt.dockerfile, fail.Line, msg, fail.LogTail)}, false
		}
		return []checks.Finding{buildFinding(bt.dockerfile, 0, "the image could not be built: "+err.Error(), "")}, false
	}
	defer func() { _ = s.opts.Builder.Remove(context.WithoutCancel(s.ctx), out.Ref) }()
	s.progress(ts.cur, "reading image")
	ts.build.Ref = "docker-daemon:" + out.Ref
	facts, err := image.Inspect(s.ctx, "docker-daemon:"+out.Ref, image.Options{CacheDir: s.opts.CacheDir})
	if err != nil {
		return []checks.Finding{buildFinding(bt.dockerfile, 0, "the built image could not be read: "+err.Error(), "")}, false
	}
	s.progress(ts.cur, "checking")
	ts.res.Image = checks.SummarizeImage(path.Base(bt.dockerfile)+" (built)", facts)
	ts.facts = facts
	return checks.CheckImage(&checks.ImageInput{
		Facts: facts, Config: s.cfg, Ref: bt.dockerfile, Dockerfile: f, Target: bt.target, DevcontainerBuild: devcontainerBuild,
	}), true
}

// buildFinding is a CR300 finding on a Dockerfile line.
func buildFinding(rel string, line int, msg, logTail string) checks.Finding {
	return checks.Finding{RuleID: "CR300", Severity: checks.SeverityError, Message: msg, Details: logTail,
		Location: checks.Location{Path: rel, StartLine: line}}
}
