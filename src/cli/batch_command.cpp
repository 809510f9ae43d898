// atman batch: explains every record of a JSONL data set; resumable, shardable.
#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "atman/batch_input.hpp"
#include "atman/batch_output.hpp"
#include "atman/batch_runner.hpp"
#include "atman/file_lock.hpp"
#include "atman/input_file.hpp"
#include "atman/runtime.hpp"
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
  bool failed_records_ok = false;
  std::string shard = "0/1";
  int64_t kill_after = 0;  // hidden, for the kill-and-resume test: SIGKILL after this many records
};

// The input as a stream that can be read twice: the file itself, or stdin buffered in memory
// (its fingerprint and record count must be known before the first record is written).
std::unique_ptr<std::istream> open_batch_input(const std::string& path) {
  if (path != "-") return std::make_unique<std::ifstream>(open_input_file(path, "--input"));
  auto buffered = std::make_unique<std::stringstream>();
  *buffered << std::cin.rdbuf();
  return buffered;
}

// Whether an existing output's "batch" field is this run's, but for the thread count.
bool same_input_and_shard(const nlohmann::ordered_json& existing, const nlohmann::ordered_json& run) {
  if (!existing.is_object()) return false;
  for (const char* key : {"input", "records", "shard"}) {
    if (existing.value(key, nlohmann::ordered_json()) != run.value(key, nlohmann::ordered_json())) return false;
  }
  return true;
}

void run_batch_command(const BatchCommandOptions& o) {
  // Cheap checks first (options, files, another run's lock), then the model; the output is not
  // touched before the model has loaded and the run is sure to start.
  BatchOptions options;
  check_options([&] {
    options.settings = o.flags.to_settings();
    resolve_settings(options.settings, std::nullopt);
    options.shard = parse_shard(o.shard);
    if (o.resume && o.overwrite) throw Error("--resume and --overwrite exclude each other");
    if (o.resume && o.output == "-") throw Error("--resume needs an output file, not stdout");
  });
  const auto input = open_batch_input(o.input);
  const BatchInputSummary summary = summarize_batch_input(*input, options.shard);
  // Not an error (an upstream step may legitimately produce nothing), but worth a line in the log.
  if (summary.records == 0) spdlog::warn("--input '{}' holds no records: the output will be empty", o.input);
  input->clear();
  input->seekg(0);
  options.run_info = batch_run_json(summary, options.shard);
  // Another thread count changes totals in their last digits: recorded, so merge can warn.
  options.run_info["threads"] = runtime_info().torch_threads;

  std::unique_ptr<FileLock> lock;
  const bool to_file = o.output != "-";
  const bool existed = to_file && std::filesystem::exists(o.output);
  if (existed) {
    if (!o.resume && !o.overwrite) {
      throw Error("--output '" + o.output + "' exists: pass --resume to continue it or --overwrite to replace it");
    }
    lock = std::make_unique<FileLock>(o.output, /*create=*/false);
  }

  const Model model = load_model_for(o.model);
  check_options([&] { resolve_settings(options.settings, model.transformer.config().num_hidden_layers); });

  ExistingOutput existing;
  std::ofstream output_file;
  if (to_file) {
    if (!lock) lock = std::make_unique<FileLock>(o.output, /*create=*/true);
    if (o.overwrite) lock->truncate();
    if (o.resume) {
      existing = repair_and_scan_output(o.output);
      if (!existing.run_info.is_null() && !same_input_and_shard(existing.run_info, options.run_info)) {
        throw Error("--resume: '" + o.output + "' was written for another input or shard (" +
                    existing.run_info.dump() + "; this run is " + options.run_info.dump() + ")");
      }
      if (!existing.run_info.is_null() && existing.run_info.value("threads", nlohmann::ordered_json()) !=
                                              options.run_info["threads"]) {
        spdlog::warn("'{}' was begun with threads {} and this run has threads {}: totals may differ between its "
                     "lines in the last digits (atman merge will warn; atman check passes)",
                     o.output, existing.run_info.value("threads", nlohmann::ordered_json("unrecorded")).dump(),
                     options.run_info["threads"].dump());
      }
      options.done_ids = existing.completed_ids;
      if (existing.repaired_bytes > 0) {
        spdlog::warn("'{}': removed a cut-off last line ({} bytes) left by an interrupted run", o.output,
                     existing.repaired_bytes);
      }
      spdlog::info("resuming '{}': {} records already done", o.output, existing.lines);
    }
    output_file.open(o.output, std::ios::app);
    if (!output_file) throw Error("cannot write output file '" + o.output + "'");
  }
  std::ostream& out = to_file ? static_cast<std::ostream&>(output_file) : std::cout;

  const int64_t total = std::max<int64_t>(0, summary.shard_records - existing.lines);
  Progress progress("records", total);
  const auto start = std::chrono::steady_clock::now();
  const BatchProgress result = run_batch(model, *input, out, options, [&](const BatchProgress& p) {
    progress.update(p.done + p.failed, p.failed);
    if (o.kill_after > 0 && p.done + p.failed >= o.kill_after) std::raise(SIGKILL);
  });
  progress.finish();
  if (!out.flush()) throw Error("writing the output '" + o.output + "' failed");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int64_t finished = result.done + result.failed;
  spdlog::info("batch: {} done, {} failed, {} skipped in {:.2f}s ({:.1f} records/min)", result.done, result.failed,
               result.skipped, seconds, seconds > 0 ? 60.0 * static_cast<double>(finished) / seconds : 0.0);
  // The exit code speaks for the whole output, error lines left by earlier (resumed) runs included.
  const int64_t failed = existing.failed + result.failed;
  if (failed > 0) {
    const std::string failures = std::to_string(failed) + " of " + std::to_string(existing.lines + finished) +
                                 " records failed; their error lines are in " +
                                 (to_file ? "'" + o.output + "'" : "the output");
    if (!o.failed_records_ok) throw Error(failures);
    spdlog::warn("{}", failures);
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
  cmd->add_flag("--failed-records-ok", o->failed_records_ok,
                "exit 0 although records failed (their error lines are written all the same), e.g. for a "
                "scheduler's --dependency=afterok");
  cmd->add_option("--shard", o->shard, "K/N: only records whose 0-based line index is K mod N")->capture_default_str();
  cmd->add_option("--kill-after", o->kill_after)->group("");  // hidden: crash test
  add_explain_flags(cmd, o->flags);
  cmd->callback([o] { run_batch_command(*o); });
}

}  // namespace atman::cli
