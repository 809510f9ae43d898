#!/usr/bin/env bash
# Writes a small ground-truth data set for the embedded stories260K model: TinyStories-style
# prompts in which a name or an object is mentioned once, and a target continuation that
# repeats it. "gold" is the character span [start, end) of that one earlier mention, so an
# explanation should point at it. Deterministic: the same script gives the same bytes.
#   tools/make_gold_stories.sh > tests/data/gold_stories.jsonl
set -euo pipefail
export LC_ALL=C  # ASCII text: bytes and characters agree, so ${#s} is a character offset

# shellcheck source=tools/story_words.sh
source "$(dirname "$0")/story_words.sh"

# emit ID PROMPT-PARTS...: the part written as {X} is the gold mention; TARGET from $target.
emit() {
  local id=$1 prompt="" start=-1 end=-1 part
  shift
  for part in "$@"; do
    if [[ $part == "{"*"}" ]]; then
      part=${part:1:${#part}-2}
      start=${#prompt}
      end=$((start + ${#part}))
    fi
    prompt+=$part
  done
  printf '{"id": "%s", "prompt": "%s", "target": "%s", "gold": [[%d, %d]]}\n' "$id" "$prompt" "$target" "$start" "$end"
}

for i in "${!names[@]}"; do
  n=${names[$i]} p=${pronouns[$i]} pos=${possessives[$i]}
  o=${objects[$i]} c=${colors[$i]} place=${places[$((i % 4))]}
  lower_p=$(tr '[:upper:]' '[:lower:]' <<<"$p")

  # The name, introduced once and asked for at the end.
  target=" $n"
  emit "name-$i" "Once upon a time, there was a little $([[ $p == She ]] && echo girl || echo boy) named " "{$n}" \
    ". $p liked to play in the $place. One day, $lower_p saw a $c bird. The bird sang a song. Mom called out to"

  # An object, mentioned once, that the story comes back to.
  target=" $o"
  emit "object-$i" "$n had a $c " "{$o}" ". $p played with it every day. One day, $lower_p could not find it. $p looked everywhere for $pos"

  # A found object, shown to someone at the end.
  target=" $o"
  emit "found-$i" "One day, $n went to the $place and found a " "{$o}" \
    " under a tree. $p was very happy. $p took it home and showed Mom the"
done
