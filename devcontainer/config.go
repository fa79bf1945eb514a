package devcontainer

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tailscale/hujson"
)

// Limits on input, so a hostile file gives a clear error in bounded time
// and memory.
const (
	// MaxFileSize is the largest devcontainer.json parsed.
	MaxFileSize = 10 << 20
	// MaxDepth is the deepest nesting of objects and arrays accepted.
	MaxDepth = 512
	// MaxValues bounds the JSON values (counted as opening brackets plus
	// commas) in one file: each costs a few hundred bytes once parsed and
	// indexed, and a real devcontainer.json holds a few hundred.
	MaxValues = 100_000
)

// SyntaxError is a parse error at a devcontainer.json position.
type SyntaxError struct {
	Path      string
	Line, Col int
	Msg       string
}

// Error formats the error as path:line:col: message.
func (e *SyntaxError) Error() string {
	if e.Col == 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Col, e.Msg)
}

// Pos is a position in the file: 1-based line and column (bytes).
type Pos struct {
	Line, Col int
}

// Node is one property value with where its key and value sit.
type Node struct {
	// Key is the position of the property's key (zero for array elements
	// and the root).
	Key Pos
	// Start and End are the positions of the value's first and last byte.
	Start, End Pos
	// Value is the value itself.
	Value *hujson.Value
}

// Comment is a comment in the file with the line it sits on.
type Comment struct {
	// Line is where the comment starts; EndLine is its last line (they
	// differ for a block comment spanning lines).
	Line, EndLine int
	// Text is the comment without its markers.
	Text string
	// Trailing is set when the comment follows other text on its line.
	Trailing bool
}

// Config is a parsed devcontainer.json.
type Config struct {
	// Path is the file's path, slash-separated, relative to the scanned root.
	Path string
	// Lines are the source lines without line endings.
	Lines []string
	// Root is the parsed JSONC tree.
	Root hujson.Value
	// Keys are the top-level property names in file order.
	Keys []string
	// TrailingCommas are the positions of commas before a closing bracket.
	TrailingCommas []Pos
	// Comments are every comment, in order.
	Comments []Comment
	// Ignores are the `// coderready:ignore=` comments, in order.
	Ignores []Ignore

	nodes      map[string]*Node // JSON pointer → node
	src        []byte
	lineStarts []int // byte offset of each line's first byte
}

// Parse reads a devcontainer.json. Every failure is a *SyntaxError at the
// position where the input stops making sense.
func Parse(p string, src []byte) (*Config, error) {
	if len(src) > MaxFileSize {
		return nil, &SyntaxError{Path: p, Line: 1, Msg: fmt.Sprintf("file is larger than %d MiB", MaxFileSize>>20)}
	}
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(src)) == 0 {
		return nil, &SyntaxError{Path: p, Line: 1, Col: 1, Msg: "empty file: a devcontainer.json holds one JSON object"}
	}
	if !utf8.Valid(src) {
		off := firstInvalidUTF8(src)
		l, c := lineCol(src, off)
		return nil, &SyntaxError{Path: p, Line: l, Col: c, Msg: "not UTF-8 text"}
	}
	if off, msg := precheck(src); msg != "" {
		l, c := lineCol(src, off)
		return nil, &SyntaxError{Path: p, Line: l, Col: c, Msg: msg}
	}
	v, err := hujson.Parse(src)
	if err != nil {
		return nil, syntaxError(p, src, err)
	}
	obj, ok := v.Value.(*hujson.Object)
	if !ok {
		l, c := lineCol(src, v.StartOffset)
		return nil, &SyntaxError{Path: p, Line: l, Col: c, Msg: "the top level must be a JSON object"}
	}
	cfg := &Config{Path: p, Root: v, src: src, nodes: map[string]*Node{}, lineStarts: lineStarts(src)}
	cfg.Lines = strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	cfg.index("", Pos{}, &cfg.Root)
	for _, m := range obj.Members {
		cfg.Keys = append(cfg.Keys, m.Name.Value.(hujson.Literal).String())
	}
	cfg.scanExtras()
	cfg.indexIgnores()
	return cfg, nil
}

var hujsonPos = regexp.MustCompile(`line (\d+), column (\d+): (.*)$`)

