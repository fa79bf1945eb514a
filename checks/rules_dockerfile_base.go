package checks

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/coderready/coderready/dockerfile"
	"github.com/coderready/coderready/internal/suggest"
	"github.com/google/go-containerregistry/pkg/name"
)

// Dockerfile rules about parsing, the base image and the build's shape:
// CR100, CR101, CR102, CR103, CR110, CR111, CR113.

func init() {
	Register(&Rule{
		ID:       "CR100",
		Title:    "Dockerfile or RUN command does not parse",
		Severity: SeverityError,
		Family:   FamilyDockerfile,
		What: "The Dockerfile does not parse with BuildKit's parser, or a shell-form `RUN` (or a `RUN <<EOF` script) " +
			"is not valid shell. RUN bodies are parsed with `mvdan.cc/sh` as Bash, a superset of POSIX sh, so " +
			"only mistakes that break every shell are reported — typically an `&&` repeated across a line " +
			"continuation, or an unclosed quote. What the parser takes for another shell's feature (`floating point " +
			"arithmetic is a zsh feature`, which Bash accepts as an associative array's key, `[3.7]=…`) is not reported: " +
			"the RUN is then not read by the other rules either.",
		Why: "A Dockerfile that does not parse, or a RUN line the shell rejects, fails the image build: no workspace " +
			"can start from it. Catching it here gives the exact line and column before any build runs." + cite("dockerfile"),
		HowToFix: "Fix the text at the reported line and column. For a doubled operator such as\n\n" +
			"```dockerfile\nRUN apt-get update && \\\n    && apt-get install -y curl\n```\n\n" +
			"remove one of the `&&` (the suggested fix removes the second).",
		Sources:    []string{"dockerfile"},
		Dockerfile: checkCR100,
	})
	Register(&Rule{
		ID:       "CR101",
		Title:    "Final stage runs as root",
		Severity: SeverityWarning,
		Family:   FamilyDockerfile,
		What: "The final stage ends as root: its last `USER` is `root` or `0`, or there is no `USER` at all " +
			"and the base image's user is root. The base's user is read from the image (engine or registry), " +
			"else from a Dockerfile of the same repository that builds that image (matched by the image's name, " +
			"also through a build-arg default such as `ARG BASE_IMAGE=…/base-notebook`; its last `USER`; not an image named " +
			"with its registry whose name the repository's build files tag only under other registries or namespaces, " +
			"`gcr.io/google.com/cluster-fuzz/base` where they tag `gcr.io/clusterfuzz-images/base`, nor for a reference with a registry " +
			"and a path of three parts or more, `…/cloud-tpu-images/jax-ai-image/tpu`, a Dockerfile whose folders lack the part before its name), " +
			"else from the table of well-known images. When none of them tells, the rule says nothing: " +
			"an unread base is not guessed to be root, unless the final stage shows it: a package install it runs without sudo " +
			"(`apt-get install`, `apk add`, `yum install`), which only root can do; that finding is inferred, a warning at most, and " +
			"says which line it stands on. A final `USER root` is not reported when the ENTRYPOINT " +
			"script (read from the build context) switches to a non-root user (`su`, `gosu`, `su-exec`, `runuser`, " +
			"`setpriv`, `sudo -u`) and starts the agent's init script as that user: root is for its setup, such " +
			"as fixing a volume's ownership. A Dockerfile a devcontainer.json builds is not reported when the config sets a " +
			"non-root `remoteUser` or `containerUser` (or its Compose service a non-root `user:`), nor, in a Docker Compose config (which only the native integration " +
			"runs), when it has no `USER` and its base's devcontainer.metadata label names the user, nor when CR205 reports that " +
			"Dev Container's root user: CR205 judges the Dev Container's user, and one finding says it. A Dockerfile only a Dev Container's other Compose services build (a proxy, a worker) is not judged either: Compose runs it as its own service, and no template starts a workspace in it. An image built on `scratch` is not judged: it has no user database " +
			"or shell, holds files or one static program, and cannot be a workspace; unless it copies another system's whole filesystem into its root " +
			"(`COPY --from=build / /`, or a folder named as a root filesystem: `/root-out/`; not a runtime's folder of libraries, `COPY --from=build /runtime/ /`), which brings that system's files but not its USER: with no USER of its own it runs as root.",
		Why: "Coder's image guidance asks for a non-root user in workspace images, and Coder's templates run " +
			"workspaces as that user (UID 1000, `coder`). An image that ends as root either runs the " +
			"developer's session as root or leaves the template to guess a user that may not exist." + cite("seed"),
		HowToFix: "Create the workspace user and switch to it at the end of the final stage:\n\n" +
			"```dockerfile\nRUN useradd --create-home --shell /bin/bash --uid 1000 --user-group coder\nUSER coder\n```\n\n" +
			"On Alpine use `adduser -D -s /bin/bash -u 1000 coder` (and install `bash`). When the base image " +
			"already has a user (`vscode`, `node`), `USER` that user instead. On a base whose users are not known, " +
			"make the user only where UID 1000 is free and switch to the UID (`RUN getent passwd 1000 >/dev/null || useradd …`, " +
			"`USER 1000`): such a base may already have one (`emscripten/emsdk`'s `emscripten`, Ubuntu 24.04's `ubuntu`). " +
			"Install first elsewhere (`/usr/local`, `/opt`) what the image keeps under /root (`ENV PATH=/root/.cargo/bin:$PATH`): " +
			"the new user cannot read /root.",
		Sources:    []string{"seed"},
		Dockerfile: checkCR101,
	})
	Register(&Rule{
		ID:       "CR102",
		Title:    "Base image not pinned",
		Severity: SeverityWarning,
		Family:   FamilyDockerfile,
		What: "A `FROM` of a registry image, or a `COPY --from=` one (`COPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/`), " +
			"has neither a digest nor a tag other than `latest`, a variant's `latest` (`ubi9-latest`, `latest-arm64`), a branch's (`main`, " +
			"`master`, `develop`, `dev`, `nightly`, `edge`, `head`, `trunk`, also with a variant and no version: `develop_plot`), a development build's `devel` (`rhub/r-minimal:devel`), a rolling build's " +
			"(Kasm's `1.18.0-rolling-weekly`, rebuilt every week with its updates; ROS 2's `ros:rolling-ros-core`, its development " +
			"distribution), a distroless variant alone (`gcr.io/distroless/static:nonroot`: distroless tags no versions; not an image of a Debian release distroless no longer builds, `python3-debian11:debug`) or a Dev Containers image's distribution " +
			"name or codename alone (`mcr.microsoft.com/devcontainers/base:ubuntu`, `rust:bookworm`, `cpp:debian-12`, which move to each new release; `1-bookworm` pins the major version; not `bullseye` nor `debian-11`, which the images dropped at 2.2) or `dev` channel (`dev-1.26-bookworm`; not a Node.js line or Debian release it no longer builds, `javascript-node:dev-16-bullseye`, `python:dev-3.13-bullseye`, which stopped moving), or a Docker Official " +
			"language or product image's tag that names no version (`node:trixie`, `python:slim`, `node:lts`, `nginx:alpine`, " +
			"`postgres:alpine`; a Node.js LTS line's codename names its major version, `node:jod-alpine` is Node 22; an application image's tag that names only the version of the runtime it is built on, `wordpress:php8.2-apache`, `tomcat:jdk17-temurin`, is the newest release on that runtime), a distribution's channel (`debian:stable-slim`, `ubuntu:rolling`, `fedora:rawhide`, `busybox:stable`, also in an architecture's namespace: `i386/debian:testing`), a rolling distribution's tag that names no snapshot (`archlinux:base-devel`, `opensuse/tumbleweed:latest`), or one of Coder's images " +
			"tagged with a distribution's name alone (`codercom/enterprise-base:ubuntu`, rebuilt on every change), unless that tag names an archived Debian release (`node:lts-buster`), or one the official images no longer build (`golang:bullseye`: Debian 11's LTS ended in August 2026; docker's `stable` channel, `docker:stable-dind`, which ended at 19.03.14; the `onbuild` variants, `golang:onbuild`, deprecated in 2017), which stopped moving " +
			"when the image dropped it (CR119 reports it). With " +
			"`require-digest` in config, every registry `FROM` and `COPY --from` image needs a digest. Stage references, `scratch`, " +
			"a distroless image of a Debian release distroless no longer builds (`gcr.io/distroless/nodejs18-debian11`, any tag: built no more, it does not move), " +
			"references still holding an unresolved `$ARG`, and a bare name that is not a Docker Official Image " +
			"(`FROM bats-jenkins`: an image the repository's scripts build and tag locally) are not judged, nor an image " +
			"a build file of the repository tags (`docker build -t oracle/tuxedo:latest`, a Makefile's `$(TAG_FLAG) " +
			"$(ORG)/base:latest`, a bake target's `tags` or `contexts` mapped to a target (also by a function that makes `\"target:${target}\"` for the file's targets) or to an image pinned by digest, a named build context the build gives in its place (`--build-context clickhouse=./docker/clickhouse` for `COPY --from=clickhouse`, a bake target's `contexts`, a workflow step's `build-contexts:`, a Compose service's `additional_contexts`; not one that is another image, `docker-image://…`), a workflow's `tags:` (or a reusable " +
			"workflow's `repo_tags:` input), docker/metadata-action's `images:` (or a reusable workflow's comma-separated `images:` list), a Compose service's `image` it builds, a Tiltfile's `docker_build` or `custom_build`, a repository a build program keeps in a constant while a build command of the repository tags computed names (`REPOSITORY = 'silex/emacs'`, `docker buildx build … --tag`), a workflow matrix entry that pairs a Dockerfile with its image (`[\"config/docker/Dockerfile.base\", \"ghcr.io/mfem/mfem-ubuntu-base\"]`), " +
			"`devcontainer build --image-name`, a tag a script names after each Dockerfile it builds, `-t ${lang}:latest -f " +
			"intermediate/${lang}.Dockerfile`, or after each one it finds (`find recipes -name Dockerfile`, tagged `eclipse/$name` and " +
			"built with `-t $image`: `eclipse/node` where `recipes/node/Dockerfile` is; a script's variable assigned several values, " +
			"`LABEL=rsm-msba-intel` before each call of a build function, is each of them, and so is a loop's variable over words or an array the script " +
			"writes out, `for image_name in \"${IMAGES[@]}\"`; a script's argument in a tag, `-t pytorchignite/$2:latest` or a function's " +
			"`local name=$1`, is each plain word its callers pass, `bash build.sh main base` or `build_image \"base-python-deps\" …`); GitHub's `${{ github.repository }}` and `$GITHUB_REPOSITORY` name the repository " +
			"when the scan knows it, from the app or the checkout's `origin`): the build uses the local image. Nor, for a " +
			"Dockerfile built on its own, a tag taken from a build argument the repository's scripts, workflows, " +
			"Makefiles, bake or Compose files name (`ARG BASE_TAG=latest` is then a fallback the build overrides), or a registry " +
			"they pass (`FROM $REGISTRY/build/base`, the build pointing it where it pushes its own images), or a " +
			"whole image taken from one they give only pinned or unknown values (`build-args: BASE=${{ … }}`) or whose default takes " +
			"an argument they pass (`ARG GOLANG_IMAGE=golang:${GOLANG_VERSION}-bookworm`). Stages built on the same image are one finding, on the first, that names the others' lines.",
		Why: "Golden images are few and shared by many workspaces, so they must be reproducible: `latest` (or no " +
			"tag) changes under you, and two builds of the same commit can differ in tools, users and libc." + cite("seed"),
		HowToFix: "Pin a version tag, and for golden images a digest too: " +
			"`FROM ubuntu:24.04@sha256:<digest>` (`docker buildx imagetools inspect ubuntu:24.04` prints it).",
		Sources:    []string{"seed"},
		Dockerfile: checkCR102,
	})
	Register(&Rule{
		ID:         "CR103",
		Title:      "Base image not allowed",
		Severity:   SeverityError,
		Family:     FamilyDockerfile,
		ConfigOnly: true,
		What: "The final stage builds on an image that matches none of config's `allowed-bases`. Patterns are " +
			"globs over the reference in Docker's short form (`ubuntu:24.04`, `ghcr.io/org/img:1`): `*` matches " +
			"any run of characters, `/` included, and `?` one character; a pattern without a tag or digest " +
			"matches every tag of that repository. Checking the built image's layers against the allowed " +
			"images (to catch re-tags) happens when the image is read.",
		Why: "Coder recommends two or three golden images maintained by the platform team; workspaces built on " +
			"anything else miss the org's tools, CA certificates and patches." + cite("seed"),
		HowToFix:   "Build on one of the allowed images (the fix suggests the closest one).",
		Sources:    []string{"seed"},
		Dockerfile: checkCR103,
	})
	Register(&Rule{
		ID:       "CR110",
		Title:    "Platform without a Coder agent build",
		Severity: SeverityError,
		Family:   FamilyDockerfile,
		What: "A `FROM --platform=` of the final image's stages names a platform Coder builds no agent for; " +
			"only linux/amd64, linux/arm64 and linux/arm/v7 have one.",
		Why: "The agent bootstrap script downloads the agent binary for the workspace's platform; Coder ships it " +
			"for linux amd64, arm64 and armv7 only, so on any other platform the workspace never connects." + cite("bootstrap"),
		HowToFix:   "Build for `linux/amd64` or `linux/arm64` (or `linux/arm/v7`).",
		Sources:    []string{"bootstrap"},
		Dockerfile: checkCR110,
	})
	Register(&Rule{
		ID:       "CR111",
		Title:    "Package manager does not match the base image",
		Severity: SeverityError,
		Family:   FamilyDockerfile,
		What: "A `RUN` uses a package manager the stage's base image does not have: `apk` on Debian or Ubuntu, " +
			"`apt-get` on Alpine or RHEL, `dnf` on ubi-minimal (which has `microdnf`; so do images tagged for it, `eclipse-temurin:17-jdk-ubi9-minimal`), and so on. The base's " +
			"family comes from the image when it was read, else from the Dockerfile of the same repository that " +
			"builds it, else from its reference (a reference by digest alone does not say which variant it is). " +
			"A command that runs only under a shell condition (`if [ \"$ID\" = alpine ]; then apk add …`, " +
			"`command -v apk && apk add …`, a `case` branch, after `||`) and a RUN that uses several managers " +
			"(a script that picks one at run time) are not judged, nor a base whose tag takes a build argument the repository's build files pass " +
			"(`php:8.4-${VARIANT}`, built for `cli-alpine` by a workflow's matrix): the default's distribution is not what is built.",
		Why: "The command does not exist in the image, so the build fails at that line." + cite("dockerfile"),
		HowToFix: "Use the base's package manager, e.g. on Debian/Ubuntu " +
			"`apt-get update && apt-get install -y --no-install-recommends PKGS && rm -rf /var/lib/apt/lists/*`, " +
			"on Alpine `apk add --no-cache PKGS`, on Fedora/RHEL `dnf install -y PKGS && dnf clean all`.",
		Sources:    []string{"dockerfile"},
		Dockerfile: checkCR111,
	})
	Register(&Rule{
		ID:       "CR113",
		Title:    "ARG used in FROM has no value",
		Severity: SeverityError,
		Family:   FamilyDockerfile,
		What: "A `FROM` line uses a variable that has no value, and left empty it does not make a valid image " +
			"reference: an `ARG` without a default that the devcontainer's `build.args` does not set, or a name " +
			"no `ARG` before the first `FROM` declares (which no `--build-arg` can set). A Dockerfile built on its " +
			"own whose `ARG` has no default is a parameter its builder passes (`--build-arg`, as Gitpod's dazzle " +
			"chunks and CI builds do) and is not reported; nor is a variable whose empty value still gives a " +
			"valid reference (`FROM tensorflow/tensorflow:devel${IMAGE_TYPE}`, `:${GHC_VERSION}${SUBTAG:+-}${SUBTAG}`, the " +
			"shell's fallback and alternative forms expanded as BuildKit does), nor BuildKit's automatic platform " +
			"ARGs (`TARGETARCH`, `BUILDPLATFORM`, …), nor a name only the default of an argument names that the " +
			"repository's build files pass (`ARG FROM_IMAGE=\"${REPO}:${PHP_VERSION}-cli\"` then `FROM $FROM_IMAGE`, with each " +
			"bake target setting `FROM_IMAGE`): that default is never used.",
		Why: "envbuilder builds the Dockerfile with only the devcontainer's `build.args`; an empty base reference " +
			"fails the build on every workspace start, and the workspace crash-loops." + cite("envbuilder"),
		HowToFix:   "Give the ARG a default (`ARG VARIANT=bookworm`), or set it in the devcontainer's `build.args`.",
		Sources:    []string{"envbuilder"},
		Dockerfile: checkCR113,
	})
}

