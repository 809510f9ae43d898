// Saving and loading Hugging Face checkpoint directories: single file, shards, dtypes, ties.
#include "atman/checkpoint.hpp"

#include "atman/safetensors.hpp"
#include "support/test_support.hpp"

namespace atman::test {
namespace {

class CheckpointTest : public SeededTest {
 protected:
  ModelConfig config = tiny_config();
  TransformerWeights weights = random_weights(config, 11, 0.5);
  torch::Tensor input = ids({1, 4, 8, 15, 0, 3});
  TempDir tmp;

  torch::Tensor reference_logits() const { return Transformer(config, weights).forward(input); }
};

TEST_F(CheckpointTest, SingleFileRoundTripGivesIdenticalLogits) {
  save_checkpoint(tmp.path(), config, weights);
  ASSERT_TRUE(std::filesystem::exists(tmp.path() / "model.safetensors"));
  auto loaded = load_transformer(tmp.path());
  EXPECT_EQ(max_abs_diff(loaded.forward(input), reference_logits()), 0.0);
}

TEST_F(CheckpointTest, ShardedAndSingleFileGiveIdenticalLogits) {
  TempDir single, sharded;
  save_checkpoint(single.path(), config, weights);
  SaveOptions three_shards;
  three_shards.num_shards = 3;
  save_checkpoint(sharded.path(), config, weights, three_shards);
  EXPECT_FALSE(std::filesystem::exists(sharded.path() / "model.safetensors"));
  EXPECT_TRUE(std::filesystem::exists(sharded.path() / "model.safetensors.index.json"));
  EXPECT_TRUE(std::filesystem::exists(sharded.path() / "model-00003-of-00003.safetensors"));
  auto a = load_transformer(single.path()).forward(input);
  auto b = load_transformer(sharded.path()).forward(input);
  EXPECT_EQ(max_abs_diff(a, b), 0.0);
}

TEST_F(CheckpointTest, Float16AndBfloat16CheckpointsLoadAndComputeInFloat32) {
  for (auto stored : {torch::kFloat16, torch::kBFloat16}) {
    TempDir dir;
    SaveOptions save;
    save.dtype = stored;
    save_checkpoint(dir.path(), config, weights, save);
    auto loaded = load_transformer(dir.path());
    EXPECT_EQ(loaded.dtype(), torch::kFloat32);
    // The loaded weights are exactly the stored half-precision values, widened.
    auto expected_q = weights.layers[1].q_proj.to(stored).to(torch::kFloat32);
    EXPECT_TRUE(torch::equal(loaded.weights().layers[1].q_proj, expected_q));
    // And the model still computes nearly the same thing.
    auto ref = torch::log_softmax(reference_logits(), -1);
    auto got = torch::log_softmax(loaded.forward(input), -1);
    EXPECT_LT(max_abs_diff(ref, got), stored == torch::kFloat16 ? 0.05 : 0.3);
  }
}

TEST_F(CheckpointTest, ComputeDtypeCanBeChosen) {
  save_checkpoint(tmp.path(), config, weights);
  LoadOptions bf16;
  bf16.dtype = torch::kBFloat16;
  auto loaded = load_transformer(tmp.path(), bf16);
  EXPECT_EQ(loaded.dtype(), torch::kBFloat16);
  auto logits = loaded.forward(input);
  EXPECT_EQ(logits.scalar_type(), torch::kFloat32);  // logits are always returned as float32
  auto ref = torch::log_softmax(reference_logits(), -1);
  EXPECT_LT(max_abs_diff(torch::log_softmax(logits, -1), ref), 0.5);
}

TEST_F(CheckpointTest, Float16ComputeIsRefusedWithAHint) {
  save_checkpoint(tmp.path(), config, weights);
  LoadOptions fp16;
  fp16.dtype = torch::kFloat16;
  EXPECT_THAT(error_message([&] { load_transformer(tmp.path(), fp16); }),
              ::testing::HasSubstr("HINT: use --dtype bfloat16"));
}

TEST_F(CheckpointTest, UntiedHeadIsStoredAndTiedHeadIsNot) {
  save_checkpoint(tmp.path(), config, weights);
  auto file = SafetensorsFile::open(tmp.path() / "model.safetensors");
  EXPECT_TRUE(file->contains("lm_head.weight"));
  EXPECT_TRUE(torch::equal(load_transformer(tmp.path()).weights().lm_head, weights.lm_head));

  TempDir tied_dir;
  ModelConfig tied = config;
  tied.tie_word_embeddings = true;
  auto tied_weights = random_weights(tied, 5, 0.5);
  save_checkpoint(tied_dir.path(), tied, tied_weights);
  EXPECT_FALSE(SafetensorsFile::open(tied_dir.path() / "model.safetensors")->contains("lm_head.weight"));
  auto loaded = load_transformer(tied_dir.path());
  EXPECT_TRUE(loaded.weights().lm_head.is_same(loaded.weights().embed_tokens));
}

TEST_F(CheckpointTest, Float32WeightsAreViewsOfTheMappedFile) {
  save_checkpoint(tmp.path(), config, weights);
  auto loaded = load_transformer(tmp.path());
  // A tensor created by from_blob over the mapping does not own an allocator-made buffer:
  // its storage has no resizable allocation, unlike a copied tensor.
  const auto& embed = loaded.weights().embed_tokens;
  EXPECT_FALSE(embed.storage().resizable());
  EXPECT_TRUE(weights.embed_tokens.storage().resizable());
}

TEST_F(CheckpointTest, MistralAndHeadDimVariantsLoad) {
  ModelConfig mistral = config;
  mistral.model_type = "mistral";
  mistral.head_dim = 4;  // explicit head_dim different from hidden / heads
  mistral.sliding_window = 3;
  auto w = random_weights(mistral, 2, 0.5);
  save_checkpoint(tmp.path(), mistral, w);
  auto loaded = load_transformer(tmp.path());
  EXPECT_EQ(loaded.config().head_dim, 4);
  EXPECT_EQ(loaded.config().sliding_window, 3);
  EXPECT_EQ(max_abs_diff(loaded.forward(input), Transformer(mistral, w).forward(input)), 0.0);
  // The window hides keys more than 3 positions back: the last position sees a shorter history
  // than without a window.
  ModelConfig no_window = mistral;
  no_window.sliding_window = 0;
  EXPECT_GT(max_abs_diff(Transformer(no_window, w).forward(input), loaded.forward(input)), 1e-4);
}

}  // namespace
}  // namespace atman::test
