#include "atman/batch_output.hpp"

#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "atman/batch_record.hpp"
#include "atman/error.hpp"
#include "atman/input_file.hpp"

namespace atman {
namespace {

using nlohmann::ordered_json;

// Batch outputs hold one line per record; this bounds a read of one to what memory can hold.
constexpr int64_t kMaxOutputFileBytes = int64_t{16} << 30;

// The object on one complete output line; throws naming file and line.
ordered_json parse_output_line(const std::string& text, const std::filesystem::path& path,
                               int64_t number) {
  try {
    auto j = ordered_json::parse(text);
    if (j.is_object() && j.contains("id") && j.contains("line") && j["line"].is_number_integer())
      return j;
  } catch (const nlohmann::json::exception&) {
  }
  throw Error("'" + path.string() + "' line " + std::to_string(number) +
              " is not an atman batch result (JSON object with \"id\" and \"line\")");
}

// One shard file's run: its "batch" field, the same on every line.
struct ShardRun {
  std::string input;
  int64_t records = 0;
  Shard shard;
};

ShardRun shard_run_of(const ordered_json& line, const std::filesystem::path& path, int64_t number) {
  const std::string where = "'" + path.string() + "' line " + std::to_string(number);
  const auto batch = line.find("batch");
  if (batch == line.end() || !batch->is_object() || !batch->contains("input") ||
      !batch->contains("records") || !batch->contains("shard") || !(*batch)["input"].is_string() ||
      !(*batch)["records"].is_number_integer() || !(*batch)["shard"].is_string()) {
    throw Error(
        where +
        " has no \"batch\" field with input, records and shard (written by an older atman?)");
  }
  ShardRun run;
  run.input = (*batch)["input"].get<std::string>();
  run.records = (*batch)["records"].get<int64_t>();
  try {
    run.shard = parse_shard((*batch)["shard"].get<std::string>());
  } catch (const Error& e) {
    throw Error(where + ": " + e.what());
  }
  return run;
}

std::string shard_name(const Shard& s) {
  return std::to_string(s.index) + "/" + std::to_string(s.count);
}

// The thread count a line's run recorded ("batch"."threads"), or "unrecorded" (older atman).
std::string threads_of(const ordered_json& line) {
  const auto& batch = line["batch"];
  const auto threads = batch.find("threads");
  return threads == batch.end() ? "unrecorded" : threads->dump();
}

// "1 thread: 'a', 'b'; 2 threads: 'c'"
std::string describe_threads(const std::map<std::string, std::set<std::filesystem::path>>& files_by_threads) {
  std::string text;
  for (const auto& [threads, files] : files_by_threads) {
    text += (text.empty() ? "" : "; ") + threads + (threads == "1" ? " thread: " : " threads: ");
    bool first = true;
    for (const auto& file : files) {
      text += (first ? "'" : ", '") + file.string() + "'";
      first = false;
    }
  }
  return text;
}

}  // namespace

ExistingOutput repair_and_scan_output(const std::filesystem::path& path) {
  ExistingOutput out;
  if (!std::filesystem::exists(path)) return out;
  const std::string text = read_file_capped(path.string(), "--output", kMaxOutputFileBytes);
  const size_t complete = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  if (complete < text.size()) {
    out.repaired_bytes = static_cast<int64_t>(text.size() - complete);
    std::filesystem::resize_file(path, complete);
  }
  std::istringstream lines(text.substr(0, complete));
  std::string line;
  while (std::getline(lines, line)) {
    ++out.lines;
    const auto j = parse_output_line(line, path, out.lines);
    ++out.completed_ids[id_key(j["id"])];
    out.failed += j.contains("error");
    if (out.lines == 1 && j.contains("batch")) out.run_info = j["batch"];
  }
  return out;
}

std::vector<std::string> merge_shard_outputs(const std::vector<std::filesystem::path>& shards,
                                             std::vector<std::string>* warnings) {
  std::map<int64_t, std::string> by_line;
  std::map<std::string, std::set<std::filesystem::path>> files_by_threads;
  std::optional<ShardRun> first;  // the run every file must belong to
  std::filesystem::path first_path;
  std::map<int64_t, std::filesystem::path> file_of_shard;  // shard index -> the file holding it
  for (const auto& path : shards) {
    const std::string text = read_file_capped(path.string(), "shard", kMaxOutputFileBytes);
    if (!text.empty() && text.back() != '\n') {
      throw Error("'" + path.string() +
                  "' ends in a cut-off line: finish that shard with --resume first");
    }
    std::istringstream lines(text);
    std::string line;
    for (int64_t number = 1; std::getline(lines, line); ++number) {
      ordered_json j = parse_output_line(line, path, number);
      const ShardRun run = shard_run_of(j, path, number);
      if (!first) {
        first = run;
        first_path = path;
      } else if (run.input != first->input || run.records != first->records) {
        throw Error("'" + path.string() + "' comes from another input (" + run.input + ", " +
                    std::to_string(run.records) + " records) than '" + first_path.string() + "' (" +
                    first->input + ", " + std::to_string(first->records) + " records)");
      } else if (run.shard.count != first->shard.count) {
        throw Error("'" + path.string() + "' is shard " + shard_name(run.shard) + " but '" +
                    first_path.string() + "' is shard " + shard_name(first->shard) +
                    ": shards of one run share N");
      }
      const auto [held, added] = file_of_shard.emplace(run.shard.index, path);
      if (!added && held->second != path) {
        throw Error("shard " + shard_name(run.shard) + " is given twice: '" +
                    held->second.string() + "' and '" + path.string() + "'");
      }
      const int64_t input_line = j["line"].get<int64_t>();
      if (!run.shard.contains(input_line)) {
        throw Error("'" + path.string() + "' line " + std::to_string(number) +
                    " holds input line " + std::to_string(input_line) + ", which is not in shard " +
                    shard_name(run.shard));
      }
      files_by_threads[threads_of(j)].insert(path);
      j["batch"]["shard"] = "0/1";
      if (!by_line.emplace(input_line, j.dump()).second) {
        throw Error("input line " + std::to_string(input_line) + " appears twice ('" +
                    path.string() + "' line " + std::to_string(number) + ")");
      }
    }
  }
  const int64_t expected = first ? first->records : 0;
  if (static_cast<int64_t>(by_line.size()) != expected) {
    std::string missing;
    for (int64_t k = 0; first && k < first->shard.count; ++k) {
      if (!file_of_shard.count(k))
        missing += (missing.empty() ? "" : ", ") + std::to_string(k) + "/" +
                   std::to_string(first->shard.count);
    }
    throw Error("the shards hold " + std::to_string(by_line.size()) + " of the input's " +
                std::to_string(expected) + " records: " +
                (missing.empty() ? "a shard is unfinished (complete it with atman batch --resume)"
                                 : "shards " + missing + " are missing"));
  }
  if (files_by_threads.size() > 1 && warnings != nullptr) {
    warnings->push_back("the shards were computed with different thread counts (" +
                        describe_threads(files_by_threads) +
                        "): the merged file is not byte for byte what one run writes, and its totals may differ "
                        "from such a run in the last digits (atman check passes at its defaults)");
  }
  std::vector<std::string> merged;
  for (auto& [line, text] : by_line) merged.push_back(std::move(text));
  return merged;
}

}  // namespace atman
