#include "atman/attention_kernel.hpp"

#include <torch/version.h>

#include "atman/error.hpp"

namespace atman {

AttentionKernel parse_attention_kernel(const std::string& name) {
  if (name == "explicit") return AttentionKernel::kExplicit;
  if (name == "fused") return AttentionKernel::kFused;
  throw Error("unknown attention kernel '" + name + "': expected explicit or fused");
}

bool fused_attention_native() { return TORCH_VERSION_MAJOR >= 2; }

}  // namespace atman
