#include "byte_level_alphabet.hpp"
#include "pre_tokenizers.hpp"

namespace atman::hf {
namespace {

const char* const kGpt2Pattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

// Spells every byte in the GPT-2 alphabet. The first byte of a character keeps the character's
// origin; its continuation bytes get an empty span at the character's end, so that the character
// belongs to the token that holds its first byte.
NormalizedText to_alphabet(const NormalizedText& piece) {
  NormalizedText out;
  std::string spelled;
  for_each_char(piece.text, [&](char32_t, size_t at, size_t n) {
    const Span whole = piece.origin[at];
    for (size_t k = 0; k < n && at + k < piece.text.size(); ++k) {
      spelled.clear();
      append_utf8(spelled, byte_to_char(static_cast<uint8_t>(piece.text[at + k])));
      out.append(spelled, k == 0 ? whole : Span{whole.end, whole.end});
    }
  });
  return out;
}

class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {}

  std::vector<NormalizedText> split(const NormalizedText& piece) const override {
    if (piece.empty()) return {};
    NormalizedText text = piece;
    if (add_prefix_space_ && text.text[0] != ' ') {
      // Like tokenizers' prepend: the space shares the origin of the first character.
      NormalizedText spaced;
      spaced.append(" ", text.origin.front());
      spaced.append(text);
      text = std::move(spaced);
    }
    std::vector<NormalizedText> parts;
    if (use_regex_) {
      static const Regex gpt2(kGpt2Pattern, false, "ByteLevel");
      parts =
          split_segments(text, segments_from_matches(text.text.size(), gpt2.find_all(text.text)),
                         SplitBehavior::Isolated);
    } else {
      parts.push_back(std::move(text));
    }
    for (auto& part : parts) part = to_alphabet(part);
    return parts;
  }

 private:
  bool add_prefix_space_;
  bool use_regex_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(bool add_prefix_space, bool use_regex) {
  return std::make_unique<ByteLevelPreTokenizer>(add_prefix_space, use_regex);
}

}  // namespace atman::hf
