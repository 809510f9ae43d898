#pragma once
// C interface of the SentencePiece shim library.
//
// Why a shim: Debian's libsentencepiece carries its own copy of protobuf 3.14 and exports its
// symbols, while libtorch loads the system's libprotobuf 3.21. Linked into one process, the
// two interpose each other and the process crashes in a static initialiser. The shim links
// SentencePiece and is dlopen()ed with RTLD_LOCAL | RTLD_DEEPBIND, so SentencePiece binds to
// its own protobuf and nothing outside sees it. Only C types cross this boundary.
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct atman_spm atman_spm;
// Receives one piece of an encoding: id, piece text, byte span [begin, end) in the input.
typedef void (*atman_spm_piece_fn)(void* user, int id, const char* piece, size_t piece_length,
                                   size_t begin, size_t end);
// Receives a string result.
typedef void (*atman_spm_string_fn)(void* user, const char* text, size_t length);

// NULL on failure, with a message in `error`.
atman_spm* atman_spm_load(const char* path, char* error, size_t error_size);
void atman_spm_free(atman_spm* model);
// 0 on success.
int atman_spm_encode(const atman_spm* model, const char* text, size_t length,
                     atman_spm_piece_fn on_piece, void* user, char* error, size_t error_size);
int atman_spm_decode(const atman_spm* model, const int* ids, size_t count,
                     atman_spm_string_fn on_text, void* user, char* error, size_t error_size);
void atman_spm_id_to_piece(const atman_spm* model, int id, atman_spm_string_fn on_text, void* user);
int atman_spm_piece_size(const atman_spm* model);
int atman_spm_bos_id(const atman_spm* model);
int atman_spm_eos_id(const atman_spm* model);

#ifdef __cplusplus
}
#endif
