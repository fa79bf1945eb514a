package checks

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeRules makes config validation see a fixed set of rule IDs, whatever
// the rule files register, for the length of a test.
func fakeRules(t testing.TB, ids ...string) {
	t.Helper()
	old := lookupRule
	lookupRule = func(id string) *Rule {
		for _, x := range ids {
			if strings.EqualFold(x, id) {
				return &Rule{ID: x}
			}
		}
		return nil
	}
	t.Cleanup(func() { lookupRule = old })
}

const fp1 = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12"

func TestParseConfigValid(t *testing.T) {
	fakeRules(t, "CR102", "CR207", "CR313")
	src := `# org policy
version: 1
rules:
  CR102: error
  cr207: off
  CR313: Warning
required-tools: [jq, make, jq]
recommended-tools:
  - bash
  - ssh
allowed-bases: ["ghcr.io/acme/golden-*"]
require-digest: true
check-templates: true
check-service-images: true
ignore: ["legacy/**", "./third_party/**/Dockerfile", "/tmp/"]
org-ca:
  - name: Acme Root CA
    sha256: "AB:12:CD:34:EF:56:AB:12:CD:34:EF:56:AB:12:CD:34:EF:56:AB:12:CD:34:EF:56:AB:12:CD:34:EF:56:AB:12"
  - sha256: sha256:` + strings.Repeat("0", 64) + `
devcontainer:
  builder: envbuilder
`
	cfg, err := ParseConfig("c.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Path: "c.yaml",
		Rules: map[string]RuleConfig{
			"CR102": {Severity: SeverityError},
			"CR207": {Severity: SeverityOff},
			"CR313": {Severity: SeverityWarning},
		},
		RequiredTools:      []string{"jq", "make"},
		RecommendedTools:   []string{"bash", "ssh"},
		AllowedBases:       []string{"ghcr.io/acme/golden-*"},
		RequireDigest:      true,
		CheckTemplates:     true,
		CheckServiceImages: true,
		IgnorePaths:        []string{"legacy/**", "third_party/**/Dockerfile", "tmp"},
		OrgCAs: []OrgCA{
			{Name: "Acme Root CA", SHA256: fp1},
			{SHA256: strings.Repeat("0", 64)},
		},
		Builder: ConfigBuilderEnvbuilder,
		App:     AppConfig{FailOn: SeverityError, NeutralOn: SeverityWarning, Suggestions: true, Existing: ExistingNotice, OutdatedSuggestions: OutdatedEdit},
	}
	want.ignore = compileIgnore(want.IgnorePaths)
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}
}

func TestParseConfigImage(t *testing.T) {
	cfg, err := ParseConfig("c.yaml", []byte("image:\n  max-size: 2.5GiB\n  max-layers: 40\n  role: devcontainer-host\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxImageSize != 5<<29 || cfg.MaxLayers != 40 || cfg.ImageRole != RoleDevcontainerHost {
		t.Fatalf("got %d %d %q", cfg.MaxImageSize, cfg.MaxLayers, cfg.ImageRole)
	}
	for in, want := range map[string]int64{"500MB": 500e6, "1GB": 1e9, "1500MiB": 1500 << 20, "2G": 2 << 30, "1024": 1024} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "GB", "-1GB", "1 parsec", "1.5.2GB", "99999999999TB"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) should fail", bad)
		}
	}
}

func TestParseConfigDefaults(t *testing.T) {
	for name, src := range map[string]string{
		"empty":         "",
		"blank":         "\n\n  \n",
		"comments only": "# nothing yet\n",
		"null":          "~\n",
		"document mark": "---\n",
		"version only":  "version: 1\n",
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := ParseConfig("c.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			want := DefaultConfig()
			want.Path = "c.yaml"
			if !reflect.DeepEqual(cfg, want) {
				t.Errorf("got %+v, want the default %+v", cfg, want)
			}
		})
	}
}

