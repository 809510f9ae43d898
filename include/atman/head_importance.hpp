#pragma once
// Per-layer, per-head importance from AttAttr (Hao et al., AAAI 2021): the largest attribution
// score in a head's map, averaged over examples.
#include <cstdint>
#include <vector>

#include "atman/gradient_explainers.hpp"

namespace atman {

struct HeadImportance {
  torch::Tensor importance;  // (L, H) float64, mean over examples of max attribution
  int64_t examples = 0;
};

// Adds one example's attribution maps (L, H, T, T) to a running mean.
void accumulate_head_importance(HeadImportance& total, const AttentionAttribution& attribution);

}  // namespace atman
