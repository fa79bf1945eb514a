#!/usr/bin/env bash
# start-dockerd.sh — start a Docker engine for the tests unless one answers.
# The engine runs with vfs storage and no bridge network (builds use the
# host network), as the test machines allow. Prints nothing on success.
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
nohup dockerd --label org.coderready.test-engine=true --storage-driver=vfs --iptables=false --bridge=none >"$log" 2>&1 &
echo $! >/run/coderready-dockerd.pid
for _ in $(seq 1 60); do
	"$DOCKER" info >/dev/null 2>&1 && exit 0
	sleep 1
done
echo "start-dockerd: dockerd did not come up; last lines of $log:" >&2
tail -n 20 "$log" >&2
exit 1
