#pragma once
// The batch output file (JSONL, one result or error object per line, each with "id" and
// "line"): what a killed run left behind, and merging shard outputs back into input order.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace atman {

struct ExistingOutput {
  // id_key() -> complete lines with that id (more than one where the input repeats an id:
  // the later records are duplicate_id error lines).
  std::map<std::string, int64_t> completed_ids;
  int64_t lines = 0;                    // complete lines kept
  int64_t failed = 0;                   // of those, error lines
  int64_t repaired_bytes = 0;           // bytes of a cut-off last line that were removed
  nlohmann::ordered_json run_info;      // the "batch" field of the first line (null when none)
};

// For --resume: reads OUT, truncates a last line that has no newline (a killed run's partial
// write) and returns the ids already done. A missing file is an empty output. Throws
// atman::Error naming the file and line when a complete line is not a result object.
ExistingOutput repair_and_scan_output(const std::filesystem::path& path);

// Lines of shard outputs, ordered by their "line" field, with "batch"."shard" set to "0/1": the
// unsharded output, byte for byte. Throws unless the files form one complete run of one input:
// when a file is unreadable or a directory, a line is cut off or lacks "line" or "batch", two
// files come from different inputs or shard counts, repeat a shard or an input line, or records
// are missing (a shard not given, or not finished). When the lines record different thread
// counts ("batch"."threads"; totals then differ in their last digits), one warning saying which
// files hold which is appended to `warnings`.
std::vector<std::string> merge_shard_outputs(const std::vector<std::filesystem::path>& shards,
                                             std::vector<std::string>* warnings = nullptr);

}  // namespace atman
