#include "normalizers.hpp"

namespace atman::hf {
namespace {

// Replaces every match by `content`. As in tokenizers (NormalizedString::replace), the new bytes
// share the origin of the byte just before the match's end: the last byte of the match.
class ReplaceNormalizer : public Normalizer {
 public:
  ReplaceNormalizer(std::unique_ptr<Regex> pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}

  void normalize(NormalizedText& text) const override {
    const auto matches = pattern_->find_all(text.text);
    if (matches.empty()) return;
    NormalizedText out;
    size_t last = 0;
    for (const auto& [begin, end] : matches) {
      out.append(text.slice(last, begin));
      Span from = text.origin.empty() ? Span{} : Span{text.origin[0].start, text.origin[0].start};
      if (end >= 1) from = text.origin[end - 1];
      out.append(content_, from);
      last = end;
    }
    out.append(text.slice(last, text.text.size()));
    text = std::move(out);
  }

 private:
  std::unique_ptr<Regex> pattern_;
  std::string content_;
};

}  // namespace

std::unique_ptr<Normalizer> make_replace_normalizer(std::unique_ptr<Regex> pattern,
                                                    std::string content) {
  return std::make_unique<ReplaceNormalizer>(std::move(pattern), std::move(content));
}

}  // namespace atman::hf
