#!/bin/sh
# Runs as root while the Dev Containers CLI builds the image.
set -eu
name=${USERNAME:-coder}
if ! id "$name" >/dev/null 2>&1; then
	useradd --create-home --shell /bin/bash --uid 1000 --user-group "$name"
fi
