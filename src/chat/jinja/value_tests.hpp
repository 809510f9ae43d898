#pragma once
// Jinja2's tests (`x is defined`, `x is string`, `x is divisibleby 3`, ...).
#include <string>

#include "call_args.hpp"
#include "value.hpp"

namespace atman::jinja {

bool has_test(const std::string& name);
bool apply_test(const std::string& name, const Value& value, const CallArgs& args);

}  // namespace atman::jinja
