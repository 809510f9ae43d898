#include "bpe_model.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <mutex>
#include <queue>
#include <string_view>

#include "atman/error.hpp"
#include "normalized_text.hpp"

namespace atman::hf {

using nlohmann::json;

namespace {

// Words longer than this are not cached (as in tokenizers), so one huge word cannot evict the rest.
constexpr size_t kMaxCachedWordBytes = 256;
constexpr size_t kCacheCapacity = 65536;

uint64_t pair_key(uint32_t a, uint32_t b) { return (static_cast<uint64_t>(a) << 32) | b; }

struct Merge {
  uint32_t rank = 0;
  uint32_t new_id = 0;
};

// Pair -> merge, open addressing with linear probing: the merge table is hit for every
// neighbouring pair of every new word, and a node-based map spends that time on cache misses.
class MergeTable {
 public:
  void reserve(size_t n) {
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
  }

  // A pair listed again replaces the earlier entry (tokenizers collects merges into a HashMap).
  void set(uint64_t key, Merge m) {
    for (size_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].merge.rank == kEmpty || slots_[i].key == key) {
        slots_[i] = Slot{key, m};
        return;
      }
    }
  }

  const Merge* find(uint64_t key) const {
    for (size_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].merge.rank == kEmpty) return nullptr;
      if (slots_[i].key == key) return &slots_[i].merge;
    }
  }

 private:
  static constexpr uint32_t kEmpty =
      std::numeric_limits<uint32_t>::max();  // no rank gets this high
  struct Slot {
    uint64_t key = 0;
    Merge merge{kEmpty, 0};
  };
  static size_t hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return static_cast<size_t>(k);
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

// A symbol of a word being merged: a doubly linked list inside a vector, as in tokenizers' Word.
struct Symbol {
  uint32_t id = 0;
  int prev = -1;
  int next = -1;
  size_t len = 0;  // bytes of the word; 0 once merged into its left neighbour
};

// A candidate merge of the symbol at `pos` with its right neighbour. The queue pops the lowest
// rank first and, among equal ranks, the leftmost position.
struct Candidate {
  uint32_t rank = 0;
  int pos = 0;
  uint32_t new_id = 0;
  bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};

std::optional<std::string> optional_string(const json& model, const char* key,
                                           const std::string& where) {
  const auto it = model.find(key);
  if (it == model.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw Error(where + ": \"" + key + "\" must be a string or null");
  return it->get<std::string>();
}

bool optional_bool(const json& model, const char* key, const std::string& where) {
  const auto it = model.find(key);
  if (it == model.end() || it->is_null()) return false;
  if (!it->is_boolean()) throw Error(where + ": \"" + key + "\" must be true or false");
  return it->get<bool>();
}

std::string byte_token(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "<0x%02X>", b);
  return buf;
}

}  // namespace

struct BpeModel::Impl {
  // Token strings own the bytes; `vocab` holds views into them, so lookups need no allocation.
  std::vector<std::string> strings;
  std::unordered_map<std::string_view, uint32_t> vocab;
  std::unordered_map<uint32_t, uint32_t> string_of_id;  // id -> index into `strings`
  int64_t size = 0;                                     // one past the largest id
  MergeTable merges;
  std::optional<std::string> unk_token;
  std::optional<uint32_t> unk_id;
  std::optional<std::string> prefix;  // continuing_subword_prefix
  std::optional<std::string> suffix;  // end_of_word_suffix
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;
  std::array<std::optional<uint32_t>, 256> byte_ids;  // "<0xNN>" tokens, for byte_fallback

  mutable std::mutex cache_mutex;
  mutable std::unordered_map<std::string, std::vector<ModelToken>> cache;

  std::optional<uint32_t> find(std::string_view token) const {
    const auto it = vocab.find(token);
    if (it == vocab.end()) return std::nullopt;
    return it->second;
  }
  const std::string& value(uint32_t id) const { return strings[string_of_id.at(id)]; }

  std::vector<ModelToken> merge_word(const std::string& word) const;
};

namespace {

// Reads "merges": "a b" strings (split at the one space; "#version" lines skipped, as in
// tokenizers' merges.txt reader) or ["a", "b"] pairs.
std::vector<std::pair<std::string, std::string>> read_merges(const json& merges,
                                                             const std::string& where) {
  if (!merges.is_array()) throw Error(where + ": \"merges\" must be an array");
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(merges.size());
  for (const json& m : merges) {
    if (m.is_string()) {
      const std::string& line = m.get_ref<const std::string&>();
      if (line.rfind("#version", 0) == 0) continue;
      const size_t space = line.find(' ');
      if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
        throw Error(where + ": merge " + std::to_string(out.size() + 1) + " (\"" + line +
                    "\") is not two tokens separated by one space");
      }
      out.emplace_back(line.substr(0, space), line.substr(space + 1));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      out.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    } else {
      throw Error(where + ": merge " + std::to_string(out.size() + 1) +
                  " must be \"a b\" or [\"a\", \"b\"], got " + m.dump());
    }
  }
  return out;
}

}  // namespace

