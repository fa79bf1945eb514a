package devcontainer

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/tailscale/hujson"
)

// Problem is a property whose value has a type the Dev Container schema
// does not allow.
type Problem struct {
	// Ptr is the value's JSON pointer and Pos its first byte.
	Ptr string
	Pos Pos
	Msg string
	// Fatal is set for properties envbuilder decodes into typed Go fields
	// (coder/envbuilder devcontainer.Spec): a wrong type there fails its
	// build. Other problems are ignored or misread by the tools.
	Fatal bool
}

// propType says which JSON types a property may have.
type propType struct {
	kinds []string // allowed kinds of the value
	// elem, when set, constrains array elements or object member values.
	elem []string
	// fatal: envbuilder decodes the property into a typed field.
	fatal bool
}

var (
	str      = []string{"string"}
	strOrArr = []string{"string", "array"}
)

// propTypes are the schema's types for the properties coderready reads,
// keyed by JSON pointer.
var propTypes = map[string]propType{
	"/name": {kinds: str}, "/image": {kinds: str, fatal: true}, "/dockerFile": {kinds: str, fatal: true},
	"/context": {kinds: str, fatal: true}, "/remoteUser": {kinds: str, fatal: true}, "/containerUser": {kinds: str, fatal: true},
	"/build": {kinds: []string{"object"}, fatal: true}, "/build/dockerfile": {kinds: str, fatal: true},
	"/build/context": {kinds: str, fatal: true}, "/build/target": {kinds: str, fatal: true},
	"/build/args": {kinds: []string{"object"}, elem: str, fatal: true}, "/build/options": {kinds: []string{"array"}, elem: str},
	"/build/cacheFrom":   {kinds: strOrArr, elem: str},
	"/containerEnv":      {kinds: []string{"object"}, elem: str, fatal: true},
	"/remoteEnv":         {kinds: []string{"object"}, elem: []string{"string", "null"}, fatal: true},
	"/features":          {kinds: []string{"object"}, fatal: true},
	"/dockerComposeFile": {kinds: strOrArr, elem: str}, "/service": {kinds: str},
	"/runServices": {kinds: []string{"array"}, elem: str}, "/privileged": {kinds: []string{"boolean"}},
	"/capAdd": {kinds: []string{"array"}, elem: str}, "/securityOpt": {kinds: []string{"array"}, elem: str},
	"/runArgs": {kinds: []string{"array"}, elem: str}, "/overrideFeatureInstallOrder": {kinds: []string{"array"}, elem: str},
	"/forwardPorts":   {kinds: []string{"array"}, elem: []string{"number", "string"}},
	"/customizations": {kinds: []string{"object"}},
}

// Problems checks the types of the properties coderready reads against the
// Dev Container schema, and the lifecycle commands' forms (a string, a
// non-empty array of strings, or an object of those), in file order.
func (c *Config) Problems() []Problem {
	var out []Problem
	add := func(ptr string, fatal bool, format string, args ...any) {
		n := c.nodes[ptr]
		out = append(out, Problem{Ptr: ptr, Pos: n.Start, Msg: fmt.Sprintf(format, args...), Fatal: fatal})
	}
	for _, k := range c.Properties() {
		c.checkType(k.Pointer, add)
		if k.Pointer == "/build" {
			for _, m := range c.Members("/build") {
				c.checkType("/build/"+escapePointer(m), add)
			}
		}
	}
	for _, name := range LifecycleCommands {
		ptr := "/" + name
		if c.nodes[ptr] == nil {
			continue
		}
		fatal := name != "initializeCommand" && name != "postAttachCommand"
		c.checkCommand(ptr, name, fatal, true, add)
	}
	slices.SortStableFunc(out, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
	return out
}

// checkType checks one property against propTypes.
func (c *Config) checkType(ptr string, add func(string, bool, string, ...any)) {
	t, ok := propTypes[ptr]
	n := c.nodes[ptr]
	if !ok || n == nil {
		return
	}
	kind := kindOf(n.Value)
	if !contains(t.kinds, kind) {
		add(ptr, t.fatal, "`%s` must be %s, not %s", dotted(ptr), oneOf(t.kinds), article(kind))
		return
	}
	if t.elem == nil {
		return
	}
	switch v := n.Value.Value.(type) {
	case *hujson.Array:
		for i := range v.Elements {
			if k := kindOf(&v.Elements[i]); !contains(t.elem, k) {
				add(ptr+"/"+strconv.Itoa(i), t.fatal, "`%s` entries must be %s, not %s", dotted(ptr), oneOf(t.elem), article(k))
			}
		}
	case *hujson.Object:
		for i := range v.Members {
			m := &v.Members[i]
			if k := kindOf(&m.Value); !contains(t.elem, k) {
				name := m.Name.Value.(hujson.Literal).String()
				add(ptr+"/"+escapePointer(name), t.fatal, "`%s.%s` must be %s, not %s", dotted(ptr), name, oneOf(t.elem), article(k))
			}
		}
	}
}

// checkCommand checks a lifecycle command's form; top allows the object
// form (one level only).
func (c *Config) checkCommand(ptr, name string, fatal, top bool, add func(string, bool, string, ...any)) {
	n := c.nodes[ptr]
	switch v := n.Value.Value.(type) {
	case hujson.Literal:
		if v.Kind() != '"' {
			add(ptr, fatal, "`%s` must be a string, an array of strings or an object of commands, not %s", name, article(kindOf(n.Value)))
		}
	case *hujson.Array:
		if len(v.Elements) == 0 {
			add(ptr, fatal, "`%s` is an empty command array", name)
		}
		for i := range v.Elements {
			if k := kindOf(&v.Elements[i]); k != "string" {
				add(ptr+"/"+strconv.Itoa(i), fatal, "`%s` command arguments must be strings, not %s", name, article(k))
			}
		}
	case *hujson.Object:
		if !top {
			add(ptr, fatal, "`%s` must be a string or an array of strings, not an object", name)
			return
		}
		for i := range v.Members {
			m := v.Members[i].Name.Value.(hujson.Literal).String()
			c.checkCommand(ptr+"/"+escapePointer(m), name+"."+m, fatal, false, add)
		}
	}
}

// kindOf names a value's JSON type.
func kindOf(v *hujson.Value) string {
	switch t := v.Value.(type) {
	case *hujson.Object:
		return "object"
	case *hujson.Array:
		return "array"
	case hujson.Literal:
		switch t.Kind() {
		case '"':
			return "string"
		case '0':
			return "number"
		case 't', 'f':
			return "boolean"
		case 'n':
			return "null"
		}
	}
	return "value"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// dotted turns "/build/args" into "build.args".
func dotted(ptr string) string {
	b := []byte(ptr[1:])
	for i, ch := range b {
		if ch == '/' {
			b[i] = '.'
		}
	}
	return string(b)
}

func article(kind string) string {
	switch kind {
	case "array", "object":
		return "an " + kind
	case "null":
		return "null"
	}
	return "a " + kind
}

func oneOf(kinds []string) string {
	s := ""
	for i, k := range kinds {
		if i > 0 {
			s += " or "
		}
		s += article(k)
	}
	return s
}
