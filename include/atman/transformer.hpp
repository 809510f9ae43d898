#pragma once
// The decoder of every family atman computes (Llama, Mistral, Qwen, Phi-3, Gemma, OLMo): RMSNorm,
// rotary embeddings ("rotate half"), grouped-query attention with an explicit attention edit, a
// gated MLP. What differs between families is data in ModelConfig, not code paths per family.
// Weights are plain tensors, not nn::Modules: libtorch modules have no forward hooks, and
// every manipulation AtMan needs is an argument of forward() instead.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include <torch/torch.h>

#include "atman/attention_edit.hpp"
#include "atman/attention_kernel.hpp"
#include "atman/kv_cache.hpp"
#include "atman/model_config.hpp"

namespace atman {

// Optional tensors (undefined) are absent in the families that do not have them.
struct LayerWeights {
  // The four RMSNorm places of a block; which exist is config.norm_placement: "pre" has input and
  // pre_feedforward (HF's post_attention_layernorm), "post" the two outputs, "sandwich" all four.
  torch::Tensor input_norm;             // (D): of the attention input
  torch::Tensor post_attention_norm;    // (D): of the attention output, before the residual add
  torch::Tensor pre_feedforward_norm;   // (D): of the MLP input
  torch::Tensor post_feedforward_norm;  // (D): of the MLP output, before the residual add
  torch::Tensor q_proj;               // (H·hd, D)
  torch::Tensor k_proj;               // (KVH·hd, D)
  torch::Tensor v_proj;               // (KVH·hd, D)
  torch::Tensor o_proj;               // (D, H·hd)
  torch::Tensor gate_proj;            // (I, D)
  torch::Tensor up_proj;              // (I, D)
  torch::Tensor down_proj;            // (D, I)
  torch::Tensor q_bias, k_bias, v_bias;  // (H·hd), (KVH·hd), (KVH·hd): qwen2
  torch::Tensor q_norm, k_norm;          // (hd) per head (qwen3, gemma3) or (H·hd), (KVH·hd) whole (olmo2)

  // Every tensor of the layer, the undefined ones included.
  std::vector<const torch::Tensor*> tensors() const {
    return {&input_norm, &post_attention_norm, &pre_feedforward_norm, &post_feedforward_norm,
            &q_proj, &k_proj, &v_proj, &o_proj, &gate_proj, &up_proj, &down_proj,
            &q_bias, &k_bias, &v_bias, &q_norm, &k_norm};
  }
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
  torch::Tensor logit_positions;  // best on the CPU: checked there without a device sync
  // Called with each layer's attention probabilities (B, H, T, S), after softmax; what it
  // returns is used instead (same shape). AttAttr scales and differentiates them here.
  std::function<torch::Tensor(int64_t layer, const torch::Tensor& probabilities)> on_attention;
  // Queries per attention block: a layer computes its (B, H, block, S) scores one block of
  // queries at a time, so long sequences never hold a whole (B, H, T, S) tensor. 0 chooses
  // blocks of at most attention_block_bytes() of float32 scores (the whole T when that fits);
  // on_attention, which needs every probability at once, always gets one block.
  int64_t query_block = 0;
};

// The float32 score bytes of one automatic attention block: 64 MiB on the CPU; 256 MiB on a GPU
// (64M scores a kernel, far past what keeps it busy).
int64_t attention_block_bytes(const torch::Device& device);

// Floating-point operations of one forward pass: `rows` sequences computing `new_positions`
// each after `past` cached ones, projecting `logit_positions` of each to the vocabulary. The last
// layer computes only those positions' queries unless `whole_last_layer` (an on_attention hook).
// Counts the matmuls (2 per multiply-add), which dominate; norms and softmax are left out.
double forward_flops(const ModelConfig& config, int64_t rows, int64_t new_positions, int64_t past,
                     int64_t logit_positions, bool whole_last_layer = false);

class Transformer {
 public:
  Transformer(ModelConfig config, TransformerWeights weights);

  const ModelConfig& config() const { return config_; }
  const TransformerWeights& weights() const { return weights_; }
  torch::ScalarType dtype() const { return weights_.embed_tokens.scalar_type(); }
  // Where the weights are and every pass computes; inputs on another device are moved here.
  torch::Device device() const { return weights_.embed_tokens.device(); }

  // (B, T) int64 token ids -> (B, T, D) input embeddings. Ids on the CPU are checked against the
  // vocabulary there, before the copy, so a GPU pass does not wait for the check.
  torch::Tensor embed(const torch::Tensor& ids) const;
  // (B, T) ids -> (B, n, V) float logits at options.logit_positions (all T by default).
  torch::Tensor forward(const torch::Tensor& ids, const ForwardOptions& options = {}) const;
  // Same, from (B, T, D) embeddings; gradient methods differentiate through this.
  torch::Tensor forward_embeddings(const torch::Tensor& embeddings,
                                   const ForwardOptions& options = {}) const;

  // Bytes held by the weights (tied matrices counted once).
  int64_t parameter_bytes() const;

