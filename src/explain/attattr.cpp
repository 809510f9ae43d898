#include "atman/gradient_explainers.hpp"
#include "gradient_common.hpp"

namespace atman {

AttentionAttribution attention_attribution(const Model& model, const ExplainInput& input,
                                           const GradientOptions& gradient, GradientStats* stats) {
  gradient.validate();
  torch::AutoGradMode grad_mode(true);
  GradientStats counted;
  const auto& config = model.transformer.config();
  const int64_t L = config.num_hidden_layers, H = config.num_attention_heads, T = input.input_length();
  const int64_t m = gradient.steps;
  const int64_t chunk = gradient.batch_size > 0 ? gradient.batch_size : m;
  const auto ids = input.input_ids().unsqueeze(0);  // (1, T)
  // Right Riemann sum α_k = k/m, so that one step is exactly A ⊙ ∂F/∂A at α = 1.
  const auto on_device = torch::TensorOptions().dtype(torch::kFloat32).device(model.transformer.device());
  const auto alphas = torch::arange(1, m + 1, on_device) / static_cast<double>(m);  // (m)
  auto attribution = torch::zeros({L, H, T, T}, on_device);                         // (L, H, T, T)

  for (int64_t layer = 0; layer < L; ++layer) {
    torch::Tensor attention;                  // (H, T, T): A of this layer, the same for every step
    auto grad_sum = torch::zeros({H, T, T}, on_device);  // Σ_k ∂F/∂A' at A' = α_k·A
    for (int64_t begin = 0; begin < m; begin += chunk) {
      const auto a = alphas.narrow(0, begin, std::min(chunk, m - begin));  // (b)
      const int64_t b = a.size(0);
      torch::Tensor scaled;  // (b, H, T, T) leaf: the layer's attention as the rest of the model sees it
      ForwardOptions options = target_logit_options(input);
      options.on_attention = [&](int64_t l, const torch::Tensor& probs) {
        if (l != layer) return probs;
        attention = probs[0].detach();  // layers below are unchanged, so every row holds A
        // In the compute dtype: the rest of the layer multiplies it with bfloat16 values on a GPU.
        scaled = (probs.detach() * a.to(probs.scalar_type()).view({b, 1, 1, 1})).requires_grad_(true);
        return scaled;
      };
      // Nothing below `layer` requires grad, so autograd records only the layers above it.
      const auto logp = target_log_probs(model.transformer.forward(ids.expand({b, T}), options),
                                                input.target_ids());  // (b, N)
      grad_sum += torch::autograd::grad({logp.sum()}, {scaled})[0].sum(0);
      counted.forward_passes += 1;
      counted.backward_passes += 1;
    }
    attribution[layer] = attention * grad_sum / static_cast<double>(m);
  }
  if (stats != nullptr) *stats = counted;
  return {attribution};
}

Explanation explain_attattr(const Model& model, const ExplainInput& input, const ExplainOptions& options,
                            const GradientOptions& gradient, GradientStats* stats) {
  Explanation e = detail::start_explanation(model, input, options, "attattr");
  const auto attr = attention_attribution(model, input, gradient, stats).attribution;  // (L, H, T, T)
  const int64_t first = input.prompt_length() - 1;
  // Query rows P−1 .. P+N−2 predict the targets; sum over layers and heads.
  const auto rows = attr.narrow(2, first, input.target_length()).sum(std::vector<int64_t>{0, 1});  // (N, T)
  detail::finish_explanation(e, rows, detail::baseline_target_logprobs(model, input), options,
                             {{"steps", gradient.steps}, {"rule", "right Riemann"},
                              {"relevance_rows", "query row predicting target_t, F = sum_t log p"}});
  return e;
}

}  // namespace atman
