// ByteLevel decoder: token characters back to the bytes they spell in the GPT-2 alphabet, all
// tokens joined into one string read as UTF-8 the way Rust's String::from_utf8_lossy does.
#include "byte_level_alphabet.hpp"
#include "components.hpp"

namespace atman::hf {
namespace {

const char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// One U+FFFD per maximal ill-formed subsequence (the Unicode "substitution of maximal subparts"
// practice that from_utf8_lossy follows).
std::string utf8_lossy(const std::string& bytes) {
  std::string out;
  out.reserve(bytes.size());
  const size_t n = bytes.size();
  for (size_t i = 0; i < n;) {
    const auto c = static_cast<uint8_t>(bytes[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    size_t need = 0;
    uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
      out += kReplacement;
      ++i;
      continue;
    }
    size_t j = i + 1, got = 0;
    for (; got < need && j < n; ++got, ++j) {
      const auto b = static_cast<uint8_t>(bytes[j]);
      if (got == 0 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) break;
    }
    if (got == need) {
      out.append(bytes, i, j - i);
    } else {
      out += kReplacement;
    }
    i = j;
  }
  return out;
}

class ByteLevelDecoder : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string bytes;
    std::string token_bytes;
    for (const std::string& token : tokens) {
      // A token with any character outside the alphabet (an added token, say) keeps its own bytes.
      token_bytes.clear();
      bool in_alphabet = true;
      for_each_char(token, [&](char32_t c, size_t, size_t) {
        if (!in_alphabet) return;
        const auto b = char_to_byte(c);
        if (b) {
          token_bytes.push_back(static_cast<char>(*b));
        } else {
          in_alphabet = false;
        }
      });
      bytes += in_alphabet ? token_bytes : token;
    }
    return {utf8_lossy(bytes)};
  }
};

}  // namespace

std::unique_ptr<Decoder> make_byte_level_decoder(const nlohmann::json&, const std::string&) {
  return std::make_unique<ByteLevelDecoder>();  // add_prefix_space etc. do not affect decoding
}

}  // namespace atman::hf
