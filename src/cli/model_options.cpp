#include "model_options.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace atman::cli {

void add_model_options(CLI::App* command, ModelOptions& options) {
  options.dir = default_model_dir().string();
  command->add_option("--model", options.dir,
                      "Hugging Face model directory (config.json, *.safetensors, tokenizer.json or tokenizer.model); "
                      "default $ATMAN_MODEL, else the embedded stories260K")
      ->capture_default_str();
  command->add_option("--dtype", options.dtype, "compute dtype: float32 or bfloat16 (weights stored as F32/F16/BF16 are converted)")
      ->capture_default_str()
      ->check(CLI::IsMember({"float32", "bfloat16"}));
  command->add_option("--tokenizer", options.tokenizer,
                      "tokenizer file to use instead of the model's (tokenizer.json, else tokenizer.model)");
}

Model load_model_for(const ModelOptions& options) {
  LoadOptions load;
  load.dtype = parse_dtype(options.dtype);
  const auto start = std::chrono::steady_clock::now();
  Model model = load_model(options.dir, load, options.tokenizer);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  const auto& c = model.transformer.config();
  spdlog::info("loaded {} ({} layers, d_model {}, {} heads / {} kv heads, vocab {}) in {:.2f}s",
               options.dir, c.num_hidden_layers, c.hidden_size, c.num_attention_heads,
               c.num_key_value_heads, c.vocab_size, elapsed.count());
  return model;
}

}  // namespace atman::cli
