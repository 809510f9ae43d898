#include "filters.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>

#include "errors.hpp"
#include "json_dump.hpp"
#include "lookup.hpp"
#include "methods.hpp"
#include "operators.hpp"
#include "string_format.hpp"
#include "unicode.hpp"
#include "value_tests.hpp"

namespace atman::jinja {
namespace {

using Filter = std::function<Value(const Value& value, const CallArgs& args)>;
using Type = Value::Type;

// Python len()
int64_t length_of(const Value& v) {
  switch (v.type()) {
    case Type::Undefined:
      return 0;
    case Type::String:
      return code_point_length(v.as_string());
    case Type::List:
      return static_cast<int64_t>(v.as_list().items.size());
    case Type::Dict:
      return static_cast<int64_t>(v.as_dict().entries.size());
    default:
      throw_type_error("object of type '" + v.type_name() + "' has no len()");
  }
}

// jinja2.filters.make_attrgetter: "a.b.0" looked up part by part, as x[part].
Value attribute_of(const Value& item, const std::string& path,
                   const std::optional<Value>& fallback = std::nullopt) {
  Value current = item;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool numeric = !part.empty() && std::all_of(part.begin(), part.end(),
                                                      [](char c) { return c >= '0' && c <= '9'; });
    current =
        get_item(current, numeric ? Value::integer(std::atoll(part.c_str())) : Value::string(part));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (fallback && current.is_undefined()) return *fallback;
  return current;
}

// The sort key of an item: lower-cased when it is a string and case does not matter.
Value comparable(const Value& v, bool case_sensitive) {
  return !case_sensitive && v.is_string() ? Value::string(python_lower(v.as_string())) : v;
}

std::optional<std::string> attribute_param(const std::optional<Value>& v) {
  if (!v || v->is_none()) return std::nullopt;
  return v->is_integral() ? std::to_string(v->as_int()) : string_arg(*v, "attribute");
}

Value sort_key(const Value& item, const std::optional<std::string>& attribute,
               bool case_sensitive) {
  return comparable(attribute ? attribute_of(item, *attribute) : item, case_sensitive);
}

std::vector<Value> sorted_items(std::vector<Value> items,
                                const std::optional<std::string>& attribute, bool case_sensitive,
                                bool reverse) {
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& item : items)
    keyed.emplace_back(sort_key(item, attribute, case_sensitive), std::move(item));
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    return reverse ? compare(CompareOp::Less, b.first, a.first)
                   : compare(CompareOp::Less, a.first, b.first);
  });
  std::vector<Value> out;
  for (auto& [key, item] : keyed) out.push_back(std::move(item));
  return out;
}

// select / reject / selectattr / rejectattr: keeps items whose (attribute's) test result is `keep`.
Value filter_by_test(const Value& value, const CallArgs& args, bool by_attribute, bool keep,
                     const std::string& name) {
  size_t next = 0;
  std::optional<std::string> attribute;
  if (by_attribute) {
    if (args.positional.empty()) throw_type_error(name + "() missing the attribute argument");
    attribute = string_arg(args.positional[next++], name + "() attribute");
  }
  std::optional<std::string> test;
  if (next < args.positional.size())
    test = string_arg(args.positional[next++], name + "() test name");
  CallArgs test_args;
  test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(next),
                              args.positional.end());
  test_args.keyword = args.keyword;
  std::vector<Value> out;
  for (const Value& item : value.iterate()) {
    const Value subject = attribute ? attribute_of(item, *attribute) : item;
    const bool passed = test ? apply_test(*test, subject, test_args) : subject.truthy();
    if (passed == keep) out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value map_filter(const Value& value, const CallArgs& args) {
  std::vector<Value> out;
  if (args.positional.empty()) {
    const BoundArgs a(args, {"attribute", "default"}, "map");
    const auto attribute = attribute_param(a[0]);
    if (!attribute) throw_type_error("map() needs a filter name or attribute=");
    const std::optional<Value> fallback = a.has(1) && !a[1]->is_none() ? a[1] : std::nullopt;
    if (value.truthy()) {
      for (const Value& item : value.iterate())
        out.push_back(attribute_of(item, *attribute, fallback));
    }
    return Value::list(std::move(out));
  }
  const std::string name = string_arg(args.positional[0], "map() filter name");
  CallArgs filter_args;
  filter_args.positional.assign(args.positional.begin() + 1, args.positional.end());
  filter_args.keyword = args.keyword;
  if (value.truthy()) {
    for (const Value& item : value.iterate()) out.push_back(apply_filter(name, item, filter_args));
  }
  return Value::list(std::move(out));
}

Value tojson(const Value& value, const CallArgs& args) {
  // transformers' signature: tojson(x, ensure_ascii=False, indent=None, separators=None,
  // sort_keys=False)
  const BoundArgs a(args, {"ensure_ascii", "indent", "separators", "sort_keys"}, "tojson");
  JsonDumpOptions options;
  options.ensure_ascii = a.has(0) && a[0]->truthy();
  if (a.has(1) && !a[1]->is_none()) {
    options.indent =
        a[1]->is_string()
            ? a[1]->as_string()
            : std::string(static_cast<size_t>(std::max<int64_t>(0, integer_arg(*a[1], "indent"))),
                          ' ');
  }
  if (a.has(2) && !a[2]->is_none()) {
    const auto& parts = a[2]->iterate();
    if (parts.size() != 2)
      throw_value_error("separators must be an (item_separator, key_separator) pair");
    options.item_separator = string_arg(parts[0], "item separator");
    options.key_separator = string_arg(parts[1], "key separator");
  }
  options.sort_keys = a.has(3) && a[3]->truthy();
  return Value::string(json_dumps(value, options));
}

Value indent(const Value& value, const CallArgs& args) {
  const BoundArgs a(args, {"width", "first", "blank"}, "indent");
  const Value width = a.get(0, Value::integer(4));
  const std::string indention =
      width.is_string()
          ? width.as_string()
          : std::string(
                static_cast<size_t>(std::max<int64_t>(0, integer_arg(width, "indent width"))), ' ');
  const bool first = a.has(1) && a[1]->truthy();
  const bool blank = a.has(2) && a[2]->truthy();
  // Jinja2 appends a newline so that splitlines() keeps a trailing empty line.
  const std::vector<std::string> lines = python_splitlines(value.str() + "\n", false);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += "\n";
    if (i > 0 && (blank || !lines[i].empty())) out += indention;
    out += lines[i];
  }
  return Value::string(first ? indention + out : out);
}

