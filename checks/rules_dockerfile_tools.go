package checks

import (
	"cmp"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/coderready/coderready/dockerfile"
)

// Dockerfile rules about what the image contains and how it starts:
// CR104, CR105, CR106, CR107, CR112.

func init() {
	Register(&Rule{
		ID:       "CR104",
		Title:    "No download tool for the Coder agent",
		Severity: SeverityInfo,
		Family:   FamilyDockerfile,
		What: "No instruction of the final stage (or the stages it builds on) installs `curl`, `wget` or " +
			"`busybox`, and the base image is known to have none (debian, ubuntu). " +
			"Unknown bases are not judged here, nor is a Dockerfile that runs a script whose commands it does not " +
			"show (`bash /tmp/library-scripts/common-debian.sh`, `curl … | sh`) or installs packages named by a " +
			"variable: what they install is not known, not missing. A download tool the build installs (or the base has) " +
			"and a later `apt-get remove`/`purge`, `apk del` or `dnf remove` takes away again, leaving none, is reported " +
			"on that removal; so is the Docker Official images' idiom that marks everything auto (`apt-mark auto '.*'`), marks the list it saved with `apt-mark showmanual` manual again and purges the rest with `--auto-remove`, for a tool the same RUN installed and no `apt-mark manual` keeps by name. CR301 settles it on the built image. The Dockerfile a devcontainer.json builds (not through " +
			"Docker Compose), where envbuilder may build it, is a workspace image for certain and envbuilder runs the bootstrap " +
			"in it: there the finding is a warning (config `devcontainer.builder: native` leaves it a note: the native " +
			"integration puts the agent in the Dev Container itself).",
		Why: "Coder starts a workspace by running its bootstrap script, which downloads the agent with " +
			"`curl`, else `wget`, else `busybox wget`, and exits with \"no download tool found\" when there is " +
			"none: the workspace never connects." + cite("seed", "bootstrap"),
		HowToFix: "Install curl (with ca-certificates for HTTPS) using the base's package manager; the fix adds " +
			"it to the final stage's existing install line when there is one.",
		Sources:    []string{"seed", "bootstrap"},
		Dockerfile: checkCR104,
	})
	Register(&Rule{
		ID:       "CR105",
		Title:    "No git",
		Severity: SeverityInfo,
		Family:   FamilyDockerfile,
		What: "No instruction of the final stage (or the stages it builds on) installs `git`, and the base " +
			"image is known not to have it. A Dockerfile that runs a script whose commands it does not show " +
			"(a copied-in `library-scripts/common-debian.sh`, `curl … | sh`) or installs packages named by a " +
			"variable is not judged: git is then unknown, not missing. CR305 settles it on the built image.",
		Why:        "Coder recommends `git` in every workspace image so developers can clone their repositories." + cite("seed"),
		HowToFix:   "Install git with the base's package manager; the fix adds it to the existing install line when there is one.",
		Sources:    []string{"seed"},
		Dockerfile: checkCR105,
	})
	Register(&Rule{
		ID:       "CR106",
		Title:    "ENTRYPOINT or service CMD will not run",
		Severity: SeverityWarning,
		Family:   FamilyDockerfile,
		What: "The final image sets an `ENTRYPOINT` (one that is a language's runtime or a project runner, `[\"python\"]` with " +
			"`CMD [\"app.py\"]`, is reported for the program it starts, which is not running), or a `CMD` that starts services (`dockerd`, `sshd`, " +
			"`systemd`/`init`, `supervisord`, `service … start`, a desktop's `Xvfb`, `x11vnc` or `websockify`, a web terminal's `ttyd`, PHP's `php-fpm`, …), itself or through a script copied in from the " +
			"build context that does (`CMD [\"/start.sh\"]` where start.sh runs `service ssh start`; a script copied from " +
			"a folder path the Dockerfile's own folder lacks, `COPY ${SRC}/run.sh ./`, is read from the repository, the " +
			"context such a Dockerfile is built with, or from the nearest folder above it that has every path the Dockerfile " +
			"copies, `COPY alpine-entrypoint/entrypoint.sh /` in `tests/dockerfiles/alpine-entrypoint/`); also, as inferred " +
			"findings, a CMD of options only (`CMD [\"--tail-log\"]`) for an ENTRYPOINT the base image sets (not a shell's `-c` and its " +
			"script, `CMD [\"-c\", \"kustomize build …\"]`, for a base whose ENTRYPOINT only starts a shell), and program " +
			"configs copied into `/etc/supervisor/conf.d` or `/etc/supervisord.d` for a supervisord the image's own command " +
			"starts, or scripts and services copied into s6-overlay's `/etc/cont-init.d`, `/etc/services.d` or " +
			"`/etc/s6-overlay/s6-rc.d` (linuxserver.io images) for its `/init`, or boot scripts and services copied into runit's `/etc/runit/1.d`, `/etc/my_init.d` or `/etc/service` (Discourse's `/sbin/boot`, phusion/baseimage's `/sbin/my_init`), or hooks copied into Jupyter Docker Stacks' " +
			"`/usr/local/bin/start-notebook.d` or `before-notebook.d`, which only their `start.sh` entrypoint runs, a Kasm " +
			"image's `/dockerstartup/custom_startup.sh` (its `vnc_startup.sh` runs it), or Cloud Workstations' " +
			"`/etc/workstation-startup.d` scripts. An " +
			"ENTRYPOINT script copied in from the build " +
			"context that runs the agent's init script itself (it reads `CODER_INIT_SCRIPT…`, `CODER_AGENT_URL` or " +
			"`CODER_AGENT_TOKEN`, or runs `coder agent`) is not reported: the image is made for a template that keeps " +
			"the entrypoint and hands it the script, as Coder's Railway template does; nor is one that only prints, tests " +
			"and runs its arguments (`echo \"deprecated\" >&2; exec \"$@\"`, also kept in a variable first: `cmd=\"$*\"; exec $cmd`, or with its tool put before them when the first is one of the tool's commands: `if wp help \"$1\" > /dev/null 2>&1; then set -- wp \"$@\"; fi`, or an option or a subcommand: `exec deno \"$@\"`; its own variables, which `exec` does not hand on unless exported, count as printing, as do its own output descriptors, `exec 3>&1`; also from its own functions, with pauses, counters and a `trap` that prints after its arguments ran; a `cd` to start in, and a login shell when it has no arguments: `exec /bin/sh -l`), or that only adds the running UID to /etc/passwd when it is missing (OpenShift's arbitrary-UID fix, `if ! grep -q \"$(id -u)\" /etc/passwd; then … > /etc/passwd; fi`): it sets nothing up; nor one whose script the final stage has every shell read again (`echo \"source /entrypoint.sh\" >> ~/.bashrc`, `/etc/bash.bashrc`, `/etc/profile.d`): what it sets up happens in the workspace's shells. An image with no shell (`scratch`, " +
			"distroless but its `:debug` tags, Chainguard's `cgr.dev/chainguard/…` but their `-dev` tags, .NET's chiseled and distroless tags) is not judged, unless a stage copies a distribution's whole root into it (`COPY --from=rootfs-stage /root-out/ /`): it cannot be a workspace. " +
			"Nor is an ENTRYPOINT that only keeps the container open (`sleep infinity`, `tail -f /dev/null`, also after an `echo` in shell form or behind a minimal init, `[\"tini\", \"--\", \"sleep\", \"infinity\"]`, or a script whose loop only sleeps: `while true; do sleep 1000; done`), or only starts a shell (`[\"/bin/bash\"]`, `bash -l`, `[\"/bin/bash\", \"-i\", \"-c\"]`, which runs CMD, also told to read the system profile: `--rcfile /etc/profile`, or `[\"/usr/bin/env\"]` alone) or a minimal init with nothing " +
			"to wrap but the command (`[\"tini\", \"--\"]`, `dumb-init --`) or a shell alone (`[\"/sbin/tini\", \"-g\", \"sh\"]`), or the command-line tool the image packages, " +
			"run with the container's arguments (`[\"mise\"]`, `[\"/usr/local/bin/terraform\"]`, or in shell form as a plain word, `ENTRYPOINT cmus`), also behind a minimal init (`[\"dumb-init\", \"/usr/bin/learn-ocaml-client\"]`) or as a Python module's command line (`[\"python\", \"-m\", \"twine\"]`), also with its own `run` subcommand (`[\"cypress\", \"run\"]`; " +
			"a project runner's, `npm run dev`, `cargo run`, `flask run`, starts the project's code and is judged): they set nothing up. " +
			"A script is read where the final stage copies it in from the build context, also through another stage of the Dockerfile that copied the context in (`ADD . .` in a builder, then `COPY --from=builder /root/app/docker/entrypoint.sh /usr/bin/`); one that cannot be read (a base image's, or one copied from outside the checkout) is reported without a claim of what it does, and a program an earlier stage builds (`COPY --from=builder /workspace/mr-storage-initializer .`) as the program that is not running. A program is still reported when it is a script (by its name, `entrypoint.sh`, or a build-context file starting with `#!` whose name does not say so, unless the image's CMD only asks that one for its help or version: `CMD [\"--help\"]`, or it runs in a language's runtime, `#!/usr/bin/env python3`, and is named as the image its Dockerfile's folder names: `koparse/Dockerfile`'s `/usr/local/bin/koparse`), " +
			"an interpreter running a script, a user switcher (`gosu`), a known service (also a server module: `python -m http.server`), or is started to serve (`--port`, `serve`). " +
			"A Dockerfile a Docker Compose Dev Container builds is not judged (its service's command runs unless `overrideCommand` is " +
			"true, and envbuilder cannot build it), nor one that only the other services of a Dev Container's Compose files build (a desktop in `runServices` beside the workspace, also in a Dev Container Template's source): Compose runs them with their own command. An ENTRYPOINT that a Coder template of the repository keeps (its Terraform `entrypoint = [\"/usr/local/bin/entrypoint.sh\", " +
			"\"sh\", \"-c\", …init_script]`) is not reported either: that template runs it. Nor is any ENTRYPOINT of a repository " +
			"whose Coder template runs its Docker container with the image's own entrypoint and command and hands the agent's init " +
			"script over in the environment (`CODER_INIT_SCRIPT_BASE64=${base64encode(coder_agent.main.init_script)}`): its images start the agent themselves.",
		Why: "Coder's templates replace the container's command with `sh -c <agent init script>`: the image's " +
			"ENTRYPOINT and CMD never run, so whatever they set up (daemons, environment, files) is missing in " +
			"the workspace." + cite("templates"),
		HowToFix: "Do the setup at build time (`RUN`), or start the service from the template's startup " +
			"script (`coder_script` / `startup_script`), e.g. `sudo dockerd &`.",
		Sources:    []string{"templates"},
		Dockerfile: checkCR106,
	})
	Register(&Rule{
		ID:       "CR107",
		Title:    "HTTPS tools without ca-certificates",
		Severity: SeverityWarning,
		Family:   FamilyDockerfile,
		What: "`curl`, `wget` or `git` is installed with `--no-install-recommends` (or another option that skips " +
			"weak dependencies), `ca-certificates` is installed nowhere in the stage, and the base image is " +
			"known to lack it. A package that depends on ca-certificates installs it too (`python3-pip`, " +
			"`python3-requests`, `nodejs`, `npm`, `software-properties-common`, the OpenJDK runtimes through " +
			"`ca-certificates-java`, ROS's `python3-rosdep`, `libwww-perl` and `devscripts` through it, Debian's `azure-cli`), so does an apt install of `curl`, `wget` or `git` that keeps their recommends, and a stage that runs a script the Dockerfile does not show, or installs " +
			"packages named by a variable, may install it: neither is reported. Only the final image's chain is judged, " +
			"as one: a stage after the one that installs curl installing ca-certificates gives the image the bundle, and a " +
			"builder stage only copied from is not the workspace.",
		Why: "Without a CA bundle every HTTPS download fails with a certificate error — the agent download of " +
			"the bootstrap script (`curl -fsSL https://…`) included. `ca-certificates` is only a recommended " +
			"package of curl, wget and git on Debian and Ubuntu." + cite("bootstrap", "ca"),
		HowToFix:   "Add `ca-certificates` to the same install line.",
		Sources:    []string{"bootstrap", "ca"},
		Dockerfile: checkCR107,
	})
	Register(&Rule{
		ID:       "CR112",
		Title:    "Architecture hard-coded in a download",
		Severity: SeverityWarning,
		Family:   FamilyDockerfile,
		What: "A URL or path in `RUN`, or a URL or local archive in `ADD` (`ADD oss-cad-suite-linux-x64-*.tgz /opt`, which ADD unpacks), names an architecture (`linux-amd64`, `x86_64`, `_amd64.deb`, " +
			"`-arm64`, …), or rustup is told the toolchain's host (`--default-host x86_64-unknown-linux-gnu`; a " +
			"cross-compile `--target` is not reported), or an `ENV` or `ARG` value names one and the image keeps it or a later download uses it: " +
			"an `ENV` path (`ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64`), or a value (`ARG ARCH=amd64`, also one set before the first `FROM` that the stage declares again with `ARG ARCH`; a file " +
			"name, a URL) that a later RUN's URL or path (one the RUN always runs, not under an `if`, a `case` branch or `||`), an ADD, or another ENV/ARG path is built from, or that a RUN tests to pick its downloads and that nothing else decides (`ARG arch=amd64` with `case $arch in \"amd64\") … \"arm64\") …`: every build takes the same branch). A default set before the first `FROM` is reported once, where the first stage uses it. A shell variable a RUN sets " +
			"(`export T=go1.22.linux-amd64.tar.gz`, `ARCH=amd64;`) is reported where it is set when a later URL or path of " +
			"the same RUN uses it, unless the RUN sets it to another architecture too (one per condition). A script a RUN of the final image " +
			"runs that the Dockerfile copies in from the build context (`COPY ci /opt/ci`, then `RUN cd /opt/ci && bash install_bazelisk.sh`) " +
			"is read as well: when every download it runs whatever happens (`curl`, `wget`, or an alias for them; not under its own `if`, `case`, loop or " +
			"function, nor with its failure ignored; its URL read through the variables the script sets, where every value one gets names the same architecture) that names an architecture names the same one (working the architecture out for its other downloads does not change that one), and the " +
			"script does not work the architecture out and `exit` somewhere (it may stop on the others), it is reported once, on the command that runs it (a script run under a condition, or " +
			"named through a variable, is not read). A download whose name says " +
			"no architecture but that is known to be the x86_64 build is reported too: tini's release asset `tini` (`tini-arm64` " +
			"is the other), `ninja-linux.zip`, `openshift-client-linux.tar.gz`, NGC's `ngccli_linux.zip`, Solidity's `solc-static-linux` (`solc-static-linux-arm` since 0.8.31), AWS's Session Manager plugin from `ubuntu_64bit/` or `linux_64bit/` (`ubuntu_arm64/` is the other), the Android NDK's `android-ndk-r25-linux.zip` (no Linux build for arm64), the Flutter SDK's `flutter_linux_3.24.0-stable.tar.xz` (none for arm64, where Flutter is cloned), AzCopy's `aka.ms/downloadazcopy-v10-linux` (`-arm64` is the other), Swift's `swift-5.8-RELEASE-ubuntu22.04.tar.gz` (`…-aarch64.tar.gz` is the other). A cross toolchain's " +
			"program named for its target (`aarch64-none-elf-gcc`, `x86_64-w64-mingw32-g++`) is not reported; one named with its host first (Linaro's `gcc-linaro-7.5.0-2019.12-x86_64_aarch64-linux-gnu.tar.xz`, Arm's `…-x86_64-aarch64-none-linux-gnu.tar.xz`) is reported for its host, where its programs run, and the folder it unpacks to (`ENV CC_DIR=/opt/gcc-linaro-…-x86_64_aarch64-linux-gnu`) is the same finding. The root file system a cross build compiles against (`ARG ROOTFS_DIR=/crossrootfs/arm64`, a `SYSROOT`) is the target's, the same on every host, and is not reported, nor is an archive unpacked into another architecture's root file system (`tar xf go1.4.2.linux-arm….tar.gz -C /arm/root/`, the disk a QEMU guest boots). A RUN that works " +
			"the architecture out (`${TARGETARCH}`, `$(dpkg --print-architecture)`, `$(uname -m)`, a test of a variable against an " +
			"architecture's name: `if [ \"$ARCH\" = \"x86_64\" ]`) picks its downloads by it and is not reported, but for a URL it fetches " +
			"whatever the build decides (not under an `if`, a `case` branch, `||` or a test's `&&`) that names an architecture itself " +
			"(`walter_…_linux_amd64` beside other downloads by `${TARGETARCH}`); nor is a download named for another OS (`_darwin_amd64`, a Windows target triple: `x86_64-unknown-mingw32`, or a BSD's: `x86_64-unknown-freebsd12`), " +
			"nor an Azure Functions extension bundle (`Microsoft.Azure.Functions.ExtensionBundle.4.2.0_linux-x64.zip`: .NET assemblies that run on ARM too, which Microsoft's arm32v7 images ship), " +
			"nor a path of a command whose failure the RUN ignores (`strip … /usr/lib/x86_64-linux-gnu/… || true`) or that `rm -f` removes (a path the machine lacks is skipped), nor a path a test asks for or one used only when a test found a path of that architecture (`if [ -f /usr/lib/x86_64-linux-gnu/libgmt.so.6 ]; then ln -sf …`), nor " +
			"are defaults of BuildKit's platform ARGs, nor a stage built for one fixed platform (`FROM --platform=linux/amd64`) " +
			"that names its own architecture. A Dockerfile kept per architecture is built for one too: its name says which " +
			"(`Dockerfile.aarch64`), or a folder on its path (`…/arm64v8/Dockerfile`, `…/arm/`, which is ARM of either width, `UbuntuARM/`, or a name ending in one after a separator: `cross-linux-x64/`, `rsm-msba-arm/`, and `-intel/` for amd64), or a folder on its " +
			"path beside its ARM twin (`Ubuntu/` beside `UbuntuARM/` is the amd64 one), or a folder on its path named with an architecture first beside folders named with another (`aarch64-rocky9-gcc-13.3/` beside `x86_64-rocky9-gcc-13.3/`), or a base's tag (`…:arm64v8-noble`, " +
			"`…:10.0-noble-amd64`) or namespace (`arm64v8/ubuntu`), or a Jetson (L4T) base, which is arm64; a file named for ARM machines (`Dockerfile.ci_arm`) is the " +
			"arm64 one; a file beside the same name with another architecture added (`Dockerfile` and `Dockerfile.aarch64`, " +
			"`ubuntu-24.04.Dockerfile` and `ubuntu-24.04-aarch64.Dockerfile`, `development.Dockerfile` and `development-arm.Dockerfile`) is the amd64 one; and a `docker-bake.hcl` (or a Garden build action's `garden.yml`) beside it that builds every " +
			"target for one platform (`platforms = [\"linux/amd64\"]`) makes it that one, as does a target of a bake file in JSON, wherever it is, that builds " +
			"it for one (rocker's `bakefiles/4.5.3.docker-bake.json`), or a build command that names it with one " +
			"platform (`buildx build --platform=linux/amd64 --file 3.12/browsers/Dockerfile`, or `--platform $(PLATFORM)` with the Makefile's `PLATFORM ?= linux/x86_64`, also `-f \"$dockerfile\"` in a loop over the repository's Dockerfiles, or `docker buildx bake -f docker-compose.dotnet.yml --set \"*.platform=linux/amd64\"` for the files it names, or a build program's command put together from strings: `\"docker build --platform linux/amd64 \"`, then `\"-f \" + f\"{self.working_dir}/dockerfiles/{self.name}/Dockerfile\"`) or a workflow step that does (its `file:` or " +
			"`context:` with `platforms:`, also through a reusable workflow's inputs, per matrix entry, and `${{ github.workflow }}` as the workflow's `name:`), the same file in another release's " +
			"folder that a command builds for one platform where none names this one (a generated script that builds only `2026.03/ndk/Dockerfile` " +
			"built `2023.02/ndk/Dockerfile` alike), the one `DOCKER_DEFAULT_PLATFORM` a Makefile the build uses exports, a Compose service's `platform` (its " +
			"`${PLATFORM}` read from the project's `.env`), a folder beside it for ARM that holds a file of its name (`hass/Dockerfile` " +
			"beside `hass/arm/Dockerfile` is the amd64 one), or a RUN that stops the build on " +
			"ARM (`case ${TARGETPLATFORM} in \"linux/arm64\") exit 1`) in any stage that build runs, one it copies from too. Only the stages a build of the final stage runs are " +
			"judged (its chain and the stages it copies from); in a stage it only copies from, a download saved where no later " +
			"command runs it and no COPY --from takes it (a builder's `grpc_health_probe` the final `scratch` stage leaves behind) " +
			"is not reported. An `ARG` whose value the repository's " +
			"build files pass to a Dockerfile built on its own (a Compose `args:` entry, a bake `args` block, `--build-arg`) " +
			"is a fallback and not reported, unless they pass a literal architecture; so is a Home Assistant add-on's `BUILD_ARCH` (a `build.yaml` with `build_from:` beside it), which the builder passes for each architecture. " +
			"An apt source a RUN writes for one architecture (`deb [arch=amd64 signed-by=…] https://…`) is reported too: " +
			"on another platform apt skips it. So is one on Ubuntu's primary or security mirror without an `arch=` option " +
			"(`deb http://security.ubuntu.com/ubuntu bionic-security main`): those hosts serve amd64 and i386 only, so on arm64 " +
			"`apt-get update` fails on it (other architectures are on ports.ubuntu.com/ubuntu-ports). So is a source whose URL is " +
			"one architecture's folder of packages (`deb https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2004/x86_64 /`): " +
			"on another platform apt finds nothing it can install there. " +
			"An `LD_PRELOAD` of another architecture's library is a note: ld.so skips it, with an error on every program. " +
			"Search paths (`PATH`, `LD_LIBRARY_PATH`, a `:` list), i386 multilib folders and folders the build makes itself " +
			"(`mkdir -p ${JAVA_HOME}`) are not reported: a missing one is skipped, not broken. Nor is a repository's signing key " +
			"fetched from an architecture's folder (`…/x86_64/3bf863cc.pub`, `…/x86_64/os/RPM-GPG-KEY-AlmaLinux-10`, or an apt pin file, `cuda-ubuntu2204.pin`): the key is the same for all; nor a package built for every architecture " +
			"fetched from one's folder (`…/x86_64/Packages/centos-release-scl-2-3.el7.centos.noarch.rpm`, `…_all.deb`), a distribution's " +
			"repository setup package included (its repository file names `$basearch`), but NVIDIA's `cuda-repo-…` is reported: its " +
			"repository file names the folder it came from; nor a package manager's `--setopt=repo.<id>…`, whose id is made from the URL that adds the repository. conda's `linux-64`, `Linux-64bit` (s5cmd's) and `Linux_64-bit` (vale's) count as x86_64. A download is reported once, " +
			"where it is first named: the later words of the stage that name its file or the folder it unpacks to (in the " +
			"same RUN, any later path naming the same architecture: `mv /tmp/vscode-reh-web-*linux-x64 …`; in a later RUN, a path under a folder named like the download's program: `…/nsight-systems/…/target-linux-x64/nsys`; the file and folder of a URL an ENV or ARG holds, which is reported where it is set) are " +
			"part of that finding's fix, and a local output name (`curl -o x_amd64.zip`, `wget -O …`) is not a finding.",
		Why: "Coder runs agents on linux amd64, arm64 and armv7; an image that downloads amd64 binaries builds " +
			"for arm64 hosts (Graviton, Apple silicon) but its tools fail with `exec format error`, and a path " +
			"such as `JAVA_HOME=…-amd64` does not exist there." + cite("bootstrap"),
		HowToFix: "Declare `ARG TARGETARCH` in the stage and use `${TARGETARCH}` (amd64, arm64) in the URL, path or " +
			"value (`ARG ARCH=${TARGETARCH}`); for names that use x86_64/aarch64 use `$(uname -m)` in the RUN.",
		Sources:    []string{"bootstrap"},
		Dockerfile: checkCR112,
	})
}

