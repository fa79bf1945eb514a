package checks

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coderready/coderready/devcontainer"
	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/internal/testenv"
)

// want is one expected finding: its line, its column when non-zero, and
// the texts of its fix's edits ("L:text" for an edit of line L) when set.
type want struct {
	line  int
	col   int
	edits []string
}

type ruleCase struct {
	name string
	src  string
	mod  func(*DockerfileInput)
	want []want // nil: the rule must not fire
}

// checkRule runs every Dockerfile rule on src and returns the findings of
// rule id.
func checkRule(t *testing.T, id, src string, mod func(*DockerfileInput)) []Finding {
	t.Helper()
	f, err := dockerfile.Parse("Dockerfile", []byte(src))
	in := &DockerfileInput{File: f, ParseErr: err, Config: DefaultConfig()}
	if mod != nil {
		mod(in)
	}
	want := "Dockerfile"
	if in.File != nil {
		want = in.File.Path
	}
	var out []Finding
	for _, fd := range CheckDockerfile(in) {
		if fd.RuleID == id {
			out = append(out, fd)
		}
		if fd.Location.Path != want && fd.Location.Path != "" {
			t.Errorf("%s: path %q", fd.RuleID, fd.Location.Path)
		}
	}
	return out
}

// editStrings renders a finding's edits as "L:text" (or "L-M:text" for a
// range of lines).
func editStrings(fd Finding) []string {
	out := []string{}
	if fd.Fix == nil {
		return out
	}
	for _, e := range fd.Fix.Edits {
		if e.Path != "Dockerfile" {
			out = append(out, "bad path "+e.Path)
		}
		lines := strconv.Itoa(e.StartLine)
		if e.EndLine != e.StartLine {
			lines += "-" + strconv.Itoa(e.EndLine)
		}
		out = append(out, lines+":"+e.Text)
	}
	return out
}

func runRuleCases(t *testing.T, id string, cases []ruleCase) {
	t.Helper()
	r := Lookup(id)
	if r == nil || r.Dockerfile == nil || r.Family != FamilyDockerfile {
		t.Fatalf("rule %s not registered as a Dockerfile rule", id)
	}
	fires, quiet := false, false
	for _, tc := range cases {
		if tc.want == nil {
			quiet = true
		} else {
			fires = true
		}
		t.Run(tc.name, func(t *testing.T) {
			got := checkRule(t, id, tc.src, tc.mod)
			if len(got) != len(tc.want) {
				for _, fd := range got {
					t.Logf("got %d:%d %s", fd.Location.StartLine, fd.Location.StartCol, fd.Message)
				}
				t.Fatalf("%d findings, want %d", len(got), len(tc.want))
			}
			for i, w := range tc.want {
				fd := got[i]
				if fd.Location.StartLine != w.line || w.col != 0 && fd.Location.StartCol != w.col {
					t.Errorf("finding %d at %d:%d, want %d:%d (%s)", i, fd.Location.StartLine, fd.Location.StartCol, w.line, w.col, fd.Message)
				}
				// Every rule but CR100 says how to fix what it finds. A
				// finding without certain evidence is at most a warning.
				sev := r.Severity
				if !fd.Evidence.Certain() {
					sev = min(sev, SeverityWarning)
				}
				if fd.Severity != sev || fd.Evidence == "" || fd.Message == "" || id != "CR100" && (fd.Fix == nil || fd.Fix.Description == "") {
					t.Errorf("finding %d: severity %v (evidence %q), message %q, fix %+v", i, fd.Severity, fd.Evidence, fd.Message, fd.Fix)
				}
				if w.edits != nil {
					if got := editStrings(fd); !slices.Equal(got, w.edits) {
						t.Errorf("edits:\n got %q\nwant %q", got, w.edits)
					}
				}
			}
		})
	}
	if !fires || !quiet {
		t.Errorf("rule %s needs a case that fires and one that does not", id)
	}
}

// e renders an expected one-line edit.
func e(line int, text string) string { return strconv.Itoa(line) + ":" + text }

func TestCR100(t *testing.T) {
	runRuleCases(t, "CR100", []ruleCase{
		{"buildkit error", "FROM ubuntu:24.04\nRUNN true\n", nil, []want{{line: 2}}},
		{"empty file", "", nil, []want{{line: 1}}},
		{"doubled && across continuation", "FROM ubuntu:24.04\nRUN apt-get update && \\\n    && apt-get install -y curl\n", nil,
			[]want{{2 + 1, 5, []string{e(3, "    apt-get install -y curl")}}}},
		{"unclosed quote in a builder stage", "FROM golang:1.23 AS b\nRUN echo 'x\nFROM b\n", nil, []want{{line: 2, col: 10}}},
		{"valid", "FROM ubuntu:24.04\nRUN apt-get update && \\\n    apt-get install -y curl\n", nil, nil},
		{"two subshells opened at once, as sh and Bash read them", "FROM debian:bookworm-slim\nRUN ((stack ghc -- --version 2>/dev/null) || true) && stack config set system-ghc --global true\n", nil, nil},
		{"an arithmetic command that is broken", "FROM debian:bookworm-slim\nSHELL [\"/bin/bash\", \"-c\"]\nRUN (( 1 + ))\n", nil, []want{{line: 3}}},
		{"powershell is not judged", "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL [\"powershell\", \"-Command\"]\nRUN if ($x) { echo 'y'\n", nil, nil},
		{"an associative array's dotted keys are Bash's", "FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\nRUN declare -A IDS; IDS=( [3.7]=a [3.8]=b ); echo ${IDS[3.7]}\n", nil, nil},
	})
}

func TestCR126(t *testing.T) {
	runRuleCases(t, "CR126", []ruleCase{
		{"an instruction swallowed by a continuation over an empty line", "FROM node:20\nRUN npm i -g \\\n\thttp-server \\\n\tdiff-so-fancy \\\n\nCOPY welcome.txt /usr/local/etc/welcome.txt\n", nil,
			[]want{{6, 0, []string{e(4, "\tdiff-so-fancy")}}}},
		{"a continuation over an empty line into more of the command", "FROM node:20\nRUN npm i -g \\\n\thttp-server \\\n\n\tdiff-so-fancy\n", nil, nil},
		{"a continuation over a comment", "FROM node:20\nRUN npm i -g \\\n# the server\n\thttp-server\nCOPY a b\n", nil, nil},
		{"instructions apart", "FROM node:20\nRUN npm i -g http-server\n\nCOPY a b\n", nil, nil},
	})
}

func TestCR101(t *testing.T) {
	useradd := "RUN useradd --create-home --shell /bin/bash --uid 1000 --user-group coder"
	runRuleCases(t, "CR101", []ruleCase{
		{"a UBI standard image", "FROM registry.access.redhat.com/ubi9:9.3\nRUN dnf install -y git\n", nil, []want{{line: 1}}},
		{"a UBI image from Docker Hub", "FROM redhat/ubi9\nRUN dnf install -y git\n", nil, []want{{line: 1}}},
		{"docker's dind image, on Alpine", "FROM docker:dind\nCOPY daemon.json /etc/docker/\n", nil,
			// The table knows its user, not its user database: a user
			// is made only where UID 1000 is free.
			[]want{{1, 0, []string{e(2, "COPY daemon.json /etc/docker/\nRUN getent passwd 1000 >/dev/null || (apk add --no-cache bash && adduser -D -s /bin/bash -u 1000 coder)\nUSER 1000")}}}},
		{"docker's rootless dind", "FROM docker:27-dind-rootless\nCOPY daemon.json /etc/docker/\n", nil, nil},
		{"scratch with a whole system copied in", "FROM ubuntu:24.04 AS builder\nRUN useradd -m dev\nUSER dev\nFROM scratch\nCOPY --from=builder / /\n", nil, []want{{line: 4}}},
		{"scratch with a whole system copied in and a USER", "FROM ubuntu:24.04 AS builder\nRUN useradd -m -u 1000 dev\nFROM scratch\nCOPY --from=builder / /\nUSER dev\n", nil, nil},
		{"scratch with a runtime's folder copied into its root", "FROM dart:3 AS build\nRUN dart compile exe bin/server.dart -o bin/server\nFROM scratch\nCOPY --from=build /runtime/ /\nCOPY --from=build /app/bin/server /app/bin/\n", nil, nil},
		{"scratch with a root filesystem folder copied in", "FROM alpine:3.21 AS rootfs-stage\nRUN mkdir /root-out\nFROM scratch\nCOPY --from=rootfs-stage /root-out/ /\n", nil, []want{{line: 3}}},
		{"scratch with files copied in", "FROM golang:1.23 AS b\nFROM scratch\nCOPY --from=b /go/bin/x /x\n", nil, nil},
		{"a UBI s2i image is not known", "FROM registry.access.redhat.com/ubi9/python-312\nRUN pip install x\n", nil, nil},
		{"an unread base where apt-get installs without sudo", "FROM ghcr.io/acme/build-base:1.2\nRUN apt-get update && apt-get install -y git\n", nil, []want{{line: 1}}},
		{"an unread base: a user only where UID 1000 is free", "FROM ghcr.io/acme/build-base:1.2\nRUN apt-get update && apt-get install -y git\n", nil,
			[]want{{1, 0, []string{e(2, "RUN apt-get update && apt-get install -y git\nRUN getent passwd 1000 >/dev/null || useradd --create-home --shell /bin/bash --uid 1000 --user-group coder\nUSER 1000")}}}},
		{"an unread base where sudo installs", "FROM ghcr.io/acme/build-base:1.2\nRUN sudo apt-get update && sudo apt-get install -y git\n", nil, nil},
		{"an unread base, an install under a test of the user", "FROM ghcr.io/acme/build-base:1.2\nRUN if [ \"$(id -u)\" = 0 ]; then apk add --no-cache git; fi\n", nil, nil},
		{"an unread base, an install whose failure is ignored", "FROM ghcr.io/acme/build-base:1.2\nRUN apt-get install -y git || true\n", nil, nil},
		{"an unread base, an install into another root", "FROM ghcr.io/acme/build-base:1.2\nRUN dnf install -y --installroot=/sysroot git\n", nil, nil},
		{"an unread base, pip needs no root", "FROM ghcr.io/acme/build-base:1.2\nRUN pip install --user x\n", nil, nil},
		{"an unread base, root installs then a USER", "FROM ghcr.io/acme/build-base:1.2\nRUN apt-get install -y git\nUSER dev\n", nil, nil},
		{"a .NET product image built on distroless", "FROM mcr.microsoft.com/dotnet/nightly/yarp:2.3-preview\nCOPY gateway.json /etc/yarp.json\n", nil, nil},
		{"a .NET nightly base image", "FROM mcr.microsoft.com/dotnet/nightly/aspnet:10.0\nCOPY app /app\n", nil, []want{{line: 1}}},
		{"no USER on debian", "FROM debian:12\nRUN apt-get update\n", nil,
			[]want{{1, 0, []string{e(2, "RUN apt-get update\n"+useradd+"\nUSER coder")}}}},
		{"a user made with clustered options", "FROM debian:12\nRUN useradd -ms /bin/bash dev\n", nil,
			[]want{{1, 0, []string{e(2, "RUN useradd -ms /bin/bash dev\nUSER dev")}}}},
		{"the base's user deleted: a new one", "FROM mcr.microsoft.com/devcontainers/go:1.23-bullseye\nRUN userdel -r vscode\n", nil,
			[]want{{1, 0, []string{e(2, "RUN userdel -r vscode\n"+useradd+"\nUSER coder")}}}},
		{"HOME set to root's: the fix sets the user's", "FROM debian:12\nENV HOME=/root\n", nil,
			[]want{{1, 0, []string{e(2, "ENV HOME=/root\n"+useradd+"\nENV HOME=/home/coder\nUSER coder")}}}},
		{"ubuntu 24.04 has user ubuntu", "FROM ubuntu:24.04\n", nil,
			[]want{{1, 0, []string{e(1, "FROM ubuntu:24.04\nRUN userdel -r ubuntu && useradd --create-home --shell /bin/bash --uid 1000 --user-group coder\nUSER coder")}}}},
		{"ubuntu renamed: switch to its new name", "FROM ubuntu:24.04\nRUN groupmod -n penpot ubuntu; usermod -l penpot -d /home/penpot -G users -s /bin/bash ubuntu\n", nil,
			[]want{{1, 0, []string{e(2, "RUN groupmod -n penpot ubuntu; usermod -l penpot -d /home/penpot -G users -s /bin/bash ubuntu\nUSER penpot")}}}},
		{"usermod that renames no one", "FROM ubuntu:24.04\nRUN usermod -aG sudo ubuntu\n", nil,
			[]want{{1, 0, []string{e(2, "RUN usermod -aG sudo ubuntu\nRUN userdel -r ubuntu && useradd --create-home --shell /bin/bash --uid 1000 --user-group coder\nUSER coder")}}}},
		{"alpine needs bash", "FROM alpine:3.20\n", nil,
			[]want{{1, 0, []string{e(1, "FROM alpine:3.20\nRUN apk add --no-cache bash && adduser -D -s /bin/bash -u 1000 coder\nUSER coder")}}}},
		{"last USER is root", "FROM codercom/enterprise-base:ubuntu\nUSER root\nRUN apt-get install -y x\nUSER 0:0\n", nil,
			[]want{{4, 0, []string{e(4, "USER 0:0\nUSER coder")}}}},
		{"user created earlier", "FROM debian:12 AS base\nRUN useradd -m -s /bin/bash dev\nFROM base\nRUN true\n", nil,
			[]want{{3, 0, []string{e(4, "RUN true\nUSER dev")}}}},
		{"unknown base is not guessed", "FROM ghcr.io/acme/base:1\n", nil, nil},
		{"official image without USER", "FROM ruby:3-bookworm\n", nil,
			[]want{{1, 0, []string{e(1, "FROM ruby:3-bookworm\n"+useradd+"\nUSER coder")}}}},
		{"universal runs as codespace", "FROM mcr.microsoft.com/vscode/devcontainers/universal:0.16.0\nRUN echo hi\n", nil, nil},
		{"Gitpod's workspace images run as gitpod", "FROM gitpod/workspace-full:2024-05-20\nRUN echo hi\n", nil, nil},
		{"Gitpod's image switched to root", "FROM gitpod/workspace-base:2024-05-20\nUSER root\nRUN apt-get update\n", nil, []want{{line: 2}}},
		{"sibling base ends as jovyan", "ARG BASE_IMAGE=quay.io/jupyter/base-notebook\nFROM $BASE_IMAGE\nRUN pip install x\n",
			withSiblings(map[string]string{"images/base-notebook/Dockerfile": "FROM ubuntu:24.04\nARG NB_UID=1000\nUSER ${NB_UID}\n"}), nil},
		{"sibling base ends as root", "FROM ghcr.io/acme/tools:2\n",
			withSiblings(map[string]string{"tools/Dockerfile": "FROM ubuntu:24.04\nRUN apt-get update\n"}), []want{{line: 1}}},
		{"devcontainer base has vscode", "FROM mcr.microsoft.com/devcontainers/base:bookworm\n", nil,
			[]want{{1, 0, []string{e(1, "FROM mcr.microsoft.com/devcontainers/base:bookworm\nUSER vscode")}}}},
		{"ends as coder", "FROM ubuntu:24.04\nRUN useradd -m coder\nUSER coder\n", nil, nil},
		{"a user created from ARG values", "FROM debian:12\nARG USERNAME=vscode\nARG USER_UID=1000\nRUN groupadd --gid $USER_UID $USERNAME \\\n && useradd -s /bin/bash --uid $USER_UID -m $USERNAME\n", nil,
			[]want{{1, 0, []string{e(5, " && useradd -s /bin/bash --uid $USER_UID -m $USERNAME\nUSER vscode")}}}},
		{"a user an earlier USER switched to", "ARG BASE_IMAGE\nFROM ${BASE_IMAGE:-example/ci-base:1}\nARG USERNAME=user\nUSER $USERNAME\nRUN west init\nUSER root\nRUN apt-get update\n", nil,
			[]want{{6, 0, []string{e(7, "RUN apt-get update\nUSER user")}}}},
		{"base runs as coder", "FROM codercom/enterprise-base:ubuntu\nRUN echo hi\n", nil, nil},
		{"variable user", "FROM debian:12\nARG USERNAME=dev\nUSER ${USERNAME}\n", nil, nil},
		{"target stage", "FROM debian:12 AS dev\nUSER coder\nFROM debian:12\n", func(in *DockerfileInput) { in.Target = "dev" }, nil},
	})
}

// TestCR102StagesOnOneImage: stages on one image are one finding that
// names the other stages' lines.
func TestCR102StagesOnOneImage(t *testing.T) {
	for src, want := range map[string]string{
		"FROM rust:latest AS cargo\nRUN cargo build\nFROM rust:latest\nRUN make\n":  "(also the FROM on line 3)",
		"ARG IMG=ubuntu:rolling\nFROM ${IMG} AS a\nFROM ${IMG} AS b\nFROM ${IMG}\n": "(also the FROM on lines 3 and 4)",
	} {
		got := checkRule(t, "CR102", src, nil)
		if len(got) != 1 || !strings.HasSuffix(got[0].Message, want) {
			t.Errorf("%q: CR102 %+v, want one finding ending %q", src, got, want)
		}
	}
}

