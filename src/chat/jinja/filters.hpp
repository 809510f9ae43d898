#pragma once
// Jinja2's built-in filters, with transformers' tojson (json.dumps, ensure_ascii=False).
#include <string>

#include "call_args.hpp"
#include "value.hpp"

namespace atman::jinja {

bool has_filter(const std::string& name);
Value apply_filter(const std::string& name, const Value& value, const CallArgs& args);

}  // namespace atman::jinja
