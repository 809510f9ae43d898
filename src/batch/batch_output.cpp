#include "atman/batch_output.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "atman/batch_record.hpp"
#include "atman/error.hpp"

namespace atman {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path.string() + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The object on one complete output line; throws naming file and line.
nlohmann::json parse_output_line(const std::string& text, const std::filesystem::path& path, int64_t number) {
  try {
    auto j = nlohmann::json::parse(text);
    if (j.is_object() && j.contains("id") && j.contains("line") && j["line"].is_number_integer()) return j;
  } catch (const nlohmann::json::parse_error&) {
  }
  throw Error("'" + path.string() + "' line " + std::to_string(number) +
              " is not an atman batch result (JSON object with \"id\" and \"line\")");
}

}  // namespace

ExistingOutput repair_and_scan_output(const std::filesystem::path& path) {
  ExistingOutput out;
  if (!std::filesystem::exists(path)) return out;
  const std::string text = read_file(path);
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
    ++out.completed_ids[id_key(nlohmann::ordered_json::parse(j["id"].dump()))];
  }
  return out;
}

std::vector<std::string> merge_shard_outputs(const std::vector<std::filesystem::path>& shards) {
  std::map<int64_t, std::string> by_line;
  for (const auto& path : shards) {
    const std::string text = read_file(path);
    if (!text.empty() && text.back() != '\n') {
      throw Error("'" + path.string() + "' ends in a cut-off line: finish that shard with --resume first");
    }
    std::istringstream lines(text);
    std::string line;
    for (int64_t number = 1; std::getline(lines, line); ++number) {
      const int64_t input_line = parse_output_line(line, path, number)["line"].get<int64_t>();
      if (!by_line.emplace(input_line, line).second) {
        throw Error("input line " + std::to_string(input_line) + " appears twice ('" + path.string() +
                    "' line " + std::to_string(number) + ")");
      }
    }
  }
  std::vector<std::string> merged;
  for (auto& [line, text] : by_line) merged.push_back(std::move(text));
  return merged;
}

}  // namespace atman
