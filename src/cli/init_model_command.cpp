#include <spdlog/spdlog.h>

#include <memory>

#include "atman/model_presets.hpp"
#include "commands.hpp"

namespace atman::cli {
namespace {

struct InitModelOptions {
  std::string preset;
  std::string out;
  uint64_t seed = 0;
};

void run_init_model(const InitModelOptions& o) {
  init_model(o.preset, o.out, o.seed);
  spdlog::info("wrote random-weight preset {} to {}", o.preset, o.out);
}

}  // namespace

void setup_init_model(CLI::App& app) {
  auto o = std::make_shared<InitModelOptions>();
  auto* cmd = app.add_subcommand("init-model", "Write a random-weight model directory of a preset shape (for benchmarks)");
  cmd->add_option("--preset", o->preset, "tiny, llama-25m or llama-110m")->required();
  cmd->add_option("--out", o->out, "output directory (created if missing)")->required();
  cmd->add_option("--seed", o->seed, "random seed of the weights")->capture_default_str();
  cmd->callback([o] { run_init_model(*o); });
}

}  // namespace atman::cli
