package checks

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// SARIF constants: the format version and schema GitHub code scanning
// accepts, and the key under which results carry their fingerprint.
const (
	SARIFVersion = "2.1.0"
	SARIFSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	// SARIFFingerprintKey names coderready's partial fingerprint. GitHub
	// computes primaryLocationLineHash itself (and warns when a tool sends
	// a different value), so the tool's own key is used.
	SARIFFingerprintKey = "coderready/v1"
	// sarifSrcRoot is the uriBaseId of relative artifact URIs.
	sarifSrcRoot = "%SRCROOT%"
)

// The SARIF 2.1.0 subset coderready writes. Field names follow the
// specification; see docs/json-output.md for how findings map onto it.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Version        string      `json:"version"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string            `json:"id"`
		Name                 string            `json:"name,omitempty"`
		ShortDescription     sarifMessage      `json:"shortDescription"`
		FullDescription      sarifMessage      `json:"fullDescription"`
		Help                 sarifHelp         `json:"help"`
		HelpURI              string            `json:"helpUri,omitempty"`
		DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
		Properties           sarifRuleProperty `json:"properties"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifHelp struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown,omitempty"`
	}
	sarifRuleConfig struct {
		Level string `json:"level"`
	}
	sarifRuleProperty struct {
		Tags []string `json:"tags,omitempty"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifMessage      `json:"message"`
		Locations           []sarifLocation   `json:"locations,omitempty"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Fixes               []sarifFix        `json:"fixes,omitempty"`
		Properties          *sarifResultProps `json:"properties,omitempty"`
	}
	// sarifResultProps is a result's property bag: what the finding
	// stands on (image, file, known-base or inferred).
	sarifResultProps struct {
		Evidence Evidence `json:"evidence,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	}
	sarifPhysicalLocation struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Region           *sarifRegion          `json:"region,omitempty"`
	}
	sarifArtifactLocation struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
		EndLine     int `json:"endLine,omitempty"`
		EndColumn   int `json:"endColumn,omitempty"`
	}
	sarifFix struct {
		Description     sarifMessage          `json:"description"`
		ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
	}
	sarifArtifactChange struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Replacements     []sarifReplacement    `json:"replacements"`
	}
	sarifReplacement struct {
		DeletedRegion   sarifRegion   `json:"deletedRegion"`
		InsertedContent *sarifMessage `json:"insertedContent,omitempty"`
	}
)

// RenderSARIF writes the result as a SARIF 2.1.0 log that GitHub code
// scanning accepts: one run whose driver lists every registered rule (with
// help text and a link to its docs/rules.md section), and one result per
// distinct finding with its level, location (a path relative to the
// checkout, %SRCROOT%), region, a partial fingerprint stable across runs
// (rule, path and message, not the line) and the fix as SARIF replacements.
// toolVersion "" is written as "dev".
func RenderSARIF(w io.Writer, r *Result, toolVersion string) error {
	return renderSARIF(w, r, toolVersion, Rules())
}

// renderSARIF is RenderSARIF over a given rule list (tests use a fixed one).
func renderSARIF(w io.Writer, r *Result, toolVersion string, rules []*Rule) error {
	driver := sarifDriver{
		Name:           ToolName,
		InformationURI: ToolURL,
		Version:        cmp.Or(toolVersion, "dev"),
		Rules:          make([]sarifRule, 0, len(rules)),
	}
	index := map[string]int{}
	for _, rule := range rules {
		index[rule.ID] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRuleOf(rule))
	}
	results := []sarifResult{}
	seen := map[string]int{}
	for _, f := range distinctFindings(r) {
		i, ok := index[f.RuleID]
		if !ok {
			// A finding of a rule that is not registered (it should not
			// happen) still needs a descriptor for ruleIndex to point at.
			i = len(driver.Rules)
			index[f.RuleID] = i
			driver.Rules = append(driver.Rules, sarifRule{
				ID:                   f.RuleID,
				ShortDescription:     sarifMessage{Text: f.RuleID},
				FullDescription:      sarifMessage{Text: f.RuleID},
				Help:                 sarifHelp{Text: f.RuleID},
				DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(f.Severity)},
			})
		}
		results = append(results, sarifResultOf(f, i, seen))
	}
	log := sarifLog{
		Schema:  SARIFSchema,
		Version: SARIFVersion,
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("render sarif: %w", err)
	}
	return nil
}

// sarifLevel maps a severity onto SARIF's levels.
func sarifLevel(s Severity) string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	case SeverityInfo:
		return "note"
	}
	return "none"
}

func sarifRuleOf(r *Rule) sarifRule {
	tags := []string{"coder", string(r.Family)}
	for _, b := range r.Builders {
		tags = append(tags, string(b))
	}
	if r.ConfigOnly {
		tags = append(tags, "config")
	}
	return sarifRule{
		ID:               r.ID,
		Name:             ruleName(r.Title),
		ShortDescription: sarifMessage{Text: r.Title},
		FullDescription:  sarifMessage{Text: strings.TrimSpace(r.What)},
		Help: sarifHelp{
			Text: strings.TrimSpace(r.What) + "\n\nWhy: " + strings.TrimSpace(r.Why) +
				"\n\nHow to fix: " + strings.TrimSpace(r.HowToFix),
			Markdown: ruleHelpMarkdown(r),
		},
		HelpURI:              RuleDocURL(r.ID),
		DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(r.Severity)},
		Properties:           sarifRuleProperty{Tags: tags},
	}
}

// ruleName turns a rule title into SARIF's identifier-like name:
// "Final stage runs as root" → "FinalStageRunsAsRoot".
func ruleName(title string) string {
	var b strings.Builder
	for w := range strings.FieldsFuncSeq(title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	return b.String()
}

// ruleHelpMarkdown is a rule's documentation as docs/rules.md has it, for
// code scanning's rule help pane.
func ruleHelpMarkdown(r *Rule) string {
	var b strings.Builder
	writeRuleBody(&b, r, ConfigDocURL)
	return strings.TrimSpace(b.String())
}

func sarifResultOf(f placed, ruleIndex int, seen map[string]int) sarifResult {
	res := sarifResult{
		RuleID:    f.RuleID,
		RuleIndex: ruleIndex,
		Level:     sarifLevel(f.Severity),
		Message:   sarifMessage{Text: f.Message},
	}
	if f.Evidence != "" {
		res.Properties = &sarifResultProps{Evidence: f.Evidence}
	}
	if d := strings.TrimSpace(f.Details); d != "" {
		res.Message.Text += "\n\n" + d
	}
	if f.Fix != nil && f.Fix.Description != "" {
		// Code scanning shows no fixes; the message carries the advice.
		res.Message.Text += "\n\nFix: " + f.Fix.Description
	}
	path := f.Location.Path
	if path == "" && f.target.Kind != KindImage {
		path = f.target.Path
	}
	if path != "" {
		loc := sarifLocation{PhysicalLocation: sarifPhysicalLocation{ArtifactLocation: sarifArtifact(path)}}
		if l := f.Location; l.StartLine > 0 {
			reg := &sarifRegion{StartLine: l.StartLine, StartColumn: l.StartCol, EndColumn: l.EndCol}
			if l.EndLine > l.StartLine {
				reg.EndLine = l.EndLine
			}
			if l.EndCol > 0 && reg.EndLine == 0 && l.EndCol <= l.StartCol {
				reg.EndColumn = 0 // an empty or inverted span: keep the start only
			}
			loc.PhysicalLocation.Region = reg
		}
		res.Locations = []sarifLocation{loc}
	}
	// The fingerprint leaves out the line so an alert survives edits above
	// it; a counter tells apart equal findings in one file.
	sum := sha256.Sum256([]byte(f.RuleID + "\x00" + sarifURIKey(path, f) + "\x00" + f.Message))
	h := hex.EncodeToString(sum[:16])
	seen[h]++
	res.PartialFingerprints = map[string]string{SARIFFingerprintKey: h + ":" + strconv.Itoa(seen[h])}
	if f.Fix != nil {
		if sf := sarifFixOf(f.Fix); len(sf.ArtifactChanges) > 0 {
			res.Fixes = []sarifFix{sf}
		}
	}
	return res
}

// sarifURIKey is the path part of a fingerprint: the artifact URI, or the
// image for a finding about an image.
func sarifURIKey(path string, f placed) string {
	if path != "" {
		return sarifArtifact(path).URI
	}
	return f.target.Path
}

// sarifArtifact turns a reported path into an artifact location: relative
// paths (the normal case: the scan ran at the checkout's root) are URIs
// relative to %SRCROOT%, absolute ones file:// URIs.
func sarifArtifact(p string) sarifArtifactLocation {
	p = strings.ReplaceAll(p, "\\", "/")
	abs := strings.HasPrefix(p, "/")
	for strings.HasPrefix(p, "./") {
		p = p[2:]
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	u := strings.Join(segs, "/")
	if abs {
		return sarifArtifactLocation{URI: "file:///" + u}
	}
	return sarifArtifactLocation{URI: u, URIBaseID: sarifSrcRoot}
}

// sarifFixOf turns a fix's whole-line edits into SARIF replacements. A
// replaced line range is the lines without their final line break, so the
// inserted text needs none; a deletion runs to the start of the next line.
func sarifFixOf(fix *Fix) sarifFix {
	sf := sarifFix{Description: sarifMessage{Text: fix.Description}, ArtifactChanges: []sarifArtifactChange{}}
	byPath := map[string]int{}
	for _, e := range fix.Edits {
		if e.StartLine < 1 || e.EndLine < e.StartLine {
			continue
		}
		i, ok := byPath[e.Path]
		if !ok {
			i = len(sf.ArtifactChanges)
			byPath[e.Path] = i
			sf.ArtifactChanges = append(sf.ArtifactChanges, sarifArtifactChange{ArtifactLocation: sarifArtifact(e.Path)})
		}
		var rep sarifReplacement
		if e.Delete {
			rep.DeletedRegion = sarifRegion{StartLine: e.StartLine, StartColumn: 1, EndLine: e.EndLine + 1, EndColumn: 1}
		} else {
			rep.DeletedRegion = sarifRegion{StartLine: e.StartLine, EndLine: e.EndLine}
			rep.InsertedContent = &sarifMessage{Text: e.Text}
		}
		sf.ArtifactChanges[i].Replacements = append(sf.ArtifactChanges[i].Replacements, rep)
	}
	return sf
}
