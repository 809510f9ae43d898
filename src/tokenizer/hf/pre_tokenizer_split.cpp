#include "pre_tokenizers.hpp"

namespace atman::hf {
namespace {

class SplitPreTokenizer : public PreTokenizer {
 public:
  SplitPreTokenizer(std::unique_ptr<Regex> pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}

  std::vector<NormalizedText> split(const NormalizedText& piece) const override {
    if (piece.empty()) return {};
    auto segments = segments_from_matches(piece.text.size(), pattern_->find_all(piece.text));
    if (invert_) invert(segments);
    return split_segments(piece, segments, behavior_);
  }

 private:
  std::unique_ptr<Regex> pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

// tokenizers' Whitespace uses Rust's regex crate, whose \w is Alphabetic, marks, decimal digits,
// connector punctuation and the joiners, and whose \s is White_Space; spelled out here because
// PCRE2's \w and \s differ.
const char* const kWhitespacePattern =
    "[\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}]+"
    "|[^\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}\\p{White_Space}]+";

}  // namespace

std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(std::unique_ptr<Regex> pattern,
                                                       SplitBehavior behavior, bool invert) {
  return std::make_unique<SplitPreTokenizer>(std::move(pattern), behavior, invert);
}

std::unique_ptr<PreTokenizer> make_whitespace_pre_tokenizer() {
  return make_split_pre_tokenizer(std::make_unique<Regex>(kWhitespacePattern, false, "Whitespace"),
                                  SplitBehavior::Removed, true);
}

}  // namespace atman::hf
