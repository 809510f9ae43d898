#pragma once
// The arguments of a call, and their binding to a Python-style parameter list.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "value.hpp"

namespace atman::jinja {

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

// `args` bound to `params` in order, then by keyword; a parameter not given is nullopt.
// Throws TypeError, naming `function`, for surplus positional or unknown keyword arguments.
class BoundArgs {
 public:
  BoundArgs(const CallArgs& args, const std::vector<const char*>& params,
            const std::string& function);
  const std::optional<Value>& operator[](size_t i) const { return values_[i]; }
  Value get(size_t i, Value fallback) const {
    return values_[i] ? *values_[i] : std::move(fallback);
  }
  bool has(size_t i) const { return values_[i].has_value(); }

 private:
  std::vector<std::optional<Value>> values_;
};

// An integer argument (bool counts, as in Python); throws TypeError naming `what`.
int64_t integer_arg(const Value& v, const std::string& what);
// A str argument; throws TypeError naming `what`.
const std::string& string_arg(const Value& v, const std::string& what);

}  // namespace atman::jinja
