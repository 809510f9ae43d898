#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include "atman/error.hpp"
#include "atman/explain_request.hpp"
#include "atman/explain_settings.hpp"
#include "atman/report.hpp"
#include "commands.hpp"
#include "chat_flags.hpp"
#include "explain_flags.hpp"
#include "model_options.hpp"
#include "atman/input_file.hpp"
#include "atman/output_file.hpp"

namespace atman::cli {
namespace {

struct ExplainCommandOptions {
  ModelOptions model;
  ExplainFlags flags;
  ChatFlags chat;
  std::string prompt, prompt_file, target, target_file;
  std::vector<std::string> document_files;  // --document, repeatable: the context before the prompt
  int64_t generate = 0;  // explain the model's own greedy continuation of up to this many tokens
  bool generate_given = false;
  std::optional<std::string> contrast;  // a foil: why the target rather than this
  std::string format = "text";
  std::string target_granularity = "complete";  // complete | token: which totals text and html show
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
    if (o.target_granularity != "complete" && o.target_granularity != "token") {
      throw UsageError("--target-granularity must be complete or token, got '" + o.target_granularity + "'");
    }
    return parse_report_format(o.format);
  });
  ExplainRequest request;
  request.chat = o.chat.chat;
  request.system = o.chat.system;
  request.chat_options = check_options([&] { return o.chat.to_options(); });
  request.apply_settings(settings);
  request.contrast = o.contrast;
  check_options([&] {
    if (o.generate_given && o.generate < 1) {
      throw UsageError("--generate must be at least 1 token, got " + std::to_string(o.generate));
    }
    if (o.generate_given && (!o.target.empty() || !o.target_file.empty())) {
      throw UsageError("--generate explains the model's own continuation: give it without --target");
    }
  });
  request.generate = o.generate_given ? o.generate : 0;
  request.prompt = o.prompt_file.empty() ? o.prompt : read_text_file(o.prompt_file, "--prompt-file");
  request.target = o.target_file.empty() ? o.target : read_text_file(o.target_file, "--target-file");
  if (o.chat.chat && !o.chat.messages_file.empty()) request.messages = read_messages_file(o.chat.messages_file);
  for (const auto& path : o.document_files) request.documents.push_back(read_text_file(path, "--document"));
  if (request.prompt.empty() && request.messages.is_null() && request.documents.empty()) {
    throw Error("the prompt is empty (give --prompt TEXT or --prompt-file FILE" +
                std::string(o.chat.chat ? ", or --messages FILE)" : ")"));
  }
  if (request.target.empty() && request.generate == 0) {
    throw Error("the target is empty (give --target TEXT or --target-file FILE, or --generate N)");
  }
  OutputFile output(o.output);  // fails now if the path cannot be written

  Model model = load_model_for(o.model);
  const ResolvedSettings resolved =
      check_options([&] { return resolve_settings(settings, model.transformer.config().num_hidden_layers); });
  const PreparedInput prepared = prepare_input(model, request);
  const auto start = std::chrono::steady_clock::now();
  const Explanation e = explain_prepared(model, prepared, resolved.explain, resolved.method);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  spdlog::info("{}: explained {} target tokens{} by {} units in {:.3f}s", e.method, e.input.target_length(),
               e.input.target_generated ? " (generated)" : "", e.units.size(), elapsed.count());

  const bool colors = format == ReportFormat::kText && output.is_terminal() && std::getenv("NO_COLOR") == nullptr;
  write_report(e, format, output.stream(), colors, o.target_granularity == "token");
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
  cmd->add_option("--document", o->document_files,
                  "a document placed before the prompt (repeatable, in order); --granularity document makes each one "
                  "unit");
  prompt->excludes(prompt_file);
  target->excludes(target_file);
  add_explain_flags(cmd, o->flags);
  add_chat_flags(cmd, o->chat);
  cmd->add_option_function<int64_t>(
      "--generate", [o](int64_t n) { o->generate = n, o->generate_given = true; },
      "explain the model's own greedy continuation of up to N tokens (stops at EOS or the end of turn) "
                  "instead of --target");
  cmd->add_option_function<std::string>(
      "--contrast", [o](const std::string& foil) { o->contrast = foil; },
      "a foil: relevance becomes the effect on log p(target) - log p(foil)");
  cmd->add_option("--format", o->format, "text, json or html")->capture_default_str();
  cmd->add_option("--target-granularity", o->target_granularity,
                  "what text and html show: complete (totals over the whole target) or token (each target token's "
                  "relevance too)")
      ->capture_default_str();
  cmd->add_option("--output,-o", o->output, "output file; - for stdout")->capture_default_str();
  cmd->callback([o] { run_explain(*o); });
}

}  // namespace atman::cli
