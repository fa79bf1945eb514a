package checks

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/coderready/coderready/internal/suggest"
)

// MaxConfigSize is the largest config file read (1 MiB). A policy file is a
// few dozen lines; anything near this size is a mistake or an attack.
const MaxConfigSize = 1 << 20

// ConfigFileNames are the places FindConfig looks for a config file,
// relative to the scanned root, in order.
var ConfigFileNames = []string{
	".coderready.yaml",
	".coderready.yml",
	".github/coderready.yaml",
	".github/coderready.yml",
}

// maxConfigErrors bounds how many problems one parse reports.
const maxConfigErrors = 20

// maxConfigNodes bounds how many YAML nodes one parse visits, following
// aliases, so an alias "bomb" costs bounded time.
const maxConfigNodes = 100_000

// lookupRule finds a rule by ID when validating config; tests replace it so
// they do not depend on which rules other files register.
var lookupRule = Lookup

// ConfigError is one problem in a config file, at its position. Line and Col
// are 1-based; zero when the YAML parser does not say.
type ConfigError struct {
	Path      string
	Line, Col int
	Msg       string
}

// Error returns "path:line:col: message", leaving out what is unknown.
func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// ConfigErrors is every problem found in one config file, in file order.
// ParseConfig returns it (as an error) when the file is not valid, so a
// caller can annotate each bad line; errors.As finds it, or a single
// *ConfigError.
type ConfigErrors []*ConfigError

// Error lists the problems one per line.
func (es ConfigErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Unwrap returns the individual errors.
func (es ConfigErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// FindConfig returns the config file under root, or "" when there is none.
// It looks for .coderready.yaml, .coderready.yml, .github/coderready.yaml and
// .github/coderready.yml; when more than one exists it is an error naming
// them all, since silently preferring one would hide the other's settings.
func FindConfig(root string) (string, error) {
	var found []string
	for _, name := range ConfigFileNames {
		p := filepath.Join(root, filepath.FromSlash(name))
		fi, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return "", fmt.Errorf("find config: %w", err)
		case fi.IsDir():
			return "", fmt.Errorf("find config: %s is a directory, not a config file", p)
		}
		found = append(found, p)
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("find config: more than one config file: %s; keep one", strings.Join(found, " and "))
}

// LoadConfig reads and parses the config file at path (see ParseConfig).
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose on close
	src, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	return ParseConfig(path, src)
}

// ParseConfig parses a config file's contents, starting from DefaultConfig:
// keys the file leaves out keep their defaults, and an empty file is the
// default config. path is used in error messages and stored in Config.Path.
// Every problem (unknown key, wrong type, bad value) is reported with its
// line and column as ConfigErrors. The schema is documented in
// docs/config.md.
func ParseConfig(path string, src []byte) (*Config, error) {
	return ParseConfigOver(DefaultConfig(), path, src)
}

// ParseConfigOver parses a config file over base instead of the default:
// the GitHub App reads a repository's config over its organisation's
// defaults. Keys the file sets replace base's values (lists whole); `rules`
// entries are merged per rule ID. base is not modified.
func ParseConfigOver(base *Config, path string, src []byte) (*Config, error) {
	if len(src) > MaxConfigSize {
		return nil, ConfigErrors{{Path: path, Msg: fmt.Sprintf("config file is larger than %d bytes (1 MiB); this is not a config file", MaxConfigSize)}}
	}
	cfg := base.Clone()
	cfg.Path = path
	root, err := decodeYAML(src)
	if err != nil {
		return nil, ConfigErrors{yamlError(path, err)}
	}
	p := &configParser{path: path, lookup: lookupRule}
	if root != nil {
		p.top(cfg, root)
	}
	if len(p.errs) > 0 {
		return nil, p.sorted()
	}
	// Compiled once here, not for each path a scan discovers.
	cfg.ignore = nil
	if len(cfg.IgnorePaths) > 0 {
		cfg.ignore = compileIgnore(cfg.IgnorePaths)
	}
	return cfg, nil
}

// decodeYAML parses src as one YAML document and returns its root node, or
// nil for an empty document.
func decodeYAML(src []byte) (root *yaml.Node, err error) {
	defer func() {
		// yaml.v3 turns its own failures into errors, but a parser bug must
		// not take the process down with it.
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("yaml: malformed document (%v)", r)
		}
	}()
	dec := yaml.NewDecoder(strings.NewReader(string(src)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("yaml: line %d: a second YAML document; put every setting in one document", max(extra.Line, 1))
	} else if !errors.Is(err, io.EOF) {
		return nil, err
	}
	n := &doc
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil, nil
		}
		n = n.Content[0]
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil, nil
	}
	return n, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserErrors are the messages of yaml.v3's parser (as opposed to its
