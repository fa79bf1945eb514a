#!/usr/bin/env bash
# start-postgres.sh — start a throwaway PostgreSQL for the tests unless one
# already answers on 127.0.0.1:55432, and make sure database coderready_test
# exists. Prints nothing on success.
#
# The cluster lives in /var/tmp/coderready-pg (data/, log, unix socket), is
# owned by the `postgres` OS user when run as root, listens on the unix socket
# and 127.0.0.1 only, trusts loopback connections, and trades durability for
# speed (fsync off): it holds test data only. Superuser role: postgres.
#
#   CODERREADY_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:55432/coderready_test?sslmode=disable
#
# Debian's `postgresql` package is installed with apt-get when no server
# binaries are found. Safe to run concurrently and repeatedly.
set -euo pipefail

PORT=${CODERREADY_PG_PORT:-55432}
BASE=${CODERREADY_PG_DIR:-/var/tmp/coderready-pg}
DB=coderready_test
DATA=$BASE/data
LOG=$BASE/postgres.log
PIDFILE=/run/coderready-postgres.pid

fail() {
	echo "start-postgres: $*" >&2
	if [ -f "$LOG" ]; then
		echo "start-postgres: last lines of $LOG:" >&2
		tail -n 20 "$LOG" >&2
	fi
	exit 1
}

pgbin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	[ -n "$d" ] && [ -x "$d/pg_ctl" ] && echo "$d"
}

BIN=$(pgbin || true)
if [ -z "$BIN" ]; then
	[ "$(id -u)" = 0 ] || fail "PostgreSQL is not installed and apt-get needs root (apt-get install postgresql)"
	apt-get update -qq >/dev/null
	# Debian's package may try to start its own cluster through invoke-rc.d;
	# that is not ours and may fail on machines without an init system.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1 ||
		fail "apt-get install postgresql failed"
	BIN=$(pgbin || true)
	[ -n "$BIN" ] || fail "PostgreSQL server binaries not found under /usr/lib/postgresql after installing"
fi

# Run PostgreSQL tools as the cluster owner: the postgres OS user when we are
# root (the server refuses to run as root), else ourselves.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

ready() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres >/dev/null 2>&1; }

psqlc() { "$BIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

ensure_db() {
	local have
	have=$(psqlc -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" 2>/dev/null || true)
	[ "$have" = 1 ] && return 0
	# A concurrent run may create it between the check and here.
	psqlc -c "CREATE DATABASE $DB" >/dev/null 2>&1 ||
		[ "$(psqlc -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" 2>/dev/null || true)" = 1 ] ||
		fail "cannot create database $DB"
}

if ready; then
	ensure_db
	exit 0
fi

mkdir -p "$BASE"
chmod 0755 "$BASE"
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$BASE"; fi

# One starter at a time; the others wait, then find the server answering.
# The server must not inherit the lock's descriptor (9>&- below), or it would
# hold the lock for as long as it runs.
exec 9>"$BASE/.lock"
flock -w 120 9 || fail "timed out waiting for another start-postgres run"

if ! ready; then
	if [ ! -f "$DATA/PG_VERSION" ]; then
		rm -rf "$DATA"
		as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
			>"$BASE/initdb.log" 2>&1 9>&- || { LOG=$BASE/initdb.log fail "initdb failed"; }
		cat >>"$DATA/postgresql.conf" <<EOF

# coderready test cluster (scripts/start-postgres.sh): loopback only, no durability.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$BASE'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
		cat >"$DATA/pg_hba.conf" <<'EOF'
# coderready test cluster: trust on the unix socket and loopback only.
local all all trust
host  all all 127.0.0.1/32 trust
EOF
	fi
	# A server killed with SIGKILL leaves postmaster.pid naming it; until that
	# process is reaped (a zombie still "exists") and its backends have noticed
	# and exited, a new server refuses to start. That takes a moment: retry.
	started=
	for _ in $(seq 1 30); do
		if as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null 2>&1 9>&- || ready; then
			started=1
			break
		fi
		sleep 1
	done
	[ -n "$started" ] || fail "pg_ctl start failed"
	ready || fail "PostgreSQL does not answer on 127.0.0.1:$PORT"
fi

ensure_db
if [ -f "$DATA/postmaster.pid" ] && [ -w "$(dirname "$PIDFILE")" ]; then
	head -n 1 "$DATA/postmaster.pid" >"$PIDFILE"
fi
exit 0
