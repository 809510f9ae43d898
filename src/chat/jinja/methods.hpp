#pragma once
// The Python methods templates call on values: str (strip, split, startswith, replace, format,
// ...), dict (items, keys, values, get) and the list methods that do not modify (index, count).
// Modifying methods are absent, as in transformers' ImmutableSandboxedEnvironment.
#include <string>

#include "call_args.hpp"
#include "value.hpp"

namespace atman::jinja {

bool has_method(const Value& self, const std::string& name);
Value call_method(const Value& self, const std::string& name, const CallArgs& args);

}  // namespace atman::jinja