// scanner). yaml.v3 reports their line 0-based, one less than the line
// meant, where scanner errors are 1-based.
var yamlParserErrors = []string{
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"did not find expected <document start>",
	"did not find expected <stream-start>",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected node content",
	"found duplicate %YAML directive",
	"found duplicate %TAG directive",
	"found incompatible YAML document",
	"found undefined tag handle",
}

// yamlError turns a yaml.v3 syntax error into a positioned ConfigError.
// yaml.v3 gives no column for syntax errors.
func yamlError(path string, err error) *ConfigError {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if slices.Contains(yamlParserErrors, m[2]) {
			line++
		}
		return &ConfigError{Path: path, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &ConfigError{Path: path, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// configParser walks the YAML tree and collects every problem.
type configParser struct {
	path   string
	errs   ConfigErrors
	nodes  int
	lookup func(string) *Rule
}

// The top-level keys, in the order docs/config.md lists them.
var configKeys = []string{
	"version", "rules", "required-tools", "recommended-tools", "allowed-bases",
	"require-digest", "check-templates", "check-service-images", "ignore", "org-ca", "devcontainer", "image", "app", "probe",
}

var appKeys = []string{"fail-on", "neutral-on", "build-forks", "suggestions", "existing", "fail-on-existing", "outdated-suggestions"}

// errorf records a problem at n. Collection stops at a generous bound; sorted
// trims the list to maxConfigErrors.
func (p *configParser) errorf(n *yaml.Node, format string, args ...any) {
	if len(p.errs) >= 10*maxConfigErrors {
		return
	}
	p.errs = append(p.errs, &ConfigError{Path: p.path, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)})
}

// sorted returns the problems in file order, at most maxConfigErrors of
// them followed by a note when there were more.
func (p *configParser) sorted() ConfigErrors {
	es := slices.Clone(p.errs)
	slices.SortStableFunc(es, func(a, b *ConfigError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	if len(es) > maxConfigErrors {
		more := &ConfigError{Path: p.path, Line: es[maxConfigErrors].Line, Col: es[maxConfigErrors].Col,
			Msg: "too many errors; fix the ones above first"}
		es = append(es[:maxConfigErrors], more)
	}
	return es
}

// deref follows aliases and counts visited nodes; it returns nil once the
// budget is spent (after reporting it once).
func (p *configParser) deref(n *yaml.Node) *yaml.Node {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode; hops++ {
		if n.Alias == nil || hops > 100 {
			p.errorf(n, "alias *%s does not resolve", n.Value)
			return nil
		}
		n = n.Alias
	}
	p.nodes++
	if p.nodes == maxConfigNodes {
		p.errorf(n, "config is too large or too deeply aliased (more than %d values)", maxConfigNodes)
	}
	if p.nodes >= maxConfigNodes {
		return nil
	}
	return n
}

// entries returns the key/value pairs of a mapping, reporting non-string,
// duplicate and merge (<<) keys.
func (p *configParser) entries(n *yaml.Node, what string) [][2]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s: want a mapping, got %s", what, describeNode(n))
		return nil
	}
	seen := map[string]*yaml.Node{}
	var out [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := p.deref(n.Content[i]), p.deref(n.Content[i+1])
		if k == nil || v == nil {
			return out
		}
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, "%s: keys must be plain names, got %s", what, describeNode(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			p.errorf(k, "%s: merge keys (<<) are not supported; write the settings out", what)
			continue
		}
		norm := strings.ToLower(k.Value)
		if prev, dup := seen[norm]; dup {
			p.errorf(k, "%s: %q is already set at line %d", what, k.Value, prev.Line)
			continue
		}
		seen[norm] = k
		out = append(out, [2]*yaml.Node{k, v})
	}
	return out
}

// unknownKey reports a key that is not one of known, suggesting the
// nearest.
func (p *configParser) unknownKey(k *yaml.Node, what string, known []string) {
	msg := fmt.Sprintf("unknown key %q in %s", k.Value, what)
	if s, ok := suggest.Typo(k.Value, known); ok {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else {
		msg += " (known keys: " + strings.Join(known, ", ") + ")"
	}
	p.errorf(k, "%s", msg)
}

// describeNode names a node's kind for error messages.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing (null)"
		case "!!str":
			return fmt.Sprintf("the string %q", clipValue(n.Value))
		case "!!bool":
			return "the boolean " + n.Value
		case "!!int", "!!float":
			return "the number " + clipValue(n.Value)
		}
		return fmt.Sprintf("%q", clipValue(n.Value))
	}
	return "something else"
}

