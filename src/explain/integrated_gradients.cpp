#include "atman/error.hpp"
#include "atman/gradient_explainers.hpp"
#include "gradient_common.hpp"

namespace atman {

void GradientOptions::validate() const {
  if (steps < 1) throw Error("--steps must be >= 1, got " + std::to_string(steps));
  if (batch_size < 0) throw Error("--batch-size must be >= 0 (0 = all steps at once)");
}

torch::Tensor integrated_gradients(const Model& model, const ExplainInput& input, const GradientOptions& gradient,
                                   GradientStats* stats) {
  gradient.validate();
  torch::AutoGradMode grad_mode(true);
  GradientStats counted;
  const auto x = model.transformer.embed(input.input_ids().unsqueeze(0)).detach().to(torch::kFloat32);  // (1, T, D)
  const int64_t M = gradient.steps;
  const int64_t chunk = gradient.batch_size > 0 ? gradient.batch_size : M;
  // Midpoint rule: α_k = (k + ½) / M on the straight path from the zero embedding to x.
  const auto alphas = (torch::arange(M, x.options()) + 0.5) / static_cast<double>(M);  // (M)
  auto grad_sum = torch::zeros({input.target_length(), x.size(1), x.size(2)}, x.options());  // (N, T, D)
  for (int64_t begin = 0; begin < M; begin += chunk) {
    const auto a = alphas.narrow(0, begin, std::min(chunk, M - begin));  // (b)
    const auto path = a.view({-1, 1, 1}) * x;                             // (b, T, D)
    grad_sum += detail::per_target_embedding_gradients(model, input, path, &counted.backward_passes).sum(1);
    counted.forward_passes += 1;
  }
  if (stats != nullptr) *stats = counted;
  return (x[0] * grad_sum / static_cast<double>(M)).sum(-1).detach();  // (N, T)
}

Explanation explain_integrated_gradients(const Model& model, const ExplainInput& input,
                                         const ExplainOptions& options, const GradientOptions& gradient,
                                         GradientStats* stats) {
  Explanation e = detail::start_explanation(model, input, options, "ig");
  const auto per_position = integrated_gradients(model, input, gradient, stats);
  detail::finish_explanation(e, per_position, detail::baseline_target_logprobs(model, input), options,
                             {{"steps", gradient.steps}, {"baseline", "zero embedding"}, {"rule", "midpoint"},
                              {"relevance_rows", "attribution of log p(target_t)"}});
  return e;
}

}  // namespace atman
