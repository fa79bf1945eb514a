package devcontainer

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"

	"github.com/tailscale/hujson"
)

// Match is a match of a pattern inside one string of the file.
type Match struct {
	// Text is the matched text.
	Text string
	// Ptr is the JSON pointer of the value holding the match (for a match
	// in a property name, the pointer of that property).
	Ptr string
	// Start is the match's first byte; End its last.
	Start, End Pos
}

// FindInStrings returns every match of re inside the file's strings —
// property names and string values — in file order, with exact positions.
// Comments are not searched, so a commented-out line never matches. re is
// applied to each string as written in the file (escapes not decoded).
func (c *Config) FindInStrings(re *regexp.Regexp) []Match {
	var out []Match
	find := func(ptr string, v *hujson.Value) {
		lit, ok := v.Value.(hujson.Literal)
		if !ok || lit.Kind() != '"' {
			return
		}
		for _, m := range re.FindAllIndex(lit, -1) {
			out = append(out, Match{Text: string(lit[m[0]:m[1]]), Ptr: ptr,
				Start: c.pos(v.StartOffset + m[0]), End: c.pos(v.StartOffset + max(m[1]-1, m[0]))})
		}
	}
	var walk func(ptr string, v *hujson.Value)
	walk = func(ptr string, v *hujson.Value) {
		switch t := v.Value.(type) {
		case *hujson.Object:
			for i := range t.Members {
				m := &t.Members[i]
				p := ptr + "/" + escapePointer(m.Name.Value.(hujson.Literal).String())
				find(p, &m.Name)
				walk(p, &m.Value)
			}
		case *hujson.Array:
			for i := range t.Elements {
				walk(ptr+"/"+strconv.Itoa(i), &t.Elements[i])
			}
		default:
			find(ptr, v)
		}
	}
	walk("", &c.Root)
	slices.SortStableFunc(out, func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.Start.Line, b.Start.Line), cmp.Compare(a.Start.Col, b.Start.Col))
	})
	return out
}
