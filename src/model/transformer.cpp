#include "atman/transformer.hpp"

#include <cmath>
#include <limits>

#include "atman/device.hpp"
#include "atman/error.hpp"
#include "atman/rope.hpp"
#include "atman/runtime.hpp"
#include "fused_attention.hpp"

namespace atman {
namespace {

// (…, hd) -> (…, hd): (x1, x2) -> (−x2, x1) over the two halves of the head vector.
torch::Tensor rotate_half(const torch::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

// x: (B, heads, T, hd); cos, sin: (T, rotary_dim). Only the first rotary_dim dimensions turn
// (all of them except in phi3); the rest pass through.
torch::Tensor apply_rotary(const torch::Tensor& x, const torch::Tensor& cos,
                           const torch::Tensor& sin) {
  const int64_t rotary = cos.size(-1);
  if (rotary == x.size(-1)) return x * cos + rotate_half(x) * sin;
  const auto turned = x.narrow(-1, 0, rotary);
  return torch::cat({turned * cos + rotate_half(turned) * sin, x.narrow(-1, rotary, x.size(-1) - rotary)}, -1);
}

// q (B, H, T, hd), k (B, KVH, S, hd) -> scores (B, H, T, S). Grouped-query attention without
// copying keys per query head: query head h uses key head h / G, so the G heads of a group are
// stacked along the row axis.
torch::Tensor grouped_scores(const torch::Tensor& q, const torch::Tensor& k) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), hd = q.size(3);
  const int64_t KVH = k.size(1), G = H / KVH, S = k.size(2);
  return torch::matmul(q.contiguous().view({B, KVH, G * T, hd}), k.transpose(2, 3)).view({B, H, T, S});
}

// Key counts rounded up, and first keys down, to a multiple of `alignment` (key_alignment()).
int64_t round_up(int64_t keys, int64_t alignment) { return (keys + alignment - 1) / alignment * alignment; }
int64_t round_down(int64_t key, int64_t alignment) { return key / alignment * alignment; }

}  // namespace

Transformer::Transformer(ModelConfig config, TransformerWeights weights)
    : config_(std::move(config)), weights_(std::move(weights)) {
  config_.validate();
  prepare_cpu_features();
  if (device().is_cuda()) key_alignment_ = 8;  // 16 bytes of bfloat16
  if (static_cast<int64_t>(weights_.layers.size()) != config_.num_hidden_layers) {
    throw Error("transformer has " + std::to_string(weights_.layers.size()) +
                " layers of weights, config says " + std::to_string(config_.num_hidden_layers));
  }
  // Computed in float32 on the CPU, as the references do, then moved to the weights' device.
  inv_freq_ = rope_inverse_frequencies(config_).to(device());
  local_inv_freq_ = local_rope_inverse_frequencies(config_);
  if (local_inv_freq_.defined()) local_inv_freq_ = local_inv_freq_.to(device());
  if (config_.scale_embeddings) {
    // Gemma multiplies by sqrt(hidden) as a tensor of the compute dtype: rounded to it first.
    const double root = std::sqrt(static_cast<double>(config_.hidden_size));
    embedding_scale_ = torch::scalar_tensor(root, torch::kFloat64).to(dtype()).item<double>();
  }
}

torch::Tensor Transformer::embed(const torch::Tensor& ids) const {
  if (ids.dim() != 2) throw Error("token ids must have shape (batch, length)");
  if (ids.numel() > 0) {
    const int64_t lo = ids.min().item<int64_t>();
    const int64_t hi = ids.max().item<int64_t>();
    if (lo < 0 || hi >= config_.vocab_size) {
      throw Error("token id " + std::to_string(lo < 0 ? lo : hi) + " is outside the vocabulary of " +
                  std::to_string(config_.vocab_size));
    }
  }
  return torch::embedding(weights_.embed_tokens, to_device_async(ids, device()));  // (B, T, D)
}

torch::Tensor Transformer::forward(const torch::Tensor& ids, const ForwardOptions& options) const {
  return forward_embeddings(embed(ids), options);
}