std::shared_ptr<BpeModel> BpeModel::from_json(const json& model, const std::string& source) {
  const std::string where = source + ": model";
  if (!model.is_object()) throw Error(where + ": expected a JSON object");
  if (const auto type = model.find("type"); type != model.end() && !type->is_null()) {
    // Files from before the "type" tag (GPT-2 era) are BPE too.
    if (!type->is_string() || type->get<std::string>() != "BPE") {
      throw Error(where + ": unsupported model type " + type->dump() +
                  " (only BPE is implemented)");
    }
  }
  if (const auto d = model.find("dropout"); d != model.end() && !d->is_null()) {
    // Dropout makes tokenization random; 0.0 is the same as none in tokenizers.
    if (!d->is_number() || d->get<double>() != 0.0) {
      throw Error(where + ": BPE dropout " + d->dump() +
                  " is not supported (tokenization would be random)");
    }
  }
  const auto vocab_it = model.find("vocab");
  const auto merges_it = model.find("merges");
  if (vocab_it == model.end() || !vocab_it->is_object())
    throw Error(where + ": \"vocab\" must be an object");
  if (merges_it == model.end()) throw Error(where + ": no \"merges\"");

  auto impl = std::make_shared<Impl>();
  impl->strings.reserve(vocab_it->size());
  std::vector<uint32_t> ids;
  ids.reserve(vocab_it->size());
  for (const auto& [token, id] : vocab_it->items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 ||
        id.get<int64_t>() > std::numeric_limits<uint32_t>::max()) {
      throw Error(where + ": vocabulary id of \"" + token +
                  "\" must be an integer in [0, 2^32), got " + id.dump());
    }
    impl->strings.push_back(token);
    ids.push_back(static_cast<uint32_t>(id.get<int64_t>()));
  }
  // Views are taken only now: `strings` no longer moves.
  impl->vocab.reserve(ids.size());
  impl->string_of_id.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    impl->vocab[impl->strings[i]] = ids[i];
    impl->string_of_id[ids[i]] = static_cast<uint32_t>(i);
    impl->size = std::max<int64_t>(impl->size, int64_t{ids[i]} + 1);
  }

  impl->unk_token = optional_string(model, "unk_token", where);
  impl->prefix = optional_string(model, "continuing_subword_prefix", where);
  impl->suffix = optional_string(model, "end_of_word_suffix", where);
  impl->fuse_unk = optional_bool(model, "fuse_unk", where);
  impl->byte_fallback = optional_bool(model, "byte_fallback", where);
  impl->ignore_merges = optional_bool(model, "ignore_merges", where);
  if (impl->unk_token) {
    impl->unk_id = impl->find(*impl->unk_token);
    if (!impl->unk_id)
      throw Error(where + ": unk_token \"" + *impl->unk_token + "\" is not in the vocabulary");
  }
  for (int b = 0; b < 256; ++b) impl->byte_ids[b] = impl->find(byte_token(static_cast<uint8_t>(b)));

  // As in tokenizers: the merged token is a + b without b's continuing_subword_prefix, and a
  // pair listed twice keeps its later rank.
  const auto merges = read_merges(*merges_it, where);
  const size_t prefix_len = impl->prefix ? impl->prefix->size() : 0;
  impl->merges.reserve(merges.size());
  std::string merged;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [a, b] = merges[rank];
    auto missing = [&](const std::string& token) {
      return Error(where + ": merge " + std::to_string(rank + 1) + " (\"" + a + "\" + \"" + b +
                   "\"): token \"" + token + "\" is not in the vocabulary");
    };
    const auto a_id = impl->find(a);
    if (!a_id) throw missing(a);
    const auto b_id = impl->find(b);
    if (!b_id) throw missing(b);
    merged.assign(a);
    merged.append(b, std::min(prefix_len, b.size()), std::string::npos);
    const auto new_id = impl->find(merged);
    if (!new_id) throw missing(merged);
    impl->merges.set(pair_key(*a_id, *b_id), Merge{static_cast<uint32_t>(rank), *new_id});
  }

  auto out = std::shared_ptr<BpeModel>(new BpeModel());
  out->impl_ = std::move(impl);
  return out;
}

