package checks

import (
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/coderready/coderready/dockerfile"
)

// Siblings knows the Dockerfiles of one repository by the image each one
// builds, so that a Dockerfile built on an image the same repository makes
// (Jupyter's docker-stacks: `ARG BASE_IMAGE=$REGISTRY/$OWNER/base-notebook`
// and images/base-notebook/Dockerfile) learns that image's user and HOME
// from the file that makes it, without reading the image. It is safe for
// concurrent use.
//
// The image a Dockerfile builds is named after it: `NAME.Dockerfile`,
// `Dockerfile.NAME` and `NAME.dockerfile` build NAME, any other
// (`Dockerfile`, `base.Dockerfile`, `Containerfile`) is named after its
// folder (the folder above `.devcontainer`). A reference matches when the
// last part of its repository is that name (`quay.io/jupyter/base-notebook:tag`
// matches images/base-notebook/Dockerfile); its registry, owner and tag are
// not compared. A Dockerfile built on an image of its own name extends that
// image rather than making it, and is left out.
type Siblings struct {
	// Local, when set, reports whether the repository's build files tag
	// ref (`-t ${lang}:latest -f intermediate/${lang}.Dockerfile` tags
	// rust:latest): its own Dockerfile, not the table of well-known
	// images, then says what the image is.
	Local func(ref string) bool
	// Tagged, when set, returns the Dockerfile the repository's build
	// files build ref from when its name is not the image's (a workflow
	// that tags `ierturk/alpine-dev-base` and builds
	// `Alpine/dev-base.Dockerfile`), "" when they do not say.
	Tagged func(ref string) string
	// Elsewhere, when set, reports whether ref is another publisher's
	// image of a name the repository's build files tag only under other
	// registries or namespaces (`gcr.io/google.com/cluster-fuzz/base`
	// where they tag `gcr.io/clusterfuzz-images/base`): no Dockerfile of
	// the repository makes it.
	Elsewhere func(ref string) bool

	byName map[string][]string
	// versions are, by image name, the versions whose folders build it
	// (`percona-server-mongodb-8.0/` gives percona-server-mongodb 8.0).
	versions map[string][]string
	load     func(path string) *dockerfile.File

	mu   sync.Mutex
	memo map[string]siblingFacts
}

// BuiltBy returns the Dockerfile of the repository that builds the image
// ref and tells its user, "" when none does.
func (s *Siblings) BuiltBy(ref string) string {
	if s == nil {
		return ""
	}
	if sf := s.facts(ref, nil); sf.ok {
		return sf.path
	}
	return ""
}

// siblingFacts is what the Dockerfile that builds an image says of it.
type siblingFacts struct {
	ok     bool
	path   string
	user   string
	home   string
	users  []string
	family OSFamily
	mgr    PackageManager
	// familyEv is what the family stands on (the sibling's own base).
	familyEv Evidence
	// commandKnown: the image's command starts no supervisor (its
	// Dockerfile sets no ENTRYPOINT, its CMD names none, and its own
	// base's command is known to start none).
	commandKnown bool
}

// NewSiblings indexes the Dockerfiles at paths (slash-separated, relative
// to the repository's root). load parses one on first use; it returns nil
// for a file that cannot be read or parsed.
func NewSiblings(paths []string, load func(path string) *dockerfile.File) *Siblings {
	s := &Siblings{byName: map[string][]string{}, versions: map[string][]string{}, load: load, memo: map[string]siblingFacts{}}
	for _, p := range paths {
		if n := builtName(p); n != "" && !slices.Contains(s.byName[n], p) {
			s.byName[n] = append(s.byName[n], p)
		}
	}
	// `name-8.0`: a version of name (a digit after the last dash).
	for n := range s.byName {
		if i := strings.LastIndex(n, "-"); i > 0 && i+1 < len(n) && n[i+1] >= '0' && n[i+1] <= '9' && !slices.Contains(s.versions[n[:i]], n[i+1:]) {
			s.versions[n[:i]] = append(s.versions[n[:i]], n[i+1:])
		}
	}
	return s
}

