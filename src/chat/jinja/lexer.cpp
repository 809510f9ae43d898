#include "lexer.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "errors.hpp"
#include "unicode.hpp"

namespace atman::jinja {

std::string normalized_source(const std::string& source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();  // keep_trailing_newline=False
  return out;
}

namespace {

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Length of the UTF-8 sequence starting with lead byte `c`.
size_t sequence_length(unsigned char c) {
  return c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

// The character (code point) at text[p], and its length in bytes.
std::pair<char32_t, size_t> character_at(const std::string& text, size_t p) {
  if (static_cast<unsigned char>(text[p]) < 0x80) return {static_cast<char32_t>(text[p]), 1};
  const size_t length =
      std::min(sequence_length(static_cast<unsigned char>(text[p])), text.size() - p);
  const std::u32string cps = to_code_points(text.substr(p, length));
  return {cps.empty() ? U'\0' : cps[0], length};
}

// Python identifiers, as Jinja2 names: a letter or '_', then letters, digits and '_'.
bool is_name_start(char32_t cp) {
  return cp == U'_' || (cp < 0x80 ? std::isalpha(static_cast<int>(cp)) != 0 : is_alpha(cp));
}
bool is_name_char(char32_t cp) {
  return is_name_start(cp) ||
         (cp < 0x80 ? std::isdigit(static_cast<int>(cp)) != 0 : is_decimal_digit(cp));
}

class Lexer {
 public:
  explicit Lexer(const std::string& src) : src_(src) {}

  std::vector<Token> run() {
    while (pos_ < src_.size()) {
      const size_t start = find_tag_start(pos_);
      if (start == std::string::npos) {
        emit_text(src_.substr(pos_));
        advance_to(src_.size());
        break;
      }
      const char kind = src_[start + 1];
      const char sign =
          start + 2 < src_.size() && (src_[start + 2] == '-' || src_[start + 2] == '+')
              ? src_[start + 2]
              : 0;
      emit_text(text_before_tag(src_.substr(pos_, start - pos_), sign, kind != '{'));
      advance_to(start);
      const size_t inner = start + 2 + (sign ? 1 : 0);
      if (kind == '#') {
        lex_comment(inner);
      } else if (kind == '%' && is_raw_begin(inner)) {
        lex_raw(inner);
      } else {
        lex_tag(kind == '{', inner);
      }
    }
    tokens_.push_back(Token{TokenType::End, "", line_});
    return std::move(tokens_);
  }

 private:
  size_t find_tag_start(size_t from) const {
    for (size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#'))
        return i;
    }
    return std::string::npos;
  }

  // The text before a tag after the tag's "-" (strip all whitespace) or lstrip_blocks (strip
  // spaces and tabs back to the line start when nothing else stands before a block tag).
  std::string text_before_tag(std::string text, char sign, bool lstrip_applies) const {
    if (sign == '-') return python_strip(text, std::nullopt, StripSide::Right);
    if (sign == '+' || !lstrip_applies) return text;
    const size_t newline = text.rfind('\n');
    const size_t line_begin = newline == std::string::npos ? 0 : newline + 1;
    if (line_begin == 0 && !line_starting_) return text;
    if (text.find_first_not_of(" \t", line_begin) != std::string::npos) return text;
    return text.substr(0, line_begin);
  }

  void emit_text(const std::string& text) {
    if (!text.empty()) tokens_.push_back(Token{TokenType::Text, text, line_});
  }

  // Moves to `to`, counting lines; line_starting_ tells lstrip_blocks a tag is at a line start.
  void advance_to(size_t to) {
    line_ += static_cast<int>(std::count(src_.begin() + static_cast<std::ptrdiff_t>(pos_),
                                         src_.begin() + static_cast<std::ptrdiff_t>(to), '\n'));
    pos_ = to;
  }

  void finish_tag(size_t end) {
    line_starting_ = end > 0 && src_[end - 1] == '\n';
    advance_to(end);
  }

  size_t skip_whitespace(size_t p) const {
    while (p < src_.size()) {
      const auto [cp, length] = character_at(src_, p);
      if (!is_python_space(cp)) break;
      p += length;
    }
    return p;
  }

  // After a closing delimiter at `after`: "-" strips all whitespace, "+" nothing, and a plain
  // block or comment end drops one newline (trim_blocks).
  size_t after_tag_end(size_t after, char sign, bool trims_newline) const {
    if (sign == '-') return skip_whitespace(after);
    if (sign == 0 && trims_newline && after < src_.size() && src_[after] == '\n') return after + 1;
    return after;
  }

  void lex_comment(size_t inner) {
    if (inner >= src_.size()) {  // Jinja2's lexer stops at the end before it looks for "#}"
      finish_tag(src_.size());
      return;
    }
    const size_t close = src_.find("#}", inner);
    if (close == std::string::npos) throw SyntaxError("missing end of comment tag", line_);
    const char sign =
        close > inner && (src_[close - 1] == '-' || src_[close - 1] == '+') ? src_[close - 1] : 0;
    finish_tag(after_tag_end(close + 2, sign, true));
  }

  bool is_raw_begin(size_t inner) const {
    const size_t p = skip_whitespace(inner);
    if (p + 3 > src_.size() || src_.compare(p, 3, "raw") != 0) return false;
    const size_t q = skip_whitespace(p + 3);
    return src_.compare(q, 2, "%}") == 0 || src_.compare(q, 3, "-%}") == 0;
  }

  void lex_raw(size_t inner) {
    size_t p = skip_whitespace(skip_whitespace(inner) + 3);
    p = src_[p] == '-' ? skip_whitespace(p + 3)
                       : p + 2;  // no trim_blocks after {% raw %}, as in Jinja2
    advance_to(p);
    // Finds {%[-+]? endraw [-+]?%}.
    for (size_t at = src_.find("{%", p); at != std::string::npos; at = src_.find("{%", at + 1)) {
      const char sign =
          at + 2 < src_.size() && (src_[at + 2] == '-' || src_[at + 2] == '+') ? src_[at + 2] : 0;
      size_t q = skip_whitespace(at + 2 + (sign ? 1 : 0));
      if (src_.compare(q, 6, "endraw") != 0) continue;
      q = skip_whitespace(q + 6);
      char end_sign = 0;
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) end_sign = src_[q++];
      if (src_.compare(q, 2, "%}") != 0) continue;
      emit_text(text_before_tag(src_.substr(p, at - p), sign, true));
      advance_to(at);
      finish_tag(after_tag_end(q + 2, end_sign, true));
      return;
    }
    throw SyntaxError("missing end of raw directive", line_);
  }

  void lex_tag(bool is_variable, size_t inner) {
    const int begin_line = line_;
    tokens_.push_back(
        Token{is_variable ? TokenType::VariableBegin : TokenType::BlockBegin, "", line_});
    advance_to(inner);
    const std::string close = is_variable ? "}}" : "%}";
    std::vector<char> brackets;
    while (true) {
      advance_to(skip_whitespace(pos_));
      if (pos_ >= src_.size()) {
        throw SyntaxError("unexpected end of template, expected '" + close +
                              "' to close the tag opened on line " + std::to_string(begin_line),
                          line_);
      }
      if (brackets.empty()) {
        char sign = 0;
        size_t at = pos_;
        if (src_[at] == '-' || (!is_variable && src_[at] == '+')) sign = src_[at++];
        if (src_.compare(at, 2, close) == 0) {
          tokens_.push_back(
              Token{is_variable ? TokenType::VariableEnd : TokenType::BlockEnd, "", line_});
          finish_tag(after_tag_end(at + 2, sign, !is_variable));
          return;
        }
      }
      lex_token(brackets);
    }
  }

  void lex_token(std::vector<char>& brackets) {
    const char c = src_[pos_];
    if (is_name_start(character_at(src_, pos_).first)) {
      size_t end = pos_;
      while (end < src_.size()) {
        const auto [cp, length] = character_at(src_, end);
        if (!is_name_char(cp)) break;
        end += length;
      }
      tokens_.push_back(Token{TokenType::Name, src_.substr(pos_, end - pos_), line_});
      advance_to(end);
    } else if (is_digit(c)) {
      lex_number();
    } else if (c == '\'' || c == '"') {
      lex_string();
    } else {
      lex_operator(brackets);
    }
  }

  size_t digits_end(size_t p) const {
    while (p < src_.size() &&
           (is_digit(src_[p]) || (src_[p] == '_' && p + 1 < src_.size() && is_digit(src_[p + 1]))))
      ++p;
    return p;
  }

  void lex_number() {
    const size_t start = pos_;
    if (src_[pos_] == '0' && pos_ + 1 < src_.size() && src_[pos_ + 1] != 0 &&
        std::strchr("xXoObB", src_[pos_ + 1]) != nullptr) {
      const int base = std::tolower(src_[pos_ + 1]) == 'x'   ? 16
                       : std::tolower(src_[pos_ + 1]) == 'o' ? 8
                                                             : 2;
      size_t end = pos_ + 2;
      std::string digits;
      while (end < src_.size() &&
             (std::isxdigit(static_cast<unsigned char>(src_[end])) || src_[end] == '_')) {
        if (src_[end] != '_') digits += src_[end];
        ++end;
      }
      if (digits.empty()) throw SyntaxError("invalid number literal", line_);
      tokens_.push_back(Token{TokenType::Integer, src_.substr(start, end - start), line_,
                              static_cast<int64_t>(std::strtoull(digits.c_str(), nullptr, base))});
      advance_to(end);
      return;
    }
    size_t end = digits_end(pos_);
    bool is_float = false;
    // "1.5" is a float; "x.0.1" keeps its dots as attribute access (Jinja2: not after a '.').
    const bool after_dot = start > 0 && src_[start - 1] == '.';
    if (!after_dot && end + 1 < src_.size() && src_[end] == '.' && is_digit(src_[end + 1])) {
      end = digits_end(end + 1);
      is_float = true;
    }
    if (!after_dot && end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
      size_t e = end + 1;
      if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) ++e;
      if (e < src_.size() && is_digit(src_[e])) {
        end = digits_end(e);
        is_float = true;
      }
    }
    if (!is_float && src_[start] == '0') {
      // A decimal integer has no leading zeros: "02" is the integers 0 and 2, as in Jinja2.
      end = start + 1;
      while (end < src_.size() && (src_[end] == '0' || (src_[end] == '_' && end + 1 < src_.size() &&
                                                        src_[end + 1] == '0')))
        ++end;
    }
    std::string text = src_.substr(start, end - start);
    std::string plain;
    for (char ch : text) {
      if (ch != '_') plain += ch;
    }
    Token token{is_float ? TokenType::Float : TokenType::Integer, text, line_};
    errno = 0;
    if (is_float)
      token.number = std::strtod(plain.c_str(), nullptr);
    else
      token.integer = std::strtoll(plain.c_str(), nullptr, 10);
    if (!is_float && errno == ERANGE)
      throw SyntaxError("integer literal " + text + " is outside the 64-bit range", line_);
    tokens_.push_back(token);
    advance_to(end);
  }

