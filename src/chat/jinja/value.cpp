#include "value.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "errors.hpp"
#include "operators.hpp"
#include "unicode.hpp"

namespace atman::jinja {

const Value* Dict::find(const Value& key) const {
  for (const auto& [k, v] : entries) {
    if (equals(k, key)) return &v;
  }
  return nullptr;
}

const Value* Dict::find(const std::string& key) const {
  for (const auto& [k, v] : entries) {
    if (k.is_string() && k.as_string() == key) return &v;
  }
  return nullptr;
}

void Dict::set(Value key, Value value) {
  for (auto& [k, v] : entries) {
    if (equals(k, key)) {
      v = std::move(value);
      return;
    }
  }
  entries.emplace_back(std::move(key), std::move(value));
}

Value Value::undefined(std::string reason) { return Value(Data(UndefinedInfo{std::move(reason)})); }

Value Value::list(std::vector<Value> items) {
  return Value(Data(std::make_shared<List>(List{std::move(items), false})));
}

Value Value::tuple(std::vector<Value> items) {
  return Value(Data(std::make_shared<List>(List{std::move(items), true})));
}

Value Value::dict(Dict dict) { return Value(Data(std::make_shared<Dict>(std::move(dict)))); }

Value Value::name_space(Dict attributes) {
  return Value(Data(std::make_shared<Namespace>(Namespace{std::move(attributes)})));
}

Value Value::callable(std::string name, std::function<Value(const CallArgs&)> call) {
  return Value(Data(std::make_shared<Callable>(Callable{std::move(name), std::move(call)})));
}

Value Value::from_json(const nlohmann::ordered_json& json) {
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::null:
      return none();
    case nlohmann::ordered_json::value_t::boolean:
      return boolean(json.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return integer(json.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      const auto u = json.get<uint64_t>();
      // Python ints are unbounded; past int64 a float is the closest this model holds.
      return u > static_cast<uint64_t>(INT64_MAX) ? number(static_cast<double>(u))
                                                  : integer(static_cast<int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float:
      return number(json.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return string(json.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(from_json(item));
      return list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      Dict d;
      d.entries.reserve(json.size());
      for (auto it = json.begin(); it != json.end(); ++it)
        d.entries.emplace_back(string(it.key()), from_json(it.value()));
      return dict(std::move(d));
    }
    default:
      return none();  // binary and discarded values do not come from JSON text
  }
}

int64_t Value::as_int() const {
  return is(Type::Bool) ? (as_bool() ? 1 : 0) : std::get<int64_t>(data_);
}

double Value::as_double() const {
  return is(Type::Float) ? std::get<double>(data_) : static_cast<double>(as_int());
}

bool Value::same_object(const Value& other) const {
  if (type() != other.type()) return false;
  switch (type()) {
    case Type::Undefined:
    case Type::None:
      return true;
    case Type::List:
      return std::get<std::shared_ptr<List>>(data_) == std::get<std::shared_ptr<List>>(other.data_);
    case Type::Dict:
      return std::get<std::shared_ptr<Dict>>(data_) == std::get<std::shared_ptr<Dict>>(other.data_);
    case Type::Namespace:
      return std::get<std::shared_ptr<Namespace>>(data_) ==
             std::get<std::shared_ptr<Namespace>>(other.data_);
    case Type::Callable:
      return std::get<std::shared_ptr<Callable>>(data_) ==
             std::get<std::shared_ptr<Callable>>(other.data_);
    default:
      return equals(*this, other);  // small ints, bools and interned strings are shared in CPython
  }
}

bool Value::truthy() const {
  switch (type()) {
    case Type::Undefined:
    case Type::None:
      return false;
    case Type::Bool:
      return as_bool();
    case Type::Int:
      return as_int() != 0;
    case Type::Float:
      return as_double() != 0.0;
    case Type::String:
      return !as_string().empty();
    case Type::List:
      return !as_list().items.empty();
    case Type::Dict:
      return !as_dict().entries.empty();
    default:
      return true;
  }
}

std::string python_float_repr(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  if (x == 0.0) return std::signbit(x) ? "-0.0" : "0.0";
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*e", precision - 1, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  std::string s(buf);
  const bool negative = s[0] == '-';
  if (negative) s.erase(0, 1);
  const size_t e = s.find('e');
  const int exponent = std::atoi(s.c_str() + e + 1);
  std::string digits;
  for (size_t i = 0; i < e; ++i) {
    if (s[i] != '.') digits += s[i];
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out;
  if (exponent < -4 || exponent >= 16) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof(exp_buf), "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    out += exp_buf;
  } else if (exponent < 0) {
    out = "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
  } else {
    const size_t int_digits = static_cast<size_t>(exponent) + 1;
    if (digits.size() <= int_digits) {
      out = digits + std::string(int_digits - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, int_digits) + "." + digits.substr(int_digits);
    }
  }
  return negative ? "-" + out : out;
}

namespace {

std::string string_repr(const std::string& s) {
  // Python picks single quotes unless the text has one and no double quote.
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t cp : to_code_points(s)) {
    if (cp == static_cast<char32_t>(quote) || cp == U'\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == U'\n') {
      out += "\\n";
    } else if (cp == U'\r') {
      out += "\\r";
    } else if (cp == U'\t') {
      out += "\\t";
    } else if (cp < 0x80 ? (cp < 0x20 || cp == 0x7F) : !is_printable(cp)) {
      out += python_escape(cp);
    } else {
      out += to_utf8(std::u32string(1, cp));
    }
  }
  out += quote;
  return out;
}

std::string join_reprs(const std::vector<Value>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i].repr();
  }
  return out;
}

std::string dict_repr(const Dict& d) {
  std::string out = "{";
  for (size_t i = 0; i < d.entries.size(); ++i) {
    if (i > 0) out += ", ";
    out += d.entries[i].first.repr() + ": " + d.entries[i].second.repr();
  }
  return out + "}";
}

}  // namespace

std::string Value::str() const {
  switch (type()) {
    case Type::Undefined:
      return "";
    case Type::String:
      return as_string();
    default:
      return repr();
  }
}

std::string Value::repr() const {
  switch (type()) {
    case Type::Undefined:
      return "Undefined";
    case Type::None:
      return "None";
    case Type::Bool:
      return as_bool() ? "True" : "False";
    case Type::Int:
      return std::to_string(as_int());
    case Type::Float:
      return python_float_repr(as_double());
    case Type::String:
      return string_repr(as_string());
    case Type::List: {
      const List& l = as_list();
      if (!l.is_tuple) return "[" + join_reprs(l.items) + "]";
      return "(" + join_reprs(l.items) + (l.items.size() == 1 ? ",)" : ")");
    }
    case Type::Dict:
      return dict_repr(as_dict());
    case Type::Namespace:
      return "<Namespace " + dict_repr(as_namespace().attributes) + ">";
    case Type::Callable:
      return "<function " + as_callable().name + ">";
  }
  return "";
}

std::string Value::type_name() const {
  switch (type()) {
    case Type::Undefined:
      return "Undefined";
    case Type::None:
      return "NoneType";
    case Type::Bool:
      return "bool";
    case Type::Int:
      return "int";
    case Type::Float:
      return "float";
    case Type::String:
      return "str";
    case Type::List:
      return as_list().is_tuple ? "tuple" : "list";
    case Type::Dict:
      return "dict";
    case Type::Namespace:
      return "Namespace";
    case Type::Callable:
      return "function";
  }
  return "object";
}

void Value::fail_undefined() const {
  const std::string& reason = std::get<UndefinedInfo>(data_).reason;
  throw RenderError("UndefinedError", reason.empty() ? "value is undefined" : reason);
}

std::vector<Value> Value::iterate() const {
  switch (type()) {
    case Type::Undefined:
      return {};
    case Type::List:
      return as_list().items;
    case Type::Dict: {
      std::vector<Value> keys;
      for (const auto& entry : as_dict().entries) keys.push_back(entry.first);
      return keys;
    }
    case Type::String: {
      std::vector<Value> chars;
      for (char32_t cp : to_code_points(as_string()))
        chars.push_back(string(to_utf8(std::u32string(1, cp))));
      return chars;
    }
    default:
      throw_type_error("'" + type_name() + "' object is not iterable");
  }
}

}  // namespace atman::jinja
