#!/usr/bin/env bash
# Regressions for the defects a hostile-user probe found: crashes, lost data and silent
# failures. One case per defect, each registered as its own test (cli_hostile_<case>).
#   hostile_test.sh CASE ATMAN DATA_DIR WORKDIR
set -euo pipefail
case_name=$1 atman=$2 data=$3 work=$4/$1
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL [$case_name]: $*"; exit 1; }
# expect_rc RC COMMAND...: runs it with stdout in $work/out and stderr in $work/err.
expect_rc() {
  local want=$1 rc=0
  shift
  "$@" >"$work/out" 2>"$work/err" </dev/null || rc=$?
  ((rc < 128 || rc == want)) || fail "killed by signal $((rc - 128)): $*"
  [[ $rc == "$want" ]] || { cat "$work/out" "$work/err"; fail "exit $rc, expected $want: $*"; }
}
expect_err() { grep -Eq -- "$1" "$work/err" || fail "stderr does not match /$1/: $(cat "$work/err")"; }

TOM=(--prompt "Once upon a time, there was a little boy named Tom. One day," --target " Tom went to the park")
good_record() { printf '{"id": "%s", "prompt": "Lily had a red ball. She liked to play with it.", "target": " Lily"}\n' "$1"; }

# Sets the bytes of one tensor of a safetensors file to 0xFF (a NaN payload): corrupt_tensor FILE NAME
corrupt_tensor() {
  local file=$1 name=$2 header_length header offsets begin end
  header_length=$(od -An -t u8 -N 8 "$file" | tr -d ' ')
  header=$(head -c $((8 + header_length)) "$file" | tail -c "$header_length")
  offsets=$(grep -o "\"$name\":{[^}]*}" <<<"$header" | grep -o '"data_offsets":\[[0-9]*,[0-9]*\]' | grep -o '[0-9]*,[0-9]*')
  begin=${offsets%,*} end=${offsets#*,}
  head -c $((end - begin)) /dev/zero | tr '\0' '\377' |
    dd of="$file" bs=1 seek=$((8 + header_length + begin)) conv=notrunc status=none
}

case $case_name in
factor_one)  # 1: --factor 1 suppresses nothing: all-zero relevance, not SIGFPE
  expect_rc 0 "$atman" explain "${TOM[@]}" --factor 1 --format json
  grep -Eq '"total":\[0\.0(,0\.0)+\]' "$work/out" || fail "totals are not all zero: $(cat "$work/out")"
  { good_record a; printf '{"id": "b", "prompt": "One day, Tom went out.", "target": " Tom", "factor": 1}\n'; } >"$work/in.jsonl"
  expect_rc 0 "$atman" -q batch --input "$work/in.jsonl" --output "$work/o.jsonl"
  [[ $(wc -l <"$work/o.jsonl") == 2 ]] || fail "batch lost a record"
  ;;
invalid_utf8_record)  # 2: a raw invalid byte in one JSONL line is an invalid_json line; the run goes on
  { good_record a; printf '{"id": "b", "prompt": "caf\xff", "target": " x"}\n'; good_record c; } >"$work/in.jsonl"
  expect_rc 1 "$atman" -q batch --input "$work/in.jsonl" --output "$work/o.jsonl"
  [[ $(wc -l <"$work/o.jsonl") == 3 ]] || fail "expected 3 output lines: $(cat "$work/o.jsonl")"
  grep -q '"line":2,.*"code":"invalid_json"' "$work/o.jsonl" || fail "no invalid_json line: $(cat "$work/o.jsonl")"
  grep -q '"id":"c"' "$work/o.jsonl" || fail "the record after the bad one was not explained"
  expect_rc 1 "$atman" -q eval --input "$work/in.jsonl" --methods atman --report "$work/report"
  grep -q 'invalid_json' "$work/report/summary.md" || fail "eval report does not list the bad record"
  ;;
