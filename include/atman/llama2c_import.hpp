#pragma once
// Converts a llama2.c checkpoint (legacy version 0) and its SentencePiece tokenizer into a
// Hugging Face directory atman (and other tools) can load.
#include <filesystem>

namespace atman {

struct Llama2cImport {
  std::filesystem::path checkpoint;  // model.bin: 7 × int32 header, then float32 arrays
  std::filesystem::path tokenizer;   // tokenizer.model (SentencePiece)
  std::filesystem::path out_dir;     // created if missing; config.json, model.safetensors, tokenizer.model
};

void convert_llama2c(const Llama2cImport& request);

}  // namespace atman
