#pragma once
// Random weights for a configuration: the tiny models of the unit tests and the benchmark
// presets. Deterministic for a seed.
#include <cstdint>

#include "atman/model_config.hpp"
#include "atman/transformer.hpp"

namespace atman {

// Linear weights ~ N(0, init_std²) (0.02 is Llama's initialisation; tests use larger values so
// attention is peaked and edits show), embeddings likewise, norm weights 1 plus small noise
// (so a test notices a norm applied to the wrong tensor), lm_head separate unless tied.
TransformerWeights random_weights(const ModelConfig& config, uint64_t seed, double init_std = 0.02);

}  // namespace atman