// downloaders are the packages that provide a download tool the bootstrap
// script can use.
var downloaders = []string{"curl", "curl-minimal", "wget", "wget2", "busybox", "busybox-static"}

// toolFinding builds CR104/CR105's finding: the final stage lacks a tool
// the base does not have either.
func toolFinding(v *dfView, msg, what string, pkgs ...string) []Finding {
	final := v.final
	b := v.facts(final)
	if !b.CACerts && !v.installsCA(final) && b.Manager != PMApk {
		pkgs = append(pkgs, "ca-certificates")
	}
	return []Finding{{
		Message:  msg,
		Location: v.instLoc(final.From),
		Fix:      v.installFix(final, what, pkgs...),
		// Only the table knows the base lacks it (with the image read,
		// CR301/CR305 judge the facts instead).
		Evidence: b.Evidence(),
	}}
}

// checkCR104 reports a final image with no download tool for the agent.
func checkCR104(in *DockerfileInput) []Finding {
	out := cr104(in)
	// The Dockerfile of a Dev Container envbuilder may build is a
	// workspace image for certain, and envbuilder runs the agent's
	// bootstrap in it: a warning, not a note.
	if dc := in.Devcontainer; dc != nil && !dc.Has("/dockerComposeFile") && in.Config.builder() != ConfigBuilderNative {
		for i := range out {
			out[i].Severity = SeverityWarning
			out[i].Message += "; envbuilder runs the agent's bootstrap script in this Dev Container, so the workspace never connects"
		}
	}
	return out
}

// cr104 is CR104's finding at its default severity.
func cr104(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	b := v.facts(v.final)
	// With the base image read, CR301 judges the same thing on real facts.
	// An image on scratch cannot be a workspace (see CR101).
	if !b.Known || b.Source == "image" || strings.EqualFold(b.Ref, "scratch") || featuresMayInstall(in) || v.installsUnknown(v.final) {
		return nil
	}
	if c, tools, ok := v.downloadersRemoved(v.final, b); ok {
		// `apt-get remove --auto-remove wget` after the build used it.
		return []Finding{{
			Message: fmt.Sprintf("`%s` removes %s, the last download tool the image had (`%s` has none of its own): "+
				"the Coder agent cannot be downloaded", path.Base(c.Name)+" "+strings.Join(c.Args, " "), quoteList(tools), b.Ref),
			Location: v.spanLoc(c.Span),
			Fix:      &Fix{Description: "keep " + quoteList(tools) + ": leave it out of the removal"},
			Evidence: b.Evidence(),
		}}
	}
	if b.HasDownloader() || v.installs(v.final, downloaders...) {
		return nil
	}
	return toolFinding(v, fmt.Sprintf("nothing installs curl, wget or busybox and `%s` has none: the Coder agent cannot be downloaded", b.Ref),
		"install curl", "curl")
}

// downloadersRemoved returns the command that removes the last download
// tool the chain of s had (from its base or an install), with the tools it
// removes, when none is left after it: the base has no other, and nothing
// installs one again.
func (v *dfView) downloadersRemoved(s *dockerfile.Stage, b BaseFacts) (dockerfile.Command, []string, bool) {
	have := map[string]bool{}
	for _, d := range downloaders {
		if b.Has(d) {
			have[d] = true
		}
	}
	var last dockerfile.Command
	var gone []string
	for _, in := range v.instructions(s) {
		if in.Cmd != "run" {
			continue
		}
		cmds, _ := in.Commands()
		// The Docker Official images' idiom: what this RUN installs is
		// marked auto (`apt-mark auto '.*'`), what it keeps is marked
		// manual again by name, and `apt-get purge --auto-remove` takes
		// the rest away.
		var here []string
		autoMarked := false
		// What it had before the RUN is in the list `apt-mark
		// showmanual` saved, which the idiom marks manual again.
		kept := map[string]bool{}
		for p := range have {
			kept[p] = true
		}
		saved := strings.Contains(v.f.Text(in.StartLine, in.EndLine), "showmanual")
		for _, c := range cmds {
			if inst, ok := dockerfile.InstallOf(c); ok {
				for _, p := range inst.Packages {
					if slices.Contains(downloaders, p) {
						have[p], gone = true, nil
						here = append(here, p)
					}
				}
				continue
			}
			if path.Base(c.Name) == "apt-mark" && len(c.Args) > 1 {
				switch c.Args[0] {
				case "auto":
					autoMarked = autoMarked || slices.Contains(c.Args[1:], ".*")
				case "manual":
					for i, a := range c.Args[1:] {
						switch {
						case i+1 < len(c.Literal) && c.Literal[i+1]:
							kept[a] = true
						case !saved:
							kept["*"] = true // a list the shell works out
						}
					}
				}
				continue
			}
			r, ok := dockerfile.RemovalOf(c)
			if !ok || r.Unknown {
				continue
			}
			removed := autoRemoved(c, r, autoMarked, here, kept, have)
			for _, p := range r.Packages {
				if have[p] {
					delete(have, p)
					removed = append(removed, p)
				}
			}
			if len(removed) > 0 {
				last, gone = c, removed
			}
		}
	}
	return last, gone, len(gone) > 0 && len(have) == 0
}

// autoRemoved is what an `apt-get purge --auto-remove` (or `autoremove`)
// after `apt-mark auto '.*'` removes of the download tools the same RUN
// installed: those no literal `apt-mark manual` keeps (kept["*"]: one
// kept a list the shell works out, and which is not known). They leave
// have.
func autoRemoved(c dockerfile.Command, r dockerfile.Install, autoMarked bool, here []string, kept, have map[string]bool) []string {
	auto := slices.Contains(c.Args, "autoremove") || slices.Contains(c.Args, "--auto-remove") || slices.Contains(c.Args, "--autoremove")
	if !autoMarked || !auto || r.Manager != "apt" || kept["*"] {
		return nil
	}
	var out []string
	for _, p := range here {
		if have[p] && !kept[p] {
			delete(have, p)
			out = append(out, p)
		}
	}
	return out
}

