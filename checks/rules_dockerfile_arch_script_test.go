package checks

import (
	"fmt"
	"strings"
	"testing"
)

// TestCR112CopiedScripts: a script a RUN runs, copied in from the build
// context as a folder or a file (found through the RUN's `cd`, the
// WORKDIR, or its own path), that downloads a file named for one
// architecture is reported once, on the command that runs it, quoting
// the URL and its line, also when the script works the architecture out
// for another download; one that works it out for all, or may stop on the
// others, names two,
// runs under a condition, is not in the context, does not parse, or runs
// in a stage built for that architecture is not; nor is another OS's
// download, one under the script's own condition, or one whose failure it
// ignores.
// zigScript is how fardragon/devcontainers-zig-template's install-zig.sh
// fetches Zig: the file name picked by version, x86_64 in both, the URL
// in a variable, curl through an alias.
const zigScript = "#!/usr/bin/env sh\nset -e\nZIG_VERSION=\"$1\"\nif version_lt \"${ZIG_VERSION}\" \"0.14.1\"; then\n    ZIG_TARBALL_NAME=\"zig-linux-x86_64-${ZIG_VERSION}\"\nelse\n" +
	"    ZIG_TARBALL_NAME=\"zig-x86_64-linux-${ZIG_VERSION}\"\nfi\nZIG_URL=\"https://ziglang.org/download/${ZIG_VERSION}/${ZIG_TARBALL_NAME}.tar.xz\"\n" +
	"alias get_file=\"curl --location --remote-name --no-progress-meter --fail\"\nget_file \"${ZIG_URL}\"\n"