func TestParseConfigEmptyListsReplaceDefaults(t *testing.T) {
	cfg, err := ParseConfig("c.yaml", []byte("recommended-tools: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RecommendedTools == nil || len(cfg.RecommendedTools) != 0 {
		t.Errorf("recommended-tools: [] gave %#v, want an empty list", cfg.RecommendedTools)
	}
}

func TestParseConfigAliases(t *testing.T) {
	src := "tools: &t [jq, make]\n"
	if _, err := ParseConfig("c.yaml", []byte(src)); err == nil {
		t.Fatal("unknown key tools accepted")
	}
	// Aliases into known keys resolve.
	cfg, err := ParseConfig("c.yaml", []byte("required-tools: &t [jq, make]\nrecommended-tools: *t\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.RecommendedTools, []string{"jq", "make"}) {
		t.Errorf("alias gave %v", cfg.RecommendedTools)
	}
}

func TestParseConfigErrors(t *testing.T) {
	fakeRules(t, "CR101", "CR102", "CR207")
	tests := []struct {
		name, src string
		want      []string // every error line, in order
	}{
		{"yaml syntax", "rules:\n  CR102: [error\n", []string{
			"c.yaml:2: invalid YAML: did not find expected ',' or ']'"}},
		{"tab indent", "rules:\n\tCR102: error\n", []string{
			"c.yaml:2: invalid YAML: found character that cannot start any token"}},
		{"not a mapping", "- jq\n- make\n", []string{
			"c.yaml:1:1: config: want a mapping of settings (version, rules, required-tools, recommended-tools, allowed-bases, require-digest, check-templates, check-service-images, ignore, org-ca, devcontainer, image, app, probe), got a list"}},
		{"two documents", "version: 1\n---\nversion: 1\n", []string{
			"c.yaml:2: invalid YAML: a second YAML document; put every setting in one document"}},
		{"unknown key near miss", "require_digest: true\n", []string{
			`c.yaml:1:1: unknown key "require_digest" in config; did you mean "require-digest"?`}},
		{"unknown key typo", "required-toosl: [jq]\n", []string{
			`c.yaml:1:1: unknown key "required-toosl" in config; did you mean "required-tools"?`}},
		{"unknown key far", "colour: red\n", []string{
			`c.yaml:1:1: unknown key "colour" in config (known keys: version, rules, required-tools, recommended-tools, allowed-bases, require-digest, check-templates, check-service-images, ignore, org-ca, devcontainer, image, app, probe)`}},
		{"image section", "image:\n  max-size: huge\n  max-layers: -3\n  role: server\n  max-szie: 1GB\n", []string{
			`c.yaml:2:13: image: max-size: want a size such as 2GB or 1500MiB, got the string "huge"`,
			`c.yaml:3:15: image: max-layers: want a positive whole number, got the number -3`,
			`c.yaml:4:9: image: role: want workspace or devcontainer-host, got the string "server"`,
			`c.yaml:5:3: unknown key "max-szie" in image; did you mean "max-size"?`}},
		{"app section", "app:\n  fail-on: fatal\n  neutral-on: [warning]\n  build-forks: yes please\n  suggestion: false\n", []string{
			`c.yaml:2:12: app: fail-on: unknown severity "fatal" (want error, warning, info or off)`,
			`c.yaml:3:15: app: neutral-on: want a severity (error, warning, info or off), got a list`,
			`c.yaml:4:16: app: build-forks: want true or false, got the string "yes please"`,
			`c.yaml:5:3: unknown key "suggestion" in app; did you mean "suggestions"?`}},
		{"duplicate key", "ignore: [a]\nignore: [b]\n", []string{
			`c.yaml:2:1: config: "ignore" is already set at line 1`}},
		{"version", "version: 2\n", []string{
			"c.yaml:1:10: version: unsupported config version the number 2 (want 1)"}},
		{"unknown severity", "rules:\n  CR102: fatal\n", []string{
			`c.yaml:2:10: rules: CR102: unknown severity "fatal" (want error, warning, info or off)`}},
		{"unknown rule", "rules:\n  CR999: error\n", []string{
			"c.yaml:2:3: rules: unknown rule CR999 (`coderready rules` lists them)"}},
		{"not a rule id", "rules:\n  no-root: error\n", []string{
			`c.yaml:2:3: rules: "no-root" is not a rule ID (rule IDs look like CR102)`}},
		{"duplicate rule", "rules:\n  CR102: error\n  cr102: off\n", []string{
			`c.yaml:3:3: rules: "cr102" is already set at line 2`}},
		{"severity mapping", "rules:\n  CR101:\n    severity: error\n", []string{
			"c.yaml:3:5: rules: CR101: want a severity (error, warning, info or off), got a mapping"}},
		{"rules list", "rules: [CR101]\n", []string{
			"c.yaml:1:8: rules: want a mapping, got a list"}},
		{"tools not a list", "required-tools: jq\n", []string{
			`c.yaml:1:17: required-tools: want a list such as [jq, make], got the string "jq"`}},
		{"tool path", "required-tools: [/usr/bin/jq, {a: b}]\n", []string{
			`c.yaml:1:18: required-tools: "/usr/bin/jq" is not a command name (letters, digits, '.', '_', '+', '-'; no paths)`,
			"c.yaml:1:31: required-tools: want a string, got a mapping"}},
		{"bool", "require-digest: yes\n", []string{
			`c.yaml:1:17: require-digest: want true or false, got the string "yes"`}},
		{"bad ignore glob", "ignore:\n  - \"legacy/[a-\"\n  - ../x\n  - ''\n", []string{
			`c.yaml:2:5: ignore: "legacy/[a-": bad glob segment "[a-" (unclosed [ ?)`,
			`c.yaml:3:5: ignore: "../x": ".." is not allowed: patterns are relative to the scanned root`,
			`c.yaml:4:5: ignore: "": empty pattern`}},
		{"bad base pattern", "allowed-bases: [\"ghcr.io/acme/[ab]\", \"a b\"]\n", []string{
			`c.yaml:1:17: allowed-bases: "ghcr.io/acme/[ab]": only * and ? are special in image patterns; [ ] and \ are not allowed`,
			`c.yaml:1:38: allowed-bases: "a b": an image reference pattern has no spaces`}},
		{"fingerprint short", "org-ca:\n  - name: Acme\n    sha256: ab12\n", []string{
			"c.yaml:3:13: org-ca: sha256: want 64 hex digits (a SHA-256 fingerprint), got 4"}},
		{"fingerprint not hex", "org-ca:\n  - name: Acme\n    sha256: \"" + strings.Repeat("z", 64) + "\"\n", []string{
			`c.yaml:3:13: org-ca: sha256: want 64 hex digits (colons allowed), got the character 'z'`}},
		{"fingerprint missing", "org-ca:\n  - name: Acme\n    sha: " + fp1 + "\n", []string{
			"c.yaml:2:5: org-ca: entry has no sha256 (the certificate's SHA-256 fingerprint)",
			`c.yaml:3:5: unknown key "sha" in org-ca entry; did you mean "sha256"?`}},
		{"fingerprint duplicate", "org-ca:\n  - sha256: " + fp1 + "\n  - sha256: " + strings.ToUpper(fp1) + "\n", []string{
			"c.yaml:3:13: org-ca: the same fingerprint is already listed at line 2"}},
		{"org-ca mapping", "org-ca:\n  name: Acme\n", []string{
			"c.yaml:2:3: org-ca: want a list of {name, sha256} entries, got a mapping"}},
		{"builder", "devcontainer:\n  builder: docker\n", []string{
			`c.yaml:2:12: devcontainer: builder: want envbuilder, native or both, got the string "docker"`}},
		{"devcontainer key", "devcontainer:\n  buildr: native\n", []string{
			`c.yaml:2:3: unknown key "buildr" in devcontainer; did you mean "builder"?`}},
		{"merge key", "base: &b {require-digest: true}\n<<: *b\n", []string{
			`c.yaml:1:1: unknown key "base" in config (known keys: version, rules, required-tools, recommended-tools, allowed-bases, require-digest, check-templates, check-service-images, ignore, org-ca, devcontainer, image, app, probe)`,
			"c.yaml:2:1: config: merge keys (<<) are not supported; write the settings out"}},
		{"several errors", "version: 1\nrules:\n  CR102: fatal\nignore: nope\nrequire-digest: 1\n", []string{
			`c.yaml:3:10: rules: CR102: unknown severity "fatal" (want error, warning, info or off)`,
			`c.yaml:4:9: ignore: want a list such as ["legacy/**"], got the string "nope"`,
			"c.yaml:5:17: require-digest: want true or false, got the number 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig("c.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("no error; config %+v", cfg)
			}
			if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			var ces ConfigErrors
			if !errors.As(err, &ces) || len(ces) != len(tt.want) {
				t.Errorf("errors.As(ConfigErrors) = %v", ces)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Path != "c.yaml" {
				t.Errorf("errors.As(*ConfigError) = %v", ce)
			}
		})
	}
}

func TestParseConfigTooManyErrors(t *testing.T) {
	src := "required-tools: [" + strings.Repeat("/x, ", 50) + "]\n"
	_, err := ParseConfig("c.yaml", []byte(src))
	var ces ConfigErrors
	if !errors.As(err, &ces) {
		t.Fatalf("err = %v", err)
	}
	if len(ces) != maxConfigErrors+1 || !strings.Contains(ces[len(ces)-1].Msg, "too many errors") {
		t.Errorf("got %d errors, last %v", len(ces), ces[len(ces)-1])
	}
}

func TestParseConfigTooLarge(t *testing.T) {
	src := make([]byte, MaxConfigSize+1)
	for i := range src {
		src[i] = '#'
	}
	_, err := ParseConfig("big.yaml", src)
	if err == nil || !strings.Contains(err.Error(), "big.yaml: config file is larger than 1048576 bytes (1 MiB)") {
		t.Errorf("err = %v", err)
	}
	p := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(p, append(src, src...), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(p); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("LoadConfig err = %v", err)
	}
}

// TestParseConfigAliasBomb checks that a "billion laughs" document is
// refused quickly rather than expanded.
func TestParseConfigAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("required-tools: *a9\nrecommended-tools: *a9\n")
	start := time.Now()
	_, err := ParseConfig("bomb.yaml", []byte(b.String()))
	if err == nil {
		t.Fatal("alias bomb accepted")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("alias bomb took %v", d)
	}
}

func TestLoadConfig(t *testing.T) {
	fakeRules(t, "CR102")
	dir := t.TempDir()
	p := filepath.Join(dir, ".coderready.yaml")
	if err := os.WriteFile(p, []byte("rules:\n  CR102: error\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != p || cfg.Rules["CR102"].Severity != SeverityError {
		t.Errorf("cfg = %+v", cfg)
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "load config") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestFindConfig(t *testing.T) {
	write := func(t *testing.T, dir string, names ...string) {
		t.Helper()
		for _, n := range names {
			p := filepath.Join(dir, filepath.FromSlash(n))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("version: 1\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Run("none", func(t *testing.T) {
		p, err := FindConfig(t.TempDir())
		if p != "" || err != nil {
			t.Errorf("FindConfig = %q, %v", p, err)
		}
	})
	for _, name := range ConfigFileNames {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, name)
			p, err := FindConfig(dir)
			if err != nil || p != filepath.Join(dir, filepath.FromSlash(name)) {
				t.Errorf("FindConfig = %q, %v", p, err)
			}
		})
	}
	t.Run("two", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, ".coderready.yml", ".github/coderready.yaml")
		_, err := FindConfig(dir)
		want := "find config: more than one config file: " + filepath.Join(dir, ".coderready.yml") +
			" and " + filepath.Join(dir, ".github", "coderready.yaml") + "; keep one"
		if err == nil || err.Error() != want {
			t.Errorf("err = %v\nwant %s", err, want)
		}
	})
	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, ".coderready.yaml"), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := FindConfig(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestConfigIgnored(t *testing.T) {
	patterns := []string{"legacy/**", "third_party/**/Dockerfile", "**/*.old", "examples/a?", "vendor", "gen/**/**", "docs/a]b"}
	tests := map[string]bool{
		"legacy":                        true,
		"legacy/Dockerfile":             true,
		"legacy/x/y/Dockerfile":         true,
		"./legacy/Dockerfile":           true,
		"/legacy/Dockerfile":            true,
		"legacy/../Dockerfile":          false,
		"legacyx/Dockerfile":            false,
		"third_party/Dockerfile":        true,
		"third_party/a/b/Dockerfile":    true,
		"third_party/a/b/Containerfile": false,
		"third_party":                   false,
		"Dockerfile.old":                true,
		"Dockerfile.bak":                false,
		"x.old":                         true,
		"a/b/x.old":                     true,
		"a/b/x.old/Dockerfile":          true,
		"examples/ab/Dockerfile":        true,
		"examples/abc/Dockerfile":       false,
		"vendor/Dockerfile":             true,
		"vendor":                        true,
		"src/vendor/Dockerfile":         false,
		"gen":                           true,
		"gen/a/b":                       true,
		"generated/a":                   false,
		"docs/a]b/Dockerfile":           true,
		"Dockerfile":                    false,
		".":                             false,
		"":                              false,
	}
	yml := "ignore:\n"
	for _, p := range patterns {
		yml += fmt.Sprintf("  - %q\n", p)
	}
	parsed, err := ParseConfig("c.yaml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	// The same answers from globs set by hand (compiled per call), parsed
	// (compiled once), and a clone of the parsed config.
	for name, cfg := range map[string]*Config{"by hand": {IgnorePaths: patterns}, "parsed": parsed, "clone": parsed.Clone()} {
		for p, want := range tests {
			if got := cfg.Ignored(p); got != want {
				t.Errorf("%s: Ignored(%q) = %v, want %v", name, p, got, want)
			}
		}
	}
	if c := parsed.Clone(); c.ignore == nil || !c.ignore.valid(c.IgnorePaths) {
		t.Error("Clone dropped the compiled globs")
	}
	// A replaced list is not matched with the old one's compiled form.
	replaced := parsed.Clone()
	replaced.IgnorePaths = []string{"src"}
	if replaced.Ignored("legacy/Dockerfile") || !replaced.Ignored("src/Dockerfile") {
		t.Error("replaced IgnorePaths: matched with the stale compiled globs")
	}
	var nilCfg *Config
	if nilCfg.Ignored("x") || DefaultConfig().Ignored("legacy/Dockerfile") {
		t.Error("nil or default config ignores files")
	}
}

// ignoredLinear is Ignored as it was before the globs were compiled: every
// pattern against every prefix of the path. The compiled matcher must
// answer the same.
func ignoredLinear(patterns []string, relPath string) bool {
	rel := path.Clean(strings.TrimPrefix(filepath.ToSlash(relPath), "./"))
	if rel == "." || rel == "" {
		return false
	}
	segs := strings.Split(strings.TrimPrefix(rel, "/"), "/")
	for _, pat := range patterns {
		ps := strings.Split(pat, "/")
		for i := 1; i <= len(segs); i++ {
			if matchSegments(ps, segs[:i]) {
				return true
			}
		}
	}
	return false
}

// matchSegments (the matcher before) matches path segments against pattern segments, `**`
// standing for any number of segments. It runs in O(len(ps)·len(ss)).
func matchSegments(ps, ss []string) bool {
	// m[j] reports whether ps[:i] matches ss[:j] for the current i.
	m := make([]bool, len(ss)+1)
	m[0] = true
	for _, p := range ps {
		next := make([]bool, len(ss)+1)
		if p == "**" {
			// ** matches ss[k:j] for any k <= j where m[k].
			reach := false
			for j := range next {
				reach = reach || m[j]
				next[j] = reach
			}
		} else {
			for j := 1; j <= len(ss); j++ {
				if m[j-1] {
					ok, _ := path.Match(p, ss[j-1])
					next[j] = ok
				}
			}
		}
		m = next
	}
	return m[len(ss)]
}

func TestIgnoredSameAsLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	segs := []string{"a", "b", "ab", "**", "*", "a*", "?", "[ab]", ".", "c.old"}
	names := []string{"a", "b", "ab", "c.old", "ba", "..", "."}
	pick := func(from []string, n int) string {
		var parts []string
		for range n {
			parts = append(parts, from[rng.IntN(len(from))])
		}
		return strings.Join(parts, "/")
	}
	for range 2000 {
		var patterns []string
		for range 1 + rng.IntN(4) {
			if p, err := normIgnorePattern(pick(segs, 1+rng.IntN(4))); err == nil {
				patterns = append(patterns, p)
			}
		}
		cfg := &Config{IgnorePaths: patterns}
		for range 10 {
			rel := pick(names, 1+rng.IntN(4))
			if got, want := cfg.Ignored(rel), ignoredLinear(patterns, rel); got != want {
				t.Fatalf("patterns %q: Ignored(%q) = %v, before %v", patterns, rel, got, want)
			}
		}
	}
}

// plainGlobs is n distinct plain ignore globs: folders (pN/**) and files
// (g/fN), short so that 70,000 fit in a config file.
func plainGlobs(n int) []string {
	out := make([]string, n)
	for i := range out {
		if i%2 == 0 {
			out[i] = fmt.Sprintf("p%05d/**", i)
		} else {
			out[i] = fmt.Sprintf("g/f%05d", i)
		}
	}
	return out
}

// ignoreYAML is a config of the ignore patterns, one per line, quoted only
// where YAML needs it.
func ignoreYAML(patterns []string) []byte {
	var b strings.Builder
	b.WriteString("ignore:\n")
	for _, p := range patterns {
		if strings.ContainsAny(p[:1], "*?[") {
			p = strconv.Quote(p)
		}
		fmt.Fprintf(&b, "- %s\n", p)
	}
	return []byte(b.String())
}

// Attack 9 of issue 9: 70,000 ignore globs cost 37 ms per path. Plain globs
// load and match by lookup; the wildcard ones are capped.
func TestIgnoreManyGlobs(t *testing.T) {
	src := ignoreYAML(plainGlobs(70_000))
	if len(src) > MaxConfigSize {
		t.Fatalf("the test config is %d bytes, over MaxConfigSize", len(src))
	}
	cfg, err := ParseConfig("c.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.IgnorePaths) != 70_000 || len(cfg.ignore.plain) != 70_000 || len(cfg.ignore.globs) != 0 {
		t.Fatalf("%d globs, %d plain, %d wildcard; want 70000 plain", len(cfg.IgnorePaths), len(cfg.ignore.plain), len(cfg.ignore.globs))
	}
	for rel, want := range map[string]bool{
		"p00000":                          true,
		"p69998/Dockerfile":               true,
		"p69998/a/b/Dockerfile":           true,
		"p69999/Dockerfile":               false, // odd numbers are files under g
		"p70000/Dockerfile":               false,
		"g/f00001":                        true,
		"g/f69999":                        true,
		"g/f69999/x":                      true,
		"g/f00002":                        false,
		"g":                               false,
		"g/f0000":                         false,
		"src/p00000/Dockerfile":           false,
		"p00000x/Dockerfile":              false,
		".devcontainer/devcontainer.json": false,
	} {
		if got := cfg.Ignored(rel); got != want {
			t.Errorf("Ignored(%q) = %v, want %v", rel, got, want)
		}
	}

	wild := func(n int) []string {
		out := plainGlobs(100)
		for i := range n {
			out = append(out, fmt.Sprintf("**/*.tmp%d", i))
		}
		return out
	}
	if _, err := ParseConfig("c.yaml", ignoreYAML(wild(MaxIgnoreWildcards))); err != nil {
		t.Errorf("%d wildcard globs: %v", MaxIgnoreWildcards, err)
	}
	_, err = ParseConfig("c.yaml", ignoreYAML(wild(MaxIgnoreWildcards+1)))
	want := "c.yaml:2:1: ignore: 257 patterns with wildcards, at most 256; list folders as plain paths (legacy/**)"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// BenchmarkIgnoreMatch matches a path (ignored by none) against 10 and
// 70,000 plain globs, compiled (now) and one by one (before), and against
// the most wildcard globs a config may hold.
func BenchmarkIgnoreMatch(b *testing.B) {
	const rel = "services/api/.devcontainer/devcontainer.json"
	for _, n := range []int{10, 70_000} {
		cfg, err := ParseConfig("c.yaml", ignoreYAML(plainGlobs(n)))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("globs=%d/compiled", n), func(b *testing.B) {
			for b.Loop() {
				if cfg.Ignored(rel) {
					b.Fatal("ignored")
				}
			}
		})
		b.Run(fmt.Sprintf("globs=%d/before", n), func(b *testing.B) {
			for b.Loop() {
				if ignoredLinear(cfg.IgnorePaths, rel) {
					b.Fatal("ignored")
				}
			}
		})
	}
	// The most wildcard globs a config may hold: the bound on a path's cost.
	wild := make([]string, MaxIgnoreWildcards)
	for i := range wild {
		wild[i] = fmt.Sprintf("**/*.tmp%d", i)
	}
	cfg, err := ParseConfig("c.yaml", ignoreYAML(wild))
	if err != nil {
		b.Fatal(err)
	}
	b.Run(fmt.Sprintf("wildcards=%d/compiled", MaxIgnoreWildcards), func(b *testing.B) {
		for b.Loop() {
			if cfg.Ignored(rel) {
				b.Fatal("ignored")
			}
		}
	})
}

func TestNormalizeFingerprint(t *testing.T) {
	for _, in := range []string{fp1, strings.ToUpper(fp1), "SHA256:" + fp1, " " + fp1 + " "} {
		if got, err := NormalizeFingerprint(in); err != nil || got != fp1 {
			t.Errorf("NormalizeFingerprint(%q) = %q, %v", in, got, err)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"",
		"version: 1\nrules:\n  CR102: error\n  CR207: off\nrequired-tools: [jq, make]\n",
		"recommended-tools: [bash, ssh, jq]\nallowed-bases: [\"ghcr.io/acme/golden-*\"]\nrequire-digest: true\n",
		"ignore: [\"legacy/**\", \"third_party/**/Dockerfile\"]\n",
		"org-ca:\n  - name: Acme Root CA\n    sha256: \"" + fp1 + "\"\ndevcontainer:\n  builder: both\n",
		"a: &a [x, x]\nb: &b [*a, *a]\nrequired-tools: *b\n",
		"<<: {x: 1}\n",
		"- [\n",
		"{rules: {cr101: [a, {b: c}]}}",
		"---\n---\n",
		"\t\x00\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		start := time.Now()
		cfg, err := ParseConfig("f.yaml", src)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("ParseConfig took %v on %d bytes", d, len(src))
		}
		if err == nil {
			if cfg == nil || cfg.Rules == nil {
				t.Fatal("nil config without an error")
			}
			for _, p := range cfg.IgnorePaths {
				cfg.Ignored(p)
			}
			return
		}
		var ces ConfigErrors
		if !errors.As(err, &ces) || len(ces) == 0 || len(ces) > maxConfigErrors+1 {
			t.Fatalf("error is not a bounded ConfigErrors: %v", err)
		}
	})
}