// checkCR100 reports BuildKit parse errors and RUN bodies that are not
// valid shell.
func checkCR100(in *DockerfileInput) []Finding {
	if in.ParseErr != nil {
		var se *dockerfile.SyntaxError
		if errors.As(in.ParseErr, &se) {
			return []Finding{{
				Message:  "Dockerfile does not parse: " + se.Msg,
				Location: Location{Path: se.Path, StartLine: se.Line, StartCol: se.Col, EndLine: se.Line},
			}}
		}
		return []Finding{{Message: "Dockerfile does not parse: " + in.ParseErr.Error()}}
	}
	v := newView(in)
	if v == nil {
		return nil
	}
	var out []Finding
	for _, ins := range v.f.All() {
		_, err := ins.Commands()
		var se *dockerfile.SyntaxError
		if !errors.As(err, &se) || se.Dialect {
			// A feature the parser gives to another shell may be Bash's
			// in a context it cannot tell: not known to fail.
			continue
		}
		fd := Finding{
			Message:  fmt.Sprintf("%s is not valid shell: %s", strings.ToUpper(ins.Cmd), strings.TrimPrefix(se.Msg, "shell: ")),
			Location: Location{Path: v.path(), StartLine: se.Line, StartCol: se.Col, EndLine: se.Line},
		}
		if fix := doubledOperatorFix(v, se); fix != nil {
			fd.Fix = fix
		}
		out = append(out, fd)
	}
	return out
}

