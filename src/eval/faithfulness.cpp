#include "atman/faithfulness.hpp"

#include <cmath>

#include "atman/error.hpp"
#include "atman/rank_metrics.hpp"

namespace atman {
namespace {

// Curve rows per batched pass: small enough that a long prompt's pass stays near inference size.
constexpr int64_t kRowsPerPass = 8;

// (R) mean log p(target_t) of each row, every row a (T) keep-mask over input positions.
std::vector<double> suppressed_logprobs(const Model& model, const ExplainInput& input,
                                        const std::vector<std::vector<bool>>& keep) {
  torch::InferenceMode inference;
  const int64_t T = input.input_length();
  const auto ids = input.input_ids().unsqueeze(0);  // (1, T)
  const auto targets = input.target_ids();           // (N)
  std::vector<double> out;
  for (size_t begin = 0; begin < keep.size(); begin += kRowsPerPass) {
    const size_t end = std::min(keep.size(), begin + kRowsPerPass);
    const int64_t B = static_cast<int64_t>(end - begin);
    auto factors = torch::ones({B, T});  // (B, T): 0 removes a key position
    for (size_t r = begin; r < end; ++r) {
      for (int64_t p = 0; p < T; ++p) {
        if (!keep[r][static_cast<size_t>(p)]) factors[static_cast<int64_t>(r - begin)][p] = 0.0;
      }
    }
    AttentionEdit edit{factors, {}};
    ForwardOptions options = target_logit_options(input);
    options.edit = &edit;
    const auto logp = target_log_probs(model.transformer.forward(ids.expand({B, T}), options), targets);  // (B, N)
    const auto mean = logp.mean(1).to(torch::kCPU, torch::kFloat64).contiguous();  // one wait per pass
    const auto* values = mean.data_ptr<double>();
    out.insert(out.end(), values, values + B);
  }
  return out;
}

// Same, with the removed positions deleted from the sequence (one pass per row: lengths differ).
std::vector<double> deleted_logprobs(const Model& model, const ExplainInput& input,
                                     const std::vector<std::vector<bool>>& keep) {
  torch::InferenceMode inference;
  const int64_t T = input.input_length(), P = input.prompt_length(), N = input.target_length();
  const auto all_ids = input.input_ids();
  const auto targets = input.target_ids();
  std::vector<double> out;
  for (const auto& row : keep) {
    std::vector<int64_t> kept;
    for (int64_t p = 0; p < T; ++p) {
      if (row[static_cast<size_t>(p)]) kept.push_back(p);
    }
    const int64_t kept_prompt = P - (T - static_cast<int64_t>(kept.size()));  // only prompt positions are removed
    const auto ids = all_ids.index_select(0, torch::tensor(kept, torch::kInt64)).unsqueeze(0);  // (1, T')
    ForwardOptions options;
    options.logit_positions = torch::arange(kept_prompt - 1, kept_prompt - 1 + N, torch::kInt64);
    out.push_back(target_log_probs(model.transformer.forward(ids, options), targets).mean().item<double>());
  }
  return out;
}

double trapezoid(const std::vector<double>& x, const std::vector<double>& y) {
  double area = 0;
  for (size_t i = 1; i < x.size(); ++i) area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2.0;
  return area;
}

}  // namespace

RemovalMode parse_removal_mode(const std::string& name) {
  if (name == "suppress") return RemovalMode::kSuppress;
  if (name == "delete") return RemovalMode::kDelete;
  throw Error("unknown removal '" + name + "' (expected suppress, delete)");
}

std::string removal_mode_name(RemovalMode mode) { return mode == RemovalMode::kSuppress ? "suppress" : "delete"; }

std::string removal_mode_description(RemovalMode mode) {
  return mode == RemovalMode::kSuppress
             ? "attention to a removed unit's tokens is suppressed fully (AtMan edit with factor 0, every layer)"
             : "a removed unit's tokens are deleted from the input sequence";
}

FaithfulnessCurves faithfulness_curves(const Model& model, const ExplainInput& input, const std::vector<Unit>& units,
                                       const std::vector<double>& totals, RemovalMode mode, int64_t steps) {
  if (steps < 1) throw Error("faithfulness steps must be >= 1");
  if (totals.size() != units.size()) throw Error("faithfulness: one total per unit is needed");
  for (const Unit& u : units) {
    if (u.source != "prompt") throw Error("faithfulness curves remove prompt units only (no --explain-target)");
  }
  const auto order = rank_order(totals);
  const int64_t U = static_cast<int64_t>(units.size()), T = input.input_length();
  FaithfulnessCurves curves;
  // A keep-mask over input positions with the `top` most relevant units removed (deletion), or
  // all the others (insertion).
  auto removal_row = [&](int64_t top, bool insertion) {
    std::vector<bool> row(static_cast<size_t>(T), true);
    for (int64_t rank = 0; rank < U; ++rank) {
      if ((rank < top) != insertion) {
        for (int64_t p : units[static_cast<size_t>(order[static_cast<size_t>(rank)])].token_indices) {
          row[static_cast<size_t>(p)] = false;
        }
      }
    }
    return row;
  };
  std::vector<std::vector<bool>> keep;  // deletion rows, insertion rows, then top-k rows
  for (int64_t k = 0; k <= steps; ++k) curves.fractions.push_back(static_cast<double>(k) / static_cast<double>(steps));
  for (bool insertion : {false, true}) {
    for (double fraction : curves.fractions) {
      keep.push_back(removal_row(std::lround(fraction * static_cast<double>(U)), insertion));
    }
  }
  for (int64_t k : kTopK) keep.push_back(removal_row(std::min(k, U), false));
  const auto values = mode == RemovalMode::kSuppress ? suppressed_logprobs(model, input, keep)
                                                     : deleted_logprobs(model, input, keep);
  const auto half = static_cast<std::ptrdiff_t>(steps + 1);
  curves.deletion.assign(values.begin(), values.begin() + half);
  curves.insertion.assign(values.begin() + half, values.begin() + 2 * half);
  curves.top_k_removed.assign(values.begin() + 2 * half, values.end());
  return curves;
}

FaithfulnessScores faithfulness_scores(const FaithfulnessCurves& c) {
  const size_t steps = c.fractions.size() - 1;
  const double full = c.deletion.front();
  auto relative = [&](const std::vector<double>& curve) {  // p / p_full
    std::vector<double> out;
    for (double v : curve) out.push_back(std::exp(v - full));
    return out;
  };
  FaithfulnessScores s;
  s.deletion_auc = trapezoid(c.fractions, relative(c.deletion));
  s.insertion_auc = trapezoid(c.fractions, relative(c.insertion));
  double comprehensiveness = 0, sufficiency = 0;
  const size_t interior = steps > 1 ? steps - 1 : 1;
  for (size_t k = 1; k <= interior; ++k) {
    comprehensiveness += full - c.deletion[k];
    sufficiency += full - c.insertion[k];
  }
  s.comprehensiveness = comprehensiveness / static_cast<double>(interior);
  s.sufficiency = sufficiency / static_cast<double>(interior);
  for (double removed : c.top_k_removed) s.top_k_drop.push_back(full - removed);
  return s;
}

}  // namespace atman