std::vector<ModelToken> BpeModel::Impl::merge_word(const std::string& word) const {
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  auto add = [&](uint32_t id, size_t len) {
    const int n = static_cast<int>(symbols.size());
    if (n > 0) symbols.back().next = n;
    symbols.push_back(Symbol{id, n - 1, -1, len});
  };

  // A run of unknown characters waits here so that fuse_unk can extend it.
  std::optional<std::pair<uint32_t, size_t>> unk;
  std::string piece;
  for_each_char(word, [&](char32_t, size_t at, size_t n) {
    n = std::min(n, word.size() - at);
    piece.assign(word, at, n);
    if (prefix && at > 0) piece.insert(0, *prefix);
    if (suffix && at + n == word.size()) piece += *suffix;
    if (const auto id = find(piece)) {
      if (unk) add(unk->first, unk->second);
      unk.reset();
      add(*id, n);
      return;
    }
    if (byte_fallback) {
      // tokenizers spells every byte of the piece, prefix and suffix included, one byte each;
      // a pending unknown run is not flushed first.
      const bool all = std::all_of(piece.begin(), piece.end(), [&](char c) {
        return byte_ids[static_cast<uint8_t>(c)].has_value();
      });
      if (all) {
        for (char c : piece) add(*byte_ids[static_cast<uint8_t>(c)], 1);
        return;
      }
    }
    if (!unk_id) return;  // no unk_token: the character is dropped, as in tokenizers
    if (unk && fuse_unk) {
      unk->second += n;
      return;
    }
    if (unk) add(unk->first, unk->second);
    unk = std::make_pair(*unk_id, n);
  });
  if (unk) add(unk->first, unk->second);

  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
  auto candidate = [&](int pos) {
    const int next = symbols[pos].next;
    if (next < 0) return;
    if (const Merge* m = merges.find(pair_key(symbols[pos].id, symbols[next].id))) {
      queue.push(Candidate{m->rank, pos, m->new_id});
    }
  };
  for (int i = 0; i + 1 < static_cast<int>(symbols.size()); ++i) candidate(i);
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.pos];
    if (left.len == 0 || left.next < 0) continue;
    // Skip entries made stale by an earlier merge on either side.
    Symbol& right = symbols[left.next];
    const Merge* m = merges.find(pair_key(left.id, right.id));
    if (m == nullptr || m->new_id != top.new_id) continue;
    left.id = top.new_id;
    left.len += right.len;
    left.next = right.next;
    right.len = 0;
    if (left.next >= 0) symbols[left.next].prev = top.pos;
    if (left.prev >= 0) candidate(left.prev);
    candidate(top.pos);
  }

  // Offsets add up the symbols' lengths, as tokenizers does (so they only match the word's bytes
  // when every character got a symbol of its own length); clamped to stay inside the word.
  std::vector<ModelToken> out;
  size_t pos = 0;
  for (const Symbol& s : symbols) {
    if (s.len == 0) continue;
    const size_t begin = std::min(pos, word.size());
    pos += s.len;
    out.push_back(ModelToken{s.id, value(s.id), begin, std::min(pos, word.size())});
  }
  return out;
}

std::vector<ModelToken> BpeModel::tokenize(const std::string& word) const {
  if (word.empty()) return {};
  const Impl& m = *impl_;
  if (m.ignore_merges) {
    if (const auto id = m.find(word)) return {ModelToken{*id, word, 0, word.size()}};
  }
  const bool cacheable = word.size() < kMaxCachedWordBytes;
  if (cacheable) {
    std::lock_guard<std::mutex> lock(m.cache_mutex);
    const auto it = m.cache.find(word);
    if (it != m.cache.end()) return it->second;
  }
  std::vector<ModelToken> tokens = m.merge_word(word);
  if (cacheable) {
    std::lock_guard<std::mutex> lock(m.cache_mutex);
    if (m.cache.size() >= kCacheCapacity) m.cache.clear();  // bounded: start over when full
    m.cache.emplace(word, tokens);
  }
  return tokens;
}

std::optional<int64_t> BpeModel::token_to_id(const std::string& token) const {
  if (const auto id = impl_->find(token)) return *id;
  return std::nullopt;
}

std::optional<std::string> BpeModel::id_to_token(int64_t id) const {
  if (id < 0 || id > std::numeric_limits<uint32_t>::max()) return std::nullopt;
  const auto it = impl_->string_of_id.find(static_cast<uint32_t>(id));
  if (it == impl_->string_of_id.end()) return std::nullopt;
  return impl_->strings[it->second];
}

int64_t BpeModel::vocab_size() const { return impl_->size; }

}  // namespace atman::hf
