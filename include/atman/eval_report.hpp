#pragma once
// `atman eval`: per-record faithfulness, ground-truth agreement and cost of each method, their
// means with 95% confidence intervals, and the report files (summary.json, summary.md,
// index.html with the curves as inline SVG).
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "atman/faithfulness.hpp"
#include "atman/ground_truth.hpp"

namespace atman {

struct RecordEvaluation {
  nlohmann::ordered_json id;
  int64_t units = 0;
  FaithfulnessCurves curves;
  FaithfulnessScores faithfulness;
  std::optional<GoldScores> gold;  // when the record has "gold"
  double seconds = 0;              // of the explanation alone
  int64_t peak_rss_bytes = 0;      // of the process during the explanation, model included
  int64_t peak_device_bytes = -1;  // on a GPU: libtorch's peak there, weights included; -1 on the CPU
};

struct MethodEvaluation {
  std::string method;
  std::vector<RecordEvaluation> records;
};

struct FailedRecord {
  nlohmann::ordered_json id;
  int64_t line = 0;
  std::string method;  // empty when the record itself is bad
  std::string code, message;
};

struct EvalReport {
  std::string model_path;
  std::string model_config_hash;
  std::string input_path;
  RemovalMode removal = RemovalMode::kSuppress;
  nlohmann::ordered_json params;  // explain settings shared by all methods
  bool peak_rss_per_record = true;  // false where the kernel cannot reset the peak between records
  std::vector<MethodEvaluation> methods;
  std::vector<FailedRecord> failed;
};

// Mean of the finite values and the half-width of its 95% confidence interval (Student's t);
// n counts the finite values. ci95 is NaN for n < 2, mean NaN for n = 0.
struct MetricSummary {
  double mean = std::nan("");
  double ci95 = std::nan("");
  int64_t n = 0;
};
MetricSummary summarize(const std::vector<double>& values);

// The metrics of a report, each with how to read it.
struct MetricInfo {
  std::string key;     // summary.json key
  std::string label;   // column heading
  bool higher_is_better;
};
const std::vector<MetricInfo>& eval_metrics();
// Per-record values of one metric (NaN where a record has none).
std::vector<double> metric_values(const MethodEvaluation& m, const std::string& key);

nlohmann::ordered_json eval_summary_json(const EvalReport& report);
std::string eval_summary_markdown(const EvalReport& report);
std::string eval_index_html(const EvalReport& report);

// Writes DIR/summary.json, DIR/summary.md and DIR/index.html (DIR created when missing).
void write_eval_report(const EvalReport& report, const std::filesystem::path& dir);

}  // namespace atman
