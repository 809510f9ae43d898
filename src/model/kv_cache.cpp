#include "atman/kv_cache.hpp"

#include "atman/error.hpp"

namespace atman {

KVCache KVCache::prefix(int64_t n) const {
  if (n < 0 || n > length()) {
    throw Error("KV cache prefix of " + std::to_string(n) + " positions requested, cache holds " +
                std::to_string(length()));
  }
  KVCache out;
  for (size_t l = 0; l < keys.size(); ++l) {
    out.keys.push_back(keys[l].narrow(2, 0, n));
    out.values.push_back(values[l].narrow(2, 0, n));
  }
  return out;
}

}  // namespace atman
