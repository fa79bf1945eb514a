package scan

import (
	"context"
	"testing"

	"github.com/coderready/coderready/checks"
)

// TestServiceImageLowered: a service's image gets one CR127 note and its
// warnings are lowered to info; a workspace image beside it keeps its
// own; config `check-service-images` and a Compose service that builds
// another stage of the Dockerfile keep the service image's too.
func TestServiceImageLowered(t *testing.T) {
	const service = "FROM golang:1.23 AS builder\nRUN go build -o /out/manager .\nFROM alpine:latest\nCOPY --from=builder /out/manager /manager\nENTRYPOINT [\"/manager\"]\n"
	const workspace = "FROM ubuntu:latest\nRUN apt-get update && apt-get install -y curl git\n"
	severities := func(t *testing.T, root string, cfg *checks.Config) map[string]map[string]checks.Severity {
		t.Helper()
		rep, err := Run(context.Background(), root, Options{Config: cfg, Bases: noBases{}, RootRelative: true})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]map[string]checks.Severity{}
		for _, tr := range rep.Targets {
			out[tr.Path] = map[string]checks.Severity{}
			for _, f := range tr.Findings {
				out[tr.Path][f.RuleID] = max(out[tr.Path][f.RuleID], f.Severity)
			}
		}
		return out
	}
	files := map[string]string{"operator/Dockerfile": service, "images/base/Dockerfile": workspace}
	got := severities(t, writeTree(t, files), checks.DefaultConfig())
	if s, ok := got["operator/Dockerfile"]["CR127"]; !ok || s != checks.SeverityInfo {
		t.Errorf("operator: CR127 %v (%v), want one note: %v", s, ok, got["operator/Dockerfile"])
	}
	if s := got["operator/Dockerfile"]["CR102"]; s != checks.SeverityInfo {
		t.Errorf("operator: CR102 at %v, want info", s)
	}
	if _, ok := got["images/base/Dockerfile"]["CR127"]; ok || got["images/base/Dockerfile"]["CR102"] != checks.SeverityWarning {
		t.Errorf("workspace image: %v, want CR102 at warning and no CR127", got["images/base/Dockerfile"])
	}

	cfg := checks.DefaultConfig()
	cfg.CheckServiceImages = true
	got = severities(t, writeTree(t, files), cfg)
	if _, ok := got["operator/Dockerfile"]["CR127"]; ok || got["operator/Dockerfile"]["CR102"] != checks.SeverityWarning {
		t.Errorf("check-service-images: %v, want CR102 at warning and no CR127", got["operator/Dockerfile"])
	}

	files[".github/workflows/ci.yml"] = "jobs:\n  t:\n    steps:\n      - run: docker build --target builder -f operator/Dockerfile operator\n"
	got = severities(t, writeTree(t, files), checks.DefaultConfig())
	if s, ok := got["operator/Dockerfile"]["CR127"]; !ok || s != checks.SeverityInfo {
		t.Errorf("a CI job's build of another stage: %v, want the note still", got["operator/Dockerfile"])
	}
	delete(files, ".github/workflows/ci.yml")

	files["operator/compose.yaml"] = "services:\n  shell:\n    build:\n      context: .\n      target: builder\n    command: sleep infinity\n"
	got = severities(t, writeTree(t, files), checks.DefaultConfig())
	if _, ok := got["operator/Dockerfile"]["CR127"]; ok || got["operator/Dockerfile"]["CR102"] != checks.SeverityWarning {
		t.Errorf("another stage built as an image: %v, want CR102 at warning and no CR127", got["operator/Dockerfile"])
	}
}
