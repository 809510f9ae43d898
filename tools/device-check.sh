#!/usr/bin/env bash
# The GPU check of atman, for a machine with an NVIDIA GPU, a C++ compiler, CMake and the torch
# Python package, and no network (what the `device` machines of this project have):
#   1. unpacks the Debian packages of tools/device-deps.txt (fetched beforehand with
#      tools/fetch-device-deps.sh into $ATMAN_DEBS, default .devdeps/) into a private folder,
#   2. configures and builds atman against that torch's libtorch (CUDA),
#   3. runs the tests labelled `cuda` (CUDA float32 equals CPU float32 on ../shared/fixtures/models;
#      a copy in .devshared/fixtures is used when ../shared is absent),
#      then times tools/sdpa_shape_probe.py (what a new shape costs each attention backend) and
#      tools/attention_alignment_probe.py (explicit attention on odd and on padded key counts),
#   4. benchmarks `init-model --preset llama3-1b` in bfloat16 at 512 and 2048 prompt tokens: at each
#      length forward, atman and naive, then AtMan with `--attention fused` (5.); then ig and
#      attattr at both lengths; last, where the time goes per CUDA kernel (`bench --profile`:
#      forward, atman and naive at 512 tokens, fused AtMan there, a forward pass at 2048), in the
#      time left,
#   tools/device-check.sh [OUTDIR]     (default device-check-out/): summary.txt (versions, test
#   results, doctor, bench tables, kernel profiles), build.log, ctest.log, bench-{512,2048}.json,
#   bench-fused-{512,2048}.json, bench-profile-{512,fused-512,2048}.json,
#   bench-gradients-{512,2048}.json
# Each stage has a time limit, and no bench runs past ATMAN_DEVICE_CHECK_SECONDS (default 470) from
# the start, so the whole run ends within 8 minutes on one GPU; what did not fit is named in the
# summary.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
out=$(realpath -m "${1:-device-check-out}")
mkdir -p "$out"
debs=${ATMAN_DEBS:-.devdeps}
deps=${ATMAN_DEPS_PREFIX:-/tmp/atman-deps}
build=${ATMAN_DEVICE_BUILD:-build-device}
t0=$(date +%s)
say() { echo "[device-check +$(($(date +%s) - t0))s] $*" | tee -a "$out/summary.txt"; }
fail() { say "FAILED: $*"; exit 1; }

say "machine: $(nproc) cores; $(nvidia-smi -L 2>/dev/null | head -1)"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' \
  2>&1 | tee -a "$out/summary.txt"
command -v g++ >/dev/null || fail "no g++ on this machine"
say "$(g++ --version | head -1); $(cmake --version | head -1)"