func TestCR102(t *testing.T) {
	runRuleCases(t, "CR102", []ruleCase{
		{"no tag", "FROM ubuntu\n", nil, []want{{line: 1}}},
		{"latest, stage ref ignored", "FROM node:latest AS build\nFROM build\n", nil, []want{{line: 1}}},
		{"two stages on one image: one finding", "FROM rust:latest AS cargo\nRUN cargo build\nFROM rust:latest\nRUN make\nFROM alpine\n", nil, []want{{line: 1}, {line: 5}}},
		{"one ARG's image in three stages", "ARG IMG=ubuntu:rolling\nFROM ${IMG} AS a\nFROM ${IMG} AS b\nFROM ${IMG}\n", nil, []want{{line: 2}}},
		{"arg resolves to latest", "ARG TAG=latest\nFROM debian:${TAG}\n", nil, []want{{line: 2}}},
		{"digest required", "FROM ubuntu:24.04\n", func(in *DockerfileInput) { in.Config.RequireDigest = true }, []want{{line: 1}}},
		{"tag", "FROM ubuntu:24.04\n", nil, nil},
		{"a branch's tag", "FROM pangeo/base-image:master\n", nil, []want{{line: 1}}},
		{"R's devel builds", "FROM rhub/r-minimal:devel\n", nil, []want{{line: 1}}},
		{"a variant's latest", "FROM quay.io/devfile/base-developer-image:ubi9-latest\n", nil, []want{{line: 1}}},
		{"a version that only ends in latest", "FROM example/tools:mylatest\n", nil, nil},
		{"latest for one architecture", "FROM example/tools:latest-arm64\n", nil, []want{{line: 1}}},
		{"a language image without its version", "FROM node:trixie\n", nil, []want{{line: 1}}},
		{"a language image's lts", "FROM node:lts-slim\n", nil, []want{{line: 1}}},
		{"a Node.js LTS line by its codename", "FROM node:jod-alpine\nFROM node:iron\n", nil, nil},
		{"a language image with its major version", "FROM node:22-trixie\n", nil, nil},
		{"a language image's tag of a Debian release the images dropped", "FROM golang:bullseye\nFROM python:slim-bullseye\n", nil, nil},
		{"Kasm's rolling builds", "FROM kasmweb/core-ubuntu-noble:1.18.0-rolling-weekly\nFROM kasmweb/core-ubuntu-noble:1.18.0-rolling-daily\n", nil, []want{{line: 1}, {line: 2}}},
		{"ROS 2's rolling distribution", "FROM ros:rolling-ros-core\n", nil, []want{{line: 1}}},
		{"an ONBUILD variant the official images stopped building", "FROM golang:onbuild\nFROM node:onbuild\n", nil, nil},
		{"a Dev Containers image's distribution and release alone", "FROM mcr.microsoft.com/devcontainers/cpp:debian-12\nFROM mcr.microsoft.com/devcontainers/base:ubuntu-24.04\nFROM mcr.microsoft.com/devcontainers/cpp:1-debian-12\nFROM mcr.microsoft.com/devcontainers/base:ubuntu-18.04\nFROM mcr.microsoft.com/devcontainers/base:alpine-3.17\nFROM mcr.microsoft.com/devcontainers/base:alpine-3.21\n", nil, []want{{line: 1}, {line: 2}, {line: 6}}},
		{"busybox's stable channel", "FROM busybox:stable\nFROM busybox:stable-musl\nFROM busybox:1.37-musl\n", nil, []want{{line: 1}, {line: 2}}},
		{"distroless variants alone", "FROM gcr.io/distroless/static:nonroot\nFROM gcr.io/distroless/base-debian12:debug\nFROM gcr.io/distroless/static@sha256:d4c4845f5d60c6a974c6000ce58ae079328d03ab7f721a0734277e69905473e5\n", nil, []want{{line: 1}, {line: 2}}},
		{"distroless variants of a Debian release no longer built", "FROM gcr.io/distroless/python3-debian11:debug\nFROM gcr.io/distroless/java-debian10:nonroot\n", nil, nil},
		{"such an image untagged or latest", "FROM gcr.io/distroless/nodejs18-debian11\nFROM gcr.io/distroless/static-debian11:latest\n", nil, nil},
		{"a distroless image still built, untagged", "FROM gcr.io/distroless/nodejs22-debian12\n", nil, []want{{line: 1}}},
		{"a language image's variant with no version", "FROM mono:slim\n", nil, []want{{line: 1}}},
		{"a ROS release by name", "FROM ros:jazzy-ros-core\n", nil, nil},
		{"a release of the same image, and a word that only contains rolling", "FROM kasmweb/core-ubuntu-noble:1.18.0\nFROM example/patrolling:2.1\nFROM example/app:rollingstone-1\n", nil, nil},
		{"a distribution's channel in an architecture's namespace", "FROM i386/debian:testing\nFROM arm64v8/ubuntu:rolling\n", nil, []want{{line: 1}, {line: 2}}},
		{"an architecture's namespace with a release", "FROM i386/debian:12\n", nil, nil},
		{"a rolling distribution's tag", "FROM archlinux:base-devel\nFROM opensuse/tumbleweed:latest\n", nil, []want{{line: 1}, {line: 2}}},
		{"a rolling distribution's dated snapshot", "FROM archlinux:base-devel-20250105.0.295102\n", nil, nil},
		{"docker's retired stable channel", "FROM docker:stable-dind\nFROM docker:stable\n", nil, nil},
		{"docker's moving dind tag", "FROM docker:dind\n", nil, []want{{line: 1}}},
		{"a language image's tag of an archived Debian, which stopped moving", "FROM node:lts-buster-slim\nFROM rust:buster\n", nil, nil},
		{"a distribution's codename", "FROM debian:trixie\n", nil, nil},
		{"a distribution's channel", "FROM debian:stable-slim\nFROM ubuntu:rolling\n", nil, []want{{line: 1}, {line: 2}}},
		{"a branch's tag with a variant", "FROM freqtradeorg/freqtrade:develop_freqairl\n", nil, []want{{line: 1}}},
		{"a branch's dated build", "FROM ghcr.io/acme/dev:main-2024.05\n", nil, nil},
		{"an image's newest build on a distribution", "FROM codercom/enterprise-base:ubuntu\n", nil, []want{{line: 1}}},
		{"an image's dated build on a distribution", "FROM codercom/enterprise-base:ubuntu-20240812\n", nil, nil},
		{"a Dev Containers image's codename alone", "FROM mcr.microsoft.com/devcontainers/rust:bookworm\n", nil, []want{{line: 1}}},
		{"a Dev Containers release the images dropped", "FROM mcr.microsoft.com/devcontainers/base:bullseye\nFROM mcr.microsoft.com/devcontainers/cpp:debian-11\n", nil, nil},
		{"a Dev Containers image's major version and codename", "FROM mcr.microsoft.com/devcontainers/rust:1-bookworm\n", nil, nil},
		{"a server image without its version", "FROM nginx:alpine\n", nil, []want{{line: 1}}},
		{"a server image with its version", "FROM nginx:1.27-alpine\n", nil, nil},
		{"busybox's variant", "FROM busybox:musl\n", nil, nil},
		{"an application's tag that names only its PHP", "FROM wordpress:php8.2-apache\n", nil, []want{{line: 1}}},
		{"an application's tag that names only its JDK", "FROM tomcat:jdk17-temurin\n", nil, []want{{line: 1}}},
		{"an application's own version beside its PHP", "FROM wordpress:6.5-php8.2-apache\nFROM tomcat:10.1-jdk17-temurin\n", nil, nil},
		{"a language image's own version", "FROM php:8.2-apache\n", nil, nil},
		{"another image's word tag", "FROM acme/nginx:alpine\n", nil, nil},
		{"a Dev Containers distribution alias", "FROM mcr.microsoft.com/devcontainers/base:ubuntu\n", nil, []want{{line: 1}}},
		{"a Dev Containers image by its distribution release moves with the image too", "FROM mcr.microsoft.com/devcontainers/base:ubuntu-24.04\n", nil, []want{{line: 1}}},
		{"a distribution's own name elsewhere", "FROM example/base:ubuntu\n", nil, nil},
		{"a default the repository's build overrides", "ARG BASE_TAG=latest\nFROM acme/base:${BASE_TAG}\n", buildFiles("BASE_TAG"), nil},
		{"the whole image, passed an unpinned one", "ARG BASE=opensuse/tumbleweed\nFROM $BASE\n", buildFiles("BASE", "debian:12", "opensuse/tumbleweed"), []want{{line: 2}}},
		{"the whole image, passed what a workflow computes", "ARG IMG=ghcr.io/homebrew/brew:main\nFROM ${IMG}\n", buildFiles("IMG", "${{"), nil},
		{"the whole image, only named", "ARG IMG=ghcr.io/homebrew/brew:main\nFROM ${IMG}\n", buildFiles("IMG"), []want{{line: 2}}},
		{"a default nothing overrides", "ARG BASE_TAG=latest\nFROM acme/base:${BASE_TAG}\n", buildFiles("OTHER"), []want{{line: 2}}},
		{"a tag that only starts like one", "FROM acme/base:main-2024.06\n", nil, nil},
		{"digest", "FROM ubuntu@sha256:0e5e4a57c2499249aafc3b40fcd541e9a456aab7296681a3994d631587203f97\n", func(in *DockerfileInput) { in.Config.RequireDigest = true }, nil},
		{"scratch and unresolved", "ARG BASE\nFROM $BASE AS a\nFROM scratch\n", nil, nil},
		{"a bare local name", "FROM bats-jenkins\nRUN echo x\n", nil, nil},
		{"a fixture's local name", "FROM doesntmatter\n", nil, nil},
		{"an official image by one word", "FROM eclipse-temurin\n", nil, []want{{line: 1}}},
		{"a Docker Hub namespace", "FROM myorg/tools\n", nil, []want{{line: 1}}},
		{"a local name digest required", "FROM bats-jenkins\n", func(in *DockerfileInput) { in.Config.RequireDigest = true }, nil},
		{"COPY --from an unpinned image", "FROM debian:12\nCOPY --from=ghcr.io/astral-sh/uv:latest /uv /usr/local/bin/\nCOPY --from=docker.io/library/docker /usr/local/bin/docker /usr/local/bin/\n", nil, []want{{line: 2}, {line: 3}}},
		{"COPY --from a stage, an index, a tagged image, a variable", "FROM golang:1.23 AS build\nFROM debian:12\nCOPY --from=build /go/bin/x /x\nCOPY --from=0 /a /a\nCOPY --from=ghcr.io/astral-sh/uv:0.5.1 /uv /bin/\nARG IMG\nCOPY --from=$IMG /y /y\n", nil, nil},
		{"COPY --from a later stage's name is not an image", "FROM debian:12 AS a\nCOPY --from=Tools /t /t\nFROM alpine:3.20 AS tools\n", nil, nil},
	})
}

func TestCR103(t *testing.T) {
	allowed := func(p ...string) func(*DockerfileInput) {
		return func(in *DockerfileInput) { in.Config.AllowedBases = p }
	}
	runRuleCases(t, "CR103", []ruleCase{
		{"not allowed", "FROM ubuntu:24.04\n", allowed("codercom/enterprise-*", "ghcr.io/acme/golden:*"), []want{{line: 1}}},
		{"nearest literal is suggested", "FROM golang:1.23 AS build\nFROM ghcr.io/acme/golde:2\n", allowed("ghcr.io/acme/golden:2", "codercom/enterprise-base:ubuntu"),
			[]want{{2, 0, []string{e(2, "FROM ghcr.io/acme/golden:2")}}}},
		{"final chain root judged", "FROM ubuntu:24.04 AS base\nFROM base\n", allowed("ghcr.io/acme/*"), []want{{line: 1}}},
		{"glob across slashes", "FROM docker.io/codercom/enterprise-base:ubuntu\n", allowed("codercom/*"), nil},
		{"tagless pattern matches any tag", "FROM ghcr.io/acme/golden:2@sha256:abc\n", allowed("ghcr.io/acme/golden"), nil},
		{"builder stage not judged", "FROM golang:1.23 AS build\nFROM ghcr.io/acme/golden:2\n", allowed("ghcr.io/acme/golden:*"), nil},
		{"no policy", "FROM ubuntu:24.04\n", nil, nil},
	})
}

// aptMarkIdiom is the Docker Official images' RUN that installs curl,
// uses it, marks everything auto, marks the saved list (and keep) manual
// again and purges the rest; the purge is on its line 5.
func aptMarkIdiom(keep string) string {
	return "RUN set -eux; savedAptMark=\"$(apt-mark showmanual)\"; apt-get update; \\\n" +
		"  apt-get install -y --no-install-recommends ca-certificates curl gnupg; \\\n" +
		"  curl -fsSL https://example.com/x.tgz | tar -xz -C /usr/local; \\\n" +
		"  apt-mark auto '.*' > /dev/null; [ -z \"$savedAptMark\" ] || apt-mark manual $savedAptMark; " + keep + "\\\n" +
		"  apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false\n"
}

func TestCR104(t *testing.T) {
	runRuleCases(t, "CR104", []ruleCase{
		{"adds to the existing install", "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*\n", nil,
			[]want{{1, 0, []string{e(2, "RUN apt-get update && apt-get install -y --no-install-recommends git curl ca-certificates && rm -rf /var/lib/apt/lists/*")}}}},
		{"one package per line", "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y \\\n    git \\\n    jq \\\n    && rm -rf /var/lib/apt/lists/*\nUSER 1000\n", nil,
			// git installed with its recommends brings ca-certificates.
			[]want{{1, 0, []string{e(4, "    jq \\\n    curl \\")}}}},
		{"new RUN after FROM", "FROM ubuntu:22.04\nUSER root\n", nil,
			[]want{{1, 0, []string{e(1, "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*")}}}},
		{"fedora has curl", "FROM fedora:40\n", nil, nil},
		{"a script run through a variable may install it", "FROM debian:12\nENV INST_SCRIPTS=/headless/install\nCOPY src/ $INST_SCRIPTS/\nRUN $INST_SCRIPTS/tools.sh\n", nil, nil},
		{"an install under a wrapped SHELL", "FROM debian:12\nSHELL [\"/usr/bin/fakeroot\", \"--\", \"/bin/sh\", \"-c\"]\nRUN apt-get update && apt-get install -y curl wget git\n", nil, nil},
		{"fedora with curl removed", "FROM fedora:40\nRUN dnf remove -y curl\n", nil, []want{{line: 2}}},
		{"ubi9-minimal ships curl-minimal", "FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4\n", nil, nil},
		{"ubi8-minimal's tools are not known", "FROM registry.access.redhat.com/ubi8/ubi-minimal:8.10\n", nil, nil},
		{"ubi9-minimal with curl removed", "FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4\nRUN microdnf remove -y curl-minimal curl\n", nil,
			[]want{{line: 2}}},
		{"final stage of several", "FROM alpine:3.20 AS tools\nFROM debian:12\nCOPY --from=tools /bin/busybox /bin/busybox\n", nil, []want{{line: 2}}},
		{"installed", "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n", nil, nil},
		{"installed in a base stage", "FROM debian:12 AS base\nRUN apt-get update && apt-get install -y wget\nFROM base\n", nil, nil},
		{"alpine has busybox", "FROM alpine:3.20\n", nil, nil},
		{"installed, used, removed", "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends wget ca-certificates \\\n && wget -O rustup-init https://example.com/rustup-init \\\n && apt-get remove -y --auto-remove wget && rm -rf /var/lib/apt/lists/*\n", nil,
			[]want{{line: 4}}},
		{"the official images' apt-mark idiom purges what the RUN installed", "FROM debian:12-slim\n" + aptMarkIdiom("apt-mark manual ca-certificates; "), nil,
			[]want{{line: 6}}},
		{"the apt-mark idiom keeping curl by name", "FROM debian:12-slim\n" + aptMarkIdiom("apt-mark manual ca-certificates curl; "), nil, nil},
		{"the apt-mark idiom and curl installed before it", "FROM debian:12-slim\nRUN apt-get update && apt-get install -y curl\n" + aptMarkIdiom(""), nil, nil},
		{"removed, then installed again", "FROM debian:12\nRUN apt-get update && apt-get install -y wget && apt-get purge -y wget\nRUN apt-get update && apt-get install -y curl\n", nil, nil},
		{"one of two removed", "FROM debian:12\nRUN apt-get update && apt-get install -y wget curl && apt-get purge -y wget\n", nil, nil},
		{"alpine keeps busybox", "FROM alpine:3.20\nRUN apk add --no-cache curl && apk del curl\n", nil, nil},
		{"unknown base", "FROM ghcr.io/acme/base:1\n", nil, nil},
		{"copied-in script may install it", "FROM debian:bullseye-slim\nCOPY library-scripts/*.sh /tmp/library-scripts/\n" +
			"RUN bash /tmp/library-scripts/common-debian.sh \"${INSTALL_ZSH}\" \"${USERNAME}\"\n", nil, nil},
		{"packages from a variable", "FROM debian:12\nARG PKGS\nRUN apt-get update && apt-get install -y $PKGS\n", nil, nil},
	})
}

func TestCR105(t *testing.T) {
	runRuleCases(t, "CR105", []ruleCase{
		{"alpine", "FROM alpine:3.20\nRUN apk add --no-cache curl\n", nil,
			[]want{{1, 0, []string{e(2, "RUN apk add --no-cache curl git")}}}},
		{"buildpack-deps curl", "ARG VARIANT=trixie\nFROM buildpack-deps:${VARIANT}-curl\n", nil,
			[]want{{2, 0, []string{e(2, "FROM buildpack-deps:${VARIANT}-curl\nRUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*")}}}},
		{"installed", "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y git\n", nil, nil},
		{"base has git", "FROM buildpack-deps:bookworm\n", nil, nil},
		{"script runs after the copy", "FROM buildpack-deps:bullseye-curl\nCOPY library-scripts/common-debian.sh /tmp/\n" +
			"RUN /tmp/common-debian.sh && rm /tmp/common-debian.sh\n", nil, nil},
		{"downloaded installer", "FROM alpine:3.20\nRUN wget -qO- https://example.com/setup | sh\n", nil, nil},
		{"an unrelated script does not hide it", "FROM alpine:3.20\nRUN echo hi > /tmp/x.txt\n", nil, []want{{line: 1}}},
	})
}

