package checks

import (
	"slices"
	"strings"
	"testing"

	"github.com/coderready/coderready/dockerfile"
)

// TestCR112OncePerDownload: a download is reported once, where it is
// first named; the words after it that name its file or the folder it
// unpacks to (the tar, the rm, the mv) go into that finding's fix, so the
// fix still builds everywhere; a local output name is not a finding;
// two downloads are two findings.
func TestCR112OncePerDownload(t *testing.T) {
	kb := "FROM debian:12\nRUN curl -fsSLO https://example.com/kb_2_linux_amd64.tar.gz \\\n" +
		" && tar xzf kb_2_linux_amd64.tar.gz -C /tmp \\\n" +
		" && mv /tmp/kb_2_linux_amd64/* /usr/local/bin/ && rm kb_2_linux_amd64.tar.gz\n"
	runRuleCases(t, "CR112", []ruleCase{
		{"the download, its archive and its folder", kb, nil, []want{{2, 0, []string{
			e(2, "ARG TARGETARCH\nRUN curl -fsSLO https://example.com/kb_2_linux_${TARGETARCH}.tar.gz \\"),
			e(3, " && tar xzf kb_2_linux_${TARGETARCH}.tar.gz -C /tmp \\"),
			e(4, " && mv /tmp/kb_2_linux_${TARGETARCH}/* /usr/local/bin/ && rm kb_2_linux_${TARGETARCH}.tar.gz"),
		}}}},
		{"x86_64 names, no edit", "FROM debian:12\nRUN curl -fsSLO https://example.com/jsonnet_Linux_x86_64.tar.gz && \\\n    tar xzf jsonnet_Linux_x86_64.tar.gz && rm jsonnet_Linux_x86_64.tar.gz\n",
			nil, []want{{line: 2}}},
		{"a folder's files copied", "FROM debian:12\nRUN cp /opt/reh-linux-x64/bin/code /usr/bin/ && cp /opt/reh-linux-x64/bin/open /usr/bin/\n", nil, []want{{line: 2}}},
		{"a local output name", "FROM debian:12\nARG URL\nRUN curl -fsSLo terraform_linux_amd64.zip \"$URL\" && unzip terraform_linux_amd64.zip\n", nil, nil},
		{"wget -O names the file", "FROM debian:12\nRUN wget -qO /tmp/tool_amd64.deb https://example.com/dl && dpkg -i /tmp/tool_amd64.deb\n", nil, nil},
		{"curl -O takes no value", "FROM debian:12\nRUN curl -O https://example.com/a_amd64.deb -O https://example.com/b_amd64.deb\n", nil, []want{{line: 2}, {line: 2}}},
		{"two versions, one file name", "FROM debian:12\nRUN curl -fsSL https://example.com/3.4/yq_linux_amd64 > yq\nRUN curl -fsSL https://example.com/4.2/yq_linux_amd64 > yq4\n", nil, []want{{line: 2}, {line: 3}}},
		{"every architecture fetched, one picked later", "FROM scratch AS dl\nADD --chmod=0755 https://e.com/nix-installer-x86_64-linux /i-amd64\nADD --chmod=0755 https://e.com/nix-installer-aarch64-linux /i-arm64\n" +
			"FROM debian:12\nARG TARGETARCH\nCOPY --from=dl /i-$TARGETARCH /usr/local/bin/i\n", nil, nil},
		{"a stray local path before its URL", "FROM debian:12\nRUN wget -q /usr/src/lib_0.4_amd64.deb \"http://e.com/pool/lib_0.4_amd64.deb\" && dpkg -i /usr/src/lib_0.4_amd64.deb\n", nil, []want{{line: 2}}},
		{"node asked for the machine", "FROM debian:12\nRUN node -p \"process.arch === 'arm64' ? 'skip' : process.exit(1)\" || (wget -O /tmp/c.deb https://e.com/chrome_amd64.deb && dpkg -i /tmp/c.deb)\n", nil, nil},
		{"the download's signature", "FROM debian:12\nRUN curl -sSL https://e.com/r-1-linux-x86_64.tar.bz2 -o /tmp/r.tbz && curl -sSL https://e.com/r-1-linux-x86_64.tar.bz2.asc -o /tmp/r.asc\n", nil, []want{{line: 2}}},
		{"a fallback mirror", "FROM debian:12\nRUN if ! wget -O s.deb https://a.example/s_1_amd64.deb; then wget -O s.deb https://b.example/s_1_amd64.deb; fi\n", nil, []want{{line: 2}}},
		{"conda's linux-64", "FROM debian:12\nRUN curl -Ls https://micro.mamba.pm/api/micromamba/linux-64/1.1.0 | tar -xj -C /usr/local bin/micromamba\n", nil, []want{{line: 2}}},
		{"vale's Linux_64-bit", "FROM debian:12\nRUN curl -fsSL https://github.com/errata-ai/vale/releases/download/v2.26.0/vale_2.26.0_Linux_64-bit.tar.gz | tar -xz -C /usr/local/bin vale\n", nil, []want{{line: 2}}},
		{"s5cmd's Linux-64bit", "FROM debian:12\nRUN curl -L -o /tmp/s5cmd.tar.gz \"https://github.com/peak/s5cmd/releases/download/v2.2.2/s5cmd_2.2.2_Linux-64bit.tar.gz\"\n", nil, []want{{line: 2}}},
		{"s5cmd's Linux-arm64 in a stage for arm64", "FROM --platform=linux/arm64 debian:12\nRUN curl -L -o /tmp/s5cmd.tar.gz \"https://github.com/peak/s5cmd/releases/download/v2.2.2/s5cmd_2.2.2_Linux-arm64.tar.gz\"\n", nil, nil},
		{"conda asked for its platform", "FROM debian:12\nRUN arch=$(uname -m) && [ \"$arch\" = x86_64 ] && sub=linux-64 || sub=linux-aarch64; curl -Ls https://micro.mamba.pm/api/micromamba/$sub/1.1.0 | tar -xj\n", nil, nil},
		{"the folder a download unpacks to, named otherwise", "FROM debian:12\nRUN curl -fsSLo /tmp/p.tgz \"https://cdn.example.com/x86_64/positron-linux-x64-1.tar.gz\" && \\\n    tar -xzf /tmp/p.tgz -C /tmp && mv /tmp/vscode-reh-web-*linux-x64 /opt/positron\n", nil, []want{{line: 2}}},
		{"the file a URL in an ENV names, unpacked", "FROM alpine:3.11\nENV VERSION 0.30.0\nENV DOWNLOAD_URL https://github.com/fatedier/frp/releases/download/v${VERSION}/frp_${VERSION}_linux_amd64.tar.gz\nRUN curl -sSLO ${DOWNLOAD_URL} && tar -zxf frp_${VERSION}_linux_amd64.tar.gz && mv frp_${VERSION}_linux_amd64/* /usr/bin\n", nil, []want{{line: 3}}},
		{"a path another RUN's download installs to", "FROM debian:12\nRUN curl -fsSLO https://example.com/nsight-systems-2025.3.1_2025.3.1.90-1_amd64.deb\nRUN apt-get install -y ./nsight-systems-2025.3.1_2025.3.1.90-1_amd64.deb && ln -s /opt/nvidia/nsight-systems/2025.3.1/target-linux-x64/nsys /usr/local/cuda/bin/nsys\n", nil, []want{{line: 2}}},
		{"an apt pin file from an architecture's folder", "FROM ubuntu:22.04\nRUN curl -fsSLO https://developer.download.example.com/compute/cuda/repos/ubuntu2204/x86_64/cuda-ubuntu2204.pin && mv cuda-ubuntu2204.pin /etc/apt/preferences.d/cuda-repository-pin-600\n", nil, nil},
		{"a Jetson base", "FROM nvcr.io/nvidia/l4t-base:r36.2.0\nRUN wget -q https://repo.download.example.com/jetson/t234/pool/main/n/nvidia-l4t-core/nvidia-l4t-core_36.2.0_arm64.deb\n", nil, nil},
		{"a path of another RUN is its own", "FROM debian:12\nRUN curl -fsSLO https://example.com/a_linux_amd64.tgz\nRUN ln -s /opt/b-linux-amd64/bin/b /usr/local/bin/b\n", nil, []want{{line: 2}, {line: 3}}},
		{"two downloads", "FROM debian:12\nRUN curl -fsSLO https://example.com/a_linux_amd64.tgz && curl -fsSLO https://example.com/b_linux_amd64.tgz\n", nil, []want{{line: 2}, {line: 2}}},
		{"a cross toolchain named host first, and the folder it unpacks to", linaro, nil, []want{{line: 2}}},
	})
}

