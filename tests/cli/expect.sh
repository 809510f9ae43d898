#!/usr/bin/env bash
# Runs a command the way a user would and checks what they would see.
#   expect.sh RC REGEX [--stdout-file FILE] -- COMMAND [ARGS...]
# Passes when the exit code is RC, the combined output matches the extended REGEX (on some
# line; a REGEX with a newline in it, across the whole output), the process did not die from a
# signal, and (RC != 0) stderr holds exactly one "error:" line.
# With --stdout-file, stdout must equal FILE byte for byte.
set -u
want_rc=$1 regex=$2
shift 2
stdout_file=""
if [[ "${1:-}" == "--stdout-file" ]]; then stdout_file=$2; shift 2; fi
[[ "${1:-}" == "--" ]] && shift

out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$@" >"$out" 2>"$err"
rc=$?
fail() { echo "FAIL: $*"; echo "--- command: $*"; echo "--- stdout:"; cat "$out"; echo "--- stderr:"; cat "$err"; exit 1; }
((rc >= 128)) && fail "killed by signal $((rc - 128))"
[[ "$rc" == "$want_rc" ]] || fail "exit code $rc, expected $want_rc"
if [[ "$regex" == *$'\n'* ]]; then
  # A regex that spans lines is matched against the whole output: grep would take each of its
  # lines for a pattern of its own, and an empty one matches anything.
  output=$(cat "$out" "$err")
  [[ "$output" =~ $regex ]] || fail "output does not match /$regex/"
else
  cat "$out" "$err" | grep -Eq -- "$regex" || fail "output does not match /$regex/"
fi
if [[ "$want_rc" != 0 && "$want_rc" != 2 ]]; then
  n=$(grep -c '^error:' "$err")
  [[ "$n" == 1 ]] || fail "expected one 'error:' line on stderr, got $n"
fi
if [[ -n "$stdout_file" ]]; then
  cmp -s "$out" "$stdout_file" || { diff "$stdout_file" "$out"; fail "stdout differs from $stdout_file"; }
fi
echo "ok"
