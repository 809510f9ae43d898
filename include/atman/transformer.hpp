#pragma once
// The Llama-family decoder (Llama, Mistral): RMSNorm, rotary embeddings ("rotate half"),
// grouped-query attention with an explicit attention edit, SwiGLU feed-forward.
// Weights are plain tensors, not nn::Modules: libtorch modules have no forward hooks, and
// every manipulation AtMan needs is an argument of forward() instead.
#include <cstdint>
#include <functional>
#include <vector>

#include <torch/torch.h>

#include "atman/attention_edit.hpp"
#include "atman/kv_cache.hpp"
#include "atman/model_config.hpp"

namespace atman {

struct LayerWeights {
  torch::Tensor input_norm;           // (D); undefined with post-norm blocks (olmo2)
  torch::Tensor q_proj;               // (H·hd, D)
  torch::Tensor k_proj;               // (KVH·hd, D)
  torch::Tensor v_proj;               // (KVH·hd, D)
  torch::Tensor o_proj;               // (D, H·hd)
  torch::Tensor post_attention_norm;  // (D): before the MLP (pre-norm), or of the attention output (olmo2)
  torch::Tensor gate_proj;            // (I, D)
  torch::Tensor up_proj;              // (I, D)
  torch::Tensor down_proj;            // (D, I)
  // Present only in the families that have them (undefined otherwise):
  torch::Tensor q_bias, k_bias, v_bias;  // (H·hd), (KVH·hd), (KVH·hd): qwen2
  torch::Tensor q_norm, k_norm;          // (hd) per head (qwen3) or (H·hd), (KVH·hd) whole (olmo2)
  torch::Tensor post_feedforward_norm;   // (D): olmo2's norm of the MLP output
};

struct TransformerWeights {
  torch::Tensor embed_tokens;  // (V, D)
  std::vector<LayerWeights> layers;
  torch::Tensor final_norm;  // (D)
  torch::Tensor lm_head;     // (V, D); the same storage as embed_tokens when tied
};

struct ForwardOptions {
  const AttentionEdit* edit = nullptr;  // optional attention manipulation
  // Read for the positions before this pass and, when `append_to_cache`, extended with the
  // new positions. May hold a batch of 1 shared by all rows.
  KVCache* cache = nullptr;
  bool append_to_cache = true;
  // (n) int64 absolute positions whose logits are wanted, each in [past, past + T); undefined
  // means every new position. Projecting to the vocabulary is the largest matmul of a small
  // model, so callers ask only for what they use.
  torch::Tensor logit_positions;
  // Called with each layer's attention probabilities (B, H, T, S), after softmax; what it
  // returns is used instead (same shape). AttAttr scales and differentiates them here.
  std::function<torch::Tensor(int64_t layer, const torch::Tensor& probabilities)> on_attention;
};

// Floating-point operations of one forward pass: `rows` sequences computing `new_positions`
// each after `past` cached ones, projecting `logit_positions` of each to the vocabulary.
// Counts the matmuls (2 per multiply-add), which dominate; norms and softmax are left out.
double forward_flops(const ModelConfig& config, int64_t rows, int64_t new_positions, int64_t past,
                     int64_t logit_positions);

class Transformer {
 public:
  Transformer(ModelConfig config, TransformerWeights weights);

  const ModelConfig& config() const { return config_; }
  const TransformerWeights& weights() const { return weights_; }
  torch::ScalarType dtype() const { return weights_.embed_tokens.scalar_type(); }

  // (B, T) int64 token ids -> (B, T, D) input embeddings.
  torch::Tensor embed(const torch::Tensor& ids) const;
  // (B, T) ids -> (B, n, V) float logits at options.logit_positions (all T by default).
  torch::Tensor forward(const torch::Tensor& ids, const ForwardOptions& options = {}) const;
  // Same, from (B, T, D) embeddings; gradient methods differentiate through this.
  torch::Tensor forward_embeddings(const torch::Tensor& embeddings,
                                   const ForwardOptions& options = {}) const;

  // Bytes held by the weights (tied matrices counted once).
  int64_t parameter_bytes() const;

 private:
  // (B, T, D) normalised input -> (B, T, D) attention output of one layer; `past` positions
  // come from options.cache. cos, sin: (T, rd), rd = config.rotary_dim().
  torch::Tensor attention(int64_t layer, const torch::Tensor& x, int64_t past,
                          const torch::Tensor& cos, const torch::Tensor& sin,
                          const ForwardOptions& options) const;
  // (T, S) bool: true where query past+i may not see key k (future, or outside the window).
  torch::Tensor blocked_keys(int64_t past, int64_t length) const;
  torch::Tensor feed_forward(const LayerWeights& w, const torch::Tensor& x) const;
  torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight) const;
  // (T) positions -> cos, sin of shape (T, rd) for the rotate-half layout.
  std::pair<torch::Tensor, torch::Tensor> rotary_tables(int64_t past, int64_t length) const;

  ModelConfig config_;
  TransformerWeights weights_;
  torch::Tensor inv_freq_;  // (rd/2) float32: theta^(−2i/rd), scaled (rope.hpp)
};

}  // namespace atman
