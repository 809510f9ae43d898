// The gradient baselines against independent computations on a tiny model: finite differences
// for input × gradient, completeness for integrated gradients, a one-pass gradient of all
// layers' attention for AttAttr; and that none of them leaves a trace on the model.
#include "atman/gradient_explainers.hpp"

#include "atman/explain.hpp"
#include "support/test_support.hpp"

namespace atman::test {
namespace {

class GradientExplainersTest : public SeededTest {
 protected:
  TempDir tmp;
  Model model = load_model(write_tiny_model(tmp.path()));
  ExplainInput input = make_explain_input(model, "The cat sat on the mat. The dog ran.", " The cat ran");

  // (1, T, D) float32 input embeddings.
  torch::Tensor embeddings() const { return model.transformer.embed(input.input_ids().unsqueeze(0)).detach(); }

  // (N) log p(target_t) from embeddings (1, T, D), written out from the definition.
  torch::Tensor target_logprobs(const torch::Tensor& x, const ForwardOptions& options = {}) const {
    const auto logp = torch::log_softmax(model.transformer.forward_embeddings(x, options)[0], -1);  // (T, V)
    const int64_t P = input.prompt_length(), N = input.target_length();
    auto out = torch::empty({N});
    for (int64_t t = 0; t < N; ++t) out[t] = logp[P - 1 + t][input.target_tokens[t].id];
    return out;
  }
};

TEST_F(GradientExplainersTest, InputXGradientEqualsFiniteDifferences) {
  torch::NoGradGuard no_grad;
  const auto ixg = input_x_gradient(model, input);  // (N, T)
  const auto x = embeddings();
  const int64_t N = input.target_length(), T = input.input_length();
  ASSERT_EQ(ixg.sizes(), (std::vector<int64_t>{N, T}));
  // Σ_d x_d ∂F/∂x_d at position p is the derivative of F along x_p, i.e. d/dε F(x_p·(1+ε)).
  const double h = 1e-2;
  double largest = 0.0;
  for (int64_t p = 0; p < T; ++p) {
    auto up = x.clone(), down = x.clone();
    up[0][p] *= 1 + h;
    down[0][p] *= 1 - h;
    const auto fd = (target_logprobs(up) - target_logprobs(down)) / (2 * h);  // (N)
    for (int64_t t = 0; t < N; ++t) {
      EXPECT_NEAR(ixg[t][p].item<double>(), fd[t].item<double>(), 1e-3) << "target " << t << " position " << p;
      largest = std::max(largest, std::abs(fd[t].item<double>()));
    }
  }
  EXPECT_GT(largest, 1e-2) << "the comparison should not be between zeros";
}

TEST_F(GradientExplainersTest, IntegratedGradientsAreComplete) {
  // RMSNorm makes a layer blind to the scale of its input, so on the straight path from the
  // zero embedding F jumps where |α·x| reaches sqrt(eps); with the usual eps = 1e-5 that step
  // falls between Riemann points. A large eps smooths it, so 64 points resolve the integral
  // and completeness tests the attribution itself.
  ModelConfig smooth = tiny_config_with_tokenizer();
  smooth.rms_norm_eps = 1.0;
  TempDir dir;
  save_checkpoint(dir.path(), smooth, random_weights(smooth, 7, 0.5));
  std::filesystem::copy_file(tmp.path() / "tokenizer.model", dir.path() / "tokenizer.model");
  model = load_model(dir.path());
  input = make_explain_input(model, "The cat sat on the mat. The dog ran.", " The cat ran");

  GradientOptions options;
  options.steps = 64;
  const auto ig = integrated_gradients(model, input, options);  // (N, T)
  torch::NoGradGuard no_grad;
  const auto x = embeddings();
  const double expected = (target_logprobs(x) - target_logprobs(torch::zeros_like(x))).sum().item<double>();
  const double attributed = ig.sum().item<double>();
  ASSERT_GT(std::abs(expected), 1e-2);
  EXPECT_NEAR(attributed, expected, 0.02 * std::abs(expected));
}

TEST_F(GradientExplainersTest, PathBatchesDoNotChangeTheResult) {
  GradientOptions all_at_once{7, 0}, in_threes{7, 3};
  EXPECT_LT(max_abs_diff(integrated_gradients(model, input, all_at_once), integrated_gradients(model, input, in_threes)),
            1e-5);
  EXPECT_LT(max_abs_diff(attention_attribution(model, input, all_at_once).attribution,
                         attention_attribution(model, input, in_threes).attribution),
            1e-5);
}

TEST_F(GradientExplainersTest, AttAttrWithOneStepIsAttentionTimesGradient) {
  GradientOptions one_step{1, 0};
  const auto attr = attention_attribution(model, input, one_step).attribution;  // (L, H, T, T)
  // Independently, layer by layer: one unscaled pass in which that layer's attention is a
  // leaf (the other layers computed as usual), one backward of F = Σ_t log p(target_t).
  torch::AutoGradMode grad_mode(true);
  const int64_t L = model.transformer.config().num_hidden_layers;
  ASSERT_EQ(attr.size(0), L);
  for (int64_t layer = 0; layer < L; ++layer) {
    torch::Tensor leaf;
    ForwardOptions options;
    options.on_attention = [&](int64_t l, const torch::Tensor& probs) {
      if (l != layer) return probs;
      leaf = probs.detach().requires_grad_(true);
      return leaf;
    };
    const auto F = target_logprobs(embeddings(), options).sum();
    const auto grad = torch::autograd::grad({F}, {leaf})[0];
    const auto expected = (leaf * grad)[0].detach();  // (H, T, T)
    EXPECT_LT(max_abs_diff(attr[layer], expected), 1e-5) << "layer " << layer;
    EXPECT_GT(expected.abs().max().item<double>(), 1e-4) << "layer " << layer;
  }
}

TEST_F(GradientExplainersTest, AttAttrRelevanceSumsTargetRowsOverLayersAndHeads) {
  const ExplainOptions options;
  GradientOptions gradient{3, 0};
  const Explanation e = explain_attattr(model, input, options, gradient);
  const auto attr = attention_attribution(model, input, gradient).attribution;  // (L, H, T, T)
  const int64_t P = input.prompt_length();
  ASSERT_EQ(e.relevance.size(), static_cast<size_t>(input.target_length()));
  for (size_t t = 0; t < e.relevance.size(); ++t) {
    for (const Unit& u : e.units) {
      double sum = 0.0;
      for (int64_t k : u.token_indices) sum += attr.select(2, P - 1 + static_cast<int64_t>(t)).select(2, k).sum().item<double>();
      EXPECT_NEAR(e.relevance[t][u.index], sum, 1e-6) << "target " << t << " unit " << u.index;
    }
  }
  EXPECT_EQ(e.method, "attattr");
  EXPECT_EQ(e.params["steps"], 3);
}

TEST_F(GradientExplainersTest, MethodsLeaveNoTraceOnTheModel) {
  const auto& w = model.transformer.weights();
  const auto before = w.layers[0].q_proj.clone();
  const auto embed_before = w.embed_tokens.clone();
  const bool grad_mode_before = torch::GradMode::is_enabled();
  for (const char* name : {"ig", "ixg", "attattr"}) {
    MethodOptions method;
    method.method = parse_method(name);
    method.gradient.steps = 2;
    const Explanation e = explain(model, input, {}, method);
    EXPECT_EQ(e.method, name);
    EXPECT_TRUE(torch::equal(w.layers[0].q_proj, before)) << name;
    EXPECT_TRUE(torch::equal(w.embed_tokens, embed_before)) << name;
    for (const auto& t : {w.embed_tokens, w.layers[0].q_proj, w.layers[1].down_proj, w.final_norm}) {
      EXPECT_FALSE(t.requires_grad()) << name;
      EXPECT_FALSE(t.grad().defined()) << name;
    }
    EXPECT_EQ(torch::GradMode::is_enabled(), grad_mode_before) << name;
  }
}

TEST_F(GradientExplainersTest, BadOptionsAreRefused) {
  EXPECT_THAT(error_message([&] { GradientOptions{0, 0}.validate(); }), ::testing::HasSubstr("--steps must be >= 1"));
  EXPECT_THAT(error_message([] { parse_method("shap"); }), ::testing::HasSubstr("unknown method 'shap'"));
}

}  // namespace
}  // namespace atman::test