namespace {

// (T) positions -> cos, sin of shape (T, rd) for the rotate-half layout.
std::pair<torch::Tensor, torch::Tensor> rotary_tables(const torch::Tensor& inv_freq, int64_t past, int64_t length,
                                                      torch::ScalarType dtype) {
  auto positions = torch::arange(past, past + length, inv_freq.options());  // (T) float32
  auto freqs = torch::outer(positions, inv_freq);                         // (T, rd/2)
  auto angles = torch::cat({freqs, freqs}, -1);                           // (T, rd)
  return {angles.cos().to(dtype), angles.sin().to(dtype)};
}

}  // namespace

std::pair<Transformer::PositionTables, Transformer::PositionTables> Transformer::position_tables(
    int64_t past, int64_t length, int64_t key_padding) const {
  const auto positions = torch::TensorOptions().dtype(torch::kInt64).device(device());
  auto query = torch::arange(past, past + length, positions).unsqueeze(1);           // (T, 1)
  auto key = torch::arange(0, past + length + key_padding, positions).unsqueeze(0);  // (1, S + padding)
  PositionTables full;
  std::tie(full.cos, full.sin) = rotary_tables(inv_freq_, past, length, dtype());
  full.blocked = key > query;  // (T, S + padding): the future, and the padding after it
  if (config_.sliding_window == 0) return {full, full};
  PositionTables sliding = full;
  sliding.windowed = true;
  if (local_inv_freq_.defined()) std::tie(sliding.cos, sliding.sin) = rotary_tables(local_inv_freq_, past, length, dtype());
  // The last W keys, the query itself included (q − W < k ≤ q), as current transformers masks.
  sliding.blocked = full.blocked.logical_or(query - key >= config_.sliding_window);
  return {full, sliding};
}

torch::Tensor Transformer::rms_norm(const torch::Tensor& x, const torch::Tensor& weight) const {
  if (!weight.defined()) return x;
  auto x32 = x.to(torch::kFloat32);
  auto normed = x32 * torch::rsqrt(x32.pow(2).mean(-1, /*keepdim=*/true) + config_.rms_norm_eps);
  // Gemma scales by (1 + w) in float32 before casting back; Llama casts, then scales by w.
  if (config_.norm_offset != 0) return (normed * (weight.to(torch::kFloat32) + config_.norm_offset)).to(x.scalar_type());
  return weight * normed.to(x.scalar_type());
}

torch::Tensor Transformer::feed_forward(const LayerWeights& w, const torch::Tensor& x) const {
  auto gate = torch::linear(x, w.gate_proj);  // (B, T, I)
  auto up = torch::linear(x, w.up_proj);      // (B, T, I)
  if (config_.activation == "gelu_pytorch_tanh") return torch::linear(torch::gelu(gate, "tanh") * up, w.down_proj);
  if (torch::GradMode::is_enabled()) return torch::linear(torch::silu(gate) * up, w.down_proj);
  return torch::linear(torch::silu_(gate).mul_(up), w.down_proj);  // in place outside autograd
}

