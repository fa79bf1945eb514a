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
	}
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