// clipValue shortens a value quoted in an error message.
func clipValue(s string) string {
	const n = 40
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func (p *configParser) top(cfg *Config, root *yaml.Node) {
	root = p.deref(root)
	if root == nil {
		return
	}
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "config: want a mapping of settings (%s), got %s", strings.Join(configKeys, ", "), describeNode(root))
		return
	}
	for _, kv := range p.entries(root, "config") {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "version":
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" || v.Value != "1" {
				p.errorf(v, "version: unsupported config version %s (want 1)", describeNode(v))
			}
		case "rules":
			p.rules(cfg, v)
		case "required-tools":
			cfg.RequiredTools = p.tools(v, k.Value)
		case "recommended-tools":
			cfg.RecommendedTools = p.tools(v, k.Value)
		case "allowed-bases":
			cfg.AllowedBases = p.patterns(v, k.Value, checkBasePattern)
		case "require-digest":
			cfg.RequireDigest = p.boolean(v, k.Value)
		case "check-templates":
			cfg.CheckTemplates = p.boolean(v, k.Value)
		case "check-service-images":
			cfg.CheckServiceImages = p.boolean(v, k.Value)
		case "ignore":
			cfg.IgnorePaths = p.patterns(v, k.Value, normIgnorePattern)
			if n := wildcards(cfg.IgnorePaths); n > MaxIgnoreWildcards {
				p.errorf(v, "ignore: %d patterns with wildcards, at most %d; list folders as plain paths (legacy/**), which cost nothing however many there are", n, MaxIgnoreWildcards)
			}
		case "org-ca":
			cfg.OrgCAs = p.orgCAs(v)
		case "image":
			p.image(cfg, v)
		case "devcontainer":
			p.devcontainer(cfg, v)
		case "app":
			p.app(cfg, v)
		case "probe":
			p.probe(cfg, v)
		default:
			p.unknownKey(k, "config", configKeys)
		}
	}
}

var ruleIDRE = regexp.MustCompile(`^(?i:CR)\d{3}$`)

func (p *configParser) rules(cfg *Config, n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	for _, kv := range p.entries(n, "rules") {
		k, v := kv[0], kv[1]
		id := strings.ToUpper(strings.TrimSpace(k.Value))
		if !ruleIDRE.MatchString(id) {
			p.errorf(k, "rules: %q is not a rule ID (rule IDs look like CR102)", clipValue(k.Value))
			continue
		}
		if p.lookup(id) == nil {
			p.errorf(k, "rules: unknown rule %s (`coderready rules` lists them)", id)
			continue
		}
		if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
			p.errorf(v, "rules: %s: want a severity (error, warning, info or off), got %s", id, describeNode(v))
			continue
		}
		sev, err := ParseSeverity(v.Value)
		if err != nil {
			p.errorf(v, "rules: %s: %v", id, err)
			continue
		}
		cfg.Rules[id] = RuleConfig{Severity: sev}
	}
}

