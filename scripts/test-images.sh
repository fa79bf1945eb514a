#!/usr/bin/env bash
# test-images.sh — make the base images coderready's tests use, offline.
#
# No container registry is reachable where the tests run, so every image is
# made here from Debian packages: a debootstrap minbase root filesystem
# imported with `docker import`, a busybox-static image, a synthetic musl
# image, and BuildKit builds on top of them (host network, since the test
# engine runs without a bridge). Images that already exist are kept, so the
# script is cheap to run again.
#
#   scripts/test-images.sh                 # the small images (about a minute)
#   GOLDEN=1 scripts/test-images.sh        # also the ~2.3 GB golden image (bench-inspect)
#   FORCE=1 scripts/test-images.sh         # remake everything
#
# Environment: PREFIX (default coderready-test), SUITE (default bookworm),
# MIRROR (default: the Debian mirror apt uses), DOCKER (default docker).
set -euo pipefail

PREFIX=${PREFIX:-coderready-test}
SUITE=${SUITE:-bookworm}
GOLDEN=${GOLDEN:-0}
FORCE=${FORCE:-0}
# The Debian docker.io client (20.10) has BuildKit built in; a newer client
# elsewhere on PATH may want the buildx plugin, which is not installed here.
DOCKER=${DOCKER:-$( [ -x /usr/bin/docker ] && echo /usr/bin/docker || echo docker)}
export DOCKER_BUILDKIT=1

say() { printf '[test-images %s] %s\n' "$(date +%T)" "$*" >&2; }
have() { [ "$FORCE" != 1 ] && "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

work=$(mktemp -d /tmp/coderready-images.XXXXXX)
trap 'rm -rf "$work"' EXIT

debian_mirror() {
	if [ -n "${MIRROR:-}" ]; then echo "$MIRROR"; return; fi
	local m
	m=$(awk '/^URIs:/ {print $2}' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1 || true)
	[ -n "$m" ] || m=$(awk '/^deb / {print $2}' /etc/apt/sources.list 2>/dev/null | grep -v security | head -n1 || true)
	[ -n "$m" ] || { say "no Debian mirror in the apt sources; set MIRROR"; exit 1; }
	echo "$m"
}

# import_dir DIR TAG [CHANGE...]: a root filesystem folder becomes an image.
import_dir() {
	local dir=$1 tag=$2; shift 2
	local args=()
	for c in "$@"; do args+=(-c "$c"); done
	tar --numeric-owner -C "$dir" -c . | "$DOCKER" import "${args[@]}" - "$tag" >/dev/null
	say "made $tag"
}

# build TAG: build the Dockerfile on stdin with the host network.
build() {
	local tag=$1 ctx="$work/ctx-${1//[\/:]/_}"
	mkdir -p "$ctx"
	cat >"$ctx/Dockerfile"
	if ! "$DOCKER" build --network=host -q --build-arg "PREFIX=$PREFIX" --build-arg "SUITE=$SUITE" -t "$tag" "$ctx" >"$ctx/log" 2>&1; then
		tail -n 40 "$ctx/log" >&2
		exit 1
	fi
	say "made $tag"
}

busybox_root() { # busybox_root DIR: busybox with every applet linked, root and nobody users.
	local d=$1
	mkdir -p "$d"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,home,proc,sys,dev,var}
	chmod 1777 "$d/tmp"; chmod 0700 "$d/root"
	cp /bin/busybox "$d/bin/busybox"
	local applet
	for applet in $(/bin/busybox --list-full); do
		[ "$applet" = bin/busybox ] || ln -sf /bin/busybox "$d/$applet"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$d/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$d/etc/group"
}