torch::Tensor Transformer::attention(int64_t layer, const torch::Tensor& x, int64_t past, const PositionTables& tables,
                                     const QueryRows& rows, const PassEdit& edit, const ForwardOptions& options) const {
  const LayerWeights& w = weights_.layers[static_cast<size_t>(layer)];
  const int64_t B = x.size(0), T = x.size(1);
  const int64_t H = config_.num_attention_heads, KVH = config_.num_key_value_heads;
  const int64_t hd = config_.head_dim;
  const int64_t S = past + T;
  auto of_rows = [&](const torch::Tensor& t, int64_t dim) { return rows.selected() ? t.index_select(dim, rows.index) : t; };
  const auto x_rows = of_rows(x, 1);  // (B, n, D)
  const int64_t n = x_rows.size(1);

  // Undefined biases and norms are absent in the family (torch::linear takes no bias then).
  auto q = torch::linear(x_rows, w.q_proj, w.q_bias);  // (B, n, H·hd)
  auto k = torch::linear(x, w.k_proj, w.k_bias);       // (B, T, KVH·hd)
  if (config_.qk_norm == "whole") {                    // olmo2: over the whole projection
    q = rms_norm(q, w.q_norm);
    k = rms_norm(k, w.k_norm);
  }
  q = q.view({B, n, H, hd});
  k = k.view({B, T, KVH, hd});
  if (config_.qk_norm == "per_head") {  // qwen3: over each head's hd
    q = rms_norm(q, w.q_norm);
    k = rms_norm(k, w.k_norm);
  }
  q = q.transpose(1, 2);                                                                     // (B, H, n, hd)
  k = k.transpose(1, 2);                                                                     // (B, KVH, T, hd)
  auto v = torch::linear(x, w.v_proj, w.v_bias).view({B, T, KVH, hd}).transpose(1, 2);  // (B, KVH, T, hd)
  // The 1/sqrt(hd) (or query_pre_attn_scalar) scale is folded into q, far smaller than the scores.
  q = apply_rotary(q, of_rows(tables.cos, 0), of_rows(tables.sin, 0)).mul_(config_.attention_scale());
  k = apply_rotary(k, tables.cos, tables.sin);

  // The zero keys after the S real ones that the tables' mask already hides (see key_padding()).
  const bool fused = attends_fused(edit, options);
  const int64_t padding = tables.blocked.size(1) - S;
  // Cached keys and values (the positions before this pass), the new ones, the zero padding.
  auto with_cache = [&](const torch::Tensor& cached, const torch::Tensor& fresh) {
    if (past == 0 && padding == 0) return fresh;
    std::vector<torch::Tensor> parts;
    if (past > 0) parts.push_back(cached.expand({B, KVH, past, hd}));
    parts.push_back(fresh);
    if (padding > 0) parts.push_back(torch::zeros({B, KVH, padding, hd}, fresh.options()));
    return torch::cat(parts, 2);  // (B, KVH, S + padding, hd)
  };
  const torch::Tensor none;
  k = with_cache(past > 0 ? options.cache->keys[static_cast<size_t>(layer)] : none, k);
  v = with_cache(past > 0 ? options.cache->values[static_cast<size_t>(layer)] : none, v);
  if (options.cache != nullptr && options.append_to_cache) {
    options.cache->keys[static_cast<size_t>(layer)] = k.narrow(2, 0, S);  // (B, KVH, S, hd)
    options.cache->values[static_cast<size_t>(layer)] = v.narrow(2, 0, S);
  }

  // One block of queries at a time when the scores of all of them would be large: every row's
  // scores, edit and softmax involve only that row, so the blocks compute exactly the same values.
  int64_t block = options.query_block > 0 ? options.query_block
                                          : std::max<int64_t>(1, attention_block_bytes(x.device()) / (4 * B * H * S));
  if (options.on_attention) block = n;
  block = std::min(block, n);
  const auto blocked = of_rows(tables.blocked, 0);  // (n, S + padding)
  torch::Tensor context;                            // (B, H, n, hd)
  if (fused) {
    context = attend_fused(layer, q, k, v, blocked, block, edit);
  } else {
    std::vector<torch::Tensor> blocks;
    for (int64_t t0 = 0; t0 < n; t0 += block) {
      const int64_t size = std::min(block, n - t0);
      // Selected rows: every block spans the first to the last of them.
      const QuerySpan span{past + (rows.selected() ? rows.first : t0), past + (rows.selected() ? rows.last : t0 + size - 1)};
      blocks.push_back(
          attend(layer, q.narrow(2, t0, size), k, v, blocked.narrow(0, t0, size), span, tables.windowed, edit, options));
    }
    context = blocks.size() == 1 ? blocks.front() : torch::cat(blocks, 2);
  }
  return torch::linear(context.transpose(1, 2).reshape({B, n, H * hd}), w.o_proj);  // (B, n, D)
}

int64_t Transformer::key_padding(int64_t keys, const PassEdit& edit, const ForwardOptions& options) const {
  if (attends_fused(edit, options) || options.on_attention || torch::GradMode::is_enabled()) return 0;
  return round_up(keys, key_alignment_) - keys;
}

