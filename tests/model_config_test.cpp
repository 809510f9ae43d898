// config.json parsing: defaults, variants of real checkpoints, and field-naming errors.
#include "atman/model_config.hpp"

#include <nlohmann/json.hpp>

#include "support/test_support.hpp"

namespace atman::test {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

json llama_json() {
  return json{{"model_type", "llama"},       {"vocab_size", 32000},      {"hidden_size", 4096},
              {"intermediate_size", 11008},  {"num_hidden_layers", 32},  {"num_attention_heads", 32},
              {"rms_norm_eps", 1e-5},        {"max_position_embeddings", 4096}};
}

TEST(ModelConfigTest, DefaultsFollowHuggingFace) {
  auto c = ModelConfig::from_json(llama_json(), "config.json");
  EXPECT_EQ(c.num_key_value_heads, 32);  // defaults to the number of heads
  EXPECT_EQ(c.head_dim, 128);            // hidden / heads
  EXPECT_DOUBLE_EQ(c.rope_theta, 10000.0);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_EQ(c.query_groups(), 1);
}

TEST(ModelConfigTest, GroupedQueryHeadDimAndEosListAreRead) {
  auto j = llama_json();
  j["num_key_value_heads"] = 8;
  j["head_dim"] = 64;
  j["eos_token_id"] = json::array({2, 7});
  j["rope_theta"] = 500000.0;
  j["tie_word_embeddings"] = true;
  auto c = ModelConfig::from_json(j, "config.json");
  EXPECT_EQ(c.query_groups(), 4);
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_EQ(c.eos_token_id, 2);
  EXPECT_DOUBLE_EQ(c.rope_theta, 500000.0);
  EXPECT_TRUE(c.tie_word_embeddings);
}

TEST(ModelConfigTest, MistralWithSlidingWindowIsAccepted) {
  auto j = llama_json();
  j["model_type"] = "mistral";
  j["sliding_window"] = 4096;
  auto c = ModelConfig::from_json(j, "config.json");
  EXPECT_EQ(c.model_type, "mistral");
  EXPECT_EQ(c.sliding_window, 4096);
}

TEST(ModelConfigTest, RoundTripsThroughJson) {
  auto j = llama_json();
  j["num_key_value_heads"] = 4;
  auto c = ModelConfig::from_json(j, "a");
  auto again = ModelConfig::from_json(c.to_json(), "b");
  EXPECT_EQ(again.to_json(), c.to_json());
}

TEST(ModelConfigTest, RopeScalingSpellings) {
  auto j = llama_json();
  j["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};  // legacy "type"
  EXPECT_EQ(ModelConfig::from_json(j, "c").rope_scaling.type, "linear");
  j = llama_json();
  j["rope_parameters"] = {{"rope_type", "llama3"}, {"factor", 32.0}, {"low_freq_factor", 1.0},
                          {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 8192},
                          {"rope_theta", 500000.0}};
  auto c = ModelConfig::from_json(j, "c");
  EXPECT_EQ(c.rope_scaling.type, "llama3");
  EXPECT_EQ(c.rope_scaling.original_max_position_embeddings, 8192);
  EXPECT_EQ(c.rope_theta, 500000.0);  // inside rope_parameters
  EXPECT_EQ(ModelConfig::from_json(c.to_json(), "again").to_json(), c.to_json());
  j["rope_scaling"] = {{"rope_type", "linear"}, {"factor", 4.0}};  // rope_scaling wins
  EXPECT_EQ(ModelConfig::from_json(j, "c").rope_scaling.type, "linear");
  j["rope_scaling"] = {{"rope_type", "default"}};
  EXPECT_EQ(ModelConfig::from_json(j, "c").rope_scaling.type, "default");
}

TEST(ModelConfigTest, FamiliesReadTheirFieldsAndRefuseWhatTheyWouldComputeWrongly) {
  auto j = llama_json();
  j["model_type"] = "qwen2";
  j["sliding_window"] = 4096;  // inert without use_sliding_window
  auto c = ModelConfig::from_json(j, "c");
  EXPECT_TRUE(c.qkv_bias);
  EXPECT_EQ(c.qk_norm, "none");
  EXPECT_EQ(c.sliding_window, 0);
  j["use_sliding_window"] = true;
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(j, "c"); }), HasSubstr("use_sliding_window"));
  j = llama_json();
  j["model_type"] = "qwen3";
  c = ModelConfig::from_json(j, "c");
  EXPECT_EQ(c.qk_norm, "per_head");
  EXPECT_FALSE(c.qkv_bias);
  j["model_type"] = "olmo2";
  c = ModelConfig::from_json(j, "c");
  EXPECT_EQ(c.qk_norm, "whole");
  EXPECT_EQ(c.norm_placement, "post");
  j["model_type"] = "phi3";
  j["partial_rotary_factor"] = 0.75;
  j["head_dim"] = 16;
  c = ModelConfig::from_json(j, "c");
  EXPECT_TRUE(c.fused_projections);
  EXPECT_EQ(c.rotary_dim(), 12);
  j["partial_rotary_factor"] = 0.1;  // 1 dimension: cannot be rotated in pairs
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(j, "c"); }), HasSubstr("partial_rotary_factor"));
  j["model_type"] = "gemma2";
  j["hidden_act"] = "gelu_pytorch_tanh";  // the type is named, not a field another family spells
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(j, "c"); }),
              HasSubstr("unsupported model_type 'gemma2' (supported: llama, mistral, qwen2, qwen3, phi3, olmo2)"));
  j = llama_json();
  j["attention_bias"] = true;
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(j, "c"); }), HasSubstr("attention_bias"));
  j = llama_json();
  j["hidden_act"] = "gelu";
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(j, "c"); }), HasSubstr("hidden_act \"gelu\""));
}

TEST(ModelConfigTest, ErrorsNameTheFileAndField) {
  auto j = llama_json();
  j["vocab_size"] = -3;
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(j, "/m/config.json"); }),
              HasSubstr("/m/config.json: field 'vocab_size' must be > 0"));
  j = llama_json();
  j["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 2.0}};
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(j, "c"); }),
              HasSubstr("rope type 'yarn' is not supported (supported: default, linear, llama3)"));
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(json::array(), "c"); }),
              HasSubstr("expected a JSON object"));
  j = llama_json();
  j["head_dim"] = 3;
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(j, "c"); }), HasSubstr("head_dim must be even"));
}

}  // namespace
}  // namespace atman::test