func TestParseConfigApp(t *testing.T) {
	tests := []struct {
		name, src string
		want      AppConfig
	}{
		{"default", "", AppConfig{FailOn: SeverityError, NeutralOn: SeverityWarning, Suggestions: true, Existing: ExistingNotice, OutdatedSuggestions: OutdatedEdit}},
		{"stricter", "app:\n  fail-on: warning\n  neutral-on: info\n", AppConfig{FailOn: SeverityWarning, NeutralOn: SeverityInfo, Suggestions: true, Existing: ExistingNotice, OutdatedSuggestions: OutdatedEdit}},
		{"never fail, forks, no suggestions", "app:\n  fail-on: off\n  build-forks: true\n  suggestions: false\n", AppConfig{FailOn: SeverityOff, NeutralOn: SeverityWarning, BuildForks: true, Existing: ExistingNotice, OutdatedSuggestions: OutdatedEdit}},
		{"null section", "app:\n", AppConfig{FailOn: SeverityError, NeutralOn: SeverityWarning, Suggestions: true, Existing: ExistingNotice, OutdatedSuggestions: OutdatedEdit}},
		{"existing findings fail, hidden", "app:\n  existing: hide\n  fail-on-existing: true\n", AppConfig{FailOn: SeverityError, NeutralOn: SeverityWarning, Suggestions: true, Existing: ExistingHide, FailOnExisting: true, OutdatedSuggestions: OutdatedEdit}},
		{"existing findings annotated", "app:\n  existing: annotate\n", AppConfig{FailOn: SeverityError, NeutralOn: SeverityWarning, Suggestions: true, Existing: ExistingAnnotate, OutdatedSuggestions: OutdatedEdit}},
		{"outdated suggestions deleted", "app:\n  outdated-suggestions: delete\n", AppConfig{FailOn: SeverityError, NeutralOn: SeverityWarning, Suggestions: true, Existing: ExistingNotice, OutdatedSuggestions: OutdatedDelete}},
		{"outdated suggestions kept", "app:\n  outdated-suggestions: keep\n", AppConfig{FailOn: SeverityError, NeutralOn: SeverityWarning, Suggestions: true, Existing: ExistingNotice, OutdatedSuggestions: OutdatedKeep}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig("c.yaml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.App != tt.want {
				t.Errorf("App = %+v, want %+v", cfg.App, tt.want)
			}
		})
	}
	for _, bad := range []struct{ src, want string }{
		{"app:\n  existing: show\n", "want notice, annotate or hide"},
		{"app:\n  existing: [notice]\n", "want notice, annotate or hide"},
		{"app:\n  outdated-suggestions: resolve\n", "c.yaml:2:25: app: outdated-suggestions: want edit, delete or keep"},
		{"app:\n  outdated-suggestions: true\n", "want edit, delete or keep"},
		{"app:\n  outdated-suggestion: keep\n", `did you mean "outdated-suggestions"?`},
	} {
		_, err := ParseConfig("c.yaml", []byte(bad.src))
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want an error with %q", bad.src, err, bad.want)
		}
	}
}