// featuresMayInstall reports whether the Dockerfile is built for a
// devcontainer whose features run after it: features such as common-utils
// and git install tools, so a missing tool is settled on the built image.
func featuresMayInstall(in *DockerfileInput) bool {
	return in.Devcontainer != nil && len(in.Devcontainer.Features()) > 0
}

// checkCR105 reports a final image without git.
func checkCR105(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	b := v.facts(v.final)
	if !b.Known || b.Source == "image" || strings.EqualFold(b.Ref, "scratch") || b.Has("git") || v.installs(v.final, "git", "git-core", "git-all") || featuresMayInstall(in) ||
		v.installsUnknown(v.final) {
		return nil
	}
	return toolFinding(v, fmt.Sprintf("nothing installs git and `%s` does not have it", b.Ref), "install git", "git")
}

// services are programs that start long-running services.
var services = []string{"dockerd", "containerd", "sshd", "systemd", "init", "supervisord", "service", "systemctl",
	"nginx", "httpd", "apachectl", "apache2ctl", "mysqld", "mysqld_safe", "postgres", "pg_ctl", "redis-server",
	"cron", "crond", "rsyslogd", "dbus-daemon", "code-server",
	// PHP's FastCGI daemon (`php-fpm`, Debian's `php-fpm8.2`).
	"php-fpm",
	// A desktop or terminal served over the network: the X server, VNC
	// and its web proxy, a web terminal.
	"Xvfb", "Xvnc", "x11vnc", "vncserver", "websockify", "ttyd"}

// startsService returns the first command of in that starts a service.
func startsService(in *dockerfile.Instruction) (dockerfile.Command, bool) {
	cmds, _ := in.Commands()
	for _, c := range cmds {
		name := path.Base(c.Name)
		if strings.HasPrefix(name, "php-fpm") {
			name = "php-fpm"
		}
		if !slices.Contains(services, name) {
			continue
		}
		if (name == "service" || name == "systemctl") && !slices.Contains(c.Args, "start") && !slices.Contains(c.Args, "restart") {
			continue
		}
		// A configuration test or a version query (`nginx -t`, `sshd -t`,
		// `apachectl configtest`, `nginx -v`) checks and exits: no service.
		if slices.ContainsFunc(c.Args, func(a string) bool { return slices.Contains(serviceChecks, a) }) {
			continue
		}
		return c, true
	}
	return dockerfile.Command{}, false
}

// serviceChecks are a service program's arguments that check its
// configuration or print its version and exit.
var serviceChecks = []string{"-t", "-T", "--test", "configtest", "-v", "-V", "--version", "-h", "--help"}

// checkCR106 reports an ENTRYPOINT, or a CMD that starts services, in the
// final image.
func checkCR106(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	// An image with no shell (scratch, distroless but its :debug tags)
	// cannot be a workspace: a template's `sh -c` has nothing to run.
	if shellless(v.rootRef(v.final)) && !v.copiesWholeRoot(v.final) {
		return nil
	}
	// A Docker Compose Dev Container keeps its service's command unless
	// `overrideCommand` is true (the spec's default for Compose is false),
	// and envbuilder cannot build one (CR202): nothing replaces it.
	if dc := in.Devcontainer; dc != nil && dc.Has("/dockerComposeFile") && !dc.Bool("/overrideCommand") || in.ComposeSidecar != "" {
		return nil
	}
	entry, cmd := v.finalCommand()
	var out []Finding
	fix := &Fix{Description: "do the setup in a RUN at build time, or start it from the template's startup script (coder_script)"}
	// `ENTRYPOINT []` resets the entrypoint. An entrypoint script that
	// runs the agent's init script itself is made for a template that
	// keeps the entrypoint and hands it the script.
	ep, epRead := v.entrypointScript()
	if entry != nil && (!entry.JSON || len(entry.Args) > 0) && !ep.StartsAgent && !ep.PassThrough && !bareEntrypoint(entry) &&
		!v.programEntrypoint(entry, cmd) && !v.templateKeeps(entry) && !v.inlinePassThrough(entry) && !v.sourcedByShells(entry) {
		msg := "ENTRYPOINT does not run in a Coder workspace: the templates replace the container's command " +
			"with the agent's init script, so what it sets up never happens"
		// An interpreter or a project runner (`["python"]` with `CMD
		// ["app.py"]`, `["streamlit"]` with `CMD ["run", "chat.py"]`)
		// sets nothing up: what is lost is the program it starts.
		if w := commandWords(entry); entry.JSON && len(w) > 0 && (languageRuntime(path.Base(w[0])) || slices.Contains(projectRunners, path.Base(w[0])) ||
			slices.Contains(appServers, path.Base(w[0]))) {
			run := strings.Join(w, " ")
			if cmd != nil && len(commandWords(cmd)) > 0 {
				run += " " + strings.Join(commandWords(cmd), " ")
			}
			msg = fmt.Sprintf("ENTRYPOINT does not run in a Coder workspace: the templates replace the container's command "+
				"with the agent's init script, so `%s` is not running", clip(run, 80))
		}
		// A service daemon (`["/usr/bin/supervisord", "-c", …]`) is no
		// script: what is lost is the service.
		svc, isService := startsService(entry)
		if isService {
			msg = fmt.Sprintf("ENTRYPOINT starts `%s`, but Coder's templates replace the container's command with the agent's "+
				"init script: the service will not be running", path.Base(svc.Name))
		}
		fd := Finding{Message: msg, Location: v.instLoc(entry), Fix: fix}
		// A script that could not be read (the base image's, or one
		// copied from outside the checkout): that it does not run is
		// the file's fact, what it would do is not known. Dev
		// Containers features' scripts are.
		if prog := entrypointProgram(entry); !isService && !epRead && v.in.Context != nil && setupName.MatchString(path.Base(prog)) &&
			!languageRuntime(path.Base(prog)) && !knownFeatureScript(prog) && !v.writtenByRun(prog) {
			fd.Message = fmt.Sprintf("ENTRYPOINT does not run in a Coder workspace: the templates replace the container's command "+
				"with the agent's init script, so whatever `%s` sets up never happens (the script could not be read, so what it does is not known)", prog)
			// A program another stage of this file builds (a Go binary
			// copied `--from=builder`) is no script: it is what is lost.
			if v.builtByStage(prog) || v.builtIn(prog) != "" {
				fd.Message = fmt.Sprintf("ENTRYPOINT does not run in a Coder workspace: the templates replace the container's command "+
					"with the agent's init script, so `%s`, which an earlier stage builds, is not running", prog)
			}
		}
		out = append(out, fd)
	}
	if cmd != nil {
		if c, ok := startsService(cmd); ok {
			out = append(out, Finding{
				Message:  fmt.Sprintf("CMD starts `%s`, but Coder's templates replace CMD with the agent's init script: the service will not be running", c.Name),
				Location: v.instLoc(cmd),
				Fix:      fix,
			})
		} else if b, rel, ok := v.contextFile(entrypointProgram(cmd)); ok {
			if svc, ok := scriptStartsService(string(b)); ok {
				out = append(out, Finding{
					Message: fmt.Sprintf("CMD runs `%s`, which starts `%s`, but Coder's templates replace CMD with the agent's init script: "+
						"the service will not be running", rel, svc),
					Location: v.instLoc(cmd),
					Fix:      fix,
				})
			}
		} else if w := commandWords(cmd); entry == nil && len(w) > 0 && strings.HasPrefix(w[0], "-") && !shellScript(w) {
			// `CMD ["--tail-log"]`: flags for an ENTRYPOINT the base image
			// sets, which the image relies on and a template replaces.
			// `CMD ["-c", "kustomize build …"]` is a script for a shell
			// the base's ENTRYPOINT only starts (`["sh"]`): the workspace
			// has the shell, and runs its own commands.
			out = append(out, Finding{
				Message: fmt.Sprintf("CMD `%s` only passes options to the base image's ENTRYPOINT, which the image relies on, but "+
					"Coder's templates replace the container's command with the agent's init script: that entrypoint never runs", strings.Join(w, " ")),
				Location: v.instLoc(cmd),
				Evidence: EvidenceInferred,
				Fix:      fix,
			})
		}
	}
	// Programs configured for a process supervisor run only when the
	// image's own command starts it (reported above when it is this
	// Dockerfile's ENTRYPOINT or CMD).
	// The image's own command starts no supervisor when it is this
	// Dockerfile's ENTRYPOINT and was not reported above, or the base's
	// and the table knows that base runs no init (`ubuntu:20.04`'s bash):
	// then the configs are for whatever else starts it (a script the user
	// runs).
	// A CMD of its own still runs under the base's ENTRYPOINT (Jupyter
	// Docker Stacks' start.sh runs the hooks, then the CMD): only an
	// ENTRYPOINT of its own, or a known base with no init, says so.
	ownCommand := entry != nil
	if b := v.facts(v.final); !ownCommand && b.Source != "image" && (b.Known || b.CommandKnown) && b.Init == "" {
		ownCommand = true
	}
	if len(out) == 0 && !ep.StartsAgent && !ownCommand {
		for _, ins := range v.instructions(v.final) {
			if dest, sup := supervisorConfDest(v, ins); dest != "" {
				out = append(out, Finding{
					Message: fmt.Sprintf("`%s` configures programs or setup scripts for %s, which only the image's own command starts; "+
						"Coder's templates replace that command with the agent's init script, so they will not be running", dest, sup.name),
					Location: v.instLoc(ins),
					Evidence: EvidenceInferred,
					Fix:      &Fix{Description: "start the programs from the template's startup script (coder_script), or run " + sup.start + " from it"},
				})
				break
			}
		}
	}
	return out
}

// inlinePassThrough reports whether an ENTRYPOINT is a shell given a
// script that only runs the packaged program with the container's
// arguments (`["sh", "-c", "exec $TARGET_BIN \"$@\"", "--"]` with `ENV
// TARGET_BIN=greptime`), read as passThrough reads a script file.
func (v *dfView) inlinePassThrough(entry *dockerfile.Instruction) bool {
	if !entry.JSON || len(entry.Args) < 3 || !slices.Contains(shells, path.Base(entry.Args[0])) || entry.Args[1] != "-c" {
		return false
	}
	script := expandKnown(entry.Args[2], v.stageVars(entry.Stage, entry))
	// A script of the build context it hands its arguments to, which
	// itself only prints and runs them (Binder's `.binder/start`, run
	// when it exists): the same as running them.
	for _, m := range execScript.FindAllStringSubmatch(script, -1) {
		if b, _, ok := v.contextFile(v.absProgram(strings.Trim(m[1], `"'`))); ok && passThrough(string(b)) {
			script = strings.Replace(script, m[0], `exec "$@"`, 1)
		}
	}
	return passThrough(script)
}

// execScript is `exec PROGRAM "$@"` in a shell's text.
var execScript = regexp.MustCompile(`exec\s+("[^"\s]+"|'[^'\s]+'|[^\s;&|"']+)\s+"\$@"`)

// templateKeeps reports whether a Coder template of the repository keeps
// the ENTRYPOINT's program as its container's entrypoint
// (DockerfileInput.KeptEntrypoint): there it runs, and hands over to the
// agent's init script.
func (v *dfView) templateKeeps(entry *dockerfile.Instruction) bool {
	args := commandWords(entry)
	return len(args) > 0 && v.in.KeptEntrypoint != nil && v.in.KeptEntrypoint(args[0])
}

// supervisor is a process supervisor the image's own command starts, and
// the folders its program configs or setup scripts go in.
type supervisor struct {
	name, start string
	dirs        []string
}

// supervisors are the supervisors whose configs CR106 recognises:
// supervisord, and s6-overlay's `/init` (linuxserver.io images run
// `/etc/cont-init.d` scripts and `/etc/services.d` services from it).
var supervisors = []supervisor{
	{"supervisord", "`supervisord`", []string{"/etc/supervisor/conf.d", "/etc/supervisord.d", "/etc/supervisor/supervisord.conf", "/etc/supervisord.conf"}},
	{"s6-overlay's `/init`", "the scripts (as root: `sudo /etc/cont-init.d/…`)", []string{"/etc/cont-init.d", "/etc/services.d",
		"/etc/s6-overlay/s6-rc.d", "/custom-cont-init.d", "/custom-services.d", "/etc/fix-attrs.d"}},
	// runit, as Discourse's `/sbin/boot` and phusion/baseimage's
	// `/sbin/my_init` run it: boot scripts in `/etc/runit/1.d` and
	// `/etc/my_init.d`, services in `/etc/service`.
	{"runit (`/sbin/boot`, phusion/baseimage's `/sbin/my_init`)", "the scripts and `sudo runsvdir /etc/service`", []string{"/etc/runit/1.d",
		"/etc/my_init.d", "/etc/service"}},
	// Jupyter Docker Stacks' start.sh (the images' ENTRYPOINT) runs the
	// hooks in these folders before it starts the notebook server.
	{"the Jupyter images' `start.sh`", "the hooks", []string{"/usr/local/bin/start-notebook.d", "/usr/local/bin/before-notebook.d"}},
	// Kasm Workspaces' images: their entrypoint (`vnc_startup.sh`) starts
	// the desktop and then the image's custom_startup.sh.
	{"the Kasm images' `vnc_startup.sh`", "the script", []string{"/dockerstartup/custom_startup.sh"}},
	// Google Cloud Workstations' base images run these from their
	// entrypoint at start.
	{"the Cloud Workstations images' entrypoint", "the scripts", []string{"/etc/workstation-startup.d"}},
}

// supervisorConfDest returns where a COPY or ADD of the chain puts a
// supervisor's program config or setup script (`/etc/supervisor/conf.d/`,
// `/etc/cont-init.d/`, …) and which supervisor's; "" when it puts none
// there.
func supervisorConfDest(v *dfView, ins *dockerfile.Instruction) (string, supervisor) {
	if (ins.Cmd != "copy" && ins.Cmd != "add") || len(ins.Args) < 2 {
		return "", supervisor{}
	}
	dest := v.copyDest(ins.Stage, ins)
	// Kasm's base images set STARTUPDIR=/dockerstartup; their children
	// copy into `$STARTUPDIR/custom_startup.sh`.
	if strings.Contains(dest, "STARTUPDIR") {
		dest = path.Clean(strings.NewReplacer("${STARTUPDIR}", "/dockerstartup", "$STARTUPDIR", "/dockerstartup").Replace(dest))
	}
	for _, sup := range supervisors {
		for _, d := range sup.dirs {
			if dest == d || strings.HasPrefix(dest, d+"/") {
				return dest, sup
			}
		}
	}
	// A whole tree copied over a folder above them (linuxserver.io's
	// `COPY root/ /`): the context's copy of the folder says.
	if v.in.Context == nil {
		return "", supervisor{}
	}
	dir := strings.TrimSuffix(dest, "/") + "/"
	for _, from := range v.contextSources(ins) {
		from = path.Clean(strings.TrimPrefix(from, "/"))
		for _, sup := range supervisors {
			for _, d := range sup.dirs {
				rest, ok := strings.CutPrefix(d, dir)
				if !ok {
					continue
				}
				if fi, err := fs.Stat(v.in.Context, path.Join(from, rest)); err == nil && fi.IsDir() {
					return d, sup
				}
			}
		}
	}
	return "", supervisor{}
}

