#include <spdlog/spdlog.h>

#include <memory>

#include "atman/llama2c_import.hpp"
#include "commands.hpp"

namespace atman::cli {
namespace {

void run_convert_llama2c(const Llama2cImport& request) {
  convert_llama2c(request);
  spdlog::info("wrote {} (config.json, model.safetensors, tokenizer.model)", request.out_dir.string());
}

}  // namespace

void setup_convert_llama2c(CLI::App& app) {
  auto request = std::make_shared<Llama2cImport>();
  auto* cmd = app.add_subcommand("convert-llama2c",
                                 "Convert a llama2.c checkpoint into a Hugging Face directory");
  cmd->add_option("--checkpoint", request->checkpoint, "llama2.c model file (legacy version 0)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--tokenizer", request->tokenizer, "SentencePiece tokenizer.model")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", request->out_dir, "output directory (created if missing)")->required();
  cmd->callback([request] { run_convert_llama2c(*request); });
}

}  // namespace atman::cli