// linaro fetches a cross toolchain for aarch64 that runs on x86_64 and
// names the folder it unpacks to in an ENV.
const linaro = "FROM debian:12\nRUN cd /opt && wget https://releases.example.org/7.5-2019.12/aarch64-linux-gnu/gcc-linaro-7.5.0-2019.12-x86_64_aarch64-linux-gnu.tar.xz && tar xf gcc-linaro-7.5.0-2019.12-x86_64_aarch64-linux-gnu.tar.xz\n" +
	"ENV CC_DIR=/opt/gcc-linaro-7.5.0-2019.12-x86_64_aarch64-linux-gnu\nENV PATH=\"$PATH:$CC_DIR/bin\"\n"

// TestCR112CrossHost: a cross toolchain named host first is reported for
// its host, the architecture its programs need, not for its target.
func TestCR112CrossHost(t *testing.T) {
	for _, src := range []string{linaro,
		"FROM debian:12\nADD https://example.com/aarch64-none-linux-gnu/arm-gnu-toolchain-13.2.rel1-x86_64-aarch64-none-linux-gnu.tar.xz /opt/\n",
	} {
		got := checkRule(t, "CR112", src, nil)
		if len(got) != 1 || !strings.Contains(got[0].Message, "hard-codes the x86_64 architecture") {
			t.Errorf("%q: want one finding for the x86_64 host, got %+v", src, got)
		}
	}
}

