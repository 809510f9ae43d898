#pragma once
// Splitting a piece around the matches of a pattern, with tokenizers' SplitDelimiterBehavior
// (NormalizedString::split in the Rust library).
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "normalized_text.hpp"

namespace atman::hf {

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// "Removed", "Isolated", ...; anything else throws atman::Error naming `component` and `source`.
SplitBehavior parse_split_behavior(const nlohmann::json& j, const std::string& component,
                                   const std::string& source);

// A stretch of the text that is, or lies between, matches.
struct Segment {
  size_t begin = 0;
  size_t end = 0;
  bool is_match = false;
};

// The whole text of `length` bytes cut at `matches` (sorted, non-overlapping byte ranges).
std::vector<Segment> segments_from_matches(size_t length,
                                           const std::vector<std::pair<size_t, size_t>>& matches);

// Every character for which pred(code_point) holds is a match of its own.
template <typename Pred>
std::vector<Segment> segments_from_chars(const std::string& text, Pred&& pred) {
  std::vector<Segment> out;
  size_t last = 0;
  for_each_char(text, [&](char32_t cp, size_t at, size_t n) {
    if (!pred(cp)) return;
    if (last < at) out.push_back({last, at, false});
    out.push_back({at, at + n, true});
    last = at + n;
  });
  if (last < text.size()) out.push_back({last, text.size(), false});
  return out;
}

void invert(std::vector<Segment>& segments);

// The pieces of `piece` that `behavior` keeps; empty pieces are dropped, as tokenizers does.
std::vector<NormalizedText> split_segments(const NormalizedText& piece,
                                           const std::vector<Segment>& segments,
                                           SplitBehavior behavior);

}  // namespace atman::hf
