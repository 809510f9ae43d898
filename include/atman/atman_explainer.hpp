#pragma once
// AtMan (Deb et al., 2023), exactly as DESIGN.md specifies: a baseline pass, then one
// perturbed pass per unit in which attention to the unit (and, optionally, its conceptual
// neighbours) is scaled down; relevance is the rise of each target token's cross-entropy.
#include <cstdint>
#include <vector>

#include "atman/explanation.hpp"
#include "atman/model.hpp"
#include "atman/suppression_plan.hpp"

namespace atman {

struct AtmanOptions {
  SuppressionOptions suppression;
  std::vector<int64_t> layers;  // layers whose attention is edited; empty = all
  int64_t batch_size = 0;       // suppression rows per forward pass; 0 = from max_memory_bytes
  int64_t max_memory_bytes = int64_t{2} << 30;  // activation budget when choosing the batch
  // Reference mode (--naive): every row recomputes all T positions and projects every
  // position to the vocabulary. Same values, more work.
  bool naive = false;

  void validate(const ModelConfig& config) const;  // throws naming the option
};

// Counters of the work done, for logs and benchmarks.
struct AtmanStats {
  int64_t rows = 0;            // suppression rows (units)
  int64_t forward_passes = 0;  // batched passes, baseline included
  int64_t batch_size = 0;      // rows per pass used
  int64_t positions_computed = 0;  // Σ over rows of positions recomputed
};

Explanation explain_atman(const Model& model, const ExplainInput& input,
                          const ExplainOptions& options, const AtmanOptions& atman,
                          AtmanStats* stats = nullptr);

// The batch size that keeps one pass's activations under `max_memory_bytes`.
int64_t atman_batch_size(const ModelConfig& config, int64_t sequence_length,
                         int64_t max_memory_bytes);

// "0,2,5-7" -> {0, 2, 5, 6, 7}; throws for malformed lists or layers >= num_layers.
std::vector<int64_t> parse_layer_list(const std::string& text, int64_t num_layers);

}  // namespace atman