// scriptServiceRe matches a line of a shell script that starts a service:
// `service ssh start`, `systemctl start …`, `/etc/init.d/x start`, or a
// daemon run directly (`/usr/sbin/sshd -D`, `dockerd &`, `supervisord`).
var scriptServiceRe = regexp.MustCompile(`(?m)^[^#\n]*?(?:^|[;&|(]|\b(?:then|do|else|exec|sudo|nohup)\b)\s*((?:service\s+[\w.@-]+\s+(?:re)?start|systemctl\s+(?:re)?start\s+[\w.@-]+|/etc/init\.d/[\w.@-]+\s+(?:re)?start)|(?:/usr/s?bin/|/usr/local/s?bin/)?(?:sshd|dockerd|containerd|supervisord|nginx|httpd|apache2ctl\s+start|mysqld|mysqld_safe|redis-server|crond|cron|rsyslogd|dbus-daemon|code-server|Xvfb|Xvnc|x11vnc|vncserver|websockify|ttyd)\b)`)

// scriptStartsService returns the first service a shell script starts
// (comments aside), if any.
func scriptStartsService(script string) (string, bool) {
	m := scriptServiceRe.FindStringSubmatch(script)
	if m == nil {
		return "", false
	}
	return strings.TrimSpace(m[1]), true
}

// shells are the shells an ENTRYPOINT may be or run a script with, and
// minimalInits the inits that only reap and forward signals for the
// program they are given.
var (
	shells       = []string{"sh", "bash", "dash", "zsh", "ash", "fish"}
	minimalInits = []string{"tini", "tini-static", "dumb-init", "catatonit"}
)

// bareEntrypoint reports whether an ENTRYPOINT sets nothing up that a
// replaced command would miss: a shell alone (`["/bin/bash"]`, `bash -l`,
// `["/bin/bash", "-c", "-l"]`),
// or a minimal init that runs the command it is given (`["tini", "--"]`,
// `dumb-init --`), which only reaps zombies and forwards signals.
func bareEntrypoint(ins *dockerfile.Instruction) bool {
	args := commandWords(ins)
	if len(args) == 0 {
		return false
	}
	name := path.Base(args[0])
	// A keep-alive (`sleep infinity`, `tail -f /dev/null`) only holds the
	// container open, as a template's agent does.
	if keepAlive(args) {
		return true
	}
	// `["/usr/bin/env"]` alone runs the command it is given, as it is.
	if name == "env" && len(args) == 1 {
		return true
	}
	// A shell form that only prints, then keeps the container open
	// (`ENTRYPOINT echo "app1" && tail -f /dev/null`).
	if !ins.JSON && passThrough(strings.Join(ins.Args, " ")) {
		return true
	}
	// A minimal init alone, or wrapping a shell alone (`["tini", "--"]`,
	// `["/sbin/tini", "-g", "sh"]`): it only reaps zombies and forwards
	// signals to what it runs.
	if slices.Contains(minimalInits, name) {
		wrapped := initWrapped(args)
		return len(wrapped) == 0 || slices.Contains(shells, path.Base(wrapped[0])) && shellOnly(wrapped) || keepAlive(wrapped)
	}
	return slices.Contains(shells, name) && shellOnly(args)
}

// keepAlive reports whether a command's words only keep the container
// open (`sleep infinity`, `tail -f /dev/null`).
func keepAlive(args []string) bool {
	if len(args) == 0 {
		return false
	}
	name := path.Base(args[0])
	return name == "sleep" && len(args) == 2 || name == "tail" && slices.Equal(args[1:], []string{"-f", "/dev/null"})
}

// shellOnly reports whether a shell's words (args[0] the shell) are options
// only: a shell's `-c` then takes its command string from CMD
// (`["/bin/bash", "-i", "-c"]`), which the workspace replaces too.
func shellOnly(args []string) bool {
	for i := 1; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			return false // a script
		}
		if slices.Contains(shellValueFlags, a) {
			i++ // `-o pipefail`, `-O extglob`: the option's name
		}
		if a == "--rcfile" || a == "--init-file" {
			// `--rcfile /etc/profile`: what a Coder login shell reads
			// too; another file holds setup of its own.
			if i+1 >= len(args) || !slices.Contains(systemProfiles, args[i+1]) {
				return false
			}
			i++
		}
	}
	return true
}

// shellValueFlags are a shell's options that take a value: an option's
// or a shopt's name.
var shellValueFlags = []string{"-o", "+o", "-O", "+O"}

// systemProfiles are the startup files a login shell of the image reads
// anyway (bash's system-wide profile and bashrc).
var systemProfiles = []string{"/etc/profile", "/etc/bash.bashrc", "/etc/bashrc"}

// initValueFlags are the minimal inits' options that take a value
// (dumb-init's `--rewrite`, tini's `-p` and `-e`).
var initValueFlags = []string{"-r", "--rewrite", "-p", "-e"}

// knownFeatureScript reports whether prog is the entrypoint script a Dev
// Containers feature installs (`/usr/local/share/docker-init.sh`), whose
// work CR222 knows.
func knownFeatureScript(prog string) bool {
	for _, k := range knownEntrypoints {
		if k.script == prog {
			return true
		}
	}
	return false
}

// writtenByRun reports whether a RUN of the final stage's chain names
// prog (a script it writes or an install script puts there).
func (v *dfView) writtenByRun(prog string) bool {
	// `bash -c "/tmp/entrypoint.sh $*"`: the script is the first word.
	if f := strings.Fields(prog); len(f) > 0 {
		prog = f[0]
	}
	for _, ins := range v.instructions(v.final) {
		if ins.Cmd == "run" && strings.Contains(v.f.Text(ins.StartLine, ins.EndLine), prog) {
			return true
		}
	}
	return false
}

// setupName matches the names of programs that prepare a container before
// handing over to its command: entrypoint and init scripts, user switchers
// and uid fixers, process supervisors.
var setupName = regexp.MustCompile(`(?i)entry|init|start|setup|boot|launch|wrap|run|docker-(?:php|java|host|user)|fixuid|gosu|su-exec|setpriv|s6|supervis|\.(sh|bash|py|pl|rb|js|ps1)$`)

// managedBundle is an Azure Functions extension bundle
// (`Microsoft.Azure.Functions.ExtensionBundle.4.2.0_linux-x64.zip`): .NET
// assemblies whose `linux-x64` flavour is precompiled for x64 but keeps
// its IL, so it runs on ARM too; Microsoft's arm32v7 Functions images ship
// that flavour.
var managedBundle = regexp.MustCompile(`Microsoft\.Azure\.Functions\.ExtensionBundle`)

// projectRunners are the programs whose `run` starts a project's own code
// or scripts (`npm run dev`, `cargo run`, `flask run`, `docker compose
// run`), which may serve or set things up.
var projectRunners = []string{"npm", "yarn", "pnpm", "npx", "bun", "deno", "cargo", "go", "dotnet", "flask", "poetry", "pipenv",
	"uv", "hatch", "pdm", "docker", "docker-compose", "podman", "mix", "rails", "bundle", "gradle", "gradlew", "mvn", "mvnw",
	"make", "just", "task", "nx", "turbo", "streamlit", "uvx", "sbt", "lein", "stack", "cabal"}

// serverArg matches the arguments of a command that serves rather than
// answers: a listening address, a port, a daemon mode.
var serverArg = regexp.MustCompile(`(?i)^(--?(bind|listen|port|host|addr|ip|daemon)|(?-i:-D)$|serve$|server$|start$|run$|daemon$|up$|lab$|notebook$)`)

// sourcedByShells reports whether the final stage has the shell read the
// ENTRYPOINT's script at startup (`echo "source /entrypoint.sh" >>
// ~/.bashrc`, or into /etc/bash.bashrc or /etc/profile.d): what it sets
// up happens in every interactive shell of the workspace.
func (v *dfView) sourcedByShells(entry *dockerfile.Instruction) bool {
	prog := entrypointProgram(entry)
	if !strings.HasPrefix(prog, "/") {
		return false
	}
	for _, ins := range v.instructions(v.final) {
		if ins.Cmd != "run" {
			continue
		}
		text := v.f.Text(ins.StartLine, ins.EndLine)
		if (strings.Contains(text, "source "+prog) || strings.Contains(text, ". "+prog)) &&
			(strings.Contains(text, "bashrc") || strings.Contains(text, "profile")) {
			return true
		}
	}
	return false
}

// programEntrypoint reports whether an ENTRYPOINT is the packaged program
// the image exists to run, a command-line tool invoked with the container's
// arguments (`["mise"]`, `["/usr/local/bin/terraform"]`): it prepares
// nothing, so a workspace that never runs it misses nothing. A script (by
// its name, or a file from the build context that starts with `#!`), a
// service, an interpreter, or a program started to serve (`--port`,
// `serve`) is not one.
func (v *dfView) programEntrypoint(entry, cmd *dockerfile.Instruction) bool {
	args := commandWords(entry)
	// A shell form's text is the shell's: only plain words (`ENTRYPOINT
	// cmus`) name the program alone.
	if len(args) == 0 || !entry.JSON && strings.ContainsAny(strings.Join(entry.Args, " "), ";&|$`<>()'\"\\") {
		return false
	}
	// A minimal init wrapping a program (`["dumb-init",
	// "/usr/bin/learn-ocaml-client"]`) is judged by the program it wraps.
	if slices.Contains(minimalInits, path.Base(args[0])) {
		if args = initWrapped(args); len(args) == 0 {
			return false
		}
	}
	name := path.Base(args[0])
	words := args[1:]
	// `python3 -m twine`: Python running a packaged module's command line,
	// unless the module is a server.
	if strings.HasPrefix(name, "python") && interpreter(name) && len(args) >= 3 && args[1] == "-m" && !slices.Contains(serverModules, args[2]) {
		name, words = args[2], args[3:]
	}
	if setupName.MatchString(name) || slices.Contains(services, name) || slices.Contains(serviceWords, name) || interpreter(name) {
		return false
	}
	if cmd != nil {
		words = append(words, commandWords(cmd)...)
	}
	for _, a := range words {
		// `cypress run`, `dagger run`: the tool's own subcommand. A
		// project runner's `run` (`npm run dev`, `cargo run`, `flask
		// run`) starts the project's code, which may serve.
		if a == "run" && !slices.Contains(projectRunners, name) {
			continue
		}
		if serverArg.MatchString(a) || !strings.HasPrefix(a, "-") && setupName.MatchString(path.Base(a)) {
			return false
		}
	}
	// A default command that only asks for the program's help or version
	// (`CMD ["--help"]`): a command-line tool, whatever it is written in.
	if cmd != nil && len(args) == 1 {
		if cw := commandWords(cmd); len(cw) == 1 && slices.Contains(helpArgs, cw[0]) {
			return true
		}
	}
	if b, _, ok := v.contextFile(args[0]); ok && strings.HasPrefix(string(b), "#!") {
		// A program in a language's runtime named as the image it is
		// built for (tektoncd's `koparse/Dockerfile` copying
		// `koparse.py` to `/usr/local/bin/koparse`): the image's tool.
		first, _, _ := strings.Cut(string(b), "\n")
		return name == builtName(v.path()) && slices.ContainsFunc(strings.Fields(strings.TrimPrefix(first, "#!")), func(w string) bool {
			return languageRuntime(path.Base(w))
		})
	}
	return true
}

// helpArgs ask a command-line tool for its help or version (not `-v`,
// which many take for verbose).
var helpArgs = []string{"--help", "-h", "help", "--version", "version"}

// initWrapped is the command a minimal init's words run: what follows
// its options and a `--` (`tini -p SIGTERM -- prog`, `dumb-init prog`).
func initWrapped(args []string) []string {
	for i := 1; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--":
			return args[i+1:]
		case slices.Contains(initValueFlags, a):
			i++
		case !strings.HasPrefix(a, "-"):
			return args[i:]
		}
	}
	return nil
}

// appServers are application servers an ENTRYPOINT starts the project's
// code with (`["gunicorn", "-c", "gunicorn-config.py", "app:app"]`): what
// is lost is that program, which sets nothing up.
var appServers = []string{"gunicorn", "uvicorn", "hypercorn", "daphne", "uwsgi", "puma", "unicorn", "waitress-serve", "celery"}

// serverModules are Python modules that `python -m` starts as servers.
var serverModules = []string{"http.server", "uvicorn", "gunicorn", "flask", "django", "jupyter", "jupyterlab", "notebook",
	"streamlit", "hypercorn", "daphne", "celery", "aiohttp.web", "SimpleHTTPServer", "mkdocs", "tensorboard"}

// languageRuntime reports whether name is a language's interpreter or
// runtime (`python3.12`, `node`, `java`), which runs the project's code.
func languageRuntime(name string) bool {
	for _, p := range []string{"python", "node", "ruby", "perl", "php", "java", "deno", "bun"} {
		if name == p || strings.HasPrefix(name, p) && strings.Trim(strings.TrimPrefix(name, p), "0123456789.") == "" {
			return true
		}
	}
	return false
}

// interpreter reports whether name runs a script or program it is given.
func interpreter(name string) bool {
	if slices.Contains(shells, name) || slices.Contains(minimalInits, name) {
		return true // runs the script or program it is given
	}
	if languageRuntime(name) {
		return true
	}
	for _, p := range []string{"pwsh", "env", "exec", "sudo", "su"} {
		if name == p || strings.HasPrefix(name, p) && strings.Trim(strings.TrimPrefix(name, p), "0123456789.") == "" {
			return true
		}
	}
	return false
}

// copiesWholeRoot reports whether the chain of s copies another stage's or
// image's whole filesystem into its root (`FROM scratch` then `COPY
// --from=base / /`, which squashes an image's layers), or a folder a stage
// filled (`COPY --from=rootfs-stage /root-out/ /`, linuxserver's base
// images): the image is then that one, shell included.
func (v *dfView) copiesWholeRoot(s *dockerfile.Stage) bool {
	return v.copiesIntoRoot(s, func(string) bool { return true })
}

// copiesSystem is copiesWholeRoot for a folder named as a root filesystem
// only (`/root-out/`, `/builder/rootfs/`): a folder of a few libraries
// (`COPY --from=build /runtime/ /`) is not a system.
func (v *dfView) copiesSystem(s *dockerfile.Stage) bool {
	return v.copiesIntoRoot(s, func(folder string) bool { return strings.Contains(strings.ToLower(path.Base(folder)), "root") })
}