// TestCR112FileForOneArch: a Dockerfile kept per architecture names its
// own architecture by design; another architecture in it is still
// reported.
func TestCR112FileForOneArch(t *testing.T) {
	arm := "FROM ghcr.io/linuxserver/baseimage-ubuntu:noble\nRUN curl -o /tmp/cs.tar.gz -L https://example.com/code-server-linux-arm64.tar.gz\n"
	named := func(p string) func(*DockerfileInput) { return func(in *DockerfileInput) { in.File.Path = p } }
	runRuleCases(t, "CR112", []ruleCase{
		{"Dockerfile.aarch64", arm, named("Dockerfile.aarch64"), nil},
		{"arm64 base tag", "FROM ghcr.io/linuxserver/baseimage-ubuntu:arm64v8-noble\nRUN curl -o /tmp/cs.tar.gz -L https://example.com/code-server-linux-arm64.tar.gz\n", nil, nil},
		{"the amd64 half beside it", "FROM debian:12\nRUN curl -o /tmp/cs.tar.gz -L https://example.com/code-server-linux-amd64.tar.gz\n",
			func(in *DockerfileInput) { in.Arch = "amd64" }, nil},
		{"FROM --platform", "FROM --platform=linux/arm64 debian:12\nRUN curl -o /tmp/cs.tar.gz -L https://example.com/code-server-linux-arm64.tar.gz\n", nil, nil},
		{"a plain Dockerfile", arm, nil, []want{{line: 2}}},
		{"a folder per architecture", arm, named("src/sdk/10.0/noble/arm64v8/Dockerfile"), nil},
		{"a folder per architecture, higher up", arm, named("host/3.0/buster/arm64v8/java/java11/Dockerfile"), nil},
		{"a folder that only mentions one", arm, named("docs/arm64-notes/Dockerfile"), []want{{line: 2}}},
		{"a folder whose name ends in one", arm, named("images/Ubuntu-arm64/Dockerfile"), nil},
		{"a folder whose name ends in -arm", arm, named("rsm-msba-arm/Dockerfile"), nil},
		{"a folder named for a bare-metal target", arm, named("toolchains/arm-none-eabi/Dockerfile"), []want{{line: 2}}},
		{"a folder whose name ends in -intel", "FROM debian:12\nRUN curl -fsSLO https://example.com/tool-linux-amd64.tar.gz\n", named("rsm-msba-intel/Dockerfile"), nil},
		{"a folder -intel, an arm64 download", arm, named("rsm-msba-intel/Dockerfile"), []want{{line: 2}}},
		{"a cross builder's folder for its target", "FROM ubuntu:22.04\nRUN curl -fsSLO https://example.com/Qt5.15.3-arm64.tar.gz\n", named("docker/cross-darwin-arm64/Dockerfile"), nil},
		{"a cross builder's folder, another architecture's download", "FROM ubuntu:22.04\nRUN curl -fsSLO https://example.com/Qt5.15.3-x86_64.tar.gz\n", named("docker/cross-darwin-arm64/Dockerfile"), []want{{line: 2}}},
		{"a folder named arm", arm, named("custom/agent/arm/Dockerfile"), nil},
		{"a file named for Jetson", arm, named("docker/dockerfiles/Dockerfile.onnx.jetson.7.1.0"), nil},
		{"a folder named for L4T", arm, named("docker/l4t/Dockerfile"), nil},
		{"a file named for Jetson, an amd64 download", "FROM ubuntu:24.04\nRUN curl -fsSLO https://example.com/tool-linux-amd64.tar.gz\n", named("Dockerfile.jetson"), []want{{line: 2}}},
		{"a name that only contains jetson", arm, named("docker/jetsonic/Dockerfile"), []want{{line: 2}}},
		{"a folder named for ARM", arm, named("configs/linux/Agent/UbuntuARM/UbuntuARM.Dockerfile"), nil},
		{"a folder that only ends in arm", arm, named("tools/farm/Dockerfile"), []want{{line: 2}}},
		{"a cross image named for its Rust target runs on an amd64 host", "FROM ghcr.io/cross-rs/aarch64-unknown-linux-gnu:0.2.5\nRUN curl -fsSLO https://github.com/protocolbuffers/protobuf/releases/download/v21.5/protoc-21.5-linux-x86_64.zip\n",
			named("build/cross-images/aarch64-unknown-linux-gnu.dockerfile"), nil},
		{"a cross image's download for its target", "FROM ghcr.io/cross-rs/aarch64-unknown-linux-gnu:0.2.5\nRUN curl -fsSLO https://example.com/tool-linux-arm64.tar.gz\n",
			named("build/cross-images/aarch64-unknown-linux-gnu.dockerfile"), []want{{line: 2}}},
		{"arm64 tag suffix", "FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-arm64v8\nRUN curl -o /tmp/cs.tar.gz -L https://example.com/code-server-linux-arm64.tar.gz\n", nil, nil},
		{"amd64 tag suffix through an ARG", "ARG REPO=mcr.microsoft.com/dotnet/aspnet\nFROM $REPO:8.0-bookworm-slim-amd64\nRUN curl -o /tmp/j.tgz -L https://example.com/jdk-linux-x64.tar.gz\n", nil, nil},
		{"arm64v8 namespace of an installer stage", "FROM arm64v8/buildpack-deps:noble-curl AS installer\nRUN curl -o /tmp/cs.tar.gz -L https://example.com/code-server-linux-arm64.tar.gz\nFROM debian:12\nCOPY --from=installer /tmp/cs.tar.gz /tmp/\n", nil, nil},
		{"a repository named for one", "FROM cr.example.com/viya-4-x64_oci_linux_2-docker/sas-programming:1\nRUN curl -fsSLO https://example.com/google-cloud-cli-linux-x86_64.tar.gz\n", nil, nil},
		{"a repository named for another", "FROM cr.example.com/tools-arm64/base:1\nRUN curl -fsSLO https://example.com/google-cloud-cli-linux-x86_64.tar.gz\n", nil, []want{{line: 2}}},
		{"a file named for ARM machines", arm, named("docker/Dockerfile.ci_arm"), nil},
		{"a name that only contains arm", arm, named("docker/Dockerfile.charm"), []want{{line: 2}}},
		{"a repository's signing key from an amd64 path", "FROM ubuntu:22.04\nRUN curl -fsSL https://developer.download.example.com/compute/cuda/repos/ubuntu2204/x86_64/3bf863cc.pub | gpg --dearmor -o /usr/share/keyrings/cuda.gpg\n", nil, nil},
		{"the repository's keyring package from an amd64 path", "FROM ubuntu:22.04\nRUN curl -fsSLO https://developer.download.example.com/compute/cuda/repos/ubuntu2204/x86_64/cuda-keyring_1.1-1_all.deb\n", nil, nil},
		{"a repository setup package from an amd64 path", "FROM rockylinux:8\nRUN dnf install -y https://developer.download.example.com/compute/cuda/repos/rhel8/x86_64/cuda-repo-rhel8-12.4.noarch.rpm\n", nil, []want{{line: 2}}},
		{"a folder the RUN makes is not the evidence", "FROM debian:12\nRUN mkdir -p /tmp/pkgs/linux-64 && \\\n  curl -fsSL -o /tmp/pkgs/linux-64/gdb-1.conda https://conda.example.org/conda-forge/linux-64/gdb-1.conda\n", nil,
			[]want{{line: 3}}},
		{"a distribution's repository setup package from an amd64 folder", "FROM centos:7\nRUN yum -y install http://mirror.example.org/centos/7/extras/x86_64/Packages/centos-release-scl-rh-2-3.el7.centos.noarch.rpm\n", nil, nil},
		{"PostgreSQL's repository setup package from an amd64 folder", "FROM fedora:40\nRUN dnf install -y https://download.example.org/pub/repos/yum/reporpms/F-40-x86_64/pgdg-fedora-repo-latest.noarch.rpm\n", nil, nil},
		{"a package for every architecture from an amd64 folder", "FROM rockylinux:8\nRUN yum install -y https://vault.example.org/centos/8/PowerTools/x86_64/os/Packages/opencl-headers-2.2-1.el8.noarch.rpm\n", nil, nil},
		{"an amd64 package beside it", "FROM rockylinux:8\nRUN yum install -y https://vault.example.org/centos/8/AppStream/x86_64/os/Packages/ocl-icd-2.2.12-1.el8.x86_64.rpm\n", nil, []want{{line: 2}}},
		{"MinGW's sysroot", "FROM fedora:40\nRUN dnf install -y mingw64-gcc && cp -r /opt/include/* /usr/x86_64-w64-mingw32/sys-root/mingw/include/\n", nil, nil},
		{"a cross toolchain's sysroot", "FROM ubuntu:20.04\nRUN apt-get update && apt-get install -y gcc-i686-linux-gnu && ln -s /usr/i686-linux-gnu/lib/ld-linux.so.2 /lib/\n", nil, nil},
		{"the native multiarch folder", "FROM ubuntu:20.04\nRUN cp /usr/lib/x86_64-linux-gnu/libfoo.so /opt/lib/\n", nil, []want{{line: 2}}},
		{"a command substitution in the URL", "FROM ubuntu:24.04\nRUN . /etc/os-release && curl -LO \"https://cdn.example.com/r/${ID}-$(echo $VERSION_ID | tr -d .)/pkgs/r-4.4.0_1_amd64.deb\"\n", nil, []want{{line: 2}}},
		{"a script given to bash, reported once", "FROM ubuntu:24.04\nRUN bash -c \"curl -fsSLO https://example.com/x_amd64.deb\"\n", nil, []want{{line: 2}}},
		{"the arch command's answer mapped by sed", "FROM ubuntu:24.04\nRUN curl -fsSLo /tmp/c.sh https://repo.example.com/Miniforge3-Linux-$(arch | sed s/arm64/aarch64/ | sed s/amd64/x86_64/).sh\n", nil, nil},
		{"a helper stage for the build machine", "FROM --platform=$BUILDPLATFORM alpine:3.20 AS upx\nRUN wget -q https://example.com/upx-4.2.4-amd64_linux.tar.xz\nFROM scratch\nCOPY --from=upx /upx /upx\n", nil, nil},
		{"a case on apk's architecture", "FROM alpine:3.20\nRUN ARCH= && alpineArch=\"$(apk --print-arch)\" && case \"${alpineArch##*-}\" in x86_64) ARCH='x64' ;; esac && curl -fsSLO https://nodejs.org/dist/v22.0.0/node-v22.0.0-linux-$ARCH-musl.tar.xz\n", nil, nil},
		{"a stage no build reaches", "ARG BUILD_TYPE=dev\nFROM ubuntu:24.04 AS base\nFROM base AS codebuild-image\nENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64\nFROM base AS dev-image\nRUN echo dev\nFROM ${BUILD_TYPE}-image\n", nil, nil},
		{"a stage the final one copies from", "FROM ubuntu:24.04 AS tools\nRUN curl -fsSLo /kubectl https://dl.k8s.io/v1.30.0/bin/linux/amd64/kubectl\nFROM ubuntu:24.04\nCOPY --from=tools /kubectl /usr/local/bin/\n", nil, []want{{line: 2}}},
		{"a stage that stops on ARM", "FROM ubuntu:20.04\nARG TARGETPLATFORM\nRUN case ${TARGETPLATFORM} in \\\n  \"linux/arm64\")  exit 1 ;; \\\n  *) /opt/conda/bin/conda install -y python=3.11 ;; \\\n  esac\nRUN curl -fsSLO https://example.com/intel-extension-linux-x86_64.whl\n", nil, nil},
		{"a stage the final image copies from stops on ARM", "FROM ubuntu:20.04 AS torch\nARG TARGETPLATFORM\nRUN case ${TARGETPLATFORM} in \"linux/arm64\") exit 1 ;; *) pip install torch ;; esac\nFROM ubuntu:20.04 AS proto\nRUN curl -fsSLO https://example.com/protoc-21.12-linux-x86_64.zip\nFROM ubuntu:20.04\nCOPY --from=torch /opt/conda /opt/conda\nCOPY --from=proto /usr/local/bin/protoc /usr/local/bin/\nRUN curl -fsSLO https://example.com/awscli-exe-linux-x86_64.zip\n", nil, nil},
		{"a stage nothing copies from stops on ARM", "FROM ubuntu:20.04 AS torch\nARG TARGETPLATFORM\nRUN case ${TARGETPLATFORM} in \"linux/arm64\") exit 1 ;; *) pip install torch ;; esac\nFROM ubuntu:20.04\nRUN curl -fsSLO https://example.com/awscli-exe-linux-x86_64.zip\n", nil, []want{{line: 5}}},
		{"armv6l", "FROM debian:12\nRUN curl -fsSL https://go.dev/dl/go1.18.2.linux-armv6l.tar.gz | tar -C /usr/local -xz\n", nil, []want{{line: 2}}},
		{"a tag that only contains one", "FROM example/tools:amd64ish\nRUN curl -o /tmp/cs.tar.gz -L https://example.com/code-server-linux-arm64.tar.gz\n", nil, []want{{line: 2}}},
	})
	// Another architecture in Dockerfile.aarch64 is still reported.
	src := "FROM debian:12\nRUN curl -o /tmp/cs.tar.gz -L https://example.com/code-server-linux-amd64.tar.gz\n"
	f, err := dockerfile.Parse("Dockerfile.aarch64", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := CheckDockerfile(&DockerfileInput{File: f, Config: DefaultConfig()}); !slices.ContainsFunc(got, func(f Finding) bool { return f.RuleID == "CR112" }) {
		t.Errorf("Dockerfile.aarch64 downloading amd64: no CR112 in %v", got)
	}
	for _, c := range []struct {
		dirs     []string
		siblings [][]string
		want     string
	}{
		{[]string{"configs", "linux", "Agent", "Ubuntu"}, [][]string{{"context"}, {"windows"}, {"Server"}, {"UbuntuARM"}}, "amd64"},
		{[]string{"context", "generated", "Agent", "Ubuntu", "18.04"}, [][]string{nil, nil, nil, {"UbuntuARM"}, {"20.04"}}, "amd64"},
		{[]string{"images", "Ubuntu"}, [][]string{nil, {"Ubuntu-arm64"}}, "amd64"},
		{[]string{"images", "Ubuntu"}, [][]string{nil, {"Ubuntu-dev"}}, ""},
		{[]string{"images", "UbuntuARM"}, [][]string{nil, {"Ubuntu"}}, ""},
		{[]string{"container-images", "2-gpu", "aarch64-rocky9-gcc-13.3"}, [][]string{nil, {"1-base"}, {"x86_64-rocky9-gcc-13.3", "ppc64le-rocky9"}}, "arm64"},
		{[]string{"container-images", "x86_64-rocky9-gcc-13.3"}, [][]string{nil, {"aarch64-rocky9-gcc-13.3"}}, "amd64"},
		{[]string{"container-images", "1-runner", "aarch64-ubuntu26.04-gcc-13.4"}, [][]string{nil, {"2-gpu"}, {"x86_64-rocky9-gcc-13.3"}}, "arm64"},
		{[]string{"docs", "arm64-notes"}, [][]string{nil, {"guides"}}, ""},
		{[]string{"docs", "arm64-notes"}, nil, ""},
	} {
		if got := ArchFromFolders(c.dirs, c.siblings); got != c.want {
			t.Errorf("ArchFromFolders(%q, %q) = %q, want %q", c.dirs, c.siblings, got, c.want)
		}
	}
	for _, c := range []struct {
		name     string
		siblings []string
		want     string
	}{
		{"Dockerfile", []string{"Dockerfile", "Dockerfile.aarch64", "README.md"}, "amd64"},
		{"Dockerfile", []string{"Dockerfile", "Dockerfile.armhf"}, "amd64"},
		{"Dockerfile", []string{"Dockerfile", "Dockerfile.dev"}, ""},
		{"Dockerfile.aarch64", []string{"Dockerfile", "Dockerfile.aarch64"}, ""},
		{"Dockerfile", []string{"Dockerfile", "Dockerfile.amd64"}, ""},
		{"ubuntu-24.04.Dockerfile", []string{"ubuntu-24.04.Dockerfile", "ubuntu-24.04-aarch64.Dockerfile", "ubuntu-22.04.Dockerfile"}, "amd64"},
		{"ubuntu-22.04.Dockerfile", []string{"ubuntu-24.04.Dockerfile", "ubuntu-24.04-aarch64.Dockerfile", "ubuntu-22.04.Dockerfile"}, ""},
		{"Dockerfile.ci_cpu", []string{"Dockerfile.ci_cpu", "Dockerfile.ci_arm"}, ""},
		{"development.Dockerfile", []string{"development.Dockerfile", "development-arm.Dockerfile", "bazel_dev.Dockerfile"}, "amd64"},
		{"bazel_dev.Dockerfile", []string{"development.Dockerfile", "development-arm.Dockerfile", "bazel_dev.Dockerfile"}, ""},
		{"Dockerfile.ci_arm", []string{"Dockerfile.ci_cpu", "Dockerfile.ci_arm"}, ""},
	} {
		if got := ArchFromSiblings(c.name, c.siblings); got != c.want {
			t.Errorf("ArchFromSiblings(%q, %q) = %q, want %q", c.name, c.siblings, got, c.want)
		}
	}
}

// TestCR101Scratch: an image built on scratch cannot be a workspace: no
// user to judge (CR101), no tools to miss (CR104, CR105).
func TestCR101Scratch(t *testing.T) {
	for _, src := range []string{"FROM scratch\nCOPY bundle /ide/\n", "FROM golang:1.23 AS b\nFROM scratch\nCOPY --from=b /go/bin/x /x\nENTRYPOINT [\"/x\"]\n"} {
		for _, id := range []string{"CR101", "CR104", "CR105"} {
			if got := checkRule(t, id, src, nil); len(got) != 0 {
				t.Errorf("%s on %q: %v", id, src, got)
			}
		}
	}
	if got := checkRule(t, "CR101", "FROM debian:12\nCOPY bundle /ide/\n", nil); !slices.ContainsFunc(got, func(f Finding) bool { return f.RuleID == "CR101" }) {
		t.Errorf("debian: no CR101")
	}
}

// TestCR101CUDA: NVIDIA's CUDA images (and ROS's official images) set no
// USER, so an image built on one without a USER of its own runs as root;
// another image of the same name elsewhere is not judged.
func TestCR101CUDA(t *testing.T) {
	for src, want := range map[string]int{
		"FROM nvidia/cuda:12.4.1-devel-ubuntu22.04\nRUN apt-get update\n":            1,
		"FROM nvcr.io/nvidia/cuda:12.4.1-base-rockylinux9\nRUN dnf -y install git\n": 1,
		"FROM nvidia/cuda:12.4.1-devel-ubuntu22.04\nUSER 1000\n":                     0,
		"FROM ghcr.io/acme/nvidia/cuda:12\nRUN apt-get update\n":                     0,
		"FROM ros:rolling\nRUN apt-get update\n":                                     1,
	} {
		if got := checkRule(t, "CR101", src, nil); len(got) != want {
			t.Errorf("%q: %d CR101 findings, want %d: %v", src, len(got), want, got)
		}
	}
}

// TestCR101Linuxserver: linuxserver.io images run as root and start s6's
// /init: an image built on one without a USER is reported, with the fix
// that keeps root for the init.
func TestCR101Linuxserver(t *testing.T) {
	for _, src := range []string{"FROM ghcr.io/linuxserver/baseimage-ubuntu:noble\nRUN apt-get update\n",
		"FROM lscr.io/linuxserver/webtop:latest\nRUN echo hi\n", "FROM linuxserver/openvscode-server:1.90.0\nRUN echo hi\n"} {
		got := checkRule(t, "CR101", src, nil)
		if len(got) != 1 || got[0].Fix == nil || !strings.Contains(got[0].Fix.Description, "must run as root") {
			t.Errorf("%q: %+v", src, got)
		}
	}
	if got := checkRule(t, "CR101", "FROM ghcr.io/acme/linuxserver/base:1\nRUN echo hi\n", nil); len(got) != 0 {
		t.Errorf("another registry's linuxserver path: %+v", got)
	}
}

// TestCR101SystemdImage: an image that starts systemd ends as root by
// design; the finding stands, but its fix adds no USER line (init would
// start as that user and fail) and says what to do instead.
func TestCR101SystemdImage(t *testing.T) {
	// Rocker's RStudio images start s6's /init from their own CMD.
	for _, src := range []string{"FROM debian:12\nRUN apt-get update\nCMD [\"/sbin/init\"]\n", "FROM debian:12\nENTRYPOINT /lib/systemd/systemd\n",
		"FROM rocker/verse:4.6.1\nRUN apt-get update\n",
		"FROM rocker/ml-gpu:4.0.0\nRUN pip install x\n",
		"FROM rocker/rstudio:4.6.1\nCMD [\"sh\", \"-c\", \"/rocker_scripts/batch_user_creation.sh && /init\"]\n"} {
		got := checkRule(t, "CR101", src, nil)
		if len(got) != 1 || got[0].Fix == nil || len(got[0].Fix.Edits) != 0 || !strings.Contains(got[0].Fix.Description, "must run as root") {
			t.Errorf("%q: %+v", src, got)
		}
	}
}

// TestCR101UID1000FreedByTheShell: a RUN that deletes the user holding UID
// 1000 by a name the shell works out leaves the UID free: the fix adds the
// user without deleting `ubuntu` again (which would fail the build).
func TestCR101UID1000FreedByTheShell(t *testing.T) {
	src := "FROM ubuntu:noble\nRUN <<EOF\nif grep -q 1000 /etc/passwd; then\n    userdel --remove \"$(id -un 1000)\";\nfi\nEOF\nCMD [\"R\"]\n"
	got := checkRule(t, "CR101", src, nil)
	if len(got) != 1 || got[0].Fix == nil || len(got[0].Fix.Edits) != 1 {
		t.Fatalf("%+v", got)
	}
	if text := got[0].Fix.Edits[0].Text; strings.Contains(text, "userdel") || !strings.Contains(text, "useradd") {
		t.Errorf("fix %q", text)
	}
}

// TestCR101DevcontainerCompose: a Dockerfile a Docker Compose Dev
// Container builds runs its sessions, with no USER of its own or with
// `USER root` (the container's user), as the remoteUser of its base's
// devcontainer.metadata label: only the native integration runs Compose,
// and it applies that label. A direct Dockerfile config (envbuilder
// ignores the label) and one on a base without the label keep the
// finding.
func TestCR101DevcontainerCompose(t *testing.T) {
	compose := withDevcontainer(`{"dockerComposeFile": "docker-compose.yml", "service": "app"}`)
	direct := withDevcontainer(`{"build": {"dockerfile": "Dockerfile"}}`)
	runRuleCases(t, "CR101", []ruleCase{
		{"compose on a Dev Containers image", "FROM mcr.microsoft.com/devcontainers/python:3.12\nRUN apt-get update\n", compose, nil},
		{"direct on a Dev Containers image", "FROM mcr.microsoft.com/devcontainers/python:3.12\nRUN apt-get update\n", direct, []want{{line: 1}}},
		{"compose ending as root", "FROM mcr.microsoft.com/devcontainers/python:3.12\nUSER root\n", compose, nil},
		{"direct ending as root", "FROM mcr.microsoft.com/devcontainers/python:3.12\nUSER root\n", direct, []want{{line: 2}}},
		{"compose on an image without the label", "FROM python:3.12\nRUN pip install x\n", compose, []want{{line: 1}}},
	})
}

// TestUserVariables: a USER that names its user through a variable is
// expanded as the builder does (ARG default, ENV, a build argument the
// build is given), so the rules see that user; one that stays unknown is
// not judged.
func TestUserVariables(t *testing.T) {
	runRuleCases(t, "CR115", []ruleCase{
		{"USER ${USERNAME} from ENV", "FROM ubuntu:24.04\nENV USERNAME=noel\nRUN useradd -m $USERNAME\nUSER ${USERNAME}\nRUN curl -sSf https://sh.rustup.rs | sh -s -- -y\n", nil, []want{{line: 5}}},
		{"USER of a variable never set", "FROM ubuntu:24.04\nRUN useradd -m noel\nUSER ${USERNAME}\nRUN curl -sSf https://sh.rustup.rs | sh -s -- -y\n", nil, nil},
		{"a global ARG brought into the stage", "ARG NB_USER=jovyan\nFROM ubuntu:24.04\nARG NB_USER\nRUN useradd -m ${NB_USER}\nUSER ${NB_USER}\nRUN curl -sSf https://sh.rustup.rs | sh -s -- -y\n", nil, []want{{line: 6}}},
		{"a global ARG not brought in", "ARG NB_USER=jovyan\nFROM ubuntu:24.04\nRUN useradd -m jovyan\nUSER ${NB_USER}\nRUN curl -sSf https://sh.rustup.rs | sh -s -- -y\n", nil, nil},
	})
	runRuleCases(t, "CR101", []ruleCase{
		{"USER from an ARG that is root", "FROM ubuntu:24.04\nARG U=root\nUSER $U\n", nil, []want{{line: 3}}},
		{"a build argument wins over the default", "FROM ubuntu:24.04\nRUN useradd -m dev\nARG U=root\nUSER $U\n", func(in *DockerfileInput) { in.BuildArgs = map[string]string{"U": "dev"} }, nil},
		{"a user not known from the file", "FROM ubuntu:24.04\nARG U\nUSER $U\n", nil, nil},
	})
	got := checkRule(t, "CR101", "FROM ubuntu:24.04\nARG U=root\nUSER $U\n", nil)
	if len(got) != 1 || !strings.Contains(got[0].Message, "the last USER is `$U`, which is `root`") {
		t.Errorf("message: %+v", got)
	}
}
