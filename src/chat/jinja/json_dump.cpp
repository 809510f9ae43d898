#include "json_dump.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "errors.hpp"
#include "unicode.hpp"

namespace atman::jinja {
namespace {

void append_escaped(std::string& out, const std::string& text, bool ensure_ascii) {
  out += '"';
  const auto append_u = [&](unsigned cp) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
    out += buf;
  };
  for (char32_t cp : to_code_points(text)) {
    switch (cp) {
      case U'"':
        out += "\\\"";
        break;
      case U'\\':
        out += "\\\\";
        break;
      case U'\n':
        out += "\\n";
        break;
      case U'\r':
        out += "\\r";
        break;
      case U'\t':
        out += "\\t";
        break;
      case U'\b':
        out += "\\b";
        break;
      case U'\f':
        out += "\\f";
        break;
      default:
        if (cp < 0x20) {
          append_u(static_cast<unsigned>(cp));
        } else if (ensure_ascii && cp > 0x7E) {
          if (cp >= 0x10000) {  // a UTF-16 surrogate pair, as Python writes it
            const unsigned v = static_cast<unsigned>(cp) - 0x10000;
            append_u(0xD800 + (v >> 10));
            append_u(0xDC00 + (v & 0x3FF));
          } else {
            append_u(static_cast<unsigned>(cp));
          }
        } else {
          out += to_utf8(std::u32string(1, cp));
        }
    }
  }
  out += '"';
}

std::string float_text(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  return python_float_repr(x);
}

// A dict key as json.dumps writes it: str as is, numbers, bools and None as text.
std::string key_text(const Value& key) {
  switch (key.type()) {
    case Value::Type::String:
      return key.as_string();
    case Value::Type::Bool:
      return key.as_bool() ? "true" : "false";
    case Value::Type::Int:
      return std::to_string(key.as_int());
    case Value::Type::Float:
      return float_text(key.as_double());
    case Value::Type::None:
      return "null";
    default:
      throw_type_error("keys must be str, int, float, bool or None, not " + key.type_name());
  }
}

class Dumper {
 public:
  explicit Dumper(const JsonDumpOptions& options)
      : options_(options),
        item_separator_(options.item_separator.value_or(options.indent ? "," : ", ")) {}

  void dump(const Value& v, int depth, std::string& out) const {
    switch (v.type()) {
      case Value::Type::None:
        out += "null";
        return;
      case Value::Type::Bool:
        out += v.as_bool() ? "true" : "false";
        return;
      case Value::Type::Int:
        out += std::to_string(v.as_int());
        return;
      case Value::Type::Float:
        out += float_text(v.as_double());
        return;
      case Value::Type::String:
        append_escaped(out, v.as_string(), options_.ensure_ascii);
        return;
      case Value::Type::List:
        dump_list(v.as_list().items, depth, out);
        return;
      case Value::Type::Dict:
        dump_dict(v.as_dict(), depth, out);
        return;
      default:
        throw_type_error("Object of type " + v.type_name() + " is not JSON serializable");
    }
  }

 private:
  void newline(int depth, std::string& out) const {
    out += '\n';
    for (int i = 0; i < depth; ++i) out += *options_.indent;
  }

  void dump_list(const std::vector<Value>& items, int depth, std::string& out) const {
    if (items.empty()) {
      out += "[]";
      return;
    }
    out += '[';
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += item_separator_;
      if (options_.indent) newline(depth + 1, out);
      dump(items[i], depth + 1, out);
    }
    if (options_.indent) newline(depth, out);
    out += ']';
  }

  void dump_dict(const Dict& dict, int depth, std::string& out) const {
    if (dict.entries.empty()) {
      out += "{}";
      return;
    }
    std::vector<std::pair<std::string, const Value*>> entries;
    for (const auto& [key, value] : dict.entries) entries.emplace_back(key_text(key), &value);
    if (options_.sort_keys) {
      std::stable_sort(entries.begin(), entries.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
    }
    out += '{';
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) out += item_separator_;
      if (options_.indent) newline(depth + 1, out);
      append_escaped(out, entries[i].first, options_.ensure_ascii);
      out += options_.key_separator;
      dump(*entries[i].second, depth + 1, out);
    }
    if (options_.indent) newline(depth, out);
    out += '}';
  }

  const JsonDumpOptions& options_;
  std::string item_separator_;
};

}  // namespace

std::string json_dumps(const Value& value, const JsonDumpOptions& options) {
  std::string out;
  Dumper(options).dump(value, 0, out);
  return out;
}

}  // namespace atman::jinja
