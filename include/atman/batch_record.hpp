#pragma once
// One line of a batch input (JSONL): {"prompt", "target", optional "id" and per-record
// overrides of explain options; chat records give "messages" (or "chat"/"system") and
// "generate" may stand for the target}, or the reason it is not a usable record.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace atman {

// A failed record as written to the output: {"id", "line", "error": {code, message}}.
// Codes: invalid_json, invalid_record, missing_field, wrong_type, duplicate_id,
// invalid_option, invalid_input (empty, no tokens, too long), explain_failed.
struct RecordError {
  std::string code;
  std::string message;
};

struct BatchRecord {
  int64_t line = 0;            // 1-based line number in the input
  nlohmann::ordered_json id;   // the record's "id" (string or integer), else its line number
  std::string prompt;
  std::string target;
  nlohmann::json fields;       // the whole object, for ExplainSettings::apply_overrides
  std::optional<RecordError> error;  // set when the line is not a usable record
};

// Never throws: a bad line comes back with `error` set (and the id when it could be read).
BatchRecord parse_batch_line(const std::string& text, int64_t line);

// The fields of `record` (an object) that atman does not read, in the record's order: a
// misspelt override ("granularty") would otherwise be ignored without a word. Data sets may
// carry fields of their own, so these are warned about, not refused.
std::vector<std::string> unknown_record_fields(const nlohmann::json& record);

// The record field `name` is most likely a misspelling of ("granularty" -> "granularity"), or ""
// when none is within two edits.
std::string closest_record_field(const std::string& name);

// True for lines that hold no record (empty or whitespace only); they are skipped, not errors.
bool is_blank_line(const std::string& text);

// The key an id is compared by: its JSON text ("7" and "\"7\"" differ).
inline std::string id_key(const nlohmann::ordered_json& id) { return id.dump(); }

// Which records a shard processes: those whose 0-based line index ≡ index (mod count).
struct Shard {
  int64_t index = 0;
  int64_t count = 1;
  bool contains(int64_t line) const { return (line - 1) % count == index; }
};
Shard parse_shard(const std::string& text);  // "K/N" with 0 <= K < N; throws naming --shard

}  // namespace atman
