#pragma once
// Faithfulness of an explanation (deletion and insertion curves, ERASER's comprehensiveness
// and sufficiency): remove or keep the units in order of relevance and watch the target's
// log-probability. A faithful explanation makes it fall fast when its top units are removed
// and recover fast when only they are kept.
#include <cstdint>
#include <string>
#include <vector>

#include "atman/explain_input.hpp"
#include "atman/model.hpp"
#include "atman/units.hpp"

namespace atman {

enum class RemovalMode {
  kSuppress,  // attention to the unit's tokens scaled by factor 0 (AtMan's edit, every layer)
  kDelete,    // the unit's tokens deleted from the sequence
};
RemovalMode parse_removal_mode(const std::string& name);  // "suppress" | "delete"
std::string removal_mode_name(RemovalMode mode);
std::string removal_mode_description(RemovalMode mode);

struct FaithfulnessCurves {
  std::vector<double> fractions;  // (steps + 1): 0, 1/steps, ..., 1 of the units
  // Mean over target tokens of log p(target_t) with the top round(fraction·U) units removed
  // (deletion) or with only them kept (insertion); units ranked by decreasing total.
  std::vector<double> deletion;
  std::vector<double> insertion;
  // ContextCite's top-k drop: mean log p(target_t) with the k most relevant units removed, for
  // each k of kTopK (all units when fewer than k).
  std::vector<double> top_k_removed;
};

inline const std::vector<int64_t> kTopK{1, 3, 5};

FaithfulnessCurves faithfulness_curves(const Model& model, const ExplainInput& input, const std::vector<Unit>& units,
                                       const std::vector<double>& totals, RemovalMode mode, int64_t steps = 10);

struct FaithfulnessScores {
  // Areas (trapezoid rule over the fraction) under the curves of p/p_full, the per-token
  // probability exp(mean log p(target_t)) relative to that of the full input: 1 at the full
  // input. Deletion: lower is better; insertion: higher is better. (Scaling by the drop to the
  // all-removed input instead divides by near zero when removal hardly matters.)
  double deletion_auc = 0;
  double insertion_auc = 0;
  // AOPC over the interior steps k = 1 .. steps−1 (10% .. 90%), in mean log-probability:
  // comprehensiveness = mean_k [F(x) − F(x without the top k)]  (higher is better),
  // sufficiency       = mean_k [F(x) − F(only the top k)]       (lower is better).
  double comprehensiveness = 0;
  double sufficiency = 0;
  // For each k of kTopK: F(x) − F(x without its k most relevant units), in mean log-probability
  // (higher is better).
  std::vector<double> top_k_drop;
};

FaithfulnessScores faithfulness_scores(const FaithfulnessCurves& curves);

}  // namespace atman