// copiesIntoRoot reports whether the chain of s copies another stage's or
// image's whole filesystem into its root (`COPY --from=x / /`), or a
// folder of it (`…/root-out/ /`) that folderOK accepts.
func (v *dfView) copiesIntoRoot(s *dockerfile.Stage, folderOK func(folder string) bool) bool {
	for _, ins := range v.instructions(s) {
		if _, ok := ins.Flag("from"); ins.Cmd != "copy" || !ok || len(ins.Args) != 2 || path.Clean(ins.Args[1]) != "/" {
			continue
		}
		if src := path.Clean(ins.Args[0]); src == "/" || strings.HasSuffix(ins.Args[0], "/") && folderOK(src) {
			return true
		}
	}
	return false
}

// shellless reports whether an image has no shell: scratch, a distroless
// image but its :debug tags (which carry busybox), a Chainguard image but
// its `-dev` tags and wolfi-base, or a .NET chiseled or distroless tag.
func shellless(ref string) bool {
	if strings.EqualFold(ref, "scratch") {
		return true
	}
	r := ParseImageRef(ref)
	if r.Registry == "mcr.microsoft.com" && strings.HasPrefix(r.Repository, "dotnet/") {
		return dotnetShellless(r.Tag)
	}
	// Chainguard's images have no shell but in their `-dev` tags
	// (`cgr.dev/chainguard/static`, `chainguard/static`).
	// wolfi-base is the exception: busybox's shell and apk.
	if r.Registry == "cgr.dev" && strings.HasPrefix(r.Repository, "chainguard/") || r.Registry == "" && r.Repository == "chainguard/static" {
		return !strings.Contains(strings.ToLower(r.Tag), "dev") && path.Base(r.Repository) != "wolfi-base"
	}
	return strings.Contains(r.Repository, "distroless") && !strings.Contains(strings.ToLower(r.Tag), "debug")
}

// httpsTools are packages that download over HTTPS and only recommend
// ca-certificates.
var httpsTools = []string{"curl", "wget", "git"}

// checkCR107 reports curl, wget or git installed without recommends when no
// CA bundle ends up in the image.
func checkCR107(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	var out []Finding
	// Only the final image's chain is the workspace: a builder stage's
	// HTTPS downloads fail its own build, which says so. A stage of the
	// chain is judged as the final image: a later stage that installs
	// ca-certificates (or a package that depends on it) gives the image
	// the bundle.
	if v.installsCA(v.final) {
		return nil
	}
	for _, s := range v.chain(v.final) {
		b := v.facts(s)
		if !b.Known || b.CACerts || v.installsCA(s) {
			continue
		}
		for _, ins := range s.Instructions {
			for _, inst := range ins.Installs() {
				if !inst.NoInstallRecommends {
					continue
				}
				var tools []string
				for _, p := range inst.Packages {
					if slices.Contains(httpsTools, p) {
						tools = append(tools, p)
					}
				}
				if len(tools) == 0 {
					continue
				}
				c := inst.Command
				fd := Finding{
					Message: fmt.Sprintf("%s installed without recommended packages and nothing installs ca-certificates: "+
						"HTTPS downloads (the Coder agent's included) fail with certificate errors", strings.Join(tools, ", ")),
					Location: v.spanLoc(dockerfile.Span{Line: c.Line, Col: c.Col, EndLine: c.Line}),
					Fix:      &Fix{Description: "add ca-certificates to this install"},
					Evidence: b.Evidence(),
				}
				if e, ok := ins.AddPackages(inst, "ca-certificates"); ok {
					fd.Fix.Edits = []Edit{v.edit(e)}
				}
				out = append(out, fd)
			}
		}
	}
	return out
}

var (
	// archRe finds an architecture name between separators.
	// conda's `linux-64` (its name for x86_64) counts too, as does
	// `Linux-64bit` (s5cmd's, beside `Linux-arm64`).
	archRe = regexp.MustCompile(`(?i)(?:^|[-_./="'])(amd64|x86_64|x86-64|aarch64|arm64|armv7l|armv7|armv6l|armhf|i386|i686|x64|linux-64bit|linux_64-bit|linux-64|linux64)(?:$|[-_./"'])`)
	// archThenVar is an architecture a variable follows directly
	// (`webots-$V-x86-64$WEBOTS_PACKAGE_PREFIX.tar.bz2`): the name is that
	// architecture's whatever the variable adds. `Linux64${SUFFIX}` is not
	// one: its suffix may be what names the architecture (Arm's FVPs,
	// `_armv8l`).
	archThenVar = regexp.MustCompile(`(?i)(?:^|[-_./="'])(amd64|x86_64|x86-64|aarch64|arm64)\$`)
	// unameM finds `uname -m` (also `uname -sm`).
	unameM = regexp.MustCompile(`uname +-[a-z]*m`)
	// signatureExt finds the signature or checksum file of a download.
	signatureExt = regexp.MustCompile(`(?i)\.(asc|sig|sign|sha256|sha256sum|sha512|sha512sum|sha1|md5|sum)$`)
	// archiveExt finds names of downloadable files.
	// keyFile is a repository's signing key (`…/x86_64/3bf863cc.pub`,
	// `…/KEYS.asc`): the same key for every architecture, wherever it is
	// fetched from.
	// An apt pin file (`…/ubuntu2204/x86_64/cuda-ubuntu2204.pin`) is one
	// too: priorities, the same for every architecture.
	keyFile = regexp.MustCompile(`(?i)(\.(pub|gpg|key|pin)|keys?\.asc|/RPM-GPG-KEY[^/]*)$`)
	// crossTool is a cross toolchain's program, named for its target
	// (`aarch64-none-elf-gcc`, `x86_64-w64-mingw32-g++`, a ccache link
	// `/usr/lib/ccache/arm-none-eabi-gcc`): it runs on the build host
	// whatever the target.
	// A loop's variable for the tool (`/usr/bin/x86_64-linux-gnu-$i`) is
	// one of them.
	crossTool = regexp.MustCompile(`(?i)(?:^|/)(?:x86_64|aarch64|arm|armv7|i[3-6]86|riscv(?:32|64))(?:-[a-z0-9_]+)+-(?:gcc|g\+\+|c\+\+|cc|cpp|ld|as|ar|nm|ranlib|objcopy|objdump|strip|gdb|gfortran|clang|clang\+\+|addr2line|c\+\+filt|gcov|gcov-dump|gcov-tool|size|strings|readelf|elfedit|gprof|lto-dump|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)(?:-[0-9.]+)?$`)
	// multiarchLib is a multiarch library folder (`/usr/lib/aarch64-linux-gnu`,
	// `/lib/arm-linux-gnueabihf`).
	multiarchLib = regexp.MustCompile(`^(?:/usr)?/lib(?:32|64)?/[a-z0-9_]+-linux-gnu[a-z0-9_]*/?$`)
	// crossArchive is a cross toolchain's archive named for its target
	// (musl.cc's `armv7l-linux-musleabihf-cross.tgz`), which runs on the
	// build host whatever its name says.
	crossArchive = regexp.MustCompile(`(?i)(?:^|/)(?:x86_64|aarch64|armv7l?|arm|i[3-6]86|riscv(?:32|64)|mips[a-z0-9]*|powerpc[a-z0-9]*|s390x)(?:-[a-z0-9_]+)+-cross\.(?:tgz|tar\.gz|tar\.xz|tar\.bz2|zip)$`)
	// crossHost is a cross toolchain's name that says its host before its
	// target (Linaro's `gcc-linaro-7.5.0-2019.12-x86_64_aarch64-linux-gnu`,
	// Arm's `arm-gnu-toolchain-13.2.rel1-x86_64-aarch64-none-linux-gnu`):
	// its programs run on the host (the first group), whatever the target.
	crossHost = regexp.MustCompile(`(?i)[-_/](x86_64|aarch64|i686)[-_](?:aarch64|arm[a-z0-9]*|x86_64|i686|riscv(?:32|64)|mips[a-z0-9]*|powerpc[a-z0-9]*|ppc64le|s390x)(?:-[a-z0-9]+)*-(?:linux|none|elf|eabi)`)
	// crossSysroot is a path in a cross toolchain's folder for its target
	// (`/usr/aarch64-linux-gnu/`, `/usr/i686-linux-gnu/lib/`).
	crossSysroot = regexp.MustCompile(`^/usr/(?:local/)?(x86_64|aarch64|i[3-6]86|arm|armv7|powerpc64le|s390x|riscv64)[A-Za-z0-9_]*(?:-linux-(?:gnu|musl)[A-Za-z0-9_]*|-w64-mingw32)(?:/|$)`)
	// archFreeExt is a package built for every architecture
	// (`….el8.noarch.rpm`, `…_all.deb`).
	archFreeExt = regexp.MustCompile(`(?i)(\.noarch\.rpm|_all\.deb)$`)
	// repoSetup is a package that configures a repository at the
	// folder it came from, one per architecture: NVIDIA's
	// (`cuda-repo-rhel8-….noarch.rpm` from `…/rhel8/x86_64/` writes
	// `baseurl=…/rhel8/x86_64`). Other distributions' setup packages
	// (`epel-release`, `centos-release-scl`, `pgdg-redhat-repo`,
	// `wlcg-repo`) write `$basearch` and install the same anywhere. A
	// keyring package (`cuda-keyring_1.1-1_all.deb`) is a key: the
	// packages later installed from that repository are the downloads.
	repoSetup  = regexp.MustCompile(`(?i)^(?:cuda|nvidia-[a-z-]+|libnvidia-container)-repo`)
	archiveExt = regexp.MustCompile(`(?i)\.(tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tar\.zst|zip|deb|rpm|apk|appimage|gz|xz|bin|run|jar)$`)
)

// linkerConfig reports whether c prints text into the dynamic linker's
// configuration (`printf '/usr/lib/aarch64-linux-gnu/tegra\n' >
// /etc/ld.so.conf.d/x.conf`): a list of folders to search, not a download.
func linkerConfig(c dockerfile.Command) bool {
	if n := path.Base(c.Name); n != "echo" && n != "printf" {
		return false
	}
	return slices.ContainsFunc(c.Redirects, func(r dockerfile.Redirect) bool {
		return strings.HasPrefix(r.Target, "/etc/ld.so.conf")
	})
}

// patternSubst is a parameter expansion that rewrites a variable's value
// (`${ARCH/amd64/x64}`, `${ARCH#linux/}`, `${ARCH^^}`): the names in it
// are patterns applied to what the variable holds, not text of the word.
var patternSubst = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:/|#|%|\^|,)[^{}]*\}`)

// withoutPatternSubst is w with each pattern substitution (patternSubst)
// reduced to its variable (`${ARCH}`): an architecture it names is not
// hard-coded in the word.
func withoutPatternSubst(w string) string {
	if !strings.Contains(w, "${") {
		return w
	}
	return patternSubst.ReplaceAllString(w, "$${$1}")
}

// withoutCmdSubst removes the command substitutions (`$(…)`, nested too,
// and the older form between backquotes) from a word.
func withoutCmdSubst(w string) string {
	var b strings.Builder
	depth := 0
	tick := false
	for i := 0; i < len(w); i++ {
		switch {
		case w[i] == '`' && depth == 0:
			tick = !tick
		case tick:
		case w[i] == '$' && i+1 < len(w) && w[i+1] == '(':
			depth++
			i++
		case depth > 0 && w[i] == '(':
			depth++
		case depth > 0 && w[i] == ')':
			depth--
		case depth == 0:
			b.WriteByte(w[i])
		}
	}
	return b.String()
}

// sysrootPath is a path through a folder named for a sysroot
// (`/alpine-sysroot/…`, `/opt/sysroot/…`, `--sysroot=/x`).
var sysrootPath = regexp.MustCompile(`(?i)(?:^|[/="'])[^/\s"'=]*sysroot[^/\s"'=]*(?:/|$)`)

// archAware reports whether a RUN's text works the architecture out
// itself.
func archAware(text string) bool {
	// Besides BuildKit's ARGs and the shell's tools, a language runtime
	// asked for the machine (`node -p process.arch`, Python's
	// platform.machine(), `go env GOARCH`, bash's $HOSTTYPE).
	for _, s := range []string{"TARGETARCH", "TARGETPLATFORM", "print-architecture", "print-arch", "$(arch)", "`arch`",
		"process.arch", "platform.machine", "GOARCH", "HOSTTYPE"} {
		if strings.Contains(text, s) {
			return true
		}
	}
	return strings.Contains(text, "uname") && unameM.MatchString(text) || archCmd.MatchString(text) || archCompare.MatchString(text) ||
		platformFlagTest.MatchString(text)
}

// platformFlagTest is a shell test of a variable named for a platform
// (`if [ ${APACHE_FOR_MAC_M1} = true ]`, `[ "$IS_ARM64" = 1 ]`): a build
// argument that says which architecture the build is for.
var platformFlagTest = regexp.MustCompile(`\[\[?\s*["']?\$\{?[A-Za-z0-9_]*(?:ARM|AARCH64|MAC_M1|APPLE_SILICON|[Aa]rm64|[Aa]arch64)[A-Za-z0-9_]*\}?["']?\s*(?:==?|!=)`)

// archCompare is a shell test of a variable against an architecture's
// name (`if [ "$ARCH" = "x86_64" ]`, `[[ ${arch} == aarch64 ]]`, `case
// "$ARCH" in aarch64)`): the RUN picks by the architecture the build
// passes, whichever branch names which.
var archCompare = regexp.MustCompile(`(?i)\$\{?[A-Za-z_][A-Za-z0-9_]*\}?["']?\s*(?:==?|!=)\s*["']?(?:x86_64|amd64|aarch64|arm64|armv7l|armhf|x64)\b|` +
	`\bcase\s+["']?\$\{?[A-Za-z_][A-Za-z0-9_]*\}?["']?\s+in\b[^;]*?\b(?:x86_64|amd64|aarch64|arm64)\b[^)\n]*\)`)

// shellScriptFlag is a shell's option that takes the script to run (`-c`,
// with others before it: `-ec`, `-lc`, `-xec`).
var shellScriptFlag = regexp.MustCompile(`^-[a-z]*c$`)

// shellScript reports whether a command's words are a shell's `-c` and a
// script of several words (`-c "kustomize build /tmp/x | tee /out"`), not
// a program's option (postgres's `-c max_connections=10000`).
func shellScript(w []string) bool {
	return len(w) >= 2 && shellScriptFlag.MatchString(w[0]) && strings.ContainsAny(strings.TrimSpace(w[1]), " |;&")
}

