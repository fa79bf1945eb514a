package checks

import (
	"testing"
)

func TestParseImageRef(t *testing.T) {
	tests := []struct {
		ref  string
		want ImageRef
		str  string
	}{
		{"ubuntu", ImageRef{Repository: "ubuntu"}, "ubuntu"},
		{"ubuntu:24.04", ImageRef{Repository: "ubuntu", Tag: "24.04"}, "ubuntu:24.04"},
		{"docker.io/library/debian:12-slim", ImageRef{Repository: "debian", Tag: "12-slim"}, "debian:12-slim"},
		{"index.docker.io/codercom/enterprise-base:ubuntu", ImageRef{Repository: "codercom/enterprise-base", Tag: "ubuntu"}, "codercom/enterprise-base:ubuntu"},
		{"localhost:5000/img", ImageRef{Registry: "localhost:5000", Repository: "img"}, "localhost:5000/img"},
		{"mcr.microsoft.com/devcontainers/base:bookworm", ImageRef{Registry: "mcr.microsoft.com", Repository: "devcontainers/base", Tag: "bookworm"}, ""},
		{"ubuntu:jammy@sha256:abc", ImageRef{Repository: "ubuntu", Tag: "jammy", Digest: "sha256:abc"}, "ubuntu:jammy@sha256:abc"},
		{"ghcr.io/org/img@sha256:abc", ImageRef{Registry: "ghcr.io", Repository: "org/img", Digest: "sha256:abc"}, ""},
	}
	for _, tt := range tests {
		got := ParseImageRef(tt.ref)
		if got != tt.want {
			t.Errorf("ParseImageRef(%q) = %+v, want %+v", tt.ref, got, tt.want)
		}
		if tt.str != "" && got.String() != tt.str {
			t.Errorf("String() = %q, want %q", got.String(), tt.str)
		}
	}
}