bool Transformer::attends_fused(const PassEdit& edit, const ForwardOptions& options) const {
  return attention_kernel_ == AttentionKernel::kFused && !torch::GradMode::is_enabled() && !options.on_attention &&
         config_.attn_logit_softcapping == 0 && edit.key_lengths.empty();
}

torch::Tensor Transformer::attend_fused(int64_t layer, const torch::Tensor& q, const torch::Tensor& k,
                                        const torch::Tensor& v, const torch::Tensor& blocked, int64_t block,
                                        const PassEdit& edit) const {
  using fused::EditForm;
  const int64_t n = q.size(2), hd = q.size(3);
  EditForm form = EditForm::kNone;
  if (edit.edit != nullptr && edit.edit->applies_to(layer)) {
    form = edit.edit->log_additive ? EditForm::kLogAdditive : EditForm::kMinShift;
  }
  const auto extended = fused::extend_keys(k, v, q.size(1), edit.factors, form);  // (B, H, S, E) each
  const auto allowed = blocked.logical_not();                                     // (n, S)
  std::vector<torch::Tensor> blocks;
  for (int64_t t0 = 0; t0 < n; t0 += block) {
    const int64_t size = std::min(block, n - t0);
    const auto q_block = q.narrow(2, t0, size);  // (B, H, size, hd)
    // The min-shift's minimum runs over every key: all this block's scores are still computed
    // for it, but neither edited, masked nor softmaxed.
    const auto minimum = form == EditForm::kMinShift ? grouped_scores(q_block, k).amin(-1, true)  // (B, H, size, 1)
                                                     : torch::Tensor();
    const auto out = fused::scaled_dot_product(fused::extend_queries(q_block, minimum, form), extended.keys,
                                               extended.values, allowed.narrow(0, t0, size));  // (B, H, size, E)
    blocks.push_back(out.narrow(-1, 0, hd));
  }
  return blocks.size() == 1 ? blocks.front() : torch::cat(blocks, 2);  // (B, H, n, hd)
}

torch::Tensor Transformer::attend(int64_t layer, const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                  const torch::Tensor& blocked, const QuerySpan& span, bool windowed,
                                  const PassEdit& edit, const ForwardOptions& options) const {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), hd = q.size(3);
  const int64_t KVH = k.size(1), G = H / KVH, S = k.size(2);
  const bool grad = torch::GradMode::is_enabled();
  auto scores = grouped_scores(q, k);  // (B, H, T, S)
  if (const double cap = config_.attn_logit_softcapping; cap > 0) {  // gemma2: cap·tanh(s / cap)
    scores = grad ? torch::tanh(scores / cap) * cap : scores.div_(cap).tanh_().mul_(cap);
  }
  if (edit.edit != nullptr && edit.edit->applies_to(layer)) scores = edit_scores(scores, edit);

  // The scores cover every key (the edit's minimum needs them all); the softmax and the values
  // only the keys [begin, end) that some query of the block sees: the others' probability is 0.
  // Both ends keep rows aligned (the keys added are masked for every query). A hook reads whole rows.
  int64_t begin = 0, end = S;
  if (!options.on_attention) {
    end = std::min(S, round_up(span.highest + 1, key_alignment_));
    if (windowed) begin = round_down(std::max<int64_t>(0, span.lowest - config_.sliding_window + 1), key_alignment_);
  }
  const int64_t W = end - begin;
  // A copy of the visible columns when there are fewer (the softmax wants contiguous rows), and
  // the whole rows dropped: the block then holds at most scores and copy, then copy and probabilities.
  auto visible = W < S ? scores.narrow(3, begin, W).contiguous() : scores;  // (B, H, T, W)
  scores = torch::Tensor();
  // Without a window, keys up to the block's first query are visible to every query: mask only the rest.
  const int64_t c0 = windowed ? 0 : std::min(span.lowest + 1, end) - begin;
  visible.narrow(3, c0, W - c0).masked_fill_(blocked.narrow(1, begin + c0, W - c0), -std::numeric_limits<float>::infinity());
  // The softmax accumulates in float32 whatever its input. Outside autograd a GPU writes its
  // result in the compute dtype directly; gradients go through a float32 result, as before.
  const bool in_compute_dtype = !grad && (visible.is_cuda() || visible.scalar_type() == torch::kFloat32);
  auto probs = in_compute_dtype ? torch::softmax(visible, -1)
                                : torch::softmax(visible, -1, torch::kFloat32).to(v.scalar_type());  // (B, H, T, W)
  if (options.on_attention) probs = options.on_attention(layer, probs);

  return torch::matmul(probs.reshape({B, KVH, G * T, W}), v.narrow(2, begin, W)).view({B, H, T, hd});  // (B, H, T, hd)
}

