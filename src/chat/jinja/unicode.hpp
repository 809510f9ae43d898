#pragma once
// Python str semantics over UTF-8 text: lengths, indices and slices count code points;
// whitespace, line breaks and case follow Python's Unicode tables (case via utf8proc).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace atman::jinja {

std::u32string to_code_points(const std::string& text);
std::string to_utf8(const std::u32string& text);
int64_t code_point_length(const std::string& text);

// Python's escape of one code point: \xNN below 0x100, \uNNNN, else \UNNNNNNNN.
std::string python_escape(char32_t cp);

// Py_UNICODE_ISSPACE: what str.split() and str.strip() with no argument remove.
bool is_python_space(char32_t cp);

enum class StripSide { Both, Left, Right };
// str.strip/lstrip/rstrip: `chars` absent means whitespace.
std::string python_strip(const std::string& text, const std::optional<std::string>& chars,
                         StripSide side);
// str.split / str.rsplit; `separator` absent means runs of whitespace. max_split < 0: no limit.
std::vector<std::string> python_split(const std::string& text,
                                      const std::optional<std::string>& separator,
                                      int64_t max_split, bool from_right);
// str.splitlines(keepends)
std::vector<std::string> python_splitlines(const std::string& text, bool keep_ends);

std::string python_upper(const std::string& text);
std::string python_lower(const std::string& text);
std::string python_title(const std::string& text);       // str.title()
std::string python_capitalize(const std::string& text);  // str.capitalize()
std::string python_swapcase(const std::string& text);
// str.isupper() / str.islower(): some cased character and none of the other case.
bool python_isupper(const std::string& text);
bool python_islower(const std::string& text);
bool is_cased_letter(char32_t cp);
bool is_upper_letter(char32_t cp);
bool is_lower_letter(char32_t cp);
bool is_alpha(char32_t cp);
bool is_decimal_digit(char32_t cp);
// str.isprintable() for one character: what repr() leaves unescaped.
bool is_printable(char32_t cp);

}  // namespace atman::jinja
