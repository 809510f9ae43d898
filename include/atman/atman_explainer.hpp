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
  int64_t batch_size = 0;  // suppression rows per forward pass; 0 = as many as max_memory_bytes allows
  // Activation budget of one perturbed pass; 0 = default_memory_budget(): that of one plain
  // forward pass of the whole sequence, so an explanation peaks near the memory of inference.
  int64_t max_memory_bytes = 0;
  // Reference mode (--naive): every row recomputes all T positions and projects every
  // position to the vocabulary. Same values, more work.
  bool naive = false;

  void validate(const ModelConfig& config) const;  // throws naming the option
};

// Counters of the work done, for logs and benchmarks.
struct AtmanStats {
  int64_t rows = 0;            // suppression rows (units, times 2 with a foil)
  int64_t forward_passes = 0;  // batched passes, baseline included
  int64_t batch_size = 0;      // rows per pass used
  int64_t positions_computed = 0;  // Σ over rows of positions recomputed
  double flops = 0;                // forward_flops() summed over all passes
};

Explanation explain_atman(const Model& model, const ExplainInput& input,
                          const ExplainOptions& options, const AtmanOptions& atman,
                          AtmanStats* stats = nullptr);

// A contrast (DESIGN: ΔCE_target − ΔCE_foil): the explanation of `input` with `contrast` filled
// in for `foil`. Both share the prompt, so every unit's target row and foil row run in the same
// batched passes from the prompt's cached keys and values; a foil equal to the target is
// computed once. Throws as require_contrastable() does.
Explanation explain_atman_contrast(const Model& model, const ExplainInput& input, const ExplainInput& foil,
                                   const ExplainOptions& options, const AtmanOptions& atman,
                                   AtmanStats* stats = nullptr);

// Estimated peak activation bytes of `rows` rows, each recomputing `tail` positions of a
// `length`-token sequence and projecting `logit_positions` of them to the vocabulary, in the
// model's compute dtype on its device, with attention in query blocks of attention_block_bytes().
int64_t atman_batch_bytes(const Transformer& model, int64_t length, int64_t tail, int64_t logit_positions,
                          int64_t rows);
// The most rows (at least 1) whose batch fits in `budget` bytes.
int64_t atman_rows_within(const Transformer& model, int64_t length, int64_t tail, int64_t logit_positions,
                          int64_t budget);

// The budget used when AtmanOptions::max_memory_bytes is 0: the activations of one inference pass
// (every position, the next token's logits), at least attention_block_bytes(); on a GPU never
// more than 80% of the device's free memory.
int64_t default_memory_budget(const Transformer& model, int64_t length);

// "0,2,5-7" -> {0, 2, 5, 6, 7}; throws for malformed lists or layers >= num_layers.
std::vector<int64_t> parse_layer_list(const std::string& text, int64_t num_layers);

}  // namespace atman
