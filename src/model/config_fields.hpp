#pragma once
// Typed readers of config.json fields: a wrong type is an error naming the file and the field;
// an absent or null field gives the fallback.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "atman/error.hpp"

namespace atman::config_fields {

using nlohmann::json;

// `required` makes an absent or null field an error instead of giving `fallback`.
inline int64_t int_field(const json& j, const char* name, const std::string& source, bool required,
                         int64_t fallback = 0) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (required) throw Error(source + ": missing required field '" + name + "'");
    return fallback;
  }
  // eos_token_id is a list in some checkpoints (several stop tokens): the first one is used.
  const json& value = it->is_array() && !it->empty() ? it->front() : *it;
  if (!value.is_number_integer()) {
    throw Error(source + ": field '" + name + "' must be an integer, got " + value.dump());
  }
  return value.get<int64_t>();
}

inline double number_field(const json& j, const char* name, const std::string& source, double fallback) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number()) throw Error(source + ": field '" + name + "' must be a number, got " + it->dump());
  return it->get<double>();
}

inline bool bool_field(const json& j, const char* name, const std::string& source, bool fallback) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw Error(source + ": field '" + name + "' must be a boolean, got " + it->dump());
  return it->get<bool>();
}

inline std::string string_field(const json& j, const char* name, const std::string& source,
                                const std::string& fallback) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_string()) throw Error(source + ": field '" + name + "' must be a string, got " + it->dump());
  return it->get<std::string>();
}

}  // namespace atman::config_fields
