package checks

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coderready/coderready/internal/golden"
)

// TestDocsRulesUpToDate fails when docs/rules.md is not what the registry
// generates.
func TestDocsRulesUpToDate(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteRulesDoc(&buf); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join("..", "docs", "rules.md")
	have, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("docs/rules.md is missing: run go generate ./checks (%v)", err)
	}
	if !bytes.Equal(have, buf.Bytes()) {
		t.Errorf("docs/rules.md is stale: run go generate ./checks\nfirst difference at %s", golden.FirstDiff(string(have), buf.String()))
	}
}

// TestDocsRulesEveryRule checks that the generated doc has a table row and
// an anchored section for every registered rule.
func TestDocsRulesEveryRule(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteRulesDoc(&buf); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	for _, r := range Rules() {
		id := r.ID
		for _, want := range []string{
			"| [" + id + "](#" + strings.ToLower(id) + ") |",
			"<a id=\"" + strings.ToLower(id) + "\"></a>",
			"## " + id + " — ",
		} {
			if !strings.Contains(doc, want) {
				t.Errorf("%s: doc lacks %q", id, want)
			}
		}
	}
}

func TestDocsRulesLayout(t *testing.T) {
	rules := sampleRules()
	rules[1].Why = "Coder wants a non-root user.\n\nSource: `seed` — [Coder docs](https://example.com) (x)."
	rules[1].Title = "Final | stage"
	var b strings.Builder
	if err := writeRulesDoc(&b, rules); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	for _, want := range []string{
		"| [CR101](#cr101) | Final \\| stage | warning | Dockerfile | any |\n",
		"| [CR207](#cr207) | Property envbuilder ignores | info | devcontainer.json | envbuilder (EB) |\n",
		"<a id=\"cr103\"></a>\n\n## CR103 — Base image not allowed\n\n**Default severity:** error · **Applies to:** Dockerfile · **Builders:** any\n\n" +
			"> **Config-only:** this rule does nothing until [config](config.md) gives it input.\n\n**What**\n\nNot an allowed base.\n\n",
		"**Why**\n\nCoder wants a non-root user.\n\nSources:\n\n" +
			"- [Coder docs: Image Management](https://coder.com/docs/admin/templates/managing-templates/image-management) — coder/coder docs/admin/templates/managing-templates/image-management.md\n\n" +
			"**How to fix**\n\nAdd `USER coder`.\n",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("doc lacks:\n%s\n--- doc:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "Source: `seed`") {
		t.Error("the Why's own Source paragraph is repeated above the Sources list")
	}
}
