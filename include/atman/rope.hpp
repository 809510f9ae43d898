#pragma once
// Rotary position embedding frequencies, as Hugging Face computes them (modeling_rope_utils):
// inv_freq_i = 1 / theta^(2i / head_dim) in float32, then the config's scaling.
#include <torch/torch.h>

#include "atman/model_config.hpp"

namespace atman {

// (rotary_dim / 2) float32 inverse frequencies of `config`, scaled as config.rope_scaling says.
torch::Tensor rope_inverse_frequencies(const ModelConfig& config);
// Those of the sliding layers with their own base (gemma3: local_rope_theta, unscaled);
// undefined when every layer uses rope_inverse_frequencies.
torch::Tensor local_rope_inverse_frequencies(const ModelConfig& config);

}  // namespace atman