torch::Tensor Transformer::edit_scores(torch::Tensor scores, const PassEdit& edit) const {
  const int64_t B = scores.size(0), H = scores.size(1), T = scores.size(2), S = edit.factors.size(3);
  const bool grad = torch::GradMode::is_enabled();
  const bool log_additive = edit.edit->log_additive;
  // The edit covers the S real keys, not the alignment's zero keys after them (masked anyway).
  auto keys = S < scores.size(3) ? scores.narrow(3, 0, S) : scores;  // (B, H, T, S), a view
  // The minimum of each row over all its S keys, before the causal mask (B, H, T, 1); a padded
  // row's over its own keys only. Autograd differentiates min() as the reference does.
  auto row_minimum = [&]() {
    auto of = [&](const torch::Tensor& s) { return grad ? std::get<0>(s.min(-1, true)) : s.amin(-1, true); };
    if (edit.key_lengths.empty()) return of(keys);
    std::vector<torch::Tensor> rows;
    for (int64_t b = 0; b < B; ++b) rows.push_back(of(scores[b].narrow(-1, 0, edit.key_lengths[static_cast<size_t>(b)])));
    return torch::stack(rows);
  };
  if (edit.columns.defined() && !grad) {
    // Few edited keys: s + (s − m)(f − 1) = (s − m)·f + m on those columns, the other columns
    // as they are (the + m of every column is the softmax's shift); or s + log f.
    const auto index = edit.columns.expand({B, H, T, edit.columns.size(3)});  // (B, H, T, n)
    auto picked = scores.gather(3, index);                                      // (B, H, T, n)
    if (log_additive) {
      picked.add_(edit.column_change);
    } else {
      picked.add_((picked - row_minimum()).mul_(edit.column_change));
    }
    return scores.scatter_(3, index, picked);
  }
  // Autograd (whose scores have no zero keys) needs the unshifted scores for min(); otherwise in
  // place: the scores are a layer's largest tensor.
  if (log_additive) {
    if (grad) return scores + edit.factors;
    keys.add_(edit.factors);
    return scores;
  }
  // Min-shift: every score >= 0 first, so that a factor < 1 always lowers attention.
  const auto minimum = row_minimum();
  if (grad) return (scores - minimum) * edit.factors;
  keys.sub_(minimum).mul_(edit.factors);
  return scores;
}

