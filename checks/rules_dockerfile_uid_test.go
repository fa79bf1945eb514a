package checks

import (
	"strings"
	"testing"

	"github.com/coderready/coderready/devcontainer"
)

func TestCR122(t *testing.T) {
	for _, tc := range []ruleCase{
		{"useradd -u", "FROM ubuntu:24.04\nRUN useradd -m -u 1001 -s /bin/bash dev\nUSER dev\n", nil, []want{{line: 2}}},
		{"a user then added to a group", "FROM ubuntu:22.04\nRUN useradd -u 1024 -m comfy && adduser comfy sudo\nUSER comfy\n", nil, []want{{line: 2}}},
		{"a UID from an ARG", "FROM debian:12\nARG USERNAME=noel\nARG USER_UID=1001\nRUN useradd --uid ${USER_UID} --create-home ${USERNAME}\nUSER ${USERNAME}\n", nil,
			[]want{{line: 4}}},
		{"useradd -l (no-log-init) before -u", "FROM debian:12\nRUN useradd -l -u 1001 -m dev\nUSER dev\n", nil, []want{{line: 2}}},
		{"a cluster ending in u", "FROM debian:12\nRUN useradd -mu 1500 dev\nUSER dev:dev\n", nil, []want{{line: 2}}},
		{"adduser --uid=", "FROM debian:12\nRUN adduser --disabled-password --gecos '' --uid=2000 dev\nUSER dev\n", nil, []want{{line: 2}}},
		{"a numeric USER", "FROM debian:12\nUSER 1001\n", nil, []want{{line: 2}}},
		{"a system account", "FROM node:22-bookworm\nRUN adduser --system --group theia\nUSER theia\n", nil, []want{{line: 2}}},
		{"a system account with its UID given", "FROM debian:12\nRUN useradd -r -u 1000 -m dev\nUSER dev\n", nil, nil},
		{"UID 1000", "FROM debian:12\nRUN useradd -m -u 1000 -s /bin/bash coder\nUSER coder\n", nil, nil},
		{"no UID given", "FROM debian:12\nRUN useradd -ms /bin/bash coder\nUSER coder\n", nil, nil},
		{"an unknown UID", "FROM debian:12\nARG USER_UID\nRUN useradd -m -u ${USER_UID} dev\nUSER dev\n", nil, nil},
		{"another user's UID", "FROM debian:12\nRUN useradd -u 1001 svc && useradd -m -u 1000 coder\nUSER coder\n", nil, nil},
		{"changed by usermod", "FROM debian:12\nRUN useradd -m -u 1001 dev && usermod -u 1000 dev\nUSER dev\n", nil, nil},
		{"root at the end", "FROM debian:12\nRUN useradd -m -u 1001 dev\nUSER root\n", nil, nil},
		{"numeric root and 1000", "FROM debian:12\nUSER 1000:1000\n", nil, nil},
		{"built by a devcontainer.json", "FROM debian:12\nRUN useradd -m -u 1001 dev\nUSER dev\n", func(in *DockerfileInput) {
			in.Devcontainer = &devcontainer.Config{}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkRule(t, "CR122", tc.src, tc.mod)
			if len(got) != len(tc.want) {
				t.Fatalf("%d findings, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				fd := got[i]
				if fd.Location.StartLine != w.line || fd.Severity != SeverityInfo || fd.Evidence != EvidenceFile ||
					!strings.Contains(fd.Message, "UID 1000") || fd.Fix == nil {
					t.Errorf("finding %d: %+v", i, fd)
				}
			}
		})
	}
}

// TestCR122ImpliedUID: a user created without a UID on Ubuntu 23.04 or
// later gets 1001, the `ubuntu` user holding 1000 (known from the table);
// not when the file deletes that user, creates another first, or builds
// on a base that keeps 1000 free (a system account is TestCR122's).
func TestCR122ImpliedUID(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      int
	}{
		{"ubuntu:24.04", "FROM ubuntu:24.04\nRUN useradd -m -s /bin/bash yoctouser\nUSER yoctouser\n", 1},
		{"ubuntu deleted first", "FROM ubuntu:24.04\nRUN userdel -r ubuntu && useradd -m coder\nUSER coder\n", 0},
		{"another user created first", "FROM ubuntu:24.04\nRUN useradd -m svc && useradd -m dev\nUSER dev\n", 0},
		{"ubuntu:22.04 keeps 1000 free", "FROM ubuntu:22.04\nRUN useradd -m dev\nUSER dev\n", 0},
		{"an unknown base", "FROM ghcr.io/acme/base:1\nRUN useradd -m dev\nUSER dev\n", 0},
		{"a Dev Containers image, whose vscode holds 1000", "FROM mcr.microsoft.com/devcontainers/cpp:1-bookworm\nRUN useradd -m -s /bin/bash coder\nUSER coder\n", 1},
		{"the Dev Containers image's own user", "FROM mcr.microsoft.com/devcontainers/cpp:1-bookworm\nRUN usermod -aG sudo vscode\nUSER vscode\n", 0},
		{"node, whose node holds 1000", "FROM node:22\nRUN useradd -m dev\nUSER dev\n", 1},
	} {
		got := checkRule(t, "CR122", tc.src, nil)
		if len(got) != tc.want {
			t.Errorf("%s: %d findings, want %d: %+v", tc.name, len(got), tc.want, got)
			continue
		}
		if tc.want == 1 && (got[0].Location.StartLine != 2 || got[0].Evidence != EvidenceKnownBase || !strings.Contains(got[0].Message, "UID 1001")) {
			t.Errorf("%s: %+v", tc.name, got[0])
		}
	}
}
