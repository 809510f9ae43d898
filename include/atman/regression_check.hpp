#pragma once
// `atman check`: compares a current run of explanations with a committed baseline, id by id,
// and says which drifted. Records are batch output lines (atman.explanation/v1 with "id").
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace atman {

struct CheckThresholds {
  int64_t top_k = 5;                    // units compared by top_k_overlap, >= 1
  double min_spearman = 0.9;            // of the totals, in [-1, 1]
  double min_topk_overlap = 0.8;        // in [0, 1]
  std::optional<double> max_abs_diff;   // of the totals; nullopt = not checked
  void validate() const;                // throws naming the option
};

enum class CheckStatus { kPassed, kRegressed, kUnusable };

struct RecordCheck {
  std::string id;  // id_key() of the record
  CheckStatus status = CheckStatus::kPassed;
  int64_t units = 0;
  double spearman = 0, topk_overlap = 0, max_abs_diff = 0;  // valid when status != kUnusable
  std::string reason;  // why it regressed or cannot be compared; empty when passed
};

struct CheckReport {
  std::vector<RecordCheck> records;  // baseline order, then ids only in the current run
  int64_t passed = 0, regressed = 0, unusable = 0;
  int exit_code() const { return unusable > 0 ? 2 : regressed > 0 ? 1 : 0; }
};

// JSONL lines -> objects; throws naming the file and line for one that is not a JSON object
// with an "id".
std::vector<nlohmann::json> parse_explanation_lines(const std::vector<std::string>& lines, const std::string& source);

CheckReport check_explanations(const std::vector<nlohmann::json>& baseline, const std::vector<nlohmann::json>& current,
                               const CheckThresholds& thresholds);

// A plain table of the records that did not pass, then one summary line.
void write_check_table(const CheckReport& report, std::ostream& out);
// JUnit XML: one test case per id (failure = regressed, error = unusable).
void write_junit(const CheckReport& report, const CheckThresholds& thresholds, std::ostream& out);

}  // namespace atman
