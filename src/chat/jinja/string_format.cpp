#include "string_format.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "errors.hpp"
#include "unicode.hpp"

namespace atman::jinja {
namespace {

struct Spec {
  char fill = ' ';
  char align = 0;  // '<', '>', '^', '=' or 0 for the type's default
  char sign = '-';
  bool alternate = false;
  bool zero_pad = false;
  int width = -1;
  int precision = -1;
  char type = 0;
};

std::string pad(const std::string& text, const Spec& spec, char default_align) {
  const int64_t length = code_point_length(text);
  if (spec.width < 0 || length >= spec.width) return text;
  const size_t missing = static_cast<size_t>(spec.width - length);
  const char align = spec.align ? spec.align : default_align;
  if (align == '<') return text + std::string(missing, spec.fill);
  if (align == '^')
    return std::string(missing / 2, spec.fill) + text +
           std::string(missing - missing / 2, spec.fill);
  if (align == '=' && !text.empty() && (text[0] == '-' || text[0] == '+' || text[0] == ' ')) {
    return text.substr(0, 1) + std::string(missing, spec.fill) + text.substr(1);
  }
  return std::string(missing, spec.fill) + text;
}

double to_double(const Value& v, char type) {
  if (!v.is_number())
    throw_type_error(std::string("must be real number, not ") + v.type_name() + " (format %" +
                     type + ")");
  return v.as_double();
}

std::string format_number(const Value& v, Spec spec) {
  char printf_spec[32];
  std::string flags;
  if (spec.sign == '+' || spec.sign == ' ') flags += spec.sign;
  if (spec.alternate) flags += '#';
  char buf[512];
  switch (spec.type) {
    case 'd':
    case 'i': {
      if (!v.is_number())
        throw_type_error("%d format: a real number is required, not " + v.type_name());
      const long long n = v.is_integral() ? v.as_int() : static_cast<long long>(v.as_double());
      std::snprintf(printf_spec, sizeof(printf_spec), "%%%slld", flags.c_str());
      std::snprintf(buf, sizeof(buf), printf_spec, n);
      break;
    }
    case 'x':
    case 'X':
    case 'o': {
      if (!v.is_integral())
        throw_type_error(std::string("%") + spec.type + " format: an integer is required, not " +
                         v.type_name());
      const long long n = v.as_int();
      std::snprintf(printf_spec, sizeof(printf_spec), "%%%sll%c", flags.c_str(), spec.type);
      std::snprintf(buf, sizeof(buf), printf_spec, n < 0 ? -n : n);
      if (n < 0) return "-" + std::string(buf);
      break;
    }
    default: {  // f F e E g G
      const int precision = spec.precision < 0 ? 6 : spec.precision;
      std::snprintf(printf_spec, sizeof(printf_spec), "%%%s.*%c", flags.c_str(), spec.type);
      std::snprintf(buf, sizeof(buf), printf_spec, precision, to_double(v, spec.type));
      break;
    }
  }
  return buf;
}

std::string format_value(const Value& v, Spec spec, bool percent_style) {
  if (spec.zero_pad && !spec.align) {
    spec.fill = '0';
    spec.align = '=';
  }
  switch (spec.type) {
    case 0:
    case 's':
    case 'r': {
      if (spec.type == 0 && v.is_number() && !percent_style) {
        // str.format with no type formats numbers as str() does, right-aligned.
        return pad(v.str(), spec, '>');
      }
      std::string text = spec.type == 'r' ? v.repr() : v.str();
      if (spec.precision >= 0)
        text = to_utf8(to_code_points(text).substr(0, static_cast<size_t>(spec.precision)));
      return pad(text, spec, percent_style ? '>' : '<');
    }
    case 'c': {
      if (v.is_string()) return pad(v.as_string(), spec, '>');
      if (!v.is_integral()) throw_type_error("%c requires int or char");
      return pad(to_utf8(std::u32string(1, static_cast<char32_t>(v.as_int()))), spec, '>');
    }
    default:
      return pad(format_number(v, spec), spec, '>');
  }
}

// Parses flags, width, precision and type at format[i]; '*' is not supported.
Spec parse_percent_spec(const std::string& format, size_t& i) {
  Spec spec;
  for (; i < format.size(); ++i) {
    const char c = format[i];
    if (c == '-')
      spec.align = '<';
    else if (c == '+')
      spec.sign = '+';
    else if (c == ' ')
      spec.sign = spec.sign == '+' ? '+' : ' ';
    else if (c == '#')
      spec.alternate = true;
    else if (c == '0')
      spec.zero_pad = true;
    else
      break;
  }
  if (spec.align == '<') spec.zero_pad = false;
  while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) {
    spec.width = std::max(spec.width, 0) * 10 + (format[i++] - '0');
  }
  if (i < format.size() && format[i] == '.') {
    spec.precision = 0;
    for (++i; i < format.size() && std::isdigit(static_cast<unsigned char>(format[i])); ++i) {
      spec.precision = spec.precision * 10 + (format[i] - '0');
    }
  }
  while (i < format.size() && (format[i] == 'l' || format[i] == 'h' || format[i] == 'L'))
    ++i;  // ignored, as in Python
  if (i >= format.size()) throw_value_error("incomplete format");
  spec.type = format[i++];
  if (std::string("srdifFeEgGxXoc").find(spec.type) == std::string::npos) {
    throw_value_error(std::string("unsupported format character '") + spec.type + "'");
  }
  return spec;
}

}  // namespace

