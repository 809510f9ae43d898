// Strip decoder: removes up to `start` leading and `stop` trailing `content` characters from
// each token.
#include "atman/error.hpp"
#include "atman/utf8.hpp"
#include "components.hpp"

namespace atman::hf {
namespace {

class StripDecoder : public Decoder {
 public:
  StripDecoder(char32_t content, size_t start, size_t stop)
      : content_(content), start_(start), stop_(stop) {}

  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::string& token : tokens) {
      const std::u32string chars = utf8_to_u32(token);
      size_t begin = 0, end = chars.size();
      while (begin < start_ && begin < chars.size() && chars[begin] == content_) ++begin;
      // tokenizers would panic where both ends overlap; here the token just becomes empty.
      for (size_t i = 0; i < stop_ && end > begin && chars[end - 1] == content_; ++i) --end;
      token = u32_to_utf8(chars.substr(begin, end - begin));
    }
    return tokens;
  }

 private:
  char32_t content_;
  size_t start_, stop_;
};

size_t count(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) return 0;
  if (!j[key].is_number_integer() || j[key].get<int64_t>() < 0)
    throw Error(where + ": \"" + key + "\" must be a non-negative integer");
  return j[key].get<size_t>();
}

}  // namespace

std::unique_ptr<Decoder> make_strip_decoder(const nlohmann::json& j, const std::string& where) {
  const std::u32string content = j.contains("content") && j["content"].is_string()
                                     ? utf8_to_u32(j["content"].get<std::string>())
                                     : std::u32string();
  if (content.size() != 1) throw Error(where + ": \"content\" must be a string of one character");
  return std::make_unique<StripDecoder>(content[0], count(j, "start", where),
                                        count(j, "stop", where));
}

}  // namespace atman::hf
