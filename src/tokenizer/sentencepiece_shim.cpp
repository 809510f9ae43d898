// The SentencePiece shim (see sentencepiece_shim.h for why it exists).
#include "sentencepiece_shim.h"

#include <sentencepiece_processor.h>

#include <cstring>
#include <string>
#include <vector>

struct atman_spm {
  sentencepiece::SentencePieceProcessor processor;
};

namespace {

void copy_error(const std::string& message, char* error, size_t error_size) {
  if (error == nullptr || error_size == 0) return;
  std::strncpy(error, message.c_str(), error_size - 1);
  error[error_size - 1] = '\0';
}

}  // namespace

extern "C" {

atman_spm* atman_spm_load(const char* path, char* error, size_t error_size) {
  auto* model = new atman_spm();
  const auto status = model->processor.Load(path);
  if (!status.ok()) {
    copy_error(status.ToString(), error, error_size);
    delete model;
    return nullptr;
  }
  return model;
}

void atman_spm_free(atman_spm* model) { delete model; }

int atman_spm_encode(const atman_spm* model, const char* text, size_t length,
                     atman_spm_piece_fn on_piece, void* user, char* error, size_t error_size) {
  try {
    const auto proto = model->processor.EncodeAsImmutableProto(std::string(text, length));
    for (const auto& p : proto.pieces()) {
      const std::string& piece = p.piece();
      on_piece(user, static_cast<int>(p.id()), piece.data(), piece.size(), p.begin(), p.end());
    }
    return 0;
  } catch (const std::exception& e) {
    copy_error(e.what(), error, error_size);
    return 1;
  }
}

int atman_spm_decode(const atman_spm* model, const int* ids, size_t count,
                     atman_spm_string_fn on_text, void* user, char* error, size_t error_size) {
  std::string out;
  const auto status = model->processor.Decode(std::vector<int>(ids, ids + count), &out);
  if (!status.ok()) {
    copy_error(status.ToString(), error, error_size);
    return 1;
  }
  on_text(user, out.data(), out.size());
  return 0;
}

void atman_spm_id_to_piece(const atman_spm* model, int id, atman_spm_string_fn on_text,
                           void* user) {
  const std::string piece = model->processor.IdToPiece(id);
  on_text(user, piece.data(), piece.size());
}

int atman_spm_piece_size(const atman_spm* model) { return model->processor.GetPieceSize(); }
int atman_spm_bos_id(const atman_spm* model) { return model->processor.bos_id(); }
int atman_spm_eos_id(const atman_spm* model) { return model->processor.eos_id(); }

}  // extern "C"
