// ByteFallback decoder: runs of "<0xNN>" tokens become the bytes they name; a run that is not
// valid UTF-8 becomes one U+FFFD per byte, as tokenizers does.
#include <optional>

#include "atman/utf8.hpp"
#include "components.hpp"

namespace atman::hf {
namespace {

std::optional<int> hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return std::nullopt;
}

// "<0xNN>" -> NN. Rust's u8::from_str_radix also takes a '+' sign, so "<0x+A>" is byte 10.
std::optional<char> byte_of(const std::string& token) {
  if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>') return std::nullopt;
  const auto low = hex_digit(token[4]);
  if (!low) return std::nullopt;
  if (token[3] == '+') return static_cast<char>(*low);
  const auto high = hex_digit(token[3]);
  if (!high) return std::nullopt;
  return static_cast<char>(*high * 16 + *low);
}

class ByteFallbackDecoder : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::vector<std::string> out;
    out.reserve(tokens.size());
    std::string run;
    auto flush = [&] {
      if (run.empty()) return;
      if (first_invalid_utf8(run) == run.size()) {
        out.push_back(run);
      } else {
        out.insert(out.end(), run.size(), "\xEF\xBF\xBD");
      }
      run.clear();
    };
    for (std::string& token : tokens) {
      if (const auto b = byte_of(token)) {
        run.push_back(*b);
        continue;
      }
      flush();
      out.push_back(std::move(token));
    }
    flush();
    return out;
  }
};

}  // namespace

std::unique_ptr<Decoder> make_byte_fallback_decoder(const nlohmann::json&, const std::string&) {
  return std::make_unique<ByteFallbackDecoder>();
}

}  // namespace atman::hf
