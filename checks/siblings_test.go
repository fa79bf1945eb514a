package checks

import (
	"slices"
	"testing"

	"github.com/coderready/coderready/dockerfile"
)

func TestBuiltName(t *testing.T) {
	for p, want := range map[string]string{
		"images/base-notebook/Dockerfile":                              "base-notebook",
		"containers/python-3/.devcontainer/base.Dockerfile":            "python-3",
		"containers/python-3/.devcontainer/Dockerfile":                 "python-3",
		"build/Dockerfile.workspace":                                   "workspace",
		"docs/recipes/xgboost.dockerfile":                              "xgboost",
		"images/Tools.Dockerfile":                                      "tools",
		"Dockerfile":                                                   "",
		"chunks/lang-go/Dockerfile":                                    "lang-go",
		"src/universal/.devcontainer/Dockerfile":                       "universal",
		"a/b/Containerfile":                                            "b",
		"microsoft/vscode-dev-containers/containers/x/base.Dockerfile": "x",
	} {
		if got := builtName(p); got != want {
			t.Errorf("builtName(%q) = %q, want %q", p, got, want)
		}
	}
}

// testSiblings indexes the Dockerfiles files holds (path to content),
// parsed on first use.
func testSiblings(t *testing.T, files map[string]string) *Siblings {
	t.Helper()
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return NewSiblings(paths, func(p string) *dockerfile.File {
		f, err := dockerfile.Parse(p, []byte(files[p]))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return f
	})
}

func TestSiblings(t *testing.T) {
	files := map[string]string{
		// docker-stacks: foundation sets HOME and the user, base builds on it.
		"images/foundation/Dockerfile": "ARG ROOT_IMAGE=ubuntu:24.04\nFROM $ROOT_IMAGE\nARG NB_USER=jovyan\nARG NB_UID=1000\n" +
			"ENV HOME=\"/home/${NB_USER}\"\nRUN useradd -m -u 1000 jovyan\nUSER ${NB_UID}\n",
		"images/base/Dockerfile": "ARG BASE_IMAGE=quay.io/jupyter/foundation\nFROM $BASE_IMAGE\nUSER root\nRUN apt-get update\nUSER 1000\n",
		// Two Dockerfiles named "twin" that disagree.
		"a/twin/Dockerfile": "FROM debian:12\nUSER alice\n",
		"b/twin/Dockerfile": "FROM debian:12\nUSER bob\n",
		// A cycle.
		"x/loop-a/Dockerfile": "FROM acme/loop-b\n",
		"x/loop-b/Dockerfile": "FROM acme/loop-a\n",
		// Extends the upstream image of its own name.
		"node/Dockerfile": "FROM acme/node:20\nUSER node\n",
		// Its base's user is not known.
		"chunks/tool/Dockerfile": "ARG base\nFROM ${base}\nRUN true\n",
		// Two Dockerfiles named "minimal" that agree on the user but not
		// the distribution.
		"experimental/alpine/minimal/Dockerfile": "FROM alpine:3.20\nRUN adduser -D dev\nUSER dev\n",
		"ubuntu/minimal/Dockerfile":              "FROM ubuntu:24.04\nRUN useradd -m dev\nUSER dev\n",
		// A serving image in a folder named like a deep reference's last
		// part, and one whose path has the part before it too.
		"ai-ml/gke-ray/rayserve/llm/tpu/Dockerfile": "FROM python:3.12\nRUN pip install ray\n",
		"images/jax-ai-image/gpu/Dockerfile":        "FROM ubuntu:24.04\nRUN useradd -m dev\nUSER dev\n",
	}
	s := testSiblings(t, files)
	r := s.Resolver(nil)
	tests := []struct {
		ref        string
		known      bool
		user, home string
		source     string
		family     OSFamily
		familyEv   Evidence
		sibling    string
	}{
		{"quay.io/jupyter/foundation:2024", true, "1000", "/home/jovyan", "sibling", OSDebian, EvidenceKnownBase, "images/foundation/Dockerfile"},
		{"docker.io/jupyter/base@sha256:abc", true, "1000", "/home/jovyan", "sibling", OSDebian, EvidenceKnownBase, "images/base/Dockerfile"},
		{"acme/twin", false, "", "", "table", OSUnknown, "", ""},
		{"acme/loop-a", false, "", "", "table", OSUnknown, "", ""},
		{"acme/node:20", false, "", "", "table", OSUnknown, "", ""}, // not the official node: no guess
		{"acme/tool", false, "", "", "table", OSUnknown, "", ""},
		{"databricksruntime/minimal:experimental", true, "dev", "", "sibling", OSUnknown, "", "experimental/alpine/minimal/Dockerfile"},
		// A deep reference matches only a Dockerfile whose path has the
		// part before its name.
		{"us-docker.pkg.dev/cloud-tpu-images/jax-ai-image/tpu:jax0.7.2-rev1", false, "", "", "table", OSUnknown, "", ""},
		{"us-docker.pkg.dev/cloud-tpu-images/jax-ai-image/gpu:1", true, "dev", "", "sibling", OSDebian, EvidenceKnownBase, "images/jax-ai-image/gpu/Dockerfile"},
		// The table answers first when it knows the user.
		{"ubuntu:24.04", true, "", "", "table", OSDebian, EvidenceKnownBase, ""},
	}
	for _, tt := range tests {
		b := r.BaseFacts(tt.ref)
		if b.KnowsUser() != tt.known || b.User != tt.user || b.Home != tt.home || b.Source != tt.source ||
			b.Family != tt.family || b.Sibling != tt.sibling || tt.familyEv != "" && b.familyEvidence() != tt.familyEv {
			t.Errorf("%s: known %v user %q home %q source %q family %q (%s) sibling %q", tt.ref, b.KnowsUser(), b.User, b.Home,
				b.Source, b.Family, b.familyEvidence(), b.Sibling)
		}
		if b.Source == "sibling" && b.Evidence() != EvidenceFile {
			t.Errorf("%s: evidence %s", tt.ref, b.Evidence())
		}
	}
	if b := r.BaseFacts("quay.io/jupyter/foundation"); len(b.Users) != 1 || b.Users[0] != "jovyan" {
		t.Errorf("users %v", b.Users)
	}
	// The image's facts win over the sibling's.
	img := s.Resolver(staticResolver{BaseFacts{Ref: "quay.io/jupyter/base", Known: true, Source: "image", User: "root"}})
	if b := img.BaseFacts("quay.io/jupyter/base"); b.Source != "image" || b.User != "root" {
		t.Errorf("image facts lost: %+v", b)
	}
}