// doubledOperatorFix removes the second of two operators (`&& \` then
// `&& cmd`) reported by the shell parser.
func doubledOperatorFix(v *dfView, se *dockerfile.SyntaxError) *Fix {
	if !strings.Contains(se.Msg, "right after") || se.Col < 1 {
		return nil
	}
	_, rest, _ := strings.Cut(se.Msg, "`")
	op, _, _ := strings.Cut(rest, "`")
	line := v.f.Line(se.Line)
	if op == "" || se.Col-1+len(op) > len(line) || line[se.Col-1:se.Col-1+len(op)] != op {
		return nil
	}
	text := line[:se.Col-1] + strings.TrimLeft(line[se.Col-1+len(op):], " \t")
	return &Fix{
		Description: "remove the repeated `" + op + "`",
		Edits:       []Edit{{Path: v.path(), StartLine: se.Line, EndLine: se.Line, Text: text}},
	}
}

// usersCreated returns the users the RUN instructions of s's chain create
// with useradd or adduser, in order.
// A user renamed with `usermod -l NEW OLD` counts as NEW created.
func (v *dfView) usersCreated(s *dockerfile.Stage) []string {
	out := v.userCommands(s, "useradd", "adduser")
	for _, r := range v.usersRenamed(s) {
		out = append(out, r[1])
	}
	return out
}

// usersRenamed returns the users s's chain renames with `usermod -l NEW
// OLD` (`--login NEW`), as {OLD, NEW}, names from variables expanded when
// known; the image has NEW where OLD was (penpot's devenv renames
// Ubuntu's `ubuntu`).
func (v *dfView) usersRenamed(s *dockerfile.Stage) [][2]string {
	var out [][2]string
	for _, in := range v.instructions(s) {
		cmds, _ := in.Commands()
		for _, c := range cmds {
			if path.Base(c.Name) != "usermod" || len(c.Args) < 3 {
				continue
			}
			name := func(i int) string {
				if c.Literal[i] {
					return c.Args[i]
				}
				return expandKnown(c.Args[i], v.stageVars(in.Stage, in))
			}
			last := len(c.Args) - 1
			for i, a := range c.Args[:last] {
				var renamed string
				switch {
				case (a == "-l" || a == "--login") && i+1 < last:
					renamed = name(i + 1)
				case strings.HasPrefix(a, "--login="):
					renamed = strings.TrimPrefix(a, "--login=")
				default:
					continue
				}
				if old := name(last); userNameRe.MatchString(renamed) && userNameRe.MatchString(old) {
					out = append(out, [2]string{old, renamed})
				}
				break
			}
		}
	}
	return out
}

// userNameRe is a user name as useradd accepts it.
var userNameRe = regexp.MustCompile(`^[a-z_][a-z0-9_.-]*[$]?$`)

// userCommands returns the user names given to the named commands
// (useradd, userdel, ...) in the RUN instructions of s's chain, in order;
// a name from a variable counts when the variable's value is known.
func (v *dfView) userCommands(s *dockerfile.Stage, names ...string) []string {
	var out []string
	for _, in := range v.instructions(s) {
		cmds, _ := in.Commands()
		// The users a script the RUN runs makes or deletes
		// (photoprism's `/scripts/create-users.sh`, copied in first).
		if in.Cmd == "run" {
			for _, rs := range v.runScripts(in) {
				// Parsed only when it names one of the commands.
				if !slices.ContainsFunc(names, func(n string) bool { return strings.Contains(rs.text, n) }) {
					continue
				}
				if sc, err := dockerfile.ScriptCommands(rs.text); err == nil {
					cmds = append(cmds, slices.DeleteFunc(sc, func(c dockerfile.Command) bool { return c.Conditional })...)
				}
			}
		}
		for _, c := range cmds {
			if !slices.Contains(names, path.Base(c.Name)) {
				continue
			}
			_, i := commandUID(c)
			switch {
			case i < 0:
			case c.Literal[i]:
				out = append(out, c.Args[i])
			default:
				// `useradd … $USERNAME` with `ARG USERNAME=vscode`.
				if name := expandKnown(c.Args[i], v.stageVars(in.Stage, in)); userNameRe.MatchString(name) {
					out = append(out, name)
				}
			}
		}
	}
	return out
}

// rootInstall returns the first package install a RUN of s's chain runs
// as the image's own user (no sudo, no user switch), unconditionally and
// with its failure not ignored: apt, apk, dnf, yum, microdnf and zypper
// need root to install, so the build's user there is root.
func (v *dfView) rootInstall(s *dockerfile.Stage) (dockerfile.Command, bool) {
	for _, ins := range v.instructions(s) {
		if ins.Cmd != "run" {
			continue
		}
		for _, inst := range ins.Installs() {
			c := inst.Command
			if c.Conditional || c.FailureIgnored || c.User != "" || len(c.Wrappers) > 0 ||
				slices.ContainsFunc(c.Args, func(a string) bool {
					return a == "--root" || a == "-p" || strings.HasPrefix(a, "--root=") || strings.HasPrefix(a, "--installroot")
				}) {
				continue
			}
			return c, true
		}
	}
	return dockerfile.Command{}, false
}