// syntaxError turns hujson's "hujson: line L, column C: msg" into a
// SyntaxError.
func syntaxError(p string, src []byte, err error) error {
	m := hujsonPos.FindStringSubmatch(err.Error())
	if m == nil {
		return &SyntaxError{Path: p, Line: 1, Msg: err.Error()}
	}
	l, _ := strconv.Atoi(m[1])
	c, _ := strconv.Atoi(m[2])
	msg := strings.TrimPrefix(m[3], "hujson: ")
	// A missing comma is found where the next member starts, often lines
	// of comments later: say where it is missing.
	if strings.Contains(msg, "expecting ','") {
		if end, ok := lastValueEnd(src, l, c); ok {
			el, ec := lineCol(src, end)
			return &SyntaxError{Path: p, Line: el, Col: ec + 1,
				Msg: fmt.Sprintf("a comma is missing after the value that ends here: the next one starts on line %d (%s)", l, msg)}
		}
	}
	return &SyntaxError{Path: p, Line: l, Col: c, Msg: msg}
}

// lastValueEnd is the offset of the last byte of JSON (not blank, not in a
// comment) before line l, column c (1-based; the column counts bytes).
func lastValueEnd(src []byte, l, c int) (int, bool) {
	stop, line := -1, 1
	for i := 0; i < len(src); i++ {
		if line == l {
			stop = i + c - 1
			break
		}
		if src[i] == '\n' {
			line++
		}
	}
	if stop < 0 || stop > len(src) {
		return 0, false
	}
	last := -1
	for i := 0; i < stop; i++ {
		switch {
		case src[i] == '"':
			for i++; i < stop && src[i] != '"'; i++ {
				if src[i] == '\\' {
					i++
				}
			}
			last = i
		case src[i] == '/' && i+1 < stop && src[i+1] == '/':
			for i < stop && src[i] != '\n' {
				i++
			}
		case src[i] == '/' && i+1 < stop && src[i+1] == '*':
			i += 2
			for i+1 < stop && (src[i] != '*' || src[i+1] != '/') {
				i++
			}
			i++
		case src[i] != ' ' && src[i] != '\t' && src[i] != '\n' && src[i] != '\r':
			last = i
		}
	}
	return last, last >= 0
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return 0
}

// precheck scans brackets and commas outside strings and comments, so
// hujson's recursive parser never sees input nested past MaxDepth, and
// input with more than MaxValues values is refused before it is parsed. It
// returns the offending offset and a message, or "" when the input is
// within bounds.
func precheck(b []byte) (int, string) {
	depth, values := 0, 0
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '/':
			if i+1 < len(b) && b[i+1] == '/' {
				for i < len(b) && b[i] != '\n' {
					i++
				}
			} else if i+1 < len(b) && b[i+1] == '*' {
				end := bytes.Index(b[i+2:], []byte("*/"))
				if end < 0 {
					return 0, "" // hujson reports the unclosed comment
				}
				i += end + 3
			}
		case '{', '[', ',':
			if c != ',' {
				depth++
				if depth > MaxDepth {
					return i, fmt.Sprintf("nested deeper than %d levels", MaxDepth)
				}
			}
			values++
			if values > MaxValues {
				return i, fmt.Sprintf("more than %d values: too large for a devcontainer.json", MaxValues)
			}
		case '}', ']':
			depth--
		}
	}
	return 0, ""
}

// lineCol converts a byte offset to a 1-based line and column.
func lineCol(b []byte, off int) (int, int) {
	off = min(max(off, 0), len(b))
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := 1 + off - (bytes.LastIndexByte(b[:off], '\n') + 1)
	return line, col
}

