#include "atman/fnv_hash.hpp"

#include <cstdio>

namespace atman {

std::string Fnv1a64::text() const {
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(hash_));
  return std::string("fnv1a64:") + hex;
}

}  // namespace atman