// checkCR101 reports a final stage that ends as root.
func checkCR101(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	final := v.final
	// An image built on scratch has no user database and no shell: it
	// holds files (copied into other images) or one static program, and
	// no template can start a workspace in it; no user can be created.
	// Unless it copies a whole system into its root (`COPY --from=build /
	// /`, cilium's CI images): then it is that system, run as root.
	scratch := strings.EqualFold(v.rootRef(final), "scratch")
	if scratch && !v.copiesSystem(final) {
		return nil
	}
	// A Dockerfile only a Dev Container's other Compose services build
	// (a proxy, a worker): Compose runs it as its own service, no Coder
	// template starts a workspace in it (CR106 says the same).
	if in.ComposeSidecar != "" {
		return nil
	}
	var last *dockerfile.Instruction
	for _, ins := range v.instructions(final) {
		if ins.Cmd == "user" {
			last = ins
		}
	}
	// A devcontainer that names a non-root remoteUser/containerUser settles
	// the user for sessions; CR205 judges that choice.
	if dc := in.Devcontainer; dc != nil {
		if u, set := dc.User(); set && !isRootUser(u) {
			return nil
		}
		// The Compose service's `user: ${UID:-kitsune}` is the container's
		// user, whatever the Dockerfile ends with.
		if u, ok := composeUserName(in.ComposeUser); ok && !isRootUser(u) {
			return nil
		}
		// Only the native integration runs a Docker Compose setup
		// (envbuilder cannot build one): with no USER of the Dockerfile's
		// own, or `USER root` (the container's user), it runs the sessions
		// as the remoteUser of the base's devcontainer.metadata label
		// (CR205 judges that user).
		if dc.Has("/dockerComposeFile") && hasMetadataUser(v.rootRef(final)) && (last == nil || isRootUser(v.userOf(last))) {
			return nil
		}
	}
	b := v.facts(final)
	// A base image the build files name (zenless-lab's CI passes
	// `--build-arg=IMAGE=org/dev-cuda:cache-$CIRCLE_SHA1` to `FROM
	// ${IMAGE}`): the default's user says nothing of what is built.
	if v.imagePassed(v.chain(final)[0].BaseRaw) {
		b = BaseFacts{Ref: b.Ref}
	}
	var fd Finding
	switch {
	case last != nil:
		u := v.userOf(last)
		if hasVar(u) || !isRootUser(u) {
			return nil // not known, or not root
		}
		// An entrypoint script that switches to a user and starts the
		// agent as that user: root is for its setup (volume ownership).
		if ep, ok := v.entrypointScript(); ok && ep.StartsAgent && ep.User != "" {
			return nil
		}
		msg := fmt.Sprintf("the image ends as root: the last USER is `%s`", userValue(last))
		if userValue(last) != u {
			msg += fmt.Sprintf(", which is `%s`", u)
		}
		fd = Finding{Message: msg, Location: v.instLoc(last)}
	case scratch:
		// COPY brings the other image's files, not its USER.
		fd = Finding{Message: "the image runs as root: there is no USER, and an image built on `scratch` has no user of its own " +
			"(copying another system's files into it does not bring that image's USER)", Location: v.instLoc(final.From)}
	case !b.KnowsUser():
		// Not read, not built here, not in the table: no guess, unless
		// the Dockerfile shows it: a package install only root can run.
		c, ok := v.rootInstall(final)
		if !ok {
			return nil
		}
		sub := ""
		if i := slices.IndexFunc(c.Args, func(a string) bool { return !strings.HasPrefix(a, "-") }); i >= 0 {
			sub = " " + c.Args[i]
		}
		fd = Finding{Message: fmt.Sprintf("the image runs as root: there is no USER, and `%s%s` on line %d runs without sudo, "+
			"which only root can do, so `%s` runs as root", c.Name, sub, c.Line, v.rootRef(final)),
			Location: v.instLoc(final.From), Evidence: EvidenceInferred,
			Guess: fmt.Sprintf("the base image was not read, but line %d's package install needs root", c.Line)}
	case !isRootUser(b.User):
		return nil
	default:
		fd = Finding{Message: fmt.Sprintf("the image runs as root: there is no USER and %s runs as root", b.described()), Location: v.instLoc(final.From), Evidence: b.Evidence()}
	}

	// The user to switch to: the last one the Dockerfile creates, else
	// one an earlier USER switched to, else the base's own, unless the
	// Dockerfile deletes it.
	deleted := v.userCommands(final, "userdel", "deluser")
	for _, r := range v.usersRenamed(final) {
		deleted = append(deleted, r[0]) // gone under its old name
	}
	user, create := "coder", true
	if created := v.usersCreated(final); len(created) > 0 {
		user, create = created[len(created)-1], false
	} else if u := v.earlierUser(final, deleted); u != "" {
		user, create = u, false
	} else if i := slices.IndexFunc(b.Users, func(u string) bool { return !slices.Contains(deleted, u) }); i >= 0 {
		user, create = b.Users[i], false
	}
	// An image that starts systemd needs it to run as root (a Sysbox
	// template execs /sbin/init and runs the agent as the user): the
	// user is the template's to set, not a USER line.
	if init := startsInit(v); init != "" {
		fd.Fix = &Fix{Description: "the image starts `" + init + "`, which must run as root: keep root here, and have the " +
			"template start the agent as the workspace user (`" + user + "`), as Coder's Sysbox templates do"}
		return []Finding{fd}
	}
	// An image without a shell runs no RUN: a user it has already is the
	// one to switch to (distroless and Chainguard images carry `nonroot`,
	// UID 65532), else there is no line to add. (scratch with a whole
	// system copied in is that system.)
	if ref := v.rootRef(final); create && !scratch && v.noShell(final) {
		r := ParseImageRef(ref)
		if distroless(r) || r.Registry == "cgr.dev" || r.Repository == "chainguard/static" {
			fd.Fix = &Fix{Description: "switch to the image's own non-root user `nonroot` (UID 65532): `" + ref + "` has no shell to create one with",
				Edits: []Edit{v.edit(v.f.InsertAfter(final.Last().EndLine, "USER 65532"))}}
			return []Finding{fd}
		}
		fd.Fix = &Fix{Description: "run as a non-root user the image defines: `" + ref + "` has no shell, so no RUN can create one"}
		return []Finding{fd}
	}
	var lines []string
	desc := "switch to the existing user `" + user + "` at the end of the final stage"
	if create {
		ub := b
		if ub.Manager == PMUnknown {
			ub.Manager = v.manager(final)
		}
		// A user deleted by a name the shell works out (`userdel "$(id -un
		// 1000)"`) may be the one holding UID 1000: it is free either way.
		if slices.Contains(deleted, ub.UID1000) || v.deletesUnnamedUser(final) {
			ub.UID1000 = ""
		}
		var have []string
		if v.installs(final, "bash") {
			have = append(have, "bash")
		}
		if !b.Known {
			// A base nothing here knows may have a user with UID 1000
			// already (`emscripten/emsdk`'s `emscripten`), and useradd
			// would fail on it: make one only where there is none, and
			// switch to the UID, whichever name it has.
			create := userCreateLine(ub, user, have)
			if strings.Contains(create, "&&") {
				create = "(" + create + ")"
			}
			lines = append(lines, "RUN getent passwd 1000 >/dev/null || "+create)
			desc = "create the workspace user `coder` (UID 1000) unless the base has a user with that UID, and switch to UID 1000 at the end of the final stage"
			user = "1000"
		} else {
			lines = append(lines, "RUN "+userCreateLine(ub, user, have))
			desc = "create the workspace user `coder` (UID 1000) and switch to it at the end of the final stage"
		}
	}
	// An ENV HOME that names another home (`HOME=/root`) would stay set
	// for the new user: point it at the user's own.
	if home := v.homeAt(final, nil); home != "" && home != "/home/"+user {
		lines = append(lines, "ENV HOME=/home/"+user)
		desc += ", with HOME set to its home (the image sets `HOME=" + home + "`)"
	}
	lines = append(lines, "USER "+user)
	// What the build keeps in root's home (`ENV PATH=/root/.cargo/bin:…`)
	// is out of the new user's reach: /root is mode 0700.
	if kept := v.rootHomeEnv(final); kept != "" {
		desc += "; first install what the image keeps under /root (`" + kept + "`) elsewhere (`/usr/local`, `/opt`): the new user cannot read /root"
	}
	fd.Fix = &Fix{Description: desc, Edits: []Edit{v.edit(v.f.InsertAfter(final.Last().EndLine, strings.Join(lines, "\n")))}}
	return []Finding{fd}
}

// rootHomeEnv returns the first ENV of s's chain whose value names a path
// under /root (`PATH=/root/.cargo/bin:$PATH`, `CARGO_HOME=/root/.cargo`),
// as `NAME=value`; "" when none.
func (v *dfView) rootHomeEnv(s *dockerfile.Stage) string {
	for _, ins := range v.instructions(s) {
		for _, kv := range ins.Env {
			for _, part := range strings.Split(strings.Trim(kv.Value, `"'`), ":") {
				if strings.HasPrefix(part, "/root/") {
					return kv.Key + "=" + kv.Value
				}
			}
		}
	}
	return ""
}

// earlierUser returns the last non-root user a USER of s's chain switched
// to (its variables expanded), which the image therefore has; "" when
// none, or when the Dockerfile deletes it.
func (v *dfView) earlierUser(s *dockerfile.Stage, deleted []string) string {
	var out string
	for _, ins := range v.instructions(s) {
		if ins.Cmd != "user" {
			continue
		}
		u, _, _ := strings.Cut(v.userOf(ins), ":")
		if !isRootUser(u) && (userNameRe.MatchString(u) || uidRe.MatchString(u)) && !slices.Contains(deleted, u) {
			out = u
		}
	}
	return out
}

// uidRe is a numeric user ID.
var uidRe = regexp.MustCompile(`^[0-9]+$`)

// deletesUnnamedUser reports whether a RUN of s's chain deletes a user
// whose name is not written out (`userdel --remove "$(id -un 1000)"`).
func (v *dfView) deletesUnnamedUser(s *dockerfile.Stage) bool {
	for _, in := range v.instructions(s) {
		cmds, _ := in.Commands()
		for _, c := range cmds {
			switch path.Base(c.Name) {
			case "userdel", "deluser":
			default:
				continue
			}
			for i, a := range c.Args {
				if strings.HasPrefix(a, "-") {
					continue
				}
				if !c.Literal[i] {
					return true
				}
				break
			}
		}
	}
	return false
}

// initInScript finds an init system a shell script runs (`… && /init`).
var initInScript = regexp.MustCompile(`(?:^|[\s;&|"'])(?:exec\s+)?(/init|/sbin/init|/usr/sbin/init|/lib/systemd/systemd|/usr/lib/systemd/systemd)(?:$|[\s;&|"'])`)

// startsInit returns the init system the final stage's ENTRYPOINT or CMD
// starts (`/sbin/init`, `/lib/systemd/systemd`), "" when it starts none.
func startsInit(v *dfView) string {
	entry, cmd := v.finalCommand()
	for _, ins := range []*dockerfile.Instruction{entry, cmd} {
		if ins == nil {
			continue
		}
		words := commandWords(ins)
		if len(words) == 0 {
			continue
		}
		first := words[0]
		switch path.Base(first) {
		case "init", "systemd":
			return first
		case "sh", "bash", "dash":
			// `sh -c "setup && /init"`: the script ends in the init.
			if m := initInScript.FindStringSubmatch(strings.Join(ins.Args, " ")); m != nil {
				return m[1]
			}
		}
		if ins == entry {
			return "" // an entrypoint of its own runs first
		}
	}
	if entry == nil && cmd == nil {
		return v.facts(v.final).Init // the base's own command
	}
	return ""
}

// pinFix is CR102's advice for ref (name without its tag) written after
// what (`FROM `): a version tag and a digest; for distroless, which tags no
// versions, its Debian release's image and a digest.
func pinFix(what, ref, name string) string {
	if r := ParseImageRef(ref); distroless(r) {
		tag := "<tag>"
		if r.Tag != "" && r.Tag != "latest" {
			tag = r.Tag
		}
		return fmt.Sprintf("pin a digest: `%s%s:%s@sha256:<digest>` (distroless tags no versions; a name with its Debian release, "+
			"`…-debian12`, keeps the release)", what, name, tag)
	}
	return fmt.Sprintf("pin a version tag and a digest: `%s%s:<version>@sha256:<digest>` "+
		"(`docker buildx imagetools inspect %s:<version>` prints the digest)", what, name, name)
}

