// Architectures against ../shared/fixtures/models/<family>/expected.json, from an independent
// implementation of the Hugging Face modeling code: logits at listed positions, the greedy
// continuation, and AtMan relevance with conceptual suppression off and at 0.7.
#include <fstream>

#include <nlohmann/json.hpp>

#include "atman/atman_explainer.hpp"
#include "atman/generate.hpp"
#include "atman/safetensors.hpp"
#include "support/test_support.hpp"

namespace atman::test {
namespace {

const std::filesystem::path kModels = std::filesystem::path(ATMAN_SHARED_FIXTURES_DIR) / "models";
constexpr double kTolerance = 1e-4;

class ModelFamilyTest : public ::testing::TestWithParam<std::string> {
 protected:
  nlohmann::json expected() const {
    std::ifstream in(kModels / GetParam() / "expected.json");
    return nlohmann::json::parse(in);
  }
};

double worst_difference(const nlohmann::json& expected, const std::vector<std::vector<double>>& actual) {
  double worst = 0;
  for (size_t t = 0; t < actual.size(); ++t) {
    for (size_t u = 0; u < actual[t].size(); ++u) {
      worst = std::max(worst, std::abs(expected[t][u].get<double>() - actual[t][u]));
    }
  }
  return worst;
}

TEST_P(ModelFamilyTest, LogitsGreedyIdsAndAtmanRelevanceMatchTheReference) {
  ATMAN_REQUIRE_FIXTURE(kModels / GetParam() / "expected.json");
  const auto e = expected();
  const Model model = load_model(kModels / GetParam());

  // Logits at the listed positions.
  const auto ids = e["input_ids"].get<std::vector<int64_t>>();
  torch::NoGradGuard no_grad;
  auto logits_difference = [&](const Model& m) {
    ForwardOptions forward;
    forward.logit_positions = torch::tensor(e["logits_positions"].get<std::vector<int64_t>>(), torch::kInt64);
    const auto logits = m.transformer.forward(torch::tensor(ids).unsqueeze(0), forward)[0];  // (L, V)
    std::vector<torch::Tensor> rows;
    for (const auto& row : e["logits"]) rows.push_back(torch::tensor(row.get<std::vector<float>>()));
    return max_abs_diff(logits, torch::stack(rows));
  };
  const double logits_diff = logits_difference(model);
  EXPECT_LE(logits_diff, kTolerance);

  // Greedy continuation: exact ids.
  GenerateOptions options;
  options.max_new_tokens = static_cast<int64_t>(e["greedy"].size());
  options.stop_at_eos = false;
  const Generation g = generate_greedy(model, e["input_text"].get<std::string>(), options);
  EXPECT_EQ(g.prompt_ids, ids);
  EXPECT_EQ(g.new_ids, e["greedy"].get<std::vector<int64_t>>());

  // AtMan relevance, token units, factor 0.1, conceptual suppression off and at 0.7.
  auto relevance_difference = [&](const Model& m) {
    double worst = 0;
    for (const char* key : {"atman", "atman_conceptual"}) {
      const auto& a = e[key];
      const ExplainInput input = make_explain_input(m, a["prompt_text"], a["target_text"]);
      std::vector<int64_t> prompt_ids, target_ids;
      for (const auto& t : input.prompt_tokens) prompt_ids.push_back(t.id);
      for (const auto& t : input.target_tokens) target_ids.push_back(t.id);
      EXPECT_EQ(prompt_ids, a["prompt_ids"].get<std::vector<int64_t>>()) << key;
      EXPECT_EQ(target_ids, a["target_ids"].get<std::vector<int64_t>>()) << key;
      AtmanOptions atman;
      atman.suppression.factor = a["factor"];
      atman.suppression.modify_factor = a["modify_by_cos"];
      atman.suppression.conceptual_threshold = a["conceptual_threshold"].is_null()
                                                   ? std::nullopt
                                                   : std::optional<double>(a["conceptual_threshold"].get<double>());
      worst = std::max(worst, worst_difference(a["relevance"], explain_atman(m, input, {}, atman).relevance));
    }
    return worst;
  };
  const double relevance_diff = relevance_difference(model);
  EXPECT_LE(relevance_diff, kTolerance);

  // The fused attention kernel against the same references (gemma2's soft-capped scores keep
  // the explicit kernel).
  LoadOptions fused;
  fused.attention = AttentionKernel::kFused;
  const Model fused_model = load_model(kModels / GetParam(), fused);
  ASSERT_EQ(fused_model.transformer.attention_kernel(), AttentionKernel::kFused);
  const double fused_logits_diff = logits_difference(fused_model);
  const double fused_relevance_diff = relevance_difference(fused_model);
  EXPECT_LE(fused_logits_diff, kTolerance) << "fused kernel";
  EXPECT_LE(fused_relevance_diff, kTolerance) << "fused kernel";
  std::cout << "[family " << GetParam() << "] worst |logit diff| " << logits_diff << ", worst |relevance diff| "
            << relevance_diff << ", greedy " << (g.new_ids == e["greedy"].get<std::vector<int64_t>>() ? "exact" : "differs")
            << "; fused kernel " << fused_logits_diff << ", " << fused_relevance_diff << "\n";
}

// The KV cache (AtMan's prefix reuse, generate) and autograd (the gradient methods) go through
// every family's particulars: windows and local rotary bases at an offset, softcaps, gelu.
TEST_P(ModelFamilyTest, CachedPassesAndGradientsAgreeWithTheFullComputation) {
  ATMAN_REQUIRE_FIXTURE(kModels / GetParam() / "expected.json");
  const auto e = expected();
  const Model model = load_model(kModels / GetParam());
  const auto ids = torch::tensor(e["input_ids"].get<std::vector<int64_t>>()).unsqueeze(0);  // (1, T)
  const int64_t T = ids.size(1), split = 13;  // past the window of 8 of the sliding fixtures
  {
    torch::NoGradGuard no_grad;
    const auto full = model.transformer.forward(ids)[0].narrow(0, split, T - split);  // (T − split, V)
    KVCache cache;
    ForwardOptions cached;
    cached.cache = &cache;
    model.transformer.forward(ids.narrow(1, 0, split), cached);
    const auto rest = model.transformer.forward(ids.narrow(1, split, T - split), cached)[0];
    EXPECT_LE(max_abs_diff(full, rest), kTolerance) << "cached continuation";
    // Logit positions after the cached prefix, unsorted: the last layer computes only their rows.
    KVCache prefix = cache.prefix(split);
    ForwardOptions picked;
    picked.cache = &prefix;
    picked.append_to_cache = false;
    picked.logit_positions = torch::tensor({T - 1, split + 2, split}, torch::kInt64);
    const auto rows = model.transformer.forward(ids.narrow(1, split, T - split), picked)[0];  // (3, V)
    EXPECT_LE(max_abs_diff(rows, full.index_select(0, torch::tensor({T - 1 - split, int64_t{2}, int64_t{0}}))), kTolerance)
        << "logit positions after a cache";
  }
  // d log p(last token) / d embeddings along a random direction, against a central difference.
  const auto x = model.transformer.embed(ids).detach();  // (1, T, D) float32
  const int64_t target = ids[0][T - 1].item<int64_t>();
  auto logp = [&](const torch::Tensor& embeddings) {
    ForwardOptions last;
    last.logit_positions = torch::tensor({T - 2}, torch::kInt64);
    return torch::log_softmax(model.transformer.forward_embeddings(embeddings, last)[0][0], -1)[target];
  };
  torch::manual_seed(0);
  auto direction = torch::randn(x.sizes(), torch::TensorOptions().dtype(torch::kFloat32));
  direction /= direction.norm();  // a unit step: small enough for the difference to be local
  auto variable = x.clone().requires_grad_(true);
  logp(variable).backward();
  const double analytic = (variable.grad() * direction).sum().item<double>();
  torch::NoGradGuard no_grad;
  const double h = 1e-2;
  const double numeric = (logp(x + h * direction) - logp(x - h * direction)).item<double>() / (2 * h);
  EXPECT_NEAR(analytic, numeric, 0.01 * std::abs(analytic) + 2e-3);
}

// A multimodal Gemma 3 checkpoint (Gemma3ForConditionalGeneration): config in text_config,
// decoder under language_model.model. or model.language_model., a vision tower beside it.
TEST(Gemma3MultimodalTest, TheTextModelOfEitherLayoutComputesAsTheTextCheckpoint) {
  const auto fixture = kModels / "gemma3";
  ATMAN_REQUIRE_FIXTURE(fixture / "expected.json");
  const Model text_model = load_model(fixture);
  const auto ids = torch::tensor(std::vector<int64_t>{1, 300, 301, 302, 303}).unsqueeze(0);
  torch::NoGradGuard no_grad;
  const auto expected = text_model.transformer.forward(ids);
  nlohmann::json text_config;
  std::ifstream(fixture / "config.json") >> text_config;
  const nlohmann::json config = {{"model_type", "gemma3"},
                                 {"architectures", {"Gemma3ForConditionalGeneration"}},
                                 {"text_config", text_config},
                                 {"vision_config", {{"model_type", "siglip_vision_model"}}}};
  const auto file = SafetensorsFile::open(fixture / "model.safetensors");
  for (const std::string prefix : {"language_model.model.", "model.language_model."}) {
    TempDir dir;
    std::vector<std::pair<std::string, torch::Tensor>> tensors = {
        {"vision_tower.vision_model.embeddings.patch_embedding.weight", torch::ones({4, 3})}};
    for (const auto& [name, entry] : file->entries()) {  // all "model.*": the head is tied
      tensors.emplace_back(prefix + name.substr(std::string("model.").size()), file->tensor(name));
    }
    write_safetensors(dir.path() / "model.safetensors", tensors);
    std::ofstream(dir.path() / "config.json") << config.dump();
    std::filesystem::copy_file(fixture / "tokenizer.model", dir.path() / "tokenizer.model");
    const Model multimodal = load_model(dir.path());
    EXPECT_EQ(multimodal.transformer.config().model_type, "gemma3_text");
    EXPECT_EQ(max_abs_diff(multimodal.transformer.forward(ids), expected), 0.0) << prefix;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ModelFamilyTest, ::testing::Values("llama", "qwen2", "qwen3", "phi3", "gemma2", "gemma3", "olmo2"));

}  // namespace
}  // namespace atman::test