func TestCR112CopiedScripts(t *testing.T) {
	const amd64 = "#!/bin/bash\nset -e\n# fetch bazelisk\nwget -O /usr/local/bin/bazel https://github.com/bazelbuild/bazelisk/releases/download/v1.28.1/bazelisk-linux-amd64\n"
	const aware = "#!/bin/bash\nARCH=$(uname -m)\ncurl -fsSLo /usr/local/bin/x https://example.com/x-linux-${ARCH}\n"
	const both = "#!/bin/sh\ncurl -fsSLO https://example.com/x-linux-amd64\ncurl -fsSLO https://example.com/x-linux-arm64\n"
	const darwin = "#!/bin/sh\ncurl -fsSLO https://example.com/x-darwin-amd64.tgz\n"
	const commented = "#!/bin/sh\n# curl -fsSLO https://example.com/x-linux-amd64\necho done\n"
	const distro = "#!/bin/sh\n. /etc/os-release\nif [ \"$ID\" = centos ]; then\n  wget http://mirror.example.org/el/7/x86_64/zsh-5.1.el7.x86_64.rpm\nfi\n"
	const ignored = "#!/bin/sh\ncurl -fsSLO https://example.com/x-linux-amd64 || true\n"
	const broken = "#!/bin/sh\nif then\ncurl -fsSLO https://example.com/x-linux-amd64\n"
	runRuleCases(t, "CR112", []ruleCase{
		{"a download under the script's condition", "FROM debian:12\nCOPY ci /opt/ci\nRUN bash /opt/ci/install.sh\n",
			withContext(map[string]string{"ci/install.sh": distro}), nil},
		{"a download whose failure the script ignores", "FROM debian:12\nCOPY ci /opt/ci\nRUN bash /opt/ci/install.sh\n",
			withContext(map[string]string{"ci/install.sh": ignored}), nil},
		{"a script that does not parse", "FROM debian:12\nCOPY ci /opt/ci\nRUN bash /opt/ci/install.sh\n",
			withContext(map[string]string{"ci/install.sh": broken}), nil},
		{"a folder copied, the script run after cd", "FROM debian:12\nCOPY ci /opt/ci\nRUN cd /opt/ci && bash install_bazelisk.sh\n",
			withContext(map[string]string{"ci/install_bazelisk.sh": amd64}), []want{{line: 3}}},
		{"a file copied into the WORKDIR", "FROM debian:12\nWORKDIR /opt\nCOPY install.sh .\nRUN ./install.sh\n",
			withContext(map[string]string{"install.sh": amd64}), []want{{line: 4}}},
		{"a script by its own path", "FROM debian:12\nCOPY scripts/ /tmp/scripts/\nRUN bash /tmp/scripts/install.sh && rm -rf /tmp/scripts\n",
			withContext(map[string]string{"scripts/install.sh": amd64}), []want{{line: 3}}},
		{"a script that works the architecture out", "FROM debian:12\nCOPY ci /opt/ci\nRUN bash /opt/ci/install.sh\n",
			withContext(map[string]string{"ci/install.sh": aware}), nil},
		{"a script that works it out for one download and not another", "FROM debian:12\nCOPY ci /opt/ci\nRUN bash /opt/ci/install.sh\n",
			withContext(map[string]string{"ci/install.sh": aware + "curl -fsSL https://get.helm.sh/helm-$TAG-linux-amd64.tar.gz | tar -xz\n"}), []want{{line: 3}}},
		{"such a script that stops on the others", "FROM debian:12\nCOPY ci /opt/ci\nRUN bash /opt/ci/install.sh\n",
			withContext(map[string]string{"ci/install.sh": "#!/bin/sh\n[ \"$(uname -m)\" = x86_64 ] || exit 0\ncurl -fsSLO https://example.com/x-linux-amd64\n"}), nil},
		{"a script that names two architectures", "FROM debian:12\nCOPY ci /opt/ci\nRUN bash /opt/ci/install.sh\n",
			withContext(map[string]string{"ci/install.sh": both}), nil},
		{"another OS's download", "FROM debian:12\nCOPY ci /opt/ci\nRUN bash /opt/ci/install.sh\n",
			withContext(map[string]string{"ci/install.sh": darwin}), nil},
		{"a download in a comment", "FROM debian:12\nCOPY ci /opt/ci\nRUN bash /opt/ci/install.sh\n",
			withContext(map[string]string{"ci/install.sh": commented}), nil},
		{"a script run under a condition", "FROM debian:12\nCOPY ci /opt/ci\nRUN if [ -n \"$WITH_BAZEL\" ]; then bash /opt/ci/install.sh; fi\n",
			withContext(map[string]string{"ci/install.sh": amd64}), nil},
		{"a stage built for amd64", "FROM --platform=linux/amd64 debian:12\nCOPY ci /opt/ci\nRUN bash /opt/ci/install.sh\n",
			withContext(map[string]string{"ci/install.sh": amd64}), nil},
		{"not in the context", "FROM debian:12\nCOPY ci /opt/ci\nRUN bash /opt/ci/install.sh\n",
			withContext(map[string]string{"ci/other.sh": amd64}), nil},
		{"a download through variables, each branch the same architecture, by an alias", "FROM debian:12\nWORKDIR /home/vscode\nADD --chmod=754 install-zig.sh install-zig.sh\nRUN ./install-zig.sh 0.14.0\n",
			withContext(map[string]string{"install-zig.sh": zigScript}), []want{{line: 4}}},
		{"a download through a variable set per architecture", "FROM debian:12\nCOPY ci /opt/ci\nRUN bash /opt/ci/install.sh\n",
			withContext(map[string]string{"ci/install.sh": "#!/bin/sh\nif [ \"$1\" = arm ]; then\n  N=x-linux-arm64\nelse\n  N=x-linux-amd64\nfi\nURL=\"https://example.com/${N}.tgz\"\ncurl -fsSLO \"$URL\"\n"}), nil},
		{"a variable set under the script's own test of the machine", "FROM debian:12\nCOPY ci /opt/ci\nRUN bash /opt/ci/install.sh\n",
			withContext(map[string]string{"ci/install.sh": "#!/bin/sh\nN=x-linux-$(uname -m)\nif [ \"$(uname -m)\" = x86_64 ]; then\n  N=x-linux-amd64\nfi\ncurl -fsSLO \"https://example.com/${N}.tgz\"\n"}), nil},
		{"an alias for another program", "FROM debian:12\nCOPY ci /opt/ci\nRUN bash /opt/ci/install.sh\n",
			withContext(map[string]string{"ci/install.sh": "#!/bin/sh\nalias show=\"echo\"\nshow https://example.com/x-linux-amd64\n"}), nil},
		{"no context", "FROM debian:12\nCOPY ci /opt/ci\nRUN bash /opt/ci/install.sh\n", nil, nil},
	})
	got := checkRule(t, "CR112", "FROM debian:12\nCOPY ci /opt/ci\nRUN cd /opt/ci && bash install_bazelisk.sh\n",
		withContext(map[string]string{"ci/install_bazelisk.sh": amd64}))
	if len(got) != 1 {
		t.Fatalf("%d findings, want 1", len(got))
	}
	for _, want := range []string{"`ci/install_bazelisk.sh`", "`https://github.com/bazelbuild/bazelisk/releases/download/v1.28.1/bazelisk-linux-amd64`", "its line 4", "amd64"} {
		if !strings.Contains(got[0].Message, want) {
			t.Errorf("message %q does not say %s", got[0].Message, want)
		}
	}
}