func TestCR106(t *testing.T) {
	runRuleCases(t, "CR106", []ruleCase{
		{"entrypoint", "FROM ubuntu:24.04\nENTRYPOINT [\"/entrypoint.sh\"]\nCMD [\"bash\"]\n", nil, []want{{line: 2}}},
		{"inherited entrypoint", "FROM ubuntu:24.04 AS base\nENTRYPOINT /start.sh\nFROM base\n", nil, []want{{line: 2}}},
		{"service cmd", "FROM ubuntu:24.04\nCMD [\"/usr/sbin/sshd\", \"-D\"]\n", nil, []want{{line: 2}}},
		{"service start", "FROM ubuntu:24.04\nCMD service docker start && sleep infinity\n", nil, []want{{line: 2}}},
		{"sleep", "FROM ubuntu:24.04\nCMD [\"sleep\", \"infinity\"]\n", nil, nil},
		{"tini wrapping a shell", "FROM alpine:3.20\nENTRYPOINT [\"/sbin/tini\", \"-g\", \"sh\"]\n", nil, nil},
		{"tini, --, a shell with options", "FROM alpine:3.20\nENTRYPOINT [\"tini\", \"-g\", \"--\", \"bash\", \"-l\"]\n", nil, nil},
		{"dumb-init with a value option, then a shell", "FROM alpine:3.20\nENTRYPOINT [\"dumb-init\", \"--rewrite\", \"15:2\", \"--\", \"sh\"]\n", nil, nil},
		{"tini wrapping a shell that runs a script", "FROM alpine:3.20\nENTRYPOINT [\"tini\", \"--\", \"sh\", \"/start.sh\"]\n", nil, []want{{line: 2}}},
		{"tini wrapping an entrypoint script", "FROM alpine:3.20\nENTRYPOINT [\"tini\", \"--\", \"/docker-entrypoint.sh\"]\n", nil, []want{{line: 2}}},
		{"entrypoint reset", "FROM ubuntu:24.04\nENTRYPOINT []\n", nil, nil},
		{"builder stage", "FROM golang:1.23 AS b\nENTRYPOINT [\"/x\"]\nFROM ubuntu:24.04\n", nil, nil},
		{"scratch: no shell, no workspace", "FROM golang:1.23 AS b\nFROM scratch\nCOPY --from=b /x /x\nENTRYPOINT [\"/x\"]\n", nil, nil},
		{"distroless", "FROM registry.example/distroless/static-debian12\nENTRYPOINT [\"/x\"]\n", nil, nil},
		{"scratch with a root folder a stage filled", "FROM alpine:3.21 AS rootfs-stage\nRUN mkdir /root-out\nFROM scratch\nCOPY --from=rootfs-stage /root-out/ /\nENTRYPOINT [\"/init\"]\n", nil, []want{{line: 5}}},
		{"a bare shell sets nothing up", "FROM ubuntu:24.04\nENTRYPOINT [ \"/usr/bin/bash\" ]\n", nil, nil},
		{"scratch squashing a whole image", "FROM ubuntu:24.04 AS base_layer\nRUN apt-get update\nFROM scratch\nCOPY --from=base_layer / /\nENTRYPOINT [\"/dockerstartup/vnc_startup.sh\"]\n", nil, []want{{line: 5}}},
		{"scratch with one program", "FROM golang:1.23 AS b\nFROM scratch\nCOPY --from=b /go/bin/x /x\nENTRYPOINT [\"/x\"]\n", nil, nil},
		{"a minimal init runs the command", "FROM ubuntu:24.04\nENTRYPOINT [\"tini\", \"--\"]\nCMD [\"jupyter\", \"lab\"]\n", nil, nil},
		{"dumb-init with a flag", "FROM ubuntu:24.04\nENTRYPOINT [\"/usr/bin/dumb-init\", \"--single-child\", \"--\"]\n", nil, nil},
		{"an init wrapping a script", "FROM ubuntu:24.04\nENTRYPOINT [\"tini\", \"--\", \"/start.sh\"]\n", nil, []want{{line: 2}}},
		{"a login shell neither", "FROM ubuntu:24.04\nENTRYPOINT bash -l\n", nil, nil},
		{"a shell that runs CMD as its command", "FROM ubuntu:24.04\nENTRYPOINT [\"/bin/bash\", \"-c\", \"-l\"]\nCMD [\"make test\"]\n", nil, nil},
		{"an interactive shell that runs CMD", "FROM ubuntu:24.04\nENTRYPOINT [\"/bin/bash\", \"-i\", \"-c\"]\n", nil, nil},
		{"a shell given only the packaged program", "FROM ubuntu:24.04\nENV TARGET_BIN=greptime\nENTRYPOINT [\"sh\", \"-c\", \"exec $TARGET_BIN \\\"$@\\\"\", \"--\"]\n", nil, nil},
		{"a shell given a setup and the program", "FROM ubuntu:24.04\nENV TARGET_BIN=greptime\nENTRYPOINT [\"sh\", \"-c\", \"chown -R app /data && exec $TARGET_BIN \\\"$@\\\"\", \"--\"]\n", nil, []want{{line: 3}}},
		{"a shell running a command does", "FROM ubuntu:24.04\nENTRYPOINT [\"bash\", \"-c\", \"service ssh start && exec \\\"$@\\\"\"]\n", nil, []want{{line: 2}}},
		{"distroless debug has busybox", "FROM registry.example/distroless/static-debian12:debug\nENTRYPOINT [\"/docker-entrypoint.sh\"]\n", nil, []want{{line: 2}}},
		// The image's own command-line tool prepares nothing.
		{"a packaged CLI", "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nENTRYPOINT [\"mise\"]\n", nil, nil},
		{"a CLI by path with a subcommand", "FROM debian:12\nENTRYPOINT [\"/usr/local/bin/terraform\"]\nCMD [\"version\"]\n", nil, nil},
		{"dumb-init with a signal rewrite", "FROM debian:12\nENTRYPOINT [\"/usr/bin/dumb-init\", \"--rewrite\", \"15:2\", \"--\"]\nCMD [\"/risingwave/bin/risingwave\"]\n", nil, nil},
		{"tini with a parent-death signal", "FROM debian:12\nENTRYPOINT [\"tini\", \"-p\", \"SIGTERM\", \"--\"]\n", nil, nil},
		{"a shell form that prints, then keeps the container open", "FROM busybox:1.36\nENTRYPOINT echo \"app1\" && tail -f /dev/null\n", nil, nil},
		{"a shell form that starts a service, then keeps it open", "FROM debian:12\nENTRYPOINT service ssh start && tail -f /dev/null\n", nil, []want{{line: 2}}},
		{"env alone", "FROM debian:12\nENTRYPOINT [\"/usr/bin/env\"]\nCMD [\"bash\"]\n", nil, nil},
		{"env setting a variable is no pass-through", "FROM debian:12\nENTRYPOINT [\"/usr/bin/env\", \"LD_PRELOAD=/opt/lib/libfix.so\"]\nCMD [\"bash\"]\n", nil, []want{{line: 2}}},
		{"an init that wraps the packaged CLI", "FROM alpine:3.20\nCOPY --from=build /out/learn-ocaml-client /usr/bin\nENTRYPOINT [\"dumb-init\", \"/usr/bin/learn-ocaml-client\"]\n", nil, nil},
		{"an init that wraps a server", "FROM alpine:3.20\nCOPY --from=build /out/learn-ocaml /usr/bin\nENTRYPOINT [\"dumb-init\", \"learn-ocaml\", \"--sync-dir=/sync\"]\nCMD [\"serve\"]\n", nil, []want{{line: 3}}},
		{"an init that wraps a script", "FROM debian:12\nENTRYPOINT [\"dumb-init\", \"--\", \"/docker-entrypoint.sh\"]\n", nil, []want{{line: 2}}},
		{"a quoted shell in shell form", "FROM ubuntu:24.04\nENTRYPOINT '/bin/bash'\n", nil, nil},
		{"a keep-alive entrypoint", "FROM ubuntu:24.04\nENTRYPOINT [\"sleep\", \"infinity\"]\n", nil, nil},
		{"a Compose Dev Container keeps its service's command", "FROM ubuntu:24.04\nCMD service dnsmasq start && sleep infinity\n",
			withDevcontainer(`{"dockerComposeFile": "compose.yml", "service": "app"}`), nil},
		{"a Compose Dev Container that overrides the command", "FROM ubuntu:24.04\nCMD service dnsmasq start && sleep infinity\n",
			withDevcontainer(`{"dockerComposeFile": "compose.yml", "service": "app", "overrideCommand": true}`), []want{{line: 2}}},
		{"a CLI in shell form", "FROM alpine:3.20\nRUN apk add --no-cache cmus\nENTRYPOINT cmus\n", nil, nil},
		{"a shell form with the shell's own syntax", "FROM alpine:3.20\nENTRYPOINT cmus && echo $HOME\n", nil, []want{{line: 2}}},
		{"docker-compose, a CLI", "FROM alpine:3.20\nENTRYPOINT [\"docker-compose\"]\nCMD [\"help\"]\n", nil, nil},
		{"a CLI given an output folder with -d", "FROM debian:12\nENTRYPOINT [\"/opt/piper/piper\"]\nCMD [\"-m\", \"model.onnx\", \"-d\", \"/tmp\"]\n", nil, nil},
		{"a daemon's -D", "FROM debian:12\nENTRYPOINT [\"/usr/sbin/dropbear\"]\nCMD [\"-D\"]\n", nil, []want{{line: 2}}},
		{"Chainguard's static image has no shell", "FROM golang:1.23 AS b\nFROM cgr.dev/chainguard/static:latest\nCOPY --from=b /x /x\nENTRYPOINT [\"/x\"]\n", nil, nil},
		{"Chainguard's -dev tags have one", "FROM cgr.dev/chainguard/wolfi-base:latest-dev\nENTRYPOINT [\"/entrypoint.sh\"]\n", nil, []want{{line: 2}}},
		{"Chainguard's wolfi-base has one", "FROM cgr.dev/chainguard/wolfi-base:latest\nENTRYPOINT [\"/entrypoint.sh\"]\n", nil, []want{{line: 2}}},
		{"a program that serves", "FROM debian:12\nENTRYPOINT [\"/usr/bin/myapp\", \"--port\", \"8080\"]\n", nil, []want{{line: 2}}},
		{"Jupyter Lab as the entrypoint", "FROM debian:12\nENTRYPOINT [\"jupyter\", \"lab\", \"--ip\", \"0.0.0.0\", \"--no-browser\"]\n", nil, []want{{line: 2}}},
		{"a program whose CMD serves", "FROM debian:12\nENTRYPOINT [\"myapp\"]\nCMD [\"serve\"]\n", nil, []want{{line: 2}}},
		{"a user switcher", "FROM debian:12\nENTRYPOINT [\"gosu\", \"coder\"]\n", nil, []want{{line: 2}}},
		{"a Python module's command line", "FROM python:3.12-slim\nENTRYPOINT [\"python3\", \"-m\", \"twine\"]\n", nil, nil},
		{"a Python module that serves", "FROM python:3.12-slim\nENTRYPOINT [\"python3\", \"-m\", \"http.server\", \"8000\"]\n", nil, []want{{line: 2}}},
		{"an interpreter running a file", "FROM debian:12\nENTRYPOINT [\"python3\", \"/app/main.py\"]\n", nil, []want{{line: 2}}},
		{"a script without .sh from the context", "FROM debian:12\nCOPY prepare /usr/local/bin/prepare\nENTRYPOINT [\"/usr/local/bin/prepare\"]\n",
			withContext(map[string]string{"prepare": "#!/bin/sh\nchown -R coder /home/coder\nexec \"$@\"\n"}), []want{{line: 3}}},
		{"a script from the context whose CMD asks for its help", "FROM ubuntu:22.04\nCOPY src/stripy/stripy /usr/local/bin/stripy\nENTRYPOINT [\"/usr/local/bin/stripy\"]\nCMD [\"--help\"]\n",
			withContext(map[string]string{"src/stripy/stripy": "#!/usr/bin/env python3\nimport sys\nmain(sys.argv[1:])\n"}), nil},
		{"a script from the context whose CMD passes it options", "FROM ubuntu:22.04\nCOPY src/stripy/stripy /usr/local/bin/stripy\nENTRYPOINT [\"/usr/local/bin/stripy\"]\nCMD [\"--config\", \"/etc/stripy.json\"]\n",
			withContext(map[string]string{"src/stripy/stripy": "#!/usr/bin/env python3\nimport sys\nmain(sys.argv[1:])\n"}), []want{{line: 3}}},
		{"a binary from the context", "FROM debian:12\nCOPY tool /usr/local/bin/tool\nENTRYPOINT [\"/usr/local/bin/tool\"]\n",
			withContext(map[string]string{"tool": "\x7fELF\x02\x01\x01"}), nil},
		{"a CMD script that starts services", "FROM debian:12\nCOPY start.sh /usr/local/bin/start.sh\nCMD [\"/usr/local/bin/start.sh\"]\n",
			withContext(map[string]string{"start.sh": "#!/bin/sh\n# start sshd and docker\nmkdir -p /run/sshd\nif [ -x /usr/bin/dockerd ]; then\n  sudo service docker start\nfi\nexec sleep infinity\n"}), []want{{line: 3}}},
		{"a CMD script run by bash that starts a daemon", "FROM debian:12\nCOPY scripts/ /opt/\nCMD [\"bash\", \"/opt/boot.sh\"]\n",
			withContext(map[string]string{"scripts/boot.sh": "#!/bin/bash\n/usr/sbin/sshd -D &\nwait\n"}), []want{{line: 3}}},
		{"an ENTRYPOINT script that puts its tool before the arguments", "FROM wordpress:cli\nCOPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT [\"docker-entrypoint.sh\"]\n",
			withContext(map[string]string{"docker-entrypoint.sh": "#!/bin/sh\nset -euo pipefail\nif [ \"${1#-}\" != \"$1\" ] || wp help \"$1\" > /dev/null 2>&1; then\n\tset -- wp \"$@\"\nfi\nexec \"$@\"\n"}), nil},
		{"a pass-through script another stage copied in from the context", "FROM rust:1-alpine AS builder\nWORKDIR /root/app\nADD . .\nFROM alpine:3.24\nCOPY --from=builder /root/app/docker/docker-entrypoint.sh /usr/bin/\nENTRYPOINT [ \"docker-entrypoint.sh\" ]\n",
			withContext(map[string]string{"docker/docker-entrypoint.sh": "#!/bin/sh\nset -e\nif [ -z \"${QUIET:-}\" ]; then\n    exec 3>&1\nelse\n    exec 3>/dev/null\nfi\necho >&3 \"$0: ready\"\nexec \"$@\"\n"}), nil},
		{"a Python tool named as its image", "FROM python:3.14-alpine\nCOPY [\"koparse/koparse.py\", \"/usr/local/bin/koparse\"]\nENTRYPOINT [\"/usr/local/bin/koparse\"]\n",
			func(in *DockerfileInput) {
				withContext(map[string]string{"koparse/koparse.py": "#!/usr/bin/env python3\nimport sys\n"})(in)
				in.File.Path = "tekton/images/koparse/Dockerfile"
			}, nil},
		{"a shell script named as its image", "FROM alpine:3.20\nCOPY [\"koparse/koparse.sh\", \"/usr/local/bin/koparse\"]\nENTRYPOINT [\"/usr/local/bin/koparse\"]\n",
			func(in *DockerfileInput) {
				withContext(map[string]string{"koparse/koparse.sh": "#!/bin/sh\nchown -R app /data\nexec \"$@\"\n"})(in)
				in.File.Path = "tekton/images/koparse/Dockerfile"
			}, []want{{line: 3}}},
		{"a keep-alive behind a minimal init", "FROM temporalio/base-admin-tools:1.0\nENTRYPOINT [\"tini\", \"--\", \"sleep\", \"infinity\"]\n", nil, nil},
		{"a shell's script relative to the WORKDIR", "FROM python:3.12\nWORKDIR /musicbot\nCOPY . ./\nENTRYPOINT [\"/bin/sh\", \"docker-entrypoint.sh\"]\n",
			withContext(map[string]string{"docker-entrypoint.sh": "#!/bin/sh\necho starting >&2\nexec \"$@\"\n"}), nil},
		{"a pass-through script a pattern copies in", "FROM debian:12\nCOPY ./conf/bin/*.sh /\nENTRYPOINT [\"/conda-entry.sh\"]\n",
			withContext(map[string]string{"conf/bin/conda-entry.sh": "#!/bin/sh\necho starting >&2\nexec \"$@\"\n"}), nil},
		{"a relative ENTRYPOINT in the WORKDIR a pattern copies into", "FROM debian:12\nWORKDIR /ragflow\nCOPY docker/entrypoint*.sh ./\nENTRYPOINT [\"./entrypoint.sh\"]\n",
			withContext(map[string]string{"docker/entrypoint.sh": "#!/bin/sh\necho starting >&2\nexec \"$@\"\n"}), nil},
		{"a setup script another stage copied in from the context", "FROM rust:1-alpine AS builder\nWORKDIR /root/app\nADD . .\nFROM alpine:3.24\nCOPY --from=builder /root/app/docker/docker-entrypoint.sh /usr/bin/\nENTRYPOINT [ \"docker-entrypoint.sh\" ]\n",
			withContext(map[string]string{"docker/docker-entrypoint.sh": "#!/bin/sh\nchown -R app /data\nexec \"$@\"\n"}), []want{{line: 6}}},
		{"an ENTRYPOINT script that runs a runtime with the arguments", "FROM debian:12\nCOPY _entry.sh /usr/local/bin/docker-entrypoint.sh\nENTRYPOINT [\"/tini\", \"--\", \"docker-entrypoint.sh\"]\nCMD [\"eval\", \"console.log('hi')\"]\n",
			withContext(map[string]string{"_entry.sh": "#!/bin/sh\nset -e\nif [ \"$1\" != \"${1#-}\" ]; then\n    exec deno \"$@\"\nfi\ncase \"$1\" in\n    bench | run | test )\n    exec deno \"$@\";;\nesac\nexec \"$@\"\n"}), nil},
		{"an ENTRYPOINT script that runs a runtime with its own script", "FROM debian:12\nCOPY _entry.sh /usr/local/bin/docker-entrypoint.sh\nENTRYPOINT [\"/tini\", \"--\", \"docker-entrypoint.sh\"]\n",
			withContext(map[string]string{"_entry.sh": "#!/bin/sh\nexec deno run /app/setup.ts\n"}), []want{{line: 3}}},
		{"an ENTRYPOINT script whose command takes -v as an option", "FROM debian:12\nCOPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT [\"docker-entrypoint.sh\"]\n",
			withContext(map[string]string{"docker-entrypoint.sh": "#!/bin/sh\nmkdir -v /data\nexec \"$@\"\n"}), []want{{line: 3}}},
		{"an ENTRYPOINT script that runs its tool's command first", "FROM wordpress:cli\nCOPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT [\"docker-entrypoint.sh\"]\n",
			withContext(map[string]string{"docker-entrypoint.sh": "#!/bin/sh\nwp core install > /dev/null 2>&1\nexec \"$@\"\n"}), []want{{line: 3}}},
		{"an ENTRYPOINT script that only keeps the container open in a loop", "FROM debian:12\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT [\"/entrypoint.sh\"]\n",
			withContext(map[string]string{"entrypoint.sh": "#!/bin/bash\necho \"Entering sleep...\"\ntrap : TERM INT\n(while true; do sleep 1000; done) &\nwait\n"}), nil},
		{"a script that counts files for its message", "FROM debian:12\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT [\"/entrypoint.sh\"]\n",
			withContext(map[string]string{"entrypoint.sh": "#!/bin/bash\nset -euo pipefail\nif [ -d \"$D\" ]; then\n  N=$(find \"$D\" -maxdepth 1 -name \"*.md\" -type f 2>/dev/null | wc -l | tr -d ' ')\n  echo \"$N files\" >&2\nfi\nexec \"$@\"\n"}), nil},
		{"a script whose find deletes", "FROM debian:12\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT [\"/entrypoint.sh\"]\n",
			withContext(map[string]string{"entrypoint.sh": "#!/bin/bash\nfind /tmp -name '*.lock' -delete\nexec \"$@\"\n"}), []want{{line: 3}}},
		{"a script that edits a file in place", "FROM debian:12\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT [\"/entrypoint.sh\"]\n",
			withContext(map[string]string{"entrypoint.sh": "#!/bin/bash\nsed -i \"s/PORT/$PORT/\" /etc/app.conf\nexec \"$@\"\n"}), []want{{line: 3}}},
		{"a loop that sleeps, then does work", "FROM debian:12\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT [\"/entrypoint.sh\"]\n",
			withContext(map[string]string{"entrypoint.sh": "#!/bin/bash\nwhile true; do sleep 60; /usr/local/bin/sync-repos; done\n"}), []want{{line: 3}}},
		{"a loop that waits for a condition", "FROM debian:12\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT [\"/entrypoint.sh\"]\n",
			withContext(map[string]string{"entrypoint.sh": "#!/bin/bash\nwhile [ ! -f /ready ]; do sleep 1; done\nmkdir -p /run/app\n"}), []want{{line: 3}}},
		{"a login shell told to read the system profile", "FROM debian:12\nENTRYPOINT [\"/bin/bash\", \"--rcfile\", \"/etc/profile\", \"-l\", \"-c\"]\n", nil, nil},
		{"a shell with an option's name", "FROM debian:12\nENTRYPOINT [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n", nil, nil},
		{"a shell told to read an rc file of its own", "FROM debian:12\nCOPY rc /opt/rc\nENTRYPOINT [\"/bin/bash\", \"--rcfile\", \"/opt/rc\", \"-i\"]\n", nil, []want{{line: 3}}},
		{"a CMD script that only mentions them", "FROM debian:12\nCOPY start.sh /start.sh\nCMD [\"/start.sh\"]\n",
			withContext(map[string]string{"start.sh": "#!/bin/sh\n# service docker start is the template's job\necho starting sshd_config check\ncp /etc/ssh/sshd_config /tmp/\nexec \"$@\"\n"}), nil},
		{"CMD passes flags to the base's ENTRYPOINT", "FROM kasmweb/core-ubuntu-noble:1.18.0\nRUN apt-get update\nCMD [\"--tail-log\"]\n", nil, []want{{line: 3}}},
		{"CMD is a script for the base's shell", "FROM line/kubectl-kustomize:1.29.1-5.3.0\nCOPY transform.sh /\nCMD [\"-c\", \"kustomize build /tmp/x | tee /out.yaml\"]\n", nil, nil},
		{"CMD starts a web terminal", "FROM debian:12\nRUN apt-get update && apt-get install -y ttyd zsh\nUSER 1000\nCMD [\"ttyd\", \"-W\", \"zsh\"]\n", nil, []want{{line: 4}}},
		{"CMD runs a script that starts a desktop", "FROM debian:12\nCOPY start.sh /start.sh\nUSER 1000\nCMD [\"/start.sh\"]\n",
			withContext(map[string]string{"start.sh": "#!/bin/bash\nXvfb :99 -screen 0 1920x1080x24 &\nx11vnc -display :99 -forever &\nexec python -m app\n"}), []want{{line: 4}}},
		{"an entrypoint script every shell sources again", "FROM ros:humble\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT [\"/entrypoint.sh\"]\nUSER 1000\nRUN echo \"source /entrypoint.sh\" >> /home/dev/.bashrc\n",
			withContext(map[string]string{"entrypoint.sh": "#!/bin/bash\nsource /opt/ros/humble/setup.bash\nexec \"$@\"\n"}), nil},
		{"an entrypoint script a RUN only copies", "FROM ros:humble\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT [\"/entrypoint.sh\"]\nRUN cp /entrypoint.sh /tmp/e.sh\n",
			withContext(map[string]string{"entrypoint.sh": "#!/bin/bash\nsource /opt/ros/humble/setup.bash\nexec \"$@\"\n"}), []want{{line: 3}}},
		{"CMD is postgres's -c option", "FROM postgres:16\nCMD [\"-c\", \"max_connections=10000\"]\n", nil, []want{{line: 2}}},
		{"CMD is a script after shell options", "FROM line/kubectl-kustomize:1.29.1-5.3.0\nCMD [\"-ec\", \"kustomize build\"]\n", nil, nil},
		{"CMD flags to this Dockerfile's own CLI", "FROM debian:12\nENTRYPOINT [\"mise\"]\nCMD [\"--help\"]\n", nil, nil},
		{"a packaged tool's own run subcommand", "FROM cypress/factory:4.1.0\nENTRYPOINT [\"cypress\", \"run\"]\n", nil, nil},
		{"a project runner's run", "FROM node:22\nENTRYPOINT [\"npm\", \"run\", \"dev\"]\n", nil, []want{{line: 2}}},
		{"cargo run", "FROM rust:1\nENTRYPOINT [\"cargo\", \"run\", \"--release\"]\n", nil, []want{{line: 2}}},
		{"supervisord programs on a base whose command may start it", "FROM registry.example/acme/desktop:1\nCOPY dockerd.conf /etc/supervisor/conf.d/dockerd.conf\n", nil, []want{{line: 2}}},
		{"supervisord programs nothing in the image starts", "FROM debian:12\nRUN apt-get update && apt-get install -y supervisor\nCOPY dockerd.conf /etc/supervisor/conf.d/dockerd.conf\n", nil, nil},
		{"supervisord programs and a CMD of another program on a known base", "FROM debian:12\nRUN apt-get update && apt-get install -y supervisor\nCOPY dockerd.conf /etc/supervisor/conf.d/dockerd.conf\nCMD [\"bash\"]\n", nil, nil},
		{"hooks and a CMD the base's ENTRYPOINT runs", "FROM registry.example/jupyter/docker-stacks-foundation:lab\nCOPY prepare.sh /usr/local/bin/before-notebook.d/\nCMD '/run.sh'\n", nil, []want{{line: 2}}},
		{"supervisord programs and an ENTRYPOINT of another program", "FROM registry.example/acme/desktop:1\nCOPY dockerd.conf /etc/supervisor/conf.d/dockerd.conf\nENTRYPOINT [\"bash\"]\n", nil, nil},
		{"s6-overlay init scripts", "FROM ghcr.io/linuxserver/baseimage-ubuntu:noble\nCOPY root/etc/cont-init.d/50-config /etc/cont-init.d/50-config\n", nil, []want{{line: 2}}},
		{"a runit boot script on a base that runs /sbin/boot", "FROM discourse/base:slim\nADD ensure-database /etc/runit/1.d/ensure-database\nUSER discourse\n", nil, []want{{line: 2}}},
		{"a runit service on phusion's baseimage", "FROM phusion/baseimage:noble-1.0.0\nCOPY redis.sh /etc/service/redis/run\n", nil, []want{{line: 2}}},
		{"a runit service with an entrypoint of its own", "FROM phusion/baseimage:noble-1.0.0\nCOPY redis.sh /etc/service/redis/run\nENTRYPOINT [\"/sbin/my_init\", \"--\"]\n", nil, []want{{line: 3}}},
		{"s6-overlay init scripts on rOpenSci's Rocker image", "FROM rocker/ropensci\nCOPY scripts/setup.sh /etc/cont-init.d/zzz-setup.sh\n", nil, []want{{line: 2}}},
		{"s6-overlay services copied as a tree", "FROM ghcr.io/linuxserver/baseimage-ubuntu:noble\nCOPY svc /etc/s6-overlay/s6-rc.d/svc-code-server\n", nil, []want{{line: 2}}},
		{"a Jupyter start hook", "FROM quay.io/jupyter/base-notebook:2024-10-07\nCOPY prepare.sh /usr/local/bin/before-notebook.d/10-prepare.sh\n", nil, []want{{line: 2}}},
		{"a file beside the init folders", "FROM debian:12\nCOPY app.conf /etc/cont-init.conf\n", nil, nil},
		{"a Kasm image's custom startup", "FROM kasmweb/core-ubuntu-jammy:1.16.0\nCOPY ./src/custom_startup.sh $STARTUPDIR/custom_startup.sh\n",
			func(in *DockerfileInput) { in.BuildArgs = map[string]string{} }, []want{{line: 2}}},
		{"a Cloud Workstations startup script", "FROM us-central1-docker.pkg.dev/cloud-workstations-images/predefined/code-oss:latest\nCOPY 200_setup.sh /etc/workstation-startup.d/\n", nil, []want{{line: 2}}},
		{"a whole tree holding s6 services copied over /", "FROM ghcr.io/linuxserver/baseimage-ubuntu:noble\nCOPY /root /\n",
			withContext(map[string]string{"root/etc/s6-overlay/s6-rc.d/svc-code-server/run": "#!/usr/bin/with-contenv bash\nexec code-server\n"}), []want{{line: 2}}},
		{"a whole tree with no service copied over /", "FROM ghcr.io/linuxserver/baseimage-ubuntu:noble\nCOPY /root /\n",
			withContext(map[string]string{"root/etc/motd": "hello\n"}), nil},
		{"a tree from another stage", "FROM debian:12 AS b\nFROM ghcr.io/linuxserver/baseimage-ubuntu:noble\nCOPY --from=b /root /\n",
			withContext(map[string]string{"root/etc/s6-overlay/s6-rc.d/svc/run": "#!/bin/sh\n"}), nil},
		{"supervisord started by CMD: reported once, there", "FROM debian:12\nCOPY app.conf /etc/supervisor/conf.d/\nCMD [\"/usr/bin/supervisord\"]\n", nil, []want{{line: 3}}},
		{"shell form naming the program alone", "FROM debian:12\nENTRYPOINT mise\n", nil, nil},
	})
}