# 1. Debian packages, unpacked privately (dpkg -x into / could replace the system's own copies).
ls "$debs"/*.deb >/dev/null 2>&1 || fail "no .deb files in $debs (run tools/fetch-device-deps.sh where apt works)"
mkdir -p "$deps"
for f in "$debs"/*.deb; do dpkg -x "$f" "$deps" || fail "dpkg -x $f"; done
# Their .pc files say prefix=/usr: point them at the unpacked copy.
sed -i "s|^prefix=/usr\$|prefix=$deps/usr|" "$deps"/usr/lib/x86_64-linux-gnu/pkgconfig/*.pc "$deps"/usr/share/pkgconfig/*.pc 2>/dev/null
export PKG_CONFIG_PATH="$deps/usr/lib/x86_64-linux-gnu/pkgconfig:$deps/usr/share/pkgconfig"
export LD_LIBRARY_PATH="$deps/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
pkg_config=$(command -v pkg-config || echo "$deps/usr/bin/pkgconf")
[[ -x /usr/local/cuda/bin/nvcc ]] && export PATH="$PATH:/usr/local/cuda/bin"

# 2. Configure and build against the torch Python package. PyTorch ships its own fmt (a newer
# one) among its headers: src/CMakeLists.txt puts spdlog's folder first so that spdlog gets its own.
torch_cmake=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)') || fail "python3 has no torch"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
say "configuring against $torch_cmake"
timeout 180 cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DTorch_DIR="$torch_cmake/Torch" -DCMAKE_PREFIX_PATH="$deps/usr" -DPKG_CONFIG_EXECUTABLE="$pkg_config" \
  >"$out/configure.log" 2>&1 || { tail -40 "$out/configure.log"; fail "configure (see configure.log)"; }
grep "atman: " "$out/configure.log" | tee -a "$out/summary.txt"
# Configure compiles the call of libtorch's fused kernel first, and builds without it if it fails.
native_sdpa=1
grep -q "scaled_dot_product_attention: ON" "$out/configure.log" || native_sdpa=0
# CMake wraps its warning over several lines: the log stays when it is there.
((native_sdpa)) && rm -f "$out/configure.log"
say "building"
timeout 420 cmake --build "$build" -j "$(nproc)" --target atman atman_cuda_tests >"$out/build.log" 2>&1 ||
  { grep -m 20 -B2 -A6 "error" "$out/build.log" | head -80; fail "build (see build.log)"; }
atman="$build/atman"
say "built $atman"
"$atman" --device cuda doctor 2>&1 | tee -a "$out/summary.txt"

# 3. The cuda-labelled tests, against the fixtures beside the checkout.
if [[ ! -d ../shared/fixtures/models && -d .devshared/fixtures/models ]]; then
  mkdir -p ../shared && cp -r .devshared/fixtures ../shared/
fi
say "cuda tests"
timeout 240 ctest --test-dir "$build" -L cuda --output-on-failure -V >"$out/ctest.log" 2>&1
tests_rc=$?
grep -E "tests passed|tests failed|\[cuda |\*\*\*Failed|Skipped|Failure" "$out/ctest.log" | tee -a "$out/summary.txt"

# What a new shape costs each scaled_dot_product_attention backend (AtMan's fused batches vary it).
say "sdpa shape probe"
timeout 60 python3 tools/sdpa_shape_probe.py 2>&1 | grep -v Warning | tee -a "$out/summary.txt"
# What padding score rows to a multiple of 8 keys (atman's GPU default) saves explicit attention.
say "attention alignment probe"
timeout 60 python3 tools/attention_alignment_probe.py 2>&1 | grep -v Warning | tee -a "$out/summary.txt"

# 4. Benchmarks on a 1B model in bfloat16.
model=/tmp/atman-llama3-1b
say "writing llama3-1b (bfloat16) to $model"
timeout 120 "$atman" init-model --preset llama3-1b --dtype bfloat16 --out "$model" --overwrite >"$out/init.log" 2>&1 ||
  fail "init-model (see init.log)"
rm -f "$out/init.log"
# Each bench gets what is left of ATMAN_DEVICE_CHECK_SECONDS since the start (on an H200 at a97f683
# the build took 141 s and everything 489 s, over 8 minutes: the last bench now gives way). The
# order puts the open questions first: AtMan with the explicit and the fused kernel (and naive, the
# ratio's reference) at each length, then the gradient methods, whose memory goals were met before.
deadline=$((t0 + ${ATMAN_DEVICE_CHECK_SECONDS:-470}))
# bench NAME TOKENS MODES [ARGS...]: one bench run, writing $out/bench-NAME.json.
bench() {
  local name=$1 tokens=$2 modes=$3 left status
  shift 3
  left=$((deadline - $(date +%s)))
  ((left > 20)) || { say "no time left for bench-$name"; return; }
  say "bench-$name: $tokens prompt tokens, modes $modes $* (limit ${left}s)"
  timeout "$left" "$atman" --device cuda bench --model "$model" --dtype bfloat16 --prompt-tokens "$tokens" \
    --modes "$modes" --repeats 3 --json-file "$out/bench-$name.json" "$@" 2>&1 | tee -a "$out/summary.txt"
  status=${PIPESTATUS[0]}
  ((status == 124)) && say "bench-$name stopped at the deadline"
  ((status == 0 || status == 124)) || say "bench-$name failed (exit $status)"
}
# 5. The fused attention kernel (--attention fused) needs libtorch's scaled_dot_product_attention.
((native_sdpa)) || say "no fused-kernel bench: this build calls no scaled_dot_product_attention (see configure.log)"
for tokens in ${ATMAN_DEVICE_BENCH_TOKENS:-512 2048}; do
  bench "$tokens" "$tokens" "${ATMAN_DEVICE_BENCH_MODES:-forward,atman,naive}"
  ((native_sdpa)) && bench "fused-$tokens" "$tokens" atman --attention fused
done
for tokens in ${ATMAN_DEVICE_BENCH_TOKENS:-512 2048}; do
  bench "gradients-$tokens" "$tokens" ig,attattr --gradient-batch-size 2
done
# Last, as it only explains the figures above: where the time goes, kernel by kernel, under the
# profiler, at 512 tokens (where a whole explanation is cheap) and for a forward pass at 2048.
bench profile-512 512 forward,atman,naive --profile
((native_sdpa)) && bench profile-fused-512 512 atman --profile --attention fused
bench profile-2048 2048 forward --profile
say "done (cuda tests exit $tests_rc)"
exit "$tests_rc"
