#pragma once
// Hugging Face checkpoint directories: config.json + model.safetensors (or shards) +
// tokenizer.model. Reading maps the weights; writing is used by convert-llama2c, init-model
// and the tests' tiny models, so both directions share one table of tensor names.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "atman/model_config.hpp"
#include "atman/transformer.hpp"

namespace atman {

struct LoadOptions {
  // Dtype the forward pass computes in. Float32 by default whatever the file stores; float32
  // weights stored float32 are then views of the mapped file.
  torch::ScalarType dtype = torch::kFloat32;
  // Where the weights go, tensor by tensor as they are read (the whole model never sits in host
  // memory twice); a CUDA device needs a libtorch with CUDA (device.hpp).
  torch::Device device = torch::kCPU;
  // How layers compute attention outside autograd (attention_kernel.hpp).
  AttentionKernel attention = AttentionKernel::kExplicit;
};

// "float32" | "float16" | "bfloat16" (also "f32", "fp16", "bf16") -> dtype; throws otherwise.
torch::ScalarType parse_dtype(const std::string& name);
// Throws when `device` cannot compute in `dtype`: libtorch's CPU kernels have no float16 matmul.
void require_computable(torch::ScalarType dtype, const torch::Device& device);

// The inverse, as config.json spells it: "float32" | "float16" | "bfloat16" (else libtorch's name).
std::string dtype_name(torch::ScalarType dtype);

// Reads config.json and the safetensors weights of `dir`; throws atman::Error naming the
// file or tensor at fault.
Transformer load_transformer(const std::filesystem::path& dir, const LoadOptions& options = {});

// The weights under their Hugging Face names, in file order (lm_head omitted when tied).
std::vector<std::pair<std::string, torch::Tensor>> named_tensors(const TransformerWeights& weights,
                                                                 const ModelConfig& config);

struct SaveOptions {
  torch::ScalarType dtype = torch::kFloat32;  // dtype written to the safetensors file(s)
  int num_shards = 1;                         // > 1 writes model-0000k-of-0000n + index
};

// Writes config.json and the weights. The tokenizer is copied separately by the caller.
void save_checkpoint(const std::filesystem::path& dir, const ModelConfig& config,
                     const TransformerWeights& weights, const SaveOptions& options = {});

}  // namespace atman
