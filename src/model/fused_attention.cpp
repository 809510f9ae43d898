#include "fused_attention.hpp"

#include <cmath>
#include <limits>

namespace atman::fused {
namespace {

// (B, KVH, S, E) -> (B, H, S, E): query head h gets key/value head h / G.
torch::Tensor per_query_head(const torch::Tensor& t, int64_t heads) {
  const int64_t B = t.size(0), KVH = t.size(1), S = t.size(2), E = t.size(3);
  if (heads == KVH) return t;
  return t.unsqueeze(2).expand({B, KVH, heads / KVH, S, E}).reshape({B, heads, S, E});
}

// Zeros appended to the last dimension up to `width`.
torch::Tensor pad_to(const torch::Tensor& t, int64_t width) {
  if (t.size(-1) == width) return t;
  auto shape = t.sizes().vec();
  shape.back() = width - t.size(-1);
  return torch::cat({t, torch::zeros(shape, t.options())}, -1);
}

}  // namespace

int64_t extended_head_dim(int64_t head_dim, EditForm form) {
  if (form == EditForm::kNone) return head_dim;
  return (head_dim + 1 + 7) / 8 * 8;
}

ExtendedKeys extend_keys(const torch::Tensor& k, const torch::Tensor& v, int64_t heads,
                         const torch::Tensor& factors, EditForm form) {
  const int64_t B = k.size(0), KVH = k.size(1), S = k.size(2), hd = k.size(3);
  const int64_t E = extended_head_dim(hd, form);
  torch::Tensor keys = k;  // (B, KVH, S, hd)
  if (form != EditForm::kNone) {
    const auto f = factors.view({factors.size(0), 1, S, 1});  // (R, 1, S, 1)
    torch::Tensor scaled, extra;                              // (B, KVH, S, hd), (R, 1, S, 1)
    if (form == EditForm::kMinShift) {
      scaled = k * f;
      extra = 1.0 - f;
    } else {
      // log 0 = −inf would meet the zero padding inside a kernel: a finite value whose exp is
      // still exactly 0 keeps the key out the same way.
      scaled = k;
      extra = f.clamp_min(-1e4);
    }
    keys = pad_to(torch::cat({scaled, extra.expand({B, KVH, S, 1})}, -1), E);  // (B, KVH, S, E)
  }
  return {per_query_head(keys, heads), per_query_head(pad_to(v, E), heads)};
}

torch::Tensor extend_queries(const torch::Tensor& q, const torch::Tensor& minimum, EditForm form) {
  if (form == EditForm::kNone) return q;
  const int64_t E = extended_head_dim(q.size(3), form);
  auto extra = form == EditForm::kMinShift
                   ? minimum
                   : torch::ones({q.size(0), q.size(1), q.size(2), 1}, q.options());
  return pad_to(torch::cat({q, extra}, -1), E);  // (B, H, T, E)
}

torch::Tensor scaled_dot_product(const torch::Tensor& q, const torch::Tensor& k,
                                 const torch::Tensor& v, const torch::Tensor& allowed) {
  const auto mask = allowed.view({1, 1, allowed.size(0), allowed.size(1)});  // (1, 1, T, S)
#if ATMAN_NATIVE_SDPA && (TORCH_VERSION_MAJOR > 2 || TORCH_VERSION_MINOR >= 5)
  // cuDNN's attention, libtorch's first choice on recent GPUs, builds a plan for each new shape,
  // and AtMan's batches seldom repeat one (how many queries follow the cached prefix varies):
  // the memory-efficient kernel, which builds nothing, runs instead. Nothing else in atman calls
  // this kernel, so the process-wide switch changes nothing else.
  static const bool cudnn_attention_off = [] {
    at::globalContext().setSDPUseCuDNN(false);
    return true;
  }();
  (void)cudnn_attention_off;
#endif
#if ATMAN_NATIVE_SDPA && (TORCH_VERSION_MAJOR > 2 || TORCH_VERSION_MINOR >= 1)
  return at::scaled_dot_product_attention(q, k, v, mask, 0.0, false, 1.0);
#elif ATMAN_NATIVE_SDPA
  // 2.0 always divides by sqrt(E): multiplied out beforehand.
  return at::scaled_dot_product_attention(q * std::sqrt(static_cast<double>(q.size(-1))), k, v,
                                          mask, 0.0, false);
#else
  auto scores = torch::matmul(q, k.transpose(2, 3));  // (B, H, T, S)
  scores.masked_fill_(mask.logical_not(), -std::numeric_limits<float>::infinity());
  const auto probs = scores.scalar_type() == torch::kFloat32
                         ? torch::softmax(scores, -1)
                         : torch::softmax(scores, -1, torch::kFloat32).to(v.scalar_type());
  return torch::matmul(probs, v);  // (B, H, T, E)
#endif
}

}  // namespace atman::fused
