#!/usr/bin/env bash
# Downloads the Debian packages of tools/device-deps.txt into a folder (default .devdeps/), for
# tools/device-check.sh on a machine without network. Needs apt and network here, not root.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-.devdeps}
mkdir -p "$dest"
mapfile -t packages < <(grep -v '^#' tools/device-deps.txt | tr ' ' '\n' | grep -v '^$')
(cd "$dest" && apt-get download "${packages[@]}")
echo "fetched ${#packages[@]} packages into $dest ($(du -sh "$dest" | cut -f1))"