func TestCR107(t *testing.T) {
	runRuleCases(t, "CR107", []ruleCase{
		{"curl without recommends", "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n", nil,
			[]want{{2, 23, []string{e(2, "RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*")}}}},
		{"git, one per line", "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n\tgit \\\n\tvim\n", nil,
			[]want{{2, 23, []string{e(4, "\tvim \\\n\tca-certificates")}}}},
		{"with ca-certificates", "FROM ubuntu:24.04\nRUN apt-get install -y --no-install-recommends curl ca-certificates\n", nil, nil},
		{"the OS roots copied from another stage", "FROM debian:12 AS upload\nRUN apt-get update && apt-get install -y ca-certificates\nFROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nCOPY --from=upload /etc/ssl /etc/ssl\n", nil, nil},
		{"the bundle file copied from another stage", "FROM debian:12-slim\nRUN apt-get install -y --no-install-recommends curl\nCOPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\n", nil, nil},
		{"one certificate copied into the folder is no bundle", "FROM debian:12-slim\nRUN apt-get install -y --no-install-recommends curl\nCOPY corp-root.crt /etc/ssl/certs/\n", nil, []want{{line: 2}}},
		{"a later stage of the final image installs it", "FROM ubuntu:16.04 AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nFROM base AS dev\nRUN apt-get update && apt-get install -y --no-install-recommends python-pip\n", nil, nil},
		{"a builder stage outside the final image's chain", "FROM ubuntu:16.04 AS tools\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nFROM ubuntu:16.04\nCOPY --from=tools /usr/bin/curl /usr/bin/\n", nil, nil},
		{"curl installed with its recommends in the stage", "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y python3 curl && apt-get install -y --no-install-recommends git gpg\n", nil, nil},
		{"curl with its recommends in another stage", "FROM ubuntu:24.04 AS dl\nRUN apt-get update && apt-get install -y curl\nFROM ubuntu:24.04\nRUN apt-get update && apt-get install -y --no-install-recommends git\n", nil, []want{{line: 4}}},
		{"Debian's azure-cli depends on it through python3-requests", "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends azure-cli curl\n", nil, nil},
		{"devscripts depends on it through libwww-perl", "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends devscripts curl\n", nil, nil},
		{"ROS's python3-rosdep depends on it", "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y --no-install-recommends curl python3-rosdep\n", nil, nil},
		{"Python 2's python-pip depends on it too", "FROM ubuntu:18.04\nRUN apt-get update && apt-get install -y --no-install-recommends curl python-pip\n", nil, nil},
		{"python3-pip depends on ca-certificates", "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl python3-pip\n", nil, nil},
		{"a JDK depends on it through ca-certificates-java", "FROM ubuntu:24.04\nRUN apt-get install -y --no-install-recommends git openjdk-17-jdk-headless\n", nil, nil},
		{"a script may install it", "FROM ubuntu:24.04\nRUN apt-get install -y --no-install-recommends curl && bash /tmp/setup.sh\n", nil, nil},
		{"python3 alone does not", "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends wget python3\n", nil, []want{{line: 2}}},
		{"ca-certificates installed elsewhere", "FROM ubuntu:24.04\nRUN apt-get install -y ca-certificates\nRUN apt-get install -y --no-install-recommends curl\n", nil, nil},
		{"recommends on", "FROM ubuntu:24.04\nRUN apt-get install -y curl\n", nil, nil},
		{"base has certificates", "FROM python:3.12-slim\nRUN apt-get install -y --no-install-recommends curl\n", nil, nil},
	})
}

func TestCR108(t *testing.T) {
	ca := func(in *DockerfileInput) { in.Config.OrgCAs = []OrgCA{{Name: "Acme Root CA", SHA256: "ab"}} }
	runRuleCases(t, "CR108", []ruleCase{
		{"after the last root RUN", "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y ca-certificates curl\nUSER coder\n", ca,
			[]want{{1, 0, []string{e(2, "RUN apt-get update && apt-get install -y ca-certificates curl\nCOPY acme-root-ca.crt /usr/local/share/ca-certificates/acme-root-ca.crt\nRUN update-ca-certificates")}}}},
		{"rhel family", "FROM fedora:40\n", ca,
			[]want{{1, 0, []string{e(1, "FROM fedora:40\nCOPY acme-root-ca.crt /etc/pki/ca-trust/source/anchors/acme-root-ca.crt\nRUN update-ca-trust extract")}}}},
		{"installs ca-certificates when missing", "FROM debian:12\n", ca,
			[]want{{1, 0, []string{e(1, "FROM debian:12\nCOPY acme-root-ca.crt /usr/local/share/ca-certificates/acme-root-ca.crt\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* && update-ca-certificates")}}}},
		{"non-root base", "FROM codercom/enterprise-base:ubuntu\n", ca,
			[]want{{1, 0, []string{e(1, "FROM codercom/enterprise-base:ubuntu\nUSER root\nCOPY acme-root-ca.crt /usr/local/share/ca-certificates/acme-root-ca.crt\nRUN update-ca-certificates\nUSER coder")}}}},
		{"copied without refresh", "FROM ubuntu:24.04\nCOPY acme.crt /usr/local/share/ca-certificates/\n", ca, []want{{line: 1}}},
		{"installed", "FROM ubuntu:24.04\nCOPY acme.crt /usr/local/share/ca-certificates/acme.crt\nRUN update-ca-certificates\n", ca, nil},
		{"bundle replaced", "FROM ubuntu:24.04\nCOPY bundle.pem /etc/ssl/certs/ca-certificates.crt\n", ca, nil},
		{"no org CA", "FROM ubuntu:24.04\n", nil, nil},
	})
}

func TestCR109(t *testing.T) {
	runRuleCases(t, "CR109", []ruleCase{
		{"no refresh", "FROM ubuntu:24.04\nCOPY corp.crt /usr/local/share/ca-certificates/\n", nil,
			[]want{{2, 0, []string{e(2, "COPY corp.crt /usr/local/share/ca-certificates/\nRUN update-ca-certificates")}}}},
		{"rhel anchor", "FROM fedora:40\nCOPY corp.pem /etc/pki/ca-trust/source/anchors/corp.pem\n", nil,
			[]want{{2, 0, []string{e(2, "COPY corp.pem /etc/pki/ca-trust/source/anchors/corp.pem\nRUN update-ca-trust extract")}}}},
		{"not .crt", "FROM ubuntu:24.04\nCOPY corp.pem /usr/local/share/ca-certificates/\nRUN update-ca-certificates\n", nil,
			[]want{{2, 0, []string{e(2, "COPY corp.pem /usr/local/share/ca-certificates/corp.crt")}}}},
		{"a certificate an ENV points programs at", "FROM eclipse-temurin:21-noble\nADD https://example.com/zscaler-root-ca.pem /usr/local/share/ca-certificates/zscaler.pem\nENV SSL_CERT_FILE=\"/usr/local/share/ca-certificates/zscaler.pem\"\n", nil, nil},
		{"an ENV that points at another file", "FROM ubuntu:24.04\nCOPY corp.crt /usr/local/share/ca-certificates/\nENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt\n", nil, []want{{line: 2}}},
		{"not .crt on Alpine, which takes any name", "FROM alpine:3.20\nADD https://example.com/bundle.pem /usr/local/share/ca-certificates/rds.pem\nRUN apk add --no-cache ca-certificates && update-ca-certificates\n", nil, nil},
		{"workdir relative", "FROM ubuntu:24.04\nWORKDIR /usr/local/share/ca-certificates\nCOPY corp.crt .\n", nil, []want{{line: 3}}},
		{"run download", "FROM ubuntu:24.04\nRUN curl -fsSLo /usr/local/share/ca-certificates/corp.crt https://pki.example.com/root\n", nil, []want{{line: 2, col: 17}}},
		{"refreshed", "FROM ubuntu:24.04\nCOPY corp.crt /usr/local/share/ca-certificates/corp.crt\nRUN update-ca-certificates\n", nil, nil},
		{"refreshed in a later stage", "FROM fedora:40 AS base\nCOPY corp.pem /etc/pki/ca-trust/source/anchors/\nFROM base\nRUN update-ca-trust extract\n", nil, nil},
		{"same RUN", "FROM ubuntu:24.04\nRUN curl -o /usr/local/share/ca-certificates/c.crt https://x/c && update-ca-certificates\n", nil, nil},
		{"directory of certificates", "FROM ubuntu:24.04\nCOPY certs/ /usr/local/share/ca-certificates/\nRUN update-ca-certificates\n", nil, nil},
		{"a later script the Dockerfile does not show", "FROM ubuntu:24.04\nCOPY corp.crt /usr/local/share/ca-certificates/\nCOPY setup.sh /tmp/\nRUN bash /tmp/setup.sh\n", nil, nil},
		{"a later program from a folder copied onto the PATH", "FROM ubuntu:24.04 AS build\nFROM ubuntu:24.04\nCOPY --from=build /test/ca.pem /usr/local/share/ca-certificates/r.crt\n" +
			"COPY --link --from=build /usr/local/sbin/ /usr/local/sbin/\nRUN install-containerbase\n", nil, nil},
		{"a later program copied by name", "FROM ubuntu:24.04\nCOPY corp.crt /usr/local/share/ca-certificates/\nCOPY bin/trust-setup /usr/local/bin/\nRUN trust-setup --all\n", nil, nil},
		{"a copied folder, but a system program runs", "FROM ubuntu:24.04\nCOPY corp.crt /usr/local/share/ca-certificates/\nCOPY bin/ /usr/local/bin/\nRUN apt-get update && mkdir -p /x\n", nil,
			[]want{{line: 2}}},
		{"a program copied only after the RUN", "FROM ubuntu:24.04\nCOPY corp.crt /usr/local/share/ca-certificates/\nRUN trust-setup\nCOPY bin/trust-setup /usr/local/bin/\n", nil,
			[]want{{line: 2}}},
	})
}

func TestCR110(t *testing.T) {
	runRuleCases(t, "CR110", []ruleCase{
		{"s390x", "FROM --platform=linux/s390x ubuntu:24.04\n", nil,
			[]want{{1, 0, []string{e(1, "FROM --platform=linux/amd64 ubuntu:24.04")}}}},
		{"arm v6", "FROM --platform=linux/arm/v6 alpine:3.20 AS base\nFROM base\n", nil,
			[]want{{1, 0, []string{e(1, "FROM --platform=linux/arm64 alpine:3.20 AS base")}}}},
		{"from an ARG", "ARG P=windows/amd64\nFROM --platform=$P ubuntu:24.04\n", nil, []want{{line: 2}}},
		{"supported", "FROM --platform=linux/arm64 ubuntu:24.04 AS a\nFROM --platform=linux/arm/v7 a\n", nil, nil},
		{"automatic arg", "FROM --platform=$BUILDPLATFORM golang:1.23 AS b\nFROM ubuntu:24.04\n", nil, nil},
		{"builder stage", "FROM --platform=linux/386 debian:12 AS b\nFROM ubuntu:24.04\n", nil, nil},
	})
}

func TestCR111(t *testing.T) {
	runRuleCases(t, "CR111", []ruleCase{
		{"a stage only a build argument selects, on its default base", "ARG TYPE=alpine\nARG BASE=${TYPE}\nFROM ${BASE} AS test-base-alpine\nRUN apk add bash\n" +
			"FROM ${BASE} AS test-base-rhel\nRUN dnf install -y bash\nFROM test-base-${TYPE} AS test-base\nFROM scratch AS default\n", nil, nil},
		{"a stage the final stage builds on, on its default base", "ARG BASE=alpine\nFROM ${BASE} AS b\nRUN dnf install -y bash\nFROM b\n", nil, []want{{line: 3}}},
		{"a tag the build files pass", "ARG VARIANT=cli\nFROM php:8.4-${VARIANT}\nRUN apk add --no-cache git\n", buildFiles("VARIANT", "${{ matrix.variant }}"), nil},
		{"a tag no build file passes", "ARG VARIANT=cli\nFROM php:8.4-${VARIANT}\nRUN apk add --no-cache git\n", nil, []want{{line: 3}}},
		{"apk on debian", "FROM debian:12\nRUN apk add --no-cache curl\n", nil,
			[]want{{2, 5, []string{e(2, "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*")}}}},
		{"apt on alpine", "FROM alpine:3.20\nRUN apt-get update && \\\n    apt-get install -y git\n", nil,
			[]want{{2, 5, []string{"2-3:RUN apk add --no-cache git"}}}},
		{"dnf on ubi-minimal", "FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4\nRUN echo hi && dnf install -y git\n", nil,
			[]want{{2, 16, []string{}}}},
		{"dnf installed by microdnf earlier in the RUN", "FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4\nRUN microdnf -y install dnf && \\\n    dnf -y -q install golang\n", nil, nil},
		{"dnf installed by microdnf later in the RUN", "FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4\nRUN dnf -y -q install golang && microdnf -y install dnf\n", nil,
			[]want{{2, 5, []string{"2:RUN microdnf install -y golang dnf && microdnf clean all"}}}},
		{"apt on centos via stage", "FROM quay.io/centos/centos:stream9 AS base\nFROM base\nRUN sudo apt-get install -y git\n", nil,
			[]want{{3, 10, []string{"3:RUN dnf install -y git && dnf clean all"}}}},
		{"multi-distro script", "FROM debian:12\nRUN if command -v apk; then apk add git; else apt-get install -y git; fi\n", nil, nil},
		{"yum on fedora", "FROM fedora:40\nRUN yum install -y git\n", nil, nil},
		{"microdnf installs dnf first", "FROM registry.access.redhat.com/ubi9/ubi-minimal\nRUN microdnf install -y dnf\nRUN dnf install -y git\n", nil, nil},
		{"unknown base", "FROM ghcr.io/acme/x:1\nRUN apk add git\n", nil, nil},
		{"apk under an OS condition", "FROM debian:10\nRUN . /etc/os-release \\\n    && if [ \"${ID}\" = \"alpine\" ]; then apk add bash; fi\n", nil, nil},
		{"apk behind command -v", "FROM debian:12\nRUN command -v apk && apk add --no-cache bash\n", nil, nil},
		{"apk on an alpine case branch", "FROM debian:12\nRUN case \"$ID\" in alpine) apk add git ;; esac\n", nil, nil},
		{"apk after the condition, unconditionally", "FROM debian:12\nRUN if [ -n \"$X\" ]; then echo x; fi && apk add git\n", nil, []want{{line: 2}}},
		{"digest-only official image with Alpine variants is not judged", "FROM golang@sha256:d4c4845f5d60c6a974c6000ce58ae079328d03ab7f721a0734277e69905473e5 AS builder\nRUN apk add --no-cache tzdata\n", nil, nil},
		{"digest-only openjdk is not judged", "FROM openjdk@sha256:d4c4845f5d60c6a974c6000ce58ae079328d03ab7f721a0734277e69905473e5\nRUN apt-get update\n", nil, nil},
		{"digest-only debian is still Debian", "FROM debian@sha256:d4c4845f5d60c6a974c6000ce58ae079328d03ab7f721a0734277e69905473e5\nRUN apk add --no-cache tzdata\n", nil, []want{{line: 2}}},
		{"a tag with its digest is the tag's variant", "FROM golang:1.26@sha256:d4c4845f5d60c6a974c6000ce58ae079328d03ab7f721a0734277e69905473e5\nRUN apk add --no-cache tzdata\n", nil, []want{{line: 2}}},
		{"digest-only devcontainers image is not judged", "FROM mcr.microsoft.com/vscode/devcontainers/base@sha256:0dd988931313673ac1f24900de5184b560c9bcc144ce57bdfdaf01110e9f5286\nRUN apk upgrade sudo\n", nil, nil},
	})
}

