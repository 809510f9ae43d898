#include "atman/attention_kernel.hpp"

#include "atman/error.hpp"
#include "fused_attention.hpp"

namespace atman {

AttentionKernel parse_attention_kernel(const std::string& name) {
  if (name == "explicit") return AttentionKernel::kExplicit;
  if (name == "fused") return AttentionKernel::kFused;
  throw Error("unknown attention kernel '" + name + "': expected explicit or fused");
}

bool fused_attention_native() { return ATMAN_NATIVE_SDPA != 0; }

}  // namespace atman
