#pragma once
// What identifies one batch run's input, written into every output line as
// "batch": {"input", "records", "shard"}, so that `merge` can refuse shards of different inputs
// or an incomplete set, and `--resume` can refuse an output written for another input.
// (`atman batch` adds "threads", the intra-op thread count, for merge to warn on a mix.)
#include <cstdint>
#include <istream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "atman/batch_record.hpp"

namespace atman {

struct BatchInputSummary {
  std::string fingerprint;    // Fnv1a64 text of the input's bytes
  int64_t records = 0;        // non-blank lines: records of the whole input
  int64_t shard_records = 0;  // of those, the lines the shard processes
};

// Reads `in` to its end (in chunks: memory stays bounded whatever the line lengths).
BatchInputSummary summarize_batch_input(std::istream& in, const Shard& shard);

// {"input": fingerprint, "records": n, "shard": "K/N"}
nlohmann::ordered_json batch_run_json(const BatchInputSummary& input, const Shard& shard);

// Reads the next line of `in` into `text`, keeping at most `max_bytes` of it; false at the end.
// A longer line is consumed whole and `too_long` set, so one runaway line cannot exhaust memory.
bool read_line_capped(std::istream& in, std::string& text, size_t max_bytes, bool& too_long);

// Longest batch or eval input line: a prompt far beyond any model's context still fits.
inline constexpr size_t kMaxRecordLineBytes = size_t{256} << 20;

// The records of a JSONL input (batch, eval, heads), one per non-blank line, numbered from 1.
class RecordReader {
 public:
  explicit RecordReader(std::istream& in) : in_(in) {}
  // The next record, with its error set when its line is not a usable record or is longer than
  // kMaxRecordLineBytes; false at the end of the input. Logs a warning the first time a field
  // atman does not read appears.
  bool next(BatchRecord& record);

 private:
  std::istream& in_;
  std::string text_;
  int64_t line_ = 0;
  std::set<std::string> warned_fields_;  // unknown fields already warned about, once each
};

}  // namespace atman
