// libFuzzer target: parse_batch_line never throws, and what it returns can be written out: a
// usable record has string prompt and target from a JSON object, and a failed record's error
// serialises as strict JSON (valid UTF-8) whatever bytes the line held.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "atman/batch_record.hpp"
#include "fuzz_check.hpp"

namespace {

bool dumps_strictly(const nlohmann::ordered_json& j) {
  try {
    j.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const int64_t line = 7;
  const atman::BatchRecord r = atman::parse_batch_line(text, line);
  FUZZ_CHECK(r.line == line, "line %lld", static_cast<long long>(r.line));
  FUZZ_CHECK(r.id.is_string() || r.id.is_number_integer(), "id is a %s", r.id.type_name());
  FUZZ_CHECK(dumps_strictly(r.id), "id does not serialise");
  if (!r.error) {
    FUZZ_CHECK(r.fields.is_object(), "record is a %s", r.fields.type_name());
    FUZZ_CHECK(r.fields.at("prompt").is_string() && r.fields.at("prompt") == r.prompt, "prompt");
    FUZZ_CHECK(r.fields.at("target").is_string() && r.fields.at("target") == r.target, "target");
    return 0;
  }
  FUZZ_CHECK(!r.error->code.empty(), "error without a code");
  const nlohmann::ordered_json out = {
      {"id", r.id},
      {"line", r.line},
      {"error", {{"code", r.error->code}, {"message", r.error->message}}}};
  FUZZ_CHECK(dumps_strictly(out), "error record does not serialise: code %s", r.error->code.c_str());
  return 0;
}
