#!/usr/bin/env bash
# bench-inspect.sh — how fast and how lean `coderready inspect` reads a
# realistic golden image, against the tools a user would otherwise use, in
# one run: times, ratios and peak RSS.
#
#   make bench-inspect                       # DOCKLE=/path/to/dockle to compare with dockle
#
# Rows: docker-archive (a `docker save` tarball) vs `dockle --input`;
# docker-daemon vs dockle reading the daemon; a loopback registry: inspect
# cold, warm (layer cache), and the baseline `crane export REF - | tar -t`
# (go-containerregistry's Export, which crane export calls). dockle is a peer
# tool built from its own source outside this repository; without DOCKLE its
# rows are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-coderready-test/golden:bookworm}
DOCKER=${DOCKER:-$( [ -x /usr/bin/docker ] && echo /usr/bin/docker || echo docker)}
DOCKLE=${DOCKLE:-}
work=$(mktemp -d /tmp/coderready-bench.XXXXXX)
reg_pid=""
cleanup() { [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

scripts/start-dockerd.sh
if ! "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
	echo "bench-inspect: making $IMAGE (a few minutes, once)" >&2
	GOLDEN=1 scripts/test-images.sh
fi

go build -o "$work/coderready" ./cmd/coderready
go build -o "$work/benchregistry" ./tools/benchregistry

declare -A secs rss
# measure KEY CMD...: wall seconds and peak RSS (MiB) of a command.
measure() {
	local key=$1; shift
	/usr/bin/time -f '%e %M' -o "$work/time.$key" "$@" >"$work/out.$key" 2>"$work/err.$key" || {
		echo "bench-inspect: $key failed:" >&2; tail -n 5 "$work/err.$key" >&2; exit 1; }
	read -r secs[$key] kb <"$work/time.$key"
	rss[$key]=$((kb / 1024))
}
row() { printf '  %-44s %8.2f s %7d MiB\n' "$1" "${secs[$2]}" "${rss[$2]}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.1f×", b / a; else print "n/a" }'; }

measure save "$DOCKER" save -o "$work/image.tar" "$IMAGE"
size=$(du -m "$work/image.tar" | cut -f1)

measure arch "$work/coderready" inspect --no-cache --fail-on never "docker-archive:$work/image.tar"
[ -n "$DOCKLE" ] && measure dockle_arch "$DOCKLE" --exit-code 0 --input "$work/image.tar"
measure daemon "$work/coderready" inspect --no-cache --fail-on never "docker-daemon:$IMAGE"
[ -n "$DOCKLE" ] && measure dockle_daemon "$DOCKLE" --exit-code 0 "$IMAGE"

"$work/benchregistry" -archive "$work/image.tar" >"$work/ref" 2>"$work/registry.log" &
reg_pid=$!
for _ in $(seq 1 600); do [ -s "$work/ref" ] && break; sleep 0.2; done
ref=$(cat "$work/ref")
[ -n "$ref" ] || { echo "bench-inspect: registry did not start"; cat "$work/registry.log"; exit 1; }
export CODERREADY_DATA_DIR="$work/data"
measure cold "$work/coderready" inspect --insecure --fail-on never "$ref"
measure warm "$work/coderready" inspect --insecure --fail-on never "$ref"
measure crane bash -c "'$work/benchregistry' -export '$ref' | tar -t >/dev/null"

files=$(grep -c . "$work/out.crane" 2>/dev/null || true)
echo
echo "bench-inspect: $IMAGE ($size MiB saved), $(nproc) cores"
row "docker save (for reference)" save
row "coderready inspect docker-archive:" arch
echo "    archive: every layer hashed against its DiffID; peak ${rss[arch]} MiB (goal < 100 MiB)"
if [ -n "$DOCKLE" ]; then
	row "dockle --input (same tarball)" dockle_arch
	echo "    archive: coderready is $(ratio "${secs[arch]}" "${secs[dockle_arch]}") faster than dockle (goal ≥ 3×)"
fi
row "coderready inspect docker-daemon:" daemon
if [ -n "$DOCKLE" ]; then
	row "dockle (daemon)" dockle_daemon
	echo "    daemon: coderready is $(ratio "${secs[daemon]}" "${secs[dockle_daemon]}") dockle's speed (goal ≥ 1×)"
fi
row "coderready inspect registry, cold" cold
row "coderready inspect registry, warm" warm
row "crane export REF - | tar -t (baseline)" crane
echo "    registry cold: $(ratio "${secs[cold]}" "${secs[crane]}") faster than the crane baseline (goal ≥ 1.8×)"
echo "    registry warm: $(ratio "${secs[warm]}" "${secs[cold]}") faster than cold (goal ≥ 50×)"
max=0; for k in arch daemon cold warm; do [ "${rss[$k]}" -gt "$max" ] && max=${rss[$k]}; done
echo "    coderready peak RSS: $max MiB (goal < 100 MiB)"
