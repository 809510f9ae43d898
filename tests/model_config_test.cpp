// config.json parsing: defaults, variants of real checkpoints, and field-naming errors.
#include "atman/model_config.hpp"

#include <filesystem>

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
  EXPECT_FALSE(c.layer_slides(31));
  j["use_sliding_window"] = true;  // then layers from max_window_layers on slide
  j["max_window_layers"] = 30;
  c = ModelConfig::from_json(j, "c");
  EXPECT_FALSE(c.layer_slides(29));
  EXPECT_TRUE(c.layer_slides(30));
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
  j["model_type"] = "gemma";
  j["hidden_act"] = "gelu_pytorch_tanh";  // the type is named, not a field another family spells
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(j, "c"); }),
              HasSubstr("unsupported model_type 'gemma' (supported: llama, mistral, qwen2, qwen3, phi3, gemma2, "
                        "gemma3_text, olmo2"));
  j = llama_json();
  j["attention_bias"] = true;
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(j, "c"); }), HasSubstr("attention_bias"));
  j = llama_json();
  j["quantization_config"] = {{"quant_method", "awq"}, {"bits", 4}};
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(j, "c"); }),
              HasSubstr("c: quantized checkpoints are not supported (quantization_config with quant_method 'awq')"));
  j["quantization_config"] = nullptr;  // written by some exporters for an unquantized model
  EXPECT_NO_THROW(ModelConfig::from_json(j, "c"));
  j = llama_json();
  j["hidden_act"] = "gelu";
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(j, "c"); }),
              HasSubstr("activation 'gelu' is not supported (supported: silu, gelu_pytorch_tanh)"));
}

TEST(ModelConfigTest, GemmaFieldsAndWhichLayersSlide) {
  auto j = llama_json();
  j["model_type"] = "gemma2";
  j["num_hidden_layers"] = 4;
  auto c = ModelConfig::from_json(j, "c");
  EXPECT_EQ(c.norm_placement, "sandwich");
  EXPECT_DOUBLE_EQ(c.norm_offset, 1.0);
  EXPECT_TRUE(c.scale_embeddings);
  EXPECT_TRUE(c.tie_word_embeddings);  // Gemma's default
  EXPECT_EQ(c.activation, "gelu_pytorch_tanh");
  EXPECT_DOUBLE_EQ(c.attention_scale(), 1.0 / 16.0);  // query_pre_attn_scalar 256 by default
  EXPECT_DOUBLE_EQ(c.attn_logit_softcapping, 50.0);   // absent: transformers' defaults
  EXPECT_DOUBLE_EQ(c.final_logit_softcapping, 30.0);
  EXPECT_EQ(c.sliding_window, 4096);
  EXPECT_TRUE(c.layer_slides(0));  // even layers
  EXPECT_FALSE(c.layer_slides(1));
  EXPECT_TRUE(c.layer_slides(2));
  j["attn_logit_softcapping"] = nullptr;  // null: no capping
  j["layer_types"] = {"full_attention", "sliding_attention", "full_attention", "full_attention"};
  c = ModelConfig::from_json(j, "c");
  EXPECT_DOUBLE_EQ(c.attn_logit_softcapping, 0.0);
  EXPECT_FALSE(c.layer_slides(0));
  EXPECT_TRUE(c.layer_slides(1));
  j["layer_types"] = {"full_attention", "chunked_attention", "full_attention", "full_attention"};
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(j, "c"); }),
              HasSubstr("layer type \"chunked_attention\" is not supported"));
  j["layer_types"] = {"full_attention"};
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(j, "c"); }), HasSubstr("one type per layer (4)"));
}

TEST(ModelConfigTest, Gemma3TextConfigOfAMultimodalCheckpointTakesGemma3Defaults) {
  // What google/gemma-3-4b-it ships: text_config names only what differs from the defaults.
  json j = {{"model_type", "gemma3"},
            {"eos_token_id", {1, 106}},
            {"text_config",
             {{"hidden_size", 2560},
              {"intermediate_size", 10240},
              {"model_type", "gemma3_text"},
              {"num_hidden_layers", 34},
              {"rope_scaling", {{"factor", 8.0}, {"rope_type", "linear"}}},
              {"sliding_window", 1024}}},
            {"vision_config", {{"model_type", "siglip_vision_model"}}}};
  auto c = ModelConfig::from_json(j, "config.json");
  EXPECT_EQ(c.model_type, "gemma3_text");
  EXPECT_EQ(c.vocab_size, 262208);
  EXPECT_EQ(c.num_attention_heads, 8);
  EXPECT_EQ(c.num_key_value_heads, 4);
  EXPECT_EQ(c.head_dim, 256);
  EXPECT_EQ(c.eos_token_id, 1);
  EXPECT_EQ(c.bos_token_id, 2);
  EXPECT_EQ(c.qk_norm, "per_head");
  EXPECT_DOUBLE_EQ(c.attn_logit_softcapping, 0.0);
  EXPECT_DOUBLE_EQ(c.final_logit_softcapping, 0.0);
  EXPECT_DOUBLE_EQ(c.rope_theta, 1e6);
  EXPECT_DOUBLE_EQ(c.local_rope_theta, 1e4);
  EXPECT_EQ(c.rope_scaling.type, "linear");
  EXPECT_TRUE(c.layer_slides(4));   // pattern 6: layers 5, 11, ... are global
  EXPECT_FALSE(c.layer_slides(5));
  j["text_config"]["num_hidden_layers"] = "many";
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(j, "config.json"); }),
              HasSubstr("config.json (text_config): field 'num_hidden_layers' must be an integer"));
}

TEST(ModelConfigTest, Gemma3RopeParametersPerLayerType) {
  json j = llama_json();
  j["model_type"] = "gemma3_text";
  j["rope_parameters"] = {{"full_attention", {{"rope_type", "linear"}, {"factor", 8.0}, {"rope_theta", 1e6}}},
                          {"sliding_attention", {{"rope_type", "default"}, {"rope_theta", 5e4}}}};
  auto c = ModelConfig::from_json(j, "c");
  EXPECT_DOUBLE_EQ(c.rope_theta, 1e6);
  EXPECT_DOUBLE_EQ(c.rope_scaling.factor, 8.0);
  EXPECT_DOUBLE_EQ(c.local_rope_theta, 5e4);
  j["rope_parameters"]["sliding_attention"] = {{"rope_type", "linear"}, {"factor", 2.0}};
  EXPECT_THAT(error_message([&] { ModelConfig::from_json(j, "c"); }), HasSubstr("sliding_attention"));
}

TEST(ModelConfigTest, EveryFixtureFamilyRoundTripsThroughToJson) {
  for (const char* family : {"llama", "qwen2", "qwen3", "phi3", "gemma2", "gemma3", "olmo2"}) {
    const auto path = std::filesystem::path(ATMAN_SHARED_FIXTURES_DIR) / "models" / family / "config.json";
    ATMAN_REQUIRE_FIXTURE(path);
    const auto c = ModelConfig::load(path);
    const auto again = ModelConfig::from_json(c.to_json(), "to_json");
    EXPECT_EQ(again.to_json(), c.to_json()) << family;
    EXPECT_EQ(again.sliding_layers, c.sliding_layers) << family;
  }
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
