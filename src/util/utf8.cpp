#include "atman/utf8.hpp"

namespace atman {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

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

std::string u32_to_utf8(const std::u32string& text) {
  std::string out;
  for (char32_t cp : text) {
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

}  // namespace atman
