#include "pre_tokenizers.hpp"

namespace atman::hf {
namespace {

// Spaces become `replacement` (keeping the space's origin); a replacement is prepended by
// `scheme` (First: only to the piece that starts the user's text); then, with `split`, the
// piece is cut before each replacement (MergedWithNext).
class MetaspacePreTokenizer : public PreTokenizer {
 public:
  MetaspacePreTokenizer(char32_t replacement, PrependScheme scheme, bool split)
      : replacement_(replacement), scheme_(scheme), split_(split) {
    append_utf8(spelled_, replacement);
  }

  std::vector<NormalizedText> split(const NormalizedText& piece) const override {
    if (piece.empty()) return {};
    NormalizedText text;
    for_each_char(piece.text, [&](char32_t c, size_t at, size_t n) {
      if (c == U' ') {
        text.append(spelled_, piece.origin[at]);
      } else {
        text.append(piece.slice(at, at + n));
      }
    });
    const bool starts_with = text.text.compare(0, spelled_.size(), spelled_) == 0;
    const bool prepend = scheme_ == PrependScheme::Always ||
                         (scheme_ == PrependScheme::First && text.origin.front().start == 0);
    if (prepend && !starts_with) {
      NormalizedText out;
      out.append(spelled_, text.origin.front());
      out.append(text);
      text = std::move(out);
    }
    if (!split_) return {std::move(text)};
    const char32_t r = replacement_;
    return split_segments(text, segments_from_chars(text.text, [r](char32_t c) { return c == r; }),
                          SplitBehavior::MergedWithNext);
  }

 private:
  char32_t replacement_;
  std::string spelled_;
  PrependScheme scheme_;
  bool split_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(char32_t replacement,
                                                           PrependScheme scheme, bool split) {
  return std::make_unique<MetaspacePreTokenizer>(replacement, scheme, split);
}

}  // namespace atman::hf
