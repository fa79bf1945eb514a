#!/usr/bin/env bash
# start-dockerd.sh — start a Docker engine for the tests unless one answers.
# The engine runs with no bridge network (builds use the host network), as
# the test machines allow, and with the overlay2 storage driver where the
# kernel and the backing filesystem allow it, else vfs (STORAGE_DRIVER
# picks one). vfs copies every layer and container in full: on it a build
# step or a container of a 3 GB image costs 3 GB and tens of seconds.
# Prints nothing on success but a note when it falls back to vfs.
# It carries the label org.coderready.test-engine=true: the tests prune
# the build cache of an engine so labelled after each test (with vfs every
# cached step is a full copy), and never touch another engine's.
set -euo pipefail
# The Debian docker.io client (20.10) has BuildKit built in; a newer client
# elsewhere on PATH may want the buildx plugin, which is not installed here.
DOCKER=${DOCKER:-$( [ -x /usr/bin/docker ] && echo /usr/bin/docker || echo docker)}
if "$DOCKER" info >/dev/null 2>&1; then exit 0; fi
command -v dockerd >/dev/null || { echo "start-dockerd: dockerd is not installed (apt-get install docker.io)" >&2; exit 1; }
log=${DOCKERD_LOG:-/var/log/coderready-dockerd.log}
# start DRIVER: start dockerd with a storage driver; true once it answers.
start() {
	nohup dockerd --label org.coderready.test-engine=true --storage-driver="$1" --iptables=false --bridge=none >"$log" 2>&1 &
	local pid=$!
	echo "$pid" >/run/coderready-dockerd.pid
	for _ in $(seq 1 60); do
		"$DOCKER" info >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 1
	done
	kill "$pid" 2>/dev/null || true
	return 1
}
if [ -n "${STORAGE_DRIVER:-}" ]; then
	start "$STORAGE_DRIVER" && exit 0
elif start overlay2; then
	exit 0
else
	echo "start-dockerd: overlay2 is not available here ($(grep -m1 -i -E 'overlay|driver' "$log" || true)); using vfs" >&2
	wait 2>/dev/null || true
	start vfs && exit 0
fi
echo "start-dockerd: dockerd did not come up; last lines of $log:" >&2
tail -n 20 "$log" >&2
exit 1
