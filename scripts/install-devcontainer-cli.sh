#!/usr/bin/env bash
# install-devcontainer-cli.sh — install the Dev Containers CLI that coderready
# uses to build devcontainer.json files with features
# (@devcontainers/cli, from npm) unless the pinned version is already on PATH.
# Needs Node.js 18+ and npm (Debian bookworm: apt-get install nodejs npm).
# Quiet on success; safe to run again.
#
# Environment: DEVCONTAINER_CLI_VERSION (default 0.89.0), NPM (default npm).
set -euo pipefail

VERSION=${DEVCONTAINER_CLI_VERSION:-0.89.0}
NPM=${NPM:-npm}

if command -v devcontainer >/dev/null 2>&1 && [ "$(devcontainer --version 2>/dev/null || true)" = "$VERSION" ]; then
	exit 0
fi
command -v node >/dev/null 2>&1 || { echo "install-devcontainer-cli: node is not installed (apt-get install nodejs npm)" >&2; exit 1; }
command -v "$NPM" >/dev/null 2>&1 || { echo "install-devcontainer-cli: npm is not installed (apt-get install npm)" >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "$NPM" install --global --no-audit --no-fund --loglevel=error "@devcontainers/cli@$VERSION" >"$log" 2>&1; then
	echo "install-devcontainer-cli: npm install -g @devcontainers/cli@$VERSION failed:" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
hash -r
got=$(devcontainer --version 2>/dev/null || true)
if [ "$got" != "$VERSION" ]; then
	echo "install-devcontainer-cli: installed, but 'devcontainer --version' prints '$got' (want $VERSION); is $("$NPM" prefix -g)/bin on PATH?" >&2
	exit 1
fi
