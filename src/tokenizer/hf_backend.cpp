// The Hugging Face tokenizer.json backend: HfTokenizer's tokens as atman Tokens, with byte spans
// derived from the character spans.
#include <algorithm>

#include "atman/error.hpp"
#include "hf/hf_tokenizer.hpp"
#include "tokenizer_backend.hpp"

namespace atman {
namespace {

class HfBackend : public TokenizerBackend {
 public:
  explicit HfBackend(std::shared_ptr<const hf::HfTokenizer> tokenizer)
      : tokenizer_(std::move(tokenizer)) {}

  std::vector<Token> encode(const std::string& text, bool add_special,
                            bool split_special) const override {
    // Byte offset of each character start (and of the end), to turn character spans into byte
    // spans.
    std::vector<int64_t> byte_of_char;
    hf::for_each_char(text, [&](char32_t, size_t at, size_t) {
      byte_of_char.push_back(static_cast<int64_t>(at));
    });
    byte_of_char.push_back(static_cast<int64_t>(text.size()));
    const auto byte_at = [&](int64_t c) {
      return byte_of_char[static_cast<size_t>(
          std::clamp<int64_t>(c, 0, static_cast<int64_t>(byte_of_char.size()) - 1))];
    };
    std::vector<Token> tokens;
    for (const auto& t : tokenizer_->encode(text, add_special, split_special)) {
      Token token;
      token.id = t.id;
      token.piece = t.value;
      token.start = t.span.start;
      token.length = t.span.end - t.span.start;
      token.byte_start = byte_at(t.span.start);
      token.byte_length = byte_at(t.span.end) - token.byte_start;
      tokens.push_back(std::move(token));
    }
    return tokens;
  }

  std::string decode(const std::vector<int64_t>& ids, bool skip_special) const override {
    return tokenizer_->decode(ids, skip_special);
  }
  std::string piece(int64_t id) const override { return tokenizer_->id_to_token(id).value_or(""); }
  int64_t vocab_size() const override { return tokenizer_->vocab_size(); }
  int64_t bos_id() const override { return tokenizer_->bos_id(); }
  int64_t eos_id() const override { return tokenizer_->eos_id(); }
  std::string format() const override { return "tokenizer.json"; }

 private:
  std::shared_ptr<const hf::HfTokenizer> tokenizer_;
};

}  // namespace

std::shared_ptr<const TokenizerBackend> load_hf_backend(
    const std::filesystem::path& tokenizer_json) {
  return std::make_shared<HfBackend>(hf::HfTokenizer::load(tokenizer_json));
}

}  // namespace atman
