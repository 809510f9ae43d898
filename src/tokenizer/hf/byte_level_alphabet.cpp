#include "byte_level_alphabet.hpp"

#include <array>

namespace atman::hf {
namespace {

// Printable Latin-1 bytes stand for themselves; the other 68 bytes take 256, 257, ... in
// byte order.
bool printable(int b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

const std::array<char32_t, 256>& table() {
  static const std::array<char32_t, 256> t = [] {
    std::array<char32_t, 256> out{};
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) out[b] = printable(b) ? static_cast<char32_t>(b) : next++;
    return out;
  }();
  return t;
}

}  // namespace

char32_t byte_to_char(uint8_t b) { return table()[b]; }

std::optional<uint8_t> char_to_byte(char32_t c) {
  if (c < 256) {
    if (printable(static_cast<int>(c))) return static_cast<uint8_t>(c);
    return std::nullopt;
  }
  if (c >= 256 + 68) return std::nullopt;
  // The k-th non-printable byte maps to 256 + k.
  int k = static_cast<int>(c - 256);
  for (int b = 0; b < 256; ++b) {
    if (printable(b)) continue;
    if (k-- == 0) return static_cast<uint8_t>(b);
  }
  return std::nullopt;
}

}  // namespace atman::hf
