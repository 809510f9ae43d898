#include <iostream>
#include <memory>

#include "atman/generate.hpp"
#include "commands.hpp"
#include "model_options.hpp"

namespace atman::cli {
namespace {

struct GenerateCommandOptions {
  ModelOptions model;
  std::string prompt;
  GenerateOptions generate;
  bool ignore_eos = false;
};

void run_generate(const GenerateCommandOptions& options) {
  Model model = load_model_for(options.model);
  GenerateOptions generate = options.generate;
  generate.stop_at_eos = !options.ignore_eos;
  const Generation result = generate_greedy(model, options.prompt, generate);
  std::cout << result.text << std::endl;
}

}  // namespace

void setup_generate(CLI::App& app) {
  auto options = std::make_shared<GenerateCommandOptions>();
  auto* cmd = app.add_subcommand("generate", "Greedy decoding: a check that the model loads and computes");
  add_model_options(cmd, options->model);
  cmd->add_option("--prompt", options->prompt, "text to continue")->required();
  cmd->add_option("--max-new-tokens", options->generate.max_new_tokens, "tokens to generate")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--ignore-eos", options->ignore_eos, "keep generating after an end-of-sequence token");
  cmd->callback([options] { run_generate(*options); });
}

}  // namespace atman::cli
