#pragma once
// What each tokenizer format provides behind atman::Tokenizer: SentencePiece (tokenizer.model)
// and Hugging Face tokenizer.json. Tokens carry character and byte spans of the input.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "atman/tokenizer.hpp"

namespace atman {

class TokenizerBackend {
 public:
  virtual ~TokenizerBackend() = default;
  // Tokens of `text`; `add_special`: BOS (SentencePiece) or the post-processor's template
  // (tokenizer.json). `split_special`: special-token text is plain text.
  virtual std::vector<Token> encode(const std::string& text, bool add_special,
                                    bool split_special) const = 0;
  virtual std::string decode(const std::vector<int64_t>& ids, bool skip_special) const = 0;
  virtual std::string piece(int64_t id) const = 0;  // "" when the id has none
  virtual int64_t vocab_size() const = 0;
  virtual int64_t bos_id() const = 0;
  virtual int64_t eos_id() const = 0;
  virtual std::string format() const = 0;  // "sentencepiece", "tokenizer.json"
};

std::shared_ptr<const TokenizerBackend> load_sentencepiece_backend(
    const std::filesystem::path& model_file);
std::shared_ptr<const TokenizerBackend> load_hf_backend(
    const std::filesystem::path& tokenizer_json);

}  // namespace atman
