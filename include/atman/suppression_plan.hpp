#pragma once
// Which key positions each AtMan row suppresses, and by how much (DESIGN.md steps 3–4).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "atman/units.hpp"

namespace atman {

// How a factor edits the scores: (s − min s) · f (AtMan's paper) or s + log f (Aleph Alpha's API).
enum class SuppressionMode { kMinShift, kLogAdditive };
SuppressionMode parse_suppression_mode(const std::string& name);  // "min-shift" | "log-additive"
std::string suppression_mode_name(SuppressionMode mode);

struct SuppressionOptions {
  // Attention to a suppressed unit is multiplied by this, in [0, 100]: below 1 suppresses,
  // above 1 amplifies (log-additive needs it > 0).
  double factor = 0.1;
  SuppressionMode mode = SuppressionMode::kMinShift;
  // Cosine similarity above which other positions are co-suppressed, in [0, 1]; nullopt = off.
  std::optional<double> conceptual_threshold = 0.7;
  // Co-suppressed neighbours get (1 − factor)(1 − cos) + factor; false gives them `factor`.
  bool modify_factor = true;

  void validate() const;  // throws naming the option
};

// (U, T) float32 on the CPU: row u holds the factor of every key position when unit u is suppressed.
// `embeddings` (T, D) are the input token embeddings, used for conceptual co-suppression, whose
// cosine similarities are computed `similarity_block_tokens` unit tokens at a time (0: 16 MiB of
// them), never as one (T, T) matrix.
torch::Tensor suppression_rows(const std::vector<Unit>& units, const torch::Tensor& embeddings,
                               const SuppressionOptions& options,
                               int64_t similarity_block_tokens = 0);

// (U) int64: the first position each row edits (factor ≠ 1); T when it edits none.
torch::Tensor first_suppressed_positions(const torch::Tensor& rows);

}  // namespace atman