// list returns the scalar items of a sequence. A null value is an empty
// list.
func (p *configParser) list(n *yaml.Node, what, example string) []*yaml.Node {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s: want a list such as %s, got %s", what, example, describeNode(n))
		return nil
	}
	var out []*yaml.Node
	for _, it := range n.Content {
		it = p.deref(it)
		if it == nil {
			return out
		}
		if it.Kind != yaml.ScalarNode || it.ShortTag() == "!!null" {
			p.errorf(it, "%s: want a string, got %s", what, describeNode(it))
			continue
		}
		out = append(out, it)
	}
	return out
}

var toolNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)

// tools reads a list of executable names, dropping duplicates. An empty
// list is kept as empty (not nil) so it replaces a default list.
func (p *configParser) tools(n *yaml.Node, what string) []string {
	out := []string{}
	seen := map[string]bool{} // a set, as in patterns
	for _, it := range p.list(n, what, "[jq, make]") {
		name := strings.TrimSpace(it.Value)
		if !toolNameRE.MatchString(name) {
			p.errorf(it, "%s: %q is not a command name (letters, digits, '.', '_', '+', '-'; no paths)", what, clipValue(it.Value))
			continue
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// patterns reads a list of globs, checking and normalising each with check.
func (p *configParser) patterns(n *yaml.Node, what string, check func(string) (string, error)) []string {
	var out []string
	seen := map[string]bool{} // a set: a list can hold 100,000 patterns
	for _, it := range p.list(n, what, `["legacy/**"]`) {
		pat, err := check(it.Value)
		if err != nil {
			p.errorf(it, "%s: %q: %v", what, clipValue(it.Value), err)
			continue
		}
		if !seen[pat] {
			seen[pat] = true
			out = append(out, pat)
		}
	}
	return out
}

// checkBasePattern validates an allowed-bases pattern: an image reference
// where `*` matches any run of characters and `?` one (see CR103).
func checkBasePattern(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", errors.New("empty pattern")
	case strings.ContainsAny(s, " \t\r\n"):
		return "", errors.New("an image reference pattern has no spaces")
	case strings.ContainsAny(s, `[]\`):
		return "", errors.New("only * and ? are special in image patterns; [ ] and \\ are not allowed")
	}
	return s, nil
}

// normIgnorePattern validates an ignore glob and returns it in the form
// Ignored matches: slash-separated, relative, without "./" or a trailing
// "/".
func normIgnorePattern(s string) (string, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "./")
	s = strings.TrimPrefix(s, "/")
	s = strings.TrimSuffix(s, "/")
	if s == "" || s == "." {
		return "", errors.New("empty pattern")
	}
	if strings.Contains(s, `\`) {
		return "", errors.New(`use "/" to separate folders, not "\"`)
	}
	for seg := range strings.SplitSeq(s, "/") {
		switch seg {
		case "":
			return "", errors.New("empty path segment (\"//\")")
		case "..":
			return "", errors.New(`".." is not allowed: patterns are relative to the scanned root`)
		case "**":
			continue
		}
		if _, err := path.Match(seg, ""); err != nil {
			return "", fmt.Errorf("bad glob segment %q (unclosed [ ?)", seg)
		}
	}
	return s, nil
}

func (p *configParser) boolean(n *yaml.Node, what string) bool {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err == nil {
			return b
		}
	}
	p.errorf(n, "%s: want true or false, got %s", what, describeNode(n))
	return false
}

var orgCAKeys = []string{"name", "sha256"}

func (p *configParser) orgCAs(n *yaml.Node) []OrgCA {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "org-ca: want a list of {name, sha256} entries, got %s", describeNode(n))
		return nil
	}
	var out []OrgCA
	seen := map[string]int{}
	for _, it := range n.Content {
		it = p.deref(it)
		if it == nil {
			return out
		}
		if it.Kind != yaml.MappingNode {
			p.errorf(it, "org-ca: want an entry with name and sha256, got %s", describeNode(it))
			continue
		}
		var ca OrgCA
		var fp *yaml.Node
		for _, kv := range p.entries(it, "org-ca entry") {
			k, v := kv[0], kv[1]
			switch k.Value {
			case "name":
				if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" || strings.TrimSpace(v.Value) == "" {
					p.errorf(v, "org-ca: name: want a non-empty string, got %s", describeNode(v))
					continue
				}
				ca.Name = strings.TrimSpace(v.Value)
			case "sha256":
				fp = v
				if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
					p.errorf(v, "org-ca: sha256: want the certificate's SHA-256 fingerprint, got %s", describeNode(v))
					continue
				}
				sum, err := NormalizeFingerprint(v.Value)
				if err != nil {
					p.errorf(v, "org-ca: sha256: %v", err)
					continue
				}
				ca.SHA256 = sum
			default:
				p.unknownKey(k, "org-ca entry", orgCAKeys)
			}
		}
		if fp == nil {
			p.errorf(it, "org-ca: entry has no sha256 (the certificate's SHA-256 fingerprint)")
			continue
		}
		if ca.SHA256 == "" {
			continue
		}
		if line, dup := seen[ca.SHA256]; dup {
			p.errorf(fp, "org-ca: the same fingerprint is already listed at line %d", line)
			continue
		}
		seen[ca.SHA256] = fp.Line
		out = append(out, ca)
	}
	return out
}

