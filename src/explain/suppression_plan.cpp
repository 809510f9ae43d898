#include "atman/suppression_plan.hpp"

#include <algorithm>

#include "atman/error.hpp"
#include "atman/text_format.hpp"

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
    throw Error("--factor must lie in [0, 100], got " + format_number(factor));
  }
  if (mode == SuppressionMode::kLogAdditive && !(factor > 0.0)) {
    throw Error("--factor must be > 0 with --suppression log-additive (log 0 would remove the unit entirely)");
  }
  if (conceptual_threshold && !(*conceptual_threshold >= 0.0 && *conceptual_threshold <= 1.0)) {
    throw Error("--conceptual-threshold must lie in [0, 1] or be 'off', got " +
                format_number(*conceptual_threshold));
  }
}

namespace {

// Bytes of cosine similarities computed at once: the (T, T) matrix of a long sequence would be
// its largest tensor (2 GiB at 16k tokens), so similarities come a block of unit tokens at a time.
constexpr int64_t kSimilarityBlockBytes = int64_t{16} << 20;
// Similarities are computed in double and rounded to float: a float product's last bit depends
// on the block's shape (BLAS picks the summation order), and a threshold or factor must not
// depend on the memory budget. T²·D double operations are little beside AtMan's T passes.
constexpr torch::ScalarType kSimilarityDtype = torch::kFloat64;

// Folds conceptual co-suppression into `rows` (U, T): per position, the factor farthest from 1
// any of the unit's tokens gives it (the smallest when suppressing, the largest when amplifying).
void co_suppress(torch::Tensor& rows, const std::vector<Unit>& units, const torch::Tensor& embeddings,
                 const SuppressionOptions& options, int64_t block) {
  const auto factor = static_cast<float>(options.factor);
  const auto e = embeddings.to(kSimilarityDtype);
  const auto unit_vectors = e / e.norm(2, -1, /*keepdim=*/true).clamp_min(1e-12);  // (T, D)
  // Every unit's tokens in unit order, and where each unit's run of them begins.
  std::vector<int64_t> tokens, owner;
  for (size_t u = 0; u < units.size(); ++u) {
    for (int64_t p : units[u].token_indices) {
      tokens.push_back(p);
      owner.push_back(static_cast<int64_t>(u));
    }
  }
  const auto all = static_cast<int64_t>(tokens.size());
  for (int64_t begin = 0; begin < all; begin += block) {
    const int64_t n = std::min(block, all - begin);
    const auto index = torch::tensor(std::vector<int64_t>(tokens.begin() + begin, tokens.begin() + begin + n),
                                     torch::kInt64).to(unit_vectors.device());
    // On the embeddings' device (fast on a GPU), then to the CPU, where the rows are built.
    const auto similarity = torch::matmul(unit_vectors.index_select(0, index), unit_vectors.t())
                                .to(torch::kCPU, torch::kFloat32);  // (n, T)
    const auto neighbour_factor = options.modify_factor ? (1.0f - factor) * (1.0f - similarity) + factor
                                                        : torch::full_like(similarity, factor);
    const auto per_token = torch::where(similarity >= *options.conceptual_threshold, neighbour_factor,
                                        torch::ones_like(similarity));  // (n, T)
    for (int64_t i = 0; i < n;) {  // each unit's run of rows in this block
      const int64_t u = owner[static_cast<size_t>(begin + i)];
      int64_t j = i;
      while (j < n && owner[static_cast<size_t>(begin + j)] == u) ++j;
      auto row = rows[u];
      const auto run = per_token.narrow(0, i, j - i);
      if (factor <= 1.0f) {
        row.copy_(torch::minimum(row, std::get<0>(run.min(0))));
      } else {
        row.copy_(torch::maximum(row, std::get<0>(run.max(0))));
      }
      i = j;
    }
  }
}

}  // namespace

torch::Tensor suppression_rows(const std::vector<Unit>& units, const torch::Tensor& embeddings,
                               const SuppressionOptions& options, int64_t similarity_block_tokens) {
  options.validate();
  const int64_t T = embeddings.size(0);
  auto rows = torch::ones({static_cast<int64_t>(units.size()), T}, torch::kFloat32);  // (U, T)
  if (options.conceptual_threshold) {
    const auto similarity_bytes = static_cast<int64_t>(c10::elementSize(kSimilarityDtype));
    const int64_t block = similarity_block_tokens > 0 ? similarity_block_tokens
                                                      : std::max<int64_t>(1, kSimilarityBlockBytes / (similarity_bytes * T));
    co_suppress(rows, units, embeddings, options, block);
  }
  for (size_t u = 0; u < units.size(); ++u) {
    rows[static_cast<int64_t>(u)].index_fill_(0, torch::tensor(units[u].token_indices, torch::kInt64),
                                              static_cast<float>(options.factor));
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
