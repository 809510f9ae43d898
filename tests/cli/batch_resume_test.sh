#!/usr/bin/env bash
# End to end: `atman batch` on good and bad records is killed midway (twice: once right after
# a record, once at a random moment with a cut-off line), resumed, and must end with every id
# exactly once, errors recorded, and the same bytes as a run that was never interrupted.
#   batch_resume_test.sh ATMAN INPUT.jsonl WORKDIR
set -euo pipefail
atman=$1 input=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }

# The data set: the fixture plus one record far too long for the model's 512 positions.
data=$work/input.jsonl
cp "$input" "$data"
printf '{"id": "too-long", "prompt": "%s", "target": " Lily"}\n' "$(printf ' Lily%.0s' $(seq 600))" >>"$data"

# Reference: one uninterrupted run. Failed records make the exit code 1.
set +e
"$atman" -q batch --input "$data" --output "$work/reference.jsonl" 2>"$work/reference.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "uninterrupted run: exit $rc, expected 1"
grep -q '^error: 7 of 13 records failed' "$work/reference.err" || fail "no failure summary: $(cat "$work/reference.err")"

out=$work/out.jsonl
# 1. Killed with SIGKILL right after the third record.
set +e
"$atman" -q batch --input "$data" --output "$out" --kill-after 3 2>/dev/null
rc=$?
set -e
[[ $rc == 137 ]] || fail "first run: exit $rc, expected 137 (SIGKILL)"
[[ $(wc -l <"$out") == 3 ]] || fail "first run left $(wc -l <"$out") lines, expected 3"

# 2. Resumed, then killed at a random moment; whatever it wrote last is cut in half, as a
# kill during a write would leave it.
"$atman" -q batch --input "$data" --output "$out" --resume 2>/dev/null &
pid=$!
for _ in $(seq 200); do
  (($(wc -l <"$out") >= 5)) && break
  sleep 0.05
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
last=$(tail -n 1 "$out")
head -c -1 "$out" >"$work/cut" && head -c -$((${#last} / 2)) "$work/cut" >"$out"
[[ -n $(tail -c 1 "$out") ]] || fail "the simulated cut did not leave a partial line"

# 3. Resumed to the end: the cut line is repaired, not duplicated.
set +e
"$atman" batch --input "$data" --output "$out" --resume 2>"$work/resume.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "final resume: exit $rc, expected 1 (some records fail)"
grep -q "removed a cut-off last line" "$work/resume.err" || fail "cut-off line not reported: $(cat "$work/resume.err")"

ids=$(grep -o '^{"id":[^,]*' "$out" | sed 's/^{"id"://')
[[ $(echo "$ids" | wc -l) == 13 ]] || fail "expected 13 lines, got $(echo "$ids" | wc -l)"
dupes=$(echo "$ids" | sort | uniq -d)
# "tom" is used twice in the input: its second record is an error line with line 9, so ids
# repeat only there, and lines never do.
[[ $dupes == '"tom"' ]] || fail "ids written twice: $dupes"
[[ -z $(grep -o '"line":[0-9]*' "$out" | sort | uniq -d) ]] || fail "a line was written twice"
for code in invalid_json missing_field wrong_type invalid_input duplicate_id invalid_option; do
  grep -q "\"code\":\"$code\"" "$out" || fail "no $code error recorded"
done
grep -q '"id":"too-long".*"code":"invalid_input".*max_position_embeddings' "$out" || fail "too-long record not reported"
cmp -s "$out" "$work/reference.jsonl" || { diff "$work/reference.jsonl" "$out" | head -5; fail "resumed output differs from the uninterrupted run"; }
echo "ok: killed twice, resumed, 13 records once each, identical to the uninterrupted run"