// NormalizeFingerprint turns a SHA-256 certificate fingerprint as tools print
// it (upper- or lower-case hex, optionally colon-separated as in
// `openssl x509 -fingerprint -sha256`, optionally prefixed "sha256:") into
// 64 lower-case hex digits.
func NormalizeFingerprint(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 7 && strings.EqualFold(s[:7], "sha256:") {
		s = s[7:]
	}
	s = strings.ToLower(strings.ReplaceAll(s, ":", ""))
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", fmt.Errorf("want 64 hex digits (colons allowed), got the character %q", c)
		}
	}
	if len(s) != 64 {
		return "", fmt.Errorf("want 64 hex digits (a SHA-256 fingerprint), got %d", len(s))
	}
	return s, nil
}

var imageKeys = []string{"max-size", "max-layers", "role"}

// image reads the `image:` section: the size and layer budget (CR315) and
// the image's role (CR324).
func (p *configParser) image(cfg *Config, n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	for _, kv := range p.entries(n, "image") {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "max-size":
			size, err := ParseSize(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil {
				p.errorf(v, "image: max-size: want a size such as 2GB or 1500MiB, got %s", describeNode(v))
				continue
			}
			cfg.MaxImageSize = size
		case "max-layers":
			nl, err := strconv.Atoi(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil || nl <= 0 {
				p.errorf(v, "image: max-layers: want a positive whole number, got %s", describeNode(v))
				continue
			}
			cfg.MaxLayers = nl
		case "role":
			r := strings.TrimSpace(v.Value)
			if v.Kind != yaml.ScalarNode || (r != RoleWorkspace && r != RoleDevcontainerHost) {
				p.errorf(v, "image: role: want %s or %s, got %s", RoleWorkspace, RoleDevcontainerHost, describeNode(v))
				continue
			}
			cfg.ImageRole = r
		default:
			p.unknownKey(k, "image", imageKeys)
		}
	}
}

// ParseSize reads a byte size: a number with an optional unit (B, KB, MB,
// GB, TB in powers of 1000; KiB, MiB, GiB, TiB in powers of 1024).
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.TrimSpace(s[i:])
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("size %q: want a positive number with a unit", s)
	}
	mult := map[string]float64{"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
		"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40}[strings.ToUpper(unit)]
	if mult == 0 {
		return 0, fmt.Errorf("size %q: unknown unit %q", s, unit)
	}
	if f*mult >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q: too large", s)
	}
	return int64(f * mult), nil
}