func TestKnownBase(t *testing.T) {
	tests := []struct {
		ref       string
		family    OSFamily
		manager   PackageManager
		known     bool
		curl, git bool
		ca        bool
		user      string
		users     []string
		uid1000   string
	}{
		{"debian:12", OSDebian, PMApt, true, false, false, false, "", nil, ""},
		{"debian:bookworm-slim", OSDebian, PMApt, true, false, false, false, "", nil, ""},
		{"ubuntu:22.04", OSDebian, PMApt, true, false, false, false, "", nil, ""},
		{"ubuntu:24.04", OSDebian, PMApt, true, false, false, false, "", nil, "ubuntu"},
		{"ubuntu:noble", OSDebian, PMApt, true, false, false, false, "", nil, "ubuntu"},
		{"ubuntu", OSDebian, PMApt, true, false, false, false, "", nil, "ubuntu"},
		{"buildpack-deps:trixie-curl", OSDebian, PMApt, true, true, false, true, "", nil, ""},
		{"buildpack-deps:bookworm", OSDebian, PMApt, true, true, true, true, "", nil, ""},
		{"node:22", OSDebian, PMApt, true, true, true, true, "", []string{"node"}, "node"},
		{"public.ecr.aws/docker/library/node:22", OSDebian, PMApt, true, true, true, true, "", []string{"node"}, "node"},
		{"mirror.gcr.io/library/debian:12", OSDebian, PMApt, true, false, false, false, "", nil, ""},
		{"public.ecr.aws/acme/node:22", OSUnknown, PMUnknown, false, false, false, false, "", nil, ""},
		{"public.ecr.aws/lts/ubuntu:24.04", OSDebian, PMApt, true, false, false, false, "", nil, "ubuntu"},
		{"ruby:3.4.6-slim", OSDebian, PMApt, true, false, false, true, "", nil, ""},
		{"mcr.microsoft.com/playwright:v1.55.1-noble", OSDebian, PMApt, true, true, true, true, "", []string{"pwuser"}, "ubuntu"},
		{"mcr.microsoft.com/playwright:v1.40.0-jammy", OSDebian, PMApt, true, true, true, true, "", []string{"pwuser"}, "pwuser"},
		// Built on Ubuntu noble, which has user ubuntu (UID 1000).
		{"eclipse-temurin:21-noble", OSDebian, PMApt, false, false, false, false, "", nil, "ubuntu"},
		{"eclipse-temurin:21-jammy", OSDebian, PMApt, false, false, false, false, "", nil, ""},
		// A digest alone may be any variant: node's Alpine one too.
		{"node@sha256:d4c4845f5d60c6a974c6000ce58ae079328d03ab7f721a0734277e69905473e5", OSUnknown, PMUnknown, false, false, false, false, "", []string{"node"}, ""},
		{"golang@sha256:d4c4845f5d60c6a974c6000ce58ae079328d03ab7f721a0734277e69905473e5", OSUnknown, PMUnknown, false, false, false, false, "", nil, ""},
		{"debian@sha256:d4c4845f5d60c6a974c6000ce58ae079328d03ab7f721a0734277e69905473e5", OSDebian, PMApt, true, false, false, false, "", nil, ""},
		{"mcr.microsoft.com/vscode/devcontainers/repos/microsoft/vscode", OSDebian, PMApt, false, false, false, false, "", nil, ""},
		{"ruby:3.4", OSDebian, PMApt, true, true, true, true, "", nil, ""},
		{"public.ecr.aws/lts/ubuntu:22.04_stable", OSDebian, PMApt, true, false, false, false, "", nil, ""},
		{"node:22-slim", OSDebian, PMApt, true, false, false, false, "", []string{"node"}, "node"},
		{"rust:1-slim-bookworm", OSDebian, PMApt, true, false, false, true, "", nil, ""},
		{"nvidia/cuda:12.4.1-devel-ubuntu22.04", OSDebian, PMApt, true, false, false, true, "", nil, ""},
		{"nvcr.io/nvidia/cuda:13.0.1-base-ubuntu24.04", OSDebian, PMApt, true, false, false, true, "", nil, "ubuntu"}, // built on ubuntu:24.04, which keeps user ubuntu (UID 1000)
		{"rust:1.67-alpine", OSAlpine, PMApk, false, false, false, false, "", nil, ""},
		{"eclipse-temurin:17-jdk-ubi9-minimal", OSRHEL, PMMicrodnf, false, false, false, false, "", nil, ""},
		{"openjdk", OSRHEL, PMMicrodnf, false, false, false, false, "", nil, ""},
		{"openjdk:18-jdk", OSRHEL, PMMicrodnf, false, false, false, false, "", nil, ""},
		{"openjdk:17-slim", OSDebian, PMApt, false, false, false, false, "", nil, ""},
		{"openjdk:11", OSDebian, PMApt, false, false, false, false, "", nil, ""},
		{"eclipse-temurin:21-jdk-ubi9", OSRHEL, PMDnf, false, false, false, false, "", nil, ""},
		{"node:22-alpine", OSAlpine, PMApk, true, false, false, true, "", []string{"node"}, "node"},
		{"python:3.12", OSDebian, PMApt, true, true, true, true, "", nil, ""},
		{"python:3.12-slim", OSDebian, PMApt, true, false, false, true, "", nil, ""},
		{"golang:1.23", OSDebian, PMApt, true, true, true, true, "", nil, ""},
		{"golang:1.23-alpine", OSAlpine, PMApk, true, false, false, true, "", nil, ""},
		{"alpine:3.20", OSAlpine, PMApk, true, false, false, true, "", nil, ""},
		{"fedora:40", OSRHEL, PMDnf, true, true, false, true, "", nil, ""},
		{"registry.access.redhat.com/ubi9/ubi-minimal:9.4", OSRHEL, PMMicrodnf, true, true, false, true, "", nil, ""},
		{"registry.access.redhat.com/ubi8/ubi-minimal:8.10", OSRHEL, PMMicrodnf, false, false, false, false, "", nil, ""},
		{"registry.access.redhat.com/ubi9/ubi:9.4", OSRHEL, PMDnf, false, false, false, false, "", nil, ""},
		{"quay.io/centos/centos:stream8", OSRHEL, PMDnf, false, false, false, false, "", nil, ""},
		{"quay.io/centos/centos:stream9-minimal", OSRHEL, PMMicrodnf, false, false, false, false, "", nil, ""},
		{"centos:7", OSRHEL, PMYum, false, false, false, false, "", nil, ""},
		{"rockylinux:9-minimal", OSRHEL, PMMicrodnf, false, false, false, false, "", nil, ""},
		{"oraclelinux:7-slim", OSRHEL, PMYum, false, false, false, false, "", nil, ""},
		{"oraclelinux:7.9-slim", OSRHEL, PMYum, false, false, false, false, "", nil, ""},
		{"oraclelinux:8-slim", OSRHEL, PMMicrodnf, false, false, false, false, "", nil, ""},
		{"oraclelinux:9-slim-fips", OSRHEL, PMMicrodnf, false, false, false, false, "", nil, ""},
		{"amazonlinux:2", OSRHEL, PMYum, false, false, false, false, "", nil, ""},
		{"amazonlinux:2023", OSRHEL, PMDnf, false, false, false, false, "", nil, ""},
		{"opensuse/leap:15.6", OSSUSE, PMZypper, false, false, false, false, "", nil, ""},
		{"registry.suse.com/bci/bci-base:15.6", OSSUSE, PMZypper, false, false, false, false, "", nil, ""},
		{"codercom/enterprise-base:ubuntu", OSDebian, PMApt, true, true, true, true, "coder", []string{"coder"}, ""},
		{"mcr.microsoft.com/devcontainers/base:bookworm", OSDebian, PMApt, true, true, true, true, "", []string{"vscode"}, "vscode"},
		{"mcr.microsoft.com/devcontainers/base:alpine-3.20", OSAlpine, PMApk, true, true, true, true, "", []string{"vscode"}, "vscode"},
		{"mcr.microsoft.com/devcontainers/javascript-node:22", OSDebian, PMApt, true, true, true, true, "", []string{"node"}, "node"},
		{"mcr.microsoft.com/dotnet/sdk:10.0-noble", OSDebian, PMApt, false, false, false, false, "", nil, "ubuntu"},
		{"posit/r-base:rockylinux9", OSRHEL, PMDnf, false, false, false, false, "", nil, ""},
		{"posit/r-base:opensuse156", OSSUSE, PMZypper, false, false, false, false, "", nil, ""},
		{"posit/r-base:centos7", OSRHEL, PMYum, false, false, false, false, "", nil, ""},
		{"posit/r-base:jammy", OSDebian, PMApt, false, false, false, false, "", nil, ""},
		{"posit/r-base:4.4", OSUnknown, PMUnknown, false, false, false, false, "", nil, ""},
		{"r-base:4.4.0", OSDebian, PMApt, false, false, false, false, "", nil, ""},
		{"example/tools:rocky-edition", OSUnknown, PMUnknown, false, false, false, false, "", nil, ""},
		{"mcr.microsoft.com/dotnet/sdk:10.0", OSDebian, PMApt, false, false, false, false, "", nil, "ubuntu"},
		{"mcr.microsoft.com/dotnet/sdk:8.0", OSDebian, PMApt, false, false, false, false, "", nil, ""},
		{"mcr.microsoft.com/dotnet/sdk:8.0-jammy", OSDebian, PMApt, false, false, false, false, "", nil, ""},
		{"mcr.microsoft.com/dotnet/runtime:11.0-resolute-arm64v8", OSDebian, PMApt, false, false, false, false, "", nil, "ubuntu"},
		{"mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled", OSDebian, PMApt, false, false, false, false, "app", []string{"app"}, ""},
		{"mcr.microsoft.com/dotnet/runtime-deps:10.0-azurelinux3.0-distroless", OSRHEL, PMTdnf, false, false, false, false, "app", []string{"app"}, ""},
		{"mcr.microsoft.com/dotnet/sdk:10.0-azurelinux3.0", OSRHEL, PMTdnf, false, false, false, false, "", nil, ""},
		{"gcr.io/coder-dev-1/alpine:3.18", OSAlpine, PMApk, false, false, false, false, "", nil, ""},
		{"ghcr.io/acme/thing:1", OSUnknown, PMUnknown, false, false, false, false, "", nil, ""},
		{"swiftlang/swift:nightly-main-jammy", OSDebian, PMApt, true, false, true, false, "", nil, ""},
		{"swift:6.0-noble-slim", OSDebian, PMApt, true, false, false, false, "", nil, "ubuntu"},
		{"swift:6.0-rhel-ubi9", OSRHEL, PMDnf, false, false, false, false, "", nil, ""},
	}
	for _, tt := range tests {
		b := KnownBase(tt.ref)
		if b.Family != tt.family || b.Manager != tt.manager || b.Known != tt.known || b.Has("curl") != tt.curl ||
			b.Has("git") != tt.git || b.CACerts != tt.ca || b.User != tt.user || b.UID1000 != tt.uid1000 ||
			len(b.Users) != len(tt.users) || len(tt.users) > 0 && b.Users[0] != tt.users[0] {
			t.Errorf("KnownBase(%q) = %+v", tt.ref, b)
		}
		if b.Ref != tt.ref {
			t.Errorf("Ref = %q", b.Ref)
		}
	}
	if b := KnownBase("alpine:3.20"); !b.HasDownloader() || b.Has("bash") {
		t.Errorf("alpine: HasDownloader %v bash %v", b.HasDownloader(), b.Has("bash"))
	}
	if root, known := KnownBase("codercom/enterprise-minimal:latest").RunsAsRoot(); root || !known {
		t.Errorf("codercom RunsAsRoot = %v %v", root, known)
	}
	if StaticBases.BaseFacts("debian:12").Manager != PMApt {
		t.Errorf("StaticBases")
	}
}