// checkCR102 reports registry FROMs without a digest or a real tag.
func checkCR102(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	var out []Finding
	// Stages on the same image are one finding, on the first, that names
	// the others' lines: one pin fixes them all (an ARG's reference) or
	// the same way.
	first, also := map[string]int{}, map[int][]int{}
	for _, s := range v.f.Stages {
		if b := v.base(s); b.Stage == nil && !v.argOverridden(s.BaseRaw) && !v.builtHere(b.Ref) {
			if msg, name, ok := unpinned(b.Ref, in.Config.RequireDigest); ok {
				if at, seen := first[b.Ref]; seen {
					also[at] = append(also[at], s.From.StartLine)
					continue
				}
				first[b.Ref] = len(out)
				out = append(out, Finding{
					Message:  msg,
					Location: v.instLoc(s.From),
					Fix:      &Fix{Description: pinFix("FROM ", b.Ref, name)},
				})
			}
		}
		// `COPY --from=<image>` pulls that image as a FROM does: what it
		// copies changes with the tag. Stage names and indexes are not
		// images; a name no stage has yet may be a later stage's.
		for _, ins := range s.Instructions {
			from, ok := ins.Flag("from")
			if ins.Cmd != "copy" || !ok || isStageIndex(from) || v.stageNamed(from) || v.builtHere(from) {
				continue
			}
			if msg, name, ok := unpinned(from, in.Config.RequireDigest); ok {
				out = append(out, Finding{
					Message:  "COPY --from " + msg,
					Location: v.instLoc(ins),
					Fix:      &Fix{Description: pinFix("COPY --from=", from, name)},
				})
			}
		}
	}
	for at, lines := range also {
		out[at].Message += " (also the FROM on " + lineList(lines) + ")"
	}
	return out
}

// lineList names lines: `line 41`, `lines 41 and 60`, `lines 3, 41 and 60`.
func lineList(lines []int) string {
	if len(lines) == 1 {
		return fmt.Sprintf("line %d", lines[0])
	}
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = strconv.Itoa(l)
	}
	return "lines " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// builtHere reports whether the repository's build files tag the image
// ref (DockerfileInput.BuiltImage): a FROM of it uses the local build.
func (v *dfView) builtHere(ref string) bool {
	return ref != "" && !hasVar(ref) && v.in.BuiltImage != nil && v.in.BuiltImage(ref)
}

// imagePassed reports whether a reference's image name (not only its
// tag) takes a build argument the repository's build files pass, for a
// Dockerfile built on its own: `FROM ${IMAGE}`, `FROM $REGISTRY/base:1`.
func (v *dfView) imagePassed(ref string) bool {
	if v.in.BuildFileArg == nil || v.in.Devcontainer != nil {
		return false
	}
	name := ref
	if i := strings.LastIndex(ref, ":"); i >= 0 && !strings.Contains(ref[i:], "/") && !strings.HasSuffix(ref[:i], "$") {
		name = ref[:i]
	}
	for _, m := range varRe.FindAllStringSubmatch(name, -1) {
		values, mentioned := v.in.BuildFileArg(m[1] + m[2])
		if !mentioned {
			continue
		}
		// Values written out (a Compose service's `image: archlinux:latest`)
		// are images the table can judge like the default; one the build
		// works out (`org/dev-cuda:cache-$CIRCLE_SHA1`), or none seen, is
		// not known.
		if len(values) == 0 || slices.ContainsFunc(values, func(val string) bool { return val == "" || strings.ContainsAny(val, "${}`<> ") }) {
			return true
		}
	}
	return false
}

// argOverridden reports whether a reference takes a build argument the
// repository's build files pass (DockerfileInput.BuildFileArg), for a
// Dockerfile built on its own, so that the ARG's default is a fallback,
// not what the build uses: an argument in the tag (`base:${BASE_TAG}`)
// that they mention, or one that names the whole image (`FROM $BASE`)
// that they give values to, none of them unpinned (a bake file's
// `BASE = "opensuse/tumbleweed"` is judged, `${{ steps.x.outputs.image }}`
// is not known).
func (v *dfView) argOverridden(ref string) bool {
	return v.overriddenAt(ref, 0)
}

// overriddenAt is argOverridden at a depth of ARG defaults read (one ARG's
// default naming another), bounded so a cycle ends.
func (v *dfView) overriddenAt(ref string, depth int) bool {
	if v.in.BuildFileArg == nil || v.in.Devcontainer != nil {
		return false
	}
	tag := ""
	if i := strings.LastIndex(ref, ":"); i >= 0 && !strings.Contains(ref[i:], "/") {
		tag = ref[i:]
	}
	for _, m := range varRe.FindAllStringSubmatch(tag, -1) {
		if _, mentioned := v.in.BuildFileArg(m[1] + m[2]); mentioned {
			return true
		}
	}
	// `FROM $REGISTRY/build/base`: the build points the registry (and so
	// the image) where it pushes its own images.
	if m := varRe.FindStringSubmatchIndex(ref); m != nil && m[0] == 0 && strings.HasPrefix(ref[m[1]:], "/") {
		var name string
		if m[2] >= 0 {
			name = ref[m[2]:m[3]] // ${NAME}
		} else {
			name = ref[m[4]:m[5]] // $NAME
		}
		if _, mentioned := v.in.BuildFileArg(name); mentioned {
			return true
		}
	}
	whole := varRe.FindStringSubmatch(strings.TrimSpace(ref))
	if whole == nil || whole[0] != strings.TrimSpace(ref) {
		return false
	}
	values, _ := v.in.BuildFileArg(whole[1] + whole[2])
	for _, val := range values {
		if _, _, bad := unpinned(val, v.in.Config.RequireDigest); bad {
			return false
		}
	}
	if len(values) > 0 {
		return true
	}
	// `ARG GOLANG_IMAGE=golang:${GOLANG_VERSION}-bookworm` then `FROM
	// ${GOLANG_IMAGE}`: the default is judged as the reference it is, its
	// own arguments passed or not.
	for _, a := range v.f.MetaArgs {
		if a.Name == whole[1]+whole[2] && a.Default != nil && strings.Contains(*a.Default, "$") && depth < 4 {
			return v.overriddenAt(*a.Default, depth+1)
		}
	}
	return false
}

// unpinned judges an image reference a build pulls: the message when it is
// not pinned (no tag, `latest`, or no digest when config requires one),
// and the repository name for the fix. Variables, `scratch`, placeholders
// and bare names no registry serves (images the repository's scripts build
// and tag locally, `FROM bats-jenkins`) are not judged.
func unpinned(ref string, requireDigest bool) (msg, name string, ok bool) {
	if ref == "" || hasVar(ref) || strings.EqualFold(ref, "scratch") || isPlaceholderImage(ref) {
		return "", "", false
	}
	r := ParseImageRef(ref)
	if localName(r) {
		return "", "", false
	}
	switch {
	case requireDigest && r.Digest == "":
		msg = fmt.Sprintf("`%s` is not pinned by digest, and config requires digests", ref)
	default:
		if msg = floatingTag(ref, r); msg == "" {
			return "", "", false
		}
	}
	return msg, r.Name(), true
}

// floatingTag says why a reference (r parsed from ref) names an image that
// changes over time, "" when it does not: no tag, `latest` or a variant's
// `…-latest`, a branch's tag, a Dev Containers distribution alias. A
// digest pins it.
func floatingTag(ref string, r ImageRef) string {
	// `i386/debian:testing` is the official `debian:testing` built for
	// one architecture.
	r = withoutArchNamespace(r)
	switch {
	case r.Digest != "":
		return ""
	case retiredDistrolessImage(r):
		// Built no more: its `latest` (or any tag) no longer moves.
		return ""
	case r.Tag == "":
		return fmt.Sprintf("`%s` has no tag, so it means `%s:latest`, which changes over time", ref, ref)
	case r.Tag == "latest":
		return fmt.Sprintf("`%s` uses the `latest` tag, which changes over time", ref)
	case strings.EqualFold(r.Tag, "devel"):
		// R-devel's nightly builds (`rhub/r-minimal:devel`), ROS 2's
		// development sources, a vendor's development variant
		// (`nvidia/opencl:devel`): no version, whatever it follows.
		return fmt.Sprintf("`%s` uses the `devel` tag, a development build that names no version: it changes over time", ref)
	case slices.Contains(branchTags, strings.ToLower(r.Tag)) || branchVariant(r.Tag):
		return fmt.Sprintf("`%s` uses the `%s` tag, which follows a branch and changes with every push", ref, r.Tag)
	case latestSuffix.MatchString(r.Tag):
		return fmt.Sprintf("`%s` uses the `%s` tag, a `latest` of its variant, which changes over time", ref, r.Tag)
	case rollingTag.MatchString(r.Tag) && !distroChannel(r):
		return fmt.Sprintf("`%s` uses the `%s` tag, a rolling build or release that is rebuilt with the latest updates: it changes over time", ref, r.Tag)
	case devcontainersAlias(r) && slices.Contains([]string{"ubuntu", "debian", "alpine"}, strings.ToLower(r.Tag)):
		return fmt.Sprintf("`%s` uses the `%s` tag, an alias that moves to each new release of the distribution", ref, r.Tag)
	case devcontainersAlias(r):
		return fmt.Sprintf("`%s` uses the `%s` tag, which names no version of the image: it moves to each new release, major versions too (`1-%s` pins the major version)", ref, r.Tag, r.Tag)
	case devcontainersDev(r):
		return fmt.Sprintf("`%s` uses the `%s` tag, the Dev Containers images' `dev` channel, rebuilt from their main branch", ref, r.Tag)
	case distroChannel(r):
		return fmt.Sprintf("`%s` uses the `%s` tag, which follows the distribution's %s channel: it moves to each new release", ref, r.Tag, strings.TrimSuffix(strings.ToLower(r.Tag), "-slim"))
	case distrolessAlias(r):
		return fmt.Sprintf("`%s` uses the `%s` tag: distroless publishes no versioned tags, and this one is the newest build of its variant, which changes over time", ref, r.Tag)
	case rollingDistro(r):
		return fmt.Sprintf("`%s` uses the `%s` tag of a rolling distribution, rebuilt with every snapshot: it changes over time (a dated tag pins it)", ref, r.Tag)
	case distroNameTag(r):
		return fmt.Sprintf("`%s` uses the `%s` tag, which names no version of the image: it moves to each new release", ref, r.Tag)
	case runtimeOnlyTag(r) != "":
		return fmt.Sprintf("`%s` uses the `%s` tag, whose version is %s's, not %s's: it moves to each new %s release", ref, r.Tag, runtimeOnlyTag(r), r.Repository, r.Repository)
	case languageAlias(r) && eolRelease(ref) == "" && !droppedDebianTag(r.Tag) && !retiredTag(r):
		// A tag of an archived Debian release (`node:lts-buster`) stopped
		// moving when the image dropped that release: CR119's. So did
		// one of a release the images no longer build (`golang:bullseye`).
		return fmt.Sprintf("`%s` uses the `%s` tag, which names no %s version: it moves to each new release", ref, r.Tag, r.Repository)
	}
	return ""
}