std::optional<double> parse_python_float(std::string text) {
  text = python_strip(text, std::nullopt, StripSide::Both);
  text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
  if (text.empty()) return std::nullopt;
  std::string lower = python_lower(text);
  const bool negative = lower[0] == '-';
  const std::string body = lower[0] == '-' || lower[0] == '+' ? lower.substr(1) : lower;
  if (body == "inf" || body == "infinity") return negative ? -INFINITY : INFINITY;
  if (body == "nan") return NAN;
  if (body.find_first_not_of("0123456789.e+-") != std::string::npos) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return d;
}

std::optional<int64_t> parse_python_int(std::string text, int base) {
  text = python_strip(text, std::nullopt, StripSide::Both);
  text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
  if (text.empty()) return std::nullopt;
  size_t start = text[0] == '+' || text[0] == '-' ? 1 : 0;
  if (base == 0 || base == 16 || base == 8 || base == 2) {
    const std::string prefix = python_lower(text.substr(start, 2));
    const int prefixed = prefix == "0x" ? 16 : prefix == "0o" ? 8 : prefix == "0b" ? 2 : 0;
    if (prefixed != 0 && (base == 0 || base == prefixed)) {
      base = prefixed;
      text.erase(start, 2);
    } else if (base == 0) {
      base = 10;
    }
  }
  if (start >= text.size()) return std::nullopt;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, base);
  if (end != text.c_str() + text.size() || text[start] == '+' || text[start] == '-' ||
      text[start] == ' ')
    return std::nullopt;
  return v;
}

Value int_filter(const Value& value, const CallArgs& args) {
  const BoundArgs a(args, {"default", "base"}, "int");
  const Value fallback = a.get(0, Value::integer(0));
  const int base = static_cast<int>(a.has(1) ? integer_arg(*a[1], "base") : 10);
  if (value.is_integral()) return Value::integer(value.as_int());
  if (value.is(Type::Float)) {
    if (!std::isfinite(value.as_double())) return fallback;
    return Value::integer(static_cast<int64_t>(value.as_double()));
  }
  if (!value.is_string()) return fallback;
  if (const auto i = parse_python_int(value.as_string(), base)) return Value::integer(*i);
  // int(float(value)): "3.7" -> 3
  const auto d = parse_python_float(value.as_string());
  if (!d || !std::isfinite(*d)) return fallback;
  return Value::integer(static_cast<int64_t>(*d));
}

Value float_filter(const Value& value, const CallArgs& args) {
  const BoundArgs a(args, {"default"}, "float");
  const Value fallback = a.get(0, Value::number(0.0));
  if (value.is_number()) return Value::number(value.as_double());
  if (!value.is_string()) return fallback;
  const auto d = parse_python_float(value.as_string());
  return d ? Value::number(*d) : fallback;
}

