#include "atman/batch_record.hpp"

#include <algorithm>
#include <iterator>

#include "atman/error.hpp"
#include "atman/utf8.hpp"

namespace atman {

namespace {

// Every field a record may carry (README: `atman batch`, documents, chat, `atman eval`).
const char* const kRecordFields[] = {
    "id", "prompt", "target",                                                   // the record
    "method", "granularity", "delimiter", "factor", "suppression", "steps",   // explain overrides
    "split_special", "refine", "conceptual_threshold", "contrast",
    "documents", "document_template",                                          // documents
    "chat", "system", "messages", "generate", "template_vars", "add_generation_prompt",  // chat
    "gold",                                                                    // eval's ground truth
};

// Levenshtein distance: insertions, deletions and substitutions of single bytes.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);  // distances from a[:i] to each prefix of b
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substituted = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({substituted, row[j] + 1, row[j - 1] + 1});
    }
  }
  return row[b.size()];
}

}  // namespace

std::string closest_record_field(const std::string& name) {
  std::string best;
  size_t best_distance = 3;  // two edits at most, and fewer than half the name's letters
  for (const char* field : kRecordFields) {
    const size_t d = edit_distance(name, field);
    if (d < best_distance && 2 * d < name.size()) {
      best = field;
      best_distance = d;
    }
  }
  return best;
}

std::vector<std::string> unknown_record_fields(const nlohmann::json& record) {
  std::vector<std::string> unknown;
  if (!record.is_object()) return unknown;
  for (const auto& [name, value] : record.items()) {
    if (std::find(std::begin(kRecordFields), std::end(kRecordFields), name) == std::end(kRecordFields)) {
      unknown.push_back(name);
    }
  }
  return unknown;
}

bool is_blank_line(const std::string& text) { return text.find_first_not_of(" \t\r") == std::string::npos; }

BatchRecord parse_batch_line(const std::string& text, int64_t line) {
  BatchRecord r;
  r.line = line;
  r.id = line;
  auto fail = [&](const char* code, std::string message) {
    r.error = RecordError{code, std::move(message)};
    return r;
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // parse_error, or out_of_range for a number beyond double (1e999). The message quotes the
    // offending bytes, which may be invalid UTF-8 themselves.
    return fail("invalid_json", "line is not valid JSON: " + escape_invalid_utf8(e.what()));
  }
  if (!j.is_object()) return fail("invalid_record", "a record must be a JSON object, got " + std::string(j.type_name()));
  if (j.contains("id")) {
    const auto& id = j["id"];
    if (!id.is_string() && !id.is_number_integer()) {
      return fail("wrong_type", "field 'id' must be a string or an integer, got " + id.dump());
    }
    r.id = nlohmann::ordered_json::parse(id.dump());
  }
  // A conversation stands for the prompt, a generated reply for the target.
  const bool has_messages = j.contains("messages"), generates = j.contains("generate");
  for (const char* name : {"prompt", "target"}) {
    const bool optional = std::string(name) == "prompt" ? has_messages : generates;
    if (!j.contains(name)) {
      if (optional) continue;
      return fail("missing_field", std::string("missing field '") + name + "'");
    }
    if (!j[name].is_string()) {
      return fail("wrong_type", std::string("field '") + name + "' must be a string, got " + j[name].type_name());
    }
  }
  r.prompt = j.value("prompt", std::string());
  r.target = j.value("target", std::string());
  r.fields = std::move(j);
  return r;
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  Shard s;
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    size_t used_k = 0, used_n = 0;
    s.index = std::stoll(text.substr(0, slash), &used_k);
    s.count = std::stoll(text.substr(slash + 1), &used_n);
    if (used_k != slash || used_n != text.size() - slash - 1) throw std::invalid_argument("trailing text");
  } catch (const std::exception&) {
    throw Error("--shard must be K/N (e.g. 0/4), got '" + text + "'");
  }
  if (s.count < 1 || s.index < 0 || s.index >= s.count) {
    throw Error("--shard " + text + ": need 0 <= K < N");
  }
  return s;
}

}  // namespace atman
