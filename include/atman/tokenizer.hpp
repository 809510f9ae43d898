#pragma once
// SentencePiece tokenizer (tokenizer.model) that also reports where every token came from in
// the original text, so explanations can highlight and group text.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

struct atman_spm;

namespace atman {

struct Token {
  int64_t id = 0;
  std::string piece;        // the vocabulary piece, e.g. "▁T"
  int64_t start = 0;        // first character (Unicode code point) of the source text
  int64_t length = 0;       // characters covered; 0 for BOS and for continuation bytes
  int64_t byte_start = 0;   // the same span in UTF-8 bytes
  int64_t byte_length = 0;
};

class Tokenizer {
 public:
  // Throws atman::Error naming the file when it is missing or not a SentencePiece model.
  static Tokenizer load(const std::filesystem::path& model_file);

  // Tokens of `text`, with a leading BOS (span 0,0) when `add_bos`.
  std::vector<Token> encode(const std::string& text, bool add_bos) const;
  std::vector<int64_t> encode_ids(const std::string& text, bool add_bos) const;
  // Text of `ids`; ids the tokenizer has no piece for appear as "<id:N>".
  std::string decode(const std::vector<int64_t>& ids) const;
  // True when `text` has more than `max_tokens` tokens for certain, judged from a prefix in time
  // linear in min(text size, 64·max_tokens), so an oversized input is refused at once. False
  // means "not known to": the caller tokenizes the whole text and counts.
  bool surely_longer_than(const std::string& text, int64_t max_tokens) const;
  std::string piece(int64_t id) const;

  int64_t vocab_size() const;
  int64_t bos_id() const;  // -1 when the model has none
  int64_t eos_id() const;

 private:
  std::shared_ptr<atman_spm> processor_;  // owned by the SentencePiece shim library
};

}  // namespace atman
