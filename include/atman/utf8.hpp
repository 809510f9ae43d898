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
// Appends the UTF-8 encoding of `cp` to `out`.
void append_utf8(std::string& out, char32_t cp);
// Characters [start, start + length) of `text`.
std::string utf8_substr(const std::string& text, int64_t start, int64_t length);

// Byte offset of the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF), or text.size() when it is valid.
size_t first_invalid_utf8(const std::string& text);
// Throws atman::Error "<what> is not valid UTF-8: byte 0xNN at byte offset K".
void require_valid_utf8(const std::string& text, const std::string& what);
// `text` with every byte that is not part of well-formed UTF-8 written as "\xNN", so that
// messages quoting untrusted input can always be serialised as JSON and printed.
std::string escape_invalid_utf8(const std::string& text);

}  // namespace atman