Transformer::PassEdit Transformer::prepare_edit(const AttentionEdit* edit, int64_t keys) const {
  PassEdit prepared;
  if (edit == nullptr || !edit->active()) return prepared;
  prepared.edit = edit;
  const auto f = edit->key_factors.to(torch::kCPU, torch::kFloat32).contiguous();  // (R, S), R = B or 1
  const int64_t R = f.size(0);
  if (edit->key_lengths.defined()) {
    const auto lengths = edit->key_lengths.to(torch::kCPU, torch::kInt64).contiguous();
    prepared.key_lengths.assign(lengths.data_ptr<int64_t>(), lengths.data_ptr<int64_t>() + lengths.numel());
  }
  auto dense = [&](const torch::Tensor& values) { return to_device_async(values.view({R, 1, 1, keys}).to(dtype()), device()); };
  prepared.factors = dense(edit->log_additive ? f.log() : f);

  // Each row's edited keys (factor != 1), padded to the longest list with a key the row leaves
  // alone and no change, so that scattering the padding back writes what was there.
  std::vector<std::vector<int64_t>> edited(static_cast<size_t>(R));
  std::vector<int64_t> untouched(static_cast<size_t>(R), -1);
  size_t n = 0;
  const float* values = f.data_ptr<float>();
  for (int64_t r = 0; r < R; ++r) {
    auto& row = edited[static_cast<size_t>(r)];
    for (int64_t s = 0; s < keys; ++s) {
      if (values[r * keys + s] != 1.0F) {
        row.push_back(s);
      } else if (untouched[static_cast<size_t>(r)] < 0) {
        untouched[static_cast<size_t>(r)] = s;
      }
    }
    n = std::max(n, row.size());
  }
  const bool few = n > 0 && static_cast<int64_t>(n) * 8 <= keys;
  if (!few) return prepared;
  auto columns = torch::empty({R, static_cast<int64_t>(n)}, torch::kInt64);  // (R, n)
  auto change = torch::zeros({R, static_cast<int64_t>(n)}, torch::kFloat32);  // (R, n)
  for (int64_t r = 0; r < R; ++r) {
    const auto& row = edited[static_cast<size_t>(r)];
    for (size_t i = 0; i < n; ++i) {
      const int64_t key = i < row.size() ? row[i] : untouched[static_cast<size_t>(r)];
      columns[r][static_cast<int64_t>(i)] = key;
      if (i < row.size()) {
        const float factor = values[r * keys + key];
        change[r][static_cast<int64_t>(i)] = edit->log_additive ? std::log(factor) : factor - 1.0F;
      }
    }
  }
  prepared.columns = to_device_async(columns.view({R, 1, 1, static_cast<int64_t>(n)}), device());
  prepared.column_change = to_device_async(change.view({R, 1, 1, static_cast<int64_t>(n)}).to(dtype()), device());
  return prepared;
}

torch::Tensor Transformer::forward_embeddings(const torch::Tensor& embeddings,
                                              const ForwardOptions& options) const {
  if (embeddings.dim() != 3 || embeddings.size(2) != config_.hidden_size) {
    throw Error("embeddings must have shape (batch, length, hidden_size)");
  }
  const int64_t B = embeddings.size(0), T = embeddings.size(1);
  KVCache* cache = options.cache;
  const int64_t past = cache != nullptr ? cache->length() : 0;
  if (past + T > config_.max_position_embeddings) {
    throw Error("sequence of " + std::to_string(past + T) +
                " tokens is longer than the model's max_position_embeddings (" +
                std::to_string(config_.max_position_embeddings) + ")");
  }
  if (cache != nullptr && !cache->empty() && cache->batch_size() != 1 && cache->batch_size() != B) {
    throw Error("KV cache batch " + std::to_string(cache->batch_size()) +
                " does not match input batch " + std::to_string(B));
  }
  if (cache != nullptr && cache->empty()) {
    cache->keys.assign(static_cast<size_t>(config_.num_hidden_layers), torch::Tensor());
    cache->values.assign(static_cast<size_t>(config_.num_hidden_layers), torch::Tensor());
  }
  if (options.edit != nullptr && options.edit->active()) {
    const auto& f = options.edit->key_factors;
    if (f.dim() != 2 || f.size(1) != past + T || (f.size(0) != 1 && f.size(0) != B)) {
      throw Error("attention edit factors must have shape (batch or 1, " +
                  std::to_string(past + T) + ")");
    }
    if (!options.edit->layers.empty() &&
        static_cast<int64_t>(options.edit->layers.size()) != config_.num_hidden_layers) {
      throw Error("attention edit layer mask must have one flag per layer");
    }
  }

  // The last layer's outputs only feed the logits: it computes queries, attention and the MLP
  // at the logit positions alone (keys and values at every position). AttAttr's hook reads
  // every row of every layer's attention, so it keeps them all.
  QueryRows last_rows;
  if (options.logit_positions.defined()) {
    auto relative = options.logit_positions.to(torch::kInt64) - past;  // (n)
    if (relative.numel() > 0) {
      last_rows.first = relative.min().item<int64_t>();
      last_rows.last = relative.max().item<int64_t>();
      if (last_rows.first < 0 || last_rows.last >= T) {
        throw Error("logit positions must lie in [" + std::to_string(past) + ", " + std::to_string(past + T) + ")");
      }
    }
    last_rows.index = to_device_async(relative, device());
  }
  const bool trim_last_layer = last_rows.selected() && last_rows.index.numel() > 0 && !options.on_attention &&
                               config_.num_hidden_layers > 0;

  const PassEdit edit = prepare_edit(options.edit, past + T);
  const auto [full_tables, sliding_tables] = position_tables(past, T, key_padding(past + T, edit, options));
  auto x = embeddings.to(device(), dtype());  // (B, T, D)
  if (config_.scale_embeddings) x = x * embedding_scale_;
  for (int64_t l = 0; l < config_.num_hidden_layers; ++l) {
    const LayerWeights& w = weights_.layers[static_cast<size_t>(l)];
    const PositionTables& tables = config_.layer_slides(l) ? sliding_tables : full_tables;
    const bool last = l + 1 == config_.num_hidden_layers;
    const QueryRows rows = last && trim_last_layer ? last_rows : QueryRows{};
    // A norm the family does not have is skipped (rms_norm of an undefined weight).
    auto attended = attention(l, rms_norm(x, w.input_norm), past, tables, rows, edit, options);  // (B, n, D)
    if (rows.selected()) x = x.index_select(1, rows.index);                                      // (B, n, D)
    x = x + rms_norm(attended, w.post_attention_norm);
    x = x + rms_norm(feed_forward(w, rms_norm(x, w.pre_feedforward_norm)), w.post_feedforward_norm);
  }
  if (last_rows.selected() && !trim_last_layer) x = x.index_select(1, last_rows.index);  // (B, n, D)
  auto h = rms_norm(x, weights_.final_norm);
  auto logits = torch::linear(h, weights_.lm_head);  // (B, n, V)
  if (const double cap = config_.final_logit_softcapping; cap > 0) logits = torch::tanh(logits / cap) * cap;
  return logits.to(torch::kFloat32);
}

