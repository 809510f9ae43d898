#pragma once
// The BPE model of a tokenizer.json ("model": {"type": "BPE", ...}): vocabulary, ranked merges,
// byte_fallback, unk_token with fuse_unk, ignore_merges, continuing_subword_prefix and
// end_of_word_suffix, merges given as "a b" strings or ["a", "b"] pairs.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace atman::hf {

// One token of a word: its id, vocabulary string and the bytes [begin, end) of the word it covers.
struct ModelToken {
  int64_t id = 0;
  std::string value;
  size_t begin = 0;
  size_t end = 0;
};

class BpeModel {
 public:
  // Throws atman::Error naming `source` for a model type other than BPE, a merge naming a
  // token not in the vocabulary, an unk_token not in it, or malformed fields.
  static std::shared_ptr<BpeModel> from_json(const nlohmann::json& model,
                                             const std::string& source);

  // Tokens of one pre-tokenized piece (word), in order, covering all its bytes.
  std::vector<ModelToken> tokenize(const std::string& word) const;

  std::optional<int64_t> token_to_id(const std::string& token) const;
  std::optional<std::string> id_to_token(int64_t id) const;
  int64_t vocab_size() const;  // one past the largest id

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace atman::hf