func TestInstallLine(t *testing.T) {
	tests := map[PackageManager]string{
		PMApt:      "apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*",
		PMApk:      "apk add --no-cache curl ca-certificates",
		PMDnf:      "dnf install -y curl ca-certificates && dnf clean all",
		PMYum:      "yum install -y curl ca-certificates && yum clean all",
		PMMicrodnf: "microdnf install -y curl ca-certificates && microdnf clean all",
		PMZypper:   "zypper --non-interactive install --no-recommends curl ca-certificates && zypper clean --all",
		PMUnknown:  "",
	}
	for m, want := range tests {
		if got := InstallLine(m, "curl", "ca-certificates"); got != want {
			t.Errorf("InstallLine(%q) = %q, want %q", m, got, want)
		}
	}
	for m, f := range map[PackageManager]OSFamily{PMApt: OSDebian, PMApk: OSAlpine, PMYum: OSRHEL, PMMicrodnf: OSRHEL, PMZypper: OSSUSE, PMUnknown: OSUnknown} {
		if m.Family() != f {
			t.Errorf("%q.Family() = %q", m, m.Family())
		}
	}
}

func TestUserCreateLine(t *testing.T) {
	tests := []struct {
		ref  string
		want string
	}{
		{"debian:12", "useradd --create-home --shell /bin/bash --uid 1000 --user-group coder"},
		{"ubuntu:24.04", "userdel -r ubuntu && useradd --create-home --shell /bin/bash --uid 1000 --user-group coder"},
		{"alpine:3.20", "apk add --no-cache bash && adduser -D -s /bin/bash -u 1000 coder"},
		{"mcr.microsoft.com/devcontainers/base:alpine", "adduser -D -s /bin/bash -u 1000 coder"},
		{"registry.access.redhat.com/ubi9/ubi-minimal", "microdnf install -y shadow-utils && microdnf clean all && useradd --create-home --shell /bin/bash --uid 1000 --user-group coder"},
		{"mcr.microsoft.com/dotnet/sdk:10.0-noble-amd64", "userdel -r ubuntu && useradd --create-home --shell /bin/bash --uid 1000 --user-group coder"},
		{"nvcr.io/nvidia/cuda:12.8.1-cudnn-devel-ubuntu24.04", "userdel -r ubuntu && useradd --create-home --shell /bin/bash --uid 1000 --user-group coder"},
		{"nvidia/cuda:12.2.2-devel-ubuntu22.04", "useradd --create-home --shell /bin/bash --uid 1000 --user-group coder"},
		{"mcr.microsoft.com/dotnet/sdk:10.0-azurelinux3.0", "tdnf install -y shadow-utils && tdnf clean all && useradd --create-home --shell /bin/bash --uid 1000 --user-group coder"},
	}
	for _, tt := range tests {
		if got := UserCreateLine(KnownBase(tt.ref), "coder"); got != tt.want {
			t.Errorf("UserCreateLine(%s) = %q, want %q", tt.ref, got, tt.want)
		}
	}
}

