#include "gradient_common.hpp"

namespace atman::detail {

torch::Tensor per_target_embedding_gradients(const Model& model, const ExplainInput& input,
                                             const torch::Tensor& embeddings, int64_t* backward_passes) {
  auto x = embeddings.detach().requires_grad_(true);  // (B, T, D), the only leaf
  const auto logp = target_log_probs(model.transformer.forward_embeddings(x, target_logit_options(input)),
                                    input.target_ids());  // (B, N)
  const int64_t N = input.target_length();
  std::vector<torch::Tensor> grads;
  for (int64_t t = 0; t < N; ++t) {
    // Rows are independent, so the gradient of their sum is each row's own gradient.
    grads.push_back(torch::autograd::grad({logp.select(1, t).sum()}, {x}, {}, /*retain_graph=*/t + 1 < N)[0]);
  }
  if (backward_passes != nullptr) *backward_passes += N;
  return torch::stack(grads);  // (N, B, T, D)
}

torch::Tensor baseline_target_logprobs(const Model& model, const ExplainInput& input) {
  torch::NoGradGuard no_grad;
  const auto ids = input.input_ids().unsqueeze(0);
  return target_log_probs(model.transformer.forward(ids, target_logit_options(input)), input.target_ids())[0];
}

Explanation start_explanation(const Model& model, const ExplainInput& input, const ExplainOptions& options,
                              const std::string& method) {
  Explanation e;
  e.method = method;
  e.model_path = model.dir.string();
  e.model_config_hash = model_config_hash(model.dir);
  e.input = input;
  e.units = build_units(input, options.units);
  return e;
}

void finish_explanation(Explanation& e, const torch::Tensor& per_position, const torch::Tensor& baseline_logprobs,
                        const ExplainOptions& options, nlohmann::json method_params) {
  const auto scores = per_position.to(torch::kCPU, torch::kFloat64).contiguous();  // (N, T)
  const int64_t N = scores.size(0);
  e.relevance.assign(static_cast<size_t>(N), std::vector<double>(e.units.size(), 0.0));
  auto a = scores.accessor<double, 2>();
  for (int64_t t = 0; t < N; ++t) {
    for (const Unit& u : e.units) {
      double sum = 0.0;
      for (int64_t p : u.token_indices) sum += a[t][p];
      e.relevance[static_cast<size_t>(t)][static_cast<size_t>(u.index)] = sum;
    }
  }
  const auto base = baseline_logprobs.to(torch::kCPU, torch::kFloat64);
  e.baseline_logprobs.clear();
  for (int64_t t = 0; t < N; ++t) e.baseline_logprobs.push_back(base[t].item<double>());
  method_params["granularity"] = granularity_name(options.units.granularity);
  method_params["delimiter"] = options.units.delimiter;
  method_params["explain_target"] = options.units.explain_target;
  method_params["postprocess"] = postprocess_name(options.postprocess);
  method_params["normalize"] = options.normalize;
  e.params = std::move(method_params);
  compute_totals(e, options);
}

}  // namespace atman::detail