// builtName is the image name the Dockerfile at p builds ("" when its path
// does not say).
func builtName(p string) string {
	dir, file := path.Split(p)
	dir = path.Clean(dir)
	if path.Base(dir) == ".devcontainer" {
		dir = path.Dir(dir)
	}
	lower := strings.ToLower(file)
	var name string
	switch {
	case strings.HasPrefix(lower, "dockerfile.") || strings.HasPrefix(lower, "containerfile."):
		_, name, _ = strings.Cut(file, ".")
	case strings.HasSuffix(lower, ".dockerfile") || strings.HasSuffix(lower, ".containerfile"):
		name = file[:strings.LastIndex(file, ".")]
		if strings.EqualFold(name, "base") {
			name = path.Base(dir)
		}
	default:
		name = path.Base(dir)
	}
	if name == "." || name == "/" || name == "" {
		return ""
	}
	return strings.ToLower(name)
}

// refName is the name a reference is matched on: the last part of its
// repository.
func refName(ref string) string {
	return strings.ToLower(path.Base(ParseImageRef(ref).Repository))
}

// Resolver returns a BaseResolver that answers from next (nil: the
// table), and for an image next knows no user of, from the Dockerfile of
// the repository that builds it.
func (s *Siblings) Resolver(next BaseResolver) BaseResolver {
	if next == nil {
		next = StaticBases
	}
	return siblingResolver{s: s, next: next}
}

type siblingResolver struct {
	s    *Siblings
	next BaseResolver
	// visiting are the names being resolved, so that Dockerfiles that
	// name each other end as unknown instead of looping.
	visiting []string
}

// BaseFacts implements BaseResolver: the image when it was read, else the
// table when it knows the user (unless the repository builds the image
// itself: Siblings.Local), else the sibling Dockerfile's user and HOME over
// what the table knows of the reference.
func (r siblingResolver) BaseFacts(ref string) BaseFacts {
	b := r.next.BaseFacts(ref)
	if b.Source == "image" || r.s == nil || b.KnowsUser() && (r.s.Local == nil || !r.s.Local(ref)) {
		return b
	}
	if r.s.Elsewhere != nil && r.s.Elsewhere(ref) {
		return b
	}
	sf := r.s.facts(ref, r.visiting)
	if !sf.ok {
		return b
	}
	b.UserKnown, b.User, b.Home, b.Users = true, sf.user, sf.home, sf.users
	b.CommandKnown = sf.commandKnown
	b.Source, b.Sibling = "sibling", sf.path
	if b.Family == OSUnknown && sf.family != OSUnknown {
		b.Family, b.Manager, b.familyEv = sf.family, sf.mgr, sf.familyEv
	}
	return b
}

// facts returns what the Dockerfile that builds ref says of the image:
// its final stage's user (the last USER, else its own base's user) and
// HOME (the last ENV HOME, else its base's). ok is false when no
// Dockerfile builds it, when the ones that do disagree, or when they do
// not tell the user either.
func (s *Siblings) facts(ref string, visiting []string) siblingFacts {
	name := refName(ref)
	key := s.key(name, ParseImageRef(ref).Tag)
	paths := deepNameMatch(ref, s.byName[key])
	if len(paths) == 0 && s.Tagged != nil {
		if p := s.Tagged(ref); p != "" {
			key, paths = "file:"+p, []string{p}
		}
	}
	if key == "" || slices.Contains(visiting, key) {
		return siblingFacts{}
	}
	s.mu.Lock()
	sf, done := s.memo[key]
	s.mu.Unlock()
	if done {
		return sf
	}
	// Computed outside the lock: a sibling's base may be a sibling too.
	sf = s.compute(paths, name, append(slices.Clip(visiting), key))
	s.mu.Lock()
	s.memo[key] = sf
	s.mu.Unlock()
	return sf
}

