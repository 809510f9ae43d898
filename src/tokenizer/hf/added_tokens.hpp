#pragma once
// The "added_tokens" of a tokenizer.json (special tokens such as <|begin_of_text|>, chat markers,
// Phi-2's whitespace runs): found in the text before the model sees it, longest match first,
// honouring `special`, `lstrip`, `rstrip`, `single_word` and `normalized` as the `tokenizers`
// library does. Tokens with normalized = false are matched in the raw text, the others in the
// normalized text of what lies between.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "components.hpp"
#include "normalized_text.hpp"

namespace atman::hf {

struct AddedToken {
  int64_t id = 0;
  std::string content;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
  bool normalized = false;
};

// A stretch of text: an added token (id set; `text` is what it matched, absorbed whitespace
// included) or text still to be tokenized by the model.
struct TextPiece {
  NormalizedText text;
  std::optional<int64_t> added_id;
};

class AddedTokens {
 public:
  // Reads the "added_tokens" array; throws atman::Error naming `source` on malformed entries.
  static AddedTokens from_json(const nlohmann::json& added_tokens, const std::string& source);

  // Splits `text` at the tokens, normalizing the stretches between them. With
  // `split_special`, special tokens are not matched (their text is tokenized as plain text).
  std::vector<TextPiece> split(const NormalizedText& text, const Normalizer* normalizer,
                               bool split_special) const;

  const AddedToken* find(int64_t id) const;
  std::optional<int64_t> id_of(const std::string& content) const;
  const std::vector<AddedToken>& all() const { return tokens_; }

 private:
  // Splits each not-yet-matched piece at the tokens whose `normalized` flag equals `normalized`.
  void split_pieces(std::vector<TextPiece>& pieces, bool normalized, bool split_special) const;
  std::vector<AddedToken> tokens_;
  // id -> position in tokens_: decode looks up every id it is given.
  std::unordered_map<int64_t, size_t> index_of_id_;
};

}  // namespace atman::hf
