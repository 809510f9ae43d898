#!/usr/bin/env bash
# Shards 0/2 and 1/2 of a batch, merged, equal the unsharded output byte for byte; a record's
# output is the same bytes whichever way it ran (stdin to stdout included).
#   batch_shard_test.sh ATMAN INPUT.jsonl WORKDIR
set -euo pipefail
atman=$1 input=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
# One thread count for all runs: outputs of another differ in the last digits (and say so).
run() { "$atman" -q --threads 1 batch "$@" 2>/dev/null || [[ $? == 1 ]]; }  # 1: some records fail, as planned

run --input "$input" --output "$work/all.jsonl"
run --input "$input" --output "$work/s0.jsonl" --shard 0/2
run --input "$input" --output "$work/s1.jsonl" --shard 1/2
[[ -s $work/s0.jsonl && -s $work/s1.jsonl ]] || fail "a shard is empty"
cmp -s "$work/s0.jsonl" "$work/all.jsonl" && fail "shard 0 holds everything"
"$atman" merge "$work/s1.jsonl" "$work/s0.jsonl" --output "$work/merged.jsonl" 2>"$work/merge.err"
cmp "$work/merged.jsonl" "$work/all.jsonl" || fail "merged shards differ from the unsharded output"
[[ ! -s $work/merge.err ]] || fail "merge of shards with one thread count said: $(cat "$work/merge.err")"
# A shard computed with another thread count: merged all the same, with a warning naming it.
"$atman" --threads 2 -q batch --input "$input" --output "$work/s1t2.jsonl" --shard 1/2 --failed-records-ok
"$atman" merge "$work/s0.jsonl" "$work/s1t2.jsonl" --output "$work/mixed.jsonl" 2>"$work/mixed.err"
grep -q "^\[warning\] the shards were computed with different thread counts (.*2 threads: '$work/s1t2.jsonl')" "$work/mixed.err" ||
  fail "no warning for shards of different thread counts: $(cat "$work/mixed.err")"
run --input - --output - <"$input" >"$work/piped.jsonl"
cmp "$work/piped.jsonl" "$work/all.jsonl" || fail "stdin/stdout output differs"
echo "ok: shards merged == unsharded == piped; merging shards of different thread counts warns"
