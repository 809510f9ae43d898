#include "atman/gradient_explainers.hpp"
#include "gradient_common.hpp"

namespace atman {

torch::Tensor input_x_gradient(const Model& model, const ExplainInput& input, GradientStats* stats) {
  torch::AutoGradMode grad_mode(true);
  GradientStats counted{1, 0};
  const auto x = model.transformer.embed(input.input_ids().unsqueeze(0)).detach().to(torch::kFloat32);  // (1, T, D)
  const auto grads = detail::per_target_embedding_gradients(model, input, x, &counted.backward_passes);  // (N, 1, T, D)
  if (stats != nullptr) *stats = counted;
  return (x[0] * grads.select(1, 0)).sum(-1).detach();  // (N, T)
}

Explanation explain_input_x_gradient(const Model& model, const ExplainInput& input, const ExplainOptions& options,
                                     GradientStats* stats) {
  Explanation e = detail::start_explanation(model, input, options, "ixg");
  const auto per_position = input_x_gradient(model, input, stats);
  detail::finish_explanation(e, per_position, detail::baseline_target_logprobs(model, input), options,
                             {{"relevance_rows", "attribution of log p(target_t)"}});
  return e;
}

}  // namespace atman
