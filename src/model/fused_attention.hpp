#pragma once
// AtMan's edit carried by one extra head dimension, so that a fused attention kernel (which never
// writes the scores out) computes an edited pass. For query i, key k, score s_ik = q_i·k_k:
//   min-shift     (s_ik − m_i)·f_k, which softmax reads as f_k·s_ik + (1 − f_k)·m_i (the row's
//                 shift m_i changes nothing) = [q_i, m_i]·[f_k·k_k, 1 − f_k]
//   log-additive  s_ik + log f_k = [q_i, 1]·[k_k, log f_k]
// The extended vectors are padded with zeros to a multiple of 8 dimensions, the values with them,
// as fused kernels want; the output's extra dimensions are then zero and dropped.
#include <torch/torch.h>
#include <torch/version.h>

#include <cstdint>

// Whether scaled_dot_product() calls libtorch's kernel: from libtorch 2.0, unless the build says
// otherwise (ATMAN_NO_NATIVE_SDPA: cmake -DATMAN_NATIVE_SDPA=OFF, or that call did not compile
// against this libtorch, see cmake/AtmanTorch.cmake).
#if TORCH_VERSION_MAJOR >= 2 && !defined(ATMAN_NO_NATIVE_SDPA)
#define ATMAN_NATIVE_SDPA 1
#else
#define ATMAN_NATIVE_SDPA 0
#endif

namespace atman::fused {

// The edit a layer applies, as the extra dimension carries it.
enum class EditForm { kNone, kMinShift, kLogAdditive };

// Head dimensions of the extended vectors: hd without an edit, else hd + 1 rounded up to 8.
int64_t extended_head_dim(int64_t head_dim, EditForm form);

struct ExtendedKeys {
  torch::Tensor keys;    // (B, H, S, E): one copy per query head
  torch::Tensor values;  // (B, H, S, E): zero past hd
};
// k, v: (B, KVH, S, hd); query head h reads key/value head h / (heads / KVH). factors: (R, 1, 1, S)
// with R = B or 1, f for min-shift or log f for log-additive, in k's dtype; ignored for kNone.
ExtendedKeys extend_keys(const torch::Tensor& k, const torch::Tensor& v, int64_t heads,
                         const torch::Tensor& factors, EditForm form);

// q: (B, H, T, hd) -> (B, H, T, E). minimum: (B, H, T, 1), each row's minimum over all its keys
// (min-shift only).
torch::Tensor extend_queries(const torch::Tensor& q, const torch::Tensor& minimum, EditForm form);

// softmax(q·kᵀ where `allowed`, −inf elsewhere)·v, with no further scaling: q (B, H, T, E),
// k, v (B, H, S, E), allowed (T, S) bool -> (B, H, T, E). libtorch's scaled_dot_product_attention
// where it exists (fused_attention_native()), else the same arithmetic as tensors.
torch::Tensor scaled_dot_product(const torch::Tensor& q, const torch::Tensor& k,
                                 const torch::Tensor& v, const torch::Tensor& allowed);

}  // namespace atman::fused