// archlessDownloads are downloads whose names say no architecture but
// that are x86_64 builds, each with its arm64 build's name: tini's
// release assets (`tini`, `tini-static`; `tini-arm64`), Ninja's
// (`ninja-linux.zip`; `ninja-linux-aarch64.zip`) and the OpenShift
// client's (`openshift-client-linux.tar.gz`;
// `openshift-client-linux-arm64.tar.gz`), NGC's CLI (`ngccli_linux.zip`;
// `ngccli_arm64.zip`), Solidity's `solc-static-linux`.
var archlessDownloads = []struct {
	re    *regexp.Regexp
	other string
	// fix is what to do instead, when there is no arm64 build but
	// another way to install it there.
	fix string
}{
	{regexp.MustCompile(`://[^\s]*/krallin/tini/releases/download/[^/\s]+/tini(-static)?$`), "tini-arm64", ""},
	{regexp.MustCompile(`://[^\s]*/ninja-linux\.zip$`), "ninja-linux-aarch64.zip", ""},
	{regexp.MustCompile(`://[^\s]*/openshift-client-linux(-[0-9][0-9.]*)?\.tar\.gz$`), "openshift-client-linux-arm64.tar.gz", ""},
	{regexp.MustCompile(`://[^\s]*/ngccli_linux\.zip$`), "ngccli_arm64.zip", ""},
	// Solidity's compiler: `solc-static-linux-arm` since 0.8.31.
	{regexp.MustCompile(`://[^\s]*/solc-static-linux$`), "solc-static-linux-arm", ""},
	// AWS's Session Manager plugin: `ubuntu_64bit/` and `linux_64bit/`
	// are x86_64, `ubuntu_arm64/` and `linux_arm64/` the others.
	{regexp.MustCompile(`://[^\s]*/ubuntu_64bit/session-manager-plugin\.deb$`), "ubuntu_arm64/session-manager-plugin.deb", ""},
	{regexp.MustCompile(`://[^\s]*/linux_64bit/session-manager-plugin\.rpm$`), "linux_arm64/session-manager-plugin.rpm", ""},
	// The Android NDK for Linux: its toolchain's programs are x86_64
	// builds, and Google ships none for Linux on arm64.
	{regexp.MustCompile(`://[^\s]*/android-ndk-r[0-9]+[a-z]?-linux(?:-x86_64)?\.zip$`), "", ""},
	// The Flutter SDK's Linux archive holds an x86_64 Dart SDK and
	// engine: Flutter publishes none for arm64, where it is cloned.
	{regexp.MustCompile(`://[^\s]*/flutter_linux_[^/\s]*-(?:stable|beta|dev|master)\.tar\.xz$`), "",
		"install Flutter with `git clone --depth 1 -b stable https://github.com/flutter/flutter.git`, which fetches the build machine's own Dart SDK and engine on first run, or build the image for x86_64 only (`FROM --platform=linux/amd64`)"},
	// Swift's toolchain for a Linux distribution: the x86_64 one has no
	// suffix, the arm64 one ends `-aarch64`.
	{regexp.MustCompile(`://[^\s]*/swift-[^/\s]*-(?:RELEASE|DEVELOPMENT-SNAPSHOT[^/\s]*)-(?:ubuntu|debian|amazonlinux|ubi|fedora|centos)[0-9.]*\.tar\.gz$`),
		"…-aarch64.tar.gz", ""},
	// AzCopy's Linux link; `downloadazcopy-v10-linux-arm64` is the other.
	{regexp.MustCompile(`://aka\.ms/downloadazcopy-v10-linux$`), "downloadazcopy-v10-linux-arm64", ""},
}

// archlessFix is what to do instead of the download a, when
// archlessDownloads knows ("" when it does not).
func archlessFix(a string) string {
	a = strings.Trim(a, `"'`)
	for _, d := range archlessDownloads {
		if d.re.MatchString(a) {
			return d.fix
		}
	}
	return ""
}

// archlessX86 reports whether the URL a is one of archlessDownloads, and
// names the arm64 build ("" when there is none).
func archlessX86(a string) (string, bool) {
	a = strings.Trim(a, `"'`)
	for _, d := range archlessDownloads {
		if d.re.MatchString(a) {
			return d.other, true
		}
	}
	return "", false
}

// otherOS is a download named for an operating system other than Linux
// (`…_darwin_amd64.tar.gz`, `…-windows-x64.zip`): no Linux image runs it on
// any architecture, so its architecture breaks nothing of a platform.
// Windows target triples count (`x86_64-unknown-mingw32`, `-pc-windows-msvc`),
// and the BSDs' with their release (`x86_64-unknown-freebsd12`).
var otherOS = regexp.MustCompile(`(?i)(?:^|[-_./])(?:darwin|macosx?|osx|windows|win32|win64|(?:free|net|open)bsd[0-9.]*|mingw32|mingw64|w64-mingw32|msvc)(?:$|[-_./])`)

// archCmd is the arch command's answer taken in a substitution
// (`$(arch | sed s/arm64/aarch64/)`).
var archCmd = regexp.MustCompile("(\\$\\(|`)\\s*arch\\b")

// isURLOrPath reports whether a word is a URL, an absolute or relative
// path, or the name of a downloadable file.
func isURLOrPath(w string) bool {
	w = strings.Trim(w, `"'`)
	return strings.Contains(w, "://") || strings.HasPrefix(w, "/") || strings.HasPrefix(w, "./") || strings.HasPrefix(w, "~/") ||
		varFolder.MatchString(w) || archiveExt.MatchString(w)
}

// varFolder is a path under a folder a variable names
// (`$SETUPDIR/GlimmerHMM/bin/glimmerhmm_linux_x86_64`, `${HOME}/bin/…`).
var varFolder = regexp.MustCompile(`^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)/.`)

// isTest reports whether c is a test command (`[ … ]`, `test …`).
func isTest(c dockerfile.Command) bool {
	return c.Name == "[" || c.Name == "test" || c.Name == "[["
}

// fileTestOps are the test operators true only when a path is there.
var fileTestOps = []string{"-e", "-f", "-d", "-x", "-r", "-s", "-L", "-h", "-w"}

// testedArchs are the architectures whose paths a RUN's tests find there
// (`[ -f /usr/lib/x86_64-linux-gnu/libgmt.so.6 ]`, not `[ ! -f … ]`).
func testedArchs(cmds []dockerfile.Command) map[string]bool {
	out := map[string]bool{}
	for _, c := range cmds {
		if !isTest(c) {
			continue
		}
		for i := 1; i < len(c.Args); i++ {
			if (i < 2 || c.Args[i-2] != "!") && slices.Contains(fileTestOps, c.Args[i-1]) {
				if m := archRe.FindStringSubmatch(c.Args[i]); m != nil && normArch(m[1]) != "" {
					out[normArch(m[1])] = true
				}
			}
		}
	}
	return out
}

// forcedRemove reports whether c is `rm -f` (or `-rf`, `--force`): a path
// it names that the machine lacks is skipped without an error.
func forcedRemove(c dockerfile.Command) bool {
	if path.Base(c.Name) != "rm" {
		return false
	}
	for _, a := range c.Args {
		if a == "--force" || strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "f") {
			return true
		}
	}
	return false
}

// archFix returns the edit that replaces a Go-style architecture name in
// a word with ${TARGETARCH}; declareTargetArch adds the ARG it needs.
func archFix(v *dfView, sp dockerfile.Span, arch string) []Edit {
	return archFixAll(v, []dockerfile.Span{sp}, arch)
}

// nameSpan is where a command's program is written, when it is written
// as its Name is (no wrapper before it, no quotes); else a span with no
// column, which no fix edits.
func (v *dfView) nameSpan(c dockerfile.Command) dockerfile.Span {
	line := v.f.Line(c.Line)
	if c.Col < 1 || len(c.Wrappers) > 0 || c.Col-1+len(c.Name) > len(line) || line[c.Col-1:c.Col-1+len(c.Name)] != c.Name {
		return dockerfile.Span{Line: c.Line}
	}
	return dockerfile.Span{Line: c.Line, Col: c.Col, EndLine: c.Line, EndCol: c.Col + len(c.Name)}
}

// archFixAll is archFix for several words naming the same download (the
// URL, then the file or folder it unpacks to): one edit per line, every
// word replaced, or none when one of them cannot be.
func archFixAll(v *dfView, spans []dockerfile.Span, arch string) []Edit {
	if arch != "amd64" && arch != "arm64" {
		return nil
	}
	byLine := map[int][]dockerfile.Span{}
	var lines []int
	for _, sp := range spans {
		if sp.Col < 1 || sp.Line != sp.EndLine {
			return nil
		}
		if byLine[sp.Line] == nil {
			lines = append(lines, sp.Line)
		}
		byLine[sp.Line] = append(byLine[sp.Line], sp)
	}
	slices.Sort(lines)
	var edits []Edit
	for _, ln := range lines {
		line := v.f.Line(ln)
		sps := byLine[ln]
		// Right to left: a replacement leaves the columns before it alone.
		slices.SortFunc(sps, func(a, b dockerfile.Span) int { return b.Col - a.Col })
		for _, sp := range sps {
			if sp.EndCol-1 > len(line) || sp.EndCol <= sp.Col {
				return nil
			}
			seg := line[sp.Col-1 : sp.EndCol-1]
			if strings.Contains(seg, "'") {
				return nil // no expansion inside single quotes
			}
			loc := archRe.FindStringSubmatchIndex(seg)
			if loc == nil || !strings.EqualFold(seg[loc[2]:loc[3]], arch) {
				return nil
			}
			seg = seg[:loc[2]] + "${TARGETARCH}" + seg[loc[3]:]
			line = line[:sp.Col-1] + seg + line[sp.EndCol-1:]
		}
		edits = append(edits, Edit{Path: v.path(), StartLine: ln, EndLine: ln, Text: line})
	}
	return edits
}

// archNames are the parts of a URL or path that name an architecture,
// lower-cased and without an archive extension: the download
// `…/kubebuilder_2.3.2_linux_amd64.tar.gz` and the folder
// `/tmp/kubebuilder_2.3.2_linux_amd64/*` it unpacks to share one.
func archNames(w string) []string {
	var out []string
	for _, part := range strings.Split(strings.Trim(w, `"'`), "/") {
		if !archRe.MatchString(part) {
			continue
		}
		part = strings.ToLower(part)
		if loc := signatureExt.FindStringIndex(part); loc != nil && loc[0] > 0 {
			part = part[:loc[0]]
		}
		for {
			loc := archiveExt.FindStringIndex(part)
			if loc == nil || loc[0] == 0 {
				break
			}
			part = part[:loc[0]]
		}
		out = append(out, part)
	}
	return out
}

// outputName reports whether args[i] of a command is the local file name
// curl (`-o`, `--output`) or wget (`-O`, `--output-document`) writes a
// download to, also at the end of a cluster of short flags (`-fsSLo`,
// `-qO`): a name, not what is fetched. curl's `-O` takes no value.
func outputName(c dockerfile.Command, i int) bool {
	if i == 0 {
		return false
	}
	var short byte
	var long string
	switch path.Base(c.Name) {
	case "curl":
		short, long = 'o', "--output"
	case "wget":
		short, long = 'O', "--output-document"
	case "tar":
		return tarCreates(c, i)
	default:
		return false
	}
	f := c.Args[i-1]
	if f == long {
		return true
	}
	return len(f) >= 2 && f[0] == '-' && f[1] != '-' && f[len(f)-1] == short && !strings.Contains(f, "=")
}

// tarCreates reports whether argument i of a tar command is the archive
// it creates (`tar cf "json_linux_amd64.tar.gz" …`, `tar -czf x.tgz`,
// `tar --create --file x.tar`): a local name, as a download's output is.
func tarCreates(c dockerfile.Command, i int) bool {
	cluster := func(j int) bool {
		a := c.Args[j]
		return strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") || j == 0 && tarOldStyle.MatchString(a)
	}
	create := false
	for j := 0; j < i; j++ {
		if c.Args[j] == "--create" || cluster(j) && strings.ContainsRune(strings.TrimPrefix(c.Args[j], "-"), 'c') {
			create = true
		}
	}
	prev := c.Args[i-1]
	return create && (prev == "--file" || cluster(i-1) && strings.HasSuffix(prev, "f"))
}

// tarOldStyle is tar's first argument in the old style, its options
// without a dash (`cf`, `czvf`).
var tarOldStyle = regexp.MustCompile(`^[A-Za-z]+$`)

// targetArchRef finds a reference to the TARGETARCH build argument.
var targetArchRef = regexp.MustCompile(`\$\{?TARGETARCH\b`)

// declareTargetArch gives each CR112 fix that writes ${TARGETARCH} the
// `ARG TARGETARCH` its stage needs: one per stage, directly above the
// first instruction of the stage that uses it once the stage's fixes are
// in (a fixed one, or one that refers to it already), and none when the
// stage declares it before that. Every fix of a stage inserts the same
// line at the same place, so each works alone and together they declare
// it once. A fix whose replaced line is that instruction's first carries
// the ARG in the same edit.
func declareTargetArch(v *dfView, fs []Finding) {
	type fixed struct {
		fd *Finding
		at *dockerfile.Instruction
	}
	byStage := map[*dockerfile.Stage][]fixed{}
	for i := range fs {
		fd := &fs[i]
		if fd.Fix == nil || len(fd.Fix.Edits) == 0 {
			continue
		}
		at := v.f.InstructionAt(fd.Fix.Edits[0].StartLine) // edits are in line order
		if s := stageOf(v.f, at); s != nil {
			byStage[s] = append(byStage[s], fixed{fd, at})
		}
	}
	for s, fixes := range byStage {
		first := fixes[0].at
		for _, fx := range fixes[1:] {
			if fx.at.StartLine < first.StartLine {
				first = fx.at
			}
		}
		declared := false
		for _, ins := range s.Instructions {
			if ins.StartLine >= first.StartLine {
				break
			}
			for _, a := range ins.Declares {
				declared = declared || a.Name == "TARGETARCH"
			}
			if !declared && ins.Cmd != "arg" && targetArchRef.MatchString(v.f.Text(ins.StartLine, ins.EndLine)) {
				first = ins // uses it already: declare it above that
				break
			}
		}
		if declared {
			continue
		}
		for _, fx := range fixes {
			e := &fx.fd.Fix.Edits[0]
			if e.StartLine == first.StartLine {
				e.Text = "ARG TARGETARCH\n" + e.Text
				continue
			}
			arg := v.edit(v.f.InsertBefore(first.StartLine, "ARG TARGETARCH"))
			fx.fd.Fix.Edits = append([]Edit{arg}, fx.fd.Fix.Edits...)
		}
	}
}

// stageOf returns the stage an instruction belongs to (nil for none, or
// for a FROM or an instruction before the first FROM).
func stageOf(f *dockerfile.File, at *dockerfile.Instruction) *dockerfile.Stage {
	if at == nil {
		return nil
	}
	for _, s := range f.Stages {
		if slices.Contains(s.Instructions, at) {
			return s
		}
	}
	return nil
}