func TestParseConfigProbe(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		want      ProbeConfig
	}{
		{"default: on", "", ProbeConfig{}},
		{"off", "probe: off\n", ProbeConfig{Off: true}},
		{"false", "probe: false\n", ProbeConfig{Off: true}},
		{"on", "probe: on\n", ProbeConfig{}},
		{"null", "probe:\n", ProbeConfig{}},
		{"mapping", "probe:\n  enabled: off\n  user: \"1000:1000\"\n", ProbeConfig{Off: true, User: "1000:1000"}},
		{"a user", "probe:\n  user: coder\n", ProbeConfig{User: "coder"}},
	} {
		cfg, err := ParseConfig("c.yaml", []byte(tt.src))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if cfg.Probe != tt.want {
			t.Errorf("%s: Probe = %+v, want %+v", tt.name, cfg.Probe, tt.want)
		}
	}
	for _, bad := range []struct{ src, want string }{
		{"probe: sometimes\n", "c.yaml:1:8: probe: want on or off"},
		{"probe:\n  enabled: 2\n", "probe: enabled: want on or off"},
		{"probe:\n  user: a b\n", "probe: user: want a user name"},
		{"probe:\n  usr: coder\n", `did you mean "user"?`},
	} {
		_, err := ParseConfig("c.yaml", []byte(bad.src))
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want an error with %q", bad.src, err, bad.want)
		}
	}
}

