#pragma once
// How a layer computes softmax(q·kᵀ + edit, masked)·v outside autograd. Both kernels compute
// the same function (DESIGN step 5); they differ in speed and in what they hold in memory.
#include <string>

namespace atman {

enum class AttentionKernel {
  // The scores of one block of queries at a time, edited, masked and softmaxed as tensors: every
  // path, autograd's and AttAttr's hook included.
  kExplicit,
  // One scaled_dot_product_attention call per block (libtorch 2.0 and later), which never writes
  // the probabilities; the edit rides in one extra head dimension (fused_attention.hpp). Passes
  // with autograd or a hook, soft-capped scores or padded rows still use kExplicit.
  kFused,
};

// "explicit" | "fused" -> kernel; throws atman::Error naming the choices otherwise.
AttentionKernel parse_attention_kernel(const std::string& name);

// Whether this libtorch has scaled_dot_product_attention (2.0 and later). Without it the fused
// kernel's arithmetic runs as explicit tensors: the same values, no faster.
bool fused_attention_native();

}  // namespace atman