// archNamed is how a message names an architecture a word names: as
// written, but for a name that is no architecture's own (conda's
// `linux-64`, `linux64`), which is said to be x86_64.
func archNamed(arch string) string {
	if strings.EqualFold(arch, "linux-64") {
		return "x86_64 (conda's `linux-64`)"
	}
	if l := strings.ToLower(arch); strings.HasPrefix(l, "linux") && normArch(arch) == "amd64" {
		return "x86_64 (`" + arch + "`)"
	}
	return arch
}

// archFinding builds one CR112 finding.
func archFinding(v *dfView, word string, sp dockerfile.Span, arch string) Finding {
	named := archNamed(arch)
	fd := Finding{
		Message:  fmt.Sprintf("`%s` hard-codes the %s architecture: the image breaks on other platforms", strings.Trim(word, `"'`), named),
		Location: v.spanLoc(sp),
		Fix:      &Fix{Description: "declare `ARG TARGETARCH` and use `${TARGETARCH}`"},
	}
	switch {
	case strings.EqualFold(arch, "linux-64"):
		fd.Fix.Description = "conda names its platforms `linux-64` (x86_64) and `linux-aarch64`: pick one from `$(uname -m)` in the RUN"
	case !strings.EqualFold(arch, "amd64") && !strings.EqualFold(arch, "arm64"):
		fd.Fix.Description = "derive the name from the build's architecture: `$(uname -m)` gives x86_64/aarch64, `${TARGETARCH}` gives amd64/arm64"
	}
	fd.Fix.Edits = archFix(v, sp, arch)
	return fd
}

// hostArch is m, the architecture match of word w, or the host of a
// cross toolchain w names host-first: a folder of the target's name in
// its URL (`…/aarch64-linux-gnu/gcc-linaro-…-x86_64_aarch64-linux-gnu.tar.xz`)
// is the same on every host.
func hostArch(w string, m []string) []string {
	if m == nil {
		return nil
	}
	if h := crossHost.FindStringSubmatch(withoutPatternSubst(w)); h != nil {
		return []string{h[0], h[1]}
	}
	return m
}

// archStem is a word with its architecture names blanked: the downloads
// `…/tool-x86_64-linux` and `…/tool-aarch64-linux` share one.
func archStem(w string) string {
	w = strings.ToLower(strings.Trim(w, `"'`))
	var b strings.Builder
	last := 0
	for _, m := range archRe.FindAllStringSubmatchIndex(w, -1) {
		b.WriteString(w[last:m[2]])
		b.WriteString("\x00")
		last = m[3]
	}
	b.WriteString(w[last:])
	return b.String()
}

// allSeen reports whether every name was seen, and the finding of the
// first (-1 for none).
func allSeen(seen map[string]int, names []string) (int, bool) {
	if len(names) == 0 {
		return 0, false
	}
	for _, n := range names {
		if _, ok := seen[n]; !ok {
			return 0, false
		}
	}
	return seen[names[0]], true
}

// download is one CR112 finding of a stage: an architecture-named URL or
// path, and every word of the stage that names it again.
type download struct {
	finding Finding
	arch    string // the architecture named, as written
	stem    string // the word with its architecture blanked (archStem)
	url     bool
	spans   []dockerfile.Span
	word    string // the word as written
}

// defaultHost returns the target triple of rustup's `--default-host`
// (`--default-host x86_64-unknown-linux-gnu`, or with `=`) when argument
// i is that flag, with the triple's span.
func defaultHost(c dockerfile.Command, i int) (string, dockerfile.Span, bool) {
	a := c.Args[i]
	span := func(j int) dockerfile.Span {
		if j < len(c.ArgSpans) {
			return c.ArgSpans[j]
		}
		return dockerfile.Span{Line: c.Line}
	}
	switch {
	case a == "--default-host" && i+1 < len(c.Args):
		return c.Args[i+1], span(i + 1), true
	case strings.HasPrefix(a, "--default-host="):
		return strings.TrimPrefix(a, "--default-host="), span(i), true
	}
	return "", dockerfile.Span{}, false
}

// stageDownloads are CR112's findings for the RUN and ADD words of one
// stage. A download is reported once, where it is first named; the later
// words of the stage that name its file or unpacked folder again go into
// that finding's fix.
func stageDownloads(v *dfView, s *dockerfile.Stage) []Finding {
	// A helper stage built for the build machine (`FROM
	// --platform=$BUILDPLATFORM`, jlesage's upx stage) makes tools for the
	// build, not the image: a download there does not reach the image.
	if v.buildMachineStage(s) {
		return nil
	}
	var dls []*download
	// seen maps an architecture-named name to its download's index (-1:
	// a local output name, no finding); urls are the URL words reported.
	seen := map[string]int{}
	// remember maps the names not seen yet to the download at (-1: a
	// local name).
	remember := func(names []string, at int) {
		for _, n := range names {
			if _, ok := seen[n]; !ok {
				seen[n] = at
			}
		}
	}
	// A URL an ENV or ARG holds (`ENV DOWNLOAD_URL=…/frp_${VERSION}_linux_amd64.tar.gz`)
	// is reported where it is set (archVarFindings): the words of the
	// stage that name its file or the folder it unpacks to are that
	// finding's, not findings of their own.
	for _, av := range archVars(v.f, s) {
		if strings.Contains(av.value, "://") {
			remember(archNames(av.value), -1)
		}
	}
	urls := map[string]bool{}
	add := func(a string, sp dockerfile.Span, arch string, url bool) {
		dls = append(dls, &download{finding: archFinding(v, a, sp, arch), arch: arch, stem: archStem(a), url: url, spans: []dockerfile.Span{sp}, word: a})
	}
	// A download whose name says no architecture but is known to be the
	// x86_64 build; other names the arm64 one.
	addArchless := func(a string, sp dockerfile.Span, other string) {
		fd := Finding{
			Message: fmt.Sprintf("`%s` is the x86_64 build, though its name says no architecture (the arm64 one is `%s`): "+
				"the image breaks on other platforms", strings.Trim(a, `"'`), other),
			Location: v.spanLoc(sp),
			Fix:      &Fix{Description: "pick the file from the build's architecture: `${TARGETARCH}` gives amd64/arm64, `$(uname -m)` x86_64/aarch64"},
		}
		if other == "" {
			fd.Message = fmt.Sprintf("`%s` runs on x86_64 only, though its name says no architecture (there is no arm64 build): "+
				"the image breaks on other platforms", strings.Trim(a, `"'`))
			fd.Fix = &Fix{Description: cmp.Or(archlessFix(a), "build the image for x86_64 only (`FROM --platform=linux/amd64`), or leave the tool out on other platforms")}
		}
		dls = append(dls, &download{finding: fd, arch: "x86_64", stem: archStem(a) + "\x00", url: true, spans: []dockerfile.Span{sp}})
	}
	// A stage built for one architecture may name it.
	fixed := v.fixedArch(s)
	for _, ins := range s.Instructions {
		switch ins.Cmd {
		case "run":
			// A RUN that works the architecture out picks its downloads
			// by it: only a URL it fetches whatever the build decides
			// (not under an `if`, a `case` branch, `||` or a test's `&&`)
			// that names an architecture is still judged (wodby's
			// `walter_…_linux_amd64` in a RUN that uses ${TARGETARCH}
			// for its other downloads).
			aware := archAware(v.f.Text(ins.StartLine, ins.EndLine))
			cmds, _ := ins.Commands()
			if aware && slices.ContainsFunc(cmds, func(c dockerfile.Command) bool {
				return c.Name == "exit" && c.Conditional && (len(c.Args) == 0 || c.Args[0] == "0")
			}) {
				// `if [ "$(uname -m)" != x86_64 ]; then …; exit 0; fi`:
				// what follows runs on one architecture only.
				continue
			}
			// runURLs are this RUN's URL downloads by architecture: a
			// path of the RUN naming the same one is what the download
			// unpacks to (`tar -xzf x-linux-x64.tgz && mv
			// /tmp/vscode-reh-web-*linux-x64 …`), even when its name is
			// not the download's.
			runURLs := map[string]int{}
			// A shell variable set to an architecture-named value and
			// used by a later download or path of the RUN is reported
			// where it is set; the words using it name its file again.
			vars := runArchVars(v, s, ins, cmds, fixed)
			if aware {
				vars = slices.DeleteFunc(vars, func(sa shellArch) bool { return sa.a.Conditional })
			}
			vars = slices.DeleteFunc(vars, func(sa shellArch) bool { return managedBundle.MatchString(sa.a.Value) })
			for _, sa := range vars {
				dls = append(dls, &download{finding: shellArchFinding(v, sa), arch: sa.arch, stem: archStem(sa.a.Value), spans: []dockerfile.Span{sa.a.Span}})
				remember(archNames(sa.a.Value), len(dls)-1)
			}
			guards := testedArchs(cmds)
			for _, c := range cmds {
				if aware && (c.Conditional || c.Nested) {
					continue
				}
				if isTest(c) {
					// `[ -f /usr/lib/x86_64-linux-gnu/libgmt.so.6 ]` asks
					// whether the machine has it: false elsewhere, no
					// failure.
					continue
				}
				if linkerConfig(c) {
					// Folders written into the linker's search list:
					// ldconfig skips one the machine lacks.
					continue
				}
				// A downloaded file run as a program (`/tmp/x_amd64.run`):
				// renamed with the download, or the fix would leave it.
				if archRe.MatchString(c.Name) && !strings.Contains(c.Name, "://") {
					if at, ok := allSeen(seen, archNames(c.Name)); ok && at >= 0 {
						dls[at].spans = append(dls[at].spans, v.nameSpan(c))
					}
				}
				for i, a := range c.Args {
					if aware && (!strings.Contains(a, "://") || archAware(a)) {
						continue
					}
					// rustup's `--default-host x86_64-unknown-linux-gnu`
					// installs that host's toolchain as the default.
					if h, sp, ok := defaultHost(c, i); ok {
						if m := archRe.FindStringSubmatch(h); m != nil && !ownArch(fixed, normArch(m[1])) {
							add(h, sp, m[1], false)
						}
						continue
					}
					// A word with blanks is a script another program
					// runs (`su -c "wget …"`): its commands come on
					// their own (Nested) and are judged there, once.
					// Blanks inside a command substitution of a URL
					// (`…/r/${ID}-$(echo $VERSION_ID | tr -d .)/…`) do not make it
					// a script.
					if !isURLOrPath(a) || strings.ContainsAny(withoutCmdSubst(a), " \t\n") {
						continue
					}
					// A URL in a sed expression is text written into a file
					// (`s|^URL=.*$|URL=https://…x86_64….tar.gz|`), not a
					// download of the build.
					if path.Base(c.Name) == "sed" && strings.Contains(a, "://") {
						continue
					}
					// A path inside a cross build's sysroot
					// (`/alpine-sysroot/usr/lib/gcc/aarch64-alpine-linux-musl`)
					// holds the target's files, whatever the host is.
					if !strings.Contains(a, "://") && sysrootPath.MatchString(a) {
						continue
					}
					m := hostArch(a, archRe.FindStringSubmatch(withoutPatternSubst(a)))
					if m == nil {
						m = archThenVar.FindStringSubmatch(withoutPatternSubst(a))
					}
					if m == nil {
						// In a RUN that works the architecture out, a
						// variable of the URL may be its folder
						// (`…/openshift-v4/${ARCH_PATH}/clients/…`).
						if other, ok := archlessX86(a); ok && !ownArch(fixed, "amd64") && (!aware || !strings.Contains(a, "$")) {
							sp := dockerfile.Span{Line: c.Line}
							if i < len(c.ArgSpans) {
								sp = c.ArgSpans[i]
							}
							addArchless(a, sp, other)
						}
						continue
					}
					if ownArch(fixed, normArch(m[1])) || otherOS.MatchString(a) {
						continue
					}
					sp := dockerfile.Span{Line: c.Line}
					if i < len(c.ArgSpans) {
						sp = c.ArgSpans[i]
					}
					names := archNames(a)
					// A folder the RUN makes (`mkdir -p /tmp/pkgs/linux-64`)
					// is a local name, as a download's output is: the
					// download that fills it is the finding.
					// The link `ln` makes is a local name, and a link to another
					// architecture's multiarch library folder (qemu-binfmt's
					// `/etc/qemu-binfmt/aarch64 -> /usr/lib/aarch64-linux-gnu`)
					// maps an emulated guest's libraries, not the image's own.
					// A link made inside such a folder
					// (`ln -s libncurses.so.6 /usr/lib/x86_64-linux-gnu/libncurses.so.5`)
					// needs the folder, which only that architecture has.
					link, linkName := path.Base(c.Name) == "ln", i == len(c.Args)-1
					intoMultiarch := link && linkName && multiarchLib.MatchString(path.Dir(strings.Trim(a, `"'`)))
					if link && !intoMultiarch && (linkName || multiarchLib.MatchString(strings.Trim(a, `"'`))) {
						continue
					}
					// A link that names the same architecture as its target
					// (`ln -s /lib/libc.musl-x86_64.so.1 /lib/ld-linux-x86-64.so.2`,
					// the loader x86_64 glibc programs ask for) serves only
					// that architecture's programs: elsewhere it dangles, and
					// nothing asks for it.
					if link && !linkName {
						if l := archRe.FindStringSubmatch(withoutPatternSubst(c.Args[len(c.Args)-1])); l != nil && normArch(l[1]) == normArch(m[1]) {
							continue
						}
					}
					if !intoMultiarch && (outputName(c, i) || path.Base(c.Name) == "mkdir") {
						// The file a download is saved as (`curl … --output
						// /tmp/x_amd64.run`): renamed with the download,
						// as the later words that name it are.
						if at, ok := allSeen(seen, names); ok && at >= 0 && outputName(c, i) {
							dls[at].spans = append(dls[at].spans, sp)
						}
						remember(names, -1)
						continue
					}
					// A URL is a download of its own (two versions of one
					// tool share a file name); a path or name repeats the
					// latest download it names. A URL is that download too
					// when a path of this stage named it first (`wget
					// /usr/src/x_amd64.deb "https://…/x_amd64.deb"`), when
					// it is the download's signature or checksum
					// (`….tar.bz2.asc`), or a fallback mirror tried only
					// when the first fails.
					// A package manager's option for a repository it names by
					// an id made from its URL (`--setopt=repo.x_x86_64_.gpgkey=…`):
					// the URL that adds the repository is the download.
					if strings.HasPrefix(a, "--setopt=") {
						continue
					}
					url := strings.Contains(a, "://")
					if crossArchive.MatchString(strings.Trim(a, `"'`)) || managedBundle.MatchString(a) {
						continue
					}
					if url && (keyFile.MatchString(strings.Trim(a, `"'`)) || archFreePackage(strings.Trim(a, `"'`))) {
						continue
					}
					// A path a command whose failure is ignored names
					// (`strip … /usr/lib/x86_64-linux-gnu/libQt5Core.so || true`):
					// on another platform the command fails and the build goes
					// on. A download so guarded still fetches the wrong file.
					if !url && (c.FailureIgnored || forcedRemove(c)) {
						continue
					}
					// A path or download a command names only when the RUN
					// found a file of that architecture (`if [ -f
					// /usr/lib/x86_64-linux-gnu/libgmt.so.6 ]; then ln -sf
					// …`): skipped on the others, as under a test of the
					// architecture itself.
					if c.Conditional && guards[normArch(m[1])] {
						continue
					}
					// A cross toolchain's sysroot (`/usr/i686-linux-gnu/lib/…`,
					// from gcc-i686-linux-gnu) is the same on every build
					// host; an i386 path is a 32-bit multilib folder beside
					// the native one.
					if !url && (crossSysroot.MatchString(strings.Trim(a, `"'`)) || crossTool.MatchString(strings.Trim(a, `"'`)) || normArch(m[1]) == "386") {
						continue
					}
					if at, ok := allSeen(seen, names); ok && (!url || urls[a] || at >= 0 && (!dls[at].url || c.Conditional || signatureExt.MatchString(strings.Trim(a, `"'`)))) {
						if at >= 0 {
							dls[at].spans = append(dls[at].spans, sp)
						}
						continue
					}
					// A path an earlier RUN's download installs to
					// (`…/nsight-systems/2025.3.1/target-linux-x64/nsys` after
					// `nsight-systems-…_amd64.deb`): that download's.
					if at := installedBy(dls, a, normArch(m[1])); at >= 0 && !url {
						if _, ok := runURLs[normArch(m[1])]; !ok {
							remember(names, at)
							continue
						}
					}
					if at, ok := runURLs[normArch(m[1])]; ok && !url {
						// Named as written: its edit is the download's.
						if strings.EqualFold(dls[at].arch, m[1]) {
							dls[at].spans = append(dls[at].spans, sp)
						}
						remember(names, at)
						continue
					}
					add(a, sp, m[1], url)
					urls[a] = url
					if url {
						runURLs[normArch(m[1])] = len(dls) - 1
					}
					for _, n := range names {
						if _, ok := seen[n]; !ok || url {
							seen[n] = len(dls) - 1
						}
					}
				}
			}
		case "add":
			if len(ins.Args) < 2 || ins.StartLine != ins.HeaderEndLine {
				continue
			}
			line := v.f.Line(ins.StartLine)
			for _, a := range ins.Args[:len(ins.Args)-1] {
				m := hostArch(a, archRe.FindStringSubmatch(withoutPatternSubst(a)))
				i := strings.Index(line, a)
				if other, ok := archlessX86(a); m == nil && ok && i >= 0 && !ownArch(fixed, "amd64") {
					addArchless(a, dockerfile.Span{Line: ins.StartLine, Col: i + 1, EndLine: ins.StartLine, EndCol: i + 1 + len(a)}, other)
					continue
				}
				// A local archive ADD unpacks into the image
				// (`ADD oss-cad-suite-linux-x64-*.tgz /opt`) brings that
				// architecture's programs as a download does.
				local := !strings.Contains(a, "://") && archiveExt.MatchString(strings.Trim(a, `"'`))
				if m == nil || !strings.Contains(a, "://") && !local || i < 0 || ownArch(fixed, normArch(m[1])) || otherOS.MatchString(a) {
					continue
				}
				add(a, dockerfile.Span{Line: ins.StartLine, Col: i + 1, EndLine: ins.StartLine, EndCol: i + 1 + len(a)}, m[1], !local)
				if local {
					// The build context holds that one file: renaming it
					// fixes nothing.
					dls[len(dls)-1].finding.Fix = &Fix{Description: "add the archive for each architecture and pick it with `${TARGETARCH}`, " +
						"or download it in a RUN by `$(uname -m)`"}
					dls[len(dls)-1].spans = []dockerfile.Span{{Line: ins.StartLine}}
				}
				// A later RUN that unpacks, moves or chmods the file the
				// ADD wrote (its name, or the destination's) repeats this
				// download: one finding.
				remember(append(archNames(a), archNames(ins.Args[len(ins.Args)-1])...), len(dls)-1)
			}
		}
	}
	// The same download for two architectures in one stage: the stage
	// fetches each, and something else picks (`COPY --from=…
	// /x-${TARGETARCH}`). None of them is hard-coded.
	archs := map[string]map[string]bool{}
	for _, d := range dls {
		if archs[d.stem] == nil {
			archs[d.stem] = map[string]bool{}
		}
		archs[d.stem][normArch(d.arch)] = true
	}
	// Files for several targets from one place (syzkaller's
	// `…/images/buildroot-amd64-….gz`, `buildroot-arm64-img-….gz` and
	// `buildroot-arm-fs-….gz`, disk images its VMs boot): the stage
	// fetches one per architecture, whatever the names add after it.
	var perTarget map[string]map[string]bool
	if slices.ContainsFunc(dls, func(d *download) bool { return d.url }) {
		perTarget = stageURLArchs(v, s)
	}
	guest := guestRootFiles(s)
	var out []Finding
	for _, d := range dls {
		if len(archs[d.stem]) > 1 {
			continue
		}
		// A file unpacked into another architecture's root file system
		// (golang/build's armv7 Go tarball, `tar … -C /arm/root/`, the
		// disk its QEMU guest boots) is the guest's, not the image's.
		if d.url && guest[urlFile(d.word)] {
			continue
		}
		if prefix, _, ok := strings.Cut(d.stem, "\x00"); ok && d.url && strings.Contains(prefix, "://") && len(perTarget[prefix]) > 1 {
			continue
		}
		if len(d.spans) > 1 && d.finding.Fix != nil {
			d.finding.Fix.Edits = archFixAll(v, d.spans, d.arch)
		}
		out = append(out, d.finding)
	}
	return out
}

