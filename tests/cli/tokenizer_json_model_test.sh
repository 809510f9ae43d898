#!/usr/bin/env bash
# A model directory whose tokenizer is a tokenizer.json (the Llama 2 fixture, 32000 pieces, on
# the random-weight llama-25m preset): explain and batch use it, spans tile the prompt, and
# --tokenizer can pick the file explicitly.
#   tokenizer_json_model_test.sh ATMAN FIXTURES_DIR WORKDIR
set -euo pipefail
atman=$1 fixtures=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$atman" -q init-model --preset llama-25m --out "$work/model"
cp "$fixtures/llama2/tokenizer.json" "$fixtures/llama2/tokenizer_config.json" "$work/model/"
"$atman" -q tokenize --model "$work/model" --text "Tom ran." --format json >"$work/tok.json"
grep -q '"ids":\[1,' "$work/tok.json" || fail "tokenizer.json not used (no <s> first): $(cat "$work/tok.json")"
prompt="Lily saw a café.  Then   she ran 🐱 home."
for granularity in token word sentence; do
  "$atman" -q --threads 2 explain --model "$work/model" --prompt "$prompt" --target " Lily" \
    --granularity "$granularity" --format json >"$work/explain.json"
  # Units tile the prompt: their texts, in order, spell it.
  spelled=$(grep -o '"units":\[.*\],"' "$work/explain.json" | grep -o '"source":"prompt"[^}]*"text":"[^"]*"' |
    sed 's/.*"text":"//; s/"$//' | tr -d '\n')
  [[ $spelled == "$prompt" ]] || fail "$granularity units spell '$spelled'"
done
printf '{"id": "a", "prompt": "Tom went home.", "target": " Tom"}\n' >"$work/in.jsonl"
"$atman" -q --threads 2 batch --model "$work/model" --input "$work/in.jsonl" --output "$work/out.jsonl"
grep -q '"id":"a".*"schema":"atman.explanation/v1"' "$work/out.jsonl" || fail "batch failed: $(cat "$work/out.jsonl")"
echo "ok: tokenizer.json model explained, units spell the prompt"
