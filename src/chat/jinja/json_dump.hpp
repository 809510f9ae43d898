#pragma once
// Python's json.dumps, which transformers installs as the tojson filter: insertion order,
// ", " / ": " separators (",", ": " with an indent), non-ASCII kept unless ensure_ascii.
#include <optional>
#include <string>

#include "value.hpp"

namespace atman::jinja {

struct JsonDumpOptions {
  std::optional<std::string> indent;          // the text of one indentation level; absent: one line
  std::optional<std::string> item_separator;  // default ", " or "," with an indent
  std::string key_separator = ": ";
  bool sort_keys = false;
  bool ensure_ascii = false;
};

std::string json_dumps(const Value& value, const JsonDumpOptions& options);

}  // namespace atman::jinja
