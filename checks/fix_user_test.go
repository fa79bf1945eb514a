package checks

import (
	"strings"
	"testing"

	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/image"
)

// TestInstallFixOnNonRootBase: an install inserted after FROM of a base that
// runs as a non-root user is wrapped in USER root ... USER <user>, or the
// suggested RUN would fail for lack of permission.
func TestInstallFixOnNonRootBase(t *testing.T) {
	facts := &image.Facts{
		Platform:       image.Platform{OS: "linux", Architecture: "amd64"},
		Config:         image.Config{User: "coder", Env: []string{"PATH=/usr/bin:/bin"}},
		Users:          []image.User{{Name: "root", Home: "/root", Shell: "/bin/sh"}, {Name: "coder", UID: 1000, GID: 1000, Home: "/home/coder", Shell: "/bin/sh"}},
		PackageManager: "apt",
		Files:          image.NewFileIndex(nil),
	}
	for _, tt := range []struct {
		name, user, src, want string
	}{
		{"non-root base", "coder", "FROM acme/base:1\nRUN make\n", "FROM acme/base:1\nUSER root\nRUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*\nUSER coder"},
		{"root base", "", "FROM acme/base:1\nRUN make\n", "FROM acme/base:1\nRUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			facts.Config.User = tt.user
			f, err := dockerfile.Parse("Dockerfile", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			var fix *Fix
			for _, fd := range CheckImage(&ImageInput{Facts: facts, Config: DefaultConfig(), Ref: "acme/base:1", Dockerfile: f}) {
				if fd.RuleID == "CR301" {
					fix = fd.Fix
				}
			}
			if fix == nil || len(fix.Edits) != 1 {
				t.Fatalf("want a CR301 fix with one edit, got %+v", fix)
			}
			if got := fix.Edits[0].Text; got != tt.want {
				t.Errorf("edit:\n%s\nwant:\n%s", got, tt.want)
			}
			if strings.Count(fix.Edits[0].Text, "USER root") > 1 {
				t.Errorf("USER root twice")
			}
		})
	}
}

// TestCR101FixUserFromScript: a user a script the RUN runs makes (and the
// default user it deletes) are the image's: the fix switches to it and
// makes no other user with its UID.
func TestCR101FixUserFromScript(t *testing.T) {
	src := "FROM ubuntu:noble\nCOPY --chmod=755 /scripts/dist/ /scripts/\nRUN apt-get update && /scripts/create-users.sh\nCMD [\"tail\", \"-f\", \"/dev/null\"]\n"
	script := "#!/usr/bin/env bash\nuserdel -r -f ubuntu\nuseradd -u 1000 -r -N -g 1000 -m -d /home/photoprism -s /bin/bash photoprism\n"
	got := checkRule(t, "CR101", src, withContext(map[string]string{"scripts/dist/create-users.sh": script}))
	if len(got) != 1 || got[0].Fix == nil || !strings.Contains(got[0].Fix.Description, "`photoprism`") ||
		strings.Contains(strings.Join(editStrings(got[0]), "\n"), "useradd") {
		t.Fatalf("CR101 %+v, want a fix that switches to the script's user", got)
	}
}

// TestCR101OfficialImageTagFromBuildArg: a Docker Official image whose tag
// the build passes (`python:${PYTHON_VERSION}-slim`, a workflow's matrix)
// runs as the user all its variants have: root for python.
func TestCR101OfficialImageTagFromBuildArg(t *testing.T) {
	passed := func(in *DockerfileInput) { in.BuildArgs = map[string]string{"PYTHON_VERSION": "${{ matrix.python }}"} }
	got := checkRule(t, "CR101", "ARG PYTHON_VERSION\nFROM python:${PYTHON_VERSION}-slim\nRUN pip install x\n", passed)
	if len(got) != 1 || got[0].Evidence != EvidenceKnownBase {
		t.Fatalf("CR101 %+v, want one finding from the table", got)
	}
	// Another registry's image of that name says nothing.
	if got := checkRule(t, "CR101", "ARG V=1\nFROM ghcr.io/acme/python:${V}-slim\nRUN echo x\n", func(in *DockerfileInput) { in.BuildArgs = map[string]string{"V": "${{ matrix.v }}"} }); len(got) != 0 {
		t.Fatalf("CR101 %+v, want none for an unread image", got)
	}
}

// TestCR102FixForDistroless: distroless tags no versions, so the fix pins
// a digest on the tag the file names, not a version tag.
func TestCR102FixForDistroless(t *testing.T) {
	got := checkRule(t, "CR102", "FROM gcr.io/distroless/static:nonroot\n", nil)
	if len(got) != 1 || got[0].Fix == nil || !strings.Contains(got[0].Fix.Description, "gcr.io/distroless/static:nonroot@sha256:<digest>") ||
		strings.Contains(got[0].Fix.Description, "<version>") {
		t.Fatalf("CR102 %+v, want a digest on the distroless tag", got)
	}
}

