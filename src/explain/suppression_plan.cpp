#include "atman/suppression_plan.hpp"

#include "atman/error.hpp"

namespace atman {

SuppressionMode parse_suppression_mode(const std::string& name) {
  if (name == "min-shift") return SuppressionMode::kMinShift;
  if (name == "log-additive") return SuppressionMode::kLogAdditive;
  throw Error("unknown suppression '" + name + "' (expected min-shift or log-additive)");
}

std::string suppression_mode_name(SuppressionMode mode) {
  return mode == SuppressionMode::kLogAdditive ? "log-additive" : "min-shift";
}

void SuppressionOptions::validate() const {
  if (!(factor >= 0.0 && factor <= 100.0)) {
    throw Error("--factor must lie in [0, 100], got " + std::to_string(factor));
  }
  if (mode == SuppressionMode::kLogAdditive && !(factor > 0.0)) {
    throw Error("--factor must be > 0 with --suppression log-additive (log 0 would remove the unit entirely)");
  }
  if (conceptual_threshold && !(*conceptual_threshold >= 0.0 && *conceptual_threshold <= 1.0)) {
    throw Error("--conceptual-threshold must lie in [0, 1] or be 'off', got " +
                std::to_string(*conceptual_threshold));
  }
}

torch::Tensor suppression_rows(const std::vector<Unit>& units, const torch::Tensor& embeddings,
                               const SuppressionOptions& options) {
  options.validate();
  const int64_t T = embeddings.size(0);
  const auto factor = static_cast<float>(options.factor);
  auto rows = torch::ones({static_cast<int64_t>(units.size()), T}, torch::kFloat32);  // (U, T)

  torch::Tensor cosine;  // (T, T)
  if (options.conceptual_threshold) {
    auto e = embeddings.to(torch::kFloat32);
    auto unit_vectors = e / e.norm(2, -1, /*keepdim=*/true).clamp_min(1e-12);
    // On the embeddings' device (fast on a GPU), then to the CPU, where the rows are built.
    cosine = torch::matmul(unit_vectors, unit_vectors.t()).to(torch::kCPU);
  }
  for (size_t u = 0; u < units.size(); ++u) {
    auto row = rows[static_cast<int64_t>(u)];
    const auto own = torch::tensor(units[u].token_indices, torch::kInt64);
    if (cosine.defined()) {
      auto similarity = cosine.index_select(0, own);  // (|u|, T)
      auto neighbour_factor = options.modify_factor
                                  ? (1.0f - factor) * (1.0f - similarity) + factor
                                  : torch::full_like(similarity, factor);
      auto per_token = torch::where(similarity >= *options.conceptual_threshold, neighbour_factor,
                                    torch::ones_like(similarity));
      // A unit takes, per position, the factor farthest from 1 any of its tokens gives it: the
      // smallest when suppressing, the largest when amplifying.
      if (factor <= 1.0f) {
        row.copy_(std::get<0>(per_token.min(0)).clamp_max(1.0f));
      } else {
        row.copy_(std::get<0>(per_token.max(0)).clamp_min(1.0f));
      }
    }
    row.index_fill_(0, own, factor);
  }
  return rows;
}

torch::Tensor first_suppressed_positions(const torch::Tensor& rows) {
  const int64_t T = rows.size(1);
  auto suppressed = rows != 1.0f;                                             // (U, T)
  auto positions = torch::arange(T, torch::kInt64).expand_as(rows);           // (U, T)
  return torch::where(suppressed, positions, torch::full_like(positions, T)).amin(1);  // (U)
}

}  // namespace atman