// Python's round(x, ndigits) on the exact binary value, ties to even.
double round_half_even(double x, int64_t digits) {
  if (!std::isfinite(x)) return x;
  if (digits >= 0) {
    char buf[512];
    std::snprintf(buf, sizeof(buf), "%.*f", static_cast<int>(std::min<int64_t>(digits, 300)), x);
    return std::strtod(buf, nullptr);
  }
  const double scale = std::pow(10.0, static_cast<double>(-digits));
  return std::nearbyint(x / scale) * scale;
}

Value round_filter(const Value& value, const CallArgs& args) {
  const BoundArgs a(args, {"precision", "method"}, "round");
  const int64_t precision = a.has(0) ? integer_arg(*a[0], "precision") : 0;
  const std::string method = a.has(1) ? string_arg(*a[1], "method") : "common";
  if (method != "common" && method != "ceil" && method != "floor") {
    throw RenderError("FilterArgumentError", "method must be common, ceil or floor");
  }
  if (value.is_undefined()) value.fail_undefined();
  if (!value.is_number())
    throw_type_error("type " + value.type_name() + " doesn't define __round__ method");
  if (method == "common") {
    if (value.is_integral() && precision >= 0) return Value::integer(value.as_int());
    return Value::number(round_half_even(value.as_double(), precision));
  }
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double scaled = value.as_double() * scale;
  return Value::number((method == "ceil" ? std::ceil(scaled) : std::floor(scaled)) / scale);
}

Value unique(const Value& value, const CallArgs& args) {
  const BoundArgs a(args, {"case_sensitive", "attribute"}, "unique");
  const bool case_sensitive = a.has(0) && a[0]->truthy();
  const auto attribute = attribute_param(a[1]);
  std::vector<Value> seen, out;
  for (const Value& item : value.iterate()) {
    const Value key = sort_key(item, attribute, case_sensitive);
    if (std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, key); }))
      continue;
    seen.push_back(key);
    out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value min_max(const Value& value, const CallArgs& args, bool largest) {
  const std::string name = largest ? "max" : "min";
  const BoundArgs a(args, {"case_sensitive", "attribute"}, name);
  const bool case_sensitive = a.has(0) && a[0]->truthy();
  const auto attribute = attribute_param(a[1]);
  const std::vector<Value> items = value.iterate();
  if (items.empty())
    return Value::undefined(largest ? "No largest item, sequence was empty."
                                    : "No smallest item, sequence was empty.");
  size_t best = 0;
  for (size_t i = 1; i < items.size(); ++i) {
    const Value key = sort_key(items[i], attribute, case_sensitive);
    const Value best_key = sort_key(items[best], attribute, case_sensitive);
    if (compare(largest ? CompareOp::Greater : CompareOp::Less, key, best_key)) best = i;
  }
  return items[best];
}

