package checks

//go:generate go run ../tools/rulesdoc -o ../docs/rules.md

import (
	"fmt"
	"io"
	"strings"
)

// ConfigDocURL is where docs/config.md is published.
const ConfigDocURL = ToolURL + "/blob/main/docs/config.md"

// WriteRulesDoc writes docs/rules.md: an introduction, a table of every
// registered rule, and a section per rule (anchored #crxxx) with its default
// severity, what it applies to, what it finds, why it matters (with its
// sources) and how to fix it. The output depends only on the registry, so
// it is reproducible; `go generate ./checks` rewrites the file.
func WriteRulesDoc(w io.Writer) error {
	return writeRulesDoc(w, Rules())
}

func writeRulesDoc(w io.Writer, rules []*Rule) error {
	var b strings.Builder
	b.WriteString(`# coderready rules

<!-- Generated from the rule registry by tools/rulesdoc: run ` + "`go generate ./checks`" + `. Do not edit by hand. -->

Each rule has a stable ID that never changes meaning: ` + "`CR1xx`" + ` rules read
Dockerfiles, ` + "`CR2xx`" + ` rules read ` + "`devcontainer.json`" + ` files, ` + "`CR3xx`" + ` rules read
the built or referenced image, ` + "`CR4xx`" + ` rules run it: the agent bootstrap probe
starts the built image as a Coder template does and lets Coder's bootstrap
download and start a stand-in agent (config ` + "`probe`" + `, ` + "`--no-probe`" + `). The
severity shown is the default;
[config](config.md) can change it or turn a rule off:

` + "```yaml" + `
rules:
  CR102: error
  CR207: off
` + "```" + `

A Dockerfile instruction can silence rules with a comment directly above it:
` + "`# coderready:ignore=CR101,CR105`" + ` (` + "`*`" + ` for every rule).

Dev Containers run in Coder through **envbuilder** or through Coder's
**native** Dev Containers integration. Rules marked with a builder apply only
to that builder; config ` + "`devcontainer.builder`" + ` (default ` + "`both`" + `) selects which
apply. *Config-only* rules do nothing until config gives them input (an
allowed-base list, an org CA).

Every finding says what it stands on (` + "`evidence`" + ` in JSON and SARIF): ` + "`image`" + `
(read from the built or base image), ` + "`file`" + ` (the Dockerfile or
` + "`devcontainer.json`" + ` itself), ` + "`known-base`" + ` (the table of well-known images,
when the base image could not be read) or ` + "`inferred`" + ` (a guess from names and
conventions). Only ` + "`image`" + ` and ` + "`file`" + ` evidence gives an error: a finding
from the table or a guess is at most a warning, whatever the rule's default or
the config says, and the text, Markdown and annotation outputs say which it is
(a guess that is not about the base image says what it could not know, ` + "`guess`" + ` in JSON).

A Dockerfile is read as the repository builds it. One a ` + "`devcontainer.json`" + `
or Compose service builds gets their build arguments, target and context. One
built on its own takes, for a ` + "`FROM`" + ` build argument, the one written-out
value the repository's scripts, workflows, Makefiles, bake or Compose files pass
it (` + "`--build-arg go_builder_image=$(GO_BUILDER_IMAGE)`" + ` with the Makefile's
` + "`GO_BUILDER_IMAGE := golang:1.26.6`" + `), and as its context its own folder, or
the nearest folder above it that holds every path it copies.

## Contents

| ID | Title | Default severity | Family | Builders |
| --- | --- | --- | --- | --- |
`)
	for _, r := range rules {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s | %s |\n",
			r.ID, ruleAnchor(r.ID), docCell(r.Title), r.Severity, docFamily(r.Family), docBuilders(r.Builders))
	}
	for _, r := range rules {
		fmt.Fprintf(&b, "\n<a id=\"%s\"></a>\n\n## %s — %s\n\n", ruleAnchor(r.ID), r.ID, docOneLine(r.Title))
		writeRuleBody(&b, r, "config.md")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write rules doc: %w", err)
	}
	return nil
}

// writeRuleBody writes a rule's section below its heading; configURL is the
// link to docs/config.md (relative in docs/rules.md, absolute in SARIF rule
// help).
func writeRuleBody(b *strings.Builder, r *Rule, configURL string) {
	fmt.Fprintf(b, "**Default severity:** %s · **Applies to:** %s · **Builders:** %s\n\n",
		r.Severity, docFamily(r.Family), docBuilders(r.Builders))
	if r.ConfigOnly {
		fmt.Fprintf(b, "> **Config-only:** this rule does nothing until [config](%s) gives it input.\n\n", configURL)
	}
	fmt.Fprintf(b, "**What**\n\n%s\n\n", strings.TrimSpace(r.What))
	fmt.Fprintf(b, "**Why**\n\n%s\n\n", docWhy(r))
	if len(r.Sources) > 0 {
		b.WriteString("Sources:\n\n")
		for _, k := range r.Sources {
			s := Sources[k]
			fmt.Fprintf(b, "- [%s](%s) — %s\n", s.Title, s.URL, s.Where)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "**How to fix**\n\n%s\n", strings.TrimSpace(r.HowToFix))
}

// docWhy returns a rule's Why without a closing "Source: …" paragraph:
// the sources are listed under it from Rule.Sources.
func docWhy(r *Rule) string {
	why := strings.TrimSpace(r.Why)
	if len(r.Sources) == 0 {
		return why
	}
	if i := strings.LastIndex(why, "\n\n"); i >= 0 {
		last := why[i+2:]
		if strings.HasPrefix(last, "Source: ") || strings.HasPrefix(last, "Sources: ") {
			return strings.TrimSpace(why[:i])
		}
	}
	return why
}

// docFamily is how the docs name what a family of rules reads.
func docFamily(f Family) string {
	switch f {
	case FamilyDockerfile:
		return "Dockerfile"
	case FamilyDevcontainer:
		return "devcontainer.json"
	case FamilyImage:
		return "image"
	case FamilyRuntime:
		return "image, run"
	}
	return string(f)
}

// docBuilders lists the Dev Container builders a rule is about.
func docBuilders(bs []Builder) string {
	if len(bs) == 0 {
		return "any"
	}
	names := make([]string, len(bs))
	for i, b := range bs {
		switch b {
		case BuilderEnvbuilder:
			names[i] = "envbuilder (EB)"
		case BuilderNative:
			names[i] = "native (N)"
		default:
			names[i] = string(b)
		}
	}
	return strings.Join(names, ", ")
}

// docCell makes text safe inside a Markdown table cell.
func docCell(s string) string {
	return strings.ReplaceAll(docOneLine(s), "|", `\|`)
}

// docOneLine joins a text's lines with spaces.
func docOneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// RuleDocMarkdown is a rule's documentation as docs/rules.md has it below
// the rule's heading (severity, what, why with its sources, how to fix),
// for pages that show one rule; configURL is the link to docs/config.md.
func RuleDocMarkdown(r *Rule, configURL string) string {
	var b strings.Builder
	writeRuleBody(&b, r, configURL)
	return b.String()
}

// RuleAnchor is the HTML anchor of a rule's section in docs/rules.md
// ("cr101").
func RuleAnchor(id string) string { return ruleAnchor(id) }

// FamilyName is how the docs name what a family of rules reads
// ("Dockerfile", "devcontainer.json", "image").
func FamilyName(f Family) string { return docFamily(f) }
