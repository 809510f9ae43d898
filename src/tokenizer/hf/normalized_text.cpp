#include "normalized_text.hpp"

#include <algorithm>

namespace atman::hf {

NormalizedText NormalizedText::original(const std::string& text, int64_t first_char) {
  NormalizedText out;
  out.text = text;
  out.origin.reserve(text.size());
  int64_t index = first_char;
  for_each_char(text, [&](char32_t, size_t, size_t n) {
    out.origin.insert(out.origin.end(), n, Span{index, index + 1});
    ++index;
  });
  out.origin.resize(text.size(), Span{index, index});  // a cut-off last character
  return out;
}

void NormalizedText::append(const std::string& bytes, Span from) {
  text += bytes;
  origin.insert(origin.end(), bytes.size(), from);
}

void NormalizedText::append(const NormalizedText& other) {
  text += other.text;
  origin.insert(origin.end(), other.origin.begin(), other.origin.end());
}

NormalizedText NormalizedText::slice(size_t begin, size_t end) const {
  NormalizedText out;
  end = std::min(end, text.size());
  if (begin >= end) return out;
  out.text = text.substr(begin, end - begin);
  out.origin.assign(origin.begin() + static_cast<std::ptrdiff_t>(begin),
                    origin.begin() + static_cast<std::ptrdiff_t>(end));
  return out;
}

Span NormalizedText::span(size_t begin, size_t end) const {
  end = std::min(end, origin.size());
  Span out{-1, -1};
  for (size_t i = begin; i < end; ++i) {
    if (origin[i].empty()) continue;
    if (out.start < 0) out = origin[i];
    out.start = std::min(out.start, origin[i].start);
    out.end = std::max(out.end, origin[i].end);
  }
  if (out.start >= 0) return out;
  const int64_t at = begin < origin.size() ? origin[begin].start : 0;
  return Span{at, at};
}

}  // namespace atman::hf
