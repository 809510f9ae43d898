#pragma once
// Jinja2's (sandboxed) environment.getattr / getitem: `x.name` tries the Python attribute (a
// str or dict method) before the item, `x[key]` the item before the attribute, and what is
// found in neither is Undefined (an error only once used). Undefined itself fails at once.
#include <optional>
#include <string>

#include "value.hpp"

namespace atman::jinja {

Value get_attribute(const Value& object, const std::string& name);
Value get_item(const Value& object, const Value& key);
// object[start:stop:step] as Python evaluates it (errors are errors); absent parts are nullopt.
Value get_slice(const Value& object, const std::optional<Value>& start,
                const std::optional<Value>& stop, const std::optional<Value>& step);

}  // namespace atman::jinja
