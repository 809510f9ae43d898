#!/usr/bin/env bash
# Shards 0/2 and 1/2 of a batch, merged, equal the unsharded output byte for byte; a record's
# output is the same bytes whichever way it ran (stdin to stdout included).
#   batch_shard_test.sh ATMAN INPUT.jsonl WORKDIR
set -euo pipefail
atman=$1 input=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
run() { "$atman" -q batch "$@" 2>/dev/null || [[ $? == 1 ]]; }  # 1: some records fail, as planned

run --input "$input" --output "$work/all.jsonl"
run --input "$input" --output "$work/s0.jsonl" --shard 0/2
run --input "$input" --output "$work/s1.jsonl" --shard 1/2
[[ -s $work/s0.jsonl && -s $work/s1.jsonl ]] || fail "a shard is empty"
cmp -s "$work/s0.jsonl" "$work/all.jsonl" && fail "shard 0 holds everything"
"$atman" merge "$work/s1.jsonl" "$work/s0.jsonl" --output "$work/merged.jsonl"
cmp "$work/merged.jsonl" "$work/all.jsonl" || fail "merged shards differ from the unsharded output"
run --input - --output - <"$input" >"$work/piped.jsonl"
cmp "$work/piped.jsonl" "$work/all.jsonl" || fail "stdin/stdout output differs"
echo "ok: shards merged == unsharded == piped"