Value dictsort(const Value& value, const CallArgs& args) {
  const BoundArgs a(args, {"case_sensitive", "by", "reverse"}, "dictsort");
  const bool case_sensitive = a.has(0) && a[0]->truthy();
  const std::string by = a.has(1) ? string_arg(*a[1], "by") : "key";
  if (by != "key" && by != "value")
    throw RenderError("FilterArgumentError", "You can only sort by either \"key\" or \"value\"");
  const bool reverse = a.has(2) && a[2]->truthy();
  if (!value.is(Type::Dict)) throw_type_error("dictsort expects a mapping");
  std::vector<Value> pairs;
  for (const auto& [k, v] : value.as_dict().entries) pairs.push_back(Value::tuple({k, v}));
  return Value::list(
      sorted_items(std::move(pairs), by == "key" ? "0" : "1", case_sensitive, reverse));
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Jinja2's title filter: a letter after "-", whitespace or an opening bracket starts a word.
std::string jinja_title(const std::string& s) {
  std::string out;
  bool word_start = true;
  for (char32_t cp : to_code_points(s)) {
    const bool separator =
        cp == U'-' || cp == U'(' || cp == U'{' || cp == U'[' || cp == U'<' || is_python_space(cp);
    const std::string ch = to_utf8(std::u32string(1, cp));
    if (separator)
      out += ch;
    else
      out += word_start ? python_upper(ch) : python_lower(ch);
    word_start = separator;
  }
  return out;
}

int64_t word_count(const std::string& s) {
  int64_t words = 0;
  bool in_word = false;
  for (char32_t cp : to_code_points(s)) {
    const bool word_char = cp == U'_' || is_alpha(cp) || is_decimal_digit(cp);
    if (word_char && !in_word) ++words;
    in_word = word_char;
  }
  return words;
}

Value truncate(const Value& value, const CallArgs& args) {
  const BoundArgs a(args, {"length", "killwords", "end", "leeway"}, "truncate");
  const int64_t length = a.has(0) ? integer_arg(*a[0], "length") : 255;
  const bool killwords = a.has(1) && a[1]->truthy();
  const std::string end = a.has(2) ? string_arg(*a[2], "end") : "...";
  const int64_t leeway = a.has(3) && !a[3]->is_none() ? integer_arg(*a[3], "leeway") : 5;
  const std::u32string text = to_code_points(value.str());
  const int64_t end_length = code_point_length(end);
  if (length < end_length)
    throw_value_error("expected length >= " + std::to_string(end_length) + ", got " +
                      std::to_string(length));
  if (static_cast<int64_t>(text.size()) <= length + leeway) return Value::string(value.str());
  std::u32string kept = text.substr(0, static_cast<size_t>(length - end_length));
  if (!killwords) {
    const size_t space = kept.rfind(U' ');
    if (space != std::u32string::npos) kept = kept.substr(0, space);
  }
  return Value::string(to_utf8(kept) + end);
}

Value string_method(const Value& value, const char* method, const CallArgs& args) {
  return call_method(Value::string(value.str()), method, args);
}

const std::map<std::string, Filter>& filters() {
  static const std::map<std::string, Filter> table = {
      {"abs",
       [](const Value& v, const CallArgs&) {
         if (v.is_integral()) return Value::integer(std::llabs(v.as_int()));
         if (v.is(Type::Float)) return Value::number(std::fabs(v.as_double()));
         if (v.is_undefined()) v.fail_undefined();
         throw_type_error("bad operand type for abs(): '" + v.type_name() + "'");
       }},
      {"attr",
       [](const Value& v, const CallArgs& args) {
         const BoundArgs a(args, {"name"}, "attr");
         return get_attribute(v, string_arg(a.get(0, Value::string("")), "attr name"));
       }},
      {"capitalize",
       [](const Value& v, const CallArgs&) { return Value::string(python_capitalize(v.str())); }},
      {"center",
       [](const Value& v, const CallArgs& args) {
         const BoundArgs a(args, {"width"}, "center");
         CallArgs width;
         width.positional.push_back(a.get(0, Value::integer(80)));
         return string_method(v, "center", width);
       }},
      {"count", [](const Value& v, const CallArgs&) { return Value::integer(length_of(v)); }},
      {"length", [](const Value& v, const CallArgs&) { return Value::integer(length_of(v)); }},
      {"default",
       [](const Value& v, const CallArgs& args) {
         const BoundArgs a(args, {"default_value", "boolean"}, "default");
         const bool boolean = a.has(1) && a[1]->truthy();
         return v.is_undefined() || (boolean && !v.truthy()) ? a.get(0, Value::string("")) : v;
       }},
      {"dictsort", dictsort},
      {"escape",
       [](const Value& v, const CallArgs&) { return Value::string(html_escape(v.str())); }},
      {"first",
       [](const Value& v, const CallArgs&) {
         const std::vector<Value> items = v.iterate();
         return items.empty() ? Value::undefined("No first item, sequence was empty.")
                              : items.front();
       }},
      {"last",
       [](const Value& v, const CallArgs&) {
         const std::vector<Value> items = v.iterate();
         return items.empty() ? Value::undefined("No last item, sequence was empty.")
                              : items.back();
       }},
      {"float", float_filter},
      {"format",
       [](const Value& v, const CallArgs& args) {
         if (!args.positional.empty() && !args.keyword.empty()) {
           throw RenderError("FilterArgumentError",
                             "can't handle positional and keyword arguments at the same time");
         }
         if (!args.keyword.empty()) {
           Dict d;
           for (const auto& [k, val] : args.keyword) d.set(Value::string(k), val);
           return Value::string(percent_format(v.str(), Value::dict(std::move(d))));
         }
         return Value::string(percent_format(v.str(), Value::tuple(args.positional)));
       }},
      {"indent", indent},
      {"int", int_filter},
      {"items",
       [](const Value& v, const CallArgs&) {
         if (v.is_undefined()) return Value::list({});
         if (!v.is(Type::Dict)) throw_type_error("Can only get item pairs from a mapping.");
         return call_method(v, "items", CallArgs{});
       }},
      {"join",
       [](const Value& v, const CallArgs& args) {
         const BoundArgs a(args, {"d", "attribute"}, "join");
         const std::string separator = a.get(0, Value::string("")).str();
         const auto attribute = attribute_param(a[1]);
         std::string out;
         bool first = true;
         for (const Value& item : v.iterate()) {
           if (!first) out += separator;
           first = false;
           out += (attribute ? attribute_of(item, *attribute) : item).str();
         }
         return Value::string(out);
       }},
      {"list", [](const Value& v, const CallArgs&) { return Value::list(v.iterate()); }},
      {"lower",
       [](const Value& v, const CallArgs&) { return Value::string(python_lower(v.str())); }},
      {"map", map_filter},
      {"max", [](const Value& v, const CallArgs& args) { return min_max(v, args, true); }},
      {"min", [](const Value& v, const CallArgs& args) { return min_max(v, args, false); }},
      {"pprint", [](const Value& v, const CallArgs&) { return Value::string(v.repr()); }},
      {"reject",
       [](const Value& v, const CallArgs& args) {
         return filter_by_test(v, args, false, false, "reject");
       }},
      {"rejectattr",
       [](const Value& v, const CallArgs& args) {
         return filter_by_test(v, args, true, false, "rejectattr");
       }},
      {"select",
       [](const Value& v, const CallArgs& args) {
         return filter_by_test(v, args, false, true, "select");
       }},
      {"selectattr",
       [](const Value& v, const CallArgs& args) {
         return filter_by_test(v, args, true, true, "selectattr");
       }},
      {"replace",
       [](const Value& v, const CallArgs& args) {
         const BoundArgs a(args, {"old", "new", "count"}, "replace");
         if (!a.has(0) || !a.has(1)) throw_type_error("replace() missing required arguments");
         CallArgs strings;
         strings.positional = {Value::string(a[0]->str()), Value::string(a[1]->str())};
         if (a.has(2) && !a[2]->is_none()) strings.positional.push_back(*a[2]);
         return string_method(v, "replace", strings);
       }},
      {"reverse",
       [](const Value& v, const CallArgs&) {
         if (v.is_string()) {
           std::u32string cps = to_code_points(v.as_string());
           std::reverse(cps.begin(), cps.end());
           return Value::string(to_utf8(cps));
         }
         std::vector<Value> items = v.iterate();
         std::reverse(items.begin(), items.end());
         return Value::list(std::move(items));
       }},
      {"round", round_filter},
      {"safe", [](const Value& v, const CallArgs&) { return Value::string(v.str()); }},
      {"sort",
       [](const Value& v, const CallArgs& args) {
         const BoundArgs a(args, {"reverse", "case_sensitive", "attribute"}, "sort");
         return Value::list(sorted_items(v.iterate(), attribute_param(a[2]),
                                         a.has(1) && a[1]->truthy(), a.has(0) && a[0]->truthy()));
       }},
      {"string", [](const Value& v, const CallArgs&) { return Value::string(v.str()); }},
      {"sum",
       [](const Value& v, const CallArgs& args) {
         const BoundArgs a(args, {"attribute", "start"}, "sum");
         const auto attribute = attribute_param(a[0]);
         Value total = a.get(1, Value::integer(0));
         for (const Value& item : v.iterate()) {
           total = arithmetic(ArithmeticOp::Add, total,
                              attribute ? attribute_of(item, *attribute) : item);
         }
         return total;
       }},
      {"title",
       [](const Value& v, const CallArgs&) { return Value::string(jinja_title(v.str())); }},
      {"tojson", tojson},
      {"trim",
       [](const Value& v, const CallArgs& args) {
         const BoundArgs a(args, {"chars"}, "trim");
         CallArgs chars;
         if (a.has(0)) chars.positional.push_back(*a[0]);
         return string_method(v, "strip", chars);
       }},
      {"truncate", truncate},
      {"unique", unique},
      {"upper",
       [](const Value& v, const CallArgs&) { return Value::string(python_upper(v.str())); }},
      {"wordcount",
       [](const Value& v, const CallArgs&) { return Value::integer(word_count(v.str())); }},
  };
  return table;
}

const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> table = {{"d", "default"}, {"e", "escape"}};
  return table;
}

}  // namespace

bool has_filter(const std::string& name) {
  return filters().count(name) > 0 || aliases().count(name) > 0;
}

Value apply_filter(const std::string& name, const Value& value, const CallArgs& args) {
  const auto alias = aliases().find(name);
  const std::string& real = alias == aliases().end() ? name : alias->second;
  const auto it = filters().find(real);
  if (it == filters().end())
    throw RenderError("TemplateRuntimeError", "no filter named '" + name + "'");
  return it->second(value, args);
}

}  // namespace atman::jinja
