#include "split_segments.hpp"

#include <algorithm>

#include "atman/error.hpp"

namespace atman::hf {

SplitBehavior parse_split_behavior(const nlohmann::json& j, const std::string& component,
                                   const std::string& source) {
  const std::string name = j.is_string() ? j.get<std::string>() : j.dump();
  if (name == "Removed") return SplitBehavior::Removed;
  if (name == "Isolated") return SplitBehavior::Isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (name == "Contiguous") return SplitBehavior::Contiguous;
  throw Error(source + ": unsupported behavior '" + name + "' in pre_tokenizer " + component);
}

std::vector<Segment> segments_from_matches(size_t length,
                                           const std::vector<std::pair<size_t, size_t>>& matches) {
  std::vector<Segment> out;
  size_t last = 0;
  for (const auto& [begin, end] : matches) {
    if (last != begin) out.push_back({last, begin, false});
    out.push_back({begin, end, true});
    last = end;
  }
  if (last != length) out.push_back({last, length, false});
  return out;
}

void invert(std::vector<Segment>& segments) {
  for (auto& s : segments) s.is_match = !s.is_match;
}

namespace {

// The (begin, end, keep) ranges each behavior produces, following tokenizers' folds.
std::vector<Segment> arrange(const std::vector<Segment>& segments, SplitBehavior behavior) {
  std::vector<Segment> out;  // is_match here means "remove"
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::Removed:
      return segments;
    case SplitBehavior::Isolated:
      for (const auto& s : segments) out.push_back({s.begin, s.end, false});
      return out;
    case SplitBehavior::Contiguous:
      for (const auto& s : segments) {
        if (s.is_match == previous_match && !out.empty()) {
          out.back().end = s.end;
        } else {
          out.push_back({s.begin, s.end, false});
        }
        previous_match = s.is_match;
      }
      return out;
    case SplitBehavior::MergedWithPrevious:
      for (const auto& s : segments) {
        if (s.is_match && !previous_match && !out.empty()) {
          out.back().end = s.end;
        } else {
          out.push_back({s.begin, s.end, false});
        }
        previous_match = s.is_match;
      }
      return out;
    case SplitBehavior::MergedWithNext:
      for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
        if (it->is_match && !previous_match && !out.empty()) {
          out.back().begin = it->begin;
        } else {
          out.push_back({it->begin, it->end, false});
        }
        previous_match = it->is_match;
      }
      std::reverse(out.begin(), out.end());
      return out;
  }
  return out;
}

}  // namespace

std::vector<NormalizedText> split_segments(const NormalizedText& piece,
                                           const std::vector<Segment>& segments,
                                           SplitBehavior behavior) {
  std::vector<NormalizedText> out;
  for (const auto& s : arrange(segments, behavior)) {
    if (s.is_match || s.begin >= s.end) continue;
    out.push_back(piece.slice(s.begin, s.end));
  }
  return out;
}

}  // namespace atman::hf
