#!/usr/bin/env bash
# How far one build's `atman batch` output moves with the thread count: runs INPUT with
# --threads A twice and with --threads B once (A=1, B=2 unless THREADS="A B") and prints one
# Markdown table row: records, whether the two A runs are byte-identical, whether A and B are
# (whole lines, and with the recorded "threads" field left out), the largest |difference| of
# totals and of relevance values between A and B, and whether `atman check` passes at its
# defaults with A as the baseline and B as the current output (where it fails, its summary and
# that of A against A, which fails too on a data set that repeats an id). Needs python3.
#   tools/determinism.sh INPUT.jsonl [batch options]      ATMAN=path/to/atman (default build/atman)
set -euo pipefail
input=${1:?usage: tools/determinism.sh INPUT.jsonl [batch options]}
shift
atman=${ATMAN:-$(dirname "$0")/../build/atman}
read -r a b <<<"${THREADS:-1 2}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() {  # run THREADS OUT: records that fail are error lines in both runs, not a failed run
  "$atman" -q --threads "$1" batch --input "$input" --output "$work/$2" --failed-records-ok "${@:3}"
}
run "$a" a1.jsonl "$@"
run "$a" a2.jsonl "$@"
run "$b" b.jsonl "$@"
same() { cmp -s "$1" "$2" && echo yes || echo no; }
without_threads() { sed 's/,"threads":[0-9]*//' "$1"; }
repeat=$(same "$work/a1.jsonl" "$work/a2.jsonl")
across=$(same "$work/a1.jsonl" "$work/b.jsonl")
across_values=$(cmp -s <(without_threads "$work/a1.jsonl") <(without_threads "$work/b.jsonl") && echo yes || echo no)
# check's summary, e.g. "check: 12 ids, 10 passed, 0 regressed, 2 unusable": ids that repeat in
# a data set are unusable (they cannot be paired), against an identical output too.
summary() { "$atman" check --baseline "$work/a1.jsonl" --current "$1" 2>&1 | grep '^check: ' || true; }
if "$atman" check --baseline "$work/a1.jsonl" --current "$work/b.jsonl" >/dev/null 2>&1; then
  check=passes
else
  check="fails ($(summary "$work/b.jsonl" | sed 's/^check: //'); against the other $a-thread run: $(summary "$work/a2.jsonl" | sed 's/^check: //'))"
fi
read -r records total relevance < <(python3 - "$work/a1.jsonl" "$work/b.jsonl" <<'PY'
import json, sys

def flat(x):
    if isinstance(x, list):
        for y in x:
            yield from flat(y)
    elif isinstance(x, (int, float)):
        yield float(x)

a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert len(a) == len(b), "runs differ in their number of lines"
worst = {"total": 0.0, "relevance": 0.0}
explained = 0
for x, y in zip(a, b):
    if "total" not in x:
        continue
    explained += 1
    for key in worst:
        u, v = list(flat(x[key])), list(flat(y[key]))
        assert len(u) == len(v), f"{key} of id {x['id']} differs in length"
        worst[key] = max([worst[key]] + [abs(p - q) for p, q in zip(u, v)])
print(explained, f"{worst['total']:.3g}", f"{worst['relevance']:.3g}")
PY
)
echo "| \`$(basename "$input")\` ${*:+\`$*\` }| $records | $repeat | $across | $across_values | $total | $relevance | $check |"
