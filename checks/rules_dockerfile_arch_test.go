package checks

import (
	"github.com/coderready/coderready/devcontainer"
	"slices"
	"strings"
	"testing"
)

func TestCR112Vars(t *testing.T) {
	for _, tc := range []ruleCase{
		{"ENV path the image keeps", "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y openjdk-17-jdk-headless\nENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64\n", nil,
			[]want{{3, 5, []string{e(3, "ARG TARGETARCH\nENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-${TARGETARCH}")}}}},
		{"an ENV URL of another OS's release", "FROM debian:12\nENV FREEBSD_DOWNLOAD_URL http://ftp.example.org/FreeBSD/releases/amd64/13.4-RELEASE/base.txz\nRUN curl -fsSL ${FREEBSD_DOWNLOAD_URL} | tar -xJ -C /opt/cross-freebsd\n", nil, nil},
		{"ARG used in a download", "FROM debian:12\nARG ARCH=amd64\nRUN curl -fsSLo /usr/local/bin/kubectl https://dl.k8s.io/v1.30.0/bin/linux/${ARCH}/kubectl\n", nil,
			[]want{{2, 5, []string{e(2, "ARG TARGETARCH\nARG ARCH=${TARGETARCH}")}}}},
		{"ENV file name used by a RUN", "FROM debian:12\nENV V=0.12.3\nENV FILE=buildkit-v${V}.linux-amd64.tar.gz\nRUN curl -sSL https://github.com/moby/buildkit/releases/download/v${V}/${FILE} | tar -xz -C /usr\n", nil,
			[]want{{3, 5, nil}}},
		{"x86_64 ARG: no edit", "FROM debian:12\nARG ARCH=x86_64\nRUN curl -fsSLO \"https://example.com/tool-${ARCH}.tar.gz\"\n", nil,
			[]want{{2, 5, []string{}}}},
		{"ENV inherited by a later stage", "FROM debian:12 AS base\nENV ARCH=arm64\nFROM base\nRUN wget -O /tmp/t.deb https://example.com/t_${ARCH}.deb\n", nil,
			[]want{{2, 5, nil}}},
		{"ARG not used", "FROM debian:12\nARG ARCH=amd64\nRUN echo building\n", nil, nil},
		{"an OS and architecture joined", "FROM ubuntu:22.04\nARG GODOT_PLATFORM=\"linux.x86_64\"\nRUN wget -q https://example.com/Godot_v4.2-stable_${GODOT_PLATFORM}.zip\n", nil,
			[]want{{2, 5, []string{}}}},
		{"a word that only ends in an architecture", "FROM ubuntu:22.04\nARG FLAVOUR=extra.x86_64ish\nRUN wget -q https://example.com/tool-${FLAVOUR}.zip\n", nil, nil},
		{"a default another branch changes", "FROM ubuntu:22.04\nRUN A=arm64 && \\\n  if uname -p | grep x86_64; then A=x86_64; fi && \\\n  curl -fsSLo /usr/local/bin/dockerize https://example.com/dockerize-linux-${A}\n", nil, nil},
		{"a setting for one cross-compile target", "FROM rust:1.80\nENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=/usr/bin/aarch64-linux-gnu-gcc\nENV CC_x86_64_unknown_linux_gnu=/usr/bin/x86_64-linux-gnu-gcc\n", nil, nil},
		{"ARG the build files always pass", "FROM debian:12\nARG arch=aarch64\nRUN curl -fsSLO \"https://example.com/tool-${arch}.tar.gz\"\n", buildFiles("arch", "${ARCH_ALIAS}"), nil},
		{"ARG the build files pass as one architecture", "FROM debian:12\nARG arch=aarch64\nRUN curl -fsSLO \"https://example.com/tool-${arch}.tar.gz\"\n", buildFiles("arch", "aarch64"),
			[]want{{2, 5, []string{}}}},
		{"ARG the build files pass per architecture", "FROM debian:12\nARG ARCH=x86_64\nRUN curl -fsSLO \"https://example.com/hab-${ARCH}-linux.tar.gz\"\n", buildFiles("ARCH", "aarch64", "x86_64"), nil},
		{"ARG the build files replace for another architecture", "FROM oraclelinux:8\nARG INSTALL_FILE_1=LINUX.X64_193000_db_home.zip\nRUN curl -fsSLO \"https://example.com/${INSTALL_FILE_1}\"\n", buildFiles("INSTALL_FILE_1", "LINUX.ARM64_1919000_db_home.zip"), nil},
		{"ARG of a Dev Container's Dockerfile", "FROM debian:12\nARG arch=aarch64\nRUN curl -fsSLO \"https://example.com/tool-${arch}.tar.gz\"\n",
			func(in *DockerfileInput) {
				buildFiles("arch", "${ARCH_ALIAS}")(in)
				in.Devcontainer = &devcontainer.Config{}
			}, []want{{2, 5, []string{}}}},
		{"a stage's ARG takes the default before the first FROM", "ARG ARCH=amd64\nFROM debian:12\nARG ARCH\nRUN curl -LO https://example.com/t-${ARCH}.tgz\n", nil,
			[]want{{1, 5, []string{e(1, "ARG ARCH=${TARGETARCH}")}}}},
		{"a default before the first FROM that two stages use: once", "ARG ARCH=amd64\nFROM alpine:3.20 AS a\nARG ARCH\nRUN wget -O /k https://example.com/k-${ARCH}\n" +
			"FROM alpine:3.20\nARG ARCH\nCOPY --from=a /k /k\nRUN wget -O /j https://example.com/j-${ARCH}\n", nil,
			[]want{{1, 5, []string{e(1, "ARG ARCH=${TARGETARCH}")}}}},
		{"a default before the first FROM the stage does not declare", "ARG ARCH=amd64\nFROM debian:12\nRUN curl -LO https://example.com/t-${ARCH}.tgz\n", nil, nil},
		{"a default before the first FROM declared again without one", "ARG ARCH=amd64\nARG ARCH\nFROM debian:12\nARG ARCH\nRUN curl -LO https://example.com/t-${ARCH}.tgz\n", nil, nil},
		{"a default before the first FROM the build files pass", "ARG ARCH=x86_64\nFROM debian:12\nARG ARCH\nRUN curl -fsSLO \"https://example.com/hab-${ARCH}-linux.tar.gz\"\n", buildFiles("ARCH", "aarch64", "x86_64"), nil},
		{"an Android ABI's output folder", "FROM ubuntu:24.04\nENV OPENSSL_LIB_DIR=\"/home/jenkins/openssl-output/arm64-v8a/lib\"\nENV JNI=/src/app/jniLibs/armeabi-v7a\n", nil, nil},
		{"a cross build's root file system", "ARG ROOTFS_DIR=/crossrootfs/arm64\nFROM debian:12\nARG ROOTFS_DIR\nRUN /scripts/build-rootfs.sh arm64 && ls \"$ROOTFS_DIR/usr/include/c++/\"\n", nil, nil},
		{"a folder one stage makes from a default before the first FROM", "ARG JAVA_HOME=/usr/lib/jvm/msft-11-x64\nFROM debian:12 AS jdk\nARG JAVA_HOME\nRUN mkdir -p ${JAVA_HOME} && tar -xzf /tmp/jdk.tgz -C ${JAVA_HOME}\n" +
			"FROM debian:12\nARG JAVA_HOME\nCOPY --from=jdk ${JAVA_HOME} ${JAVA_HOME}\nENV PATH=${JAVA_HOME}/bin:$PATH JAVA=${JAVA_HOME}/bin/java\n", nil, nil},
		{"a value used only under a condition", "FROM ubuntu:24.04\nARG INSTALL_JLINK=false\nENV JLINK_PACKAGE_FILE=\"JLink_Linux_V832_x86_64.deb\"\nCOPY ${JLINK_PACKAGE_FILE} /tmp/${JLINK_PACKAGE_FILE}\n" +
			"RUN if [ \"$INSTALL_JLINK\" = \"true\" ]; then dpkg --unpack /tmp/${JLINK_PACKAGE_FILE}; fi\n", nil, nil},
		{"a RUN that picks by a hard-coded ARG", "FROM ubuntu:22.04\nARG arch=amd64\nRUN <<EOT\n    case $arch in\n        \"amd64\")\n            U=https://example.com/t_linux-amd64.tar.gz\n            ;;\n" +
			"        \"arm64\")\n            U=https://example.com/t_linux-arm64.tar.gz\n            ;;\n    esac\n    wget -qO - \"${U}\" | tar -xz\nEOT\n", nil,
			[]want{{2, 5, []string{e(2, "ARG TARGETARCH\nARG arch=${TARGETARCH}")}}}},
		{"a RUN that picks by an ARG and asks the machine too", "FROM ubuntu:22.04\nARG arch=amd64\nRUN if [ \"$arch\" = amd64 ] && [ \"$(uname -m)\" = x86_64 ]; then wget -q https://example.com/t-amd64; fi\n", nil, nil},
		{"a RUN that sets the variable it tests", "FROM ubuntu:22.04\nARG arch=amd64\nRUN arch=$(dpkg --print-architecture); case $arch in amd64) wget -q https://example.com/t-amd64;; esac\n", nil, nil},
		{"a RUN that picks by another variable", "FROM ubuntu:22.04\nARG arch=amd64\nARG TOOLARCH\nRUN case $TOOLARCH in amd64) wget -q https://example.com/t-amd64;; esac\n", nil, nil},
		{"a picking ARG the build files pass per architecture", "FROM ubuntu:22.04\nARG arch=amd64\nRUN case $arch in amd64) wget -q https://example.com/t-amd64;; arm64) wget -q https://example.com/t-arm64;; esac\n", buildFiles("arch", "amd64", "arm64"), nil},
		{"ARG is not inherited by a later stage", "FROM debian:12 AS base\nARG ARCH=amd64\nFROM base\nRUN curl -LO https://example.com/t-${ARCH}.tgz\n", nil, nil},
		{"the RUN works it out", "FROM debian:12\nARG ARCH=amd64\nRUN ARCH=$(dpkg --print-architecture) && curl -LO https://example.com/t_${ARCH}.deb\n", nil, nil},
		{"platform ARG default", "FROM debian:12\nARG TARGETARCH=amd64\nRUN curl -LO https://example.com/t_${TARGETARCH}.deb\n", nil, nil},
		{"stage for one platform", "FROM --platform=linux/amd64 debian:12\nENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64\n", nil, nil},
		{"value derived from TARGETARCH", "FROM debian:12\nARG TARGETARCH\nENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-${TARGETARCH}\n", nil, nil},
		{"not a path", "FROM debian:12\nENV DEBIAN_ARCH_NOTE=built-on-amd64\nRUN echo $DEBIAN_ARCH_NOTE\n", nil, nil},
		{"similar name only", "FROM debian:12\nARG ARCH=amd64\nRUN curl -LO https://example.com/t-${ARCHIVE}.tgz\n", nil, nil},
		{"a library search path", "FROM ubuntu:24.04\nENV LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu:/usr/lib/i386-linux-gnu${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}:/usr/local/nvidia/lib\n", nil, nil},
		{"PATH", "FROM ubuntu:24.04\nENV PATH=/opt/x86_64/bin:$PATH\n", nil, nil},
		{"a list in another variable", "FROM ubuntu:24.04\nENV PLUGINS=/opt/x86_64/plugins:/opt/common/plugins\n", nil, nil},
		{"a 32-bit multilib folder", "FROM ubuntu:24.04\nENV PKG_CONFIG_PATH=/usr/lib/i386-linux-gnu/pkgconfig\n", nil, nil},
		{"a RUN's exported file name", "FROM debian:12\nRUN export T=\"go1.22.linux-amd64.tar.gz\" && curl -fsSLO \"https://go.dev/dl/${T}\" && tar -C /usr/local -xzf \"${T}\"\n", nil,
			[]want{{2, 14, []string{e(2, "ARG TARGETARCH\nRUN export T=\"go1.22.linux-${TARGETARCH}.tar.gz\" && curl -fsSLO \"https://go.dev/dl/${T}\" && tar -C /usr/local -xzf \"${T}\"")}}}},
		{"a RUN's variable through another variable", "FROM debian:12\nRUN I=\"bazel-${V}-installer-linux-x86_64.sh\"; U=\"https://example.com/${V}/${I}\"; wget -q \"${U}\"\n", nil,
			[]want{{2, 7, []string{}}}},
		{"a RUN's architecture word in a URL", "FROM debian:12\nRUN ARCH=amd64 && curl -fsSLo /tmp/k.tgz \"https://dl.k8s.io/linux/${ARCH}/k.tgz\"\n", nil,
			[]want{{2, 10, nil}}},
		{"a RUN's variable set per condition", "FROM debian:12\nRUN if [ -f /etc/x ]; then A=amd64; else A=arm64; fi; curl -O \"https://example.com/${A}/y.tgz\"\n", nil, nil},
		{"a RUN's variable picked by a condition", "FROM debian:12\nRUN if [ \"$SKIP\" != no ]; then F=/opt/env/conda-linux-64.lock; else F=/opt/env/environment.yaml; fi; /opt/install.sh \"${F}\"\n", nil, nil},
		{"a RUN's variable not in a URL or path", "FROM debian:12\nRUN ARCH=amd64; echo $ARCH > /etc/arch\n", nil, nil},
		{"a RUN's variable as the saved name only", "FROM debian:12\nRUN F=k-amd64.tgz; curl -fsSLo \"$F\" https://example.com/k.tgz\n", nil, nil},
		{"a RUN's prefix assignment is not a variable", "FROM debian:12\nRUN ARCH=amd64 make install PREFIX=/usr/local\n", nil, nil},
		{"a RUN's variable used before it is set", "FROM debian:12\nRUN curl -O \"https://example.com/${A}/y.tgz\"; A=amd64\n", nil, nil},
		{"a RUN's variable in a stage for one platform", "FROM --platform=linux/amd64 debian:12\nRUN export T=go1.22.linux-amd64.tar.gz && curl -fsSLO \"https://go.dev/dl/${T}\"\n", nil, nil},
		{"an apt source for amd64 only", "FROM debian:12\nRUN echo \"deb [arch=amd64 signed-by=/k.gpg] https://download.docker.com/linux/debian bookworm stable\" > /etc/apt/sources.list.d/docker.list\n", nil,
			[]want{{2, 16, []string{e(2, "RUN echo \"deb [arch=$(dpkg --print-architecture) signed-by=/k.gpg] https://download.docker.com/linux/debian bookworm stable\" > /etc/apt/sources.list.d/docker.list")}}}},
		{"an apt source in single quotes: no edit", "FROM debian:12\nRUN echo 'deb [arch=amd64] https://x/debian bookworm main' > /etc/apt/sources.list.d/x.list\n", nil,
			[]want{{2, 16, []string{}}}},
		{"an apt source for the build's architecture", "FROM debian:12\nRUN echo \"deb [arch=$(dpkg --print-architecture)] https://x/debian bookworm main\" > /etc/apt/sources.list.d/x.list\n", nil, nil},
		{"an apt source for amd64, another download by uname -m", "FROM ubuntu:22.04\nRUN add-apt-repository \"deb [arch=amd64] https://x/ubuntu jammy stable\" && \\\n    curl -L \"https://x/compose-$(uname -s)-$(uname -m)\" -o /usr/local/bin/docker-compose\n", nil,
			[]want{{2, 30, nil}}},
		{"an apt source picked by uname -m", "FROM ubuntu:22.04\nRUN if [ \"$(uname -m)\" = x86_64 ]; then \\\n      echo \"deb [arch=amd64] https://x/ubuntu jammy main\" > /etc/apt/sources.list.d/x.list; \\\n    fi\n", nil, nil},
		{"Ubuntu's security mirror written as a source", "FROM ubuntu:18.04\nRUN echo \"deb http://security.ubuntu.com/ubuntu bionic-security main\" >> /etc/apt/sources.list && apt-get update\n", nil,
			[]want{{2, 15, nil}}},
		{"Ubuntu's security mirror in a comment BuildKit drops", "FROM ubuntu:18.04\nRUN \\\n    # add-apt-repository 'deb http://security.ubuntu.com/ubuntu xenial-security main'\n    apt-get update\n", nil, nil},
		{"a foreign architecture's source added to dpkg", "FROM debian:12\nRUN dpkg --add-architecture armhf && echo \"deb [arch=armhf] http://deb.debian.org/debian bookworm main\" > /etc/apt/sources.list.d/armhf.list && apt-get update && apt-get download libasound2-dev:armhf\n", nil, nil},
		{"another architecture's source in a stage pinned to its own", "FROM --platform=linux/amd64 ubuntu:22.04\nRUN echo \"deb [arch=arm64] http://ports.ubuntu.com/ubuntu-ports jammy main\" > /etc/apt/sources.list.d/arm64.list\n", nil, nil},
		{"a repository folder of amd64 packages", "FROM nvidia/cuda:11.4.2-devel-ubuntu20.04\nRUN echo \"deb https://developer.download.nvidia.com/devtools/repos/ubuntu2004/amd64/ /\" >> /etc/apt/sources.list.d/nsight.list && apt-get update\n", nil,
			[]want{{2, 15, nil}}},
		{"a repository folder picked by the architecture", "FROM ubuntu:20.04\nRUN if [ \"$(uname -m)\" = x86_64 ]; then echo \"deb https://x/repos/ubuntu2004/x86_64 /\" > /etc/apt/sources.list.d/x.list; fi\n", nil, nil},
		{"a repository folder in a stage for amd64", "FROM --platform=linux/amd64 ubuntu:20.04\nRUN echo \"deb https://x/repos/ubuntu2004/x86_64 /\" > /etc/apt/sources.list.d/x.list\n", nil, nil},
		{"Ubuntu's mirror limited to amd64", "FROM ubuntu:18.04\nRUN echo \"deb [arch=amd64,i386] http://archive.ubuntu.com/ubuntu bionic main\" >> /etc/apt/sources.list\n", nil, nil},
		{"Ubuntu's mirror in a stage for amd64", "FROM --platform=linux/amd64 ubuntu:18.04\nRUN echo \"deb http://archive.ubuntu.com/ubuntu bionic main\" >> /etc/apt/sources.list\n", nil, nil},
		{"Ubuntu's ports mirror", "FROM ubuntu:18.04\nRUN echo \"deb http://ports.ubuntu.com/ubuntu-ports bionic main\" >> /etc/apt/sources.list\n", nil, nil},
		{"Ubuntu's mirror picked by the architecture", "FROM ubuntu:18.04\nRUN if [ \"$(dpkg --print-architecture)\" = amd64 ]; then echo \"deb http://archive.ubuntu.com/ubuntu bionic main\" >> /etc/apt/sources.list; fi\n", nil, nil},
		{"an apt source for several", "FROM debian:12\nRUN echo \"deb [arch=amd64,arm64] https://x/debian bookworm main\" > /etc/apt/sources.list.d/x.list\n", nil, nil},
		{"an apt source in a stage for amd64", "FROM --platform=linux/amd64 debian:12\nRUN echo \"deb [arch=amd64] https://x/debian bookworm main\" > /etc/apt/sources.list.d/x.list\n", nil, nil},
		{"an apt source on the amd64-only universal image", "FROM mcr.microsoft.com/vscode/devcontainers/universal:latest\nRUN echo \"deb [arch=amd64] https://x/debian bookworm main\" > /etc/apt/sources.list.d/x.list\n", nil, nil},
		{"a folder the build makes", "FROM debian:12\nARG JAVA_HOME=/usr/lib/jvm/msft-11-x64\nRUN mkdir -p ${JAVA_HOME} && curl -fsSL https://example.com/jdk-11-linux-x64.tar.gz | tar -xz -C ${JAVA_HOME}\n", nil,
			[]want{{3, 41, nil}}}, // the download alone
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkRule(t, "CR112", tc.src, tc.mod)
			if len(got) != len(tc.want) {
				for _, fd := range got {
					t.Logf("got %d:%d %s %q", fd.Location.StartLine, fd.Location.StartCol, fd.Message, editStrings(fd))
				}
				t.Fatalf("%d findings, want %d", len(got), len(tc.want))
			}
			for i, w := range tc.want {
				fd := got[i]
				if fd.Location.StartLine != w.line || w.col != 0 && fd.Location.StartCol != w.col {
					t.Errorf("finding %d at %d:%d, want %d:%d (%s)", i, fd.Location.StartLine, fd.Location.StartCol, w.line, w.col, fd.Message)
				}
				if fd.Severity != SeverityWarning || fd.Evidence != EvidenceFile || fd.Fix == nil || !strings.Contains(fd.Message, "hard-codes") {
					t.Errorf("finding %d: %+v", i, fd)
				}
				if w.edits != nil {
					if got := editStrings(fd); strings.Join(got, "|") != strings.Join(w.edits, "|") {
						t.Errorf("edits:\n got %q\nwant %q", got, w.edits)
					}
				}
			}
		})
	}
}

