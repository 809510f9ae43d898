#include "atman/head_importance.hpp"

namespace atman {

void accumulate_head_importance(HeadImportance& total, const AttentionAttribution& attribution) {
  const auto& a = attribution.attribution;  // (L, H, T, T)
  const auto per_head = std::get<0>(a.flatten(2).max(-1)).to(torch::kCPU, torch::kFloat64);  // (L, H)
  if (total.examples == 0) {
    total.importance = per_head;
  } else {  // running mean
    total.importance += (per_head - total.importance) / static_cast<double>(total.examples + 1);
  }
  total.examples += 1;
}

}  // namespace atman