func TestAppConclusion(t *testing.T) {
	def := DefaultConfig().App
	tests := []struct {
		app     AppConfig
		highest Severity
		want    string
	}{
		{def, SeverityOff, "success"},
		{def, SeverityInfo, "success"},
		{def, SeverityWarning, "neutral"},
		{def, SeverityError, "failure"},
		{AppConfig{FailOn: SeverityWarning, NeutralOn: SeverityInfo}, SeverityWarning, "failure"},
		{AppConfig{FailOn: SeverityWarning, NeutralOn: SeverityInfo}, SeverityInfo, "neutral"},
		{AppConfig{}, SeverityError, "success"},
	}
	for _, tt := range tests {
		if got := tt.app.Conclusion(tt.highest); got != tt.want {
			t.Errorf("%+v.Conclusion(%s) = %s, want %s", tt.app, tt.highest, got, tt.want)
		}
	}
}

func TestParseConfigOver(t *testing.T) {
	fakeRules(t, "CR101", "CR102", "CR207")
	org, err := ParseConfig("acme/.github:coderready.yaml", []byte("rules:\n  CR101: error\n  CR102: warning\nrequired-tools: [git, jq]\norg-ca:\n  - sha256: "+fp1+"\napp:\n  fail-on: warning\n"))
	if err != nil {
		t.Fatal(err)
	}
	orgBefore := org.Clone()
	repo, err := ParseConfigOver(org, ".github/coderready.yaml", []byte("rules:\n  CR102: off\n  CR207: info\nrequired-tools: [make]\n"))
	if err != nil {
		t.Fatal(err)
	}
	wantRules := map[string]RuleConfig{
		"CR101": {Severity: SeverityError},
		"CR102": {Severity: SeverityOff},
		"CR207": {Severity: SeverityInfo},
	}
	if !reflect.DeepEqual(repo.Rules, wantRules) {
		t.Errorf("rules = %v, want %v", repo.Rules, wantRules)
	}
	if !reflect.DeepEqual(repo.RequiredTools, []string{"make"}) {
		t.Errorf("required-tools = %v, want the repository's list only", repo.RequiredTools)
	}
	if len(repo.OrgCAs) != 1 || repo.OrgCAs[0].SHA256 != fp1 {
		t.Errorf("org-ca = %v, want the organisation's CA kept", repo.OrgCAs)
	}
	if repo.App.FailOn != SeverityWarning {
		t.Errorf("app.fail-on = %s, want the organisation's warning", repo.App.FailOn)
	}
	if repo.Path != ".github/coderready.yaml" {
		t.Errorf("Path = %q", repo.Path)
	}
	if !reflect.DeepEqual(org, orgBefore) {
		t.Errorf("ParseConfigOver changed its base:\n%+v\n%+v", org, orgBefore)
	}
}
