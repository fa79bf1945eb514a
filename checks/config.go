package checks

import "strings"

// ConfigBuilder selects which Dev Container builder's rules apply.
type ConfigBuilder string

// Values of `devcontainer.builder` in config.
const (
	ConfigBuilderBoth       ConfigBuilder = "both"
	ConfigBuilderEnvbuilder ConfigBuilder = "envbuilder"
	ConfigBuilderNative     ConfigBuilder = "native"
)

// RuleConfig is what config says of one rule.
type RuleConfig struct {
	// Severity overrides the rule's default; SeverityOff disables it.
	Severity Severity
}

// OrgCA is a certificate authority the organisation's Coder deployment uses.
type OrgCA struct {
	Name string
	// SHA256 is the certificate's fingerprint, lower-case hex without colons.
	SHA256 string
}

// Config is the user's policy, read from `.coderready.yaml` or
// `.github/coderready.yaml`. The zero value is not ready to use; start from
// DefaultConfig.
type Config struct {
	// Path is the file the config came from ("" for the built-in default).
	Path string
	// Rules holds per-rule overrides keyed by rule ID.
	Rules map[string]RuleConfig
	// RequiredTools must be on the image's PATH (CR313 at error).
	RequiredTools []string
	// RecommendedTools should be on the image's PATH (CR313 at info).
	RecommendedTools []string
	// AllowedBases are globs of image references the final stage may build
	// on (CR103). Empty means any base.
	AllowedBases []string
	// RequireDigest makes CR102 demand a digest on every registry FROM.
	RequireDigest bool
	// CheckTemplates checks templates (Dev Container Template sources,
	// generator templates, placeholder bases) as the Dockerfiles and
	// devcontainer.json files they are not yet; by default each is noted
	// once (CR120, CR220) and its placeholders are not reported.
	CheckTemplates bool
	// CheckServiceImages judges a service's image (CR127) as a workspace
	// image: its warnings are not lowered to info.
	CheckServiceImages bool
	// IgnorePaths are globs (slash-separated, relative to the scanned root,
	// `**` for any depth) of files not to check.
	IgnorePaths []string
	// OrgCAs are the CAs images must trust (CR108, CR307).
	OrgCAs []OrgCA
	// Builder picks the Dev Container builder rules (EB/N) that apply.
	Builder ConfigBuilder
	// MaxImageSize and MaxLayers are the image budget (CR315); zero means
	// no budget.
	MaxImageSize int64
	MaxLayers    int
	// ImageRole is what the images are for: RoleWorkspace (default) or
	// RoleDevcontainerHost (CR324).
	ImageRole string
	// App holds what the GitHub App does with the findings (config `app`).
	App AppConfig
	// Probe is how built images are run to prove the agent starts
	// (config `probe`).
	Probe ProbeConfig

	// ignore is IgnorePaths compiled by ParseConfig (see Ignored).
	ignore *ignoreSet
}

// ProbeConfig is config `probe`: `probe: off` (or `on`, the default), or
// a mapping with `enabled` and `user`.
type ProbeConfig struct {
	// Off turns the agent bootstrap probe off.
	Off bool
	// User runs the bootstrap instead of the image's USER (or the
	// devcontainer's containerUser or remoteUser): the user the template
	// starts the workspace as, when it sets one.
	User string
}

// AppConfig is how the GitHub App reports: the check run conclusion, fork
// builds and review suggestions. The CLI ignores it.
type AppConfig struct {
	// FailOn is the least severity that makes a check run's conclusion
	// `failure` (default error; SeverityOff: never fail).
	FailOn Severity
	// NeutralOn is the least severity that makes it `neutral` when nothing
	// fails (default warning; SeverityOff: never neutral).
	NeutralOn Severity
	// BuildForks builds pull requests from forks. Off by default: a fork's
	// Dockerfile is code from outside the organisation; static and
	// base-image checks still run.
	BuildForks bool
	// Suggestions posts fixes as review suggestions (default true).
	Suggestions bool
	// Existing is how a pull request's check run annotates findings the
	// base branch has too: ExistingNotice (default), ExistingAnnotate or
	// ExistingHide.
	Existing string
	// FailOnExisting makes findings the base branch has too count toward
	// the conclusion (default false: only what the pull request adds).
	FailOnExisting bool
	// OutdatedSuggestions is what becomes of the app's review suggestions
	// whose fix a newer head no longer has: OutdatedEdit (default),
	// OutdatedDelete or OutdatedKeep.
	OutdatedSuggestions string
}

