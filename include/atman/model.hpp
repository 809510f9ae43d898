#pragma once
// A loaded model directory: the transformer and its tokenizer, checked against each other.
#include <filesystem>
#include <string>
#include <vector>

#include "atman/checkpoint.hpp"
#include "atman/tokenizer.hpp"
#include "atman/transformer.hpp"

namespace atman {

struct Model {
  std::filesystem::path dir;
  Transformer transformer;
  Tokenizer tokenizer;

  // Prompt tokens with BOS when the model expects one (config bos_token_id >= 0).
  std::vector<Token> tokenize_prompt(const std::string& text) const;
};

// Loads `dir` with its tokenizer (Tokenizer::file_for_model), or `tokenizer_file` when given;
// every failure is an atman::Error starting "loading model 'DIR': ".
Model load_model(const std::filesystem::path& dir, const LoadOptions& options = {},
                 const std::filesystem::path& tokenizer_file = {});

// The embedded stories260K: next to an installed executable
// (<prefix>/share/atman/models/stories260K), else in the source tree it was built from.
std::filesystem::path embedded_model_dir();
// $ATMAN_MODEL if set, else embedded_model_dir().
std::filesystem::path default_model_dir();

}  // namespace atman
