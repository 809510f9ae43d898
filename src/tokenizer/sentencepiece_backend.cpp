#include "atman/tokenizer.hpp"

#include <dlfcn.h>

#include "atman/error.hpp"
#include "atman/utf8.hpp"
#include "atman_build_paths.hpp"
#include "../util/install_layout.hpp"
#include "sentencepiece_shim.h"

namespace atman {
namespace {

// The shim's entry points, resolved once per process.
struct SentencePieceApi {
  decltype(&atman_spm_load) load;
  decltype(&atman_spm_free) free;
  decltype(&atman_spm_encode) encode;
  decltype(&atman_spm_decode) decode;
  decltype(&atman_spm_id_to_piece) id_to_piece;
  decltype(&atman_spm_piece_size) piece_size;
  decltype(&atman_spm_bos_id) bos_id;
  decltype(&atman_spm_eos_id) eos_id;
};

template <typename F>
F resolve(void* handle, const char* name) {
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) throw Error(std::string("SentencePiece shim lacks symbol ") + name);
  return reinterpret_cast<F>(symbol);
}

SentencePieceApi open_api() {
  const std::string path =
      installed_or_built(ATMAN_INSTALL_SHIM_PATH, ATMAN_BUILD_SHIM_PATH).string();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (handle == nullptr) {
    throw Error("cannot load the SentencePiece shim '" + path + "': " + dlerror());
  }
  return SentencePieceApi{
      resolve<decltype(&atman_spm_load)>(handle, "atman_spm_load"),
      resolve<decltype(&atman_spm_free)>(handle, "atman_spm_free"),
      resolve<decltype(&atman_spm_encode)>(handle, "atman_spm_encode"),
      resolve<decltype(&atman_spm_decode)>(handle, "atman_spm_decode"),
      resolve<decltype(&atman_spm_id_to_piece)>(handle, "atman_spm_id_to_piece"),
      resolve<decltype(&atman_spm_piece_size)>(handle, "atman_spm_piece_size"),
      resolve<decltype(&atman_spm_bos_id)>(handle, "atman_spm_bos_id"),
      resolve<decltype(&atman_spm_eos_id)>(handle, "atman_spm_eos_id")};
}

const SentencePieceApi& api() {
  static const SentencePieceApi instance = open_api();  // thread-safe, loaded on first use
  return instance;
}

void append_string(void* user, const char* text, size_t length) {
  static_cast<std::string*>(user)->append(text, length);
}

struct EncodeState {
  const std::string* text;
  std::vector<Token>* tokens;
  // Characters before byte `counted_bytes`: pieces arrive in text order, so each span is
  // counted from the previous one instead of from the start (linear, not quadratic, in the text).
  size_t counted_bytes = 0;
  int64_t counted_chars = 0;

  int64_t chars_before(size_t byte) {
    if (byte < counted_bytes) {
      counted_bytes = 0;  // out of order (never seen in practice): count again from the start
      counted_chars = 0;
    }
    const size_t end = std::min(byte, text->size());
    for (; counted_bytes < end; ++counted_bytes) {
      counted_chars += (static_cast<unsigned char>((*text)[counted_bytes]) & 0xC0) != 0x80;
    }
    return counted_chars;
  }
};

void collect_piece(void* user, int id, const char* piece, size_t piece_length, size_t begin,
                   size_t end) {
  auto* state = static_cast<EncodeState*>(user);
  Token tok;
  tok.id = id;
  tok.piece.assign(piece, piece_length);
  tok.byte_start = static_cast<int64_t>(begin);
  tok.byte_length = static_cast<int64_t>(end) - static_cast<int64_t>(begin);
  tok.start = state->chars_before(begin);
  tok.length = state->chars_before(end) - tok.start;
  state->tokens->push_back(std::move(tok));
}

}  // namespace

Tokenizer Tokenizer::load(const std::filesystem::path& model_file) {
  if (!std::filesystem::is_regular_file(model_file)) {
    throw Error(model_file.string() + ": tokenizer file not found");
  }
  char error[512] = {0};
  atman_spm* raw = api().load(model_file.c_str(), error, sizeof(error));
  if (raw == nullptr) {
    throw Error(model_file.string() + ": not a valid SentencePiece model: " + error);
  }
  Tokenizer t;
  t.processor_ = std::shared_ptr<atman_spm>(raw, api().free);
  return t;
}

std::vector<Token> Tokenizer::encode(const std::string& text, bool add_bos) const {
  std::vector<Token> tokens;
  if (add_bos) {
    if (bos_id() < 0) throw Error("the tokenizer has no BOS token");
    tokens.push_back(Token{bos_id(), piece(bos_id()), 0, 0, 0, 0});
  }
  EncodeState state{&text, &tokens};
  char error[512] = {0};
  if (api().encode(processor_.get(), text.data(), text.size(), collect_piece, &state, error,
                   sizeof(error)) != 0) {
    throw Error(std::string("cannot tokenize text: ") + error);
  }
  return tokens;
}

std::vector<int64_t> Tokenizer::encode_ids(const std::string& text, bool add_bos) const {
  std::vector<int64_t> ids;
  for (const auto& t : encode(text, add_bos)) ids.push_back(t.id);
  return ids;
}

std::string Tokenizer::decode(const std::vector<int64_t>& ids) const {
  // Ids past the tokenizer's pieces (a model vocabulary padded beyond them) print as <id:N>;
  // the runs of ids between them decode as usual.
  std::string out;
  std::vector<int> run;
  auto flush_run = [&] {
    if (run.empty()) return;
    // SentencePiece drops the word-start mark of a sequence's first piece; inside the text it is a space.
    if (!out.empty() && piece(run.front()).rfind("\xe2\x96\x81", 0) == 0) out += ' ';
    char error[512] = {0};
    if (api().decode(processor_.get(), run.data(), run.size(), append_string, &out, error, sizeof(error)) != 0) {
      throw Error(std::string("cannot decode token ids: ") + error);
    }
    run.clear();
  };
  const int64_t pieces = vocab_size();
  for (int64_t id : ids) {
    if (id >= 0 && id < pieces) {
      run.push_back(static_cast<int>(id));
    } else {
      flush_run();
      out += "<id:" + std::to_string(id) + ">";
    }
  }
  flush_run();
  return out;
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
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // a whole character
  return static_cast<int64_t>(encode(text.substr(0, cut), false).size()) > max_tokens;
}

std::string Tokenizer::piece(int64_t id) const {
  if (id < 0 || id >= vocab_size()) throw Error("token id " + std::to_string(id) + " out of range");
  std::string out;
  api().id_to_piece(processor_.get(), static_cast<int>(id), append_string, &out);
  return out;
}

int64_t Tokenizer::vocab_size() const { return api().piece_size(processor_.get()); }
int64_t Tokenizer::bos_id() const { return api().bos_id(processor_.get()); }
int64_t Tokenizer::eos_id() const { return api().eos_id(processor_.get()); }

}  // namespace atman
