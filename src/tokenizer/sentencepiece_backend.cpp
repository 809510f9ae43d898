// The SentencePiece backend (tokenizer.model), through the dlopen()ed shim.
#include <dlfcn.h>

#include "../util/install_layout.hpp"
#include "atman/error.hpp"
#include "atman_build_paths.hpp"
#include "sentencepiece_shim.h"
#include "tokenizer_backend.hpp"

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

class SentencePieceBackend : public TokenizerBackend {
 public:
  explicit SentencePieceBackend(std::shared_ptr<atman_spm> processor)
      : processor_(std::move(processor)) {}

  std::vector<Token> encode(const std::string& text, bool add_bos,
                            bool /*split_special*/) const override {
    // SentencePiece has no special tokens inside the text: <s> there is plain text either way.
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

  std::string decode(const std::vector<int64_t>& ids, bool skip_special) const override {
    // Ids past the tokenizer's pieces (a model vocabulary padded beyond them) print as <id:N>;
    // the runs of ids between them decode as usual.
    std::string out;
    std::vector<int> run;
    auto flush_run = [&] {
      if (run.empty()) return;
      // SentencePiece drops the word-start mark of a sequence's first piece; inside the text it is
      // a space.
      if (!out.empty() && piece(run.front()).rfind("\xe2\x96\x81", 0) == 0) out += ' ';
      char error[512] = {0};
      if (api().decode(processor_.get(), run.data(), run.size(), append_string, &out, error,
                       sizeof(error)) != 0) {
        throw Error(std::string("cannot decode token ids: ") + error);
      }
      run.clear();
    };
    const int64_t pieces = vocab_size();
    for (int64_t id : ids) {
      if (skip_special && (id == bos_id() || id == eos_id())) continue;
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

  std::string piece(int64_t id) const override {
    if (id < 0 || id >= vocab_size()) return "";
    std::string out;
    api().id_to_piece(processor_.get(), static_cast<int>(id), append_string, &out);
    return out;
  }

  int64_t vocab_size() const override { return api().piece_size(processor_.get()); }
  int64_t bos_id() const override { return api().bos_id(processor_.get()); }
  int64_t eos_id() const override { return api().eos_id(processor_.get()); }
  std::string format() const override { return "sentencepiece"; }

 private:
  std::shared_ptr<atman_spm> processor_;  // owned by the SentencePiece shim library
};

}  // namespace

std::shared_ptr<const TokenizerBackend> load_sentencepiece_backend(
    const std::filesystem::path& model_file) {
  char error[512] = {0};
  atman_spm* raw = api().load(model_file.c_str(), error, sizeof(error));
  if (raw == nullptr) {
    throw Error(model_file.string() + ": not a valid SentencePiece model: " + error);
  }
  return std::make_shared<SentencePieceBackend>(std::shared_ptr<atman_spm>(raw, api().free));
}

}  // namespace atman
