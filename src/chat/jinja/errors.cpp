#include "errors.hpp"

#include <algorithm>

namespace atman::jinja {

void throw_type_error(const std::string& message) { throw RenderError("TypeError", message); }

void throw_value_error(const std::string& message) { throw RenderError("ValueError", message); }

namespace {

// Line `line` (1-based) of `source` without its indentation, shortened to stay one readable line.
std::string quoted_line(const std::string& source, int line) {
  size_t begin = 0;
  for (int n = 1; n < line; ++n) {
    const size_t newline = source.find('\n', begin);
    if (newline == std::string::npos) return "";
    begin = newline + 1;
  }
  size_t end = source.find('\n', begin);
  if (end == std::string::npos) end = source.size();
  std::string text = source.substr(begin, end - begin);
  const size_t first = text.find_first_not_of(" \t\r");
  text = first == std::string::npos ? "" : text.substr(first);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.pop_back();
  constexpr size_t kMaxQuoted = 160;
  if (text.size() > kMaxQuoted) {
    size_t cut = kMaxQuoted;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
      --cut;  // whole characters
    text = text.substr(0, cut) + "...";
  }
  return text;
}

}  // namespace

std::string located_message(const std::string& template_name, const std::string& source, int line,
                            const std::string& message) {
  std::string out = "chat template '" + template_name + "'";
  if (line > 0) out += ", line " + std::to_string(line);
  out += ": " + message;
  if (line > 0) {
    const std::string text = quoted_line(source, line);
    if (!text.empty()) out += "; the line reads: " + text;
  }
  return out;
}

}  // namespace atman::jinja