output_special_files)  # 3: outputs write through symlinks and into FIFOs/devices, and keep a file's mode
  echo old >"$work/real.json"
  ln -s real.json "$work/link.json"
  expect_rc 0 "$atman" explain "${TOM[@]}" --format json --output "$work/link.json"
  [[ -L $work/link.json ]] || fail "the symlink was replaced by a file"
  grep -q '"schema":"atman.explanation/v1"' "$work/real.json" || fail "the symlink's target was not written"
  expect_rc 0 "$atman" explain "${TOM[@]}" --output /dev/null
  [[ -c /dev/null ]] || fail "/dev/null is no longer a device"
  mkfifo "$work/fifo"
  cat "$work/fifo" >"$work/from_fifo" &
  expect_rc 0 "$atman" explain "${TOM[@]}" --format json --output "$work/fifo"
  wait
  [[ -p $work/fifo ]] || fail "the FIFO was replaced by a file"
  grep -q '"schema"' "$work/from_fifo" || fail "nothing came through the FIFO"
  echo secret >"$work/private.json" && chmod 600 "$work/private.json"
  expect_rc 0 "$atman" explain "${TOM[@]}" --format json --output "$work/private.json"
  [[ $(stat -c %a "$work/private.json") == 600 ]] || fail "mode became $(stat -c %a "$work/private.json")"
  good_record a >"$work/in.jsonl"
  expect_rc 0 "$atman" -q batch --input "$work/in.jsonl" --output "$work/o.jsonl"
  : >"$work/merged.jsonl" && chmod 640 "$work/merged.jsonl"
  expect_rc 0 "$atman" merge "$work/o.jsonl" --output "$work/merged.jsonl"
  [[ $(stat -c %a "$work/merged.jsonl") == 640 ]] || fail "merge output mode changed"
  ln -s merged.jsonl "$work/junit.link"
  expect_rc 0 "$atman" check --baseline "$work/o.jsonl" --current "$work/o.jsonl" --junit "$work/junit.link"
  [[ -L $work/junit.link ]] && grep -q '<testsuite' "$work/merged.jsonl" || fail "--junit did not write through the link"
  mkdir -p "$work/report" && echo x >"$work/elsewhere.md" && ln -s ../elsewhere.md "$work/report/summary.md"
  expect_rc 0 "$atman" -q eval --input "$work/in.jsonl" --methods atman --report "$work/report"
  [[ -L $work/report/summary.md ]] && grep -q 'atman' "$work/elsewhere.md" || fail "eval report replaced a symlink"
  ;;
long_prompt_refused_fast)  # 4: a 2 MB prompt is refused as too long at once (tokenising was quadratic)
  head -c 2000000 /dev/zero | tr '\0' 'a' | sed 's/aaaaaaaaa/ Lily was/g' >"$work/prompt.txt"
  start=$(date +%s%N)
  expect_rc 1 timeout 20 "$atman" explain --prompt-file "$work/prompt.txt" --target " Lily"
  expect_err "longer than the model's max_position_embeddings \\(512\\)"
  ms=$((($(date +%s%N) - start) / 1000000))
  printf '{"id": "big", "prompt": "%s", "target": " x"}\n' "$(cat "$work/prompt.txt")" >"$work/in.jsonl"
  good_record small >>"$work/in.jsonl"
  expect_rc 1 timeout 20 "$atman" -q batch --input "$work/in.jsonl" --output "$work/o.jsonl"
  grep -q '"id":"big".*"code":"invalid_input".*max_position_embeddings' "$work/o.jsonl" || fail "big record not refused"
  echo "explain refused a 2 MB prompt in $ms ms (includes start-up)"
  ;;
concurrent_batch_locked)  # 5: a second batch on the same output refuses instead of interleaving
  for i in $(seq 40); do good_record "r$i"; done >"$work/in.jsonl"
  "$atman" -q batch --input "$work/in.jsonl" --output "$work/o.jsonl" &
  first=$!
  for _ in $(seq 400); do [[ -s $work/o.jsonl ]] && break; sleep 0.05; done
  kill -STOP "$first"  # frozen mid-run, holding the lock: the outcome cannot depend on timing
  expect_rc 1 "$atman" -q batch --input "$work/in.jsonl" --output "$work/o.jsonl" --resume
  expect_err "is being written by another atman process"
  expect_rc 1 "$atman" -q batch --input "$work/in.jsonl" --output "$work/o.jsonl" --overwrite
  expect_err "is being written by another atman process"
  kill -CONT "$first"
  wait "$first" || fail "the first run failed"
  [[ $(wc -l <"$work/o.jsonl") == 40 ]] || fail "expected 40 lines, got $(wc -l <"$work/o.jsonl")"
  [[ -z $(grep -o '"id":"[^"]*"' "$work/o.jsonl" | sort | uniq -d) ]] || fail "an id was written twice"
  ;;
