#!/usr/bin/env bash
# Writes a small retrieval data set for the embedded stories260K model: each record gives four
# short stories as "documents" and a question whose answer is in exactly one of them (a child
# and the thing it owns); "gold" is the index of that document, so a document-level explanation
# should point at it. The gold story moves through every position. Deterministic: the same
# script gives the same bytes.
#   tools/make_retrieval_stories.sh > tests/data/retrieval_stories.jsonl
#   atman eval --input tests/data/retrieval_stories.jsonl --granularity document --output-dir eval-retrieval
set -euo pipefail
export LC_ALL=C

# shellcheck source=tools/story_words.sh
source "$(dirname "$0")/story_words.sh"

# story I: child I, its object and a day out.
story() {
  local i=$1 place=${places[$(($1 % 4))]}
  local lower_p
  lower_p=$(tr '[:upper:]' '[:lower:]' <<<"${pronouns[$i]}")
  printf '%s had a %s %s. %s took the %s to the %s every day. One day, %s met a friend and they played until the sun went down.' \
    "${names[$i]}" "${colors[$i]}" "${objects[$i]}" "${pronouns[$i]}" "${objects[$i]}" "$place" "$lower_p"
}

for record in 0 1 2 3 4 5 6 7; do
  asked=$record
  gold=$((record % 4))
  # Four different children; the asked one's story at position `gold`.
  docs=()
  for slot in 0 1 2 3; do
    if ((slot == gold)); then
      docs+=("$(story "$asked")")
    else
      docs+=("$(story $(((asked + slot + 1 + (slot >= gold ? 0 : 4)) % 8)))")
    fi
  done
  question="One day, ${names[$asked]} could not find ${possessives[$asked]}"
  printf '{"id": "retrieval-%d", "documents": ["%s", "%s", "%s", "%s"], "prompt": "%s", "target": " %s", "gold": %d}\n' \
    "$record" "${docs[0]}" "${docs[1]}" "${docs[2]}" "${docs[3]}" "$question" "${objects[$asked]}" "$gold"
done
