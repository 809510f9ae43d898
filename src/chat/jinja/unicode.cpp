#include "unicode.hpp"

#include <cstdio>

#include <utf8proc.h>

#include <algorithm>

#include "atman/utf8.hpp"
#include "errors.hpp"

namespace atman::jinja {

std::u32string to_code_points(const std::string& text) { return utf8_to_u32(text); }

std::string to_utf8(const std::u32string& text) { return u32_to_utf8(text); }

int64_t code_point_length(const std::string& text) { return count_code_points(text); }

bool is_python_space(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

std::string python_strip(const std::string& text, const std::optional<std::string>& chars,
                         StripSide side) {
  const std::u32string cps = to_code_points(text);
  const std::u32string set = chars ? to_code_points(*chars) : std::u32string();
  const auto strippable = [&](char32_t cp) {
    return chars ? set.find(cp) != std::u32string::npos : is_python_space(cp);
  };
  size_t begin = 0, end = cps.size();
  if (side != StripSide::Right) {
    while (begin < end && strippable(cps[begin])) ++begin;
  }
  if (side != StripSide::Left) {
    while (end > begin && strippable(cps[end - 1])) --end;
  }
  return to_utf8(cps.substr(begin, end - begin));
}

namespace {

std::vector<std::string> split_on_whitespace(const std::string& text, int64_t max_split,
                                             bool from_right) {
  std::u32string cps = to_code_points(text);
  if (from_right) std::reverse(cps.begin(), cps.end());
  std::vector<std::u32string> parts;
  size_t i = 0;
  while (true) {
    while (i < cps.size() && is_python_space(cps[i])) ++i;
    if (i == cps.size()) break;
    if (max_split >= 0 && static_cast<int64_t>(parts.size()) == max_split) {
      parts.push_back(cps.substr(i));  // the rest as it is, trailing whitespace included
      break;
    }
    const size_t start = i;
    while (i < cps.size() && !is_python_space(cps[i])) ++i;
    parts.push_back(cps.substr(start, i - start));
  }
  std::vector<std::string> out;
  for (auto& part : parts) {
    if (from_right) std::reverse(part.begin(), part.end());
    out.push_back(to_utf8(part));
  }
  if (from_right) std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<std::string> python_split(const std::string& text,
                                      const std::optional<std::string>& separator,
                                      int64_t max_split, bool from_right) {
  if (!separator) return split_on_whitespace(text, max_split, from_right);
  const std::string& sep = *separator;
  if (sep.empty()) throw_value_error("empty separator");
  std::vector<std::string> out;
  if (!from_right) {
    size_t start = 0;
    while (max_split < 0 || static_cast<int64_t>(out.size()) < max_split) {
      const size_t at = text.find(sep, start);
      if (at == std::string::npos) break;
      out.push_back(text.substr(start, at - start));
      start = at + sep.size();
    }
    out.push_back(text.substr(start));
    return out;
  }
  size_t end = text.size();
  while (max_split < 0 || static_cast<int64_t>(out.size()) < max_split) {
    if (end < sep.size()) break;
    const size_t at = text.rfind(sep, end - sep.size());
    if (at == std::string::npos) break;
    out.push_back(text.substr(at + sep.size(), end - at - sep.size()));
    end = at;
  }
  out.push_back(text.substr(0, end));
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::string> python_splitlines(const std::string& text, bool keep_ends) {
  const std::u32string cps = to_code_points(text);
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t i = 0; i < cps.size(); ++i) {
    const char32_t c = cps[i];
    const bool is_break = c == U'\n' || c == U'\r' || c == 0x0B || c == 0x0C || c == 0x1C ||
                          c == 0x1D || c == 0x1E || c == 0x85 || c == 0x2028 || c == 0x2029;
    if (!is_break) continue;
    size_t break_end = i + 1;
    if (c == U'\r' && break_end < cps.size() && cps[break_end] == U'\n') ++break_end;
    lines.push_back(to_utf8(cps.substr(start, (keep_ends ? break_end : i) - start)));
    start = break_end;
    i = break_end - 1;
  }
  if (start < cps.size()) lines.push_back(to_utf8(cps.substr(start)));
  return lines;
}

namespace {

char32_t upper(char32_t cp) {
  return static_cast<char32_t>(utf8proc_toupper(static_cast<utf8proc_int32_t>(cp)));
}
char32_t lower(char32_t cp) {
  return static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
}
char32_t title(char32_t cp) {
  return static_cast<char32_t>(utf8proc_totitle(static_cast<utf8proc_int32_t>(cp)));
}
utf8proc_category_t category(char32_t cp) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp));
}

template <typename F>
std::string map_code_points(const std::string& text, F&& f) {
  std::u32string cps = to_code_points(text);
  for (char32_t& cp : cps) cp = f(cp);
  return to_utf8(cps);
}

}  // namespace

std::string python_upper(const std::string& text) {
  // Python's full case mapping; of its one-to-many uppercasings only the common German sharp s.
  std::string out;
  for (char32_t cp : to_code_points(text))
    out += cp == 0xDF ? std::string("SS") : to_utf8(std::u32string(1, upper(cp)));
  return out;
}

std::string python_swapcase(const std::string& text) {
  return map_code_points(text, [](char32_t cp) {
    return is_upper_letter(cp) ? lower(cp) : is_lower_letter(cp) ? upper(cp) : cp;
  });
}

std::string python_lower(const std::string& text) { return map_code_points(text, lower); }

bool is_cased_letter(char32_t cp) {
  const auto c = category(cp);
  return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT;
}

bool is_upper_letter(char32_t cp) {
  return utf8proc_isupper(static_cast<utf8proc_int32_t>(cp)) != 0;
}

bool is_lower_letter(char32_t cp) {
  return utf8proc_islower(static_cast<utf8proc_int32_t>(cp)) != 0;
}

namespace {

bool has_only_case(const std::string& text, bool upper_case) {
  bool any_cased = false;
  for (char32_t cp : to_code_points(text)) {
    if (upper_case ? is_lower_letter(cp) : is_upper_letter(cp)) return false;
    any_cased = any_cased || is_cased_letter(cp);
  }
  return any_cased;
}

}  // namespace

bool python_isupper(const std::string& text) { return has_only_case(text, true); }

bool python_islower(const std::string& text) { return has_only_case(text, false); }

bool is_alpha(char32_t cp) {
  const auto c = category(cp);
  return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

bool is_decimal_digit(char32_t cp) { return category(cp) == UTF8PROC_CATEGORY_ND; }

std::string python_title(const std::string& text) {
  // Cased characters after a cased one are lowered, the others title-cased.
  bool previous_cased = false;
  return map_code_points(text, [&](char32_t cp) {
    const char32_t out = previous_cased ? lower(cp) : title(cp);
    previous_cased = is_cased_letter(cp);
    return out;
  });
}

std::string python_capitalize(const std::string& text) {
  bool first = true;
  return map_code_points(text, [&](char32_t cp) {
    const char32_t out = first ? title(cp) : lower(cp);
    first = false;
    return out;
  });
}

bool is_printable(char32_t cp) {
  if (cp == U' ') return true;
  switch (category(cp)) {
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
      return false;
    default:
      return true;
  }
}

std::string python_escape(char32_t cp) {
  char buf[16];
  if (cp < 0x100)
    std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned>(cp));
  else if (cp < 0x10000)
    std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(cp));
  else
    std::snprintf(buf, sizeof(buf), "\\U%08x", static_cast<unsigned>(cp));
  return buf;
}

}  // namespace atman::jinja
