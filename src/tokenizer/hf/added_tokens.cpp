#include "added_tokens.hpp"

#include <algorithm>
#include <array>

#include "atman/error.hpp"
#include "char_classes.hpp"

namespace atman::hf {
namespace {

bool is_word_char(char32_t cp) {
  // Rust's char::is_alphanumeric plus '_' approximated for ASCII and letters beyond it.
  return cp == '_' || (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
         (cp >= 'A' && cp <= 'Z') || cp >= 0x80;
}

// The last / first character of `text` before / at byte `at`.
char32_t char_before(const std::string& text, size_t at) {
  size_t i = at;
  while (i > 0 && (static_cast<unsigned char>(text[i - 1]) & 0xC0) == 0x80) --i;
  if (i == 0) return 0;
  char32_t cp = 0;
  for_each_char(text.substr(i - 1, at - i + 1), [&](char32_t c, size_t, size_t) { cp = c; });
  return cp;
}
char32_t char_at(const std::string& text, size_t at) {
  char32_t cp = 0;
  bool first = true;
  for_each_char(text.substr(at, 4), [&](char32_t c, size_t, size_t) {
    if (first) cp = c;
    first = false;
  });
  return cp;
}

bool bool_field(const nlohmann::json& j, const char* name) {
  return j.contains(name) && j[name].is_boolean() && j[name].get<bool>();
}

}  // namespace

AddedTokens AddedTokens::from_json(const nlohmann::json& added_tokens, const std::string& source) {
  AddedTokens out;
  if (added_tokens.is_null()) return out;
  if (!added_tokens.is_array()) throw Error(source + ": \"added_tokens\" must be a list");
  for (const auto& j : added_tokens) {
    if (!j.is_object() || !j.contains("id") || !j["id"].is_number_integer() ||
        !j.contains("content") || !j["content"].is_string()) {
      throw Error(source +
                  ": an added token needs an integer \"id\" and a string \"content\": " + j.dump());
    }
    AddedToken t;
    t.id = j["id"].get<int64_t>();
    t.content = j["content"].get<std::string>();
    if (t.content.empty())
      throw Error(source + ": added token " + std::to_string(t.id) + " has empty content");
    t.special = bool_field(j, "special");
    t.lstrip = bool_field(j, "lstrip");
    t.rstrip = bool_field(j, "rstrip");
    t.single_word = bool_field(j, "single_word");
    t.normalized = j.contains("normalized") ? bool_field(j, "normalized") : !t.special;
    out.index_of_id_.emplace(t.id, out.tokens_.size());  // the first entry of an id wins, as before
    out.tokens_.push_back(std::move(t));
  }
  return out;
}

const AddedToken* AddedTokens::find(int64_t id) const {
  const auto it = index_of_id_.find(id);
  return it == index_of_id_.end() ? nullptr : &tokens_[it->second];
}

std::optional<int64_t> AddedTokens::id_of(const std::string& content) const {
  for (const auto& t : tokens_) {
    if (t.content == content) return t.id;
  }
  return std::nullopt;
}

void AddedTokens::split_pieces(std::vector<TextPiece>& pieces, bool normalized,
                               bool split_special) const {
  // Candidates by first byte, so that each position of the text is compared with few tokens.
  std::array<std::vector<const AddedToken*>, 256> by_first_byte;
  bool any = false;
  for (const auto& t : tokens_) {
    if (t.normalized != normalized || (split_special && t.special)) continue;
    by_first_byte[static_cast<unsigned char>(t.content[0])].push_back(&t);
    any = true;
  }
  if (!any) return;
  std::vector<TextPiece> out;
  for (auto& piece : pieces) {
    if (piece.added_id) {
      out.push_back(std::move(piece));
      continue;
    }
    const std::string& s = piece.text.text;
    size_t done = 0;  // bytes of `s` already emitted
    for (size_t at = 0; at < s.size();) {
      // Leftmost-longest: at each position the longest token that matches (and passes its checks).
      const AddedToken* best = nullptr;
      for (const AddedToken* t : by_first_byte[static_cast<unsigned char>(s[at])]) {
        if (s.compare(at, t->content.size(), t->content) != 0) continue;
        if (best != nullptr && t->content.size() <= best->content.size()) continue;
        if (t->single_word) {
          const size_t end = at + t->content.size();
          const bool word_before = at > 0 && is_word_char(char_before(s, at));
          const bool word_after = end < s.size() && is_word_char(char_at(s, end));
          if (word_before || word_after) continue;
        }
        best = t;
      }
      if (best == nullptr) {
        ++at;
        continue;
      }
      size_t start = at, stop = at + best->content.size();
      if (best->lstrip) {
        while (start > done && is_white_space(char_before(s, start))) {
          --start;
          while (start > done && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
        }
      }
      if (best->rstrip) {
        while (stop < s.size() && is_white_space(char_at(s, stop))) {
          ++stop;
          while (stop < s.size() && (static_cast<unsigned char>(s[stop]) & 0xC0) == 0x80) ++stop;
        }
      }
      if (start > done) out.push_back({piece.text.slice(done, start), std::nullopt});
      out.push_back({piece.text.slice(start, stop), best->id});
      done = at = stop;
    }
    if (done < s.size()) out.push_back({piece.text.slice(done, s.size()), std::nullopt});
  }
  pieces = std::move(out);
}

std::vector<TextPiece> AddedTokens::split(const NormalizedText& text, const Normalizer* normalizer,
                                          bool split_special) const {
  std::vector<TextPiece> pieces{{text, std::nullopt}};
  split_pieces(pieces, /*normalized=*/false, split_special);
  for (auto& piece : pieces) {
    if (!piece.added_id && normalizer != nullptr) normalizer->normalize(piece.text);
  }
  split_pieces(pieces, /*normalized=*/true, split_special);
  return pieces;
}

}  // namespace atman::hf