func TestCR112(t *testing.T) {
	runRuleCases(t, "CR112", []ruleCase{
		{"rustup's default host", "FROM ubuntu:24.04\nRUN curl -sSf https://sh.rustup.rs -o /tmp/rustup.sh && sh /tmp/rustup.sh -y --default-host x86_64-unknown-linux-gnu --default-toolchain stable\n", nil, []want{{line: 2}}},
		{"rustup's default host with =", "FROM ubuntu:24.04\nRUN rustup-init -y --default-host=aarch64-unknown-linux-gnu\n", nil, []want{{line: 2}}},
		{"an archive unpacked into a guest's root file system", "FROM debian:12\nRUN curl -O https://example.com/go1.4.2.linux-arm~multiarch-armv7-1.tar.gz\nRUN tar xfv go1.4.2.linux-arm~multiarch-armv7-1.tar.gz -C /arm/root/\n", nil, nil},
		{"an archive unpacked into the image", "FROM debian:12\nRUN curl -O https://example.com/go1.4.2.linux-arm~multiarch-armv7-1.tar.gz\nRUN tar xfv go1.4.2.linux-arm~multiarch-armv7-1.tar.gz -C /usr/local/\n", nil, []want{{line: 2}}},
		{"a cross-compile target is not the host", "FROM rust:1.83\nRUN rustup target add x86_64-unknown-linux-musl && cargo build --target x86_64-unknown-linux-musl\n", nil, nil},
		{"amd64 in a URL", "FROM ubuntu:24.04\nRUN curl -fsSL https://example.com/tool-linux-amd64.tar.gz | tar -xz\n", nil,
			[]want{{2, 16, []string{e(2, "ARG TARGETARCH\nRUN curl -fsSL https://example.com/tool-linux-${TARGETARCH}.tar.gz | tar -xz")}}}},
		{"quoted, continued", "FROM ubuntu:24.04\nARG V=1\nRUN curl -L \\\n  \"https://example.com/v${V}/tool_${V}_linux_arm64.deb\" -o /tmp/t.deb\n", nil,
			[]want{{4, 3, []string{e(3, "ARG TARGETARCH\nRUN curl -L \\"), e(4, "  \"https://example.com/v${V}/tool_${V}_linux_${TARGETARCH}.deb\" -o /tmp/t.deb")}}}},
		{"x86_64 has no edit", "FROM ubuntu:24.04\nRUN curl -LO https://github.com/p/protoc-23.4-linux-x86_64.zip\n", nil,
			[]want{{2, 14, []string{}}}},
		{"ADD with declared ARG", "FROM ubuntu:24.04\nARG TARGETARCH\nADD https://example.com/x_amd64.deb /tmp/\n", nil,
			[]want{{3, 5, []string{e(3, "ADD https://example.com/x_${TARGETARCH}.deb /tmp/")}}}},
		{"single quotes: no edit", "FROM ubuntu:24.04\nRUN sh -c 'true' && wget 'https://example.com/a-amd64.tgz'\n", nil,
			[]want{{2, 26, []string{}}}},
		{"TARGETARCH used", "FROM ubuntu:24.04\nARG TARGETARCH\nRUN curl -fsSL https://example.com/tool-linux-${TARGETARCH}.tar.gz -o /tmp/t && echo amd64\n", nil, nil},
		{"dpkg architecture, used", "FROM ubuntu:24.04\nRUN ARCH=$(dpkg --print-architecture) && curl -LO https://example.com/t_${ARCH}.deb\n", nil, nil},
		{"a pattern substitution maps the architecture", "FROM ubuntu:24.04\nRUN ARCH=$(dpkg --print-architecture) && curl -LO https://example.com/node-v22-linux-${ARCH/amd64/x64}.tar.gz\n", nil, nil},
		{"a pattern substitution in a RUN that asks nothing", "FROM ubuntu:24.04\nARG TARGETARCH\nRUN curl -LO https://example.com/t-${TARGETARCH/arm64/aarch64}.tar.gz\n", nil, nil},
		{"a pattern substitution beside a literal architecture", "FROM ubuntu:24.04\nRUN ARCH=$(uname -m) && curl -LO https://example.com/${ARCH/x86_64/x64}/t-linux-amd64.tar.gz\n", nil, []want{{line: 2}}},
		{"folders written into the linker's config", "FROM ubuntu:24.04\nRUN printf '/opt/x/lib\\n/usr/lib/aarch64-linux-gnu/tegra\\n' > /etc/ld.so.conf.d/x.conf && ldconfig\n", nil, nil},
		{"a search path named with a version", "FROM ubuntu:24.04\nENV GST_PLUGIN_PATH_1_0=/usr/lib/aarch64-linux-gnu/gstreamer-1.0\n", nil, nil},
		{"dpkg architecture asked, a literal download anyway", "FROM ubuntu:24.04\nRUN ARCH=$(dpkg --print-architecture) && curl -LO https://example.com/t_amd64.deb\n", nil, []want{{line: 2}}},
		{"Linux64 and a suffix the RUN picks by architecture", "FROM ubuntu:22.04\nRUN if [ \"${HOSTTYPE}\" = \"x86_64\" ]; then SUFFIX=\"\"; else SUFFIX=\"_armv8l\"; fi && wget -O- https://example.com/FVP_Base_11.28_Linux64${SUFFIX}.tgz | tar xz\n", nil, nil},
		{"a link made in another architecture's library folder", "FROM ubuntu:24.04\nRUN ln -s libncurses.so.6 /usr/lib/x86_64-linux-gnu/libncurses.so.5\n", nil, []want{{line: 2}}},
		{"an Azure Functions extension bundle, managed code", "FROM mcr.microsoft.com/dotnet/runtime:3.1-bionic-arm32v7\nRUN F=Microsoft.Azure.Functions.ExtensionBundle.1.8.1_linux-x64.zip && \\\n    wget https://functionscdn.azureedge.net/public/ExtensionBundles/Microsoft.Azure.Functions.ExtensionBundle/1.8.1/$F && unzip $F -d /bundles\n", nil, nil},
		{"an archive tar creates", "FROM golang:1.22\nRUN go run ./gen && tar cf \"json_linux_amd64.tar.gz\" ./data && tar -czf out-x86_64.tgz ./data\n", nil, nil},
		{"an archive tar reads", "FROM debian:12\nCOPY tool-linux-amd64.tar.gz /tmp/\nRUN tar -xzf /tmp/tool-linux-amd64.tar.gz -C /usr/local/bin\n", nil, []want{{line: 3}}},
		{"a path in a cross build's sysroot", "FROM alpine:3.22 AS sysroot\nRUN apk add --root /sysroot --initdb --arch aarch64 musl-dev\nFROM ubuntu:24.04\nCOPY --from=sysroot /sysroot /alpine-sysroot\nRUN ln -s /alpine-sysroot/usr/lib/gcc/aarch64-alpine-linux-musl/14 /alpine-sysroot/gcc-lib\n", nil, nil},
		{"a link for one architecture's programs (glibc's loader on musl)", "FROM alpine:3.20\nRUN ln -s /lib/libc.musl-x86_64.so.1 /lib/ld-linux-x86-64.so.2\n", nil, nil},
		{"a link to one architecture's file under a plain name", "FROM alpine:3.20\nRUN ln -s /lib/libc.musl-x86_64.so.1 /lib/libc.so\n", nil, []want{{line: 2}}},
		{"a link to another architecture's library folder (qemu's guest libraries)", "FROM ubuntu:24.04\nRUN ln -s /usr/lib/aarch64-linux-gnu /etc/qemu-binfmt/aarch64\n", nil, nil},
		{"a cross toolchain's programs linked in a loop", "FROM ubuntu:24.04\nRUN apt-get install -y g++-14-x86-64-linux-gnu && for i in gcc-14 g++-14 size strings; do \\\n  ln -s /usr/bin/x86_64-linux-gnu-$i /usr/x86_64-linux-gnu/bin/$i; done && \\\n  ln -s /usr/bin/x86_64-linux-gnu-c++filt /usr/x86_64-linux-gnu/bin/c++filt\n", nil, nil},
		{"a variable right after the architecture", "FROM ubuntu:22.04\nRUN wget https://example.com/webots_2025a_x86-64$WEBOTS_PACKAGE_PREFIX.tar.bz2\n", nil, []want{{line: 2}}},
		{"a literal download under a test of the architecture", "FROM ubuntu:24.04\nRUN [ \"$(dpkg --print-architecture)\" = amd64 ] && curl -LO https://example.com/t_amd64.deb\n", nil, nil},
		{"a literal download after an exit on other architectures", "FROM alpine:3.20\nRUN if [ \"$(uname -m)\" != \"x86_64\" ]; then exit 0; fi && \\\n  curl -LO https://example.com/t_amd64.tar.gz\n", nil, nil},
		{"a download under a flag named for Apple Silicon", "FROM debian:12\nARG APACHE_FOR_MAC_M1=false\nRUN if [ ${APACHE_FOR_MAC_M1} = true ]; then \\\n  wget -O /usr/local/bin/go-replace https://example.com/gr-arm64-linux; fi\n", nil, nil},
		{"a URL a sed expression writes into a script", "FROM almalinux:8\nRUN sed -i -e 's|^BIN=.*$|BIN=https://example.org/condor-10.2.0-x86_64_AlmaLinux8-stripped.tar.gz|' /usr/lib/condor/libexec/annex/anvil.sh\n", nil, nil},
		{"a literal download in a case branch", "FROM ubuntu:24.04\nRUN case \"$TARGETARCH\" in \\\n  amd64) curl -LO https://example.com/t_amd64.deb ;; \\\n  arm64) curl -LO https://example.com/t_arm64.deb ;; \\\nesac\n", nil, nil},
		{"OpenShift's client under an architecture folder", "FROM ubuntu:24.04\nRUN case \"$TARGETARCH\" in arm64) P=arm64 ;; amd64) P=x86_64 ;; esac && \\\n  curl -L \"https://mirror.openshift.com/pub/openshift-v4/${P}/clients/ocp/stable/openshift-client-linux.tar.gz\" | tar -xz\n", nil, nil},
		{"uname -m", "FROM ubuntu:24.04\nRUN curl -L \"https://github.com/docker/compose/releases/download/v2.5.0/docker-compose-$(uname -s)-$(uname -m)\" -o /usr/local/bin/dc\n", nil, nil},
		{"not a download", "FROM ubuntu:24.04\nRUN dpkg --add-architecture amd64 && apt-get install -y libc6:amd64\n", nil, nil},
		{"a branch of a test on the build's ARCH", "FROM ubuntu:24.04\nARG ARCH\nRUN cd /usr/local/bin && (if [ \"$ARCH\" = \"x86_64\" ]; then \\\n  curl -O https://uploader.codecov.io/latest/linux/codecov; else \\\n  curl -O https://uploader.codecov.io/latest/aarch64/codecov; fi)\n", nil, nil},
		{"a case on a variable", "FROM ubuntu:24.04\nARG ARCH\nRUN case \"${ARCH}\" in aarch64) curl -LO https://example.com/t-aarch64.tgz ;; *) curl -LO https://example.com/t.tgz ;; esac\n", nil, nil},
		{"a test on something else", "FROM ubuntu:24.04\nARG MODE\nRUN if [ \"$MODE\" = \"full\" ]; then curl -LO https://example.com/t-aarch64.tgz; fi\n", nil, []want{{line: 3}}},
		{"a path of a command whose failure is ignored", "FROM ubuntu:24.04\nRUN strip --remove-section=.note.ABI-tag /usr/lib/x86_64-linux-gnu/libQt5Core.so || true\nRUN ln -s /usr/lib/aarch64-linux-gnu/libfoo.so /usr/lib/libfoo.so 2>/dev/null || :\n", nil, nil},
		{"a path of a command whose failure stops the build", "FROM ubuntu:24.04\nRUN strip --remove-section=.note.ABI-tag /usr/lib/x86_64-linux-gnu/libQt5Core.so && echo ok || exit 1\n", nil, []want{{line: 2}}},
		{"Swift's toolchain for Ubuntu, the x86_64 one", "FROM ubuntu:22.04\nRUN curl -fsSLO https://download.swift.org/swift-5.8-release/ubuntu2204/swift-5.8-RELEASE/swift-5.8-RELEASE-ubuntu22.04.tar.gz\n", nil, []want{{line: 2}}},
		{"Swift's toolchain for Ubuntu on arm64", "FROM ubuntu:22.04\nRUN curl -fsSLO https://download.swift.org/swift-5.8-release/ubuntu2204-aarch64/swift-5.8-RELEASE/swift-5.8-RELEASE-ubuntu22.04-aarch64.tar.gz\n", nil, []want{{line: 2}}},
		{"the Flutter SDK's Linux archive, which has no arm64 build", "FROM ubuntu:24.04\nRUN curl -fsSL https://storage.googleapis.com/flutter_infra_release/releases/stable/linux/flutter_linux_3.41.6-stable.tar.xz | tar -xJ -C /opt\n", nil, []want{{line: 2}}},
		{"Flutter cloned, which fetches the host's tools", "FROM ubuntu:24.04\nRUN git clone --depth 1 -b stable https://github.com/flutter/flutter.git /opt/flutter\n", nil, nil},
		{"a local archive ADD unpacks, named for x64", "FROM ubuntu:24.04\nADD oss-cad-suite-linux-x64-*.tgz /opt\nUSER 1000\n", nil, []want{{line: 2}}},
		{"a local file ADD copies, named for amd64: a build output", "FROM ubuntu:24.04\nADD bin/app-linux-amd64 /usr/local/bin/app\nUSER 1000\n", nil, nil},
		{"a stage that installs x86-only packages (steamcmd) is built for x86", "FROM ubuntu:22.04\nRUN dpkg --add-architecture i386 && apt-get update && apt-get install -y lib32gcc-s1 steamcmd\nRUN ln -s /home/steam/.steam/steamcmd/linux64/steamclient.so /home/steam/.steam/sdk64/steamclient.so\n", nil, nil},
		{"a copy whose destination names macOS: its source only", "FROM ubuntu:24.04\nRUN cp \\\n  /opt/Brotli-0.4.0-py2.7-linux-x86_64.egg \\\n  /opt/Brotli-0.4.0-py2.7-macosx-10.10-x86_64.egg\n", nil, []want{{line: 3}}},
		{"a macOS build downloaded", "FROM ubuntu:24.04\nRUN curl -fsSLO https://example.com/tool-macosx-x86_64.tar.gz\n", nil, nil},
		{"a path a test asks for, and one used only when it is there", "FROM ubuntu:24.04\nRUN if [ -f /usr/lib/x86_64-linux-gnu/libgmt.so.6 ] && [ ! -f /usr/lib/x86_64-linux-gnu/libgmt.so ]; then \\\n  ln -sf /usr/lib/x86_64-linux-gnu/libgmt.so.6 /usr/lib/x86_64-linux-gnu/libgmt.so && ldconfig; \\\n  fi\n", nil, nil},
		{"a folder tested before a copy from it", "FROM ubuntu:24.04\nRUN test -d /usr/lib/x86_64-linux-gnu && cp /usr/lib/x86_64-linux-gnu/libfoo.so /opt/\n", nil, nil},
		{"a path used only when another is missing", "FROM ubuntu:24.04\nRUN if [ ! -f /usr/lib/x86_64-linux-gnu/libgmt.so ]; then ln -sf /usr/lib/x86_64-linux-gnu/libgmt.so.6 /usr/lib/x86_64-linux-gnu/libgmt.so; fi\n", nil, []want{{line: 2}}},
		{"a download made only on a machine with that folder", "FROM ubuntu:24.04\nRUN if [ -d /usr/lib/x86_64-linux-gnu ]; then curl -fsSLO https://example.com/x-linux-amd64.tgz; fi\n", nil, nil},
		{"a download after a test of another folder", "FROM ubuntu:24.04\nRUN if [ -d /opt/tools ]; then curl -fsSLO https://example.com/x-linux-amd64.tgz; fi\n", nil, []want{{line: 2}}},
		{"a path rm -f removes, which a machine without it skips", "FROM ubuntu:24.04\nRUN rm -f /usr/lib/x86_64-linux-gnu/libgmp.* && rm -rf /opt/x86_64-linux-gnu/cache\n", nil, nil},
		{"a path plain rm removes: the build stops without it", "FROM ubuntu:24.04\nRUN rm /usr/lib/x86_64-linux-gnu/libgmp.so\n", nil, []want{{line: 2}}},
		{"a path under a variable's folder (an archive's x86_64 program)", "FROM ubuntu:24.04\nARG SETUPDIR=/tmp/setup/\nRUN cd $SETUPDIR/ && wget -t 0 http://ccb.jhu.edu/software/glimmerhmm/dl/GlimmerHMM-3.0.4.tar.gz && \\\n    tar zxvf GlimmerHMM-3.0.4.tar.gz && mv $SETUPDIR/GlimmerHMM/bin/glimmerhmm_linux_x86_64 /usr/local/bin/glimmerhmm\n", nil, []want{{line: 4}}},
		{"a path under ${HOME} and a download it unpacks, one finding", "FROM ubuntu:24.04\nRUN curl -fsSLO https://e.com/tool-linux-amd64.tar.gz && tar xf tool-linux-amd64.tar.gz -C ${HOME} && ${HOME}/tool-linux-amd64/bin/tool --version\n", nil, []want{{line: 2}}},
		{"a download whose failure is ignored still fetches the wrong file", "FROM ubuntu:24.04\nRUN curl -fsSLO https://example.com/tool-linux-amd64.tar.gz || true\n", nil, []want{{line: 2}}},
		{"stages built on a build-machine stage cross-compile", "ARG BUILDPLATFORM=linux/amd64\nFROM --platform=$BUILDPLATFORM golang:1.26-alpine AS deps\nRUN go mod download\n" +
			"FROM deps AS build-linux-arm64\nENV GOOS=linux GOARCH=arm64\nENV BIN=/out/cli-linux-arm64\nRUN go build -o \"$BIN\" ./cli\n" +
			"FROM scratch\nCOPY --from=build-linux-arm64 /out /out\n", nil, nil},
		{"a stage on the target platform still counts", "FROM golang:1.26-alpine AS deps\n" +
			"FROM deps AS build\nENV BIN=/out/cli-linux-arm64\nRUN go build -o \"$BIN\" ./cli && cp \"$BIN\" /usr/local/bin/cli\n" +
			"FROM alpine:3.20\nCOPY --from=build /usr/local/bin/cli /usr/local/bin/\n", nil, []want{{line: 3}}},
		{"an RPM signing key from an architecture's folder", "FROM almalinux:10\nRUN rpm --import https://repo.almalinux.org/almalinux/10/BaseOS/x86_64/os/RPM-GPG-KEY-AlmaLinux-10\n", nil, nil},
		{"a repository id in yum's --setopt", "FROM almalinux:10\nRUN yum-config-manager --add-repo https://repo.mongodb.org/yum/redhat/9/mongodb-org/8.0/x86_64/ && \\\n    yum-config-manager --save --setopt=repo.mongodb.org_yum_redhat_9_mongodb-org_8.0_x86_64_.gpgkey=https://www.mongodb.org/static/pgp/server-8.0.asc\n", nil, []want{{line: 2}}},
		{"cross toolchains' programs named for their target", "FROM ubuntu:24.04\nRUN mkdir -p /usr/lib/ccache && ln -sf /usr/bin/ccache /usr/lib/ccache/aarch64-none-elf-gcc && ln -sf /usr/bin/ccache /usr/lib/ccache/x86_64-w64-mingw32-g++\n", nil, nil},
		{"a download through RUN variables built from others", "FROM ubuntu:24.04\nARG CMAKE_VERSION=3.16.8\nRUN CMAKE_URL=https://github.com/Kitware/CMake/releases/download/v${CMAKE_VERSION} && \\\n    CMAKE_SCRIPT=cmake-${CMAKE_VERSION}-Linux-x86_64.sh && \\\n    wget --quiet ${CMAKE_URL}/${CMAKE_SCRIPT}\n", nil, []want{{line: 4}}},
		{"a URL variable with a release a substitution finds", "FROM ubuntu:24.04\nRUN R=$(wget -qO- https://api.github.com/x | grep x) && \\\n    U=\"https://github.com/bazelbuild/bazelisk/releases/download/$R/bazelisk-linux-arm64\" && \\\n    wget $U -O /usr/local/bin/bazel\n", nil, []want{{line: 3}}},
		{"a cross target triple in a RUN variable", "FROM ubuntu:24.04\nRUN TARGET_TRIPLE=aarch64-alpine-linux-musl && mkdir -p /crossrootfs/arm64 && tar -xf /tmp/rootfs.tar -C /crossrootfs/${TARGET_TRIPLE}\n", nil, nil},
		{"a target-named default architecture still counts", "FROM ubuntu:24.04\nARG TARGET_ARCH=amd64\nRUN curl -fsSLO https://example.com/tool-linux-${TARGET_ARCH}.tar.gz\n", nil, []want{{line: 2}}},
		{"a cross toolchain's sysroot in ENV", "FROM ubuntu:24.04\nENV OPENSSL_LIB_DIR=/usr/local/aarch64-linux-musl/lib\nENV SYSROOT=/usr/aarch64-linux-gnu\n", nil, nil},
		{"musl.cc's cross toolchains", "FROM ubuntu:24.04\nRUN curl -fsSL https://musl.cc/armv7l-linux-musleabihf-cross.tgz | tar -xz -C /opt\n", nil, nil},
		{"tini's release asset named for no architecture", "FROM debian:12\nADD https://github.com/krallin/tini/releases/download/v0.19.0/tini /sbin/tini\n", nil, []want{{line: 2}}},
		{"NGC's CLI through an ARG", "FROM ubuntu:24.04\nARG NGC_CLI_URI=\"https://ngc.nvidia.com/downloads/ngccli_linux.zip\"\nRUN wget -q ${NGC_CLI_URI} && unzip ngccli_linux.zip\n", nil, []want{{line: 2}}},
		{"Solidity's static compiler", "FROM ubuntu:24.04\nRUN wget https://github.com/ethereum/solidity/releases/download/v0.8.19/solc-static-linux && chmod +x solc-static-linux && mv solc-static-linux /usr/bin/solc\n", nil, []want{{line: 2}}},
		{"the Android NDK", "FROM ubuntu:22.04\nRUN wget -q https://dl.google.com/android/repository/android-ndk-r25-linux.zip && unzip -q android-ndk-r25-linux.zip\n", nil, []want{{line: 2}}},
		{"a URL with a backtick substitution", "FROM python:3.12\nRUN curl -LO https://dl.example.com/release/`curl -s https://dl.example.com/release/stable.txt`/bin/linux/amd64/kubectl && chmod +x kubectl\n", nil, []want{{line: 2}}},
		{"AWS's Session Manager plugin for x86_64", "FROM ubuntu:24.04\nRUN curl -fsSLo /tmp/smp.deb \"https://s3.amazonaws.com/session-manager-downloads/plugin/latest/ubuntu_64bit/session-manager-plugin.deb\" && dpkg -i /tmp/smp.deb\n", nil, []want{{line: 2}}},
		{"AWS's Session Manager plugin for arm64 in an arm64 stage", "FROM --platform=linux/arm64 ubuntu:24.04\nRUN curl -fsSLo /tmp/smp.deb \"https://s3.amazonaws.com/session-manager-downloads/plugin/latest/ubuntu_arm64/session-manager-plugin.deb\"\n", nil, nil},
		{"Solidity's arm64 compiler", "FROM ubuntu:24.04\nRUN wget https://github.com/ethereum/solidity/releases/download/v0.8.31/solc-static-linux-arm\n", nil, nil},
		{"ninja-linux.zip", "FROM ubuntu:24.04\nRUN curl -fsSLO https://github.com/ninja-build/ninja/releases/download/v1.12.1/ninja-linux.zip\n", nil, []want{{line: 2}}},
		{"tini picked by the architecture", "FROM debian:12\nARG TARGETARCH\nRUN curl -fsSLo /sbin/tini https://github.com/krallin/tini/releases/download/v0.19.0/tini-${TARGETARCH}\n", nil, nil},
		{"tini on an amd64 stage", "FROM --platform=linux/amd64 debian:12\nADD https://github.com/krallin/tini/releases/download/v0.19.0/tini /sbin/tini\n", nil, nil},
		{"symlinks to other architectures' library folders", "FROM ubuntu:24.04\nRUN mkdir /etc/qemu-binfmt && \\\n    ln -sf /usr/lib/aarch64-linux-gnu /etc/qemu-binfmt/aarch64\n", nil, nil},
		{"a stage named for its architecture beside its twin", "ARG TARGETARCH\nARG ARCH=${TARGETARCH:-amd64}\nFROM debian:12 AS deps-amd64\nRUN curl -fsSLo /usr/local/bin/hadolint https://github.com/hadolint/hadolint/releases/download/v2.12.0/hadolint-Linux-x86_64\n" +
			"FROM debian:12 AS deps-arm64\nRUN curl -fsSLo /usr/local/bin/hadolint https://github.com/hadolint/hadolint/releases/download/v2.12.0/hadolint-Linux-arm64\nFROM deps-${ARCH}\n", nil, nil},
		{"a stage named for an architecture, no twin", "FROM debian:12 AS deps-amd64\nRUN curl -fsSLO https://example.com/tool-linux-arm64.tgz\nFROM deps-amd64\n", nil, []want{{line: 2}}},
		{"an apt source per architecture", "FROM debian:12\nRUN echo 'deb [arch=arm64] https://packages.example.com/salt stable main' >> /etc/apt/sources.list.d/salt.list && \\\n    echo 'deb [arch=amd64] https://packages.example.com/salt stable main' >> /etc/apt/sources.list.d/salt.list\n", nil, nil},
		{"an apt source in a stage nothing builds", "FROM debian:12 AS intel\nRUN echo 'deb [arch=amd64] https://apt.repos.intel.com/oneapi all main' > /etc/apt/sources.list.d/oneapi.list\nFROM debian:12\nUSER 1000\n", nil, nil},
		{"an apt source in a stage the final stage builds on", "FROM debian:12 AS intel\nRUN echo 'deb [arch=amd64] https://apt.repos.intel.com/oneapi all main' > /etc/apt/sources.list.d/oneapi.list\nFROM intel\nUSER 1000\n", nil, []want{{line: 2}}},
		{"jq's linux64", "FROM ubuntu:24.04\nRUN curl -fsSLo /usr/local/bin/jq https://github.com/jqlang/jq/releases/download/jq-1.6/jq-linux64\n", nil, []want{{line: 2}}},
		{"an apt source a later write of the RUN replaces", "FROM debian:12\nRUN echo \"deb [arch=amd64] https://packages.microsoft.com/debian/12/prod bookworm main\" | tee /etc/apt/sources.list.d/mssql.list && \\\n    curl https://packages.microsoft.com/config/debian/12/prod.list | tee /etc/apt/sources.list.d/mssql.list\n", nil, nil},
		{"an apt source a later write appends to", "FROM debian:12\nRUN echo \"deb [arch=amd64] https://packages.microsoft.com/debian/12/prod bookworm main\" > /etc/apt/sources.list.d/mssql.list && \\\n    echo 'deb http://deb.debian.org/debian bookworm main' >> /etc/apt/sources.list.d/mssql.list\n", nil, []want{{line: 2}}},
		{"an ADD download the next RUNs move and unpack", "FROM debian:12\nADD https://example.com/bazel/5.2.0/bazel-5.2.0-linux-x86_64 /opt/\nRUN chmod 777 /opt/bazel-5.2.0-linux-x86_64\nADD https://example.com/cmake-3.22.0-linux-x86_64.tar.gz /opt/cmake-3.22.0-linux-x86_64.tar.gz\nRUN tar -C /opt -xvzf /opt/cmake-3.22.0-linux-x86_64.tar.gz\n", nil, []want{{line: 2}, {line: 4}}},
		{"disk images for several targets from one place", "FROM debian:12\nADD https://storage.example.com/syzkaller/images/buildroot-amd64-2025.05.gz /disk-images/buildroot_amd64.gz\nADD https://storage.example.com/syzkaller/images/buildroot-arm64-img-2025.05.gz /disk-images/buildroot_arm64.gz\nADD https://storage.example.com/syzkaller/images/buildroot-arm-fs-2025.05.gz /disk-images/buildroot-arm.fs.gz\n", nil, nil},
		{"one target's file from such a place", "FROM debian:12\nADD https://storage.example.com/syzkaller/images/buildroot-amd64-2025.05.gz /disk-images/buildroot_amd64.gz\n", nil, []want{{line: 2}}},
		{"a FreeBSD cross target's library folder", "FROM ubuntu:24.04\nENV SQLITE3_LIB_DIR=/usr/local/x86_64-unknown-freebsd12/lib/\nRUN ls $SQLITE3_LIB_DIR\n", nil, nil},
		{"a download for Windows by its target triple", "FROM debian:12\nRUN curl -LO https://downloads.example.org/ghc/9.4.8/ghc-9.4.8-x86_64-unknown-mingw32.tar.xz\n", nil, nil},
		{"a download for another OS", "FROM ubuntu:24.04\nADD https://example.com/v2/cred_darwin_amd64-2.1.0.tar.gz /destination\nRUN curl -LO https://example.com/t-windows-x64.zip\n", nil, nil},
	})
}

