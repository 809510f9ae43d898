#include "model_options.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>

#include <torch/version.h>

#include "atman/device.hpp"

namespace atman::cli {
namespace {

std::string device_spec = "auto";
std::optional<torch::Device> device;  // resolved device_spec

}  // namespace

void select_device(const std::string& spec) {
  device_spec = spec;
  device.reset();
  if (spec != "auto") device = parse_device(spec);
}

torch::Device selected_device() {
  if (!device) device = parse_device(device_spec);
  return *device;
}

const std::string& selected_device_spec() { return device_spec; }

void add_model_options(CLI::App* command, ModelOptions& options) {
  options.dir = default_model_dir().string();
  command->add_option("--model", options.dir,
                      "Hugging Face model directory (config.json, *.safetensors, tokenizer.json or tokenizer.model); "
                      "default $ATMAN_MODEL, else the embedded stories260K")
      ->capture_default_str();
  command->add_option("--dtype", options.dtype,
                      "compute dtype: auto (bfloat16 on CUDA, float32 on the CPU), float32, bfloat16, or float16 "
                      "(CUDA only); weights stored as F32/F16/BF16 are converted")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "float32", "bfloat16", "float16"}));
  command->add_option("--tokenizer", options.tokenizer,
                      "tokenizer file to use instead of the model's (tokenizer.json, else tokenizer.model)");
  command->add_option("--attention", options.attention,
                      "attention kernel outside autograd: explicit (scores as tensors), or fused (one "
                      "scaled_dot_product_attention call per block, the edit in an extra head dimension; libtorch 2.0 "
                      "or later, experimental)")
      ->capture_default_str()
      ->check(CLI::IsMember({"explicit", "fused"}));
}

Model load_model_for(const ModelOptions& options) {
  LoadOptions load;
  load.device = selected_device();
  load.dtype = resolve_dtype(options.dtype, load.device);
  load.attention = parse_attention_kernel(options.attention);
  if (load.attention == AttentionKernel::kFused && !fused_attention_native()) {
    spdlog::warn("--attention fused: this atman calls no scaled_dot_product_attention (libtorch {}; the kernel "
                 "needs 2.0 or later and a build that compiled its call); its arithmetic runs as explicit tensors "
                 "instead, with the same results and no speed-up",
                 TORCH_VERSION);
  }
  const auto start = std::chrono::steady_clock::now();
  Model model = load_model(options.dir, load, options.tokenizer);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  const auto& c = model.transformer.config();
  spdlog::info("loaded {} ({} layers, d_model {}, {} heads / {} kv heads, vocab {}) onto {} as {} in {:.2f}s",
               options.dir, c.num_hidden_layers, c.hidden_size, c.num_attention_heads,
               c.num_key_value_heads, c.vocab_size, load.device.str(), dtype_name(load.dtype), elapsed.count());
  return model;
}

}  // namespace atman::cli
