// Benchmark helpers: presets, synthetic inputs, FLOP counts and the measurements themselves.
#include "atman/bench.hpp"

#include "atman/model_presets.hpp"
#include "atman/utf8.hpp"
#include "support/test_support.hpp"

namespace atman::test {
namespace {

TEST(PresetTest, ShapesAreTheDocumentedOnes) {
  const auto small = preset_config("llama-25m");
  EXPECT_EQ(small.hidden_size, 512);
  EXPECT_EQ(small.num_hidden_layers, 8);
  EXPECT_EQ(small.num_attention_heads, 8);
  EXPECT_EQ(small.vocab_size, 32000);
  EXPECT_EQ(small.intermediate_size, 1376);
  const auto big = preset_config("llama-110m");
  EXPECT_EQ(big.hidden_size, 768);
  EXPECT_EQ(big.num_hidden_layers, 12);
  EXPECT_EQ(big.intermediate_size, 2048);
  // Parameters in the layers: 4·D² for attention, 3·D·I for the FFN (+ norms).
  const double layer_params = 8 * (4.0 * 512 * 512 + 3.0 * 512 * 1376);
  EXPECT_NEAR(layer_params / 1e6, 25.3, 0.1);
  EXPECT_THAT(error_message([] { preset_config("huge"); }), ::testing::HasSubstr("unknown preset 'huge'"));
}

TEST(PresetTest, InitModelWritesALoadableDirectory) {
  TempDir tmp;
  init_model("tiny", tmp.path(), 3);
  const Model model = load_model(tmp.path());
  EXPECT_EQ(model.transformer.config().hidden_size, 64);
  EXPECT_EQ(model.tokenizer.vocab_size(), 512);
  const auto logits = model.transformer.forward(ids({1, 300, 400}));
  EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
}

TEST(ForwardFlopsTest, CountsEveryMatmul) {
  ModelConfig c = tiny_config();  // D 8, I 12, H 4 × hd 2 = 8, KV 2 × 2 = 4, V 16, L 2
  // Per position and layer: 2·(8·8 + 2·8·4 + 8·8 + 3·8·12) = 2·480; attention 2·2·8·S.
  const double one = forward_flops(c, 1, 1, 0, 1);
  EXPECT_DOUBLE_EQ(one, 2 * (2.0 * 480 + 4.0 * 8 * 1) + 2.0 * 8 * 16);
  EXPECT_DOUBLE_EQ(forward_flops(c, 3, 1, 0, 1), 3 * one);
  EXPECT_GT(forward_flops(c, 1, 1, 10, 1), one);  // more keys to attend to
  // The last layer computes queries at the logit positions only: of 4 positions with 1 logit,
  // 3 positions' q, o, MLP (2·416 each) and attention (2·2·8·4 each) are left out.
  EXPECT_DOUBLE_EQ(forward_flops(c, 1, 4, 0, 1, /*whole_last_layer=*/true) - forward_flops(c, 1, 4, 0, 1),
                   3 * (2.0 * 416 + 4.0 * 8 * 4));
}

class BenchTest : public SeededTest {
 protected:
  TempDir tmp;
  Model model = load_model(write_tiny_model(tmp.path()));
};

TEST_F(BenchTest, SyntheticInputHasTheRequestedLengthsAndConsistentSpans) {
  const auto in = synthetic_input(model, 20, 4, 9);
  EXPECT_EQ(in.prompt_length(), 20);
  EXPECT_EQ(in.target_length(), 4);
  EXPECT_EQ(in.prompt_tokens[0].id, 1);  // BOS
  for (size_t i = 1; i < in.prompt_tokens.size(); ++i) {
    const auto& t = in.prompt_tokens[i];
    EXPECT_GE(t.id, 259);
    EXPECT_EQ(t.start + t.length, i + 1 < in.prompt_tokens.size() ? in.prompt_tokens[i + 1].start
                                                                  : count_code_points(in.prompt));
  }
  EXPECT_EQ(synthetic_input(model, 20, 4, 9).input_ids().equal(in.input_ids()), true);  // deterministic
  EXPECT_THAT(error_message([&] { synthetic_input(model, 200, 4, 9); }),
              ::testing::HasSubstr("exceed the model's max_position_embeddings"));
}

TEST_F(BenchTest, ModesAgreeAndTheFastOneDoesLessWork) {
  BenchRequest request;
  request.prompt_tokens = 24;
  request.target_tokens = 3;
  request.atman.batch_size = 4;
  request.mode = BenchMode::kAtman;
  const auto fast = run_bench(model, request);
  request.mode = BenchMode::kNaive;
  const auto naive = run_bench(model, request);
  request.mode = BenchMode::kForward;
  const auto forward = run_bench(model, request);
  EXPECT_EQ(fast.rows, 23);
  EXPECT_EQ(fast.tokens, 26);
  EXPECT_LT(fast.flops, naive.flops);
  EXPECT_EQ(forward.rows, 0);
  EXPECT_GT(forward.peak_rss_bytes, 0);
  for (size_t t = 0; t < fast.relevance.size(); ++t) {
    for (size_t u = 0; u < fast.relevance[t].size(); ++u) {
      EXPECT_NEAR(fast.relevance[t][u], naive.relevance[t][u], 1e-5);
    }
  }
}

}  // namespace
}  // namespace atman::test
