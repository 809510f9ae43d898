// Metaspace decoder: the replacement character (U+2581) back to a space. As in tokenizers, every
// replacement character of the first token is dropped unless prepend_scheme is "never".
#include "atman/error.hpp"
#include "atman/utf8.hpp"
#include "components.hpp"

namespace atman::hf {
namespace {

class MetaspaceDecoder : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, bool strip_first)
      : replacement_(std::move(replacement)), strip_first_(strip_first) {}

  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      const std::string with = i == 0 && strip_first_ ? "" : " ";
      std::string out;
      out.reserve(tokens[i].size());
      for (size_t at = 0;;) {
        const size_t hit = tokens[i].find(replacement_, at);
        out.append(tokens[i], at, hit == std::string::npos ? std::string::npos : hit - at);
        if (hit == std::string::npos) break;
        out += with;
        at = hit + replacement_.size();
      }
      tokens[i] = std::move(out);
    }
    return tokens;
  }

 private:
  std::string replacement_;  // one character, UTF-8
  bool strip_first_;
};

}  // namespace

std::unique_ptr<Decoder> make_metaspace_decoder(const nlohmann::json& j, const std::string& where) {
  std::string replacement = "\xE2\x96\x81";  // U+2581, the default
  if (j.contains("replacement")) {
    if (!j["replacement"].is_string() ||
        utf8_to_u32(j["replacement"].get<std::string>()).size() != 1) {
      throw Error(where + ": \"replacement\" must be a string of one character");
    }
    replacement = j["replacement"].get<std::string>();
  }
  // Newer files say prepend_scheme ("always", "first", "never"); older ones add_prefix_space.
  bool strip_first = true;
  if (j.contains("prepend_scheme") && !j["prepend_scheme"].is_null()) {
    const std::string scheme =
        j["prepend_scheme"].is_string() ? j["prepend_scheme"].get<std::string>() : "";
    if (scheme != "always" && scheme != "first" && scheme != "never") {
      throw Error(where + ": unknown prepend_scheme " + j["prepend_scheme"].dump());
    }
    strip_first = scheme != "never";
  } else if (j.contains("add_prefix_space") && j["add_prefix_space"].is_boolean()) {
    strip_first = j["add_prefix_space"].get<bool>();
  }
  return std::make_unique<MetaspaceDecoder>(replacement, strip_first);
}

}  // namespace atman::hf
