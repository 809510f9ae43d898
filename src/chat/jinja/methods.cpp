#include "methods.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "errors.hpp"
#include "operators.hpp"
#include "string_format.hpp"
#include "unicode.hpp"

namespace atman::jinja {
namespace {

using Method = std::function<Value(const Value& self, const CallArgs& args)>;

std::optional<std::string> optional_string(const std::optional<Value>& v, const std::string& what) {
  if (!v || v->is_none()) return std::nullopt;
  return string_arg(*v, what);
}

// The code points of self[start:end] as str.find & co. take them, and the offset of `start`.
struct Window {
  std::u32string text;
  size_t offset = 0;
};

Window window(const std::string& self, const BoundArgs& a, size_t start_index,
              const std::string& method) {
  std::u32string cps = to_code_points(self);
  const int64_t n = static_cast<int64_t>(cps.size());
  const auto clamp = [&](const std::optional<Value>& v, int64_t fallback) {
    if (!v || v->is_none()) return fallback;
    int64_t i = integer_arg(*v, method + "() index");
    if (i < 0) i = std::max<int64_t>(0, i + n);
    return std::min(i, n);
  };
  const int64_t start = clamp(a[start_index], 0);
  const int64_t end = clamp(a[start_index + 1], n);
  if (start >= end) return Window{std::u32string(), static_cast<size_t>(start)};
  return Window{cps.substr(static_cast<size_t>(start), static_cast<size_t>(end - start)),
                static_cast<size_t>(start)};
}

Value affix_test(const std::string& self, const CallArgs& args, const std::string& method,
                 bool prefix) {
  const BoundArgs a(args, {"affix", "start", "end"}, method);
  if (!a.has(0)) throw_type_error(method + "() takes at least 1 argument (0 given)");
  const Window w = window(self, a, 1, method);
  std::vector<Value> candidates = a[0]->is(Value::Type::List) && a[0]->as_list().is_tuple
                                      ? a[0]->as_list().items
                                      : std::vector<Value>{*a[0]};
  for (const Value& candidate : candidates) {
    if (!candidate.is_string()) {
      throw_type_error(method + " first arg must be str or a tuple of str, not " +
                       candidate.type_name());
    }
    const std::u32string affix = to_code_points(candidate.as_string());
    if (affix.size() > w.text.size()) continue;
    const size_t at = prefix ? 0 : w.text.size() - affix.size();
    if (w.text.compare(at, affix.size(), affix) == 0) return Value::boolean(true);
  }
  return Value::boolean(false);
}

// find / rfind / index / rindex: the code point index of `sub` in self[start:end], or -1.
int64_t find_in(const std::string& self, const CallArgs& args, const std::string& method,
                bool from_right) {
  const BoundArgs a(args, {"sub", "start", "end"}, method);
  if (!a.has(0)) throw_type_error(method + "() takes at least 1 argument (0 given)");
  const std::u32string sub = to_code_points(string_arg(*a[0], method + "() argument"));
  const Window w = window(self, a, 1, method);
  const size_t at = from_right ? w.text.rfind(sub) : w.text.find(sub);
  return at == std::u32string::npos ? -1 : static_cast<int64_t>(at + w.offset);
}

int64_t count_in(const std::string& self, const CallArgs& args) {
  const BoundArgs a(args, {"sub", "start", "end"}, "count");
  if (!a.has(0)) throw_type_error("count() takes at least 1 argument (0 given)");
  const std::u32string sub = to_code_points(string_arg(*a[0], "count() argument"));
  const Window w = window(self, a, 1, "count");
  if (sub.empty()) return static_cast<int64_t>(w.text.size()) + 1;
  int64_t n = 0;
  for (size_t at = w.text.find(sub); at != std::u32string::npos;
       at = w.text.find(sub, at + sub.size()))
    ++n;
  return n;
}

std::string replace(const std::string& self, const CallArgs& args) {
  const BoundArgs a(args, {"old", "new", "count"}, "replace");
  if (!a.has(0) || !a.has(1)) throw_type_error("replace() takes at least 2 arguments");
  const std::string& old_text = string_arg(*a[0], "replace() argument 1");
  const std::string& new_text = string_arg(*a[1], "replace() argument 2");
  int64_t remaining = a.has(2) ? integer_arg(*a[2], "replace() count") : -1;
  std::string out;
  if (old_text.empty()) {  // Python inserts `new` around every character
    const std::u32string cps = to_code_points(self);
    for (size_t i = 0; i <= cps.size(); ++i) {
      if (remaining != 0) {
        out += new_text;
        --remaining;
      }
      if (i < cps.size()) out += to_utf8(cps.substr(i, 1));
    }
    return out;
  }
  size_t start = 0;
  for (size_t at = self.find(old_text); at != std::string::npos && remaining != 0;
       at = self.find(old_text, start)) {
    out += self.substr(start, at - start) + new_text;
    start = at + old_text.size();
    --remaining;
  }
  return out + self.substr(start);
}

Value strings_to_list(const std::vector<std::string>& parts) {
  std::vector<Value> items;
  for (const auto& p : parts) items.push_back(Value::string(p));
  return Value::list(std::move(items));
}

std::string join(const std::string& separator, const Value& iterable) {
  std::string out;
  size_t i = 0;
  for (const Value& item : iterable.iterate()) {
    if (!item.is_string()) {
      throw_type_error("sequence item " + std::to_string(i) + ": expected str instance, " +
                       item.type_name() + " found");
    }
    if (i++ > 0) out += separator;
    out += item.as_string();
  }
  return out;
}

bool all_of_code_points(const std::string& self, const std::function<bool(char32_t)>& pred) {
  const std::u32string cps = to_code_points(self);
  return !cps.empty() && std::all_of(cps.begin(), cps.end(), pred);
}

std::string justify(const std::string& self, const CallArgs& args, const std::string& method) {
  const BoundArgs a(args, {"width", "fillchar"}, method);
  if (!a.has(0)) throw_type_error(method + "() takes at least 1 argument (0 given)");
  const int64_t width = integer_arg(*a[0], method + "() width");
  const std::string fill = a.has(1) ? string_arg(*a[1], method + "() fillchar") : " ";
  if (code_point_length(fill) != 1)
    throw_type_error("The fill character must be exactly one character long");
  const int64_t length = code_point_length(self);
  if (width <= length) return self;
  const int64_t margin = width - length;
  int64_t left = 0;
  if (method == "rjust")
    left = margin;
  else if (method == "center")
    left = margin / 2 + (margin & width & 1);
  std::string out;
  for (int64_t i = 0; i < left; ++i) out += fill;
  out += self;
  for (int64_t i = left; i < margin; ++i) out += fill;
  return out;
}

std::string zfill(const std::string& self, const CallArgs& args) {
  const BoundArgs a(args, {"width"}, "zfill");
  if (!a.has(0)) throw_type_error("zfill() takes exactly one argument (0 given)");
  const int64_t length = code_point_length(self);
  const int64_t width = integer_arg(*a[0], "zfill() width");
  if (width <= length) return self;
  const std::string zeros(static_cast<size_t>(width - length), '0');
  if (!self.empty() && (self[0] == '+' || self[0] == '-'))
    return self.substr(0, 1) + zeros + self.substr(1);
  return zeros + self;
}

Value partition(const std::string& self, const CallArgs& args, bool from_right) {
  const std::string method = from_right ? "rpartition" : "partition";
  const BoundArgs a(args, {"sep"}, method);
  if (!a.has(0)) throw_type_error(method + "() takes exactly one argument (0 given)");
  const std::string& sep = string_arg(*a[0], method + "() argument");
  if (sep.empty()) throw_value_error("empty separator");
  const size_t at = from_right ? self.rfind(sep) : self.find(sep);
  if (at == std::string::npos) {
    return from_right ? Value::tuple({Value::string(""), Value::string(""), Value::string(self)})
                      : Value::tuple({Value::string(self), Value::string(""), Value::string("")});
  }
  return Value::tuple({Value::string(self.substr(0, at)), Value::string(sep),
                       Value::string(self.substr(at + sep.size()))});
}

void no_arguments(const CallArgs& args, const std::string& method) { BoundArgs(args, {}, method); }

Value string_strip(const std::string& self, const CallArgs& args, const std::string& method,
                   StripSide side) {
  const BoundArgs a(args, {"chars"}, method);
  return Value::string(python_strip(self, optional_string(a[0], method + " arg"), side));
}

Value string_split(const std::string& self, const CallArgs& args, const std::string& method,
                   bool from_right) {
  const BoundArgs a(args, {"sep", "maxsplit"}, method);
  const int64_t max_split = a.has(1) ? integer_arg(*a[1], "maxsplit") : -1;
  return strings_to_list(python_split(self, optional_string(a[0], "sep"), max_split, from_right));
}

Value string_affix_removal(const std::string& self, const CallArgs& args, bool prefix) {
  const std::string method = prefix ? "removeprefix" : "removesuffix";
  const BoundArgs a(args, {"affix"}, method);
  if (!a.has(0)) throw_type_error(method + "() takes exactly one argument (0 given)");
  const std::string& affix = string_arg(*a[0], method + "() argument");
  if (affix.size() > self.size()) return Value::string(self);
  if (prefix)
    return Value::string(self.compare(0, affix.size(), affix) == 0 ? self.substr(affix.size())
                                                                   : self);
  return Value::string(self.compare(self.size() - affix.size(), affix.size(), affix) == 0
                           ? self.substr(0, self.size() - affix.size())
                           : self);
}

using StringMethod = std::function<Value(const std::string& self, const CallArgs& args)>;

const std::map<std::string, StringMethod>& string_methods() {
  static const std::map<std::string, StringMethod> methods = {
      {"strip", [](const std::string& s,
                   const CallArgs& a) { return string_strip(s, a, "strip", StripSide::Both); }},
      {"lstrip", [](const std::string& s,
                    const CallArgs& a) { return string_strip(s, a, "lstrip", StripSide::Left); }},
      {"rstrip", [](const std::string& s,
                    const CallArgs& a) { return string_strip(s, a, "rstrip", StripSide::Right); }},
      {"split",
       [](const std::string& s, const CallArgs& a) { return string_split(s, a, "split", false); }},
      {"rsplit",
       [](const std::string& s, const CallArgs& a) { return string_split(s, a, "rsplit", true); }},
      {"splitlines",
       [](const std::string& s, const CallArgs& a) {
         const BoundArgs b(a, {"keepends"}, "splitlines");
         return strings_to_list(python_splitlines(s, b.has(0) && b[0]->truthy()));
       }},
      {"startswith", [](const std::string& s,
                        const CallArgs& a) { return affix_test(s, a, "startswith", true); }},
      {"endswith",
       [](const std::string& s, const CallArgs& a) { return affix_test(s, a, "endswith", false); }},
      {"upper",
       [](const std::string& s, const CallArgs& a) {
         no_arguments(a, "upper");
         return Value::string(python_upper(s));
       }},
      {"lower",
       [](const std::string& s, const CallArgs& a) {
         no_arguments(a, "lower");
         return Value::string(python_lower(s));
       }},
      {"title",
       [](const std::string& s, const CallArgs& a) {
         no_arguments(a, "title");
         return Value::string(python_title(s));
       }},
      {"capitalize",
       [](const std::string& s, const CallArgs& a) {
         no_arguments(a, "capitalize");
         return Value::string(python_capitalize(s));
       }},
      {"swapcase",
       [](const std::string& s, const CallArgs& a) {
         no_arguments(a, "swapcase");
         return Value::string(python_swapcase(s));
       }},
      {"replace",
       [](const std::string& s, const CallArgs& a) { return Value::string(replace(s, a)); }},
      {"find", [](const std::string& s,
                  const CallArgs& a) { return Value::integer(find_in(s, a, "find", false)); }},
      {"rfind", [](const std::string& s,
                   const CallArgs& a) { return Value::integer(find_in(s, a, "rfind", true)); }},
      {"index",
       [](const std::string& s, const CallArgs& a) {
         const int64_t at = find_in(s, a, "index", false);
         if (at < 0) throw_value_error("substring not found");
         return Value::integer(at);
       }},
      {"rindex",
       [](const std::string& s, const CallArgs& a) {
         const int64_t at = find_in(s, a, "rindex", true);
         if (at < 0) throw_value_error("substring not found");
         return Value::integer(at);
       }},
      {"count",
       [](const std::string& s, const CallArgs& a) { return Value::integer(count_in(s, a)); }},
      {"join",
       [](const std::string& s, const CallArgs& a) {
         const BoundArgs b(a, {"iterable"}, "join");
         if (!b.has(0)) throw_type_error("join() takes exactly one argument (0 given)");
         return Value::string(join(s, *b[0]));
       }},
      {"format",
       [](const std::string& s, const CallArgs& a) {
         return Value::string(brace_format(s, a.positional, a.keyword));
       }},
      {"isdigit",
       [](const std::string& s, const CallArgs&) {
         return Value::boolean(all_of_code_points(s, is_decimal_digit));
       }},
      {"isdecimal",
       [](const std::string& s, const CallArgs&) {
         return Value::boolean(all_of_code_points(s, is_decimal_digit));
       }},
      {"isnumeric",
       [](const std::string& s, const CallArgs&) {
         return Value::boolean(all_of_code_points(s, is_decimal_digit));
       }},
      {"isalpha", [](const std::string& s,
                     const CallArgs&) { return Value::boolean(all_of_code_points(s, is_alpha)); }},
      {"isalnum",
       [](const std::string& s, const CallArgs&) {
         return Value::boolean(
             all_of_code_points(s, [](char32_t c) { return is_alpha(c) || is_decimal_digit(c); }));
       }},
      {"isspace",
       [](const std::string& s, const CallArgs&) {
         return Value::boolean(all_of_code_points(s, is_python_space));
       }},
      {"isupper",
       [](const std::string& s, const CallArgs&) { return Value::boolean(python_isupper(s)); }},
      {"islower",
       [](const std::string& s, const CallArgs&) { return Value::boolean(python_islower(s)); }},
      {"center", [](const std::string& s,
                    const CallArgs& a) { return Value::string(justify(s, a, "center")); }},
      {"ljust", [](const std::string& s,
                   const CallArgs& a) { return Value::string(justify(s, a, "ljust")); }},
      {"rjust", [](const std::string& s,
                   const CallArgs& a) { return Value::string(justify(s, a, "rjust")); }},
      {"zfill", [](const std::string& s, const CallArgs& a) { return Value::string(zfill(s, a)); }},
      {"removeprefix",
       [](const std::string& s, const CallArgs& a) { return string_affix_removal(s, a, true); }},
      {"removesuffix",
       [](const std::string& s, const CallArgs& a) { return string_affix_removal(s, a, false); }},
      {"partition", [](const std::string& s, const CallArgs& a) { return partition(s, a, false); }},
      {"rpartition", [](const std::string& s, const CallArgs& a) { return partition(s, a, true); }},
  };
  return methods;
}

Value dict_method(const Dict& d, const std::string& name, const CallArgs& args) {
  if (name == "get") {
    const BoundArgs a(args, {"key", "default"}, "get");
    if (!a.has(0)) throw_type_error("get expected at least 1 argument, got 0");
    const Value* v = d.find(*a[0]);
    return v != nullptr ? *v : a.get(1, Value::none());
  }
  no_arguments(args, name);
  std::vector<Value> out;
  for (const auto& [key, value] : d.entries) {
    if (name == "items")
      out.push_back(Value::tuple({key, value}));
    else
      out.push_back(name == "keys" ? key : value);
  }
  return Value::list(std::move(out));
}

Value list_method(const List& l, const std::string& name, const CallArgs& args) {
  const BoundArgs a(args, {"value"}, name);
  if (!a.has(0)) throw_type_error(name + "() takes exactly one argument (0 given)");
  int64_t count = 0;
  for (size_t i = 0; i < l.items.size(); ++i) {
    if (!equals(l.items[i], *a[0])) continue;
    if (name == "index") return Value::integer(static_cast<int64_t>(i));
    ++count;
  }
  if (name == "index") throw_value_error(a[0]->repr() + " is not in list");
  return Value::integer(count);
}

}  // namespace

bool has_method(const Value& self, const std::string& name) {
  switch (self.type()) {
    case Value::Type::String:
      return string_methods().count(name) > 0;
    case Value::Type::Dict:
      return name == "items" || name == "keys" || name == "values" || name == "get";
    case Value::Type::List:
      return name == "index" || name == "count";
    default:
      return false;
  }
}

Value call_method(const Value& self, const std::string& name, const CallArgs& args) {
  switch (self.type()) {
    case Value::Type::String: {
      const auto it = string_methods().find(name);
      if (it != string_methods().end()) return it->second(self.as_string(), args);
      break;
    }
    case Value::Type::Dict:
      if (has_method(self, name)) return dict_method(self.as_dict(), name, args);
      break;
    case Value::Type::List:
      if (has_method(self, name)) return list_method(self.as_list(), name, args);
      break;
    default:
      break;
  }
  throw RenderError("AttributeError",
                    "'" + self.type_name() + "' object has no attribute '" + name + "'");
}

}  // namespace atman::jinja
