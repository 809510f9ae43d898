#pragma once
// The result of any explanation method: what was explained, the units, and the relevance
// matrix. Writers (text, json, html) only format an Explanation.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "atman/explain_input.hpp"
#include "atman/units.hpp"

namespace atman {

enum class Postprocess { kNone, kAbsolute, kSquare };
Postprocess parse_postprocess(const std::string& name);  // "none" | "absolute" | "square"
std::string postprocess_name(Postprocess p);

// Coarse-to-fine search (--refine K[:GRANULARITY]): explain the units, then only inside the K
// most relevant of them at a finer granularity.
struct RefineOptions {
  int64_t top_k = 1;
  std::optional<Granularity> granularity;  // unset: one step finer than the coarse units
};
// "5" or "5:word"; throws naming --refine.
RefineOptions parse_refine(const std::string& text);
std::string refine_name(const RefineOptions& refine);

// Choices shared by every method: what the units are and how totals are reported.
struct ExplainOptions {
  UnitOptions units;
  std::optional<RefineOptions> refine;
  Postprocess postprocess = Postprocess::kNone;  // applied to each R[t][u] before summing over t
  bool normalize = false;                        // scale totals so that max |total| = 1
};

// A foil the target is contrasted with (--contrast): relevance becomes the unit's effect on
// log p(target) − log p(foil), i.e. ΔCE_target − ΔCE_foil, each summed over its tokens.
struct Contrast {
  ExplainInput foil;                           // the same prompt, the foil as target
  std::vector<std::vector<double>> relevance;  // (N_foil, U), as Explanation::relevance
  std::vector<double> baseline_logprobs;       // (N_foil)
};

// The coarse level of a refined explanation. Explanation::units then holds the fine units inside
// the refined coarse units and, elsewhere, the coarse units with their coarse values.
struct Refinement {
  Granularity coarse = Granularity::kParagraph, fine = Granularity::kSentence;
  int64_t top_k = 0;
  std::vector<Unit> units;                     // the coarse units
  std::vector<std::vector<double>> relevance;  // (N, U_coarse)
  std::vector<double> total;                   // (U_coarse), as Explanation::total
  std::vector<int64_t> refined;                // the coarse units refined, most relevant first
  // Perturbed passes (one per unit and sequence) done, and those full fine granularity takes.
  int64_t passes = 0;
  int64_t full_fine_passes = 0;
};

struct Explanation {
  std::string method;             // "atman", ...
  nlohmann::json params;          // every option that shaped the result
  std::string model_path;
  std::string model_config_hash;  // "fnv1a64:<hex>" of config.json's bytes
  ExplainInput input;
  std::vector<Unit> units;
  // [t][u]: for AtMan, CE_t(unit u suppressed) − CE_t(baseline), before postprocessing.
  std::vector<std::vector<double>> relevance;  // (N, U)
  std::vector<double> total;                   // (U) after postprocessing and normalising
  std::vector<double> baseline_logprobs;       // (N) log p(target_t | x[:P+t])
  std::optional<Contrast> contrast;            // total = Σ target rows − Σ foil rows
  std::optional<Refinement> refinement;        // with --refine

  // Unit indices by decreasing total (ties by index).
  std::vector<int64_t> ranking() const;
};

// Fills `total` from `relevance` (minus the contrast's rows) as `options` ask.
void compute_totals(Explanation& explanation, const ExplainOptions& options);

// Hash of the model's config.json, so outputs say which model produced them.
std::string model_config_hash(const std::filesystem::path& model_dir);

}  // namespace atman