# --- debian minbase: root, no curl, wget, git or CA certificates ------------
if ! have "$PREFIX/debian:$SUITE"; then
	mirror=$(debian_mirror)
	say "debootstrap $SUITE minbase from the apt mirror"
	root="$work/debian"
	debootstrap --variant=minbase "$SUITE" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/dev/*
	mkdir -p "$root/var/lib/apt/lists/partial"
	: >"$root/etc/resolv.conf"
	printf 'deb %s %s main\ndeb %s %s-updates main\n' "$mirror" "$SUITE" "$mirror" "$SUITE" >"$root/etc/apt/sources.list"
	printf 'Acquire::Languages "none";\n' >"$root/etc/apt/apt.conf.d/90-no-languages"
	import_dir "$root" "$PREFIX/debian:$SUITE" 'CMD ["bash"]' 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
fi

# --- busybox-static: a 2 MB image whose only download tool is busybox wget --
if ! have "$PREFIX/busybox:static"; then
	busybox_root "$work/busybox"
	import_dir "$work/busybox" "$PREFIX/busybox:static" 'CMD ["sh"]'
fi

# --- synthetic musl: busybox, the musl loader, a musl binary, os-release alpine
if ! have "$PREFIX/musl:synthetic"; then
	d="$work/musl"
	busybox_root "$d"
	mkdir -p "$d/lib" "$d/etc/apk" "$d/lib/apk/db"
	cp -L /lib/ld-musl-x86_64.so.1 "$d/lib/ld-musl-x86_64.so.1"
	ln -sf ld-musl-x86_64.so.1 "$d/lib/libc.musl-x86_64.so.1"
	printf 'int main(void){return 0;}\n' >"$work/true.c"
	musl-gcc -O2 -s -o "$d/usr/bin/true-musl" "$work/true.c"
	printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.0\nPRETTY_NAME="Alpine Linux v3.20 (coderready synthetic test image)"\n' >"$d/etc/os-release"
	echo 3.20.0 >"$d/etc/alpine-release"
	: >"$d/lib/apk/db/installed"
	import_dir "$d" "$PREFIX/musl:synthetic" 'CMD ["/bin/sh"]'
fi

# --- images built on those -----------------------------------------------
have "$PREFIX/debian:$SUITE-nonroot" || build "$PREFIX/debian:$SUITE-nonroot" <<'EOF'
ARG PREFIX
ARG SUITE
FROM ${PREFIX}/debian:${SUITE}
RUN useradd --create-home --shell /bin/bash --uid 1000 --user-group coder
USER coder
WORKDIR /home/coder
EOF

have "$PREFIX/busybox:static-nonroot" || build "$PREFIX/busybox:static-nonroot" <<'EOF'
ARG PREFIX
FROM ${PREFIX}/busybox:static
RUN echo 'coder:x:1000:1000:coder:/home/coder:/bin/sh' >>/etc/passwd \
 && echo 'coder:x:1000:' >>/etc/group \
 && mkdir -p /home/coder && chown 1000:1000 /home/coder
USER 1000:1000
WORKDIR /home/coder
EOF

have "$PREFIX/coder-ready:$SUITE" || build "$PREFIX/coder-ready:$SUITE" <<'EOF'
ARG PREFIX
ARG SUITE
FROM ${PREFIX}/debian:${SUITE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends bash ca-certificates curl git jq openssh-client sudo \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --shell /bin/bash --uid 1000 --user-group coder \
 && echo 'coder ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/coder && chmod 0440 /etc/sudoers.d/coder
USER coder
WORKDIR /home/coder
EOF

if [ "$GOLDEN" = 1 ] && ! have "$PREFIX/golden:$SUITE"; then
	build "$PREFIX/golden:$SUITE" <<'EOF'
# A realistic golden workspace image: languages, build tools and docker (~2.3 GB, 10 layers).
ARG PREFIX
ARG SUITE
FROM ${PREFIX}/debian:${SUITE}
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
RUN apt-get update && apt-get install -y --no-install-recommends bash ca-certificates curl wget git jq openssh-client sudo less vim-tiny unzip zip xz-utils procps locales && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y build-essential gdb cmake pkg-config && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y python3 python3-pip python3-venv python3-dev && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y openjdk-17-jdk-headless maven && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y nodejs npm && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y golang-go && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y docker.io docker-compose && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --shell /bin/bash --uid 1000 --user-group coder && usermod -aG docker coder \
 && echo 'coder ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/coder && chmod 0440 /etc/sudoers.d/coder
USER coder
WORKDIR /home/coder
EOF
fi

"$DOCKER" images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep "^$PREFIX/" | sort >&2
