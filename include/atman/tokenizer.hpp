#pragma once
// Tokenizers that also report where every token came from in the original text, so
// explanations can highlight and group text.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace atman {

struct Token {
  int64_t id = 0;
  std::string piece;        // the vocabulary piece, e.g. "▁T"
  int64_t start = 0;        // first character (Unicode code point) of the source text
  int64_t length = 0;       // characters covered; 0 for BOS and for continuation bytes
  int64_t byte_start = 0;   // the same span in UTF-8 bytes
  int64_t byte_length = 0;
};

class TokenizerBackend;

// A model's tokenizer: SentencePiece (tokenizer.model) or Hugging Face (tokenizer.json), with
// the character and byte span of every token in the input.
class Tokenizer {
 public:
  // By extension: .json is a Hugging Face tokenizer.json (tokenizer_config.json beside it is
  // read too), anything else a SentencePiece model. Throws atman::Error naming the file when it
  // is missing, malformed or uses a component atman does not implement.
  static Tokenizer load(const std::filesystem::path& file);
  // The tokenizer file of a model directory: tokenizer.json when present (what AutoTokenizer
  // loads), else tokenizer.model.
  static std::filesystem::path file_for_model(const std::filesystem::path& dir);

  // Tokens of `text`. `add_special`: a leading BOS (span 0,0) for SentencePiece, the
  // post-processor's template for tokenizer.json. `split_special`: special-token text in the
  // input is tokenized as plain text (tokenizers' split_special_tokens).
  std::vector<Token> encode(const std::string& text, bool add_special, bool split_special = false) const;
  std::vector<int64_t> encode_ids(const std::string& text, bool add_special) const;
  // Text of `ids`; ids the tokenizer has no piece for appear as "<id:N>".
  std::string decode(const std::vector<int64_t>& ids, bool skip_special = false) const;
  std::string piece(int64_t id) const;
  // True when `text` has more than `max_tokens` tokens for certain, judged from a prefix in time
  // linear in min(text size, 64·max_tokens), so an oversized input is refused at once. False
  // means "not known to": the caller tokenizes the whole text and counts.
  bool surely_longer_than(const std::string& text, int64_t max_tokens) const;

  int64_t vocab_size() const;
  int64_t bos_id() const;  // -1 when the tokenizer has none
  int64_t eos_id() const;
  std::string format() const;  // "sentencepiece" or "tokenizer.json"
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  std::shared_ptr<const TokenizerBackend> backend_;
};

}  // namespace atman
