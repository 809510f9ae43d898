#pragma once
// The --model/--dtype/--tokenizer/--attention options shared by every subcommand that loads a
// model, and the global --device they load it onto.
#include <string>

#include <CLI/CLI.hpp>

#include "atman/model.hpp"

namespace atman::cli {

struct ModelOptions {
  std::string dir;               // default: $ATMAN_MODEL or the embedded stories260K
  std::string dtype = "auto";    // compute dtype; auto = bfloat16 on CUDA, float32 on the CPU
  std::string tokenizer;         // overrides the directory's tokenizer file
  std::string attention = "explicit";  // attention kernel outside autograd: explicit | fused
};

void add_model_options(CLI::App* command, ModelOptions& options);

// The global --device: "auto" is resolved on first use (it asks the driver), anything else at
// once, so `--device cuda` on a libtorch without CUDA fails before any work.
void select_device(const std::string& spec);
torch::Device selected_device();
const std::string& selected_device_spec();

// Loads onto selected_device(); logs what is loaded, where and how long it took.
Model load_model_for(const ModelOptions& options);

}  // namespace atman::cli