func TestCAHelpers(t *testing.T) {
	if CAAnchorDir(OSRHEL) != "/etc/pki/ca-trust/source/anchors/" || CARefreshCommand(OSRHEL) != "update-ca-trust extract" ||
		CAAnchorDir(OSDebian) != "/usr/local/share/ca-certificates/" || CARefreshCommand(OSAlpine) != "update-ca-certificates" ||
		CAAnchorDir(OSSUSE) != "/etc/pki/trust/anchors/" {
		t.Errorf("CA helpers wrong")
	}
}

// TestKnownBaseRootUser: the table knows these images run as root (their
// Dockerfiles set no USER), so CR101 judges a Dockerfile that adds none;
// an image it does not know stays unknown.
func TestKnownBaseRootUser(t *testing.T) {
	for ref, want := range map[string]bool{
		"rust:1.67-alpine":                            true,
		"rust:1-slim-bookworm":                        true,
		"golang:1.23-slim":                            true,
		"maven:3-openjdk-17-slim":                     true,
		"nvcr.io/nvidia/pytorch:24.05-py3":            true,
		"nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04": true,
		"nvcr.io/acme/pytorch:24.05":                  false,
		"acme/maven:3":                                false,
	} {
		b := KnownBase(ref)
		if got := b.KnowsUser() && b.User == ""; got != want {
			t.Errorf("KnownBase(%q) root known = %v (user %q), want %v", ref, got, b.User, want)
		}
	}
}
