#include "atman/tokenizer.hpp"

#include "atman/error.hpp"
#include "tokenizer_backend.hpp"

namespace atman {

Tokenizer Tokenizer::load(const std::filesystem::path& file) {
  if (!std::filesystem::is_regular_file(file))
    throw Error(file.string() + ": tokenizer file not found");
  Tokenizer t;
  t.file_ = file;
  t.backend_ =
      file.extension() == ".json" ? load_hf_backend(file) : load_sentencepiece_backend(file);
  return t;
}

std::filesystem::path Tokenizer::file_for_model(const std::filesystem::path& dir) {
  const auto json = dir / "tokenizer.json";
  return std::filesystem::exists(json) ? json : dir / "tokenizer.model";
}

std::vector<Token> Tokenizer::encode(const std::string& text, bool add_special,
                                     bool split_special) const {
  return backend_->encode(text, add_special, split_special);
}

std::vector<int64_t> Tokenizer::encode_ids(const std::string& text, bool add_special) const {
  std::vector<int64_t> ids;
  for (const auto& t : encode(text, add_special)) ids.push_back(t.id);
  return ids;
}

std::string Tokenizer::decode(const std::vector<int64_t>& ids, bool skip_special) const {
  return backend_->decode(ids, skip_special);
}

std::string Tokenizer::piece(int64_t id) const {
  if (id < 0 || id >= vocab_size()) throw Error("token id " + std::to_string(id) + " out of range");
  return backend_->piece(id);
}

bool Tokenizer::surely_longer_than(const std::string& text, int64_t max_tokens) const {
  // No piece of a real vocabulary spans 64 bytes, so a text this short is cheap to tokenize
  // whole; a longer one is judged by a prefix, cut before a space so that its tokens are the
  // full text's first tokens.
  constexpr size_t kBytesPerTokenBound = 64;
  const size_t prefix_bytes = static_cast<size_t>(max_tokens + 1) * kBytesPerTokenBound;
  if (text.size() <= prefix_bytes) return false;
  size_t cut = prefix_bytes;
  while (cut > prefix_bytes / 2 && text[cut] != ' ') --cut;
  if (text[cut] != ' ') cut = prefix_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;  // a whole character
  return static_cast<int64_t>(encode(text.substr(0, cut), false).size()) > max_tokens;
}

int64_t Tokenizer::vocab_size() const { return backend_->vocab_size(); }
int64_t Tokenizer::bos_id() const { return backend_->bos_id(); }
int64_t Tokenizer::eos_id() const { return backend_->eos_id(); }
std::string Tokenizer::format() const { return backend_->format(); }

}  // namespace atman
