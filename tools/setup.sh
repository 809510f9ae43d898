#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and builds atman (Release) into build/.
# Idempotent: installs only missing packages, reconfigures and rebuilds incrementally.
#   tools/setup.sh                 build the atman executable against Debian's libtorch (CPU)
#   tools/setup.sh --all           build everything, tests included (tools/test.sh uses this)
#   tools/setup.sh --torch DIR     build against another libtorch 1.13-2.x, CPU or CUDA: an unpacked
#                                  libtorch zip, or the torch Python package's folder
#                                  (python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))');
#                                  the other dependencies still come from Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."

all=0 torch_dir=""
while (($#)); do
  case "$1" in
    --all) all=1 ;;
    --torch) torch_dir=${2:?--torch needs a directory}; shift ;;
    *) echo "setup: unknown argument '$1' (expected --all, --torch DIR)" >&2; exit 2 ;;
  esac
  shift
done

packages=(cmake g++ make pkg-config libsentencepiece-dev libcli11-dev nlohmann-json3-dev libspdlog-dev
          libgtest-dev libgmock-dev libpcre2-dev libutf8proc-dev)
# Debian's libtorch reaches BLAS through libblas.so.3: OpenBLAS is linked ahead of it.
[[ -z "$torch_dir" ]] && packages+=(libtorch-dev libopenblas-dev)
# The test suite also fuzzes the parsers with libFuzzer, which comes with Debian's clang, and
# runs the Slurm recipe (tools/slurm/) on a single-node cluster of its own (label slurm).
((all)) && packages+=(clang libclang-rt-14-dev slurm-wlm munge)
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

configure=(-DCMAKE_BUILD_TYPE=Release)
if [[ -n "$torch_dir" ]]; then
  # TorchConfig.cmake sits under share/cmake/Torch in both layouts.
  config=$(find "$torch_dir" -maxdepth 4 -name TorchConfig.cmake -path '*share/cmake/Torch/*' | head -1)
  [[ -n "$config" ]] || { echo "setup: no share/cmake/Torch/TorchConfig.cmake under '$torch_dir'" >&2; exit 1; }
  configure+=(-DTorch_DIR="$(dirname "$config")")
elif grep -qs '^Torch_DIR:PATH=' build/CMakeCache.txt && ! grep -qs '^Torch_DIR:PATH=/usr/' build/CMakeCache.txt; then
  echo "setup: build/ was configured against $(grep '^Torch_DIR:PATH=' build/CMakeCache.txt | cut -d= -f2);" \
       "remove build/ to go back to Debian's libtorch" >&2
fi
target=(--target atman)
((all)) && target=()
cmake -S . -B build "${configure[@]}" >/dev/null
cmake --build build -j "$(nproc)" "${target[@]}" >&2
