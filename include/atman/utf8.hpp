#pragma once
// Character (Unicode code point) views of UTF-8 text. Spans in atman's output count
// characters, as Python's str and JavaScript's Array.from do, not bytes.
#include <cstdint>
#include <string>

namespace atman {

// Code points in `text` (invalid bytes count as one each).
int64_t count_code_points(const std::string& text);
// Code points in the first `bytes` bytes of `text`.
int64_t count_code_points(const std::string& text, size_t bytes);
std::u32string utf8_to_u32(const std::string& text);
std::string u32_to_utf8(const std::u32string& text);
// Characters [start, start + length) of `text`.
std::string utf8_substr(const std::string& text, int64_t start, int64_t length);

}  // namespace atman