// rollingTag is a tag of rolling builds or a rolling release (Kasm's
// `1.18.0-rolling-weekly`, rebuilt every week; ROS 2's `rolling-ros-core`,
// its development distribution).
var rollingTag = regexp.MustCompile(`(?i)(?:^|[-_.])rolling(?:$|[-_.])`)

// droppedDebian are the Debian releases, besides the archived ones
// (eolDebian), that the Docker Official images no longer build:
// bullseye, whose LTS ended on 31 August 2026 (golang's images stopped
// with Go 1.24, and the others followed before the end of its LTS).
var droppedDebian = []string{"bullseye"}

// droppedDebianTag reports whether a tag names a Debian release the
// official images no longer build, so that it no longer moves.
func droppedDebianTag(tag string) bool {
	return tagHas(strings.ToLower(tag), droppedDebian...)
}

// retiredTag reports whether r is an official image's tag without a
// version that the image stopped publishing, so that it no longer moves:
// docker's `stable` channel (`docker:stable-dind`), which ended at
// 19.03.14 when the image dropped its channels.
func retiredTag(r ImageRef) bool {
	t := strings.ToLower(r.Tag)
	if r.Registry != "" || strings.Contains(r.Repository, "/") {
		return false
	}
	// The official images' ONBUILD variants (`golang:onbuild`,
	// `node:onbuild`), which docker-library deprecated and stopped
	// building in 2017.
	if t == "onbuild" || strings.HasSuffix(t, "-onbuild") || strings.HasPrefix(t, "onbuild-") {
		return true
	}
	return r.Repository == "docker" && (t == "stable" || strings.HasPrefix(t, "stable-"))
}

// branchVariant reports whether a tag is a branch's with a variant's name
// after it and no version (`develop_freqairl`, `main-slim`); a dated or
// numbered one (`main-2024.05`) is a build of it.
func branchVariant(tag string) bool {
	t := strings.ToLower(tag)
	for _, b := range branchTags {
		rest, ok := strings.CutPrefix(t, b)
		if ok && len(rest) > 1 && (rest[0] == '-' || rest[0] == '_') && !strings.ContainsAny(rest, "0123456789") {
			return true
		}
	}
	return false
}

// languageAlias reports whether r is a Docker Official language image
// tagged without a version (`node:trixie`, `python:slim`, `golang:alpine`,
// `node:lts`), which follows the language's newest release.
func languageAlias(r ImageRef) bool {
	if r.Registry != "" || r.Tag == "" || strings.ContainsAny(r.Tag, "0123456789") {
		return false
	}
	// Node.js names each LTS line (`node:jod-alpine` is Node 22): a
	// major version, as `node:22-alpine` is.
	if lts, _, _ := strings.Cut(strings.ToLower(r.Tag), "-"); r.Repository == "node" && slices.Contains(nodeLTSNames, lts) {
		return false
	}
	// A distribution's codename (`debian:bookworm`, `ubuntu:noble`) names
	// its release; any other Docker Official image's tag without a digit
	// (`nginx:alpine`, `postgres:alpine`, `rabbitmq:management`) follows
	// the product's newest.
	return slices.Contains(officialLanguages, r.Repository) ||
		!strings.Contains(r.Repository, "/") && !slices.Contains(officialDistros, r.Repository) && officialProduct(r.Repository)
}

// runtimeTag is a tag that starts with the version of the runtime an
// application's image is built on (`php8.2-apache`, `cli-php8.2`,
// `jdk17-temurin`).
var runtimeTag = regexp.MustCompile(`^(?:cli-)?(php|jdk|jre)[0-9]`)

// runtimeOnlyTag names the runtime whose version is the only one in an
// official application image's tag (`wordpress:php8.2-apache` is the
// newest WordPress on PHP 8.2), "" when the tag names the application's
// own version or the image is not such an application's.
func runtimeOnlyTag(r ImageRef) string {
	if r.Registry != "" || !slices.Contains([]string{"wordpress", "drupal", "joomla", "tomcat", "gradle", "maven", "jetty"}, r.Repository) {
		return ""
	}
	m := runtimeTag.FindStringSubmatch(strings.ToLower(r.Tag))
	if m == nil {
		return ""
	}
	if m[1] == "php" {
		return "PHP"
	}
	return "the JDK"
}

// nodeLTSNames are the codenames of Node.js's long-term-support lines,
// from argon (4) to krypton (24), which the node image tags as their
// major versions.
var nodeLTSNames = []string{"argon", "boron", "carbon", "dubnium", "erbium", "fermium", "gallium", "hydrogen", "iron", "jod", "krypton"}

// officialDistros are Docker Official images of a distribution, whose
// tags name releases by codename.
var officialDistros = []string{"debian", "ubuntu", "alpine", "fedora", "centos", "rockylinux", "almalinux", "amazonlinux",
	"oraclelinux", "archlinux", "opensuse", "photon", "clearlinux", "busybox", "buildpack-deps", "ros", "scratch"}

// officialProduct reports whether name is a well-known Docker Official
// image of a server or tool whose tags name its version.
func officialProduct(name string) bool {
	return slices.Contains([]string{"nginx", "httpd", "postgres", "mysql", "mariadb", "mongo", "redis", "rabbitmq", "memcached",
		"elasticsearch", "traefik", "caddy", "haproxy", "tomcat", "jetty", "wordpress", "nextcloud", "ghost", "influxdb",
		"cassandra", "couchdb", "neo4j", "solr", "zookeeper", "kong", "vault", "consul", "registry", "docker"}, name)
}

// officialLanguages are the Docker Official images of a language or
// runtime whose tags name its version.
var officialLanguages = []string{"node", "python", "golang", "rust", "ruby", "php", "perl", "openjdk", "eclipse-temurin",
	"maven", "gradle", "elixir", "erlang", "haskell", "julia", "swift", "clojure", "r-base", "dart", "groovy", "kotlin", "mono"}

// latestSuffix is a variant's `latest` tag (`ubi9-latest`,
// `python3.12_latest`, `latest-arm64`).
var latestSuffix = regexp.MustCompile(`(?i)[-_.]latest$|^latest[-_.]`)

// devcontainersAlias reports whether r is a Dev Containers image tagged
// with a distribution's name or codename alone
// (`mcr.microsoft.com/devcontainers/base:ubuntu`, `rust:bookworm`), which
// devcontainers/images moves to each new release.
func devcontainersAlias(r ImageRef) bool {
	if devcontainersName(r) == "" {
		return false
	}
	// A distribution's name or codename alone (`ubuntu`, `bookworm`):
	// devcontainers/images moves it to each new image release, major
	// versions too (`1-bookworm` pins the major version).
	// So does a distribution with its release (`debian-12`,
	// `ubuntu-24.04`): the distribution's, not the image's version.
	t := strings.ToLower(r.Tag)
	if m := distroRelease.FindStringSubmatch(t); m != nil {
		// Releases the images no longer build (`ubuntu-18.04`,
		// `debian-10`) stopped moving when they were dropped.
		parts := strings.SplitN(m[2], ".", 3)
		major, _ := strconv.Atoi(parts[0])
		minor := 0
		if len(parts) > 1 {
			minor, _ = strconv.Atoi(parts[1])
		}
		return m[1] == "alpine" && (major > 3 || major == 3 && minor >= 20) || m[1] == "debian" && major >= 12 || m[1] == "ubuntu" && major >= 20
	}
	// Debian 11 (bullseye) was dropped at 2.2 (base-debian's history
	// 2.1.13 is its last), after its LTS ended: its tags stopped moving.
	return t != "" && t != "latest" && !strings.ContainsAny(t, "0123456789") && !strings.HasPrefix(t, "dev") && !latestSuffix.MatchString(t) &&
		!droppedDebianTag(t)
}

// distroRelease is a tag of a distribution and its release alone
// (`debian-12`, `ubuntu-24.04`, `alpine3.20`).
var distroRelease = regexp.MustCompile(`^(debian|ubuntu|alpine)-?([0-9][0-9.]*)$`)

// archNamespaces are Docker Hub's per-architecture copies of the official
// images (`arm64v8/ubuntu`, `i386/debian`).
var archNamespaces = []string{"amd64", "arm32v5", "arm32v6", "arm32v7", "arm64v8", "i386", "mips64le", "ppc64le", "riscv64", "s390x"}