  // A string literal, with Python's backslash escapes decoded (the "unicode-escape" codec).
  void lex_string() {
    const char quote = src_[pos_];
    std::string value;
    size_t p = pos_ + 1;
    while (true) {
      if (p >= src_.size())
        throw SyntaxError(
            std::string("unterminated string literal (unexpected char ") + quote + ")", line_);
      const char c = src_[p];
      if (c == quote) break;
      if (c != '\\' || p + 1 >= src_.size()) {
        value += c;
        ++p;
        continue;
      }
      p = decode_escape(p + 1, value);
    }
    tokens_.push_back(Token{TokenType::String, value, line_});
    advance_to(p + 1);
  }

  size_t decode_escape(size_t p, std::string& out) const {
    const char c = src_[p];
    const auto hex_escape = [&](size_t digits) {
      const std::string hex = src_.substr(p + 1, digits);
      if (hex.size() != digits || !std::all_of(hex.begin(), hex.end(), [](char h) {
            return std::isxdigit(static_cast<unsigned char>(h));
          })) {
        throw SyntaxError("truncated \\" + std::string(1, c) + " escape in a string literal",
                          line_);
      }
      const auto cp = static_cast<char32_t>(std::strtoul(hex.c_str(), nullptr, 16));
      if (cp > 0x10FFFF) throw SyntaxError("illegal Unicode character in a string literal", line_);
      out += to_utf8(std::u32string(1, cp));
      return p + 1 + digits;
    };
    static const std::pair<char, char> kSingleCharacter[] = {
        {'\\', '\\'}, {'\'', '\''}, {'"', '"'},  {'a', '\a'}, {'b', '\b'},
        {'f', '\f'},  {'n', '\n'},  {'r', '\r'}, {'t', '\t'}, {'v', '\v'}};
    for (const auto& [code, decoded] : kSingleCharacter) {
      if (c == code) {
        out += decoded;
        return p + 1;
      }
    }
    if (c == '\n') return p + 1;  // a backslash-newline continues the line
    if (c == 'x') return hex_escape(2);
    if (c == 'u') return hex_escape(4);
    if (c == 'U') return hex_escape(8);
    if (c >= '0' && c <= '7') {
      size_t end = p;
      unsigned value = 0;
      while (end < src_.size() && end < p + 3 && src_[end] >= '0' && src_[end] <= '7')
        value = value * 8 + static_cast<unsigned>(src_[end++] - '0');
      out += to_utf8(std::u32string(1, static_cast<char32_t>(value)));
      return end;
    }
    if (c == 'N') throw SyntaxError("\\N{...} escapes are not supported in string literals", line_);
    if (static_cast<unsigned char>(c) >= 0x80) {
      // Jinja2 decodes literals after encode("ascii", "backslashreplace"): "\é" reads "\xe9".
      const auto [cp, length] = character_at(src_, p);
      out += python_escape(cp);
      return p + length;
    }
    out += '\\';  // unknown escapes stay as written
    return p;
  }

