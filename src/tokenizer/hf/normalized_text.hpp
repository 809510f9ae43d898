#pragma once
// Text moving through a Hugging Face tokenizer pipeline (added tokens, normalizers,
// pre-tokenizers, the model), carrying the origin of every byte in the user's text so that each
// token gets its character span there.
#include <cstdint>
#include <string>
#include <vector>

#include "atman/utf8.hpp"  // append_utf8

namespace atman::hf {

// [start, end) in code points of the original text. start == end covers no character: a byte
// that continues a character whose first byte belongs to an earlier piece, or inserted text.
struct Span {
  int64_t start = 0;
  int64_t end = 0;
  bool empty() const { return start == end; }
  bool operator==(const Span& o) const { return start == o.start && end == o.end; }
};

struct NormalizedText {
  std::string text;          // UTF-8 (after ByteLevel: bytes spelled in the GPT-2 alphabet)
  std::vector<Span> origin;  // one per byte of `text`

  // The user's text as it is; characters counted from `first_char`. Every byte of a character
  // carries that character's span.
  static NormalizedText original(const std::string& text, int64_t first_char = 0);

  void append(const std::string& bytes, Span from);  // every appended byte comes from `from`
  void append(const NormalizedText& other);
  NormalizedText slice(size_t begin, size_t end) const;  // bytes [begin, end)
  // The characters that bytes [begin, end) came from: the smallest span holding every non-empty
  // origin among them; an empty span (at the first byte's origin) when none covers a character.
  Span span(size_t begin, size_t end) const;
  bool empty() const { return text.empty(); }
};

// Calls f(code_point, byte_offset, byte_length) for each UTF-8 character of `text`. Text is
// valid UTF-8 here (checked on entry to the tokenizer).
template <typename F>
void for_each_char(const std::string& text, F&& f) {
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < n && i + k < text.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    f(cp, i, n);
    i += n;
  }
}

// `text` with each character replaced by f(code_point) (a UTF-8 string, possibly empty or
// several characters); the replacement's bytes keep the replaced character's origin.
template <typename F>
NormalizedText map_chars(const NormalizedText& text, F&& f) {
  NormalizedText out;
  out.text.reserve(text.text.size());
  out.origin.reserve(text.origin.size());
  for_each_char(text.text,
                [&](char32_t cp, size_t at, size_t) { out.append(f(cp), text.origin[at]); });
  return out;
}

}  // namespace atman::hf
