#include <utf8proc.h>

#include "normalizers.hpp"

namespace atman::hf {
namespace {

// Rust's char::to_lowercase: the simple mapping, except U+0130 whose full lowercase is "i̇"
// (the one unconditional multi-character lowercase mapping).
class LowercaseNormalizer : public Normalizer {
 public:
  void normalize(NormalizedText& text) const override {
    text = map_chars(text, [](char32_t c) {
      std::string out;
      if (c == 0x130) {
        append_utf8(out, U'i');
        append_utf8(out, 0x307);
        return out;
      }
      append_utf8(out, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
      return out;
    });
  }
};

}  // namespace

std::unique_ptr<Normalizer> make_lowercase_normalizer() {
  return std::make_unique<LowercaseNormalizer>();
}

}  // namespace atman::hf
