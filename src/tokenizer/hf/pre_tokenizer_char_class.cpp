// Pre-tokenizers that split at characters of one class: Digits, Punctuation, WhitespaceSplit.
#include "char_classes.hpp"
#include "pre_tokenizers.hpp"

namespace atman::hf {
namespace {

class CharClassPreTokenizer : public PreTokenizer {
 public:
  CharClassPreTokenizer(bool (*in_class)(char32_t), SplitBehavior behavior)
      : in_class_(in_class), behavior_(behavior) {}

  std::vector<NormalizedText> split(const NormalizedText& piece) const override {
    return split_segments(piece, segments_from_chars(piece.text, in_class_), behavior_);
  }

 private:
  bool (*in_class_)(char32_t);
  SplitBehavior behavior_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_digits_pre_tokenizer(bool individual_digits) {
  return std::make_unique<CharClassPreTokenizer>(
      is_numeric, individual_digits ? SplitBehavior::Isolated : SplitBehavior::Contiguous);
}

std::unique_ptr<PreTokenizer> make_punctuation_pre_tokenizer(SplitBehavior behavior) {
  return std::make_unique<CharClassPreTokenizer>(is_punctuation, behavior);
}

std::unique_ptr<PreTokenizer> make_whitespace_split_pre_tokenizer() {
  return std::make_unique<CharClassPreTokenizer>(is_white_space, SplitBehavior::Removed);
}

}  // namespace atman::hf