// TestCR101FixNeedsNoShell: the user CR101's fix makes needs no package
// the stage installs already, and an image without a shell gets no RUN:
// distroless switches to its own nonroot user, another says what to do.
func TestCR101FixNeedsNoShell(t *testing.T) {
	for _, tt := range []struct {
		name, src, want, desc string
	}{
		{"bash installed on Alpine", "FROM golang:1.19-alpine\nRUN apk add bash\nRUN go install x@latest\n", "RUN adduser -D -s /bin/bash -u 1000 coder\nUSER coder", "create the workspace user"},
		{"bash not installed on Alpine", "FROM golang:1.19-alpine\nRUN go install x@latest\n", "RUN apk add --no-cache bash && adduser -D -s /bin/bash -u 1000 coder\nUSER coder", "create the workspace user"},
		{"distroless", "FROM gcr.io/distroless/cc-debian12\nCOPY app /app\nUSER 0:0\n", "USER 65532", "`nonroot` (UID 65532)"},
		{"Chainguard", "FROM cgr.dev/chainguard/static\nCOPY app /app\nUSER 0\n", "USER 65532", "`nonroot` (UID 65532)"},
		{".NET chiseled, its own user", "FROM mcr.microsoft.com/dotnet/runtime-deps:8.0-jammy-chiseled\nCOPY app /app\nUSER 0\n", "USER app", "existing user `app`"},
		{"scratch with a whole system copied in", "FROM debian:12 AS sys\nFROM scratch\nCOPY --from=sys / /\nUSER 0\n", "useradd --create-home --shell /bin/bash --uid 1000 --user-group coder\nUSER coder", "create the workspace user"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := checkRule(t, "CR101", tt.src, nil)
			if len(got) != 1 || got[0].Fix == nil {
				t.Fatalf("CR101 %+v, want one finding with a fix", got)
			}
			if !strings.Contains(got[0].Fix.Description, tt.desc) {
				t.Errorf("fix %q does not say %s", got[0].Fix.Description, tt.desc)
			}
			var text []string
			for _, e := range got[0].Fix.Edits {
				text = append(text, e.Text)
			}
			if g := strings.Join(text, "\n"); !strings.HasSuffix(g, tt.want) || tt.want == "" && g != "" {
				t.Errorf("edits:\n%s\nwant:\n%s", g, tt.want)
			}
		})
	}
}

// TestCR101ImagePassedByBuildFiles: a base image the build files name
// (`FROM ${IMAGE}` with `--build-arg=IMAGE=…`) is not the default's: its
// user is not known, and without a sign in the file CR101 says nothing;
// a tag alone passed keeps the image's user.
func TestCR101ImagePassedByBuildFiles(t *testing.T) {
	src := "ARG IMAGE=ubuntu:jammy\nFROM ${IMAGE} AS base\nFROM base AS test\nCOPY spec /spec\n"
	if got := checkRule(t, "CR101", src, buildFiles("IMAGE", "org/dev-cuda:cache-$CIRCLE_SHA1")); len(got) != 0 {
		t.Errorf("CR101 %+v, want none for an image the build passes", got)
	}
	if got := checkRule(t, "CR101", src, nil); len(got) != 1 {
		t.Errorf("CR101 %+v, want one on the default when no build file passes it", got)
	}
	if got := checkRule(t, "CR101", "ARG TAG=jammy\nFROM ubuntu:${TAG}\nCOPY spec /spec\n", buildFiles("TAG", "noble")); len(got) != 1 {
		t.Errorf("CR101 %+v, want one: a tag passed keeps ubuntu's root", got)
	}
}

// TestCR101FixOnMicrodnf: a stage whose packages come from microdnf
// (ubi-minimal, which ships no useradd) gets shadow-utils installed before
// the user is made, its base read or not.
func TestCR101FixOnMicrodnf(t *testing.T) {
	got := checkRule(t, "CR101", "FROM example.com/acme/java-minimal:21\nRUN microdnf install -y tar gzip && microdnf clean all\n", nil)
	if len(got) != 1 || got[0].Fix == nil {
		t.Fatalf("CR101 %+v, want one finding with a fix", got)
	}
	if edits := strings.Join(editStrings(got[0]), "\n"); !strings.Contains(edits, "microdnf install -y shadow-utils && microdnf clean all && useradd") {
		t.Errorf("edits %q, want shadow-utils installed before useradd", edits)
	}
}