// TestCR112DeclaresTargetArch: every fix of a stage declares ARG
// TARGETARCH at one place, directly above the first instruction of the
// stage that uses it once the fixes are in; a stage that declares it
// already gets none, and each stage gets its own.
func TestCR112DeclaresTargetArch(t *testing.T) {
	const a, b = "https://example.com/a-amd64.tgz", "https://example.com/b-amd64.tgz"
	fixed := func(s string) string { return strings.ReplaceAll(s, "amd64", "${TARGETARCH}") }
	tests := []struct {
		name, src string
		want      [][]string // per finding, its edits
	}{
		{"two uses: both declare it above the first",
			"FROM debian:12\nRUN echo hi\nRUN curl -LO " + a + "\nRUN curl -LO " + b + "\n",
			[][]string{
				{e(3, "ARG TARGETARCH\nRUN curl -LO "+fixed(a))},
				{e(3, "ARG TARGETARCH\nRUN curl -LO "+a), e(4, "RUN curl -LO "+fixed(b))}}},
		{"an instruction using it already comes first",
			"FROM debian:12\nRUN echo \"${TARGETARCH}\" > /arch\nRUN curl -LO " + a + "\n",
			[][]string{{e(2, "ARG TARGETARCH\nRUN echo \"${TARGETARCH}\" > /arch"), e(3, "RUN curl -LO "+fixed(a))}}},
		{"declared in the stage: nothing to add",
			"FROM debian:12\nARG TARGETARCH\nRUN echo hi\nRUN curl -LO " + a + "\n",
			[][]string{{e(4, "RUN curl -LO "+fixed(a))}}},
		{"declared before FROM or in another stage does not count",
			"ARG TARGETARCH\nFROM debian:12 AS tools\nARG TARGETARCH\nFROM debian:12\nRUN curl -LO " + a + "\n",
			[][]string{{e(5, "ARG TARGETARCH\nRUN curl -LO "+fixed(a))}}},
		{"one per stage",
			"FROM debian:12 AS tools\nRUN curl -LO " + a + "\nFROM debian:12\nCOPY --from=tools /a /a\nRUN curl -LO " + b + "\n",
			[][]string{
				{e(2, "ARG TARGETARCH\nRUN curl -LO "+fixed(a))},
				{e(5, "ARG TARGETARCH\nRUN curl -LO "+fixed(b))}}},
		{"the use continues over lines: above its first",
			"FROM debian:12\nRUN set -e; \\\n  curl -LO " + a + "\n",
			[][]string{{e(2, "ARG TARGETARCH\nRUN set -e; \\"), e(3, "  curl -LO "+fixed(a))}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkRule(t, "CR112", tt.src, nil)
			if len(got) != len(tt.want) {
				t.Fatalf("%d findings, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, fd := range got {
				if es := editStrings(fd); !slices.Equal(es, tt.want[i]) {
					t.Errorf("finding %d (line %d) edits:\n got %q\nwant %q", i, fd.Location.StartLine, es, tt.want[i])
				}
			}
		})
	}
}

func TestCR112VarsThroughURLVariable(t *testing.T) {
	src := "FROM debian:12\nARG SUFFIX=23.6-1.el9.x86_64.rpm\nARG URL=https://download.example.com/ic\n" +
		"RUN wget \"${URL}/instantclient-basic-${SUFFIX}\" && alien -i \"instantclient-basic-${SUFFIX}\"\n"
	got := checkRule(t, "CR112", src, nil)
	if len(got) != 1 || got[0].Location.StartLine != 2 || !strings.Contains(got[0].Message, "line 4") {
		t.Fatalf("findings %+v", got)
	}
}

func TestCR112VarsScriptValue(t *testing.T) {
	src := "FROM debian:12\nARG SCRIPT=\"curl -L https://golang.org/dl/go1.15.linux-amd64.tar.gz -o /tmp/go.tgz\"\nRUN bash -c \"${SCRIPT}\"\n"
	if got := checkRule(t, "CR112", src, nil); len(got) != 0 {
		t.Fatalf("a script in an ARG is reported: %+v", got)
	}
}

// TestCR112SearchListIsNoUse: an ENV path that a later PATH lists is
// reported for the value the image keeps, not as read by the search list,
// which skips a folder the machine lacks; an ARG only a search list uses
// is not reported.
func TestCR112SearchListIsNoUse(t *testing.T) {
	got := checkRule(t, "CR112", "FROM ubuntu:24.04\nENV JAVA_HOME=/usr/lib/jvm/java-21-openjdk-amd64\nENV PATH=$JAVA_HOME/bin:$PATH\nUSER 1000\n", nil)
	if len(got) != 1 || !strings.Contains(got[0].Message, "keeps it in the image's environment") {
		t.Errorf("want one finding on the value the image keeps, got %+v", got)
	}
	if got := checkRule(t, "CR112", "FROM ubuntu:24.04\nARG LIB=/usr/lib/x86_64-linux-gnu\nENV LD_LIBRARY_PATH=$LIB/extra:/opt/lib\nUSER 1000\n", nil); len(got) != 0 {
		t.Errorf("an ARG a search list alone uses: want none, got %+v", got)
	}
}

// TestCR112FixRenamesEveryName: the fix renames the download, the file
// it is saved as (`--output`), and the paths that run and remove it, or it
// would leave the build naming a file it did not write.
func TestCR112FixRenamesEveryName(t *testing.T) {
	src := "FROM ubuntu:22.04\nARG V=5.0.1\n" +
		"RUN curl -sL https://github.com/x/msgs/releases/download/${V}/msgs_${V}-jammy_amd64.run --output /tmp/msgs_${V}-jammy_amd64.run --silent \\\n" +
		"  && chmod +x /tmp/msgs_${V}-jammy_amd64.run \\\n" +
		"  && ((yes || true) | /tmp/msgs_${V}-jammy_amd64.run) \\\n" +
		"  && rm /tmp/msgs_${V}-jammy_amd64.run\nUSER 1000\n"
	got := checkRule(t, "CR112", src, nil)
	if len(got) != 1 || got[0].Fix == nil {
		t.Fatalf("want one finding with a fix, got %+v", got)
	}
	all := strings.Join(editStrings(got[0]), "\n")
	if strings.Contains(all, "amd64") || strings.Count(all, "${TARGETARCH}") != 5 {
		t.Errorf("the fix leaves a name of the download or misses one:\n%s", all)
	}
}

// TestCR112DownloadNothingUses: in a stage the build only copies from, a
// download saved where no later command runs it and no COPY --from takes
// it breaks nothing; one that is copied out, run, or saved where the
// command does not say is still reported.
func TestCR112DownloadNothingUses(t *testing.T) {
	const probe = "RUN wget -qO/bin/grpc_health_probe https://github.com/grpc-ecosystem/grpc-health-probe/releases/download/v0.4.24/grpc_health_probe-linux-amd64 && chmod +x /bin/grpc_health_probe\n"
	for _, tc := range []struct {
		name, src string
		want      int
	}{
		{"a builder's probe the final stage does not take",
			"FROM golang:1.22 AS builder\n" + probe + "RUN go build -o /out/app .\nFROM scratch\nCOPY --from=builder /out/app /app\n", 0},
		{"the probe copied out",
			"FROM golang:1.22 AS builder\n" + probe + "FROM scratch\nCOPY --from=builder /bin/grpc_health_probe /bin/\n", 1},
		{"the whole builder copied out",
			"FROM golang:1.22 AS builder\n" + probe + "FROM scratch\nCOPY --from=builder / /\n", 1},
		{"the probe run in the builder",
			"FROM golang:1.22 AS builder\n" + probe + "RUN grpc_health_probe -version\nFROM scratch\nCOPY --from=builder /out/app /app\n", 1},
		{"the final stage's own",
			"FROM golang:1.22\n" + probe, 1},
		{"saved where the command does not say",
			"FROM golang:1.22 AS builder\nRUN curl -fsSLO https://e.com/tool-linux-amd64.tar.gz\nFROM scratch\nCOPY --from=builder /out/app /app\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkRule(t, "CR112", tc.src, nil); len(got) != tc.want {
				t.Errorf("%d findings, want %d: %+v", len(got), tc.want, got)
			}
		})
	}
}
