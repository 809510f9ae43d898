#pragma once
// Keys and values of the positions already computed, per layer. A pass that starts at
// position `length()` attends to them without recomputing them; AtMan's perturbed passes
// reuse a baseline prefix this way.
#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace atman {

struct KVCache {
  // Per layer: (B, num_key_value_heads, length, head_dim), after rotary embedding. B may be 1
  // while a pass runs B rows: the cached prefix is then shared by every row.
  std::vector<torch::Tensor> keys;
  std::vector<torch::Tensor> values;

  bool empty() const { return keys.empty() || !keys.front().defined(); }
  int64_t length() const { return empty() ? 0 : keys.front().size(2); }
  int64_t batch_size() const { return empty() ? 0 : keys.front().size(0); }

  // The first n positions, as views (no copy).
  KVCache prefix(int64_t n) const;
};

}  // namespace atman