// lineStarts returns the offset of each line's first byte.
func lineStarts(b []byte) []int {
	starts := make([]int, 1, bytes.Count(b, []byte("\n"))+1)
	for i, c := range b {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// pos converts a byte offset to a position in O(log lines), so indexing a
// large file stays linear.
func (c *Config) pos(off int) Pos {
	off = min(max(off, 0), len(c.src))
	line := sort.Search(len(c.lineStarts), func(i int) bool { return c.lineStarts[i] > off }) // 1-based
	return Pos{Line: line, Col: 1 + off - c.lineStarts[line-1]}
}

// index records every value under its JSON pointer.
func (c *Config) index(ptr string, key Pos, v *hujson.Value) {
	c.nodes[ptr] = &Node{Key: key, Start: c.pos(v.StartOffset), End: c.pos(max(v.EndOffset-1, v.StartOffset)), Value: v}
	switch t := v.Value.(type) {
	case *hujson.Object:
		for i := range t.Members {
			m := &t.Members[i]
			name := m.Name.Value.(hujson.Literal).String()
			c.index(ptr+"/"+escapePointer(name), c.pos(m.Name.StartOffset), &m.Value)
		}
		if n := len(t.Members); n > 0 && t.Members[n-1].Value.AfterExtra != nil {
			c.TrailingCommas = append(c.TrailingCommas, c.pos(lastComma(c.src, t.Members[len(t.Members)-1].Value.EndOffset)))
		}
	case *hujson.Array:
		for i := range t.Elements {
			c.index(ptr+"/"+strconv.Itoa(i), Pos{}, &t.Elements[i])
		}
		if n := len(t.Elements); n > 0 && t.Elements[n-1].AfterExtra != nil {
			c.TrailingCommas = append(c.TrailingCommas, c.pos(lastComma(c.src, t.Elements[len(t.Elements)-1].EndOffset)))
		}
	}
}

// lastComma finds the comma after offset (the trailing one), skipping
// whitespace and comments.
func lastComma(b []byte, off int) int {
	for i := off; i < len(b); i++ {
		switch b[i] {
		case ',':
			return i
		case '/':
			if i+1 < len(b) && b[i+1] == '/' {
				for i < len(b) && b[i] != '\n' {
					i++
				}
			} else if i+1 < len(b) && b[i+1] == '*' {
				if end := bytes.Index(b[i+2:], []byte("*/")); end >= 0 {
					i += end + 3
				}
			}
		}
	}
	return off
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// scanExtras collects comments.
func (c *Config) scanExtras() {
	b := c.src
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '/':
			if i+1 >= len(b) {
				continue
			}
			start := i
			var text string
			switch b[i+1] {
			case '/':
				end := bytes.IndexByte(b[i:], '\n')
				if end < 0 {
					end = len(b) - i
				}
				text = string(b[i+2 : i+end])
				i += end - 1
			case '*':
				end := bytes.Index(b[i+2:], []byte("*/"))
				if end < 0 {
					continue
				}
				text = string(b[i+2 : i+2+end])
				i += end + 3
			default:
				continue
			}
			at := c.pos(start)
			lineStart := start - (at.Col - 1)
			trailing := len(bytes.TrimSpace(b[lineStart:start])) > 0
			c.Comments = append(c.Comments, Comment{Line: at.Line, EndLine: c.pos(start + len(text) + 2).Line, Text: strings.TrimSpace(text), Trailing: trailing})
		}
	}
}

// Node returns the node at a JSON pointer ("/build/dockerfile"), or nil.
func (c *Config) Node(ptr string) *Node { return c.nodes[ptr] }

// Pos returns the position of the property at a JSON pointer: its key
// when it has one, else its value; the zero Pos when absent.
func (c *Config) Pos(ptr string) Pos {
	n := c.nodes[ptr]
	if n == nil {
		return Pos{}
	}
	if n.Key.Line > 0 {
		return n.Key
	}
	return n.Start
}

// Has reports whether a property exists.
func (c *Config) Has(ptr string) bool { return c.nodes[ptr] != nil }

// String returns the string at a JSON pointer ("" when absent or not a
// string).
func (c *Config) String(ptr string) string {
	s, _ := c.StringOK(ptr)
	return s
}

// StringOK returns the string at a JSON pointer and whether it is one.
func (c *Config) StringOK(ptr string) (string, bool) {
	n := c.nodes[ptr]
	if n == nil {
		return "", false
	}
	lit, ok := n.Value.Value.(hujson.Literal)
	if !ok || lit.Kind() != '"' {
		return "", false
	}
	return lit.String(), true
}

// Bool returns the boolean at a JSON pointer (false when absent).
func (c *Config) Bool(ptr string) bool {
	n := c.nodes[ptr]
	if n == nil {
		return false
	}
	lit, ok := n.Value.Value.(hujson.Literal)
	return ok && lit.Kind() == 't'
}

// Members returns the member names of the object at a JSON pointer, in
// file order (nil when it is not an object).
func (c *Config) Members(ptr string) []string {
	n := c.nodes[ptr]
	if n == nil {
		return nil
	}
	obj, ok := n.Value.Value.(*hujson.Object)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(obj.Members))
	for _, m := range obj.Members {
		out = append(out, m.Name.Value.(hujson.Literal).String())
	}
	return out
}

