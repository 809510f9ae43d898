#!/usr/bin/env bash
# `atman check` as a CI job runs it: identical runs pass (exit 0), a baseline whose totals are
# reversed for one record fails (exit 1) with that id in the table and in JUnit XML, and a
# baseline for a different prompt is unusable (exit 2).
#   check_test.sh ATMAN INPUT.jsonl WORKDIR
set -euo pipefail
atman=$1 input=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
expect_rc() {  # expect_rc RC COMMAND...: runs it, output to $work/last.out
  local want=$1 rc=0
  shift
  "$@" >"$work/last.out" 2>&1 || rc=$?
  [[ $rc == "$want" ]] || { cat "$work/last.out"; fail "exit $rc, expected $want: $*"; }
}

# The fixture without its duplicate id; its bad records stay (the same error in both runs passes).
grep -v 'A duplicate id' "$input" >"$work/input.jsonl"
expect_rc 1 "$atman" -q batch --input "$work/input.jsonl" --output "$work/base.jsonl"

expect_rc 0 "$atman" check --baseline "$work/base.jsonl" --current "$work/base.jsonl"
grep -q "check: 11 ids, 11 passed, 0 regressed, 0 unusable" "$work/last.out" || fail "summary: $(cat "$work/last.out")"
# Explaining the input afresh reproduces the committed baseline.
expect_rc 0 "$atman" -q check --baseline "$work/base.jsonl" --input "$work/input.jsonl"

# Negate the totals of "tom": its ranking reverses.
while IFS= read -r line; do
  if [[ $line == '{"id":"tom"'* ]]; then
    total=$(grep -o '"total":\[[^]]*\]' <<<"$line")
    negated=$(sed -E 's/([[,])/\1-/g; s/--//g' <<<"$total")
    line=${line/"$total"/"$negated"}
  fi
  printf '%s\n' "$line"
done <"$work/base.jsonl" >"$work/perturbed.jsonl"
cmp -s "$work/base.jsonl" "$work/perturbed.jsonl" && fail "perturbation changed nothing"
expect_rc 1 "$atman" check --baseline "$work/perturbed.jsonl" --current "$work/base.jsonl" --junit "$work/junit.xml"
grep -qE '^"tom"	regressed	-[0-9.]+	' "$work/last.out" || fail "table lacks the regressed id: $(cat "$work/last.out")"
grep -q '^error: 1 of 11 ids regressed' "$work/last.out" || fail "no error line"
grep -q '<testsuite name="atman.check" tests="11" failures="1" errors="0">' "$work/junit.xml" || fail "junit counts"
grep -q '<failure message="spearman' "$work/junit.xml" || fail "junit failure"
if command -v python3 >/dev/null; then
  python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$work/junit.xml" || fail "junit is not well-formed XML"
fi

# A baseline of other prompts cannot be compared: exit 2, reported per id.
sed 's/"prompt":"Once upon a time, there/"prompt":"Long ago, there/' "$work/base.jsonl" >"$work/other.jsonl"
expect_rc 2 "$atman" check --baseline "$work/other.jsonl" --current "$work/base.jsonl"
grep -q '"tom"	unusable	-	-	-	different prompt' "$work/last.out" || fail "different prompt not reported: $(cat "$work/last.out")"
echo "ok: identical pass, reversed ranking fails with JUnit, other prompts unusable"
