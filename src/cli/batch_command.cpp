// atman batch: explains every record of a JSONL data set; resumable, shardable.
#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "atman/batch_output.hpp"
#include "atman/batch_runner.hpp"
#include "commands.hpp"
#include "explain_flags.hpp"
#include "model_options.hpp"
#include "progress.hpp"

namespace atman::cli {
namespace {

struct BatchCommandOptions {
  ModelOptions model;
  ExplainFlags flags;
  std::string input;
  std::string output;
  bool resume = false;
  bool overwrite = false;
  std::string shard = "0/1";
  int64_t kill_after = 0;  // hidden, for the kill-and-resume test: SIGKILL after this many records
};

// Records of this shard in a file (non-blank lines), for the progress bar; 0 for stdin.
int64_t count_records(const std::string& path, const Shard& shard) {
  if (path == "-") return 0;
  std::ifstream in(path);
  std::string text;
  int64_t n = 0;
  for (int64_t line = 1; std::getline(in, text); ++line) n += !is_blank_line(text) && shard.contains(line);
  return n;
}

void run_batch_command(const BatchCommandOptions& o) {
  // Cheap checks first: options, files, then the model.
  BatchOptions options;
  options.settings = o.flags.to_settings();
  resolve_settings(options.settings, std::nullopt);
  options.shard = parse_shard(o.shard);
  if (o.resume && o.overwrite) throw Error("--resume and --overwrite exclude each other");
  if (o.resume && o.output == "-") throw Error("--resume needs an output file, not stdout");
  std::ifstream input_file;
  if (o.input != "-") {
    input_file.open(o.input);
    if (!input_file) throw Error("--input: cannot read '" + o.input + "'");
  }
  std::istream& in = o.input == "-" ? std::cin : input_file;

  std::ofstream output_file;
  int64_t existing_lines = 0;
  if (o.output != "-") {
    if (std::filesystem::exists(o.output) && !o.resume && !o.overwrite) {
      throw Error("--output '" + o.output + "' exists: pass --resume to continue it or --overwrite to replace it");
    }
    if (o.resume) {
      const ExistingOutput existing = repair_and_scan_output(o.output);
      options.done_ids = existing.completed_ids;
      if (existing.repaired_bytes > 0) {
        spdlog::warn("'{}': removed a cut-off last line ({} bytes) left by an interrupted run", o.output,
                     existing.repaired_bytes);
      }
      existing_lines = existing.lines;
      spdlog::info("resuming '{}': {} records already done", o.output, existing.lines);
    }
    output_file.open(o.output, o.resume ? std::ios::app : std::ios::trunc);
    if (!output_file) throw Error("cannot write output file '" + o.output + "'");
  }
  std::ostream& out = o.output == "-" ? std::cout : output_file;

  const Model model = load_model_for(o.model);
  resolve_settings(options.settings, model.transformer.config().num_hidden_layers);
  const int64_t total = std::max<int64_t>(0, count_records(o.input, options.shard) -
                                                 existing_lines);
  Progress progress("records", total);
  const auto start = std::chrono::steady_clock::now();
  const BatchProgress result = run_batch(model, in, out, options, [&](const BatchProgress& p) {
    progress.update(p.done + p.failed, p.failed);
    if (o.kill_after > 0 && p.done + p.failed >= o.kill_after) std::raise(SIGKILL);
  });
  progress.finish();
  if (!out) throw Error("writing the output '" + o.output + "' failed");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int64_t finished = result.done + result.failed;
  spdlog::info("batch: {} done, {} failed, {} skipped in {:.2f}s ({:.1f} records/min)", result.done, result.failed,
               result.skipped, seconds, seconds > 0 ? 60.0 * static_cast<double>(finished) / seconds : 0.0);
  if (result.failed > 0) {
    throw Error(std::to_string(result.failed) + " of " + std::to_string(finished) +
                " records failed; their error lines are in " + (o.output == "-" ? "the output" : "'" + o.output + "'"));
  }
}

}  // namespace

void setup_batch(CLI::App& app) {
  auto o = std::make_shared<BatchCommandOptions>();
  auto* cmd = app.add_subcommand("batch", "Explain every record of a JSONL file (prompt, target, optional id)");
  add_model_options(cmd, o->model);
  cmd->add_option("--input,-i", o->input, "JSONL input, - for stdin")->required();
  cmd->add_option("--output,-o", o->output, "JSONL output, - for stdout")->required();
  cmd->add_flag("--resume", o->resume, "skip records whose id is already in the output; repair a cut-off last line");
  cmd->add_flag("--overwrite", o->overwrite, "replace an existing output file");
  cmd->add_option("--shard", o->shard, "K/N: only records whose 0-based line index is K mod N")->capture_default_str();
  cmd->add_option("--kill-after", o->kill_after)->group("");  // hidden: crash test
  add_explain_flags(cmd, o->flags);
  cmd->callback([o] { run_batch_command(*o); });
}

}  // namespace atman::cli
