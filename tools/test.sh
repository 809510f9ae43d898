#!/usr/bin/env bash
# Sets up (if needed), builds everything and runs the whole test suite with ctest.
# Extra arguments go to ctest, e.g. tools/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --all
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