// staticResolver answers every reference with one set of facts.
type staticResolver struct{ b BaseFacts }

func (r staticResolver) BaseFacts(string) BaseFacts { return r.b }

// TestSiblingsLocal: an image the repository's build files tag itself
// (`-t ${lang}:latest -f intermediate/${lang}.Dockerfile` tags rust:latest)
// is what its own Dockerfile makes, not the Docker Official image the
// table knows; an image it does not tag is still the table's.
func TestSiblingsLocal(t *testing.T) {
	s := testSiblings(t, map[string]string{"intermediate/rust.Dockerfile": "FROM base-system:latest\nRUN useradd -m agent\nUSER agent\n"})
	if b := s.Resolver(nil).BaseFacts("rust:latest"); !b.KnowsUser() || !isRootUser(b.User) || b.Source == "sibling" {
		t.Errorf("not built locally: user %q from %q, want the table's root", b.User, b.Source)
	}
	s.Local = func(ref string) bool { return ref == "rust:latest" }
	if b := s.Resolver(nil).BaseFacts("rust:latest"); b.User != "agent" || b.Source != "sibling" || b.Sibling != "intermediate/rust.Dockerfile" {
		t.Errorf("built locally: user %q from %q (%s), want agent from the sibling", b.User, b.Source, b.Sibling)
	}
	if b := s.Resolver(nil).BaseFacts("rust:1.83"); !b.KnowsUser() || !isRootUser(b.User) {
		t.Errorf("another tag: user %q, want the table's root", b.User)
	}
}

// TestSiblingsVersionFolders: a repository that keeps a folder per version
// builds `x:8.0` in `x-8.0/` (the longest version the tag starts with), not
// in the unversioned `x/`; a tag no folder names is not known.
func TestSiblingsVersionFolders(t *testing.T) {
	files := map[string]string{
		"percona-server-mongodb/Dockerfile":     "FROM debian/eol:jessie\nUSER mongodb\n",
		"percona-server-mongodb-8.0/Dockerfile": "FROM redhat/ubi9-minimal\nUSER 1001\n",
		"percona-server-mongodb-7.0/Dockerfile": "FROM oraclelinux:8\nUSER 1001\n",
	}
	s := testSiblings(t, files)
	r := s.Resolver(nil)
	for ref, want := range map[string]string{
		"percona/percona-server-mongodb:8.0":     "percona-server-mongodb-8.0/Dockerfile",
		"percona/percona-server-mongodb:8.0.4-1": "percona-server-mongodb-8.0/Dockerfile",
		"percona/percona-server-mongodb:7.0":     "percona-server-mongodb-7.0/Dockerfile",
		"percona/percona-server-mongodb:6.0":     "",
		"percona/percona-server-mongodb":         "percona-server-mongodb/Dockerfile",
	} {
		if b := r.BaseFacts(ref); b.Sibling != want {
			t.Errorf("%s: from %q, want %q", ref, b.Sibling, want)
		}
	}
}
