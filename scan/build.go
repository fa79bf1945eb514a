package scan

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/coderready/coderready/build"
	"github.com/coderready/coderready/checks"
	"github.com/coderready/coderready/devcontainer"
	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/image"
	"github.com/coderready/coderready/internal/rootfs"
	"github.com/coderready/coderready/probe"
)

// EngineBuilder returns a Docker builder on engine (build.EngineAuto,
// build.EngineBuildKit or build.EngineClassic; "" reads DOCKER_BUILDKIT)
// when an engine answers within a couple of seconds, or nil: `check`
// builds by default only when it can.
func EngineBuilder(ctx context.Context, engine string) *build.Docker {
	d, err := build.Connect(ctx, engine, 2*time.Second)
	if err != nil {
		return nil
	}
	return d
}

// imageBuild is one way of making a target's image: the Docker builder on
// a Dockerfile, or the Dev Containers CLI on a devcontainer.json.
type imageBuild struct {
	// path is the BuildPath* constant it reports.
	path string
	// run builds; remove deletes what it built.
	run    func(ctx context.Context) (*build.Result, error)
	remove func(ctx context.Context, ref string) error
	// dockerfile is the Dockerfile built (relative to the root, "" for
	// none): failures sit on its lines.
	dockerfile string
	// contexts are folders (relative to the root) the build reads; one
	// outside the root is not built.
	contexts []string
	// dc is the devcontainer.json built with the Dev Containers CLI (nil
	// otherwise): a failing feature sits on its line, and so does any
	// failure when there is no Dockerfile.
	dc *devcontainer.Config
}

// imageCheck is how the built image is judged and where its findings go.
type imageCheck struct {
	// dockerfile is the parsed Dockerfile the image came from (nil for
	// none), so findings point at its lines.
	dockerfile *dockerfile.File
	target     string
	// devcontainerBuild turns on the Dev Container image rules.
	devcontainerBuild bool
	// label names the image in the summary.
	label string
	// at, when set, is where every image finding is put (a devcontainer's
	// `image` line).
	at *checks.Location
	// user is who the workspace runs as when the devcontainer says
	// (containerUser, remoteUser); "" for the image's USER.
	user string
}

// dockerBuild builds a Dockerfile with the Docker builder.
func (s *checker) dockerBuild(buildPath, rel, contextDir, target string, args map[string]string) *imageBuild {
	if s.opts.Builder == nil {
		return nil
	}
	return &imageBuild{
		path:       buildPath,
		dockerfile: rel,
		contexts:   []string{contextDir},
		remove:     s.opts.Builder.Remove,
		run: func(ctx context.Context) (*build.Result, error) {
			root := s.plan.absRoot
			spec := build.Spec{
				Root:       root,
				ContextDir: filepath.Join(root, filepath.FromSlash(contextDir)),
				Dockerfile: filepath.Join(root, filepath.FromSlash(rel)),
				Target:     target,
				Args:       args,
			}
			s.opts.Build.Apply(&spec)
			return s.opts.Builder.Build(ctx, spec)
		},
	}
}