overwrite_keeps_output_on_failure)  # 6: --overwrite with a bad --model leaves the old output alone
  good_record a >"$work/in.jsonl"
  expect_rc 0 "$atman" -q batch --input "$work/in.jsonl" --output "$work/o.jsonl"
  cp "$work/o.jsonl" "$work/before.jsonl"
  expect_rc 1 "$atman" -q batch --input "$work/in.jsonl" --output "$work/o.jsonl" --overwrite --model /nonexistent
  cmp -s "$work/o.jsonl" "$work/before.jsonl" || fail "the output was touched by a run that never started"
  expect_rc 1 "$atman" -q batch --input "$work/in.jsonl" --output "$work/new.jsonl" --model /nonexistent
  [[ ! -e $work/new.jsonl ]] || fail "a run that never started created its output"
  ;;
init_model_refuses_non_empty)  # 7: init-model does not silently replace a model directory
  mkdir -p "$work/model" && echo '{}' >"$work/model/config.json"
  expect_rc 1 "$atman" init-model --preset tiny --out "$work/model"
  expect_err "is not empty: pass --overwrite"
  [[ $(cat "$work/model/config.json") == '{}' ]] || fail "config.json was replaced"
  expect_rc 0 "$atman" init-model --preset tiny --out "$work/model" --overwrite
  grep -q '"model_type"' "$work/model/config.json" || fail "--overwrite did not write the model"
  expect_rc 0 "$atman" init-model --preset tiny --out "$work/fresh"
  ;;
merge_refuses_incomplete)  # 8: merge needs one complete run of one input
  for i in $(seq 6); do good_record "r$i"; done >"$work/in.jsonl"
  for k in 0 1 2; do expect_rc 0 "$atman" -q batch --input "$work/in.jsonl" --output "$work/s$k.jsonl" --shard "$k/3"; done
  expect_rc 1 "$atman" merge "$work/s0.jsonl" "$work/s2.jsonl"
  expect_err "shards 1/3 are missing"
  head -n 5 "$work/in.jsonl" >"$work/other.jsonl"
  expect_rc 0 "$atman" -q batch --input "$work/other.jsonl" --output "$work/other1.jsonl" --shard 1/3
  expect_rc 1 "$atman" merge "$work/s0.jsonl" "$work/other1.jsonl" "$work/s2.jsonl"
  expect_err "comes from another input"
  mkdir "$work/dir.jsonl"
  expect_rc 1 "$atman" merge "$work/s0.jsonl" "$work/s1.jsonl" "$work/dir.jsonl"
  expect_err "is a directory"
  expect_rc 1 "$atman" merge "$work/s0.jsonl" "$work/s1.jsonl" "$work/s1.jsonl" "$work/s2.jsonl"
  expect_rc 0 "$atman" merge "$work/s2.jsonl" "$work/s0.jsonl" "$work/s1.jsonl" --output "$work/merged.jsonl"
  expect_rc 0 "$atman" -q batch --input "$work/in.jsonl" --output "$work/all.jsonl"
  cmp "$work/merged.jsonl" "$work/all.jsonl" || fail "merged output differs from the unsharded run"
  ;;
check_nan_threshold)  # 9: a NaN threshold is a usage error, not "everything passes"
  good_record a >"$work/in.jsonl"
  expect_rc 0 "$atman" -q batch --input "$work/in.jsonl" --output "$work/o.jsonl"
  for flag in --min-spearman --min-topk-overlap --max-abs-diff; do
    expect_rc 2 "$atman" check --baseline "$work/o.jsonl" --current "$work/o.jsonl" "$flag" nan
    expect_err "$flag must be"
  done
  expect_rc 2 "$atman" check --baseline "$work/o.jsonl" --current "$work/o.jsonl" --max-abs-diff inf
  ;;
check_non_numeric_totals)  # 10: null or string totals are unusable (exit 2) with the id named
  good_record a >"$work/in.jsonl"
  expect_rc 0 "$atman" -q batch --input "$work/in.jsonl" --output "$work/o.jsonl"
  sed 's/"total":\[[^]]*\]/"total":null/' "$work/o.jsonl" >"$work/null.jsonl"
  sed 's/"total":\[[^]]*\]/"total":"high"/' "$work/o.jsonl" >"$work/string.jsonl"
  for bad in null string; do
    expect_rc 2 "$atman" check --baseline "$work/o.jsonl" --current "$work/$bad.jsonl"
    grep -q '"a".*not a list of finite numbers' "$work/out" || fail "table does not name the id: $(cat "$work/out")"
  done
  ;;