var probeKeys = []string{"enabled", "user"}

// onOff reads on, off, true or false.
func (p *configParser) onOff(n *yaml.Node, what string) bool {
	if n.Kind == yaml.ScalarNode {
		switch strings.ToLower(n.Value) {
		case "on", "true":
			return true
		case "off", "false":
			return false
		}
	}
	p.errorf(n, "%s: want on or off, got %s", what, describeNode(n))
	return true
}

// probe reads `probe: on|off` or `probe: {enabled: on|off, user: NAME}`.
func (p *configParser) probe(cfg *Config, n *yaml.Node) {
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return
	case n.Kind == yaml.ScalarNode:
		cfg.Probe.Off = !p.onOff(n, "probe")
		return
	}
	for _, kv := range p.entries(n, "probe") {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "enabled":
			cfg.Probe.Off = !p.onOff(v, "probe: enabled")
		case "user":
			if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" || strings.ContainsAny(v.Value, " \t\n") {
				p.errorf(v, "probe: user: want a user name or UID[:GID], got %s", describeNode(v))
				continue
			}
			cfg.Probe.User = v.Value
		default:
			p.unknownKey(k, "probe", probeKeys)
		}
	}
}

var devcontainerKeys = []string{"builder"}

func (p *configParser) devcontainer(cfg *Config, n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	for _, kv := range p.entries(n, "devcontainer") {
		k, v := kv[0], kv[1]
		if k.Value != "builder" {
			p.unknownKey(k, "devcontainer", devcontainerKeys)
			continue
		}
		b := ConfigBuilder(strings.ToLower(strings.TrimSpace(v.Value)))
		if v.Kind != yaml.ScalarNode || (b != ConfigBuilderBoth && b != ConfigBuilderEnvbuilder && b != ConfigBuilderNative) {
			p.errorf(v, "devcontainer: builder: want envbuilder, native or both, got %s", describeNode(v))
			continue
		}
		cfg.Builder = b
	}
}

func (p *configParser) app(cfg *Config, n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	for _, kv := range p.entries(n, "app") {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "fail-on", "neutral-on":
			if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
				p.errorf(v, "app: %s: want a severity (error, warning, info or off), got %s", k.Value, describeNode(v))
				continue
			}
			sev, err := ParseSeverity(v.Value)
			if err != nil {
				p.errorf(v, "app: %s: %v", k.Value, err)
				continue
			}
			if k.Value == "fail-on" {
				cfg.App.FailOn = sev
			} else {
				cfg.App.NeutralOn = sev
			}
		case "build-forks":
			cfg.App.BuildForks = p.boolean(v, "app: build-forks")
		case "suggestions":
			cfg.App.Suggestions = p.boolean(v, "app: suggestions")
		case "existing":
			switch {
			case v.Kind == yaml.ScalarNode && slices.Contains([]string{ExistingNotice, ExistingAnnotate, ExistingHide}, v.Value):
				cfg.App.Existing = v.Value
			default:
				p.errorf(v, "app: existing: want notice, annotate or hide, got %s", describeNode(v))
			}
		case "fail-on-existing":
			cfg.App.FailOnExisting = p.boolean(v, "app: fail-on-existing")
		case "outdated-suggestions":
			switch {
			case v.Kind == yaml.ScalarNode && slices.Contains([]string{OutdatedEdit, OutdatedDelete, OutdatedKeep}, v.Value):
				cfg.App.OutdatedSuggestions = v.Value
			default:
				p.errorf(v, "app: outdated-suggestions: want edit, delete or keep, got %s", describeNode(v))
			}
		default:
			p.unknownKey(k, "app", appKeys)
		}
	}
}