  // Which kernel computes attention outside autograd (kExplicit unless chosen).
  AttentionKernel attention_kernel() const { return attention_kernel_; }
  void use_attention_kernel(AttentionKernel kernel) { attention_kernel_ = kernel; }
  // Outside autograd the explicit kernel pads each row of scores with zero keys, hidden from every
  // query, to a multiple of this many keys: 8 on a GPU, where cuBLAS picks its 16-byte-aligned
  // kernels only for such rows; 1 (none) on the CPU, where padding measured no gain.
  int64_t key_alignment() const { return key_alignment_; }
  void use_key_alignment(int64_t keys) { key_alignment_ = std::max<int64_t>(1, keys); }

 private:
  // What a layer needs about positions: rotary tables and the keys each query may not see.
  struct PositionTables {
    torch::Tensor cos, sin;  // (T, rd), rd = config.rotary_dim()
    torch::Tensor blocked;   // (T, S + padding) bool: true where query past+i may not see key k
    // A sliding window may hide any key; without one, query past+i sees every key up to itself,
    // so the mask need only touch the keys after it.
    bool windowed = false;
  };
  // The attention edit of one pass in the form attend() applies it, made once per pass on the
  // weights' device, so that a layer only does arithmetic on its scores.
  struct PassEdit {
    const AttentionEdit* edit = nullptr;
    torch::Tensor factors;  // (B or 1, 1, 1, S) compute dtype: f, or log f when log-additive
    // When each row edits few keys, only those are touched (the rest keep their scores, which
    // the min-shift leaves unchanged up to the softmax's shift): their indices and what they get.
    torch::Tensor columns;        // (B or 1, 1, 1, n) int64; undefined: edit the scores densely
    torch::Tensor column_change;  // (B or 1, 1, 1, n) compute dtype: f − 1, or log f
    std::vector<int64_t> key_lengths;  // each row's own keys when rows are padded; else empty
  };
  PassEdit prepare_edit(const AttentionEdit* edit, int64_t keys) const;
  // The tables of a pass over `length` positions after `past`: for full-attention layers, and
  // for sliding ones (their window, and gemma3's local rotary base). `key_padding` keys after the
  // real ones are blocked for every query.
  std::pair<PositionTables, PositionTables> position_tables(int64_t past, int64_t length, int64_t key_padding) const;
  // How many zero keys one pass appends to its `keys` real ones, so that explicit score rows are
  // a multiple of key_alignment_ long: none for the fused kernel, hooks (which read the real
  // rows) and autograd.
  int64_t key_padding(int64_t keys, const PassEdit& edit, const ForwardOptions& options) const;

  // The new positions a layer computes outputs for: all T, or (the last layer, whose outputs
  // only feed the logits) the logit positions alone.
  struct QueryRows {
    torch::Tensor index;  // (n) int64 on the weights' device, relative to past; undefined: all T
    int64_t first = 0, last = 0;  // the smallest and the largest of them
    bool selected() const { return index.defined(); }
  };

  // (B, T, D) normalised input -> (B, n, D) attention output of one layer at `rows` (n of the T,
  // all by default), whose keys and values cover all T; `past` positions come from options.cache.
  torch::Tensor attention(int64_t layer, const torch::Tensor& x, int64_t past, const PositionTables& tables,
                          const QueryRows& rows, const PassEdit& edit, const ForwardOptions& options) const;
  // Where one block's queries sit: absolute positions lowest..highest. Keys after `highest` are
  // hidden from all of them, and so, under a sliding window, are keys at or before lowest − window.
  struct QuerySpan {
    int64_t lowest = 0, highest = 0;
  };
  // Scaled dot-product attention of queries q (B, H, Tq, hd) at `span` over keys and values
  // (B, KVH, S, hd) with the layer's edit and `blocked` (Tq, S) -> (B, H, Tq, hd); one block of
  // attention().
  torch::Tensor attend(int64_t layer, const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                       const torch::Tensor& blocked, const QuerySpan& span, bool windowed, const PassEdit& edit,
                       const ForwardOptions& options) const;
  // The fused kernel's version of the blocks of attention(): the same inputs and result; used
  // outside autograd and hooks, where the family's scores are not soft-capped and rows not padded.
  bool attends_fused(const PassEdit& edit, const ForwardOptions& options) const;
  torch::Tensor attend_fused(int64_t layer, const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             const torch::Tensor& blocked, int64_t block, const PassEdit& edit) const;
  // The edit of DESIGN step 5 on one block's final scores (B, H, Tq, S), in place outside autograd.
  torch::Tensor edit_scores(torch::Tensor scores, const PassEdit& edit) const;
  torch::Tensor feed_forward(const LayerWeights& w, const torch::Tensor& x) const;
  // RMSNorm scaled by (config.norm_offset + weight); `x` unchanged where `weight` is undefined
  // (the family has no norm there).
  torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight) const;

  ModelConfig config_;
  TransformerWeights weights_;
  torch::Tensor inv_freq_;        // (rd/2) float32: theta^(−2i/rd), scaled (rope.hpp)
  torch::Tensor local_inv_freq_;  // the same for sliding layers with their own base; undefined otherwise
  double embedding_scale_ = 1.0;  // sqrt(hidden) rounded to the compute dtype (Gemma), else 1
  AttentionKernel attention_kernel_ = AttentionKernel::kExplicit;
  int64_t key_alignment_ = 1;
};

}  // namespace atman