nan_weights_refused)  # 11: a model that computes NaN is an error, not a result
  cp -r "$data/../../models/stories260K" "$work/model"
  corrupt_tensor "$work/model/model.safetensors" model.norm.weight
  expect_rc 1 "$atman" explain --model "$work/model" "${TOM[@]}"
  expect_err "computed non-finite values"
  good_record a >"$work/in.jsonl"
  expect_rc 1 "$atman" -q batch --model "$work/model" --input "$work/in.jsonl" --output "$work/o.jsonl"
  grep -q '"code":"explain_failed".*non-finite' "$work/o.jsonl" || fail "batch did not fail the record: $(cat "$work/o.jsonl")"
  ;;
prompt_utf8_and_controls)  # 12: invalid UTF-8 refused with its offset; control characters escaped
  expect_rc 1 "$atman" explain --prompt "$(printf 'Tom \xff ran')" --target " Tom"
  expect_err "the prompt is not valid UTF-8: byte 0xFF at byte offset 4"
  printf 'Tom\x1b[2J rang\x07 the bell.' >"$work/prompt.txt"
  expect_rc 0 "$atman" explain --prompt-file "$work/prompt.txt" --target " Tom"
  grep -q $'\x1b' "$work/out" && fail "a raw escape byte reached the output"
  grep -q $'\x07' "$work/out" && fail "a raw BEL byte reached the output"
  grep -qF '\x1B' "$work/out" || fail "the escape is not shown as \\x1B: $(cat "$work/out")"
  ;;
resume_exit_code)  # 13: the exit code of a resumed run covers error lines written before the kill
  { echo 'not json'; good_record a; good_record b; } >"$work/in.jsonl"
  expect_rc 137 "$atman" -q batch --input "$work/in.jsonl" --output "$work/o.jsonl" --kill-after 1
  expect_rc 1 "$atman" -q batch --input "$work/in.jsonl" --output "$work/o.jsonl" --resume
  expect_err "1 of 3 records failed"
  ;;
directories_and_devices)  # 14: directories are named as such; /dev/zero is capped, not read forever
  mkdir "$work/dir"
  expect_rc 1 "$atman" -q batch --input "$work/dir" --output "$work/o.jsonl"
  expect_err "'.*/dir' is a directory"
  expect_rc 1 "$atman" -q eval --input "$work/dir" --report "$work/report"
  expect_err "'.*/dir' is a directory"
  expect_rc 1 "$atman" explain --prompt-file "$work/dir" --target " Tom"
  expect_err "--prompt-file: '.*/dir' is a directory"
  expect_rc 1 timeout 60 "$atman" explain --prompt-file /dev/zero --target " Tom"
  expect_err "--prompt-file: '/dev/zero' is larger than 64 MiB"
  ;;
max_memory_values)  # 20: --max-memory: 0 means automatic; 0.5 and 1e30 are refused as usage errors
  expect_rc 0 "$atman" explain "${TOM[@]}" --max-memory 0
  expect_rc 2 "$atman" explain "${TOM[@]}" --max-memory 1e30
  expect_err "is larger than 1 EiB"
  expect_rc 2 "$atman" explain "${TOM[@]}" --max-memory 0.5
  expect_err "is less than one byte"
  expect_rc 2 "$atman" explain "${TOM[@]}" --max-memory -5M
  ;;
