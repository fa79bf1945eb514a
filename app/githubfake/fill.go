package githubfake

import (
	"github.com/getkin/kin-openapi/openapi3"
)

// fillTime is the timestamp given to required date-time fields a handler
// left out.
const fillTime = "2024-01-02T03:04:05Z"

// fill adds every required property the schema asks for and v lacks,
// recursively, so that a handler sets the fields that matter and the
// response still matches GitHub's schema. It returns v (maps are filled in
// place).
func fill(v any, s *openapi3.Schema) any {
	return fillDepth(v, s, 0)
}

func fillDepth(v any, s *openapi3.Schema, depth int) any {
	if s == nil || v == nil || depth > 24 {
		return v
	}
	for _, sub := range s.AllOf {
		v = fillDepth(v, sub.Value, depth+1)
	}
	if alt := pickAlternative(v, s); alt != nil {
		v = fillDepth(v, alt, depth+1)
	}
	switch t := v.(type) {
	case map[string]any:
		for _, name := range s.Required {
			if _, ok := t[name]; ok {
				continue
			}
			t[name] = zero(propSchema(s, name), depth+1)
		}
		for name, val := range t {
			if p := propSchema(s, name); p != nil && val != nil {
				t[name] = fillDepth(val, p, depth+1)
			}
		}
	case []any:
		if s.Items != nil {
			for i := range t {
				t[i] = fillDepth(t[i], s.Items.Value, depth+1)
			}
		}
	case []map[string]any:
		if s.Items != nil {
			for i := range t {
				fillDepth(t[i], s.Items.Value, depth+1)
			}
		}
	}
	return v
}

// pickAlternative returns the oneOf/anyOf branch v should follow: the one
// its discriminator names, else the first.
func pickAlternative(v any, s *openapi3.Schema) *openapi3.Schema {
	alts := s.OneOf
	if len(alts) == 0 {
		alts = s.AnyOf
	}
	if len(alts) == 0 {
		return nil
	}
	if d := s.Discriminator; d != nil {
		if m, ok := v.(map[string]any); ok {
			if key, ok := m[d.PropertyName].(string); ok {
				if ref, ok := d.Mapping[key]; ok {
					for _, a := range alts {
						if a.Ref == ref.Ref {
							return a.Value
						}
					}
				}
			}
		}
		return nil
	}
	return alts[0].Value
}

func propSchema(s *openapi3.Schema, name string) *openapi3.Schema {
	if p := s.Properties[name]; p != nil {
		return p.Value
	}
	for _, sub := range s.AllOf {
		if sub.Value != nil {
			if p := propSchema(sub.Value, name); p != nil {
				return p
			}
		}
	}
	return nil
}

// zero is the value a missing required property gets.
func zero(s *openapi3.Schema, depth int) any {
	if s == nil {
		return nil
	}
	if s.Nullable {
		return nil
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	switch {
	case len(s.AllOf) > 0:
		return fillDepth(map[string]any{}, s, depth)
	case len(s.OneOf) > 0:
		return zero(s.OneOf[0].Value, depth+1)
	case len(s.AnyOf) > 0:
		return zero(s.AnyOf[0].Value, depth+1)
	}
	switch {
	case s.Type.Is(openapi3.TypeString):
		switch s.Format {
		case "date-time":
			return fillTime
		case "uri":
			return "https://example.invalid/"
		}
		return ""
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		return 0
	case s.Type.Is(openapi3.TypeBoolean):
		return false
	case s.Type.Is(openapi3.TypeArray):
		return []any{}
	default:
		return fillDepth(map[string]any{}, s, depth)
	}
}
