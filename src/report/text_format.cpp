#include "atman/text_format.hpp"

#include <cstdio>
#include <iomanip>
#include <sstream>

namespace atman {

std::string format_fixed(double v, int precision) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(precision) << v;
  return s.str();
}

std::string format_number(double v) {
  std::ostringstream s;
  s << std::setprecision(9) << v;
  return s.str();
}

std::string format_bytes(int64_t bytes) {
  constexpr double kMiB = 1 << 20;
  constexpr double kGiB = 1 << 30;
  const auto b = static_cast<double>(bytes);
  return b >= kGiB ? format_fixed(b / kGiB, 1) + " GiB" : format_fixed(b / kMiB, 1) + " MiB";
}

std::string escape_markup(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        const bool control = static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r';
        out.push_back(control ? ' ' : c);
    }
  }
  return out;
}

std::string escape_control_characters(const std::string& text, bool keep_line_breaks) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    // C1 controls (U+0080..U+009F) are the two bytes C2 80..C2 9F in UTF-8.
    const bool c1 = c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[i + 1]) <= 0x9F;
    if (keep_line_breaks && (c == '\n' || c == '\t')) {
      out.push_back(text[i]);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c1) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\u%04X", static_cast<unsigned char>(text[++i]));
      out += hex;
    } else if (c < 0x20 || c == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02X", c);
      out += hex;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace atman