func TestCR113(t *testing.T) {
	runRuleCases(t, "CR113", []ruleCase{
		{"devcontainer does not set it", "ARG VARIANT\nFROM debian:${VARIANT}\n", withDevcontainer(`{"build": {"dockerfile": "Dockerfile"}}`), []want{{line: 1}}},
		{"not declared", "FROM debian:${VARIANT}\n", nil, []want{{line: 1}}},
		{"reported once", "ARG BASE\nFROM ${BASE} AS a\nFROM ${BASE}:x\n", withDevcontainer(`{"build": {"dockerfile": "Dockerfile"}}`), []want{{line: 1}}},
		{"built on its own with --build-arg", "ARG base\nFROM ${base}\nRUN true\n", nil, nil},
		{"the shell's alternative form, empty", "ARG GHC_VERSION=9.10.3\nARG SUBTAG\nFROM quay.io/benz0li/ghc-musl:${GHC_VERSION}${SUBTAG:+-}${SUBTAG}\n", withDevcontainer(`{"build": {"dockerfile": "Dockerfile"}}`), nil},
		{"a default naming an argument with a fallback", "ARG HLS_VERSION\nARG HLS_IMAGE_TAG=${HLS_VERSION:-none}-ghcall\nFROM glcr.b-data.ch/ghc/hlssi:${HLS_IMAGE_TAG}\n", withDevcontainer(`{"build": {"dockerfile": "Dockerfile"}}`), nil},
		{"the alternative form beside a name that is needed", "ARG NAME\nARG SUBTAG\nFROM ${NAME}:1${SUBTAG:+-}${SUBTAG}\n", withDevcontainer(`{"build": {"dockerfile": "Dockerfile"}}`), []want{{line: 1}, {line: 2}}},
		{"empty still gives a valid tag", "ARG IMAGE_TYPE\nFROM tensorflow/tensorflow:devel$IMAGE_TYPE\n", withDevcontainer(`{"build": {"dockerfile": "Dockerfile"}}`), nil},
		{"empty undeclared suffix", "FROM debian:12${SUFFIX}\n", nil, nil},
		{"devcontainer build args set it", "ARG VARIANT\nFROM debian:${VARIANT}\n", func(in *DockerfileInput) { in.BuildArgs = map[string]string{"VARIANT": "12"} }, nil},
		{"default", "ARG VARIANT=12\nFROM debian:${VARIANT}\n", nil, nil},
		{"fallback in expansion", "FROM debian:${VARIANT:-12}\n", nil, nil},
		{"automatic arg", "FROM --platform=$TARGETPLATFORM debian:12\n", nil, nil},
	})
}

func TestCR114(t *testing.T) {
	runRuleCases(t, "CR114", []ruleCase{
		{"bashrc as root", "FROM ubuntu:24.04\nRUN echo 'export A=1' >> ~/.bashrc\nUSER coder\n", nil, []want{{line: 2, col: 26}}},
		{"mkdir $HOME", "FROM ubuntu:24.04\nRUN apt-get update && \\\n    mkdir -p $HOME/.config\nUSER 1000\n", nil, []want{{line: 3, col: 14}}},
		{"the base has the developer's user", "FROM mcr.microsoft.com/devcontainers/base:bookworm\nRUN echo x >> ~/.bashrc\n", nil, []want{{line: 2}}},
		{"relative to WORKDIR /root", "FROM ubuntu:24.04\nWORKDIR /root\nRUN git clone https://github.com/x/y .y\nUSER coder\n", nil, []want{{line: 3}}},
		{"relative after cd", "FROM ubuntu:24.04\nRUN cd ~ && touch .hushlogin\nUSER coder\n", nil, []want{{line: 2}}},
		{"the devcontainer's user", "FROM ubuntu:24.04\nRUN useradd -m dev\nRUN echo x >> ~/.bashrc\n", withDevcontainer(`{"remoteUser": "dev"}`), []want{{line: 3}}},
		{"the workspace runs as root", "FROM golang:1.16-buster\nRUN useradd -m vscode\nRUN git clone https://x/y ~/.bash-git-prompt\n", withDevcontainer(`{"build": {"dockerfile": "Dockerfile"}}`), nil},
		{"root is the only user", "FROM ubuntu:24.04\nRUN echo x >> ~/.bashrc\n", nil, nil},
		{"the base's user is not known", "ARG base\nFROM ${base}\nUSER root\nRUN mkdir -p ~/.pg_ctl/bin\n", nil, nil},
		{"HOME from the sibling base", "FROM quay.io/jupyter/base-notebook\nUSER root\nRUN echo x >> \"${HOME}/.bashrc\"\nUSER 1000\n",
			withSiblings(map[string]string{"images/base-notebook/Dockerfile": "FROM ubuntu:24.04\nARG NB_USER=jovyan\nENV HOME=/home/${NB_USER}\nUSER 1000\n"}), nil},
		{"explicit /root is meant for root", "FROM mcr.microsoft.com/devcontainers/base:bookworm\nRUN echo x | tee -a /root/.bashrc /home/vscode/.bashrc\n", nil, nil},
		{"unread base may set HOME", "FROM quay.io/jupyter/base-notebook\nUSER root\nRUN echo x >> \"${HOME}/.bashrc\"\nUSER 1000\n", nil, nil},
		{"relative elsewhere after cd", "FROM ubuntu:24.04\nWORKDIR /root\nRUN cd /tmp && git clone https://x/y y\nUSER coder\n", nil, nil},
		{"back to root", "FROM codercom/enterprise-base:ubuntu\nUSER root\nRUN curl -o ~/tool https://x/tool\nUSER coder\n", nil, []want{{line: 3}}},
		{"after USER", "FROM ubuntu:24.04\nUSER coder\nRUN echo x >> ~/.bashrc\n", nil, nil},
		{"sudo -u", "FROM ubuntu:24.04\nRUN sudo -u coder sh -c 'echo x >> ~/.bashrc'\n", nil, nil},
		{"HOME set", "FROM ubuntu:24.04\nENV HOME=/home/coder\nRUN echo x >> $HOME/.bashrc\n", nil, nil},
		{"base runs as coder", "FROM codercom/enterprise-base:ubuntu\nRUN echo x >> ~/.bashrc\n", nil, nil},
		{"system paths", "FROM ubuntu:24.04\nRUN echo x >> /etc/profile.d/x.sh\n", nil, nil},
	})
}

func TestCR115(t *testing.T) {
	runRuleCases(t, "CR115", []ruleCase{
		{"a Dev Container's home has no volume", "FROM ubuntu:24.04\nRUN useradd -m dev\nUSER dev\nRUN echo x > ~/.my.cnf\n", withDevcontainer(`{"build": {"dockerfile": "Dockerfile"}}`), nil},
		{"the same on its own", "FROM ubuntu:24.04\nRUN useradd -m dev\nUSER dev\nRUN echo x > ~/.my.cnf\n", nil, []want{{line: 4}}},
		{"an application's home as its WORKDIR, folded past three", "FROM ubuntu:24.04\nRUN useradd -m dev\nWORKDIR /home/dev\nCOPY a a\nCOPY b b\nCOPY c c\nCOPY d d\nUSER dev\n", nil, []want{{line: 4}}},
		{"three one by one", "FROM ubuntu:24.04\nRUN useradd -m dev\nWORKDIR /home/dev\nCOPY a a\nCOPY b b\nCOPY c c\nUSER dev\n", nil, []want{{line: 4}, {line: 5}, {line: 6}}},
		{"pyenv's installer and pyenv install", "FROM ubuntu:24.04\nRUN useradd -m dev\nUSER dev\nRUN curl https://pyenv.run | bash\nRUN ~/.pyenv/bin/pyenv install 3.12\n", nil, []want{{line: 4}, {line: 5}}},
		{"go install with the default GOPATH", "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y golang-go && useradd -m dev\nUSER dev\nRUN go install golang.org/x/tools/gopls@latest\n", nil, []want{{line: 4}}},
		{"go install on Go's image, GOPATH /go", "FROM golang:1.23\nRUN useradd -m dev\nUSER dev\nRUN go install golang.org/x/tools/gopls@latest\n", nil, nil},
		{"go install with GOPATH in the home", "FROM golang:1.23\nENV GOPATH=/home/dev/go\nRUN useradd -m dev\nUSER dev\nRUN go install golang.org/x/tools/gopls@latest\n", nil, []want{{line: 5}}},
		{"python3 -m pip install --user", "FROM python:3.12\nRUN useradd -m dev\nUSER dev\nRUN python3 -m pip install --user black\n", nil, []want{{line: 4}}},
		{"copy into coder's home", "FROM ubuntu:24.04\nCOPY dotfiles /home/coder/.dotfiles\nUSER coder\n", nil, []want{{line: 2}}},
		{"copy relative to WORKDIR", "FROM ubuntu:24.04\nWORKDIR /home/coder\nCOPY . .\n", nil, []want{{line: 3}}},
		{"as the base's user", "FROM codercom/enterprise-base:ubuntu\nRUN mkdir -p ~/.config/x\n", nil, []want{{line: 2, col: 14}}},
		{"final user's home", "FROM ubuntu:24.04\nRUN useradd -m dev\nUSER dev\nRUN git clone https://github.com/x/y ~/y\n", nil, []want{{line: 4}}},
		{"ARG in path", "FROM ubuntu:24.04\nARG USER=coder\nRUN echo x > /home/$USER/.xsessionrc\n", nil, []want{{line: 3}}},
		{"nvm installed where an inline export puts it, the home", "FROM ubuntu:24.04\nRUN useradd -m www\nUSER www\nRUN export NVM_DIR=\"$HOME/.nvm\" && curl -o- https://raw.githubusercontent.com/nvm-sh/nvm/v0.40.1/install.sh | bash\n", nil, []want{{line: 4}}},
		{"nvm installed where an inline export puts it, elsewhere", "FROM ubuntu:24.04\nRUN useradd -m www\nUSER www\nRUN export NVM_DIR=/opt/nvm && curl -o- https://raw.githubusercontent.com/nvm-sh/nvm/v0.40.1/install.sh | bash\n", nil, nil},
		{"a clone into the working directory, the home", "FROM ubuntu:24.04\nRUN useradd -m dev\nUSER dev\nWORKDIR /home/dev\nRUN git clone --depth 1 https://github.com/x/y.git\n", nil, []want{{line: 5, col: 25}}},
		{"a clone into the working directory elsewhere", "FROM ubuntu:24.04\nRUN useradd -m dev\nUSER dev\nWORKDIR /opt\nRUN git clone --depth 1 https://github.com/x/y.git\n", nil, nil},
		{"RUN relative to WORKDIR", "FROM ubuntu:24.04\nWORKDIR /home/coder\nRUN git clone https://github.com/x/y repo\n", nil, []want{{line: 3}}},
		{"cd into the home", "FROM ubuntu:24.04\nRUN cd /home/coder && mkdir -p .config/app\n", nil, []want{{line: 2}}},
		{"ENV HOME points there", "FROM ubuntu:24.04\nENV HOME=/home/coder\nRUN mkdir -p ~/.cache/x\n", nil, []want{{line: 3}}},
		{"su to the user", "FROM ubuntu:24.04\nRUN su coder -c 'mkdir -p ~/.local/bin'\n", nil, []want{{line: 2}}},
		{"Homebrew's cache", "FROM ubuntu:24.04\nRUN useradd -m gitpod\nUSER gitpod\nRUN mkdir ~/.cache && /bin/bash -c \"$(curl -fsSL https://raw.githubusercontent.com/Homebrew/install/HEAD/install.sh)\"\n", nil,
			[]want{{line: 4}}},
		{"the installed prefix, not the deleted installer", "FROM ubuntu:24.04\nRUN useradd -m user\nUSER user\nRUN curl -sLo ~/miniconda.sh https://repo.anaconda.com/miniconda/Miniconda3-latest-Linux-x86_64.sh \\\n && bash ~/miniconda.sh -b -p ~/miniconda && rm ~/miniconda.sh\n", nil,
			[]want{{line: 5, col: 31}}},
		{"usr local", "FROM ubuntu:24.04\nCOPY tool /usr/local/bin/tool\nUSER coder\n", nil, nil},
		{"home dir itself", "FROM ubuntu:24.04\nRUN mkdir -p /home/coder && chown coder /home/coder\n", nil, nil},
		{"other user's home", "FROM ubuntu:24.04\nRUN mkdir -p /home/linuxbrew/.linuxbrew\nUSER coder\n", nil, nil},
	})
}

