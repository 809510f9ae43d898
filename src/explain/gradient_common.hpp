#pragma once
// What the gradient explainers share: the objective, per-position scores summed into units,
// and the Explanation skeleton. Internal to src/explain.
#include <vector>

#include <torch/torch.h>

#include "atman/explanation.hpp"
#include "atman/model.hpp"

namespace atman::detail {

// (N, B, T, D) ∂ log p(target_t) / ∂ embeddings for each target t, from one forward pass of
// `embeddings` (B, T, D) and N backward passes.
torch::Tensor per_target_embedding_gradients(const Model& model, const ExplainInput& input,
                                             const torch::Tensor& embeddings, int64_t* backward_passes);

// (N) log p(target_t) of the unchanged input, without autograd.
torch::Tensor baseline_target_logprobs(const Model& model, const ExplainInput& input);

// Explanation with method, model, input and units filled in; relevance and totals left empty.
Explanation start_explanation(const Model& model, const ExplainInput& input, const ExplainOptions& options,
                              const std::string& method);

// (N, T) per-position scores -> explanation.relevance (N, U), summing each unit's positions;
// then baseline log-probs, params and totals.
void finish_explanation(Explanation& e, const torch::Tensor& per_position, const torch::Tensor& baseline_logprobs,
                        const ExplainOptions& options, nlohmann::json method_params);

}  // namespace atman::detail