std::string percent_format(const std::string& format, const Value& args) {
  const bool is_tuple = args.is(Value::Type::List) && args.as_list().is_tuple;
  const std::vector<Value> positional = is_tuple ? args.as_list().items : std::vector<Value>{args};
  size_t next = 0;
  bool used_mapping = false;
  std::string out;
  for (size_t i = 0; i < format.size();) {
    if (format[i] != '%') {
      out += format[i++];
      continue;
    }
    ++i;
    if (i < format.size() && format[i] == '%') {
      out += '%';
      ++i;
      continue;
    }
    const Value* value = nullptr;
    if (i < format.size() && format[i] == '(') {
      const size_t close = format.find(')', i);
      if (close == std::string::npos) throw_value_error("incomplete format key");
      if (!args.is(Value::Type::Dict)) throw_type_error("format requires a mapping");
      const std::string key = format.substr(i + 1, close - i - 1);
      value = args.as_dict().find(key);
      if (value == nullptr) throw RenderError("KeyError", "'" + key + "'");
      used_mapping = true;
      i = close + 1;
    }
    const Spec spec = parse_percent_spec(format, i);
    if (value == nullptr) {
      if (next >= positional.size()) throw_type_error("not enough arguments for format string");
      value = &positional[next++];
    }
    out += format_value(*value, spec, true);
  }
  // Python lets an argument with __getitem__ (dict, list, Undefined; not str) go unused.
  const bool mapping_like = args.is(Value::Type::Dict) ||
                            (args.is(Value::Type::List) && !is_tuple) || args.is_undefined();
  if (!used_mapping && next < positional.size() && !(mapping_like && next == 0)) {
    throw_type_error("not all arguments converted during string formatting");
  }
  return out;
}

namespace {

// [[fill]align][sign][#][0][width][.precision][type]
Spec parse_brace_spec(const std::string& s) {
  Spec spec;
  size_t i = 0;
  const auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (s.size() >= 2 && is_align(s[1])) {
    spec.fill = s[0];
    spec.align = s[1];
    i = 2;
  } else if (!s.empty() && is_align(s[0])) {
    spec.align = s[0];
    i = 1;
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) spec.sign = s[i++];
  if (i < s.size() && s[i] == '#') spec.alternate = true, ++i;
  if (i < s.size() && s[i] == '0') spec.zero_pad = true, ++i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
    spec.width = std::max(spec.width, 0) * 10 + (s[i++] - '0');
  if (i < s.size() && s[i] == '.') {
    spec.precision = 0;
    for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i)
      spec.precision = spec.precision * 10 + (s[i] - '0');
  }
  if (i < s.size()) spec.type = s[i++];
  if (i != s.size()) throw_value_error("Invalid format specifier '" + s + "'");
  return spec;
}

}  // namespace

std::string brace_format(const std::string& format, const std::vector<Value>& positional,
                         const std::vector<std::pair<std::string, Value>>& keyword) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c == '}') {
      if (i + 1 < format.size() && format[i + 1] == '}')
        ++i;
      else
        throw_value_error("Single '}' encountered in format string");
      out += '}';
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < format.size() && format[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    const size_t close = format.find('}', i);
    if (close == std::string::npos) throw_value_error("expected '}' before end of string");
    std::string field = format.substr(i + 1, close - i - 1);
    i = close;
    std::string spec_text;
    if (const size_t colon = field.find(':'); colon != std::string::npos) {
      spec_text = field.substr(colon + 1);
      field = field.substr(0, colon);
    }
    char conversion = 0;
    if (const size_t bang = field.find('!'); bang != std::string::npos) {
      conversion = bang + 1 < field.size() ? field[bang + 1] : 0;
      field = field.substr(0, bang);
    }
    const Value* value = nullptr;
    if (field.empty()) {
      if (auto_index >= positional.size())
        throw RenderError("IndexError", "Replacement index " + std::to_string(auto_index) +
                                            " out of range for positional args tuple");
      value = &positional[auto_index++];
    } else if (std::isdigit(static_cast<unsigned char>(field[0]))) {
      const size_t index = std::stoul(field);
      if (index >= positional.size())
        throw RenderError("IndexError",
                          "Replacement index " + field + " out of range for positional args tuple");
      value = &positional[index];
    } else {
      for (const auto& [name, v] : keyword) {
        if (name == field) value = &v;
      }
      if (value == nullptr) throw RenderError("KeyError", "'" + field + "'");
    }
    Spec spec = parse_brace_spec(spec_text);
    if (conversion == 'r' || conversion == 's') {
      const Value converted = Value::string(conversion == 'r' ? value->repr() : value->str());
      out += format_value(converted, spec, false);
    } else {
      out += format_value(*value, spec, false);
    }
  }
  return out;
}

}  // namespace atman::jinja
