#!/usr/bin/env bash
# End to end on the embedded model: documents before a question (`explain --document`, batch
# records with "documents"), document units, coarse-to-fine search, and their bad input.
#   documents_test.sh ATMAN DATADIR WORKDIR
set -euo pipefail
atman=$1 data=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }

# The first retrieval record's documents, as files.
python3 - "$data/retrieval_stories.jsonl" "$work" <<'PY'
import json, sys
record = json.loads(open(sys.argv[1]).readline())
for i, d in enumerate(record["documents"]):
    open(f"{sys.argv[2]}/doc{i}.txt", "w").write(d + "\n")
open(f"{sys.argv[2]}/question.txt", "w").write(record["prompt"])
PY
docs=(--document "$work/doc0.txt" --document "$work/doc1.txt" --document "$work/doc2.txt" --document "$work/doc3.txt")

# 1. Document units: one per document, each naming it; the question is no unit.
"$atman" -q explain "${docs[@]}" --prompt-file "$work/question.txt" --target " ball" --granularity document \
  --document-template $'Story {number}: {document}\n\n' --format json >"$work/documents.json"
python3 - "$work/documents.json" "$work" <<'PY' || fail "document units"
import json, sys
e = json.load(open(sys.argv[1]))
docs = [open(f"{sys.argv[2]}/doc{i}.txt").read().rstrip("\n") for i in range(4)]
assert [u["text"] for u in e["units"]] == docs, e["units"]
assert [u["document"] for u in e["units"]] == [0, 1, 2, 3]
assert e["prompt"].startswith("Story 1: " + docs[0] + "\n\nStory 2: "), e["prompt"]
for d in e["documents"]:
    assert e["prompt"][d["start"]:d["start"] + d["length"]] == docs[d["index"]]
q = e["question"]
assert e["prompt"][q["start"]:q["start"] + q["length"]] == "One day, Lily could not find her"
assert e["params"]["granularity"] == "document"
PY

# 2. Coarse to fine: the top 2 documents cut into words, the rest keep their document value.
"$atman" -q explain "${docs[@]}" --prompt-file "$work/question.txt" --target " ball" --granularity document \
  --document-template $'Story {number}: {document}\n\n' --refine 2:word --format json >"$work/refined.json"
python3 - "$work/refined.json" "$work/documents.json" <<'PY' || fail "refine"
import json, sys
e, coarse = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
r = e["refine"]
assert r["top_k"] == 2 and r["coarse_granularity"] == "document" and r["fine_granularity"] == "word", r
assert len(r["refined"]) == 2 and len(r["coarse_units"]) == 4
fine = [u for u in e["units"] if u["level"] == "fine"]
kept = [u for u in e["units"] if u["level"] == "coarse"]
assert len(kept) == 2 and {u["coarse_unit"] for u in fine} == set(r["refined"])
assert r["passes"] == 4 + len(fine) and r["passes_saved"] == r["full_fine_passes"] - r["passes"] > 0, r
# Coarse values equal the plain document-level explanation (one more pass over the same rows).
for a, b in zip(r["coarse_total"], coarse["total"]):
    assert abs(a - b) < 1e-5, (r["coarse_total"], coarse["total"])
for u in kept:
    assert e["total"][u["index"]] == r["coarse_total"][u["coarse_unit"]]
PY
"$atman" -q explain "${docs[@]}" --prompt-file "$work/question.txt" --target " ball" --granularity document \
  --refine 2:word >"$work/refined.txt"
grep -q "^# refined the 2 most relevant of 4 document units into [0-9]* word units: [0-9]* passes instead of [0-9]* for word units everywhere" \
  "$work/refined.txt" || fail "text output lacks the refine summary: $(head -3 "$work/refined.txt")"

# 3. A batch of retrieval records, with a bad one: every good record written, the bad one named.
cp "$data/retrieval_stories.jsonl" "$work/batch.jsonl"
printf '%s\n' '{"id": "empty-doc", "documents": ["Tom ran.", ""], "prompt": "Q", "target": " x"}' \
  '{"id": "docs-not-strings", "documents": [1, 2], "prompt": "Q", "target": " x"}' >>"$work/batch.jsonl"
set +e
"$atman" -q batch --input "$work/batch.jsonl" --output "$work/batch.out.jsonl" --granularity document --refine 1:sentence 2>"$work/batch.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "batch with bad records: exit $rc, expected 1"
python3 - "$work/batch.out.jsonl" <<'PY' || fail "batch output"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 10, len(lines)
good = [l for l in lines if "error" not in l]
assert len(good) == 8 and all(len(l["refine"]["coarse_units"]) == 4 for l in good)
errors = {l["id"]: l["error"] for l in lines if "error" in l}
assert "document 1 is empty" in errors["empty-doc"]["message"], errors
assert "'documents' must be an array of strings" in errors["docs-not-strings"]["message"], errors
PY

# 4. Bad input: one clear error each.
expect_error() {  # expect_error REGEX ARGS...
  local regex=$1
  shift
  set +e
  "$atman" -q "$@" >/dev/null 2>"$work/err"
  local rc=$?
  set -e
  [[ $rc != 0 ]] || fail "$* succeeded"
  grep -Eq -e "$regex" "$work/err" || fail "$*: expected /$regex/, got: $(cat "$work/err")"
}
expect_error "error: --document: cannot read '/nonexistent.txt'" explain --document /nonexistent.txt --prompt Q --target " x"
expect_error "must hold \{document\} exactly once" explain "${docs[@]}" --prompt Q --target " x" --document-template "Story:"
expect_error "--granularity document needs documents" explain --prompt "Tom ran." --target " x" --granularity document
expect_error "--refine needs --method atman" explain "${docs[@]}" --prompt Q --target " x" --method ixg --refine 2
expect_error "--refine must be K or K:GRANULARITY" explain --prompt "Tom ran." --target " x" --refine two
echo "documents and refine: ok"
