// atman check: fails a CI job when explanations drift from a committed baseline.
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "atman/batch_runner.hpp"
#include "atman/regression_check.hpp"
#include "commands.hpp"
#include "explain_flags.hpp"
#include "model_options.hpp"
#include "atman/input_file.hpp"
#include "atman/output_file.hpp"

namespace atman::cli {
namespace {

struct CheckOptions {
  ModelOptions model;
  ExplainFlags flags;
  std::string baseline, current, input, junit;
  CheckThresholds thresholds;
  std::string max_abs_diff = "off";
};

constexpr int kUnusableInput = 2;

std::vector<std::string> split_lines(std::istream& in) {
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<nlohmann::json> read_records(const std::string& path, const char* option) {
  try {
    std::ifstream in = open_input_file(path, option);
    return parse_explanation_lines(split_lines(in), path);
  } catch (const Error& e) {
    throw ExitError(e.what(), kUnusableInput);
  }
}

// Explains --input now, as `atman batch` would, and returns its records.
std::vector<nlohmann::json> explain_input(const CheckOptions& o) {
  std::ifstream in;
  try {
    in = open_input_file(o.input, "--input");
  } catch (const Error& e) {
    throw ExitError(e.what(), kUnusableInput);
  }
  BatchOptions options;
  check_options([&] {
    options.settings = o.flags.to_settings();
    resolve_settings(options.settings, std::nullopt);
  });
  const Model model = load_model_for(o.model);
  std::stringstream out;
  const BatchProgress p = run_batch(model, in, out, options);
  spdlog::info("explained '{}': {} done, {} failed", o.input, p.done, p.failed);
  return parse_explanation_lines(split_lines(out), o.input);
}

void run_check(CheckOptions o) {
  check_options([&] {
    if (o.max_abs_diff != "off") {
      try {
        o.thresholds.max_abs_diff = std::stod(o.max_abs_diff);
      } catch (const std::exception&) {
        throw Error("--max-abs-diff must be a number or 'off', got '" + o.max_abs_diff + "'");
      }
    }
    o.thresholds.validate();
  });
  if (o.current.empty() == o.input.empty()) throw ExitError("give exactly one of --current and --input", kUnusableInput);
  std::unique_ptr<OutputFile> junit;
  if (!o.junit.empty()) junit = std::make_unique<OutputFile>(o.junit);
  const auto baseline = read_records(o.baseline, "--baseline");
  // An empty baseline against an empty run would pass without comparing anything.
  if (baseline.empty()) {
    throw ExitError("--baseline '" + o.baseline + "' holds no explanations: nothing to compare", kUnusableInput);
  }
  const auto current = o.input.empty() ? read_records(o.current, "--current") : explain_input(o);

  const CheckReport report = check_explanations(baseline, current, o.thresholds);
  write_check_table(report, std::cout);
  if (junit) {
    write_junit(report, o.thresholds, junit->stream());
    junit->commit();
  }
  if (report.unusable > 0) {
    throw ExitError(std::to_string(report.unusable) + " of " + std::to_string(report.records.size()) +
                        " ids cannot be compared (see the table)",
                    kUnusableInput);
  }
  if (report.regressed > 0) {
    throw ExitError(std::to_string(report.regressed) + " of " + std::to_string(report.records.size()) +
                        " ids regressed (see the table)",
                    1);
  }
}

}  // namespace

void setup_check(CLI::App& app) {
  auto o = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand("check", "Compare explanations with a baseline; exit 1 when any drifted");
  cmd->add_option("--baseline", o->baseline, "baseline JSONL (atman batch output)")->required();
  cmd->add_option("--current", o->current, "current JSONL to compare");
  cmd->add_option("--input", o->input, "or: a batch input JSONL, explained now with the flags below");
  cmd->add_option("--top-k", o->thresholds.top_k, "units compared by the top-k overlap")->capture_default_str();
  cmd->add_option("--min-spearman", o->thresholds.min_spearman, "least Spearman correlation of the totals")
      ->capture_default_str();
  cmd->add_option("--min-topk-overlap", o->thresholds.min_topk_overlap, "least share of top-k units kept")
      ->capture_default_str();
  cmd->add_option("--max-abs-diff", o->max_abs_diff, "largest |total difference| allowed, or off")
      ->capture_default_str();
  cmd->add_option("--junit", o->junit, "also write JUnit XML to this file");
  add_model_options(cmd, o->model);
  add_explain_flags(cmd, o->flags);
  cmd->callback([o] { run_check(*o); });
}

}  // namespace atman::cli