func TestIgnoreComment(t *testing.T) {
	src := "# coderready:ignore=CR102, CR101\nFROM ubuntu\n"
	if got := checkRule(t, "CR102", src, nil); len(got) != 0 {
		t.Errorf("CR102 not ignored: %v", got)
	}
	if got := checkRule(t, "CR105", src, nil); len(got) != 1 {
		t.Errorf("CR105 ignored too: %v", got)
	}
}

func TestDockerfileRulesRegistered(t *testing.T) {
	for i := 100; i <= 115; i++ {
		id := "CR" + strconv.Itoa(i)
		r := Lookup(id)
		if r == nil || r.Dockerfile == nil || len(r.Sources) == 0 || !strings.Contains(r.Why, "Source: `"+r.Sources[0]+"`") {
			t.Errorf("%s: missing, or Why does not cite its source", id)
		}
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		p, s string
		ok   bool
	}{
		{"*", "anything/at:all", true},
		{"codercom/*", "codercom/enterprise-base", true},
		{"ghcr.io/*/golden:?", "ghcr.io/acme/golden:2", true},
		{"ghcr.io/*/golden:?", "ghcr.io/acme/golden:22", false},
		{"ubuntu:2*.04", "ubuntu:24.04", true},
		{"ubuntu", "ubuntu2", false},
	}
	for _, tt := range tests {
		if globMatch(tt.p, tt.s) != tt.ok {
			t.Errorf("globMatch(%q, %q) != %v", tt.p, tt.s, tt.ok)
		}
	}
}

// TestCorpusFindings runs every Dockerfile rule over the real-world corpus:
// no rule may panic, every finding must sit on a line of the file, and
// every edit must stay inside the file.
func TestCorpusFindings(t *testing.T) {
	for _, p := range testenv.Glob(t, "corpus/*Dockerfile*") {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := dockerfile.Parse("Dockerfile", src)
		in := &DockerfileInput{File: f, ParseErr: err, Config: DefaultConfig()}
		in.Config.OrgCAs = []OrgCA{{Name: "corp"}}
		in.Config.AllowedBases = []string{"codercom/*"}
		for _, fd := range CheckDockerfile(in) {
			if fd.Location.StartLine < 1 || fd.Location.StartLine > len(f.Lines) {
				t.Errorf("%s: %s on line %d", filepath.Base(p), fd.RuleID, fd.Location.StartLine)
			}
			if fd.Fix == nil {
				continue
			}
			for _, ed := range fd.Fix.Edits {
				if ed.StartLine < 1 || ed.EndLine > len(f.Lines) || ed.StartLine > ed.EndLine {
					t.Errorf("%s: %s edit %d-%d", filepath.Base(p), fd.RuleID, ed.StartLine, ed.EndLine)
				}
			}
		}
	}
}

// BenchmarkCheckDockerfile parses and checks every corpus Dockerfile.
func BenchmarkCheckDockerfile(b *testing.B) {
	files := testenv.Glob(b, "corpus/*Dockerfile*")
	srcs := make([][]byte, len(files))
	for i, p := range files {
		var err error
		if srcs[i], err = os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, src := range srcs {
			f, err := dockerfile.Parse("Dockerfile", src)
			CheckDockerfile(&DockerfileInput{File: f, ParseErr: err, Config: DefaultConfig()})
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(srcs)), "ns/file")
}

// imageBases answers as if every base image had been read: Alpine.
type imageBases struct{}

func (imageBases) BaseFacts(ref string) BaseFacts {
	return BaseFacts{Ref: ref, Family: OSAlpine, Manager: PMApk, Known: true, Source: "image"}
}

// TestEvidenceDecidesSeverity: the same CR111 finding is an error when the
// base image was read, and at most a warning (even with config asking for
// error) when it stands on the table of well-known images.
func TestEvidenceDecidesSeverity(t *testing.T) {
	const src = "FROM alpine:3.20\nRUN apt-get install -y git\n"
	forceError := func(in *DockerfileInput) {
		in.Config.Rules = map[string]RuleConfig{"CR111": {Severity: SeverityError}}
	}
	tests := []struct {
		name     string
		mod      func(*DockerfileInput)
		severity Severity
		evidence Evidence
		note     bool
	}{
		{"table", nil, SeverityWarning, EvidenceKnownBase, true},
		{"table, config says error", forceError, SeverityWarning, EvidenceKnownBase, true},
		{"image read", func(in *DockerfileInput) { in.Bases = imageBases{} }, SeverityError, EvidenceImage, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := checkRule(t, "CR111", src, tt.mod)
			if len(fs) != 1 {
				t.Fatalf("%d CR111 findings, want 1: %+v", len(fs), fs)
			}
			if fs[0].Severity != tt.severity || fs[0].Evidence != tt.evidence {
				t.Errorf("severity %v evidence %q, want %v %q", fs[0].Severity, fs[0].Evidence, tt.severity, tt.evidence)
			}
			if got := fs[0].Evidence.Note() != ""; got != tt.note {
				t.Errorf("note %q, want one: %v", fs[0].Evidence.Note(), tt.note)
			}
		})
	}
}

// withSiblings makes the input's bases resolve through a repository whose
// other Dockerfiles are files (path → source).
func withSiblings(files map[string]string) func(*DockerfileInput) {
	return func(in *DockerfileInput) {
		var paths []string
		for p := range files {
			paths = append(paths, p)
		}
		s := NewSiblings(paths, func(p string) *dockerfile.File {
			f, err := dockerfile.Parse(p, []byte(files[p]))
			if err != nil {
				return nil
			}
			return f
		})
		in.Bases = s.Resolver(in.Bases)
	}
}

// TestCR106ProgramLost: an ENTRYPOINT that is a language's runtime or a
// project runner sets nothing up; the finding names the program it would
// start instead.
// TestCR101FixRootHome: a fix that switches to a new user says to move
// first what the image keeps under /root, which that user cannot read.
func TestCR101FixRootHome(t *testing.T) {
	got := checkRule(t, "CR101", "FROM ros:humble\nRUN curl https://sh.rustup.rs -sSf | sh -s -- -y\nENV PATH=/root/.cargo/bin:$PATH\n", nil)
	if len(got) != 1 || got[0].Fix == nil || !strings.Contains(got[0].Fix.Description, "`PATH=/root/.cargo/bin:$PATH`") {
		t.Fatalf("CR101 %+v, want a fix naming the PATH under /root", got)
	}
	got = checkRule(t, "CR101", "FROM ros:humble\nENV PATH=/opt/tools/bin:$PATH\n", nil)
	if len(got) != 1 || got[0].Fix == nil || strings.Contains(got[0].Fix.Description, "/root") {
		t.Fatalf("CR101 %+v, want a fix without /root", got)
	}
}

func TestCR106ScriptNotRead(t *testing.T) {
	// A program on PATH another stage compiles is no script to read.
	if got := checkRule(t, "CR106", "FROM rust:1.80 AS builder\nRUN cargo build --release\nFROM debian:12\nCOPY --from=builder /usr/src/target/release/lorax-launcher /usr/local/bin/lorax-launcher\nENTRYPOINT [\"lorax-launcher\"]\n",
		withContext(map[string]string{"README.md": "x"})); len(got) != 1 || !strings.Contains(got[0].Message, "`lorax-launcher`, which an earlier stage builds, is not running") {
		t.Fatalf("CR106 %+v, want one naming the program an earlier stage builds", got)
	}
	got := checkRule(t, "CR106", "FROM ghcr.io/acme/server:1.2\nENTRYPOINT [\"/docker-entrypoint.sh\"]\n", withContext(map[string]string{"README.md": "x"}))
	if len(got) != 1 || !strings.Contains(got[0].Message, "whatever `/docker-entrypoint.sh` sets up never happens (the script could not be read, so what it does is not known)") {
		t.Fatalf("CR106 %+v, want one saying the script was not read", got)
	}
	got = checkRule(t, "CR106", "FROM debian:12\nRUN curl -fsSL https://example.com/install-dind.sh | sh\nENTRYPOINT [\"/usr/local/share/docker-init.sh\"]\n", withContext(map[string]string{"README.md": "x"}))
	if len(got) != 1 || strings.Contains(got[0].Message, "not read") {
		t.Fatalf("CR106 %+v, want the setup message for a Dev Containers feature's script", got)
	}
	// A command `bash -c` runs by name is found on PATH, where a COPY put it.
	got = checkRule(t, "CR106", "FROM ghcr.io/acme/base:1\nCOPY ./bin/entrypoint /bin/\nENTRYPOINT [\"/usr/bin/bash\", \"-c\", \"entrypoint\"]\n",
		withContext(map[string]string{"bin/entrypoint": "#!/bin/bash\n/usr/sbin/sshd\nexec ttyd bash\n"}))
	if len(got) != 1 || strings.Contains(got[0].Message, "not read") {
		t.Fatalf("CR106 %+v, want the script read from PATH", got)
	}
	// A script the Dockerfile writes with a heredoc is read.
	got = checkRule(t, "CR106", "FROM ghcr.io/acme/sshd:1\nCOPY --chmod=755 <<EOF /docker-entrypoint.sh\n#!/bin/sh\nenv > /etc/environment\nexec /usr/sbin/sshd -D\nEOF\nENTRYPOINT [\"/docker-entrypoint.sh\"]\n",
		withContext(map[string]string{"README.md": "x"}))
	if len(got) != 1 || strings.Contains(got[0].Message, "not read") {
		t.Fatalf("CR106 %+v, want the heredoc script read", got)
	}
	got = checkRule(t, "CR106", "FROM ghcr.io/acme/base:1\nCOPY <<EOF /entrypoint.sh\n#!/bin/sh\necho starting\nexec \"$@\"\nEOF\nENTRYPOINT [\"/entrypoint.sh\"]\n",
		withContext(map[string]string{"README.md": "x"}))
	if len(got) != 0 {
		t.Fatalf("CR106 %+v, want none for a heredoc script that only prints and runs its arguments", got)
	}
	// A quoted WORKDIR is the folder BuildKit reads, without the quotes.
	got = checkRule(t, "CR106", "FROM ghcr.io/acme/base:1\nWORKDIR \"/app\"\nCOPY run.sh run.sh\nENTRYPOINT [\"/app/run.sh\"]\n",
		withContext(map[string]string{"run.sh": "#!/bin/sh\nexport PORT=4000\nexec /app/bin/server start\n"}))
	if len(got) != 1 || strings.Contains(got[0].Message, "not read") {
		t.Fatalf("CR106 %+v, want the script read under a quoted WORKDIR", got)
	}
	// An application server is named as the program that is not running.
	got = checkRule(t, "CR106", "FROM python:3.12\nUSER 1000\nENTRYPOINT [\"gunicorn\", \"-c\", \"gunicorn-config.py\", \"app.main:app\"]\n", nil)
	if len(got) != 1 || !strings.Contains(got[0].Message, "`gunicorn -c gunicorn-config.py app.main:app` is not running") {
		t.Fatalf("CR106 %+v, want the server named", got)
	}
	got = checkRule(t, "CR106", "FROM oven/bun:1\nUSER 1000\nENTRYPOINT [\"bun\", \"/app/fuzz.ts\"]\nCMD []\n", nil)
	if len(got) != 1 || !strings.Contains(got[0].Message, "`bun /app/fuzz.ts` is not running") {
		t.Fatalf("CR106 %+v, want the program without a blank after it", got)
	}
	// A configuration test exits: no service.
	if got := checkRule(t, "CR106", "FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/nginx.conf\nCMD [\"nginx\", \"-t\"]\n", nil); len(got) != 0 {
		t.Fatalf("CR106 %+v, want none for nginx -t", got)
	}
	// PHP's FastCGI daemon is a service.
	got = checkRule(t, "CR106", "FROM php:8.3-fpm\nRUN useradd -m dev\nUSER dev\nCMD [\"php-fpm8.3\"]\n", nil)
	if len(got) != 1 || !strings.Contains(got[0].Message, "CMD starts `php-fpm8.3`") {
		t.Fatalf("CR106 %+v, want php-fpm's CMD reported", got)
	}
	// A service daemon is no script: the service is what is lost.
	got = checkRule(t, "CR106", "FROM ghcr.io/acme/php:8\nRUN apk add --no-cache supervisor caddy\nENTRYPOINT [ \"/usr/bin/supervisord\", \"-c\", \"/etc/supervisord.conf\" ]\n", withContext(map[string]string{"README.md": "x"}))
	if len(got) != 1 || !strings.Contains(got[0].Message, "ENTRYPOINT starts `supervisord`") || strings.Contains(got[0].Message, "not read") {
		t.Fatalf("CR106 %+v, want the service named", got)
	}
	// A script the Dockerfile writes itself, run through `bash -c`, was read.
	got = checkRule(t, "CR106", "FROM ghcr.io/acme/build:1\nRUN echo \"#!/bin/bash\" >> /tmp/entrypoint.sh && echo \"ninja package\" >> /tmp/entrypoint.sh && chmod +x /tmp/entrypoint.sh\nENTRYPOINT [\"bash\", \"-c\", \"/tmp/entrypoint.sh $*\", \"--\"]\n", withContext(map[string]string{"README.md": "x"}))
	if len(got) != 1 || strings.Contains(got[0].Message, "not read") {
		t.Fatalf("CR106 %+v, want the setup message for a script the file writes", got)
	}
}

// TestCR106ScriptCopiedToRoot: a script the context copies into the root
// (`WORKDIR /`, `COPY . .`) or into a WORKDIR that is not known, named
// `./run.sh`, is read.
func TestCR106ScriptCopiedToRoot(t *testing.T) {
	ctx := withContext(map[string]string{"run.sh": "#!/bin/sh\nmongod --fork --logpath /var/log/mongod.log\nmongo load.js\n"})
	for _, df := range []string{
		"FROM mongo:7\nWORKDIR /\nCOPY . .\nENTRYPOINT [\"/run.sh\"]\n",
		"FROM mongo:7\nCOPY run.sh .\nENTRYPOINT [\"./run.sh\"]\n",
	} {
		got := checkRule(t, "CR106", df, ctx)
		if len(got) != 1 || strings.Contains(got[0].Message, "could not be read") {
			t.Errorf("%q: CR106 %+v, want one from the script read", df, got)
		}
	}
}

// TestCR106StageProgram: a program another stage builds is not called a
// script that could not be read.
func TestCR106StageProgram(t *testing.T) {
	got := checkRule(t, "CR106", "FROM golang:1.24 AS builder\nRUN go build -o /workspace/mr-storage-initializer ./cmd/csi\n"+
		"FROM debian:12\nWORKDIR /\nCOPY --from=builder /workspace/mr-storage-initializer .\nENTRYPOINT [\"/mr-storage-initializer\"]\n",
		withContext(map[string]string{"README.md": "x"}))
	if len(got) != 1 || !strings.Contains(got[0].Message, "so `/mr-storage-initializer`, which an earlier stage builds, is not running") {
		t.Fatalf("CR106 %+v, want one naming the program an earlier stage builds", got)
	}
	// Built in a folder the stage copied the context into.
	got = checkRule(t, "CR106", "FROM golang:1.24 AS builder\nWORKDIR /workspace\nCOPY . .\nRUN go build -o mr-storage-initializer ./cmd/csi\n"+
		"FROM debian:12\nCOPY --from=builder /workspace/mr-storage-initializer /\nENTRYPOINT [\"/mr-storage-initializer\"]\n",
		withContext(map[string]string{"README.md": "x"}))
	if len(got) != 1 || !strings.Contains(got[0].Message, "which an earlier stage builds") {
		t.Fatalf("CR106 %+v, want one naming the program an earlier stage builds", got)
	}
}

func TestCR106ProgramLost(t *testing.T) {
	got := checkRule(t, "CR106", "FROM python:3.12-slim\nCOPY app.py /app/app.py\nENTRYPOINT [\"python\"]\nCMD [\"/app/app.py\"]\n", nil)
	if len(got) != 1 || !strings.Contains(got[0].Message, "so `python /app/app.py` is not running") {
		t.Fatalf("CR106 %+v, want one naming `python /app/app.py`", got)
	}
	got = checkRule(t, "CR106", "FROM debian:12\nCOPY entrypoint.sh /\nENTRYPOINT [\"/entrypoint.sh\"]\n", nil)
	if len(got) != 1 || !strings.Contains(got[0].Message, "what it sets up never happens") {
		t.Fatalf("CR106 %+v, want the setup message for a script", got)
	}
}

// TestCR104DevcontainerSeverity: the Dockerfile a devcontainer.json builds
// is a workspace for certain, and envbuilder runs the agent's bootstrap in
// it: no download tool is a warning there (not with Compose, which
// envbuilder does not build, nor with the native integration alone), and
// a note elsewhere.
func TestCR104DevcontainerSeverity(t *testing.T) {
	const src = "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates\n"
	native := func(in *DockerfileInput) {
		withDevcontainer(`{"build": {"dockerfile": "Dockerfile"}}`)(in)
		in.Config = DefaultConfig()
		in.Config.Builder = ConfigBuilderNative
	}
	for _, tc := range []struct {
		name  string
		setup func(*DockerfileInput)
		want  Severity
	}{
		{"built on its own", nil, SeverityInfo},
		{"a Dev Container's", withDevcontainer(`{"build": {"dockerfile": "Dockerfile"}}`), SeverityWarning},
		{"a Compose Dev Container's", withDevcontainer(`{"dockerComposeFile": "compose.yml", "service": "app"}`), SeverityInfo},
		{"the native integration alone", native, SeverityInfo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkRule(t, "CR104", src, tc.setup)
			if len(got) != 1 || got[0].Severity != tc.want {
				t.Fatalf("CR104 %+v, want one at %s", got, tc.want)
			}
		})
	}
}