// buildAndCheck builds the target's image, reads it and runs the image rules
// on it. A failed build is a CR300 finding on the failing line (or the
// failing feature) with the end of the log. The built image is removed
// afterwards.
func (s *checker) buildAndCheck(ctx context.Context, ib *imageBuild, ic imageCheck, ts *targetState) (_ []checks.Finding, built bool) {
	for _, c := range ib.contexts {
		why := ""
		if !localPath(c) {
			why = fmt.Sprintf("the build context %s lies outside the scanned folder", c)
		} else if _, err := s.plan.repo.Stat(c); rootfs.Refused(err) {
			// A link out of the repository on the way: nothing of it is
			// read, and the build would get none of it either.
			why = rootfs.Refusal("the build context "+c, err).Error()
		}
		if why != "" {
			ts.record(checks.BuildRecord{Path: BuildPathNone, Skipped: why})
			s.buildFailure(ts, ib, 0, "", "not built: "+why, "")
			return nil, false
		}
	}
	s.progress(ts.res.Path, "building")
	start := time.Now()
	out, err := ib.run(ctx)
	rec := checks.BuildRecord{Path: ib.path, Seconds: time.Since(start).Seconds()}
	if err != nil {
		rec.Failed = true
		var fail *build.Failure
		if errors.As(err, &fail) {
			rec.Engine = fail.Engine
			ts.record(rec)
			msg := "the image does not build: " + fail.Message
			if fail.Timeout {
				msg = "the build timed out: " + strings.TrimPrefix(fail.Message, "the build was ")
			}
			s.buildFailure(ts, ib, fail.Line, fail.Feature, msg, fail.LogTail)
			return nil, false
		}
		ts.record(rec)
		s.buildFailure(ts, ib, 0, "", "the image could not be built: "+err.Error(), "")
		return nil, false
	}
	defer func() { _ = ib.remove(context.WithoutCancel(ctx), out.Ref) }()
	s.progress(ts.res.Path, "reading image")
	rec.Ref = "docker-daemon:" + out.Ref
	rec.Engine = out.Engine
	readStart := time.Now()
	facts, err := image.Inspect(ctx, "docker-daemon:"+out.Ref, image.Options{CacheDir: s.opts.CacheDir})
	ts.imageRead += time.Since(readStart)
	if err != nil {
		rec.Failed = true
		ts.record(rec)
		s.buildFailure(ts, ib, 0, "", "the built image could not be read: "+err.Error(), "")
		return nil, false
	}
	rec.Read = facts.Read
	ts.record(rec)
	s.progress(ts.res.Path, "checking")
	ts.res.Image = checks.SummarizeImage(ic.label, facts)
	ts.facts = facts
	ref := ic.label
	if ic.dockerfile != nil {
		ref = ic.dockerfile.Path
	}
	ts.res.Probe = s.probe(ctx, ts, out.Ref, facts, ic.user)
	found := checks.CheckImage(&checks.ImageInput{
		Facts: facts, Config: s.cfg, Ref: ref, Dockerfile: ic.dockerfile, Target: ic.target, DevcontainerBuild: ic.devcontainerBuild,
		Probe: ts.res.Probe,
	})
	if ic.at != nil {
		for i := range found {
			found[i].Location = *ic.at
		}
	}
	return found, true
}

// buildFailure reports the CR300 finding of a failed build: on the
// feature's line of the devcontainer.json when a feature failed, else on
// the Dockerfile line, else on the devcontainer.json's image.
func (s *checker) buildFailure(ts *targetState, ib *imageBuild, line int, feature, msg, logTail string) {
	loc := checks.Location{Path: ib.dockerfile, StartLine: line}
	switch {
	case ib.dc != nil && feature != "":
		loc = dcLocation(ib.dc, devcontainer.FeaturePointer(feature))
		if !ib.dc.Has(devcontainer.FeaturePointer(feature)) {
			loc = dcLocation(ib.dc, "/features")
		}
	case ib.dc != nil && ib.dockerfile == "":
		loc = dcLocation(ib.dc, "/image")
	}
	ts.report("CR300", checks.SeverityError, msg, logTail, loc)
}

// dcLocation is the position of a devcontainer.json property (the file
// when it is not set).
func dcLocation(dc *devcontainer.Config, ptr string) checks.Location {
	loc := checks.Location{Path: dc.Path}
	if dc.Has(ptr) {
		p := dc.Pos(ptr)
		loc.StartLine, loc.StartCol = p.Line, p.Col
	}
	return loc
}

// summaryLabel names a built image in its summary by the file it is
// built from and, when known, the commit: "images/go/Dockerfile @ 1a2b3c4"
// (else "images/go/Dockerfile (built)").
func (s *checker) summaryLabel(rel string) string {
	if r := s.opts.Revision; r != "" {
		return rel + " @ " + r[:min(len(r), 7)]
	}
	return rel + " (built)"
}

// probing says whether built images are run (the agent bootstrap probe).
func (s *checker) probing() bool {
	return s.opts.Prober != nil && !s.opts.NoProbe && !s.cfg.Probe.Off
}

// probe runs the agent bootstrap in the built image ref, as the workspace
// user; nil when probing is off for the whole scan, a skipped result when
// config or flags turn it off.
func (s *checker) probe(ctx context.Context, ts *targetState, ref string, facts *image.Facts, user string) *probe.Result {
	switch {
	case s.opts.Prober == nil:
		return nil
	case s.opts.NoProbe:
		return &probe.Result{Skipped: "--no-probe"}
	case s.cfg.Probe.Off:
		return &probe.Result{Skipped: "config probe: off"}
	}
	if s.cfg.Probe.User != "" {
		user = s.cfg.Probe.User
	}
	s.progress(ts.res.Path, "probing")
	start := time.Now()
	r, err := s.opts.Prober.Probe(ctx, ref, facts.Platform.Architecture, user)
	ts.probe += time.Since(start)
	if err != nil {
		// The engine failed the probe, not the image: say so, judge
		// nothing.
		return &probe.Result{Skipped: "the probe could not run: " + err.Error()}
	}
	return r
}