// withoutArchNamespace is r with a per-architecture namespace of Docker
// Hub's official images removed (`i386/debian` → `debian`).
func withoutArchNamespace(r ImageRef) ImageRef {
	if ns, name, ok := strings.Cut(r.Repository, "/"); ok && r.Registry == "" && slices.Contains(archNamespaces, ns) && !strings.Contains(name, "/") {
		r.Repository = name
	}
	return r
}

// distrolessAlias reports whether r is one of Google's distroless images
// tagged with a variant alone (`gcr.io/distroless/static:nonroot`,
// `…:debug`, `…:debug-nonroot`): distroless tags no versions, so each is
// the newest build of the variant.
func distrolessAlias(r ImageRef) bool {
	t := strings.ToLower(r.Tag)
	return distroless(r) && slices.Contains([]string{"nonroot", "debug", "debug-nonroot"}, t) && !retiredDistroless.MatchString(r.Repository)
}

// distroless reports whether r is one of Google's distroless images.
func distroless(r ImageRef) bool {
	return r.Registry == "gcr.io" && strings.HasPrefix(r.Repository, "distroless/")
}

// retiredDistrolessImage reports whether r is one of Google's distroless
// images for a Debian release distroless no longer builds
// (`gcr.io/distroless/nodejs18-debian11`, any tag).
func retiredDistrolessImage(r ImageRef) bool {
	return distroless(r) && retiredDistroless.MatchString(r.Repository)
}

// retiredDistroless is a distroless image of a Debian release distroless
// stopped building (debian9 in 2021, debian10 in 2022, debian11 in
// September 2024, GoogleContainerTools/distroless#1656): its tags no
// longer move.
var retiredDistroless = regexp.MustCompile(`-debian(9|10|11)$`)

// rollingDistro reports whether r is a rolling distribution's image with
// a tag that names no snapshot (`archlinux:base-devel`,
// `opensuse/tumbleweed:latest`): rebuilt with each one.
func rollingDistro(r ImageRef) bool {
	if r.Registry != "" && r.Registry != "docker.io" && r.Registry != "registry.opensuse.org" {
		return false
	}
	t := strings.ToLower(r.Tag)
	switch r.Repository {
	case "archlinux", "archlinux/archlinux", "opensuse/tumbleweed":
		return t != "" && !strings.ContainsAny(t, "0123456789")
	}
	return false
}

// distroChannel reports whether r is a distribution's own image tagged
// with a channel rather than a release (`debian:stable-slim`,
// `debian:testing`, `ubuntu:rolling`, `fedora:rawhide`).
func distroChannel(r ImageRef) bool {
	if r.Registry != "" {
		return false
	}
	t := strings.TrimSuffix(strings.ToLower(r.Tag), "-slim")
	switch r.Repository {
	case "debian":
		return slices.Contains([]string{"stable", "testing", "unstable", "sid", "oldstable", "oldoldstable", "experimental", "rc-buggy"}, t)
	case "ubuntu":
		return t == "rolling" || t == "devel"
	case "fedora":
		return t == "rawhide"
	case "busybox":
		// `stable` (and `stable-musl`, `stable-glibc`) follows each
		// stable release.
		return t == "stable" || strings.HasPrefix(t, "stable-")
	}
	return false
}

// distroNameTag reports whether r is one of Coder's images tagged with a
// distribution's name alone (`codercom/enterprise-base:ubuntu`), which
// coder/enterprise-images rebuilds and pushes on every change; a dated
// tag (`ubuntu-20240812`) stays. Other publishers' such tags are not
// judged: what they mean is theirs.
func distroNameTag(r ImageRef) bool {
	if r.Registry != "" && r.Registry != "docker.io" || !strings.HasPrefix(r.Repository, "codercom/") {
		return false
	}
	return slices.Contains([]string{"ubuntu", "debian", "alpine", "fedora", "centos", "rockylinux", "almalinux", "ubi", "ubi8", "ubi9", "ubi10"}, strings.ToLower(r.Tag))
}

// devcontainersDev reports whether r is a Dev Containers image on the
// `dev` channel (`mcr.microsoft.com/devcontainers/go:dev-1.26-bookworm`),
// which devcontainers/images rebuilds from its main branch.
func devcontainersDev(r ImageRef) bool {
	if devcontainersName(r) == "" {
		return false
	}
	t := strings.ToLower(r.Tag)
	if t != "dev" && !strings.HasPrefix(t, "dev-") {
		return false
	}
	// A Debian release the images no longer build (`python:dev-3.13-bullseye`:
	// devcontainers/images dropped bullseye, python's at 3.0.0) no longer
	// moves.
	if tagHas(t, "bullseye", "buster", "stretch") {
		return false
	}
	// A Node.js line the channel no longer builds (`javascript-node:dev-16-bullseye`:
	// the images' dev channel builds 20 and later) no longer moves.
	if name := path.Base(r.Repository); name == "javascript-node" || name == "typescript-node" {
		if m := devNodeMajor.FindStringSubmatch(t); m != nil {
			if n, _ := strconv.Atoi(m[1]); n < 20 {
				return false
			}
		}
	}
	return true
}

// devNodeMajor is the Node.js major version of a Dev Containers node
// image's dev tag (`dev-16-bullseye`, `dev-1-18`).
var devNodeMajor = regexp.MustCompile(`^dev-(?:[0-9]+-)?([0-9]+)(?:-|$)`)

// isStageIndex reports whether a `--from` value is a stage's index.
func isStageIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// stageNamed reports whether any stage of the file is named name.
func (v *dfView) stageNamed(name string) bool {
	for _, s := range v.f.Stages {
		if s.Name != "" && strings.EqualFold(s.Name, name) {
			return true
		}
	}
	return false
}

// globMatch reports whether s matches pattern, where `*` matches any run of
// characters (slashes included) and `?` any one character.
func globMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// baseAllowed reports whether ref matches one of the allowed-base patterns
// (see CR103's documentation for the syntax).
func baseAllowed(ref string, patterns []string) bool {
	r := ParseImageRef(ref)
	noDigest := r
	noDigest.Digest = ""
	for _, p := range patterns {
		pr := ParseImageRef(strings.TrimSpace(p))
		ps := pr.String()
		switch {
		case pr.Digest != "":
			if globMatch(ps, r.String()) {
				return true
			}
		case pr.Tag != "":
			if globMatch(ps, noDigest.String()) {
				return true
			}
		default:
			if globMatch(ps, r.Name()) || globMatch(ps, noDigest.String()) {
				return true
			}
		}
	}
	return false
}

// nearestAllowed returns the allowed pattern whose image name is closest
// to ref's.
func nearestAllowed(ref string, patterns []string) string {
	names := make([]string, len(patterns))
	for i, p := range patterns {
		names[i] = ParseImageRef(strings.ReplaceAll(p, "*", "")).Name()
	}
	if i := suggest.Nearest(ParseImageRef(ref).Name(), names); i >= 0 {
		return patterns[i]
	}
	return ""
}

// checkCR103 reports a final stage built on an image config does not allow.
func checkCR103(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil || len(in.Config.AllowedBases) == 0 {
		return nil
	}
	root := v.chain(v.final)[0]
	ref := v.base(root).Ref
	if ref == "" || hasVar(ref) || isPlaceholderImage(ref) || baseAllowed(ref, in.Config.AllowedBases) {
		return nil
	}
	near := nearestAllowed(ref, in.Config.AllowedBases)
	fd := Finding{
		Message:  fmt.Sprintf("the final stage builds on `%s`, which is not an allowed base image (allowed: %s)", ref, strings.Join(in.Config.AllowedBases, ", ")),
		Location: v.instLoc(root.From),
		Fix:      &Fix{Description: "build on an allowed image, e.g. `" + near + "`"},
	}
	if !strings.ContainsAny(near, "*?") && !hasVar(root.BaseRaw) {
		if e, ok := v.f.ReplaceInLine(root.From.StartLine, root.BaseRaw, near); ok {
			fd.Fix.Edits = []Edit{v.edit(e)}
		}
	}
	return []Finding{fd}
}

// platformSupported reports whether a platform has a Coder agent build:
// linux/amd64, linux/arm64 or linux/arm/v7 (aliases such as x86_64 and
// aarch64 accepted).
func platformSupported(p string) bool {
	parts := strings.Split(strings.ToLower(strings.TrimSpace(p)), "/")
	if len(parts) == 1 {
		parts = append([]string{"linux"}, parts...)
	}
	if parts[0] != "linux" || len(parts) > 3 {
		return false
	}
	arch, variant := parts[1], ""
	if len(parts) == 3 {
		variant = parts[2]
	}
	switch arch {
	case "amd64", "x86_64", "x86-64":
		return true
	case "arm64", "aarch64":
		return variant == "" || variant == "v8"
	case "arm", "armhf":
		return variant == "" || variant == "v7"
	case "armv7", "armv7l":
		return variant == ""
	}
	return false
}

