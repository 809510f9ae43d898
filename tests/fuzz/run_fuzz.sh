#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang into BUILD_DIR and runs each for a
# bounded time from its seed corpus, printing how many inputs it ran.
#   usage: run_fuzz.sh BUILD_DIR       ATMAN_FUZZ_SECONDS: seconds per target (default 20)
# Exit: 0 no finding; 1 a finding (crash, sanitizer report, broken invariant) or a build
# failure; 77 (ctest's skip) when clang or its fuzzer runtime is missing, unless CI=true.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: run_fuzz.sh BUILD_DIR}
seconds=${ATMAN_FUZZ_SECONDS:-20}
targets=(fuzz_safetensors_header fuzz_batch_record)
mkdir -p "$build"
build=$(cd "$build" && pwd)

missing_toolchain() {
  if [[ "${CI:-}" == "true" ]]; then
    echo "error: $1 (CI=true requires the fuzz test; install clang and libclang-rt-14-dev)" >&2
    exit 1
  fi
  echo "skipped: $1 (install clang and libclang-rt-14-dev to fuzz)"
  exit 77
}
command -v clang++ >/dev/null || missing_toolchain "clang++ not found"
# clang without compiler-rt compiles but cannot link -fsanitize=fuzzer: probe before building.
probe='extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }'
if ! echo "$probe" | clang++ -x c++ -fsanitize=fuzzer,address,undefined - -o "$build/probe" 2>/dev/null; then
  missing_toolchain "clang++ cannot link libFuzzer"
fi

echo "building fuzz targets in $build"
if ! CC=clang CXX=clang++ cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/configure.log" 2>&1 ||
   ! cmake --build "$build" -j "$(nproc)" >"$build/build.log" 2>&1; then
  cat "$build/configure.log" "$build/build.log" >&2
  echo "error: building the fuzz targets failed" >&2
  exit 1
fi

status=0
for target in "${targets[@]}"; do
  # New inputs go to a working corpus in the build dir; the seeds in the tree stay as written.
  work="$build/corpus/$target"
  findings="$build/findings"
  mkdir -p "$work" "$findings"
  log="$build/$target.log"
  dict="$here/${target#fuzz_}.dict"
  "$build/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict="$dict" -artifact_prefix="$findings/$target-" "$work" "$here/corpus/$target" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$log" | tail -n 1)
  if [[ $rc -ne 0 ]]; then
    # libFuzzer's own exit code for a finding is 77, ctest's skip code: report failure as 1.
    tail -n 40 "$log" >&2
    echo "$target: FINDING (exit $rc); input saved under $findings, log in $log" >&2
    status=1
  elif [[ -z "$runs" ]]; then
    tail -n 20 "$log" >&2
    echo "$target: no 'Done N runs' line in $log" >&2
    status=1
  else
    echo "$target: $runs, no finding"
  fi
done
exit $status
