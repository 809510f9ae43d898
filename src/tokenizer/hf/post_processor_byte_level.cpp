// ByteLevel post-processor: with trim_offsets, a token's span leaves out the spaces its string
// starts or ends with ('Ġ', U+0120, or a Unicode white-space character), as tokenizers'
// process_offsets does; without it, nothing changes.
#include <algorithm>

#include "atman/error.hpp"
#include "atman/utf8.hpp"
#include "components.hpp"

namespace atman::hf {
namespace {

// Rust's char::is_whitespace (the Unicode White_Space property), or the byte-level space.
bool is_space(char32_t c) {
  return c == 0x120 || (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

class ByteLevelPostProcessor : public PostProcessor {
 public:
  ByteLevelPostProcessor(bool add_prefix_space, bool trim_offsets)
      : add_prefix_space_(add_prefix_space), trim_offsets_(trim_offsets) {}

  void process(std::vector<EncodedToken>& tokens, bool) const override {
    if (!trim_offsets_) return;
    for (size_t i = 0; i < tokens.size(); ++i) {
      const std::u32string chars = utf8_to_u32(tokens[i].value);
      int64_t leading = std::find_if_not(chars.begin(), chars.end(), is_space) - chars.begin();
      const int64_t trailing =
          std::find_if_not(chars.rbegin(), chars.rend(), is_space) - chars.rbegin();
      Span& s = tokens[i].span;
      if (leading > 0) {
        // The one space that add_prefix_space put before the first word stays (it came from
        // nowhere); more than one were the user's.
        if ((i == 0 || s.start == 0) && add_prefix_space_ && leading == 1) leading = 0;
        s.start = std::min(s.start + leading, s.end);
      }
      if (trailing > 0 && s.end >= trailing) s.end = std::max(s.end - trailing, s.start);
    }
  }

 private:
  bool add_prefix_space_;
  bool trim_offsets_;
};

bool flag(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) return true;  // tokenizers' defaults are true for both
  if (!j[key].is_boolean()) throw Error(where + ": \"" + key + "\" must be true or false");
  return j[key].get<bool>();
}

}  // namespace

std::unique_ptr<PostProcessor> make_byte_level_post_processor(const nlohmann::json& j,
                                                              const std::string& where) {
  return std::make_unique<ByteLevelPostProcessor>(flag(j, "add_prefix_space", where),
                                                  flag(j, "trim_offsets", where));
}

}  // namespace atman::hf
