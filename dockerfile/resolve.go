package dockerfile

import (
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// AutomaticArgs are the ARGs BuildKit defines itself in the global scope,
// usable in FROM without a declaration. Their values depend on the build, so
// coderready never substitutes them and never reports them missing.
var AutomaticArgs = []string{
	"BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
	"TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
	"TARGETSTAGE", "BUILDKIT_SYNTAX",
}

// Base is what a stage's FROM line resolves to under some build arguments.
type Base struct {
	// Ref is the base reference after substitution. References to ARGs
	// without a value (and to AutomaticArgs) are left as written, so Ref
	// contains `$` exactly when it is not fully known.
	Ref string
	// Platform is the `--platform=` value after the same substitution.
	Platform string
	// Stage is the earlier stage Ref names, nil for an image.
	Stage *Stage
	// Missing are the ARGs the FROM line uses (without a `${NAME:-default}`
	// fallback) that have no value: declared without a default and not
	// given, or not declared before the first FROM at all.
	Missing []string

	err error
}

// ResolveBase substitutes the meta ARGs into every stage's FROM line the
// way BuildKit does: each ARG before the first FROM takes its value from
// args when present (like `--build-arg`), else its default, expanded with
// the ARGs before it. It returns one Base per stage, in order. Parse fills
// Stage.Base, Stage.Platform, Stage.BaseStage and Stage.MissingArgs with
// ResolveBase(nil).
func (f *File) ResolveBase(args map[string]string) []Base {
	return f.resolve(args, false)
}

// argEnv is a shell.EnvGetter over the meta ARGs that have a value.
type argEnv struct {
	vals map[string]string
	keys []string
	// missing are, by meta ARG, the ARGs without a value its default
	// names (kept as written in its value).
	missing map[string][]string
}

// setMissing records the ARGs without a value k's default names.
func (e *argEnv) setMissing(k string, names []string) {
	if len(names) == 0 {
		delete(e.missing, k)
		return
	}
	if e.missing == nil {
		e.missing = map[string][]string{}
	}
	e.missing[k] = names
}

func (e *argEnv) Get(k string) (string, bool) {
	v, ok := e.vals[k]
	return v, ok
}

func (e *argEnv) Keys() []string { return e.keys }

func (e *argEnv) set(k, v string) {
	if _, ok := e.vals[k]; !ok {
		e.keys = append(e.keys, k)
	}
	e.vals[k] = v
}

func (e *argEnv) unset(k string) {
	if _, ok := e.vals[k]; ok {
		delete(e.vals, k)
		e.keys = slices.DeleteFunc(e.keys, func(s string) bool { return s == k })
	}
}

func (f *File) resolve(args map[string]string, keepErr bool) []Base {
	lex := shell.NewLex(f.Escape)
	env := &argEnv{vals: map[string]string{}}
	for _, a := range f.MetaArgs {
		if v, ok := args[a.Name]; ok {
			env.set(a.Name, v)
			continue
		}
		if a.Default == nil {
			env.unset(a.Name)
			continue
		}
		// A default built from meta ARGs that have no value keeps them as
		// written (`ARG BASE=$HUB_ORG/kernel-py:$TAG` with a bare `ARG
		// HUB_ORG`), as a FROM that names them does: the build must pass
		// them, and a FROM of it needs them too.
		v, missing, err := expandFrom(lex, *a.Default, env)
		if err != nil {
			env.set(a.Name, *a.Default)
			continue
		}
		env.set(a.Name, v)
		env.setMissing(a.Name, missing)
	}

	out := make([]Base, len(f.Stages))
	byName := map[string]*Stage{}
	for i, s := range f.Stages {
		b := &out[i]
		var err error
		b.Ref, b.Missing, err = expandFrom(lex, s.BaseRaw, env)
		if err != nil {
			b.Ref = s.BaseRaw
			if keepErr {
				b.err = err
			}
		}
		if s.PlatformRaw != "" {
			var missing []string
			b.Platform, missing, err = expandFrom(lex, s.PlatformRaw, env)
			if err != nil {
				b.Platform = s.PlatformRaw
				if keepErr && b.err == nil {
					b.err = err
				}
			}
			for _, m := range missing {
				if !slices.Contains(b.Missing, m) {
					b.Missing = append(b.Missing, m)
				}
			}
			sort.Strings(b.Missing)
		}
		b.Stage = byName[strings.ToLower(b.Ref)]
		if s.Name != "" {
			byName[s.Name] = s
		}
	}
	return out
}

// expandFrom substitutes env into a FROM word. When some name has no value
// the word is expanded again leaving those references as written.
func expandFrom(lex *shell.Lex, word string, env *argEnv) (string, []string, error) {
	lex.SkipUnsetEnv = false
	r, err := lex.ProcessWordWithMatches(word, env)
	if err != nil {
		return word, nil, err
	}
	// What the meta ARGs the word names still miss.
	var missing []string
	for _, m := range refRe.FindAllStringSubmatch(word, -1) {
		for _, n := range env.missing[m[1]+m[3]] {
			if !slices.Contains(missing, n) {
				missing = append(missing, n)
			}
		}
	}
	if len(r.Unmatched) == 0 {
		sort.Strings(missing)
		return r.Result, missing, nil
	}
	keep := len(missing) > 0
	for name := range r.Unmatched {
		if !usedWithoutDefault(word, name) {
			continue
		}
		keep = true
		if !slices.Contains(AutomaticArgs, name) {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if !keep {
		return r.Result, missing, nil
	}
	lex.SkipUnsetEnv = true
	defer func() { lex.SkipUnsetEnv = false }()
	r2, err := lex.ProcessWordWithMatches(word, env)
	if err != nil {
		return r.Result, missing, nil
	}
	return r2.Result, missing, nil
}

var refRe = regexp.MustCompile(`\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(:?[-+?#%/])?|([A-Za-z_][A-Za-z0-9_]*))`)

// usedWithoutDefault reports whether word references name other than as
// `${name-default}`, `${name:-default}` or `${name:+alternative}`.
func usedWithoutDefault(word, name string) bool {
	for _, m := range refRe.FindAllStringSubmatch(word, -1) {
		n := m[1] + m[3]
		if n != name {
			continue
		}
		// `${NAME:-default}` falls back, `${NAME:+alt}` is empty without
		// a value: neither needs one.
		if m[2] != "-" && m[2] != ":-" && m[2] != "+" && m[2] != ":+" {
			return true
		}
	}
	return false
}

// NeededNames are the names word references that need a value (see
// usedWithoutDefault), in order, once each.
func NeededNames(word string) []string {
	var out []string
	for _, m := range refRe.FindAllStringSubmatch(word, -1) {
		if n := m[1] + m[3]; !slices.Contains(out, n) && usedWithoutDefault(word, n) {
			out = append(out, n)
		}
	}
	return out
}

// ExpandWord substitutes vars into a word as BuildKit does for a FROM line
// (`${NAME:-default}`, `${NAME:+alternative}` included); a name vars
// lacks expands to "".
func ExpandWord(word string, vars map[string]string) (string, error) {
	env := &argEnv{vals: map[string]string{}}
	for k, v := range vars {
		env.set(k, v)
	}
	lex := shell.NewLex('\\')
	r, err := lex.ProcessWordWithMatches(word, env)
	if err != nil {
		return "", err
	}
	return r.Result, nil
}
