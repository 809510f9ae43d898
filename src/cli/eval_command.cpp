// atman eval: faithfulness, ground-truth and cost metrics of every method on a data set.
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>

#include "atman/batch_input.hpp"
#include "atman/input_file.hpp"
#include "atman/evaluator.hpp"
#include "commands.hpp"
#include "explain_flags.hpp"
#include "model_options.hpp"
#include "progress.hpp"

namespace atman::cli {
namespace {

struct EvalCommandOptions {
  ModelOptions model;
  ExplainFlags flags;
  std::string input;
  std::string report;
  std::vector<std::string> methods{"atman", "ig", "ixg", "attattr"};
  std::string removal = "suppress";
};

void run_eval(const EvalCommandOptions& o) {
  EvalOptions options;
  check_options([&] {
    options.settings = o.flags.to_settings();
    options.methods = o.methods;
    options.removal = parse_removal_mode(o.removal);
    for (const auto& m : options.methods) {
      ExplainSettings s = options.settings;
      s.method = m;
      resolve_settings(s, std::nullopt);  // unknown methods and bad flags fail before the model loads
    }
  });
  std::ifstream in = open_input_file(o.input, "--input");
  const int64_t total = summarize_batch_input(in, Shard{}).records;
  // A report over no records would read as a result (every cell "–"): refused instead.
  if (total == 0) throw Error("--input '" + o.input + "' holds no records (empty or blank lines only): nothing to evaluate");
  in.clear();
  in.seekg(0);

  const Model model = load_model_for(o.model);
  Progress progress("records", total);
  const auto start = std::chrono::steady_clock::now();
  EvalReport report = evaluate(model, in, options, [&](int64_t done, int64_t failed) { progress.update(done, failed); });
  progress.finish();
  report.input_path = o.input;
  const ResolvedSettings shared = resolve_settings(options.settings, model.transformer.config().num_hidden_layers);
  report.params = {{"factor", options.settings.factor},
                   {"conceptual_threshold", options.settings.conceptual_threshold},
                   {"granularity", options.settings.granularity},
                   {"steps", options.settings.steps},
                   {"postprocess", postprocess_name(shared.explain.postprocess)},
                   {"curve_steps", options.curve_steps}};
  write_eval_report(report, o.report);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << eval_summary_markdown(report);
  spdlog::info("eval: {} records, {} methods in {:.1f}s; report in {}/ (summary.json, summary.md, index.html)", total,
               options.methods.size(), seconds, o.report);
  if (!report.failed.empty()) {
    throw Error(std::to_string(report.failed.size()) + " failure(s): bad records, or methods that failed on one (listed in " +
                o.report + "/summary.md)");
  }
}

}  // namespace

void setup_eval(CLI::App& app) {
  auto o = std::make_shared<EvalCommandOptions>();
  auto* cmd = app.add_subcommand("eval", "Faithfulness, ground-truth and cost metrics of explanation methods");
  add_model_options(cmd, o->model);
  cmd->add_option("--input,-i", o->input, "JSONL records: prompt, target, optional id and gold spans")->required();
  cmd->add_option("--report", o->report, "directory for summary.json, summary.md and index.html")->required();
  cmd->add_option("--methods", o->methods, "methods to compare: atman, ig, ixg, attattr")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--removal", o->removal,
                  "how curves remove a unit: suppress (attention factor 0) or delete (tokens dropped)")
      ->capture_default_str();
  add_explain_flags(cmd, o->flags, /*with_method=*/false);
  cmd->callback([o] { run_eval(*o); });
}

}  // namespace atman::cli
