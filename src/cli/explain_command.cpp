#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "atman/atman_explainer.hpp"
#include "atman/error.hpp"
#include "atman/report.hpp"
#include "commands.hpp"
#include "model_options.hpp"
#include "output_file.hpp"

namespace atman::cli {
namespace {

struct ExplainCommandOptions {
  ModelOptions model;
  std::string prompt, prompt_file, target, target_file;
  double factor = 0.1;
  std::string conceptual_threshold = "0.7";
  bool no_modify_factor = false;
  std::string layers = "all";
  std::string granularity = "token";
  std::string delimiter;
  bool explain_target = false;
  std::string postprocess = "none";
  bool normalize = false;
  int64_t batch_size = 0;
  std::string max_memory = "auto";
  bool naive = false;
  std::string format = "text";
  std::string output = "-";
};

// Whole file; one trailing newline (editors add it) is dropped.
std::string read_text_file(const std::string& path, const char* option) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(std::string(option) + ": cannot read '" + path + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

std::optional<double> parse_threshold(const std::string& text) {
  if (text == "off" || text == "none") return std::nullopt;
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw Error("--conceptual-threshold must be a number in [0, 1] or 'off', got '" + text + "'");
}

void run_explain(const ExplainCommandOptions& o) {
  // Everything cheap is checked before the model loads.
  ExplainOptions explain;
  explain.units.granularity = o.delimiter.empty() ? parse_granularity(o.granularity) : Granularity::kDelimiter;
  explain.units.delimiter = o.delimiter;
  explain.units.explain_target = o.explain_target;
  explain.postprocess = parse_postprocess(o.postprocess);
  explain.normalize = o.normalize;
  AtmanOptions atman;
  atman.suppression.factor = o.factor;
  atman.suppression.conceptual_threshold = parse_threshold(o.conceptual_threshold);
  atman.suppression.modify_factor = !o.no_modify_factor;
  atman.suppression.validate();
  atman.batch_size = o.batch_size;
  atman.max_memory_bytes = o.max_memory == "auto" ? 0 : parse_byte_size(o.max_memory, "--max-memory");
  atman.naive = o.naive;
  const ReportFormat format = parse_report_format(o.format);
  const std::string prompt = o.prompt_file.empty() ? o.prompt : read_text_file(o.prompt_file, "--prompt-file");
  const std::string target = o.target_file.empty() ? o.target : read_text_file(o.target_file, "--target-file");
  if (prompt.empty()) throw Error("the prompt is empty (give --prompt TEXT or --prompt-file FILE)");
  if (target.empty()) throw Error("the target is empty (give --target TEXT or --target-file FILE)");
  OutputFile output(o.output);  // fails now if the path cannot be written

  Model model = load_model_for(o.model);
  if (o.layers != "all") atman.layers = parse_layer_list(o.layers, model.transformer.config().num_hidden_layers);
  const ExplainInput input = make_explain_input(model, prompt, target);
  const auto start = std::chrono::steady_clock::now();
  AtmanStats stats;
  const Explanation e = explain_atman(model, input, explain, atman, &stats);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  spdlog::info("explained {} target tokens by {} units in {:.3f}s ({} forward passes)",
               input.target_length(), e.units.size(), elapsed.count(), stats.forward_passes);

  const bool colors = format == ReportFormat::kText && output.is_terminal() && std::getenv("NO_COLOR") == nullptr;
  write_report(e, format, output.stream(), colors);
  output.commit();
}

}  // namespace

void setup_explain(CLI::App& app) {
  auto o = std::make_shared<ExplainCommandOptions>();
  auto* cmd = app.add_subcommand("explain", "Explain which parts of the prompt the target relies on (AtMan)");
  add_model_options(cmd, o->model);
  auto* prompt = cmd->add_option("--prompt", o->prompt, "the prompt text");
  auto* prompt_file = cmd->add_option("--prompt-file", o->prompt_file, "read the prompt from a file");
  auto* target = cmd->add_option("--target", o->target, "the continuation to explain");
  auto* target_file = cmd->add_option("--target-file", o->target_file, "read the target from a file");
  prompt->excludes(prompt_file);
  target->excludes(target_file);
  cmd->add_option("--factor", o->factor, "attention to a suppressed unit is multiplied by this, in [0, 1]")
      ->capture_default_str();
  cmd->add_option("--conceptual-threshold", o->conceptual_threshold,
                  "co-suppress positions whose embedding cosine is >= this, in [0, 1]; 'off' disables")
      ->capture_default_str();
  cmd->add_flag("--no-modify-factor", o->no_modify_factor,
                "co-suppressed neighbours get --factor instead of the cosine-scaled factor");
  cmd->add_option("--layers", o->layers, "layers whose attention is edited, e.g. 0,2,4-7, or 'all'")
      ->capture_default_str();
  cmd->add_option("--granularity", o->granularity, "units: token, word, sentence or paragraph")
      ->capture_default_str();
  cmd->add_option("--delimiter", o->delimiter, "custom units: split the text after each occurrence of STR");
  cmd->add_flag("--explain-target", o->explain_target, "also explain target tokens by earlier target tokens");
  cmd->add_option("--postprocess", o->postprocess,
                  "applied to each relevance value before summing over target tokens: none, absolute, square")
      ->capture_default_str();
  cmd->add_flag("--normalize", o->normalize, "scale totals so that the largest |total| is 1");
  cmd->add_option("--batch-size", o->batch_size, "suppression rows per forward pass; 0 chooses from --max-memory")
      ->capture_default_str();
  cmd->add_option("--max-memory", o->max_memory, "activation budget of one batched pass (e.g. 512M, 2G); auto = one plain forward pass, at least 64M")
      ->capture_default_str();
  cmd->add_flag("--naive", o->naive, "reference mode: recompute every position and all logits for every row");
  cmd->add_option("--format", o->format, "text, json or html")->capture_default_str();
  cmd->add_option("--output,-o", o->output, "output file; - for stdout")->capture_default_str();
  cmd->callback([o] { run_explain(*o); });
}

}  // namespace atman::cli