  void lex_operator(std::vector<char>& brackets) {
    static const char* const kTwoChar[] = {"//", "**", "==", "!=", ">=", "<="};
    for (const char* op : kTwoChar) {
      if (src_.compare(pos_, 2, op) == 0) {
        tokens_.push_back(Token{TokenType::Operator, op, line_});
        advance_to(pos_ + 2);
        return;
      }
    }
    const char c = src_[pos_];
    if (c == '\0' || std::strchr("+-/*%~[](){}<>=.,:|;", c) == nullptr) {
      const size_t length = character_at(src_, pos_).second;
      throw SyntaxError("unexpected char '" + src_.substr(pos_, length) + "'", line_);
    }
    if (c == '(' || c == '[' || c == '{') {
      brackets.push_back(c);
    } else if (c == ')' || c == ']' || c == '}') {
      const char open = c == ')' ? '(' : c == ']' ? '[' : '{';
      if (brackets.empty()) throw SyntaxError(std::string("unexpected '") + c + "'", line_);
      if (brackets.back() != open) {
        const char expected = brackets.back() == '(' ? ')' : brackets.back() == '[' ? ']' : '}';
        throw SyntaxError(std::string("unexpected '") + c + "', expected '" + expected + "'",
                          line_);
      }
      brackets.pop_back();
    }
    tokens_.push_back(Token{TokenType::Operator, std::string(1, c), line_});
    advance_to(pos_ + 1);
  }

  const std::string& src_;
  size_t pos_ = 0;
  int line_ = 1;
  bool line_starting_ = true;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(const std::string& normalized) { return Lexer(normalized).run(); }

}  // namespace atman::jinja
