#pragma once
// The attention manipulation of AtMan (DESIGN.md step 5), passed explicitly to forward():
// for every query row i, pre-softmax scores s_ik become (s_ik − min_k' s_ik') · f_k, the
// minimum taken over all key positions before the causal mask. f = 1 everywhere changes
// nothing, because softmax is shift-invariant. The log-additive form (Aleph Alpha's API
// default) adds log f_k instead: attention weights are then multiplied by f before normalising.
#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace atman {

struct AttentionEdit {
  // (B, S) float: factor per row and key position; S = cached length + new tokens. B may be
  // 1 to apply one row to the whole batch. Undefined means no edit. Best on the CPU: a pass
  // reads there which keys each row edits, and moves only what the layers need to the device.
  torch::Tensor key_factors;
  // Which layers apply the edit: empty means every layer, otherwise one flag per layer.
  std::vector<bool> layers;
  bool log_additive = false;  // s + log f instead of (s − min s) · f
  // (B) int64: how many keys of each row are its own sequence's, the rest padding after it (rows
  // of sequences of different lengths in one pass). The minimum of a row runs over its own keys
  // only. Undefined: every key is real.
  torch::Tensor key_lengths{};

  bool active() const { return key_factors.defined(); }
  bool applies_to(int64_t layer) const {
    return active() && (layers.empty() || layers.at(static_cast<size_t>(layer)));
  }
};

}  // namespace atman
