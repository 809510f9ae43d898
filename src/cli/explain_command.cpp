#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include "atman/error.hpp"
#include "atman/explain_settings.hpp"
#include "atman/report.hpp"
#include "commands.hpp"
#include "explain_flags.hpp"
#include "model_options.hpp"
#include "atman/input_file.hpp"
#include "atman/output_file.hpp"

namespace atman::cli {
namespace {

struct ExplainCommandOptions {
  ModelOptions model;
  ExplainFlags flags;
  std::string prompt, prompt_file, target, target_file;
  std::string format = "text";
  std::string output = "-";
};

// Whole file; one trailing newline (editors add it) is dropped.
std::string read_text_file(const std::string& path, const char* option) {
  std::string text = read_file_capped(path, option, kMaxTextFileBytes);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

void run_explain(const ExplainCommandOptions& o) {
  // Everything cheap is checked before the model loads.
  const ExplainSettings settings = check_options([&] { return o.flags.to_settings(); });
  const ReportFormat format = check_options([&] {
    resolve_settings(settings, std::nullopt);
    return parse_report_format(o.format);
  });
  const std::string prompt = o.prompt_file.empty() ? o.prompt : read_text_file(o.prompt_file, "--prompt-file");
  const std::string target = o.target_file.empty() ? o.target : read_text_file(o.target_file, "--target-file");
  if (prompt.empty()) throw Error("the prompt is empty (give --prompt TEXT or --prompt-file FILE)");
  if (target.empty()) throw Error("the target is empty (give --target TEXT or --target-file FILE)");
  OutputFile output(o.output);  // fails now if the path cannot be written

  Model model = load_model_for(o.model);
  const ResolvedSettings resolved =
      check_options([&] { return resolve_settings(settings, model.transformer.config().num_hidden_layers); });
  const ExplainInput input = make_explain_input(model, prompt, target, settings.split_special);
  const auto start = std::chrono::steady_clock::now();
  const Explanation e = atman::explain(model, input, resolved.explain, resolved.method);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  spdlog::info("{}: explained {} target tokens by {} units in {:.3f}s", e.method, input.target_length(),
               e.units.size(), elapsed.count());

  const bool colors = format == ReportFormat::kText && output.is_terminal() && std::getenv("NO_COLOR") == nullptr;
  write_report(e, format, output.stream(), colors);
  output.commit();
}

}  // namespace

void setup_explain(CLI::App& app) {
  auto o = std::make_shared<ExplainCommandOptions>();
  auto* cmd = app.add_subcommand("explain", "Explain which parts of the prompt the target relies on");
  add_model_options(cmd, o->model);
  auto* prompt = cmd->add_option("--prompt", o->prompt, "the prompt text");
  auto* prompt_file = cmd->add_option("--prompt-file", o->prompt_file, "read the prompt from a file");
  auto* target = cmd->add_option("--target", o->target, "the continuation to explain");
  auto* target_file = cmd->add_option("--target-file", o->target_file, "read the target from a file");
  prompt->excludes(prompt_file);
  target->excludes(target_file);
  add_explain_flags(cmd, o->flags);
  cmd->add_option("--format", o->format, "text, json or html")->capture_default_str();
  cmd->add_option("--output,-o", o->output, "output file; - for stdout")->capture_default_str();
  cmd->callback([o] { run_explain(*o); });
}

}  // namespace atman::cli
