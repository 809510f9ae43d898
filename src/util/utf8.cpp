#include "atman/utf8.hpp"

#include <cstdio>

#include "atman/error.hpp"

namespace atman {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the well-formed sequence starting at text[i], or 0 when it is not one.
size_t valid_sequence_length(const std::string& text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  // Allowed range of the second byte per lead byte (Unicode Table 3-7), which rules out
  // overlong forms, surrogates and code points above U+10FFFF.
  size_t length = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) length = 2;
  else if (c == 0xE0) length = 3, lo = 0xA0;
  else if (c >= 0xE1 && c <= 0xEC) length = 3;
  else if (c == 0xED) length = 3, hi = 0x9F;
  else if (c >= 0xEE && c <= 0xEF) length = 3;
  else if (c == 0xF0) length = 4, lo = 0x90;
  else if (c >= 0xF1 && c <= 0xF3) length = 4;
  else if (c == 0xF4) length = 4, hi = 0x8F;
  else return 0;
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (!is_continuation(byte(i + k))) return 0;
  }
  return length;
}

}  // namespace

int64_t count_code_points(const std::string& text) { return count_code_points(text, text.size()); }

int64_t count_code_points(const std::string& text, size_t bytes) {
  int64_t n = 0;
  for (size_t i = 0; i < bytes && i < text.size(); ++i) n += !is_continuation(text[i]);
  return n;
}

std::u32string utf8_to_u32(const std::string& text) {
  std::u32string out;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    char32_t cp = extra == 0 ? c : c & (0x3F >> extra);
    size_t j = i + 1;
    for (; extra > 0 && j < text.size() && is_continuation(text[j]); --extra, ++j) {
      cp = (cp << 6) | (static_cast<unsigned char>(text[j]) & 0x3F);
    }
    out.push_back(cp);
    i = j;
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string u32_to_utf8(const std::u32string& text) {
  std::string out;
  for (char32_t cp : text) append_utf8(out, cp);
  return out;
}

std::string utf8_substr(const std::string& text, int64_t start, int64_t length) {
  size_t begin = text.size(), end = text.size();
  int64_t chars = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && is_continuation(text[i])) continue;
    if (chars == start) begin = std::min(begin, i);
    if (chars == start + length) {
      end = i;
      break;
    }
    ++chars;
  }
  return begin >= end ? std::string() : text.substr(begin, end - begin);
}

size_t first_invalid_utf8(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = valid_sequence_length(text, i);
    if (n == 0) return i;
    i += n;
  }
  return text.size();
}

void require_valid_utf8(const std::string& text, const std::string& what) {
  const size_t bad = first_invalid_utf8(text);
  if (bad == text.size()) return;
  char hex[8];
  std::snprintf(hex, sizeof(hex), "0x%02X", static_cast<unsigned char>(text[bad]));
  throw Error(what + " is not valid UTF-8: byte " + hex + " at byte offset " + std::to_string(bad));
}

std::string escape_invalid_utf8(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t n = valid_sequence_length(text, i);
    if (n > 0) {
      out.append(text, i, n);
      i += n;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02X", static_cast<unsigned char>(text[i]));
      out += hex;
      ++i;
    }
  }
  return out;
}

}  // namespace atman
