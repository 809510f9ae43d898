#pragma once
// The values a template computes with, modelled on the Python objects Jinja2 hands around:
// None, bool, int, float, str, list/tuple, dict (insertion-ordered), Namespace, callables and
// Jinja2's default Undefined (prints empty, is falsy, iterates as nothing, fails when used).
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace atman::jinja {

class Value;
struct CallArgs;

struct List {
  std::vector<Value> items;
  bool is_tuple = false;  // only repr() and equality tell a tuple from a list
};

// A Python dict: keys keep their first insertion position.
struct Dict {
  std::vector<std::pair<Value, Value>> entries;
  const Value* find(const Value& key) const;
  const Value* find(const std::string& key) const;
  void set(Value key, Value value);
};

// jinja2.utils.Namespace: attributes settable with {% set ns.attr = ... %}.
struct Namespace {
  Dict attributes;
};

struct Callable {
  std::string name;
  std::function<Value(const CallArgs&)> call;
};

class Value {
 public:
  enum class Type { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Callable };

  // Undefined; `reason` is the UndefinedError message if the value is ever used.
  Value() : data_(UndefinedInfo{}) {}
  static Value undefined(std::string reason);
  static Value none() { return Value(Data(nullptr)); }
  static Value boolean(bool b) { return Value(Data(b)); }
  static Value integer(int64_t i) { return Value(Data(i)); }
  static Value number(double d) { return Value(Data(d)); }
  static Value string(std::string s) { return Value(Data(std::move(s))); }
  static Value list(std::vector<Value> items);
  static Value tuple(std::vector<Value> items);
  static Value dict(Dict dict);
  static Value name_space(Dict attributes);
  static Value callable(std::string name, std::function<Value(const CallArgs&)> call);
  static Value from_json(const nlohmann::ordered_json& json);

  Type type() const { return static_cast<Type>(data_.index()); }
  bool is(Type t) const { return type() == t; }
  bool is_undefined() const { return is(Type::Undefined); }
  bool is_none() const { return is(Type::None); }
  bool is_string() const { return is(Type::String); }
  // int or bool (Python's bool is an int)
  bool is_integral() const { return is(Type::Int) || is(Type::Bool); }
  bool is_number() const { return is_integral() || is(Type::Float); }

  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const;    // int or bool
  double as_double() const;  // any number
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const List& as_list() const { return *std::get<std::shared_ptr<List>>(data_); }
  const Dict& as_dict() const { return *std::get<std::shared_ptr<Dict>>(data_); }
  Namespace& as_namespace() const { return *std::get<std::shared_ptr<Namespace>>(data_); }
  const Callable& as_callable() const { return *std::get<std::shared_ptr<Callable>>(data_); }
  bool same_object(const Value& other) const;  // Python `is`

  bool truthy() const;
  std::string str() const;        // Python str(); Undefined gives ""
  std::string repr() const;       // Python repr()
  std::string type_name() const;  // Python's type name: "str", "NoneType", "dict", ...
  // Throws the UndefinedError this value stands for.
  [[noreturn]] void fail_undefined() const;
  // The items a Python `for` sees: list items, dict keys, string characters, nothing for Undefined.
  std::vector<Value> iterate() const;

 private:
  struct UndefinedInfo {
    std::string reason;
  };
  using Data = std::variant<UndefinedInfo, std::nullptr_t, bool, int64_t, double, std::string,
                            std::shared_ptr<List>, std::shared_ptr<Dict>,
                            std::shared_ptr<Namespace>, std::shared_ptr<Callable>>;
  explicit Value(Data data) : data_(std::move(data)) {}
  Data data_;
};

// Python's repr(float): the shortest digits that read back, "1.0", "1e+16", "1.5e-05".
std::string python_float_repr(double x);

}  // namespace atman::jinja
