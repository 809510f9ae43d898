#pragma once
// Facts of a checkpoint, read from a Hugging Face config.json. Choices of the user live
// elsewhere (e.g. LoadOptions); this struct only describes what the weights are.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace atman {

// Rotary scaling (config.json "rope_scaling" or "rope_parameters"): "default" (none), "linear"
// (inv_freq / factor) or "llama3" (Llama 3.1/3.2's smooth per-frequency scaling).
struct RopeScaling {
  std::string type = "default";
  double factor = 1.0;
  double low_freq_factor = 1.0;                  // llama3
  double high_freq_factor = 4.0;                 // llama3
  int64_t original_max_position_embeddings = 0;  // llama3: the context the model was trained at
};

// Everything that differs between the families atman computes is a field here, read once from
// config.json (model_config.cpp, model_family.cpp): one forward pass serves them all.
struct ModelConfig {
  std::string model_type = "llama";       // llama, mistral, qwen2, qwen3, phi3, gemma2, gemma3_text, olmo2
  int64_t vocab_size = 0;                 // rows of the embedding, > 0
  int64_t hidden_size = 0;                // d_model, > 0, divisible by num_attention_heads
  int64_t intermediate_size = 0;          // gated MLP inner width, > 0
  int64_t num_hidden_layers = 0;          // > 0
  int64_t num_attention_heads = 0;        // query heads, > 0
  int64_t num_key_value_heads = 0;        // grouped-query heads; divides num_attention_heads
  int64_t head_dim = 0;                   // per-head width (default hidden/heads), even
  double rms_norm_eps = 1e-6;             // added to the mean square in RMSNorm, > 0
  double rope_theta = 10000.0;            // rotary base, > 0
  RopeScaling rope_scaling;
  int64_t max_position_embeddings = 2048; // longest sequence the model supports, > 0
  // A sliding layer's query sees the last this many keys, itself included; 0 = all keys.
  int64_t sliding_window = 0;
  // Which layers slide (one flag per layer); empty = every layer, when sliding_window > 0.
  std::vector<bool> sliding_layers;
  bool tie_word_embeddings = false;       // lm_head shares the embedding matrix
  bool qkv_bias = false;                  // q/k/v projections have biases, o_proj none (qwen2)
  // RMSNorm of q and k before rotary: "none", "per_head" (qwen3, gemma3: weight of head_dim) or
  // "whole" (olmo2: over the whole projection, weight of heads·head_dim).
  std::string qk_norm = "none";
  bool fused_projections = false;         // phi3: qkv_proj and gate_up_proj, split at load
  double partial_rotary_factor = 1.0;     // phi3: rotary on the first head_dim·factor dims only
  // Where the RMSNorms of a block sit: "pre" (Llama: on the attention and MLP inputs), "post"
  // (olmo2: on their outputs, before the residual add) or "sandwich" (Gemma: both).
  std::string norm_placement = "pre";
  double norm_offset = 0.0;               // RMSNorm scales by (offset + w): Gemma stores w around 0, offset 1
  bool scale_embeddings = false;          // Gemma: input embeddings × sqrt(hidden_size), in compute dtype
  double query_pre_attn_scalar = 0.0;     // scores × this^-0.5 (Gemma); 0 = head_dim^-0.5
  double attn_logit_softcapping = 0.0;    // scores = cap·tanh(scores / cap) (gemma2); 0 = none
  double final_logit_softcapping = 0.0;   // the same on the logits (Gemma); 0 = none
  // Rotary base of the sliding layers, unscaled (gemma3's rope_local_base_freq); 0 = every layer
  // uses rope_theta with rope_scaling.
  double local_rope_theta = 0.0;
  std::string activation = "silu";        // of the gated MLP: "silu" or "gelu_pytorch_tanh" (Gemma)

  // Whether layer `layer` masks keys outside the sliding window.
  bool layer_slides(int64_t layer) const {
    return sliding_window > 0 && (sliding_layers.empty() || sliding_layers[static_cast<size_t>(layer)]);
  }
  // The factor on q·k before softmax.
  double attention_scale() const;
  // Dimensions of each head that rotary embeddings turn (even).
  int64_t rotary_dim() const { return static_cast<int64_t>(static_cast<double>(head_dim) * partial_rotary_factor); }
  int64_t bos_token_id = 1;               // < 0 when the model has no BOS
  int64_t eos_token_id = 2;               // < 0 when unknown; the first when config.json lists several
  std::vector<int64_t> eos_token_ids;     // all of them (instruct models stop at any); may be empty
  std::string torch_dtype = "float32";    // dtype the checkpoint was saved in

  // Number of query heads sharing one key/value head.
  int64_t query_groups() const { return num_attention_heads / num_key_value_heads; }

  // Throws atman::Error naming the offending field.
  void validate() const;

  nlohmann::json to_json() const;
  // `source` names the file in error messages.
  static ModelConfig from_json(const nlohmann::json& j, const std::string& source);
  static ModelConfig load(const std::filesystem::path& config_json);
  void save(const std::filesystem::path& config_json) const;
};

}  // namespace atman
