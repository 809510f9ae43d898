#include "atman/batch_input.hpp"

#include <spdlog/spdlog.h>

#include "atman/fnv_hash.hpp"

namespace atman {

BatchInputSummary summarize_batch_input(std::istream& in, const Shard& shard) {
  BatchInputSummary summary;
  Fnv1a64 hash;
  char buffer[1 << 16];
  int64_t line = 1;
  bool line_has_text = false;  // a character other than space, tab or CR on the current line
  auto end_line = [&] {
    if (line_has_text) {
      ++summary.records;
      summary.shard_records += shard.contains(line);
    }
    ++line;
    line_has_text = false;
  };
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    const auto n = static_cast<size_t>(in.gcount());
    hash.update(buffer, n);
    for (size_t i = 0; i < n; ++i) {
      const char c = buffer[i];
      if (c == '\n')
        end_line();
      else if (c != ' ' && c != '\t' && c != '\r')
        line_has_text = true;
    }
  }
  end_line();  // a last line without a newline
  summary.fingerprint = hash.text();
  return summary;
}

nlohmann::ordered_json batch_run_json(const BatchInputSummary& input, const Shard& shard) {
  nlohmann::ordered_json j;
  j["input"] = input.fingerprint;
  j["records"] = input.records;
  j["shard"] = std::to_string(shard.index) + "/" + std::to_string(shard.count);
  return j;
}

bool read_line_capped(std::istream& in, std::string& text, size_t max_bytes, bool& too_long) {
  text.clear();
  too_long = false;
  std::streambuf* buffer = in.rdbuf();
  bool any = false;
  for (;;) {
    const int c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      if (!any) in.setstate(std::ios::eofbit | std::ios::failbit);
      return any;
    }
    any = true;
    if (c == '\n') return true;
    if (text.size() < max_bytes) {
      text.push_back(static_cast<char>(c));
    } else {
      too_long = true;
    }
  }
}

bool RecordReader::next(BatchRecord& record) {
  bool too_long = false;
  while (read_line_capped(in_, text_, kMaxRecordLineBytes, too_long)) {
    ++line_;
    if (is_blank_line(text_)) continue;
    record = parse_batch_line(too_long ? "" : text_, line_);
    for (const auto& name : unknown_record_fields(record.fields)) {
      if (!warned_fields_.insert(name).second) continue;
      const std::string closest = closest_record_field(name);
      spdlog::warn("input line {}: field '{}' is not one atman reads, ignored ({}); not repeated for later lines",
                   line_, name,
                   closest.empty() ? "the fields are listed in the README" : "did you mean '" + closest + "'?");
    }
    if (too_long) {
      record.error =
          RecordError{"invalid_record",
                      "line is longer than " + std::to_string(kMaxRecordLineBytes >> 20) + " MiB"};
    }
    return true;
  }
  return false;
}

}  // namespace atman
