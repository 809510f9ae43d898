#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and builds atman (Release) into build/.
# Idempotent: installs only missing packages, reconfigures and rebuilds incrementally.
#   tools/setup.sh            build the atman executable
#   tools/setup.sh --all      build everything, tests included (tools/test.sh uses this)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make pkg-config libtorch-dev libopenblas-dev libsentencepiece-dev libcli11-dev
          nlohmann-json3-dev libspdlog-dev libgtest-dev libgmock-dev libpcre2-dev libutf8proc-dev)
# The test suite also fuzzes the parsers with libFuzzer, which comes with Debian's clang.
[[ "${1:-}" == "--all" ]] && packages+=(clang libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

target=(--target atman)
[[ "${1:-}" == "--all" ]] && target=()
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs" "${target[@]}" >&2
