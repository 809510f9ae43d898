#pragma once
// Gradient baselines offered beside AtMan for comparison, at their higher memory cost:
// integrated gradients and input × gradient on the input embeddings, and AttAttr (Hao et al.,
// "Self-Attention Attribution", AAAI 2021) on the attention probabilities. The objective is
// F = Σ_t log p(target_t). None of them changes the model's weights or keeps autograd state.
#include <cstdint>

#include "atman/explanation.hpp"
#include "atman/model.hpp"

namespace atman {

struct GradientOptions {
  int64_t steps = 20;      // Riemann steps of the path integral (ig, attattr), >= 1
  int64_t batch_size = 0;  // path steps per forward/backward pass; 0 = all steps at once

  void validate() const;  // throws naming the option
};

struct GradientStats {
  int64_t forward_passes = 0;
  int64_t backward_passes = 0;
};

// (N, T) per-position integrated gradients (every position, BOS and target[:-1] included):
// by completeness Σ_t Σ_positions ≈ F(x) − F(0).
torch::Tensor integrated_gradients(const Model& model, const ExplainInput& input, const GradientOptions& gradient,
                                   GradientStats* stats = nullptr);
// (N, T) per-position input × gradient.
torch::Tensor input_x_gradient(const Model& model, const ExplainInput& input, GradientStats* stats = nullptr);

// Integrated gradients from the zero embedding, Riemann midpoint rule: attribution of a position
// = Σ_d (x − 0)_d · (1/M) Σ_k ∂F_t/∂x_d at x·(k − ½)/M. relevance[t] uses F_t = log p(target_t),
// so Σ_t relevance[t] is the attribution of F.
Explanation explain_integrated_gradients(const Model& model, const ExplainInput& input,
                                         const ExplainOptions& options, const GradientOptions& gradient,
                                         GradientStats* stats = nullptr);

// Input × gradient: Σ_d x_d · ∂F_t/∂x_d at the input.
Explanation explain_input_x_gradient(const Model& model, const ExplainInput& input,
                                     const ExplainOptions& options, GradientStats* stats = nullptr);

// Per-layer attribution maps of AttAttr: attr[l] (H, T, S) = A_l ⊙ (1/m) Σ_k ∂F/∂A'_l at
// A'_l = (k/m)·A_l, the other layers unchanged; F = Σ_t log p(target_t).
struct AttentionAttribution {
  torch::Tensor attribution;  // (L, H, T, T) float32
};
AttentionAttribution attention_attribution(const Model& model, const ExplainInput& input,
                                           const GradientOptions& gradient, GradientStats* stats = nullptr);

// AttAttr token relevance: relevance[t][u] = Σ over layers, heads and the query row predicting
// target t (position P−1+t) of the attribution to the unit's key positions.
Explanation explain_attattr(const Model& model, const ExplainInput& input, const ExplainOptions& options,
                            const GradientOptions& gradient, GradientStats* stats = nullptr);

}  // namespace atman