// guestRoot is a folder that holds another architecture's root file
// system (`/arm/root`, `/rootfs-arm64`, `/srv/aarch64-sysroot`).
var guestRoot = regexp.MustCompile(`(?i)(?:^|/)[a-z0-9_.-]*(?:arm|aarch64|arm64|armhf|armv7|riscv64|ppc64le|s390x)[a-z0-9_.-]*/(?:root|rootfs|sysroot|chroot)(?:/|$)|` +
	`(?:^|/)(?:rootfs|sysroot|chroot)[-_.]?(?:arm|aarch64|arm64|armhf|armv7|riscv64|ppc64le|s390x)[a-z0-9_.-]*(?:/|$)`)

// guestRootFiles are the names of the archives stage s unpacks into a
// guest's root file system (`tar xf go.linux-arm.tar.gz -C /arm/root/`).
func guestRootFiles(s *dockerfile.Stage) map[string]bool {
	out := map[string]bool{}
	for _, ins := range s.Instructions {
		if ins.Cmd != "run" {
			continue
		}
		cmds, _ := ins.Commands()
		for _, c := range cmds {
			if path.Base(c.Name) != "tar" {
				continue
			}
			into := false
			for i, a := range c.Args {
				if (a == "-C" || a == "--directory") && i+1 < len(c.Args) && guestRoot.MatchString(c.Args[i+1]) ||
					strings.HasPrefix(a, "--directory=") && guestRoot.MatchString(strings.TrimPrefix(a, "--directory=")) {
					into = true
				}
			}
			if !into {
				continue
			}
			for _, a := range c.Args {
				if strings.Contains(a, ".tar") || strings.HasSuffix(a, ".tgz") {
					out[path.Base(a)] = true
				}
			}
		}
	}
	return out
}

// urlFile is the file name a URL ends in, without its query.
func urlFile(u string) string {
	u = strings.Trim(u, `"'`)
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return path.Base(u)
}

// installedBy returns the earlier URL download of the architecture arch
// whose file's name shares a word of five letters or more with the path
// p (`nsight` in `nsight-systems-…_amd64.deb` and
// `/opt/nvidia/nsight-systems/…/target-linux-x64/nsys`), -1 for none.
func installedBy(dls []*download, p, arch string) int {
	lp := strings.ToLower(p)
	for i, d := range dls {
		if !d.url || normArch(d.arch) != arch {
			continue
		}
		for _, w := range nameWord.FindAllString(path.Base(strings.ReplaceAll(d.stem, "\x00", "-")), -1) {
			if len(w) >= 5 && !slices.Contains(commonNameWords, w) && strings.Contains(lp, w) {
				return i
			}
		}
	}
	return -1
}

// commonNameWords are words many downloads' names share: no sign of the
// same program.
var commonNameWords = []string{"linux", "darwin", "windows", "static", "release", "latest", "unknown", "musl", "stable", "binary", "bundle", "installer", "setup"}

// nameWord is a run of letters in a file's name.
var nameWord = regexp.MustCompile(`[a-z]+`)

// targetWord is an architecture's name in a URL, wider than archRe: the
// 32-bit and other targets a stage may fetch files for too.
var targetWord = regexp.MustCompile(`(?i)(?:^|[-_./="'])(amd64|x86_64|x86-64|aarch64|arm64|armv7l?|armhf|arm|i386|i686|x86|riscv64|ppc64le|s390x|mips64)(?:$|[-_./"'])`)

// urlWord is a URL in an instruction's text.
var urlWord = regexp.MustCompile(`https?://[^\s"'|;&)]+`)

// stageURLArchs maps the part of each URL the stage downloads that comes
// before an architecture's name (lower-cased, as archStem keeps it) to the
// architectures named there.
func stageURLArchs(v *dfView, s *dockerfile.Stage) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, ins := range s.Instructions {
		if ins.Cmd != "run" && ins.Cmd != "add" {
			continue
		}
		for _, u := range urlWord.FindAllString(v.f.Text(ins.StartLine, ins.EndLine), -1) {
			u = strings.ToLower(u)
			m := targetWord.FindStringSubmatchIndex(u)
			if m == nil {
				continue
			}
			prefix, arch := u[:m[2]], u[m[2]:m[3]]
			if out[prefix] == nil {
				out[prefix] = map[string]bool{}
			}
			if n := normArch(arch); n != "" {
				arch = n
			}
			out[prefix][arch] = true
		}
	}
	return out
}

// archFreePackage reports whether a URL downloads a package built for
// every architecture from an architecture's folder
// (`…/x86_64/os/Packages/opencl-headers-….noarch.rpm`): it installs
// anywhere. NVIDIA's packages that set up a repository are not: they point the
// package manager at the folder it came from.
func archFreePackage(url string) bool {
	file := path.Base(url)
	return archFreeExt.MatchString(file) && !repoSetup.MatchString(file) && archRe.FindStringIndex(file) == nil
}

// inChain reports whether s is the final stage or one a built stage is
// built on (its files are in that stage's), not one only copied from.
func (v *dfView) inChain(s *dockerfile.Stage, built map[*dockerfile.Stage]bool) bool {
	for t := range built {
		if t != s && slices.Contains(v.chain(t), s) || t == s && s == v.final {
			return true
		}
	}
	return false
}

// unusedDownload reports whether the download a finding of stage s is
// about is saved where nothing uses it: no later command of s runs or
// reads the file it is saved as (`chmod`, `chown` and `rm` do not), and
// no COPY --from of the build takes it (nor `/`, nor a pattern). Not
// known, and so used, when the command does not name where it saves.
func (v *dfView) unusedDownload(s *dockerfile.Stage, f Finding) bool {
	if !strings.Contains(f.Message, "://") {
		return false
	}
	var saved string
	var at *dockerfile.Instruction
	for _, ins := range s.Instructions {
		if ins.Cmd != "run" || f.Location.StartLine < ins.StartLine || f.Location.StartLine > ins.EndLine {
			continue
		}
		cmds, _ := ins.Commands()
		for _, c := range cmds {
			for _, sp := range c.ArgSpans {
				if sp.Line == f.Location.StartLine && sp.Col == f.Location.StartCol {
					saved, at = downloadOutput(c), ins
				}
			}
		}
	}
	if at == nil || saved == "" || strings.ContainsAny(saved, "$*?`") || !strings.HasPrefix(saved, "/") {
		return false
	}
	name := path.Base(saved)
	later := false
	for _, ins := range s.Instructions {
		if ins == at {
			later = true
		}
		if !later || ins.Cmd != "run" {
			continue
		}
		cmds, _ := ins.Commands()
		for _, c := range cmds {
			if slices.Contains([]string{"curl", "wget", "chmod", "chown", "rm"}, path.Base(c.Name)) {
				continue
			}
			if path.Base(c.Name) == name || slices.ContainsFunc(c.Args, func(a string) bool { return strings.Contains(a, name) }) {
				return false
			}
		}
	}
	for _, t := range v.f.Stages {
		for _, ins := range t.Instructions {
			from, ok := ins.Flag("from")
			if !ok || ins.Cmd != "copy" && ins.Cmd != "add" {
				continue
			}
			if from = expandKnown(from, v.stageVars(t, ins)); !strings.EqualFold(from, s.Name) && from != strconv.Itoa(s.Index) {
				continue
			}
			for _, src := range ins.Args[:max(len(ins.Args)-1, 0)] {
				src = path.Clean("/" + strings.Trim(src, `"'`))
				if src == "/" || strings.ContainsAny(src, "*?[$") || src == saved || strings.HasPrefix(saved, src+"/") {
					return false
				}
			}
		}
	}
	return true
}

// downloadOutput is the file curl or wget saves a download as (`-o`,
// `--output`, `-O`, `--output-document`, also joined to short options:
// `wget -qO/bin/grpc_health_probe`), "" when the command names none.
func downloadOutput(c dockerfile.Command) string {
	short := map[string]byte{"curl": 'o', "wget": 'O'}[path.Base(c.Name)]
	if short == 0 {
		return ""
	}
	for i, a := range c.Args {
		if outputName(c, i) {
			return strings.Trim(a, `"'`)
		}
		for _, long := range []string{"--output=", "--output-document="} {
			if v, ok := strings.CutPrefix(a, long); ok {
				return strings.Trim(v, `"'`)
			}
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' {
			if j := strings.IndexByte(a, short); j > 0 && j < len(a)-1 {
				return strings.Trim(a[j+1:], `"'`)
			}
		}
	}
	return ""
}

// checkCR112 reports architectures hard-coded in downloads.
func checkCR112(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	var out []Finding
	built := v.builtStages()
	for _, s := range v.f.Stages {
		if built[s] {
			fs := stageDownloads(v, s)
			// A stage the build only copies from: a download neither run
			// there nor copied out (the amd64 grpc_health_probe of a
			// builder whose final `scratch` stage takes only the service
			// binary) breaks nothing.
			if !v.inChain(s, built) {
				fs = slices.DeleteFunc(fs, func(f Finding) bool { return v.unusedDownload(s, f) })
			}
			out = append(out, fs...)
		}
	}
	out = append(out, archVarFindings(v)...)
	declareTargetArch(v, out)
	out = append(out, scriptDownloads(v)...)
	// An apt source's fix asks dpkg, not ${TARGETARCH}.
	foreign := foreignArchs(v.f)
	for _, s := range v.f.Stages {
		if built[s] {
			out = append(out, aptArchSources(v, s, v.fixedArch(s), foreign)...)
		}
	}
	return out
}