option_values_exit_2)  # 21: out-of-range option values are usage errors (exit 2)
  expect_rc 2 "$atman" explain "${TOM[@]}" --factor 150
  expect_err "--factor must lie in \\[0, 100\\], got 150$"
  expect_rc 2 "$atman" explain "${TOM[@]}" --granularity letter
  expect_rc 2 "$atman" explain "${TOM[@]}" --layers 0,9
  expect_rc 2 "$atman" batch --input "$data/batch_input.jsonl" --output - --shard 2/2
  expect_rc 2 "$atman" eval --input "$data/gold_stories.jsonl" --methods lime --report "$work/r"
  expect_rc 2 "$atman" init-model --preset huge --out "$work/never"
  # Thousands of threads took minutes to start (100000 never finished); more than the cores warns.
  expect_rc 2 timeout 20 "$atman" --threads 100000 tokenize --text hi
  expect_rc 2 "$atman" --threads -1 tokenize --text hi
  expect_rc 0 "$atman" --threads "$(($(nproc) + 1))" tokenize --text hi
  expect_err "is more than the cores this process may use \\($(nproc)\\)"
  # A template without {document} is refused before the model loads, also where no record has
  # documents (it would otherwise go unnoticed), and batch writes nothing.
  expect_rc 2 "$atman" explain "${TOM[@]}" --document-template "Story:"
  expect_err "must hold \\{document\\} exactly once"
  expect_rc 2 "$atman" batch --input "$data/batch_input.jsonl" --output "$work/never.jsonl" --document-template "Story:"
  expect_err "must hold \\{document\\} exactly once"
  [[ ! -e "$work/never.jsonl" ]] || fail "batch wrote $work/never.jsonl"
  ;;
generate_padded_vocab)  # 22: ids past the tokenizer's pieces print as <id:N>
  expect_rc 0 "$atman" init-model --preset llama-25m --out "$work/model"
  expect_rc 0 "$atman" generate --model "$work/model" --prompt "Once upon a time" --max-new-tokens 8 --ignore-eos
  grep -Eq '<id:[0-9]+>' "$work/out" || fail "no <id:N> in: $(cat "$work/out")"
  ;;
stdout_write_failure)  # 23: results that cannot be written (/dev/full) fail the command, exit 1
  good_record a >"$work/in.jsonl"
  expect_rc 0 "$atman" -q batch --input "$work/in.jsonl" --output "$work/o.jsonl"
  commands=("tokenize --text hi" "generate --prompt Tom --max-new-tokens 2" "doctor" "explain --help"
            "check --baseline $work/o.jsonl --current $work/o.jsonl" "explain --prompt Tom --target x")
  for command in "${commands[@]}"; do
    rc=0
    # shellcheck disable=SC2086  # the words of one command
    "$atman" -q $command >/dev/full 2>"$work/err" </dev/null || rc=$?
    [[ $rc == 1 ]] || fail "exit $rc, expected 1, with stdout on /dev/full: atman $command"
    expect_err "^error: writing to stdout failed"
  done
  ;;
empty_inputs)  # 24: an input with no records: eval, check and heads refuse it by name, batch warns
  printf '\n\n' >"$work/empty.jsonl"
  expect_rc 1 "$atman" -q eval --input "$work/empty.jsonl" --methods atman --report "$work/report"
  expect_err "--input '.*/empty.jsonl' holds no records .*nothing to evaluate"
  [[ ! -e $work/report ]] || fail "eval wrote a report over no records"
  expect_rc 2 "$atman" check --baseline "$work/empty.jsonl" --current "$work/empty.jsonl"
  expect_err "--baseline '.*/empty.jsonl' holds no explanations: nothing to compare"
  expect_rc 0 "$atman" batch --input "$work/empty.jsonl" --output "$work/o.jsonl"
  expect_err "\\[warning\\] --input '.*/empty.jsonl' holds no records"
  [[ -f $work/o.jsonl && ! -s $work/o.jsonl ]] || fail "batch did not write an empty output"
  expect_rc 1 "$atman" -q heads --input "$work/empty.jsonl"
  expect_err "--input '.*/empty.jsonl' holds no records: nothing to attribute"
  ;;
unknown_record_field)  # 25: a misspelt override is named in a warning (once), not ignored silently
  { good_record a | sed 's/}$/, "granularty": "word"}/'; good_record b | sed 's/}$/, "granularty": "word"}/'; } >"$work/in.jsonl"
  expect_rc 0 "$atman" -q batch --input "$work/in.jsonl" --output "$work/o.jsonl"
  expect_err "input line 1: field 'granularty' is not one atman reads, ignored \\(did you mean 'granularity'\\?\\)"
  [[ $(grep -c granularty "$work/err") == 1 ]] || fail "warned more than once: $(cat "$work/err")"
  [[ $(wc -l <"$work/o.jsonl") == 2 ]] || fail "a record was lost"
  ;;
*) fail "unknown case" ;;
esac
echo "ok [$case_name]"
