#pragma once
// A Hugging Face tokenizer.json (with its tokenizer_config.json, when beside it), encoding and
// decoding as the `tokenizers` library's Tokenizer.from_file does, and giving every token the
// characters of the input it came from.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "added_tokens.hpp"
#include "bpe_model.hpp"
#include "components.hpp"

namespace atman::hf {

class HfTokenizer {
 public:
  // Throws atman::Error naming the file: unreadable or malformed JSON, an unsupported model or
  // component, a merge naming an unknown token, a regex PCRE2 rejects.
  static std::shared_ptr<const HfTokenizer> load(const std::filesystem::path& tokenizer_json);

  // `add_special_tokens`: the post-processor's template (BOS, ...) is applied. `split_special`:
  // special added tokens in the text are tokenized as plain text. Text must be valid UTF-8.
  std::vector<EncodedToken> encode(const std::string& text, bool add_special_tokens,
                                   bool split_special) const;
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const;

  std::optional<std::string> id_to_token(int64_t id) const;
  std::optional<int64_t> token_to_id(const std::string& token) const;
  int64_t vocab_size() const;
  int64_t bos_id() const { return bos_id_; }  // -1 when tokenizer_config.json names none
  int64_t eos_id() const { return eos_id_; }

 private:
  std::shared_ptr<BpeModel> model_;
  AddedTokens added_;
  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<Decoder> decoder_;
  int64_t bos_id_ = -1;
  int64_t eos_id_ = -1;
};

}  // namespace atman::hf
