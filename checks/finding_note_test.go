package checks

import (
	"bytes"
	"strings"
	"testing"
)

// TestEvidenceNoteSaysWhatWasGuessed: a guess about something other than
// the base image (CR221's bind-mount source) tells the reader what could
// not be known, not that the base image was not read.
func TestEvidenceNoteSaysWhatWasGuessed(t *testing.T) {
	fs := runDevcontainerCase(t, "CR221", dcCase{
		json: "{\n  \"image\": \"x\",\n  \"mounts\": [\"source=${localEnv:HOME}/.ssh,target=/home/vscode/.ssh,type=bind\"]\n}",
	})
	if len(fs) != 1 {
		t.Fatalf("want one CR221 finding, got %v", fs)
	}
	f := fs[0]
	if f.Evidence != EvidenceInferred || f.Guess == "" {
		t.Fatalf("evidence %q guess %q: want an inferred finding that says its guess", f.Evidence, f.Guess)
	}
	res := &Result{Root: ".", Targets: []TargetResult{{Path: f.Location.Path, Kind: KindDevcontainer, Findings: fs}}}
	var text bytes.Buffer
	if err := RenderText(&text, res, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	md := RenderMarkdown(&res.Targets[0], MarkdownOptions{})
	for name, out := range map[string]string{"text": text.String(), "markdown": md} {
		if !strings.Contains(out, "inferred: "+f.Guess) {
			t.Errorf("%s output does not say the guess %q:\n%s", name, f.Guess, out)
		}
		if strings.Contains(out, "base image was not read") {
			t.Errorf("%s output blames the base image for a bind mount:\n%s", name, out)
		}
	}

	fs = runDevcontainerCase(t, "CR221", dcCase{
		json: `{"image": "x", "mounts": ["source=${localEnv:USERPROFILE}/.ssh,target=/home/vscode/.ssh,type=bind"]}`,
	})
	if len(fs) != 1 || fs[0].Evidence != EvidenceFile || fs[0].EvidenceNote() != "" || !strings.Contains(fs[0].Message, "the source is `/.ssh`") {
		t.Errorf("a Windows-only source is certain to be missing: want one file-evidence finding naming `/.ssh`, got %+v", fs)
	}

	tests := []struct {
		f    Finding
		want string
	}{
		{Finding{Evidence: EvidenceFile, Guess: "ignored on a fact"}, ""},
		{Finding{Evidence: EvidenceKnownBase, Guess: "ignored on the table"}, EvidenceKnownBase.Note()},
		{Finding{Evidence: EvidenceInferred}, EvidenceInferred.Note()},
		{Finding{Evidence: EvidenceInferred, Guess: "what was not known"}, "inferred: what was not known"},
	}
	for _, tt := range tests {
		if got := tt.f.EvidenceNote(); got != tt.want {
			t.Errorf("EvidenceNote(%q, %q) = %q, want %q", tt.f.Evidence, tt.f.Guess, got, tt.want)
		}
	}
}