// Values of config `app.existing`.
const (
	// ExistingNotice annotates findings already on the base branch as
	// notices, whatever their severity.
	ExistingNotice = "notice"
	// ExistingAnnotate annotates them at their own severity.
	ExistingAnnotate = "annotate"
	// ExistingHide does not annotate them (the summary still lists them).
	ExistingHide = "hide"
)

// Values of config `app.outdated-suggestions`.
const (
	// OutdatedEdit edits an outdated suggestion into a short note that
	// says it was fixed (or changed) in which commit, without the
	// suggestion, so it cannot be committed any more.
	OutdatedEdit = "edit"
	// OutdatedDelete deletes it, but edits one somebody replied to: the
	// replies keep their context.
	OutdatedDelete = "delete"
	// OutdatedKeep leaves it as it is.
	OutdatedKeep = "keep"
)

// Conclusion is the check run conclusion for findings at most severity max
// (SeverityOff when there are none): "failure", "neutral" or "success".
func (a AppConfig) Conclusion(highest Severity) string {
	switch {
	case highest != SeverityOff && a.FailOn != SeverityOff && highest >= a.FailOn:
		return "failure"
	case highest != SeverityOff && a.NeutralOn != SeverityOff && highest >= a.NeutralOn:
		return "neutral"
	}
	return "success"
}

// Image roles for config `image.role`.
const (
	RoleWorkspace        = "workspace"
	RoleDevcontainerHost = "devcontainer-host"
)

// DefaultConfig returns the policy used when no config file exists.
func DefaultConfig() *Config {
	return &Config{
		Rules:            map[string]RuleConfig{},
		RecommendedTools: []string{"bash", "ssh", "jq"},
		Builder:          ConfigBuilderBoth,
		App: AppConfig{
			Existing:            ExistingNotice,
			FailOn:              SeverityError,
			NeutralOn:           SeverityWarning,
			Suggestions:         true,
			OutdatedSuggestions: OutdatedEdit,
		},
	}
}

// Clone returns a deep copy of c, so that parsing a file over it leaves c
// unchanged.
func (c *Config) Clone() *Config {
	out := *c
	out.Rules = make(map[string]RuleConfig, len(c.Rules))
	for k, v := range c.Rules {
		out.Rules[k] = v
	}
	out.RequiredTools = append([]string(nil), c.RequiredTools...)
	out.RecommendedTools = append([]string(nil), c.RecommendedTools...)
	out.AllowedBases = append([]string(nil), c.AllowedBases...)
	out.IgnorePaths = append([]string(nil), c.IgnorePaths...)
	out.ignore = c.ignore.rebind(c.IgnorePaths, out.IgnorePaths)
	out.OrgCAs = append([]OrgCA(nil), c.OrgCAs...)
	return &out
}

// severityOverride returns the configured severity of a rule, if any.
func (c *Config) severityOverride(id string) (Severity, bool) {
	if c == nil {
		return SeverityOff, false
	}
	rc, ok := c.Rules[strings.ToUpper(id)]
	return rc.Severity, ok
}

// Enabled reports whether a rule produces findings under this config.
func (c *Config) Enabled(r *Rule) bool {
	if s, ok := c.severityOverride(r.ID); ok && s == SeverityOff {
		return false
	}
	return r.appliesTo(c.builder())
}

func (c *Config) builder() ConfigBuilder {
	if c == nil {
		return ConfigBuilderBoth
	}
	return c.Builder
}
