#pragma once
// FNV-1a, 64 bit: a stable, platform-independent fingerprint of bytes (config files, batch
// inputs), enough to tell two files apart; not a cryptographic hash.
#include <cstdint>
#include <string>

namespace atman {

class Fnv1a64 {
 public:
  void update(const char* data, size_t size) {
    for (size_t i = 0; i < size; ++i) {
      hash_ ^= static_cast<unsigned char>(data[i]);
      hash_ *= 1099511628211ull;
    }
  }
  // "fnv1a64:<16 hex digits>"
  std::string text() const;

 private:
  uint64_t hash_ = 14695981039346656037ull;
};

}  // namespace atman