// deepNameMatch keeps, of the Dockerfiles named like ref's last part, the
// ones a deep reference can be: one with a registry host and a path of
// three parts or more (`us-docker.pkg.dev/cloud-tpu-images/jax-ai-image/tpu`)
// names a project's image, which a Dockerfile matched by `tpu` alone
// (`ai-ml/gke-ray/rayserve/llm/tpu/Dockerfile`) makes only when the part
// before the name is a folder on its path too. Shorter references
// (`quay.io/jupyter/base-notebook`) keep every match.
func deepNameMatch(ref string, paths []string) []string {
	r := ParseImageRef(ref)
	parts := strings.Split(r.Repository, "/")
	if r.Registry == "" || len(parts) < 3 || len(paths) == 0 {
		return paths
	}
	parent := strings.ToLower(parts[len(parts)-2])
	var out []string
	for _, p := range paths {
		if slices.Contains(strings.Split(strings.ToLower(path.Dir(p)), "/"), parent) {
			out = append(out, p)
		}
	}
	return out
}

// key is the name of the Dockerfiles that build the image name:tag. A
// repository that keeps one folder per version (percona-docker's
// `percona-server-mongodb-8.0/`) builds `percona-server-mongodb:8.0` in the
// folder named for that version (the longest that the tag starts with),
// and any other tag in none it can tell: "" then. Otherwise, name.
func (s *Siblings) key(name, tag string) string {
	tag = strings.ToLower(tag)
	if name == "" || tag == "" || tag == "latest" {
		return name
	}
	versions, best := s.versions[name], ""
	for _, v := range versions {
		if (tag == v || strings.HasPrefix(tag, v+".") || strings.HasPrefix(tag, v+"-")) && len(v) > len(best) {
			best = v
		}
	}
	switch {
	case best != "":
		return name + "-" + best
	case len(versions) > 0:
		return ""
	}
	return name
}

// compute reads the Dockerfiles at paths, which build the image name.
func (s *Siblings) compute(paths []string, name string, visiting []string) siblingFacts {
	var out siblingFacts
	for _, p := range paths {
		f := s.load(p)
		if f == nil {
			continue
		}
		v := newView(&DockerfileInput{File: f, Bases: siblingResolver{s: s, next: StaticBases, visiting: visiting}})
		if v == nil || v.final == nil {
			continue
		}
		root := v.rootRef(v.final)
		if refName(root) == name {
			continue // FROM an image of its own name: it extends it
		}
		user, known := v.userAt(v.final, nil)
		if !known {
			return siblingFacts{}
		}
		vars := v.stageVars(v.final, nil)
		sf := siblingFacts{ok: true, path: p, user: expandKnown(user, vars), home: v.homeAt(v.final, nil)}
		b := v.facts(v.final)
		sf.users = append(slices.Clip(b.Users), v.usersCreated(v.final)...)
		sf.commandKnown = (b.Known || b.CommandKnown) && b.Init == "" && v.startsNoSupervisor()
		if b.Family != OSUnknown {
			sf.family, sf.mgr, sf.familyEv = b.Family, b.Manager, b.familyEvidence()
		}
		if out.ok && out.commandKnown != sf.commandKnown {
			sf.commandKnown, out.commandKnown = false, false
		}
		if out.ok && (out.user != sf.user || out.home != sf.home) {
			return siblingFacts{} // two Dockerfiles of that name disagree
		}
		if !out.ok {
			out = sf
		} else if out.family != sf.family || out.mgr != sf.mgr {
			// Agreeing on the user but not the distribution
			// (databricks' retired experimental/alpine/minimal beside
			// ubuntu/minimal): which one builds the image is not known.
			out.family, out.mgr, out.familyEv = OSUnknown, PMUnknown, ""
		}
	}
	return out
}

// startsNoSupervisor reports whether the final stage's own command starts
// no process supervisor: it sets no ENTRYPOINT, and its CMD, if any, is
// a shell or a program other than a supervisor or a script.
func (v *dfView) startsNoSupervisor() bool {
	entry, cmd := v.finalCommand()
	if entry != nil {
		return false
	}
	if cmd == nil {
		return true
	}
	w := commandWords(cmd)
	if len(w) == 0 {
		return true
	}
	name := path.Base(w[0])
	if slices.Contains(shells, name) && (len(w) == 1 || len(w) == 2 && strings.HasPrefix(w[1], "-")) {
		return true
	}
	return !slices.Contains(services, name) && !setupName.MatchString(name) && !strings.Contains(strings.Join(w, " "), "supervisord")
}
