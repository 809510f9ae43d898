#pragma once
// The --model/--dtype pair shared by every subcommand that loads a model.
#include <string>

#include <CLI/CLI.hpp>

#include "atman/model.hpp"

namespace atman::cli {

struct ModelOptions {
  std::string dir;               // default: $ATMAN_MODEL or the embedded stories260K
  std::string dtype = "float32"; // compute dtype
  std::string tokenizer;         // overrides the directory's tokenizer file
};

void add_model_options(CLI::App* command, ModelOptions& options);

// Logs what is loaded and how long it took.
Model load_model_for(const ModelOptions& options);

}  // namespace atman::cli
