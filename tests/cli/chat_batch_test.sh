#!/usr/bin/env bash
# `atman batch` on chat records: a model directory with its own chat_template.jinja, records
# with messages, a generated reply, a contrast and a bad role; every record gets its line.
#   chat_batch_test.sh ATMAN MODEL_DIR TEMPLATE WORKDIR
set -euo pipefail
atman=$1 model=$2 template=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
cp -r "$model" "$work/model"
cp "$template" "$work/model/chat_template.jinja"
cat >"$work/input.jsonl" <<'JSONL'
{"id": "chat", "messages": [{"role": "system", "content": "Tom is a boy."}, {"role": "user", "content": "Once upon a time, there was a little boy named Tom. One day,"}], "target": " Tom went", "granularity": "message"}
{"id": "generated", "chat": true, "prompt": "Once upon a time", "generate": 4}
{"id": "contrast", "prompt": "Once upon a time, there was a little boy named Tom. One day,", "target": " Tom", "contrast": " Lily"}
{"id": "bad-role", "messages": [{"role": "narrator", "content": "Once"}], "target": " upon"}
JSONL
set +e
"$atman" -q batch --model "$work/model" --input "$work/input.jsonl" --output "$work/out.jsonl" 2>"$work/err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "exit code $rc, expected 1 (one bad record): $(cat "$work/err")"
[[ $(wc -l <"$work/out.jsonl") == 4 ]] || fail "expected 4 output lines: $(cat "$work/out.jsonl")"
line() { grep "^{\"id\":\"$1\"" "$work/out.jsonl" || fail "no line for $1"; }
line chat | grep -q '"text":"Tom is a boy.","message":0}' || fail "chat: no message unit: $(line chat)"
line chat | grep -q '"role":"user"' || fail "chat: no user message span"
line generated | grep -q '"target_generated":true' || fail "generated: $(line generated)"
line contrast | grep -q '"contrast":{"foil":" Lily"' || fail "contrast: $(line contrast)"
line bad-role | grep -q '"code":"invalid_input","message":"message 0 has the unknown role' || fail "bad-role: $(line bad-role)"

# check and eval take the same records: re-explained now, they match the batch output.
grep -v bad-role "$work/input.jsonl" | grep -v '"contrast"' >"$work/good.jsonl"
"$atman" -q batch --model "$work/model" --input "$work/good.jsonl" --output "$work/good_out.jsonl"
"$atman" -q check --model "$work/model" --baseline "$work/good_out.jsonl" --input "$work/good.jsonl" >"$work/check.txt" \
  || fail "check: $(cat "$work/check.txt")"
grep -q "2 ids, 2 passed, 0 regressed" "$work/check.txt" || fail "check: $(cat "$work/check.txt")"
"$atman" -q eval --model "$work/model" --input "$work/good.jsonl" --report "$work/report" --methods atman >/dev/null \
  || fail "eval failed"
grep -q '"records": *2\|"records":2' "$work/report/summary.json" || fail "eval: $(head -c 400 "$work/report/summary.json")"
echo ok