// withDevcontainer makes the Dockerfile one a devcontainer.json builds.
func withDevcontainer(json string) func(*DockerfileInput) {
	return func(in *DockerfileInput) {
		c, err := devcontainer.Parse(".devcontainer/devcontainer.json", []byte(json))
		if err != nil {
			panic(err)
		}
		in.Devcontainer = c
	}
}

// TestCR115HomebrewFix: the fix for what Homebrew's installer leaves in
// the home names Homebrew's own prefix and its cache, not /usr/local.
func TestCR115HomebrewFix(t *testing.T) {
	src := "FROM ubuntu:24.04\nRUN useradd -m gitpod\nUSER gitpod\nRUN mkdir ~/.cache && /bin/bash -c \"$(curl -fsSL https://raw.githubusercontent.com/Homebrew/install/HEAD/install.sh)\"\n"
	got := checkRule(t, "CR115", src, nil)
	if len(got) != 1 || !strings.Contains(got[0].Fix.Description, "HOMEBREW_CACHE") || strings.Contains(got[0].Fix.Description, "/usr/local") {
		t.Fatalf("findings %+v", got)
	}
	plain := checkRule(t, "CR115", "FROM ubuntu:24.04\nRUN useradd -m dev\nUSER dev\nRUN mkdir -p ~/.config/x\n", nil)
	if len(plain) != 1 || strings.Contains(plain[0].Fix.Description, "HOMEBREW") {
		t.Fatalf("plain findings %+v", plain)
	}
}

// TestCR112Preload: a wrong architecture's LD_PRELOAD is a note, and says
// what happens: ld.so skips it with an error on every program.
func TestCR112Preload(t *testing.T) {
	got := checkRule(t, "CR112", "FROM ubuntu:24.04\nENV LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4\n", nil)
	if len(got) != 1 || got[0].Severity != SeverityInfo || !strings.Contains(got[0].Message, "prints an error for every program") {
		t.Fatalf("findings %+v", got)
	}
}

// TestCR115Folded: past three, a Dockerfile's copies into a WORKDIR in the
// home are one finding that names the other lines; other writes stay one
// finding each.
func TestCR115Folded(t *testing.T) {
	got := checkRule(t, "CR115", "FROM ubuntu:24.04\nRUN useradd -m dev\nWORKDIR /home/dev\nCOPY a a\nCOPY b b\nCOPY c c\nCOPY d d\nUSER dev\n", nil)
	if len(got) != 1 || !strings.HasSuffix(got[0].Message, "; 3 more copies put files in the home too (lines 5, 6, 7)") {
		t.Fatalf("findings %+v", got)
	}
	mixed := checkRule(t, "CR115", "FROM ubuntu:24.04\nRUN useradd -m dev\nWORKDIR /home/dev\nCOPY a a\nCOPY b b\nCOPY c c\nCOPY d d\nCOPY e /home/dev/.e\nUSER dev\nRUN mkdir -p ~/.config/x\n", nil)
	if len(mixed) != 3 || mixed[0].Location.StartLine != 4 || mixed[1].Location.StartLine != 8 || mixed[2].Location.StartLine != 10 {
		t.Fatalf("mixed findings %+v", mixed)
	}
}

func TestCR117(t *testing.T) {
	runRuleCases(t, "CR117", []ruleCase{
		{"en_US on ubuntu with nothing", "FROM ubuntu:noble\nENV LANG=en_US.UTF-8\nRUN apt-get update && apt-get install -y curl\n", nil, []want{{line: 2}}},
		{"locales installed but not generated", "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y locales\nENV LANG=en_US.UTF-8 LC_ALL=en_US.UTF-8\n", nil, []want{{line: 3}}},
		{"locale-gen", "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y locales && locale-gen en_US.UTF-8\nENV LANG=en_US.UTF-8\n", nil, nil},
		{"Debian's locale.gen edit", "FROM debian:12\nRUN apt-get update && apt-get install -y locales && sed -i '/en_US.UTF-8/s/^# //' /etc/locale.gen && locale-gen\nENV LANG en_US.UTF-8\n", nil, nil},
		{"locales-all", "FROM debian:12\nRUN apt-get update && apt-get install -y locales-all\nENV LC_ALL=de_DE.UTF-8\n", nil, nil},
		{"C.UTF-8 is always there", "FROM debian:12\nENV LANG=C.UTF-8\n", nil, nil},
		{"a script copied in may make it", "FROM ubuntu:24.04\nCOPY setup.sh /tmp/\nRUN bash /tmp/setup.sh\nENV LANG=en_US.UTF-8\n", nil, nil},
		{"a vendor's installer piped from a download", "FROM ubuntu:24.04\nENV LC_ALL=en_US.UTF-8\nRUN curl -LsSf https://astral.sh/uv/install.sh | sh && bash -c \"$(curl -fsSL https://example.com/i.sh)\"\n", nil, []want{{line: 2}}},
		{"a tool the image has, named through a variable", "FROM ubuntu:24.04\nENV LC_ALL=en_US.UTF-8\nRUN $HOME/.bun/bin/bun install --global @biomejs/biome\n", nil, []want{{line: 2}}},
		{"a script the image has, named through a variable", "FROM ubuntu:24.04\nENV LC_ALL=en_US.UTF-8\nRUN $INST_SCRIPTS/locale.sh\n", nil, nil},
		{"packages named by a variable", "FROM ubuntu:24.04\nENV LC_ALL=en_US.UTF-8\nRUN apt-get update && apt-get install -y $PKGS\n", nil, nil},
		{"another base's locales are not known", "FROM mcr.microsoft.com/devcontainers/base:ubuntu\nENV LANG=en_US.UTF-8\n", nil, nil},
		{"through a stage", "FROM ubuntu:24.04 AS base\nRUN apt-get update && apt-get install -y locales && localedef -i en_US -f UTF-8 en_US.UTF-8\nFROM base\nENV LANG=en_US.UTF-8\n", nil, nil},
	})
}

func TestCR118(t *testing.T) {
	runRuleCases(t, "CR118", []ruleCase{
		{"final stage on the build platform", "FROM --platform=$BUILDPLATFORM ubuntu:24.04\nRUN apt-get update\n", nil,
			[]want{{line: 1, edits: []string{e(1, "FROM ubuntu:24.04")}}}},
		{"through the stage it is built on", "FROM --platform=${BUILDPLATFORM} debian:12 AS base\nRUN apt-get update\nFROM base\n", nil, []want{{line: 1}}},
		{"a cross-compiling builder stage", "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /x .\nFROM debian:12\nCOPY --from=build /x /usr/local/bin/x\n", nil, nil},
		{"the flag on a stage reference, which BuildKit ignores", "FROM debian:12 AS base\nRUN apt-get update\nFROM --platform=$BUILDPLATFORM base AS builder\nFROM --platform=$BUILDPLATFORM builder\n", nil, nil},
		{"the target platform", "FROM --platform=$TARGETPLATFORM debian:12\n", nil, nil},
		{"scratch holds what is copied", "FROM --platform=$BUILDPLATFORM golang:1.23 AS b\nFROM --platform=$BUILDPLATFORM scratch\nCOPY --from=b /x /x\n", nil, nil},
		{"distroless holds what is copied", "FROM --platform=$BUILDPLATFORM golang:1.23 AS b\nFROM --platform=$BUILDPLATFORM gcr.io/distroless/static-debian12\nCOPY --from=b /gator /gator\n", nil, nil},
	})
}

func TestCR119(t *testing.T) {
	runRuleCases(t, "CR119", []ruleCase{
		{"an Ubuntu interim release past its end", "FROM ubuntu:mantic\nRUN apt-get update && apt-get install -y curl\n", nil, []want{{line: 2}}},
		{"by version, through an ARG default", "ARG UBUNTU=23.10\nFROM ubuntu:${UBUNTU} AS base\nFROM base\nRUN apt update\n", nil, []want{{line: 4}}},
		{"Debian 10 (buster), moved to the archive in 2025", "FROM debian:10\nRUN apt-get update\n", nil, []want{{line: 2}}},
		{"a builder stage on buster the final stage copies from", "FROM node:20-buster-slim AS build\nRUN apt-get update && apt-get install -y python3\nRUN npm ci\nFROM nginx:1.27\nCOPY --from=build /app/dist /usr/share/nginx/html\n", nil, []want{{line: 2}}},
		{"a buster stage no build of the final stage runs", "FROM node:20-buster-slim AS old\nRUN apt-get update\nFROM nginx:1.27\nRUN echo hi\n", nil, nil},
		{"Debian stretch, slim", "FROM debian:stretch-slim\nRUN apt-get install -y --no-install-recommends git\n", nil, []want{{line: 2}}},
		{"Ubuntu 15.10, an interim release of the Docker Hub's first years", "FROM ubuntu:15.10\nRUN apt-get update\n", nil, []want{{line: 2}}},
		{"Ubuntu vivid by name", "FROM ubuntu:vivid\nRUN apt-get install -y git\n", nil, []want{{line: 2}}},
		{"Ubuntu 14.04, an LTS release", "FROM ubuntu:14.04\nRUN apt-get update\n", nil, nil},
		{"Ubuntu 25.04, past its end in January 2026", "FROM ubuntu:25.04\nRUN apt-get update\n", nil, []want{{line: 2}}},
		{"an LTS release", "FROM ubuntu:20.04\nRUN apt-get update\n", nil, nil},
		{"no apt", "FROM ubuntu:mantic\nCOPY tool /usr/local/bin/\n", nil, nil},
		{"apt pointed at the archive first", "FROM ubuntu:lunar\nRUN sed -i 's|archive.ubuntu.com|old-releases.ubuntu.com|g' /etc/apt/sources.list && apt-get update\n", nil, nil},
		{"a build argument picks a supported release", "ARG V=mantic\nFROM ubuntu:${V}\nRUN apt-get update\n", func(in *DockerfileInput) { in.BuildArgs = map[string]string{"V": "24.04"} }, nil},
		{"another image with such a tag", "FROM myorg/ubuntu:mantic\nRUN apt-get update\n", nil, nil},
		{"a language image on Debian 10", "FROM node:lts-buster-slim\nRUN apt-get update && apt-get install -y git\n", nil, []want{{line: 2}}},
		{"rust on stretch", "FROM rust:1.40-stretch\nRUN apt-get update\n", nil, []want{{line: 2}}},
		{"a language image on a served release", "FROM node:20-bookworm\nRUN apt-get update\n", nil, nil},
		{"a node version whose images predate Debian 11", "FROM node:8.9-slim\nRUN apt-get update\n", nil, []want{{line: 2}}},
		{"a patch release replaced before Debian 11", "FROM python:3.9.4-slim\nRUN apt-get update\n", nil, []want{{line: 2}}},
		{"a php patch release replaced before Debian 11", "FROM php:7.4.15-cli\nRUN apt-get update\n", nil, []want{{line: 2}}},
		{"php 8.0.7", "FROM php:8.0.7-cli\nRUN apt-get update\n", nil, []want{{line: 2}}},
		{"a php patch release current when Debian 11 came out", "FROM php:8.0.9-cli\nRUN apt-get update\n", nil, nil},
		{"ruby's", "FROM ruby:3.0.1\nRUN apt-get update\n", nil, []want{{line: 2}}},
		{"Go's", "FROM golang:1.16.5\nRUN apt-get update\n", nil, []want{{line: 2}}},
		{"a node line whose default stayed on buster", "FROM node:14\nRUN apt-get update\n", nil, []want{{line: 2}}},
		{"an elixir version built on stretch and buster", "FROM elixir:1.8\nRUN apt-get update\n", nil, []want{{line: 2}}},
		{"a repository file downloaded over CentOS's own", "FROM centos:6\nRUN curl https://gist.githubusercontent.com/x/y/raw/el6%2520vault --output /etc/yum.repos.d/CentOS-Base.repo\nRUN yum -y install make\n", nil, nil},
		{"a repository file downloaded from CentOS itself", "FROM centos:6\nRUN curl https://mirror.centos.org/centos/6/os/x86_64/CentOS-Base.repo -o /etc/yum.repos.d/CentOS-Base.repo\nRUN yum -y install make\n", nil, []want{{line: 3}}},
		{"a Dev Containers image's buster tag", "FROM mcr.microsoft.com/vscode/devcontainers/base:0-buster\nRUN apt-get update\n", nil, []want{{line: 2}}},
		{"that line on bullseye, and the next line", "FROM node:14-bullseye\nRUN apt-get update\nFROM node:16-slim\nRUN apt-get update\n", nil, nil},
		{"the patch release current when Debian 11 came out, and its line", "FROM python:3.9.6-slim\nRUN apt-get update\nFROM python:3.9-slim\nRUN apt-get update\nFROM python:3.10.0\nRUN apt-get update\n", nil, nil},
		{"php 5.6 with Apache", "FROM php:5.6-apache\nRUN apt-get update && apt-get install -y libpng-dev\n", nil, []want{{line: 2}}},
		{"python 2.7 and 3.5", "FROM python:3.5.9-slim AS a\nFROM python:2.7\nRUN apt-get update\n", nil, []want{{line: 3}}},
		{"golang 1.14, ruby 2.5", "FROM golang:1.14 AS g\nFROM ruby:2.5.8\nRUN apt-get update\n", nil, []want{{line: 3}}},
		{"versions that got bullseye", "FROM node:12 AS a\nFROM python:3.6-slim AS b\nFROM php:7.3-apache AS c\nFROM golang:1.16 AS d\nFROM ruby:2.6\nRUN apt-get update\n", nil, nil},
		{"a major version alone is its newest", "FROM php:7 AS a\nFROM python:3\nRUN apt-get update\n", nil, nil},
		{"an old version on Alpine", "FROM node:8-alpine\nRUN apt-get update\n", nil, nil},
		{"another image's buster tag", "FROM example/node:buster\nRUN apt-get update\n", nil, nil},
		{"Debian's hosts rewritten to the archive by a pattern", "FROM debian:9-slim\nRUN sed --in-place= --regexp-extended '/ stretch/ { s,-updates,-backports, ; s,/(deb|security)\\.,/archive., }' /etc/apt/sources.list && apt-get update\n", nil, nil},
		{"a sed of another file's words to archive", "FROM debian:9-slim\nRUN sed -i 's,build,archive.tar,' /etc/app.conf && apt-get update\n", nil, []want{{line: 2}}},
		{"Debian's snapshot archive named first", "FROM debian:buster\nRUN echo 'deb http://snapshot.debian.org/archive/debian/20250630T000000Z buster main' > /etc/apt/sources.list\nRUN apt-get update\n", nil, nil},
		{"CentOS 7", "FROM centos:7\nRUN yum -y update && yum -y install git\n", nil, []want{{line: 2}}},
		{"CentOS 7 pointed at a vault mirror by a copied repo file", "FROM centos:7.9.2009\nCOPY CentOS-Base.repo /etc/yum.repos.d/CentOS-Base.repo\nRUN yum install -y git\n",
			withContext(map[string]string{"CentOS-Base.repo": "[base]\nbaseurl=https://archive.kernel.org/centos-vault/7.9.2009/os/$basearch/\n"}), nil},
		{"CentOS 7 pointed at the vault by a copied sed script", "FROM centos:7\nCOPY repo-vault.sed /root/\nRUN sed -f /root/repo-vault.sed -i /etc/yum.repos.d/*.repo && yum install -y git\n",
			withContext(map[string]string{"repo-vault.sed": "s|^mirrorlist=|#mirrorlist=|\ns|^#baseurl=http://mirror.centos.org|baseurl=https://vault.centos.org|\n"}), nil},
		{"CentOS 6 pointed at the vault by a folder copied over the root", "FROM centos:6\nCOPY ./files /\nRUN yum install -y git\n",
			withContext(map[string]string{"files/etc/yum.repos.d/CentOS-Base.repo": "[base]\nbaseurl=http://vault.centos.org/6.10/os/$basearch/\n", "files/usr/bin/x.sh": "#!/bin/sh\n"}), nil},
		{"a folder copied over the root with no archive", "FROM centos:6\nCOPY ./files /\nRUN yum install -y git\n",
			withContext(map[string]string{"files/etc/yum.repos.d/app.repo": "[app]\nbaseurl=https://example.org/el6/\n"}), []want{{line: 3}}},
		{"Debian 10 on an organisation's own mirror", "FROM debian:buster\nRUN echo \"deb [trusted=yes] https://mirrors.example.org/debian/ buster main\" > /etc/apt/sources.list && apt-get update\n", nil, nil},
		{"Debian 10's own mirror written again", "FROM debian:buster\nRUN echo \"deb http://deb.debian.org/debian buster main\" > /etc/apt/sources.list && apt-get update\n", nil, []want{{line: 2}}},
		{"a list of its own for another repository", "FROM debian:jessie\nRUN echo 'deb http://download.example.org/repositories/bro/Debian_8.0/ /' > /etc/apt/sources.list.d/bro.list && apt-get update\n", nil, []want{{line: 2}}},
		{"another mirror added, not replacing", "FROM debian:buster\nRUN echo \"deb https://mirrors.example.org/debian/ buster main\" >> /etc/apt/sources.list && apt-get update\n", nil, []want{{line: 2}}},
		{"a copied file that names no archive", "FROM centos:7\nCOPY app.conf /etc/\nRUN yum install -y git\n",
			withContext(map[string]string{"app.conf": "port=80\n"}), []want{{line: 3}}},
		{"centos without a tag is CentOS 8", "FROM centos\nRUN yum install -y git\n", nil, []want{{line: 2}}},
		{"Ubuntu 25.10, past its end in July 2026", "FROM ubuntu:25.10\nRUN apt-get update\n", nil, []want{{line: 2}}},
		{"Fedora 42: its metalink points at the archive", "FROM fedora:42\nRUN dnf -y install git\n", nil, nil},
		{"CentOS 7 by its full version", "FROM centos:7.9.2009\nRUN yum -y install git\n", nil, []want{{line: 2}}},
		{"CentOS Stream 8", "FROM quay.io/centos/centos:stream8\nRUN dnf -y install git\n", nil, []want{{line: 2}}},
		{"CentOS Stream 9", "FROM quay.io/centos/centos:stream9\nRUN dnf -y install git\n", nil, nil},
		{"CentOS 7 pointed at the vault", "FROM centos:7\nRUN sed -i 's|^mirrorlist|#mirrorlist|; s|^#baseurl=http://mirror.centos.org|baseurl=http://vault.centos.org|' /etc/yum.repos.d/*.repo && yum -y install git\n", nil, nil},
		{"Fedora 34, archived, dnf still served", "FROM fedora:34\nRUN dnf -y install git\n", nil, nil},
		{"Fedora 40 from Fedora's registry", "FROM registry.fedoraproject.org/fedora:40\nRUN dnf makecache\n", nil, nil},
		{"a supported Fedora", "FROM fedora:44\nRUN dnf -y install git\n", nil, nil},
		{"Fedora's archive named first", "FROM fedora:39\nRUN sed -i 's|^metalink=.*|baseurl=https://archives.fedoraproject.org/pub/archive/fedora/linux/releases/39/Everything/x86_64/os/|' /etc/yum.repos.d/fedora.repo && dnf -y install git\n", nil, nil},
		{"an archived Fedora without dnf", "FROM fedora:38\nCOPY tool /usr/local/bin/\n", nil, nil},
		{"another image with a Fedora-like tag", "FROM example/fedora:39\nRUN dnf -y install git\n", nil, nil},
	})
}

// TestBuiltinLocale: the locales every glibc image has, as CR117 and CR322
// read them.
func TestBuiltinLocale(t *testing.T) {
	for name, want := range map[string]bool{"": true, "C": true, "POSIX": true, "C.UTF-8": true, "C.utf8": true, "C.utf-8": true,
		"en_US.UTF-8": false, "C.ISO-8859-1": false, "c": false} {
		if got := builtinLocale(name); got != want {
			t.Errorf("builtinLocale(%q) = %v, want %v", name, got, want)
		}
	}
}

// buildFiles makes the repository's build files mention name, giving it
// values.
func buildFiles(name string, values ...string) func(*DockerfileInput) {
	return func(in *DockerfileInput) {
		in.BuildFileArg = func(n string) ([]string, bool) {
			if n != name {
				return nil, false
			}
			return values, true
		}
	}
}
