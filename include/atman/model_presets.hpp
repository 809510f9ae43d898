#pragma once
// Named model shapes for benchmarking (`atman init-model --preset NAME`): random weights in a
// real Hugging Face directory, so timing and memory are measured on realistic sizes.
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "atman/model_config.hpp"

namespace atman {

// "tiny", "llama-25m", "llama-110m"; throws listing the names otherwise.
ModelConfig preset_config(const std::string& name);
std::vector<std::string> preset_names();

// Writes config.json, model.safetensors (random weights from `seed`, stored as `stored`) and the embedded
// stories260K tokenizer.model: its 512 pieces are a prefix of the padded vocabulary, so any text
// tokenizes, and the ids above 511 exist only as rows of the embedding and output matrices.
// `max_positions` > 0 replaces the preset's max_position_embeddings (long-context benchmarks).
void init_model(const std::string& preset, const std::filesystem::path& out_dir, uint64_t seed = 0,
                torch::ScalarType stored = torch::kFloat32, int64_t max_positions = 0);

}  // namespace atman
