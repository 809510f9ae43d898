#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>

#include "atman/checkpoint.hpp"
#include "atman/model_presets.hpp"
#include "commands.hpp"

namespace atman::cli {
namespace {

struct InitModelOptions {
  std::string preset;
  std::string out;
  uint64_t seed = 0;
  std::string dtype = "float32";
  int64_t max_positions = 0;
  bool overwrite = false;
};

void run_init_model(const InitModelOptions& o) {
  check_options([&] { preset_config(o.preset); });
  std::error_code ec;
  if (std::filesystem::exists(o.out, ec) && !std::filesystem::is_directory(o.out, ec)) {
    throw Error("--out '" + o.out + "' exists and is not a directory");
  }
  // Writing into a model directory would replace its weights and config without a trace.
  if (std::filesystem::is_directory(o.out, ec) && !std::filesystem::is_empty(o.out, ec) && !o.overwrite) {
    throw Error("--out '" + o.out + "' is not empty: pass --overwrite to replace the model in it");
  }
  init_model(o.preset, o.out, o.seed, parse_dtype(o.dtype), o.max_positions);
  spdlog::info("wrote random-weight preset {} to {}", o.preset, o.out);
}

}  // namespace

void setup_init_model(CLI::App& app) {
  auto o = std::make_shared<InitModelOptions>();
  auto* cmd = app.add_subcommand("init-model", "Write a random-weight model directory of a preset shape (for benchmarks)");
  cmd->add_option("--preset", o->preset, "tiny, llama-25m, llama-110m or llama3-1b (Llama 3.2 1B shape)")->required();
  cmd->add_option("--out", o->out, "output directory (created if missing)")->required();
  cmd->add_option("--seed", o->seed, "random seed of the weights")->capture_default_str();
  cmd->add_option("--dtype", o->dtype, "dtype the weights are stored as (bfloat16 halves a GPU benchmark's loading)")
      ->capture_default_str()
      ->check(CLI::IsMember({"float32", "bfloat16", "float16"}));
  cmd->add_option("--max-positions", o->max_positions, "context length (max_position_embeddings); 0 = the preset's")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--overwrite", o->overwrite, "write into a non-empty directory, replacing its model files");
  cmd->callback([o] { run_init_model(*o); });
}

}  // namespace atman::cli