// checkCR110 reports FROM --platform values with no agent build.
func checkCR110(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	var out []Finding
	for _, s := range v.chain(v.final) {
		p := v.base(s).Platform
		if s.PlatformRaw == "" || p == "" || hasVar(p) || platformSupported(p) {
			continue
		}
		want := "linux/amd64"
		if strings.Contains(p, "arm") || strings.Contains(p, "aarch") {
			want = "linux/arm64"
		}
		fd := Finding{
			Message:  fmt.Sprintf("`--platform=%s`: Coder has no agent for this platform (only linux/amd64, linux/arm64, linux/arm/v7)", p),
			Location: v.instLoc(s.From),
			Fix:      &Fix{Description: "build for `" + want + "`"},
		}
		if !hasVar(s.PlatformRaw) {
			if e, ok := v.f.ReplaceInLine(s.From.StartLine, s.PlatformRaw, want); ok {
				fd.Fix.Edits = []Edit{v.edit(e)}
			}
		}
		out = append(out, fd)
	}
	return out
}

// managerCompatible reports whether a RUN may use used on an image whose
// package manager is base.
func managerCompatible(base PackageManager, used string) bool {
	switch base {
	case PMDnf:
		return used == "dnf" || used == "yum"
	case PMTdnf:
		// Azure Linux's tdnf answers to dnf and yum too.
		return used == "tdnf" || used == "dnf" || used == "yum"
	default:
		return string(base) == used
	}
}

// familyName names an OS family for messages.
func familyName(f OSFamily) string {
	switch f {
	case OSDebian:
		return "Debian/Ubuntu"
	case OSAlpine:
		return "Alpine"
	case OSRHEL:
		return "Fedora/RHEL"
	case OSSUSE:
		return "SUSE"
	}
	return "unknown"
}

// checkCR111 reports package managers that do not exist on the base image.
func checkCR111(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	var out []Finding
	built := v.builtStages()
	for _, s := range v.f.Stages {
		b := v.facts(s)
		if b.Manager == PMUnknown {
			continue
		}
		// A stage a build of the final stage does not run, whose base is a
		// build argument (xx's `FROM ${TEST_BASE_IMAGE} AS test-base-rhel`,
		// picked by `test-base-${TEST_BASE_TYPE}`): the build that selects
		// it passes its base too, not the default.
		if !built[s] && hasVar(s.BaseRaw) {
			continue
		}
		// A base whose tag the repository's build files pass
		// (laravel-dockerize's `php:${PHP_VERSION}-${VARIANT}`, built
		// for `cli-alpine` and `fpm-alpine` by a workflow's matrix): the
		// default's distribution is not what is built.
		if v.argOverridden(s.BaseRaw) {
			continue
		}
		for _, ins := range s.Instructions {
			cmds, err := ins.Commands()
			if err != nil || ins.Cmd != "run" {
				continue
			}
			families := map[OSFamily]bool{}
			var bad *dockerfile.Command
			for i := range cmds {
				m := dockerfile.ManagerOf(cmds[i])
				if m == "" {
					continue
				}
				families[PackageManager(m).Family()] = true
				// Under a condition (`if [ "$ID" = alpine ]`, `command -v
				// apk &&`, `||`) it runs only where it exists.
				if bad == nil && !cmds[i].Conditional && !managerCompatible(b.Manager, m) && !v.installedBefore(s, ins, m) &&
					!installedEarlier(ins, cmds[i], m) {
					bad = &cmds[i]
				}
			}
			if bad == nil || len(families) > 1 {
				continue
			}
			m := dockerfile.ManagerOf(*bad)
			fd := Finding{
				Message: fmt.Sprintf("`%s` is not on this image: `%s` is %s, whose package manager is %s",
					bad.Name, v.rootRef(s), familyName(b.Family), b.Manager),
				Location: v.spanLoc(dockerfile.Span{Line: bad.Line, Col: bad.Col, EndLine: bad.Line}),
				Fix:      &Fix{Description: fmt.Sprintf("use %s instead of %s", b.Manager, m)},
				// The base's family comes from the image, the table, or
				// only its name.
				Evidence: b.familyEvidence(),
			}
			if pkgs, ok := onlyPackageManagement(ins, cmds); ok {
				line := "RUN " + InstallLine(b.Manager, pkgs...)
				fd.Fix.Description += ": `" + line + "`"
				fd.Fix.Edits = []Edit{{Path: v.path(), StartLine: ins.StartLine, EndLine: ins.HeaderEndLine, Text: line}}
			}
			out = append(out, fd)
		}
	}
	return out
}

// installedEarlier reports whether a command of the RUN in before c
// installs the package pkg (`microdnf install -y dnf && dnf install …`).
func installedEarlier(in *dockerfile.Instruction, c dockerfile.Command, pkg string) bool {
	for _, inst := range in.Installs() {
		ic := inst.Command
		if ic.Line < c.Line || ic.Line == c.Line && ic.Col < c.Col {
			if slices.Contains(inst.Packages, pkg) {
				return true
			}
		}
	}
	return false
}

// installedBefore reports whether an instruction of s's chain before at
// installs the package named pkg (e.g. `microdnf install dnf`).
func (v *dfView) installedBefore(s *dockerfile.Stage, at *dockerfile.Instruction, pkg string) bool {
	for _, in := range v.instructions(s) {
		if in == at {
			return false
		}
		if in.InstallsPackage(pkg) {
			return true
		}
	}
	return false
}

// onlyPackageManagement returns the packages a RUN installs when it does
// nothing but package management (so it can be rewritten whole).
func onlyPackageManagement(in *dockerfile.Instruction, cmds []dockerfile.Command) ([]string, bool) {
	if len(in.Flags) > 0 || len(in.Heredocs) > 0 || in.JSON {
		return nil, false
	}
	for _, c := range cmds {
		if dockerfile.ManagerOf(c) == "" && c.Name != "rm" {
			return nil, false
		}
	}
	var pkgs []string
	for _, inst := range in.Installs() {
		for _, p := range inst.Packages {
			if !slices.Contains(pkgs, p) {
				pkgs = append(pkgs, p)
			}
		}
	}
	return pkgs, len(pkgs) > 0
}

// checkCR113 reports variables used in FROM that have no value where the
// build certainly gets none: a devcontainer's build without the build arg,
// or a name no meta ARG declares.
func checkCR113(in *DockerfileInput) []Finding {
	v := newView(in)
	if v == nil {
		return nil
	}
	var out []Finding
	seen := map[string]bool{}
	for _, s := range v.f.Stages {
		b := v.base(s)
		if len(b.Missing) == 0 || validWhenEmpty(b.Ref, b.Missing) || v.fromArgsPassed(s) {
			continue
		}
		for _, arg := range b.Missing {
			if seen[arg] {
				continue
			}
			seen[arg] = true
			loc := v.instLoc(s.From)
			declared := false
			for _, a := range v.f.MetaArgs {
				if a.Name == arg {
					loc, declared = v.lineLoc(a.Line, a.Line), true
				}
			}
			var msg string
			switch {
			case !declared:
				msg = fmt.Sprintf("%s is used in FROM on line %d but no ARG before the first FROM declares it, so no build arg can set it: "+
					"the base reference is empty or invalid and the build fails", arg, s.From.StartLine)
			case in.Devcontainer != nil:
				msg = fmt.Sprintf("ARG %s is used in FROM on line %d but has no default, and the devcontainer's build.args does not set it: "+
					"envbuilder cannot build the image", arg, s.From.StartLine)
			default:
				// Built on its own: whoever builds it passes --build-arg.
				continue
			}
			fix := &Fix{Description: fmt.Sprintf("give it a default (`ARG %s=<value>` before the first FROM) or set it in the devcontainer's build.args", arg)}
			out = append(out, Finding{Message: msg, Location: loc, Fix: fix})
		}
	}
	return out
}

// fromArgsPassed reports whether, for a Dockerfile built on its own, the
// repository's build files pass every argument the stage's FROM names
// itself (`FROM $FROM_IMAGE`, which each bake target sets): the defaults
// those arguments would take, and the arguments the defaults name, are
// never used.
func (v *dfView) fromArgsPassed(s *dockerfile.Stage) bool {
	if v.in.BuildFileArg == nil || v.in.Devcontainer != nil {
		return false
	}
	ms := varRe.FindAllStringSubmatch(s.BaseRaw, -1)
	for _, m := range ms {
		if _, mentioned := v.in.BuildFileArg(m[1] + m[2]); !mentioned {
			return false
		}
	}
	return len(ms) > 0
}

// validWhenEmpty reports whether a FROM reference whose missing variables
// are left empty is still a valid image reference (`debian:12${SUFFIX}`).
func validWhenEmpty(ref string, missing []string) bool {
	// Only the missing names may need a value: a name with a fallback or
	// an alternative (`${HLS_VERSION:-none}`, `${SUBTAG:+-}`) needs none.
	// BuildKit's lexer expands the rest with the missing names empty.
	r := ref
	if strings.Contains(ref, "$") {
		empty := map[string]string{}
		for _, n := range dockerfile.NeededNames(ref) {
			if !slices.Contains(missing, n) {
				return false
			}
			empty[n] = ""
		}
		x, err := dockerfile.ExpandWord(ref, empty)
		if err != nil {
			return false
		}
		r = x
	}
	if r == "" || hasVar(r) {
		return false
	}
	_, err := name.ParseReference(r)
	return err == nil
}