int64_t attention_block_bytes(const torch::Device& device) {
  return device.is_cuda() ? int64_t{256} << 20 : int64_t{64} << 20;
}

double forward_flops(const ModelConfig& c, int64_t rows, int64_t new_positions, int64_t past, int64_t logit_positions,
                     bool whole_last_layer) {
  const double D = static_cast<double>(c.hidden_size), I = static_cast<double>(c.intermediate_size);
  const double q = static_cast<double>(c.num_attention_heads * c.head_dim);
  const double kv = static_cast<double>(c.num_key_value_heads * c.head_dim);
  // Each new position attends to (on average) past + (n + 1) / 2 keys under the causal mask,
  // but the scores are computed for all past + n keys: count what is computed. (With several
  // query blocks, the product with the values covers fewer keys; that saving is not counted.)
  const double keys = static_cast<double>(past + new_positions);
  // Keys and values at every new position; the rest for each query a layer computes.
  auto layer = [&](double positions, double queries) {
    return 2.0 * positions * 2.0 * D * kv + 2.0 * queries * (D * q + q * D + 3.0 * D * I) + 2.0 * 2.0 * queries * q * keys;
  };
  const double n = static_cast<double>(new_positions), logits = static_cast<double>(logit_positions);
  const double L = static_cast<double>(c.num_hidden_layers);
  // The last layer computes queries at the logit positions only (forward_embeddings).
  const double last_queries = whole_last_layer ? n : std::min(n, logits);
  const double per_row = (L - 1.0) * layer(n, n) + layer(n, last_queries) + 2.0 * logits * D * static_cast<double>(c.vocab_size);
  return per_row * static_cast<double>(rows);
}

int64_t Transformer::parameter_bytes() const {
  auto bytes = [](const torch::Tensor& t) { return t.numel() * t.element_size(); };
  int64_t total = bytes(weights_.embed_tokens) + bytes(weights_.final_norm);
  if (!weights_.lm_head.is_same(weights_.embed_tokens)) total += bytes(weights_.lm_head);
  for (const auto& w : weights_.layers) {
    for (const auto* t : w.tensors()) {
      if (t->defined()) total += bytes(*t);
    }
  }
  return total;
}

}  // namespace atman
