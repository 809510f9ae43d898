#include "char_changes.hpp"

#include <algorithm>

namespace atman::hf {
namespace {

size_t char_length(const std::string& text, size_t at) {
  if (at >= text.size()) return 0;
  const auto c = static_cast<unsigned char>(text[at]);
  return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

}  // namespace

NormalizedText apply_changes(const NormalizedText& text, const std::vector<CharChange>& changes) {
  NormalizedText out;
  const Span none = text.origin.empty() ? Span{} : Span{text.origin[0].start, text.origin[0].start};
  size_t at = 0;  // byte offset in `text` of the next original character
  std::string bytes;
  for (const auto& [c, change] : changes) {
    Span from = none;
    if (change > 0) {
      // An inserted character shares the origin of the byte before it.
      if (at >= 1 && at - 1 < text.origin.size()) from = text.origin[at - 1];
    } else {
      if (at < text.origin.size()) from = text.origin[at];
      at += char_length(text.text, at);
      for (int k = 0; k < -change; ++k) {
        // Characters merged into this one (a base letter and its combining mark composed by NFC)
        // extend its origin, so spans still tile the text. The reference keeps the base letter's
        // alone: it reports [2, 4] for "fé" of "cafe\u0301", atman [2, 5].
        if (at < text.origin.size() && !text.origin[at].empty()) {
          from.start = std::min(from.start, text.origin[at].start);
          from.end = std::max(from.end, text.origin[at].end);
        }
        at += char_length(text.text, at);
      }
    }
    bytes.clear();
    append_utf8(bytes, c);
    out.append(bytes, from);
  }
  return out;
}

}  // namespace atman::hf