// Len returns the length of the array at a JSON pointer (-1 when it is not
// an array).
func (c *Config) Len(ptr string) int {
	n := c.nodes[ptr]
	if n == nil {
		return -1
	}
	arr, ok := n.Value.Value.(*hujson.Array)
	if !ok {
		return -1
	}
	return len(arr.Elements)
}

// Strings returns the value at a JSON pointer as a list of strings: a
// string gives one, an array its string elements.
func (c *Config) Strings(ptr string) []string {
	if s, ok := c.StringOK(ptr); ok {
		return []string{s}
	}
	var out []string
	for i := 0; i < c.Len(ptr); i++ {
		if s, ok := c.StringOK(ptr + "/" + strconv.Itoa(i)); ok {
			out = append(out, s)
		}
	}
	return out
}

// Image is the `image` property.
func (c *Config) Image() string { return c.String("/image") }

// dockerfileProp returns the pointer of build.dockerfile or the legacy
// dockerFile, whichever is set.
func (c *Config) dockerfileProp() string {
	if c.Has("/build/dockerfile") {
		return "/build/dockerfile"
	}
	if c.Has("/dockerFile") {
		return "/dockerFile"
	}
	return ""
}

// DockerfileProp is the JSON pointer of the property naming the Dockerfile
// ("" when none).
func (c *Config) DockerfileProp() string { return c.dockerfileProp() }

// dir is the folder holding the devcontainer.json, relative to the root.
func (c *Config) dir() string { return path.Dir(c.Path) }

// DockerfilePath is the Dockerfile the config builds, resolved relative to
// the devcontainer.json's folder and cleaned (relative to the scanned root;
// it starts with ../ when it lies outside), or "" when it builds none.
func (c *Config) DockerfilePath() string {
	p := c.dockerfileProp()
	if p == "" {
		return ""
	}
	v := c.String(p)
	if v == "" {
		return ""
	}
	return path.Join(c.dir(), v)
}

// ContextPath is the build context, resolved like DockerfilePath; the
// spec's default is the devcontainer.json's folder.
func (c *Config) ContextPath() string {
	for _, p := range []string{"/build/context", "/context"} {
		if v, ok := c.StringOK(p); ok {
			return path.Join(c.dir(), v)
		}
	}
	if c.DockerfilePath() == "" {
		return ""
	}
	return c.dir()
}

// BuildArgs are `build.args` (string values only).
func (c *Config) BuildArgs() map[string]string {
	names := c.Members("/build/args")
	if names == nil {
		return nil
	}
	out := make(map[string]string, len(names))
	for _, n := range names {
		out[n] = c.String("/build/args/" + escapePointer(n))
	}
	return out
}

// BuildTarget is `build.target`.
func (c *Config) BuildTarget() string { return c.String("/build/target") }

// ComposeFiles are `dockerComposeFile` (string or array), resolved relative
// to the devcontainer.json's folder.
func (c *Config) ComposeFiles() []string {
	var out []string
	for _, f := range c.Strings("/dockerComposeFile") {
		out = append(out, path.Join(c.dir(), f))
	}
	return out
}

// User returns the user sessions run as: remoteUser, else containerUser.
func (c *Config) User() (name string, set bool) {
	if u, ok := c.StringOK("/remoteUser"); ok {
		return u, true
	}
	if u, ok := c.StringOK("/containerUser"); ok {
		return u, true
	}
	return "", false
}

// Features are the feature references of `features`, in file order.
func (c *Config) Features() []string { return c.Members("/features") }

// FeaturePointer is the JSON pointer of one feature's entry.
func FeaturePointer(ref string) string { return "/features/" + escapePointer(ref) }
