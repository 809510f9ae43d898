#include "char_classes.hpp"
#include "normalizers.hpp"

namespace atman::hf {
namespace {

// Removes leading and/or trailing Unicode whitespace; the rest keeps its origins.
class StripNormalizer : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}

  void normalize(NormalizedText& text) const override {
    size_t begin = text.text.size(), end = 0;  // bounds of the non-whitespace characters
    bool leading = true;
    for_each_char(text.text, [&](char32_t c, size_t at, size_t n) {
      if (is_white_space(c)) return;
      if (leading) begin = at;
      leading = false;
      end = at + n;
    });
    if (leading) {  // all whitespace
      if (left_ || right_) text = NormalizedText{};
      return;
    }
    text = text.slice(left_ ? begin : 0, right_ ? end : text.text.size());
  }

 private:
  bool left_;
  bool right_;
};

}  // namespace

std::unique_ptr<Normalizer> make_strip_normalizer(bool left, bool right) {
  return std::make_unique<StripNormalizer>(left, right);
}

}  // namespace atman::hf
