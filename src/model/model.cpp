#include "atman/model.hpp"

#include <cstdlib>

#include "atman/error.hpp"
#include "atman_build_paths.hpp"
#include "../util/install_layout.hpp"

namespace atman {
namespace {

constexpr const char* kDefaultModelName = "stories260K";

}  // namespace

std::vector<Token> Model::tokenize_prompt(const std::string& text) const {
  return tokenizer.encode(text, transformer.config().bos_token_id >= 0);
}

Model load_model(const std::filesystem::path& dir, const LoadOptions& options,
                 const std::filesystem::path& tokenizer_file) {
  try {
    Transformer transformer = load_transformer(dir, options);
    Tokenizer tokenizer = Tokenizer::load(tokenizer_file.empty() ? Tokenizer::file_for_model(dir) : tokenizer_file);
    if (tokenizer.vocab_size() > transformer.config().vocab_size) {
      throw Error(tokenizer.file().string() + ": tokenizer has " +
                  std::to_string(tokenizer.vocab_size()) + " pieces, more than the model's " +
                  "vocab_size " + std::to_string(transformer.config().vocab_size));
    }
    return Model{dir, std::move(transformer), std::move(tokenizer)};
  } catch (...) {
    rethrow_with_context("loading model '" + dir.string() + "'");
  }
}

std::filesystem::path default_model_dir() {
  if (const char* env = std::getenv("ATMAN_MODEL"); env != nullptr && *env != '\0') return env;
  return embedded_model_dir();
}

std::filesystem::path embedded_model_dir() {
  return installed_or_built(std::filesystem::path(ATMAN_INSTALL_MODELS_DIR) / kDefaultModelName,
                            std::filesystem::path(ATMAN_SOURCE_MODELS_DIR) / kDefaultModelName);
}

}  // namespace atman