// TestCR112ScriptVariableURL: a download through variables quotes the URL
// with their values written in, the script's own argument left a name.
func TestCR112ScriptVariableURL(t *testing.T) {
	got := checkRule(t, "CR112", "FROM debian:12\nWORKDIR /home/vscode\nADD install-zig.sh install-zig.sh\nRUN ./install-zig.sh 0.14.0\n",
		withContext(map[string]string{"install-zig.sh": zigScript}))
	if len(got) != 1 {
		t.Fatalf("%d findings, want 1", len(got))
	}
	if want := "`https://ziglang.org/download/${ZIG_VERSION}/zig-linux-x86_64-${ZIG_VERSION}.tar.xz` (its line 11)"; !strings.Contains(got[0].Message, want) {
		t.Errorf("message %q does not say %s", got[0].Message, want)
	}
}

// TestScriptCache: a script read through the cache gives what reading it
// afresh gives, and the cache stays within its bound.
func TestScriptCache(t *testing.T) {
	c := NewScriptCache()
	const amd64 = "#!/bin/sh\ncurl -fsSLO https://example.com/x-linux-amd64\n"
	want := readScriptArch(amd64)
	if want.archs != 1 || want.firstArch != "amd64" {
		t.Fatalf("readScriptArch = %+v, want one amd64 download", want)
	}
	for range 2 {
		if got := scriptArchOf(c, amd64); got != want {
			t.Fatalf("scriptArchOf = %+v, want %+v", got, want)
		}
	}
	for i := range maxScriptCache + 10 {
		scriptArchOf(c, fmt.Sprintf("#!/bin/sh\ncurl -fsSLO https://example.com/x%d-linux-amd64\n", i))
	}
	if n := len(c.m); n > maxScriptCache {
		t.Fatalf("the cache holds %d scripts, more than %d", n, maxScriptCache)
	}
	if got := scriptArchOf(nil, "#!/bin/sh\necho no download\n"); got.archs != 0 {
		t.Fatalf("a script without an architecture: %+v", got)
	}
}

func TestArchNamed(t *testing.T) {
	for arch, want := range map[string]string{
		"amd64": "amd64", "x86_64": "x86_64", "linux64": "x86_64 (`linux64`)", "linux-64": "x86_64 (conda's `linux-64`)", "arm64": "arm64",
	} {
		if got := archNamed(arch); got != want {
			t.Errorf("archNamed(%q) = %q, want %q", arch, got, want)
		}
	}
}
