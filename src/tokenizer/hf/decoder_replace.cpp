// Replace decoder: in each token, every match of the pattern ({"String": ...} as plain text or
// {"Regex": ...}) becomes `content`.
#include <memory>

#include "atman/error.hpp"
#include "components.hpp"
#include "regex.hpp"

namespace atman::hf {
namespace {

class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(std::unique_ptr<Regex> pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}

  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::string& token : tokens) {
      if (token.empty()) continue;  // tokenizers matches nothing in an empty token
      const auto matches = pattern_->find_all(token);
      if (matches.empty()) continue;
      std::string out;
      size_t at = 0;
      for (const auto& [begin, end] : matches) {
        out.append(token, at, begin - at);
        out += content_;
        at = end;
      }
      out.append(token, at, std::string::npos);
      token = std::move(out);
    }
    return tokens;
  }

 private:
  std::unique_ptr<Regex> pattern_;
  std::string content_;
};

}  // namespace

std::unique_ptr<Decoder> make_replace_decoder(const nlohmann::json& j, const std::string& where) {
  if (!j.contains("content") || !j["content"].is_string())
    throw Error(where + ": \"content\" must be a string");
  return std::make_unique<ReplaceDecoder>(
      regex_from_json(j.value("pattern", nlohmann::json()), "Replace decoder", where),
      j["content"].get<std::string>());
}

}  // namespace atman::hf
