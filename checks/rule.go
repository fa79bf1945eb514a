package checks

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Family groups rules by what they judge.
type Family string

// The rule families; the ID's hundreds digit says which (CR1xx, CR2xx,
// CR3xx, CR4xx).
const (
	FamilyDockerfile   Family = "dockerfile"
	FamilyDevcontainer Family = "devcontainer"
	FamilyImage        Family = "image"
	// FamilyRuntime rules judge what the agent bootstrap probe saw when
	// the image ran (ImageInput.Probe).
	FamilyRuntime Family = "runtime"
)

// Builder names the Coder integration a devcontainer rule applies to.
type Builder string

// Coder builds Dev Containers with envbuilder or with its native Dev
// Containers integration; config `devcontainer.builder` picks which apply.
const (
	BuilderEnvbuilder Builder = "envbuilder"
	BuilderNative     Builder = "native"
)

// Rule is one check with a stable ID. Exactly one of Dockerfile,
// Devcontainer or Image is set, matching Family.
type Rule struct {
	// ID is stable: users write it in config and ignore comments.
	ID    string
	Title string
	// Severity is the default; config may override it.
	Severity Severity
	Family   Family
	// Builders lists the Dev Container builders the rule is about; empty
	// means it applies whatever builds the image.
	Builders []Builder
	// ConfigOnly marks rules that do nothing until config gives them input
	// (an allowed-base list, an org CA, a size budget).
	ConfigOnly bool
	// What, Why and HowToFix are the rule's documentation (Markdown).
	What, Why, HowToFix string
	// Sources are keys of Sources: where the fact the rule stands on comes from.
	Sources []string
	// ParseErrors marks the rule that reports a file that did not parse; the
	// runner gives the other rules parsed input only.
	ParseErrors bool

	Dockerfile   func(*DockerfileInput) []Finding
	Devcontainer func(*DevcontainerInput) []Finding
	Image        func(*ImageInput) []Finding
}

var (
	registryMu sync.Mutex
	registry   = map[string]*Rule{}
)

// Register adds a rule to the registry. It panics on a duplicate or
// malformed rule, so mistakes fail at start-up and in every test.
func Register(r *Rule) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if len(r.ID) != 5 || !strings.HasPrefix(r.ID, "CR") {
		panic(fmt.Sprintf("checks: bad rule ID %q", r.ID))
	}
	if _, dup := registry[r.ID]; dup {
		panic("checks: duplicate rule " + r.ID)
	}
	if r.Title == "" || r.What == "" || r.Why == "" || r.HowToFix == "" || r.Severity == SeverityOff {
		panic("checks: rule " + r.ID + " lacks a title, docs or severity")
	}
	for _, s := range r.Sources {
		if _, ok := Sources[s]; !ok {
			panic("checks: rule " + r.ID + " cites unknown source " + s)
		}
	}
	registry[r.ID] = r
}

// Rules returns every registered rule ordered by ID.
func Rules() []*Rule {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]*Rule, 0, len(registry))
	for _, r := range registry {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *Rule) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Lookup returns the rule with the given ID, or nil.
func Lookup(id string) *Rule {
	registryMu.Lock()
	defer registryMu.Unlock()
	return registry[strings.ToUpper(id)]
}

// appliesTo reports whether the rule applies under the configured builder.
func (r *Rule) appliesTo(b ConfigBuilder) bool {
	if len(r.Builders) == 0 || b == "" || b == ConfigBuilderBoth {
		return true
	}
	return slices.Contains(r.Builders, Builder(b))
}

// finish stamps the rule ID, the evidence and the effective severity on a
// rule's raw findings. A finding that set its own severity keeps it unless
// config overrides the rule. A finding without certain evidence (the table
// of well-known images, an inference) is at most a warning, whatever the
// rule or the config says: an error is only ever a fact.
func (r *Rule) finish(cfg *Config, fs []Finding) []Finding {
	override, hasOverride := cfg.severityOverride(r.ID)
	out := fs[:0]
	for _, f := range fs {
		f.RuleID = r.ID
		switch {
		case hasOverride:
			f.Severity = override
		case f.Severity == SeverityOff:
			f.Severity = r.Severity
		}
		if f.Severity == SeverityOff {
			continue
		}
		if f.Evidence == "" {
			f.Evidence = r.defaultEvidence()
		}
		if !f.Evidence.Certain() && f.Severity > SeverityWarning {
			f.Severity = SeverityWarning
		}
		out = append(out, f)
	}
	return out
}

// defaultEvidence is what a rule's findings stand on unless they say:
// image rules judge the image, the others the file.
func (r *Rule) defaultEvidence() Evidence {
	if r.Family == FamilyImage || r.Family == FamilyRuntime {
		return EvidenceImage
	}
	return EvidenceFile
}
